// SPDX-License-Identifier: Apache-2.0
// tests/engine/test_new_pin_mode.cpp — new-PIN mode (DESIGN.md §4.2): code
// only, the new PIN twice (mismatch and policy re-asked, at most 3 times),
// then PIN + code at a strictly later step; the PIN is stored only then.
#include "harness.hpp"

#include "engine/texts.hpp"

using namespace okey;
using namespace okey::test;

namespace {

// The question of a 6-digit key's first login.
std::string first_prompt(const Texts& texts) {
    return fill_code_digits(texts.new_pin_intro, 6) + " " + texts.code_only;
}

void expect_prompts(World& w, const std::vector<std::string>& expected) {
    if (w.prompter.prompts != expected) {
        std::string got;
        for (const auto& p : w.prompter.prompts) got += "[" + p + "] ";
        fail_msg("unexpected prompts: %s", got.c_str());
    }
}

void expect_pin_not_stored(World& w) {
    const UserRecord user = w.user();
    assert_true(user.pin_state == PinState::new_pin_required);
    assert_true(user.pin_hash.empty());
}

void full_success(void** state) {
    World& w = world(state);
    const Texts& t = w.config.texts;
    // The French defaults of DESIGN.md §4.
    assert_string_equal(t.code_only.c_str(), "Code affiché sur votre clé OTP : ");
    assert_string_equal(t.new_pin.c_str(), "Saisissez votre nouveau code PIN (4 à 6 chiffres) : ");
    assert_string_equal(t.confirm_pin.c_str(), "Confirmez votre nouveau code PIN : ");
    assert_string_equal(t.new_pin_passcode.c_str(),
                        "Attendez que le code de votre clé change, puis saisissez votre passcode "
                        "(PIN + code) : ");
    assert_string_equal(first_prompt(t).c_str(),
                        "Première utilisation de votre clé OTP ou code PIN réinitialisé : saisissez "
                        "uniquement les 6 chiffres affichés sur votre clé, puis créez votre code PIN. "
                        "Code affiché sur votre clé OTP : ");
    const std::uint64_t s0 = w.step_now();
    w.answer(w.code());
    w.answer(the_pin);
    w.answer(the_pin);
    w.answer(the_pin + w.code_at_step(s0 + 1), 30);
    w.expect(w.login(), LoginOutcome::success, "new PIN set");
    expect_prompts(w, {first_prompt(t), t.new_pin, t.confirm_pin, t.new_pin_passcode});
    assert_true(w.prompter.errors.empty());
    assert_int_equal(w.prompter.infos.size(), 1);
    assert_string_equal(w.prompter.infos[0].c_str(), t.pin_saved.c_str());
    // The PIN is stored and set, the later step accepted, the counter clear.
    const UserRecord user = w.user();
    assert_true(user.pin_state == PinState::set);
    assert_int_equal(otp::verify_pin(user.pin_hash, the_pin), OKEY_OTP_OK);
    assert_non_null(strstr(user.pin_hash.c_str(), "m=64,"));
    assert_int_equal(user.failures, 0);
    assert_int_equal(*w.token().last_step, s0 + 1);
    // Normal mode afterwards.
    w.clock.time += 60;
    w.answer(the_pin + w.code());
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
    expect_prompts(w, {t.passcode});
}

void mismatch_is_asked_again(void** state) {
    World& w = world(state);
    const Texts& t = w.config.texts;
    const std::uint64_t s0 = w.step_now();
    w.answer(w.code());
    w.answer(the_pin);
    w.answer("4827");
    w.answer(the_pin);
    w.answer(the_pin);
    w.answer(the_pin + w.code_at_step(s0 + 1), 30);
    w.expect(w.login(), LoginOutcome::success, "new PIN set");
    expect_prompts(w, {first_prompt(t), t.new_pin, t.confirm_pin, t.new_pin, t.confirm_pin,
                       t.new_pin_passcode});
    assert_int_equal(w.prompter.errors.size(), 1);
    assert_string_equal(w.prompter.errors[0].c_str(), t.pin_mismatch.c_str());
    assert_int_equal(otp::verify_pin(w.user().pin_hash, the_pin), OKEY_OTP_OK);
}

void policy_is_asked_again(void** state) {
    World& w = world(state);
    const Texts& t = w.config.texts;
    const std::uint64_t s0 = w.step_now();
    w.answer(w.code());
    w.answer("48260193");  // too long
    w.answer("1234");      // trivial
    w.answer(the_pin);
    w.answer(the_pin);
    w.answer(the_pin + w.code_at_step(s0 + 1), 30);
    w.expect(w.login(), LoginOutcome::success, "new PIN set");
    expect_prompts(w, {first_prompt(t), t.new_pin, t.new_pin, t.new_pin, t.confirm_pin,
                       t.new_pin_passcode});
    assert_int_equal(w.prompter.errors.size(), 2);
    assert_string_equal(w.prompter.errors[0].c_str(), t.pin_invalid.c_str());
    assert_string_equal(w.prompter.errors[1].c_str(), t.pin_trivial.c_str());
}

void three_failures_refuse(void** state) {
    World& w = world(state);
    const Texts& t = w.config.texts;
    const std::uint64_t s0 = w.step_now();
    const std::string first_code = w.code();
    w.answer(first_code);
    w.answer("1111");
    w.answer("48x6");
    w.answer(the_pin);
    w.answer("4827");
    w.expect(w.login(), LoginOutcome::refused, "new PIN not chosen");
    expect_prompts(w, {first_prompt(t), t.new_pin, t.new_pin, t.new_pin, t.confirm_pin});
    assert_int_equal(w.prompter.errors.size(), 3);
    assert_string_equal(w.prompter.errors[2].c_str(), t.pin_mismatch.c_str());
    expect_pin_not_stored(w);
    // The first code was burned and one failure charged.
    assert_int_equal(*w.token().last_step, s0);
    assert_int_equal(w.user().failures, 1);
    w.answer(first_code);
    w.expect(w.login(), LoginOutcome::refused, "replayed code");
    expect_prompts(w, {first_prompt(t)});
}

void final_passcode_at_the_same_step_is_refused(void** state) {
    World& w = world(state);
    const std::string first_code = w.code();
    w.answer(first_code);
    w.answer(the_pin);
    w.answer(the_pin);
    w.answer(the_pin + first_code, 5);  // did not wait for the code to change
    w.expect(w.login(), LoginOutcome::refused, "replayed code");
    assert_int_equal(w.prompter.prompts.size(), 4);
    assert_true(w.prompter.infos.empty());
    expect_pin_not_stored(w);
}

// Two new-PIN dialogues at once: the one whose PIN the store took first
// wins; the other, checked meanwhile, does not overwrite it.
void pin_chosen_elsewhere_while_the_final_passcode_is_checked(void** state) {
    World& w = world(state);
    const std::uint64_t s0 = w.step_now();
    w.answer(w.code());
    w.answer(the_pin);
    w.answer(the_pin);
    w.answer(the_pin + w.code_at_step(s0 + 2), 30, [&] {
        w.clock.on_next_read = [&] { w.set_pin("9173", s0 + 1); };
    });
    w.expect(w.login(), LoginOutcome::refused, "PIN changed during login");
    assert_int_equal(otp::verify_pin(w.user().pin_hash, "9173"), OKEY_OTP_OK);
    assert_int_equal(*w.token().last_step, s0 + 1);
}

void final_passcode_with_wrong_pin_is_refused(void** state) {
    World& w = world(state);
    const std::uint64_t s0 = w.step_now();
    w.answer(w.code());
    w.answer(the_pin);
    w.answer(the_pin);
    w.answer("4827" + w.code_at_step(s0 + 1), 30);
    w.expect(w.login(), LoginOutcome::refused, "wrong passcode");
    expect_pin_not_stored(w);
    // Malformed (the code alone) is refused as well.
    w.clock.time += 30;
    w.answer(w.code());
    w.answer(the_pin);
    w.answer(the_pin);
    w.answer(w.code(1), 30);
    w.expect(w.login(), LoginOutcome::refused, "malformed passcode");
    expect_pin_not_stored(w);
}

void wrong_first_code_is_refused(void** state) {
    World& w = world(state);
    const Texts& t = w.config.texts;
    w.answer(w.code(1000));
    w.expect(w.login(), LoginOutcome::refused, "wrong code");
    expect_prompts(w, {first_prompt(t)});
    assert_int_equal(w.user().failures, 1);
    // A drifted first code is not enough either: next-code mode is not offered here.
    w.answer(w.code(3));
    w.expect(w.login(), LoginOutcome::refused, "wrong code");
    expect_prompts(w, {first_prompt(t)});
    // A PIN + code where the code alone is asked is malformed.
    w.answer(the_pin + w.code());
    w.expect(w.login(), LoginOutcome::refused, "malformed code");
    assert_int_equal(w.user().failures, 3);
    expect_pin_not_stored(w);
}

void stacking(void** state) {
    World& w = world(state);
    const Texts& t = w.config.texts;
    w.config.use_first_pass = true;
    w.expect(w.login(the_pin + w.code()), LoginOutcome::refused,
             "new-PIN mode needs a conversation");
    assert_true(w.prompter.events.empty());
    // try_first_pass: the earlier passcode is ignored; the mode asks.
    w.config.use_first_pass = false;
    w.config.try_first_pass = true;
    const std::uint64_t s0 = w.step_now();
    w.answer(w.code());
    w.answer(the_pin);
    w.answer(the_pin);
    w.answer(the_pin + w.code_at_step(s0 + 1), 30);
    w.expect(w.login(std::string("1397") + w.code()), LoginOutcome::success, "new PIN set");
    expect_prompts(w, {first_prompt(t), t.new_pin, t.confirm_pin, t.new_pin_passcode});
}

void conversation_failure_mid_way(void** state) {
    World& w = world(state);
    w.answer(w.code());
    w.answer(the_pin);
    w.answer(the_pin);
    w.expect(w.login(), LoginOutcome::refused, "conversation failed");
    assert_int_equal(w.prompter.prompts.size(), 4);
    expect_pin_not_stored(w);
    w.clock.time += 30;
    w.answer(w.code());
    w.answer(the_pin);
    w.expect(w.login(), LoginOutcome::refused, "conversation failed");
    assert_int_equal(w.prompter.prompts.size(), 3);
}

// Lock and expiry are told only after a right code, here as in normal mode.
void locked_and_expired_in_new_pin_mode(void** state) {
    World& w = world(state);
    const Texts& t = w.config.texts;
    w.config.lockout.max_failures = 2;
    for (int i = 0; i < 2; ++i) {
        w.answer(w.code(1000));
        w.expect(w.login(), LoginOutcome::refused, "wrong code");
    }
    w.answer(w.code(1000));
    w.expect(w.login(), LoginOutcome::refused, "login locked, code not proven");
    assert_true(w.prompter.errors.empty());
    w.answer(w.code());
    w.expect(w.login(), LoginOutcome::locked, "login locked");
    expect_prompts(w, {first_prompt(t)});
    assert_true(w.prompter.errors == std::vector<std::string>({t.login_locked}));
    must(w.store->unlock(the_login, Act{w.clock.time, "helpdesk"}), "unlock");
    must(w.store->set_expiry(the_serial, "2023-11-13", Act{w.clock.time, "ended"}), "set_expiry");
    w.answer(w.code(1000));
    w.expect(w.login(), LoginOutcome::refused, "wrong code");
    assert_true(w.prompter.errors.empty());
    w.answer(w.code(1));
    w.expect(w.login(), LoginOutcome::refused, "key expired");
    expect_prompts(w, {first_prompt(t)});
    assert_true(w.prompter.errors == std::vector<std::string>({t.key_expired}));
    expect_pin_not_stored(w);
}

void english_texts(void** state) {
    World& w = world(state);
    must(apply_module_argument(w.config, "lang=en"), "lang=en");
    const Texts english = default_texts(Language::en, 4, 6);
    const std::uint64_t s0 = w.step_now();
    w.answer(w.code());
    w.answer(the_pin);
    w.answer(the_pin);
    w.answer(the_pin + w.code_at_step(s0 + 1), 30);
    w.expect(w.login(), LoginOutcome::success, "new PIN set");
    expect_prompts(w, {first_prompt(english), english.new_pin, english.confirm_pin,
                       english.new_pin_passcode});
    assert_string_not_equal(english.code_only.c_str(), "Code affiché sur votre clé OTP : ");
    assert_string_equal(w.prompter.infos[0].c_str(), english.pin_saved.c_str());
}

// The first question says how many digits the key shows: 8 for an 8-digit
// key, in either language (the default text used to say 6 whatever the key).
void intro_says_the_keys_digits(void** state) {
    World& w = world(state);
    must(w.store->return_to_stock(the_serial, Act{t0, "swapped"}), "return_to_stock");
    must(w.store->add_token(KeySpec{"OK8", KeyKind::hardware, OKEY_OTP_SHA1, 8, 30, "", ""}, w.secret,
                            Act{t0, ""}),
         "add_token");
    must(w.store->assign("OK8", the_login, Act{t0, ""}), "assign");
    for (const Language language : {Language::fr, Language::en}) {
        w.config.language = language;
        w.config.texts = compose_texts(w.config);
        (void)w.login();  // no answer: the first question is enough
        assert_int_equal(w.prompter.prompts.size(), 1);
        const std::string& prompt = w.prompter.prompts[0];
        const char* expected = language == Language::fr ? "saisissez uniquement les 8 chiffres affichés"
                                                        : "enter only the 8 digits shown on your key";
        if (prompt.find(expected) == std::string::npos) fail_msg("first prompt: %s", prompt.c_str());
        assert_true(prompt.find("6 ") == std::string::npos);
    }
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(full_success, setup_world, teardown_world),
        cmocka_unit_test_setup_teardown(mismatch_is_asked_again, setup_world, teardown_world),
        cmocka_unit_test_setup_teardown(policy_is_asked_again, setup_world, teardown_world),
        cmocka_unit_test_setup_teardown(three_failures_refuse, setup_world, teardown_world),
        cmocka_unit_test_setup_teardown(final_passcode_at_the_same_step_is_refused, setup_world,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(pin_chosen_elsewhere_while_the_final_passcode_is_checked,
                                        setup_world, teardown_world),
        cmocka_unit_test_setup_teardown(final_passcode_with_wrong_pin_is_refused, setup_world,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(wrong_first_code_is_refused, setup_world, teardown_world),
        cmocka_unit_test_setup_teardown(stacking, setup_world, teardown_world),
        cmocka_unit_test_setup_teardown(conversation_failure_mid_way, setup_world,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(locked_and_expired_in_new_pin_mode, setup_world,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(english_texts, setup_world, teardown_world),
        cmocka_unit_test_setup_teardown(intro_says_the_keys_digits, setup_world, teardown_world),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
