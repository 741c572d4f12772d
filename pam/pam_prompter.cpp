// SPDX-License-Identifier: Apache-2.0
// pam/pam_prompter.cpp — each question is one pam_prompt() call. The reply is
// copied into a wiping buffer, then the application's copy is wiped and freed.
// No reply, or a failed conversation, is an error: the engine refuses the login.
#include "pam/pam_prompter.hpp"

#include <security/pam_ext.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace okey::pam {

namespace {

// Ask one question; on success `reply` holds the application's malloc'd answer.
Result<void> converse(pam_handle_t* pamh, int style, std::string_view prompt, char** reply) {
    *reply = nullptr;
    const std::string text(prompt);
    const int rc = pam_prompt(pamh, style, reply, "%s", text.c_str());
    if (rc != PAM_SUCCESS) {
        if (*reply != nullptr) {
            okey_otp_wipe(*reply, std::strlen(*reply));
            std::free(*reply);
            *reply = nullptr;
        }
        return make_error(Errc::io, std::string("conversation failed: ") + pam_strerror(pamh, rc));
    }
    if (*reply == nullptr) return make_error(Errc::io, "conversation gave no answer");
    return {};
}

void wipe_and_free(char* reply) noexcept {
    okey_otp_wipe(reply, std::strlen(reply));
    std::free(reply);
}

void tell(pam_handle_t* pamh, int style, std::string_view text) {
    if (text.empty()) return;
    const std::string line(text);
    char* reply = nullptr;
    (void)pam_prompt(pamh, style, &reply, "%s", line.c_str());
    if (reply != nullptr) wipe_and_free(reply);
}

}  // namespace

Result<otp::SecretString> PamPrompter::ask_hidden(std::string_view prompt) {
    char* reply = nullptr;
    Result<void> asked = converse(pamh_, PAM_PROMPT_ECHO_OFF, prompt, &reply);
    if (!asked) return asked.error();
    otp::SecretString answer(reply);
    wipe_and_free(reply);
    return answer;
}

Result<std::string> PamPrompter::ask_visible(std::string_view prompt) {
    char* reply = nullptr;
    Result<void> asked = converse(pamh_, PAM_PROMPT_ECHO_ON, prompt, &reply);
    if (!asked) return asked.error();
    std::string answer(reply);
    wipe_and_free(reply);
    return answer;
}

void PamPrompter::inform(std::string_view text) {
    if (!silent_) tell(pamh_, PAM_TEXT_INFO, text);
}

void PamPrompter::error(std::string_view text) {
    if (!silent_) tell(pamh_, PAM_ERROR_MSG, text);
}

}  // namespace okey::pam
