// SPDX-License-Identifier: Apache-2.0
// pam/outcome.hpp — the one place mapping an engine outcome to a PAM code.
#pragma once

#include "engine/login.hpp"

namespace okey::pam {

int pam_code(LoginOutcome outcome) noexcept;

}  // namespace okey::pam
