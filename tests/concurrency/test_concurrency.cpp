// SPDX-License-Identifier: Apache-2.0
// tests/concurrency/test_concurrency.cpp — 20 processes released at the same
// instant, each running pam_start + pam_authenticate through pam_wrapper
// against one store: the same passcode succeeds exactly once; 20 wrong
// passcodes lock the login and no correct passcode gets in until the lock
// ends; 20 different logins all succeed (no spurious failure under contention).
#include "tests/pam/harness.hpp"

#include <security/pam_appl.h>

#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <memory>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern "C" {
#include <cmocka.h>
}

using namespace okey;
using namespace okey::test;

namespace {

constexpr int processes = 20;
const std::string pin = "2580";

using World = PamWorld;
World* world = nullptr;

// pam_wrapper 1.1.4 gives each process its own /tmp/pam.X folder, chosen with
// a check-then-mkdir and no retry: children setting it up at the same instant
// collide ("File exists") and fail their pam_start. So each child sets it up
// (a pam_start of the `other` service) and says so before the next is forked;
// only the logins themselves are released at once.
void set_up_pam_wrapper() {
    pam_conv conversation{[](int, const pam_message**, pam_response**, void*) { return PAM_CONV_ERR; },
                          nullptr};
    pam_handle_t* handle = nullptr;
    if (pam_start("other", "nobody", &conversation, &handle) == PAM_SUCCESS)
        pam_end(handle, PAM_SUCCESS);
}

// Fork `processes` children that block on a pipe until all exist, then run
// `login(i)` at once; returns each child's PAM code. Each child says it is set
// up on a pipe of its own, so one that dies first (pam_wrapper exit()s when
// it finds no free /tmp/pam.X) is an end of file here, not a wait forever.
std::vector<int> all_at_once(const std::function<int(int)>& login) {
    int gate[2];
    assert_int_equal(pipe(gate), 0);
    std::vector<pid_t> children;
    std::fflush(nullptr);  // nothing buffered gets printed twice
    for (int i = 0; i < processes; ++i) {
        int ready[2];
        assert_int_equal(pipe(ready), 0);
        const pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(gate[1]);
            close(ready[0]);
            set_up_pam_wrapper();
            const char up = 1;
            if (write(ready[1], &up, 1) != 1) std::_Exit(127);
            close(ready[1]);
            char byte;
            while (read(gate[0], &byte, 1) > 0) {
            }
            // exit(), not _exit(): pam_wrapper removes this process's /tmp/pam.X.
            std::exit(login(i) & 0x7f);
        }
        children.push_back(pid);
        close(ready[1]);
        char up = 0;
        const ssize_t got = read(ready[0], &up, 1);
        close(ready[0]);
        if (got != 1) std::fprintf(stderr, "child %d ended before it was set up\n", i);
        assert_int_equal(got, 1);
    }
    close(gate[0]);
    close(gate[1]);  // EOF: everyone goes
    std::vector<int> codes;
    for (pid_t pid : children) {
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        codes.push_back(WEXITSTATUS(status));
    }
    return codes;
}

// Counts the children that ended with `code`; prints them all when the
// count is not `expected`, so a failure says what the others got.
int count(const std::vector<int>& codes, int code, int expected) {
    int n = 0;
    for (int c : codes) n += c == code;
    if (n != expected) {
        std::fprintf(stderr, "children's PAM codes:");
        for (int c : codes) std::fprintf(stderr, " %d (%s)", c, pam_strerror(nullptr, c));
        std::fprintf(stderr, "\n");
    }
    return n;
}

void same_passcode_succeeds_once(void**) {
    const KeyFixture key = world->store.ready_login("same", pin);
    const std::string passcode = pin + code_at(key.secret_base32, 0);
    const auto codes = all_at_once([&](int) {
        Conversation c{{passcode}};
        return authenticate("okey-race", "same", c);
    });
    assert_int_equal(count(codes, PAM_SUCCESS, 1), 1);
    assert_int_equal(count(codes, PAM_AUTH_ERR, processes - 1), processes - 1);
}

void parallel_guesses_lock_the_login(void**) {
    const KeyFixture key = world->store.ready_login("guessed", pin);
    const auto codes = all_at_once([&](int i) {
        // A guesser without the key: wrong PIN and a code of a far step. (With
        // the key's code, one try after the lock would be told "locked".)
        Conversation c{{std::to_string(1000 + i) + code_at(key.secret_base32, 500)}};
        return authenticate("okey", "guessed", c);
    });
    assert_int_equal(count(codes, PAM_AUTH_ERR, processes), processes);
    const UserRecord user = world->store.user("guessed");
    assert_int_equal(user.failures, 5);
    assert_true(user.locked_until > static_cast<std::int64_t>(std::time(nullptr)));

    // Locked: a correct passcode does not get in.
    Conversation locked{{pin + code_at(key.secret_base32, 0)}};
    assert_int_equal(authenticate("okey", "guessed", locked), PAM_MAXTRIES);

    // Once the lock ends, a fresh code does.
    while (static_cast<std::int64_t>(std::time(nullptr)) <= world->store.user("guessed").locked_until)
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    Conversation after{{pin + code_at(key.secret_base32, 1)}};
    assert_int_equal(authenticate("okey", "guessed", after), PAM_SUCCESS);
}

void different_logins_all_succeed(void**) {
    std::vector<KeyFixture> keys;
    for (int i = 0; i < processes; ++i)
        keys.push_back(world->store.ready_login("crowd" + std::to_string(i), pin));
    const auto codes = all_at_once([&](int i) {
        Conversation c{{pin + code_at(keys[static_cast<std::size_t>(i)].secret_base32, 0)}};
        return authenticate("okey", "crowd" + std::to_string(i), c);
    });
    assert_int_equal(count(codes, PAM_SUCCESS, processes), processes);
}

}  // namespace

int main(int argc, char** argv) {
    run_as_root(argc, argv);
    auto owned = std::make_unique<World>();
    world = owned.get();
    write_file(world->dir / "okey.conf",
               world->store.config_text("lockout: { max_failures = 5; lock_seconds = 5; };\n"), 0644);
    world->services.add_okey("okey", "config=" + (world->dir / "okey.conf"));
    // Every try is charged as a failure before its slow work (engine/local/
    // passcode.cpp): 20 racing tries of one passcode would lock a login whose
    // limit is 5 before the first could finish, and a lock is not what this
    // race is about. A limit above the number of racers.
    write_file(world->dir / "okey-race.conf",
               world->store.config_text("lockout: { max_failures = " + std::to_string(processes + 1) +
                                        "; lock_seconds = 5; };\n"),
               0644);
    world->services.add_okey("okey-race", "config=" + (world->dir / "okey-race.conf"));
    world->services.activate();
    // pam_wrapper copies the service folder at a process's first pam_start:
    // do it once here, so the children do not all copy it at the same time.
    Conversation warm_up;
    (void)authenticate("other", "nobody", warm_up);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_passcode_succeeds_once),
        cmocka_unit_test(parallel_guesses_lock_the_login),
        cmocka_unit_test(different_logins_all_succeed),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
