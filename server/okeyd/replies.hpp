// SPDX-License-Identifier: Apache-2.0
// server/okeyd/replies.hpp — okeyd's JSON replies in privacyIDEA 3.11's form
// (api/lib/utils.py prepare_result, send_error; api/validate.py check):
// {"jsonrpc": "2.0", "id": 2, "version", "versionnumber", "time",
//  "result": {"status", "value", "authentication"}, "detail": {…}}, so that
// pam_okey's remote backend and other clients of that API read them as they
// read privacyIDEA's.
#pragma once

#include <string>
#include <string_view>

namespace okeyd {

// result.value true, ACCEPT. `message` in detail.message.
std::string accept_reply(std::string_view serial, std::string_view message);
// result.value false, REJECT: the message never tells which part was wrong.
std::string reject_reply(std::string_view message);
// result.value false, CHALLENGE: one interactive challenge to answer with
// `transaction_id` (detail.transaction_id, detail.multi_challenge[0]).
std::string challenge_reply(std::string_view transaction_id, std::string_view message);
// result.status false: no decision (bad request, store unavailable …).
std::string error_reply(int code, std::string_view message);

}  // namespace okeyd
