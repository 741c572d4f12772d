// SPDX-License-Identifier: Apache-2.0
// libotp/src/pin_hash.cpp — Argon2id PIN hashing in PHC string format.
//
// A PHC string comes from the store, which an attacker may have written to:
// it is parsed strictly here and its cost bounded before libargon2 sees it,
// so a hostile string cannot make a login take minutes or gigabytes.
#include <okey/otp.h>

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdint>
#include <cstring>

namespace {

constexpr std::uint32_t kSaltBytes = 16;
constexpr std::uint32_t kHashBytes = 32;
constexpr std::uint32_t kMaxMemoryKib = 4u * 1024 * 1024;  // 4 GiB
constexpr std::uint32_t kMaxIterations = 100;
constexpr std::uint32_t kMaxParallelism = 16;
constexpr std::size_t kMaxPhcLength = 256;

bool params_acceptable(std::uint32_t m, std::uint32_t t, std::uint32_t p) noexcept {
    return p >= 1 && p <= kMaxParallelism && t >= 1 && t <= kMaxIterations &&
           m >= 8 * p && m <= kMaxMemoryKib;
}

struct Phc {
    std::uint32_t m = 0, t = 0, p = 0;
    std::size_t salt_bytes = 0, hash_bytes = 0;
};

// Reads `literal` at *at.
bool expect(const char*& at, const char* literal) noexcept {
    const std::size_t n = std::strlen(literal);
    if (std::strncmp(at, literal, n) != 0) return false;
    at += n;
    return true;
}

// A decimal without sign or leading zero that fits 32 bits.
bool read_number(const char*& at, std::uint32_t* value) noexcept {
    std::uint64_t v = 0;
    const char* start = at;
    while (*at >= '0' && *at <= '9') {
        v = v * 10 + static_cast<std::uint64_t>(*at - '0');
        if (v > UINT32_MAX) return false;
        ++at;
    }
    if (at == start || (*start == '0' && at - start > 1)) return false;
    *value = static_cast<std::uint32_t>(v);
    return true;
}

// Unpadded standard base64 as PHC uses; returns the decoded length.
bool read_base64(const char*& at, std::size_t* bytes) noexcept {
    const char* start = at;
    while ((*at >= 'A' && *at <= 'Z') || (*at >= 'a' && *at <= 'z') ||
           (*at >= '0' && *at <= '9') || *at == '+' || *at == '/')
        ++at;
    const std::size_t chars = static_cast<std::size_t>(at - start);
    if (chars % 4 == 1) return false;
    *bytes = chars / 4 * 3 + (chars % 4 == 0 ? 0 : chars % 4 - 1);
    return true;
}

// "$argon2id$v=19$m=M,t=T,p=P$SALT$HASH", nothing else, within our bounds.
bool parse_phc(const char* phc, Phc* out) noexcept {
    if (strnlen(phc, kMaxPhcLength + 1) > kMaxPhcLength) return false;
    const char* at = phc;
    if (!expect(at, "$argon2id$v=19$m=") || !read_number(at, &out->m) || !expect(at, ",t=") ||
        !read_number(at, &out->t) || !expect(at, ",p=") || !read_number(at, &out->p) ||
        !expect(at, "$") || !read_base64(at, &out->salt_bytes) || !expect(at, "$") ||
        !read_base64(at, &out->hash_bytes) || *at != '\0')
        return false;
    return params_acceptable(out->m, out->t, out->p) && out->salt_bytes >= 8 &&
           out->salt_bytes <= 64 && out->hash_bytes >= 16 && out->hash_bytes <= 64;
}

bool pin_acceptable(const char* pin, std::size_t length) noexcept {
    return (pin != nullptr || length == 0) && length <= OKEY_OTP_PASSCODE_MAX;
}

int from_argon2(int rc) noexcept {
    switch (rc) {
    case ARGON2_OK: return OKEY_OTP_OK;
    case ARGON2_VERIFY_MISMATCH: return OKEY_OTP_ERR_PIN_MISMATCH;
    case ARGON2_MEMORY_ALLOCATION_ERROR: return OKEY_OTP_ERR_NO_MEMORY;
    case ARGON2_DECODING_FAIL:
    case ARGON2_DECODING_LENGTH_FAIL:
    case ARGON2_INCORRECT_TYPE: return OKEY_OTP_ERR_HASH_FORMAT;
    default: return OKEY_OTP_ERR_CRYPTO;
    }
}

}  // namespace

extern "C" {

int okey_otp_pin_hash(const okey_otp_argon2_params* params, const char* pin, size_t length,
                      char* phc, size_t capacity) {
    if (params == nullptr || phc == nullptr || !pin_acceptable(pin, length) ||
        !params_acceptable(params->memory_kib, params->iterations, params->parallelism))
        return OKEY_OTP_ERR_INVALID_ARGUMENT;
    if (capacity > 0) phc[0] = '\0';
    const std::size_t needed = argon2_encodedlen(params->iterations, params->memory_kib,
                                                 params->parallelism, kSaltBytes, kHashBytes,
                                                 Argon2_id);  // counts the NUL
    if (capacity < needed) return OKEY_OTP_ERR_BUFFER_TOO_SMALL;
    unsigned char salt[kSaltBytes];
    if (RAND_bytes(salt, sizeof salt) != 1) return OKEY_OTP_ERR_CRYPTO;
    const int rc = argon2id_hash_encoded(params->iterations, params->memory_kib,
                                         params->parallelism, length > 0 ? pin : "", length,
                                         salt, sizeof salt, kHashBytes, phc, capacity);
    OPENSSL_cleanse(salt, sizeof salt);
    if (rc != ARGON2_OK) {
        OPENSSL_cleanse(phc, capacity);
        return from_argon2(rc);
    }
    return OKEY_OTP_OK;
}

int okey_otp_pin_verify(const char* phc, const char* pin, size_t length) {
    if (phc == nullptr || !pin_acceptable(pin, length)) return OKEY_OTP_ERR_INVALID_ARGUMENT;
    Phc parsed;
    if (!parse_phc(phc, &parsed)) return OKEY_OTP_ERR_HASH_FORMAT;
    // argon2id_verify re-hashes with the string's salt and parameters and
    // compares in constant time; it wipes its own buffers.
    return from_argon2(argon2id_verify(phc, length > 0 ? pin : "", length));
}

int okey_otp_pin_needs_rehash(const char* phc, const okey_otp_argon2_params* params, int* needs) {
    if (needs != nullptr) *needs = 0;
    if (phc == nullptr || params == nullptr || needs == nullptr) return OKEY_OTP_ERR_INVALID_ARGUMENT;
    Phc parsed;
    if (!parse_phc(phc, &parsed)) return OKEY_OTP_ERR_HASH_FORMAT;
    *needs = parsed.m != params->memory_kib || parsed.t != params->iterations ||
             parsed.p != params->parallelism || parsed.salt_bytes != kSaltBytes ||
             parsed.hash_bytes != kHashBytes;
    return OKEY_OTP_OK;
}

}  // extern "C"
