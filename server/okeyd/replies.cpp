// SPDX-License-Identifier: Apache-2.0
// server/okeyd/replies.cpp — see replies.hpp.
#include "server/okeyd/replies.hpp"

#include <nlohmann/json.hpp>

#include <chrono>

namespace okeyd {
namespace {

using nlohmann::json;

double unix_time() {
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

// /validate/check answers with id 2, which is what makes privacyIDEA add
// result.authentication.
json envelope(json result) {
    return json{{"jsonrpc", "2.0"},
                {"id", 2},
                {"version", "okeyd " OKEY_VERSION},
                {"versionnumber", OKEY_VERSION},
                {"time", unix_time()},
                {"result", std::move(result)}};
}

std::string text(const json& document) {
    // Invalid UTF-8 (a login typed by anyone) is replaced, never thrown on.
    return document.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string accept_reply(std::string_view serial, std::string_view message) {
    json reply = envelope({{"status", true}, {"value", true}, {"authentication", "ACCEPT"}});
    reply["detail"] = {{"message", message}, {"serial", serial}, {"type", "totp"}};
    return text(reply);
}

std::string reject_reply(std::string_view message) {
    json reply = envelope({{"status", true}, {"value", false}, {"authentication", "REJECT"}});
    reply["detail"] = {{"message", message}};
    return text(reply);
}

std::string challenge_reply(std::string_view transaction_id, std::string_view message) {
    json reply = envelope({{"status", true}, {"value", false}, {"authentication", "CHALLENGE"}});
    json challenge = {{"transaction_id", transaction_id},
                      {"message", message},
                      {"type", "totp"},
                      {"client_mode", "interactive"}};
    reply["detail"] = {{"transaction_id", transaction_id},
                       {"transaction_ids", json::array({transaction_id})},
                       {"message", message},
                       {"messages", json::array({message})},
                       {"multi_challenge", json::array({challenge})},
                       {"type", "totp"},
                       {"client_mode", "interactive"},
                       {"preferred_client_mode", "interactive"}};
    return text(reply);
}

std::string error_reply(int code, std::string_view message) {
    json reply = envelope({{"status", false}, {"error", {{"code", code}, {"message", message}}}});
    reply["detail"] = nullptr;
    return text(reply);
}

}  // namespace okeyd
