// SPDX-License-Identifier: Apache-2.0
// pam/outcome.cpp — LoginOutcome → PAM return code (DESIGN.md §4). Anything
// unforeseen fails closed as PAM_SERVICE_ERR, never as a success.
#include "pam/outcome.hpp"

#include <security/pam_modules.h>

namespace okey::pam {

int pam_code(LoginOutcome outcome) noexcept {
    switch (outcome) {
    case LoginOutcome::success: return PAM_SUCCESS;
    case LoginOutcome::refused: return PAM_AUTH_ERR;
    case LoginOutcome::locked: return PAM_MAXTRIES;
    case LoginOutcome::ignored: return PAM_IGNORE;
    case LoginOutcome::unavailable: return PAM_AUTHINFO_UNAVAIL;
    case LoginOutcome::service_error: return PAM_SERVICE_ERR;
    }
    return PAM_SERVICE_ERR;
}

}  // namespace okey::pam
