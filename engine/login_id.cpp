// SPDX-License-Identifier: Apache-2.0
// engine/login_id.cpp — folding names to [a-z] and choosing a free login
// (DESIGN.md §6). Input is UTF-8; only Latin letters used in French names
// (and their neighbours) are folded, everything else is refused so that an
// administrator never gets a surprising identifier.
#include "engine/login_id.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>

namespace okey {
namespace {

// Decode one UTF-8 code point at text[i]; advances i. nullopt on bad input
// (overlong forms, surrogates and truncated sequences included).
std::optional<char32_t> next_code_point(std::string_view text, std::size_t& i) {
    auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
    const std::uint8_t lead = byte(i);
    std::size_t length = 0;
    char32_t cp = 0;
    if (lead < 0x80) {
        ++i;
        return lead;
    } else if ((lead & 0xE0) == 0xC0) {
        length = 2;
        cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        cp = lead & 0x07;
    } else {
        return std::nullopt;
    }
    if (i + length > text.size()) return std::nullopt;
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    static constexpr char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < smallest[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return std::nullopt;
    }
    i += length;
    return cp;
}

bool is_dropped(char32_t cp) {
    return cp == U' ' || cp == 0x00A0 /* no-break space */ || cp == U'-' || cp == U'\'' ||
           cp == 0x2019 /* ’ */;
}

// The [a-z] spelling of one letter, or nullopt when it is not one we fold.
std::optional<std::string_view> fold_letter(char32_t cp) {
    if (cp >= U'a' && cp <= U'z') {
        static constexpr std::string_view letters = "abcdefghijklmnopqrstuvwxyz";
        return letters.substr(cp - U'a', 1);
    }
    if (cp >= U'A' && cp <= U'Z') return fold_letter(cp + 0x20);
    // Latin-1 capitals sit 0x20 below their small letters (except × and ß).
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) cp += 0x20;
    switch (cp) {
    case 0xE0: case 0xE1: case 0xE2: case 0xE3: case 0xE4: case 0xE5: return "a";
    case 0xE6: return "ae";
    case 0xE7: return "c";
    case 0xE8: case 0xE9: case 0xEA: case 0xEB: return "e";
    case 0xEC: case 0xED: case 0xEE: case 0xEF: return "i";
    case 0xF1: return "n";
    case 0xF2: case 0xF3: case 0xF4: case 0xF5: case 0xF6: case 0xF8: return "o";
    case 0xF9: case 0xFA: case 0xFB: case 0xFC: return "u";
    case 0xFD: case 0xFF: case 0x178: return "y";
    case 0xDF: return "ss";
    case 0x152: case 0x153: return "oe";
    default: return std::nullopt;
    }
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace

Result<std::string> fold_name(std::string_view utf8_name) {
    std::string folded;
    std::size_t i = 0;
    while (i < utf8_name.size()) {
        const std::size_t start = i;
        const auto cp = next_code_point(utf8_name, i);
        if (!cp) return make_error(Errc::invalid_argument, quoted(utf8_name) + ": not valid UTF-8");
        if (is_dropped(*cp)) continue;
        const auto letter = fold_letter(*cp);
        if (!letter) {
            return make_error(Errc::invalid_argument,
                              quoted(utf8_name) + ": character " +
                                  quoted(utf8_name.substr(start, i - start)) +
                                  " is not a letter, space, hyphen or apostrophe");
        }
        folded += *letter;
    }
    return folded;
}

Result<std::string> base_login_id(std::string_view first_name, std::string_view last_name) {
    auto first = fold_name(first_name);
    if (!first) return make_error(Errc::invalid_argument, "first name " + first.error().message);
    auto last = fold_name(last_name);
    if (!last) return make_error(Errc::invalid_argument, "last name " + last.error().message);
    if (first->empty()) return make_error(Errc::invalid_argument, "first name is empty");
    if (last->empty()) return make_error(Errc::invalid_argument, "last name is empty");
    std::string base = first->substr(0, 1) + *last;
    if (base.size() > login_id_max_length) {
        return make_error(Errc::invalid_argument,
                          "login \"" + base + "\" is longer than " +
                              std::to_string(login_id_max_length) + " characters");
    }
    return base;
}

Result<std::string> choose_login_id(std::string_view base, const std::vector<std::string>& taken) {
    auto is_taken = [&](const std::string& login) {
        return std::find(taken.begin(), taken.end(), login) != taken.end();
    };
    auto is_homonym = [&](const std::string& login) {
        if (login.size() < base.size() || login.compare(0, base.size(), base) != 0) return false;
        return std::all_of(login.begin() + static_cast<std::ptrdiff_t>(base.size()), login.end(),
                           [](char c) { return c >= '0' && c <= '9'; });
    };
    const bool homonyms = std::any_of(taken.begin(), taken.end(), is_homonym);
    std::string login(base);
    if (homonyms) {
        // At most taken.size() + 1 candidates: one of them is free.
        for (std::size_t n = 1; n <= taken.size() + 1; ++n) {
            login = std::string(base) + std::to_string(n);
            if (!is_taken(login)) break;
        }
    }
    if (login.size() > login_id_max_length) {
        return make_error(Errc::invalid_argument,
                          "login \"" + login + "\" is longer than " +
                              std::to_string(login_id_max_length) + " characters");
    }
    return login;
}

Result<void> check_login(std::string_view login) {
    if (login.empty()) return make_error(Errc::invalid_argument, "empty login");
    if (login.size() > 64) return make_error(Errc::invalid_argument, "login longer than 64 characters");
    if (login.front() == '-') return make_error(Errc::invalid_argument, "a login cannot start with \"-\"");
    for (char c : login) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '.' || c == '_' || c == '@' || c == '-';
        if (!ok) return make_error(Errc::invalid_argument, "a login may hold only letters, digits and . _ @ -");
    }
    return {};
}

}  // namespace okey
