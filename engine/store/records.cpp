// SPDX-License-Identifier: Apache-2.0
// engine/store/records.cpp — the store's shared pieces: row decoding, sealing
// bound to a serial, audit rows, inserting and assigning a key, the checks on
// serials, logins and dates, and the back-off between busy retries.
#include "engine/store/store_impl.hpp"

#include "engine/calendar_date.hpp"
#include "engine/key_serial.hpp"

#include <random>
#include <thread>

namespace okey {
namespace store {

void backoff(unsigned attempt) {
    // Random, growing sleeps so that retrying processes do not collide again.
    thread_local std::minstd_rand random(std::random_device{}());
    unsigned cap = 1u << (attempt < 5 ? attempt : 5);  // up to 32 ms
    std::this_thread::sleep_for(std::chrono::microseconds(500 + random() % (cap * 1000)));
}

std::chrono::steady_clock::time_point deadline_after(int milliseconds) {
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(milliseconds);
}

std::string_view algorithm_name(otp::Algorithm algorithm) {
    switch (algorithm) {
    case OKEY_OTP_SHA256: return "sha256";
    case OKEY_OTP_SHA512: return "sha512";
    default: return "sha1";
    }
}

Result<TokenRecord> token_from_row(const Statement& row) {
    TokenRecord t;
    t.spec.serial = row.text(0);
    t.spec.kind = row.text(1) == "software" ? KeyKind::software : KeyKind::hardware;
    std::string algorithm = row.text(2);
    t.spec.algorithm = algorithm == "sha256"   ? OKEY_OTP_SHA256
                       : algorithm == "sha512" ? OKEY_OTP_SHA512
                                               : OKEY_OTP_SHA1;
    t.spec.digits = static_cast<unsigned>(row.integer(3));
    t.spec.period = static_cast<unsigned>(row.integer(4));
    t.spec.lot = row.text(5);
    t.spec.expires = row.text(6);
    std::string state = row.text(7);
    if (state == "stock") t.state = KeyState::stock;
    else if (state == "assigned") t.state = KeyState::assigned;
    else if (state == "retired") t.state = KeyState::retired;
    else t.state = KeyState::lost;
    t.owner = row.text(8);
    if (!row.is_null(9)) t.last_step = static_cast<std::uint64_t>(row.integer(9));
    t.drift = row.integer(10);
    if (!row.is_null(11)) t.last_login = row.integer(11);
    t.created = row.integer(12);
    t.updated = row.integer(13);
    t.lost_owner = row.text(15);
    return t;
}

// The engine's serial rule, and no serial that could pose as the additional
// data of an offline record ("offline:" + login).
Result<void> check_serial(std::string_view serial) {
    if (auto ok = okey::check_serial(serial); !ok)
        return make_error(Errc::invalid_argument,
                          "serial \"" + std::string(serial) + "\": " + ok.error().message);
    if (serial.starts_with("offline:"))
        return make_error(Errc::invalid_argument,
                          "serial \"" + std::string(serial) + "\": may not begin with \"offline:\"");
    return {};
}

Result<void> check_login(std::string_view login) {
    if (login.empty() || login.size() > 64)
        return make_error(Errc::invalid_argument, "login \"" + std::string(login) +
                                                      "\": must be 1 to 64 characters");
    for (unsigned char c : login)
        if (c <= 0x20 || c == 0x7f || c == ':' || c == '/')
            return make_error(Errc::invalid_argument,
                              "login \"" + std::string(login) +
                                  "\": no spaces, control characters, ':' or '/'");
    return {};
}

Result<void> check_date(std::string_view date) {
    if (!parse_calendar_date(date))
        return make_error(Errc::invalid_argument,
                          "date \"" + std::string(date) + "\": must be a valid YYYY-MM-DD");
    return {};
}

Result<void> check_spec(const KeySpec& spec, std::span<const std::uint8_t> secret) {
    if (auto ok = check_serial(spec.serial); !ok) return ok;
    const std::string who = "serial " + spec.serial + ": ";
    if (spec.algorithm != OKEY_OTP_SHA1 && spec.algorithm != OKEY_OTP_SHA256 &&
        spec.algorithm != OKEY_OTP_SHA512)
        return make_error(Errc::invalid_argument, who + "unknown algorithm");
    if (spec.digits != 6 && spec.digits != 8)
        return make_error(Errc::invalid_argument, who + "digits must be 6 or 8");
    if (spec.period == 0 || spec.period > 3600)
        return make_error(Errc::invalid_argument, who + "period must be 1 to 3600 seconds");
    if (secret.size() < OKEY_OTP_SECRET_MIN || secret.size() > OKEY_OTP_SECRET_MAX)
        return make_error(Errc::invalid_argument, who + "secret must be 10 to 64 bytes");
    if (spec.lot.size() > 128) return make_error(Errc::invalid_argument, who + "lot name too long");
    for (unsigned char c : spec.lot)
        if (c < 0x20 || c == 0x7f)
            return make_error(Errc::invalid_argument, who + "lot name has control characters");
    if (!spec.expires.empty())
        if (auto ok = check_date(spec.expires); !ok) return ok;
    return {};
}

}  // namespace store

Result<void> Store::Impl::insert_audit(const AuditEntry& e) {
    auto stmt = db->prepare(
        "INSERT INTO audit (time, login, serial, service, remote_host, event, outcome, reason, "
        "actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!stmt) return stmt.error();
    stmt->bind_int(1, e.time)
        .bind_text(2, e.login)
        .bind_text(3, e.serial)
        .bind_text(4, e.service)
        .bind_text(5, e.remote_host)
        .bind_text(6, e.event)
        .bind_text(7, e.outcome)
        .bind_text(8, e.reason)
        .bind_text(9, e.actor);
    return stmt->run();
}

Result<void> Store::Impl::audit_act(const Act& act, std::string_view event, std::string_view login,
                                    std::string_view serial, std::string_view detail) {
    AuditEntry e;
    e.time = act.now;
    e.login = std::string(login);
    e.serial = std::string(serial);
    e.service = "okeyctl";
    e.event = std::string(event);
    e.outcome = "success";
    e.actor = act.actor;
    if (detail.empty()) e.reason = act.comment;
    else if (act.comment.empty()) e.reason = std::string(detail);
    else e.reason = act.comment + " (" + std::string(detail) + ")";
    return insert_audit(e);
}

Result<TokenRecord> Store::Impl::find_token(std::string_view serial) {
    static const std::string sql =
        std::string("SELECT ") + store::token_columns + " FROM tokens WHERE serial = ?1";
    auto stmt = db->prepare(sql.c_str());
    if (!stmt) return stmt.error();
    stmt->bind_text(1, serial);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!row.value())
        return make_error(Errc::not_found, "serial " + std::string(serial) + ": not in the store");
    return store::token_from_row(stmt.value());
}

Result<std::vector<std::uint8_t>> Store::Impl::seal_secret(std::string_view serial,
                                                           std::span<const std::uint8_t> secret) {
    return box.seal(secret, serial);
}

Result<otp::SecretBytes> Store::Impl::open_secret(std::string_view serial,
                                                  std::span<const std::uint8_t> sealed) {
    auto plain = box.open(sealed, serial);
    if (!plain)
        return make_error(Errc::corrupt, "serial " + std::string(serial) +
                                             ": secret does not decrypt with " + options.key_file +
                                             " (record altered or moved, or not this store's key file)");
    return plain;
}

Result<void> Store::Impl::insert_token(const KeySpec& spec, std::span<const std::uint8_t> secret,
                                       std::int64_t now) {
    if (auto ok = store::check_spec(spec, secret); !ok) return ok;
    auto sealed = seal_secret(spec.serial, secret);
    if (!sealed) return sealed.error();
    auto stmt = db->prepare(
        "INSERT INTO tokens (serial, kind, algorithm, digits, period, secret, state, lot, "
        "expires, drift, created, updated) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'stock', ?7, ?8, 0, ?9, ?9)");
    if (!stmt) return stmt.error();
    stmt->bind_text(1, spec.serial)
        .bind_text(2, to_string(spec.kind))
        .bind_text(3, store::algorithm_name(spec.algorithm))
        .bind_int(4, spec.digits)
        .bind_int(5, spec.period)
        .bind_blob(6, sealed.value())
        .bind_text(7, spec.lot)
        .bind_text(8, spec.expires)
        .bind_int(9, now);
    auto done = stmt->run();
    if (!done && done.error().code == Errc::already_exists)
        return make_error(Errc::already_exists, "serial " + spec.serial + ": already in the store");
    return done;
}

Result<std::optional<std::string>> Store::Impl::assigned_serial(std::string_view login) {
    auto stmt = db->prepare("SELECT serial FROM tokens WHERE owner = ?1 AND state = 'assigned'");
    if (!stmt) return stmt.error();
    stmt->bind_text(1, login);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!row.value()) return std::optional<std::string>();
    return std::optional<std::string>(stmt->text(0));
}

Result<std::int64_t> Store::Impl::drop_emergency_codes(std::string_view login) {
    auto stmt = db->prepare("DELETE FROM emergency_codes WHERE login = ?1");
    if (!stmt) return stmt.error();
    stmt->bind_text(1, login);
    if (auto done = stmt->run(); !done) return done.error();
    return db->changes();
}

std::string store::ended_codes(std::int64_t ended) {
    if (ended == 0) return {};
    return "ends " + std::to_string(ended) + " emergency code" + (ended > 1 ? "s" : "");
}

Result<std::int64_t> Store::Impl::assign_token(const TokenRecord& token, std::string_view login,
                                               std::int64_t now) {
    if (auto ok = store::check_login(login); !ok) return ok.error();
    const std::string& serial = token.spec.serial;
    if (token.state != KeyState::stock)
        return make_error(Errc::wrong_state, "serial " + serial + ": is " +
                                                 std::string(to_string(token.state)) +
                                                 "; only a key in stock can be assigned");
    auto current = assigned_serial(login);
    if (!current) return current.error();
    if (current.value())
        return make_error(Errc::wrong_state, "login " + std::string(login) + ": already has key " +
                                                 *current.value() + " (use user renew)");
    // The key keeps its last accepted step and drift (they are the key's, for
    // its whole life): a code its previous owner used stays used.
    auto token_stmt = db->prepare(
        "UPDATE tokens SET state = 'assigned', owner = ?2, updated = ?3 WHERE serial = ?1");
    if (!token_stmt) return token_stmt.error();
    token_stmt->bind_text(1, serial).bind_text(2, login).bind_int(3, now);
    if (auto done = token_stmt->run(); !done) return done.error();
    // A new login starts in new-PIN mode; a known one keeps its PIN.
    auto user = db->prepare(
        "INSERT INTO users (login, pin_hash, pin_state, failures, locked_until, created, updated) "
        "VALUES (?1, '', 'new_pin_required', 0, 0, ?2, ?2) ON CONFLICT (login) DO NOTHING");
    if (!user) return user.error();
    user->bind_text(1, login).bind_int(2, now);
    if (auto done = user->run(); !done) return done.error();
    return drop_emergency_codes(login);
}

}  // namespace okey
