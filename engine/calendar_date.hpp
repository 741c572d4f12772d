// SPDX-License-Identifier: Apache-2.0
// engine/calendar_date.hpp — the YYYY-MM-DD dates administrators type (key
// expiry, audit --since) and their Unix times, always in UTC. Strict: a
// real calendar day, four-digit year from 1970, two-digit month and day.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace okey {

// Unix time of 00:00:00 UTC that day; nullopt when not a valid YYYY-MM-DD.
std::optional<std::int64_t> parse_calendar_date(std::string_view text);

// "YYYY-MM-DD" of the UTC day holding `unix_time`.
std::string format_calendar_date(std::int64_t unix_time);

// "YYYY-MM-DDTHH:MM:SSZ" in UTC (okeyctl output).
std::string format_utc_time(std::int64_t unix_time);

}  // namespace okey
