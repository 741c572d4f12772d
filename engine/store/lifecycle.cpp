// SPDX-License-Identifier: Apache-2.0
// engine/store/lifecycle.cpp — the administrator's acts on keys and logins
// (DESIGN.md §3, §6) with the OKEY lifecycle rules: stock → assigned → lost
// (never valid again) or back to stock; renewal retires the old key and keeps
// the PIN. Each act and its audit row are one administrative transaction
// (write(): alone in the store, no login's write beside it).
#include "engine/store/store_impl.hpp"

namespace okey {
namespace {

std::string refused_state(const TokenRecord& t, std::string_view why) {
    return "serial " + t.spec.serial + ": is " + std::string(to_string(t.state)) + "; " +
           std::string(why);
}

}  // namespace

Result<void> Store::add_token(const KeySpec& spec, std::span<const std::uint8_t> secret,
                              const Act& act) {
    return impl_->write([&]() -> Result<void> {
        if (auto added = impl_->insert_token(spec, secret, act.now); !added) return added;
        std::string detail = spec.lot.empty() ? "" : "lot " + spec.lot;
        return impl_->audit_act(act, "token.add", "", spec.serial, detail);
    });
}

Result<void> Store::add_tokens(const std::vector<NewToken>& tokens, const Act& act) {
    return impl_->write([&]() -> Result<void> {
        for (const auto& token : tokens) {
            if (auto added = impl_->insert_token(token.spec, token.secret, act.now); !added)
                return added;
            std::string detail = token.spec.lot.empty() ? "" : "lot " + token.spec.lot;
            if (auto audited = impl_->audit_act(act, "token.import", "", token.spec.serial, detail);
                !audited)
                return audited;
        }
        return {};
    });
}

Result<TokenRecord> Store::get_token(std::string_view serial) {
    return impl_->read([&] { return impl_->find_token(serial); });
}

Result<std::vector<TokenRecord>> Store::list_tokens(const TokenFilter& filter) {
    using R = Result<std::vector<TokenRecord>>;
    return impl_->read([&]() -> R {
        static const std::string sql =
            std::string("SELECT ") + store::token_columns +
            // An unbound filter is NULL; the casts give it a type PostgreSQL can see.
            " FROM tokens WHERE (CAST(?1 AS TEXT) IS NULL OR state = ?1) "
            "AND (CAST(?2 AS TEXT) IS NULL OR owner = ?2) "
            "AND (CAST(?3 AS TEXT) IS NULL OR lot = ?3) ORDER BY serial";
        auto stmt = impl_->db->prepare(sql.c_str());
        if (!stmt) return stmt.error();
        if (filter.state) stmt->bind_text(1, to_string(*filter.state));
        if (filter.login) stmt->bind_text(2, *filter.login);
        if (filter.lot) stmt->bind_text(3, *filter.lot);
        std::vector<TokenRecord> out;
        for (;;) {
            auto row = stmt->step();
            if (!row) return row.error();
            if (!row.value()) break;
            auto record = store::token_from_row(stmt.value());
            if (!record) return record.error();
            out.push_back(std::move(record.value()));
        }
        return out;
    });
}

Result<otp::SecretBytes> Store::token_secret(std::string_view serial) {
    return impl_->read([&]() -> Result<otp::SecretBytes> {
        auto stmt = impl_->db->prepare("SELECT secret FROM tokens WHERE serial = ?1");
        if (!stmt) return stmt.error();
        stmt->bind_text(1, serial);
        auto row = stmt->step();
        if (!row) return row.error();
        if (!row.value())
            return make_error(Errc::not_found, "serial " + std::string(serial) + ": not in the store");
        return impl_->open_secret(serial, stmt->blob(0));
    });
}

Result<void> Store::assign(std::string_view serial, std::string_view login, const Act& act) {
    return impl_->write([&]() -> Result<void> {
        auto token = impl_->find_token(serial);
        if (!token) return token.error();
        auto ended = impl_->assign_token(token.value(), login, act.now);
        if (!ended) return ended.error();
        return impl_->audit_act(act, "token.assign", login, serial, store::ended_codes(*ended));
    });
}

Result<void> Store::mark_lost(std::string_view serial, const Act& act) {
    return impl_->write([&]() -> Result<void> {
        auto token = impl_->find_token(serial);
        if (!token) return token.error();
        if (token->state != KeyState::stock && token->state != KeyState::assigned)
            return make_error(Errc::wrong_state, refused_state(token.value(), "already out of use"));
        // The login it was assigned to is kept: a code of this key typed for
        // that login is then logged as a lost key used (DESIGN.md §12).
        auto stmt = impl_->db->prepare(
            "UPDATE tokens SET state = 'lost', lost_owner = owner, owner = NULL, updated = ?2 "
            "WHERE serial = ?1");
        if (!stmt) return stmt.error();
        stmt->bind_text(1, serial).bind_int(2, act.now);
        if (auto done = stmt->run(); !done) return done;
        return impl_->audit_act(act, "token.lost", token->owner, serial, "");
    });
}

Result<void> Store::return_to_stock(std::string_view serial, const Act& act) {
    return impl_->write([&]() -> Result<void> {
        auto token = impl_->find_token(serial);
        if (!token) return token.error();
        if (token->state != KeyState::assigned)
            return make_error(Errc::wrong_state,
                              refused_state(token.value(), "only an assigned key can be returned"));
        // Its last accepted step and drift stay with the key (see assign_token).
        auto stmt = impl_->db->prepare(
            "UPDATE tokens SET state = 'stock', owner = NULL, updated = ?2 WHERE serial = ?1");
        if (!stmt) return stmt.error();
        stmt->bind_text(1, serial).bind_int(2, act.now);
        if (auto done = stmt->run(); !done) return done;
        return impl_->audit_act(act, "token.return", token->owner, serial, "");
    });
}

Result<void> Store::set_expiry(std::string_view serial, std::string_view date, const Act& act) {
    if (auto ok = store::check_date(date); !ok) return ok;
    return impl_->write([&]() -> Result<void> {
        auto token = impl_->find_token(serial);
        if (!token) return token.error();
        if (token->state != KeyState::stock && token->state != KeyState::assigned)
            return make_error(Errc::wrong_state, refused_state(token.value(), "never valid again"));
        auto stmt =
            impl_->db->prepare("UPDATE tokens SET expires = ?2, updated = ?3 WHERE serial = ?1");
        if (!stmt) return stmt.error();
        stmt->bind_text(1, serial).bind_text(2, date).bind_int(3, act.now);
        if (auto done = stmt->run(); !done) return done;
        return impl_->audit_act(act, "token.expire-on", token->owner, serial,
                                "expires " + std::string(date));
    });
}

Result<void> Store::record_resync(std::string_view serial, std::uint64_t step, std::int64_t drift,
                                  const Act& act) {
    return impl_->write([&]() -> Result<void> {
        auto token = impl_->find_token(serial);
        if (!token) return token.error();
        if (token->state != KeyState::stock && token->state != KeyState::assigned)
            return make_error(Errc::wrong_state, refused_state(token.value(), "never valid again"));
        // The codes given must be later than any code already used.
        if (token->last_step && step <= *token->last_step)
            return make_error(Errc::wrong_state,
                              "serial " + std::string(serial) + ": these codes were already used");
        auto stmt = impl_->db->prepare(
            "UPDATE tokens SET last_step = ?2, drift = ?3, updated = ?4 WHERE serial = ?1");
        if (!stmt) return stmt.error();
        stmt->bind_text(1, serial)
            .bind_int(2, static_cast<std::int64_t>(step))
            .bind_int(3, drift)
            .bind_int(4, act.now);
        if (auto done = stmt->run(); !done) return done;
        return impl_->audit_act(act, "token.resync", token->owner, serial,
                                "drift " + std::to_string(drift) + " steps");
    });
}

Result<void> Store::enroll(const KeySpec& spec, std::span<const std::uint8_t> secret,
                           std::string_view login, const Act& act) {
    return impl_->write([&]() -> Result<void> {
        if (auto ok = store::check_login(login); !ok) return ok;
        auto current = impl_->assigned_serial(login);
        if (!current) return current.error();
        if (current.value())
            return make_error(Errc::wrong_state, "login " + std::string(login) +
                                                     ": already has key " + *current.value() +
                                                     " (use user renew)");
        if (auto added = impl_->insert_token(spec, secret, act.now); !added) return added;
        auto token = impl_->find_token(spec.serial);
        if (!token) return token.error();
        auto ended = impl_->assign_token(token.value(), login, act.now);
        if (!ended) return ended.error();
        return impl_->audit_act(act, "user.enroll-software", login, spec.serial,
                                store::ended_codes(*ended));
    });
}

Result<UserRecord> Store::get_user(std::string_view login) {
    return impl_->read([&]() -> Result<UserRecord> {
        auto stmt = impl_->db->prepare(
            "SELECT pin_hash, pin_state, failures, locked_until FROM users WHERE login = ?1");
        if (!stmt) return stmt.error();
        stmt->bind_text(1, login);
        auto row = stmt->step();
        if (!row) return row.error();
        if (!row.value())
            return make_error(Errc::not_found, "login " + std::string(login) + ": not in the store");
        UserRecord user;
        user.login = std::string(login);
        user.pin_hash = stmt->text(0);
        user.pin_state = stmt->text(1) == "set" ? PinState::set : PinState::new_pin_required;
        user.failures = static_cast<unsigned>(stmt->integer(2));
        user.locked_until = stmt->integer(3);
        return user;
    });
}

Result<void> Store::renew(std::string_view login, std::string_view new_serial, const Act& act) {
    return impl_->write([&]() -> Result<void> {
        auto current = impl_->assigned_serial(login);
        if (!current) return current.error();
        if (!current.value())
            return make_error(Errc::wrong_state, "login " + std::string(login) +
                                                     ": has no key to renew (use token assign)");
        auto fresh = impl_->find_token(new_serial);
        if (!fresh) return fresh.error();
        if (fresh->state != KeyState::stock)
            return make_error(Errc::wrong_state,
                              refused_state(fresh.value(), "only a key in stock can be assigned"));
        auto retire = impl_->db->prepare(
            "UPDATE tokens SET state = 'retired', owner = NULL, updated = ?2 WHERE serial = ?1");
        if (!retire) return retire.error();
        retire->bind_text(1, *current.value()).bind_int(2, act.now);
        if (auto done = retire->run(); !done) return done;
        // The login keeps its PIN: assign_token leaves an existing login alone.
        auto ended = impl_->assign_token(fresh.value(), login, act.now);
        if (!ended) return ended.error();
        std::string detail = "replaces " + *current.value();
        if (*ended > 0) detail += "; " + store::ended_codes(*ended);
        return impl_->audit_act(act, "user.renew", login, new_serial, detail);
    });
}

Result<void> Store::Impl::update_login(std::string_view login, const char* sql,
                                       std::string_view event, const Act& act) {
    return write([&]() -> Result<void> {
        auto stmt = db->prepare(sql);
        if (!stmt) return stmt.error();
        stmt->bind_text(1, login).bind_int(2, act.now);
        if (auto done = stmt->run(); !done) return done;
        if (db->changes() != 1)
            return make_error(Errc::not_found, "login " + std::string(login) + ": not in the store");
        auto serial = assigned_serial(login);
        if (!serial) return serial.error();
        return audit_act(act, event, login, serial->value_or(""), "");
    });
}

Result<void> Store::reset_pin(std::string_view login, const Act& act) {
    return impl_->update_login(
        login,
        "UPDATE users SET pin_hash = '', pin_state = 'new_pin_required', updated = ?2 "
        "WHERE login = ?1",
        "user.reset-pin", act);
}

Result<void> Store::unlock(std::string_view login, const Act& act) {
    return impl_->update_login(
        login, "UPDATE users SET failures = 0, locked_until = 0, updated = ?2 WHERE login = ?1",
        "user.unlock", act);
}

Result<std::vector<std::string>> Store::logins_like(std::string_view base) {
    using R = Result<std::vector<std::string>>;
    return impl_->read([&]() -> R {
        // Every login sorting between base and base + ':' (the byte after '9')
        // starts with base; keep those followed by digits only.
        auto stmt = impl_->db->prepare(
            "SELECT login FROM users WHERE login >= ?1 AND login < ?1 || ':' ORDER BY login");
        if (!stmt) return stmt.error();
        stmt->bind_text(1, base);
        std::vector<std::string> out;
        for (;;) {
            auto row = stmt->step();
            if (!row) return row.error();
            if (!row.value()) break;
            std::string login = stmt->text(0);
            if (login.compare(0, base.size(), base) != 0) continue;
            bool digits = true;
            for (std::size_t i = base.size(); i < login.size(); ++i)
                digits = digits && login[i] >= '0' && login[i] <= '9';
            if (digits) out.push_back(login);
        }
        return out;
    });
}

Result<std::vector<AuditEntry>> Store::audit(const AuditFilter& filter) {
    using R = Result<std::vector<AuditEntry>>;
    return impl_->read([&]() -> R {
        auto stmt = impl_->db->prepare(
            "SELECT time, login, serial, service, remote_host, event, outcome, reason, actor "
            "FROM audit "
            "WHERE (CAST(?1 AS TEXT) IS NULL OR login = ?1) "
            "AND (CAST(?2 AS BIGINT) IS NULL OR time >= ?2) ORDER BY id");
        if (!stmt) return stmt.error();
        if (filter.login) stmt->bind_text(1, *filter.login);
        if (filter.since) stmt->bind_int(2, *filter.since);
        std::vector<AuditEntry> out;
        for (;;) {
            auto row = stmt->step();
            if (!row) return row.error();
            if (!row.value()) break;
            AuditEntry e;
            e.time = stmt->integer(0);
            e.login = stmt->text(1);
            e.serial = stmt->text(2);
            e.service = stmt->text(3);
            e.remote_host = stmt->text(4);
            e.event = stmt->text(5);
            e.outcome = stmt->text(6);
            e.reason = stmt->text(7);
            e.actor = stmt->text(8);
            out.push_back(std::move(e));
        }
        return out;
    });
}

}  // namespace okey
