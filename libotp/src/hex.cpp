// SPDX-License-Identifier: Apache-2.0
// libotp/src/hex.cpp — hex encoding of secrets (okeyctl --hex, PSKC, oathtool).
#include <okey/otp.h>

#include <openssl/crypto.h>

namespace {

int nibble(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

extern "C" {

int okey_otp_hex_encode(const uint8_t* data, size_t length, char* out, size_t capacity,
                        size_t* written) {
    static constexpr char kDigits[] = "0123456789abcdef";
    if ((data == nullptr && length > 0) || out == nullptr) return OKEY_OTP_ERR_INVALID_ARGUMENT;
    if (written != nullptr) *written = 0;
    if (length > (SIZE_MAX - 1) / 2) return OKEY_OTP_ERR_INVALID_ARGUMENT;
    if (capacity < length * 2 + 1) return OKEY_OTP_ERR_BUFFER_TOO_SMALL;
    for (size_t i = 0; i < length; ++i) {
        out[2 * i] = kDigits[data[i] >> 4];
        out[2 * i + 1] = kDigits[data[i] & 0x0f];
    }
    out[length * 2] = '\0';
    if (written != nullptr) *written = length * 2;
    return OKEY_OTP_OK;
}

int okey_otp_hex_decode(const char* text, size_t length, uint8_t* out, size_t capacity,
                        size_t* written) {
    if ((text == nullptr && length > 0) || (out == nullptr && capacity > 0))
        return OKEY_OTP_ERR_INVALID_ARGUMENT;
    if (written != nullptr) *written = 0;
    size_t at = 0;
    int high = -1;  // first nibble of the byte being read, or -1
    int rc = OKEY_OTP_OK;
    for (size_t i = 0; i < length; ++i) {
        if (text[i] == ' ') continue;
        const int value = nibble(text[i]);
        if (value < 0) {
            rc = OKEY_OTP_ERR_BAD_HEX;
            break;
        }
        if (high < 0) {
            high = value;
            continue;
        }
        if (at == capacity) {
            rc = OKEY_OTP_ERR_BUFFER_TOO_SMALL;
            break;
        }
        out[at++] = static_cast<uint8_t>((high << 4) | value);
        high = -1;
    }
    if (rc == OKEY_OTP_OK && high >= 0) rc = OKEY_OTP_ERR_BAD_HEX;  // odd number of digits
    high = -1;
    if (rc != OKEY_OTP_OK) {
        OPENSSL_cleanse(out, at);
        return rc;
    }
    if (written != nullptr) *written = at;
    return OKEY_OTP_OK;
}

}  // extern "C"
