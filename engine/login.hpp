// SPDX-License-Identifier: Apache-2.0
// engine/login.hpp — one login attempt, as the PAM module and `okeyctl check`
// run it: choose the backend from the config, run the flow of DESIGN.md §4
// (local store) or §5 (remote service), audit and log the outcome. Never
// throws; every failure to decide is a refusal (fail closed).
#pragma once

#include "engine/clock.hpp"
#include "engine/config.hpp"
#include "engine/logger.hpp"
#include "engine/prompter.hpp"

#include <okey/otp.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace okey {

struct LoginContext {
    std::string login;
    std::string service;      // PAM service ("sshd") or "okeyctl"
    std::string remote_host;  // PAM_RHOST, "" when local
    // A passcode given by an earlier module (use_first_pass / try_first_pass).
    std::optional<otp::SecretString> first_pass;
};

enum class LoginOutcome {
    success,        // PAM_SUCCESS
    refused,        // PAM_AUTH_ERR: wrong passcode, unknown login (deny), no key, expired …
    locked,         // PAM_MAXTRIES: told only after the key's correct code
    ignored,        // PAM_IGNORE: unknown login with unknown_user = "ignore"
    unavailable,    // PAM_AUTHINFO_UNAVAIL: store or service cannot answer
    service_error,  // PAM_SERVICE_ERR: broken configuration, unsafe files
};

std::string_view to_string(LoginOutcome outcome);

// The whole login, the person's typing included, below sshd's LoginGraceTime
// (120 s): a local dialogue refuses an answer given later, and okeyd forgets
// a dialogue state older than this.
inline constexpr std::int64_t login_time_limit_seconds = 100;

struct LoginResult {
    LoginOutcome outcome = LoginOutcome::refused;
    std::string serial;  // the key concerned, "" when none
    std::string reason;  // for the log and audit: never a secret
};

// The trusted owner of the store / key file is config-independent: root for
// the module, the invoking user for a test store (okeyctl --store).
LoginResult run_login(const Config& config, const LoginContext& context, Prompter& prompter,
                      const Clock& clock, Logger& logger, unsigned trusted_owner = 0);

}  // namespace okey

namespace okey {

// The local flows (engine/local/login_flow.hpp) driven by the prompter: normal,
// new-PIN mode, next-code mode, lockout, refusals, against the store named in the config.
LoginResult run_local_login(const Config& config, const LoginContext& context, Prompter& prompter,
                            const Clock& clock, Logger& logger, unsigned trusted_owner);

// The remote flow (engine/remote/remote_login.cpp): /validate/check with
// challenges, failover, failmode; with failmode = "local" and no server
// answering, offline items and then run_local_login (passcode passed on as
// context.first_pass) decide.
LoginResult run_remote_login(const Config& config, const LoginContext& context,
                             Prompter& prompter, const Clock& clock, Logger& logger,
                             unsigned trusted_owner);

}  // namespace okey
