// SPDX-License-Identifier: Apache-2.0
// engine/store/store.cpp — creating and opening a store on its backend
// (engine/store/backend.hpp) and the login path: the look-up, the failure
// counter and the atomic check-and-update of the last accepted step.
#include "engine/store/backend.hpp"
#include "engine/store/schema.hpp"
#include "engine/store/store_impl.hpp"

namespace okey {
namespace {

// The additional data of the decoy sealed value: no serial has a space.
constexpr std::string_view decoy_aad = "okey decoy";
// The decoy row's counter starts again from zero here.
constexpr unsigned decoy_count_wrap = 1U << 30;

}  // namespace

std::string_view to_string(KeyKind kind) {
    return kind == KeyKind::software ? "software" : "hardware";
}

std::string_view to_string(KeyState state) {
    switch (state) {
    case KeyState::stock: return "stock";
    case KeyState::assigned: return "assigned";
    case KeyState::lost: return "lost";
    case KeyState::retired: return "retired";
    }
    return "lost";
}

std::string_view to_string(PinState state) {
    return state == PinState::set ? "set" : "new_pin_required";
}

Result<void> Store::initialise(const StoreOptions& options, const NewStoreOptions& extra) {
    auto backend = store::backend_for(options.path);
    if (!backend) return backend.error();
    auto made = backend.value()->create(options, extra.service_role);
    if (!made) return made.error();
    auto created = store::create_schema(*made->connection, extra.populate);
    made->connection.reset();
    if (!created && made->undo) made->undo();
    return created;
}

Result<Store> Store::open(const StoreOptions& options) {
    auto backend = store::backend_for(options.path);
    if (!backend) return backend.error();
    auto db = backend.value()->open(options);
    if (!db) return db.error();
    auto box = store::SecretBox::load(options.key_file, options.trusted_owner);
    if (!box) return box.error();
    if (auto migrated = store::migrate(*db.value()); !migrated) return migrated.error();
    auto impl = std::unique_ptr<Impl>(
        new Impl{options, std::move(db.value()), std::move(box.value())});
    // A key secret's size (SHA-1 keys); nothing secret in it.
    const std::vector<std::uint8_t> decoy_secret(20, 0x5a);
    auto sealed = impl->box.seal(decoy_secret, decoy_aad);
    if (!sealed) return sealed.error();
    impl->decoy_sealed = std::move(sealed.value());
    return Store(std::move(impl));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

// ---- the login path ----

Result<std::optional<LoginView>> Store::load_login(std::string_view login) {
    using R = Result<std::optional<LoginView>>;
    return impl_->read([&]() -> R {
        auto user = impl_->db->prepare(
            "SELECT pin_hash, pin_state, failures, locked_until FROM users WHERE login = ?1");
        if (!user) return user.error();
        user->bind_text(1, login);
        auto row = user->step();
        if (!row) return row.error();
        const bool known = row.value();
        LoginView view;
        view.user.login = std::string(login);
        if (known) {
            view.user.pin_hash = user->text(0);
            view.user.pin_state = user->text(1) == "set" ? PinState::set : PinState::new_pin_required;
            view.user.failures = static_cast<unsigned>(user->integer(2));
            view.user.locked_until = user->integer(3);
        }

        static const std::string token_sql = std::string("SELECT ") + store::token_columns +
                                             " FROM tokens WHERE owner = ?1 AND state = 'assigned'";
        auto token = impl_->db->prepare(token_sql.c_str());
        if (!token) return token.error();
        token->bind_text(1, login);
        auto token_row = token->step();
        if (!token_row) return token_row.error();
        if (token_row.value()) {
            auto record = store::token_from_row(token.value());
            if (!record) return record.error();
            auto secret = impl_->open_secret(record->spec.serial,
                                             token->blob(store::token_secret_column));
            if (!secret) return secret.error();
            view.token = std::move(record.value());
            view.secret = std::move(secret.value());
        } else if (auto decoy = impl_->box.open(impl_->decoy_sealed, decoy_aad); !decoy) {
            return make_error(Errc::corrupt, "the decoy value does not open");
        }
        // An unknown login's emergency codes and lost keys are read too (and
        // none found, or thrown away): the same store work.
        if (auto loaded = impl_->load_login_extras(view); !loaded) return loaded.error();
        if (!known) return std::optional<LoginView>();
        return std::optional<LoginView>(std::move(view));
    });
}

// What a passcode is checked against besides the assigned key: the login's
// emergency codes and the keys declared lost while assigned to it.
Result<void> Store::Impl::load_login_extras(LoginView& view) {
    auto codes = db->prepare("SELECT hash, expires FROM emergency_codes WHERE login = ?1");
    if (!codes) return codes.error();
    codes->bind_text(1, view.user.login);
    for (;;) {
        auto row = codes->step();
        if (!row) return row.error();
        if (!row.value()) break;
        auto hash = codes->blob(0);
        view.emergency_codes.push_back(EmergencyCode{{hash.begin(), hash.end()}, codes->integer(1)});
    }
    static const std::string lost_sql = std::string("SELECT ") + store::token_columns +
                                        " FROM tokens WHERE lost_owner = ?1 AND state = 'lost' "
                                        "ORDER BY serial";
    auto lost = db->prepare(lost_sql.c_str());
    if (!lost) return lost.error();
    lost->bind_text(1, view.user.login);
    for (;;) {
        auto row = lost->step();
        if (!row) return row.error();
        if (!row.value()) return {};
        auto record = store::token_from_row(lost.value());
        if (!record) return record.error();
        auto secret = open_secret(record->spec.serial, lost->blob(store::token_secret_column));
        if (!secret) return secret.error();
        view.lost_keys.push_back(LostKey{std::move(record.value()), std::move(secret.value())});
    }
}

Result<ChargeResult> Store::charge_failure(std::string_view login, std::int64_t now,
                                           unsigned max_failures, unsigned lock_seconds) {
    return impl_->write_for(login, [&]() -> Result<ChargeResult> {
        auto counter = impl_->read_counter(login);
        if (!counter) return counter.error();
        if (!counter.value())
            return make_error(Errc::not_found, "login " + std::string(login) + ": unknown");
        ChargeResult charge = *counter.value();
        if (charge.locked_until == lock_forever || charge.locked_until > now) {
            charge.was_locked = true;
            return charge;
        }
        // Failures stay consecutive until a success: once a lock has run out,
        // the next failure locks again at once (one guess per lock period).
        charge.failures += 1;
        if (charge.failures >= max_failures)
            charge.locked_until = lock_seconds == 0 ? lock_forever : now + lock_seconds;
        if (auto done = impl_->write_counter(login, charge, now); !done) return done.error();
        return charge;
    });
}

Result<void> Store::charge_decoy(std::int64_t now) {
    // Under the decoy row's own lock, as a login write under its login's.
    return impl_->write_for(decoy_login, [&]() -> Result<void> {
        auto made = impl_->db->prepare(
            "INSERT INTO users (login, pin_hash, pin_state, failures, locked_until, created, updated) "
            "VALUES (?1, '', 'new_pin_required', 0, 0, ?2, ?2) ON CONFLICT (login) DO NOTHING");
        if (!made) return made.error();
        made->bind_text(1, decoy_login).bind_int(2, now);
        if (auto done = made->run(); !done) return done;
        // charge_failure's statements. The counter counts decoy charges and
        // never locks; it must change every time, as a real charge's does:
        // SQLite writes nothing for a row rewritten with the same values.
        auto counter = impl_->read_counter(decoy_login);
        if (!counter) return counter.error();
        if (!counter.value()) return make_error(Errc::corrupt, "the decoy row is missing");
        ChargeResult charge;
        charge.failures = (counter.value()->failures + 1) % decoy_count_wrap;
        return impl_->write_counter(decoy_login, charge, now);
    });
}

Result<std::optional<ChargeResult>> Store::Impl::read_counter(std::string_view login) {
    auto read = db->prepare("SELECT failures, locked_until FROM users WHERE login = ?1");
    if (!read) return read.error();
    read->bind_text(1, login);
    auto row = read->step();
    if (!row) return row.error();
    if (!row.value()) return std::optional<ChargeResult>();
    ChargeResult counter;
    counter.failures = static_cast<unsigned>(read->integer(0));
    counter.locked_until = read->integer(1);
    return std::optional<ChargeResult>(counter);
}

Result<void> Store::Impl::write_counter(std::string_view login, const ChargeResult& counter,
                                        std::int64_t now) {
    auto write = db->prepare(
        "UPDATE users SET failures = ?2, locked_until = ?3, updated = ?4 WHERE login = ?1");
    if (!write) return write.error();
    write->bind_text(1, login)
        .bind_int(2, counter.failures)
        .bind_int(3, counter.locked_until)
        .bind_int(4, now);
    return write->run();
}

// Under a.login's lock: the key is changed only once found assigned to it.
// Another login's write may read this key's row too (and find it not its
// own), never change it.
Result<StepVerdict> Store::accept_step(const StepAcceptance& a) {
    return impl_->write_for(a.login, [&]() -> Result<StepVerdict> {
        auto read = impl_->db->prepare(
            "SELECT state, owner, last_step FROM tokens WHERE serial = ?1");
        if (!read) return read.error();
        read->bind_text(1, a.serial);
        auto row = read->step();
        if (!row) return row.error();
        if (!row.value() || read->text(0) != "assigned" || read->text(1) != a.login)
            return StepVerdict::key_changed;
        if (!read->is_null(2) && a.step <= static_cast<std::uint64_t>(read->integer(2)))
            return StepVerdict::replayed;
        if (a.pin_judged) {
            auto pin = impl_->current_pin(a.login);
            if (!pin) return pin.error();
            // Stored values on both sides, neither a secret: a plain comparison.
            if (pin.value() != *a.pin_judged) return StepVerdict::pin_changed;
        }

        auto token = impl_->db->prepare(
            "UPDATE tokens SET last_step = ?2, drift = ?3, updated = ?4, "
            "last_login = CASE WHEN ?5 = 1 THEN ?4 ELSE last_login END WHERE serial = ?1");
        if (!token) return token.error();
        token->bind_text(1, a.serial)
            .bind_int(2, static_cast<std::int64_t>(a.step))
            .bind_int(3, a.drift)
            .bind_int(4, a.now)
            .bind_int(5, a.login_succeeded ? 1 : 0);
        if (auto done = token->run(); !done) return done.error();
        if (a.login_succeeded) {
            auto user = impl_->db->prepare(
                "UPDATE users SET failures = 0, locked_until = 0, updated = ?2 WHERE login = ?1");
            if (!user) return user.error();
            user->bind_text(1, a.login).bind_int(2, a.now);
            if (auto done = user->run(); !done) return done.error();
        }
        if (a.new_pin_hash) {
            auto pin = impl_->db->prepare(
                "UPDATE users SET pin_hash = ?2, pin_state = 'set', updated = ?3 WHERE login = ?1");
            if (!pin) return pin.error();
            pin->bind_text(1, a.login).bind_text(2, *a.new_pin_hash).bind_int(3, a.now);
            if (auto done = pin->run(); !done) return done.error();
        }
        return StepVerdict::accepted;
    });
}

// The login's PIN as the flows see it: its hash, or "" in new-PIN mode
// (engine/local: in_new_pin_mode) or when the login is not in the store.
Result<std::string> Store::Impl::current_pin(std::string_view login) {
    auto stmt = db->prepare("SELECT pin_state, pin_hash FROM users WHERE login = ?1");
    if (!stmt) return stmt.error();
    stmt->bind_text(1, login);
    auto row = stmt->step();
    if (!row) return row.error();
    if (!row.value() || stmt->text(0) != "set") return std::string();
    return stmt->text(1);
}

Result<void> Store::upgrade_pin_hash(std::string_view login, const std::string& pin_hash) {
    return impl_->write_for(login, [&]() -> Result<void> {
        auto stmt = impl_->db->prepare(
            "UPDATE users SET pin_hash = ?2 WHERE login = ?1 AND pin_state = 'set'");
        if (!stmt) return stmt.error();
        stmt->bind_text(1, login).bind_text(2, pin_hash);
        if (auto done = stmt->run(); !done) return done.error();
        if (impl_->db->changes() != 1)
            return make_error(Errc::not_found, "login " + std::string(login) + ": no PIN to upgrade");
        return {};
    });
}

Result<void> Store::append_audit(const AuditEntry& entry) {
    return impl_->append([&] { return impl_->insert_audit(entry); });
}

}  // namespace okey
