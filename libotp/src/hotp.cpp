// SPDX-License-Identifier: Apache-2.0
// libotp/src/hotp.cpp — key handles, HOTP (RFC 4226) and TOTP (RFC 6238) values.
#include "key.hpp"

#include <openssl/crypto.h>

#include <cstring>
#include <new>

namespace okey::otp::detail {
namespace {

constexpr std::size_t kMaxBlock = SHA512_CBLOCK;  // 128: SHA1/SHA256 use 64

template <class Ctx, class Init, class Update>
void key_schedule(Ctx& inner, Ctx& outer, Init init, Update update, const std::uint8_t* secret,
                  std::size_t length, std::size_t block) {
    // Secrets are at most 64 bytes, never longer than a block: no pre-hashing.
    // Straight loops without branches: this runs once per login and per key.
    unsigned char pad[kMaxBlock];
    std::memset(pad, 0x36, block);
    for (std::size_t i = 0; i < length; ++i) pad[i] ^= secret[i];
    init(&inner);
    update(&inner, pad, block);
    for (std::size_t i = 0; i < block; ++i) pad[i] ^= 0x36 ^ 0x5c;
    init(&outer);
    update(&outer, pad, block);
    OPENSSL_cleanse(pad, sizeof pad);
}

// HMAC = H(outer || H(inner || message)), using the precomputed states.
template <class Ctx, class Update, class Final>
void hmac(const Ctx& inner, const Ctx& outer, Ctx& scratch, Update update, Final final,
          const unsigned char message[8], unsigned char* mac, std::size_t digest_length) {
    scratch = inner;
    update(&scratch, message, 8);
    final(mac, &scratch);
    scratch = outer;
    update(&scratch, mac, digest_length);
    final(mac, &scratch);
}

constexpr std::uint32_t kPowers[] = {1000000u, 0u, 100000000u};  // 6 and 8 digits

}  // namespace

CodeGenerator::~CodeGenerator() {
    OPENSSL_cleanse(&scratch_, sizeof scratch_);
    OPENSSL_cleanse(mac_, sizeof mac_);
    OPENSSL_cleanse(code_, sizeof code_);
}

void CodeGenerator::code_at(std::uint64_t counter, char out[OKEY_OTP_CODE_BUFFER]) noexcept {
    unsigned char message[8];
    for (int i = 7; i >= 0; --i) {
        message[i] = static_cast<unsigned char>(counter & 0xff);
        counter >>= 8;
    }
    std::size_t length = 0;
    switch (key_.algorithm) {
    case OKEY_OTP_SHA1:
        hmac(key_.state.sha1.inner, key_.state.sha1.outer, scratch_.sha1, SHA1_Update,
             SHA1_Final, message, mac_, SHA_DIGEST_LENGTH);
        length = SHA_DIGEST_LENGTH;
        break;
    case OKEY_OTP_SHA256:
        hmac(key_.state.sha256.inner, key_.state.sha256.outer, scratch_.sha256, SHA256_Update,
             SHA256_Final, message, mac_, SHA256_DIGEST_LENGTH);
        length = SHA256_DIGEST_LENGTH;
        break;
    case OKEY_OTP_SHA512:
        hmac(key_.state.sha512.inner, key_.state.sha512.outer, scratch_.sha512, SHA512_Update,
             SHA512_Final, message, mac_, SHA512_DIGEST_LENGTH);
        length = SHA512_DIGEST_LENGTH;
        break;
    }
    // Dynamic truncation (RFC 4226 §5.3).
    const unsigned offset = mac_[length - 1] & 0x0f;
    std::uint32_t binary = (static_cast<std::uint32_t>(mac_[offset] & 0x7f) << 24) |
                           (static_cast<std::uint32_t>(mac_[offset + 1]) << 16) |
                           (static_cast<std::uint32_t>(mac_[offset + 2]) << 8) |
                           static_cast<std::uint32_t>(mac_[offset + 3]);
    binary %= kPowers[key_.digits - 6];
    for (unsigned i = key_.digits; i > 0; --i) {
        out[i - 1] = static_cast<char>('0' + binary % 10);
        binary /= 10;
    }
    out[key_.digits] = '\0';
}

bool CodeGenerator::matches(std::uint64_t counter, const char* code) noexcept {
    code_at(counter, code_);
    return CRYPTO_memcmp(code_, code, key_.digits) == 0;
}

bool is_code_format(const okey_otp_key& key, const char* code, std::size_t length) noexcept {
    if (code == nullptr || length != key.digits) return false;
    for (std::size_t i = 0; i < length; ++i)
        if (code[i] < '0' || code[i] > '9') return false;
    return true;
}

}  // namespace okey::otp::detail

using okey::otp::detail::CodeGenerator;

extern "C" {

int okey_otp_key_new(okey_otp_key** key, const uint8_t* secret, size_t length,
                     okey_otp_algorithm algorithm, unsigned digits, unsigned period) {
    using namespace okey::otp::detail;
    if (key == nullptr) return OKEY_OTP_ERR_INVALID_ARGUMENT;
    *key = nullptr;
    if (secret == nullptr) return OKEY_OTP_ERR_INVALID_ARGUMENT;
    if (length < OKEY_OTP_SECRET_MIN || length > OKEY_OTP_SECRET_MAX)
        return OKEY_OTP_ERR_SECRET_LENGTH;
    if (algorithm != OKEY_OTP_SHA1 && algorithm != OKEY_OTP_SHA256 && algorithm != OKEY_OTP_SHA512)
        return OKEY_OTP_ERR_INVALID_ARGUMENT;
    if ((digits != 6 && digits != 8) || period == 0) return OKEY_OTP_ERR_INVALID_ARGUMENT;

    auto* made = new (std::nothrow) okey_otp_key;  // every used field is set below
    if (made == nullptr) return OKEY_OTP_ERR_NO_MEMORY;
    made->algorithm = algorithm;
    made->digits = digits;
    made->period = period;
    switch (algorithm) {
    case OKEY_OTP_SHA1:
        key_schedule(made->state.sha1.inner, made->state.sha1.outer, SHA1_Init, SHA1_Update,
                     secret, length, SHA_CBLOCK);
        break;
    case OKEY_OTP_SHA256:
        key_schedule(made->state.sha256.inner, made->state.sha256.outer, SHA256_Init,
                     SHA256_Update, secret, length, SHA256_CBLOCK);
        break;
    case OKEY_OTP_SHA512:
        key_schedule(made->state.sha512.inner, made->state.sha512.outer, SHA512_Init,
                     SHA512_Update, secret, length, SHA512_CBLOCK);
        break;
    }
    *key = made;
    return OKEY_OTP_OK;
}

void okey_otp_key_free(okey_otp_key* key) {
    if (key == nullptr) return;
    OPENSSL_cleanse(key, sizeof *key);
    delete key;
}

unsigned okey_otp_key_digits(const okey_otp_key* key) { return key ? key->digits : 0; }
unsigned okey_otp_key_period(const okey_otp_key* key) { return key ? key->period : 0; }

int okey_otp_hotp(const okey_otp_key* key, uint64_t counter, char code[OKEY_OTP_CODE_BUFFER]) {
    if (key == nullptr || code == nullptr) return OKEY_OTP_ERR_INVALID_ARGUMENT;
    CodeGenerator generator(*key);
    generator.code_at(counter, code);
    return OKEY_OTP_OK;
}

int okey_otp_totp_step(const okey_otp_key* key, int64_t unix_time, uint64_t* step) {
    if (key == nullptr || step == nullptr || unix_time < 0) return OKEY_OTP_ERR_INVALID_ARGUMENT;
    *step = static_cast<uint64_t>(unix_time) / key->period;
    return OKEY_OTP_OK;
}

int okey_otp_totp(const okey_otp_key* key, int64_t unix_time, char code[OKEY_OTP_CODE_BUFFER]) {
    uint64_t step = 0;
    int rc = okey_otp_totp_step(key, unix_time, &step);
    if (rc != OKEY_OTP_OK) return rc;
    return okey_otp_hotp(key, step, code);
}

}  // extern "C"
