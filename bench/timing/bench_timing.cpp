// SPDX-License-Identifier: Apache-2.0
// bench/timing/bench_timing.cpp — the time a refusal takes, through the real
// PAM stack (libpam via pam_wrapper, pam_start … pam_end per login), for an
// unknown login (unknown_user = "deny": prompted and refused like any other)
// and for a known login typing a wrong passcode, interleaved in random order
// so that both see the same machine. Argon2id at its default cost. The store
// goes where a real one lives — a disk (/var/tmp, beside /var/lib), where
// every durable write waits for fsync — and on tmpfs (/dev/shm), where writes
// are free: a difference in store work shows on the first, a difference in
// computing on both. Prints, per folder, both medians and their relative
// difference; DESIGN.md §4 wants them indistinguishable (target: less than
// 10 % apart on each). Run it with bench/timing/run-bench.sh.
#include "tests/pam/harness.hpp"

#include "engine/config.hpp"

#include <security/pam_appl.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <linux/magic.h>
#include <random>
#include <string>
#include <vector>

using namespace okey;
using namespace okey::test;
using Clock = std::chrono::steady_clock;

namespace {

const std::string pin = "2580";
constexpr int known_logins = 5;

// A known login whose PIN hash has the configured (default) Argon2 cost, as a
// real login's would, with its key's code accepted long ago.
void make_known_login(StoreFixture& store, const std::string& login) {
    const Argon2Settings cost;  // the defaults the config below leaves in force
    store.ready_login(login, pin, "",
                      otp::Argon2Params{cost.memory_kib, cost.iterations, cost.parallelism});
}

double refusal_ms(const std::string& login, const std::string& passcode) {
    Conversation conversation{{passcode}};
    const auto start = Clock::now();
    const int code = authenticate("okey", login, conversation);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (code != PAM_AUTH_ERR) die(login + ": expected PAM_AUTH_ERR, got " + std::to_string(code));
    return ms;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// The filesystem a folder is on, as `df -T` names the common ones.
std::string filesystem_type(const std::string& dir) {
    struct statfs info{};
    if (statfs(dir.c_str(), &info) != 0) return "?";
    switch (static_cast<unsigned long>(info.f_type)) {
    case EXT4_SUPER_MAGIC: return "ext4";
    case TMPFS_MAGIC: return "tmpfs";
    case OVERLAYFS_SUPER_MAGIC: return "overlay";
    case BTRFS_SUPER_MAGIC: return "btrfs";
    case XFS_SUPER_MAGIC: return "xfs";
    default: {
        char hex[32];
        std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(info.f_type));
        return hex;
    }
    }
}

// One run with the store in a new folder under `parent`.
void measure(const std::string& parent, int iterations) {
    std::string dir = parent + "/okey-bench-timing.XXXXXX";
    if (mkdtemp(dir.data()) == nullptr) die("mkdtemp in " + parent);
    {
        StoreFixture store(dir);
        for (int i = 0; i < known_logins; ++i) make_known_login(store, "known" + std::to_string(i));
        // Default Argon2 cost and prompts; a lockout that never triggers here.
        write_file(dir + "/okey.conf",
                   "store = \"" + store.store_path + "\";\nkey_file = \"" + store.key_path +
                       "\";\nlockout: { max_failures = 1000; lock_seconds = 1; };\n",
                   0644);
        Services services(dir + "/services");
        services.add_okey("okey", "config=" + dir + "/okey.conf");
        services.activate();

        const std::string wrong = pin.substr(0, 3) + "9" + "000000";  // right form, wrong PIN and code
        std::mt19937 random(42);
        // Warm-up: page cache, libpam's module loading, the decoy row's creation.
        refusal_ms("nobody0", wrong);
        refusal_ms("known0", wrong);
        std::vector<double> unknown, known;
        for (int i = 0; i < iterations; ++i) {
            const std::string stranger = "stranger" + std::to_string(i);
            const std::string member = "known" + std::to_string(i % known_logins);
            if (random() & 1) {
                unknown.push_back(refusal_ms(stranger, wrong));
                known.push_back(refusal_ms(member, wrong));
            } else {
                known.push_back(refusal_ms(member, wrong));
                unknown.push_back(refusal_ms(stranger, wrong));
            }
        }
        const double mu = median(unknown), mk = median(known);
        const double difference = std::fabs(mu - mk) / std::min(mu, mk) * 100.0;
        std::printf("store in %s (%s), %d interleaved pairs, Argon2id default cost:\n",
                    parent.c_str(), filesystem_type(parent).c_str(), iterations);
        std::printf("  %-34s median %8.2f ms  (p10 %.2f, p90 %.2f)\n", "unknown login:", mu,
                    percentile(unknown, 0.1), percentile(unknown, 0.9));
        std::printf("  %-34s median %8.2f ms  (p10 %.2f, p90 %.2f)\n", "known login, wrong passcode:", mk,
                    percentile(known, 0.1), percentile(known, 0.9));
        std::printf("  relative difference of the medians: %.1f %% (target < 10 %%: %s)\n", difference,
                    difference < 10.0 ? "met" : "NOT met");
        // Within each pair both logins met the same load: the median of the
        // differences shows a gap in work that the machine's noise hides.
        std::vector<double> gaps;
        for (std::size_t i = 0; i < unknown.size(); ++i) gaps.push_back(unknown[i] - known[i]);
        std::printf("  median of the paired differences (unknown - known): %+.2f ms\n", median(gaps));
        std::fflush(stdout);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
}

}  // namespace

int main(int argc, char** argv) {
    int iterations = 150;
    std::vector<std::string> parents;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) iterations = std::atoi(argv[++i]);
        else if (std::strcmp(argv[i], "--dir") == 0 && i + 1 < argc) parents.emplace_back(argv[++i]);
        else {
            std::fprintf(stderr, "usage: okey-bench-timing [--iterations N] [--dir FOLDER]...\n"
                                 "  default: --dir /var/tmp --dir /dev/shm (a disk, then tmpfs)\n");
            return 2;
        }
    }
    if (parents.empty()) parents = {"/var/tmp", "/dev/shm"};
    run_as_root(argc, argv);
    std::printf("refusal time through the PAM stack: unknown login vs known login\n");
    std::fflush(stdout);  // before the children inherit the buffer
    // A process per folder: pam_wrapper copies the service folder at the
    // first pam_start and keeps that copy for the life of the process.
    for (const std::string& parent : parents) {
        const pid_t child = fork();
        if (child < 0) die("fork");
        if (child == 0) {
            measure(parent, iterations);
            std::exit(0);
        }
        int status = 0;
        if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            die("the run in " + parent + " failed");
    }
    return 0;
}
