// SPDX-License-Identifier: Apache-2.0
// engine/store/sqlite/connection.cpp — see connection.hpp.
#include "engine/store/sqlite/connection.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace okey::store::sqlite {

void SqliteCursor::bind_int(int index, std::int64_t value) {
    keep(sqlite3_bind_int64(stmt_, index, value));
}

void SqliteCursor::bind_text(int index, std::string_view text) {
    keep(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                             SQLITE_UTF8));
}

void SqliteCursor::bind_blob(int index, std::span<const std::uint8_t> bytes) {
    // A zero-length blob must still be a blob, not NULL.
    static const std::uint8_t empty = 0;
    keep(sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &empty : bytes.data(), bytes.size(),
                             SQLITE_TRANSIENT));
}

void SqliteCursor::bind_null(int index) { keep(sqlite3_bind_null(stmt_, index)); }

Result<bool> SqliteCursor::step() {
    if (bind_error_ != SQLITE_OK) return db_.error(bind_error_, "bind");
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return db_.error(rc, "step");
}

ColumnType SqliteCursor::type(int column) const {
    switch (sqlite3_column_type(stmt_, column)) {
    case SQLITE_NULL: return ColumnType::null;
    case SQLITE_INTEGER: return ColumnType::integer;
    case SQLITE_BLOB: return ColumnType::blob;
    default: return ColumnType::text;
    }
}

std::int64_t SqliteCursor::integer(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

std::string SqliteCursor::text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    int n = sqlite3_column_bytes(stmt_, column);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
             : std::string();
}

std::span<const std::uint8_t> SqliteCursor::blob(int column) const {
    const void* p = sqlite3_column_blob(stmt_, column);
    int n = sqlite3_column_bytes(stmt_, column);
    if (!p) return {};
    return {static_cast<const std::uint8_t*>(p), static_cast<std::size_t>(n)};
}

void SqliteCursor::reset() noexcept {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_error_ = SQLITE_OK;
}

SqliteConnection::~SqliteConnection() {
    cache_.clear();  // statements first: the connection closes after them
    if (db_) sqlite3_close_v2(db_);
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::open(const std::string& path,
                                                                 int busy_timeout_ms) {
    std::unique_ptr<SqliteConnection> db(new SqliteConnection(path));
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE;
    int rc = sqlite3_open_v2(path.c_str(), &db->db_, flags, nullptr);
    if (rc != SQLITE_OK) return db->error(rc, "open");
    sqlite3_busy_timeout(db->db_, busy_timeout_ms);
    return db;
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::create(const std::string& path,
                                                                   int busy_timeout_ms) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return make_error(Errc::already_exists, path + ": already exists: not overwritten");
        return make_error(Errc::io, path + ": cannot create: " + std::strerror(errno));
    }
    // The mode given to open() is masked by the umask; set it exactly.
    bool ok = ::fchmod(fd, 0600) == 0;
    int err = errno;
    ::close(fd);
    if (!ok) {
        ::unlink(path.c_str());
        return make_error(Errc::io, path + ": cannot set mode: " + std::strerror(err));
    }
    return open(path, busy_timeout_ms);
}

// Foreign keys, deleted data zeroed, every commit durable (a lost last step
// would let a code be replayed), no SQL functions run from the schema.
Result<void> SqliteConnection::configure() {
    return exec(
        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; "
        "PRAGMA synchronous = FULL; PRAGMA trusted_schema = OFF;");
}

Result<void> SqliteConnection::begin(Access access, std::string_view /*login*/) {
    // IMMEDIATE takes the file's one write lock at once, whatever the write
    // (login, append or administrative): two writers never both read the old
    // last step. A read is a snapshot under WAL.
    return exec(access == Access::read ? "BEGIN" : "BEGIN IMMEDIATE");
}

void SqliteConnection::rollback() noexcept {
    if (!sqlite3_get_autocommit(db_)) (void)exec("ROLLBACK");
}

Result<void> SqliteConnection::exec(std::string_view sql) {
    std::string text(sql);
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return error(rc, "exec");
    return {};
}

Result<Statement> SqliteConnection::prepare(const char* sql) {
    auto found = cache_.find(std::string_view(sql));
    if (found != cache_.end()) return Statement(*found->second);
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return error(rc, "prepare");
    auto cursor = std::make_unique<SqliteCursor>(*this, stmt);
    Cursor& ref = *cursor;
    cache_.emplace(sql, std::move(cursor));
    return Statement(ref);
}

Result<int> SqliteConnection::schema_version() {
    auto stmt = prepare("PRAGMA user_version");
    if (!stmt) return stmt.error();
    auto row = stmt->step();
    if (!row) return row.error();
    return static_cast<int>(stmt->integer(0));
}

Result<void> SqliteConnection::set_schema_version(int version) {
    return exec("PRAGMA user_version = " + std::to_string(version));
}

Result<bool> SqliteConnection::is_empty() {
    auto stmt = prepare("SELECT count(*) FROM sqlite_master");
    if (!stmt) return stmt.error();
    auto row = stmt->step();
    if (!row) return row.error();
    return stmt->integer(0) == 0;
}

// secure_delete has zeroed the deleted rows in the pages written; those pages
// reach the database file at a checkpoint, and the WAL that still holds the
// old ones is truncated to nothing.
Result<std::string> SqliteConnection::scrub_deleted() {
    int log_frames = 0, checkpointed = 0;
    int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log_frames,
                                       &checkpointed);
    if (rc == SQLITE_OK)
        return std::string("overwritten with zeros in the store file (secure_delete); the "
                           "write-ahead log emptied");
    if ((rc & 0xff) == SQLITE_BUSY)
        return std::string("overwritten with zeros in the store file (secure_delete) at the next "
                           "checkpoint: a login was reading the store, so the write-ahead log "
                           "still holds the old page until then");
    return error(rc, "checkpoint");
}

Result<std::string> SqliteConnection::integrity_problems() {
    std::string problems;
    for (const char* pragma : {"PRAGMA integrity_check", "PRAGMA foreign_key_check"}) {
        auto stmt = prepare(pragma);
        if (!stmt) return stmt.error();
        for (;;) {
            auto row = stmt->step();
            if (!row) return row.error();
            if (!row.value()) break;
            std::string line;
            for (int c = 0; c < stmt->columns(); ++c)
                line += (c ? " " : "") + stmt->text(c);
            if (line == "ok") continue;
            if (!problems.empty()) problems += "; ";
            problems += line;
        }
    }
    return problems;
}

Result<void> SqliteConnection::copy_into(SqliteConnection& to) {
    sqlite3_backup* backup = sqlite3_backup_init(to.db_, "main", db_, "main");
    if (!backup) return to.error(sqlite3_errcode(to.db_), "backup");
    // All pages in one step: one read transaction, one consistent snapshot.
    // A writer holding the lock at that instant only delays it.
    int rc = SQLITE_OK;
    for (int attempt = 0; attempt < 200; ++attempt) {
        rc = sqlite3_backup_step(backup, -1);
        if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    const int finished = sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE) return error(rc, "backup to " + to.path_);
    if (finished != SQLITE_OK) return to.error(finished, "backup");
    return {};
}

Result<void> SqliteConnection::backup_to(const std::string& file) {
    auto copy = create(file, 5000);
    if (!copy) return copy.error();
    auto done = copy_into(*copy.value());
    // One self-contained file: no -wal beside it to forget when it is moved.
    if (done) done = copy.value()->single_file();
    copy.value().reset();
    if (!done) {
        ::unlink(file.c_str());
        return done;
    }
    int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    const bool synced = fd >= 0 && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!synced) return make_error(Errc::io, file + ": cannot sync: " + std::strerror(errno));
    return {};
}

Result<void> SqliteConnection::single_file() {
    auto stmt = prepare("PRAGMA journal_mode = DELETE");
    if (!stmt) return stmt.error();
    auto row = stmt->step();
    if (!row) return row.error();
    if (!row.value() || stmt->text(0) != "delete")
        return make_error(Errc::io, path_ + ": cannot leave WAL mode");
    return {};
}

Error SqliteConnection::error(int rc, std::string_view doing) const {
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
    default: return make_error(Errc::io, message);
    }
}

}  // namespace okey::store::sqlite
