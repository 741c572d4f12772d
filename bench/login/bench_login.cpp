// SPDX-License-Identifier: Apache-2.0
// bench/login/bench_login.cpp — successful logins per second through the real
// PAM stack (libpam via pam_wrapper, one pam_start … pam_end per login), for
// pam_okey.so and Debian's pam_oath given the same users (PIN + TOTP code),
// at 1k, 10k and 100k users, in the same run: okey with Argon2id at its
// minimum cost (pam_oath compares plaintext PINs) and at the default cost,
// then 2 concurrent login streams counting spurious failures (every passcode
// typed is correct, so any refusal is spurious). Prints, with the ratios to
// pam_oath: the CPU time to load each module into a fresh process (target
// ≤ 2×; pam_okey.so's engine, loaded at its first login, beside it), local
// logins per CPU second (target ≥ 1× at every size), logins per second.
// Run it with bench/login/run-bench.sh; --only okey-min|oath runs one
// system's logins alone, for a profiler (README: callgrind).
#include "tests/pam/harness.hpp"

#include <security/pam_appl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace okey;
using namespace okey::test;
using Clock = std::chrono::steady_clock;

namespace {

const std::string pin = "2580";
const std::string oath_module = "/lib/x86_64-linux-gnu/security/pam_oath.so";
constexpr std::size_t max_default_cost_logins = 40;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// A distinct, reproducible 20-byte secret per user.
otp::SecretBytes user_secret(std::size_t i) {
    otp::SecretBytes secret(20);
    std::uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull;
    for (auto& byte : secret) {
        x ^= x >> 29;
        x *= 0xBF58476D1CE4E5B9ull;
        byte = static_cast<std::uint8_t>(x >> 56);
    }
    return secret;
}

std::string user_name(std::size_t i) { return "u" + std::to_string(i); }

std::string code_now(std::size_t i) {
    auto key = otp::Key::make(user_secret(i), OKEY_OTP_SHA1, 6, 30);
    auto code = key->totp(static_cast<std::int64_t>(std::time(nullptr)));
    return std::string(code->view());
}

struct Run {
    std::size_t ok = 0;
    std::size_t failed = 0;
    double seconds = 0;
    double cpu_seconds = 0;  // user + system time spent by the login processes
    double system_seconds = 0;  // of which system (kernel) time
    double rate() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
    // Milliseconds of CPU per login: steadier than wall time on a busy machine.
    double cpu_ms() const {
        return ok + failed > 0 ? 1000 * cpu_seconds / static_cast<double>(ok + failed) : 0;
    }
};

double cpu_seconds(int who, bool system_only = false) {
    rusage usage{};
    getrusage(who, &usage);
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return (system_only ? 0 : seconds(usage.ru_utime)) + seconds(usage.ru_stime);
}

// Logins of users[first, last) one after the other, for about `budget` seconds.
Run logins(const std::string& service, std::size_t first, std::size_t last, double budget) {
    Run run;
    const auto start = Clock::now();
    const double cpu_start = cpu_seconds(RUSAGE_SELF);
    const double system_start = cpu_seconds(RUSAGE_SELF, true);
    for (std::size_t i = first; i < last; ++i) {
        Conversation c{{pin + code_now(i)}};
        (authenticate(service, user_name(i), c) == PAM_SUCCESS ? run.ok : run.failed) += 1;
        if (run.ok + run.failed >= 5 && seconds_since(start) > budget) break;
    }
    run.seconds = seconds_since(start);
    run.cpu_seconds = cpu_seconds(RUSAGE_SELF) - cpu_start;
    run.system_seconds = cpu_seconds(RUSAGE_SELF, true) - system_start;
    return run;
}

// Two processes logging in at the same time, on disjoint users.
Run two_streams(const std::string& service, std::size_t first, std::size_t last, double budget) {
    const std::size_t middle = first + (last - first) / 2;
    int gate[2], results[2];
    if (pipe(gate) != 0 || pipe(results) != 0) die("pipe");
    pid_t children[2];
    std::fflush(nullptr);
    for (int s = 0; s < 2; ++s) {
        children[s] = fork();
        if (children[s] < 0) die("fork");
        if (children[s] == 0) {
            close(gate[1]);
            char byte;
            while (read(gate[0], &byte, 1) > 0) {
            }
            const Run run = s == 0 ? logins(service, first, middle, budget)
                                   : logins(service, middle, last, budget);
            const std::size_t counts[2] = {run.ok, run.failed};
            // exit(), not _exit(): pam_wrapper removes this process's /tmp/pam.X.
            std::exit(write(results[1], counts, sizeof counts) == sizeof counts ? 0 : 1);
        }
    }
    close(gate[0]);
    close(results[1]);
    const auto start = Clock::now();
    const double cpu_start = cpu_seconds(RUSAGE_CHILDREN);
    close(gate[1]);
    Run total;
    for (int s = 0; s < 2; ++s) {
        std::size_t counts[2] = {0, 0};
        if (read(results[0], counts, sizeof counts) != sizeof counts) die("stream result");
        total.ok += counts[0];
        total.failed += counts[1];
    }
    total.seconds = seconds_since(start);
    for (pid_t child : children) waitpid(child, nullptr, 0);
    total.cpu_seconds = cpu_seconds(RUSAGE_CHILDREN) - cpu_start;
    close(results[0]);
    return total;
}

// Median CPU milliseconds to load `module` into a fresh small process (11
// runs), with `preload` (e.g. libcrypto, which sshd holds already) loaded
// first and not counted when not empty; with `then`, also the median CPU
// milliseconds of loading `then` afterwards in the same process.
struct LoadTimes {
    double module_ms = 0;
    double then_ms = 0;
};

LoadTimes module_load_ms(const std::string& module, const std::string& preload = "",
                         const std::string& then = "") {
    std::vector<double> times, then_times;
    for (int i = 0; i < 11; ++i) {
        const std::string command = std::string(OKEY_BENCH_MODULE_LOAD) +
                                    (preload.empty() ? "" : " --preload " + preload) + " " + module +
                                    (then.empty() ? "" : " " + then);
        FILE* out = popen(command.c_str(), "r");
        if (out == nullptr) die("popen");
        double ms = -1, wall = 0, then_ms = -1;
        if (std::fscanf(out, "%lf %lf %lf", &ms, &wall, &then_ms) < 1) ms = -1;
        pclose(out);
        times.push_back(ms);
        then_times.push_back(then_ms);
    }
    std::sort(times.begin(), times.end());
    std::sort(then_times.begin(), then_times.end());
    return {times[5], then_times[5]};
}

std::string pin_hash(const otp::Argon2Params& params) {
    auto hash = otp::hash_pin(params, pin);
    if (!hash) die("hash PIN");
    return hash.value();
}

// N users, each with an assigned key and the PIN set; users in
// [default_first, default_last) carry a hash made at the default cost.
void make_store(const StoreFixture& fixture, std::size_t users, std::size_t default_first,
                std::size_t default_last) {
    Store store = fixture.open();
    const std::string cheap = pin_hash({8, 1, 1});
    const std::string costly = pin_hash({19456, 2, 1});
    std::vector<Store::NewToken> tokens;
    tokens.reserve(users);
    for (std::size_t i = 0; i < users; ++i) {
        Store::NewToken token;
        token.spec.serial = "B" + std::to_string(i);
        token.secret = user_secret(i);
        tokens.push_back(std::move(token));
    }
    must(store.add_tokens(tokens, act_now()), "add keys");
    const auto step = static_cast<std::uint64_t>(std::time(nullptr)) / 30;
    for (std::size_t i = 0; i < users; ++i) {
        must(store.assign("B" + std::to_string(i), user_name(i), act_now()), "assign");
        StepAcceptance acceptance;
        acceptance.login = user_name(i);
        acceptance.serial = "B" + std::to_string(i);
        acceptance.step = step - 100;
        acceptance.now = static_cast<std::int64_t>(std::time(nullptr));
        acceptance.login_succeeded = true;
        acceptance.new_pin_hash = i >= default_first && i < default_last ? costly : cheap;
        if (must(store.accept_step(acceptance), "set PIN") != StepVerdict::accepted) die("set PIN");
    }
}

void make_usersfile(const std::string& path, std::size_t users) {
    std::ofstream out(path);
    for (std::size_t i = 0; i < users; ++i) {
        auto hex = otp::hex_encode(user_secret(i));
        out << "HOTP/T30/6 " << user_name(i) << " " << pin << " " << hex.value() << "\n";
    }
    out.close();
    std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                           std::filesystem::perms::owner_write);
}

std::string fixed(double value, int decimals = 1) {
    std::ostringstream text;
    text << std::fixed << std::setprecision(decimals) << value;
    return text.str();
}

}  // namespace

int main(int argc, char** argv) {
    run_as_root(argc, argv);
    std::vector<std::size_t> sizes = {1000, 10000, 100000};
    double budget = 2.0;
    std::string only;  // one system's single-stream logins only (for a profiler)
    // Both systems' files on the same file system; tmpfs by default, so the
    // figures compare the modules' work rather than this machine's disk.
    std::string base_dir = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--users" && i + 1 < argc) {
            sizes.clear();
            std::stringstream list(argv[++i]);
            for (std::string n; std::getline(list, n, ',');) sizes.push_back(std::stoul(n));
        } else if (a == "--dir" && i + 1 < argc) {
            base_dir = argv[++i];
        } else if (a == "--seconds" && i + 1 < argc) {
            budget = std::stod(argv[++i]);
        } else if (a == "--only" && i + 1 < argc &&
                   (std::string(argv[i + 1]) == "okey-min" || std::string(argv[i + 1]) == "oath")) {
            only = argv[++i];
        } else {
            std::cerr << "usage: okey-bench-login [--users 1000,10000,100000] [--seconds S] [--dir D]\n"
                         "                        [--only okey-min|oath]\n";
            return 2;
        }
    }

    TempDir dir(base_dir);
    Services services(dir / "services");
    for (std::size_t n : sizes) {
        const std::string base = dir / std::to_string(n);
        std::filesystem::create_directory(base);
        const std::string store = base + "/store/okey.db";
        const std::string conf = "store = \"" + store + "\";\nkey_file = \"" + base + "/seed.key\";\n";
        write_file(base + "/min.conf",
                   conf + "pin: { argon2: { memory_kib = 8; iterations = 1; parallelism = 1; }; };\n", 0644);
        write_file(base + "/default.conf", conf, 0644);
        services.add_okey("okey-min-" + std::to_string(n), "config=" + base + "/min.conf");
        services.add_okey("okey-default-" + std::to_string(n), "config=" + base + "/default.conf");
        services.add_raw("oath-" + std::to_string(n),
                         "auth required " + oath_module + " usersfile=" + base +
                             "/users.oath window=1 digits=6\n"
                             "account required /lib/x86_64-linux-gnu/security/pam_permit.so\n");
    }
    services.activate();

    struct Row {
        std::size_t users;
        Run okey_min, okey_default, oath, okey_two, oath_two;
    };
    std::vector<Row> rows;
    for (std::size_t n : sizes) {
        const std::string base = dir / std::to_string(n);
        const std::string suffix = std::to_string(n);
        // Users: [0, n/4) one stream; [n/4, n/4 + 40) default cost; [n/2, n) two streams.
        const std::size_t quarter = n / 4;
        const std::size_t default_last = std::min(quarter + max_default_cost_logins, n / 2);
        std::cerr << "setting up " << n << " users …" << std::flush;
        const auto start = Clock::now();
        StoreFixture fixture(base);
        make_store(fixture, n, quarter, default_last);
        make_usersfile(base + "/users.oath", n);
        std::cerr << " " << fixed(seconds_since(start)) << " s\n";

        Row row{n, {}, {}, {}, {}, {}};
        if (only.empty() || only == "okey-min") row.okey_min = logins("okey-min-" + suffix, 0, quarter, budget);
        if (only.empty() || only == "oath") row.oath = logins("oath-" + suffix, 0, quarter, budget);
        if (only.empty()) {
            row.okey_default = logins("okey-default-" + suffix, quarter, default_last, budget);
            row.okey_two = two_streams("okey-min-" + suffix, n / 2, n, budget);
            row.oath_two = two_streams("oath-" + suffix, n / 2, n, budget);
        }
        rows.push_back(row);
        std::filesystem::remove_all(base);
    }
    if (!only.empty()) {
        for (const Row& r : rows) {
            const Run& run = only == "oath" ? r.oath : r.okey_min;
            std::cout << only << " " << r.users << " users: " << run.ok << " logins, "
                      << run.failed << " refused, " << fixed(run.cpu_ms(), 3) << " ms CPU each ("
                      << fixed(run.ok + run.failed > 0
                                   ? 1000 * run.system_seconds / static_cast<double>(run.ok + run.failed)
                                   : 0, 3)
                      << " ms in the kernel)\n";
        }
        return 0;
    }

    std::cout << "\nLoading the module into a fresh process, as libpam does at every pam_start() of\n"
                 "a stack naming it (sshd: once per connection): CPU milliseconds of the dlopen,\n"
                 "median of 11 runs (target: pam_okey.so at most 2x pam_oath.so). A small PAM\n"
                 "application (libc + libpam), then a process that holds libcrypto already, as\n"
                 "sshd does. pam_okey.so loads its engine (okey-pam-engine.so: libstdc++, SQLite,\n"
                 "OpenSSL…) at the first pam_sm_authenticate of the process: a process that\n"
                 "never asks okey never pays it, the first okey login pays both (last column):\n";
    for (const std::string preload : {"", "/lib/x86_64-linux-gnu/libcrypto.so.3"}) {
        const LoadTimes okey = module_load_ms(module_path(), preload, OKEY_BENCH_ENGINE);
        const double oath_load = module_load_ms(oath_module, preload).module_ms;
        const double first_login = okey.module_ms + okey.then_ms;
        std::cout << (preload.empty() ? "  libc + libpam     " : "  + libcrypto      ")
                  << "pam_okey.so " << fixed(okey.module_ms, 2) << " ms   pam_oath.so "
                  << fixed(oath_load, 2) << " ms   ratio "
                  << (oath_load > 0 ? fixed(okey.module_ms / oath_load, 2) : "-") << "x"
                  << "   first okey login: + engine " << fixed(okey.then_ms, 2) << " ms = "
                  << fixed(first_login, 2) << " ms, ratio "
                  << (oath_load > 0 ? fixed(first_login / oath_load, 2) : "-") << "x\n";
    }

    std::cout << "\nLocal logins per CPU second (user + system time of the login process, steadier\n"
                 "than wall time on a busy machine), okey with Argon2id at its minimum cost as\n"
                 "pam_oath compares plaintext PINs (target: okey / pam_oath at least 1x):\n";
    std::cout << std::left << std::setw(8) << "users" << std::right << std::setw(12) << "okey-min"
              << std::setw(12) << "pam_oath" << std::setw(16) << "okey / pam_oath" << std::setw(16)
              << "okey default" << "\n";
    for (const Row& r : rows) {
        const auto per_cpu_second = [](const Run& run) { return run.cpu_ms() > 0 ? 1000 / run.cpu_ms() : 0; };
        const double okey = per_cpu_second(r.okey_min), oath = per_cpu_second(r.oath);
        std::cout << std::left << std::setw(8) << r.users << std::right << std::setw(12) << fixed(okey)
                  << std::setw(12) << fixed(oath) << std::setw(15)
                  << (oath > 0 ? fixed(okey / oath, 2) : "-") << "x" << std::setw(16)
                  << fixed(per_cpu_second(r.okey_default)) << "\n";
    }

    std::cout << "\nSuccessful logins per second through libpam (pam_wrapper), one pam_start per login,\n"
                 "pam_okey.so and pam_oath with the same users, same run, files under " << base_dir << "\n"
                 "(wall time: pam_oath reloads its module at every pam_start; pam_okey.so stays\n"
                 "loaded, -z nodelete). PIN + 6-digit TOTP code.\n";
    std::cout << std::left << std::setw(8) << "users" << std::right << std::setw(14) << "okey-min"
              << std::setw(14) << "okey default" << std::setw(12) << "pam_oath" << std::setw(16)
              << "okey-min / oath" << "\n";
    for (const Row& r : rows) {
        const double oath = r.oath.rate();
        std::cout << std::left << std::setw(8) << r.users << std::right << std::setw(14)
                  << fixed(r.okey_min.rate()) << std::setw(14) << fixed(r.okey_default.rate())
                  << std::setw(12) << fixed(oath) << std::setw(15)
                  << (oath > 0 ? fixed(r.okey_min.rate() / oath, 2) : "-") << "x\n";
    }
    std::cout << "\nTwo concurrent login streams (logins/s in all; refusals of correct passcodes):\n";
    std::cout << std::left << std::setw(8) << "users" << std::right << std::setw(14) << "okey min"
              << std::setw(12) << "spurious" << std::setw(14) << "pam_oath" << std::setw(12) << "spurious"
              << "\n";
    for (const Row& r : rows) {
        std::cout << std::left << std::setw(8) << r.users << std::right << std::setw(14)
                  << fixed(r.okey_two.rate()) << std::setw(12)
                  << (std::to_string(r.okey_two.failed) + "/" + std::to_string(r.okey_two.ok + r.okey_two.failed))
                  << std::setw(14) << fixed(r.oath_two.rate()) << std::setw(12)
                  << (std::to_string(r.oath_two.failed) + "/" + std::to_string(r.oath_two.ok + r.oath_two.failed))
                  << "\n";
    }
    bool refusals = false;
    for (const Row& r : rows)
        refusals = refusals || r.okey_min.failed || r.okey_default.failed || r.okey_two.failed;
    if (refusals) std::cout << "\nokey refused correct passcodes: see the spurious columns above.\n";
    return 0;
}
