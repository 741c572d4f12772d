// SPDX-License-Identifier: Apache-2.0
// engine/remote/reply.hpp — strict reading of privacyIDEA's JSON replies to
// /validate/check and /validate/offlinerefill. Anything malformed or
// unexpected is an error (a refusal), never a success. No exception escapes:
// the text is parsed with exceptions off and every type is checked.
#pragma once

#include "engine/result.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace okey::remote {

// How long a server's text shown to the person logging in may be.
inline constexpr std::size_t max_challenge_message = 200;

enum class Verdict {
    accept,     // status true, value true
    reject,     // status true, value false, no transaction
    challenge,  // status true, value false, a transaction_id to answer
    error,      // status false: the service refused to decide (error.message)
};

struct CheckReply {
    Verdict verdict = Verdict::reject;
    std::string transaction_id;  // challenge only
    std::string message;         // detail.message, sanitised (challenge: shown to the user)
    std::string error_message;   // result.error.message, sanitised (error only)
    std::string serial;          // detail.serial when given, sanitised
    nlohmann::json document;     // the whole reply, for auth_items
};

// Parse a /validate/check reply. Errc::corrupt on anything malformed.
Result<CheckReply> read_check_reply(std::string_view body);

// A /validate/offlinerefill reply: accept (with auth_items) or an error.
Result<CheckReply> read_refill_reply(std::string_view body);

// Control characters (C0, DEL, C1) removed, valid UTF-8 kept whole, at most
// `limit` bytes (cut on a character boundary).
std::string sanitise_text(std::string_view text, std::size_t limit = max_challenge_message);

}  // namespace okey::remote
