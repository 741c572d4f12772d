// SPDX-License-Identifier: Apache-2.0
// engine/pskc/base64.hpp — strict RFC 4648 base64 decoding for PSKC values
// (xs:base64Binary): whitespace between characters is ignored, padding must be
// correct, any other character is an error. Output is secret-safe storage.
#pragma once

#include <okey/otp.hpp>

#include <optional>
#include <string_view>

namespace okey::pskc {

std::optional<otp::SecretBytes> base64_decode(std::string_view text);

}  // namespace okey::pskc
