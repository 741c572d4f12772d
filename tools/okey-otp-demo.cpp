// tools/okey-otp-demo.cpp — interim demo (scripts/demo) until pam_okey.so exists:
// a fresh random TOTP key, its otpauth URI, its current code verified once,
// then the same code refused as a replay.
#include <okey/otp.hpp>

#include <sys/random.h>

#include <cstdint>
#include <cstdio>
#include <ctime>

namespace otp = okey::otp;

int main() {
    otp::SecretBytes secret(20);
    if (getrandom(secret.data(), secret.size(), 0) != static_cast<ssize_t>(secret.size())) {
        std::fputs("okey-otp-demo: no randomness\n", stderr);
        return 1;
    }
    otp::UriFields fields;
    fields.issuer = "okey demo";
    fields.account = "jdupont";
    fields.secret = secret;
    auto uri = otp::build_uri(fields);
    auto key = otp::Key::make(secret, OKEY_OTP_SHA1, 6, 30);
    if (!uri || !key) {
        std::fprintf(stderr, "okey-otp-demo: %s\n",
                     otp::error_text(!uri ? uri.error() : key.error()).data());
        return 1;
    }
    std::printf("libokey-otp %s\n", okey_otp_version());
    std::printf("New software key for jdupont (scan into a TOTP app):\n  %s\n", uri->c_str());

    const std::int64_t now = std::time(nullptr);
    auto code = key->totp(now);
    if (!code) return 1;
    std::printf("Code shown by the key now: %s\n", code->digits);

    const otp::Window window{1, 10};
    otp::TokenState state{0, 0, 0};
    auto first = key->verify(code->view(), now, window, state);
    if (!first || first->verdict != OKEY_OTP_MATCH) {
        std::puts("First use: refused (unexpected)");
        return 1;
    }
    std::printf("First use: accepted at step %llu (offset %lld)\n",
                static_cast<unsigned long long>(first->step), static_cast<long long>(first->offset));

    state = {1, first->step, first->offset};  // what the store records
    auto second = key->verify(code->view(), now, window, state);
    if (!second || second->verdict != OKEY_OTP_REPLAY) {
        std::puts("Second use: accepted (unexpected)");
        return 1;
    }
    std::puts("Second use of the same code: refused as a replay");

    auto wrong = key->verify("000000", now, window, state);
    std::printf("A wrong code: %s\n",
                wrong && wrong->verdict == OKEY_OTP_NO_MATCH ? "refused" : "accepted (unexpected)");
    return 0;
}
