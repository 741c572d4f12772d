// SPDX-License-Identifier: Apache-2.0
// engine/remote/remote_login.cpp — the remote login flow (DESIGN.md §5):
// /validate/check on the configured servers in order, challenges answered on
// the server that issued them, the time limits of remote_login.hpp, and
// failmode. Offline values are in offline_login.cpp.
//
// What the person sees from the server: its challenge texts, as it wrote
// them (sanitised; it translates them itself from Accept-Language), and the
// outcome of its PIN-change dialogue in okey's words. Its reject reasons
// ("wrong otp pin", "wrong otp value") go to the log only: shown, they would
// tell which half of a passcode was wrong.
#include "engine/remote/remote_login.hpp"

#include "engine/file_trust.hpp"

#include <algorithm>
#include <utility>

namespace okey::remote {

namespace {

constexpr std::string_view check_path = "/validate/check";
constexpr std::size_t max_client_file_bytes = 64 * 1024;
// The end of privacyIDEA's PIN-change dialogue (change_pin_via_validate).
// privacyIDEA sends these two in English whatever the language asked for.
constexpr std::string_view pin_set_outcome = "PIN successfully set.";
constexpr std::string_view pin_mismatch_outcome = "PINs do not match";

// The service's word: a decision only with HTTP 200; privacyIDEA states its
// errors (status false) with 4xx too. Anything else is unexpected.
Result<CheckReply> read_answer(const HttpReply& http) {
    if (http.status < 200 || http.status >= 500 || (http.status > 200 && http.status < 400))
        return make_error(Errc::corrupt, "unexpected HTTP status " + std::to_string(http.status));
    auto reply = read_check_reply(http.body);
    if (reply && http.status != 200 && reply->verdict != Verdict::error)
        return make_error(Errc::corrupt,
                          "a decision with HTTP status " + std::to_string(http.status));
    return reply;
}

std::int64_t network_limit(const RemoteSettings& remote) {
    const auto calls = static_cast<std::int64_t>(remote.urls.size()) + remote.max_rounds;
    return std::max<std::int64_t>(1, remote.timeout_ms) * std::max<std::int64_t>(1, calls);
}

}  // namespace

LoginResult make_result(LoginOutcome outcome, std::string serial, std::string reason) {
    return LoginResult{outcome, std::move(serial), std::move(reason)};
}

RemoteLogin::RemoteLogin(const Config& config, const LoginContext& context, Prompter& prompter,
                         const Clock& clock, Logger& logger, unsigned trusted_owner)
    : config_(config), remote_(config.remote), context_(context), prompter_(prompter),
      clock_(clock), logger_(logger), trusted_owner_(trusted_owner),
      started_ms_(clock.monotonic_ms()), network_limit_ms_(network_limit(config.remote)) {}

void RemoteLogin::log(LogLevel level, const std::string& text) {
    logger_.log(level, "remote: " + text);
}

Result<Store> RemoteLogin::open_store() const {
    return Store::open(StoreOptions{config_.store, config_.key_file, trusted_owner_, 5000});
}

// The transport rules, with the client certificate and key read once per
// login through the file-trust rules (the key as strictly as the key file).
Result<TransportSettings> transport_settings(const Config& config, unsigned trusted_owner) {
    const RemoteSettings& remote = config.remote;
    TransportSettings transport;
    transport.ca_file = remote.ca_file;
    transport.pinned_public_key = remote.pinned_public_key;
    transport.connect_timeout_ms = remote.connect_timeout_ms;
    transport.timeout_ms = remote.timeout_ms;
    transport.accept_language = config.language == Language::en ? "en" : "fr";
    if (remote.client_certificate.empty()) return transport;
    auto certificate = read_trusted_file(remote.client_certificate, FileRole::config,
                                         trusted_owner, max_client_file_bytes);
    if (!certificate)
        return make_error(Errc::config, "remote.client_certificate: " + certificate.error().message);
    auto key = read_trusted_file(remote.client_key, FileRole::secret, trusted_owner,
                                 max_client_file_bytes);
    if (!key) return make_error(Errc::config, "remote.client_key: " + key.error().message);
    transport.client_certificate = std::move(certificate.value());
    transport.client_key = otp::SecretString(key.value());
    okey_otp_wipe(key.value().data(), key.value().size());
    return transport;
}

LoginResult RemoteLogin::run() {
    if (remote_.urls.empty())
        return make_result(LoginOutcome::service_error, "", "remote backend without urls");
    for (const auto& url : remote_.urls)
        if (!url.starts_with("https://"))
            return make_result(LoginOutcome::service_error, "", "remote url is not https: " + url);
    auto transport = transport_settings(config_, trusted_owner_);
    if (!transport) return make_result(LoginOutcome::service_error, "", transport.error().message);
    transport_ = std::move(transport.value());

    // Stacking: a passcode from an earlier module is used as typed; with
    // try_first_pass a rejected one lets the person type their own, once.
    otp::SecretString passcode;
    const bool from_earlier = context_.first_pass.has_value();
    if (from_earlier) {
        passcode = otp::SecretString(context_.first_pass->view());
    } else if (config_.use_first_pass) {
        return make_result(LoginOutcome::refused, "", "no passcode from earlier module");
    } else {
        auto answer = prompter_.ask_hidden(config_.texts.passcode);
        if (!answer) return make_result(LoginOutcome::refused, "", "conversation failed");
        passcode = std::move(answer.value());
    }
    if (past_login_limit()) return login_too_long("");

    Online online = ask_servers(passcode);
    if (online.rejected && from_earlier && config_.try_first_pass && !config_.use_first_pass) {
        auto answer = prompter_.ask_hidden(config_.texts.passcode);
        if (!answer) return make_result(LoginOutcome::refused, "", "conversation failed");
        passcode = std::move(answer.value());
        if (past_login_limit()) return login_too_long("");
        online = ask_servers(passcode);
    }
    if (online.decided) return online.result;
    if (answered_) {
        // A server gave its word earlier in this login: whatever happens
        // next, offline values and the local store must not overrule it.
        log(LogLevel::warning, "no server answered after one had answered: refused, no fallback");
        return make_result(LoginOutcome::refused, "",
                           "no remote server answered after one had answered in this login");
    }
    return when_unreachable(std::move(passcode));
}

bool RemoteLogin::past_login_limit() const {
    return clock_.monotonic_ms() - started_ms_ > login_limit_ms;
}

LoginResult RemoteLogin::login_too_long(std::string serial) {
    const std::string why =
        "time limit: the login took longer than " + std::to_string(login_limit_ms / 1000) + " s";
    log(LogLevel::notice, why);
    return make_result(LoginOutcome::refused, std::move(serial), why);
}

HttpReply RemoteLogin::post(HttpClient& server, std::string_view path,
                            const std::vector<FormField>& fields) {
    const std::int64_t start = clock_.monotonic_ms();
    std::string limit;
    if (network_spent_ms_ + remote_.timeout_ms > network_limit_ms_)
        limit = "time limit: the network time of this login is spent (" +
                std::to_string(network_spent_ms_) + " of " + std::to_string(network_limit_ms_) +
                " ms)";
    else if (start + remote_.timeout_ms > started_ms_ + login_limit_ms)
        limit = "time limit: a call of up to " + std::to_string(remote_.timeout_ms) +
                " ms would end after the login's " + std::to_string(login_limit_ms / 1000) + " s";
    if (!limit.empty()) {
        HttpReply reply;
        reply.transport = Transport::time_limit;
        reply.reason = std::move(limit);
        return reply;
    }
    HttpReply reply = server.post(path, fields);
    network_spent_ms_ += std::max<std::int64_t>(0, clock_.monotonic_ms() - start);
    if (reply.transport == Transport::answered) answered_ = true;
    return reply;
}

HttpReply RemoteLogin::post_check(HttpClient& server, std::string_view pass,
                                  std::string_view transaction) {
    std::vector<FormField> fields{{"user", context_.login}, {"pass", pass}};
    if (!remote_.realm.empty()) fields.push_back({"realm", remote_.realm});
    if (!transaction.empty()) fields.push_back({"transaction_id", transaction});
    return post(server, check_path, fields);
}

RemoteLogin::Online RemoteLogin::ask_servers(const otp::SecretString& passcode) {
    for (const auto& url : remote_.urls) {
        HttpClient server(url, transport_);
        HttpReply http = post_check(server, passcode.view(), "");
        switch (http.transport) {
        case Transport::time_limit:
            // A refusal, never a fallback: waiting must not move the decision
            // from a server that is up to offline values.
            log(LogLevel::warning, url + ": not asked: " + http.reason);
            return {true, false, make_result(LoginOutcome::refused, "", http.reason)};
        case Transport::unreachable:
            log(LogLevel::warning, url + ": unreachable: " + http.reason);
            continue;  // failover: only here
        case Transport::failed:
            log(LogLevel::error, url + ": refused: " + http.reason);
            return {true, false, make_result(LoginOutcome::refused, "", url + ": " + http.reason)};
        case Transport::answered: break;
        }
        auto reply = read_answer(http);
        if (!reply) {
            log(LogLevel::error, url + ": " + reply.error().message);
            return {true, false, make_result(LoginOutcome::refused, "", reply.error().message)};
        }
        const bool rejected = reply->verdict == Verdict::reject;
        return {true, rejected,
                converse(server, std::move(reply.value()), otp::SecretString(passcode.view()))};
    }
    return {};
}

// One server's decision, through as many challenge rounds as allowed.
LoginResult RemoteLogin::converse(HttpClient& server, CheckReply reply,
                                  otp::SecretString passcode) {
    const std::string& url = server.base_url();
    unsigned rounds = 0;
    while (reply.verdict == Verdict::challenge) {
        // Answered on this server only, within the limits.
        if (++rounds > remote_.max_rounds)
            return make_result(LoginOutcome::refused, reply.serial, "too many challenge rounds");
        if (past_login_limit()) return login_too_long(reply.serial);
        // The server's text as it wrote it: it chose the words and the language.
        auto answer = prompter_.ask_hidden(reply.message.empty() ? config_.texts.code_only
                                                                 : reply.message);
        if (!answer) return make_result(LoginOutcome::refused, reply.serial, "conversation failed");
        if (past_login_limit()) return login_too_long(reply.serial);
        passcode = std::move(answer.value());
        HttpReply http = post_check(server, passcode.view(), reply.transaction_id);
        if (http.transport == Transport::time_limit) {
            log(LogLevel::warning, url + ": challenge answer not sent: " + http.reason);
            return make_result(LoginOutcome::refused, reply.serial, http.reason);
        }
        if (http.transport != Transport::answered) {
            log(LogLevel::error, url + ": lost during a challenge: " + http.reason);
            return make_result(LoginOutcome::refused, reply.serial,
                               url + ": lost during a challenge: " + http.reason);
        }
        auto next = read_answer(http);
        if (!next) {
            log(LogLevel::error, url + ": " + next.error().message);
            return make_result(LoginOutcome::refused, reply.serial, next.error().message);
        }
        reply = std::move(next.value());
    }
    return finish(server, reply, rounds, passcode);
}

// The server's decision. After a dialogue, its outcome is told in okey's
// words; a reject's reason is logged, never shown.
LoginResult RemoteLogin::finish(HttpClient& server, const CheckReply& reply, unsigned rounds,
                                const otp::SecretString& passcode) {
    const std::string& url = server.base_url();
    switch (reply.verdict) {
    case Verdict::error:
        log(LogLevel::error, url + ": service error: " + reply.error_message);
        return make_result(LoginOutcome::refused, reply.serial,
                           "service error: " + reply.error_message);
    case Verdict::reject: {
        if (rounds > 0 && reply.message == pin_mismatch_outcome)
            prompter_.error(config_.texts.pin_mismatch);
        std::string reason = "rejected by " + url;
        if (!reply.message.empty()) reason += ": " + reply.message;
        log(LogLevel::notice, reason);
        return make_result(LoginOutcome::refused, reply.serial, reason);
    }
    case Verdict::accept:
        if (rounds > 0 && reply.message == pin_set_outcome) prompter_.inform(config_.texts.pin_saved);
        if (config_.offline.enabled) keep_offline(server, reply, passcode);
        return make_result(LoginOutcome::success, reply.serial, "accepted by " + url);
    case Verdict::challenge: break;
    }
    return make_result(LoginOutcome::refused, reply.serial, "unfinished challenge");
}

// No server answered.
LoginResult RemoteLogin::when_unreachable(otp::SecretString passcode) {
    const std::string why = "no remote server answered";
    if (remote_.failmode == FailMode::secure)
        return make_result(LoginOutcome::unavailable, "", why);
    if (config_.offline.enabled) {
        if (auto decided = decide_offline(passcode)) return *decided;
    }
    log(LogLevel::notice, "no server answered: the local store decides");
    // The passcode was typed once: the local flow must not ask for it again.
    LoginContext local = context_;
    local.first_pass = std::move(passcode);
    Config once = config_;
    once.use_first_pass = true;
    once.try_first_pass = false;
    LoginResult result = run_local_login(once, local, prompter_, clock_, logger_, trusted_owner_);
    result.reason = why + "; local: " + result.reason;
    return result;
}

}  // namespace okey::remote
