// SPDX-License-Identifier: Apache-2.0
// engine/relay.cpp — see relay.hpp. Both sides use the same frame reader and
// writer; only the caps, the deadline and the expected types differ.
#include "engine/relay.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

namespace okey::relay {
namespace {

using Clock = std::chrono::steady_clock;
using SecretBytes = std::vector<char, otp::WipingAllocator<char>>;
constexpr std::size_t header_bytes = 5;

Error broken(const std::string& why) { return make_error(Errc::io, "relay: " + why); }

// send() never raises SIGPIPE in the caller (a screen locker must not die
// because the helper did); a descriptor that is not a socket gets write().
Result<void> write_all(int fd, const char* data, std::size_t size) {
    bool socket = true;
    while (size > 0) {
        const ssize_t n = socket ? ::send(fd, data, size, MSG_NOSIGNAL) : ::write(fd, data, size);
        if (n < 0 && errno == ENOTSOCK && socket) {
            socket = false;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return broken(std::string("cannot write: ") + std::strerror(errno));
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return {};
}

// Read exactly `size` bytes before `deadline` (none: wait as long as it takes).
// `at_start`: an end of stream before the first byte is reported as Errc::not_found.
Result<void> read_exact(int fd, char* data, std::size_t size,
                        std::optional<Clock::time_point> deadline, bool at_start = false) {
    std::size_t done = 0;
    while (done < size) {
        int wait_ms = -1;
        if (deadline) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
            if (left.count() <= 0) return broken("no answer in time");
            wait_ms = static_cast<int>(std::min<long long>(left.count(), 60'000));
        }
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, wait_ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) return broken(std::string("cannot wait: ") + std::strerror(errno));
        if (ready == 0) continue;  // the deadline is checked above
        const ssize_t n = ::read(fd, data + done, size - done);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n < 0) return broken(std::string("cannot read: ") + std::strerror(errno));
        if (n == 0) {
            if (at_start && done == 0) return make_error(Errc::not_found, "relay: closed");
            return broken("closed in the middle of a frame");
        }
        done += static_cast<std::size_t>(n);
    }
    return {};
}

Result<void> write_frame(int fd, FrameType type, std::string_view payload) {
    if (payload.size() > UINT32_MAX) return broken("frame too long");
    const auto size = static_cast<std::uint32_t>(payload.size());
    const std::array<char, header_bytes> header{
        static_cast<char>(type), static_cast<char>(size >> 24), static_cast<char>(size >> 16),
        static_cast<char>(size >> 8), static_cast<char>(size)};
    // One buffer, one write: an answer is never split across two sends.
    SecretBytes frame(header.begin(), header.end());
    frame.insert(frame.end(), payload.begin(), payload.end());
    return write_all(fd, frame.data(), frame.size());
}

struct Frame {
    FrameType type;
    SecretBytes payload;
    std::string_view view() const { return {payload.data(), payload.size()}; }
};

// One frame whose type is one of `allowed` and whose length is at most `cap`;
// the payload is never read when the header is refused.
Result<Frame> read_frame(int fd, std::string_view allowed, std::size_t cap,
                         std::optional<Clock::time_point> deadline) {
    std::array<char, header_bytes> header{};
    if (auto got = read_exact(fd, header.data(), header.size(), deadline, true); !got)
        return got.error();
    if (allowed.find(header[0]) == std::string_view::npos) return broken("unexpected frame type");
    std::uint32_t size = 0;
    for (std::size_t i = 1; i < header_bytes; ++i)
        size = (size << 8) | static_cast<unsigned char>(header[i]);
    if (size > cap) return broken("frame over " + std::to_string(cap) + " bytes");
    Frame frame{static_cast<FrameType>(header[0]), SecretBytes(size)};
    if (auto got = read_exact(fd, frame.payload.data(), size, deadline); !got) return got.error();
    return frame;
}

constexpr char answer_types[] = {static_cast<char>(FrameType::answer), '\0'};
constexpr char first_types[] = {static_cast<char>(FrameType::first_pass),
                                static_cast<char>(FrameType::no_first_pass), '\0'};
constexpr char question_types[] = {
    static_cast<char>(FrameType::ask_hidden), static_cast<char>(FrameType::ask_visible),
    static_cast<char>(FrameType::inform),     static_cast<char>(FrameType::error),
    static_cast<char>(FrameType::password),   '\0'};

}  // namespace

int exit_status(LoginOutcome outcome) noexcept {
    switch (outcome) {
    case LoginOutcome::success: return 0;
    case LoginOutcome::refused: return 1;
    case LoginOutcome::locked: return 2;
    case LoginOutcome::ignored: return 3;
    case LoginOutcome::unavailable: return 4;
    case LoginOutcome::service_error: return 5;
    }
    return 5;
}

std::optional<LoginOutcome> outcome_of(int status) noexcept {
    for (LoginOutcome outcome :
         {LoginOutcome::success, LoginOutcome::refused, LoginOutcome::locked,
          LoginOutcome::ignored, LoginOutcome::unavailable, LoginOutcome::service_error})
        if (exit_status(outcome) == status) return outcome;
    return std::nullopt;
}

// ---- the helper's side ----

Result<std::optional<otp::SecretString>> RelayPrompter::read_first_pass() {
    auto frame = read_frame(in_fd_, first_types, max_answer_bytes, Clock::now() + answer_time_);
    if (!frame) {
        broken_ = true;
        return frame.error();
    }
    if (frame->type == FrameType::no_first_pass) {
        if (!frame->payload.empty()) return broken("a frame 'no first pass' with a payload");
        return std::optional<otp::SecretString>();
    }
    return std::optional<otp::SecretString>(otp::SecretString(frame->view()));
}

Result<otp::SecretString> RelayPrompter::ask(FrameType type, std::string_view prompt) {
    if (broken_) return broken("closed earlier");
    if (prompt.size() > max_question_bytes) return broken("question too long");
    auto sent = write_frame(out_fd_, type, prompt);
    if (!sent) {
        broken_ = true;
        return sent.error();
    }
    auto frame = read_frame(in_fd_, answer_types, max_answer_bytes, Clock::now() + answer_time_);
    if (!frame) {
        broken_ = true;
        return frame.error();
    }
    return otp::SecretString(frame->view());
}

Result<otp::SecretString> RelayPrompter::ask_hidden(std::string_view prompt) {
    return ask(FrameType::ask_hidden, prompt);
}

Result<std::string> RelayPrompter::ask_visible(std::string_view prompt) {
    auto answer = ask(FrameType::ask_visible, prompt);
    if (!answer) return answer.error();
    return std::string(answer->view());
}

void RelayPrompter::inform(std::string_view text) {
    if (!broken_ && text.size() <= max_question_bytes)
        broken_ = !write_frame(out_fd_, FrameType::inform, text);
}

void RelayPrompter::error(std::string_view text) {
    if (!broken_ && text.size() <= max_question_bytes)
        broken_ = !write_frame(out_fd_, FrameType::error, text);
}

Result<void> RelayPrompter::send_password(std::string_view password) {
    if (broken_) return broken("closed earlier");
    if (password.size() > max_answer_bytes) return broken("password over the cap");
    return write_frame(out_fd_, FrameType::password, password);
}

// ---- the module's side ----

Result<void> serve(int fd, Prompter& prompter, const otp::SecretString* first_pass,
                   std::optional<otp::SecretString>* password) {
    auto opened = first_pass != nullptr ? write_frame(fd, FrameType::first_pass, first_pass->view())
                                        : write_frame(fd, FrameType::no_first_pass, {});
    if (!opened) return opened.error();
    for (;;) {
        auto frame = read_frame(fd, question_types, max_question_bytes, std::nullopt);
        if (!frame && frame.error().code == Errc::not_found) return {};  // the helper is done
        if (!frame) return frame.error();
        if (frame->type == FrameType::password) {
            if (frame->payload.size() > max_answer_bytes) return broken("password over the cap");
            if (password != nullptr) password->emplace(frame->view());
            continue;
        }
        const std::string text(frame->view());
        switch (frame->type) {
        case FrameType::inform: prompter.inform(text); continue;
        case FrameType::error: prompter.error(text); continue;
        case FrameType::ask_visible: {
            auto answer = prompter.ask_visible(text);
            if (!answer) return answer.error();
            const otp::SecretString reply(*answer);
            okey_otp_wipe(answer->data(), answer->size());
            if (reply.size() > max_answer_bytes) return broken("answer over the cap");
            if (auto sent = write_frame(fd, FrameType::answer, reply.view()); !sent) return sent;
            continue;
        }
        case FrameType::ask_hidden: {
            auto answer = prompter.ask_hidden(text);
            if (!answer) return answer.error();
            if (answer->size() > max_answer_bytes) return broken("answer over the cap");
            if (auto sent = write_frame(fd, FrameType::answer, answer->view()); !sent) return sent;
            continue;
        }
        default: return broken("unexpected frame type");
        }
    }
}

}  // namespace okey::relay
