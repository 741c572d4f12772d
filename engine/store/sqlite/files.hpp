// SPDX-License-Identifier: Apache-2.0
// engine/store/sqlite/files.hpp — a SQLite store's files on disk: the trust
// checks before every open (the store, its folder, its -wal and -shm), the
// open itself, and putting a checked backup in the store's place (restore).
#pragma once

#include "engine/store/sqlite/connection.hpp"
#include "engine/store/store.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace okey::store::sqlite {

bool exists(const std::string& path);

// The store file, its folder and its -wal / -shm files pass the file-trust
// rules (engine/file_trust.hpp) for `owner`; a missing store says how to get
// one back.
Result<void> check_store_files(const std::string& path, unsigned owner);

// An existing store after those checks: an okey schema in it, the safe
// settings of every connection applied.
Result<std::unique_ptr<SqliteConnection>> open_store_file(const StoreOptions& options);

// A backup file copied byte for byte into a private file (0600) in the
// store's folder, to be checked and then put in place: the file given is
// never written to, and what is checked is exactly what is put in place.
class StagedRestore {
public:
    static Result<StagedRestore> stage(const std::string& file, const StoreOptions& options);
    StagedRestore(StagedRestore&& other) noexcept;
    StagedRestore& operator=(StagedRestore&&) = delete;
    ~StagedRestore();  // removes the private copy unless it was put in place

    // The copy, opened for the checks (closed by put_in_place).
    SqliteConnection& database() { return *db_; }
    // Replace the store with the copy. A store that opens keeps running: it
    // is first copied aside (online backup API) to a dated file, then its
    // content is replaced by the copy's under SQLite's own locks, atomically
    // for every other connection. A missing or unusable store (and its -wal
    // and -shm) is renamed aside, and the copy renamed into its place.
    // Returns the file the old store was kept in ("" when there was none).
    Result<std::string> put_in_place(std::int64_t now);

private:
    StagedRestore(StoreOptions options, std::string path, std::unique_ptr<SqliteConnection> db)
        : options_(std::move(options)), path_(std::move(path)), db_(std::move(db)) {}
    StoreOptions options_;
    std::string path_;  // the private copy; "" once put in place
    std::unique_ptr<SqliteConnection> db_;
};

}  // namespace okey::store::sqlite
