// SPDX-License-Identifier: Apache-2.0
// tests/store/test_store_concurrency.cpp — 8 processes, then 8 threads of one
// process (one Store, one connection each, as okeyd's threads), hammer one
// key and one login at once: each tries steps drawn from one shared range and
// charges a failure after each try. Afterwards no step was accepted twice,
// the last step is the highest accepted, and every failure charged was
// counted.
#include "store_fixture.hpp"

#include <algorithm>
#include <functional>
#include <random>
#include <set>
#include <mutex>
#include <sys/wait.h>
#include <thread>
#include <vector>

namespace {

constexpr int processes = 8;
constexpr int rounds = 60;
constexpr std::uint64_t first_step = 1000;
constexpr std::uint64_t step_range = 200;
constexpr std::int64_t t0 = 1'700'000'000;

// One client's rounds on its own connection; the number of errors seen.
int hammer(const okey::StoreOptions& options, unsigned seed,
           const std::function<bool(std::uint64_t)>& accepted) {
    int errors = 0;
    auto store = okey::Store::open(options);
    if (!store) return 100;
    std::mt19937 random(seed);
    for (int i = 0; i < rounds; ++i) {
        okey::StepAcceptance a;
        a.login = "jdupont";
        a.serial = "K1";
        a.step = first_step + random() % step_range;
        a.now = t0;
        auto verdict = store->accept_step(a);
        if (!verdict) {
            ++errors;
        } else if (verdict.value() == okey::StepVerdict::accepted) {
            if (!accepted(a.step)) ++errors;
        } else if (verdict.value() != okey::StepVerdict::replayed) {
            ++errors;
        }
        auto charge = store->charge_failure("jdupont", t0, 1'000'000, 900);
        if (!charge || charge->was_locked) ++errors;
    }
    return errors;
}

// No step accepted twice, the last step the highest accepted, every charge counted.
void check_outcome(test::StoreDir& d, const std::vector<std::uint64_t>& accepted) {
    std::set<std::uint64_t> unique(accepted.begin(), accepted.end());
    assert_int_equal(unique.size(), accepted.size());
    assert_true(accepted.size() >= 1);
    auto store = d.open();
    auto token = store.get_token("K1");
    assert_ok(token);
    assert_true(token->last_step.has_value());
    assert_int_equal(*token->last_step, *std::max_element(accepted.begin(), accepted.end()));
    auto user = store.get_user("jdupont");
    assert_ok(user);
    assert_int_equal(user->failures, processes * rounds);
}

void prepare(test::StoreDir& d) {
    auto store = d.make();
    assert_ok(store.add_token(test::spec("K1"), test::rfc_secret, test::act(t0)));
    assert_ok(store.assign("K1", "jdupont", test::act(t0)));
}  // closed before fork: a connection must not cross fork()

void eight_processes_one_key(void**) {
    test::StoreDir d;
    prepare(d);
    d.options.busy_timeout_ms = 30000;

    int pipe_fds[2];
    assert_int_equal(::pipe(pipe_fds), 0);
    std::vector<pid_t> children;
    for (int p = 0; p < processes; ++p) {
        pid_t pid = ::fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            ::close(pipe_fds[0]);
            int errors = hammer(d.options, 7919u * static_cast<unsigned>(p + 1), [&](std::uint64_t step) {
                return ::write(pipe_fds[1], &step, sizeof step) == sizeof step;
            });
            _exit(errors > 99 ? 99 : errors);
        }
        children.push_back(pid);
    }
    ::close(pipe_fds[1]);

    std::vector<std::uint64_t> accepted;
    std::uint64_t step = 0;
    for (;;) {
        ssize_t n = ::read(pipe_fds[0], &step, sizeof step);
        if (n == 0) break;
        if (n < 0 && errno == EINTR) continue;
        assert_int_equal(n, sizeof step);
        accepted.push_back(step);
    }
    ::close(pipe_fds[0]);
    for (pid_t pid : children) {
        int status = 0;
        assert_int_equal(::waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) != 0) {
            print_error("child %d: %d errors\n", static_cast<int>(pid), WEXITSTATUS(status));
            fail();
        }
    }
    check_outcome(d, accepted);
}

void eight_threads_one_key(void**) {
    test::StoreDir d;
    prepare(d);
    d.options.busy_timeout_ms = 30000;
    std::mutex guard;
    std::vector<std::uint64_t> accepted;
    std::vector<int> errors(processes, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < processes; ++t)
        threads.emplace_back([&, t] {
            errors[static_cast<std::size_t>(t)] =
                hammer(d.options, 104729u * static_cast<unsigned>(t + 1), [&](std::uint64_t step) {
                    std::lock_guard<std::mutex> lock(guard);
                    accepted.push_back(step);
                    return true;
                });
        });
    for (auto& thread : threads) thread.join();
    for (int e : errors) assert_int_equal(e, 0);
    check_outcome(d, accepted);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(eight_processes_one_key),
        cmocka_unit_test(eight_threads_one_key),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
