// SPDX-License-Identifier: Apache-2.0
// tests/unit/test_wrapper.cpp — the header-only C++ wrapper okey/otp.hpp compiles
// and drives the library: keys, codes, verification, passcodes, PINs, URIs.
#include <okey/otp.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
}

namespace otp = okey::otp;

namespace {

otp::SecretBytes rfc_seed() {
    const char* seed = "12345678901234567890";
    return otp::SecretBytes(seed, seed + 20);
}

void key_codes_and_verify(void**) {
    auto seed = rfc_seed();
    auto key = otp::Key::make(seed, OKEY_OTP_SHA1, 8, 30);
    assert_true(key.ok());
    assert_int_equal(key->digits(), 8);
    assert_int_equal(key->period(), 30);
    auto code = key->totp(59);
    assert_true(code.ok());
    assert_true(code->view() == "94287082");
    auto hotp = key->hotp(1);
    assert_true(hotp.ok());
    assert_int_equal(hotp->view().size(), 8);
    auto step = key->step_at(59);
    assert_true(step.ok() && step.value() == 1);

    const otp::Window window{1, 10};
    otp::TokenState state{0, 0, 0};
    auto match = key->verify("94287082", 59, window, state);
    assert_true(match.ok());
    assert_int_equal(match->verdict, OKEY_OTP_MATCH);
    assert_int_equal(match->step, 1);
    state = {1, 1, 0};
    match = key->verify("94287082", 59, window, state);
    assert_int_equal(match->verdict, OKEY_OTP_REPLAY);
    auto same = key->verify_step("94287082", 1);
    assert_true(same.ok() && same.value());

    auto bad = otp::Key::make(std::span<const std::uint8_t>(seed.data(), 9), OKEY_OTP_SHA1, 6, 30);
    assert_false(bad.ok());
    assert_int_equal(bad.error(), OKEY_OTP_ERR_SECRET_LENGTH);
    assert_true(otp::error_text(bad.error()) == "secret must be 10 to 64 bytes");
}

void resync(void**) {
    auto seed = rfc_seed();
    auto key = otp::Key::make(seed, OKEY_OTP_SHA1, 6, 30);
    auto c1 = key->hotp(120);
    auto c2 = key->hotp(121);
    auto match = key->resync(c1->view(), c2->view(), 100 * 30, 50);
    assert_true(match.ok());
    assert_int_equal(match->verdict, OKEY_OTP_MATCH);
    assert_int_equal(match->step, 121);
    assert_int_equal(match->offset, 21);
}

// One key handle shared by several threads (otp.h: a key is never modified
// after creation): every thread gets the right verdicts.
void key_shared_between_threads(void**) {
    auto seed = rfc_seed();
    auto key = otp::Key::make(seed, OKEY_OTP_SHA1, 6, 30);
    const otp::Window window{1, 10};
    std::vector<int> wrong(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (std::uint64_t step = 1000; step < 1500; ++step) {
                auto code = key->hotp(step);
                otp::TokenState state{1, step - 1, 0};
                auto match = key->verify(code->view(), static_cast<std::int64_t>(step) * 30, window, state);
                if (!match || match->verdict != OKEY_OTP_MATCH || match->step != step) ++wrong[t];
            }
        });
    }
    for (auto& thread : threads) thread.join();
    for (int count : wrong) assert_int_equal(count, 0);
}

void passcode_and_pin(void**) {
    const otp::PasscodeRules rules{6, 4, 6, 0};
    otp::SecretString passcode("2580123456");
    auto parsed = otp::parse_passcode(passcode.view(), rules);
    assert_true(parsed.ok());
    assert_true(parsed->pin == "2580");
    assert_true(parsed->code == "123456");
    assert_int_equal(otp::parse_passcode("25801234x6", rules).error(), OKEY_OTP_ERR_PASSCODE_FORMAT);

    const otp::PinPolicy policy{4, 6, 1};
    assert_int_equal(otp::check_pin(policy, "2580"), OKEY_OTP_OK);
    assert_int_equal(otp::check_pin(policy, "1234"), OKEY_OTP_ERR_PIN_TRIVIAL);

    const otp::Argon2Params cheap{64, 1, 1};
    auto phc = otp::hash_pin(cheap, parsed->pin);
    assert_true(phc.ok());
    assert_int_equal(otp::verify_pin(phc.value(), "2580"), OKEY_OTP_OK);
    assert_int_equal(otp::verify_pin(phc.value(), "2581"), OKEY_OTP_ERR_PIN_MISMATCH);
    auto needs = otp::pin_needs_rehash(phc.value(), otp::Argon2Params{128, 1, 1});
    assert_true(needs.ok() && needs.value());
    passcode.clear();
    assert_true(passcode.empty());
    assert_true(otp::equal_constant_time("abc", "abc"));
    assert_false(otp::equal_constant_time("abc", "abd"));
    assert_false(otp::equal_constant_time("abc", "ab"));
}

void encodings(void**) {
    const std::array<std::uint8_t, 6> foobar{'f', 'o', 'o', 'b', 'a', 'r'};
    auto b32 = otp::base32_encode(foobar);
    assert_true(b32.ok() && b32.value() == "MZXW6YTBOI======");
    auto back = otp::base32_decode("MZXW6YTBOI");
    assert_true(back.ok());
    assert_int_equal(back->size(), 6);
    assert_memory_equal(back->data(), foobar.data(), 6);
    assert_int_equal(otp::base32_decode("M1").error(), OKEY_OTP_ERR_BAD_BASE32);
    auto hex = otp::hex_encode(foobar);
    assert_true(hex.ok() && hex.value() == "666f6f626172");
    auto raw = otp::hex_decode("666F6F626172");
    assert_true(raw.ok() && raw->size() == 6);
    assert_int_equal(otp::hex_decode("6").error(), OKEY_OTP_ERR_BAD_HEX);
}

void uris(void**) {
    otp::UriFields fields;
    fields.issuer = "okey";
    fields.account = "jdupont";
    fields.secret = rfc_seed();
    fields.algorithm = OKEY_OTP_SHA256;
    auto uri = otp::build_uri(fields);
    assert_true(uri.ok());
    auto parsed = otp::parse_uri(uri.value());
    assert_true(parsed.ok());
    assert_true(parsed->issuer == "okey");
    assert_true(parsed->account == "jdupont");
    assert_true(parsed->secret == fields.secret);
    assert_int_equal(parsed->algorithm, OKEY_OTP_SHA256);
    assert_int_equal(otp::parse_uri("otpauth://totp/a").error(), OKEY_OTP_ERR_URI_FORMAT);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_codes_and_verify), cmocka_unit_test(resync),
        cmocka_unit_test(key_shared_between_threads),
        cmocka_unit_test(passcode_and_pin),     cmocka_unit_test(encodings),
        cmocka_unit_test(uris),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
