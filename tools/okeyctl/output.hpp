// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/output.hpp — what okeyctl prints on stdout: plain text for
// people, or one JSON document (--json) for scripts. Records of the store are
// rendered here, in one place, so text and JSON always carry the same facts.
// Never a secret, except the otpauth URI of a new software key (that is the
// point of enroll-software).
#pragma once

#include "engine/store/store.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace okeyctl {

// One line of okeyctl doctor.
struct CheckLine {
    enum class Status { ok, warning, error };
    Status status = Status::ok;
    std::string name;    // "config", "key file", "clock", …
    std::string detail;  // what was found, and what to do when it is not ok
};

class Output {
public:
    explicit Output(bool json) : json_(json) {}
    bool json() const { return json_; }

    // A line of text (text mode only; JSON callers use document()).
    void line(std::string_view text) const;
    void document(const nlohmann::json& value) const;
    // An act done: a sentence in text mode, {"result": "ok", …fields} in JSON.
    void done(std::string_view sentence, nlohmann::json fields = nlohmann::json::object()) const;

    void tokens(const std::vector<okey::TokenRecord>& tokens) const;
    void token(const okey::TokenRecord& token) const;
    void user(const okey::UserRecord& user, const std::vector<okey::TokenRecord>& keys,
              const okey::EmergencyStatus& emergency, std::int64_t now) const;
    void audit(const std::vector<okey::AuditEntry>& entries) const;
    void checks(const std::vector<CheckLine>& lines) const;

private:
    bool json_;
};

nlohmann::json to_json(const okey::TokenRecord& token);
std::string_view algorithm_name(okey::otp::Algorithm algorithm);
// Text from the store shown on a terminal: control characters replaced.
std::string printable(std::string_view text);
// "1 key", "3 keys": a number and its noun, singular for one.
std::string counted(std::int64_t n, std::string_view singular, std::string_view plural);

}  // namespace okeyctl
