// SPDX-License-Identifier: Apache-2.0
// engine/texts.hpp — the texts the person logging in sees, by name: the names
// are the `prompts:` keys of okey.conf (the Texts field names). Texts may hold
// the placeholders {min} and {max}, filled with the PIN length bounds, and
// {digits}, filled when shown with the number of digits of the person's key.
#pragma once

#include "engine/config.hpp"

#include <array>
#include <string>
#include <string_view>

namespace okey {

struct TextField {
    std::string_view name;
    std::string Texts::*member;
};

inline constexpr std::array<TextField, 16> text_fields{{
    {"passcode", &Texts::passcode},
    {"code_only", &Texts::code_only},
    {"new_pin", &Texts::new_pin},
    {"confirm_pin", &Texts::confirm_pin},
    {"new_pin_passcode", &Texts::new_pin_passcode},
    {"next_code", &Texts::next_code},
    {"acknowledge", &Texts::acknowledge},
    {"password_passcode", &Texts::password_passcode},
    {"new_pin_intro", &Texts::new_pin_intro},
    {"next_code_reason", &Texts::next_code_reason},
    {"pin_mismatch", &Texts::pin_mismatch},
    {"pin_invalid", &Texts::pin_invalid},
    {"pin_trivial", &Texts::pin_trivial},
    {"pin_saved", &Texts::pin_saved},
    {"key_expired", &Texts::key_expired},
    {"login_locked", &Texts::login_locked},
}};

// Replace every "{min}" and "{max}" in text with the bounds.
std::string fill_pin_bounds(std::string_view text, unsigned pin_min, unsigned pin_max);
// Replace every "{digits}" with the number of digits of a key's codes (6 or 8).
std::string fill_code_digits(std::string_view text, unsigned digits);

// The language defaults, then the file's overrides, both with bounds filled.
Texts compose_texts(const Config& config);

// The text in plain ASCII: French letters lose their accents (é → e, œ → oe),
// typographic quotes, dashes and spaces become their ASCII look-alikes, any
// other character (or invalid UTF-8) becomes '?'. For OpenSSH's client, which
// shows every non-ASCII byte as an octal escape (\303\251) in a C locale.
std::string ascii_text(std::string_view utf8);

}  // namespace okey
