// SPDX-License-Identifier: Apache-2.0
// engine/remote/reply.cpp — strict reading of /validate/check replies
// (result.status, result.value, result.authentication, result.error.message,
// detail.transaction_id, detail.message, detail.multi_challenge).
#include "engine/remote/reply.hpp"

namespace okey::remote {

using nlohmann::json;

namespace {

Error malformed(std::string what) {
    return make_error(Errc::corrupt, "malformed reply: " + std::move(what));
}

// An optional string member: absent or null → "", another type → error.
bool optional_string(const json& object, const char* name, std::string& out) {
    auto it = object.find(name);
    if (it == object.end() || it->is_null()) return true;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
}

Result<json> parse_object(std::string_view body) {
    json document = json::parse(body.begin(), body.end(), nullptr, false);
    if (document.is_discarded()) return malformed("not JSON");
    if (!document.is_object()) return malformed("not a JSON object");
    return document;
}

}  // namespace

std::string sanitise_text(std::string_view text, std::size_t limit) {
    std::string out;
    out.reserve(std::min(text.size(), limit));
    std::size_t i = 0;
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        // Well-formed UTF-8 only (RFC 3629): no overlong forms (C0, C1, E0 80..9F,
        // F0 80..8F), no surrogates (ED A0..BF), nothing past U+10FFFF (F4 90.., F5..).
        std::size_t length = c < 0x80 ? 1 : (c >= 0xc2 && c <= 0xdf) ? 2
                                          : (c >= 0xe0 && c <= 0xef) ? 3
                                          : (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
        if (length == 0 || i + length > text.size()) {  // not UTF-8: drop the byte
            ++i;
            continue;
        }
        bool whole = true;
        for (std::size_t k = 1; k < length; ++k)
            if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) whole = false;
        if (length > 2) {
            const auto second = static_cast<unsigned char>(text[i + 1]);
            if ((c == 0xe0 && second < 0xa0) || (c == 0xed && second > 0x9f) ||
                (c == 0xf0 && second < 0x90) || (c == 0xf4 && second > 0x8f))
                whole = false;
        }
        if (!whole) {
            ++i;
            continue;
        }
        bool control = (length == 1 && (c < 0x20 || c == 0x7f)) ||
                       (length == 2 && c == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0);
        if (!control) {
            if (out.size() + length > limit) break;
            out.append(text.substr(i, length));
        }
        i += length;
    }
    return out;
}

Result<CheckReply> read_check_reply(std::string_view body) {
    auto parsed = parse_object(body);
    if (!parsed) return parsed.error();
    CheckReply reply;
    reply.document = std::move(parsed.value());
    const json& document = reply.document;

    auto result = document.find("result");
    if (result == document.end() || !result->is_object()) return malformed("no result object");
    auto status = result->find("status");
    if (status == result->end() || !status->is_boolean()) return malformed("result.status");

    if (!status->get<bool>()) {
        reply.verdict = Verdict::error;
        std::string message;
        auto error = result->find("error");
        if (error != result->end() && error->is_object()) {
            if (!optional_string(*error, "message", message))
                return malformed("result.error.message");
        }
        reply.error_message = sanitise_text(message);
        if (reply.error_message.empty()) reply.error_message = "no error message";
        return reply;
    }

    auto value = result->find("value");
    if (value == result->end() || !value->is_boolean()) return malformed("result.value");

    std::string transaction_id, message, serial, authentication;
    auto detail = document.find("detail");
    if (detail != document.end() && !detail->is_null()) {
        if (!detail->is_object()) return malformed("detail");
        if (!optional_string(*detail, "transaction_id", transaction_id))
            return malformed("detail.transaction_id");
        if (!optional_string(*detail, "message", message)) return malformed("detail.message");
        if (!optional_string(*detail, "serial", serial)) return malformed("detail.serial");
        auto multi = detail->find("multi_challenge");
        if (multi != detail->end() && !multi->is_null()) {
            if (!multi->is_array()) return malformed("detail.multi_challenge");
            for (const auto& challenge : *multi) {
                std::string id, text;
                if (!challenge.is_object() || !optional_string(challenge, "transaction_id", id) ||
                    !optional_string(challenge, "message", text))
                    return malformed("detail.multi_challenge entry");
                // All challenges of one request share its transaction.
                if (transaction_id.empty()) transaction_id = id;
                if (id != transaction_id) return malformed("two transactions in one reply");
                if (message.empty()) message = text;
            }
        }
    }
    if (!optional_string(*result, "authentication", authentication))
        return malformed("result.authentication");

    if (value->get<bool>()) {
        reply.verdict = Verdict::accept;
        transaction_id.clear();  // an accepted login has nothing left to answer
    } else {
        reply.verdict = transaction_id.empty() ? Verdict::reject : Verdict::challenge;
    }
    // Newer servers state the decision in words too; it must agree.
    static constexpr const char* words[] = {"ACCEPT", "REJECT", "CHALLENGE"};
    if (!authentication.empty() && authentication != words[static_cast<int>(reply.verdict)])
        return malformed("result.authentication disagrees with result.value");

    reply.transaction_id = std::move(transaction_id);
    if (reply.transaction_id.size() > 256) return malformed("transaction_id too long");
    for (char c : reply.transaction_id)
        if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)
            return malformed("transaction_id");
    reply.message = sanitise_text(message);
    reply.serial = sanitise_text(serial, 64);
    return reply;
}

Result<CheckReply> read_refill_reply(std::string_view body) {
    auto reply = read_check_reply(body);
    if (!reply) return reply;
    if (reply->verdict == Verdict::challenge) return malformed("a challenge to a refill");
    return reply;
}

}  // namespace okey::remote
