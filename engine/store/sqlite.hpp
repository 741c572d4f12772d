// SPDX-License-Identifier: Apache-2.0
// engine/store/sqlite.hpp — a thin RAII layer over the SQLite C API for the
// store: one connection, prepared statements cached per SQL text (the login
// path re-runs the same few), and SQLite result codes turned into okey errors.
#pragma once

#include "engine/result.hpp"

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace okey::store {

class Database;

// A cached prepared statement, reset and unbound when this handle goes.
class Statement {
public:
    Statement(Database& db, sqlite3_stmt* stmt) : db_(&db), stmt_(stmt) {}
    Statement(Statement&& other) noexcept
        : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), bind_error_(other.bind_error_) {}
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement& operator=(Statement&&) = delete;
    ~Statement();

    Statement& bind_int(int index, std::int64_t value);
    Statement& bind_text(int index, std::string_view text);
    Statement& bind_blob(int index, std::span<const std::uint8_t> bytes);
    Statement& bind_null(int index);
    Statement& bind_optional(int index, const std::optional<std::int64_t>& value) {
        return value ? bind_int(index, *value) : bind_null(index);
    }

    // true: a row is ready; false: done.
    Result<bool> step();
    // Run to completion (statements without rows).
    Result<void> run();

    bool is_null(int column) const;
    std::int64_t integer(int column) const;
    std::string text(int column) const;
    std::span<const std::uint8_t> blob(int column) const;

private:
    Database* db_;
    sqlite3_stmt* stmt_;
    int bind_error_ = SQLITE_OK;
};

class Database {
public:
    Database() = default;
    Database(Database&& other) noexcept;
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    // Open an existing file (or a new empty one) read-write, never through a symlink.
    static Result<Database> open(const std::string& path, int busy_timeout_ms);

    Result<void> exec(const char* sql);
    Result<Statement> prepare(const char* sql);
    // An okey error for a SQLite result code, naming the database file.
    Error error(int rc, std::string_view doing) const;
    const std::string& path() const { return path_; }
    sqlite3* handle() const { return db_; }

private:
    void close() noexcept;
    sqlite3* db_ = nullptr;
    std::string path_;
    std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

}  // namespace okey::store
