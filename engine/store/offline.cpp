// SPDX-License-Identifier: Apache-2.0
// engine/store/offline.cpp — offline values sent by a remote service
// (DESIGN.md §5): one batch per login, its refill token sealed like a key's
// secret (additional data "offline:" + login), values consumed in order.
#include "engine/store/store_impl.hpp"

namespace okey {

using store::offline_aad;

Result<void> Store::replace_offline(const OfflineBatch& batch) {
    if (auto ok = store::check_login(batch.login); !ok) return ok;
    const auto& token = batch.refill_token.view();
    auto sealed = impl_->box.seal(
        std::span(reinterpret_cast<const std::uint8_t*>(token.data()), token.size()),
        offline_aad(batch.login));
    if (!sealed) return sealed.error();
    return impl_->write_for(batch.login, [&]() -> Result<void> {
        auto drop = impl_->db->prepare("DELETE FROM offline_batches WHERE login = ?1");
        if (!drop) return drop.error();
        drop->bind_text(1, batch.login);
        if (auto done = drop->run(); !done) return done;
        auto insert = impl_->db->prepare(
            "INSERT INTO offline_batches (login, serial, refill_token, received) "
            "VALUES (?1, ?2, ?3, ?4)");
        if (!insert) return insert.error();
        insert->bind_text(1, batch.login)
            .bind_text(2, batch.serial)
            .bind_blob(3, sealed.value())
            .bind_int(4, batch.received);
        if (auto done = insert->run(); !done) return done;
        for (const auto& [counter, hash] : batch.values) {
            auto value = impl_->db->prepare(
                "INSERT INTO offline_values (login, counter, hash) VALUES (?1, ?2, ?3)");
            if (!value) return value.error();
            value->bind_text(1, batch.login)
                .bind_int(2, static_cast<std::int64_t>(counter))
                .bind_text(3, hash);
            if (auto done = value->run(); !done) return done;
        }
        // A login with offline values has a failure counter here, so that
        // offline guesses count against its lockout (DESIGN.md §4.5).
        auto user = impl_->db->prepare(
            "INSERT INTO users (login, pin_hash, pin_state, failures, locked_until, created, updated) "
            "VALUES (?1, '', 'new_pin_required', 0, 0, ?2, ?2) ON CONFLICT (login) DO NOTHING");
        if (!user) return user.error();
        user->bind_text(1, batch.login).bind_int(2, batch.received);
        return user->run();
    });
}

Result<std::optional<OfflineBatch>> Store::load_offline(std::string_view login) {
    using R = Result<std::optional<OfflineBatch>>;
    return impl_->read([&]() -> R {
        auto head = impl_->db->prepare(
            "SELECT serial, refill_token, received FROM offline_batches WHERE login = ?1");
        if (!head) return head.error();
        head->bind_text(1, login);
        auto row = head->step();
        if (!row) return row.error();
        if (!row.value()) return std::optional<OfflineBatch>();
        OfflineBatch batch;
        batch.login = std::string(login);
        batch.serial = head->text(0);
        batch.received = head->integer(2);
        auto token = impl_->box.open(head->blob(1), offline_aad(login));
        if (!token)
            return make_error(Errc::corrupt, "offline values of login " + std::string(login) +
                                                 ": refill token does not decrypt");
        batch.refill_token = otp::SecretString(std::string_view(
            reinterpret_cast<const char*>(token->data()), token->size()));
        auto values = impl_->db->prepare(
            "SELECT counter, hash FROM offline_values WHERE login = ?1 ORDER BY counter");
        if (!values) return values.error();
        values->bind_text(1, login);
        for (;;) {
            auto next = values->step();
            if (!next) return next.error();
            if (!next.value()) break;
            batch.values.emplace_back(static_cast<std::uint64_t>(values->integer(0)),
                                      values->text(1));
        }
        return std::optional<OfflineBatch>(std::move(batch));
    });
}

Result<bool> Store::consume_offline(std::string_view login, std::uint64_t counter) {
    return impl_->write_for(login, [&]() -> Result<bool> {
        auto stmt = impl_->db->prepare(
            "DELETE FROM offline_values WHERE login = ?1 AND counter <= ?2 "
            "AND EXISTS (SELECT 1 FROM offline_values WHERE login = ?1 AND counter = ?2)");
        if (!stmt) return stmt.error();
        stmt->bind_text(1, login).bind_int(2, static_cast<std::int64_t>(counter));
        if (auto done = stmt->run(); !done) return done.error();
        if (impl_->db->changes() == 0) return false;
        // A value used is a success: the consecutive failures end here.
        auto reset = impl_->db->prepare(
            "UPDATE users SET failures = 0, locked_until = 0 WHERE login = ?1");
        if (!reset) return reset.error();
        reset->bind_text(1, login);
        if (auto done = reset->run(); !done) return done.error();
        return true;
    });
}

Result<void> Store::drop_offline(std::string_view login) {
    return impl_->write_for(login, [&]() -> Result<void> {
        auto stmt = impl_->db->prepare("DELETE FROM offline_batches WHERE login = ?1");
        if (!stmt) return stmt.error();
        stmt->bind_text(1, login);
        return stmt->run();
    });
}

}  // namespace okey
