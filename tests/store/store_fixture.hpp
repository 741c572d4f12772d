// SPDX-License-Identifier: Apache-2.0
// tests/store/store_fixture.hpp — a throwaway store in a temp dir owned by the
// invoking user, and raw SQLite access to look behind the store's back.
#pragma once

#include "engine/store/store.hpp"

#include <sqlite3.h>

#include "support.hpp"

namespace test {

inline const unsigned me = static_cast<unsigned>(::getuid());

inline const std::uint8_t rfc_secret[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9', '0',
                                          '1', '2', '3', '4', '5', '6', '7', '8', '9', '0'};

struct StoreDir {
    TempDir dir;
    okey::StoreOptions options;
    StoreDir() {
        options.path = dir / "lib/okey.db";
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
    // Run SQL directly on the database file (no store checks).
    int raw(const std::string& sql) const {
        sqlite3* db = nullptr;
        int rc = sqlite3_open(options.path.c_str(), &db);
        if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
        sqlite3_close(db);
        return rc;
    }
    // Flip one bit of a token's sealed secret, in place.
    bool flip_secret_bit(const std::string& serial, int byte) const {
        sqlite3* db = nullptr;
        sqlite3_stmt* read = nullptr;
        sqlite3_stmt* write = nullptr;
        bool ok = false;
        if (sqlite3_open(options.path.c_str(), &db) == SQLITE_OK &&
            sqlite3_prepare_v2(db, "SELECT secret FROM tokens WHERE serial = ?1", -1, &read,
                               nullptr) == SQLITE_OK &&
            sqlite3_bind_text(read, 1, serial.c_str(), -1, SQLITE_TRANSIENT) == SQLITE_OK &&
            sqlite3_step(read) == SQLITE_ROW) {
            const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(read, 0));
            std::string blob(reinterpret_cast<const char*>(p),
                             static_cast<std::size_t>(sqlite3_column_bytes(read, 0)));
            blob[static_cast<std::size_t>(byte)] ^= 1;
            ok = sqlite3_prepare_v2(db, "UPDATE tokens SET secret = ?2 WHERE serial = ?1", -1,
                                    &write, nullptr) == SQLITE_OK &&
                 sqlite3_bind_text(write, 1, serial.c_str(), -1, SQLITE_TRANSIENT) == SQLITE_OK &&
                 sqlite3_bind_blob(write, 2, blob.data(), static_cast<int>(blob.size()),
                                   SQLITE_TRANSIENT) == SQLITE_OK &&
                 sqlite3_step(write) == SQLITE_DONE;
        }
        sqlite3_finalize(read);
        sqlite3_finalize(write);
        sqlite3_close(db);
        return ok;
    }
    long long raw_integer(const std::string& sql) const {
        sqlite3* db = nullptr;
        sqlite3_stmt* stmt = nullptr;
        long long value = -1;
        if (sqlite3_open(options.path.c_str(), &db) == SQLITE_OK &&
            sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
            sqlite3_step(stmt) == SQLITE_ROW)
            value = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        sqlite3_close(db);
        return value;
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
