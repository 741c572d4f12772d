// SPDX-License-Identifier: Apache-2.0
// engine/store/sqlite.cpp — SQLite connection, cached statements, error mapping.
#include "engine/store/sqlite.hpp"

#include <utility>

namespace okey::store {

Statement::~Statement() {
    if (!stmt_) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

Statement& Statement::bind_int(int index, std::int64_t value) {
    int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) bind_error_ = rc;
    return *this;
}

Statement& Statement::bind_text(int index, std::string_view text) {
    int rc = sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                 SQLITE_UTF8);
    if (rc != SQLITE_OK) bind_error_ = rc;
    return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> bytes) {
    // A zero-length blob must still be a blob, not NULL.
    static const std::uint8_t empty = 0;
    int rc = sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &empty : bytes.data(), bytes.size(),
                                 SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) bind_error_ = rc;
    return *this;
}

Statement& Statement::bind_null(int index) {
    int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) bind_error_ = rc;
    return *this;
}

Result<bool> Statement::step() {
    if (bind_error_ != SQLITE_OK) return db_->error(bind_error_, "bind");
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return db_->error(rc, "step");
}

Result<void> Statement::run() {
    for (;;) {
        auto row = step();
        if (!row) return row.error();
        if (!row.value()) return {};
    }
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

std::string Statement::text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    int n = sqlite3_column_bytes(stmt_, column);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
             : std::string();
}

std::span<const std::uint8_t> Statement::blob(int column) const {
    const void* p = sqlite3_column_blob(stmt_, column);
    int n = sqlite3_column_bytes(stmt_, column);
    if (!p) return {};
    return {static_cast<const std::uint8_t*>(p), static_cast<std::size_t>(n)};
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      path_(std::move(other.path_)),
      cache_(std::move(other.cache_)) {
    other.cache_.clear();
}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        close();
        db_ = std::exchange(other.db_, nullptr);
        path_ = std::move(other.path_);
        cache_ = std::move(other.cache_);
        other.cache_.clear();
    }
    return *this;
}

Database::~Database() { close(); }

void Database::close() noexcept {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    cache_.clear();
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
}

Result<Database> Database::open(const std::string& path, int busy_timeout_ms) {
    Database db;
    db.path_ = path;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE;
    int rc = sqlite3_open_v2(path.c_str(), &db.db_, flags, nullptr);
    if (rc != SQLITE_OK) return db.error(rc, "open");
    sqlite3_busy_timeout(db.db_, busy_timeout_ms);
    return db;
}

Result<void> Database::exec(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return error(rc, "exec");
    return {};
}

Result<Statement> Database::prepare(const char* sql) {
    auto found = cache_.find(std::string_view(sql));
    if (found != cache_.end()) return Statement(*this, found->second);
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return error(rc, "prepare");
    cache_.emplace(sql, stmt);
    return Statement(*this, stmt);
}

Error Database::error(int rc, std::string_view doing) const {
    std::string detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    std::string message = path_ + ": " + std::string(doing) + ": " + detail;
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return make_error(Errc::busy, message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return make_error(Errc::corrupt, message);
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
            return make_error(Errc::already_exists, message);
        return make_error(Errc::wrong_state, message);
    case SQLITE_CANTOPEN:
        return make_error(Errc::io, message);
    default: return make_error(Errc::io, message);
    }
}

}  // namespace okey::store
