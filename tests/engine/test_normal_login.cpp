// SPDX-License-Identifier: Apache-2.0
// tests/engine/test_normal_login.cpp — the normal passcode flow (DESIGN.md
// §4.1), the ±window edges, next-code mode (§4.3), PIN hash upgrade, stacking
// (use_first_pass / try_first_pass), conversation failures, language.
#include "harness.hpp"

using namespace okey;
using namespace okey::test;

namespace {

std::string passcode(World& w, std::int64_t offset_steps = 0) {
    return std::string(the_pin) + w.code(offset_steps);
}

void expect_one_prompt_no_message(World& w) {
    assert_int_equal(w.prompter.prompts.size(), 1);
    assert_string_equal(w.prompter.prompts[0].c_str(), w.config.texts.passcode.c_str());
    assert_true(w.prompter.infos.empty());
    assert_true(w.prompter.errors.empty());
}

void normal_success(void** state) {
    World& w = world(state);
    w.answer(passcode(w));
    const LoginResult result = w.login();
    w.expect(result, LoginOutcome::success, "passcode accepted");
    assert_string_equal(w.config.texts.passcode.c_str(), "Passcode OTP : ");
    expect_one_prompt_no_message(w);
    assert_string_equal(result.serial.c_str(), the_serial);
    const TokenRecord token = w.token();
    assert_true(token.last_step.has_value());
    assert_int_equal(*token.last_step, w.step_now());
    assert_true(token.last_login.has_value());
    assert_int_equal(*token.last_login, t0);
    assert_int_equal(w.user().failures, 0);
    // The log line names login, serial, service and remote host.
    assert_non_null(strstr(w.logger.lines.back().c_str(),
                           "login=jdupont serial=OK0001 service=sshd rhost=192.0.2.7"));
}

// Wrong PIN, wrong code, both wrong: the same refusal, the same screens.
void wrong_parts_look_the_same(void** state) {
    World& w = world(state);
    const std::vector<std::string> attempts = {
        std::string("1397") + w.code(),         // wrong PIN
        std::string(the_pin) + w.code(1000),    // wrong code (far outside every window)
        std::string("1397") + w.code(1000),     // both
    };
    std::vector<std::string> first_events;
    unsigned failures = 0;
    for (const auto& attempt : attempts) {
        w.answer(attempt);
        w.expect(w.login(), LoginOutcome::refused, "wrong passcode");
        expect_one_prompt_no_message(w);
        if (first_events.empty()) first_events = w.prompter.events;
        assert_true(w.prompter.events == first_events);
        assert_int_equal(w.user().failures, ++failures);
    }
    // A right passcode still works and clears the counter.
    w.answer(passcode(w));
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
    assert_int_equal(w.user().failures, 0);
}

void malformed_passcode_is_charged(void** state) {
    World& w = world(state);
    for (const std::string bad : {"48x6123456", "482123456", "", "4826123456789012345678901"}) {
        w.answer(bad);
        w.expect(w.login(), LoginOutcome::refused, "malformed passcode");
        expect_one_prompt_no_message(w);
    }
    assert_int_equal(w.user().failures, 4);
}

void replayed_code_is_refused(void** state) {
    World& w = world(state);
    const std::string used = passcode(w);
    w.answer(used);
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
    w.answer(used, 5);
    w.expect(w.login(), LoginOutcome::refused, "replayed code");
    expect_one_prompt_no_message(w);
    // An earlier code inside the window is a replay too.
    w.answer(passcode(w, -1));
    w.expect(w.login(), LoginOutcome::refused, "replayed code");
}

// window = 1: steps -1 and +1 pass outright.
void window_edges_accepted(void** state) {
    World& w = world(state);
    w.answer(passcode(w, -1));
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
    assert_int_equal(*w.token().last_step, w.step_now() - 1);
    w.answer(passcode(w, 1));
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
    assert_int_equal(*w.token().last_step, w.step_now() + 1);
    assert_int_equal(w.token().drift, 0);
}

std::string next_code_prompt(World& w) {
    return w.config.texts.next_code_reason + " " + w.config.texts.next_code;
}

// Step +2: outside the window, inside resync_window → next-code mode. The
// next code is given 30 s later: drift = (S+1) − step(then) = 3 − 1 = 2.
void next_code_mode_records_drift(void** state) {
    World& w = world(state);
    const std::uint64_t s0 = w.step_now();
    w.answer(passcode(w, 2));
    w.answer(w.code_at_step(s0 + 3), 30);
    w.expect(w.login(), LoginOutcome::success, "next code accepted, drift recorded");
    assert_int_equal(w.prompter.prompts.size(), 2);
    assert_string_equal(w.prompter.prompts[0].c_str(), w.config.texts.passcode.c_str());
    assert_string_equal(w.prompter.prompts[1].c_str(), next_code_prompt(w).c_str());
    assert_non_null(strstr(w.prompter.prompts[1].c_str(), "code suivant"));
    TokenRecord token = w.token();
    assert_int_equal(token.drift, 2);
    assert_int_equal(*token.last_step, s0 + 3);
    assert_int_equal(w.user().failures, 0);

    // Later logins use the drift: +2 now passes at the first prompt …
    w.clock.time = t0 + 600;
    w.answer(passcode(w, 2));
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
    expect_one_prompt_no_message(w);
    // … and +3 (drift + 1) too.
    w.clock.time = t0 + 660;
    w.answer(passcode(w, 3));
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
    assert_int_equal(w.token().drift, 2);
}

// Step −2 is just outside the window on the other side.
void next_code_mode_below_window(void** state) {
    World& w = world(state);
    const std::uint64_t s0 = w.step_now();
    w.answer(passcode(w, -2));
    w.answer(w.code_at_step(s0 - 1));
    w.expect(w.login(), LoginOutcome::success, "next code accepted, drift recorded");
    assert_int_equal(w.prompter.prompts.size(), 2);
    assert_int_equal(w.token().drift, -1);
}

void next_code_wrong_is_refused(void** state) {
    World& w = world(state);
    const std::uint64_t s0 = w.step_now();
    w.answer(passcode(w, 2));
    w.answer(w.code_at_step(s0 + 2));  // the same code again, not the next one
    w.expect(w.login(), LoginOutcome::refused, "next code wrong");
    assert_int_equal(w.prompter.prompts.size(), 2);
    assert_int_equal(w.user().failures, 1);
    assert_int_equal(w.token().drift, 0);
    // A PIN + code as the "next code" is wrong too.
    w.answer(passcode(w, 4));
    w.answer(passcode(w, 5));
    w.expect(w.login(), LoginOutcome::refused, "next code wrong");
    assert_int_equal(w.user().failures, 2);
}

// A PIN reset during an open prompt ends the login that proved the old PIN
// (issue 15): here the PIN was proven at the first prompt, and while the next
// code is asked the administrator resets it and a new one is chosen elsewhere.
void pin_changed_during_the_next_code_prompt(void** state) {
    World& w = world(state);
    const std::uint64_t s0 = w.step_now();
    w.answer(passcode(w, 2));
    w.answer(w.code_at_step(s0 + 3), 30, [&] {
        must(w.store->reset_pin(the_login, Act{w.clock.time, "PIN vu par un tiers"}), "reset_pin");
        w.set_pin("9173", s0 - 10);  // new-PIN mode, in another session
    });
    w.expect(w.login(), LoginOutcome::refused, "PIN changed during login");
    assert_int_equal(*w.token().last_step, s0 - 10);
    assert_int_equal(w.token().drift, 0);
    assert_int_equal(otp::verify_pin(w.user().pin_hash, "9173"), OKEY_OTP_OK);
}

// The same while the typed passcode is being checked: the login read the old
// PIN hash for this answer, then the PIN changed before the step was
// accepted. The accepting transaction sees it.
void pin_changed_while_the_passcode_is_checked(void** state) {
    World& w = world(state);
    const std::uint64_t s0 = w.step_now();
    auto reset_and_choose = [&] {
        must(w.store->reset_pin(the_login, Act{w.clock.time, "PIN vu par un tiers"}), "reset_pin");
        w.set_pin("9173", s0 - 10);
    };
    w.answer(passcode(w), 0, [&] { w.clock.on_next_read = reset_and_choose; });
    w.expect(w.login(), LoginOutcome::refused, "PIN changed during login");
    assert_int_equal(*w.token().last_step, s0 - 10);
    assert_int_equal(otp::verify_pin(w.user().pin_hash, "9173"), OKEY_OTP_OK);
    // A reset alone (the login back in new-PIN mode) stops it too.
    w.answer("9173" + w.code(), 0, [&] {
        w.clock.on_next_read = [&] {
            must(w.store->reset_pin(the_login, Act{w.clock.time, "again"}), "reset_pin");
        };
    });
    w.expect(w.login(), LoginOutcome::refused, "PIN changed during login");
    assert_true(w.user().pin_state == PinState::new_pin_required);
    assert_int_equal(*w.token().last_step, s0 - 10);
}

void wrong_pin_with_drifted_code_gets_no_second_prompt(void** state) {
    World& w = world(state);
    w.answer(std::string("1397") + w.code(2));
    w.expect(w.login(), LoginOutcome::refused, "wrong passcode");
    expect_one_prompt_no_message(w);
}

void rehash_when_parameters_change(void** state) {
    World& w = world(state);
    const std::string old_hash = w.user().pin_hash;
    assert_non_null(strstr(old_hash.c_str(), "m=64,"));
    w.config.pin.argon2 = Argon2Settings{128, 1, 1};
    w.answer(passcode(w));
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
    const std::string new_hash = w.user().pin_hash;
    assert_non_null(strstr(new_hash.c_str(), "m=128,"));
    assert_int_equal(otp::verify_pin(new_hash, the_pin), OKEY_OTP_OK);
    // Same parameters next time: left alone.
    w.clock.time += 60;
    w.answer(passcode(w));
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
    assert_string_equal(w.user().pin_hash.c_str(), new_hash.c_str());
}

void english_texts(void** state) {
    World& w = world(state);
    must(apply_module_argument(w.config, "lang=en"), "lang=en");
    const Texts english = default_texts(Language::en, 4, 6);
    assert_string_equal(w.config.texts.passcode.c_str(), english.passcode.c_str());
    assert_string_not_equal(english.passcode.c_str(), "Passcode OTP : ");
    w.answer(passcode(w, 2));
    w.answer(w.code(3), 30);
    w.expect(w.login(), LoginOutcome::success, "next code accepted, drift recorded");
    assert_string_equal(w.prompter.prompts[0].c_str(), english.passcode.c_str());
    assert_string_equal(w.prompter.prompts[1].c_str(),
                        (english.next_code_reason + " " + english.next_code).c_str());
}

void use_first_pass(void** state) {
    World& w = world(state);
    w.config.use_first_pass = true;
    w.expect(w.login(), LoginOutcome::refused, "no passcode from earlier module");
    assert_true(w.prompter.events.empty());
    w.expect(w.login(std::string("1397") + w.code()), LoginOutcome::refused, "wrong passcode");
    assert_true(w.prompter.events.empty());
    w.expect(w.login(passcode(w)), LoginOutcome::success, "passcode accepted");
    assert_true(w.prompter.events.empty());
}

void try_first_pass(void** state) {
    World& w = world(state);
    w.config.try_first_pass = true;
    // Right: no prompt.
    w.expect(w.login(passcode(w)), LoginOutcome::success, "passcode accepted");
    assert_true(w.prompter.events.empty());
    // Wrong: asked once, normally.
    w.clock.time += 30;
    w.answer(passcode(w));
    w.expect(w.login(std::string("1397") + w.code()), LoginOutcome::success, "passcode accepted");
    expect_one_prompt_no_message(w);
    // Wrong twice: refused after the one prompt.
    w.clock.time += 30;
    w.answer(std::string("1398") + w.code());
    w.expect(w.login(std::string("1397") + w.code()), LoginOutcome::refused, "wrong passcode");
    expect_one_prompt_no_message(w);
    assert_int_equal(w.user().failures, 2);
    // None given: asked.
    w.answer(passcode(w));
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
    expect_one_prompt_no_message(w);
}

void conversation_failure(void** state) {
    World& w = world(state);
    w.expect(w.login(), LoginOutcome::refused, "conversation failed");
    assert_int_equal(w.prompter.prompts.size(), 1);
    assert_int_equal(w.user().failures, 0);
    // Failing at the next-code prompt.
    w.answer(passcode(w, 2));
    w.expect(w.login(), LoginOutcome::refused, "conversation failed");
    assert_int_equal(w.prompter.prompts.size(), 2);
}

void exception_is_a_service_error(void** state) {
    World& w = world(state);
    w.prompter.throw_on_ask = true;
    const LoginResult result = w.login();
    assert_int_equal(static_cast<int>(result.outcome),
                     static_cast<int>(LoginOutcome::service_error));
    assert_non_null(strstr(result.reason.c_str(), "internal error"));
    assert_non_null(strstr(w.logger.lines.back().c_str(), "outcome=service_error"));
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(normal_success, setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(wrong_parts_look_the_same, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(malformed_passcode_is_charged, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(replayed_code_is_refused, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(window_edges_accepted, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(next_code_mode_records_drift, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(next_code_mode_below_window, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(next_code_wrong_is_refused, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(pin_changed_during_the_next_code_prompt,
                                        setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(pin_changed_while_the_passcode_is_checked,
                                        setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(wrong_pin_with_drifted_code_gets_no_second_prompt,
                                        setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(rehash_when_parameters_change, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(english_texts, setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(use_first_pass, setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(try_first_pass, setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(conversation_failure, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(exception_is_a_service_error, setup_world_with_pin,
                                        teardown_world),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
