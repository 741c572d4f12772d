// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/qr_terminal.hpp — a QR code of the otpauth URI drawn in the
// terminal with UTF-8 half blocks (two module rows per text line), through
// libqrencode. Light modules are drawn, dark ones left as the background, so
// the code scans on the usual dark terminal (as `qrencode -t UTF8` does).
#pragma once

#include <string>
#include <string_view>

namespace okeyctl {

// The drawing, one line per text row with a quiet zone; empty on failure.
std::string render_qr(std::string_view text);

}  // namespace okeyctl
