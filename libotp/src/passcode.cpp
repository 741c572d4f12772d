// SPDX-License-Identifier: Apache-2.0
// libotp/src/passcode.cpp — the one passcode parser: PIN followed by the key's code.
#include <okey/otp.h>

extern "C" {

int okey_otp_passcode_parse(const char* passcode, size_t length,
                            const okey_otp_passcode_rules* rules, size_t* pin_length) {
    if (pin_length != nullptr) *pin_length = 0;
    // An empty passcode may come as (NULL, 0), e.g. from an empty string_view.
    if ((passcode == nullptr && length > 0) || rules == nullptr || pin_length == nullptr ||
        (rules->code_digits != 6 && rules->code_digits != 8) || rules->pin_min > rules->pin_max)
        return OKEY_OTP_ERR_INVALID_ARGUMENT;
    if (length > OKEY_OTP_PASSCODE_MAX) return OKEY_OTP_ERR_PASSCODE_FORMAT;
    // Every byte is inspected, whatever the verdict; a NUL is a non-digit.
    bool digits_only = true;
    for (size_t i = 0; i < length; ++i)
        digits_only &= passcode[i] >= '0' && passcode[i] <= '9';
    if (!digits_only) return OKEY_OTP_ERR_PASSCODE_FORMAT;
    if (rules->allow_code_only && length == rules->code_digits) return OKEY_OTP_OK;
    if (length < rules->code_digits) return OKEY_OTP_ERR_PASSCODE_FORMAT;
    const size_t pin = length - rules->code_digits;
    if (pin < rules->pin_min || pin > rules->pin_max) return OKEY_OTP_ERR_PASSCODE_FORMAT;
    *pin_length = pin;
    return OKEY_OTP_OK;
}

}  // extern "C"
