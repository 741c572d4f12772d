// SPDX-License-Identifier: Apache-2.0
// engine/local/converse.cpp — a LoginFlow driven by a Prompter, as the PAM
// module and `okeyctl check` run it, and the small helpers the flow files and
// engine/login.cpp share.
#include "engine/local/login_flow.hpp"

#include <utility>

namespace okey {

LoginResult converse(LoginFlow& flow, FlowRound round, Prompter& prompter, const Texts& texts) {
    for (;;) {
        for (const FlowMessage& message : round.messages) {
            if (message.kind == FlowMessage::Kind::error) prompter.error(message.text);
            else prompter.inform(message.text);
        }
        if (round.finished()) return std::move(round.result);
        const FlowQuestion& question = *round.question;
        otp::SecretString answer;
        if (question.hidden) {
            auto hidden = prompter.ask_hidden(question.prompt);
            if (!hidden) return flow.abandon("conversation failed");
            answer = std::move(hidden.value());
        } else {
            auto visible = prompter.ask_visible(question.prompt);
            if (!visible) return flow.abandon("conversation failed");
            answer = otp::SecretString(visible.value());
            okey_otp_wipe(visible->data(), visible->size());
        }
        round = flow.answer(answer.view(), texts);
    }
}

LoginResult login_result(LoginOutcome outcome, std::string serial, std::string reason) {
    LoginResult result;
    result.outcome = outcome;
    result.serial = std::move(serial);
    result.reason = std::move(reason);
    return result;
}

// A store that cannot answer now (busy, I/O) is "unavailable"; one that must
// not be used (unsafe file, corrupt, misconfigured) is a service error.
LoginOutcome outcome_for_store_error(Errc code) {
    switch (code) {
    case Errc::busy:
    case Errc::io:
    case Errc::not_found:
    case Errc::unavailable: return LoginOutcome::unavailable;
    default: return LoginOutcome::service_error;
    }
}

bool in_new_pin_mode(const UserRecord& user) {
    return user.pin_state == PinState::new_pin_required || user.pin_hash.empty();
}

std::string decoy_reason(Decoy decoy) {
    return decoy == Decoy::unknown_login ? "unknown login" : "no key";
}

std::string with_reason(std::string_view reason, std::string_view prompt) {
    if (reason.empty()) return std::string(prompt);
    std::string text(reason);
    if (text.back() != ' ' && text.back() != '\n') text += ' ';
    text += prompt;
    return text;
}

}  // namespace okey
