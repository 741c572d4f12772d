// SPDX-License-Identifier: Apache-2.0
// tests/engine/harness.hpp — the world an engine test logs into: a real store
// (SQLite or PostgreSQL: tests/support/test_store.hpp) holding one key
// assigned to one login, a fake
// clock, a scripted prompter that records every prompt and message, a logger
// that records every line, and cheap Argon2 parameters.
#pragma once

#include "engine/clock.hpp"
#include "engine/config.hpp"
#include "engine/logger.hpp"
#include "engine/login.hpp"
#include "engine/prompter.hpp"
#include "engine/store/store.hpp"
#include "tests/support/test_store.hpp"

#include <okey/otp.hpp>

#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// cmocka needs these before its header.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

extern "C" {
#include <cmocka.h>
}

namespace okey::test {

// 2023-11-14 22:13:30 UTC: 10 s into its 30 s step.
inline constexpr std::int64_t t0 = 1700000010;
inline constexpr const char* the_login = "jdupont";
inline constexpr const char* the_serial = "OK0001";
inline constexpr const char* the_pin = "4826";

class FakeClock final : public Clock {
public:
    std::int64_t now() const override {
        if (on_next_read) std::exchange(on_next_read, nullptr)();
        return time;
    }
    std::int64_t time = t0;
    // Run once, at the next reading of the clock: the flow reads it just
    // after loading the login for an answer, so what this changes in the
    // store lands between that read and the accepting transaction.
    mutable std::function<void()> on_next_read;
};

// One scripted answer; `wait` seconds pass on the fake clock before it is
// given, and `meanwhile` runs while the person is at the prompt.
struct Answer {
    std::string text;
    std::int64_t wait = 0;
    std::function<void()> meanwhile = {};
};

class ScriptedPrompter final : public Prompter {
public:
    explicit ScriptedPrompter(FakeClock& clock) : clock_(clock) {}
    Result<otp::SecretString> ask_hidden(std::string_view prompt) override;
    Result<std::string> ask_visible(std::string_view prompt) override;
    void inform(std::string_view text) override;
    void error(std::string_view text) override;

    std::deque<Answer> answers;        // an empty queue fails the conversation
    std::vector<std::string> prompts;  // every question, in order
    std::vector<std::string> infos;
    std::vector<std::string> errors;
    std::vector<std::string> events;   // "ask:…", "info:…", "error:…" in order
    bool throw_on_ask = false;         // throw std::bad_alloc from ask_*

private:
    FakeClock& clock_;
};

class RecordingLogger final : public Logger {
public:
    void log(LogLevel level, std::string_view message) override;
    std::vector<std::string> lines;
    std::vector<LogLevel> levels;  // of each line
};

class World {
public:
    World();
    ~World();
    World(const World&) = delete;
    World& operator=(const World&) = delete;

    // The code the key shows at a step, now, or now + offset steps.
    std::string code_at_step(std::uint64_t step);
    std::string code(std::int64_t offset_steps = 0);
    std::uint64_t step_now();

    // Store a PIN for the login directly (normal mode from then on), as if a
    // login had accepted `step` earlier.
    void set_pin(const std::string& pin, std::uint64_t step,
                 const Argon2Settings& params = {64, 1, 1});
    // Queue answers, remembering them as secrets that must never be logged.
    void answer(const std::string& text, std::int64_t wait = 0,
                std::function<void()> meanwhile = {});
    // run_login for `login` (the world's login by default); clears the
    // prompter's records first.
    LoginResult login(std::optional<std::string> first_pass = std::nullopt,
                      const std::string& login = the_login);
    // run_forwarded_login (forward_pass) of `typed`, remembered as a secret;
    // clears the prompter's records first.
    ForwardedLogin login_forwarded(const std::string& typed, const std::string& login = the_login);

    // Another connection to the world's store, as another process would open.
    StoreOptions store_options() const;
    Store open_store();

    UserRecord user();
    TokenRecord token();
    std::vector<AuditEntry> login_audit();

    // Assertions shared by the tests.
    void expect(const LoginResult& result, LoginOutcome outcome, const std::string& reason);
    void expect_no_secret_leaked();

    std::string dir;
    // The store on the backend of this run (OKEY_TEST_STORE): a file in dir
    // or a fresh PostgreSQL database.
    std::unique_ptr<TestStore> location;
    Config config;
    FakeClock clock;
    ScriptedPrompter prompter{clock};
    RecordingLogger logger;
    std::optional<Store> store;
    otp::SecretBytes secret;
    otp::Key key;
    std::vector<std::string> secrets;  // PINs, codes and passcodes used
    unsigned logins_run = 0;

private:
    LoginContext next_login(const std::string& login);
};

World& world(void** state);
int setup_world(void** state);           // key assigned, login in new-PIN mode
int setup_world_with_pin(void** state);  // and the PIN the_pin set (normal mode)
int teardown_world(void** state);

// Fail the test with the error's message unless the result is ok.
template <class T>
T must(Result<T> result, const char* what) {
    if (!result) fail_msg("%s: %s", what, result.error().message.c_str());
    return std::move(result.value());
}
void must(Result<void> result, const char* what);

}  // namespace okey::test
