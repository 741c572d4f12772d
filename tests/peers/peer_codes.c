// SPDX-License-Identifier: Apache-2.0
/* tests/peers/peer_codes.c — prints libotp's TOTP codes for the peer test.
 * Each stdin line: HEX-SECRET ALGORITHM(1|2|3) DIGITS PERIOD UNIX-TIME COUNT;
 * each output line: the COUNT codes at UNIX-TIME, +PERIOD, … separated by spaces
 * (the same steps oathtool -w COUNT-1 prints). */
#include <okey/otp.h>

#include <stdio.h>
#include <string.h>

int main(void) {
    char hex[160];
    int algorithm = 0;
    unsigned digits = 0, period = 0, count = 0;
    long long unix_time = 0;
    while (scanf("%159s %d %u %u %lld %u", hex, &algorithm, &digits, &period, &unix_time,
                 &count) == 6) {
        uint8_t secret[OKEY_OTP_SECRET_MAX];
        size_t length = 0;
        okey_otp_key *key = NULL;
        if (okey_otp_hex_decode(hex, strlen(hex), secret, sizeof secret, &length) != OKEY_OTP_OK ||
            okey_otp_key_new(&key, secret, length, (okey_otp_algorithm)algorithm, digits,
                             period) != OKEY_OTP_OK) {
            fprintf(stderr, "peer_codes: bad case %s\n", hex);
            return 2;
        }
        for (unsigned i = 0; i < count; ++i) {
            char code[OKEY_OTP_CODE_BUFFER];
            if (okey_otp_totp(key, unix_time + (long long)i * period, code) != OKEY_OTP_OK) {
                fprintf(stderr, "peer_codes: totp failed\n");
                return 2;
            }
            printf(i == 0 ? "%s" : " %s", code);
        }
        printf("\n");
        okey_otp_key_free(key);
        okey_otp_wipe(secret, sizeof secret);
    }
    return 0;
}
