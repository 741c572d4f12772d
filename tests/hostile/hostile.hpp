// SPDX-License-Identifier: Apache-2.0
// tests/hostile/hostile.hpp — what the hostile suites add to the PAM-stack
// harness (tests/pam/harness.hpp): a login run in a child process with a
// deadline (a module that hangs on a FIFO or a lock is a failure, not a stuck
// suite), conversations that misbehave, and looks into the store's SQLite file
// from outside (integrity, raw counters, a held write lock, checksums).
#pragma once

#include "tests/pam/harness.hpp"

#include <security/pam_appl.h>

#include <functional>
#include <string>

struct sqlite3;

namespace okey::hostile {

// What a login run in a child process gave.
struct ChildLogin {
    int pam_code = -1;        // the PAM code; -1 when the child did not report one
    int signal = 0;           // the signal that ended the child, 0 when none
    bool timed_out = false;   // still running at the deadline (then killed)
    std::string log;          // what the module logged (pam_wrapper's syslog on stderr)
};

// Run `login` (which returns a PAM code) in a forked child, capturing the
// module's log. `on_started(pid)` runs in the parent right after the fork
// (e.g. to kill the child at a chosen moment).
ChildLogin run_in_child(const std::function<int()>& login, int deadline_seconds = 20,
                        const std::function<void(pid_t)>& on_started = {});

// pam_start + pam_authenticate with a raw conversation function.
int authenticate_raw(const std::string& service, const std::string& login,
                     int (*conversation)(int, const struct pam_message**, struct pam_response**,
                                         void*),
                     void* data);

// ---- the store's file, seen from outside the module ----
class Database {
public:
    explicit Database(const std::string& path);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    // "ok" when SQLite finds the file sound, else its first complaint.
    std::string integrity();
    // users.failures of a login (-1 when absent).
    long long failures(const std::string& login);
    // Take (and keep) the write lock, as a slow writer would.
    void begin_immediate();
    void rollback();

private:
    sqlite3* db_ = nullptr;
};

// SHA-256 of a file's bytes, hex ("missing" when it cannot be read; a FIFO is
// never opened).
std::string checksum(const std::string& path);

// Every byte of `text` absent from `log`? Short inputs are checked as they
// are; long ones by every 16-byte window of them (a log line may quote a part).
bool log_free_of(const std::string& log, const std::string& text);

}  // namespace okey::hostile
