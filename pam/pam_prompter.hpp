// SPDX-License-Identifier: Apache-2.0
// pam/pam_prompter.hpp — okey::Prompter over the PAM conversation of the
// application (sshd, login, gdm, a screen locker…).
//
// Over OpenSSH (PAM_TTY "ssh") two things differ. sshd shows a message only
// with the next question, and its client prints a message that no question
// follows through its log (every accent an octal escape, nothing at all with
// `ssh -q`): so messages wait for the next question and travel in its text,
// and a message left at the end (key expired, login locked, PIN saved) is put
// in a last question the person acknowledges with Enter. And in a C locale
// the client shows every non-ASCII byte of a question as an octal escape
// (\303\251): the texts go in ASCII (é → e), readable in every locale.
#pragma once

#include "engine/prompter.hpp"

#include <security/pam_modules.h>

#include <string>

namespace okey::pam {

class PamPrompter final : public Prompter {
public:
    // silent: PAM_SILENT was passed — questions still go out, messages do not.
    // acknowledge: the question that carries a last message over ssh.
    PamPrompter(pam_handle_t* pamh, bool silent, bool over_ssh, std::string acknowledge)
        : pamh_(pamh), silent_(silent), over_ssh_(over_ssh), acknowledge_(std::move(acknowledge)) {}
    Result<otp::SecretString> ask_hidden(std::string_view prompt) override;
    Result<std::string> ask_visible(std::string_view prompt) override;
    void inform(std::string_view text) override;
    void error(std::string_view text) override;
    // After the login: over ssh, the messages no question carried yet.
    void finish();

private:
    std::string shown(std::string_view text) const;
    std::string with_pending(std::string_view prompt);
    void tell(int style, std::string_view text);

    pam_handle_t* pamh_;
    bool silent_;
    bool over_ssh_;
    std::string acknowledge_;
    std::string pending_;  // over ssh: messages waiting for the next question
};

}  // namespace okey::pam
