// SPDX-License-Identifier: Apache-2.0
// engine/log_text.cpp — see log_text.hpp.
#include "engine/log_text.hpp"

namespace okey {
namespace {

void append_escaped(std::string& out, unsigned char byte) {
    static constexpr char hex[] = "0123456789abcdef";
    out += "\\x";
    out.push_back(hex[byte >> 4]);
    out.push_back(hex[byte & 0x0F]);
}

std::string escape(std::string_view text, std::size_t max_length, bool keep_spaces) {
    std::string out;
    const std::size_t kept = text.size() < max_length ? text.size() : max_length;
    out.reserve(kept + 8);
    for (std::size_t i = 0; i < kept; ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        const bool plain = byte > 0x20 && byte < 0x7F && byte != '\\' &&
                           (keep_spaces || byte != '=');
        if (plain || (keep_spaces && byte == ' ')) {
            out.push_back(static_cast<char>(byte));
        } else {
            append_escaped(out, byte);
        }
    }
    if (kept < text.size()) out += "...";
    return out;
}

}  // namespace

std::string log_field(std::string_view text, std::size_t max_length) {
    if (text.empty()) return "-";
    return escape(text, max_length, false);
}

std::string log_text(std::string_view text, std::size_t max_length) {
    return escape(text, max_length, true);
}

}  // namespace okey
