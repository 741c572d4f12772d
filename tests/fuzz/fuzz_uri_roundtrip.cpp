// SPDX-License-Identifier: Apache-2.0
// tests/fuzz/fuzz_uri_roundtrip.cpp — libFuzzer target for okey_otp_uri_build
// then okey_otp_uri_parse (DESIGN.md §2, `okeyctl user enroll-software`): any
// fields the builder accepts — issuers and accounts with any bytes — must give
// a URI that parses back to the same fields; an output buffer of any size is
// either enough or refused with BUFFER_TOO_SMALL, never overrun.
#include "fuzz_support.hpp"
#include "uri_fields.hpp"

#include <okey/otp.h>

#include <cstdint>
#include <string>
#include <vector>

using okey::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    okey::fuzz::Reader reader(data, size);
    const std::uint8_t pick = reader.byte();
    okey_otp_uri_fields fields{};
    fields.type = (pick & 1) ? OKEY_OTP_URI_HOTP : OKEY_OTP_URI_TOTP;
    fields.algorithm = static_cast<okey_otp_algorithm>((pick >> 1) & 3);  // 0 is invalid
    fields.digits = (pick & 0x08) ? 8 : 6;
    const std::uint8_t period_pick = reader.byte();
    fields.period = period_pick == 0xff ? 0 : (period_pick & 1 ? 60u : 30u) + (period_pick >> 1);
    fields.counter = reader.u64();
    const std::size_t capacity = reader.byte() * 4u;  // 0..1020 bytes of output
    const std::string issuer = reader.text(64);
    const std::string account = reader.text(64);
    const std::size_t secret_length = reader.byte() % 80u;
    std::vector<std::uint8_t> secret(secret_length);
    for (auto& b : secret) b = reader.byte();
    fields.issuer = (pick & 0x10) ? nullptr : issuer.c_str();
    fields.account = account.c_str();
    fields.secret = secret.data();
    fields.secret_length = secret.size();

    std::vector<char> out(capacity == 0 ? 1 : capacity);
    std::size_t written = 0;
    int rc = okey_otp_uri_build(&fields, out.data(), capacity, &written);
    if (rc == OKEY_OTP_ERR_BUFFER_TOO_SMALL) {
        out.assign(8192, '\0');
        rc = okey_otp_uri_build(&fields, out.data(), out.size(), &written);
    }
    if (rc != OKEY_OTP_OK) {
        check(rc == OKEY_OTP_ERR_INVALID_ARGUMENT || rc == OKEY_OTP_ERR_SECRET_LENGTH,
              "unexpected error code from okey_otp_uri_build");
        return 0;
    }
    check(written < out.size(), "no room left for the NUL");
    okey_otp_uri_fields accepted = fields;  // the builder accepts only valid fields
    if (accepted.issuer == nullptr) accepted.issuer = "";
    okey::fuzz::check_valid_fields(accepted);
    okey::fuzz::check_parses_back(out.data(), written, fields);
    return 0;
}
