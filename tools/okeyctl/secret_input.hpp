// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/secret_input.hpp — reading secrets and lots the only ways
// okeyctl accepts them: from a file or from stdin ("-"), never from argv.
// Contents are kept in wiping storage; sizes are capped.
#pragma once

#include <okey/otp.hpp>

#include <cstddef>
#include <string>

namespace okeyctl {

// The whole file (or stdin for "-"); refuses (throws Refusal) when larger
// than max_bytes or unreadable. Symlinks are followed only for regular files
// the caller could open anyway; nothing is written.
okey::otp::SecretBytes read_input_file(const std::string& path, std::size_t max_bytes);

// A key secret as text (base32, or hex with --hex): surrounding whitespace
// removed, decoded, length checked (10 to 64 bytes).
okey::otp::SecretBytes decode_key_secret(const okey::otp::SecretBytes& text, bool hex);

}  // namespace okeyctl
