// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/syslog_logger.hpp — the engine's Logger for okeyctl: syslog,
// facility LOG_AUTHPRIV, ident "okeyctl", like the PAM module's lines.
#pragma once

#include "engine/logger.hpp"

#include <syslog.h>

#include <string>

namespace okeyctl {

class SyslogLogger final : public okey::Logger {
public:
    SyslogLogger() { openlog("okeyctl", LOG_PID, LOG_AUTHPRIV); }
    ~SyslogLogger() override { closelog(); }
    SyslogLogger(const SyslogLogger&) = delete;
    SyslogLogger& operator=(const SyslogLogger&) = delete;

    void log(okey::LogLevel level, std::string_view message) override {
        int priority = LOG_INFO;
        switch (level) {
        case okey::LogLevel::debug: priority = LOG_DEBUG; break;
        case okey::LogLevel::info: priority = LOG_INFO; break;
        case okey::LogLevel::notice: priority = LOG_NOTICE; break;
        case okey::LogLevel::warning: priority = LOG_WARNING; break;
        case okey::LogLevel::error: priority = LOG_ERR; break;
        }
        const std::string text(message);
        syslog(priority, "%s", text.c_str());
    }
};

}  // namespace okeyctl
