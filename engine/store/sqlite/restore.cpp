// SPDX-License-Identifier: Apache-2.0
// engine/store/sqlite/restore.cpp — a backup file put in a SQLite store's
// place (okeyctl restore, DESIGN.md §12): staged as a private copy beside the
// store, checked there by engine/store/backup.cpp, then put in place.
//
// Why not always one rename: a store in use has connections open on it, in
// WAL mode, with -wal and -shm files beside it that belong to the old file;
// renaming a new file under them would let them write into the file set
// aside, or apply the old -wal to the new one. The online backup API writes
// the copy into the live database under SQLite's own locks instead: every
// other connection sees the old store or the new one, never a mix, and the
// file keeps its owner and mode. A rename is used where no connection can be
// open: no store, or one that does not open.
#include "engine/store/sqlite/files.hpp"

#include "engine/calendar_date.hpp"
#include "engine/file_trust.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace okey::store::sqlite {
namespace {

Error io_error(const std::string& path, const char* doing) {
    return make_error(Errc::io, path + ": cannot " + doing + ": " + std::strerror(errno));
}

// Copy the bytes of `from` (a regular file, never through a link) into the
// open descriptor `to`, and make them durable.
Result<void> copy_bytes(const std::string& from, int to, const std::string& to_path) {
    int in = ::open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (in < 0) return io_error(from, "open");
    struct stat st {};
    if (::fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(in);
        return make_error(Errc::unsafe_file, from + ": refused: not a regular file");
    }
    char buffer[1 << 16];
    for (;;) {
        ssize_t n = ::read(in, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(in);
            return io_error(from, "read");
        }
        if (n == 0) break;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = ::write(to, buffer + done, static_cast<std::size_t>(n - done));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                ::close(in);
                return io_error(to_path, "write");
            }
            done += w;
        }
    }
    ::close(in);
    if (::fsync(to) != 0) return io_error(to_path, "sync");
    return {};
}

// The folder's entries (a rename) made durable.
void sync_directory(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)::fsync(fd);
    ::close(fd);
}

// "okey.db.before-restore-20261203T101500Z": sorts by date, never reused.
std::string aside_name(const std::string& store, std::int64_t now) {
    std::string stamp = format_utc_time(now);  // 2026-12-03T10:15:00Z
    std::string compact;
    for (char c : stamp)
        if (c != '-' && c != ':') compact.push_back(c);
    return store + ".before-restore-" + compact;
}

// Move a store that cannot be opened, with its -wal and -shm, aside.
Result<void> rename_aside(const std::string& store, const std::string& aside) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const std::string from = store + suffix, to = aside + suffix;
        if (!exists(from)) continue;
        if (exists(to)) return make_error(Errc::already_exists, to + ": already exists: not overwritten");
        if (::rename(from.c_str(), to.c_str()) != 0) return io_error(from, "move aside");
    }
    return {};
}

}  // namespace

Result<StagedRestore> StagedRestore::stage(const std::string& file, const StoreOptions& options) {
    // A backup holds PIN hashes and sealed secrets: kept like the store.
    if (auto trusted = check_trusted_path(file, FileRole::secret, options.trusted_owner); !trusted)
        return make_error(trusted.error().code,
                          trusted.error().message + " (a backup is kept like the store: " +
                              "owned by its administrator, mode 0600)");
    const std::string dir = parent_directory(options.path);
    if (auto made = ensure_trusted_directory(dir, options.trusted_owner); !made) return made.error();
    std::string name = dir + "/.okey-restore-XXXXXX";
    int fd = ::mkstemp(name.data());
    if (fd < 0) return io_error(dir, "create a file in");
    auto fail = [&](const Error& e) -> Result<StagedRestore> {
        ::close(fd);
        ::unlink(name.c_str());
        return e;
    };
    if (::fchmod(fd, 0600) != 0) return fail(io_error(name, "set the mode of"));
    if (auto copied = copy_bytes(file, fd, name); !copied) return fail(copied.error());
    ::close(fd);
    fd = -1;
    auto db = SqliteConnection::open(name, options.busy_timeout_ms);
    if (!db) {
        ::unlink(name.c_str());
        return make_error(db.error().code, file + ": not a SQLite database that opens (" +
                                               db.error().message + ")");
    }
    return StagedRestore(options, name, std::move(db.value()));
}

StagedRestore::StagedRestore(StagedRestore&& other) noexcept
    : options_(std::move(other.options_)),
      path_(std::exchange(other.path_, std::string())),
      db_(std::move(other.db_)) {}

StagedRestore::~StagedRestore() {
    db_.reset();
    if (!path_.empty())
        for (const char* suffix : {"", "-wal", "-shm", "-journal"})
            ::unlink((path_ + suffix).c_str());
}

Result<std::string> StagedRestore::put_in_place(std::int64_t now) {
    const std::string& store = options_.path;
    const std::string aside = aside_name(store, now);
    // The copy as one self-contained file, closed: nothing of it stays in a
    // -wal beside the private name.
    if (auto single = db_->single_file(); !single) return single.error();
    db_.reset();

    if (exists(store)) {
        auto live = open_store_file(options_);
        if (live) {
            auto kept = SqliteConnection::create(aside, options_.busy_timeout_ms);
            if (!kept) return kept.error();
            auto done = live.value()->copy_into(*kept.value());
            if (done) done = kept.value()->single_file();
            kept.value().reset();
            if (!done) {
                ::unlink(aside.c_str());
                return done.error();
            }
            auto copy = SqliteConnection::open(path_, options_.busy_timeout_ms);
            if (!copy) return copy.error();
            if (auto replaced = copy.value()->copy_into(*live.value()); !replaced)
                return make_error(replaced.error().code,
                                  replaced.error().message + " (the store is unchanged; its copy "
                                                             "is in " + aside + ")");
            return aside;
        }
        // Only a store that is damaged or refused stays out of use; one that
        // is busy, or on a failing disk, may be in use: nothing is moved.
        if (live.error().code != Errc::corrupt && live.error().code != Errc::unsafe_file)
            return live.error();
    }
    // No connection can be open on a store that does not open, nor on one
    // that is not there: what is left of it (-wal and -shm without their
    // store belong to no database) is moved aside, the copy renamed in.
    bool kept_aside = false;
    for (const char* suffix : {"", "-wal", "-shm"}) kept_aside = kept_aside || exists(store + suffix);
    if (kept_aside)
        if (auto moved = rename_aside(store, aside); !moved) return moved.error();
    if (::rename(path_.c_str(), store.c_str()) != 0) return io_error(store, "put in place");
    path_.clear();
    sync_directory(parent_directory(store));
    return kept_aside ? aside : std::string();
}

}  // namespace okey::store::sqlite
