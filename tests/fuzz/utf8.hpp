// SPDX-License-Identifier: Apache-2.0
// tests/fuzz/utf8.hpp — a strict, independent UTF-8 check for the fuzz
// targets: text that reaches a user's terminal (a server's message) must be
// well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF) and hold no C0, DEL or C1 control character.
#pragma once

#include "fuzz_support.hpp"

#include <cstdint>
#include <string_view>

namespace okey::fuzz {

// Calls `on_code_point` for each code point; false when not well-formed.
template <class F>
bool each_code_point(std::string_view text, F&& on_code_point) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b0 = static_cast<unsigned char>(text[i]);
        std::uint32_t cp = 0;
        std::size_t length = 0;
        if (b0 < 0x80) { cp = b0; length = 1; }
        else if (b0 >= 0xc2 && b0 <= 0xdf) { cp = b0 & 0x1fu; length = 2; }
        else if (b0 >= 0xe0 && b0 <= 0xef) { cp = b0 & 0x0fu; length = 3; }
        else if (b0 >= 0xf0 && b0 <= 0xf4) { cp = b0 & 0x07u; length = 4; }
        else return false;
        if (i + length > text.size()) return false;
        for (std::size_t k = 1; k < length; ++k) {
            const auto b = static_cast<unsigned char>(text[i + k]);
            if ((b & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (b & 0x3fu);
        }
        if ((length == 3 && cp < 0x800) || (length == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        on_code_point(cp);
        i += length;
    }
    return true;
}

inline void check_terminal_safe(std::string_view text, const char* what) {
    bool control = false;
    const bool well_formed = each_code_point(text, [&](std::uint32_t cp) {
        control = control || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
    });
    if (!well_formed) {
        std::fprintf(stderr, "%s: ", what);
        fail("text for the terminal is not well-formed UTF-8");
    }
    if (control) {
        std::fprintf(stderr, "%s: ", what);
        fail("text for the terminal holds a control character");
    }
}

}  // namespace okey::fuzz
