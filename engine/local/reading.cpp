// SPDX-License-Identifier: Apache-2.0
// engine/local/reading.cpp — see reading.hpp.
#include "engine/local/reading.hpp"

namespace okey {
namespace {

bool all_digits(std::string_view text) {
    for (char c : text)
        if (c < '0' || c > '9') return false;
    return true;
}

}  // namespace

std::optional<otp::Passcode> TypedPasscode::split(unsigned digits) const {
    const otp::PasscodeRules rules{digits, pin_min_, pin_max_, 0};
    auto parsed = otp::parse_passcode(text_, rules);
    if (!parsed) return std::nullopt;
    return parsed.value();
}

std::optional<std::string_view> TypedPasscode::code(unsigned digits) const {
    auto parts = split(digits);
    if (!parts) return std::nullopt;
    return parts->code;
}

bool TypedPasscode::pin_matches(const std::string& pin_hash, unsigned digits) {
    const auto parts = split(digits);
    // One verification, of an empty PIN when the text has none of this shape.
    const std::string_view pin = parts ? parts->pin : std::string_view();
    const bool equal = otp::verify_pin(pin_hash, pin) == OKEY_OTP_OK && parts.has_value();
    matched_pin_ = equal ? pin : std::string_view();
    matched_length_ = equal ? text_.size() : 0;
    return equal;
}

std::optional<std::string_view> ForwardedText::code(unsigned digits) const {
    if (text_.size() < digits) return std::nullopt;
    const std::string_view code = text_.substr(text_.size() - digits);
    if (!all_digits(code)) return std::nullopt;
    return code;
}

bool ForwardedText::pin_matches(const std::string& pin_hash, unsigned digits) {
    const auto code_part = code(digits);
    const std::string_view before =
        code_part ? text_.substr(0, text_.size() - digits) : std::string_view();
    std::optional<std::string_view> matched;
    // Every length, in the same order, with no early exit: the time does
    // not tell which length matched, or whether one did.
    for (unsigned length = pin_min_; length <= pin_max_; ++length) {
        const bool there = code_part && before.size() >= length;
        const std::string_view pin = there ? before.substr(before.size() - length) : std::string_view();
        const bool equal = otp::verify_pin(pin_hash, pin) == OKEY_OTP_OK;
        if (equal && there && all_digits(pin) && !matched) matched = pin;
    }
    matched_pin_ = matched.value_or(std::string_view());
    matched_length_ = matched ? matched->size() + digits : 0;
    return matched.has_value();
}

}  // namespace okey
