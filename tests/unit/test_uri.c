// SPDX-License-Identifier: Apache-2.0
/* tests/unit/test_uri.c — otpauth:// URIs: build, parse, round trip, every parse error. */
#include <okey/otp.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static const uint8_t kSecret[] = "12345678901234567890"; /* base32 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ */
#define B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static okey_otp_uri_fields totp_fields(void) {
    okey_otp_uri_fields f;
    memset(&f, 0, sizeof f);
    f.type = OKEY_OTP_URI_TOTP;
    f.issuer = "Académie de Lyon";
    f.account = "jdupont";
    f.secret = kSecret;
    f.secret_length = 20;
    f.algorithm = OKEY_OTP_SHA1;
    f.digits = 6;
    f.period = 30;
    return f;
}

static void build_totp(void **state) {
    (void)state;
    okey_otp_uri_fields f = totp_fields();
    char out[512];
    size_t written = 0;
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, &written), OKEY_OTP_OK);
    assert_string_equal(out, "otpauth://totp/Acad%C3%A9mie%20de%20Lyon:jdupont?secret=" B32
                             "&issuer=Acad%C3%A9mie%20de%20Lyon&algorithm=SHA1&digits=6&period=30");
    assert_int_equal(written, strlen(out));
    /* Exactly enough room, and one byte less. */
    assert_int_equal(okey_otp_uri_build(&f, out, written + 1, NULL), OKEY_OTP_OK);
    assert_int_equal(okey_otp_uri_build(&f, out, written, NULL), OKEY_OTP_ERR_BUFFER_TOO_SMALL);
}

static void build_hotp_without_issuer(void **state) {
    (void)state;
    okey_otp_uri_fields f = totp_fields();
    f.type = OKEY_OTP_URI_HOTP;
    f.issuer = NULL;
    f.counter = 42;
    f.algorithm = OKEY_OTP_SHA512;
    f.digits = 8;
    char out[512];
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_OK);
    assert_string_equal(out, "otpauth://hotp/jdupont?secret=" B32
                             "&algorithm=SHA512&digits=8&counter=42");
}

static void build_rejects(void **state) {
    (void)state;
    char out[512];
    okey_otp_uri_fields f = totp_fields();
    f.account = "";
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_ERR_INVALID_ARGUMENT);
    f = totp_fields();
    f.account = NULL;
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_ERR_INVALID_ARGUMENT);
    f = totp_fields();
    f.issuer = "a:b";
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_ERR_INVALID_ARGUMENT);
    f = totp_fields();
    f.account = "j\ndupont";
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_ERR_INVALID_ARGUMENT);
    f = totp_fields();
    f.account = " jdupont"; /* a leading space would be taken for padding */
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_ERR_INVALID_ARGUMENT);
    f = totp_fields();
    f.account = "j\xff" "dupont"; /* not UTF-8 */
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_ERR_INVALID_ARGUMENT);
    /* A URI over 2048 bytes (what the parser reads) is refused whatever the
     * buffer: the issuer is written twice. */
    char longest[1000];
    memset(longest, 'a', sizeof longest);
    longest[sizeof longest - 1] = '\0';
    f = totp_fields();
    f.issuer = longest;
    char big[4096];
    assert_int_equal(okey_otp_uri_build(&f, big, sizeof big, NULL), OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_ERR_INVALID_ARGUMENT);
    longest[900] = '\0';
    assert_int_equal(okey_otp_uri_build(&f, big, sizeof big, NULL), OKEY_OTP_OK);
    f = totp_fields();
    f.digits = 7;
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_ERR_INVALID_ARGUMENT);
    f = totp_fields();
    f.period = 0;
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_ERR_INVALID_ARGUMENT);
    f = totp_fields();
    f.algorithm = (okey_otp_algorithm)0;
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_ERR_INVALID_ARGUMENT);
    f = totp_fields();
    f.secret_length = 9;
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_ERR_SECRET_LENGTH);
}

static okey_otp_uri *parse_ok(const char *uri, okey_otp_uri_fields *f) {
    okey_otp_uri *parsed = NULL;
    int rc = okey_otp_uri_parse(uri, strlen(uri), &parsed);
    if (rc != OKEY_OTP_OK) fail_msg("parse failed (%d) for %s", rc, uri);
    okey_otp_uri_get(parsed, f);
    return parsed;
}

static void round_trip(void **state) {
    (void)state;
    const okey_otp_algorithm algorithms[] = {OKEY_OTP_SHA1, OKEY_OTP_SHA256, OKEY_OTP_SHA512};
    for (size_t i = 0; i < 3; ++i) {
        okey_otp_uri_fields f = totp_fields();
        f.algorithm = algorithms[i];
        f.digits = i == 1 ? 8 : 6;
        f.period = i == 2 ? 60 : 30;
        f.account = "j.dupont@ac-lyon.fr";
        char out[512];
        assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_OK);
        okey_otp_uri_fields g;
        okey_otp_uri *parsed = parse_ok(out, &g);
        assert_int_equal(g.type, OKEY_OTP_URI_TOTP);
        assert_string_equal(g.issuer, f.issuer);
        assert_string_equal(g.account, f.account);
        assert_int_equal(g.secret_length, 20);
        assert_memory_equal(g.secret, kSecret, 20);
        assert_int_equal(g.algorithm, f.algorithm);
        assert_int_equal(g.digits, f.digits);
        assert_int_equal(g.period, f.period);
        okey_otp_uri_free(parsed);
    }
    okey_otp_uri_fields f = totp_fields();
    f.type = OKEY_OTP_URI_HOTP;
    f.counter = UINT64_MAX;
    char out[512];
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_OK);
    okey_otp_uri_fields g;
    okey_otp_uri *parsed = parse_ok(out, &g);
    assert_int_equal(g.type, OKEY_OTP_URI_HOTP);
    assert_true(g.counter == UINT64_MAX);
    okey_otp_uri_free(parsed);
}

static void parse_variants(void **state) {
    (void)state;
    okey_otp_uri_fields f;
    /* Defaults; account-only label; lower-case secret with padding; no issuer. */
    okey_otp_uri *p = parse_ok("otpauth://totp/jdupont?secret=gezdgnbvgy3tqojqgezdgnbvgy3tqojq", &f);
    assert_string_equal(f.issuer, "");
    assert_string_equal(f.account, "jdupont");
    assert_int_equal(f.algorithm, OKEY_OTP_SHA1);
    assert_int_equal(f.digits, 6);
    assert_int_equal(f.period, 30);
    assert_memory_equal(f.secret, kSecret, 20);
    okey_otp_uri_free(p);
    /* Issuer from the label only; "%3A" separator and spaces after it; unknown parameters. */
    p = parse_ok("OTPAUTH://TOTP/ACME%3A%20%20jdupont?secret=" B32 "&image=https%3A%2F%2Fx&algorithm=sha256", &f);
    assert_string_equal(f.issuer, "ACME");
    assert_string_equal(f.account, "jdupont");
    assert_int_equal(f.algorithm, OKEY_OTP_SHA256);
    okey_otp_uri_free(p);
    /* Issuer from the parameter only. */
    p = parse_ok("otpauth://totp/jdupont?issuer=ACME&secret=" B32 "&period=60&digits=8", &f);
    assert_string_equal(f.issuer, "ACME");
    assert_int_equal(f.period, 60);
    assert_int_equal(f.digits, 8);
    okey_otp_uri_free(p);
    /* Both, equal. */
    p = parse_ok("otpauth://totp/ACME:jdupont?secret=" B32 "&issuer=ACME", &f);
    assert_string_equal(f.issuer, "ACME");
    okey_otp_uri_free(p);
    /* Getters on NULL give empty fields. */
    okey_otp_uri_get(NULL, &f);
    assert_null(f.account);
    okey_otp_uri_free(NULL);
}

static void check_bad(const char *uri) {
    okey_otp_uri *parsed = (okey_otp_uri *)&parsed;
    int rc = okey_otp_uri_parse(uri, strlen(uri), &parsed);
    if (rc != OKEY_OTP_ERR_URI_FORMAT) fail_msg("expected URI_FORMAT, got %d for %s", rc, uri);
    assert_null(parsed);
}

static void parse_errors(void **state) {
    (void)state;
    const char *bad[] = {
        "",
        "otpauth:/totp/a?secret=" B32,
        "http://totp/a?secret=" B32,
        "otpauth://motp/a?secret=" B32,
        "otpauth://totp?secret=" B32,                        /* no label */
        "otpauth://totp/?secret=" B32,                       /* empty label */
        "otpauth://totp/a",                                  /* no secret */
        "otpauth://totp/a?issuer=X",
        "otpauth://totp/a?secret=",                          /* empty secret */
        "otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1", /* bad base32 */
        "otpauth://totp/a?secret=GEZDGNBVGY3TQOJQ",          /* 10 bytes? no: 10 is fine */
        "otpauth://totp/a?secret=GEZDGNBVGY3TQOI",           /* 9 bytes: too short */
        "otpauth://totp/a?secret=" B32 "&secret=" B32,       /* duplicate */
        "otpauth://totp/a?secret=" B32 "&digits=6&digits=6",
        "otpauth://totp/a?secret=" B32 "&issuer=X&issuer=X",
        "otpauth://totp/a?secret=" B32 "&algorithm=SHA1&algorithm=SHA1",
        "otpauth://totp/a?secret=" B32 "&period=30&period=30",
        "otpauth://totp/a?secret=" B32 "&digits=7",
        "otpauth://totp/a?secret=" B32 "&digits=06",
        "otpauth://totp/a?secret=" B32 "&digits=",
        "otpauth://totp/a?secret=" B32 "&algorithm=MD5",
        "otpauth://totp/a?secret=" B32 "&period=0",
        "otpauth://totp/a?secret=" B32 "&period=-30",
        "otpauth://totp/a?secret=" B32 "&period=86401",
        "otpauth://totp/a?secret=" B32 "&period=3O",
        "otpauth://hotp/a?secret=" B32,                      /* HOTP needs a counter */
        "otpauth://hotp/a?secret=" B32 "&counter=18446744073709551616",
        "otpauth://hotp/a?secret=" B32 "&counter=1e3",
        "otpauth://totp/ACME:a?secret=" B32 "&issuer=Other", /* issuer mismatch */
        "otpauth://totp/ACME:a?secret=" B32 "&issuer=",
        "otpauth://totp/:a?secret=" B32,                     /* empty issuer in label */
        "otpauth://totp/ACME:?secret=" B32,                  /* empty account */
        "otpauth://totp/A:B:c?secret=" B32,                  /* two colons */
        "otpauth://totp/a%0Ab?secret=" B32,                  /* control characters */
        "otpauth://totp/a%00b?secret=" B32,
        "otpauth://totp/a?secret=" B32 "&issuer=X%7F",
        "otpauth://totp/a%C3?secret=" B32,                   /* invalid UTF-8 */
        "otpauth://totp/a?secret=" B32 "&issuer=%FF",
        "otpauth://totp/%20a?secret=" B32 "&issuer=X",      /* account starting with a space */
        "otpauth://totp/X:%20?secret=" B32,                  /* account of spaces only */
        "otpauth://totp/a?secret=" B32 "&issuer=X%3AY",      /* colon in the issuer */
        "otpauth://totp/a%2?secret=" B32,                    /* bad escapes */
        "otpauth://totp/a%zz?secret=" B32,
        "otpauth://totp/a?secret=" B32 "&issuer=%",
        "otpauth://totp/a b?secret=" B32,                    /* raw space */
        "otpauth://totp/a\tb?secret=" B32,
        "otpauth://totp/ab?secret=" B32 "#frag",
        "otpauth://totp/a\xc3\xa9?secret=" B32,              /* raw non-ASCII */
        "otpauth://totp/a?secret=" B32 "&",                  /* empty parameter */
        "otpauth://totp/a?&secret=" B32,
        "otpauth://totp/a?secret=" B32 "&&digits=6",
        "otpauth://totp/a?secret=" B32 "&digits",            /* no '=' */
        "otpauth://totp/a?secret=" B32 "&=6",
        "otpauth://totp/a?secret=GEZD%20GNBVGY3TQOJQGEZDGNBVGY3TQOJQ", /* space in secret */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        if (i == 10) continue; /* the 10-byte secret is valid; checked below */
        check_bad(bad[i]);
    }
    okey_otp_uri_fields f;
    okey_otp_uri *p = parse_ok(bad[10], &f);
    assert_int_equal(f.secret_length, 10);
    okey_otp_uri_free(p);
    /* An embedded NUL is inside the URI, not its end. */
    const char with_nul[] = "otpauth://totp/a?secret=" B32 "\0&digits=8";
    okey_otp_uri *parsed = NULL;
    assert_int_equal(okey_otp_uri_parse(with_nul, sizeof with_nul - 1, &parsed), OKEY_OTP_ERR_URI_FORMAT);
    /* Length cap: 2048 bytes. */
    char longer[2100];
    const char *head = "otpauth://totp/a?secret=" B32 "&x=";
    memset(longer, 'x', sizeof longer);
    memcpy(longer, head, strlen(head));
    assert_int_equal(okey_otp_uri_parse(longer, 2048, &parsed), OKEY_OTP_OK);
    okey_otp_uri_free(parsed);
    assert_int_equal(okey_otp_uri_parse(longer, 2049, &parsed), OKEY_OTP_ERR_URI_FORMAT);
    /* Under 2048 bytes, but its issuer (label only) would be written twice
     * when built again: refused, so that parse → build → parse holds. */
    char twice[2048];
    size_t at = 0;
    at += (size_t)sprintf(twice, "otpauth://totp/");
    for (int i = 0; i < 1200; ++i) twice[at++] = 'i';
    at += (size_t)sprintf(twice + at, ":a?secret=" B32);
    assert_true(at < 2048);
    assert_int_equal(okey_otp_uri_parse(twice, at, &parsed), OKEY_OTP_ERR_URI_FORMAT);
    at -= strlen(":a?secret=" B32) + 400;
    at += (size_t)sprintf(twice + at, ":a?secret=" B32);
    assert_int_equal(okey_otp_uri_parse(twice, at, &parsed), OKEY_OTP_OK);
    okey_otp_uri_free(parsed);
    assert_int_equal(okey_otp_uri_parse(NULL, 1, &parsed), OKEY_OTP_ERR_INVALID_ARGUMENT);
    assert_int_equal(okey_otp_uri_parse(NULL, 0, &parsed), OKEY_OTP_ERR_URI_FORMAT);
    assert_int_equal(okey_otp_uri_parse(head, strlen(head), NULL), OKEY_OTP_ERR_INVALID_ARGUMENT);
}

static uint32_t g_rng = 12345;
static uint32_t next_random(void) {
    g_rng = g_rng * 1103515245u + 12345u;
    return g_rng >> 8;
}

/* Mostly printable ASCII, some "é", now and then any byte: text the builder
 * sometimes refuses. */
static void random_text(char *out, size_t capacity) {
    size_t length = next_random() % (capacity - 2), at = 0;
    while (at < length) {
        uint32_t r = next_random();
        if (r % 10 == 0) {
            out[at++] = (char)0xc3;
            out[at++] = (char)0xa9;
        } else if (r % 10 == 1) {
            out[at++] = (char)(1 + (r >> 8) % 255);
        } else {
            out[at++] = (char)(0x20 + (r >> 8) % 95);
        }
    }
    out[at] = '\0';
}

/* Fields the builder accepts parse back to themselves (a deterministic cousin
 * of the uri_roundtrip fuzz target). */
static void random_round_trips(void **state) {
    (void)state;
    int built = 0;
    for (int n = 0; n < 3000; ++n) {
        char issuer[26], account[26];
        uint8_t secret[64];
        random_text(issuer, sizeof issuer);
        random_text(account, sizeof account);
        for (size_t i = 0; i < sizeof secret; ++i) secret[i] = (uint8_t)next_random();
        okey_otp_uri_fields f = totp_fields();
        f.type = n % 2 ? OKEY_OTP_URI_HOTP : OKEY_OTP_URI_TOTP;
        f.issuer = n % 3 ? issuer : NULL;
        f.account = account;
        f.secret = secret;
        f.secret_length = 10 + (size_t)n % 55;
        f.counter = (uint64_t)n * 0x9e3779b97f4a7c15u;
        f.period = 1 + (unsigned)n % 120;
        char out[2048];
        size_t written = 0;
        int rc = okey_otp_uri_build(&f, out, sizeof out, &written);
        if (rc == OKEY_OTP_ERR_INVALID_ARGUMENT) continue;
        assert_int_equal(rc, OKEY_OTP_OK);
        ++built;
        okey_otp_uri_fields g;
        okey_otp_uri *p = parse_ok(out, &g);
        assert_string_equal(g.issuer, f.issuer ? f.issuer : "");
        assert_string_equal(g.account, f.account);
        assert_int_equal(g.secret_length, f.secret_length);
        assert_memory_equal(g.secret, secret, f.secret_length);
        if (f.type == OKEY_OTP_URI_TOTP) assert_int_equal(g.period, f.period);
        else assert_true(g.counter == f.counter);
        okey_otp_uri_free(p);
    }
    assert_in_range(built, 500, 2900); /* both paths were exercised */
}

static void secret_lengths(void **state) {
    (void)state;
    /* 64 bytes is the most a secret may hold; 65 is refused. */
    uint8_t secret[65];
    memset(secret, 0xa5, sizeof secret);
    okey_otp_uri_fields f = totp_fields();
    f.secret = secret;
    f.secret_length = 64;
    char out[512];
    assert_int_equal(okey_otp_uri_build(&f, out, sizeof out, NULL), OKEY_OTP_OK);
    okey_otp_uri_fields g;
    okey_otp_uri *p = parse_ok(out, &g);
    assert_int_equal(g.secret_length, 64);
    okey_otp_uri_free(p);
    char b32[120];
    assert_int_equal(okey_otp_base32_encode(secret, 65, b32, sizeof b32, NULL), OKEY_OTP_OK);
    char uri[200];
    snprintf(uri, sizeof uri, "otpauth://totp/a?secret=%s", b32);
    check_bad(uri);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(build_totp),   cmocka_unit_test(build_hotp_without_issuer),
        cmocka_unit_test(build_rejects), cmocka_unit_test(round_trip),
        cmocka_unit_test(parse_variants), cmocka_unit_test(parse_errors),
        cmocka_unit_test(random_round_trips), cmocka_unit_test(secret_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
