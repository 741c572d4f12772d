// SPDX-License-Identifier: Apache-2.0
// engine/store/postgresql/connection.hpp — the PostgreSQL backend's
// connection (libpq): one session, statements prepared once per session with
// ?N turned into $N, values bound and read in binary, write transactions
// under the store's advisory locks (one login's writes one at a time, an
// administrative write alone; a lock timeout, serialization failure or
// deadlock is Errc::busy, which the store's transaction loop retries), and a
// session lost to a server restart or failover made again at the next
// transaction.
#pragma once

#include "engine/store/database.hpp"

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace okey::store::postgresql {

class PgConnection;

class PgCursor final : public Cursor {
public:
    PgCursor(PgConnection& db, std::string sql, int parameters)
        : db_(db), sql_(std::move(sql)), values_(static_cast<std::size_t>(parameters)) {}
    ~PgCursor() override { reset(); }
    PgCursor(const PgCursor&) = delete;
    PgCursor& operator=(const PgCursor&) = delete;

    void bind_int(int index, std::int64_t value) override;
    void bind_text(int index, std::string_view text) override;
    void bind_blob(int index, std::span<const std::uint8_t> bytes) override;
    void bind_null(int index) override;
    Result<bool> step() override;
    int columns() const override { return result_ ? PQnfields(result_) : 0; }
    ColumnType type(int column) const override;
    std::int64_t integer(int column) const override;
    std::string text(int column) const override;
    std::span<const std::uint8_t> blob(int column) const override;
    void reset() noexcept override;

private:
    struct Value {
        Oid type = 0;  // 0: NULL (the server infers the type)
        std::string bytes;
    };
    bool bind(int index, Oid type, std::string bytes);
    Result<void> execute();
    // The server-side statement for the types bound now, prepared if needed.
    Result<std::string> statement_name();

    PgConnection& db_;
    std::string sql_;  // with $N placeholders
    std::vector<Value> values_;
    bool bad_index_ = false;
    // Server-side statements by the parameter types they were prepared for,
    // valid for one session (see PgConnection::session).
    std::map<std::vector<Oid>, std::string> prepared_;
    unsigned session_ = 0;
    PGresult* result_ = nullptr;
    int row_ = -1;
};

class PgConnection final : public Connection {
public:
    ~PgConnection() override;
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;

    // Connect to the database of `uri` (libpq's own multi-host failover;
    // read-write session unless the URI says otherwise).
    static Result<std::unique_ptr<PgConnection>> connect(const std::string& uri,
                                                         int busy_timeout_ms);

    const std::string& name() const override { return name_; }
    Result<void> begin(Access access, std::string_view login) override;
    Result<void> commit() override;
    void rollback() noexcept override;
    Result<Statement> prepare(const char* sql) override;
    Result<void> exec(std::string_view sql) override;
    std::int64_t changes() const override { return changes_; }
    Result<int> schema_version() override;
    Result<void> set_schema_version(int version) override;
    std::span<const char* const> migrations() const override;
    Result<void> after_migrations() override;
    Result<bool> is_empty() override;
    Result<std::string> scrub_deleted() override;
    Result<std::string> integrity_problems() override;
    Result<void> backup_to(const std::string& file) override;

    // A new store: the role to grant the service's rights to.
    void set_service_role(std::string role) { service_role_ = std::move(role); }

    PGconn* handle() const { return conn_; }
    // Bumped at every new session: prepared statements belong to one.
    unsigned session() const { return session_; }
    std::string next_statement_name() { return "okey_" + std::to_string(++statements_); }
    void record_changes(std::int64_t rows) { changes_ = rows; }
    // An okey error for a failed command (result may be null), naming the store.
    Error error(const PGresult* result, std::string_view doing) const;
    // Run one command without parameters; its rows, if any, are dropped.
    Result<void> command(const std::string& sql, std::string_view doing);

private:
    PgConnection(std::string name, int busy_timeout_ms)
        : name_(std::move(name)), busy_timeout_ms_(busy_timeout_ms) {}
    Result<void> start_session();
    Result<void> reconnect();

    PGconn* conn_ = nullptr;
    std::string name_;
    int busy_timeout_ms_;
    unsigned session_ = 1;
    mutable bool stale_ = false;  // the server said this session cannot go on
    unsigned statements_ = 0;
    std::int64_t changes_ = 0;
    std::string service_role_;
    std::map<std::string, std::unique_ptr<PgCursor>, std::less<>> cache_;
};

// The commands that begin a transaction of this access: its isolation level
// and the store's advisory locks (connection.cpp says which and why); the
// tests hold the same locks through it.
std::string begin_sql(Access access, std::string_view login);

// SQL written for SQLite (?N placeholders) as PostgreSQL wants it ($N), and
// the number of parameters; quoted text and identifiers are left alone.
std::pair<std::string, int> dollar_placeholders(std::string_view sql);

}  // namespace okey::store::postgresql
