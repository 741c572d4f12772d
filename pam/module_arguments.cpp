// SPDX-License-Identifier: Apache-2.0
// pam/module_arguments.cpp — config= chooses the file; every other argument
// goes through okey::apply_module_argument, the engine's one reading of them.
#include "pam/module_arguments.hpp"

#include <string>
#include <string_view>

namespace okey::pam {

namespace {
constexpr std::string_view config_prefix = "config=";
}

Result<Config> read_module_arguments(int argc, const char** argv, unsigned trusted_owner) {
    // config= first, wherever it stands: the other arguments override the file.
    std::string path = default_config_path;
    bool config_seen = false;
    for (int i = 0; i < argc; ++i) {
        if (argv[i] == nullptr) return make_error(Errc::config, "module argument: null");
        std::string_view argument = argv[i];
        if (!argument.starts_with(config_prefix)) continue;
        if (config_seen) return make_error(Errc::config, "module argument: config= given twice");
        path = std::string(argument.substr(config_prefix.size()));
        if (path.empty() || path.front() != '/')
            return make_error(Errc::config, "module argument: config= needs an absolute path");
        config_seen = true;
    }

    Result<Config> loaded = load_config(path, trusted_owner);
    if (!loaded) return loaded.error();
    Config config = std::move(loaded).value();

    for (int i = 0; i < argc; ++i) {
        std::string_view argument = argv[i];
        if (argument.starts_with(config_prefix)) continue;
        Result<void> applied = apply_module_argument(config, argument);
        if (!applied) return applied.error();
    }
    return config;
}

}  // namespace okey::pam
