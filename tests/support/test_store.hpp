// SPDX-License-Identifier: Apache-2.0
// tests/support/test_store.hpp — the store suites run against both backends
// (one suite, parameterised): OKEY_TEST_STORE=sqlite (default) or postgresql.
// For PostgreSQL, OKEY_TEST_PG_DIR names the folder where
// tests/support/pg-cluster started the run's throwaway cluster; each test
// store is then a fresh database of its own, dropped at the end.
//
// TestStore also gives raw access to the database behind the store's back
// (SQLite: the file; PostgreSQL: the superuser over the cluster's socket).
#pragma once

#include <cstdint>
#include <string>

namespace okey::test {

enum class Backend { sqlite, postgresql };

// The backend this run tests (OKEY_TEST_STORE); enables the PostgreSQL
// store backend in this program when it is the one.
Backend backend();
const char* backend_name();

// The throwaway cluster of this run (from OKEY_TEST_PG_DIR/env).
struct Cluster {
    std::string port;
    std::string socket;    // the superuser's way in (trust)
    std::string passfile;  // okey_owner's and okey_service's passwords
    std::string script;    // tests/support/pg-cluster
    std::string dir;       // OKEY_TEST_PG_DIR
};
const Cluster& cluster();

class TestStore {
public:
    // A location for a new store: `dir`/okey.db, or a new empty database.
    explicit TestStore(const std::string& dir);
    ~TestStore();
    TestStore(const TestStore&) = delete;
    TestStore& operator=(const TestStore&) = delete;

    // The store value: a path, or postgresql://okey_owner@…?passfile=…
    const std::string& location() const { return location_; }
    // The same database as another PostgreSQL role (e.g. "okey_service").
    std::string location_as(const std::string& role) const;
    // What error messages call the store (the file, or the URI up to '?').
    std::string shown() const;

    // Raw SQL behind the store's back: false on any error.
    bool exec(const std::string& sql) const;
    // The first column of the first row as an integer (-1 on any error).
    long long integer(const std::string& sql) const;
    // Raw SQL as a PostgreSQL role over TCP with its password from the
    // passfile (the service role's rights): false on any error.
    bool exec_as(const std::string& role, const std::string& sql) const;
    // The schema version as the backend keeps it.
    long long schema_version() const;
    bool set_schema_version(int version) const;
    // Triggers on the audit table.
    long long audit_triggers() const;
    // Whether any value of table.column contains these bytes.
    bool column_contains(const std::string& table, const std::string& column,
                         const std::string& bytes) const;
    // Flip one bit of a token's sealed secret, in place.
    bool flip_secret_bit(const std::string& serial, int byte) const;

    const std::string& database() const { return database_; }

private:
    std::string location_;
    std::string database_;  // PostgreSQL only
};

}  // namespace okey::test
