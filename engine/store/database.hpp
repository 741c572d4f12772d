// SPDX-License-Identifier: Apache-2.0
// engine/store/database.hpp — the narrow interface the store's logic is
// written against, so that it exists once for both backends (DESIGN.md §1,
// §9): a Connection runs transactions and prepares statements; a Statement
// binds values, steps through rows and reads columns. SQL is written once
// with SQLite's ?N placeholders; the PostgreSQL backend turns them into $N.
// Each backend maps its errors to okey's Errc: busy (locked, serialization
// failure, deadlock: retried by the store's transaction loop), unavailable
// (the server cannot be reached), already_exists / wrong_state (constraints).
#pragma once

#include "engine/result.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace okey::store {

enum class ColumnType { null, integer, text, blob };

// One prepared statement of a backend, owned by its connection (which
// caches it per SQL text: the login path re-runs the same few). Bind errors
// are kept and reported by the next step().
class Cursor {
public:
    virtual ~Cursor() = default;
    virtual void bind_int(int index, std::int64_t value) = 0;
    virtual void bind_text(int index, std::string_view text) = 0;
    virtual void bind_blob(int index, std::span<const std::uint8_t> bytes) = 0;
    virtual void bind_null(int index) = 0;
    // true: a row is ready; false: done.
    virtual Result<bool> step() = 0;
    virtual int columns() const = 0;
    virtual ColumnType type(int column) const = 0;
    virtual std::int64_t integer(int column) const = 0;
    virtual std::string text(int column) const = 0;
    virtual std::span<const std::uint8_t> blob(int column) const = 0;
    // Forget rows and bindings: ready for the next use.
    virtual void reset() noexcept = 0;
};

// A handle on a cached cursor, reset when the handle goes.
class Statement {
public:
    explicit Statement(Cursor& cursor) : cursor_(&cursor) {}
    Statement(Statement&& other) noexcept : cursor_(std::exchange(other.cursor_, nullptr)) {}
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement& operator=(Statement&&) = delete;
    ~Statement() {
        if (cursor_) cursor_->reset();
    }

    Statement& bind_int(int index, std::int64_t value) {
        cursor_->bind_int(index, value);
        return *this;
    }
    Statement& bind_text(int index, std::string_view text) {
        cursor_->bind_text(index, text);
        return *this;
    }
    Statement& bind_blob(int index, std::span<const std::uint8_t> bytes) {
        cursor_->bind_blob(index, bytes);
        return *this;
    }
    Statement& bind_null(int index) {
        cursor_->bind_null(index);
        return *this;
    }
    Statement& bind_optional(int index, const std::optional<std::int64_t>& value) {
        return value ? bind_int(index, *value) : bind_null(index);
    }

    Result<bool> step() { return cursor_->step(); }
    // Run to completion (statements without rows).
    Result<void> run() {
        for (;;) {
            auto row = step();
            if (!row) return row.error();
            if (!row.value()) return {};
        }
    }

    int columns() const { return cursor_->columns(); }
    ColumnType type(int column) const { return cursor_->type(column); }
    bool is_null(int column) const { return type(column) == ColumnType::null; }
    std::int64_t integer(int column) const { return cursor_->integer(column); }
    std::string text(int column) const { return cursor_->text(column); }
    std::span<const std::uint8_t> blob(int column) const { return cursor_->blob(column); }

private:
    Cursor* cursor_;
};

// What a transaction may touch, hence what it waits for. On SQLite every
// write is BEGIN IMMEDIATE (one writer in the whole file); on PostgreSQL
// writes take the store lock, shared or exclusive, and a login write also the
// lock of its login (engine/store/postgresql/connection.cpp says why that is
// enough). store_impl.hpp's write(), write_for(login) and append() open them.
enum class Access {
    read,     // a consistent snapshot; waits for no writer
    append,   // inserts rows that no write reads (the audit): beside every
              // write but an administrative one
    login,    // the rows of one login: its users row, the key assigned to it,
              // its offline values; beside other logins' writes, one at a
              // time per login
    write,    // administrative (lifecycle acts, imports, schema): alone, no
              // other write runs until it ends, and it sees every commit before
    migrate,  // a write that also shuts out every reader of the schema version
};

class Connection {
public:
    virtual ~Connection() = default;

    // What error messages call this store: the file, or the URI without
    // anything secret.
    virtual const std::string& name() const = 0;

    // `login`: the login of an Access::login transaction ("" for the others;
    // SQLite ignores it).
    virtual Result<void> begin(Access access, std::string_view login) = 0;
    virtual Result<void> commit() = 0;
    virtual void rollback() noexcept = 0;
    // Statements with ?N placeholders, prepared once per connection.
    virtual Result<Statement> prepare(const char* sql) = 0;
    // Statements without parameters or rows (schema scripts).
    virtual Result<void> exec(std::string_view sql) = 0;
    // Rows changed by the last INSERT, UPDATE or DELETE.
    virtual std::int64_t changes() const = 0;

    // ---- the schema (engine/store/schema.hpp drives these) ----
    // 0: no okey schema in this database.
    virtual Result<int> schema_version() = 0;
    virtual Result<void> set_schema_version(int version) = 0;
    // migrations()[i] takes the schema from version i to i + 1.
    virtual std::span<const char* const> migrations() const = 0;
    // Run after the migrations, in their transaction (e.g. grants).
    virtual Result<void> after_migrations() { return {}; }
    // Whether the database holds anything at all (refused by a new store).
    virtual Result<bool> is_empty() = 0;

    // ---- administration (okeyctl, DESIGN.md §12) ----
    // After a commit that deleted rows: make their bytes unrecoverable from
    // the database's files as far as this backend can, and say, for the
    // administrator, what was done and what may remain.
    virtual Result<std::string> scrub_deleted() = 0;
    // The backend's own check of the database's structure: "" when sound,
    // otherwise what it found.
    virtual Result<std::string> integrity_problems() = 0;
    // A consistent copy of the whole database in a new file (0600, never over
    // an existing one), taken while logins go on; refused by a backend whose
    // server has its own tools for that (PostgreSQL: pg_dump).
    virtual Result<void> backup_to(const std::string& file) = 0;
};

}  // namespace okey::store
