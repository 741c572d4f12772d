// SPDX-License-Identifier: Apache-2.0
// engine/log_text.hpp — making untrusted text (a login typed by a stranger, a
// remote host name, a store error) safe to put in one syslog line: no control
// characters, no line breaks, bounded length.
#pragma once

#include <string>
#include <string_view>

namespace okey {

// For a key=value field: space, '=', backslash, control and non-ASCII bytes
// become \xNN; "-" when empty; at most `max_length` input bytes kept.
std::string log_field(std::string_view text, std::size_t max_length = 128);

// For free text at the end of a line (a reason): spaces kept, control bytes
// escaped, at most `max_length` input bytes kept.
std::string log_text(std::string_view text, std::size_t max_length = 512);

}  // namespace okey
