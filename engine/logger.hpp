// SPDX-License-Identifier: Apache-2.0
// engine/logger.hpp — where the engine's log lines go: syslog LOG_AUTHPRIV via
// pam_syslog in the module, stderr/syslog in okeyctl. Never a PIN, code,
// passcode, secret, refill token or hash in a message.
#pragma once

#include <string_view>

namespace okey {

enum class LogLevel { debug, info, notice, warning, error };

class Logger {
public:
    virtual ~Logger() = default;
    virtual void log(LogLevel level, std::string_view message) = 0;
};

// Discards everything (tests that do not look at logs).
class NullLogger final : public Logger {
public:
    void log(LogLevel, std::string_view) override {}
};

}  // namespace okey
