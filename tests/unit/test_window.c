// SPDX-License-Identifier: Apache-2.0
/* tests/unit/test_window.c — window verification, replay, drift and resync at
 * their boundaries. The clock is step 1000 (period 30) unless a test says. */
#include <okey/otp.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

static okey_otp_key *g_key;
static const int64_t kNow = 1000 * 30 + 17; /* inside step 1000 */
static const okey_otp_window kWindow = {1, 10};

static int setup(void **state) {
    (void)state;
    const char *seed = "12345678901234567890";
    return okey_otp_key_new(&g_key, (const uint8_t *)seed, 20, OKEY_OTP_SHA1, 6, 30);
}

static int teardown(void **state) {
    (void)state;
    okey_otp_key_free(g_key);
    return 0;
}

static void code_at(uint64_t step, char code[OKEY_OTP_CODE_BUFFER]) {
    assert_int_equal(okey_otp_hotp(g_key, step, code), OKEY_OTP_OK);
}

/* Verifies the code of `step` at kNow with the given state. */
static okey_otp_match verify_step_code(uint64_t step, const okey_otp_window *window,
                                       const okey_otp_token_state *token, int64_t now) {
    char code[OKEY_OTP_CODE_BUFFER];
    code_at(step, code);
    okey_otp_match match;
    memset(&match, 0x5a, sizeof match);
    assert_int_equal(okey_otp_verify(g_key, code, 6, now, window, token, &match), OKEY_OTP_OK);
    return match;
}

static void expect(okey_otp_match m, okey_otp_verdict verdict, uint64_t step, int64_t offset) {
    assert_int_equal(m.verdict, verdict);
    assert_int_equal(m.step, step);
    assert_int_equal(m.offset, offset);
}

static const okey_otp_token_state kFresh = {0, 0, 0};

static void the_distinct_codes_premise(void **state) {
    (void)state;
    /* The tests below assume steps 960..1040 have pairwise distinct codes. */
    char codes[81][OKEY_OTP_CODE_BUFFER];
    for (int i = 0; i < 81; ++i) code_at((uint64_t)(960 + i), codes[i]);
    for (int i = 0; i < 81; ++i)
        for (int j = i + 1; j < 81; ++j) assert_string_not_equal(codes[i], codes[j]);
}

static void window_edges(void **state) {
    (void)state;
    expect(verify_step_code(1000, &kWindow, &kFresh, kNow), OKEY_OTP_MATCH, 1000, 0);
    expect(verify_step_code(999, &kWindow, &kFresh, kNow), OKEY_OTP_MATCH, 999, -1);
    expect(verify_step_code(1001, &kWindow, &kFresh, kNow), OKEY_OTP_MATCH, 1001, 1);
    /* Just outside ±window: the resync band. */
    expect(verify_step_code(998, &kWindow, &kFresh, kNow), OKEY_OTP_MATCH_RESYNC, 998, -2);
    expect(verify_step_code(1002, &kWindow, &kFresh, kNow), OKEY_OTP_MATCH_RESYNC, 1002, 2);
    /* The resync band's edges, and just past them. */
    expect(verify_step_code(990, &kWindow, &kFresh, kNow), OKEY_OTP_MATCH_RESYNC, 990, -10);
    expect(verify_step_code(1010, &kWindow, &kFresh, kNow), OKEY_OTP_MATCH_RESYNC, 1010, 10);
    expect(verify_step_code(989, &kWindow, &kFresh, kNow), OKEY_OTP_NO_MATCH, 0, 0);
    expect(verify_step_code(1011, &kWindow, &kFresh, kNow), OKEY_OTP_NO_MATCH, 0, 0);
    /* The first and last second of a step are the same step. */
    expect(verify_step_code(1000, &kWindow, &kFresh, 30000), OKEY_OTP_MATCH, 1000, 0);
    expect(verify_step_code(1000, &kWindow, &kFresh, 30029), OKEY_OTP_MATCH, 1000, 0);
    expect(verify_step_code(1000, &kWindow, &kFresh, 30030), OKEY_OTP_MATCH, 1000, -1);
}

static void window_sizes(void **state) {
    (void)state;
    const okey_otp_window exact = {0, 0};
    expect(verify_step_code(1000, &exact, &kFresh, kNow), OKEY_OTP_MATCH, 1000, 0);
    expect(verify_step_code(1001, &exact, &kFresh, kNow), OKEY_OTP_NO_MATCH, 0, 0);
    /* A resync window below the window counts as the window: no resync band. */
    const okey_otp_window inverted = {3, 1};
    expect(verify_step_code(1003, &inverted, &kFresh, kNow), OKEY_OTP_MATCH, 1003, 3);
    expect(verify_step_code(1004, &inverted, &kFresh, kNow), OKEY_OTP_NO_MATCH, 0, 0);
    const okey_otp_window wide = {10, 10};
    expect(verify_step_code(990, &wide, &kFresh, kNow), OKEY_OTP_MATCH, 990, -10);
}

static void replay(void **state) {
    (void)state;
    okey_otp_token_state token = {1, 1000, 0};
    /* The last accepted step itself is a replay. */
    expect(verify_step_code(1000, &kWindow, &token, kNow), OKEY_OTP_REPLAY, 1000, 0);
    expect(verify_step_code(999, &kWindow, &token, kNow), OKEY_OTP_REPLAY, 999, -1);
    expect(verify_step_code(1001, &kWindow, &token, kNow), OKEY_OTP_MATCH, 1001, 1);
    /* Earlier steps in the resync band are replays too. */
    expect(verify_step_code(995, &kWindow, &token, kNow), OKEY_OTP_REPLAY, 995, -5);
    /* Later steps past the window still lead to next-code mode. */
    expect(verify_step_code(1002, &kWindow, &token, kNow), OKEY_OTP_MATCH_RESYNC, 1002, 2);
    /* last_step just below: the step matches. */
    token.last_step = 999;
    expect(verify_step_code(1000, &kWindow, &token, kNow), OKEY_OTP_MATCH, 1000, 0);
    /* A last step in the future (a key used ahead) blocks every earlier step. */
    token.last_step = 1005;
    expect(verify_step_code(1001, &kWindow, &token, kNow), OKEY_OTP_REPLAY, 1001, 1);
    expect(verify_step_code(1003, &kWindow, &token, kNow), OKEY_OTP_REPLAY, 1003, 3);
    expect(verify_step_code(1006, &kWindow, &token, kNow), OKEY_OTP_MATCH_RESYNC, 1006, 6);
    /* has_last_step = 0 ignores last_step. */
    token.has_last_step = 0;
    expect(verify_step_code(1000, &kWindow, &token, kNow), OKEY_OTP_MATCH, 1000, 0);
    /* A replay outside the resync band is simply no match. */
    token.has_last_step = 1;
    token.last_step = 2000;
    expect(verify_step_code(980, &kWindow, &token, kNow), OKEY_OTP_NO_MATCH, 0, 0);
}

static void drift_moves_the_centre(void **state) {
    (void)state;
    okey_otp_token_state token = {0, 0, 5};
    /* Offsets are relative to step(now), not to the centre. */
    expect(verify_step_code(1005, &kWindow, &token, kNow), OKEY_OTP_MATCH, 1005, 5);
    expect(verify_step_code(1004, &kWindow, &token, kNow), OKEY_OTP_MATCH, 1004, 4);
    expect(verify_step_code(1006, &kWindow, &token, kNow), OKEY_OTP_MATCH, 1006, 6);
    expect(verify_step_code(1000, &kWindow, &token, kNow), OKEY_OTP_MATCH_RESYNC, 1000, 0);
    expect(verify_step_code(1015, &kWindow, &token, kNow), OKEY_OTP_MATCH_RESYNC, 1015, 15);
    expect(verify_step_code(995, &kWindow, &token, kNow), OKEY_OTP_MATCH_RESYNC, 995, -5);
    expect(verify_step_code(994, &kWindow, &token, kNow), OKEY_OTP_NO_MATCH, 0, 0);
    expect(verify_step_code(1016, &kWindow, &token, kNow), OKEY_OTP_NO_MATCH, 0, 0);
    token.drift = -3;
    expect(verify_step_code(997, &kWindow, &token, kNow), OKEY_OTP_MATCH, 997, -3);
    expect(verify_step_code(1000, &kWindow, &token, kNow), OKEY_OTP_MATCH_RESYNC, 1000, 0);
    expect(verify_step_code(1008, &kWindow, &token, kNow), OKEY_OTP_NO_MATCH, 0, 0);
}

static void step_zero_clamps(void **state) {
    (void)state;
    const int64_t at_step_1 = 45;
    expect(verify_step_code(0, &kWindow, &kFresh, at_step_1), OKEY_OTP_MATCH, 0, -1);
    expect(verify_step_code(0, &kWindow, &kFresh, 0), OKEY_OTP_MATCH, 0, 0);
    okey_otp_token_state token = {0, 0, -11}; /* band [-20, 0] → only step 0 */
    expect(verify_step_code(0, &kWindow, &token, at_step_1), OKEY_OTP_MATCH_RESYNC, 0, -1);
    expect(verify_step_code(1, &kWindow, &token, at_step_1), OKEY_OTP_NO_MATCH, 0, 0);
    token.drift = -20; /* band wholly before step 0 */
    expect(verify_step_code(0, &kWindow, &token, at_step_1), OKEY_OTP_NO_MATCH, 0, 0);
    /* Step 0 accepted once: replay protection holds at the bottom edge too. */
    token.drift = 0;
    token.has_last_step = 1;
    token.last_step = 0;
    expect(verify_step_code(0, &kWindow, &token, at_step_1), OKEY_OTP_REPLAY, 0, -1);
}

static void malformed_codes_are_no_match(void **state) {
    (void)state;
    char code[OKEY_OTP_CODE_BUFFER];
    code_at(1000, code);
    okey_otp_match match;
    const char *bad[] = {"12345", "1234567", "12345a", " 12345", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        match.verdict = OKEY_OTP_MATCH;
        assert_int_equal(okey_otp_verify(g_key, bad[i], strlen(bad[i]), kNow, &kWindow, &kFresh, &match),
                         OKEY_OTP_OK);
        assert_int_equal(match.verdict, OKEY_OTP_NO_MATCH);
    }
    /* The right code plus one byte, or minus its last: no match. */
    char longer[OKEY_OTP_CODE_BUFFER + 1];
    memcpy(longer, code, 6);
    longer[6] = '0';
    assert_int_equal(okey_otp_verify(g_key, longer, 7, kNow, &kWindow, &kFresh, &match), OKEY_OTP_OK);
    assert_int_equal(match.verdict, OKEY_OTP_NO_MATCH);
    assert_int_equal(okey_otp_verify(g_key, code, 5, kNow, &kWindow, &kFresh, &match), OKEY_OTP_OK);
    assert_int_equal(match.verdict, OKEY_OTP_NO_MATCH);
    /* A NUL inside. */
    char with_nul[6];
    memcpy(with_nul, code, 6);
    with_nul[3] = '\0';
    assert_int_equal(okey_otp_verify(g_key, with_nul, 6, kNow, &kWindow, &kFresh, &match), OKEY_OTP_OK);
    assert_int_equal(match.verdict, OKEY_OTP_NO_MATCH);
    assert_int_equal(okey_otp_verify(g_key, NULL, 6, kNow, &kWindow, &kFresh, &match), OKEY_OTP_OK);
    assert_int_equal(match.verdict, OKEY_OTP_NO_MATCH);
}

static void invalid_arguments(void **state) {
    (void)state;
    char code[OKEY_OTP_CODE_BUFFER];
    code_at(1000, code);
    okey_otp_match match;
    const okey_otp_window too_wide = {1, OKEY_OTP_WINDOW_MAX + 1};
    const okey_otp_window widest = {1, OKEY_OTP_WINDOW_MAX};
    assert_int_equal(okey_otp_verify(g_key, code, 6, kNow, &too_wide, &kFresh, &match),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_verify(g_key, code, 6, kNow, &widest, &kFresh, &match), OKEY_OTP_OK);
    assert_int_equal(match.verdict, OKEY_OTP_MATCH);
    assert_int_equal(okey_otp_verify(g_key, code, 6, -1, &kWindow, &kFresh, &match),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    const okey_otp_token_state absurd = {0, 0, INT64_MAX};
    assert_int_equal(okey_otp_verify(g_key, code, 6, kNow, &kWindow, &absurd, &match),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    /* A hugely negative drift is no match, until its band would overflow. */
    const okey_otp_token_state absurd_low = {0, 0, INT64_MIN};
    assert_int_equal(okey_otp_verify(g_key, code, 6, kNow, &kWindow, &absurd_low, &match), OKEY_OTP_OK);
    assert_int_equal(match.verdict, OKEY_OTP_NO_MATCH);
    assert_int_equal(okey_otp_verify(g_key, code, 6, 0, &kWindow, &absurd_low, &match),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_verify(NULL, code, 6, kNow, &kWindow, &kFresh, &match),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_verify(g_key, code, 6, kNow, NULL, &kFresh, &match),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_verify(g_key, code, 6, kNow, &kWindow, NULL, &match),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_verify(g_key, code, 6, kNow, &kWindow, &kFresh, NULL),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
}

static void verify_one_step(void **state) {
    (void)state;
    char code[OKEY_OTP_CODE_BUFFER];
    code_at(1234, code);
    int equal = -1;
    assert_int_equal(okey_otp_verify_step(g_key, code, 6, 1234, &equal), OKEY_OTP_OK);
    assert_int_equal(equal, 1);
    assert_int_equal(okey_otp_verify_step(g_key, code, 6, 1235, &equal), OKEY_OTP_OK);
    assert_int_equal(equal, 0);
    assert_int_equal(okey_otp_verify_step(g_key, code, 5, 1234, &equal), OKEY_OTP_OK);
    assert_int_equal(equal, 0);
    assert_int_equal(okey_otp_verify_step(g_key, "abcdef", 6, 1234, &equal), OKEY_OTP_OK);
    assert_int_equal(equal, 0);
    assert_int_equal(okey_otp_verify_step(g_key, code, 6, 1234, NULL), OKEY_OTP_ERR_INVALID_ARGUMENT);
}

static okey_otp_match resync_with(uint64_t first_step, uint64_t second_step, int64_t now,
                                  unsigned search) {
    char c1[OKEY_OTP_CODE_BUFFER], c2[OKEY_OTP_CODE_BUFFER];
    code_at(first_step, c1);
    code_at(second_step, c2);
    okey_otp_match match;
    assert_int_equal(okey_otp_resync(g_key, c1, 6, c2, 6, now, search, &match), OKEY_OTP_OK);
    return match;
}

static void administrator_resync(void **state) {
    (void)state;
    expect(resync_with(1050, 1051, kNow, 100), OKEY_OTP_MATCH, 1051, 51);
    expect(resync_with(900, 901, kNow, 100), OKEY_OTP_MATCH, 901, -99);
    /* S must be within ±search of now: S = 1100 is, S = 1101 is not. */
    expect(resync_with(1100, 1101, kNow, 100), OKEY_OTP_MATCH, 1101, 101);
    expect(resync_with(1101, 1102, kNow, 100), OKEY_OTP_NO_MATCH, 0, 0);
    expect(resync_with(899, 900, kNow, 100), OKEY_OTP_NO_MATCH, 0, 0);
    /* Not consecutive, or in the wrong order. */
    expect(resync_with(1050, 1052, kNow, 100), OKEY_OTP_NO_MATCH, 0, 0);
    expect(resync_with(1051, 1050, kNow, 100), OKEY_OTP_NO_MATCH, 0, 0);
    /* Clamped at step 0. */
    expect(resync_with(0, 1, 45, 100), OKEY_OTP_MATCH, 1, 0);
    okey_otp_match match;
    char c1[OKEY_OTP_CODE_BUFFER];
    code_at(1000, c1);
    assert_int_equal(okey_otp_resync(g_key, c1, 6, "12345", 5, kNow, 10, &match), OKEY_OTP_OK);
    assert_int_equal(match.verdict, OKEY_OTP_NO_MATCH);
    assert_int_equal(okey_otp_resync(g_key, c1, 6, c1, 6, kNow, OKEY_OTP_WINDOW_MAX + 1, &match),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_resync(g_key, c1, 6, c1, 6, -5, 10, &match),
                     OKEY_OTP_ERR_INVALID_ARGUMENT);
}

static void eight_digits_and_sha256(void **state) {
    (void)state;
    const char *seed = "12345678901234567890123456789012";
    okey_otp_key *key = NULL;
    assert_int_equal(okey_otp_key_new(&key, (const uint8_t *)seed, 32, OKEY_OTP_SHA256, 8, 60),
                     OKEY_OTP_OK);
    okey_otp_match match;
    /* RFC 6238: SHA256 at 1111111109 (30 s) is 68084774, i.e. step 37037036. With a 60 s
     * period that step is reached at 37037036 * 60. */
    assert_int_equal(okey_otp_verify(key, "68084774", 8, 37037036LL * 60 + 59, &kWindow, &kFresh,
                                     &match),
                     OKEY_OTP_OK);
    expect(match, OKEY_OTP_MATCH, 37037036, 0);
    assert_int_equal(okey_otp_verify(key, "084774", 6, 37037036LL * 60, &kWindow, &kFresh, &match),
                     OKEY_OTP_OK);
    assert_int_equal(match.verdict, OKEY_OTP_NO_MATCH);
    okey_otp_key_free(key);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_distinct_codes_premise),
        cmocka_unit_test(window_edges),
        cmocka_unit_test(window_sizes),
        cmocka_unit_test(replay),
        cmocka_unit_test(drift_moves_the_centre),
        cmocka_unit_test(step_zero_clamps),
        cmocka_unit_test(malformed_codes_are_no_match),
        cmocka_unit_test(invalid_arguments),
        cmocka_unit_test(verify_one_step),
        cmocka_unit_test(administrator_resync),
        cmocka_unit_test(eight_digits_and_sha256),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
