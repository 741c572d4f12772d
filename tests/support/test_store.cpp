// SPDX-License-Identifier: Apache-2.0
// tests/support/test_store.cpp — see test_store.hpp.
#include "tests/support/test_store.hpp"

#include "engine/store/postgresql/backend.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <unistd.h>

namespace okey::test {
namespace {

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "test store: %s\n", what.c_str());
    std::abort();
}

std::string hex_of(const std::string& bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

// One command on a libpq connection string; the first column of the first
// row as text in *value when asked for.
bool pg_run(const std::string& conninfo, const std::string& sql, std::string* value = nullptr) {
    PGconn* conn = PQconnectdb(conninfo.c_str());
    bool ok = PQstatus(conn) == CONNECTION_OK;
    if (ok) {
        PGresult* r = PQexec(conn, sql.c_str());
        auto status = PQresultStatus(r);
        ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
        if (ok && value) {
            ok = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0);
            if (ok) *value = PQgetvalue(r, 0, 0);
        }
        if (!ok && std::getenv("OKEY_TEST_VERBOSE"))
            std::fprintf(stderr, "test store: %s: %s", sql.c_str(), PQerrorMessage(conn));
        PQclear(r);
    }
    PQfinish(conn);
    return ok;
}

std::string superuser(const std::string& database) {
    const Cluster& c = cluster();
    return "host=" + c.socket + " port=" + c.port + " user=postgres dbname=" + database;
}

bool sqlite_run(const std::string& path, const std::string& sql, long long* value = nullptr) {
    sqlite3* db = nullptr;
    sqlite3_stmt* stmt = nullptr;
    bool ok = sqlite3_open(path.c_str(), &db) == SQLITE_OK;
    if (ok && value) {
        ok = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
             sqlite3_step(stmt) == SQLITE_ROW;
        if (ok) *value = sqlite3_column_int64(stmt, 0);
    } else if (ok) {
        ok = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return ok;
}

}  // namespace

Backend backend() {
    static const Backend chosen = [] {
        const char* name = std::getenv("OKEY_TEST_STORE");
        std::string value = name ? name : "sqlite";
        if (value == "sqlite") return Backend::sqlite;
        if (value != "postgresql") die("OKEY_TEST_STORE must be sqlite or postgresql");
        okey::store::enable_postgresql();
        return Backend::postgresql;
    }();
    return chosen;
}

const char* backend_name() { return backend() == Backend::sqlite ? "sqlite" : "postgresql"; }

const Cluster& cluster() {
    static const Cluster found = [] {
        const char* dir = std::getenv("OKEY_TEST_PG_DIR");
        if (!dir || !*dir) die("OKEY_TEST_PG_DIR is not set (the ctest fixture pg_cluster sets it)");
        std::ifstream env(std::string(dir) + "/env");
        if (!env) die(std::string(dir) + "/env: no cluster there (tests/support/pg-cluster start)");
        std::map<std::string, std::string> values;
        for (std::string line; std::getline(env, line);) {
            auto eq = line.find('=');
            if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
        }
        Cluster c;
        c.port = values["OKEY_PG_PORT"];
        c.socket = values["OKEY_PG_SOCKET"];
        c.passfile = values["OKEY_PG_PASSFILE"];
        c.script = OKEY_PG_CLUSTER_SCRIPT;
        c.dir = dir;
        if (c.port.empty() || c.socket.empty() || c.passfile.empty())
            die(std::string(dir) + "/env: incomplete");
        return c;
    }();
    return found;
}

TestStore::TestStore(const std::string& dir) {
    if (backend() == Backend::sqlite) {
        location_ = dir + "/okey.db";
        return;
    }
    static std::atomic<unsigned> made{0};
    database_ = "okey_t_" + std::to_string(::getpid()) + "_" + std::to_string(++made);
    if (!pg_run(superuser("postgres"), "CREATE DATABASE " + database_ + " OWNER okey_owner"))
        die("cannot create database " + database_);
    location_ = location_as("okey_owner");
}

TestStore::~TestStore() {
    if (!database_.empty())
        (void)pg_run(superuser("postgres"), "DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
}

std::string TestStore::location_as(const std::string& role) const {
    const Cluster& c = cluster();
    return "postgresql://" + role + "@127.0.0.1:" + c.port + "/" + database_ +
           "?passfile=" + c.passfile;
}

std::string TestStore::shown() const { return location_.substr(0, location_.find('?')); }

bool TestStore::exec(const std::string& sql) const {
    if (backend() == Backend::sqlite) return sqlite_run(location_, sql);
    return pg_run(superuser(database_), sql);
}

long long TestStore::integer(const std::string& sql) const {
    if (backend() == Backend::sqlite) {
        long long value = -1;
        return sqlite_run(location_, sql, &value) ? value : -1;
    }
    std::string value;
    return pg_run(superuser(database_), sql, &value) ? std::atoll(value.c_str()) : -1;
}

bool TestStore::exec_as(const std::string& role, const std::string& sql) const {
    return pg_run(location_as(role), sql);
}

long long TestStore::schema_version() const {
    return integer(backend() == Backend::sqlite ? "PRAGMA user_version"
                                                : "SELECT version FROM okey_schema");
}

bool TestStore::set_schema_version(int version) const {
    return exec(backend() == Backend::sqlite
                    ? "PRAGMA user_version = " + std::to_string(version)
                    : "UPDATE okey_schema SET version = " + std::to_string(version));
}

long long TestStore::audit_triggers() const {
    return integer(backend() == Backend::sqlite
                       ? "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                         "AND tbl_name = 'audit'"
                       : "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal "
                         "AND tgrelid = 'audit'::regclass");
}

bool TestStore::column_contains(const std::string& table, const std::string& column,
                                const std::string& bytes) const {
    const std::string hex = hex_of(bytes);
    return integer(backend() == Backend::sqlite
                       ? "SELECT count(*) FROM " + table + " WHERE instr(" + column + ", X'" +
                             hex + "') > 0"
                       : "SELECT count(*) FROM " + table + " WHERE position(decode('" + hex +
                             "', 'hex') in " + column + ") > 0") != 0;
}

bool TestStore::flip_secret_bit(const std::string& serial, int byte) const {
    const std::string n = std::to_string(byte);
    if (backend() == Backend::postgresql)
        return exec("UPDATE tokens SET secret = set_byte(secret, " + n + ", get_byte(secret, " + n +
                    ") # 1) WHERE serial = '" + serial + "'");
    sqlite3* db = nullptr;
    sqlite3_stmt* read = nullptr;
    sqlite3_stmt* write = nullptr;
    bool ok = false;
    if (sqlite3_open(location_.c_str(), &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT secret FROM tokens WHERE serial = ?1", -1, &read, nullptr) ==
            SQLITE_OK &&
        sqlite3_bind_text(read, 1, serial.c_str(), -1, SQLITE_TRANSIENT) == SQLITE_OK &&
        sqlite3_step(read) == SQLITE_ROW) {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(read, 0));
        std::string blob(p, static_cast<std::size_t>(sqlite3_column_bytes(read, 0)));
        blob[static_cast<std::size_t>(byte)] = static_cast<char>(blob[static_cast<std::size_t>(byte)] ^ 1);
        ok = sqlite3_prepare_v2(db, "UPDATE tokens SET secret = ?2 WHERE serial = ?1", -1, &write,
                                nullptr) == SQLITE_OK &&
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

}  // namespace okey::test
