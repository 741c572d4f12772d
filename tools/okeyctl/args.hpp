// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/args.hpp — command-line parsing for okeyctl: the global
// options (DESIGN.md §6) and each verb's own options and positional
// arguments. `--name value` and `--name=value`; `--` ends the options.
// Anything unexpected is a usage error (exit 2), never silently ignored.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace okeyctl {

struct OptionSpec {
    std::string_view name;  // without the leading "--"
    bool takes_value;
};

struct Arguments {
    std::vector<std::string> positional;
    std::map<std::string, std::string, std::less<>> values;  // options with a value
    std::set<std::string, std::less<>> flags;                // options without

    bool has(std::string_view flag) const { return flags.count(flag) > 0 || values.count(flag) > 0; }
    std::optional<std::string> value(std::string_view name) const {
        auto it = values.find(name);
        if (it == values.end()) return std::nullopt;
        return it->second;
    }
};

struct UsageError {
    std::string message;
};

// The options every verb accepts (also allowed after the verb words).
inline constexpr OptionSpec global_options[] = {
    {"config", true}, {"store", true}, {"key-file", true}, {"json", false}, {"help", false}};

// Parse `args` against `options` (plus the global ones); the number of
// positional arguments must lie in [min_positional, max_positional].
// Throws UsageError (caught in main, exit 2).
Arguments parse_arguments(std::span<const std::string> args, std::initializer_list<OptionSpec> options,
                          std::size_t min_positional, std::size_t max_positional);

// Parse the global options that come before the verb; returns the index of
// the first verb word.
std::size_t parse_global_options(std::span<const std::string> args, Arguments& into);

}  // namespace okeyctl
