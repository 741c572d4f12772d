// SPDX-License-Identifier: Apache-2.0
// engine/login.hpp — one login attempt, as the PAM module and `okeyctl check`
// run it: choose the backend from the config, run the flow of DESIGN.md §4
// (local store) or §5 (remote service), audit and log the outcome. Never
// throws; every failure to decide is a refusal (fail closed).
#pragma once

#include "engine/account.hpp"
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
    // As typed (PAM_USER); run_login looks everything up under NSS's spelling
    // of it (name_login below).
    std::string login;
    std::string service;      // PAM service ("sshd") or "okeyctl"
    std::string remote_host;  // PAM_RHOST, "" when local
    // okeyd: the server that asked (its certificate's subject, else its
    // address): logged as client=… and named by the audit row.
    std::string client;
    // A passcode given by an earlier module (use_first_pass / try_first_pass).
    std::optional<otp::SecretString> first_pass;
    // `okeyctl check`: the administrator trying the login, for its audit row.
    std::string actor = {};
};

enum class LoginOutcome {
    success,        // PAM_SUCCESS
    refused,        // PAM_AUTH_ERR: wrong passcode, unknown login (deny), no key, expired …
    locked,         // PAM_MAXTRIES: told only after the key's correct code
    ignored,        // PAM_IGNORE: outside scope, or unknown login with unknown_user = "ignore"
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
    bool alarm = false;  // logged at warning level: a lost key was used (stolen?)
};

// The login a typed name stands for: NSS's spelling (pw_name) when NSS knows
// the name — a directory that compares names without case (SSSD or LDAP with
// case_sensitive = false) answers "JDupont" with the account "jdupont" —
// else the typed name unchanged (then unknown_user decides, as for any login
// the store lacks). NSS failing (a directory down) is an Errc::unavailable
// error: nothing may be decided about such a login, neither a scope
// exemption nor "unknown login". When the spellings differ, one log line
// names both (docs/SECURITY.md "Logins as NSS spells them").
struct NamedLogin {
    std::string login;
    std::optional<Account> account;  // NSS's entry, nullopt when NSS knows none
};
Result<NamedLogin> name_login(std::string_view typed, Logger& logger);

// The trusted owner of the store / key file is config-independent: root for
// the module, the invoking user for a test store (okeyctl --store).
// context.login is named first (name_login); scope, store, remote service
// (user=), audit and log then see NSS's spelling. NSS failing is
// LoginOutcome::unavailable.
LoginResult run_login(const Config& config, const LoginContext& context, Prompter& prompter,
                      const Clock& clock, Logger& logger, unsigned trusted_owner = 0);

class Store;

// Record one decision as run_login does: the log line `login=… serial=…
// service=… rhost=… outcome=… reason=…` (plus ` client=…` when the context
// names one) and, unless the store failed under it, the audit row. okeyd
// records so the end of each dialogue.
void record_login(Store& store, const LoginContext& context, const LoginResult& result,
                  const Clock& clock, Logger& logger);
// The log line alone (no store could be opened).
void log_login(const LoginContext& context, const LoginResult& result, Logger& logger);

// forward_pass (DESIGN.md §10), for clients with one field (screen lockers,
// OpenVPN): `typed` is the password followed by the passcode (PIN + the key's
// code). For each PIN length the policy allows (pin.min_length ..
// pin.max_length) PIN + code are taken from the end of `typed` and checked,
// with ONE failure charged for the attempt. The time taken does not depend on
// which length matched: every length costs one Argon2id verification, always
// (engine/local/forward_pass.cpp), and an unknown login, a login without a
// key or one in new-PIN mode does the same work against decoys.
//
// On success `password` is `typed` without its PIN + code (possibly empty),
// for the adapter to hand on as PAM_AUTHTOK; otherwise it is empty. Audited
// and logged as run_login (never `typed` nor the password). The prompter is
// used only for what a passcode alone can lead to: the next-code question of
// a drifted key, the lock and expiry messages. context.first_pass is not read.
// Local backend only: with backend = "remote" the result is a service error
// (the server would be asked once per PIN length, each a failure there). A
// login in new-PIN mode is refused ("new-PIN mode needs a conversation").
struct ForwardedLogin {
    LoginResult result;
    otp::SecretString password;
};
ForwardedLogin run_forwarded_login(const Config& config, const LoginContext& context,
                                   std::string_view typed, Prompter& prompter, const Clock& clock,
                                   Logger& logger, unsigned trusted_owner = 0);

// forward_pass as the PAM module and okey-check run it: the text is
// context.first_pass (PAM_AUTHTOK of an earlier module, use_first_pass /
// try_first_pass) or else the answer to the one question
// texts.password_passcode. A login not asked for a passcode (outside scope,
// or unknown under unknown_user = "ignore") gets the whole text back as its
// password: it holds no passcode.
ForwardedLogin run_forwarded_login(const Config& config, const LoginContext& context,
                                   Prompter& prompter, const Clock& clock, Logger& logger,
                                   unsigned trusted_owner = 0);

}  // namespace okey

namespace okey {

// The local flows (engine/local/login_flow.hpp) driven by the prompter: normal,
// new-PIN mode, next-code mode, lockout, refusals, against the store named in the config.
LoginResult run_local_login(const Config& config, const LoginContext& context, Prompter& prompter,
                            const Clock& clock, Logger& logger, unsigned trusted_owner);

// The remote flow (engine/remote/remote_login.cpp, in the okey-remote.so
// module that engine/remote/module_loader.cpp loads on first use):
// /validate/check with challenges, failover, failmode; with failmode =
// "local" and no server reachable, offline items and then run_local_login
// (passcode passed on as context.first_pass) decide. A module that is missing,
// unsafe or of another version is a service error.
LoginResult run_remote_login(const Config& config, const LoginContext& context,
                             Prompter& prompter, const Clock& clock, Logger& logger,
                             unsigned trusted_owner);

}  // namespace okey
