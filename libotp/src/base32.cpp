// SPDX-License-Identifier: Apache-2.0
// libotp/src/base32.cpp — RFC 4648 base32 (the alphabet of otpauth secrets).
#include <okey/otp.h>

#include <openssl/crypto.h>

#include <cstdint>

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int symbol_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a';
    if (c >= '2' && c <= '7') return c - '2' + 26;
    return -1;
}

// '=' characters that must follow a final group of `remainder` symbols.
int padding_for(std::size_t remainder) noexcept {
    switch (remainder) {
    case 0: return 0;
    case 2: return 6;
    case 4: return 4;
    case 5: return 3;
    case 7: return 1;
    default: return -1;  // 1, 3 or 6 symbols cannot end a group
    }
}

}  // namespace

extern "C" {

int okey_otp_base32_encode(const uint8_t* data, size_t length, char* out, size_t capacity,
                           size_t* written) {
    if ((data == nullptr && length > 0) || out == nullptr) return OKEY_OTP_ERR_INVALID_ARGUMENT;
    if (written != nullptr) *written = 0;
    if (length > (SIZE_MAX - 1) / 8 * 5 - 5) return OKEY_OTP_ERR_INVALID_ARGUMENT;
    const size_t needed = (length + 4) / 5 * 8;
    if (capacity < needed + 1) return OKEY_OTP_ERR_BUFFER_TOO_SMALL;
    size_t at = 0;
    for (size_t i = 0; i < length; i += 5) {
        std::uint64_t group = 0;
        const size_t take = length - i < 5 ? length - i : 5;
        for (size_t j = 0; j < 5; ++j) group = (group << 8) | (j < take ? data[i + j] : 0u);
        const size_t symbols = (take * 8 + 4) / 5;
        for (size_t j = 0; j < 8; ++j)
            out[at++] = j < symbols ? kAlphabet[(group >> (35 - 5 * j)) & 31] : '=';
    }
    out[at] = '\0';
    if (written != nullptr) *written = at;
    return OKEY_OTP_OK;
}

int okey_otp_base32_decode(const char* text, size_t length, uint8_t* out, size_t capacity,
                           size_t* written) {
    if ((text == nullptr && length > 0) || (out == nullptr && capacity > 0))
        return OKEY_OTP_ERR_INVALID_ARGUMENT;
    if (written != nullptr) *written = 0;
    std::uint32_t bits = 0;
    unsigned bit_count = 0;
    size_t symbols = 0, padding = 0, at = 0;
    int rc = OKEY_OTP_OK;
    for (size_t i = 0; i < length && rc == OKEY_OTP_OK; ++i) {
        const char c = text[i];
        if (c == ' ') continue;
        if (c == '=') {
            ++padding;
            continue;
        }
        const int value = symbol_value(c);
        if (value < 0 || padding > 0) {  // unknown symbol, or data after padding
            rc = OKEY_OTP_ERR_BAD_BASE32;
            break;
        }
        ++symbols;
        bits = (bits << 5) | static_cast<std::uint32_t>(value);
        bit_count += 5;
        if (bit_count >= 8) {
            bit_count -= 8;
            if (at == capacity) {
                rc = OKEY_OTP_ERR_BUFFER_TOO_SMALL;
                break;
            }
            out[at++] = static_cast<uint8_t>(bits >> bit_count);
            bits &= (1u << bit_count) - 1;
        }
    }
    if (rc == OKEY_OTP_OK) {
        const int expected = padding_for(symbols % 8);
        if (expected < 0 || (padding > 0 && padding != static_cast<size_t>(expected)) ||
            bits != 0)  // leftover bits must be zero (canonical encoding)
            rc = OKEY_OTP_ERR_BAD_BASE32;
    }
    bits = 0;
    if (rc != OKEY_OTP_OK) {
        OPENSSL_cleanse(out, at);
        return rc;
    }
    if (written != nullptr) *written = at;
    return OKEY_OTP_OK;
}

}  // extern "C"
