// SPDX-License-Identifier: Apache-2.0
// engine/local/authenticator.hpp — the login state machine over the local store
// (DESIGN.md §4): normal passcode, next-code mode on drift, new-PIN mode,
// lockout, and the refusals (unknown login, no key, expired key). It decides
// one login; run_login (engine/login.cpp) audits and logs the decision.
#pragma once

#include "engine/clock.hpp"
#include "engine/config.hpp"
#include "engine/logger.hpp"
#include "engine/login.hpp"
#include "engine/prompter.hpp"
#include "engine/store/store.hpp"

#include <okey/otp.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace okey {

class Authenticator {
public:
    Authenticator(const Config& config, Store& store, const Clock& clock, Prompter& prompter,
                  Logger& logger);

    // Never throws for a decision; allocation failures may still throw and
    // are caught at run_login's boundary.
    LoginResult authenticate(const LoginContext& context);

private:
    // The outcome of checking one passcode, and whether try_first_pass may
    // ask again after it (a plain wrong passcode, not a told refusal).
    struct Attempt {
        LoginResult result;
        bool may_ask_again = false;
    };

    LoginResult normal_mode(const LoginContext& context, const LoginView* view,
                            std::string_view decoy_reason);
    Attempt check_passcode(const LoginView* view, std::string_view passcode,
                           std::string_view decoy_reason);
    Attempt check_decoy(std::string_view passcode, std::string_view decoy_reason);
    LoginResult next_code_mode(const LoginView& view, const otp::Key& key,
                               std::uint64_t matched_step, std::string_view pin);
    LoginResult new_pin_mode(const LoginView& view);
    Result<otp::SecretString> choose_new_pin();
    LoginResult finish_success(const LoginView& view, std::uint64_t step, std::int64_t drift,
                               std::string_view pin, std::string_view reason);
    void upgrade_pin_hash(const LoginView& view, std::string_view pin);

    // Accept `step` in the store; a refusal result when the store said no.
    std::optional<LoginResult> accept(const LoginView& view, std::uint64_t step,
                                      std::int64_t drift, bool login_succeeded,
                                      std::optional<std::string> new_pin_hash = std::nullopt);
    LoginResult store_failure(const LoginView* view, const Error& error) const;
    bool key_expired(const TokenRecord& token) const;
    otp::PasscodeRules passcode_rules(unsigned code_digits) const;
    otp::Window window() const;
    otp::Argon2Params argon2_params() const;

    const Config& config_;
    Store& store_;
    const Clock& clock_;
    Prompter& prompter_;
    Logger& logger_;
};

// Helpers shared by the flow files and engine/login.cpp.
LoginResult login_result(LoginOutcome outcome, std::string serial, std::string reason);
LoginOutcome outcome_for_store_error(Errc code);
// A prompt preceded by the reason it is asked (sshd shows information
// messages only with the next prompt, so the reason travels in the prompt).
std::string with_reason(std::string_view reason, std::string_view prompt);

}  // namespace okey
