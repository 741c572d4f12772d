// SPDX-License-Identifier: Apache-2.0
// libotp/src/key.hpp — the key handle and the per-call code generator (internal).
//
// Why not EVP_MAC: measured on this machine, an HMAC context re-initialised per
// code (EVP_MAC_init with a NULL key) costs ~0.29 µs and a duplicated keyed
// EVP_MAC_CTX ~0.57 µs, while copying precomputed inner/outer hash states costs
// ~0.10 µs. So a key stores the HMAC key schedule as the two hash states after
// absorbing key^ipad and key^opad (RFC 2104), computed once; each code copies
// them into stack scratch. The handle is never written after creation, which
// makes it safe to share between threads.
#ifndef OKEY_OTP_SRC_KEY_HPP
#define OKEY_OTP_SRC_KEY_HPP

// The low-level SHA state structs are deprecated in OpenSSL 3 but remain the
// only allocation-free way to copy a keyed hash state (see above).
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <okey/otp.h>
#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>

struct okey_otp_key {
    okey_otp_algorithm algorithm;
    unsigned digits;
    unsigned period;
    union {
        struct { SHA_CTX inner, outer; } sha1;
        struct { SHA256_CTX inner, outer; } sha256;
        struct { SHA512_CTX inner, outer; } sha512;
    } state;
};

namespace okey::otp::detail {

// Computes a key's codes; its scratch hash states and last code are wiped
// when it goes out of scope. One per call, on the stack: never shared.
class CodeGenerator {
public:
    explicit CodeGenerator(const okey_otp_key& key) noexcept : key_(key) {}
    ~CodeGenerator();
    CodeGenerator(const CodeGenerator&) = delete;
    CodeGenerator& operator=(const CodeGenerator&) = delete;

    // The HOTP value at `counter`, `digits` decimal digits + NUL.
    void code_at(std::uint64_t counter, char out[OKEY_OTP_CODE_BUFFER]) noexcept;
    // Constant-time: does `code` (already checked by is_code_format) equal the
    // value at `counter`?
    bool matches(std::uint64_t counter, const char* code) noexcept;

private:
    const okey_otp_key& key_;
    union {
        SHA_CTX sha1;
        SHA256_CTX sha256;
        SHA512_CTX sha512;
    } scratch_{};
    unsigned char mac_[SHA512_DIGEST_LENGTH] = {};
    char code_[OKEY_OTP_CODE_BUFFER] = {};
};

// A caller's code has exactly `digits` bytes, all of them 0-9.
bool is_code_format(const okey_otp_key& key, const char* code, std::size_t length) noexcept;

}  // namespace okey::otp::detail

#endif  // OKEY_OTP_SRC_KEY_HPP
