// SPDX-License-Identifier: Apache-2.0
// engine/relay.hpp — the conversation between pam_okey.so and okey-check
// (DESIGN.md §10) over one stream socket: the helper runs the login flow and
// sends each question or message as a frame; the module asks it through PAM
// and sends the answer back; the helper's exit status is the outcome.
//
// A frame is one type byte, a 4-byte big-endian length, then that many bytes.
// Each direction has a hard cap; a frame over it, an unknown type, a short
// read, or silence past the deadline ends the conversation (the login is
// refused). Answers are wiped once used.
#pragma once

#include "engine/login.hpp"
#include "engine/prompter.hpp"
#include "engine/result.hpp"

#include <okey/otp.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace okey::relay {

enum class FrameType : unsigned char {
    // helper → module
    ask_hidden = 'H',
    ask_visible = 'V',
    inform = 'I',
    error = 'E',
    password = 'W',  // forward_pass: the text without PIN + code, for PAM_AUTHTOK
    // module → helper
    first_pass = 'P',     // the first frame: PAM_AUTHTOK of an earlier module
    no_first_pass = 'N',  // the first frame when there is none
    answer = 'A',
};

// A question or message (two texts of config, a reason and a remote
// challenge fit); an answer (PAM_MAX_RESP_SIZE).
inline constexpr std::size_t max_question_bytes = 8192;
inline constexpr std::size_t max_answer_bytes = 512;

// okey-check's exit status for each outcome, and back. Any other status (a
// crash, a signal, an exec failure) is no outcome: the module refuses.
int exit_status(LoginOutcome outcome) noexcept;
std::optional<LoginOutcome> outcome_of(int exit_status) noexcept;

// The helper's side: a Prompter whose questions go out on `out_fd` and whose
// answers come back on `in_fd`, each within `answer_time` (a person at a prompt).
class RelayPrompter final : public Prompter {
public:
    RelayPrompter(int in_fd, int out_fd, std::chrono::seconds answer_time)
        : in_fd_(in_fd), out_fd_(out_fd), answer_time_(answer_time) {}
    // The module's first frame. An error ends the login before it starts.
    Result<std::optional<otp::SecretString>> read_first_pass();
    Result<otp::SecretString> ask_hidden(std::string_view prompt) override;
    Result<std::string> ask_visible(std::string_view prompt) override;
    void inform(std::string_view text) override;
    void error(std::string_view text) override;
    // forward_pass: the password the module hands on (at most max_answer_bytes).
    Result<void> send_password(std::string_view password);

private:
    Result<otp::SecretString> ask(FrameType type, std::string_view prompt);
    int in_fd_;
    int out_fd_;
    std::chrono::seconds answer_time_;
    bool broken_ = false;  // once a frame failed, every later question fails too
};

// The module's side: send `first_pass` (or its absence), then put each of the
// helper's questions to `prompter` and send the answer, until the helper
// closes its end; a password the helper sends (forward_pass) goes to
// `password`, when given. An error means the conversation broke (the caller
// then closes `fd`, so the helper stops, and still waits for its exit status).
Result<void> serve(int fd, Prompter& prompter, const otp::SecretString* first_pass,
                   std::optional<otp::SecretString>* password = nullptr);

}  // namespace okey::relay
