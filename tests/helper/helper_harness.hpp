// SPDX-License-Identifier: Apache-2.0
// tests/helper/helper_harness.hpp — what the okey-check suites share. Tests run
// as root (here and in CI); the caller is the unprivileged `nobody`, as a
// screen locker runs as its user:
//  - a World: a private folder with a root-owned setuid copy of okey-check-test
//    (the helper with test hooks), a store, a config, pam_wrapper services
//    naming pam_okey_test.so, and the OKEY_TEST_* variables that point both at
//    them (helper/settings.cpp, pam/helper_call.cpp);
//  - login_as(): pam_authenticate through the real libpam (pam_wrapper) in a
//    child that became the caller;
//  - start_helper(): okey-check started directly by a hostile caller, who
//    chooses its arguments, descriptors, environment, limits and speaks (or
//    not) the relay's frames on the other end of a socket.
#pragma once

#include "engine/login.hpp"
#include "engine/relay.hpp"
#include "tests/pam/harness.hpp"

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace okey::helpertest {

struct Caller {
    uid_t uid;
    gid_t gid;
    std::string login;
};
// The unprivileged caller of every test: `nobody`, from NSS.
Caller nobody();

class World {
public:
    World();
    World(const World&) = delete;
    World& operator=(const World&) = delete;
    // okey.conf for the store, cheap Argon2, `extra` appended.
    void write_config(const std::string& extra = "") const;
    // What okey-check logged (OKEY_TEST_LOG_FILE).
    std::string helper_log() const;
    // A root-owned setuid copy of `built` (a built okey-check) in the world.
    std::string setuid_copy(const std::string& built, const std::string& name) const;

    test::TempDir dir;
    test::StoreFixture store{dir.path()};
    const std::string helper;       // the setuid copy of okey-check-test
    const std::string config_path;  // under OKEY_TEST_CONFIG_DIR
    const std::string run_dir;
    const std::string log_path;
    test::Services services{dir / "services"};
};

// A PAM line for pam_okey_test.so with `arguments` (config= added first).
std::string okey_line(const World& world, const std::string& arguments = "");
std::string test_module_path();

struct LoginReport {
    int code = -1;  // the PAM code; -1 when the child gave none
    std::vector<test::Message> messages;
    std::string module_log;  // pam_syslog lines of the module
    std::vector<std::string> prompts() const;
    bool has(int style, const std::string& text) const;
};

// pam_authenticate(service, login) in a child that became `caller`.
LoginReport login_as(const Caller& caller, const std::string& service, const std::string& login,
                     test::Conversation conversation);

// ---- okey-check run directly ----
struct Start {
    std::vector<std::string> arguments;    // after argv[0]
    std::vector<std::string> environment;  // the whole environment
    // In the child, after the socket is on 0 and 1 and before it becomes the
    // caller and execs (limits, umask, descriptors…).
    std::function<void()> prepare;
    bool stderr_to_null = true;  // else stderr stays the test's
};

struct Helper {
    pid_t pid = -1;
    int fd = -1;  // our end of the socket on its descriptors 0 and 1
};

// Start `program` (default: the world's okey-check) as `caller`.
Helper start_helper(const World& world, const Caller& caller, const Start& start,
                    const std::string& program = "");

struct Exit {
    std::optional<LoginOutcome> outcome;  // from the exit status
    int status = -1;                      // the raw exit status, -1 when killed
    int signal = 0;
    bool timed_out = false;
};
// Close our end (unless `keep_open`: the helper must stop by itself), then
// wait at most `seconds` for the exit (killed after).
Exit finish(Helper& helper, int seconds = 20, bool keep_open = false);

// Frames of engine/relay.hpp, written and read by hand.
void send_frame(int fd, char type, const std::string& payload);
void send_raw(int fd, const std::string& bytes);
// The next frame within `seconds`; nullopt when the helper closed or was silent.
struct Frame {
    char type;
    std::string text;
};
std::optional<Frame> read_frame(int fd, int seconds = 20);

// The first exchange of a login: no first pass, then the first question.
std::optional<Frame> open_login(const Helper& helper);

// What a refusal must leave as it was: the login's and its key's records
// and the number of audit rows.
struct Snapshot {
    UserRecord user;
    TokenRecord token;
    std::size_t audit_rows = 0;
    bool same_records(const Snapshot& other) const;
};
Snapshot snapshot(const World& world, const std::string& login, const std::string& serial);
// Checksums of the store's files (database, -wal, -shm): untouched means equal.
std::string store_files(const World& world);

}  // namespace okey::helpertest
