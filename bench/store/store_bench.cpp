// SPDX-License-Identifier: Apache-2.0
// bench/store/store_bench.cpp — the store work of one login (look-up of the
// login and its key with the secret unsealed, libotp verification of the code,
// the atomic acceptance of the step) with 1k, 100k and 1M keys and logins in
// the store, side by side, with the ratio largest/smallest: it should stay
// flat (target: 1M within 1.5x of 1k), since every step is an indexed look-up
// and one small write.
//
// Usage: store_bench [--dir DIR] [--sizes 1000,100000,1000000] [--logins N] [--rounds R]
// Populated stores are kept in DIR (default /tmp/okey-store-bench-<uid>) and
// reused by later runs.
#include "engine/store/secret_box.hpp"
#include "engine/store/store.hpp"

#include <okey/otp.hpp>

#include <openssl/rand.h>
#include <sqlite3.h>

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
constexpr std::int64_t base_time = 1'800'000'000;

std::string serial_of(std::size_t i) {
    char s[32];
    std::snprintf(s, sizeof s, "B%08zu", i);
    return s;
}

std::string login_of(std::size_t i) {
    char s[32];
    std::snprintf(s, sizeof s, "u%08zu", i);
    return s;
}

// The secret of key i, derived so the bench can compute its codes without
// reading the store: 20 bytes, distinct per key.
okey::otp::SecretBytes secret_of(std::size_t i) {
    okey::otp::SecretBytes s(20);
    for (std::size_t b = 0; b < s.size(); ++b)
        s[b] = static_cast<std::uint8_t>((i >> ((b % 4) * 8)) ^ (b * 37 + 11));
    return s;
}

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "store_bench: %s\n", what.c_str());
    std::exit(1);
}

okey::StoreOptions options_for(const std::string& dir, std::size_t n) {
    okey::StoreOptions o;
    o.path = dir + "/store-" + std::to_string(n) + "/okey.db";
    o.key_file = dir + "/store-" + std::to_string(n) + "/seed.key";
    o.trusted_owner = static_cast<unsigned>(::getuid());
    return o;
}

long long query_integer(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    sqlite3_stmt* stmt = nullptr;
    long long n = -1;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
}

// n assigned keys and n logins with a PIN, in one transaction, each secret
// sealed under the store's key file with its serial as additional data.
void populate(const okey::StoreOptions& o, std::size_t n) {
    auto started = Clock::now();
    for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((o.path + suffix).c_str());
    ::unlink(o.key_file.c_str());
    if (auto made = okey::Store::initialise(o); !made) die(made.error().message);
    auto box = okey::store::SecretBox::load(o.key_file, o.trusted_owner);
    if (!box) die(box.error().message);
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(o.path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
        die("cannot open " + o.path);
    sqlite3_exec(db, "PRAGMA synchronous = OFF; BEGIN", nullptr, nullptr, nullptr);
    sqlite3_stmt* token = nullptr;
    sqlite3_stmt* user = nullptr;
    sqlite3_prepare_v2(db,
                       "INSERT INTO tokens (serial, kind, algorithm, digits, period, secret, "
                       "state, owner, lot, expires, drift, created, updated) VALUES "
                       "(?1, 'hardware', 'sha1', 6, 30, ?2, 'assigned', ?3, 'bench', '', 0, ?4, ?4)",
                       -1, &token, nullptr);
    sqlite3_prepare_v2(db,
                       "INSERT INTO users (login, pin_hash, pin_state, failures, locked_until, "
                       "created, updated) VALUES (?1, '$argon2id$v=19$m=8,t=1,p=1$bench$bench', "
                       "'set', 0, 0, ?2, ?2)",
                       -1, &user, nullptr);
    for (std::size_t i = 0; i < n; ++i) {
        std::string serial = serial_of(i), login = login_of(i);
        auto sealed = box->seal(secret_of(i), serial);
        if (!sealed) die(sealed.error().message);
        sqlite3_bind_text(token, 1, serial.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(token, 2, sealed->data(), static_cast<int>(sealed->size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(token, 3, login.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(token, 4, base_time);
        sqlite3_bind_text(user, 1, login.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(user, 2, base_time);
        if (sqlite3_step(token) != SQLITE_DONE || sqlite3_step(user) != SQLITE_DONE)
            die(std::string("insert: ") + sqlite3_errmsg(db));
        sqlite3_reset(token);
        sqlite3_reset(user);
    }
    sqlite3_finalize(token);
    sqlite3_finalize(user);
    if (sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE); ANALYZE", nullptr, nullptr,
                     nullptr) != SQLITE_OK)
        die(std::string("commit: ") + sqlite3_errmsg(db));
    sqlite3_close(db);
    std::printf("  populated %zu keys and logins in %.1f s\n", n,
                std::chrono::duration<double>(Clock::now() - started).count());
}

struct Sample {
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

}  // namespace

int main(int argc, char** argv) {
    std::string dir = "/tmp/okey-store-bench-" + std::to_string(::getuid());
    std::vector<std::size_t> sizes{1000, 100000, 1000000};
    int logins = 400, rounds = 5;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--dir" && i + 1 < argc) dir = argv[++i];
        else if (arg == "--sizes" && i + 1 < argc) sizes = parse_sizes(argv[++i]);
        else if (arg == "--logins" && i + 1 < argc) logins = std::atoi(argv[++i]);
        else if (arg == "--rounds" && i + 1 < argc) rounds = std::atoi(argv[++i]);
        else die("usage: store_bench [--dir DIR] [--sizes 1000,100000,1000000] [--logins N] [--rounds R]");
    }
    if (logins < 1 || rounds < 1) die("--logins and --rounds must be positive");
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows even when piped
    ::mkdir(dir.c_str(), 0700);

    std::printf("okey store bench: one login = load_login + libotp verify + accept_step\n");
    std::vector<okey::Store> stores;
    std::vector<Sample> samples;
    std::int64_t start = base_time + 30 * 1000;
    for (std::size_t n : sizes) {
        auto o = options_for(dir, n);
        ::mkdir(o.path.substr(0, o.path.rfind('/')).c_str(), 0700);
        if (query_integer(o.path, "SELECT count(*) FROM tokens") != static_cast<long long>(n))
            populate(o, n);
        else std::printf("  reusing %s (%zu keys)\n", o.path.c_str(), n);
        auto store = okey::Store::open(o);
        if (!store) die(store.error().message);
        stores.push_back(std::move(store.value()));
        samples.push_back({n, {}, {}});
        // A reused store remembers earlier runs' steps: start after them.
        long long last = query_integer(o.path, "SELECT coalesce(max(last_step), 0) FROM tokens");
        start = std::max<std::int64_t>(start, (last + 1) * 30);
    }

    // Each round runs every size in turn, so that machine noise hits all alike.
    // Times move forward 30 s per login: every login is at a fresh step.
    std::mt19937_64 random(42);
    std::int64_t now = start;
    for (int round = 0; round <= rounds; ++round)
        for (std::size_t s = 0; s < sizes.size(); ++s)
            for (int k = 0; k < logins; ++k) {
                now += 30;
                Timing t = one_login(stores[s], random() % sizes[s], now);
                if (round > 0) {  // round 0 warms up
                    samples[s].micros.push_back(t.total);
                    samples[s].lookup.push_back(t.lookup);
                }
            }

    // The write is one durable commit (an fsync): on a shared disk it
    // dominates and is noisy, so the read part is shown on its own too.
    std::printf("\n%12s %14s %14s %14s %12s %18s\n", "keys+logins", "mean µs", "median µs",
                "p90 µs", "logins/s", "lookup+verify µs");
    for (const auto& sample : samples)
        std::printf("%12zu %14.1f %14.1f %14.1f %12.0f %18.1f\n", sample.size,
                    mean(sample.micros), percentile(sample.micros, 0.5),
                    percentile(sample.micros, 0.9), 1e6 / mean(sample.micros),
                    percentile(sample.lookup, 0.5));
    const auto& small = samples.front();
    const auto& large = samples.back();
    double ratio = percentile(large.micros, 0.5) / percentile(small.micros, 0.5);
    std::printf("\nratio %zu/%zu, whole login (median): %.2f  (target <= 1.5: %s)\n", large.size,
                small.size, ratio, ratio <= 1.5 ? "met" : "NOT met");
    std::printf("ratio %zu/%zu, whole login (mean):   %.2f\n", large.size, small.size,
                mean(large.micros) / mean(small.micros));
    std::printf("ratio %zu/%zu, lookup+verify (median): %.2f\n", large.size, small.size,
                percentile(large.lookup, 0.5) / percentile(small.lookup, 0.5));
    return 0;
}
