// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/terminal_prompter.hpp — the engine's Prompter on this
// terminal, for `okeyctl check`. Questions and messages go to stderr (stdout
// stays for results); answers come from stdin: with echo off (termios) when
// stdin is a terminal, as plain lines otherwise, so tests can pipe answers.
#pragma once

#include "engine/prompter.hpp"

namespace okeyctl {

class TerminalPrompter final : public okey::Prompter {
public:
    okey::Result<okey::otp::SecretString> ask_hidden(std::string_view prompt) override;
    okey::Result<std::string> ask_visible(std::string_view prompt) override;
    void inform(std::string_view text) override;
    void error(std::string_view text) override;
};

}  // namespace okeyctl
