// SPDX-License-Identifier: Apache-2.0
// pam/pam_logger.cpp — pam_syslog already uses LOG_AUTHPRIV and prefixes the
// module and service names; the message is passed as data ("%s"), never as a
// format, and cut at the first NUL by construction of the std::string copy.
#include "pam/pam_logger.hpp"

#include <security/pam_ext.h>

#include <string>
#include <syslog.h>

namespace okey::pam {

namespace {
int priority(LogLevel level) noexcept {
    switch (level) {
    case LogLevel::debug: return LOG_DEBUG;
    case LogLevel::info: return LOG_INFO;
    case LogLevel::notice: return LOG_NOTICE;
    case LogLevel::warning: return LOG_WARNING;
    case LogLevel::error: return LOG_ERR;
    }
    return LOG_ERR;
}
}  // namespace

void PamLogger::log(LogLevel level, std::string_view message) {
    if (level == LogLevel::debug && !debug_) return;
    const std::string line(message);
    pam_syslog(pamh_, priority(level), "%s", line.c_str());
}

}  // namespace okey::pam
