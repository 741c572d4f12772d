// SPDX-License-Identifier: Apache-2.0
// libotp/src/pin.cpp — PIN policy: digits only, length bounds, trivial PINs.
#include <okey/otp.h>

#include <cstring>
#include <initializer_list>

namespace {

// A straight run is a piece of the digit row read either way, where 0 sits
// after 9 as on a keyboard and before 1 as on a keypad: 1234, 0123, 7890,
// 9876, 0987, 3210 are runs; 8901 and 9012 (wrapping past 0) are not.
bool is_straight_run(const char* pin, std::size_t length) noexcept {
    static constexpr char kUp[] = "01234567890";
    static constexpr char kDown[] = "09876543210";
    for (const char* row : {kUp, kDown}) {
        const std::size_t row_length = sizeof kUp - 1;
        for (std::size_t start = 0; start + length <= row_length; ++start)
            if (std::memcmp(row + start, pin, length) == 0) return true;
    }
    return false;
}

bool is_one_digit(const char* pin, std::size_t length) noexcept {
    for (std::size_t i = 1; i < length; ++i)
        if (pin[i] != pin[0]) return false;
    return true;
}

}  // namespace

extern "C" {

int okey_otp_pin_check(const okey_otp_pin_policy* policy, const char* pin, size_t length) {
    if (policy == nullptr || (pin == nullptr && length > 0) ||
        policy->min_length > policy->max_length)
        return OKEY_OTP_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < length; ++i)
        if (pin[i] < '0' || pin[i] > '9') return OKEY_OTP_ERR_PIN_NOT_DIGITS;
    if (length < policy->min_length || length > policy->max_length)
        return OKEY_OTP_ERR_PIN_LENGTH;
    if (policy->refuse_trivial && length > 0 &&
        (is_one_digit(pin, length) || is_straight_run(pin, length)))
        return OKEY_OTP_ERR_PIN_TRIVIAL;
    return OKEY_OTP_OK;
}

}  // extern "C"
