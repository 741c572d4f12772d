// SPDX-License-Identifier: Apache-2.0
// bench/store/store_bench.cpp — the store work of one login (look-up of the
// login and its key with the secret unsealed, libotp verification of the code,
// the atomic acceptance of the step) with 1k, 100k and 1M keys and logins in
// the store, on SQLite and on PostgreSQL side by side in one run, with the
// ratio largest/smallest per backend: it should stay flat (target: 1M within
// 1.5x of 1k), since every step is an indexed look-up and one small write.
// Then, on PostgreSQL, logins per second from 1, 8 and 32 threads (each its
// own connection and its own logins) doing a successful login's whole store
// work, with the store's per-login locks beside one writer at a time (the
// rule before them, emulated) in the same run.
//
// Usage: store_bench [--dir DIR] [--sizes 1000,100000,1000000] [--logins N]
//                    [--rounds R] [--backends sqlite,postgresql]
//                    [--threads 1,8,32] [--seconds S]
// Populated stores are kept in DIR (default /tmp/okey-store-bench-<uid>) and
// reused by later runs; PostgreSQL's in the bench's own cluster (DIR/pg,
// tests/support/pg-cluster), stopped at the end with its data kept.
#include "populate.hpp"

#include "engine/store/postgresql/backend.hpp"

#include <okey/otp.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using bench::base_time;
using bench::die;
using bench::login_of;
using bench::secret_of;

struct Sample {
    std::string backend;
    std::size_t size;
    std::vector<double> micros;  // one per login: the whole store work
    std::vector<double> lookup;  // of which load_login + verify (no write)
};

struct Timing {
    double total;
    double lookup;
};

// One login's store work for user i at time `now`.
Timing one_login(okey::Store& store, std::size_t i, std::int64_t now) {
    // The code the key shows, computed outside the timed part.
    auto secret = secret_of(i);
    auto shown = okey::otp::Key::make(secret, OKEY_OTP_SHA1, 6, 30);
    if (!shown) die("libotp key");
    auto code = shown->totp(now);
    if (!code) die("libotp totp");
    std::string login = login_of(i);

    auto start = Clock::now();
    auto view = store.load_login(login);
    if (!view || !view->has_value() || !(*view)->token) die("load_login " + login);
    const auto& t = *(*view)->token;
    auto key = okey::otp::Key::make((*view)->secret, t.spec.algorithm, t.spec.digits, t.spec.period);
    if (!key) die("key");
    okey::otp::Window window{1, 10};
    okey::otp::TokenState state{t.last_step ? 1 : 0, t.last_step.value_or(0), t.drift};
    auto match = key->verify(code->view(), now, window, state);
    if (!match || match->verdict != OKEY_OTP_MATCH) die("verify " + login);
    auto verified = Clock::now();
    okey::StepAcceptance a;
    a.login = login;
    a.serial = t.spec.serial;
    a.step = match->step;
    a.drift = match->offset;
    a.now = now;
    a.login_succeeded = true;
    auto verdict = store.accept_step(a);
    if (!verdict || verdict.value() != okey::StepVerdict::accepted) die("accept_step " + login);
    auto end = Clock::now();
    return {std::chrono::duration<double, std::micro>(end - start).count(),
            std::chrono::duration<double, std::micro>(verified - start).count()};
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

double mean(const std::vector<double>& v) {
    double sum = 0;
    for (double x : v) sum += x;
    return sum / static_cast<double>(v.size());
}

// ---- logins per second from many threads (PostgreSQL) ----

// A successful local login's whole store work for user i (engine/local:
// look-up, failure charged before the slow work, code checked, step
// accepted, audit row): four transactions, three of them writes. With
// `one_writer`, each write holds that mutex throughout.
void full_login(okey::Store& store, std::size_t i, std::int64_t now, std::mutex* one_writer) {
    auto write = [&](auto&& call) {
        if (!one_writer) return call();
        std::lock_guard<std::mutex> alone(*one_writer);
        return call();
    };
    auto shown = okey::otp::Key::make(secret_of(i), OKEY_OTP_SHA1, 6, 30);
    if (!shown) die("libotp key");
    auto code = shown->totp(now);
    if (!code) die("libotp totp");
    const std::string login = login_of(i);
    auto view = store.load_login(login);
    if (!view || !view->has_value() || !(*view)->token) die("load_login " + login);
    const auto& t = *(*view)->token;
    auto charged = write([&] { return store.charge_failure(login, now, 5, 900); });
    if (!charged || charged->was_locked) die("charge_failure " + login);
    auto key = okey::otp::Key::make((*view)->secret, t.spec.algorithm, t.spec.digits, t.spec.period);
    if (!key) die("key");
    okey::otp::TokenState state{t.last_step ? 1 : 0, t.last_step.value_or(0), t.drift};
    auto match = key->verify(code->view(), now, okey::otp::Window{1, 10}, state);
    if (!match || match->verdict != OKEY_OTP_MATCH) die("verify " + login);
    okey::StepAcceptance a;
    a.login = login;
    a.serial = t.spec.serial;
    a.step = match->step;
    a.now = now;
    a.login_succeeded = true;
    auto verdict = write([&] { return store.accept_step(a); });
    if (!verdict || verdict.value() != okey::StepVerdict::accepted) die("accept_step " + login);
    okey::AuditEntry row;
    row.time = now;
    row.login = login;
    row.serial = t.spec.serial;
    row.service = "sshd";
    row.remote_host = "192.0.2.1";
    row.event = "login";
    row.outcome = "success";
    row.reason = "passcode accepted";
    if (!write([&] { return store.append_audit(row); })) die("append_audit " + login);
}

// Logins from many threads under one rule, summed over several spells.
struct Throughput {
    int threads = 0;
    std::size_t logins = 0;
    double seconds = 0;
    std::vector<double> micros;  // one per login
    double per_second() const { return static_cast<double>(logins) / seconds; }
};

// One spell: every store its own thread and its own logins (i = t mod
// threads), logging in back to back for `seconds`. Every login is at a later
// time than the last of its user: `start` moves past them all.
void spell(std::vector<okey::Store>& stores, std::size_t n, double seconds, bool one_writer,
           std::int64_t& start, Throughput& into) {
    const std::size_t threads = stores.size();
    std::mutex writer;
    std::atomic<std::size_t> ready{0};
    std::atomic<bool> go{false}, stop{false};
    std::vector<std::vector<double>> micros(threads);
    std::vector<std::int64_t> last(threads, start);
    std::vector<std::thread> running;
    for (std::size_t t = 0; t < threads; ++t)
        running.emplace_back([&, t] {
            std::size_t i = t;
            std::int64_t now = start;
            ++ready;
            while (!go) std::this_thread::yield();
            while (!stop) {
                now += 30;
                auto begun = Clock::now();
                full_login(stores[t], i, now, one_writer ? &writer : nullptr);
                micros[t].push_back(
                    std::chrono::duration<double, std::micro>(Clock::now() - begun).count());
                i = i + threads < n ? i + threads : t;
            }
            last[t] = now;
        });
    while (ready < threads) std::this_thread::yield();
    auto begun = Clock::now();
    go = true;
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& thread : running) thread.join();
    into.seconds += std::chrono::duration<double>(Clock::now() - begun).count();
    for (const auto& m : micros) {
        into.logins += m.size();
        into.micros.insert(into.micros.end(), m.begin(), m.end());
    }
    start = *std::max_element(last.begin(), last.end()) + 30;
}

// Both rules with `threads` clients, in alternating spells (A B B A …) so
// that the machine's drift hits both alike.
std::pair<Throughput, Throughput> both_rules(const okey::StoreOptions& o, std::size_t n,
                                             std::size_t threads, double seconds,
                                             std::int64_t& start) {
    std::vector<okey::Store> stores;
    for (std::size_t t = 0; t < threads; ++t) {
        auto store = okey::Store::open(o);
        if (!store) die(store.error().message);
        stores.push_back(std::move(store.value()));
    }
    Throughput warm, locks, alone;
    locks.threads = alone.threads = static_cast<int>(threads);
    constexpr int spells = 4;
    spell(stores, n, seconds / spells, false, start, warm);
    for (int k = 0; k < spells; ++k) {
        const bool locks_first = k % 2 == 0;
        spell(stores, n, seconds / spells, !locks_first, start, locks_first ? locks : alone);
        spell(stores, n, seconds / spells, locks_first, start, locks_first ? alone : locks);
    }
    return {std::move(locks), std::move(alone)};
}

void report_throughput(const std::vector<std::pair<Throughput, Throughput>>& rows, std::size_t n) {
    std::printf("\nPostgreSQL, %zu keys+logins, logins per second from many threads (each its own "
                "connection and logins;\none login = load_login + charge_failure + verify + "
                "accept_step + append_audit: 3 write commits):\n",
                n);
    std::printf("%8s %16s %12s %12s %16s %12s %12s %7s\n", "threads", "per-login locks", "median µs",
                "p99 µs", "one writer", "median µs", "p99 µs", "ratio");
    for (const auto& [locks, alone] : rows)
        std::printf("%8d %14.0f/s %12.0f %12.0f %14.0f/s %12.0f %12.0f %7.2f\n", locks.threads,
                    locks.per_second(), percentile(locks.micros, 0.5),
                    percentile(locks.micros, 0.99), alone.per_second(),
                    percentile(alone.micros, 0.5), percentile(alone.micros, 0.99),
                    locks.per_second() / alone.per_second());
    std::printf("(per-login locks: the store as it is; one writer: the same, with every write call "
                "of the process behind one mutex — the rule before, when each write took the store "
                "lock exclusive)\n");
}

std::vector<std::size_t> parse_sizes(const char* text) {
    std::vector<std::size_t> sizes;
    for (const char* p = text; *p;) {
        char* end = nullptr;
        sizes.push_back(std::strtoull(p, &end, 10));
        p = *end == ',' ? end + 1 : end;
        if (sizes.back() == 0) die("bad --sizes");
    }
    return sizes;
}

std::vector<std::string> parse_names(const char* text) {
    std::vector<std::string> names;
    std::string all = text;
    for (std::size_t at = 0; at <= all.size();) {
        auto comma = all.find(',', at);
        if (comma == std::string::npos) comma = all.size();
        names.push_back(all.substr(at, comma - at));
        at = comma + 1;
    }
    for (const auto& name : names)
        if (name != "sqlite" && name != "postgresql") die("--backends: sqlite and/or postgresql");
    return names;
}

okey::StoreOptions options_for(const std::string& dir, const std::string& backend, std::size_t n,
                                const bench::Cluster& cluster) {
    okey::StoreOptions o;
    const std::string folder = dir + "/" + backend + "-" + std::to_string(n);
    ::mkdir(folder.c_str(), 0700);
    o.path = backend == "sqlite" ? folder + "/okey.db" : cluster.uri("okey_bench_" + std::to_string(n));
    o.key_file = folder + "/seed.key";
    o.trusted_owner = static_cast<unsigned>(::getuid());
    return o;
}

void report(const std::vector<Sample>& samples, const std::vector<std::string>& backends) {
    // The write is one durable commit (an fsync): on a shared disk it
    // dominates and is noisy, so the read part is shown on its own too.
    std::printf("\n%-11s %12s %12s %12s %12s %11s %18s\n", "backend", "keys+logins", "mean µs",
                "median µs", "p90 µs", "logins/s", "lookup+verify µs");
    for (const auto& sample : samples)
        std::printf("%-11s %12zu %12.1f %12.1f %12.1f %11.0f %18.1f\n", sample.backend.c_str(),
                    sample.size, mean(sample.micros), percentile(sample.micros, 0.5),
                    percentile(sample.micros, 0.9), 1e6 / mean(sample.micros),
                    percentile(sample.lookup, 0.5));
    std::printf("\n");
    for (const auto& backend : backends) {
        std::vector<const Sample*> mine;
        for (const auto& sample : samples)
            if (sample.backend == backend) mine.push_back(&sample);
        const Sample& small = *mine.front();
        const Sample& large = *mine.back();
        double ratio = percentile(large.micros, 0.5) / percentile(small.micros, 0.5);
        std::printf("%-10s ratio %zu/%zu, whole login (median): %.2f  (target <= 1.5: %s); "
                    "mean %.2f; lookup+verify (median) %.2f\n",
                    backend.c_str(), large.size, small.size, ratio, ratio <= 1.5 ? "met" : "NOT met",
                    mean(large.micros) / mean(small.micros),
                    percentile(large.lookup, 0.5) / percentile(small.lookup, 0.5));
    }
    if (backends.size() == 2)
        for (std::size_t i = 0; i < samples.size() / 2; ++i) {
            const Sample& a = samples[i];
            const Sample& b = samples[i + samples.size() / 2];
            std::printf("%s/%s at %zu, whole login (median): %.2f; lookup+verify (median): %.2f\n",
                        b.backend.c_str(), a.backend.c_str(), a.size,
                        percentile(b.micros, 0.5) / percentile(a.micros, 0.5),
                        percentile(b.lookup, 0.5) / percentile(a.lookup, 0.5));
        }
}

}  // namespace

int main(int argc, char** argv) {
    std::string dir = "/tmp/okey-store-bench-" + std::to_string(::getuid());
    std::vector<std::size_t> sizes{1000, 100000, 1000000};
    std::vector<std::string> backends{"sqlite", "postgresql"};
    std::vector<std::size_t> threads{1, 8, 32};
    double seconds = 4;
    int logins = 400, rounds = 5;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--dir" && i + 1 < argc) dir = argv[++i];
        else if (arg == "--sizes" && i + 1 < argc) sizes = parse_sizes(argv[++i]);
        else if (arg == "--logins" && i + 1 < argc) logins = std::atoi(argv[++i]);
        else if (arg == "--rounds" && i + 1 < argc) rounds = std::atoi(argv[++i]);
        else if (arg == "--backends" && i + 1 < argc) backends = parse_names(argv[++i]);
        else if (arg == "--threads" && i + 1 < argc) threads = parse_sizes(argv[++i]);
        else if (arg == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
        else die("usage: store_bench [--dir DIR] [--sizes 1000,100000,1000000] [--logins N] "
                 "[--rounds R] [--backends sqlite,postgresql] [--threads 1,8,32] [--seconds S]");
    }
    if (logins < 1 || rounds < 1 || !(seconds > 0))
        die("--logins, --rounds and --seconds must be positive");
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows even when piped
    ::mkdir(dir.c_str(), 0700);
    okey::store::enable_postgresql();

    std::printf("okey store bench: one login = load_login + libotp verify + accept_step\n");
    bench::Cluster cluster;
    cluster.dir = dir + "/pg";
    const bool with_postgresql =
        std::find(backends.begin(), backends.end(), "postgresql") != backends.end();
    if (with_postgresql) {
        cluster.start();
        std::printf("  PostgreSQL: the bench's own cluster on 127.0.0.1:%s (fsync on)\n",
                    cluster.port.c_str());
    }
    std::vector<okey::Store> stores;
    std::vector<Sample> samples;
    std::int64_t start = base_time + 30 * 1000;
    for (const auto& backend : backends)
        for (std::size_t n : sizes) {
            if (backend == "postgresql") cluster.ensure_database("okey_bench_" + std::to_string(n));
            auto o = options_for(dir, backend, n, cluster);
            if (bench::count_keys(o) != static_cast<long long>(n)) {
                std::printf("  %s: populating %zu keys and logins\n", backend.c_str(), n);
                bench::populate(o, n);
            } else {
                std::printf("  %s: reusing the store of %zu keys\n", backend.c_str(), n);
            }
            auto store = okey::Store::open(o);
            if (!store) die(store.error().message);
            stores.push_back(std::move(store.value()));
            samples.push_back({backend, n, {}, {}});
            // A reused store remembers earlier runs' steps: start after them.
            start = std::max<std::int64_t>(start, (bench::last_step(o) + 1) * 30);
        }

    // Each round runs every store in turn, so that machine noise hits all
    // alike. Times move forward 30 s per login: every login is at a fresh step.
    std::mt19937_64 random(42);
    std::int64_t now = start;
    for (int round = 0; round <= rounds; ++round)
        for (std::size_t s = 0; s < samples.size(); ++s)
            for (int k = 0; k < logins; ++k) {
                now += 30;
                Timing t = one_login(stores[s], random() % samples[s].size, now);
                if (round > 0) {  // round 0 warms up
                    samples[s].micros.push_back(t.total);
                    samples[s].lookup.push_back(t.lookup);
                }
            }
    stores.clear();
    report(samples, backends);

    if (with_postgresql) {
        // On the smallest PostgreSQL store.
        const std::size_t n = sizes.front();
        auto o = options_for(dir, "postgresql", n, cluster);
        std::vector<std::pair<Throughput, Throughput>> rows;
        for (std::size_t t : threads) {
            if (t > n) die("--threads: more threads than logins");
            rows.push_back(both_rules(o, n, t, seconds, now));
        }
        report_throughput(rows, n);
        cluster.stop();
    }
    return 0;
}
