// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/args.cpp — see args.hpp.
#include "args.hpp"

#include <algorithm>
#include <vector>

namespace okeyctl {
namespace {

const OptionSpec* find_option(std::string_view name, const std::vector<OptionSpec>& known) {
    auto it = std::find_if(known.begin(), known.end(), [&](const OptionSpec& o) { return o.name == name; });
    return it == known.end() ? nullptr : &*it;
}

// Parse one "--name[=value]" at args[i]; advances i past its value.
void take_option(std::span<const std::string> args, std::size_t& i, const std::vector<OptionSpec>& known,
                 Arguments& into) {
    std::string_view word = args[i];
    word.remove_prefix(2);
    std::optional<std::string> inline_value;
    if (auto eq = word.find('='); eq != std::string_view::npos) {
        inline_value = std::string(word.substr(eq + 1));
        word = word.substr(0, eq);
    }
    const OptionSpec* spec = find_option(word, known);
    if (spec == nullptr) throw UsageError{"unknown option --" + std::string(word)};
    const std::string name(word);
    if (into.has(name)) throw UsageError{"option --" + name + " given twice"};
    if (!spec->takes_value) {
        if (inline_value) throw UsageError{"option --" + name + " takes no value"};
        into.flags.insert(name);
        return;
    }
    if (!inline_value) {
        if (i + 1 >= args.size()) throw UsageError{"option --" + name + " needs a value"};
        inline_value = args[++i];
    }
    into.values.emplace(name, *inline_value);
}

bool is_option(const std::string& word) { return word.size() > 2 && word.compare(0, 2, "--") == 0; }

}  // namespace

std::size_t parse_global_options(std::span<const std::string> args, Arguments& into) {
    const std::vector<OptionSpec> known(std::begin(global_options), std::end(global_options));
    std::size_t i = 0;
    for (; i < args.size() && is_option(args[i]); ++i) take_option(args, i, known, into);
    return i;
}

Arguments parse_arguments(std::span<const std::string> args, std::initializer_list<OptionSpec> options,
                          std::size_t min_positional, std::size_t max_positional) {
    std::vector<OptionSpec> known(options);
    known.insert(known.end(), std::begin(global_options), std::end(global_options));
    Arguments parsed;
    bool options_ended = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (!options_ended && args[i] == "--") {
            options_ended = true;
        } else if (!options_ended && is_option(args[i])) {
            take_option(args, i, known, parsed);
        } else {
            parsed.positional.push_back(args[i]);
        }
    }
    if (parsed.positional.size() < min_positional) throw UsageError{"missing argument"};
    if (parsed.positional.size() > max_positional) {
        // Not echoed: a secret pasted by mistake must not land in a log.
        throw UsageError{"too many arguments"};
    }
    return parsed;
}

}  // namespace okeyctl
