// SPDX-License-Identifier: Apache-2.0
// engine/local/decoy.cpp — see decoy.hpp.
#include "engine/local/decoy.hpp"

#include <okey/otp.hpp>

#include <array>
#include <cstdint>

namespace okey {
namespace {

// Unpadded standard base64, as PHC strings use.
std::string base64_unpadded(const std::uint8_t* data, std::size_t length) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (std::size_t i = 0; i < length; ++i) {
        buffer = (buffer << 8) | data[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(alphabet[(buffer >> bits) & 0x3F]);
        }
    }
    if (bits > 0) out.push_back(alphabet[(buffer << (6 - bits)) & 0x3F]);
    return out;
}

// Fixed bytes: nobody can find a PIN hashing to them, and nothing here is secret.
constexpr std::array<std::uint8_t, 16> decoy_salt = {0x6f, 0x6b, 0x65, 0x79, 0x2d, 0x64, 0x65, 0x63,
                                                     0x6f, 0x79, 0x2d, 0x73, 0x61, 0x6c, 0x74, 0x21};
constexpr std::array<std::uint8_t, 32> decoy_digest = {
    0x9d, 0x1e, 0x52, 0x07, 0xc4, 0x3a, 0x88, 0x61, 0x2b, 0xf0, 0x15, 0x7e, 0xa3, 0x49, 0xd6, 0x10,
    0x57, 0xe2, 0x3c, 0x9b, 0x04, 0x6a, 0xbd, 0x71, 0xc8, 0x2f, 0x93, 0x5e, 0x0a, 0xe7, 0x36, 0xfb};
constexpr std::array<std::uint8_t, 20> decoy_key_secret = {
    0x31, 0x7a, 0xc2, 0x58, 0x0e, 0x94, 0xdb, 0x26, 0x7f, 0x43,
    0xa1, 0x6d, 0x15, 0xe8, 0x3b, 0xc9, 0x52, 0x0f, 0x86, 0xbe};

}  // namespace

std::string decoy_pin_hash(const Argon2Settings& params) {
    return "$argon2id$v=19$m=" + std::to_string(params.memory_kib) +
           ",t=" + std::to_string(params.iterations) + ",p=" + std::to_string(params.parallelism) +
           "$" + base64_unpadded(decoy_salt.data(), decoy_salt.size()) + "$" +
           base64_unpadded(decoy_digest.data(), decoy_digest.size());
}

void spend_decoy_code_check(const Config& config, std::string_view code, std::int64_t now) {
    auto key = otp::Key::make(decoy_key_secret, OKEY_OTP_SHA1,
                              code.size() == 8 ? 8U : 6U, 30);
    if (!key) return;
    const otp::Window window{config.totp.window, config.totp.resync_window};
    const otp::TokenState state{0, 0, 0};
    (void)key->verify(code, now, window, state);
}

}  // namespace okey
