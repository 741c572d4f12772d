// SPDX-License-Identifier: Apache-2.0
// bench/server/bench_server.cpp — okeyd's throughput and latency (DESIGN.md
// §9): validations per second and p50/p99 latency with 1, 8 and 32
// concurrent HTTPS clients, keeping their connection (keep-alive) or opening
// one per request, against okeyd on PostgreSQL, with Argon2id at its minimum
// and its default cost — beside the same logins run in-process on the engine
// (LoginFlow over a Store per thread on the same database: the ceiling), and
// the ratio okeyd / in-process, all in the same run.
//
// Every login is a real success: PIN + the code of a step the key has not
// used yet (a key succeeds once per step), so the logins are spread over
// many keys, each used at the steps of its window (totp.window = 3).
// run-bench.sh makes the cluster, the store, the certificates and the two
// okeyd nodes (one per cost), then runs this.
#include "engine/config.hpp"
#include "engine/local/login_flow.hpp"
#include "engine/store/postgresql/backend.hpp"
#include "engine/store/store.hpp"

#include <okey/otp.hpp>

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using Steady = std::chrono::steady_clock;
const std::string pin = "2580";
constexpr unsigned window = 3;

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "bench_server: %s\n", what.c_str());
    std::exit(1);
}

okey::otp::SecretBytes secret_of(std::size_t i) {
    okey::otp::SecretBytes s(20);
    for (std::size_t b = 0; b < s.size(); ++b)
        s[b] = static_cast<std::uint8_t>((i >> ((b % 4) * 8)) ^ (b * 37 + 11));
    return s;
}

std::string name_of(const char* prefix, std::size_t i) {
    char s[32];
    std::snprintf(s, sizeof s, "%s%06zu", prefix, i);
    return s;
}

// One cost: its keys (serials and logins with its prefix), its Argon2
// parameters, the okeyd node configured with them.
struct Population {
    const char* label;
    const char* prefix;
    std::size_t first = 0, count = 0;
    okey::Argon2Settings argon2;
    std::string url;
    std::vector<okey::otp::Key> keys;
    std::unique_ptr<std::atomic<std::uint64_t>[]> last_step;  // per key
    std::atomic<std::size_t> next{0};
};

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// The next (login, passcode) that must succeed: keys in turn, each at the
// step after its last one, within the window around now.
bool next_login(Population& p, std::string& login, std::string& passcode) {
    for (std::size_t tries = 0; tries < p.count * 2; ++tries) {
        const std::size_t k = p.next.fetch_add(1) % p.count;
        const std::uint64_t current = static_cast<std::uint64_t>(now()) / 30;
        std::uint64_t last = p.last_step[k].load();
        // One step of margin on each side: a login may cross a step
        // boundary while it runs, and must still be within the window then.
        std::uint64_t step = std::max(last + 1, current - (window - 1));
        if (step > current + (window - 1)) continue;
        if (!p.last_step[k].compare_exchange_strong(last, step)) continue;
        auto code = p.keys[k].totp(static_cast<std::int64_t>(step) * 30);
        if (!code) die("totp");
        login = name_of(p.prefix, k);
        passcode = pin + std::string(code->view());
        return true;
    }
    return false;
}

void populate(okey::Store& store, Population& p, std::int64_t at) {
    p.keys.clear();
    p.last_step.reset(new std::atomic<std::uint64_t>[p.count]);
    for (std::size_t i = 0; i < p.count; ++i) {
        auto key = okey::otp::Key::make(secret_of(p.first + i), OKEY_OTP_SHA1, 6, 30);
        if (!key) die("key");
        p.keys.push_back(std::move(key.value()));
        p.last_step[i] = static_cast<std::uint64_t>(at) / 30 - 100;
    }
    if (store.get_user(name_of(p.prefix, p.count - 1))) return;  // made by an earlier run
    std::fprintf(stderr, "bench_server: making %zu keys and logins (%s cost)…\n", p.count, p.label);
    std::vector<okey::Store::NewToken> tokens;
    for (std::size_t i = 0; i < p.count; ++i) {
        okey::KeySpec spec;
        spec.serial = name_of(p.prefix[1] == 'm' ? "SM" : "SD", i);
        tokens.push_back({spec, secret_of(p.first + i)});
    }
    if (auto added = store.add_tokens(tokens, {at, "bench"}); !added) die(added.error().message);
    okey::otp::Argon2Params params{p.argon2.memory_kib, p.argon2.iterations, p.argon2.parallelism};
    auto hash = okey::otp::hash_pin(params, pin);
    if (!hash) die("hash_pin");
    for (std::size_t i = 0; i < p.count; ++i) {
        const std::string login = name_of(p.prefix, i);
        if (auto ok = store.assign(tokens[i].spec.serial, login, {at, "bench"}); !ok)
            die(ok.error().message);
        okey::StepAcceptance a{login, tokens[i].spec.serial, p.last_step[i].load(), 0, at, false,
                               hash.value()};
        if (auto ok = store.accept_step(a); !ok) die(ok.error().message);
    }
}

struct Figures {
    double per_second = 0;
    double p50_ms = 0, p99_ms = 0;
    std::size_t failed = 0;
};

Figures summarise(std::vector<double>& latencies, double seconds, std::size_t failed) {
    Figures f;
    std::sort(latencies.begin(), latencies.end());
    if (!latencies.empty()) {
        f.p50_ms = latencies[latencies.size() / 2];
        f.p99_ms = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
    }
    f.per_second = static_cast<double>(latencies.size()) / seconds;
    f.failed = failed;
    return f;
}

// `clients` threads each doing `one()` until `total` logins are done.
template <class MakeWorker>
Figures run(unsigned clients, std::size_t total, MakeWorker make_worker) {
    std::atomic<std::size_t> issued{0}, failed{0};
    std::vector<std::vector<double>> latencies(clients);
    std::vector<std::thread> threads;
    const auto start = Steady::now();
    for (unsigned c = 0; c < clients; ++c)
        threads.emplace_back([&, c] {
            auto one = make_worker();
            while (issued.fetch_add(1) < total) {
                const auto t0 = Steady::now();
                const bool ok = one();
                latencies[c].push_back(
                    std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
                if (!ok) ++failed;
            }
        });
    for (auto& t : threads) t.join();
    const double seconds = std::chrono::duration<double>(Steady::now() - start).count();
    std::vector<double> all;
    for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    return summarise(all, seconds, failed.load());
}

okey::Config config_for(const Population& p, const std::string& store, const std::string& key_file) {
    okey::Config c;
    c.store = store;
    c.key_file = key_file;
    c.totp.window = window;
    c.pin.argon2 = p.argon2;
    c.texts = okey::default_texts(okey::Language::fr, 4, 6);
    return c;
}

Figures in_process(Population& p, const okey::Config& config, unsigned clients, std::size_t total) {
    return run(clients, total, [&] {
        auto store = std::make_shared<okey::Store>([&] {
            okey::StoreOptions o;
            o.path = config.store;
            o.key_file = config.key_file;
            o.trusted_owner = 0;
            auto s = okey::Store::open(o);
            if (!s) die(s.error().message);
            return std::move(s.value());
        }());
        return [&p, &config, store] {
            std::string login, passcode;
            if (!next_login(p, login, passcode)) return false;
            okey::SystemClock clock;
            okey::NullLogger logger;
            okey::LoginFlow flow(config, *store, clock, logger);
            okey::LoginContext context;
            context.login = login;
            context.service = "bench";
            auto round = flow.start(context, passcode, config.texts);
            return round.finished() && round.result.outcome == okey::LoginOutcome::success;
        };
    });
}

size_t collect(char* data, size_t size, size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

Figures over_https(Population& p, const std::string& ca, unsigned clients, std::size_t total,
                   bool keep_alive) {
    return run(clients, total, [&] {
        std::shared_ptr<CURL> curl(curl_easy_init(), curl_easy_cleanup);
        auto body = std::make_shared<std::string>();
        curl_easy_setopt(curl.get(), CURLOPT_URL, (p.url + "/validate/check").c_str());
        curl_easy_setopt(curl.get(), CURLOPT_CAINFO, ca.c_str());
        curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 30000L);
        curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, body.get());
        if (!keep_alive) {
            curl_easy_setopt(curl.get(), CURLOPT_FRESH_CONNECT, 1L);
            curl_easy_setopt(curl.get(), CURLOPT_FORBID_REUSE, 1L);
        }
        return [&p, curl, body] {
            std::string login, passcode;
            if (!next_login(p, login, passcode)) return false;
            const std::string form = "user=" + login + "&pass=" + passcode;
            curl_easy_setopt(curl.get(), CURLOPT_COPYPOSTFIELDS, form.c_str());
            body->clear();
            long status = 0;
            if (curl_easy_perform(curl.get()) != CURLE_OK) return false;
            curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
            return status == 200 && body->find("\"ACCEPT\"") != std::string::npos;
        };
    });
}

}  // namespace

int main(int argc, char** argv) {
    std::string store, key_file, ca, url_min, url_default;
    std::size_t logins_min = 1500, logins_default = 60;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i], v = argv[i + 1];
        if (a == "--store") store = v;
        else if (a == "--key-file") key_file = v;
        else if (a == "--ca") ca = v;
        else if (a == "--url-min") url_min = v;
        else if (a == "--url-default") url_default = v;
        else if (a == "--logins-min") logins_min = std::stoul(v);
        else if (a == "--logins-default") logins_default = std::stoul(v);
        else die("unknown option " + a);
    }
    if (store.empty() || key_file.empty() || ca.empty() || url_min.empty() || url_default.empty())
        die("usage: bench_server --store URI --key-file F --ca F --url-min URL --url-default URL "
            "[--logins-min N] [--logins-default N]   (bench/server/run-bench.sh runs it)");
    okey::store::enable_postgresql();
    curl_global_init(CURL_GLOBAL_DEFAULT);

    Population minimum{"minimum", "bm", 0, 4000, {8, 1, 1}, url_min, {}, {}, {}};
    Population normal{"default", "bd", 100000, 400, {}, url_default, {}, {}, {}};
    {
        okey::StoreOptions o;
        o.path = store;
        o.key_file = key_file;
        auto s = okey::Store::open(o);
        if (!s) die(s.error().message);
        populate(s.value(), minimum, now());
        populate(s.value(), normal, now());
    }

    std::printf("okeyd on PostgreSQL vs the same logins in-process (LoginFlow, a Store per thread)\n");
    std::printf("%-8s %-8s %14s %26s %26s %9s\n", "argon2", "clients", "in-process/s",
                "okeyd keep-alive/s p50 p99", "okeyd new-conn/s p50 p99", "ka/inproc");
    for (Population* p : {&minimum, &normal}) {
        const okey::Config config = config_for(*p, store, key_file);
        const std::size_t total = p == &minimum ? logins_min : logins_default;
        for (unsigned clients : {1u, 8u, 32u}) {
            Figures local = in_process(*p, config, clients, total);
            Figures alive = over_https(*p, ca, clients, total, true);
            Figures fresh = over_https(*p, ca, clients, total, false);
            std::printf("%-8s %-8u %14.0f %10.0f %6.1fms %6.1fms %10.0f %6.1fms %6.1fms %8.0f%%\n",
                        p->label, clients, local.per_second, alive.per_second, alive.p50_ms,
                        alive.p99_ms, fresh.per_second, fresh.p50_ms, fresh.p99_ms,
                        100.0 * alive.per_second / local.per_second);
            if (local.failed + alive.failed + fresh.failed > 0)
                std::printf("   refused (must be 0): in-process %zu, keep-alive %zu, new-conn %zu\n",
                            local.failed, alive.failed, fresh.failed);
            std::fflush(stdout);
        }
    }
    std::printf("(figures from one run; the logins are real successes, each at a fresh step)\n");
    curl_global_cleanup();
    return 0;
}
