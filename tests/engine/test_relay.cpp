// SPDX-License-Identifier: Apache-2.0
// tests/engine/test_relay.cpp — engine/relay.hpp, the conversation between
// pam_okey.so and okey-check, over a real socket pair in one process: both
// sides of a whole conversation (styles, order, answers, the first pass),
// the caps and the deadline, and the exit status of each outcome.
#include "engine/relay.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include <cmocka.h>
}

using namespace okey;
using namespace std::chrono_literals;

namespace {

// The module's Prompter: records what it is asked and told, answers in order.
class Recorder final : public Prompter {
public:
    explicit Recorder(std::deque<std::string> answers) : answers_(std::move(answers)) {}
    Result<otp::SecretString> ask_hidden(std::string_view prompt) override {
        seen.push_back("H:" + std::string(prompt));
        return next();
    }
    Result<std::string> ask_visible(std::string_view prompt) override {
        seen.push_back("V:" + std::string(prompt));
        auto answer = next();
        if (!answer) return answer.error();
        return std::string(answer->view());
    }
    void inform(std::string_view text) override { seen.push_back("I:" + std::string(text)); }
    void error(std::string_view text) override { seen.push_back("E:" + std::string(text)); }
    std::vector<std::string> seen;

private:
    Result<otp::SecretString> next() {
        if (answers_.empty()) return make_error(Errc::io, "no answer");
        otp::SecretString answer(answers_.front());
        answers_.pop_front();
        return answer;
    }
    std::deque<std::string> answers_;
};

struct Pair {
    Pair() { assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0); }
    ~Pair() {
        for (int fd : fds)
            if (fd >= 0) ::close(fd);
    }
    void close_module_end() {
        ::close(fds[0]);
        fds[0] = -1;
    }
    int fds[2];
    int module() const { return fds[0]; }
    int helper() const { return fds[1]; }
};

void whole_conversation(void**) {
    Pair pair;
    std::vector<std::string> got;
    std::optional<std::string> first;
    std::thread helper([&] {
        relay::RelayPrompter prompter(pair.helper(), pair.helper(), 5s);
        auto pass = prompter.read_first_pass();
        if (pass && *pass) first = std::string((*pass)->view());
        prompter.inform("information");
        auto a = prompter.ask_hidden("Passcode OTP : ");
        got.push_back(a ? std::string(a->view()) : "error");
        prompter.error("une erreur");
        auto b = prompter.ask_visible("Visible : ");
        got.push_back(b ? *b : "error");
        ::shutdown(pair.helper(), SHUT_WR);  // the helper is done
    });
    Recorder module({"2580123456", "oui"});
    const otp::SecretString first_pass("earlier module");
    assert_true(relay::serve(pair.module(), module, &first_pass).ok());
    helper.join();
    assert_true(first == std::string("earlier module"));
    assert_true((module.seen == std::vector<std::string>{"I:information", "H:Passcode OTP : ",
                                                          "E:une erreur", "V:Visible : "}));
    assert_true((got == std::vector<std::string>{"2580123456", "oui"}));
}

void no_first_pass(void**) {
    Pair pair;
    bool absent = false;
    std::thread helper([&] {
        relay::RelayPrompter prompter(pair.helper(), pair.helper(), 5s);
        auto pass = prompter.read_first_pass();
        absent = pass && !pass->has_value();
        ::shutdown(pair.helper(), SHUT_WR);
    });
    Recorder module({});
    assert_true(relay::serve(pair.module(), module, nullptr).ok());
    helper.join();
    assert_true(absent);
}

// The module refuses to pass on an answer over the cap; the helper then sees
// the end of the conversation, and every later question fails at once.
void answer_over_the_cap(void**) {
    Pair pair;
    bool failed = false, later_failed = false;
    std::thread helper([&] {
        relay::RelayPrompter prompter(pair.helper(), pair.helper(), 5s);
        (void)prompter.read_first_pass();
        failed = !prompter.ask_hidden("Q").ok();
        later_failed = !prompter.ask_hidden("Q2").ok();
    });
    Recorder module({std::string(relay::max_answer_bytes + 1, '7')});
    assert_false(relay::serve(pair.module(), module, nullptr).ok());
    pair.close_module_end();
    helper.join();
    assert_true(failed && later_failed);
}

// A frame announcing more than the cap is refused from its header.
void announced_length_over_the_cap(void**) {
    Pair pair;
    const char header[] = {'A', 0, 0, 2, 1};  // 513 bytes
    relay::RelayPrompter prompter(pair.helper(), pair.helper(), 5s);
    const char none[] = {'N', 0, 0, 0, 0};
    assert_int_equal(::write(pair.module(), none, 5), 5);
    assert_true(prompter.read_first_pass().ok());
    assert_int_equal(::write(pair.module(), header, 5), 5);
    auto answer = prompter.ask_hidden("Q");
    assert_false(answer.ok());
    assert_non_null(std::strstr(answer.error().message.c_str(), "over 512 bytes"));
}

void silence_past_the_deadline(void**) {
    Pair pair;
    relay::RelayPrompter prompter(pair.helper(), pair.helper(), 1s);
    const auto start = std::chrono::steady_clock::now();
    auto pass = prompter.read_first_pass();
    assert_false(pass.ok());
    const auto waited = std::chrono::steady_clock::now() - start;
    assert_true(waited >= 900ms && waited < 5s);
}

void module_refuses_unknown_frames(void**) {
    Pair pair;
    std::thread helper([&] {
        char first[5];
        (void)!::read(pair.helper(), first, 5);
        const char bogus[] = {'Z', 0, 0, 0, 0};
        (void)!::write(pair.helper(), bogus, 5);
    });
    Recorder module({});
    assert_false(relay::serve(pair.module(), module, nullptr).ok());
    helper.join();
    assert_true(module.seen.empty());
}

void exit_statuses(void**) {
    for (LoginOutcome outcome :
         {LoginOutcome::success, LoginOutcome::refused, LoginOutcome::locked,
          LoginOutcome::ignored, LoginOutcome::unavailable, LoginOutcome::service_error})
        assert_true(relay::outcome_of(relay::exit_status(outcome)) == outcome);
    assert_int_equal(relay::exit_status(LoginOutcome::success), 0);
    // A crash, an exec failure or anything else is no outcome.
    for (int status : {6, 127, 126, 255}) assert_false(relay::outcome_of(status).has_value());
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whole_conversation),
        cmocka_unit_test(no_first_pass),
        cmocka_unit_test(answer_over_the_cap),
        cmocka_unit_test(announced_length_over_the_cap),
        cmocka_unit_test(silence_past_the_deadline),
        cmocka_unit_test(module_refuses_unknown_frames),
        cmocka_unit_test(exit_statuses),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
