// SPDX-License-Identifier: Apache-2.0
// engine/module_arguments.cpp — config= chooses the file; every other argument
// goes through okey::apply_module_argument, the engine's one reading of them.
#include "engine/module_arguments.hpp"

#include <string_view>

namespace okey {

namespace {

constexpr std::string_view config_prefix = "config=";

bool is_config(std::string_view argument) { return argument.starts_with(config_prefix); }

Result<void> apply_others(Config& config, const ModuleArguments& arguments) {
    for (const std::string& argument : arguments) {
        if (is_config(argument)) continue;
        Result<void> applied = apply_module_argument(config, argument);
        if (!applied) return applied.error();
    }
    return {};
}

}  // namespace

Result<ModuleArguments> module_arguments(int argc, const char* const* argv) {
    ModuleArguments arguments;
    for (int i = 0; i < argc; ++i) {
        if (argv == nullptr || argv[i] == nullptr)
            return make_error(Errc::config, "module argument: null");
        arguments.emplace_back(argv[i]);
    }
    return arguments;
}

Result<std::string> config_path_of(const ModuleArguments& arguments) {
    std::string path = default_config_path;
    bool seen = false;
    for (const std::string& argument : arguments) {
        if (!is_config(argument)) continue;
        if (seen) return make_error(Errc::config, "module argument: config= given twice");
        path = argument.substr(config_prefix.size());
        if (path.empty() || path.front() != '/')
            return make_error(Errc::config, "module argument: config= needs an absolute path");
        seen = true;
    }
    return path;
}

Result<Config> load_config_with(const ModuleArguments& arguments, unsigned trusted_owner) {
    // config= first, wherever it stands: the other arguments override the file.
    Result<std::string> path = config_path_of(arguments);
    if (!path) return path.error();
    Result<Config> loaded = load_config(*path, trusted_owner);
    if (!loaded) return loaded.error();
    Config config = std::move(loaded).value();
    if (auto applied = apply_others(config, arguments); !applied) return applied.error();
    return config;
}

Result<Config> arguments_only(const ModuleArguments& arguments) {
    if (auto path = config_path_of(arguments); !path) return path.error();
    Config config;
    if (auto applied = apply_others(config, arguments); !applied) return applied.error();
    return config;
}

}  // namespace okey
