// SPDX-License-Identifier: Apache-2.0
/* tests/unit/test_fuzz_regressions.c — every input the libFuzzer targets of
 * tests/fuzz/ found breaking libotp, kept as a test so the bug stays fixed.
 * Each test names the target and what broke. */
#include <okey/otp.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static const uint8_t kSecret[] = "12345678901234567890";

static okey_otp_uri_fields fields_for(const char *issuer, const char *account) {
    okey_otp_uri_fields f;
    memset(&f, 0, sizeof f);
    f.type = OKEY_OTP_URI_TOTP;
    f.issuer = issuer;
    f.account = account;
    f.secret = kSecret;
    f.secret_length = 20;
    f.algorithm = OKEY_OTP_SHA1;
    f.digits = 6;
    f.period = 30;
    return f;
}

/* uri_parse: "otpauth://totp/%20alice" parsed to the account " alice", which
 * built as "Other:%20alice" and parsed back as "alice" (spaces after the
 * issuer's colon are skipped). A leading space is now refused both ways. */
static void uri_account_with_leading_space(void **state) {
    (void)state;
    okey_otp_uri *parsed = NULL;
    const char *uri = "otpauth://totp/%20e=Y3DPEHPK3PXPxample>alice?secret=JBSWY3DPEHPK3PXP&issuer=Other";
    assert_int_equal(okey_otp_uri_parse(uri, strlen(uri), &parsed), OKEY_OTP_ERR_URI_FORMAT);
    assert_null(parsed);
    /* With an issuer in the label the space is still skipped, as before. */
    const char *spaced = "otpauth://totp/Other:%20alice?secret=JBSWY3DPEHPK3PXP&issuer=Other";
    assert_int_equal(okey_otp_uri_parse(spaced, strlen(spaced), &parsed), OKEY_OTP_OK);
    okey_otp_uri_fields got;
    okey_otp_uri_get(parsed, &got);
    assert_string_equal(got.account, "alice");
    okey_otp_uri_free(parsed);

    okey_otp_uri_fields f = fields_for("Other", " alice");
    char out[512];
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_ERR_INVALID_ARGUMENT);
}

/* uri_roundtrip: an issuer that is not UTF-8 ("Acad\x83\xa9mie") was built
 * into a URI that okey_otp_uri_parse then refused. */
static void uri_build_refuses_invalid_utf8(void **state) {
    (void)state;
    char out[512];
    okey_otp_uri_fields f = fields_for("Acad\x83\xa9mie de Besan\xc3\xa7on", "jdupont");
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_ERR_INVALID_ARGUMENT);
    f = fields_for("Acad\xc3\xa9mie", "jdup\xc3ont");
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_ERR_INVALID_ARGUMENT);
    f = fields_for("Acad\xc3\xa9mie de Besan\xc3\xa7on", "jdupont");
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_OK);
}

/* uri_parse: a URI near the 2048-byte limit with a long issuer parsed, but
 * its rebuilt form (issuer percent-encoded, written twice) went past the
 * limit and no longer parsed. The builder now refuses such a URI. */
static void uri_build_refuses_what_parse_would_not_read(void **state) {
    (void)state;
    char issuer[700];
    memset(issuer, '&', sizeof issuer - 1); /* '&' is written as %26: 3 bytes each */
    issuer[sizeof issuer - 1] = '\0';
    okey_otp_uri_fields f = fields_for(issuer, "jdupont");
    char out[8192];
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_ERR_INVALID_ARGUMENT);
    issuer[300] = '\0';
    f = fields_for(issuer, "jdupont");
    size_t written = 0;
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, &written), OKEY_OTP_OK);
    okey_otp_uri *parsed = NULL;
    assert_int_equal(okey_otp_uri_parse(out, written, &parsed), OKEY_OTP_OK);
    okey_otp_uri_free(parsed);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uri_account_with_leading_space),
        cmocka_unit_test(uri_build_refuses_invalid_utf8),
        cmocka_unit_test(uri_build_refuses_what_parse_would_not_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
