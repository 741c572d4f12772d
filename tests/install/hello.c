// SPDX-License-Identifier: Apache-2.0
/* tests/install/hello.c — a user's first program against the installed library. */
#include <okey/otp.h>

#include <stdio.h>
#include <string.h>

int main(void) {
    const char *seed = "12345678901234567890";
    okey_otp_key *key = NULL;
    if (okey_otp_key_new(&key, (const uint8_t *)seed, strlen(seed), OKEY_OTP_SHA1, 8, 30) != 0)
        return 1;
    char code[OKEY_OTP_CODE_BUFFER];
    if (okey_otp_totp(key, 59, code) != 0) return 1;
    okey_otp_key_free(key);
    printf("%s %s\n", okey_otp_version(), code); /* RFC 6238: 94287082 */
    return strcmp(code, "94287082") == 0 ? 0 : 1;
}
