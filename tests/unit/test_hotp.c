// SPDX-License-Identifier: Apache-2.0
/* tests/unit/test_hotp.c — HOTP and TOTP against RFC 4226 App. D and RFC 6238 App. B. */
#include <okey/otp.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static const char kSeed20[] = "12345678901234567890";
static const char kSeed32[] = "12345678901234567890123456789012";
static const char kSeed64[] =
    "1234567890123456789012345678901234567890123456789012345678901234";

static okey_otp_key *make_key(const char *seed, okey_otp_algorithm algorithm, unsigned digits,
                              unsigned period) {
    okey_otp_key *key = NULL;
    assert_int_equal(okey_otp_key_new(&key, (const uint8_t *)seed, strlen(seed), algorithm,
                                      digits, period),
                     OKEY_OTP_OK);
    assert_non_null(key);
    return key;
}

static void rfc4226_appendix_d(void **state) {
    (void)state;
    static const char *expected[] = {"755224", "287082", "359152", "969429", "338314",
                                     "254676", "287922", "162583", "399871", "520489"};
    okey_otp_key *key = make_key(kSeed20, OKEY_OTP_SHA1, 6, 30);
    for (uint64_t counter = 0; counter < 10; ++counter) {
        char code[OKEY_OTP_CODE_BUFFER];
        assert_int_equal(okey_otp_hotp(key, counter, code), OKEY_OTP_OK);
        assert_string_equal(code, expected[counter]);
    }
    okey_otp_key_free(key);
}

struct totp_vector {
    int64_t time;
    const char *sha1, *sha256, *sha512;
};

static const struct totp_vector kRfc6238[] = {
    {59, "94287082", "46119246", "90693936"},
    {1111111109, "07081804", "68084774", "25091201"},
    {1111111111, "14050471", "67062674", "99943326"},
    {1234567890, "89005924", "91819424", "93441116"},
    {2000000000, "69279037", "90698825", "38618901"},
    {20000000000, "65353130", "77737706", "47863826"},
};

static void check_totp(const char *seed, okey_otp_algorithm algorithm, size_t field) {
    okey_otp_key *key8 = make_key(seed, algorithm, 8, 30);
    okey_otp_key *key6 = make_key(seed, algorithm, 6, 30);
    for (size_t i = 0; i < sizeof kRfc6238 / sizeof kRfc6238[0]; ++i) {
        const struct totp_vector *v = &kRfc6238[i];
        const char *want = field == 0 ? v->sha1 : field == 1 ? v->sha256 : v->sha512;
        char code[OKEY_OTP_CODE_BUFFER];
        assert_int_equal(okey_otp_totp(key8, v->time, code), OKEY_OTP_OK);
        assert_string_equal(code, want);
        /* 6 digits: the same truncation modulo 10^6, i.e. the last 6 digits. */
        assert_int_equal(okey_otp_totp(key6, v->time, code), OKEY_OTP_OK);
        assert_string_equal(code, want + 2);
    }
    okey_otp_key_free(key8);
    okey_otp_key_free(key6);
}

static void rfc6238_sha1(void **state) { (void)state; check_totp(kSeed20, OKEY_OTP_SHA1, 0); }
static void rfc6238_sha256(void **state) { (void)state; check_totp(kSeed32, OKEY_OTP_SHA256, 1); }
static void rfc6238_sha512(void **state) { (void)state; check_totp(kSeed64, OKEY_OTP_SHA512, 2); }

static void totp_steps_and_period(void **state) {
    (void)state;
    okey_otp_key *key = make_key(kSeed20, OKEY_OTP_SHA1, 8, 60);
    assert_int_equal(okey_otp_key_digits(key), 8);
    assert_int_equal(okey_otp_key_period(key), 60);
    uint64_t step = 99;
    assert_int_equal(okey_otp_totp_step(key, 0, &step), OKEY_OTP_OK);
    assert_int_equal(step, 0);
    assert_int_equal(okey_otp_totp_step(key, 119, &step), OKEY_OTP_OK);
    assert_int_equal(step, 1);
    assert_int_equal(okey_otp_totp_step(key, 120, &step), OKEY_OTP_OK);
    assert_int_equal(step, 2);
    assert_int_equal(okey_otp_totp_step(key, -1, &step), OKEY_OTP_ERR_INVALID_ARGUMENT);
    char code[OKEY_OTP_CODE_BUFFER];
    assert_int_equal(okey_otp_totp(key, -30, code), OKEY_OTP_ERR_INVALID_ARGUMENT);
    /* With a 60 s period, time 1111111109 is step 18518518 = RFC's T at 30 s / 2. */
    char by_totp[OKEY_OTP_CODE_BUFFER], by_hotp[OKEY_OTP_CODE_BUFFER];
    assert_int_equal(okey_otp_totp(key, 1111111109, by_totp), OKEY_OTP_OK);
    assert_int_equal(okey_otp_hotp(key, 1111111109 / 60, by_hotp), OKEY_OTP_OK);
    assert_string_equal(by_totp, by_hotp);
    okey_otp_key_free(key);
}

static void key_new_rejects_bad_parameters(void **state) {
    (void)state;
    uint8_t secret[65];
    memset(secret, 0x42, sizeof secret);
    okey_otp_key *key = (okey_otp_key *)&key; /* must be reset to NULL on failure */
    assert_int_equal(okey_otp_key_new(&key, secret, 9, OKEY_OTP_SHA1, 6, 30),
                     OKEY_OTP_ERR_SECRET_LENGTH);
    assert_null(key);
    assert_int_equal(okey_otp_key_new(&key, secret, 65, OKEY_OTP_SHA1, 6, 30),
                     OKEY_OTP_ERR_SECRET_LENGTH);
    assert_int_equal(okey_otp_key_new(&key, secret, 10, OKEY_OTP_SHA1, 7, 30),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_key_new(&key, secret, 10, OKEY_OTP_SHA1, 6, 0),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_key_new(&key, secret, 10, (okey_otp_algorithm)4, 6, 30),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_key_new(&key, NULL, 10, OKEY_OTP_SHA1, 6, 30),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_key_new(NULL, secret, 10, OKEY_OTP_SHA1, 6, 30),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    /* Both bounds are inclusive. */
    assert_int_equal(okey_otp_key_new(&key, secret, 10, OKEY_OTP_SHA512, 8, 1), OKEY_OTP_OK);
    okey_otp_key_free(key);
    assert_int_equal(okey_otp_key_new(&key, secret, 64, OKEY_OTP_SHA256, 6, 60), OKEY_OTP_OK);
    okey_otp_key_free(key);
    okey_otp_key_free(NULL);
    char code[OKEY_OTP_CODE_BUFFER];
    assert_int_equal(okey_otp_hotp(NULL, 0, code), OKEY_OTP_ERR_INVALID_ARGUMENT);
}

/* A 64-byte secret fills a whole SHA-1/SHA-256 block; SHA-512 pads it to 128.
 * Expected values from Python's hmac module (an independent HMAC). */
static void long_secret_uses_full_block(void **state) {
    (void)state;
    static const okey_otp_algorithm algorithms[] = {OKEY_OTP_SHA1, OKEY_OTP_SHA256,
                                                    OKEY_OTP_SHA512};
    static const char *expected[] = {"514304", "218771", "550594"};
    for (size_t i = 0; i < 3; ++i) {
        okey_otp_key *key = make_key(kSeed64, algorithms[i], 6, 30);
        char code[OKEY_OTP_CODE_BUFFER];
        assert_int_equal(okey_otp_hotp(key, 0, code), OKEY_OTP_OK);
        assert_string_equal(code, expected[i]);
        okey_otp_key_free(key);
    }
}

static void strerror_names_every_error(void **state) {
    (void)state;
    for (int e = OKEY_OTP_OK; e >= OKEY_OTP_ERR_CRYPTO; --e)
        assert_string_not_equal(okey_otp_strerror(e), "unknown error");
    assert_string_equal(okey_otp_strerror(-99), "unknown error");
    assert_non_null(okey_otp_version());
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc4226_appendix_d),
        cmocka_unit_test(rfc6238_sha1),
        cmocka_unit_test(rfc6238_sha256),
        cmocka_unit_test(rfc6238_sha512),
        cmocka_unit_test(totp_steps_and_period),
        cmocka_unit_test(key_new_rejects_bad_parameters),
        cmocka_unit_test(long_secret_uses_full_block),
        cmocka_unit_test(strerror_names_every_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
