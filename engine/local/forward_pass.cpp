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
#include "engine/local/decoy.hpp"
#include "engine/local/login_flow.hpp"

#include <optional>
#include <vector>

namespace okey {
namespace {

bool all_digits(std::string_view text) {
    for (char c : text)
        if (c < '0' || c > '9') return false;
    return true;
}

// The PIN + code splits of a typed text, one per PIN length allowed.
struct Splits {
    std::string_view code;              // the last `digits` characters
    std::vector<std::string_view> pins;  // length min + i, or "" when the text is too short
    std::vector<bool> usable;            // that PIN is there and is digits only
    bool code_ok = false;                // the code part is there and is digits only
};

Splits split(std::string_view typed, unsigned digits, unsigned pin_min, unsigned pin_max) {
    Splits s;
    if (typed.size() >= digits) s.code = typed.substr(typed.size() - digits);
    s.code_ok = typed.size() >= digits && all_digits(s.code);
    const std::string_view before = typed.substr(0, typed.size() - s.code.size());
    for (unsigned length = pin_min; length <= pin_max; ++length) {
        const bool there = s.code_ok && before.size() >= length;
        const std::string_view pin = there ? before.substr(before.size() - length) : std::string_view();
        s.pins.push_back(pin);
        s.usable.push_back(there && all_digits(pin));
    }
    return s;
}

// What a real forwarded login costs, with nothing real to check.
void spend_forwarded_decoy_work(const Config& config, const Splits& splits, std::int64_t now) {
    if (!splits.code_ok) return;
    spend_decoy_work(config, splits.pins.front(), splits.code, now);
    const std::string hash = decoy_pin_hash(config.pin.argon2);
    for (std::size_t i = 1; i < splits.pins.size(); ++i) (void)otp::verify_pin(hash, splits.pins[i]);
}

}  // namespace

FlowRound LoginFlow::start_forwarded(const LoginContext& context, std::string_view typed,
                                     const Texts& texts) {
    if (auto decided = open_login(context, texts)) return std::move(*decided);
    state_.phase = FlowPhase::passcode;
    const unsigned pin_min = config_.pin.min_length, pin_max = config_.pin.max_length;
    // Nothing real to check: a real login's work, the store's included.
    auto spend_decoy = [&](const Splits& splits, std::string reason) {
        const std::int64_t now = clock_.now();
        if (auto charged = store_.charge_decoy(now); !charged)
            return decide(store_failure(charged.error()));
        spend_forwarded_decoy_work(config_, splits, now);
        return refuse(std::move(reason));
    };
    if (state_.decoy != Decoy::none)
        return spend_decoy(split(typed, 6, pin_min, pin_max), decoy_reason(state_.decoy));
    const TokenRecord& token = *view_->token;
    const Splits splits = split(typed, token.spec.digits, pin_min, pin_max);
    // The code alone, then the PIN twice: not something one field can give.
    if (in_new_pin_mode(view_->user)) return spend_decoy(splits, "new-PIN mode needs a conversation");
    auto key = current_key();
    if (!key) return key_unusable(key.error());

    // Charged once, before any slow work, whatever the number of lengths tried.
    const std::int64_t now = clock_.now();
    auto charge = charge_failure(now);
    if (!charge) return decide(store_failure(charge.error()));
    if (!splits.code_ok) return refuse("malformed passcode");

    std::optional<std::size_t> matched;
    for (std::size_t i = 0; i < splits.pins.size(); ++i) {
        const bool equal = otp::verify_pin(view_->user.pin_hash, splits.pins[i]) == OKEY_OTP_OK;
        if (equal && splits.usable[i] && !matched) matched = i;
    }
    auto match = key->verify(splits.code, now, window(), token_state(token));
    if (!match) return refuse("code check failed: " + std::string(otp::error_text(match.error())));
    const std::string_view pin = matched ? splits.pins[*matched] : std::string_view();
    if (matched) forwarded_length_ = pin.size() + splits.code.size();
    return std::move(judge(charge->was_locked, matched.has_value(), match.value(), pin).round);
}

}  // namespace okey
