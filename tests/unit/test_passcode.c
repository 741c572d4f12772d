// SPDX-License-Identifier: Apache-2.0
/* tests/unit/test_passcode.c — passcode parsing: every error and every boundary. */
#include <okey/otp.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static const okey_otp_passcode_rules kRules = {6, 4, 6, 0};
static const okey_otp_passcode_rules kCodeOnly = {6, 4, 6, 1};

/* The parse result for `length` digits under `rules`; *pin gets the PIN length. */
static int parse_digits(size_t length, const okey_otp_passcode_rules *rules, size_t *pin) {
    char text[80];
    for (size_t i = 0; i < sizeof text; ++i) text[i] = (char)('0' + i % 10);
    return okey_otp_passcode_parse(text, length, rules, pin);
}

static void lengths_with_pin(void **state) {
    (void)state;
    size_t pin = 99;
    /* 0, 5, 6: too short for a PIN + code when code-only is off. */
    assert_int_equal(parse_digits(0, &kRules, &pin), OKEY_OTP_ERR_PASSCODE_FORMAT);
    assert_int_equal(parse_digits(5, &kRules, &pin), OKEY_OTP_ERR_PASSCODE_FORMAT);
    assert_int_equal(parse_digits(6, &kRules, &pin), OKEY_OTP_ERR_PASSCODE_FORMAT);
    assert_int_equal(parse_digits(9, &kRules, &pin), OKEY_OTP_ERR_PASSCODE_FORMAT);
    /* 10 = PIN 4 + code 6; 12 = PIN 6 + code 6; 13 is a 7-digit PIN. */
    assert_int_equal(parse_digits(10, &kRules, &pin), OKEY_OTP_OK);
    assert_int_equal(pin, 4);
    assert_int_equal(parse_digits(11, &kRules, &pin), OKEY_OTP_OK);
    assert_int_equal(pin, 5);
    assert_int_equal(parse_digits(12, &kRules, &pin), OKEY_OTP_OK);
    assert_int_equal(pin, 6);
    pin = 99;
    assert_int_equal(parse_digits(13, &kRules, &pin), OKEY_OTP_ERR_PASSCODE_FORMAT);
    assert_int_equal(pin, 0);
    assert_int_equal(parse_digits(64, &kRules, &pin), OKEY_OTP_ERR_PASSCODE_FORMAT);
    assert_int_equal(parse_digits(65, &kRules, &pin), OKEY_OTP_ERR_PASSCODE_FORMAT);
}

static void code_only(void **state) {
    (void)state;
    size_t pin = 99;
    assert_int_equal(parse_digits(6, &kCodeOnly, &pin), OKEY_OTP_OK);
    assert_int_equal(pin, 0);
    assert_int_equal(parse_digits(5, &kCodeOnly, &pin), OKEY_OTP_ERR_PASSCODE_FORMAT);
    assert_int_equal(parse_digits(7, &kCodeOnly, &pin), OKEY_OTP_ERR_PASSCODE_FORMAT);
    assert_int_equal(parse_digits(0, &kCodeOnly, &pin), OKEY_OTP_ERR_PASSCODE_FORMAT);
    /* Code-only still accepts a full passcode. */
    assert_int_equal(parse_digits(10, &kCodeOnly, &pin), OKEY_OTP_OK);
    assert_int_equal(pin, 4);
}

static void eight_digit_codes(void **state) {
    (void)state;
    const okey_otp_passcode_rules rules = {8, 4, 6, 1};
    size_t pin = 99;
    assert_int_equal(parse_digits(8, &rules, &pin), OKEY_OTP_OK);
    assert_int_equal(pin, 0);
    assert_int_equal(parse_digits(12, &rules, &pin), OKEY_OTP_OK);
    assert_int_equal(pin, 4);
    assert_int_equal(parse_digits(14, &rules, &pin), OKEY_OTP_OK);
    assert_int_equal(pin, 6);
    assert_int_equal(parse_digits(15, &rules, &pin), OKEY_OTP_ERR_PASSCODE_FORMAT);
    assert_int_equal(parse_digits(10, &rules, &pin), OKEY_OTP_ERR_PASSCODE_FORMAT);
}

static void wide_pin_bounds_reach_64(void **state) {
    (void)state;
    const okey_otp_passcode_rules rules = {6, 0, 100, 0};
    size_t pin = 0;
    assert_int_equal(parse_digits(64, &rules, &pin), OKEY_OTP_OK);
    assert_int_equal(pin, 58);
    /* Over 64 bytes is refused whatever the rules. */
    assert_int_equal(parse_digits(65, &rules, &pin), OKEY_OTP_ERR_PASSCODE_FORMAT);
    /* pin_min 0 makes a bare code acceptable through the PIN rule. */
    assert_int_equal(parse_digits(6, &rules, &pin), OKEY_OTP_OK);
    assert_int_equal(pin, 0);
}

static void non_digits(void **state) {
    (void)state;
    size_t pin = 99;
    const char *bad[] = {"1234a23456", "123412345 ", " 1234123456", "1234-23456",
                         "１２３４",    "12341234５6"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i)
        assert_int_equal(okey_otp_passcode_parse(bad[i], strlen(bad[i]), &kRules, &pin),
                         OKEY_OTP_ERR_PASSCODE_FORMAT);
    /* NUL bytes inside the length are non-digits, not an end. */
    assert_int_equal(okey_otp_passcode_parse("1234\0" "23456", 10, &kRules, &pin),
                     OKEY_OTP_ERR_PASSCODE_FORMAT);
    assert_int_equal(okey_otp_passcode_parse("123412345\0", 10, &kRules, &pin),
                     OKEY_OTP_ERR_PASSCODE_FORMAT);
    /* Bytes past `length` are never read or judged. */
    assert_int_equal(okey_otp_passcode_parse("1234123456xyz", 10, &kRules, &pin), OKEY_OTP_OK);
    assert_int_equal(pin, 4);
}

static void invalid_arguments(void **state) {
    (void)state;
    size_t pin = 0;
    const okey_otp_passcode_rules seven = {7, 4, 6, 0};
    const okey_otp_passcode_rules inverted = {6, 6, 4, 0};
    assert_int_equal(okey_otp_passcode_parse("1234123456", 10, &seven, &pin),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_passcode_parse("1234123456", 10, &inverted, &pin),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_passcode_parse(NULL, 10, &kRules, &pin),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    /* (NULL, 0) is an empty passcode, as from an empty std::string_view. */
    assert_int_equal(okey_otp_passcode_parse(NULL, 0, &kRules, &pin),
                     OKEY_OTP_ERR_PASSCODE_FORMAT);
    assert_int_equal(okey_otp_passcode_parse("1234123456", 10, NULL, &pin),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_passcode_parse("1234123456", 10, &kRules, NULL),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lengths_with_pin),  cmocka_unit_test(code_only),
        cmocka_unit_test(eight_digit_codes), cmocka_unit_test(wide_pin_bounds_reach_64),
        cmocka_unit_test(non_digits),        cmocka_unit_test(invalid_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
