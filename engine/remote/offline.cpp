// SPDX-License-Identifier: Apache-2.0
// engine/remote/offline.cpp — privacyIDEA offline items: parsing, passlib
// pbkdf2-sha512 verification (OpenSSL PKCS5_PBKDF2_HMAC), the 10-value window.
#include "engine/remote/offline.hpp"

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <string>
#include <vector>

namespace okey::remote {

using nlohmann::json;

namespace {

constexpr std::string_view pbkdf2_prefix = "$pbkdf2-sha512$";
constexpr std::size_t sha512_size = 64;

// passlib's "adapted base64": '.' instead of '+', no padding.
std::optional<std::vector<std::uint8_t>> ab64_decode(std::string_view text) {
    auto value_of = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '.') return 62;
        if (c == '/') return 63;
        return -1;
    };
    if (text.size() % 4 == 1) return std::nullopt;
    std::vector<std::uint8_t> out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t bits = 0;
    int count = 0;
    for (char c : text) {
        int v = value_of(c);
        if (v < 0) return std::nullopt;
        bits = (bits << 6) | static_cast<std::uint32_t>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out.push_back(static_cast<std::uint8_t>((bits >> count) & 0xffu));
        }
    }
    return out;
}

bool parse_counter(std::string_view text, std::uint64_t& counter) {
    if (text.empty() || text.size() > 19) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), counter);
    return ec == std::errc{} && end == text.data() + text.size();
}

Error malformed(std::string what) {
    return make_error(Errc::corrupt, "offline items: " + std::move(what));
}

}  // namespace

bool offline_value_matches(std::string_view passcode, std::string_view hash) {
    if (!hash.starts_with(pbkdf2_prefix)) return false;
    std::string_view rest = hash.substr(pbkdf2_prefix.size());
    auto first = rest.find('$');
    if (first == std::string_view::npos) return false;
    auto second = rest.find('$', first + 1);
    if (second == std::string_view::npos) return false;
    std::string_view rounds_text = rest.substr(0, first);
    std::string_view salt_text = rest.substr(first + 1, second - first - 1);
    std::string_view digest_text = rest.substr(second + 1);

    std::uint32_t rounds = 0;
    auto [end, ec] = std::from_chars(rounds_text.data(), rounds_text.data() + rounds_text.size(),
                                     rounds);
    if (ec != std::errc{} || end != rounds_text.data() + rounds_text.size() || rounds == 0 ||
        rounds > max_pbkdf2_rounds)
        return false;
    auto salt = ab64_decode(salt_text);
    auto digest = ab64_decode(digest_text);
    if (!salt || salt->empty() || !digest || digest->size() != sha512_size) return false;

    std::array<std::uint8_t, sha512_size> computed{};
    int ok = PKCS5_PBKDF2_HMAC(passcode.data(), static_cast<int>(passcode.size()), salt->data(),
                               static_cast<int>(salt->size()), static_cast<int>(rounds),
                               EVP_sha512(), static_cast<int>(computed.size()), computed.data());
    bool equal = ok == 1 && CRYPTO_memcmp(computed.data(), digest->data(), sha512_size) == 0;
    OPENSSL_cleanse(computed.data(), computed.size());
    return equal;
}

std::optional<std::uint64_t> find_offline_match(const OfflineBatch& batch,
                                                std::string_view passcode) {
    // Values are kept in ascending counter order; sort a view anyway so that
    // "the next ten" never depends on how the store returned them.
    std::vector<const std::pair<std::uint64_t, std::string>*> ordered;
    ordered.reserve(batch.values.size());
    for (const auto& value : batch.values) ordered.push_back(&value);
    std::sort(ordered.begin(), ordered.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    std::optional<std::uint64_t> match;
    std::size_t tried = 0;
    // Every candidate of the window is computed, matched or not: the time
    // taken does not tell which value matched.
    for (const auto* value : ordered) {
        if (tried++ == offline_window) break;
        if (offline_value_matches(passcode, value->second) && !match) match = value->first;
    }
    return match;
}

bool offline_batch_fresh(const OfflineBatch& batch, std::int64_t now, unsigned max_age_days) {
    const std::int64_t max_age = static_cast<std::int64_t>(max_age_days) * 86400;
    return batch.received <= now + 300 && now - batch.received <= max_age;
}

Result<std::optional<OfflineBatch>> read_offline_items(const json& reply, std::string_view login,
                                                       bool require_user,
                                                       std::string_view fallback_serial) {
    using None = std::optional<OfflineBatch>;
    auto items = reply.find("auth_items");
    if (items == reply.end() || items->is_null()) return None{};
    if (!items->is_object()) return malformed("auth_items is not an object");
    auto offline = items->find("offline");
    if (offline == items->end() || offline->is_null()) return None{};
    if (!offline->is_array()) return malformed("auth_items.offline is not a list");

    for (const auto& entry : *offline) {
        if (!entry.is_object()) return malformed("an entry is not an object");
        auto user = entry.find("username");
        if (user != entry.end() && !user->is_string())
            return malformed("username is not a string");
        if (require_user && (user == entry.end() || user->get_ref<const std::string&>() != login))
            continue;
        if (!require_user && user != entry.end() && user->get_ref<const std::string&>() != login)
            continue;

        OfflineBatch batch;
        batch.login = std::string(login);
        auto serial = entry.find("serial");
        if (serial != entry.end()) {
            if (!serial->is_string() || serial->get_ref<const std::string&>().empty())
                return malformed("serial is not a string");
            batch.serial = serial->get<std::string>();
        } else if (!fallback_serial.empty()) {
            batch.serial = std::string(fallback_serial);
        } else {
            return malformed("no serial");
        }
        auto refill = entry.find("refilltoken");
        if (refill == entry.end() || !refill->is_string() ||
            refill->get_ref<const std::string&>().empty())
            return malformed("no refill token");
        batch.refill_token = otp::SecretString(refill->get_ref<const std::string&>());
        auto response = entry.find("response");
        if (response == entry.end() || !response->is_object())
            return malformed("response is not an object");
        if (response->size() > max_offline_values) return malformed("too many values");
        std::map<std::uint64_t, std::string> values;
        for (const auto& [key, value] : response->items()) {
            std::uint64_t counter = 0;
            if (!parse_counter(key, counter)) return malformed("a counter is not a number");
            if (!value.is_string() ||
                !value.get_ref<const std::string&>().starts_with(pbkdf2_prefix))
                return malformed("a value is not a pbkdf2-sha512 hash");
            values.emplace(counter, value.get<std::string>());
        }
        batch.values.assign(values.begin(), values.end());
        return std::optional<OfflineBatch>(std::move(batch));
    }
    return None{};
}

}  // namespace okey::remote
