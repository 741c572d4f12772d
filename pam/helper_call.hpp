// SPDX-License-Identifier: Apache-2.0
// pam/helper_call.hpp — the login when pam_okey.so is not root (a screen
// locker, vlock…): the store is root's, so okey-check (setuid root, DESIGN.md
// §10) runs the flow and the module only relays its questions through PAM.
#pragma once

#include "engine/logger.hpp"
#include "engine/login.hpp"
#include "engine/module_arguments.hpp"
#include "engine/prompter.hpp"

#include <optional>

namespace okey::pam {

// Run okey-check for `context` with the module's own arguments; its exit
// status is the outcome (okey-check logs its decision itself). okey-check
// missing or not runnable is `unavailable`; one that ends without an outcome
// (killed, crashed) is `refused`: both are logged here, naming the login.
// With forward_pass, the password okey-check sends goes to `password`.
LoginResult check_through_helper(const LoginContext& context, const ModuleArguments& arguments,
                                 Prompter& prompter, Logger& logger,
                                 std::optional<otp::SecretString>* password = nullptr);

}  // namespace okey::pam
