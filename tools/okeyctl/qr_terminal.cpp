// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/qr_terminal.cpp — see qr_terminal.hpp.
#include "qr_terminal.hpp"

#include <qrencode.h>

#include <okey/otp.h>

#include <memory>

namespace okeyctl {
namespace {

constexpr int quiet_zone = 2;

struct QrFree {
    void operator()(QRcode* code) const noexcept { QRcode_free(code); }
};

}  // namespace

std::string render_qr(std::string_view text) {
    std::string copy(text);
    std::unique_ptr<QRcode, QrFree> code(QRcode_encodeString(copy.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
    if (!code) return {};
    const int width = code->width;
    auto light = [&](int x, int y) {
        if (x < 0 || y < 0 || x >= width || y >= width) return true;  // quiet zone
        return (code->data[y * width + x] & 1) == 0;
    };
    std::string out;
    for (int y = -quiet_zone; y < width + quiet_zone; y += 2) {
        for (int x = -quiet_zone; x < width + quiet_zone; ++x) {
            const bool top = light(x, y), bottom = light(x, y + 1);
            out += top && bottom ? "█" : top ? "▀" : bottom ? "▄" : " ";
        }
        out += '\n';
    }
    // The encoded data held the secret: wipe libqrencode's copy.
    okey_otp_wipe(code->data, static_cast<std::size_t>(width) * static_cast<std::size_t>(width));
    okey_otp_wipe(copy.data(), copy.size());
    return out;
}

}  // namespace okeyctl
