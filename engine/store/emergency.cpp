// SPDX-License-Identifier: Apache-2.0
// engine/store/emergency.cpp — emergency codes (DESIGN.md §12): one-time
// 8-digit codes an administrator gives a member of staff whose key is lost
// or forgotten, typed after the PIN in place of the key's code.
//
// Made by OpenSSL's CSPRNG, shown once, kept only as a keyed hash:
// HMAC-SHA256(login, code) under a key derived from the key file. 10^8 codes
// are too few for a plain or even a slow hash (a stolen database could be
// searched offline: Argon2id at 40 ms is about 46 CPU-days per code, within
// reach); under the key file the database alone tests nothing, which is the
// protection the keys' own secrets have. The hash being fast, a login checks
// every code of the login at the same small cost. A code is used by deleting
// its row: of two logins racing with the same code, one deletes it, the
// other finds nothing.
#include "engine/store/store_impl.hpp"

#include "engine/calendar_date.hpp"

#include <openssl/rand.h>

#include <algorithm>

namespace okey {
namespace {

constexpr std::string_view hash_purpose = "okey emergency code v1";

// A uniform code of emergency_code_digits digits (rejection sampling).
Result<otp::SecretString> random_code() {
    constexpr std::uint32_t range = 100000000;  // 10^8
    constexpr std::uint32_t limit = UINT32_MAX - (UINT32_MAX % range);
    for (;;) {
        std::uint32_t value = 0;
        if (RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value) != 1)
            return make_error(Errc::crypto, "random emergency code: RAND_bytes failed");
        if (value >= limit) continue;
        char digits[emergency_code_digits + 1] = {};
        value %= range;
        for (int i = emergency_code_digits - 1; i >= 0; --i) {
            digits[i] = static_cast<char>('0' + value % 10);
            value /= 10;
        }
        otp::SecretString code(std::string_view(digits, emergency_code_digits));
        okey_otp_wipe(digits, sizeof digits);
        return code;
    }
}

// Inside a transaction: whether the login has its PIN set; not_found when
// the store does not know it.
Result<bool> pin_is_set(store::Connection& db, std::string_view login) {
    auto user = db.prepare("SELECT pin_state, pin_hash FROM users WHERE login = ?1");
    if (!user) return user.error();
    user->bind_text(1, login);
    auto row = user->step();
    if (!row) return row.error();
    if (!row.value())
        return make_error(Errc::not_found, "login " + std::string(login) + ": not in the store");
    return user->text(0) == "set" && !user->text(1).empty();
}

}  // namespace

Result<std::vector<std::uint8_t>> Store::emergency_code_hash(std::string_view login,
                                                             std::string_view code) const {
    // The login is part of the message: a code is valid for its login only.
    std::string message(login);
    message.push_back('\0');
    message.append(code);
    auto hash = impl_->box.keyed_hash(hash_purpose, message);
    okey_otp_wipe(message.data(), message.size());
    return hash;
}

Result<std::vector<otp::SecretString>> Store::issue_emergency_codes(std::string_view login,
                                                                    unsigned count,
                                                                    unsigned days,
                                                                    const Act& act) {
    using R = Result<std::vector<otp::SecretString>>;
    if (auto ok = store::check_login(login); !ok) return ok.error();
    if (count < 1 || count > max_emergency_codes)
        return make_error(Errc::invalid_argument,
                          "emergency codes: 1 to " + std::to_string(max_emergency_codes) + " at once");
    if (days < 1 || days > max_emergency_days)
        return make_error(Errc::invalid_argument, "emergency codes: valid 1 to " +
                                                      std::to_string(max_emergency_days) + " days");
    const std::int64_t expires = act.now + std::int64_t{86400} * days;
    std::vector<otp::SecretString> codes;
    std::vector<std::vector<std::uint8_t>> hashes;
    while (codes.size() < count) {
        auto code = random_code();
        if (!code) return code.error();
        auto hash = emergency_code_hash(login, code->view());
        if (!hash) return hash.error();
        if (std::find(hashes.begin(), hashes.end(), hash.value()) != hashes.end()) continue;
        hashes.push_back(std::move(hash.value()));
        codes.push_back(std::move(code.value()));
    }
    auto written = impl_->write([&]() -> Result<void> {
        auto pin_set = pin_is_set(*impl_->db, login);
        if (!pin_set) return pin_set.error();
        if (!pin_set.value())
            return make_error(Errc::wrong_state,
                              "login " + std::string(login) +
                                  ": has no PIN yet (new-PIN mode): an emergency code is typed "
                                  "after the PIN");
        auto replaced = impl_->drop_emergency_codes(login);
        if (!replaced) return replaced.error();
        for (const auto& hash : hashes) {
            auto insert = impl_->db->prepare(
                "INSERT INTO emergency_codes (login, hash, expires, created) "
                "VALUES (?1, ?2, ?3, ?4)");
            if (!insert) return insert.error();
            insert->bind_text(1, login).bind_blob(2, hash).bind_int(3, expires).bind_int(4, act.now);
            if (auto done = insert->run(); !done) return done;
        }
        auto serial = impl_->assigned_serial(login);
        if (!serial) return serial.error();
        std::string detail = std::to_string(count) + " codes valid until " + format_utc_time(expires);
        if (*replaced > 0) detail += "; replaces " + std::to_string(*replaced);
        return impl_->audit_act(act, "user.emergency", login, serial->value_or(""), detail);
    });
    if (!written) return written.error();
    return R(std::move(codes));
}

Result<std::int64_t> Store::revoke_emergency_codes(std::string_view login, const Act& act) {
    if (auto ok = store::check_login(login); !ok) return ok.error();
    return impl_->write([&]() -> Result<std::int64_t> {
        if (auto known = pin_is_set(*impl_->db, login); !known) return known.error();
        auto ended = impl_->drop_emergency_codes(login);
        if (!ended) return ended.error();
        auto serial = impl_->assigned_serial(login);
        if (!serial) return serial.error();
        if (auto audited = impl_->audit_act(act, "user.emergency-revoke", login,
                                            serial->value_or(""),
                                            std::to_string(*ended) + " codes ended");
            !audited)
            return audited.error();
        return *ended;
    });
}

Result<EmergencyStatus> Store::emergency_status(std::string_view login, std::int64_t now) {
    return impl_->read([&]() -> Result<EmergencyStatus> {
        auto stmt = impl_->db->prepare(
            "SELECT count(*), max(expires) FROM emergency_codes WHERE login = ?1 AND expires > ?2");
        if (!stmt) return stmt.error();
        stmt->bind_text(1, login).bind_int(2, now);
        auto row = stmt->step();
        if (!row) return row.error();
        EmergencyStatus status;
        status.left = static_cast<unsigned>(stmt->integer(0));
        if (!stmt->is_null(1)) status.expires = stmt->integer(1);
        return status;
    });
}

Result<StepVerdict> Store::consume_emergency_code(std::string_view login,
                                                  std::span<const std::uint8_t> hash,
                                                  std::int64_t now,
                                                  std::optional<std::string> pin_judged) {
    // A login write: only this login's codes and users row change, and they
    // change elsewhere only in an administrative write (issue, revoke, a key
    // assigned) or another login write of the same login.
    return impl_->write_for(login, [&]() -> Result<StepVerdict> {
        if (pin_judged) {
            auto pin = impl_->current_pin(login);
            if (!pin) return pin.error();
            if (pin.value() != *pin_judged) return StepVerdict::pin_changed;
        }
        auto use = impl_->db->prepare(
            "DELETE FROM emergency_codes WHERE login = ?1 AND hash = ?2 AND expires > ?3");
        if (!use) return use.error();
        use->bind_text(1, login).bind_blob(2, hash).bind_int(3, now);
        if (auto done = use->run(); !done) return done.error();
        if (impl_->db->changes() != 1) return StepVerdict::replayed;
        // Expired codes of the login go too: they can never be used.
        auto expired =
            impl_->db->prepare("DELETE FROM emergency_codes WHERE login = ?1 AND expires <= ?2");
        if (!expired) return expired.error();
        expired->bind_text(1, login).bind_int(2, now);
        if (auto done = expired->run(); !done) return done.error();
        if (pin_judged) {
            auto user = impl_->db->prepare(
                "UPDATE users SET failures = 0, locked_until = 0, updated = ?2 WHERE login = ?1");
            if (!user) return user.error();
            user->bind_text(1, login).bind_int(2, now);
            if (auto done = user->run(); !done) return done.error();
        }
        return StepVerdict::accepted;
    });
}

}  // namespace okey
