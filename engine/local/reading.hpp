// SPDX-License-Identifier: Apache-2.0
// engine/local/reading.hpp — what a typed text may be (DESIGN.md §4, §10,
// §12): a PIN followed by a code of 6 or 8 digits — the key's code, a lost
// key's, or an emergency code (always 8 digits). Typed at the passcode
// prompt, the PIN is whatever precedes the code; sent by a single-field
// client (forward_pass), the text is a password followed by PIN + code, and
// every PIN length the policy allows is tried from its end.
//
// The flow asks a reading two things: the code at the end for a number of
// digits, and whether the PIN in front of it matches a hash. The second costs
// the same whatever the answer, and whether such a PIN is there at all: one
// Argon2id verification per PIN length tried (of an empty PIN when the text
// has none of that shape), so the time taken tells nothing of the text.
#pragma once

#include <okey/otp.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace okey {

class Reading {
public:
    virtual ~Reading() = default;
    // The last `digits` characters, when the text can end with a code of
    // that many digits; nullopt otherwise.
    virtual std::optional<std::string_view> code(unsigned digits) const = 0;
    // Whether a PIN in front of the `digits`-digit code matches `pin_hash`.
    virtual bool pin_matches(const std::string& pin_hash, unsigned digits) = 0;
    // The PIN that matched at the last pin_matches ("" when none did).
    std::string_view matched_pin() const { return matched_pin_; }
    // PIN + code, in characters, at the last match (0 when none did).
    std::size_t matched_length() const { return matched_length_; }
    // A text that is no passcode of any shape does no slow work (as a
    // malformed passcode never did): its shape is the typist's, not a secret.
    bool shaped() const { return code(6) || code(8); }

protected:
    std::string_view matched_pin_;
    std::size_t matched_length_ = 0;
};

// A passcode typed at the prompt: PIN (pin_min..pin_max digits) + code.
class TypedPasscode final : public Reading {
public:
    TypedPasscode(std::string_view text, unsigned pin_min, unsigned pin_max)
        : text_(text), pin_min_(pin_min), pin_max_(pin_max) {}
    std::optional<std::string_view> code(unsigned digits) const override;
    bool pin_matches(const std::string& pin_hash, unsigned digits) override;

private:
    std::optional<otp::Passcode> split(unsigned digits) const;
    std::string_view text_;
    unsigned pin_min_, pin_max_;
};

// A password followed by PIN + code (forward_pass): each PIN length from
// pin_min to pin_max is tried, always all of them, in the same order.
class ForwardedText final : public Reading {
public:
    ForwardedText(std::string_view text, unsigned pin_min, unsigned pin_max)
        : text_(text), pin_min_(pin_min), pin_max_(pin_max) {}
    std::optional<std::string_view> code(unsigned digits) const override;
    bool pin_matches(const std::string& pin_hash, unsigned digits) override;

private:
    std::string_view text_;
    unsigned pin_min_, pin_max_;
};

}  // namespace okey
