// SPDX-License-Identifier: Apache-2.0
// tests/store/test_store_open.cpp — creating and opening a store on the
// backend of this run (OKEY_TEST_STORE): safe files, the schema version (a
// newer one refused), a database holding something else refused, a lock held
// by another client reported as busy. SQLite: the file-trust rules.
// PostgreSQL: no password in the URI, the key file made only when missing,
// the service role unable to change the audit, an unreachable server.
#include "engine/store/schema.hpp"
#include "holder.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <vector>

using okey::Errc;
using okey::Store;
using test::act;
using test::on_sqlite;
using test::rfc_secret;
using test::spec;

namespace {

const std::int64_t t0 = 1'700'000'000;

mode_t mode_of(const std::string& path) {
    struct stat st {};
    assert_int_equal(::lstat(path.c_str(), &st), 0);
    return st.st_mode & 07777;
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

void initialise_makes_safe_files(void**) {
    test::StoreDir d;
    // Even with a careless umask the modes are exact.
    mode_t old_umask = ::umask(0);
    auto made = Store::initialise(d.options);
    ::umask(old_umask);
    assert_ok(made);
    assert_int_equal(mode_of(d.dir / "etc"), 0700);
    assert_int_equal(mode_of(d.options.key_file), 0400);
    struct stat st {};
    assert_int_equal(::stat(d.options.key_file.c_str(), &st), 0);
    assert_int_equal(st.st_size, 32);
    assert_int_equal(d.db.schema_version(), okey::store::schema_version);
    assert_int_equal(d.db.audit_triggers(), 2);
    if (on_sqlite()) {
        assert_int_equal(mode_of(d.dir / "lib"), 0700);
        assert_int_equal(mode_of(d.options.path), 0600);
        // Never overwritten, neither store nor key file.
        assert_refused(Store::initialise(d.options), Errc::already_exists, "okey.db: already exists");
        d.options.path = d.dir / "lib/other.db";
        assert_refused(Store::initialise(d.options), Errc::already_exists, "seed.key: already exists");
        assert_false(exists(d.options.path));
        d.options.path = d.db.location();
    } else {
        // The schema is made once: a second init finds the database in use.
        assert_refused(Store::initialise(d.options), Errc::already_exists, "not empty");
    }
    auto store = d.open();
    assert_int_equal(store.list_tokens({})->size(), 0);
}

void newer_schema_refused(void**) {
    test::StoreDir d;
    { auto store = d.make(); }
    const int newer = okey::store::schema_version + 6;
    assert_true(d.db.set_schema_version(newer));
    assert_refused(Store::open(d.options), Errc::corrupt,
                   "schema version " + std::to_string(newer) + " is newer than this okey knows");
    assert_refused(Store::open(d.options), Errc::corrupt, d.db.shown());
    assert_int_equal(d.db.schema_version(), newer);
}

// Another program's database: never opened as a store, never initialised over.
void foreign_database_refused(void**) {
    test::StoreDir d;
    if (on_sqlite()) {
        assert_int_equal(::mkdir((d.dir / "lib").c_str(), 0700), 0);
        assert_int_equal(::close(::open(d.options.path.c_str(), O_CREAT | O_WRONLY, 0600)), 0);
    }
    assert_true(d.raw("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)"));
    assert_true(d.raw("INSERT INTO invoices VALUES (1, 42)"));
    test::write_file(d.dir / "seed.key", std::string(32, 'k'), 0400);
    d.options.key_file = d.dir / "seed.key";
    assert_refused(Store::open(d.options), Errc::corrupt, "no okey schema");
    d.options.key_file = d.dir / "etc/seed.key";
    assert_refused(Store::initialise(d.options), Errc::already_exists,
                   on_sqlite() ? "already exists" : "not empty");
    // Untouched, and no key file left behind by the refused init.
    assert_int_equal(d.raw_integer("SELECT total FROM invoices"), 42);
    assert_false(exists(d.options.key_file));
}

void busy_becomes_an_error(void**) {
    test::StoreDir d;
    auto store = d.make();
    assert_ok(store.add_token(spec("K1"), rfc_secret, act(t0)));
    assert_ok(store.assign("K1", "jdupont", act(t0)));
    d.options.busy_timeout_ms = 200;
    auto impatient = d.open();
    // SQLite: the write lock; PostgreSQL: the login's row, waited for inside
    // a transaction.
    test::Holder other(d, "BEGIN; SELECT failures FROM users WHERE login = 'jdupont' FOR UPDATE");
    assert_refused(impatient.charge_failure("jdupont", t0, 5, 900), Errc::busy, d.db.shown());
    // Reads still work (WAL; a PostgreSQL snapshot).
    assert_ok(impatient.load_login("jdupont"));
    other.release();
    assert_ok(impatient.charge_failure("jdupont", t0, 5, 900));
    assert_int_equal(impatient.get_user("jdupont")->failures, 1);
}

// ---- SQLite: the file-trust rules ----

void unsafe_files_refused(void**) {
    test::StoreDir d;
    { auto store = d.make(); }
    // The directory open to others.
    assert_int_equal(::chmod((d.dir / "lib").c_str(), 0777), 0);
    assert_refused(Store::open(d.options), Errc::unsafe_file, "lib: refused: writable by others");
    assert_int_equal(::chmod((d.dir / "lib").c_str(), 0700), 0);
    // The database readable by group.
    assert_int_equal(::chmod(d.options.path.c_str(), 0640), 0);
    assert_refused(Store::open(d.options), Errc::unsafe_file, "okey.db: refused: readable by group");
    assert_int_equal(::chmod(d.options.path.c_str(), 0600), 0);
    // The key file readable by others.
    assert_int_equal(::chmod(d.options.key_file.c_str(), 0404), 0);
    assert_refused(Store::open(d.options), Errc::unsafe_file, "seed.key: refused: readable by others");
    assert_int_equal(::chmod(d.options.key_file.c_str(), 0400), 0);
    // A -wal file open to others.
    test::write_file(d.options.path + "-wal", "", 0644);
    assert_refused(Store::open(d.options), Errc::unsafe_file, "okey.db-wal: refused: readable by others");
    ::unlink((d.options.path + "-wal").c_str());
    // A hard link to the database.
    assert_int_equal(::link(d.options.path.c_str(), (d.dir / "lib/copy.db").c_str()), 0);
    assert_refused(Store::open(d.options), Errc::unsafe_file, "has 2 hard links");
    ::unlink((d.dir / "lib/copy.db").c_str());
    // Another owner.
    auto other = d.options;
    other.trusted_owner = test::me + 1;
    assert_refused(Store::open(other), Errc::unsafe_file, "owned by uid");
    // The store reached through a symlink.
    auto linked = d.options;
    linked.path = d.dir / "lib/link.db";
    assert_int_equal(::symlink(d.options.path.c_str(), linked.path.c_str()), 0);
    assert_refused(Store::open(linked), Errc::unsafe_file, "link.db: refused: is a symbolic link");
    // A directory, a FIFO where the store should be.
    auto fifo = d.options;
    fifo.path = d.dir / "lib/fifo.db";
    assert_int_equal(::mkfifo(fifo.path.c_str(), 0600), 0);
    assert_refused(Store::open(fifo), Errc::unsafe_file, "fifo.db: refused: is a FIFO");
    auto folder = d.options;
    folder.path = d.dir / "lib/folder.db";
    assert_int_equal(::mkdir(folder.path.c_str(), 0700), 0);
    assert_refused(Store::open(folder), Errc::unsafe_file, "folder.db: refused: is a directory");
    // No store at all.
    auto missing = d.options;
    missing.path = d.dir / "lib/none.db";
    assert_refused(Store::open(missing), Errc::not_found, "okeyctl init");
    // A key file of the wrong size.
    ::unlink(d.options.key_file.c_str());
    test::write_file(d.options.key_file, std::string(31, 'k'), 0400);
    assert_refused(Store::open(d.options), Errc::corrupt, "exactly 32");
    // Once the bad key file is gone, a new store can be made.
    ::unlink(d.options.key_file.c_str());
    auto fresh = d.options;
    fresh.path = d.dir / "lib/fresh.db";
    assert_ok(Store::initialise(fresh));
}

void wrong_owner_as_root(void**) {
    if (test::me != 0) return;  // only root can give a file away
    test::StoreDir d;
    { auto store = d.make(); }
    assert_int_equal(::chown(d.options.path.c_str(), 65534, 65534), 0);
    assert_refused(Store::open(d.options), Errc::unsafe_file, "owned by uid 65534, not uid 0");
}

// ---- PostgreSQL ----

void password_in_uri_refused(void**) {
    test::StoreDir d;
    const std::string secret = "Tr0ub4dor";
    const std::string& uri = d.db.location();
    const std::string host_part = uri.substr(uri.find('@'));
    const std::vector<std::string> with_password = {
        "postgresql://okey_owner:" + secret + host_part,
        uri + "&password=" + secret,
        uri + "&pass%77ord=" + secret,
        "postgres://okey_owner:" + secret + host_part,
    };
    auto refused = [&](const okey::Error& error) {
        assert_int_equal(static_cast<int>(error.code), static_cast<int>(Errc::config));
        assert_contains(error.message, "a password in the store URI is refused");
        assert_contains(error.message, "passfile");
        assert_false(test::contains(error.message, secret));
    };
    for (const auto& bad : with_password) {
        d.options.path = bad;
        auto opened = Store::open(d.options);
        assert_false(opened.ok());
        refused(opened.error());
        auto made = Store::initialise(d.options);
        assert_false(made.ok());
        refused(made.error());
    }
    assert_false(exists(d.options.key_file));
}

void key_file_made_only_when_missing(void**) {
    test::StoreDir d;
    // An existing, trusted key file is kept (a store moved from SQLite).
    assert_int_equal(::mkdir((d.dir / "etc").c_str(), 0700), 0);
    test::write_file(d.options.key_file, std::string(32, 'K'), 0400);
    {
        auto store = d.make();
        assert_ok(store.add_token(spec("K1"), rfc_secret, act(t0)));
    }
    struct stat st {};
    assert_int_equal(::stat(d.options.key_file.c_str(), &st), 0);
    std::string kept(32, '\0');
    int fd = ::open(d.options.key_file.c_str(), O_RDONLY);
    assert_int_equal(::read(fd, kept.data(), 32), 32);
    ::close(fd);
    assert_string_equal(kept.c_str(), std::string(32, 'K').c_str());
    // An unsafe one is refused before anything is created.
    test::StoreDir e;
    assert_int_equal(::mkdir((e.dir / "etc").c_str(), 0700), 0);
    test::write_file(e.options.key_file, std::string(32, 'K'), 0444);
    assert_refused(Store::initialise(e.options), Errc::unsafe_file, "readable by others");
    assert_int_equal(e.db.schema_version(), -1);
}

// The service role works the login path but can never rewrite the audit;
// the triggers stop the owner too (short of dropping them).
void service_role_cannot_change_the_audit(void**) {
    test::StoreDir d;
    assert_ok(Store::initialise(d.options, okey::NewStoreOptions{"okey_service", {}}));
    {
        auto owner = d.open();
        assert_ok(owner.add_token(spec("K1"), rfc_secret, act(t0)));
        assert_ok(owner.assign("K1", "jdupont", act(t0)));
    }
    auto as_service = d.options;
    as_service.path = d.db.location_as("okey_service");
    auto service = Store::open(as_service);
    assert_ok(service);
    assert_ok(service->load_login("jdupont"));
    assert_ok(service->charge_failure("jdupont", t0, 5, 900));
    okey::StepAcceptance a{"jdupont", "K1", 100, 0, t0, true, std::string("$argon2id$x")};
    assert_int_equal(static_cast<int>(service->accept_step(a).value()),
                     static_cast<int>(okey::StepVerdict::accepted));
    okey::AuditEntry e{t0, "jdupont", "K1", "sshd", "192.0.2.7", "login", "success", ""};
    assert_ok(service->append_audit(e));
    const long long rows = d.raw_integer("SELECT count(*) FROM audit");
    assert_true(rows >= 3);
    // The service's rights: no UPDATE, DELETE, TRUNCATE of the audit, no DDL.
    for (const char* sql : {"UPDATE audit SET outcome = 'refused'", "DELETE FROM audit",
                            "TRUNCATE audit", "DROP TRIGGER audit_no_change ON audit",
                            "ALTER TABLE audit DISABLE TRIGGER USER", "DROP TABLE audit"})
        assert_false(d.db.exec_as("okey_service", sql));
    // Nor can it grant itself more (PostgreSQL only warns: check the rights).
    (void)d.db.exec_as("okey_service", "GRANT UPDATE, DELETE ON audit TO okey_service");
    assert_int_equal(d.raw_integer("SELECT count(*) FROM (VALUES ('UPDATE'), ('DELETE'), "
                                   "('TRUNCATE')) AS r(p) WHERE "
                                   "has_table_privilege('okey_service', 'audit', p)"),
                     0);
    assert_int_equal(d.raw_integer("SELECT count(*) FROM (VALUES ('SELECT'), ('INSERT')) AS r(p) "
                                   "WHERE has_table_privilege('okey_service', 'audit', p)"),
                     2);
    assert_true(d.db.exec_as("okey_service", "SELECT count(*) FROM audit"));
    // The owner (and the superuser) are stopped by the triggers.
    for (const char* sql : {"UPDATE audit SET outcome = 'refused'", "DELETE FROM audit",
                            "TRUNCATE audit"}) {
        assert_false(d.db.exec_as("okey_owner", sql));
        assert_false(d.raw(sql));
    }
    assert_int_equal(d.raw_integer("SELECT count(*) FROM audit"), rows);
    assert_int_equal(d.raw_integer("SELECT count(*) FROM audit WHERE outcome = 'refused'"), 0);
    // The role is recorded, so later migrations grant it their tables too.
    assert_int_equal(d.raw_integer("SELECT count(*) FROM okey_schema WHERE service_role = 'okey_service'"), 1);
}

void unreachable_server_is_unavailable(void**) {
    test::StoreDir d;
    { auto store = d.make(); }
    // A port nobody listens on (the cluster's own, stopped, is tested in
    // tests/postgresql); libpq gives up at once on a refused connection.
    d.options.path = "postgresql://okey_owner@127.0.0.1:1/" + d.db.database() +
                     "?passfile=" + okey::test::cluster().passfile;
    assert_refused(Store::open(d.options), Errc::unavailable, "cannot connect");
    assert_refused(Store::open(d.options), Errc::unavailable, "postgresql://okey_owner@127.0.0.1:1/");
}

}  // namespace

int main() {
    std::vector<CMUnitTest> tests = {
        cmocka_unit_test(initialise_makes_safe_files),
        cmocka_unit_test(newer_schema_refused),
        cmocka_unit_test(foreign_database_refused),
        cmocka_unit_test(busy_becomes_an_error),
    };
    const std::vector<CMUnitTest> sqlite_only = {
        cmocka_unit_test(unsafe_files_refused),
        cmocka_unit_test(wrong_owner_as_root),
    };
    const std::vector<CMUnitTest> postgresql_only = {
        cmocka_unit_test(password_in_uri_refused),
        cmocka_unit_test(key_file_made_only_when_missing),
        cmocka_unit_test(service_role_cannot_change_the_audit),
        cmocka_unit_test(unreachable_server_is_unavailable),
    };
    const auto& extra = on_sqlite() ? sqlite_only : postgresql_only;
    tests.insert(tests.end(), extra.begin(), extra.end());
    std::printf("store backend: %s\n", okey::test::backend_name());
    return _cmocka_run_group_tests("store_open", tests.data(), tests.size(), nullptr, nullptr);
}
