// SPDX-License-Identifier: Apache-2.0
// engine/file_trust.hpp — the rule every file the module reads or writes must
// pass (DESIGN.md §3): not a symlink, one hard link, a regular file (or a
// directory where one is expected), owned by the trusted owner (root, or the
// invoking user for a test store), not writable by group or others, and for
// secrets (key file, store) not readable by them either — except a root-owned
// secret readable by the group an unprivileged service runs as (okeyd's key
// file root:okeyd 0440, docs/SECURITY.md). Refusals name the
// file and the reason, e.g. "/etc/okey/seed.key: refused: readable by others".
#pragma once

#include "engine/result.hpp"

#include <string>

namespace okey {

enum class FileRole {
    config,     // may be world-readable; never group/world-writable
    secret,     // key file, store database: no access for group/others (but see above)
    directory,  // the folder holding a secret: no write for group/others
};

// Check a path without following symlinks (lstat) against the rules.
Result<void> check_trusted_path(const std::string& path, FileRole role, unsigned owner);

// Open a regular file read-only with O_NOFOLLOW, check the opened descriptor
// (fstat) against the rules and return the whole content. Files over
// `max_bytes` are refused. The caller wipes the content if it is secret.
Result<std::string> read_trusted_file(const std::string& path, FileRole role, unsigned owner,
                                      std::size_t max_bytes);

// The folder holding `path` ("." for a bare name).
std::string parent_directory(const std::string& path);
// Create a directory 0700 unless it exists; either way it must then pass
// the rules for a directory holding secrets.
Result<void> ensure_trusted_directory(const std::string& dir, unsigned owner);

}  // namespace okey
