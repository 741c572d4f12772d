// SPDX-License-Identifier: Apache-2.0
// A C++ user of okey/otp.hpp through find_package(okey-otp).
#include <okey/otp.hpp>

#include <cstdio>

int main() {
    const char* seed = "12345678901234567890";
    okey::otp::SecretBytes secret(seed, seed + 20);
    auto key = okey::otp::Key::make(secret, OKEY_OTP_SHA1, 6, 30);
    if (!key) return 1;
    auto code = key->hotp(0);  // RFC 4226: 755224
    if (!code) return 1;
    std::printf("%s\n", code->digits);
    return code->view() == "755224" ? 0 : 1;
}
