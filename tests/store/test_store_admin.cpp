// SPDX-License-Identifier: Apache-2.0
// tests/store/test_store_admin.cpp — administration at academy scale
// (DESIGN.md §12) on the backend of this run: the actor in the audit, leavers
// (remove a login, delete a key and scrub its secret), emergency codes
// (keyed hashes, used once even by racing connections, expiry, revoke, ended
// by the next key), the login a lost key belonged to, backup and restore
// (SQLite; refused with pg_dump's name on PostgreSQL), the integrity check,
// and the migration of a version 2 store to version 3.
#include "engine/store/schema.hpp"
#include "store_fixture.hpp"

#include <thread>

using okey::Errc;
using okey::KeyState;
using okey::Store;
using test::act;
using test::last_audit;
using test::rfc_secret;
using test::spec;

namespace {

const std::int64_t t0 = 1'700'000'000;
// The PIN hash login_with_pin and the tests set (never verified here).
const char* const pin = "$argon2id$x";

okey::Act by(const char* actor, std::int64_t now = t0, const char* comment = "") {
    okey::Act a = act(now, comment);
    a.actor = actor;
    return a;
}

// A login with a PIN set and a key assigned.
void login_with_pin(test::StoreDir& d, Store& store, const char* serial, const char* login) {
    assert_ok(store.add_token(spec(serial), rfc_secret, act(t0)));
    assert_ok(store.assign(serial, login, act(t0)));
    assert_true(d.raw(std::string("UPDATE users SET pin_hash = '") + pin +
                      "', pin_state = 'set' WHERE login = '" + login + "'"));
}

void actor_in_every_act(void**) {
    test::StoreDir d;
    auto store = d.make();
    assert_ok(store.add_token(spec("K1"), rfc_secret, by("alice")));
    assert_string_equal(last_audit(store).actor.c_str(), "alice");
    assert_ok(store.assign("K1", "jdupont", by("bob")));
    auto e = last_audit(store);
    assert_string_equal(e.actor.c_str(), "bob");
    assert_string_equal(e.event.c_str(), "token.assign");
    assert_ok(store.unlock("jdupont", by("carol")));
    assert_string_equal(last_audit(store).actor.c_str(), "carol");
    // A login's own row names no administrator.
    okey::AuditEntry login;
    login.time = t0;
    login.login = "jdupont";
    login.event = "login";
    login.outcome = "success";
    assert_ok(store.append_audit(login));
    assert_string_equal(last_audit(store).actor.c_str(), "");
}

void remove_user_only_without_a_key(void**) {
    test::StoreDir d;
    auto store = d.make();
    login_with_pin(d, store, "K1", "jdupont");
    assert_ok(store.issue_emergency_codes("jdupont", 2, 1, act(t0)));
    assert_refused(store.remove_user("jdupont", by("alice", t0, "left")), Errc::wrong_state,
                   "login jdupont: holds key K1 (return it to stock or declare it lost first)");
    assert_refused(store.remove_user("nobody", act(t0, "x")), Errc::not_found, "not in the store");
    assert_ok(store.mark_lost("K1", act(t0, "lost")));
    assert_ok(store.remove_user("jdupont", by("alice", t0 + 5, "a quitté l'académie")));
    auto e = last_audit(store);
    assert_string_equal(e.event.c_str(), "user.remove");
    assert_string_equal(e.login.c_str(), "jdupont");
    assert_string_equal(e.reason.c_str(), "a quitté l'académie");
    assert_string_equal(e.actor.c_str(), "alice");
    // PIN hash, counters, emergency codes gone; the audit history stays.
    assert_refused(store.get_user("jdupont"), Errc::not_found, "not in the store");
    assert_int_equal(d.raw_integer("SELECT count(*) FROM emergency_codes"), 0);
    assert_int_equal(d.raw_integer("SELECT count(*) FROM users"), 0);
    okey::AuditFilter mine;
    mine.login = "jdupont";
    auto history = store.audit(mine);
    assert_ok(history);
    assert_true(history->size() >= 4);  // assign, emergency, lost, remove
    // The lost key stays, no longer linked to a login that is gone.
    auto lost = store.get_token("K1");
    assert_ok(lost);
    assert_true(lost->lost_owner.empty());
}

void delete_token_lost_or_retired_only(void**) {
    test::StoreDir d;
    auto store = d.make();
    assert_ok(store.add_token(spec("K1"), rfc_secret, act(t0)));
    assert_ok(store.add_token(spec("K2"), rfc_secret, act(t0)));
    assert_ok(store.add_token(spec("K3"), rfc_secret, act(t0)));
    assert_ok(store.assign("K1", "jdupont", act(t0)));
    assert_refused(store.delete_token("K1", act(t0, "x")), Errc::wrong_state,
                   "serial K1: is assigned; only a lost or retired key can be deleted");
    assert_refused(store.delete_token("K2", act(t0, "x")), Errc::wrong_state, "is stock");
    assert_refused(store.delete_token("NOPE", act(t0, "x")), Errc::not_found, "not in the store");
    assert_ok(store.renew("jdupont", "K2", act(t0)));  // K1 retired
    assert_ok(store.mark_lost("K2", act(t0, "perdue")));
    for (const char* serial : {"K1", "K2"}) {
        auto said = store.delete_token(serial, by("alice", t0, "destroyed"));
        assert_ok(said);
        assert_contains(said.value(), test::on_sqlite() ? "overwritten with zeros" : "VACUUM");
        assert_refused(store.get_token(serial), Errc::not_found, "not in the store");
    }
    auto e = last_audit(store);
    assert_string_equal(e.event.c_str(), "token.delete");
    assert_string_equal(e.serial.c_str(), "K2");
    assert_string_equal(e.login.c_str(), "jdupont");  // who lost it
    assert_string_equal(e.reason.c_str(), "destroyed (was lost)");
    if (test::on_sqlite()) {
        // Nowhere in the store's files: not in the database, and the WAL is empty.
        struct stat st {};
        assert_true(::stat((d.options.path + "-wal").c_str(), &st) != 0 || st.st_size == 0);
    }
}

void emergency_codes_lifecycle(void**) {
    test::StoreDir d;
    auto store = d.make();
    assert_refused(store.issue_emergency_codes("nobody", 5, 3, act(t0)), Errc::not_found,
                   "not in the store");
    assert_ok(store.add_token(spec("K1"), rfc_secret, act(t0)));
    assert_ok(store.assign("K1", "jdupont", act(t0)));
    assert_refused(store.issue_emergency_codes("jdupont", 5, 3, act(t0)), Errc::wrong_state,
                   "has no PIN yet (new-PIN mode)");
    assert_true(d.raw("UPDATE users SET pin_hash = '$argon2id$x', pin_state = 'set'"));
    assert_refused(store.issue_emergency_codes("jdupont", 11, 3, act(t0)), Errc::invalid_argument,
                   "1 to 10");
    assert_refused(store.issue_emergency_codes("jdupont", 5, 15, act(t0)), Errc::invalid_argument,
                   "1 to 14 days");

    auto codes = store.issue_emergency_codes("jdupont", 5, 3, by("alice"));
    assert_ok(codes);
    assert_int_equal(codes->size(), 5);
    for (const auto& c : codes.value()) {
        assert_int_equal(c.size(), 8);
        for (char ch : c.view()) assert_true(ch >= '0' && ch <= '9');
        // Only keyed hashes are kept: no code in the database.
        assert_false(d.db.column_contains("emergency_codes", "hash", std::string(c.view())));
    }
    auto e = last_audit(store);
    assert_string_equal(e.event.c_str(), "user.emergency");
    assert_string_equal(e.serial.c_str(), "K1");
    assert_contains(e.reason, "5 codes valid until 2023-11-17T22:13:20Z");
    auto status = store.emergency_status("jdupont", t0);
    assert_ok(status);
    assert_int_equal(status->left, 5);
    assert_int_equal(status->expires, t0 + 3 * 86400);

    // The view a login reads has them; the hash depends on the login.
    auto view = store.load_login("jdupont");
    assert_ok(view);
    assert_int_equal((*view)->emergency_codes.size(), 5);
    auto hash = store.emergency_code_hash("jdupont", codes->at(0).view());
    auto other = store.emergency_code_hash("mmartin", codes->at(0).view());
    assert_ok(hash);
    assert_ok(other);
    assert_true(hash.value() != other.value());

    // Not while the PIN judged is no longer the login's (left unused); then
    // used once; not after its expiry.
    auto used = store.consume_emergency_code("jdupont", hash.value(), t0 + 10, std::string("$argon2id$y"));
    assert_ok(used);
    assert_true(used.value() == okey::StepVerdict::pin_changed);
    used = store.consume_emergency_code("jdupont", hash.value(), t0 + 10, std::string(pin));
    assert_ok(used);
    assert_true(used.value() == okey::StepVerdict::accepted);
    used = store.consume_emergency_code("jdupont", hash.value(), t0 + 11, std::string(pin));
    assert_ok(used);
    assert_true(used.value() == okey::StepVerdict::replayed);
    auto late = store.emergency_code_hash("jdupont", codes->at(1).view());
    used = store.consume_emergency_code("jdupont", late.value(), t0 + 3 * 86400, std::nullopt);
    assert_ok(used);
    assert_true(used.value() == okey::StepVerdict::replayed);

    // A new batch replaces the old one; revoke ends them; a new key ends them.
    assert_ok(store.issue_emergency_codes("jdupont", 2, 1, act(t0 + 20)));
    assert_contains(last_audit(store).reason, "replaces 4");
    auto ended = store.revoke_emergency_codes("jdupont", by("bob", t0 + 30));
    assert_ok(ended);
    assert_int_equal(ended.value(), 2);
    assert_string_equal(last_audit(store).event.c_str(), "user.emergency-revoke");
    assert_ok(store.issue_emergency_codes("jdupont", 3, 1, act(t0 + 40)));
    assert_ok(store.add_token(spec("K2"), rfc_secret, act(t0)));
    assert_ok(store.renew("jdupont", "K2", act(t0 + 50)));
    assert_contains(last_audit(store).reason, "replaces K1; ends 3 emergency codes");
    assert_int_equal(d.raw_integer("SELECT count(*) FROM emergency_codes"), 0);
}

// Two connections use the same code at once: one wins, on either backend.
void emergency_code_used_once_by_racing_connections(void**) {
    test::StoreDir d;
    auto store = d.make();
    login_with_pin(d, store, "K1", "jdupont");
    for (int round = 0; round < 10; ++round) {
        auto codes = store.issue_emergency_codes("jdupont", 1, 1, act(t0));
        assert_ok(codes);
        auto hash = store.emergency_code_hash("jdupont", codes->at(0).view());
        assert_ok(hash);
        int wins = 0;
        std::vector<std::thread> racers;
        std::vector<int> won(4, -1);
        for (int i = 0; i < 4; ++i)
            racers.emplace_back([&, i] {
                auto mine = Store::open(d.options);
                if (!mine) return;
                auto used = mine->consume_emergency_code("jdupont", hash.value(), t0 + 1,
                                                         std::string(pin));
                won[static_cast<std::size_t>(i)] =
                    used ? (used.value() == okey::StepVerdict::accepted ? 1 : 0) : -1;
            });
        for (auto& t : racers) t.join();
        for (int w : won) {
            assert_true(w >= 0);
            wins += w;
        }
        assert_int_equal(wins, 1);
    }
}

void lost_key_remembers_its_login(void**) {
    test::StoreDir d;
    auto store = d.make();
    assert_ok(store.add_token(spec("K1"), rfc_secret, act(t0)));
    assert_ok(store.add_token(spec("K2"), rfc_secret, act(t0)));
    assert_ok(store.assign("K1", "jdupont", act(t0)));
    assert_ok(store.mark_lost("K1", act(t0, "volée")));
    assert_ok(store.mark_lost("K2", act(t0, "jamais arrivée")));  // from stock: nobody's
    auto k1 = store.get_token("K1");
    assert_ok(k1);
    assert_string_equal(k1->lost_owner.c_str(), "jdupont");
    assert_true(k1->owner.empty());
    auto view = store.load_login("jdupont");
    assert_ok(view);
    assert_false((*view)->token.has_value());
    assert_int_equal((*view)->lost_keys.size(), 1);
    assert_string_equal((*view)->lost_keys[0].token.spec.serial.c_str(), "K1");
    assert_int_equal((*view)->lost_keys[0].secret.size(), sizeof rfc_secret);
}

void backup_and_restore(void**) {
    test::StoreDir d;
    auto store = d.make();
    login_with_pin(d, store, "K1", "jdupont");
    const std::string file = d.dir / "backup.db";
    if (!test::on_sqlite()) {
        assert_refused(store.backup_to(file, act(t0)), Errc::invalid_argument, "pg_dump");
        assert_refused(Store::restore(d.options, file, act(t0)), Errc::invalid_argument,
                       "pg_restore");
        return;
    }
    auto contents = store.backup_to(file, by("alice"));
    assert_ok(contents);
    assert_int_equal(contents->secrets_opened, 1);
    struct stat st {};
    assert_int_equal(::stat(file.c_str(), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_string_equal(last_audit(store).event.c_str(), "store.backup");
    // Never over an existing file.
    assert_refused(store.backup_to(file, act(t0)), Errc::already_exists, "not overwritten");

    // Changes after the backup; then the backup put back under a live store.
    assert_ok(store.add_token(spec("LATER"), rfc_secret, act(t0 + 60)));
    auto report = Store::restore(d.options, file, by("bob", t0 + 120));
    assert_ok(report);
    assert_int_equal(report->schema_version, okey::store::schema_version);
    assert_contains(report->set_aside, d.options.path + ".before-restore-20231114T");
    assert_int_equal(::stat(report->set_aside.c_str(), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    // The live connection sees the restored content: LATER is gone.
    assert_refused(store.get_token("LATER"), Errc::not_found, "not in the store");
    assert_ok(store.get_token("K1"));
    auto e = last_audit(store);
    assert_string_equal(e.event.c_str(), "store.restore");
    assert_string_equal(e.actor.c_str(), "bob");
    // The store set aside is the one replaced, LATER in it.
    okey::StoreOptions aside = d.options;
    aside.path = report->set_aside;
    auto old = Store::open(aside);
    assert_ok(old);
    assert_ok(old->get_token("LATER"));
}

void restore_checks_before_replacing(void**) {
    if (!test::on_sqlite()) return;  // PostgreSQL: pg_restore (backup_and_restore)
    test::StoreDir d;
    auto store = d.make();
    login_with_pin(d, store, "K1", "jdupont");
    const std::string file = d.dir / "backup.db";
    assert_ok(store.backup_to(file, act(t0)));
    const std::string newer = d.dir / "newer.db";
    assert_ok(store.backup_to(newer, act(t0)));
    const long long rows = d.raw_integer("SELECT count(*) FROM audit");

    // Another key file does not open its secrets: refused, nothing changed.
    okey::StoreOptions other = d.options;
    other.key_file = d.dir / "other.key";
    std::string key(32, 'k');
    test::write_file(other.key_file, key, 0400);
    assert_refused(Store::restore(other, file, act(t0)), Errc::corrupt, "does not decrypt");
    // Unsafe modes, a damaged or foreign file, a newer schema: refused.
    ::chmod(file.c_str(), 0644);
    assert_refused(Store::restore(d.options, file, act(t0)), Errc::unsafe_file, "readable by others");
    ::chmod(file.c_str(), 0600);
    const std::string junk = d.dir / "junk.db";
    test::write_file(junk, std::string(8192, 'x'), 0600);
    assert_refused(Store::restore(d.options, junk, act(t0)), Errc::corrupt, "junk.db");
    assert_int_equal(std::system(("sqlite3 " + newer + " 'PRAGMA user_version = 99'").c_str()), 0);
    assert_refused(Store::restore(d.options, newer, act(t0)), Errc::corrupt, "schema version 99 is newer");
    assert_refused(Store::restore(d.options, d.dir / "missing.db", act(t0)), Errc::not_found, "missing.db");
    assert_int_equal(d.raw_integer("SELECT count(*) FROM audit"), rows);
    // No private copies left beside the store.
    int leftovers = 0;
    for (const auto& entry :
         std::filesystem::directory_iterator(std::filesystem::path(d.options.path).parent_path()))
        leftovers += entry.path().filename().string().rfind(".okey-restore-", 0) == 0;
    assert_int_equal(leftovers, 0);
}

// A copy an older okey made (schema version 1 or 2, before this okey was
// installed) is restored: checked, brought to this schema, put in place.
void restore_a_backup_of_an_older_okey(void**) {
    if (!test::on_sqlite()) return;
    for (int version : {1, 2}) {
        test::StoreDir d;
        {
            auto store = d.make();
            login_with_pin(d, store, "K1", "jdupont");
        }
        assert_true(d.back_to_version(version));
        const std::string file = d.dir / "backup.db";
        assert_int_equal(
            std::system(("sqlite3 " + d.options.path + " \".backup '" + file + "'\"").c_str()), 0);
        ::chmod(file.c_str(), 0600);
        auto report = Store::restore(d.options, file, by("bob", t0 + 60));
        assert_ok(report);
        assert_int_equal(report->schema_version, version);
        assert_int_equal(report->contents.secrets_opened, 1);
        assert_int_equal(d.db.schema_version(), okey::store::schema_version);
        auto store = d.open();
        assert_string_equal(store.get_token("K1")->owner.c_str(), "jdupont");
        assert_string_equal(last_audit(store).actor.c_str(), "bob");
        assert_ok(store.issue_emergency_codes("jdupont", 1, 1, act(t0 + 60)));
    }
}

// A lost store: no store file at all, the key file still there.
void restore_a_lost_store(void**) {
    if (!test::on_sqlite()) return;
    test::StoreDir d;
    const std::string file = d.dir / "backup.db";
    {
        auto store = d.make();
        login_with_pin(d, store, "K1", "jdupont");
        assert_ok(store.backup_to(file, act(t0)));
    }
    for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((d.options.path + suffix).c_str());
    assert_refused(Store::open(d.options), Errc::not_found, "okeyctl restore");
    auto report = Store::restore(d.options, file, act(t0 + 60));
    assert_ok(report);
    assert_true(report->set_aside.empty());
    auto store = d.open();
    assert_ok(store.get_token("K1"));
    struct stat st {};
    assert_int_equal(::stat(d.options.path.c_str(), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

void integrity_and_secrets(void**) {
    test::StoreDir d;
    auto store = d.make();
    login_with_pin(d, store, "K1", "jdupont");
    auto problems = store.integrity_problems();
    assert_ok(problems);
    assert_string_equal(problems->c_str(), "");
    auto contents = store.open_every_secret();
    assert_ok(contents);
    assert_int_equal(contents->secrets_opened, 1);
    assert_true(d.flip_secret_bit("K1", 3));
    assert_refused(store.open_every_secret(), Errc::corrupt, "serial K1");
}

// A store made by okey at schema version 2 (okeyd's dialogues) or 1 is
// brought to version 3 at open, each step in a row, its rows kept.
void migrates_from(int version) {
    test::StoreDir d;
    okey::NewStoreOptions with_role;
    with_role.service_role = test::on_sqlite() ? "" : "okey_service";
    assert_ok(okey::Store::initialise(d.options, with_role));
    {
        auto store = d.open();
        assert_ok(store.add_token(spec("K1"), rfc_secret, act(t0)));
        assert_ok(store.assign("K1", "jdupont", act(t0)));
    }
    assert_true(d.back_to_version(version));
    auto store = d.open();
    assert_int_equal(d.db.schema_version(), okey::store::schema_version);
    auto token = store.get_token("K1");
    assert_ok(token);
    assert_string_equal(token->owner.c_str(), "jdupont");
    auto rows = store.audit({});
    assert_ok(rows);
    assert_int_equal(rows->size(), 2);
    assert_string_equal(rows->front().actor.c_str(), "");
    assert_true(d.raw("UPDATE users SET pin_hash = '$argon2id$x', pin_state = 'set'"));
    assert_ok(store.issue_emergency_codes("jdupont", 1, 1, by("alice")));
    assert_ok(store.mark_lost("K1", by("alice")));
    assert_string_equal(store.get_token("K1")->lost_owner.c_str(), "jdupont");
    okey::Dialogue dialogue;
    dialogue.key = "k";
    dialogue.login = "jdupont";
    dialogue.state = "s";
    dialogue.expires = t0 + 60;
    assert_ok(store.save_dialogue(dialogue));
    if (test::on_sqlite()) return;
    // The service role's rights on the new table: read, and delete a code used.
    assert_true(d.db.exec_as("okey_service", "SELECT count(*) FROM emergency_codes"));
    assert_true(d.db.exec_as("okey_service", "DELETE FROM emergency_codes WHERE expires < 0"));
    assert_false(d.db.exec_as("okey_service", "UPDATE emergency_codes SET expires = 0"));
}

void migrates_version_2(void**) { migrates_from(2); }
void migrates_version_1(void**) { migrates_from(1); }

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(actor_in_every_act),
        cmocka_unit_test(remove_user_only_without_a_key),
        cmocka_unit_test(delete_token_lost_or_retired_only),
        cmocka_unit_test(emergency_codes_lifecycle),
        cmocka_unit_test(emergency_code_used_once_by_racing_connections),
        cmocka_unit_test(lost_key_remembers_its_login),
        cmocka_unit_test(backup_and_restore),
        cmocka_unit_test(restore_checks_before_replacing),
        cmocka_unit_test(restore_a_lost_store),
        cmocka_unit_test(integrity_and_secrets),
        cmocka_unit_test(migrates_version_2),
        cmocka_unit_test(migrates_version_1),
        cmocka_unit_test(restore_a_backup_of_an_older_okey),
    };
    return cmocka_run_group_tests_name(okey::test::backend_name(), tests, nullptr, nullptr);
}
