// SPDX-License-Identifier: Apache-2.0
// engine/remote/remote_login.hpp — one login against the validation service
// (DESIGN.md §5), shared by remote_login.cpp (servers, challenges, time
// limits, failmode) and offline_login.cpp (privacyIDEA offline values).
//
// Time limits (all measured on the clock's monotonic milliseconds):
//  - every HTTP call gets its whole connect_timeout_ms / timeout_ms: a call
//    starts only if that whole time fits in the limits below, and is never
//    cut short (a cut call may be one the server already accepted);
//  - network time: the calls of one login together at most timeout_ms ×
//    (number of URLs + max_rounds); the time a person spends at a prompt is
//    not network time;
//  - the whole login, typing included: 100 s, below sshd's LoginGraceTime.
// A time limit is a refusal, never a fallback; and once a server has answered
// within a login, nothing falls back to offline values or the local store in
// that login: a later failure is a refusal. Only servers that could not be
// reached (connect failure, timeout, 5xx) leave the decision to failmode.
#pragma once

#include "engine/login.hpp"
#include "engine/remote/http_client.hpp"
#include "engine/remote/reply.hpp"
#include "engine/store/store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace okey::remote {

inline constexpr std::int64_t login_limit_ms = login_time_limit_seconds * 1000;

class RemoteLogin {
public:
    RemoteLogin(const Config& config, const LoginContext& context, Prompter& prompter,
                const Clock& clock, Logger& logger, unsigned trusted_owner);

    LoginResult run();

private:
    // What asking the servers with one passcode came to.
    struct Online {
        bool decided = false;   // a server decided, or the login ended there
        bool rejected = false;  // an explicit reject of that passcode
        LoginResult result;
    };

    Online ask_servers(const otp::SecretString& passcode);
    LoginResult converse(HttpClient& server, CheckReply reply, otp::SecretString passcode);
    LoginResult finish(HttpClient& server, const CheckReply& reply, unsigned rounds,
                       const otp::SecretString& passcode);
    LoginResult when_unreachable(otp::SecretString passcode);

    // offline_login.cpp
    void keep_offline(HttpClient& server, const CheckReply& reply,
                      const otp::SecretString& passcode);
    void refill_offline(HttpClient& server, Store& store, const OfflineBatch& stored,
                        const otp::SecretString& passcode);
    std::optional<LoginResult> decide_offline(const otp::SecretString& passcode);

    // A call within the time limits; Transport::time_limit when it may not start.
    HttpReply post(HttpClient& server, std::string_view path,
                   const std::vector<FormField>& fields);
    HttpReply post_check(HttpClient& server, std::string_view pass, std::string_view transaction);
    bool past_login_limit() const;
    LoginResult login_too_long(std::string serial);
    Result<Store> open_store() const;
    void log(LogLevel level, const std::string& text);

    const Config& config_;
    const RemoteSettings& remote_;
    const LoginContext& context_;
    Prompter& prompter_;
    const Clock& clock_;
    Logger& logger_;
    unsigned trusted_owner_;
    TransportSettings transport_;
    std::int64_t started_ms_;
    std::int64_t network_limit_ms_;
    std::int64_t network_spent_ms_ = 0;
    bool answered_ = false;  // a server gave its word in this login: no fallback after
};

LoginResult make_result(LoginOutcome outcome, std::string serial, std::string reason);

}  // namespace okey::remote
