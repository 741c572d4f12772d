// SPDX-License-Identifier: Apache-2.0
// engine/remote/remote_login.cpp — the remote login flow (DESIGN.md §5):
// /validate/check on the configured servers in order, challenges answered on
// the server that issued them, failmode, and privacyIDEA offline items.
//
// Time limits, all below sshd's LoginGraceTime (120 s):
//  - every HTTP call: connect_timeout_ms to connect, timeout_ms in all;
//  - all HTTP calls of one login together: timeout_ms × (number of URLs +
//    max_rounds), at most 60 s (defaults: 5 s × (2 + 4) = 30 s);
//  - the whole login, the person's typing included, measured on the engine
//    clock: 100 s.
#include "engine/login.hpp"
#include "engine/remote/http_client.hpp"
#include "engine/remote/offline.hpp"
#include "engine/remote/reply.hpp"
#include "engine/store/store.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace okey {

namespace {

using remote::CheckReply;
using remote::FormField;
using remote::HttpClient;
using remote::HttpReply;
using remote::Transport;
using remote::Verdict;

constexpr long max_network_ms = 60000;
constexpr std::int64_t login_deadline_seconds = 100;
constexpr std::string_view check_path = "/validate/check";
constexpr std::string_view refill_path = "/validate/offlinerefill";

LoginResult make_result(LoginOutcome outcome, std::string serial, std::string reason) {
    return LoginResult{outcome, std::move(serial), std::move(reason)};
}

// The service's word: a decision only with HTTP 200; privacyIDEA states its
// errors (status false) with 4xx too. Anything else is unexpected.
Result<CheckReply> read_answer(const HttpReply& http) {
    if (http.status < 200 || http.status >= 500 || (http.status > 200 && http.status < 400))
        return make_error(Errc::corrupt, "unexpected HTTP status " + std::to_string(http.status));
    auto reply = remote::read_check_reply(http.body);
    if (reply && http.status != 200 && reply->verdict != Verdict::error)
        return make_error(Errc::corrupt,
                          "a decision with HTTP status " + std::to_string(http.status));
    return reply;
}

// The network time left for this login.
class NetworkBudget {
public:
    explicit NetworkBudget(const RemoteSettings& remote) {
        const long calls = static_cast<long>(remote.urls.size()) + static_cast<long>(remote.max_rounds);
        total_ms_ = std::min(max_network_ms, std::max(1L, remote.timeout_ms) * std::max(1L, calls));
    }
    long remaining_ms() const {
        auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - start_).count();
        return total_ms_ - static_cast<long>(spent);
    }

private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    long total_ms_ = 0;
};

// "please enter otp: " → "please enter otp: "; "Code" → "Code : ".
std::string challenge_prompt(const std::string& message, const Texts& texts) {
    std::string prompt = message;
    while (!prompt.empty() && prompt.back() == ' ') prompt.pop_back();
    if (prompt.empty()) return texts.code_only;
    prompt += prompt.back() == ':' ? " " : " : ";
    return prompt;
}

class RemoteLogin {
public:
    RemoteLogin(const Config& config, const LoginContext& context, Prompter& prompter,
                const Clock& clock, Logger& logger, unsigned trusted_owner)
        : config_(config), remote_(config.remote), context_(context), prompter_(prompter),
          clock_(clock), logger_(logger), trusted_owner_(trusted_owner), budget_(config.remote),
          started_(clock.now()) {}

    LoginResult run();

private:
    struct Online {
        bool answered = false;  // a server decided (or the login ended there)
        bool rejected = false;  // an explicit reject of the first passcode
        LoginResult result;
    };

    Online ask_servers(const otp::SecretString& passcode);
    LoginResult converse(HttpClient& server, CheckReply reply, otp::SecretString passcode);
    void keep_offline(HttpClient& server, const CheckReply& reply,
                      const otp::SecretString& passcode);
    void refill_offline(HttpClient& server, Store& store, const OfflineBatch& stored,
                        const otp::SecretString& passcode);
    LoginResult when_unreachable(otp::SecretString passcode);
    std::optional<LoginResult> decide_offline(const otp::SecretString& passcode);

    HttpReply post_check(HttpClient& server, std::string_view pass, std::string_view transaction);
    Result<Store> open_store() {
        return Store::open(StoreOptions{config_.store, config_.key_file, trusted_owner_, 5000});
    }
    bool past_deadline() const { return clock_.now() - started_ > login_deadline_seconds; }
    void log(LogLevel level, const std::string& text) { logger_.log(level, "remote: " + text); }

    const Config& config_;
    const RemoteSettings& remote_;
    const LoginContext& context_;
    Prompter& prompter_;
    const Clock& clock_;
    Logger& logger_;
    unsigned trusted_owner_;
    NetworkBudget budget_;
    std::int64_t started_;
};

LoginResult RemoteLogin::run() {
    if (remote_.urls.empty())
        return make_result(LoginOutcome::service_error, "", "remote backend without urls");
    for (const auto& url : remote_.urls)
        if (!url.starts_with("https://"))
            return make_result(LoginOutcome::service_error, "", "remote url is not https: " + url);

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

    Online online = ask_servers(passcode);
    if (online.rejected && from_earlier && config_.try_first_pass && !config_.use_first_pass) {
        auto answer = prompter_.ask_hidden(config_.texts.passcode);
        if (!answer) return make_result(LoginOutcome::refused, "", "conversation failed");
        passcode = std::move(answer.value());
        online = ask_servers(passcode);
    }
    if (online.answered) return online.result;
    return when_unreachable(std::move(passcode));
}

HttpReply RemoteLogin::post_check(HttpClient& server, std::string_view pass,
                                  std::string_view transaction) {
    std::vector<FormField> fields{{"user", context_.login}, {"pass", pass}};
    if (!remote_.realm.empty()) fields.push_back({"realm", remote_.realm});
    if (!transaction.empty()) fields.push_back({"transaction_id", transaction});
    return server.post(check_path, fields, budget_.remaining_ms());
}

RemoteLogin::Online RemoteLogin::ask_servers(const otp::SecretString& passcode) {
    remote::TransportSettings transport{remote_.ca_file, remote_.pinned_public_key,
                                        remote_.connect_timeout_ms, remote_.timeout_ms};
    for (const auto& url : remote_.urls) {
        HttpClient server(url, transport);
        HttpReply http = post_check(server, passcode.view(), "");
        if (http.transport == Transport::unreachable) {
            log(LogLevel::warning, url + ": unreachable: " + http.reason);
            continue;  // failover: only here
        }
        if (http.transport == Transport::failed) {
            log(LogLevel::error, url + ": refused: " + http.reason);
            return {true, false, make_result(LoginOutcome::refused, "", url + ": " + http.reason)};
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
    for (;;) {
        if (reply.verdict == Verdict::error) {
            log(LogLevel::error, url + ": service error: " + reply.error_message);
            return make_result(LoginOutcome::refused, reply.serial,
                               "service error: " + reply.error_message);
        }
        if (reply.verdict == Verdict::reject)
            return make_result(LoginOutcome::refused, reply.serial, "rejected by " + url);
        if (reply.verdict == Verdict::accept) {
            if (config_.offline.enabled) keep_offline(server, reply, passcode);
            return make_result(LoginOutcome::success, reply.serial, "accepted by " + url);
        }
        // A challenge: answered on this server only, within the limits.
        if (++rounds > remote_.max_rounds)
            return make_result(LoginOutcome::refused, reply.serial, "too many challenge rounds");
        if (past_deadline())
            return make_result(LoginOutcome::refused, reply.serial, "login took too long");
        auto answer = prompter_.ask_hidden(challenge_prompt(reply.message, config_.texts));
        if (!answer) return make_result(LoginOutcome::refused, reply.serial, "conversation failed");
        if (past_deadline())
            return make_result(LoginOutcome::refused, reply.serial, "login took too long");
        passcode = std::move(answer.value());
        HttpReply http = post_check(server, passcode.view(), reply.transaction_id);
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
}

// After an online success: keep the offline values the reply carries, or
// use up the stored value equal to this passcode and refill the rest.
void RemoteLogin::keep_offline(HttpClient& server, const CheckReply& reply,
                               const otp::SecretString& passcode) {
    auto items = remote::read_offline_items(reply.document, context_.login, true, "");
    if (!items) {
        log(LogLevel::warning, items.error().message + " (not kept)");
        return;
    }
    auto store = open_store();
    if (!store) {
        if (items.value())
            log(LogLevel::warning, "offline items not kept: " + store.error().message);
        return;
    }
    if (items.value()) {
        OfflineBatch batch = std::move(*items.value());
        batch.received = clock_.now();
        auto kept = store->replace_offline(batch);
        if (!kept) log(LogLevel::warning, "offline items not kept: " + kept.error().message);
        return;
    }
    auto stored = store->load_offline(context_.login);
    if (!stored || !stored.value()) return;
    refill_offline(server, store.value(), *stored.value(), passcode);
}

void RemoteLogin::refill_offline(HttpClient& server, Store& store, const OfflineBatch& stored,
                                 const otp::SecretString& passcode) {
    // The passcode just accepted online may be one of the stored values: it
    // must not be usable offline afterwards.
    std::uint64_t used_up_to = 0;
    bool used = false;
    if (auto match = remote::find_offline_match(stored, passcode.view())) {
        (void)store.consume_offline(context_.login, *match);
        used_up_to = *match;
        used = true;
    }
    std::vector<FormField> fields{{"serial", stored.serial},
                                  {"refilltoken", stored.refill_token.view()},
                                  {"pass", passcode.view()}};
    HttpReply http = server.post(refill_path, fields, budget_.remaining_ms());
    if (http.transport != Transport::answered) {
        log(LogLevel::warning, server.base_url() + ": offline refill failed: " + http.reason);
        return;
    }
    auto reply = remote::read_refill_reply(http.body);
    if (!reply || reply->verdict != Verdict::accept) {
        log(LogLevel::warning, server.base_url() + ": offline refill refused" +
                                   (reply ? std::string() : ": " + reply.error().message));
        return;
    }
    auto items = remote::read_offline_items(reply->document, context_.login, false, stored.serial);
    if (!items || !items.value()) {
        log(LogLevel::warning, server.base_url() + ": offline refill without values");
        return;
    }
    // The refill brings values after those we hold: keep the unused ones.
    std::map<std::uint64_t, std::string> values;
    for (const auto& [counter, hash] : stored.values)
        if (!used || counter > used_up_to) values[counter] = hash;
    for (auto& [counter, hash] : items.value()->values) values[counter] = std::move(hash);
    OfflineBatch batch = std::move(*items.value());
    batch.values.assign(values.begin(), values.end());
    if (batch.values.size() > remote::max_offline_values)
        batch.values.resize(remote::max_offline_values);
    batch.received = clock_.now();
    auto kept = store.replace_offline(batch);
    if (!kept) log(LogLevel::warning, "offline refill not kept: " + kept.error().message);
    else log(LogLevel::info, "offline values refilled for " + remote::sanitise_text(context_.login, 64));
}

// No server answered.
LoginResult RemoteLogin::when_unreachable(otp::SecretString passcode) {
    if (remote_.failmode == FailMode::secure)
        return make_result(LoginOutcome::unavailable, "", "no remote server answered");
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
    result.reason = "no remote server answered; local: " + result.reason;
    return result;
}

// The login's offline values decide when there are fresh ones.
std::optional<LoginResult> RemoteLogin::decide_offline(const otp::SecretString& passcode) {
    auto store = open_store();
    if (!store) return std::nullopt;
    auto loaded = store->load_offline(context_.login);
    if (!loaded || !loaded.value()) return std::nullopt;
    const OfflineBatch& batch = *loaded.value();
    if (!remote::offline_batch_fresh(batch, clock_.now(), config_.offline.max_age_days)) {
        (void)store->drop_offline(context_.login);
        log(LogLevel::notice, "offline values of " + remote::sanitise_text(context_.login, 64) +
                                    " expired: dropped");
        return std::nullopt;
    }
    auto match = remote::find_offline_match(batch, passcode.view());
    if (!match)
        return make_result(LoginOutcome::refused, batch.serial, "offline: no matching value");
    auto consumed = store->consume_offline(context_.login, *match);
    if (!consumed)
        return make_result(LoginOutcome::unavailable, batch.serial,
                           "offline: " + consumed.error().message);
    if (!consumed.value())
        return make_result(LoginOutcome::refused, batch.serial, "offline: value already used");
    return make_result(LoginOutcome::success, batch.serial, "offline value accepted");
}

}  // namespace

LoginResult run_remote_login(const Config& config, const LoginContext& context, Prompter& prompter,
                             const Clock& clock, Logger& logger, unsigned trusted_owner) {
    try {
        return RemoteLogin(config, context, prompter, clock, logger, trusted_owner).run();
    } catch (...) {  // bad_alloc and the like: fail closed
        return make_result(LoginOutcome::refused, "", "internal error in the remote backend");
    }
}

}  // namespace okey
