// SPDX-License-Identifier: Apache-2.0
// tests/fuzz/fuzz_uri_parse.cpp — libFuzzer target for okey_otp_uri_parse
// (DESIGN.md §2): any bytes handed over as an otpauth:// URI (a QR code, a
// pasted line) must parse to valid fields or be refused with URI_FORMAT;
// whatever parses must build again and parse to the same fields.
#include "fuzz_support.hpp"
#include "uri_fields.hpp"

#include <okey/otp.h>

#include <cstdint>
#include <vector>

using okey::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const okey::fuzz::ExactCopy uri(data, size);
    okey_otp_uri* parsed = nullptr;
    const int rc = okey_otp_uri_parse(uri.data(), uri.size(), &parsed);
    if (rc != OKEY_OTP_OK) {
        check(parsed == nullptr, "a refused URI left a handle");
        check(rc == OKEY_OTP_ERR_URI_FORMAT || rc == OKEY_OTP_ERR_BAD_BASE32 ||
                  rc == OKEY_OTP_ERR_SECRET_LENGTH || rc == OKEY_OTP_ERR_NO_MEMORY,
              "unexpected error code from okey_otp_uri_parse");
        return 0;
    }
    check(parsed != nullptr, "OK without a handle");
    okey_otp_uri_fields fields{};
    okey_otp_uri_get(parsed, &fields);
    okey::fuzz::check_valid_fields(fields);

    // What parsed builds again, and the result parses to the same fields.
    std::vector<char> rebuilt(8192);
    std::size_t written = 0;
    const int built = okey_otp_uri_build(&fields, rebuilt.data(), rebuilt.size(), &written);
    check(built == OKEY_OTP_OK, "a parsed URI does not build again");
    okey::fuzz::check_parses_back(rebuilt.data(), written, fields);
    okey_otp_uri_free(parsed);
    return 0;
}
