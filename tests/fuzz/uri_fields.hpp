// SPDX-License-Identifier: Apache-2.0
// tests/fuzz/uri_fields.hpp — the checks the two otpauth URI targets share:
// parsed fields are within the ranges libotp promises, and a built URI parses
// back to the fields it was built from.
#pragma once

#include "fuzz_support.hpp"

#include <okey/otp.h>

#include <cstring>
#include <string_view>

namespace okey::fuzz {

inline std::string_view or_empty(const char* text) { return text ? text : ""; }

inline void check_valid_fields(const okey_otp_uri_fields& f) {
    check(f.type == OKEY_OTP_URI_TOTP || f.type == OKEY_OTP_URI_HOTP, "type out of range");
    check(f.account != nullptr && f.account[0] != '\0', "parsed without an account");
    check(f.issuer != nullptr, "issuer is NULL instead of \"\"");
    check(f.secret != nullptr && f.secret_length > 0, "parsed without a secret");
    check(f.algorithm == OKEY_OTP_SHA1 || f.algorithm == OKEY_OTP_SHA256 ||
              f.algorithm == OKEY_OTP_SHA512,
          "algorithm out of range");
    check(f.digits == 6 || f.digits == 8, "digits neither 6 nor 8");
    if (f.type == OKEY_OTP_URI_TOTP) check(f.period > 0, "TOTP period of 0");
}

// `uri` (written bytes, NUL after them) must parse to the same fields as `want`.
inline void check_parses_back(const char* uri, std::size_t written, const okey_otp_uri_fields& want) {
    check(std::strlen(uri) == written, "written length differs from the text");
    okey_otp_uri* again = nullptr;
    check(okey_otp_uri_parse(uri, written, &again) == OKEY_OTP_OK, "a built URI does not parse");
    okey_otp_uri_fields got{};
    okey_otp_uri_get(again, &got);
    check(got.type == want.type, "round trip changed the type");
    check(or_empty(got.issuer) == or_empty(want.issuer), "round trip changed the issuer");
    check(or_empty(got.account) == or_empty(want.account), "round trip changed the account");
    check(got.secret_length == want.secret_length &&
              std::memcmp(got.secret, want.secret, want.secret_length) == 0,
          "round trip changed the secret");
    check(got.algorithm == want.algorithm, "round trip changed the algorithm");
    check(got.digits == want.digits, "round trip changed the digits");
    if (want.type == OKEY_OTP_URI_TOTP) check(got.period == want.period, "round trip changed the period");
    if (want.type == OKEY_OTP_URI_HOTP) check(got.counter == want.counter, "round trip changed the counter");
    okey_otp_uri_free(again);
}

}  // namespace okey::fuzz
