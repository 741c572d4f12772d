// SPDX-License-Identifier: Apache-2.0
// bench/store/store_bench.cpp — the store work of one login (look-up of the
// login and its key with the secret unsealed, libotp verification of the code,
// the atomic acceptance of the step) with 1k, 100k and 1M keys and logins in
// the store, on SQLite and on PostgreSQL side by side in one run, with the
// ratio largest/smallest per backend: it should stay flat (target: 1M within
// 1.5x of 1k), since every step is an indexed look-up and one small write.
//
// Usage: store_bench [--dir DIR] [--sizes 1000,100000,1000000] [--logins N]
//                    [--rounds R] [--backends sqlite,postgresql]
// Populated stores are kept in DIR (default /tmp/okey-store-bench-<uid>) and
// reused by later runs; PostgreSQL's in the bench's own cluster (DIR/pg,
// tests/support/pg-cluster), stopped at the end with its data kept.
#include "populate.hpp"

#include "engine/store/postgresql/backend.hpp"

#include <okey/otp.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <sys/stat.h>
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
    int logins = 400, rounds = 5;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--dir" && i + 1 < argc) dir = argv[++i];
        else if (arg == "--sizes" && i + 1 < argc) sizes = parse_sizes(argv[++i]);
        else if (arg == "--logins" && i + 1 < argc) logins = std::atoi(argv[++i]);
        else if (arg == "--rounds" && i + 1 < argc) rounds = std::atoi(argv[++i]);
        else if (arg == "--backends" && i + 1 < argc) backends = parse_names(argv[++i]);
        else die("usage: store_bench [--dir DIR] [--sizes 1000,100000,1000000] [--logins N] "
                 "[--rounds R] [--backends sqlite,postgresql]");
    }
    if (logins < 1 || rounds < 1) die("--logins and --rounds must be positive");
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
    if (with_postgresql) cluster.stop();
    return 0;
}
