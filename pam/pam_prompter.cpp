// SPDX-License-Identifier: Apache-2.0
// pam/pam_prompter.cpp — each question is one pam_prompt() call. The reply is
// copied into a wiping buffer, then the application's copy is wiped and freed.
// No reply, or a failed conversation, is an error: the engine refuses the login.
#include "pam/pam_prompter.hpp"

#include "engine/local/login_flow.hpp"
#include "engine/texts.hpp"

#include <security/pam_ext.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace okey::pam {

namespace {

void wipe_and_free(char* reply) noexcept {
    okey_otp_wipe(reply, std::strlen(reply));
    std::free(reply);
}

// Ask one question; on success `reply` holds the application's malloc'd answer.
Result<void> converse(pam_handle_t* pamh, int style, const std::string& prompt, char** reply) {
    *reply = nullptr;
    const int rc = pam_prompt(pamh, style, reply, "%s", prompt.c_str());
    if (rc != PAM_SUCCESS) {
        if (*reply != nullptr) {
            wipe_and_free(*reply);
            *reply = nullptr;
        }
        return make_error(Errc::io, std::string("conversation failed: ") + pam_strerror(pamh, rc));
    }
    if (*reply == nullptr) return make_error(Errc::io, "conversation gave no answer");
    return {};
}

}  // namespace

std::string PamPrompter::shown(std::string_view text) const {
    return over_ssh_ ? ascii_text(text) : std::string(text);
}

std::string PamPrompter::with_pending(std::string_view prompt) {
    std::string text = shown(with_reason(pending_, prompt));
    pending_.clear();
    return text;
}

void PamPrompter::tell(int style, std::string_view text) {
    if (silent_ || text.empty()) return;
    if (over_ssh_) {
        pending_ = with_reason(pending_, text);
        return;
    }
    char* reply = nullptr;
    (void)pam_prompt(pamh_, style, &reply, "%s", std::string(text).c_str());
    if (reply != nullptr) wipe_and_free(reply);
}

Result<otp::SecretString> PamPrompter::ask_hidden(std::string_view prompt) {
    char* reply = nullptr;
    Result<void> asked = converse(pamh_, PAM_PROMPT_ECHO_OFF, with_pending(prompt), &reply);
    if (!asked) return asked.error();
    otp::SecretString answer(reply);
    wipe_and_free(reply);
    return answer;
}

Result<std::string> PamPrompter::ask_visible(std::string_view prompt) {
    char* reply = nullptr;
    Result<void> asked = converse(pamh_, PAM_PROMPT_ECHO_ON, with_pending(prompt), &reply);
    if (!asked) return asked.error();
    std::string answer(reply);
    wipe_and_free(reply);
    return answer;
}

void PamPrompter::inform(std::string_view text) { tell(PAM_TEXT_INFO, text); }

void PamPrompter::error(std::string_view text) { tell(PAM_ERROR_MSG, text); }

void PamPrompter::finish() {
    if (pending_.empty()) return;
    // The answer does not matter, nor whether the person gave one.
    char* reply = nullptr;
    (void)converse(pamh_, PAM_PROMPT_ECHO_ON, with_pending(acknowledge_), &reply);
    if (reply != nullptr) wipe_and_free(reply);
}

}  // namespace okey::pam
