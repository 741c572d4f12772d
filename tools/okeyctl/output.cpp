// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/output.cpp — see output.hpp.
#include "output.hpp"

#include "engine/calendar_date.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace okeyctl {
namespace {

std::string or_dash(const std::string& text) { return text.empty() ? "-" : printable(text); }

std::string time_or_dash(const std::optional<std::int64_t>& t) {
    return t ? okey::format_utc_time(*t) : "-";
}

nlohmann::json optional_json(const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

// Characters on a terminal: UTF-8 continuation bytes take no column.
std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    for (unsigned char c : text) width += (c & 0xC0) != 0x80;
    return width;
}

std::string padded(std::string text, std::size_t width) {
    const std::size_t shown = display_width(text);
    if (shown < width) text.append(width - shown, ' ');
    return text;
}

// What an administrator needs to know of a login's PIN, in words.
std::string pin_text(const okey::UserRecord& u) {
    if (u.pin_state == okey::PinState::new_pin_required)
        return u.pin_hash.empty() ? "not set: new-PIN mode at the next login"
                                  : "reset: new-PIN mode at the next login";
    return u.pin_hash.empty() ? "none" : "set";
}

// Rows printed under a header, each column as wide as its widest cell, so
// that a long value (sshd@2001:db8::1) never pushes the next column out of line.
void print_table(const Output& out, const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (widths.size() <= i) widths.push_back(0);
            widths[i] = std::max(widths[i], display_width(row[i]));
        }
    for (const auto& row : rows) {
        std::string text;
        for (std::size_t i = 0; i < row.size(); ++i) {
            // The last column is not padded: no trailing spaces.
            text += i + 1 == row.size() ? row[i] : padded(row[i], widths[i]) + " ";
        }
        out.line(text);
    }
}

}  // namespace

std::string counted(std::int64_t n, std::string_view singular, std::string_view plural) {
    return std::to_string(n) + " " + std::string(n == 1 ? singular : plural);
}

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ? '?' : c;
    return out;
}

std::string_view algorithm_name(okey::otp::Algorithm algorithm) {
    switch (algorithm) {
    case OKEY_OTP_SHA1: return "sha1";
    case OKEY_OTP_SHA256: return "sha256";
    case OKEY_OTP_SHA512: return "sha512";
    }
    return "unknown";
}

nlohmann::json to_json(const okey::TokenRecord& t) {
    return {
        {"serial", t.spec.serial},
        {"kind", okey::to_string(t.spec.kind)},
        {"algorithm", algorithm_name(t.spec.algorithm)},
        {"digits", t.spec.digits},
        {"period", t.spec.period},
        {"lot", optional_json(t.spec.lot)},
        {"expires", optional_json(t.spec.expires)},
        {"state", okey::to_string(t.state)},
        {"owner", optional_json(t.owner)},
        {"lost_owner", optional_json(t.lost_owner)},
        {"last_step", t.last_step ? nlohmann::json(*t.last_step) : nlohmann::json(nullptr)},
        {"drift", t.drift},
        {"last_login", t.last_login ? nlohmann::json(okey::format_utc_time(*t.last_login))
                                    : nlohmann::json(nullptr)},
        {"created", okey::format_utc_time(t.created)},
        {"updated", okey::format_utc_time(t.updated)},
    };
}

void Output::line(std::string_view text) const { std::cout << text << '\n'; }

void Output::document(const nlohmann::json& value) const {
    // Invalid UTF-8 (from a hostile file) is replaced, never a crash.
    std::cout << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

void Output::done(std::string_view sentence, nlohmann::json fields) const {
    if (json_) {
        fields["result"] = "ok";
        document(fields);
    } else {
        line(sentence);
    }
}

void Output::tokens(const std::vector<okey::TokenRecord>& tokens) const {
    if (json_) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& t : tokens) list.push_back(to_json(t));
        document(list);
        return;
    }
    std::vector<std::vector<std::string>> rows{{"SERIAL", "STATE", "OWNER", "LOT", "EXPIRES", "KIND"}};
    for (const auto& t : tokens)
        rows.push_back({printable(t.spec.serial), std::string(okey::to_string(t.state)),
                        or_dash(t.owner), or_dash(t.spec.lot), or_dash(t.spec.expires),
                        std::string(okey::to_string(t.spec.kind))});
    print_table(*this, rows);
}

void Output::token(const okey::TokenRecord& t) const {
    if (json_) {
        document(to_json(t));
        return;
    }
    line("serial:      " + printable(t.spec.serial));
    line("state:       " + std::string(okey::to_string(t.state)));
    line("owner:       " + or_dash(t.owner) +
         (t.lost_owner.empty() ? "" : " (lost by " + printable(t.lost_owner) + ")"));
    line("kind:        " + std::string(okey::to_string(t.spec.kind)));
    line("algorithm:   " + std::string(algorithm_name(t.spec.algorithm)) + ", " +
         std::to_string(t.spec.digits) + " digits, " + std::to_string(t.spec.period) + " s");
    line("lot:         " + or_dash(t.spec.lot));
    line("expires:     " + or_dash(t.spec.expires));
    line("last step:   " + (t.last_step ? std::to_string(*t.last_step) : std::string("-")));
    line("drift:       " + std::to_string(t.drift) + " steps");
    line("last login:  " + time_or_dash(t.last_login));
    line("created:     " + okey::format_utc_time(t.created));
    line("updated:     " + okey::format_utc_time(t.updated));
}

void Output::user(const okey::UserRecord& u, const std::vector<okey::TokenRecord>& keys,
                  const okey::EmergencyStatus& emergency, std::int64_t now) const {
    const bool locked = u.locked_until != 0 && u.locked_until > now;
    std::string locked_text = "no";
    if (locked) {
        locked_text = u.locked_until == okey::lock_forever
                          ? "until unlocked"
                          : "until " + okey::format_utc_time(u.locked_until);
    }
    if (json_) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& t : keys) list.push_back(to_json(t));
        document({
            {"login", u.login},
            {"pin", u.pin_hash.empty() ? "none" : "set"},
            {"pin_state", okey::to_string(u.pin_state)},
            {"failures", u.failures},
            {"locked", locked},
            {"locked_until", !locked ? nlohmann::json(nullptr)
                             : u.locked_until == okey::lock_forever
                                 ? nlohmann::json("forever")
                                 : nlohmann::json(okey::format_utc_time(u.locked_until))},
            {"keys", list},
            {"emergency_codes", emergency.left},
            {"emergency_codes_expire", emergency.left == 0
                                           ? nlohmann::json(nullptr)
                                           : nlohmann::json(okey::format_utc_time(emergency.expires))},
        });
        return;
    }
    line("login:       " + printable(u.login));
    line("PIN:         " + pin_text(u));
    line("failures:    " + std::to_string(u.failures));
    line("locked:      " + locked_text);
    if (keys.empty()) line("key:         -");
    for (const auto& t : keys) {
        line("key:         " + printable(t.spec.serial) + " (" + std::string(okey::to_string(t.state)) +
             ", expires " + or_dash(t.spec.expires) + ", last login " + time_or_dash(t.last_login) + ")");
    }
    line("emergency:   " + (emergency.left == 0 ? std::string("no codes")
                                                : counted(emergency.left, "code", "codes") + " left, until " +
                                                      okey::format_utc_time(emergency.expires)));
}

void Output::audit(const std::vector<okey::AuditEntry>& entries) const {
    if (json_) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& e : entries) {
            list.push_back({{"time", okey::format_utc_time(e.time)},
                            {"login", optional_json(e.login)},
                            {"serial", optional_json(e.serial)},
                            {"service", optional_json(e.service)},
                            {"remote_host", optional_json(e.remote_host)},
                            {"event", e.event},
                            {"outcome", e.outcome},
                            {"reason", optional_json(e.reason)},
                            {"actor", optional_json(e.actor)}});
        }
        document(list);
        return;
    }
    std::vector<std::vector<std::string>> rows{
        {"TIME", "EVENT", "OUTCOME", "LOGIN", "SERIAL", "SERVICE", "FROM", "ACTOR", "REASON"}};
    for (const auto& e : entries)
        rows.push_back({okey::format_utc_time(e.time), printable(e.event), printable(e.outcome),
                        or_dash(e.login), or_dash(e.serial), or_dash(e.service),
                        or_dash(e.remote_host), or_dash(e.actor), or_dash(e.reason)});
    print_table(*this, rows);
}

static std::string_view status_name(CheckLine::Status status) {
    switch (status) {
    case CheckLine::Status::ok: return "ok";
    case CheckLine::Status::warning: return "warning";
    case CheckLine::Status::error: return "error";
    }
    return "error";
}

void Output::checks(const std::vector<CheckLine>& lines) const {
    std::size_t errors = 0, warnings = 0;
    for (const auto& l : lines) {
        errors += l.status == CheckLine::Status::error;
        warnings += l.status == CheckLine::Status::warning;
    }
    if (json_) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& l : lines)
            list.push_back({{"check", l.name}, {"status", status_name(l.status)}, {"detail", l.detail}});
        document({{"checks", list}, {"errors", errors}, {"warnings", warnings}});
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& l : lines)
        rows.push_back({std::string(status_name(l.status)), printable(l.name), printable(l.detail)});
    print_table(*this, rows);
    line(std::to_string(errors) + (errors == 1 ? " error, " : " errors, ") + std::to_string(warnings) +
         (warnings == 1 ? " warning" : " warnings"));
}

}  // namespace okeyctl
