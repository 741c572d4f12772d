// SPDX-License-Identifier: Apache-2.0
// engine/local/authenticator.cpp — which flow a login runs, the normal passcode
// flow (with use_first_pass / try_first_pass), next-code mode, the lockout
// and the refusals of DESIGN.md §4. New-PIN mode is in new_pin_mode.cpp.
//
// Rules kept throughout: the failure counter is charged before the slow work;
// PIN and code are always both checked; an expired key is told only after a
// correct passcode, a locked login only after the key's correct code (the PIN
// is not judged during a lock, so the lock is no PIN oracle); the user never learns which part of a
// passcode was wrong; an unknown login costs what a real one costs.
#include "engine/local/authenticator.hpp"

#include "engine/local/decoy.hpp"
#include "engine/log_text.hpp"

#include <ctime>
#include <utility>

namespace okey {

LoginResult login_result(LoginOutcome outcome, std::string serial, std::string reason) {
    LoginResult result;
    result.outcome = outcome;
    result.serial = std::move(serial);
    result.reason = std::move(reason);
    return result;
}

namespace {

std::string serial_of(const LoginView* view) {
    return view != nullptr && view->token ? view->token->spec.serial : std::string();
}

// "YYYY-MM-DD" of a Unix time, UTC: expiry dates compare as strings.
std::string utc_date(std::int64_t unix_time) {
    const auto seconds = static_cast<std::time_t>(unix_time);
    std::tm parts{};
    if (gmtime_r(&seconds, &parts) == nullptr) return {};
    char text[16] = {};
    if (std::strftime(text, sizeof text, "%Y-%m-%d", &parts) == 0) return {};
    return text;
}

}  // namespace

Authenticator::Authenticator(const Config& config, Store& store, const Clock& clock,
                             Prompter& prompter, Logger& logger)
    : config_(config), store_(store), clock_(clock), prompter_(prompter), logger_(logger) {}

LoginResult Authenticator::authenticate(const LoginContext& context) {
    auto loaded = store_.load_login(context.login);
    if (!loaded) return store_failure(nullptr, loaded.error());
    const std::optional<LoginView>& view = loaded.value();
    if (!view) {
        // Staged roll-outs: logins not yet in the store are left to other modules.
        if (config_.unknown_user == UnknownUserPolicy::ignore)
            return login_result(LoginOutcome::ignored, "", "unknown login");
        return normal_mode(context, nullptr, "unknown login");
    }
    // Lost, stock and retired keys are not assigned: such logins have no key.
    const bool has_key = view->token && view->token->state == KeyState::assigned &&
                         view->token->owner == context.login;
    if (!has_key) return normal_mode(context, nullptr, "no key");
    if (view->user.pin_state == PinState::new_pin_required || view->user.pin_hash.empty())
        return new_pin_mode(*view);
    return normal_mode(context, &*view, {});
}

// `view` is null for a decoy login (unknown login, no key): the same prompts
// and work, then a refusal with `decoy_reason`.
LoginResult Authenticator::normal_mode(const LoginContext& context, const LoginView* view,
                                       std::string_view decoy_reason) {
    const bool may_ask = config_.try_first_pass && !config_.use_first_pass;
    if (context.first_pass) {
        Attempt first = check_passcode(view, context.first_pass->view(), decoy_reason);
        if (!(first.may_ask_again && may_ask)) return std::move(first.result);
    } else if (config_.use_first_pass) {
        return login_result(LoginOutcome::refused, serial_of(view),
                            "no passcode from earlier module");
    }
    auto passcode = prompter_.ask_hidden(config_.texts.passcode);
    if (!passcode) return login_result(LoginOutcome::refused, serial_of(view), "conversation failed");
    return std::move(check_passcode(view, passcode->view(), decoy_reason).result);
}

Authenticator::Attempt Authenticator::check_decoy(std::string_view passcode,
                                                  std::string_view decoy_reason) {
    // Parse as a 6-digit key would; a malformed passcode skips the slow work,
    // exactly as a real login does.
    auto parsed = otp::parse_passcode(passcode, passcode_rules(6));
    if (parsed) spend_decoy_work(config_, parsed->pin, parsed->code, clock_.now());
    return {login_result(LoginOutcome::refused, "", std::string(decoy_reason)), true};
}

Authenticator::Attempt Authenticator::check_passcode(const LoginView* view,
                                                     std::string_view passcode,
                                                     std::string_view decoy_reason) {
    if (view == nullptr) return check_decoy(passcode, decoy_reason);
    const TokenRecord& token = *view->token;
    const std::string& serial = token.spec.serial;
    auto key = otp::Key::make(view->secret, token.spec.algorithm, token.spec.digits,
                              token.spec.period);
    if (!key)
        return {login_result(LoginOutcome::service_error, serial,
                             "key unusable: " + std::string(otp::error_text(key.error())))};
    auto parsed = otp::parse_passcode(passcode, passcode_rules(token.spec.digits));

    // Charged before any slow work, so parallel guesses count against the lockout.
    const std::int64_t now = clock_.now();
    auto charge = store_.charge_failure(view->user.login, now, config_.lockout.max_failures,
                                        config_.lockout.lock_seconds);
    if (!charge) return {store_failure(view, charge.error())};
    if (!parsed) return {login_result(LoginOutcome::refused, serial, "malformed passcode"), true};

    // Both checks, always: the time taken must not tell which part was wrong.
    const bool pin_ok = otp::verify_pin(view->user.pin_hash, parsed->pin) == OKEY_OTP_OK;
    const otp::TokenState state{token.last_step ? 1 : 0, token.last_step.value_or(0), token.drift};
    auto match = key->verify(parsed->code, now, window(), state);
    if (!match)
        return {login_result(LoginOutcome::refused, serial,
                             "code check failed: " + std::string(otp::error_text(match.error())))};
    const okey_otp_verdict verdict = match->verdict;

    if (charge->was_locked) {
        // During a lock the PIN is never judged (it was hashed above only so
        // the time taken is the same): tries are not charged then, and an
        // answer that depended on the PIN would let whoever holds the key try
        // PINs until "locked" appears. The key's code is the proof of
        // possession, burnt at once: one answer per step, none about the PIN.
        if (verdict == OKEY_OTP_MATCH) {
            if (auto refusal = accept(*view, match->step, token.drift, false))
                return {std::move(*refusal)};
            prompter_.error(config_.texts.login_locked);
            return {login_result(LoginOutcome::locked, serial, "login locked")};
        }
        // Generic, and asking again like any wrong passcode: nothing tells the lock.
        return {login_result(LoginOutcome::refused, serial, "login locked, code not proven"),
                true};
    }
    if (!pin_ok || verdict == OKEY_OTP_NO_MATCH)
        return {login_result(LoginOutcome::refused, serial, "wrong passcode"), true};
    if (verdict == OKEY_OTP_REPLAY)
        return {login_result(LoginOutcome::refused, serial, "replayed code"), true};
    if (key_expired(token)) {
        if (verdict == OKEY_OTP_MATCH) {
            if (auto refusal = accept(*view, match->step, token.drift, false))
                return {std::move(*refusal)};
            prompter_.error(config_.texts.key_expired);
        }
        return {login_result(LoginOutcome::refused, serial, "key expired")};
    }
    if (verdict == OKEY_OTP_MATCH_RESYNC)
        return {next_code_mode(*view, key.value(), match->step, parsed->pin)};
    // The recorded drift stays: one code typed at a step boundary says little
    // about the key's clock; next-code mode and okeyctl resync change it.
    return {finish_success(*view, match->step, token.drift, parsed->pin, "passcode accepted")};
}

// The key has drifted: the code matched step S only in the resync window. The
// next code must match S+1 exactly; the drift seen then is recorded.
LoginResult Authenticator::next_code_mode(const LoginView& view, const otp::Key& key,
                                          std::uint64_t matched_step, std::string_view pin) {
    const TokenRecord& token = *view.token;
    const std::string& serial = token.spec.serial;
    // sshd shows an information message only with the next prompt: the reason
    // is part of the prompt itself.
    auto answer = prompter_.ask_hidden(with_reason(config_.texts.next_code_reason,
                                                   config_.texts.next_code));
    if (!answer) return login_result(LoginOutcome::refused, serial, "conversation failed");
    const std::uint64_t next_step = matched_step + 1;
    bool equal = false;
    if (answer->size() == token.spec.digits) {
        auto same = key.verify_step(answer->view(), next_step);
        equal = same && same.value();
    }
    if (!equal) return login_result(LoginOutcome::refused, serial, "next code wrong");
    auto step_now = key.step_at(clock_.now());
    if (!step_now) return login_result(LoginOutcome::refused, serial, "clock before the epoch");
    const std::int64_t drift =
        static_cast<std::int64_t>(next_step) - static_cast<std::int64_t>(step_now.value());
    return finish_success(view, next_step, drift, pin, "next code accepted, drift recorded");
}

LoginResult Authenticator::finish_success(const LoginView& view, std::uint64_t step,
                                          std::int64_t drift, std::string_view pin,
                                          std::string_view reason) {
    if (auto refusal = accept(view, step, drift, true)) return std::move(*refusal);
    upgrade_pin_hash(view, pin);
    return login_result(LoginOutcome::success, view.token->spec.serial, std::string(reason));
}

// Hashes made with older Argon2 parameters are replaced after a success,
// outside the login's transaction. A failure here does not undo the login.
void Authenticator::upgrade_pin_hash(const LoginView& view, std::string_view pin) {
    auto needs = otp::pin_needs_rehash(view.user.pin_hash, argon2_params());
    if (!needs || !needs.value()) return;
    auto hash = otp::hash_pin(argon2_params(), pin);
    if (!hash) {
        logger_.log(LogLevel::warning, "login=" + log_field(view.user.login) +
                                           " PIN hash upgrade failed: " +
                                           std::string(otp::error_text(hash.error())));
        return;
    }
    auto stored = store_.upgrade_pin_hash(view.user.login, hash.value());
    if (!stored) {
        logger_.log(LogLevel::warning, "login=" + log_field(view.user.login) +
                                           " PIN hash upgrade failed: " +
                                           log_text(stored.error().message));
        return;
    }
    logger_.log(LogLevel::info, "login=" + log_field(view.user.login) +
                                    " PIN hash upgraded to the configured Argon2 parameters");
}

std::optional<LoginResult> Authenticator::accept(const LoginView& view, std::uint64_t step,
                                                 std::int64_t drift, bool login_succeeded,
                                                 std::optional<std::string> new_pin_hash) {
    StepAcceptance acceptance;
    acceptance.login = view.user.login;
    acceptance.serial = view.token->spec.serial;
    acceptance.step = step;
    acceptance.drift = drift;
    acceptance.now = clock_.now();
    acceptance.login_succeeded = login_succeeded;
    acceptance.new_pin_hash = std::move(new_pin_hash);
    auto verdict = store_.accept_step(acceptance);
    if (!verdict) return store_failure(&view, verdict.error());
    switch (verdict.value()) {
    case StepVerdict::accepted: return std::nullopt;
    case StepVerdict::replayed:
        return login_result(LoginOutcome::refused, acceptance.serial, "replayed code");
    case StepVerdict::key_changed:
        return login_result(LoginOutcome::refused, acceptance.serial, "key changed during login");
    }
    return login_result(LoginOutcome::refused, acceptance.serial, "unexpected store verdict");
}

// A store that cannot answer now (busy, I/O) is "unavailable"; one that must
// not be used (unsafe file, corrupt, misconfigured) is a service error.
LoginOutcome outcome_for_store_error(Errc code) {
    switch (code) {
    case Errc::busy:
    case Errc::io:
    case Errc::not_found:
    case Errc::unavailable: return LoginOutcome::unavailable;
    default: return LoginOutcome::service_error;
    }
}

LoginResult Authenticator::store_failure(const LoginView* view, const Error& error) const {
    return login_result(outcome_for_store_error(error.code), serial_of(view),
                        "store: " + error.message);
}

bool Authenticator::key_expired(const TokenRecord& token) const {
    if (token.spec.expires.empty()) return false;
    const std::string today = utc_date(clock_.now());
    return today.empty() || token.spec.expires < today;  // no date: fail closed
}

otp::PasscodeRules Authenticator::passcode_rules(unsigned code_digits) const {
    return otp::PasscodeRules{code_digits, config_.pin.min_length, config_.pin.max_length, 0};
}

otp::Window Authenticator::window() const {
    return otp::Window{config_.totp.window, config_.totp.resync_window};
}

otp::Argon2Params Authenticator::argon2_params() const {
    return otp::Argon2Params{config_.pin.argon2.memory_kib, config_.pin.argon2.iterations,
                             config_.pin.argon2.parallelism};
}

std::string with_reason(std::string_view reason, std::string_view prompt) {
    if (reason.empty()) return std::string(prompt);
    std::string text(reason);
    if (text.back() != ' ' && text.back() != '\n') text += ' ';
    text += prompt;
    return text;
}

}  // namespace okey
