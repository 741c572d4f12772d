// SPDX-License-Identifier: Apache-2.0
// engine/key_serial.cpp — see key_serial.hpp.
#include "engine/key_serial.hpp"

#include <string>

namespace okey {

Result<void> check_serial(std::string_view serial) {
    if (serial.empty()) return make_error(Errc::invalid_argument, "empty serial");
    if (serial.size() > serial_max_length) {
        return make_error(Errc::invalid_argument, "serial longer than " +
                                                      std::to_string(serial_max_length) +
                                                      " characters");
    }
    for (char c : serial) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                        c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok) {
            return make_error(Errc::invalid_argument,
                              "serial may hold only letters, digits and . _ : -");
        }
    }
    return {};
}

}  // namespace okey
