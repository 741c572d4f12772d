// SPDX-License-Identifier: Apache-2.0
// engine/store/sqlite/connection.hpp — the SQLite backend's connection: one
// database file, prepared statements cached per SQL text, SQLite result codes
// turned into okey errors, the schema version in PRAGMA user_version.
#pragma once

#include "engine/store/database.hpp"

#include <sqlite3.h>

#include <map>
#include <memory>
#include <string>

namespace okey::store::sqlite {

class SqliteConnection;

class SqliteCursor final : public Cursor {
public:
    SqliteCursor(SqliteConnection& db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
    ~SqliteCursor() override { sqlite3_finalize(stmt_); }
    SqliteCursor(const SqliteCursor&) = delete;
    SqliteCursor& operator=(const SqliteCursor&) = delete;

    void bind_int(int index, std::int64_t value) override;
    void bind_text(int index, std::string_view text) override;
    void bind_blob(int index, std::span<const std::uint8_t> bytes) override;
    void bind_null(int index) override;
    Result<bool> step() override;
    int columns() const override { return sqlite3_column_count(stmt_); }
    ColumnType type(int column) const override;
    std::int64_t integer(int column) const override;
    std::string text(int column) const override;
    std::span<const std::uint8_t> blob(int column) const override;
    void reset() noexcept override;

private:
    void keep(int rc) {
        if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
    }
    SqliteConnection& db_;
    sqlite3_stmt* stmt_;
    int bind_error_ = SQLITE_OK;
};

class SqliteConnection final : public Connection {
public:
    ~SqliteConnection() override;
    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;

    // Open an existing file read-write, never through a symlink.
    static Result<std::unique_ptr<SqliteConnection>> open(const std::string& path,
                                                          int busy_timeout_ms);
    // Make a new database file (0600, never over an existing file) and open it.
    static Result<std::unique_ptr<SqliteConnection>> create(const std::string& path,
                                                            int busy_timeout_ms);
    // The safe settings of every connection to a store (WAL, durable commits).
    Result<void> configure();

    const std::string& name() const override { return path_; }
    Result<void> begin(Access access, std::string_view login) override;
    Result<void> commit() override { return exec("COMMIT"); }
    void rollback() noexcept override;
    Result<Statement> prepare(const char* sql) override;
    Result<void> exec(std::string_view sql) override;
    std::int64_t changes() const override { return sqlite3_changes64(db_); }
    Result<int> schema_version() override;
    Result<void> set_schema_version(int version) override;
    std::span<const char* const> migrations() const override;
    Result<bool> is_empty() override;
    Result<std::string> scrub_deleted() override;
    Result<std::string> integrity_problems() override;
    Result<void> backup_to(const std::string& file) override;

    // Copy every page of this database into `to` with SQLite's online backup
    // API: one consistent snapshot, while other connections go on writing.
    Result<void> copy_into(SqliteConnection& to);
    // Keep the database in one file from now on (rollback journal, no WAL).
    Result<void> single_file();

    // An okey error for a SQLite result code, naming the database file.
    Error error(int rc, std::string_view doing) const;

private:
    explicit SqliteConnection(std::string path) : path_(std::move(path)) {}
    sqlite3* db_ = nullptr;
    std::string path_;
    std::map<std::string, std::unique_ptr<SqliteCursor>, std::less<>> cache_;
};

}  // namespace okey::store::sqlite
