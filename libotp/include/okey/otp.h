// SPDX-License-Identifier: Apache-2.0
/*
 * okey/otp.h — the public C ABI of libokey-otp (DESIGN.md §2).
 *
 * Pure functions over caller-supplied data: no files, no network, no clock
 * (time is always a parameter), no global state. Every function returns 0
 * (OKEY_OTP_OK) or a negative okey_otp_error; okey_otp_strerror() names it.
 * Nothing here throws, prints or logs. Buffers that held secrets are wiped
 * before they are freed; comparisons of secret material are constant-time.
 */
#ifndef OKEY_OTP_H
#define OKEY_OTP_H

#include <stddef.h>
#include <stdint.h>

#if defined(OKEY_OTP_BUILDING)
#define OKEY_OTP_EXPORT __attribute__((visibility("default")))
#else
#define OKEY_OTP_EXPORT
#endif
#define OKEY_OTP_API OKEY_OTP_EXPORT __attribute__((warn_unused_result))

#ifdef __cplusplus
extern "C" {
#endif

typedef enum okey_otp_error {
    OKEY_OTP_OK = 0,
    OKEY_OTP_ERR_INVALID_ARGUMENT = -1,  /* NULL pointer, out-of-range parameter */
    OKEY_OTP_ERR_NO_MEMORY = -2,
    OKEY_OTP_ERR_BUFFER_TOO_SMALL = -3,  /* output buffer too small */
    OKEY_OTP_ERR_SECRET_LENGTH = -4,     /* secret not 10..64 bytes */
    OKEY_OTP_ERR_BAD_BASE32 = -5,
    OKEY_OTP_ERR_BAD_HEX = -6,
    OKEY_OTP_ERR_PASSCODE_FORMAT = -7,   /* non-digit, wrong length, over 64 bytes */
    OKEY_OTP_ERR_PIN_LENGTH = -8,        /* PIN outside the policy's bounds */
    OKEY_OTP_ERR_PIN_NOT_DIGITS = -9,
    OKEY_OTP_ERR_PIN_TRIVIAL = -10,      /* all one digit, or a straight run */
    OKEY_OTP_ERR_PIN_MISMATCH = -11,     /* okey_otp_pin_verify: wrong PIN */
    OKEY_OTP_ERR_HASH_FORMAT = -12,      /* not an Argon2id PHC string we accept */
    OKEY_OTP_ERR_URI_FORMAT = -13,       /* malformed otpauth:// URI */
    OKEY_OTP_ERR_CRYPTO = -14,           /* the crypto library failed */
} okey_otp_error;

typedef enum okey_otp_algorithm {
    OKEY_OTP_SHA1 = 1,
    OKEY_OTP_SHA256 = 2,
    OKEY_OTP_SHA512 = 3,
} okey_otp_algorithm;

enum {
    OKEY_OTP_SECRET_MIN = 10,
    OKEY_OTP_SECRET_MAX = 64,
    OKEY_OTP_PASSCODE_MAX = 64,     /* bytes; longer input is a parse error */
    OKEY_OTP_CODE_BUFFER = 9,       /* 8 digits + NUL */
    OKEY_OTP_PHC_BUFFER = 160,      /* enough for any PHC string we produce */
    OKEY_OTP_WINDOW_MAX = 10000,    /* largest window, resync window or resync search */
};

/* Text for an error code; never NULL. */
OKEY_OTP_EXPORT const char *okey_otp_strerror(int error);
/* "MAJOR.MINOR.PATCH" of the library actually loaded. */
OKEY_OTP_EXPORT const char *okey_otp_version(void);

/* ---- Secret handling ----------------------------------------------------- */

/* Constant-time equality of two buffers of the same length: 1 equal, 0 not. */
OKEY_OTP_EXPORT int okey_otp_memequal(const void *a, const void *b, size_t length);
/* Overwrite a buffer with zeros in a way the compiler cannot elide. */
OKEY_OTP_EXPORT void okey_otp_wipe(void *buffer, size_t length);

/* ---- Encodings (RFC 4648) ------------------------------------------------ */

/* Base32 encode with '=' padding. *written excludes the NUL written after it. */
OKEY_OTP_API int okey_otp_base32_encode(const uint8_t *data, size_t length,
                                        char *out, size_t capacity, size_t *written);
/* Base32 decode: case-insensitive; spaces ignored; padding optional but, when
 * present, must be correct; non-zero trailing bits are an error. */
OKEY_OTP_API int okey_otp_base32_decode(const char *text, size_t length,
                                        uint8_t *out, size_t capacity, size_t *written);
/* Lower-case hex encode, NUL-terminated. */
OKEY_OTP_API int okey_otp_hex_encode(const uint8_t *data, size_t length,
                                     char *out, size_t capacity, size_t *written);
/* Hex decode: case-insensitive, even length, spaces ignored. */
OKEY_OTP_API int okey_otp_hex_decode(const char *text, size_t length,
                                     uint8_t *out, size_t capacity, size_t *written);

/* ---- Keys, HOTP and TOTP (RFC 4226, RFC 6238) ----------------------------- */

/* A key: its secret (copied, wiped on free), algorithm, digits (6 or 8) and
 * TOTP period in seconds (>0). Holds the HMAC key schedule, computed once, so
 * each code costs little. A key is never modified after okey_otp_key_new: one
 * handle may be used from several threads at once (only free needs exclusion). */
typedef struct okey_otp_key okey_otp_key;

OKEY_OTP_API int okey_otp_key_new(okey_otp_key **key, const uint8_t *secret, size_t length,
                                  okey_otp_algorithm algorithm, unsigned digits,
                                  unsigned period);
OKEY_OTP_EXPORT void okey_otp_key_free(okey_otp_key *key);
OKEY_OTP_EXPORT unsigned okey_otp_key_digits(const okey_otp_key *key);
OKEY_OTP_EXPORT unsigned okey_otp_key_period(const okey_otp_key *key);

/* The HOTP value for a counter, as `digits` decimal digits + NUL in code[9]. */
OKEY_OTP_API int okey_otp_hotp(const okey_otp_key *key, uint64_t counter,
                               char code[OKEY_OTP_CODE_BUFFER]);
/* The TOTP step for a Unix time: floor(unix_time / period); times before the
 * epoch are an error. */
OKEY_OTP_API int okey_otp_totp_step(const okey_otp_key *key, int64_t unix_time, uint64_t *step);
/* The TOTP value at a Unix time (= HOTP of its step). */
OKEY_OTP_API int okey_otp_totp(const okey_otp_key *key, int64_t unix_time,
                               char code[OKEY_OTP_CODE_BUFFER]);

/* ---- Window verification with replay protection and drift ---------------- */

typedef enum okey_otp_verdict {
    OKEY_OTP_NO_MATCH = 0,
    OKEY_OTP_MATCH = 1,          /* within ±window of now+drift, after last step */
    OKEY_OTP_MATCH_RESYNC = 2,   /* only within ±resync_window: next code required */
    OKEY_OTP_REPLAY = 3,         /* matched only at a step <= last accepted step */
} okey_otp_verdict;

typedef struct okey_otp_window {
    unsigned window;          /* ±steps accepted outright (default 1) */
    unsigned resync_window;   /* ±steps that lead to next-code mode (default 10) */
} okey_otp_window;

typedef struct okey_otp_token_state {
    int has_last_step;        /* 0: no code accepted yet */
    uint64_t last_step;       /* last accepted step; only later steps can match */
    int64_t drift;            /* recorded offset of the key, in steps */
} okey_otp_token_state;

typedef struct okey_otp_match {
    okey_otp_verdict verdict;
    uint64_t step;            /* the matched step (MATCH, MATCH_RESYNC, REPLAY) */
    int64_t offset;           /* step - step(now): the key's drift seen now */
} okey_otp_match;

/* Compare `code` against every step in [c - resync_window, c + resync_window]
 * (clamped at step 0), c = step(now) + drift, in constant time per candidate
 * and without stopping early. A match within ±window of c at a step later than
 * state->last_step is MATCH; else one later than last_step in the resync band
 * is MATCH_RESYNC; else a match at a step <= last_step is REPLAY; else
 * NO_MATCH. Several matches of one kind: the one closest to c wins (ties: the
 * earlier step). A resync_window below window counts as window. A code of the
 * wrong length or with non-digits is NO_MATCH (return 0). Windows over
 * OKEY_OTP_WINDOW_MAX, a time before the epoch or a drift that overflows are
 * INVALID_ARGUMENT. On NO_MATCH, step and offset are 0. */
OKEY_OTP_API int okey_otp_verify(const okey_otp_key *key, const char *code, size_t code_length,
                                 int64_t unix_time, const okey_otp_window *window,
                                 const okey_otp_token_state *state, okey_otp_match *match);
/* Does `code` equal the value at exactly `step`? 1 yes, 0 no (constant-time). */
OKEY_OTP_API int okey_otp_verify_step(const okey_otp_key *key, const char *code,
                                      size_t code_length, uint64_t step, int *equal);
/* Administrator resync: find a step S within ±search_steps of step(now)
 * (clamped at 0; at most OKEY_OTP_WINDOW_MAX) where code1 matches S and code2
 * matches S+1; the S closest to step(now) wins. On success match->verdict =
 * MATCH, match->step = S+1 and match->offset = S+1 - step(now); else NO_MATCH. */
OKEY_OTP_API int okey_otp_resync(const okey_otp_key *key, const char *code1, size_t length1,
                                 const char *code2, size_t length2, int64_t unix_time,
                                 unsigned search_steps, okey_otp_match *match);

/* ---- Passcode parsing ---------------------------------------------------- */

typedef struct okey_otp_passcode_rules {
    unsigned code_digits;     /* 6 or 8 */
    unsigned pin_min;         /* shortest PIN accepted in a full passcode */
    unsigned pin_max;         /* longest */
    int allow_code_only;      /* 1: a passcode of exactly code_digits is valid */
} okey_otp_passcode_rules;

/* Split a passcode (PIN followed by the code) without copying: on success the
 * PIN is passcode[0, *pin_length) and the code the last code_digits bytes.
 * Digits only; any other byte, a length that fits no rule, or input over
 * OKEY_OTP_PASSCODE_MAX bytes is OKEY_OTP_ERR_PASSCODE_FORMAT. */
OKEY_OTP_API int okey_otp_passcode_parse(const char *passcode, size_t length,
                                         const okey_otp_passcode_rules *rules,
                                         size_t *pin_length);

/* ---- PIN policy and hashing ---------------------------------------------- */

typedef struct okey_otp_pin_policy {
    unsigned min_length;      /* default 4 */
    unsigned max_length;      /* default 6 */
    int refuse_trivial;       /* refuse 0000, 1234, 9876 … */
} okey_otp_pin_policy;

/* 0 if acceptable, else PIN_NOT_DIGITS, PIN_LENGTH or PIN_TRIVIAL (in that order).
 * Trivial: all one digit, or a straight run read off the digit row either way
 * with 0 after 9 and before 1, i.e. a piece of "01234567890" or "09876543210"
 * (1234, 0123, 7890, 9876, 0987, 3210); runs do not wrap (8901, 9012 are fine). */
OKEY_OTP_API int okey_otp_pin_check(const okey_otp_pin_policy *policy, const char *pin,
                                    size_t length);

typedef struct okey_otp_argon2_params {
    uint32_t memory_kib;      /* default 19456 */
    uint32_t iterations;      /* default 2 */
    uint32_t parallelism;     /* default 1 */
} okey_otp_argon2_params;

/* Argon2id hash of a PIN (at most OKEY_OTP_PASSCODE_MAX bytes) with a fresh
 * 16-byte random salt and a 32-byte hash, as a PHC string
 * "$argon2id$v=19$m=…,t=…,p=…$salt$hash" (NUL-terminated) in phc. Parameters
 * outside 1 <= p <= 16, 1 <= t <= 100, 8p <= m <= 4194304 KiB (4 GiB) are
 * INVALID_ARGUMENT. */
OKEY_OTP_API int okey_otp_pin_hash(const okey_otp_argon2_params *params, const char *pin,
                                   size_t length, char *phc, size_t capacity);
/* 0 if the PIN matches the PHC string, PIN_MISMATCH if not, HASH_FORMAT if the
 * string is not exactly an Argon2id v19 PHC string within the bounds above
 * (salt 8..64 bytes, hash 16..64 bytes, at most 256 characters): a hostile
 * store cannot make a login cost more. Re-hashes and compares in constant time. */
OKEY_OTP_API int okey_otp_pin_verify(const char *phc, const char *pin, size_t length);
/* *needs = 1 when the PHC string was made with parameters other than params
 * (or with another salt or hash length than okey_otp_pin_hash uses). */
OKEY_OTP_API int okey_otp_pin_needs_rehash(const char *phc, const okey_otp_argon2_params *params,
                                           int *needs);

/* ---- otpauth:// URIs (Key URI format) ------------------------------------ */

typedef enum okey_otp_uri_type {
    OKEY_OTP_URI_TOTP = 1,
    OKEY_OTP_URI_HOTP = 2,
} okey_otp_uri_type;

typedef struct okey_otp_uri_fields {
    okey_otp_uri_type type;
    const char *issuer;       /* may be NULL or empty */
    const char *account;      /* the login; required */
    const uint8_t *secret;
    size_t secret_length;
    okey_otp_algorithm algorithm;
    unsigned digits;
    unsigned period;          /* TOTP */
    uint64_t counter;         /* HOTP */
} okey_otp_uri_fields;

/* Build "otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=…&digits=…&period=…"
 * (HOTP: counter=… instead of period) with percent-encoding and an unpadded
 * base32 secret; NUL-terminated. Issuer and account: UTF-8 without control
 * characters or ':'; the account is required and does not start with a space;
 * TOTP period 1..86400; the URI at most 2048 bytes. Else INVALID_ARGUMENT. */
OKEY_OTP_API int okey_otp_uri_build(const okey_otp_uri_fields *fields, char *out,
                                    size_t capacity, size_t *written);

/* A parsed URI; its strings live as long as the handle; its secret is wiped on free. */
typedef struct okey_otp_uri okey_otp_uri;

/* Strict parse of at most 2048 bytes: scheme, type (totp|hotp), label
 * "Issuer:account" or "account" (spaces after ':' skipped), base32 secret of
 * 10..64 bytes, known parameters with valid values (secret, issuer, algorithm
 * SHA1|SHA256|SHA512, digits 6|8, period 1..86400, counter — required for
 * HOTP); unknown parameters are ignored, duplicates refused; an issuer
 * parameter must equal the label's issuer. Fields follow the builder's rules
 * and must build again within 2048 bytes (parse → build → parse is exact).
 * Anything else, raw bytes outside printable ASCII included, is URI_FORMAT. */
OKEY_OTP_API int okey_otp_uri_parse(const char *uri, size_t length, okey_otp_uri **parsed);
OKEY_OTP_EXPORT void okey_otp_uri_free(okey_otp_uri *parsed);
/* Borrowed views into the handle; issuer is "" when absent. */
OKEY_OTP_EXPORT void okey_otp_uri_get(const okey_otp_uri *parsed, okey_otp_uri_fields *fields);

#ifdef __cplusplus
}
#endif

#endif /* OKEY_OTP_H */
