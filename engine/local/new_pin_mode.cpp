// SPDX-License-Identifier: Apache-2.0
// engine/local/new_pin_mode.cpp — new-PIN mode (DESIGN.md §4.2): a key just
// assigned, or a PIN reset by the administrator. The code alone proves the
// key and is burnt at once; the new PIN is chosen twice (kept between the two
// only as its Argon2id hash); then a full passcode with a code at a strictly
// later step proves both before the PIN is stored.
#include "engine/local/login_flow.hpp"
#include "engine/texts.hpp"

#include <utility>

namespace okey {

namespace {
constexpr unsigned new_pin_tries = 3;
}

FlowRound LoginFlow::begin_new_pin() {
    // Prompts are required here; a passcode from an earlier module (try_first_pass,
    // or the remote fallback) is not what this mode asks for and is ignored.
    if (config_.use_first_pass) return refuse("new-PIN mode needs a conversation");
    auto key = current_key();
    if (!key) return key_unusable(key.error());
    FlowState next = state_;
    next.phase = FlowPhase::new_pin_code;
    // "the 6 digits", or 8: what this key shows.
    const std::string intro = fill_code_digits(texts_->new_pin_intro, view_->token->spec.digits);
    return ask(std::move(next), with_reason(intro, texts_->code_only));
}

FlowRound LoginFlow::answer_new_pin_code(std::string_view code) {
    const TokenRecord& token = *view_->token;
    auto key = current_key();
    if (!key) return key_unusable(key.error());
    const std::int64_t now = clock_.now();
    auto charge = charge_failure(now);
    if (!charge) return decide(store_failure(charge.error()));
    otp::PasscodeRules code_only = passcode_rules(token.spec.digits);
    code_only.allow_code_only = 1;
    auto parsed = otp::parse_passcode(code, code_only);
    if (!parsed || !parsed->pin.empty()) return refuse("malformed code");

    auto match = key->verify(parsed->code, now, window(), token_state(token));
    if (!match) return refuse("code check failed: " + std::string(otp::error_text(match.error())));
    const okey_otp_verdict verdict = match->verdict;
    if (charge->was_locked) {
        if (verdict == OKEY_OTP_MATCH) {
            if (auto refusal = accept(match->step, token.drift, false))
                return decide(std::move(*refusal));
            return told_refusal(LoginOutcome::locked, "login locked", texts_->login_locked);
        }
        return refuse("login locked, code not proven");
    }
    if (verdict == OKEY_OTP_REPLAY) return refuse("replayed code");
    if (verdict != OKEY_OTP_MATCH) return refuse("wrong code");  // next-code mode is not offered here
    if (key_expired(token)) {
        if (auto refusal = accept(match->step, token.drift, false)) return decide(std::move(*refusal));
        return told_refusal(LoginOutcome::refused, "key expired", texts_->key_expired);
    }
    // Burn the first step now: it cannot be replayed, and the final passcode
    // must carry a later one.
    if (auto refusal = accept(match->step, token.drift, false)) return decide(std::move(*refusal));
    FlowState next = state_;
    next.phase = FlowPhase::new_pin_choose;
    next.step = match->step;
    next.pin_tries = new_pin_tries;
    return ask(std::move(next), texts_->new_pin);
}

FlowRound LoginFlow::answer_new_pin(std::string_view pin) {
    const otp::PinPolicy policy{config_.pin.min_length, config_.pin.max_length,
                                config_.pin.refuse_trivial ? 1 : 0};
    const int verdict = otp::check_pin(policy, pin);
    if (verdict == OKEY_OTP_ERR_PIN_TRIVIAL) return pin_choice_failed(texts_->pin_trivial);
    if (verdict != OKEY_OTP_OK) return pin_choice_failed(texts_->pin_invalid);
    // The PIN is kept only as its hash from here on: the confirmation and the
    // final passcode are verified against it.
    auto hash = otp::hash_pin(argon2_params(), pin);
    if (!hash)
        return decide(login_result(LoginOutcome::service_error, state_.serial,
                                   "PIN hash failed: " + std::string(otp::error_text(hash.error()))));
    FlowState next = state_;
    next.phase = FlowPhase::new_pin_confirm;
    next.pin_hash = std::move(hash.value());
    return ask(std::move(next), texts_->confirm_pin);
}

FlowRound LoginFlow::answer_confirmation(std::string_view confirmation) {
    if (otp::verify_pin(state_.pin_hash, confirmation) != OKEY_OTP_OK)
        return pin_choice_failed(texts_->pin_mismatch);
    FlowState next = state_;
    next.phase = FlowPhase::new_pin_final;
    next.pin_tries = 0;
    return ask(std::move(next), texts_->new_pin_passcode);
}

// A policy failure or a mismatch: told, and asked again while tries are left.
FlowRound LoginFlow::pin_choice_failed(const std::string& message) {
    std::vector<FlowMessage> messages{FlowMessage{FlowMessage::Kind::error, message}};
    if (state_.pin_tries <= 1)
        return decide(login_result(LoginOutcome::refused, state_.serial, "new PIN not chosen"),
                      std::move(messages));
    FlowState next = state_;
    next.phase = FlowPhase::new_pin_choose;
    next.pin_hash.clear();
    --next.pin_tries;
    return ask(std::move(next), texts_->new_pin, std::move(messages));
}

FlowRound LoginFlow::answer_final_passcode(std::string_view passcode) {
    const TokenRecord& token = *view_->token;
    auto key = current_key();
    if (!key) return key_unusable(key.error());
    auto parts = otp::parse_passcode(passcode, passcode_rules(token.spec.digits));
    if (!parts) return refuse("malformed passcode");
    // Both checks, always, as in normal mode.
    const bool pin_ok = otp::verify_pin(state_.pin_hash, parts->pin) == OKEY_OTP_OK;
    const otp::TokenState after_first{1, state_.step, token.drift};
    auto second = key->verify(parts->code, clock_.now(), window(), after_first);
    if (!second) return refuse("code check failed: " + std::string(otp::error_text(second.error())));
    if (!pin_ok || (second->verdict != OKEY_OTP_MATCH && second->verdict != OKEY_OTP_REPLAY))
        return refuse("wrong passcode");
    if (second->verdict == OKEY_OTP_REPLAY) return refuse("replayed code");
    // Still in new-PIN mode ("" judged): a PIN chosen meanwhile in another
    // session is not overwritten.
    if (auto refusal = accept(second->step, token.drift, true, std::string(), state_.pin_hash))
        return decide(std::move(*refusal));
    return decide(login_result(LoginOutcome::success, state_.serial, "new PIN set"),
                  {FlowMessage{FlowMessage::Kind::info, texts_->pin_saved}});
}

}  // namespace okey
