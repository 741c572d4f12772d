// SPDX-License-Identifier: Apache-2.0
// engine/pskc/crypto.hpp — the two primitives a pre-shared-key PSKC file needs
// (RFC 6030 §6.1): AES-128-CBC decryption of an xenc CipherValue (IV
// prepended, XML Encryption padding) and the HMAC of a ValueMAC, checked in
// constant time. OpenSSL underneath; every buffer holding a key is wiped.
#pragma once

#include <okey/otp.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace okey::pskc {

inline constexpr std::size_t aes128_key_bytes = 16;

// Decrypt IV(16) ‖ ciphertext with AES-128-CBC; nullopt when the input is not
// a whole number of blocks after the IV, or the padding is invalid.
std::optional<otp::SecretBytes> aes128_cbc_decrypt(std::span<const std::uint8_t> key,
                                                   std::span<const std::uint8_t> iv_and_ciphertext);

// OpenSSL digest name ("SHA1", "SHA256", …) for an XML-DSig MAC algorithm URI,
// nullopt for one we do not accept.
std::optional<std::string> mac_digest_for(std::string_view algorithm_uri);

// true when HMAC-digest(mac_key, data) equals `expected` (same full length), in
// constant time.
bool hmac_matches(std::string_view digest, std::span<const std::uint8_t> mac_key,
                  std::span<const std::uint8_t> data, std::span<const std::uint8_t> expected);

}  // namespace okey::pskc
