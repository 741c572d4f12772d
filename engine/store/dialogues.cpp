// SPDX-License-Identifier: Apache-2.0
// engine/store/dialogues.cpp — okeyd's open dialogues (DESIGN.md §9): the
// state of a login between two /validate/check requests, kept in the store
// so that any node can take the next answer. A dialogue is taken by the
// answer that continues it, in one statement that deletes the row and
// returns it: of two answers racing for one dialogue on two nodes — even
// under two logins' locks, which do not exclude each other — only the one
// whose delete removed the row gets it.
#include "engine/store/store_impl.hpp"

namespace okey {

namespace {

// Keys are okeyd's digests of transaction ids: short, printable.
Result<void> check_dialogue_key(std::string_view key) {
    if (key.empty() || key.size() > 128)
        return make_error(Errc::invalid_argument, "dialogue key: must be 1 to 128 characters");
    for (unsigned char c : key)
        if (c <= 0x20 || c >= 0x7f)
            return make_error(Errc::invalid_argument, "dialogue key: printable ASCII only");
    return {};
}

}  // namespace

Result<void> Store::save_dialogue(const Dialogue& dialogue) {
    if (auto ok = check_dialogue_key(dialogue.key); !ok) return ok;
    if (auto ok = store::check_login(dialogue.login); !ok) return ok;
    return impl_->write_for(dialogue.login, [&]() -> Result<void> {
        auto insert = impl_->db->prepare(
            "INSERT INTO dialogues (transaction_key, login, state, expires) VALUES (?1, ?2, ?3, ?4)");
        if (!insert) return insert.error();
        insert->bind_text(1, dialogue.key)
            .bind_text(2, dialogue.login)
            .bind_text(3, dialogue.state)
            .bind_int(4, dialogue.expires);
        return insert->run();
    });
}

Result<std::optional<std::string>> Store::take_dialogue(std::string_view key,
                                                        std::string_view login,
                                                        std::int64_t now) {
    using R = Result<std::optional<std::string>>;
    if (!check_dialogue_key(key)) return std::optional<std::string>();
    return impl_->write_for(login, [&]() -> R {
        // A dialogue answered for another login is dropped too: its id is
        // known to someone it was not given to.
        auto take = impl_->db->prepare(
            "DELETE FROM dialogues WHERE transaction_key = ?1 RETURNING login, state, expires");
        if (!take) return take.error();
        take->bind_text(1, key);
        auto row = take->step();
        if (!row) return row.error();
        if (!row.value() || take->text(0) != login || take->integer(2) < now)
            return std::optional<std::string>();
        return std::optional<std::string>(take->text(1));
    });
}

// Housekeeping once a minute per node: an administrative write (it holds the
// logins off for as long as one DELETE takes).
Result<std::int64_t> Store::sweep_dialogues(std::int64_t now) {
    return impl_->write([&]() -> Result<std::int64_t> {
        auto drop = impl_->db->prepare("DELETE FROM dialogues WHERE expires < ?1");
        if (!drop) return drop.error();
        drop->bind_int(1, now);
        if (auto done = drop->run(); !done) return done.error();
        return impl_->db->changes();
    });
}

Result<void> Store::ping() {
    return impl_->read([&]() -> Result<void> {
        auto one = impl_->db->prepare("SELECT 1");
        if (!one) return one.error();
        auto row = one->step();
        if (!row) return row.error();
        return {};
    });
}

}  // namespace okey
