// SPDX-License-Identifier: Apache-2.0
// libotp/src/util.cpp — error texts, version, constant-time compare, wiping.
#include <okey/otp.h>

#include <openssl/crypto.h>

extern "C" {

const char* okey_otp_strerror(int error) {
    switch (error) {
    case OKEY_OTP_OK: return "success";
    case OKEY_OTP_ERR_INVALID_ARGUMENT: return "invalid argument";
    case OKEY_OTP_ERR_NO_MEMORY: return "out of memory";
    case OKEY_OTP_ERR_BUFFER_TOO_SMALL: return "output buffer too small";
    case OKEY_OTP_ERR_SECRET_LENGTH: return "secret must be 10 to 64 bytes";
    case OKEY_OTP_ERR_BAD_BASE32: return "invalid base32";
    case OKEY_OTP_ERR_BAD_HEX: return "invalid hex";
    case OKEY_OTP_ERR_PASSCODE_FORMAT: return "malformed passcode";
    case OKEY_OTP_ERR_PIN_LENGTH: return "PIN length outside the policy";
    case OKEY_OTP_ERR_PIN_NOT_DIGITS: return "PIN must contain digits only";
    case OKEY_OTP_ERR_PIN_TRIVIAL: return "PIN too simple";
    case OKEY_OTP_ERR_PIN_MISMATCH: return "wrong PIN";
    case OKEY_OTP_ERR_HASH_FORMAT: return "not an Argon2id PHC string";
    case OKEY_OTP_ERR_URI_FORMAT: return "malformed otpauth URI";
    case OKEY_OTP_ERR_CRYPTO: return "crypto library failure";
    default: return "unknown error";
    }
}

const char* okey_otp_version(void) { return OKEY_OTP_VERSION; }

int okey_otp_memequal(const void* a, const void* b, size_t length) {
    if (length == 0) return 1;
    if (a == nullptr || b == nullptr) return 0;
    return CRYPTO_memcmp(a, b, length) == 0 ? 1 : 0;
}

void okey_otp_wipe(void* buffer, size_t length) {
    if (buffer != nullptr && length > 0) OPENSSL_cleanse(buffer, length);
}

}  // extern "C"
