// SPDX-License-Identifier: Apache-2.0
/* tests/unit/test_encoding.c — base32 (RFC 4648 §10 vectors) and hex. */
#include <okey/otp.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static const char *kPlain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
static const char *kBase32[] = {"",         "MY======", "MZXQ====", "MZXW6===",
                                "MZXW6YQ=", "MZXW6YTB", "MZXW6YTBOI======"};

static void base32_rfc4648_encode(void **state) {
    (void)state;
    for (size_t i = 0; i < 7; ++i) {
        char out[32];
        size_t written = 99;
        assert_int_equal(okey_otp_base32_encode((const uint8_t *)kPlain[i], strlen(kPlain[i]),
                                                out, sizeof out, &written),
                         OKEY_OTP_OK);
        assert_string_equal(out, kBase32[i]);
        assert_int_equal(written, strlen(kBase32[i]));
    }
}

static void check_decode(const char *text, const char *plain) {
    uint8_t out[32];
    size_t written = 99;
    assert_int_equal(okey_otp_base32_decode(text, strlen(text), out, sizeof out, &written),
                     OKEY_OTP_OK);
    assert_int_equal(written, strlen(plain));
    assert_memory_equal(out, plain, written);
}

static void base32_rfc4648_decode(void **state) {
    (void)state;
    for (size_t i = 0; i < 7; ++i) check_decode(kBase32[i], kPlain[i]);
    /* Padding optional, case-insensitive, spaces ignored. */
    check_decode("MZXW6YTBOI", "foobar");
    check_decode("mzxw6ytboi", "foobar");
    check_decode("MZXW 6YTB OI== ====", "foobar");
    check_decode("my", "f");
}

static void check_bad_base32(const char *text) {
    uint8_t out[32];
    memset(out, 0x55, sizeof out);
    size_t written = 99;
    assert_int_equal(okey_otp_base32_decode(text, strlen(text), out, sizeof out, &written),
                     OKEY_OTP_ERR_BAD_BASE32);
    assert_int_equal(written, 0);
}

static void base32_rejects_bad_input(void **state) {
    (void)state;
    check_bad_base32("MY=====");          /* wrong padding length */
    check_bad_base32("MY=======");        /* too much padding */
    check_bad_base32("MZXW6YTB=");        /* padding after a full group */
    check_bad_base32("M");                /* 1 symbol cannot end a group */
    check_bad_base32("MZX");              /* 3 symbols neither */
    check_bad_base32("MZXW6Y");           /* 6 symbols neither */
    check_bad_base32("MZ======");         /* non-zero trailing bits */
    check_bad_base32("MY==MY==");         /* data after padding */
    check_bad_base32("MZXW6YT1");         /* 1 is not in the alphabet */
    check_bad_base32("MZXW6YT8");         /* nor 8 */
    check_bad_base32("MZXW-6YTB");        /* nor '-' */
    check_bad_base32("MZ\tXW6YTB");       /* only spaces are ignored */
    /* An embedded NUL is not the end of the text. */
    uint8_t out[32];
    assert_int_equal(okey_otp_base32_decode("MY\0=====", 8, out, sizeof out, NULL),
                     OKEY_OTP_ERR_BAD_BASE32);
}

static void base32_buffers(void **state) {
    (void)state;
    char text[16];
    /* "foobar" needs 16 characters + NUL. */
    assert_int_equal(okey_otp_base32_encode((const uint8_t *)"foobar", 6, text, 16, NULL),
                     OKEY_OTP_ERR_BUFFER_TOO_SMALL);
    uint8_t out[6];
    size_t written = 0;
    assert_int_equal(okey_otp_base32_decode("MZXW6YTBOI", 10, out, 5, &written),
                     OKEY_OTP_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(okey_otp_base32_decode("MZXW6YTBOI", 10, out, 6, &written), OKEY_OTP_OK);
    assert_int_equal(written, 6);
    assert_int_equal(okey_otp_base32_encode(NULL, 1, text, sizeof text, NULL),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_base32_decode(NULL, 1, out, sizeof out, NULL),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
}

static void hex_round_trip(void **state) {
    (void)state;
    const uint8_t data[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    char text[13];
    size_t written = 0;
    assert_int_equal(okey_otp_hex_encode(data, sizeof data, text, sizeof text, &written),
                     OKEY_OTP_OK);
    assert_string_equal(text, "00017f80abff");
    assert_int_equal(written, 12);
    assert_int_equal(okey_otp_hex_encode(data, sizeof data, text, 12, &written),
                     OKEY_OTP_ERR_BUFFER_TOO_SMALL);
    uint8_t back[6];
    const char *upper = "00 01 7F 80 AB FF";
    assert_int_equal(okey_otp_hex_decode(upper, strlen(upper), back, sizeof back, &written),
                     OKEY_OTP_OK);
    assert_int_equal(written, 6);
    assert_memory_equal(back, data, 6);
    assert_int_equal(okey_otp_hex_decode("", 0, back, sizeof back, &written), OKEY_OTP_OK);
    assert_int_equal(written, 0);
}

static void hex_rejects_bad_input(void **state) {
    (void)state;
    uint8_t out[8];
    size_t written = 99;
    assert_int_equal(okey_otp_hex_decode("abc", 3, out, sizeof out, &written),
                     OKEY_OTP_ERR_BAD_HEX);
    assert_int_equal(written, 0);
    assert_int_equal(okey_otp_hex_decode("0g", 2, out, sizeof out, &written),
                     OKEY_OTP_ERR_BAD_HEX);
    assert_int_equal(okey_otp_hex_decode("0x00", 4, out, sizeof out, &written),
                     OKEY_OTP_ERR_BAD_HEX);
    assert_int_equal(okey_otp_hex_decode("00\0" "0", 4, out, sizeof out, &written),
                     OKEY_OTP_ERR_BAD_HEX);
    assert_int_equal(okey_otp_hex_decode("a b", 3, out, sizeof out, &written), OKEY_OTP_OK);
    assert_int_equal(written, 1);
    assert_int_equal(out[0], 0xab);
    assert_int_equal(okey_otp_hex_decode("000102", 6, out, 2, &written),
                     OKEY_OTP_ERR_BUFFER_TOO_SMALL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base32_rfc4648_encode), cmocka_unit_test(base32_rfc4648_decode),
        cmocka_unit_test(base32_rejects_bad_input), cmocka_unit_test(base32_buffers),
        cmocka_unit_test(hex_round_trip), cmocka_unit_test(hex_rejects_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
