// SPDX-License-Identifier: Apache-2.0
// tests/engine/test_parallel_logins.cpp — 20 processes released at the same
// instant run the whole login (engine, run_login) against one key and one
// login, on the backend of this run: with PostgreSQL they stand for 20
// clients (okeyd nodes, okeyctl check) sharing one database. The same
// passcode succeeds exactly once; 20 parallel guesses are all counted (and
// with the default lockout they lock the login, however they interleave).
#include "harness.hpp"

#include <algorithm>
#include <functional>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace okey;
using namespace okey::test;

namespace {

constexpr int processes = 20;

// Fork the children, let each reach the gate, release them together; each
// runs `login(i)` and exits with its outcome. Returns the outcomes.
std::vector<LoginOutcome> all_at_once(const std::function<LoginResult(int)>& login) {
    int gate[2];
    int ready[2];
    assert_int_equal(pipe(gate), 0);
    assert_int_equal(pipe(ready), 0);
    std::vector<pid_t> children;
    for (int i = 0; i < processes; ++i) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(gate[1]);
            char go = 0;
            if (write(ready[1], "r", 1) != 1 || read(gate[0], &go, 1) != 0) _exit(100);
            // _exit: the parent's world (its database) is not the child's to drop.
            _exit(static_cast<int>(login(i).outcome));
        }
        children.push_back(pid);
    }
    for (int i = 0; i < processes; ++i) {
        char up = 0;
        assert_int_equal(read(ready[0], &up, 1), 1);
    }
    close(gate[1]);  // every child reads end-of-file at once
    close(gate[0]);
    close(ready[0]);
    close(ready[1]);
    std::vector<LoginOutcome> outcomes;
    for (pid_t pid : children) {
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_true(WEXITSTATUS(status) < 100);
        outcomes.push_back(static_cast<LoginOutcome>(WEXITSTATUS(status)));
    }
    return outcomes;
}

long count(const std::vector<LoginOutcome>& outcomes, LoginOutcome outcome) {
    return std::count(outcomes.begin(), outcomes.end(), outcome);
}

// Fail, saying how the logins ended, unless `outcome` came `expected` times.
void expect_count(const std::vector<LoginOutcome>& outcomes, LoginOutcome outcome, long expected) {
    if (count(outcomes, outcome) == expected) return;
    std::string seen;
    for (LoginOutcome o : outcomes) seen += std::string(to_string(o)) + " ";
    fail_msg("expected %ld × %s, got: %s", expected, std::string(to_string(outcome)).c_str(),
             seen.c_str());
}

void same_passcode_succeeds_once(void** state) {
    World& w = world(state);
    const std::string passcode = the_pin + w.code();
    const auto outcomes = all_at_once([&](int) {
        w.answer(passcode);
        return w.login();
    });
    expect_count(outcomes, LoginOutcome::success, 1);
    expect_count(outcomes, LoginOutcome::refused, processes - 1);
    // One audit row per login; exactly one success among them.
    const auto rows = w.login_audit();
    assert_int_equal(rows.size(), processes);
    assert_int_equal(std::count_if(rows.begin(), rows.end(),
                                   [](const AuditEntry& e) { return e.outcome == "success"; }),
                     1);
    assert_int_equal(*w.token().last_step, w.step_now());
}

void every_parallel_guess_counts(void** state) {
    World& w = world(state);
    w.config.lockout.max_failures = 1000;  // no lock: every guess must be charged
    const auto outcomes = all_at_once([&](int i) {
        w.answer(std::to_string(1000 + i) + w.code(40));
        return w.login();
    });
    expect_count(outcomes, LoginOutcome::refused, processes);
    assert_int_equal(w.user().failures, processes);
    assert_int_equal(w.login_audit().size(), processes);
}

void parallel_guesses_lock_the_login(void** state) {
    World& w = world(state);
    const auto outcomes = all_at_once([&](int i) {
        w.answer(std::to_string(1000 + i) + w.code(40));
        return w.login();
    });
    expect_count(outcomes, LoginOutcome::refused, processes);
    const UserRecord user = w.user();
    assert_int_equal(user.failures, w.config.lockout.max_failures);
    assert_true(user.locked_until > w.clock.time);
    // Locked: the right passcode is told so, and does not get in.
    w.answer(the_pin + w.code());
    assert_int_equal(static_cast<int>(w.login().outcome), static_cast<int>(LoginOutcome::locked));
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(same_passcode_succeeds_once, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(every_parallel_guess_counts, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(parallel_guesses_lock_the_login, setup_world_with_pin,
                                        teardown_world),
    };
    std::printf("store backend: %s\n", backend_name());
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
