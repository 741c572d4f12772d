// SPDX-License-Identifier: Apache-2.0
// engine/module_arguments.hpp — the module's arguments from the pam.d line
// (DESIGN.md §7), read on top of the config file they name (config=). The PAM
// module reads them; okey-check receives the same list from the module.
#pragma once

#include "engine/config.hpp"
#include "engine/result.hpp"

#include <string>
#include <vector>

namespace okey {

using ModuleArguments = std::vector<std::string>;

// argv as PAM hands it over; a null entry is an error.
Result<ModuleArguments> module_arguments(int argc, const char* const* argv);

// The file `config=` names (an absolute path; given at most once), else the
// default path.
Result<std::string> config_path_of(const ModuleArguments& arguments);

// Load the config `config=` names, trusted only if owned by `trusted_owner`,
// then apply the other arguments in order. Any problem — unreadable or unsafe
// file, bad key, unknown argument — is an error naming the file, line and key
// or the argument: the module fails closed.
Result<Config> load_config_with(const ModuleArguments& arguments, unsigned trusted_owner);

// The arguments other than config= over the defaults, without reading any
// file (the module when it is not root: okey-check reads the file).
Result<Config> arguments_only(const ModuleArguments& arguments);

}  // namespace okey
