// SPDX-License-Identifier: Apache-2.0
// bench/store/populate.cpp — see populate.hpp.
#include "populate.hpp"

#include "engine/store/location.hpp"
#include "engine/store/secret_box.hpp"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <unistd.h>

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* pin_hash = "$argon2id$v=19$m=8,t=1,p=1$bench$bench";

bool is_postgresql(const okey::StoreOptions& o) { return okey::store::is_postgresql_uri(o.path); }

// ---- SQLite ----

long long sqlite_integer(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    sqlite3_stmt* stmt = nullptr;
    long long n = -1;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
}

void load_sqlite(const okey::StoreOptions& o, const okey::store::SecretBox& box, std::size_t n) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(o.path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
        die("cannot open " + o.path);
    sqlite3_exec(db, "PRAGMA synchronous = OFF; BEGIN", nullptr, nullptr, nullptr);
    sqlite3_stmt* token = nullptr;
    sqlite3_stmt* user = nullptr;
    sqlite3_prepare_v2(db,
                       "INSERT INTO tokens (serial, kind, algorithm, digits, period, secret, "
                       "state, owner, lot, expires, drift, created, updated) VALUES "
                       "(?1, 'hardware', 'sha1', 6, 30, ?2, 'assigned', ?3, 'bench', '', 0, ?4, ?4)",
                       -1, &token, nullptr);
    sqlite3_prepare_v2(db,
                       "INSERT INTO users (login, pin_hash, pin_state, failures, locked_until, "
                       "created, updated) VALUES (?1, ?3, 'set', 0, 0, ?2, ?2)",
                       -1, &user, nullptr);
    for (std::size_t i = 0; i < n; ++i) {
        std::string serial = serial_of(i), login = login_of(i);
        auto sealed = box.seal(secret_of(i), serial);
        if (!sealed) die(sealed.error().message);
        sqlite3_bind_text(token, 1, serial.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(token, 2, sealed->data(), static_cast<int>(sealed->size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(token, 3, login.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(token, 4, base_time);
        sqlite3_bind_text(user, 1, login.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(user, 2, base_time);
        sqlite3_bind_text(user, 3, pin_hash, -1, SQLITE_STATIC);
        if (sqlite3_step(token) != SQLITE_DONE || sqlite3_step(user) != SQLITE_DONE)
            die(std::string("insert: ") + sqlite3_errmsg(db));
        sqlite3_reset(token);
        sqlite3_reset(user);
    }
    sqlite3_finalize(token);
    sqlite3_finalize(user);
    if (sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE); ANALYZE", nullptr, nullptr,
                     nullptr) != SQLITE_OK)
        die(std::string("commit: ") + sqlite3_errmsg(db));
    sqlite3_close(db);
}

// ---- PostgreSQL ----

std::string hex_of(const std::vector<std::uint8_t>& bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (auto b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

void pg_command(PGconn* conn, const std::string& sql) {
    PGresult* r = PQexec(conn, sql.c_str());
    auto status = PQresultStatus(r);
    PQclear(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        die(sql.substr(0, 40) + ": " + PQerrorMessage(conn));
}

long long pg_integer(const std::string& uri, const char* sql) {
    PGconn* conn = PQconnectdb(uri.c_str());
    long long n = -1;
    if (PQstatus(conn) == CONNECTION_OK) {
        PGresult* r = PQexec(conn, sql);
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
            n = std::atoll(PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    PQfinish(conn);
    return n;
}

// COPY … FROM STDIN in text format, a few thousand rows per message.
void copy_rows(PGconn* conn, const char* copy, std::size_t n,
               std::string (*row)(std::size_t, const okey::store::SecretBox&),
               const okey::store::SecretBox& box) {
    PGresult* r = PQexec(conn, copy);
    if (PQresultStatus(r) != PGRES_COPY_IN) die(std::string("COPY: ") + PQerrorMessage(conn));
    PQclear(r);
    std::string chunk;
    for (std::size_t i = 0; i < n; ++i) {
        chunk += row(i, box);
        if (chunk.size() > (1 << 20) || i + 1 == n) {
            if (PQputCopyData(conn, chunk.data(), static_cast<int>(chunk.size())) != 1)
                die(std::string("COPY data: ") + PQerrorMessage(conn));
            chunk.clear();
        }
    }
    if (PQputCopyEnd(conn, nullptr) != 1) die(std::string("COPY end: ") + PQerrorMessage(conn));
    r = PQgetResult(conn);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) die(std::string("COPY: ") + PQerrorMessage(conn));
    PQclear(r);
    while ((r = PQgetResult(conn)) != nullptr) PQclear(r);
}

std::string token_row(std::size_t i, const okey::store::SecretBox& box) {
    const std::string serial = serial_of(i);
    auto sealed = box.seal(secret_of(i), serial);
    if (!sealed) die(sealed.error().message);
    const std::string t = std::to_string(base_time);
    return serial + "\thardware\tsha1\t6\t30\t\\\\x" + hex_of(sealed.value()) + "\tassigned\t" +
           login_of(i) + "\tbench\t\t0\t" + t + "\t" + t + "\n";
}

std::string user_row(std::size_t i, const okey::store::SecretBox&) {
    const std::string t = std::to_string(base_time);
    return login_of(i) + "\t" + pin_hash + "\tset\t0\t0\t" + t + "\t" + t + "\n";
}

void load_postgresql(const okey::StoreOptions& o, const okey::store::SecretBox& box, std::size_t n) {
    PGconn* conn = PQconnectdb(o.path.c_str());
    if (PQstatus(conn) != CONNECTION_OK) die(std::string("connect: ") + PQerrorMessage(conn));
    pg_command(conn, "BEGIN");
    copy_rows(conn,
              "COPY tokens (serial, kind, algorithm, digits, period, secret, state, owner, lot, "
              "expires, drift, created, updated) FROM STDIN",
              n, token_row, box);
    copy_rows(conn,
              "COPY users (login, pin_hash, pin_state, failures, locked_until, created, updated) "
              "FROM STDIN",
              n, user_row, box);
    pg_command(conn, "COMMIT");
    pg_command(conn, "VACUUM ANALYZE tokens");
    pg_command(conn, "VACUUM ANALYZE users");
    PQfinish(conn);
}

std::map<std::string, std::string> read_env(const std::string& file) {
    std::map<std::string, std::string> values;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        auto eq = line.find('=');
        if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return values;
}

int run(const std::string& command) { return std::system((command + " >/dev/null").c_str()); }

}  // namespace

void die(const std::string& what) {
    std::fprintf(stderr, "store_bench: %s\n", what.c_str());
    std::exit(1);
}

std::string serial_of(std::size_t i) {
    char s[32];
    std::snprintf(s, sizeof s, "B%08zu", i);
    return s;
}

std::string login_of(std::size_t i) {
    char s[32];
    std::snprintf(s, sizeof s, "u%08zu", i);
    return s;
}

okey::otp::SecretBytes secret_of(std::size_t i) {
    okey::otp::SecretBytes s(20);
    for (std::size_t b = 0; b < s.size(); ++b)
        s[b] = static_cast<std::uint8_t>((i >> ((b % 4) * 8)) ^ (b * 37 + 11));
    return s;
}

void Cluster::start() {
    const std::string script = OKEY_PG_CLUSTER;
    const bool kept = ::access((dir + "/env").c_str(), F_OK) == 0;
    if (!kept || run(script + " up " + dir) != 0) {
        (void)run(script + " stop " + dir);
        if (run(script + " start " + dir + " --durable") != 0) die("cannot start PostgreSQL in " + dir);
    }
    auto env = read_env(dir + "/env");
    port = env["OKEY_PG_PORT"];
    passfile = env["OKEY_PG_PASSFILE"];
    socket = env["OKEY_PG_SOCKET"];
    if (port.empty()) die(dir + "/env: no port");
}

void Cluster::stop() const { (void)run(std::string(OKEY_PG_CLUSTER) + " down " + dir); }

std::string Cluster::uri(const std::string& database) const {
    return "postgresql://okey_owner@127.0.0.1:" + port + "/" + database + "?passfile=" + passfile;
}

void Cluster::ensure_database(const std::string& database) const {
    const std::string super = "host=" + socket + " port=" + port + " user=postgres dbname=postgres";
    PGconn* conn = PQconnectdb(super.c_str());
    if (PQstatus(conn) != CONNECTION_OK) die(std::string("superuser: ") + PQerrorMessage(conn));
    PGresult* r = PQexec(conn, ("SELECT 1 FROM pg_database WHERE datname = '" + database + "'").c_str());
    const bool exists = PQntuples(r) == 1;
    PQclear(r);
    if (!exists) pg_command(conn, "CREATE DATABASE " + database + " OWNER okey_owner");
    PQfinish(conn);
}

long long count_keys(const okey::StoreOptions& o) {
    return is_postgresql(o) ? pg_integer(o.path, "SELECT count(*) FROM tokens")
                            : sqlite_integer(o.path, "SELECT count(*) FROM tokens");
}

long long last_step(const okey::StoreOptions& o) {
    const char* sql = "SELECT coalesce(max(last_step), 0) FROM tokens";
    return is_postgresql(o) ? pg_integer(o.path, sql) : sqlite_integer(o.path, sql);
}

void populate(const okey::StoreOptions& o, std::size_t n) {
    auto started = Clock::now();
    if (is_postgresql(o)) {
        PGconn* conn = PQconnectdb(o.path.c_str());
        if (PQstatus(conn) != CONNECTION_OK) die(std::string("connect: ") + PQerrorMessage(conn));
        // An old, partial store: empty the database (its owner may).
        pg_command(conn, "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
        PQfinish(conn);
    } else {
        for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((o.path + suffix).c_str());
    }
    ::unlink(o.key_file.c_str());
    if (auto made = okey::Store::initialise(o); !made) die(made.error().message);
    auto box = okey::store::SecretBox::load(o.key_file, o.trusted_owner);
    if (!box) die(box.error().message);
    if (is_postgresql(o))
        load_postgresql(o, box.value(), n);
    else
        load_sqlite(o, box.value(), n);
    std::printf("  populated %zu keys and logins in %.1f s\n", n,
                std::chrono::duration<double>(Clock::now() - started).count());
}

}  // namespace bench
