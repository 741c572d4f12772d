// SPDX-License-Identifier: Apache-2.0
// bench/otp/otp_bench.cpp — how many TOTP verifications per second libotp and
// liboath (oath_totp_validate) manage on the same inputs, at window ±1 and ±10,
// and what one Argon2id PIN hash costs at the default parameters.
//
// Both sides check the same 2w+1 steps around now (libotp: window = resync
// window = w) for the same secrets, times and codes; the codes are random, so
// almost none match and neither side stops early. libotp is measured twice:
// with a key made for every verification (what liboath does with its raw
// secret, and what one login does) and with a key made once and reused.
// Time is this thread's CPU time (time spent descheduled on a shared machine
// does not count), rounds alternate between the contenders, and the median
// rate is kept.
#include <okey/otp.hpp>

#include <liboath/oath.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <string_view>
#include <time.h>
#include <vector>

namespace {

double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Input {
    std::array<std::uint8_t, 20> secret;
    std::int64_t time;
    char code[7];
};

std::vector<Input> make_inputs(std::size_t count) {
    std::mt19937_64 rng(20261123);
    std::vector<Input> inputs(count);
    for (auto& in : inputs) {
        for (auto& b : in.secret) b = static_cast<std::uint8_t>(rng());
        in.time = static_cast<std::int64_t>(1'500'000'000 + rng() % 500'000'000);
        std::snprintf(in.code, sizeof in.code, "%06u", static_cast<unsigned>(rng() % 1'000'000));
    }
    return inputs;
}

// Verifications per second of `verify` over all inputs (one round).
double rate(const std::vector<Input>& inputs, const std::function<int(const Input&)>& verify,
            std::vector<double>& samples) {
    const double start = cpu_seconds();
    long sink = 0;
    for (const auto& in : inputs) sink += verify(in);
    const double elapsed = cpu_seconds() - start;
    if (sink == 42424242) std::puts("");  // keep the work observable
    samples.push_back(static_cast<double>(inputs.size()) / elapsed);
    return samples.back();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int verify_libotp_fresh_key(const Input& in, unsigned window) {
    okey_otp_key* key = nullptr;
    if (okey_otp_key_new(&key, in.secret.data(), in.secret.size(), OKEY_OTP_SHA1, 6, 30) != 0)
        return -1;
    const okey_otp_window w{window, window};
    const okey_otp_token_state state{0, 0, 0};
    okey_otp_match match{};
    const int rc = okey_otp_verify(key, in.code, 6, in.time, &w, &state, &match);
    okey_otp_key_free(key);
    return rc == 0 ? static_cast<int>(match.verdict) : -1;
}

int verify_liboath(const Input& in, unsigned window) {
    return oath_totp_validate(reinterpret_cast<const char*>(in.secret.data()), in.secret.size(),
                              static_cast<time_t>(in.time), 30, 0, window, in.code);
}

void compare(const std::vector<Input>& inputs, unsigned window, int rounds) {
    // Keys made once, for the "reused key" variant.
    std::vector<okey::otp::Key> keys;
    keys.reserve(inputs.size());
    for (const auto& in : inputs)
        keys.push_back(std::move(okey::otp::Key::make(in.secret, OKEY_OTP_SHA1, 6, 30).value()));
    std::size_t next = 0;
    const okey_otp_window w{window, window};
    const okey_otp_token_state state{0, 0, 0};
    auto reused = [&](const Input& in) {
        okey_otp_match match{};
        const int rc = okey_otp_verify(keys[next++ % keys.size()].get(), in.code, 6, in.time, &w,
                                       &state, &match);
        return rc == 0 ? static_cast<int>(match.verdict) : -1;
    };
    std::vector<double> fresh_samples, reused_samples, oath_samples;
    for (int r = 0; r < rounds; ++r) {
        rate(inputs, [&](const Input& in) { return verify_liboath(in, window); }, oath_samples);
        rate(inputs, [&](const Input& in) { return verify_libotp_fresh_key(in, window); },
             fresh_samples);
        next = 0;
        rate(inputs, reused, reused_samples);
    }
    const double oath = median(oath_samples), fresh = median(fresh_samples),
                 again = median(reused_samples);
    const double candidates = 2.0 * window + 1;
    std::printf("window ±%-2u (%2.0f steps)  liboath %9.0f /s (%.3f µs/step)\n", window, candidates,
                oath, 1e6 / oath / candidates);
    std::printf("                      libotp  %9.0f /s (%.3f µs/step)  ratio %.2fx  [key made per verification]\n",
                fresh, 1e6 / fresh / candidates, fresh / oath);
    std::printf("                      libotp  %9.0f /s (%.3f µs/step)  ratio %.2fx  [key reused]\n",
                again, 1e6 / again / candidates, again / oath);
}

void argon2_default_cost() {
    const okey::otp::Argon2Params defaults{19456, 2, 1};
    std::vector<double> ms;
    std::string phc;
    for (int i = 0; i < 5; ++i) {
        const double start = cpu_seconds();
        auto hashed = okey::otp::hash_pin(defaults, "739164");
        const double elapsed = cpu_seconds() - start;
        if (!hashed) {
            std::printf("argon2id: hash failed (%d)\n", hashed.error());
            return;
        }
        phc = hashed.value();
        ms.push_back(elapsed * 1e3);
    }
    const double start = cpu_seconds();
    const int rc = okey::otp::verify_pin(phc, "739164");
    const double verify_ms = (cpu_seconds() - start) * 1e3;
    std::printf("argon2id m=19456 KiB t=2 p=1: hash %.1f ms CPU (median of 5), verify %.1f ms (%s)\n",
                median(ms), verify_ms, rc == 0 ? "ok" : "FAILED");
}

}  // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::string_view(argv[1]) == "--quick";
    if (oath_init() != OATH_OK) {
        std::puts("oath_init failed");
        return 1;
    }
    const auto inputs = make_inputs(quick ? 1000 : 5000);
    const int rounds = quick ? 5 : 21;
    std::printf("TOTP verification, SHA1, 6 digits, %zu inputs, median of %d rounds\n",
                inputs.size(), rounds);
    compare(inputs, 1, rounds);
    compare(inputs, 10, rounds);
    argon2_default_cost();
    oath_done();
    return 0;
}
