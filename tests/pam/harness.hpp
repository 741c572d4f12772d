// SPDX-License-Identifier: Apache-2.0
// tests/pam/harness.hpp — what the PAM-stack suites share: a temporary folder,
// service files for pam_wrapper naming the built module by absolute path, a
// scripted conversation that records every message, a store fixture made
// through the engine, and the codes a key shows (libotp, from known secrets).
#pragma once

#include "engine/store/store.hpp"

#include <okey/otp.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace okey::test {

// The module trusts only files owned by root. Run as another user, a test
// program re-executes itself in a user namespace where it is root
// (`unshare --map-root-user`), so the files it writes are owned by "root".
// Call first in main().
void run_as_root(int argc, char** argv);

// A private folder under /tmp (0700), removed with everything in it.
class TempDir {
public:
    // Under `base` (default /tmp).
    explicit TempDir(const std::string& base = "/tmp");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

void write_file(const std::string& path, const std::string& content, unsigned mode);
std::string read_file(const std::string& path);

// The service files pam_wrapper reads. They are copied at the first
// pam_start(): add every service first, then activate().
class Services {
public:
    explicit Services(std::string dir);
    // One auth line for pam_okey.so with `arguments`, preceded by `before`
    // lines (e.g. a module setting PAM_AUTHTOK).
    void add_okey(const std::string& service, const std::string& arguments,
                  const std::vector<std::string>& before = {});
    void add_raw(const std::string& service, const std::string& content);
    // Writes `other` (deny everything) and points PAM_WRAPPER_SERVICE_DIR here.
    void activate();
    const std::string& dir() const { return dir_; }

private:
    std::string dir_;
};

// A fixture step that must work (aborts the test program otherwise).
[[noreturn]] void die(const std::string& what);
template <class T>
T must(Result<T> result, const std::string& what) {
    if (!result) die(what + ": " + result.error().message);
    return std::move(result).value();
}
inline void must(Result<void> result, const std::string& what) {
    if (!result) die(what + ": " + result.error().message);
}
// An administrator's act now, with a comment.
Act act_now();

// The absolute path of the built module and of pam_wrapper's test modules.
std::string module_path();
std::string pam_set_items_path();

struct Message {
    int style;  // PAM_PROMPT_ECHO_OFF, PAM_PROMPT_ECHO_ON, PAM_TEXT_INFO, PAM_ERROR_MSG
    std::string text;
};

// Answers a question from `by_prompt[its text]` when that queue has one, else
// from `answers` in order; runs out → PAM_CONV_ERR (the application gave up).
struct Conversation {
    Conversation() = default;
    explicit Conversation(std::vector<std::string> in_order) : answers(std::move(in_order)) {}
    std::vector<std::string> answers;
    std::map<std::string, std::deque<std::string>> by_prompt;
    std::vector<Message> messages;
    std::size_t next = 0;
    std::vector<std::string> prompts() const;  // only the questions' texts
    bool has_message(int style, const std::string& text) const;
};

// pam_start(service, login) + pam_authenticate through libpamtest; the code.
int authenticate(const std::string& service, const std::string& login, Conversation& conversation);
// The same, running pam_setcred() after a successful pam_authenticate().
int authenticate_and_setcred(const std::string& service, const std::string& login,
                             Conversation& conversation);

// What the module logged (pam_wrapper writes pam_syslog lines to stderr)
// while `run` ran.
template <class F>
std::string capture_log(F&& run);
int begin_capture();
std::string end_capture(int saved);

template <class F>
std::string capture_log(F&& run) {
    const int saved = begin_capture();
    run();
    return end_capture(saved);
}

// ---- the store ----
struct KeyFixture {
    std::string serial;
    std::string secret_base32;
};

// A key's code at `step_offset` steps from now (30 s, SHA1, 6 digits).
std::string code_at(const std::string& secret_base32, std::int64_t step_offset);
std::uint64_t step_now();
// A key's code at exactly `step`.
std::string code_at_step(const std::string& secret_base32, std::uint64_t step);

// Store at dir/okey.db with key file dir/seed.key; the config text for it
// with cheap Argon2 parameters and `extra` appended.
class StoreFixture {
public:
    // create: initialise a new store; otherwise use the one already in dir.
    explicit StoreFixture(const std::string& dir, bool create = true);
    std::string config_text(const std::string& extra = "") const;
    Store open() const;
    // A new key in stock with a fresh secret; returns serial and secret.
    KeyFixture add_key(const std::string& serial, const std::string& expires = "");
    // Assign; the login is then in new-PIN mode.
    void assign(const std::string& serial, const std::string& login);
    // Assign and set the PIN as a finished new-PIN mode would, hashed at
    // `cost` (cheap by default; the timing bench wants the real one).
    KeyFixture ready_login(const std::string& login, const std::string& pin,
                           const std::string& expires = "",
                           const otp::Argon2Params& cost = {64, 1, 1});
    UserRecord user(const std::string& login) const;
    TokenRecord token(const std::string& serial) const;

    const std::string store_path;
    const std::string key_path;

private:
    int serial_counter_ = 0;
};

// What most PAM-stack test programs set up once: a private folder, a store
// in it, and pam_wrapper's service folder.
struct PamWorld {
    TempDir dir;
    StoreFixture store{dir.path()};
    Services services{dir / "services"};
};

// A staged roll-out's stack as service `name`: pam_okey with the store's config
// plus `extra_config`; PAM_IGNORE leaves the login to pam_permit (to pam_unix or
// pam_sss on a real host), any other answer of okey decides.
void add_rollout_service(PamWorld& world, const std::string& name, const std::string& extra_config);

}  // namespace okey::test
