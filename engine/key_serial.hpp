// SPDX-License-Identifier: Apache-2.0
// engine/key_serial.hpp — what a key's serial may look like: the number printed
// on the back of a hardware key, or "SW…" for a software key. Kept to a safe
// alphabet because serials appear in logs, audit lines and file names.
#pragma once

#include "engine/result.hpp"

#include <string_view>

namespace okey {

inline constexpr std::size_t serial_max_length = 64;

// 1 to 64 characters of [A-Za-z0-9._:-]; else Errc::invalid_argument.
Result<void> check_serial(std::string_view serial);

}  // namespace okey
