// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/terminal_prompter.cpp — see terminal_prompter.hpp.
#include "terminal_prompter.hpp"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace okeyctl {
namespace {

constexpr std::size_t max_answer = 1024;

void write_stderr(std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

// One line from stdin, byte by byte so nothing beyond it is consumed (the
// next question reads the next line). Over-long lines are refused.
okey::Result<okey::otp::SecretString> read_line() {
    std::vector<char, okey::otp::WipingAllocator<char>> line;
    line.reserve(max_answer);
    for (;;) {
        char c = 0;
        const ssize_t n = ::read(STDIN_FILENO, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (line.empty()) return okey::make_error(okey::Errc::io, "no answer (end of input)");
            break;
        }
        if (c == '\n') break;
        if (line.size() >= max_answer) return okey::make_error(okey::Errc::invalid_argument, "answer too long");
        line.push_back(c);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    okey::otp::SecretString answer(std::string_view(line.data(), line.size()));
    return answer;
}

// Echo off for the lifetime of the object, restored even on early return.
class EchoOff {
public:
    EchoOff() {
        if (tcgetattr(STDIN_FILENO, &saved_) != 0) return;
        termios quiet = saved_;
        quiet.c_lflag &= static_cast<tcflag_t>(~(ECHO | ECHOE | ECHOK | ECHONL));
        active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    ~EchoOff() {
        if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

private:
    termios saved_{};
    bool active_ = false;
};

}  // namespace

okey::Result<okey::otp::SecretString> TerminalPrompter::ask_hidden(std::string_view prompt) {
    write_stderr(prompt);
    okey::Result<okey::otp::SecretString> answer = [] {
        if (isatty(STDIN_FILENO) != 1) return read_line();
        EchoOff quiet;
        return read_line();
    }();
    write_stderr("\n");  // the Enter typed was not echoed (or came from a pipe)
    return answer;
}

okey::Result<std::string> TerminalPrompter::ask_visible(std::string_view prompt) {
    write_stderr(prompt);
    auto answer = read_line();
    if (isatty(STDIN_FILENO) != 1) write_stderr("\n");  // a terminal echoed the Enter
    if (!answer) return answer.error();
    return std::string(answer->view());
}

void TerminalPrompter::inform(std::string_view text) {
    write_stderr(text);
    write_stderr("\n");
}

void TerminalPrompter::error(std::string_view text) {
    write_stderr(text);
    write_stderr("\n");
}

}  // namespace okeyctl
