// SPDX-License-Identifier: Apache-2.0
// engine/store/secret_box.hpp — sealing of secrets at rest (DESIGN.md §3):
// AES-256-GCM under the 32-byte key file. A sealed value is
// nonce (12 random bytes) ‖ ciphertext ‖ tag (16 bytes); the additional data
// binds it to its record (the serial, or "offline:" + login), so a sealed
// secret moved to another record no longer opens.
#pragma once

#include "engine/result.hpp"

#include <okey/otp.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace okey::store {

inline constexpr std::size_t seal_key_bytes = 32;
inline constexpr std::size_t seal_nonce_bytes = 12;
inline constexpr std::size_t seal_tag_bytes = 16;

class SecretBox {
public:
    // Read the key file (file-trust role secret; exactly 32 bytes).
    static Result<SecretBox> load(const std::string& key_file, unsigned trusted_owner);
    explicit SecretBox(otp::SecretBytes key) : key_(std::move(key)) {}

    Result<std::vector<std::uint8_t>> seal(std::span<const std::uint8_t> plaintext,
                                           std::string_view additional_data) const;
    // Errc::corrupt when the value was altered, moved, or sealed under another key.
    Result<otp::SecretBytes> open(std::span<const std::uint8_t> sealed,
                                  std::string_view additional_data) const;
    // HMAC-SHA256 of `message` under a key derived from the key file for one
    // purpose (HMAC-SHA256(key file, purpose)): the key file's own bytes key
    // AES-GCM only, and each purpose gets a key of its own.
    Result<std::vector<std::uint8_t>> keyed_hash(std::string_view purpose,
                                                 std::string_view message) const;

private:
    otp::SecretBytes key_;
};

// Create a fresh key file: 32 random bytes, mode 0400, never over an existing file.
Result<void> create_key_file(const std::string& key_file);

}  // namespace okey::store
