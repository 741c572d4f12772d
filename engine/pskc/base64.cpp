// SPDX-License-Identifier: Apache-2.0
// engine/pskc/base64.cpp — see base64.hpp.
#include "engine/pskc/base64.hpp"

#include <cstdint>

namespace okey::pskc {
namespace {

int sextet(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

std::optional<otp::SecretBytes> base64_decode(std::string_view text) {
    otp::SecretBytes out;
    out.reserve(text.size() / 4 * 3 + 3);
    std::uint32_t group = 0;
    unsigned count = 0;    // sextets in the current group
    unsigned padding = 0;  // '=' seen
    for (char c : text) {
        if (is_space(c)) continue;
        if (c == '=') {
            ++padding;
            if (padding > 2) return std::nullopt;
            continue;
        }
        if (padding > 0) return std::nullopt;  // data after padding
        const int value = sextet(c);
        if (value < 0) return std::nullopt;
        group = (group << 6) | static_cast<std::uint32_t>(value);
        if (++count == 4) {
            out.push_back(static_cast<std::uint8_t>(group >> 16));
            out.push_back(static_cast<std::uint8_t>(group >> 8));
            out.push_back(static_cast<std::uint8_t>(group));
            group = 0;
            count = 0;
        }
    }
    // A final group of 2 or 3 sextets needs exactly 4 - count '='; unused bits must be zero.
    if (count == 0) {
        if (padding != 0) return std::nullopt;
    } else if (count == 2) {
        if (padding != 2 || (group & 0x0F) != 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(group >> 4));
    } else if (count == 3) {
        if (padding != 1 || (group & 0x03) != 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(group >> 10));
        out.push_back(static_cast<std::uint8_t>(group >> 2));
    } else {
        return std::nullopt;
    }
    group = 0;
    return out;
}

}  // namespace okey::pskc
