// SPDX-License-Identifier: Apache-2.0
// engine/store/store_impl.hpp — what the store's source files share: the
// connection (either backend) and sealing key behind a Store, transactions
// (a login's, an administrative one) that retry while another client holds
// the lock, row decoding, audit rows
// and the checks on serials, logins and dates that keep bad values out of
// the database.
#pragma once

#include "engine/store/secret_box.hpp"
#include "engine/store/database.hpp"
#include "engine/store/store.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace okey {

struct Store::Impl {
    StoreOptions options;
    std::unique_ptr<store::Connection> db;
    store::SecretBox box;
    // Sealed at open, opened by load_login for a login without a key.
    std::vector<std::uint8_t> decoy_sealed = {};

    // Run body() inside one transaction; a refusal rolls everything back;
    // Errc::busy (a lock held by another client past busy_timeout, a
    // serialization failure, a deadlock) is retried until busy_timeout_ms has
    // passed. Four kinds (store::Access; why they are safe: PostgreSQL's
    // connection.cpp):
    //   write_for(login, body): the login path. body reads and changes only
    //     that login's rows (its users row, the key assigned to it — checked
    //     owned by it before any change —, its offline values…) and may insert
    //     audit rows. Runs beside other logins' writes.
    //   append(body): inserts audit rows, nothing else.
    //   write(body): anything else, every administrative act: alone. When in
    //     doubt, this one: it is always safe.
    //   read(body): one consistent snapshot, no lock.
    template <class F>
    auto transaction(store::Access access, std::string_view login, F&& body) -> decltype(body());
    template <class F>
    auto write(F&& body) { return transaction(store::Access::write, {}, body); }
    template <class F>
    auto write_for(std::string_view login, F&& body) {
        return transaction(store::Access::login, login, body);
    }
    template <class F>
    auto append(F&& body) { return transaction(store::Access::append, {}, body); }
    template <class F>
    auto read(F&& body) { return transaction(store::Access::read, {}, body); }

    Result<void> insert_audit(const AuditEntry& entry);
    // Audit one lifecycle act by the administrator (service "okeyctl").
    Result<void> audit_act(const Act& act, std::string_view event, std::string_view login,
                           std::string_view serial, std::string_view detail);

    Result<TokenRecord> find_token(std::string_view serial);
    Result<std::vector<std::uint8_t>> seal_secret(std::string_view serial,
                                                  std::span<const std::uint8_t> secret);
    Result<otp::SecretBytes> open_secret(std::string_view serial,
                                         std::span<const std::uint8_t> sealed);
    Result<void> insert_token(const KeySpec& spec, std::span<const std::uint8_t> secret,
                              std::int64_t now);
    // stock → assigned to login, creating the login (new-PIN mode) if needed;
    // the login's emergency codes end (a key is in hand again). How many ended.
    Result<std::int64_t> assign_token(const TokenRecord& token, std::string_view login,
                                      std::int64_t now);
    // Delete the login's emergency codes; how many there were.
    Result<std::int64_t> drop_emergency_codes(std::string_view login);
    Result<std::optional<std::string>> assigned_serial(std::string_view login);
    // The counter of a login's row, as charge_failure reads and writes it.
    Result<std::optional<ChargeResult>> read_counter(std::string_view login);
    Result<void> write_counter(std::string_view login, const ChargeResult& counter,
                               std::int64_t now);
    // The login's PIN hash, "" in new-PIN mode (StepAcceptance::pin_judged).
    Result<std::string> current_pin(std::string_view login);
    // The login's emergency codes and lost keys, into a view being loaded.
    Result<void> load_login_extras(LoginView& view);
    // Rows per table of a store (backup and restore reports).
    static Result<std::vector<std::pair<std::string, std::int64_t>>> count_rows(
        store::Connection& in);
    // Open every sealed value in `db` (key secrets, refill tokens) under this
    // store's key file; how many opened.
    Result<std::int64_t> open_every_sealed_value(store::Connection& in);
    // One UPDATE of a login's row (sql binds ?1 = login, ?2 = now) and the act's
    // audit row, in one transaction; a login not in the store is refused.
    Result<void> update_login(std::string_view login, const char* sql, std::string_view event,
                              const Act& act);
};

namespace store {

void backoff(unsigned attempt);
std::chrono::steady_clock::time_point deadline_after(int milliseconds);

// The columns of a token row, in the order token_from_row() reads them.
inline constexpr const char* token_columns =
    "serial, kind, algorithm, digits, period, lot, expires, state, owner, last_step, drift, "
    "last_login, created, updated, secret, lost_owner";
inline constexpr int token_secret_column = 14;
Result<TokenRecord> token_from_row(const Statement& row);

std::string_view algorithm_name(otp::Algorithm algorithm);

// What an act's audit row says of emergency codes ended by a new key.
std::string ended_codes(std::int64_t ended);

// The additional data sealing a login's offline refill token.
inline std::string offline_aad(std::string_view login) { return "offline:" + std::string(login); }

Result<void> check_serial(std::string_view serial);
Result<void> check_login(std::string_view login);
Result<void> check_date(std::string_view date);
Result<void> check_spec(const KeySpec& spec, std::span<const std::uint8_t> secret);

}  // namespace store

template <class F>
auto Store::Impl::transaction(store::Access access, std::string_view login, F&& body)
    -> decltype(body()) {
    using R = decltype(body());
    const auto deadline = store::deadline_after(options.busy_timeout_ms);
    for (unsigned attempt = 0;; ++attempt) {
        auto retry = [&](const Error& e) {
            return e.code == Errc::busy && std::chrono::steady_clock::now() < deadline;
        };
        if (auto begun = db->begin(access, login); !begun) {
            if (retry(begun.error())) {
                store::backoff(attempt);
                continue;
            }
            return R(begun.error());
        }
        R result = body();
        if (result.ok()) {
            auto committed = db->commit();
            if (committed) return result;
            db->rollback();
            if (retry(committed.error())) {
                store::backoff(attempt);
                continue;
            }
            return R(committed.error());
        }
        db->rollback();
        if (retry(result.error())) {
            store::backoff(attempt);
            continue;
        }
        return result;
    }
}

}  // namespace okey
