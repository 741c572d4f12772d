// SPDX-License-Identifier: Apache-2.0
// engine/store/leavers.cpp — leavers and old keys (DESIGN.md §12): a login
// that holds no key is removed (its PIN hash, counters, emergency codes and
// offline values go; its audit rows stay), and a lost or retired key is
// deleted with its sealed secret. Each act and its audit row are one
// transaction.
#include "engine/store/store_impl.hpp"

namespace okey {

Result<void> Store::remove_user(std::string_view login, const Act& act) {
    if (auto ok = store::check_login(login); !ok) return ok;
    return impl_->write([&]() -> Result<void> {
        auto held = impl_->assigned_serial(login);
        if (!held) return held.error();
        if (held.value())
            return make_error(Errc::wrong_state,
                              "login " + std::string(login) + ": holds key " + *held.value() +
                                  " (return it to stock or declare it lost first)");
        auto remove = impl_->db->prepare("DELETE FROM users WHERE login = ?1");
        if (!remove) return remove.error();
        remove->bind_text(1, login);
        if (auto done = remove->run(); !done) return done;
        if (impl_->db->changes() != 1)
            return make_error(Errc::not_found, "login " + std::string(login) + ": not in the store");
        // What else belongs to the login. Its lost keys stay (token delete),
        // no longer linked to a login that is gone.
        for (const char* sql : {"DELETE FROM emergency_codes WHERE login = ?1",
                                "DELETE FROM offline_batches WHERE login = ?1",
                                "UPDATE tokens SET lost_owner = NULL WHERE lost_owner = ?1"}) {
            auto stmt = impl_->db->prepare(sql);
            if (!stmt) return stmt.error();
            stmt->bind_text(1, login);
            if (auto done = stmt->run(); !done) return done;
        }
        return impl_->audit_act(act, "user.remove", login, "", "");
    });
}

Result<std::string> Store::delete_token(std::string_view serial, const Act& act) {
    if (auto ok = store::check_serial(serial); !ok) return ok.error();
    auto deleted = impl_->write([&]() -> Result<void> {
        auto token = impl_->find_token(serial);
        if (!token) return token.error();
        if (token->state != KeyState::lost && token->state != KeyState::retired)
            return make_error(Errc::wrong_state,
                              "serial " + std::string(serial) + ": is " +
                                  std::string(to_string(token->state)) +
                                  "; only a lost or retired key can be deleted (declare it lost, "
                                  "or renew its login, first)");
        auto remove = impl_->db->prepare("DELETE FROM tokens WHERE serial = ?1");
        if (!remove) return remove.error();
        remove->bind_text(1, serial);
        if (auto done = remove->run(); !done) return done;
        return impl_->audit_act(act, "token.delete", token->lost_owner, serial,
                                "was " + std::string(to_string(token->state)));
    });
    if (!deleted) return deleted.error();
    // Committed: now make the deleted bytes unrecoverable, as far as the
    // backend can (engine/store/database.hpp: Connection::scrub_deleted).
    return impl_->db->scrub_deleted();
}

}  // namespace okey
