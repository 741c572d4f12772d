// SPDX-License-Identifier: Apache-2.0
// tests/fuzz/fuzz_passcode.cpp — libFuzzer target for okey_otp_passcode_parse
// (DESIGN.md §2). The first byte picks the rules; the rest is the passcode as
// typed at the prompt. Any input must give OK or PASSCODE_FORMAT — never a
// crash, an over-read, or an OK for something that is not PIN + code digits.
#include "fuzz_support.hpp"

#include <okey/otp.h>

#include <cstdint>

using okey::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    okey::fuzz::Reader reader(data, size);
    const std::uint8_t pick = reader.byte();
    okey_otp_passcode_rules rules{};
    rules.code_digits = (pick & 1) ? 8 : 6;
    rules.pin_min = 1u + ((pick >> 1) & 7u);              // 1..8
    rules.pin_max = rules.pin_min + ((pick >> 4) & 7u);   // pin_min..pin_min+7
    rules.allow_code_only = (pick >> 7) & 1;

    const okey::fuzz::ExactCopy passcode(reader.rest(), reader.rest_size());
    std::size_t pin_length = SIZE_MAX;
    const int rc = okey_otp_passcode_parse(passcode.data(), passcode.size(), &rules, &pin_length);
    if (rc != OKEY_OTP_OK) {
        check(rc == OKEY_OTP_ERR_PASSCODE_FORMAT, "refusal is not PASSCODE_FORMAT");
        return 0;
    }
    check(passcode.size() <= OKEY_OTP_PASSCODE_MAX, "accepted a passcode over 64 bytes");
    for (char c : passcode.view()) check(c >= '0' && c <= '9', "accepted a non-digit");
    check(pin_length + rules.code_digits == passcode.size(), "PIN + code is not the whole input");
    if (pin_length == 0) {
        check(rules.allow_code_only != 0, "accepted a code-only passcode where a PIN is needed");
    } else {
        check(pin_length >= rules.pin_min && pin_length <= rules.pin_max,
              "PIN length outside the rules");
    }
    return 0;
}
