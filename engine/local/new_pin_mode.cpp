// SPDX-License-Identifier: Apache-2.0
// engine/local/new_pin_mode.cpp — new-PIN mode (DESIGN.md §4.2): a key just
// assigned, or a PIN reset by the administrator. The code alone proves the
// key; the new PIN is chosen twice; then a full passcode with a code at a
// strictly later step proves both before the PIN is stored.
#include "engine/local/authenticator.hpp"

#include <utility>

namespace okey {

namespace {
constexpr int new_pin_tries = 3;
}

LoginResult Authenticator::new_pin_mode(const LoginView& view) {
    const TokenRecord& token = *view.token;
    const std::string& serial = token.spec.serial;
    // Prompts are required here; a passcode from an earlier module (try_first_pass,
    // or the remote fallback) is not what this mode asks for and is ignored.
    if (config_.use_first_pass)
        return login_result(LoginOutcome::refused, serial, "new-PIN mode needs a conversation");
    auto key = otp::Key::make(view.secret, token.spec.algorithm, token.spec.digits,
                              token.spec.period);
    if (!key)
        return login_result(LoginOutcome::service_error, serial,
                            "key unusable: " + std::string(otp::error_text(key.error())));

    auto code = prompter_.ask_hidden(with_reason(config_.texts.new_pin_intro,
                                                 config_.texts.code_only));
    if (!code) return login_result(LoginOutcome::refused, serial, "conversation failed");
    const std::int64_t now = clock_.now();
    auto charge = store_.charge_failure(view.user.login, now, config_.lockout.max_failures,
                                        config_.lockout.lock_seconds);
    if (!charge) return store_failure(&view, charge.error());
    otp::PasscodeRules code_only = passcode_rules(token.spec.digits);
    code_only.allow_code_only = 1;
    auto parsed = otp::parse_passcode(code->view(), code_only);
    if (!parsed || !parsed->pin.empty())
        return login_result(LoginOutcome::refused, serial, "malformed code");

    const otp::TokenState state{token.last_step ? 1 : 0, token.last_step.value_or(0), token.drift};
    auto match = key->verify(parsed->code, now, window(), state);
    if (!match)
        return login_result(LoginOutcome::refused, serial,
                            "code check failed: " + std::string(otp::error_text(match.error())));
    const okey_otp_verdict verdict = match->verdict;
    if (charge->was_locked) {
        if (verdict == OKEY_OTP_MATCH) {
            if (auto refusal = accept(view, match->step, token.drift, false))
                return std::move(*refusal);
            prompter_.error(config_.texts.login_locked);
            return login_result(LoginOutcome::locked, serial, "login locked");
        }
        return login_result(LoginOutcome::refused, serial, "login locked, code not proven");
    }
    if (verdict == OKEY_OTP_REPLAY)
        return login_result(LoginOutcome::refused, serial, "replayed code");
    if (verdict != OKEY_OTP_MATCH)  // next-code mode is not offered here
        return login_result(LoginOutcome::refused, serial, "wrong code");
    if (key_expired(token)) {
        if (auto refusal = accept(view, match->step, token.drift, false))
            return std::move(*refusal);
        prompter_.error(config_.texts.key_expired);
        return login_result(LoginOutcome::refused, serial, "key expired");
    }
    // Burn the first step now: it cannot be replayed, and the final passcode
    // must carry a later one.
    const std::uint64_t first_step = match->step;
    const std::int64_t drift = token.drift;
    if (auto refusal = accept(view, first_step, drift, false)) return std::move(*refusal);

    auto pin = choose_new_pin();
    if (!pin) return login_result(LoginOutcome::refused, serial, pin.error().message);
    // The slow hash runs before the last prompt, while the user waits for the
    // key's code to change anyway.
    auto pin_hash = otp::hash_pin(argon2_params(), pin->view());
    if (!pin_hash)
        return login_result(LoginOutcome::service_error, serial,
                            "PIN hash failed: " + std::string(otp::error_text(pin_hash.error())));

    auto passcode = prompter_.ask_hidden(config_.texts.new_pin_passcode);
    if (!passcode) return login_result(LoginOutcome::refused, serial, "conversation failed");
    auto final_parts = otp::parse_passcode(passcode->view(), passcode_rules(token.spec.digits));
    if (!final_parts) return login_result(LoginOutcome::refused, serial, "malformed passcode");
    const bool pin_equal = otp::equal_constant_time(final_parts->pin, pin->view());
    const otp::TokenState after_first{1, first_step, drift};
    auto second = key->verify(final_parts->code, clock_.now(), window(), after_first);
    if (!second)
        return login_result(LoginOutcome::refused, serial,
                            "code check failed: " + std::string(otp::error_text(second.error())));
    if (!pin_equal || (second->verdict != OKEY_OTP_MATCH && second->verdict != OKEY_OTP_REPLAY))
        return login_result(LoginOutcome::refused, serial, "wrong passcode");
    if (second->verdict == OKEY_OTP_REPLAY)
        return login_result(LoginOutcome::refused, serial, "replayed code");
    if (auto refusal = accept(view, second->step, drift, true,
                              std::move(pin_hash.value())))
        return std::move(*refusal);
    prompter_.inform(config_.texts.pin_saved);
    return login_result(LoginOutcome::success, serial, "new PIN set");
}

// Ask the new PIN and its confirmation; policy failures and mismatches are
// told and asked again, at most new_pin_tries times in all.
Result<otp::SecretString> Authenticator::choose_new_pin() {
    const otp::PinPolicy policy{config_.pin.min_length, config_.pin.max_length,
                                config_.pin.refuse_trivial ? 1 : 0};
    for (int attempt = 0; attempt < new_pin_tries; ++attempt) {
        auto pin = prompter_.ask_hidden(config_.texts.new_pin);
        if (!pin) return make_error(Errc::unavailable, "conversation failed");
        const int verdict = otp::check_pin(policy, pin->view());
        if (verdict == OKEY_OTP_ERR_PIN_TRIVIAL) {
            prompter_.error(config_.texts.pin_trivial);
            continue;
        }
        if (verdict != OKEY_OTP_OK) {
            prompter_.error(config_.texts.pin_invalid);
            continue;
        }
        auto confirmation = prompter_.ask_hidden(config_.texts.confirm_pin);
        if (!confirmation) return make_error(Errc::unavailable, "conversation failed");
        if (!otp::equal_constant_time(pin->view(), confirmation->view())) {
            prompter_.error(config_.texts.pin_mismatch);
            continue;
        }
        return std::move(pin.value());
    }
    return make_error(Errc::wrong_state, "new PIN not chosen");
}

}  // namespace okey
