// SPDX-License-Identifier: Apache-2.0
// engine/prompter.hpp — how the engine talks to the person logging in. The PAM
// adapter wraps the PAM conversation; okeyctl wraps the terminal; tests script it.
#pragma once

#include "engine/result.hpp"

#include <okey/otp.hpp>

#include <string>
#include <string_view>

namespace okey {

class Prompter {
public:
    virtual ~Prompter() = default;
    // Ask with echo off (passcode, PIN, code). An error means the
    // conversation failed or was abandoned: the login is refused.
    virtual Result<otp::SecretString> ask_hidden(std::string_view prompt) = 0;
    virtual Result<std::string> ask_visible(std::string_view prompt) = 0;
    virtual void inform(std::string_view text) = 0;
    virtual void error(std::string_view text) = 0;
};

}  // namespace okey
