// SPDX-License-Identifier: Apache-2.0
// engine/engine.cpp — small shared definitions of the engine.
#include "engine/login.hpp"

namespace okey {

std::string_view to_string(LoginOutcome outcome) {
    switch (outcome) {
    case LoginOutcome::success: return "success";
    case LoginOutcome::refused: return "refused";
    case LoginOutcome::locked: return "locked";
    case LoginOutcome::ignored: return "ignored";
    case LoginOutcome::unavailable: return "unavailable";
    case LoginOutcome::service_error: return "service_error";
    }
    return "refused";
}

}  // namespace okey
