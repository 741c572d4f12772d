// SPDX-License-Identifier: Apache-2.0
// bench/timing/bench_timing.cpp — the time a refusal takes, through the real
// PAM stack (libpam via pam_wrapper, pam_start … pam_end per login), for an
// unknown login (unknown_user = "deny": prompted and refused like any other),
// for a known login typing a wrong passcode, and for logins holding
// emergency codes (DESIGN.md §12) or whose key was lost, with wrong passcodes
// of 10, 12 (read two ways: 6-digit PIN + key code, or 4-digit PIN +
// emergency code) and 14 digits — interleaved in random order so that all see
// the same machine. Argon2id at its default cost. The store goes where a real
// one lives — a disk (/var/tmp, beside /var/lib), where every durable write
// waits for fsync — and on tmpfs (/dev/shm), where writes are free: a
// difference in store work shows on the first, a difference in computing on
// both. Prints, per folder, each median, its difference from the known
// login's, and the median of the paired differences (each round's times met
// the same load); DESIGN.md §4 wants none to tell the case apart (target:
// less than 10 %). Run it with bench/timing/run-bench.sh.
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
// real login's would, with its key's code accepted long ago; its key's serial.
std::string make_known_login(StoreFixture& store, const std::string& login) {
    const Argon2Settings cost;  // the defaults the config below leaves in force
    return store
        .ready_login(login, pin, "", otp::Argon2Params{cost.memory_kib, cost.iterations, cost.parallelism})
        .serial;
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

        // Logins of every kind a stranger may meet (DESIGN.md §4, §12): with
        // emergency codes a passcode of 12 digits reads two ways (a 6-digit
        // PIN + the key's code, or a 4-digit PIN + an emergency code) and one
        // of 14 digits is an emergency passcode only. None may take a time of
        // its own.
        {
            Store admin = store.open();
            for (int i = 0; i < known_logins; ++i) {
                make_known_login(store, "codes" + std::to_string(i));
                if (!admin.issue_emergency_codes("codes" + std::to_string(i), 5, 14, Act{std::time(nullptr), ""}))
                    die("issue_emergency_codes");
                const auto key = make_known_login(store, "keyless" + std::to_string(i));
                if (!admin.issue_emergency_codes("keyless" + std::to_string(i), 5, 14, Act{std::time(nullptr), ""}))
                    die("issue_emergency_codes");
                if (!admin.mark_lost(key, Act{std::time(nullptr), "lost"})) die("mark_lost");
            }
        }
        const std::string wrong10 = pin.substr(0, 3) + "9" + "000000";  // right form, wrong PIN and code
        const std::string wrong12 = "25809" + std::string("0000000");
        const std::string wrong14 = pin.substr(0, 3) + "9" + "0000000000";
        struct Series {
            const char* name;
            const char* prefix;  // of the logins: "stranger" are all different
            std::string passcode;
            std::vector<double> ms;
        };
        std::vector<Series> series = {
            {"unknown login, 10 digits:", "stranger", wrong10, {}},
            {"known login, 10 digits:", "known", wrong10, {}},
            {"known login, 14 digits:", "known", wrong14, {}},
            {"with emergency codes, 10 digits:", "codes", wrong10, {}},
            {"with emergency codes, 12 digits:", "codes", wrong12, {}},
            {"with emergency codes, 14 digits:", "codes", wrong14, {}},
            {"key lost, codes, 12 digits:", "keyless", wrong12, {}},
        };
        std::mt19937 random(42);
        // Warm-up: page cache, libpam's module loading, the decoy row's creation.
        refusal_ms("nobody0", wrong10);
        refusal_ms("known0", wrong10);
        std::vector<std::size_t> order(series.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        for (int i = 0; i < iterations; ++i) {
            std::shuffle(order.begin(), order.end(), random);
            for (std::size_t k : order) {
                Series& s = series[k];
                const std::string login = std::string(s.prefix) +
                                          std::to_string(s.prefix == std::string("stranger") ? i
                                                                                             : i % known_logins);
                s.ms.push_back(refusal_ms(login, s.passcode));
            }
        }
        std::printf("store in %s (%s), %d interleaved rounds, Argon2id default cost:\n",
                    parent.c_str(), filesystem_type(parent).c_str(), iterations);
        const Series& reference = series[1];
        const double reference_ms = median(reference.ms);
        double widest = 0;
        for (const Series& s : series) {
            const double m = median(s.ms);
            const double difference = std::fabs(m - reference_ms) / std::min(m, reference_ms) * 100.0;
            widest = std::max(widest, difference);
            // Within each round every case met the same load: the median of
            // the differences shows a gap in work that the machine's noise hides.
            std::vector<double> gaps;
            for (std::size_t i = 0; i < s.ms.size(); ++i) gaps.push_back(s.ms[i] - reference.ms[i]);
            std::printf("  %-34s median %8.2f ms  (p10 %.2f, p90 %.2f)  %+5.1f %%  paired %+.2f ms\n",
                        s.name, m, percentile(s.ms, 0.1), percentile(s.ms, 0.9),
                        (m - reference_ms) / reference_ms * 100.0, median(gaps));
        }
        std::printf("  widest difference from a known login's median: %.1f %% (target < 10 %%: %s)\n",
                    widest, widest < 10.0 ? "met" : "NOT met");
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
    std::printf("refusal time through the PAM stack: unknown login, logins with emergency codes or a\n"
                "lost key, against a known login's wrong passcode\n");
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
