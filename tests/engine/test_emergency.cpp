// SPDX-License-Identifier: Apache-2.0
// tests/engine/test_emergency.cpp — emergency codes and lost keys in the
// login flows (DESIGN.md §12), over a real store on either backend: PIN + an
// emergency code logs in once, with the key lost or still assigned, typed or
// forwarded, in this process or resumed in another; a wrong PIN, a used or
// expired code is a plain refusal charged to the lockout; a locked login
// hears "locked" only after a right code (burnt); the passcodes that read
// both ways (a 6-digit PIN + a key's code, a 4-digit PIN + an emergency
// code) log in either way; two logins racing with one code: one wins. A
// lost key's code is refused like any other, logged at warning level with
// its serial, and audited.
#include "harness.hpp"

#include "engine/local/login_flow.hpp"
#include "engine/texts.hpp"

#include <atomic>
#include <thread>

using namespace okey;
using namespace okey::test;

namespace {

std::vector<std::string> issue(World& w, unsigned count = 3, unsigned days = 3,
                               const std::string& login = the_login) {
    auto codes = must(w.store->issue_emergency_codes(login, count, days, Act{w.clock.time, ""}),
                      "issue_emergency_codes");
    std::vector<std::string> out;
    for (const auto& c : codes) {
        out.emplace_back(c.view());
        w.secrets.emplace_back(c.view());
    }
    return out;
}

void expect_generic_screens(World& w) {
    const std::vector<std::string> expected = {"ask:" + w.config.texts.passcode};
    if (w.prompter.events != expected) fail_msg("screens differ from a plain refusal");
}

unsigned emergency_left(World& w) {
    return must(w.store->emergency_status(the_login, w.clock.time), "emergency_status").left;
}

// The key lost: PIN + an emergency code logs in, once.
void key_lost_then_emergency_code(void** state) {
    World& w = world(state);
    must(w.store->mark_lost(the_serial, Act{t0, "perdue"}), "mark_lost");
    const auto codes = issue(w);
    w.answer(std::string(the_pin) + codes[0]);
    const LoginResult result = w.login();
    w.expect(result, LoginOutcome::success, "emergency code accepted");
    assert_true(result.serial.empty());
    expect_generic_screens(w);
    assert_int_equal(emergency_left(w), 2);
    // The same code again: a plain refusal, charged.
    w.answer(std::string(the_pin) + codes[0]);
    w.expect(w.login(), LoginOutcome::refused, "no key");
    expect_generic_screens(w);
    assert_int_equal(w.user().failures, 1);
    // Another code of the batch logs in, and clears the failures.
    w.answer(std::string(the_pin) + codes[1]);
    w.expect(w.login(), LoginOutcome::success, "emergency code accepted");
    assert_int_equal(w.user().failures, 0);
}

// The key at home: an emergency code works beside it, the key's step untouched.
void key_forgotten_then_emergency_code(void** state) {
    World& w = world(state);
    const auto codes = issue(w, 1);
    const auto before = w.token().last_step;
    w.answer(std::string(the_pin) + codes[0]);
    w.expect(w.login(), LoginOutcome::success, "emergency code accepted");
    assert_true(w.token().last_step == before);
    assert_string_equal(w.login_audit().back().serial.c_str(), the_serial);
    // The key still works as before.
    w.answer(std::string(the_pin) + w.code());
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
}

void wrong_pin_used_and_expired_codes_refused(void** state) {
    World& w = world(state);
    w.config.lockout.max_failures = 10;
    const auto codes = issue(w, 2, 1);
    // A wrong PIN: refused, the code stays usable.
    w.answer("1397" + codes[0]);
    w.expect(w.login(), LoginOutcome::refused, "wrong passcode");
    expect_generic_screens(w);
    assert_int_equal(emergency_left(w), 2);
    assert_int_equal(w.user().failures, 1);
    // Expired: a day later, refused; the other code too.
    w.clock.time += 86400;
    w.answer(std::string(the_pin) + codes[1]);
    w.expect(w.login(), LoginOutcome::refused, "wrong passcode");
    assert_int_equal(emergency_left(w), 0);
    assert_int_equal(w.user().failures, 2);
}

void locked_login_told_after_a_right_code(void** state) {
    World& w = world(state);
    w.config.lockout.max_failures = 2;
    const auto codes = issue(w, 2);
    for (int i = 0; i < 2; ++i) {
        w.answer("1397" + w.code(1000));
        w.expect(w.login(), LoginOutcome::refused, "wrong passcode");
    }
    // A wrong emergency code while locked: generic.
    w.answer(std::string(the_pin) + "12345678");
    w.expect(w.login(), LoginOutcome::refused, "login locked, code not proven");
    expect_generic_screens(w);
    // A right one, with a WRONG PIN: told, and burnt (the PIN is not judged
    // during a lock, so the answer tells nothing of it).
    w.answer("1397" + codes[0]);
    w.expect(w.login(), LoginOutcome::locked, "login locked");
    assert_true(w.prompter.events == std::vector<std::string>({"ask:" + w.config.texts.passcode,
                                                               "error:" +
                                                                   w.config.texts.login_locked}));
    assert_int_equal(emergency_left(w), 1);
    // Once the lock is over the other code logs in.
    w.clock.time += 901;
    w.answer(std::string(the_pin) + codes[1]);
    w.expect(w.login(), LoginOutcome::success, "emergency code accepted");
}

// 12 digits read both ways: a 6-digit PIN + the key's code, or a 4-digit
// PIN + an emergency code. Each logs in the way it was meant.
void twelve_digits_read_both_ways(void** state) {
    World& w = world(state);
    // Under the 6-digit PIN the passcode of the key.
    w.set_pin("482613", w.step_now() - 10);
    const auto codes = issue(w, 2);
    w.answer("482613" + w.code());
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
    // The same PIN length can only carry an emergency code in 14 digits.
    w.answer("482613" + codes[0]);
    w.expect(w.login(), LoginOutcome::success, "emergency code accepted");
    // Under a 4-digit PIN the same 12 digits are PIN + an emergency code.
    w.clock.time += 60;
    w.set_pin("4826", w.step_now());
    w.answer("4826" + codes[1]);
    w.expect(w.login(), LoginOutcome::success, "emergency code accepted");
    // And a 10-digit passcode stays the key's.
    w.clock.time += 30;
    w.answer("4826" + w.code());
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
}

// An 8-digit key: its passcode and an emergency passcode have the same shape.
void eight_digit_key(void** state) {
    World& w = world(state);
    must(w.store->mark_lost(the_serial, Act{t0, ""}), "mark_lost");
    KeySpec spec{"OK8", KeyKind::hardware, OKEY_OTP_SHA1, 8, 30, "", ""};
    must(w.store->add_token(spec, w.secret, Act{t0, ""}), "add_token");
    must(w.store->assign("OK8", the_login, Act{t0, ""}), "assign");
    auto key8 = otp::Key::make(w.secret, OKEY_OTP_SHA1, 8, 30);
    assert_true(key8.ok());
    const auto codes = issue(w, 1);
    w.answer(std::string(the_pin) + codes[0]);
    w.expect(w.login(), LoginOutcome::success, "emergency code accepted");
    auto code8 = key8->totp(w.clock.time);
    assert_true(code8.ok());
    w.answer(std::string(the_pin) + std::string(code8->view()));
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
}

void forwarded_text_with_an_emergency_code(void** state) {
    World& w = world(state);
    must(w.store->mark_lost(the_serial, Act{t0, ""}), "mark_lost");
    const auto codes = issue(w, 1);
    const ForwardedLogin login =
        w.login_forwarded(std::string("Mot de passe 2024") + the_pin + codes[0]);
    w.expect(login.result, LoginOutcome::success, "emergency code accepted");
    assert_true(login.password.view() == "Mot de passe 2024");
}

// okeyd's way: the question asked in one process, the answer taken in another.
void resumed_in_another_process(void** state) {
    World& w = world(state);
    must(w.store->mark_lost(the_serial, Act{t0, ""}), "mark_lost");
    const auto codes = issue(w, 1);
    const Texts texts = compose_texts(w.config);
    LoginContext context;
    context.login = the_login;
    std::string saved;
    {
        Store first = w.open_store();
        LoginFlow flow(w.config, first, w.clock, w.logger);
        FlowRound round = flow.start(context, texts);
        assert_false(round.finished());
        saved = flow.saved();
    }
    Store second = w.open_store();
    LoginFlow flow(w.config, second, w.clock, w.logger);
    FlowRound round = flow.resume(saved, the_login, std::string(the_pin) + codes[0], texts);
    assert_true(round.finished());
    assert_true(round.result.outcome == LoginOutcome::success);
    assert_string_equal(round.result.reason.c_str(), "emergency code accepted");
    // A key assigned since the question: the state is stale.
    const auto more = issue(w, 1);
    {
        LoginFlow again(w.config, second, w.clock, w.logger);
        assert_false(again.start(context, texts).finished());
        saved = again.saved();
    }
    must(w.store->add_token(KeySpec{"OK0003", KeyKind::hardware, OKEY_OTP_SHA1, 6, 30, "", ""},
                            w.secret, Act{t0, ""}),
         "add_token");
    must(w.store->assign("OK0003", the_login, Act{t0, ""}), "assign");
    LoginFlow late(w.config, second, w.clock, w.logger);
    round = late.resume(saved, the_login, std::string(the_pin) + more[0], texts);
    assert_string_equal(round.result.reason.c_str(), "key changed during login");
}

// Parallel logins with one emergency code: exactly one succeeds.
void racing_logins_one_success(void** state) {
    World& w = world(state);
    w.config.lockout.max_failures = 100;
    for (int round = 0; round < 5; ++round) {
        const auto codes = issue(w, 1);
        std::atomic<int> successes{0}, refusals{0};
        std::vector<std::thread> logins;
        for (int i = 0; i < 4; ++i)
            logins.emplace_back([&] {
                ScriptedPrompter prompter(w.clock);
                prompter.answers.push_back(Answer{std::string(the_pin) + codes[0], 0});
                NullLogger quiet;
                LoginContext context;
                context.login = the_login;
                context.service = "sshd";
                const LoginResult r = run_login(w.config, context, prompter, w.clock, quiet,
                                                static_cast<unsigned>(getuid()));
                (r.outcome == LoginOutcome::success ? successes : refusals)++;
            });
        for (auto& t : logins) t.join();
        assert_int_equal(successes.load(), 1);
        assert_int_equal(refusals.load(), 3);
    }
}

// A lost key's code, typed for the login it was lost by: refused like any
// wrong passcode, logged at warning level naming it, audited with it.
void lost_key_used(void** state) {
    World& w = world(state);
    must(w.store->mark_lost(the_serial, Act{t0, "volée"}), "mark_lost");
    w.answer(std::string(the_pin) + w.code());
    LoginResult result = w.login();
    w.expect(result, LoginOutcome::refused, "lost key used, PIN right");
    expect_generic_screens(w);
    assert_string_equal(result.serial.c_str(), the_serial);
    assert_true(w.logger.levels.back() == LogLevel::warning);
    assert_true(w.logger.lines.back().find("serial=" + std::string(the_serial)) != std::string::npos);
    assert_string_equal(w.login_audit().back().serial.c_str(), the_serial);
    assert_int_equal(w.user().failures, 1);
    w.answer("1397" + w.code());
    w.expect(w.login(), LoginOutcome::refused, "lost key used, PIN wrong");
    assert_true(w.logger.levels.back() == LogLevel::warning);
    // Any other wrong passcode is the usual refusal, at the usual level.
    w.answer(std::string(the_pin) + w.code(1000));
    w.expect(w.login(), LoginOutcome::refused, "no key");
    assert_true(w.logger.levels.back() == LogLevel::notice);
    // Typed for another login, the lost key is nobody's business.
    w.answer(std::string(the_pin) + w.code());
    w.expect(w.login(std::nullopt, "nobody"), LoginOutcome::refused, "unknown login");
    assert_true(w.logger.levels.back() == LogLevel::notice);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(key_lost_then_emergency_code, setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(key_forgotten_then_emergency_code, setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(wrong_pin_used_and_expired_codes_refused, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(locked_login_told_after_a_right_code, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(twelve_digits_read_both_ways, setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(eight_digit_key, setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(forwarded_text_with_an_emergency_code, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(resumed_in_another_process, setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(racing_logins_one_success, setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(lost_key_used, setup_world_with_pin, teardown_world),
    };
    return cmocka_run_group_tests_name(backend_name(), tests, nullptr, nullptr);
}
