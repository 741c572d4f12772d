// SPDX-License-Identifier: Apache-2.0
// engine/remote/offline_login.cpp — privacyIDEA offline values in the remote
// login (DESIGN.md §5): kept after an online success, refilled at the next
// one, and used — with failmode = "local", only when no server answered in
// this login — once each, in order, within max_age_days, under the login's
// lockout like a local passcode.
#include "engine/log_text.hpp"
#include "engine/remote/offline.hpp"
#include "engine/remote/remote_login.hpp"

#include <map>
#include <utility>

namespace okey::remote {

namespace {

constexpr std::string_view refill_path = "/validate/offlinerefill";

}  // namespace

// After an online success: keep the offline values the reply carries, or
// use up the stored value equal to this passcode and refill the rest.
void RemoteLogin::keep_offline(HttpClient& server, const CheckReply& reply,
                               const otp::SecretString& passcode) {
    auto items = read_offline_items(reply.document, context_.login, true, "");
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
    if (auto match = find_offline_match(stored, passcode.view())) {
        (void)store.consume_offline(context_.login, *match);
        used_up_to = *match;
        used = true;
    }
    std::vector<FormField> fields{{"serial", stored.serial},
                                  {"refilltoken", stored.refill_token.view()},
                                  {"pass", passcode.view()}};
    HttpReply http = post(server, refill_path, fields);
    if (http.transport != Transport::answered) {
        log(LogLevel::warning, server.base_url() + ": offline refill failed: " + http.reason);
        return;
    }
    auto reply = read_refill_reply(http.body);
    if (!reply || reply->verdict != Verdict::accept) {
        log(LogLevel::warning, server.base_url() + ": offline refill refused" +
                                   (reply ? std::string() : ": " + reply.error().message));
        return;
    }
    auto items = read_offline_items(reply->document, context_.login, false, stored.serial);
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
    if (batch.values.size() > max_offline_values) batch.values.resize(max_offline_values);
    batch.received = clock_.now();
    auto kept = store.replace_offline(batch);
    if (!kept) log(LogLevel::warning, "offline refill not kept: " + kept.error().message);
    else log(LogLevel::info, "offline values refilled for " + log_field(context_.login));
}

// The login's offline values decide when there are fresh ones. A wrong
// offline passcode costs a failure like a wrong local one: charged before
// the PBKDF2 work, and a locked login uses no value (nothing tells the lock).
std::optional<LoginResult> RemoteLogin::decide_offline(const otp::SecretString& passcode) {
    auto store = open_store();
    if (!store) return std::nullopt;
    auto loaded = store->load_offline(context_.login);
    if (!loaded || !loaded.value()) return std::nullopt;
    const OfflineBatch& batch = *loaded.value();
    if (!offline_batch_fresh(batch, clock_.now(), config_.offline.max_age_days)) {
        (void)store->drop_offline(context_.login);
        log(LogLevel::notice,
            "offline values of " + log_field(context_.login) + " expired: dropped");
        return std::nullopt;
    }
    auto charge = store->charge_failure(context_.login, clock_.now(),
                                        config_.lockout.max_failures,
                                        config_.lockout.lock_seconds);
    if (!charge) {
        // Values without a failure counter are not used: guesses would be free.
        return make_result(LoginOutcome::unavailable, batch.serial,
                           "offline: cannot charge the failure: " + charge.error().message);
    }
    auto match = find_offline_match(batch, passcode.view());
    if (charge->was_locked)
        return make_result(LoginOutcome::refused, batch.serial, "offline: login locked");
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

}  // namespace okey::remote
