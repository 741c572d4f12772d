// SPDX-License-Identifier: Apache-2.0
// bench/forward_pass/bench_forward_pass.cpp — the time run_forwarded_login
// takes (DESIGN.md §10: password + PIN + code in one text) for a 4-digit PIN
// that matches, a 6-digit PIN that matches, a known login where no PIN length
// matches, and an unknown login, interleaved in random order, in-process over
// a real SQLite store with Argon2id at its default cost. The peer is a normal
// login (run_login, one passcode) in the same run: forward_pass should cost
// (pin.max_length - pin.min_length + 1) times its Argon2 work, and its four
// cases should be indistinguishable (target: medians less than 10 % apart).
//   cmake --build build --target okey-bench-forward-pass &&
//   build/bench/forward_pass/okey-bench-forward-pass [--iterations N]
#include "tests/engine/harness.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

using namespace okey;
using namespace okey::test;
using Steady = std::chrono::steady_clock;

namespace {

const std::string password = "correct horse battery staple";

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "okey-bench-forward-pass: %s\n", what.c_str());
    std::exit(1);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Another login with its own key and PIN (default cost) in the world's store.
void add_login(World& w, const std::string& login, const std::string& serial,
               const std::string& pin) {
    KeySpec spec;
    spec.serial = serial;
    must(w.store->add_token(spec, w.secret, Act{t0 - 86400, "delivered"}), "add_token");
    must(w.store->assign(serial, login, Act{t0 - 3600, "assigned"}), "assign");
    const Argon2Settings cost;  // the defaults
    auto hash = otp::hash_pin(otp::Argon2Params{cost.memory_kib, cost.iterations, cost.parallelism}, pin);
    if (!hash) die("hash_pin");
    StepAcceptance acceptance;
    acceptance.login = login;
    acceptance.serial = serial;
    acceptance.step = w.step_now() - 20;
    acceptance.now = w.clock.time;
    acceptance.login_succeeded = true;
    acceptance.new_pin_hash = hash.value();
    must(w.store->accept_step(acceptance), "accept_step");
}

}  // namespace

int main(int argc, char** argv) {
    int iterations = 40;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) iterations = std::atoi(argv[++i]);
        else {
            std::fprintf(stderr, "usage: okey-bench-forward-pass [--iterations N]\n");
            return 2;
        }
    }
    World w;
    w.config.pin.argon2 = Argon2Settings{};  // default cost, as in production
    add_login(w, "short", "FP0004", "4826");
    add_login(w, "long", "FP0006", "482619");
    add_login(w, "peer", "FP0000", "4826");
    NullLogger quiet;
    const auto uid = static_cast<unsigned>(getuid());
    auto context = [](const std::string& login) {
        LoginContext c;
        c.login = login;
        c.service = "bench";
        return c;
    };
    // One case = one login; each runs at a fresh step, so successes stay successes.
    struct Case {
        const char* name;
        std::string login;
        std::string pin;
        LoginOutcome expected;
    };
    const std::vector<Case> cases = {
        {"4-digit PIN, matched", "short", "4826", LoginOutcome::success},
        {"6-digit PIN, matched", "long", "482619", LoginOutcome::success},
        {"known login, no length matched", "long", "1397", LoginOutcome::refused},
        {"unknown login", "nobody", "4826", LoginOutcome::refused},
    };
    w.config.lockout.max_failures = 100000;
    std::map<std::string, std::vector<double>> ms;
    std::vector<double> normal;
    std::mt19937 random(42);
    for (int i = -1; i < iterations; ++i) {  // -1: warm-up
        w.clock.time += 30;
        std::vector<std::size_t> order = {0, 1, 2, 3, 4};
        std::shuffle(order.begin(), order.end(), random);
        for (std::size_t k : order) {
            if (k == 4) {  // the peer: a normal login, wrong PIN, same store and cost
                w.answer("1397" + w.code());
                const auto start = Steady::now();
                const LoginResult r = run_login(w.config, context("peer"), w.prompter, w.clock, quiet, uid);
                const double took = std::chrono::duration<double, std::milli>(Steady::now() - start).count();
                if (r.outcome != LoginOutcome::refused) die("normal login: " + r.reason);
                if (i >= 0) normal.push_back(took);
                continue;
            }
            const Case& c = cases[k];
            const std::string typed = password + c.pin + w.code();
            const auto start = Steady::now();
            const ForwardedLogin r = run_forwarded_login(w.config, context(c.login), typed, w.prompter,
                                                         w.clock, quiet, uid);
            const double took = std::chrono::duration<double, std::milli>(Steady::now() - start).count();
            if (r.result.outcome != c.expected) die(std::string(c.name) + ": " + r.result.reason);
            if (i >= 0) ms[c.name].push_back(took);
        }
    }
    std::printf("run_forwarded_login, %d interleaved rounds, Argon2id default cost, PIN lengths %u-%u:\n",
                iterations, w.config.pin.min_length, w.config.pin.max_length);
    double low = 1e300, high = 0;
    for (const Case& c : cases) {
        const double m = median(ms[c.name]);
        low = std::min(low, m);
        high = std::max(high, m);
        std::printf("  %-34s median %8.2f ms\n", c.name, m);
    }
    const double peer = median(normal);
    std::printf("  %-34s median %8.2f ms  (peer: one passcode, wrong, run_login)\n", "normal login:", peer);
    const double spread = (high - low) / low * 100.0;
    std::printf("  spread of the four medians: %.1f %% (target < 10 %%: %s)\n", spread,
                spread < 10.0 ? "met" : "NOT met");
    std::printf("  forward_pass / normal login: %.2f (expected about %u: one Argon2id per PIN length)\n",
                median(ms[cases[2].name]) / peer, w.config.pin.max_length - w.config.pin.min_length + 1);
    return 0;
}
