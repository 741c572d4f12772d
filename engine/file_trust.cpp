// SPDX-License-Identifier: Apache-2.0
// engine/file_trust.cpp — the file-trust rules (DESIGN.md §3): what makes a
// config, a secret or the folder holding a secret safe to use. Paths are
// examined without following symlinks, and a file is read only through a
// descriptor that passed the same checks, so a swap between check and use
// cannot smuggle another file in.
#include "engine/file_trust.hpp"
#include "engine/trusted_module.h"

#include <okey/otp.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace okey {
namespace {

Error refused(const std::string& path, const std::string& why) {
    return make_error(Errc::unsafe_file, path + ": refused: " + why);
}

Error system_error(const std::string& path, const char* doing, int err) {
    if (err == ENOENT) return make_error(Errc::not_found, path + ": not found");
    if (err == ELOOP) return refused(path, "is a symbolic link");
    return make_error(Errc::io, path + ": cannot " + doing + ": " + std::strerror(err));
}

// A secret owned by root may be read by the group of an unprivileged service
// that runs with it as its own group (okeyd: root:okeyd 0440), and by no
// other: never the root group, never a group a root process merely belongs to.
bool readable_by_own_group(const struct stat& st, unsigned owner) {
    return owner == 0 && ::geteuid() != 0 && st.st_gid != 0 && st.st_gid == ::getegid();
}

// The rules, applied to what lstat() or fstat() saw: those common to every
// file okey trusts (engine/trusted_module.h, shared with the loader of okey's
// modules), then a secret's.
Result<void> check_stat(const std::string& path, const struct stat& st, FileRole role,
                        unsigned owner) {
    std::string why(path.size() + 128, '\0');
    if (okey_check_trusted_stat(path.c_str(), &st, role == FileRole::directory, owner, why.data(),
                                why.size()) != 0)
        return make_error(Errc::unsafe_file, why.c_str());
    if (role == FileRole::secret) {
        if (st.st_mode & S_IROTH) return refused(path, "readable by others");
        if ((st.st_mode & S_IRGRP) && !readable_by_own_group(st, owner))
            return refused(path, "readable by group");
    }
    return {};
}

}  // namespace

Result<void> check_trusted_path(const std::string& path, FileRole role, unsigned owner) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return system_error(path, "examine", errno);
    return check_stat(path, st, role, owner);
}

Result<std::string> read_trusted_file(const std::string& path, FileRole role, unsigned owner,
                                      std::size_t max_bytes) {
    if (role == FileRole::directory)
        return make_error(Errc::internal, path + ": cannot read a directory as a file");
    // Refuse a FIFO or device before opening it: opening can have effects.
    if (auto checked = check_trusted_path(path, role, owner); !checked) return checked.error();

    // O_NONBLOCK: should a FIFO appear after the check, opening it never blocks.
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return system_error(path, "open", errno);
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};

    struct stat st {};
    if (::fstat(fd, &st) != 0) return system_error(path, "examine", errno);
    if (auto checked = check_stat(path, st, role, owner); !checked) return checked.error();
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
        return make_error(Errc::invalid_argument,
                          path + ": refused: larger than " + std::to_string(max_bytes) + " bytes");

    // Size the buffer once (no reallocation leaving copies of a secret
    // behind); one byte more tells a file that grew since fstat().
    std::string content(static_cast<std::size_t>(st.st_size) + 1, '\0');
    std::size_t have = 0;
    while (have < content.size()) {
        ssize_t n = ::read(fd, content.data() + have, content.size() - have);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            okey_otp_wipe(content.data(), content.size());
            return system_error(path, "read", err);
        }
        if (n == 0) break;
        have += static_cast<std::size_t>(n);
    }
    if (have > static_cast<std::size_t>(st.st_size)) {
        okey_otp_wipe(content.data(), content.size());
        return make_error(Errc::io, path + ": changed while being read");
    }
    content.resize(have);
    return content;
}

std::string parent_directory(const std::string& path) {
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

Result<void> ensure_trusted_directory(const std::string& dir, unsigned owner) {
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) {
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
            return make_error(Errc::io, dir + ": cannot create: " + std::strerror(errno));
        if (::chmod(dir.c_str(), 0700) != 0)
            return make_error(Errc::io, dir + ": cannot set mode: " + std::strerror(errno));
    }
    return check_trusted_path(dir, FileRole::directory, owner);
}

}  // namespace okey
