// SPDX-License-Identifier: Apache-2.0
// engine/syslog_logger.hpp — the engine's Logger for programs that are not
// the PAM module (okeyctl, okey-check): syslog, facility LOG_AUTHPRIV, with
// the program's name as ident, like the module's pam_syslog lines.
#pragma once

#include "engine/logger.hpp"

#include <syslog.h>

#include <string>

namespace okey {

class SyslogLogger final : public Logger {
public:
    // `ident` must outlive the logger (syslog keeps the pointer): a literal.
    explicit SyslogLogger(const char* ident, bool debug = true) : debug_(debug) {
        openlog(ident, LOG_PID, LOG_AUTHPRIV);
    }
    ~SyslogLogger() override { closelog(); }
    SyslogLogger(const SyslogLogger&) = delete;
    SyslogLogger& operator=(const SyslogLogger&) = delete;
    void set_debug(bool debug) noexcept { debug_ = debug; }

    void log(LogLevel level, std::string_view message) override {
        int priority = LOG_INFO;
        switch (level) {
        case LogLevel::debug:
            if (!debug_) return;
            priority = LOG_DEBUG;
            break;
        case LogLevel::info: priority = LOG_INFO; break;
        case LogLevel::notice: priority = LOG_NOTICE; break;
        case LogLevel::warning: priority = LOG_WARNING; break;
        case LogLevel::error: priority = LOG_ERR; break;
        }
        const std::string text(message);
        syslog(priority, "%s", text.c_str());
    }

private:
    bool debug_;
};

}  // namespace okey
