// SPDX-License-Identifier: Apache-2.0
// tests/store/test_store_location.cpp — the `store` value (no database
// needed): a path or a postgresql:// URI; a URI carrying a password refused
// without repeating it; messages show a URI without its query; a program
// that has not enabled the PostgreSQL backend (pam_okey.so) refuses a URI
// with a configuration error; SQL placeholders ?N become $N outside quotes.
#include "engine/config.hpp"
#include "engine/store/backend.hpp"
#include "engine/store/location.hpp"
#include "engine/store/postgresql/connection.hpp"

#include "support.hpp"

using okey::Errc;
namespace store = okey::store;

namespace {

void uri_or_path(void**) {
    assert_true(store::is_postgresql_uri("postgresql://okey@db1,db2/okey"));
    assert_true(store::is_postgresql_uri("postgres://okey@db/okey"));
    assert_false(store::is_postgresql_uri("/var/lib/okey/okey.db"));
    assert_false(store::is_postgresql_uri("postgresql:/x"));
    assert_true(store::check_location("/var/lib/okey/okey.db").ok());
    assert_true(store::check_location(
                    "postgresql://okey@db1:5432,db2:5432/okey?target_session_attrs=read-write"
                    "&sslmode=verify-full&passfile=/etc/okey/pgpass")
                    .ok());
    assert_false(store::check_location("").ok());
}

void password_refused_and_not_repeated(void**) {
    for (const char* uri : {"postgresql://okey:s3cr3t@db/okey",
                            "postgresql://okey:@db/okey",
                            "postgresql://db/okey?password=s3cr3t",
                            "postgresql://db/okey?sslmode=require&PASSWORD=s3cr3t",
                            "postgresql://db/okey?pass%77ord=s3cr3t",
                            "postgres://okey:s3cr3t@db1,db2/okey?passfile=/x"}) {
        auto checked = store::check_location(uri);
        assert_false(checked.ok());
        assert_int_equal(static_cast<int>(checked.error().code), static_cast<int>(Errc::config));
        assert_contains(checked.error().message, "a password in the store URI is refused");
        assert_false(test::contains(checked.error().message, "s3cr3t"));
        auto backend = store::backend_for(uri);
        assert_false(backend.ok());
        assert_false(test::contains(backend.error().message, "s3cr3t"));
    }
    // A user called "password" or a database of that name is no password.
    assert_true(store::check_location("postgresql://password@db/password").ok());
}

void displayed_without_secrets(void**) {
    assert_string_equal(
        store::displayed_uri("postgresql://okey@db1,db2/okey?passfile=/etc/okey/pgpass").c_str(),
        "postgresql://okey@db1,db2/okey");
    assert_string_equal(store::displayed_uri("postgresql://okey:s3cr3t@db/okey?x=1").c_str(),
                        "postgresql://okey:***@db/okey");
}

void uri_refused_where_postgresql_is_not_linked(void**) {
    auto backend = store::backend_for("postgresql://okey@db/okey?passfile=/etc/okey/pgpass");
    assert_false(backend.ok());
    assert_int_equal(static_cast<int>(backend.error().code), static_cast<int>(Errc::config));
    assert_contains(backend.error().message, "postgresql://okey@db/okey: this program opens only a SQLite store");
    assert_false(test::contains(backend.error().message, "passfile"));
    auto sqlite = store::backend_for("/var/lib/okey/okey.db");
    assert_true(sqlite.ok());
    assert_true(sqlite.value() == &store::sqlite_backend());
}

void dollar_placeholders(void**) {
    auto [sql, n] = store::postgresql::dollar_placeholders(
        "SELECT login FROM users WHERE login >= ?1 AND login < ?1 || ':' AND x = '?2' "
        "AND \"odd?3\" = ?12");
    assert_string_equal(sql.c_str(),
                        "SELECT login FROM users WHERE login >= $1 AND login < $1 || ':' AND "
                        "x = '?2' AND \"odd?3\" = $12");
    assert_int_equal(n, 12);
    auto [quoted, none] = store::postgresql::dollar_placeholders("SELECT 'it''s ?1'");
    assert_string_equal(quoted.c_str(), "SELECT 'it''s ?1'");
    assert_int_equal(none, 0);
}

// okey.conf takes the URI as the store; a password in it is a config error
// naming the file, line and key — and not repeating the password.
void config_store_value(void**) {
    test::TempDir dir;
    const std::string conf = dir / "okey.conf";
    test::write_file(conf, "store = \"postgresql://okey@db1,db2/okey?passfile=/etc/okey/pgpass\";\n", 0600);
    const unsigned me = static_cast<unsigned>(::getuid());
    auto loaded = okey::load_config(conf, me);
    assert_true(loaded.ok());
    assert_string_equal(loaded->store.c_str(), "postgresql://okey@db1,db2/okey?passfile=/etc/okey/pgpass");
    test::write_file(conf, "lang = \"fr\";\nstore = \"postgresql://okey:s3cr3t@db/okey\";\n", 0600);
    loaded = okey::load_config(conf, me);
    assert_false(loaded.ok());
    assert_contains(loaded.error().message, conf + ":2: store: a password in the store URI is refused");
    assert_false(test::contains(loaded.error().message, "s3cr3t"));
    test::write_file(conf, "store = \"okey.db\";\n", 0600);
    loaded = okey::load_config(conf, me);
    assert_false(loaded.ok());
    assert_contains(loaded.error().message, "store: must be an absolute path or a postgresql:// URI");
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uri_or_path),
        cmocka_unit_test(password_refused_and_not_repeated),
        cmocka_unit_test(displayed_without_secrets),
        cmocka_unit_test(uri_refused_where_postgresql_is_not_linked),
        cmocka_unit_test(dollar_placeholders),
        cmocka_unit_test(config_store_value),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
