// SPDX-License-Identifier: Apache-2.0
/* tests/unit/test_pin.c — PIN policy: digits, length bounds, trivial PINs. */
#include <okey/otp.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static const okey_otp_pin_policy kDefault = {4, 6, 1};
static const okey_otp_pin_policy kLenient = {4, 6, 0};

static int check(const okey_otp_pin_policy *policy, const char *pin) {
    return okey_otp_pin_check(policy, pin, strlen(pin));
}

static void length_bounds(void **state) {
    (void)state;
    assert_int_equal(check(&kDefault, "258"), OKEY_OTP_ERR_PIN_LENGTH);
    assert_int_equal(check(&kDefault, "2580"), OKEY_OTP_OK);
    assert_int_equal(check(&kDefault, "25804"), OKEY_OTP_OK);
    assert_int_equal(check(&kDefault, "258046"), OKEY_OTP_OK);
    assert_int_equal(check(&kDefault, "2580461"), OKEY_OTP_ERR_PIN_LENGTH);
    assert_int_equal(check(&kDefault, ""), OKEY_OTP_ERR_PIN_LENGTH);
    const okey_otp_pin_policy eight = {8, 8, 1};
    assert_int_equal(check(&eight, "25804613"), OKEY_OTP_OK);
    assert_int_equal(check(&eight, "2580461"), OKEY_OTP_ERR_PIN_LENGTH);
}

static void digits_only_and_order_of_errors(void **state) {
    (void)state;
    assert_int_equal(check(&kDefault, "12a4"), OKEY_OTP_ERR_PIN_NOT_DIGITS);
    assert_int_equal(check(&kDefault, " 2580"), OKEY_OTP_ERR_PIN_NOT_DIGITS);
    assert_int_equal(okey_otp_pin_check(&kDefault, "25\0" "80", 5), OKEY_OTP_ERR_PIN_NOT_DIGITS);
    /* Not digits wins over length, length over trivial. */
    assert_int_equal(check(&kDefault, "a"), OKEY_OTP_ERR_PIN_NOT_DIGITS);
    assert_int_equal(check(&kDefault, "1111111"), OKEY_OTP_ERR_PIN_LENGTH);
    assert_int_equal(check(&kDefault, "111"), OKEY_OTP_ERR_PIN_LENGTH);
}

static void trivial_pins(void **state) {
    (void)state;
    const char *trivial[] = {"0000", "1111", "99999", "555555", "1234", "3456",
                             "123456", "0123", "6789", "456789", "9876", "3210",
                             "654321", "7890", "67890", "0987", "09876"};
    for (size_t i = 0; i < sizeof trivial / sizeof trivial[0]; ++i) {
        assert_int_equal(check(&kDefault, trivial[i]), OKEY_OTP_ERR_PIN_TRIVIAL);
        assert_int_equal(check(&kLenient, trivial[i]), OKEY_OTP_OK);
    }
    /* Near misses are fine; runs do not wrap past 0 (8901, 9012, 2109). */
    const char *fine[] = {"1235", "1123", "2468", "1357", "0001", "8901", "9012",
                          "2109", "1212", "98765a"};
    for (size_t i = 0; i < sizeof fine / sizeof fine[0] - 1; ++i)
        assert_int_equal(check(&kDefault, fine[i]), OKEY_OTP_OK);
    assert_int_equal(check(&kDefault, "98765a"), OKEY_OTP_ERR_PIN_NOT_DIGITS);
}

static void invalid_arguments(void **state) {
    (void)state;
    const okey_otp_pin_policy inverted = {6, 4, 1};
    assert_int_equal(check(&inverted, "2580"), OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_pin_check(NULL, "2580", 4), OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_pin_check(&kDefault, NULL, 4), OKEY_OTP_ERR_INVALID_ARGUMENT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(length_bounds),
        cmocka_unit_test(digits_only_and_order_of_errors),
        cmocka_unit_test(trivial_pins),
        cmocka_unit_test(invalid_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
