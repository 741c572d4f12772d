// SPDX-License-Identifier: Apache-2.0
// engine/store/location.cpp — see location.hpp.
#include "engine/store/location.hpp"

#include <cctype>

namespace okey::store {
namespace {

std::string percent_decoded(std::string_view text) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
            out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

// scheme://[userinfo@]hosts[/dbname][?query]: the userinfo, if any.
std::string_view userinfo_of(std::string_view uri) {
    auto start = uri.find("://");
    if (start == std::string_view::npos) return {};
    start += 3;
    auto end = uri.find_first_of("/?", start);
    std::string_view authority = uri.substr(start, end == std::string_view::npos ? end : end - start);
    auto at = authority.rfind('@');
    if (at == std::string_view::npos) return {};
    return authority.substr(0, at);
}

bool query_names_password(std::string_view uri) {
    auto question = uri.find('?');
    if (question == std::string_view::npos) return false;
    std::string_view query = uri.substr(question + 1);
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        std::string key = percent_decoded(pair.substr(0, pair.find('=')));
        for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (key == "password") return true;
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return false;
}

}  // namespace

bool is_postgresql_uri(std::string_view location) {
    return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

Result<void> check_location(std::string_view location) {
    if (is_postgresql_uri(location)) {
        if (userinfo_of(location).find(':') != std::string_view::npos || query_names_password(location))
            return make_error(Errc::config,
                              displayed_uri(location) +
                                  ": a password in the store URI is refused: put it in a "
                                  "passfile (mode 0600) named by passfile=… in the URI");
        return {};
    }
    if (location.empty()) return make_error(Errc::config, "store: no path or URI given");
    return {};
}

std::string displayed_uri(std::string_view uri) {
    std::string_view shown = uri.substr(0, uri.find('?'));
    std::string_view userinfo = userinfo_of(shown);
    auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) return std::string(shown);
    // userinfo is a view into shown: mask what follows its colon.
    auto password_at = static_cast<std::size_t>(userinfo.data() - shown.data()) + colon + 1;
    auto password_end = static_cast<std::size_t>(userinfo.data() - shown.data()) + userinfo.size();
    return std::string(shown.substr(0, password_at)) + "***" + std::string(shown.substr(password_end));
}

}  // namespace okey::store
