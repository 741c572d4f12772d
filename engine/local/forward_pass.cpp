// SPDX-License-Identifier: Apache-2.0
// engine/local/forward_pass.cpp — single-field clients (screen lockers,
// OpenVPN: DESIGN.md §10) type the password followed by the passcode in one
// field. The PIN + code are found at the end of the text, trying each PIN
// length the policy allows, so that the rest can go on to the next module.
//
// Timing does not tell which length matched, nor whether one did: once the
// code part is digits, every length in pin.min_length..pin.max_length costs
// one Argon2id verification — of the PIN candidate when the text has one of
// that length, else of an empty one, against the login's hash (the decoy
// hash when there is nothing real to check) — in the same order, with no
// early exit; then the code is verified once. A text whose last characters
// are not a code does no slow work, as a malformed passcode in normal mode.
// The checks themselves are those of a typed passcode (passcode.cpp): the
// key's code, an emergency code, a lost key.
#include "engine/local/login_flow.hpp"
#include "engine/local/reading.hpp"

namespace okey {

FlowRound LoginFlow::start_forwarded(const LoginContext& context, std::string_view typed,
                                     const Texts& texts) {
    if (auto decided = open_login(context, texts)) return std::move(*decided);
    state_.phase = FlowPhase::passcode;
    ForwardedText reading(typed, config_.pin.min_length, config_.pin.max_length);
    if (state_.decoy == Decoy::none && in_new_pin_mode(view_->user)) {
        // The code alone, then the PIN twice: not something one field can give.
        if (auto spent = spend_decoy_checks(reading, clock_.now()); !spent)
            return decide(store_failure(spent.error()));
        return refuse("new-PIN mode needs a conversation");
    }
    // The passcode check of a typed passcode, the PIN lengths tried from the
    // end of the text (engine/local/reading.hpp), one failure charged.
    FlowRound round = std::move(check_reading(reading).round);
    forwarded_length_ = reading.matched_length();
    return round;
}

}  // namespace okey
