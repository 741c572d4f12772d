// SPDX-License-Identifier: Apache-2.0
// engine/store/sqlite/backend.cpp — a SQLite store on disk (DESIGN.md §3):
// the file-trust checks before every open (store, its directory, its -wal
// and -shm files), and a new store's files created with exact modes.
#include "engine/store/backend.hpp"
#include "engine/store/schema.hpp"
#include "engine/store/secret_box.hpp"
#include "engine/store/sqlite/files.hpp"

#include "engine/file_trust.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace okey::store::sqlite {

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

Result<void> check_store_files(const std::string& path, unsigned owner) {
    if (auto dir = check_trusted_path(parent_directory(path), FileRole::directory, owner); !dir)
        return dir;
    if (auto file = check_trusted_path(path, FileRole::secret, owner); !file) {
        if (file.error().code == Errc::not_found)
            return make_error(Errc::not_found,
                              path + ": no store here (a lost store comes back with okeyctl "
                                     "restore, README \"Backup and recovery\"; a new one is made "
                                     "by okeyctl init)");
        return file;
    }
    for (const char* suffix : {"-wal", "-shm"}) {
        std::string side = path + suffix;
        // SQLite deletes these when the last connection closes: one that
        // vanishes between exists() and the check is no refusal.
        if (exists(side))
            if (auto file = check_trusted_path(side, FileRole::secret, owner);
                !file && file.error().code != Errc::not_found)
                return file;
    }
    return {};
}

Result<std::unique_ptr<SqliteConnection>> open_store_file(const StoreOptions& options) {
    const std::string& path = options.path;
    if (auto files = check_store_files(path, options.trusted_owner); !files) return files.error();
    // SQLite would take an emptied file for a new database and write to it.
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && st.st_size == 0)
        return make_error(Errc::corrupt,
                          path + ": empty: not an okey store (restore it from a backup)");
    auto db = SqliteConnection::open(path, options.busy_timeout_ms);
    if (!db) return db.error();
    // Checked before the settings below write to the file.
    if (auto schema = require_schema(*db.value()); !schema) return schema.error();
    if (auto set = db.value()->configure(); !set) return set.error();
    return db;
}

namespace {

class SqliteBackend final : public Backend {
public:
    Result<std::unique_ptr<Connection>> open(const StoreOptions& options) const override {
        auto db = open_store_file(options);
        if (!db) return db.error();
        return std::unique_ptr<Connection>(std::move(db.value()));
    }

    Result<NewStore> create(const StoreOptions& options,
                            std::string_view service_role) const override {
        const std::string& path = options.path;
        if (!service_role.empty())
            return make_error(Errc::invalid_argument,
                              path + ": a SQLite store has no database roles (the service role "
                                     "is for a PostgreSQL store)");
        if (exists(path))
            return make_error(Errc::already_exists, path + ": already exists: not overwritten");
        if (exists(options.key_file))
            return make_error(Errc::already_exists,
                              options.key_file + ": already exists: not overwritten (it may "
                                                 "seal a store's secrets: a lost store comes "
                                                 "back with okeyctl restore, README \"Backup and "
                                                 "recovery\")");
        if (auto dir = ensure_trusted_directory(parent_directory(path), options.trusted_owner); !dir)
            return dir.error();
        if (auto dir = ensure_trusted_directory(parent_directory(options.key_file), options.trusted_owner); !dir)
            return dir.error();
        if (auto key = create_key_file(options.key_file); !key) return key.error();
        auto undo = [path, key_file = options.key_file] {
            for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
            ::unlink(key_file.c_str());
        };
        auto fail = [&](const Error& e) -> Result<NewStore> {
            undo();
            return e;
        };
        auto db = SqliteConnection::create(path, options.busy_timeout_ms);
        if (!db) return fail(db.error());
        if (auto set = db.value()->configure(); !set) return fail(set.error());
        return NewStore{std::move(db.value()), undo};
    }
};

}  // namespace
}  // namespace okey::store::sqlite

namespace okey::store {

const Backend& sqlite_backend() {
    static const sqlite::SqliteBackend backend;
    return backend;
}

}  // namespace okey::store
