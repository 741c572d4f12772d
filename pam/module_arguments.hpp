// SPDX-License-Identifier: Apache-2.0
// pam/module_arguments.hpp — the module's arguments from the pam.d line, read
// on top of the config file they name (config=), DESIGN.md §7.
#pragma once

#include "engine/config.hpp"
#include "engine/result.hpp"

namespace okey::pam {

// Load the config named by `config=` (default /etc/okey/okey.conf), trusted
// only if owned by `trusted_owner`, then apply the other arguments in order.
// Any problem — unreadable or unsafe file, bad key, unknown argument — is an
// error naming the file, line and key or the argument: the module fails closed.
Result<Config> read_module_arguments(int argc, const char** argv, unsigned trusted_owner);

}  // namespace okey::pam
