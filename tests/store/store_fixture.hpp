// SPDX-License-Identifier: Apache-2.0
// tests/store/store_fixture.hpp — a throwaway store on the backend this run
// tests (tests/support/test_store.hpp: a file in a temp dir owned by the
// invoking user, or a fresh PostgreSQL database), its key file in the temp
// dir, and raw access to look behind the store's back.
#pragma once

#include "engine/store/store.hpp"
#include "tests/support/test_store.hpp"

#include "support.hpp"

namespace test {

inline const unsigned me = static_cast<unsigned>(::getuid());

inline const std::uint8_t rfc_secret[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9', '0',
                                          '1', '2', '3', '4', '5', '6', '7', '8', '9', '0'};

inline bool on_sqlite() { return okey::test::backend() == okey::test::Backend::sqlite; }

struct StoreDir {
    TempDir dir;
    okey::test::TestStore db{dir / "lib"};
    okey::StoreOptions options;
    StoreDir() {
        options.path = db.location();
        options.key_file = dir / "etc/seed.key";
        options.trusted_owner = me;
        options.busy_timeout_ms = 5000;
    }
    okey::Store make() {
        auto made = okey::Store::initialise(options);
        if (!made) {
            print_error("initialise: %s\n", made.error().message.c_str());
            fail();
        }
        return open();
    }
    okey::Store open() {
        auto store = okey::Store::open(options);
        if (!store) {
            print_error("open: %s\n", store.error().message.c_str());
            fail();
        }
        return std::move(store.value());
    }
    // Raw SQL on the database (no store checks).
    bool raw(const std::string& sql) const { return db.exec(sql); }
    long long raw_integer(const std::string& sql) const { return db.integer(sql); }
    bool flip_secret_bit(const std::string& serial, int byte) const {
        return db.flip_secret_bit(serial, byte);
    }
    // Put the store back in the layout an older okey made (schema `version`),
    // its rows kept, as that okey would have left it: each newer version's
    // migration undone, newest first (engine/store/*/schema.cpp).
    bool back_to_version(int version) const {
        bool ok = true;
        if (version < 3)
            ok = ok && raw("DROP TABLE emergency_codes") && raw("DROP INDEX tokens_lost_owner") &&
                 raw("ALTER TABLE tokens DROP COLUMN lost_owner") &&
                 raw("ALTER TABLE audit DROP COLUMN actor");
        if (version < 2) ok = ok && raw("DROP TABLE dialogues");
        return ok && db.set_schema_version(version);
    }
};

inline okey::KeySpec spec(const std::string& serial, const std::string& lot = "") {
    okey::KeySpec s;
    s.serial = serial;
    s.lot = lot;
    return s;
}

inline okey::Act act(std::int64_t now, const std::string& comment = "") {
    return okey::Act{now, comment};
}

// The newest audit row.
inline okey::AuditEntry last_audit(okey::Store& store) {
    auto rows = store.audit({});
    assert_true(rows.ok());
    assert_false(rows->empty());
    return rows->back();
}

}  // namespace test

#define assert_ok(expr)                                                              \
    do {                                                                             \
        auto&& okey_r_ = (expr);                                                     \
        if (!okey_r_.ok()) {                                                         \
            print_error("%s: %s\n", #expr, okey_r_.error().message.c_str());         \
            fail();                                                                  \
        }                                                                            \
    } while (0)

#define assert_refused(expr, errc, part)                                             \
    do {                                                                             \
        auto&& okey_r_ = (expr);                                                     \
        if (okey_r_.ok()) {                                                          \
            print_error("%s: succeeded, expected a refusal\n", #expr);               \
            fail();                                                                  \
        }                                                                            \
        if (okey_r_.error().code != (errc)) {                                        \
            print_error("%s: wrong code (%d): %s\n", #expr,                          \
                        static_cast<int>(okey_r_.error().code),                      \
                        okey_r_.error().message.c_str());                            \
            fail();                                                                  \
        }                                                                            \
        assert_contains(okey_r_.error().message, part);                              \
    } while (0)
