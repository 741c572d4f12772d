// SPDX-License-Identifier: Apache-2.0
// pam/pam_prompter.hpp — okey::Prompter over the PAM conversation of the
// application (sshd, login, gdm…).
#pragma once

#include "engine/prompter.hpp"

#include <security/pam_modules.h>

namespace okey::pam {

class PamPrompter final : public Prompter {
public:
    // silent: PAM_SILENT was passed — questions still go out, messages do not.
    PamPrompter(pam_handle_t* pamh, bool silent) : pamh_(pamh), silent_(silent) {}
    Result<otp::SecretString> ask_hidden(std::string_view prompt) override;
    Result<std::string> ask_visible(std::string_view prompt) override;
    void inform(std::string_view text) override;
    void error(std::string_view text) override;

private:
    pam_handle_t* pamh_;
    bool silent_;
};

}  // namespace okey::pam
