// SPDX-License-Identifier: Apache-2.0
// engine/pskc/crypto.cpp — see crypto.hpp.
#include "engine/pskc/crypto.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>

namespace okey::pskc {
namespace {

constexpr std::size_t block = 16;

struct CipherFree {
    void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};

}  // namespace

std::optional<otp::SecretBytes> aes128_cbc_decrypt(std::span<const std::uint8_t> key,
                                                   std::span<const std::uint8_t> iv_and_ciphertext) {
    if (key.size() != aes128_key_bytes) return std::nullopt;
    if (iv_and_ciphertext.size() < 2 * block || iv_and_ciphertext.size() % block != 0) {
        return std::nullopt;
    }
    const auto iv = iv_and_ciphertext.first(block);
    const auto ciphertext = iv_and_ciphertext.subspan(block);
    std::unique_ptr<EVP_CIPHER_CTX, CipherFree> ctx(EVP_CIPHER_CTX_new());
    if (!ctx) return std::nullopt;
    otp::SecretBytes plain(ciphertext.size() + block);
    int written = 0;
    int final_written = 0;
    // XML Encryption padding is not PKCS#7 (only the last byte is defined):
    // decrypt without OpenSSL's padding check and strip it ourselves.
    if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_128_cbc(), nullptr, key.data(), iv.data()) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
        EVP_DecryptUpdate(ctx.get(), plain.data(), &written, ciphertext.data(),
                          static_cast<int>(ciphertext.size())) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), plain.data() + written, &final_written) != 1) {
        return std::nullopt;
    }
    plain.resize(static_cast<std::size_t>(written + final_written));
    if (plain.empty()) return std::nullopt;
    const std::size_t pad = plain.back();
    if (pad == 0 || pad > block || pad > plain.size()) return std::nullopt;
    plain.resize(plain.size() - pad);
    return plain;
}

std::optional<std::string> mac_digest_for(std::string_view uri) {
    if (uri == "http://www.w3.org/2000/09/xmldsig#hmac-sha1") return "SHA1";
    if (uri == "http://www.w3.org/2001/04/xmldsig-more#hmac-sha224") return "SHA224";
    if (uri == "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256") return "SHA256";
    if (uri == "http://www.w3.org/2001/04/xmldsig-more#hmac-sha384") return "SHA384";
    if (uri == "http://www.w3.org/2001/04/xmldsig-more#hmac-sha512") return "SHA512";
    return std::nullopt;
}

bool hmac_matches(std::string_view digest, std::span<const std::uint8_t> mac_key,
                  std::span<const std::uint8_t> data, std::span<const std::uint8_t> expected) {
    const std::string name(digest);
    const EVP_MD* md = EVP_get_digestbyname(name.c_str());
    if (md == nullptr) return false;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_length = 0;
    if (HMAC(md, mac_key.data(), static_cast<int>(mac_key.size()), data.data(), data.size(), mac,
             &mac_length) == nullptr) {
        return false;
    }
    // The length is public (it is the digest's); the bytes are compared in constant time.
    const bool equal = expected.size() == mac_length &&
                       okey_otp_memequal(mac, expected.data(), mac_length) == 1;
    okey_otp_wipe(mac, sizeof mac);
    return equal;
}

}  // namespace okey::pskc
