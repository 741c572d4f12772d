// SPDX-License-Identifier: Apache-2.0
// pam/pam_logger.hpp — the engine's log lines into syslog (LOG_AUTHPRIV)
// through pam_syslog; debug lines only with the `debug` argument.
#pragma once

#include "engine/logger.hpp"

#include <security/pam_modules.h>

namespace okey::pam {

class PamLogger final : public Logger {
public:
    explicit PamLogger(pam_handle_t* pamh) : pamh_(pamh) {}
    void set_debug(bool debug) noexcept { debug_ = debug; }
    void log(LogLevel level, std::string_view message) override;

private:
    pam_handle_t* pamh_;
    bool debug_ = false;
};

}  // namespace okey::pam
