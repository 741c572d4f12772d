// SPDX-License-Identifier: Apache-2.0
// tests/engine/harness.cpp — see harness.hpp.
#include "harness.hpp"

#include <cstdlib>
#include <filesystem>
#include <new>
#include <unistd.h>

namespace okey::test {

Result<otp::SecretString> ScriptedPrompter::ask_hidden(std::string_view prompt) {
    if (throw_on_ask) throw std::bad_alloc();
    prompts.emplace_back(prompt);
    events.push_back("ask:" + std::string(prompt));
    if (answers.empty()) return make_error(Errc::io, "conversation failed");
    Answer next = std::move(answers.front());
    answers.pop_front();
    clock_.time += next.wait;
    if (next.meanwhile) next.meanwhile();
    return otp::SecretString(next.text);
}

Result<std::string> ScriptedPrompter::ask_visible(std::string_view prompt) {
    auto hidden = ask_hidden(prompt);
    if (!hidden) return hidden.error();
    return std::string(hidden->view());
}

void ScriptedPrompter::inform(std::string_view text) {
    infos.emplace_back(text);
    events.push_back("info:" + std::string(text));
}

void ScriptedPrompter::error(std::string_view text) {
    errors.emplace_back(text);
    events.push_back("error:" + std::string(text));
}

void RecordingLogger::log(LogLevel level, std::string_view message) {
    lines.emplace_back(message);
    levels.push_back(level);
}

void must(Result<void> result, const char* what) {
    if (!result) fail_msg("%s: %s", what, result.error().message.c_str());
}

World::World() {
    char pattern[] = "/tmp/okey-engine-test.XXXXXX";
    if (mkdtemp(pattern) == nullptr) fail_msg("mkdtemp failed");
    dir = pattern;
    config.source = "";
    location = std::make_unique<TestStore>(dir);
    config.store = location->location();
    config.key_file = dir + "/seed.key";
    config.pin.argon2 = Argon2Settings{64, 1, 1};

    const StoreOptions options = store_options();
    must(Store::initialise(options), "Store::initialise");
    store.emplace(must(Store::open(options), "Store::open"));

    const std::string rfc_secret = "12345678901234567890";
    secret.assign(rfc_secret.begin(), rfc_secret.end());
    KeySpec spec;
    spec.serial = the_serial;
    spec.lot = "lot-2023";
    must(store->add_token(spec, secret, Act{t0 - 86400, "delivered"}), "add_token");
    must(store->assign(the_serial, the_login, Act{t0 - 3600, "assigned"}), "assign");
    auto made = otp::Key::make(secret, OKEY_OTP_SHA1, 6, 30);
    if (!made) fail_msg("Key::make failed");
    key = std::move(made.value());
}

World::~World() {
    store.reset();
    location.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
}

std::string World::code_at_step(std::uint64_t step) {
    auto value = key.hotp(step);
    if (!value) fail_msg("hotp failed");
    return std::string(value->view());
}

std::uint64_t World::step_now() { return static_cast<std::uint64_t>(clock.time / 30); }

std::string World::code(std::int64_t offset_steps) {
    return code_at_step(static_cast<std::uint64_t>(static_cast<std::int64_t>(step_now()) +
                                                   offset_steps));
}

void World::set_pin(const std::string& pin, std::uint64_t step, const Argon2Settings& params) {
    auto hash = otp::hash_pin(otp::Argon2Params{params.memory_kib, params.iterations,
                                                params.parallelism},
                              pin);
    if (!hash) fail_msg("hash_pin failed: %d", hash.error());
    StepAcceptance acceptance;
    acceptance.login = the_login;
    acceptance.serial = the_serial;
    acceptance.step = step;
    acceptance.now = clock.time;
    acceptance.login_succeeded = true;
    acceptance.new_pin_hash = hash.value();
    auto verdict = must(store->accept_step(acceptance), "accept_step");
    assert_true(verdict == StepVerdict::accepted);
    secrets.push_back(pin);
}

void World::answer(const std::string& text, std::int64_t wait, std::function<void()> meanwhile) {
    prompter.answers.push_back(Answer{text, wait, std::move(meanwhile)});
    if (text.size() >= 4) secrets.push_back(text);
}

// A new login's context, with the prompter's records cleared.
LoginContext World::next_login(const std::string& login) {
    prompter.prompts.clear();
    prompter.infos.clear();
    prompter.errors.clear();
    prompter.events.clear();
    ++logins_run;
    LoginContext context;
    context.login = login;
    context.service = "sshd";
    context.remote_host = "192.0.2.7";
    return context;
}

ForwardedLogin World::login_forwarded(const std::string& typed, const std::string& login) {
    LoginContext context = next_login(login);
    secrets.push_back(typed);
    return run_forwarded_login(config, context, typed, prompter, clock, logger,
                               static_cast<unsigned>(getuid()));
}

LoginResult World::login(std::optional<std::string> first_pass, const std::string& login) {
    LoginContext context = next_login(login);
    if (first_pass) {
        secrets.push_back(*first_pass);
        context.first_pass = otp::SecretString(*first_pass);
    }
    return run_login(config, context, prompter, clock, logger,
                     static_cast<unsigned>(getuid()));
}

StoreOptions World::store_options() const {
    StoreOptions options;
    options.path = config.store;
    options.key_file = config.key_file;
    options.trusted_owner = static_cast<unsigned>(getuid());
    return options;
}

Store World::open_store() { return must(Store::open(store_options()), "Store::open"); }

UserRecord World::user() { return must(store->get_user(the_login), "get_user"); }
TokenRecord World::token() { return must(store->get_token(the_serial), "get_token"); }

std::vector<AuditEntry> World::login_audit() {
    std::vector<AuditEntry> rows;
    for (auto& row : must(store->audit(AuditFilter{}), "audit"))
        if (row.event == "login") rows.push_back(std::move(row));
    return rows;
}

// The outcome and reason, one audit row per login run (the last one saying
// the same), and one log line carrying them.
void World::expect(const LoginResult& result, LoginOutcome outcome, const std::string& reason) {
    if (result.outcome != outcome || result.reason != reason)
        fail_msg("expected %s \"%s\", got %s \"%s\"", std::string(to_string(outcome)).c_str(),
                 reason.c_str(), std::string(to_string(result.outcome)).c_str(),
                 result.reason.c_str());
    const auto rows = login_audit();
    assert_int_equal(rows.size(), logins_run);
    bool found = false;
    for (const auto& row : rows)
        found = found || (row.outcome == to_string(outcome) && row.reason == reason &&
                          row.service == "sshd" && row.remote_host == "192.0.2.7");
    if (!found) fail_msg("no audit row with outcome %s \"%s\"",
                         std::string(to_string(outcome)).c_str(), reason.c_str());
    assert_false(logger.lines.empty());
    const std::string& line = logger.lines.back();
    const std::string wanted = "outcome=" + std::string(to_string(outcome)) + " reason=" + reason;
    if (line.find(wanted) == std::string::npos || line.find("service=sshd rhost=192.0.2.7") ==
                                                       std::string::npos)
        fail_msg("log line \"%s\" lacks \"%s\"", line.c_str(), wanted.c_str());
    expect_no_secret_leaked();
}

void World::expect_no_secret_leaked() {
    std::vector<std::string> texts = logger.lines;
    for (const auto& row : must(store->audit(AuditFilter{}), "audit")) {
        texts.push_back(row.login + "|" + row.serial + "|" + row.service + "|" +
                        row.remote_host + "|" + row.event + "|" + row.outcome + "|" +
                        row.reason);
    }
    for (const auto& text : texts)
        for (const auto& secret_text : secrets)
            if (text.find(secret_text) != std::string::npos)
                fail_msg("secret \"%s\" leaked into \"%s\"", secret_text.c_str(), text.c_str());
}

World& world(void** state) { return *static_cast<World*>(*state); }

int setup_world(void** state) {
    *state = new World();
    return 0;
}

int setup_world_with_pin(void** state) {
    auto* w = new World();
    *state = w;
    // A login 10 minutes before t0 accepted that step.
    w->set_pin(the_pin, w->step_now() - 20);
    return 0;
}

int teardown_world(void** state) {
    delete static_cast<World*>(*state);
    return 0;
}

}  // namespace okey::test
