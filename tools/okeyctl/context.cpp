// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/context.cpp — see context.hpp.
#include "context.hpp"

#include <unistd.h>

namespace okeyctl {

Context::Context(Arguments global)
    : global_(std::move(global)), output_(global_.has("json")), owner_(static_cast<unsigned>(geteuid())) {}

void Context::merge_global(const Arguments& verb_arguments) {
    for (const auto& option : global_options) {
        const std::string name(option.name);
        if (!verb_arguments.has(name)) continue;
        if (global_.has(name)) throw UsageError{"option --" + name + " given twice"};
        if (option.takes_value) {
            global_.values.emplace(name, *verb_arguments.value(name));
        } else {
            global_.flags.insert(name);
        }
    }
    output_ = Output(global_.has("json"));
}

const okey::Config& Context::config() {
    if (config_) return *config_;
    const auto path = global_.value("config").value_or(okey::default_config_path);
    // Files owned by the invoking user are trusted (a test or staging store);
    // files owned by root are trusted by everyone.
    auto loaded = okey::load_config(path, owner_);
    if (!loaded && owner_ != 0) {
        auto as_root = okey::load_config(path, 0);
        if (as_root) loaded = std::move(as_root);
    }
    config_ = unwrap(std::move(loaded));
    if (auto store = global_.value("store")) config_->store = *store;
    if (auto key_file = global_.value("key-file")) config_->key_file = *key_file;
    return *config_;
}

okey::StoreOptions Context::store_options() {
    okey::StoreOptions options;
    options.path = config().store;
    options.key_file = config().key_file;
    options.trusted_owner = owner_;
    return options;
}

okey::Store& Context::store() {
    if (!store_) store_.emplace(unwrap(okey::Store::open(store_options())));
    return *store_;
}

}  // namespace okeyctl
