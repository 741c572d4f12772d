// SPDX-License-Identifier: Apache-2.0
/* tests/unit/test_pin_hash.c — Argon2id PIN hashing: PHC round trips, wrong PIN,
 * malformed or hostile PHC strings, needs-rehash. Cheap parameters except in
 * the one test of the defaults. */
#include <okey/otp.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static const okey_otp_argon2_params kCheap = {64, 1, 1};

static void hash(const okey_otp_argon2_params *params, const char *pin, char phc[OKEY_OTP_PHC_BUFFER]) {
    assert_int_equal(okey_otp_pin_hash(params, pin, strlen(pin), phc, OKEY_OTP_PHC_BUFFER),
                     OKEY_OTP_OK);
}

static void round_trip(void **state) {
    (void)state;
    char phc[OKEY_OTP_PHC_BUFFER];
    hash(&kCheap, "2580", phc);
    assert_true(strncmp(phc, "$argon2id$v=19$m=64,t=1,p=1$", 28) == 0);
    assert_int_equal(okey_otp_pin_verify(phc, "2580", 4), OKEY_OTP_OK);
    assert_int_equal(okey_otp_pin_verify(phc, "2581", 4), OKEY_OTP_ERR_PIN_MISMATCH);
    assert_int_equal(okey_otp_pin_verify(phc, "25800", 5), OKEY_OTP_ERR_PIN_MISMATCH);
    assert_int_equal(okey_otp_pin_verify(phc, "258", 3), OKEY_OTP_ERR_PIN_MISMATCH);
    assert_int_equal(okey_otp_pin_verify(phc, "", 0), OKEY_OTP_ERR_PIN_MISMATCH);
    /* The length is what counts, not a NUL. */
    assert_int_equal(okey_otp_pin_verify(phc, "25801", 4), OKEY_OTP_OK);
}

static void fresh_salt_each_time(void **state) {
    (void)state;
    char a[OKEY_OTP_PHC_BUFFER], b[OKEY_OTP_PHC_BUFFER];
    hash(&kCheap, "2580", a);
    hash(&kCheap, "2580", b);
    assert_string_not_equal(a, b);
    assert_int_equal(okey_otp_pin_verify(b, "2580", 4), OKEY_OTP_OK);
}

static void default_parameters(void **state) {
    (void)state;
    const okey_otp_argon2_params defaults = {19456, 2, 1};
    char phc[OKEY_OTP_PHC_BUFFER];
    hash(&defaults, "739164", phc);
    assert_true(strncmp(phc, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
    assert_true(strlen(phc) < OKEY_OTP_PHC_BUFFER);
    assert_int_equal(okey_otp_pin_verify(phc, "739164", 6), OKEY_OTP_OK);
    assert_int_equal(okey_otp_pin_verify(phc, "739165", 6), OKEY_OTP_ERR_PIN_MISMATCH);
    int needs = -1;
    assert_int_equal(okey_otp_pin_needs_rehash(phc, &defaults, &needs), OKEY_OTP_OK);
    assert_int_equal(needs, 0);
}

static void needs_rehash(void **state) {
    (void)state;
    char phc[OKEY_OTP_PHC_BUFFER];
    hash(&kCheap, "2580", phc);
    int needs = -1;
    assert_int_equal(okey_otp_pin_needs_rehash(phc, &kCheap, &needs), OKEY_OTP_OK);
    assert_int_equal(needs, 0);
    const okey_otp_argon2_params more_memory = {128, 1, 1}, more_time = {64, 2, 1},
                                 more_lanes = {64, 1, 2};
    assert_int_equal(okey_otp_pin_needs_rehash(phc, &more_memory, &needs), OKEY_OTP_OK);
    assert_int_equal(needs, 1);
    assert_int_equal(okey_otp_pin_needs_rehash(phc, &more_time, &needs), OKEY_OTP_OK);
    assert_int_equal(needs, 1);
    assert_int_equal(okey_otp_pin_needs_rehash(phc, &more_lanes, &needs), OKEY_OTP_OK);
    assert_int_equal(needs, 1);
    /* An old hash with an 8-byte salt and a 16-byte hash verifies but is upgraded. */
    const char *old = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$gaBT3V2s4UXZyNuGFEe6cA";
    assert_int_equal(okey_otp_pin_needs_rehash(old, &kCheap, &needs), OKEY_OTP_OK);
    assert_int_equal(needs, 1);
    assert_int_equal(okey_otp_pin_needs_rehash("$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aaaaaaaaaaaaaaaaaaaaaa",
                                               &kCheap, &needs),
                     OKEY_OTP_ERR_HASH_FORMAT);
}

/* `pattern` with its "%s" replaced by `value` (a format string would not be checked). */
static void substitute(char *out, size_t capacity, const char *pattern, const char *value) {
    const char *mark = strstr(pattern, "%s");
    assert_non_null(mark);
    assert_true(strlen(pattern) + strlen(value) < capacity);
    size_t head = (size_t)(mark - pattern);
    memcpy(out, pattern, head);
    strcpy(out + head, value);
    strcat(out, mark + 2);
}

static void malformed_and_hostile_strings(void **state) {
    (void)state;
    char phc[OKEY_OTP_PHC_BUFFER];
    hash(&kCheap, "2580", phc);
    const char *tail = strrchr(phc, '$'); /* "$hash" */
    const char *salt_and_hash = strchr(phc + 28 - 1, '$'); /* "$salt$hash" */
    char bad[512];
    const char *formats[] = {
        "$argon2i$v=19$m=64,t=1,p=1%s",      /* other Argon2 variants */
        "$argon2d$v=19$m=64,t=1,p=1%s",
        "$argon2id$v=16$m=64,t=1,p=1%s",     /* other version */
        "$argon2id$m=64,t=1,p=1%s",          /* no version */
        "$argon2id$v=19$t=1,m=64,p=1%s",     /* order */
        "$argon2id$v=19$m=064,t=1,p=1%s",    /* leading zero */
        "$argon2id$v=19$m=64,t=1,p=1,k=2%s", /* extra field */
        "$argon2id$v=19$m=4194305,t=1,p=1%s", /* m over 4 GiB */
        "$argon2id$v=19$m=99999999999,t=1,p=1%s",
        "$argon2id$v=19$m=64,t=101,p=1%s",   /* t over 100 */
        "$argon2id$v=19$m=64,t=0,p=1%s",
        "$argon2id$v=19$m=64,t=1,p=17%s",    /* p over 16 */
        "$argon2id$v=19$m=64,t=1,p=0%s",
        "$argon2id$v=19$m=7,t=1,p=1%s",      /* m below 8 p */
        "$argon2id$v=19$m=64,t=1,p=1%s$",    /* trailing */
        "$argon2id$v=19$m=64,t=1,p=1%s=",    /* padding */
        " $argon2id$v=19$m=64,t=1,p=1%s",
        "$scrypt$ln=16,r=8,p=1%s",
        "%s",
    };
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; ++i) {
        substitute(bad, sizeof bad, formats[i], salt_and_hash);
        assert_int_equal(okey_otp_pin_verify(bad, "2580", 4), OKEY_OTP_ERR_HASH_FORMAT);
        int needs = 0;
        assert_int_equal(okey_otp_pin_needs_rehash(bad, &kCheap, &needs), OKEY_OTP_ERR_HASH_FORMAT);
    }
    /* A salt below 8 bytes, a hash below 16 bytes, a missing hash. */
    substitute(bad, sizeof bad, "$argon2id$v=19$m=64,t=1,p=1$c2FsdA%s", tail);
    assert_int_equal(okey_otp_pin_verify(bad, "2580", 4), OKEY_OTP_ERR_HASH_FORMAT);
    assert_int_equal(okey_otp_pin_verify("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
                                         "2580", 4),
                     OKEY_OTP_ERR_HASH_FORMAT);
    assert_int_equal(okey_otp_pin_verify("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ", "2580", 4),
                     OKEY_OTP_ERR_HASH_FORMAT);
    assert_int_equal(okey_otp_pin_verify("", "2580", 4), OKEY_OTP_ERR_HASH_FORMAT);
    /* An over-long string is refused without being read to its end. */
    char longer[600];
    memset(longer, 'A', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    memcpy(longer, "$argon2id$v=19$m=64,t=1,p=1$", 28);
    assert_int_equal(okey_otp_pin_verify(longer, "2580", 4), OKEY_OTP_ERR_HASH_FORMAT);
    /* The genuine string still verifies: the cases above failed for their flaw. */
    assert_int_equal(okey_otp_pin_verify(phc, "2580", 4), OKEY_OTP_OK);
}

static void bad_arguments(void **state) {
    (void)state;
    char phc[OKEY_OTP_PHC_BUFFER];
    const okey_otp_argon2_params huge = {4194305, 1, 1}, no_time = {64, 0, 1},
                                 too_many_lanes = {1024, 1, 17}, too_little = {7, 1, 1};
    assert_int_equal(okey_otp_pin_hash(&huge, "2580", 4, phc, sizeof phc), OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_pin_hash(&no_time, "2580", 4, phc, sizeof phc), OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_pin_hash(&too_many_lanes, "2580", 4, phc, sizeof phc),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_pin_hash(&too_little, "2580", 4, phc, sizeof phc), OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_pin_hash(NULL, "2580", 4, phc, sizeof phc), OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_pin_hash(&kCheap, NULL, 4, phc, sizeof phc), OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_pin_hash(&kCheap, "2580", 4, phc, 40), OKEY_OTP_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(okey_otp_pin_verify(NULL, "2580", 4), OKEY_OTP_ERR_INVALID_ARGUMENT);
    int needs = 0;
    assert_int_equal(okey_otp_pin_needs_rehash(phc, NULL, &needs), OKEY_OTP_ERR_INVALID_ARGUMENT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(fresh_salt_each_time),
        cmocka_unit_test(default_parameters),
        cmocka_unit_test(needs_rehash),
        cmocka_unit_test(malformed_and_hostile_strings),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
