// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/checks.cpp — the checks on values an administrator types,
// shared by every verb: a refusal names what was wrong before the store is
// touched.
#include "verbs.hpp"

#include "engine/calendar_date.hpp"
#include "engine/key_serial.hpp"
#include "engine/login_id.hpp"

namespace okeyctl {

std::string checked_serial(const std::string& serial) {
    if (auto ok = okey::check_serial(serial); !ok) throw UsageError{ok.error().message};
    return serial;
}

std::string checked_login(const std::string& login) {
    if (auto ok = okey::check_login(login); !ok) throw UsageError{ok.error().message};
    return login;
}

std::string checked_date(const std::string& date) {
    if (!okey::parse_calendar_date(date)) {
        throw UsageError{"\"" + printable(date) + "\" is not a valid date (YYYY-MM-DD)"};
    }
    return date;
}

std::string checked_comment(const std::optional<std::string>& comment) {
    if (!comment) throw UsageError{"--comment TEXT is required (it goes to the audit trail)"};
    if (comment->find_first_not_of(" \t") == std::string::npos) throw UsageError{"--comment is empty"};
    if (comment->size() > 1024) throw UsageError{"--comment is longer than 1024 characters"};
    if (printable(*comment) != *comment) throw UsageError{"--comment holds control characters"};
    return *comment;
}

unsigned checked_number(const std::optional<std::string>& value, const std::string& option,
                        unsigned fallback, unsigned max) {
    if (!value) return fallback;
    unsigned number = 0;
    const bool digits = !value->empty() && value->size() <= 3 &&
                        value->find_first_not_of("0123456789") == std::string::npos;
    if (digits) number = static_cast<unsigned>(std::stoul(*value));
    if (!digits || number < 1 || number > max)
        throw UsageError{"--" + option + " must be a number from 1 to " + std::to_string(max)};
    return number;
}

}  // namespace okeyctl
