// SPDX-License-Identifier: Apache-2.0
// engine/store/postgresql/connection.cpp — see connection.hpp.
#include "engine/store/postgresql/connection.hpp"

#include "engine/store/location.hpp"

#include <array>
#include <cstring>

#include <openssl/sha.h>

namespace okey::store::postgresql {
namespace {

// Type OIDs (catalog/pg_type_d.h, fixed since PostgreSQL 7).
constexpr Oid bool_oid = 16;
constexpr Oid bytea_oid = 17;
constexpr Oid int8_oid = 20;
constexpr Oid int2_oid = 21;
constexpr Oid int4_oid = 23;
constexpr Oid text_oid = 25;

std::uint64_t big_endian(const char* p, int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}

// libpq's messages end with a newline and may span lines: one line for logs.
std::string one_line(const char* text) {
    std::string out = text ? text : "";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    for (char& c : out)
        if (c == '\n' || c == '\t') c = ' ';
    return out;
}

bool session_lost(std::string_view state) {
    // Connection exceptions, the server shutting down or not ready yet, too
    // many clients, and a session that landed on a read-only standby.
    return state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03" ||
           state == "53300" || state == "25006";
}

Errc classify(std::string_view state) {
    if (state == "23505") return Errc::already_exists;
    if (state.starts_with("23")) return Errc::wrong_state;
    // Serialization failure, deadlock, lock timeout: another client won; retry.
    if (state == "40001" || state == "40P01" || state == "55P03") return Errc::busy;
    if (session_lost(state)) return Errc::unavailable;
    if (state == "XX001" || state == "XX002") return Errc::corrupt;
    // Permission denied (the role's grants, the append-only audit).
    if (state == "42501") return Errc::config;
    // Data exceptions: a value the database refuses (e.g. not UTF-8).
    if (state.starts_with("22")) return Errc::invalid_argument;
    return Errc::io;
}

}  // namespace

std::pair<std::string, int> dollar_placeholders(std::string_view sql) {
    std::string out;
    out.reserve(sql.size());
    int parameters = 0;
    char quote = 0;  // inside '…' or "…"
    for (std::size_t i = 0; i < sql.size(); ++i) {
        char c = sql[i];
        if (quote) {
            if (c == quote) quote = 0;  // a doubled quote closes and reopens: same result
            out += c;
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            out += c;
            continue;
        }
        if (c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
            int n = 0;
            out += '$';
            while (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
                n = n * 10 + (sql[i + 1] - '0');
                out += sql[++i];
            }
            if (n > parameters) parameters = n;
            continue;
        }
        out += c;
    }
    return {out, parameters};
}

// ---- PgCursor ----

bool PgCursor::bind(int index, Oid type, std::string bytes) {
    if (index < 1 || static_cast<std::size_t>(index) > values_.size()) {
        bad_index_ = true;
        return false;
    }
    values_[static_cast<std::size_t>(index - 1)] = Value{type, std::move(bytes)};
    return true;
}

void PgCursor::bind_int(int index, std::int64_t value) {
    std::string bytes(8, '\0');
    auto v = static_cast<std::uint64_t>(value);
    for (int i = 7; i >= 0; --i, v >>= 8) bytes[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
    bind(index, int8_oid, std::move(bytes));
}

void PgCursor::bind_text(int index, std::string_view text) {
    bind(index, text_oid, std::string(text));
}

void PgCursor::bind_blob(int index, std::span<const std::uint8_t> bytes) {
    bind(index, bytea_oid, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void PgCursor::bind_null(int index) { bind(index, 0, {}); }

Result<std::string> PgCursor::statement_name() {
    if (session_ != db_.session()) {
        prepared_.clear();
        session_ = db_.session();
    }
    std::vector<Oid> types;
    types.reserve(values_.size());
    for (const auto& v : values_) types.push_back(v.type);
    auto found = prepared_.find(types);
    if (found != prepared_.end()) return found->second;
    std::string name = db_.next_statement_name();
    PGresult* made = PQprepare(db_.handle(), name.c_str(), sql_.c_str(),
                               static_cast<int>(types.size()), types.data());
    bool ok = made && PQresultStatus(made) == PGRES_COMMAND_OK;
    Error failure = ok ? Error{} : db_.error(made, "prepare");
    PQclear(made);
    if (!ok) return failure;
    prepared_.emplace(std::move(types), name);
    return name;
}

Result<void> PgCursor::execute() {
    if (bad_index_) return make_error(Errc::internal, db_.name() + ": bind: no such parameter");
    auto name = statement_name();
    if (!name) return name.error();
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats(values_.size(), 1);
    for (const auto& v : values_) {
        values.push_back(v.type == 0 ? nullptr : v.bytes.data());
        lengths.push_back(static_cast<int>(v.bytes.size()));
    }
    result_ = PQexecPrepared(db_.handle(), name->c_str(), static_cast<int>(values.size()),
                             values.data(), lengths.data(), formats.data(), 1);
    auto status = result_ ? PQresultStatus(result_) : PGRES_FATAL_ERROR;
    if (status == PGRES_TUPLES_OK) return {};
    if (status == PGRES_COMMAND_OK) {
        db_.record_changes(std::atoll(PQcmdTuples(result_)));
        return {};
    }
    Error failure = db_.error(result_, "step");
    PQclear(result_);
    result_ = nullptr;
    return failure;
}

Result<bool> PgCursor::step() {
    if (!result_) {
        if (auto done = execute(); !done) return done.error();
        row_ = 0;
    } else {
        ++row_;
    }
    return row_ < PQntuples(result_);
}

ColumnType PgCursor::type(int column) const {
    if (PQgetisnull(result_, row_, column)) return ColumnType::null;
    switch (PQftype(result_, column)) {
    case bool_oid:
    case int2_oid:
    case int4_oid:
    case int8_oid: return ColumnType::integer;
    case bytea_oid: return ColumnType::blob;
    default: return ColumnType::text;
    }
}

std::int64_t PgCursor::integer(int column) const {
    if (PQgetisnull(result_, row_, column)) return 0;
    const char* p = PQgetvalue(result_, row_, column);
    int n = PQgetlength(result_, row_, column);
    switch (PQftype(result_, column)) {
    case int8_oid: return n == 8 ? static_cast<std::int64_t>(big_endian(p, 8)) : 0;
    case int4_oid: return n == 4 ? static_cast<std::int32_t>(big_endian(p, 4)) : 0;
    case int2_oid: return n == 2 ? static_cast<std::int16_t>(big_endian(p, 2)) : 0;
    case bool_oid: return n == 1 && p[0] != 0;
    default: return 0;
    }
}

std::string PgCursor::text(int column) const {
    if (PQgetisnull(result_, row_, column)) return {};
    return std::string(PQgetvalue(result_, row_, column),
                       static_cast<std::size_t>(PQgetlength(result_, row_, column)));
}

std::span<const std::uint8_t> PgCursor::blob(int column) const {
    if (PQgetisnull(result_, row_, column)) return {};
    return {reinterpret_cast<const std::uint8_t*>(PQgetvalue(result_, row_, column)),
            static_cast<std::size_t>(PQgetlength(result_, row_, column))};
}

void PgCursor::reset() noexcept {
    PQclear(result_);
    result_ = nullptr;
    row_ = -1;
    for (auto& v : values_) v = Value{};
    bad_index_ = false;
}

// ---- PgConnection ----

PgConnection::~PgConnection() {
    cache_.clear();
    if (conn_) PQfinish(conn_);
}

Result<std::unique_ptr<PgConnection>> PgConnection::connect(const std::string& uri,
                                                            int busy_timeout_ms) {
    std::unique_ptr<PgConnection> db(new PgConnection(displayed_uri(uri), busy_timeout_ms));
    // libpq's own parse catches every way of spelling a password.
    char* parse_error = nullptr;
    PQconninfoOption* options = PQconninfoParse(uri.c_str(), &parse_error);
    if (!options) {
        std::string why = one_line(parse_error ? parse_error : "out of memory");
        PQfreemem(parse_error);
        return make_error(Errc::config, db->name_ + ": not a valid PostgreSQL URI: " + why);
    }
    bool has_password = false;
    for (auto* o = options; o->keyword; ++o)
        if (std::strcmp(o->keyword, "password") == 0 && o->val && *o->val) has_password = true;
    PQconninfoFree(options);
    if (has_password)
        return make_error(Errc::config, db->name_ +
                                            ": a password in the store URI is refused: put it in "
                                            "a passfile (mode 0600) named by passfile=… in the URI");
    // Defaults the URI may override (it comes after them): give up on a
    // host after 5 s, and write only to a primary (libpq tries each host).
    const char* keys[] = {"connect_timeout", "target_session_attrs", "fallback_application_name",
                          "dbname", nullptr};
    const char* values[] = {"5", "read-write", "okey", uri.c_str(), nullptr};
    db->conn_ = PQconnectdbParams(keys, values, 1);
    if (!db->conn_) return make_error(Errc::unavailable, db->name_ + ": cannot connect: out of memory");
    if (PQstatus(db->conn_) != CONNECTION_OK)
        return make_error(Errc::unavailable,
                          db->name_ + ": cannot connect: " + one_line(PQerrorMessage(db->conn_)));
    if (auto started = db->start_session(); !started) return started.error();
    return db;
}

Result<void> PgConnection::start_session() {
    // Notices (e.g. from DDL) would reach stderr: okeyctl prints one line.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    // A lock held by another client for longer than busy_timeout is Errc::busy.
    return command("SET lock_timeout = " + std::to_string(busy_timeout_ms_) +
                       "; SET client_encoding = 'UTF8'",
                   "session");
}

Result<void> PgConnection::reconnect() {
    PQreset(conn_);
    stale_ = false;
    ++session_;  // whatever was prepared died with the old session
    if (PQstatus(conn_) != CONNECTION_OK)
        return make_error(Errc::unavailable,
                          name_ + ": cannot reconnect: " + one_line(PQerrorMessage(conn_)));
    return start_session();
}

Result<void> PgConnection::command(const std::string& sql, std::string_view doing) {
    PGresult* result = PQexec(conn_, sql.c_str());
    auto status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    Error failure = ok ? Error{} : error(result, doing);
    PQclear(result);
    if (!ok) return failure;
    return {};
}

// ---- the store's locks (SECURITY.md §17) ----
//
// Writes run at READ COMMITTED under transaction-level advisory locks (per
// database, released at commit or rollback, no grant needed), taken by the
// transaction's first command, before it reads anything:
//   - the store lock (one bigint key): SHARED by every login write and every
//     append (audit rows), EXCLUSIVE by an administrative write;
//   - a login's lock (a key in the (int, int) space: never the store lock):
//     EXCLUSIVE by a login write of that login, after the store lock.
// Why that is enough: a login write reads and changes only its own login's
// rows — its users row, the key assigned to it (read by serial and checked to
// be owned by it before any change), its offline values and emergency codes —
// and inserts audit rows. Those rows change only in a login write of the
// same login (one at a time: its lock) or in an administrative write (alone:
// the store lock exclusive, which waits for every login write and holds off
// new ones). So
// each check-then-update of the login path runs with no other writer of what
// it read, and at READ COMMITTED each statement sees every commit before it:
// two clients never both read the same last step or failure counter, and
// none is aborted to find that out. Logins of different logins do not wait
// for each other, nor for each other's commit flush (PostgreSQL groups them).
// Two logins whose keys collide (a 64-bit hash) only take turns. No deadlock:
// a transaction takes the store lock, then at most one login lock.
// A wait is bounded by lock_timeout (busy_timeout): then Errc::busy.
// The keys are a protocol between every okey sharing a database: never change
// them. An older okey, which takes the store lock exclusive for every write,
// stays safe beside this one. Readers take no lock: a snapshot.
namespace {

constexpr const char* store_lock_key = "8028622331863069289";  // "okey.wri"

// A login's lock: the first 8 bytes of SHA-256("okey.login:" + login) as two
// int4 values.
std::string login_lock_key(std::string_view login) {
    std::string named = "okey.login:" + std::string(login);
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    SHA256(reinterpret_cast<const unsigned char*>(named.data()), named.size(), digest.data());
    const char* bytes = reinterpret_cast<const char*>(digest.data());
    return std::to_string(static_cast<std::int32_t>(big_endian(bytes, 4))) + ", " +
           std::to_string(static_cast<std::int32_t>(big_endian(bytes + 4, 4)));
}

}  // namespace

std::string begin_sql(Access access, std::string_view login) {
    const std::string writer = "BEGIN ISOLATION LEVEL READ COMMITTED; ";
    const std::string shared = std::string("SELECT pg_advisory_xact_lock_shared(") + store_lock_key + ")";
    const std::string alone = std::string("SELECT pg_advisory_xact_lock(") + store_lock_key + ")";
    switch (access) {
    case Access::read: return "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    case Access::append: return writer + shared;
    case Access::login:
        return writer + shared + "; SELECT pg_advisory_xact_lock(" + login_lock_key(login) + ")";
    case Access::write: return writer + alone;
    case Access::migrate:
        // And shut out readers of the schema version too.
        return writer + alone + "; LOCK TABLE okey_schema IN ACCESS EXCLUSIVE MODE";
    }
    return writer + alone;
}

Result<void> PgConnection::begin(Access access, std::string_view login) {
    const std::string sql = begin_sql(access, login);
    if (PQstatus(conn_) != CONNECTION_OK || stale_)
        if (auto again = reconnect(); !again) return again;
    auto begun = command(sql, "begin");
    if (!begun && begun.error().code == Errc::unavailable) {
        // The server restarted or failed over since the last call: nothing
        // was done in this transaction yet, so once more on a new session.
        rollback();
        if (auto again = reconnect(); !again) return again;
        begun = command(sql, "begin");
    }
    // A lock waited for past lock_timeout fails inside the transaction just
    // begun: end it, or every later command of this session is refused.
    if (!begun) rollback();
    return begun;
}

Result<void> PgConnection::commit() {
    PGresult* result = PQexec(conn_, "COMMIT");
    auto status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    // COMMIT of a transaction that had failed answers ROLLBACK, not an error.
    bool ok = status == PGRES_COMMAND_OK && std::strcmp(PQcmdStatus(result), "COMMIT") == 0;
    Error failure = ok ? Error{}
                  : status == PGRES_COMMAND_OK
                      ? make_error(Errc::io, name_ + ": commit: the transaction was rolled back")
                      : error(result, "commit");
    PQclear(result);
    if (!ok) return failure;
    return {};
}

void PgConnection::rollback() noexcept {
    if (PQstatus(conn_) != CONNECTION_OK) return;
    auto state = PQtransactionStatus(conn_);
    if (state == PQTRANS_INTRANS || state == PQTRANS_INERROR) PQclear(PQexec(conn_, "ROLLBACK"));
}

Result<void> PgConnection::exec(std::string_view sql) { return command(std::string(sql), "exec"); }

Result<Statement> PgConnection::prepare(const char* sql) {
    auto found = cache_.find(std::string_view(sql));
    if (found != cache_.end()) return Statement(*found->second);
    auto [text, parameters] = dollar_placeholders(sql);
    auto cursor = std::make_unique<PgCursor>(*this, std::move(text), parameters);
    Cursor& ref = *cursor;
    cache_.emplace(sql, std::move(cursor));
    return Statement(ref);
}

Error PgConnection::error(const PGresult* result, std::string_view doing) const {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string detail = one_line(primary ? primary : PQerrorMessage(conn_));
    std::string message = name_ + ": " + std::string(doing) + ": " + detail;
    if (PQstatus(conn_) != CONNECTION_OK) return make_error(Errc::unavailable, message);
    if (state && session_lost(state)) stale_ = true;  // begin() starts a new session
    return make_error(state ? classify(state) : Errc::io, message);
}

}  // namespace okey::store::postgresql
