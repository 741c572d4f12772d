// SPDX-License-Identifier: Apache-2.0
// tests/engine/test_forward_pass.cpp — forward_pass (DESIGN.md §10): one text,
// the password followed by PIN + code, from a single-field client. PIN + code
// are found at the end for every PIN length the policy allows, with one
// failure charged; on success the password comes back for the next module.
#include "harness.hpp"

using namespace okey;
using namespace okey::test;

namespace {

const std::string password = "Mot de passe 2024";

void expect_password(const ForwardedLogin& login, const std::string& expected) {
    if (login.password.view() != expected)
        fail_msg("password \"%s\", expected \"%s\"", std::string(login.password.view()).c_str(),
                 expected.c_str());
}

// Every PIN length the policy allows, after passwords that end in digits or
// are empty; one prompt-free round, the counter cleared.
void every_pin_length(void** state) {
    World& w = world(state);
    w.secrets.push_back(password);
    for (const std::string pin : {"4826", "48261", "482619"}) {
        w.clock.time += 30;
        w.set_pin(pin, w.step_now());
        for (const std::string& before : {password, std::string("pass1234"), std::string()}) {
            w.clock.time += 30;
            const ForwardedLogin login = w.login_forwarded(before + pin + w.code());
            w.expect(login.result, LoginOutcome::success, "passcode accepted");
            expect_password(login, before);
            assert_true(w.prompter.events.empty());
            assert_int_equal(w.user().failures, 0);
        }
    }
}

void wrong_passcodes_charge_once(void** state) {
    World& w = world(state);
    w.config.lockout.max_failures = 10;
    const std::vector<std::string> attempts = {
        password + "1397" + w.code(),       // wrong PIN
        password + the_pin + w.code(1000),  // wrong code
        password + "4826" + "99" + w.code(), // the PIN not at the end
        the_pin,                            // too short for any split
        password + the_pin + "12345x",      // not a code at the end
    };
    const std::vector<std::string> reasons = {"wrong passcode", "wrong passcode", "wrong passcode",
                                              "malformed passcode", "malformed passcode"};
    for (std::size_t i = 0; i < attempts.size(); ++i) {
        const ForwardedLogin login = w.login_forwarded(attempts[i]);
        w.expect(login.result, LoginOutcome::refused, reasons[i]);
        assert_true(login.password.empty());
        assert_true(w.prompter.events.empty());
        // Three PIN lengths tried, one failure charged.
        assert_int_equal(w.user().failures, i + 1);
    }
    // The right one still works, and clears the counter.
    const ForwardedLogin login = w.login_forwarded(password + the_pin + w.code());
    w.expect(login.result, LoginOutcome::success, "passcode accepted");
    expect_password(login, password);
    assert_int_equal(w.user().failures, 0);
    // Replayed: refused.
    w.expect(w.login_forwarded("autre" + std::string(the_pin) + w.code()).result, LoginOutcome::refused,
             "replayed code");
}

void nothing_real_to_check(void** state) {
    World& w = world(state);
    const std::string typed = password + the_pin + w.code();
    ForwardedLogin login = w.login_forwarded(typed, "nobody");
    w.expect(login.result, LoginOutcome::refused, "unknown login");
    assert_true(login.password.empty());
    // A login in new-PIN mode: one field cannot answer its questions.
    World fresh;
    login = fresh.login_forwarded(typed);
    fresh.expect(login.result, LoginOutcome::refused, "new-PIN mode needs a conversation");
    assert_true(fresh.prompter.events.empty());
    assert_true(fresh.user().pin_state == PinState::new_pin_required);
    assert_int_equal(fresh.user().failures, 0);
    assert_false(fresh.token().last_step.has_value());
    // A lost key: its code is recognised (DESIGN.md §12), refused and charged.
    must(w.store->mark_lost(the_serial, Act{w.clock.time, "lost"}), "mark_lost");
    login = w.login_forwarded(typed);
    w.expect(login.result, LoginOutcome::refused, "lost key used, PIN right");
    assert_string_equal(login.result.serial.c_str(), the_serial);
    assert_true(login.password.empty());
    assert_int_equal(w.user().failures, 1);
    // Anything else from a login without a key: the plain refusal.
    w.expect(w.login_forwarded(password + the_pin + w.code(1000)).result, LoginOutcome::refused, "no key");
    assert_int_equal(w.user().failures, 2);
}

void lock_and_drift(void** state) {
    World& w = world(state);
    const Texts& t = w.config.texts;
    // A drifted key: the next-code question is asked as usual.
    const std::uint64_t s0 = w.step_now();
    w.answer(w.code_at_step(s0 + 3), 30);
    ForwardedLogin login = w.login_forwarded(password + the_pin + w.code(2));
    w.expect(login.result, LoginOutcome::success, "next code accepted, drift recorded");
    expect_password(login, password);
    assert_true(w.prompter.prompts ==
                std::vector<std::string>({t.next_code_reason + " " + t.next_code}));
    // Locked: told after the key's right code, whatever the PIN.
    w.config.lockout.max_failures = 2;
    w.clock.time += 60;
    for (int i = 0; i < 2; ++i) (void)w.login_forwarded(password + "1397" + w.code(1000));
    w.clock.time += 120;
    login = w.login_forwarded(password + "1397" + w.code(2));  // the drift recorded above
    w.expect(login.result, LoginOutcome::locked, "login locked");
    assert_true(login.password.empty());
    assert_true(w.prompter.events == std::vector<std::string>({"error:" + t.login_locked}));
}

void remote_backend_is_refused(void** state) {
    World& w = world(state);
    w.config.backend = BackendKind::remote;
    w.config.remote.urls = {"https://127.0.0.1:1"};
    const ForwardedLogin login = w.login_forwarded(password + the_pin + w.code());
    assert_int_equal(static_cast<int>(login.result.outcome),
                     static_cast<int>(LoginOutcome::service_error));
    assert_non_null(strstr(w.logger.lines.back().c_str(), "forward_pass needs backend"));
    assert_true(login.password.empty());
    assert_int_equal(w.user().failures, 0);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_pin_length, setup_world, teardown_world),
        cmocka_unit_test_setup_teardown(wrong_passcodes_charge_once, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(nothing_real_to_check, setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(lock_and_drift, setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(remote_backend_is_refused, setup_world_with_pin,
                                        teardown_world),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
