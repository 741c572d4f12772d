// SPDX-License-Identifier: Apache-2.0
// tests/pam/test_pam_flows.cpp — every login flow of DESIGN.md §4 through the
// real pam_okey.so: the PAM code, the prompts' French texts (literally) and
// the store afterwards (last step, drift, failures, lock, PIN, audit).
#include "tests/pam/harness.hpp"

#include "engine/config.hpp"
#include "engine/texts.hpp"

#include <security/pam_appl.h>

#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <thread>

extern "C" {
#include <cmocka.h>
}

using namespace okey;
using namespace okey::test;

namespace {

// The French prompts of DESIGN.md §4, literally.
const std::string passcode_prompt = "Passcode OTP : ";
const std::string code_only_prompt = "Code affiché sur votre clé OTP : ";
const std::string new_pin_prompt = "Saisissez votre nouveau code PIN (4 à 6 chiffres) : ";
const std::string confirm_pin_prompt = "Confirmez votre nouveau code PIN : ";
const std::string new_pin_passcode_prompt =
    "Attendez que le code de votre clé change, puis saisissez votre passcode (PIN + code) : ";
const std::string next_code_prompt =
    "Attendez que le code de votre clé change, puis saisissez le code suivant : ";

const Texts french = default_texts(Language::fr, 4, 6);
// sshd shows an information message only with the next prompt: the reason
// for a code-only question is part of that question.
const std::string new_pin_first_prompt = fill_code_digits(french.new_pin_intro, 6) + " " + code_only_prompt;
const std::string drifted_prompt = french.next_code_reason + " " + next_code_prompt;

using World = PamWorld;
World* world = nullptr;

const std::string pin = "2580";

std::string passcode(const KeyFixture& key, std::int64_t offset = 0) {
    return pin + code_at(key.secret_base32, offset);
}

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

bool near_now(std::uint64_t step, std::int64_t offset) {
    const auto expected = static_cast<std::int64_t>(step_now()) + offset;
    const auto got = static_cast<std::int64_t>(step);
    return got >= expected - 1 && got <= expected;
}

bool has_text(const Conversation& c, const std::string& text) {
    return c.has_message(PAM_TEXT_INFO, text) || c.has_message(PAM_ERROR_MSG, text);
}

// The messages that are not questions (information, errors).
std::vector<std::string> notices(const Conversation& c) {
    std::vector<std::string> out;
    for (const auto& m : c.messages)
        if (m.style == PAM_TEXT_INFO || m.style == PAM_ERROR_MSG) out.push_back(m.text);
    return out;
}

// ---- normal ----

void normal_success(void**) {
    const KeyFixture key = world->store.ready_login("alice", pin);
    Conversation c{{passcode(key)}};
    assert_int_equal(authenticate("okey", "alice", c), PAM_SUCCESS);
    assert_true(c.prompts() == std::vector<std::string>{passcode_prompt});
    assert_int_equal(c.messages.at(0).style, PAM_PROMPT_ECHO_OFF);
    const TokenRecord token = world->store.token(key.serial);
    assert_true(token.last_step.has_value());
    assert_true(near_now(*token.last_step, 0));
    assert_true(token.last_login.has_value());
    assert_int_equal(world->store.user("alice").failures, 0);
}

void wrong_passcode_is_refused_without_saying_which_part(void**) {
    const KeyFixture key = world->store.ready_login("bob", pin);
    Conversation wrong_pin{{"9999" + code_at(key.secret_base32, 0)}};
    assert_int_equal(authenticate("okey", "bob", wrong_pin), PAM_AUTH_ERR);
    Conversation wrong_code{{pin + "000000"}};
    const std::string right = code_at(key.secret_base32, 0);
    if (right == "000000") wrong_code.answers[0] = pin + "000001";
    assert_int_equal(authenticate("okey", "bob", wrong_code), PAM_AUTH_ERR);
    assert_true(notices(wrong_pin) == notices(wrong_code));
    assert_int_equal(world->store.user("bob").failures, 2);
    assert_false(world->store.token(key.serial).last_step.value() > step_now() - 50);
}

void malformed_passcodes_are_refused(void**) {
    const KeyFixture key = world->store.ready_login("carol", pin);
    // Four: each counts as a failure, and the fifth would lock the login.
    for (const std::string& bad :
         {std::string("abc"), std::string(200, '7'), pin + "12345x", std::string("25801234567890123")}) {
        Conversation c{{bad}};
        assert_int_equal(authenticate("okey", "carol", c), PAM_AUTH_ERR);
    }
    assert_int_equal(world->store.user("carol").failures, 4);
    Conversation good{{passcode(key)}};
    assert_int_equal(authenticate("okey", "carol", good), PAM_SUCCESS);
}

void replayed_code_is_refused(void**) {
    const KeyFixture key = world->store.ready_login("dave", pin);
    const std::string first = passcode(key);
    Conversation c1{{first}};
    assert_int_equal(authenticate("okey", "dave", c1), PAM_SUCCESS);
    Conversation c2{{first}};
    assert_int_equal(authenticate("okey", "dave", c2), PAM_AUTH_ERR);
    // The next step is still good.
    Conversation c3{{passcode(key, 1)}};
    assert_int_equal(authenticate("okey", "dave", c3), PAM_SUCCESS);
    // And an earlier one never again.
    Conversation c4{{passcode(key, -1)}};
    assert_int_equal(authenticate("okey", "dave", c4), PAM_AUTH_ERR);
}

void abandoned_conversation_is_refused(void**) {
    world->store.ready_login("erin", pin);
    Conversation c;  // no answer: the application gives up
    assert_int_equal(authenticate("okey", "erin", c), PAM_AUTH_ERR);
}

void outcome_is_audited(void**) {
    const KeyFixture key = world->store.ready_login("frank", pin);
    Conversation c{{passcode(key)}};
    assert_int_equal(authenticate("okey", "frank", c), PAM_SUCCESS);
    Store store = world->store.open();
    AuditFilter filter;
    filter.login = "frank";
    const auto entries = must(store.audit(filter), "audit");
    bool found = false;
    for (const auto& e : entries)
        if (e.event == "login" && e.outcome == "success" && e.service == "okey" && e.serial == key.serial)
            found = true;
    assert_true(found);
}

// ---- new-PIN mode ----

void new_pin_mode(void**) {
    const KeyFixture key = world->store.add_key("NEWPIN1");
    world->store.assign(key.serial, "gina");
    Conversation c{{code_at(key.secret_base32, 0), "3691", "3691", "3691" + code_at(key.secret_base32, 1)}};
    assert_int_equal(authenticate("okey", "gina", c), PAM_SUCCESS);
    assert_true((c.prompts() == std::vector<std::string>{new_pin_first_prompt, new_pin_prompt,
                                                          confirm_pin_prompt, new_pin_passcode_prompt}));
    assert_true(has_text(c, french.pin_saved));
    const UserRecord user = world->store.user("gina");
    assert_int_equal(static_cast<int>(user.pin_state), static_cast<int>(PinState::set));
    assert_int_equal(otp::verify_pin(user.pin_hash, "3691"), OKEY_OTP_OK);
    assert_true(near_now(*world->store.token(key.serial).last_step, 1));
}

void new_pin_mode_mismatch_then_policy_then_ok(void**) {
    const KeyFixture key = world->store.add_key("NEWPIN2");
    world->store.assign(key.serial, "hugo");
    Conversation c;
    c.by_prompt[new_pin_first_prompt] = {code_at(key.secret_base32, 0)};
    c.by_prompt[new_pin_prompt] = {"4826", "12", "4826"};
    c.by_prompt[confirm_pin_prompt] = {"4827", "4826"};
    c.by_prompt[new_pin_passcode_prompt] = {"4826" + code_at(key.secret_base32, 1)};
    assert_int_equal(authenticate("okey", "hugo", c), PAM_SUCCESS);
    assert_true(has_text(c, french.pin_mismatch));
    assert_true(has_text(c, french.pin_invalid));
    assert_int_equal(otp::verify_pin(world->store.user("hugo").pin_hash, "4826"), OKEY_OTP_OK);
}

void new_pin_mode_trivial_pin_refused(void**) {
    const KeyFixture key = world->store.add_key("NEWPIN3");
    world->store.assign(key.serial, "ines");
    Conversation c;
    c.by_prompt[new_pin_first_prompt] = {code_at(key.secret_base32, 0)};
    c.by_prompt[new_pin_prompt] = {"1234", "5802"};
    c.by_prompt[confirm_pin_prompt] = {"5802"};
    c.by_prompt[new_pin_passcode_prompt] = {"5802" + code_at(key.secret_base32, 1)};
    assert_int_equal(authenticate("okey", "ines", c), PAM_SUCCESS);
    assert_true(has_text(c, french.pin_trivial));
    assert_int_equal(otp::verify_pin(world->store.user("ines").pin_hash, "5802"), OKEY_OTP_OK);
}

void new_pin_mode_gives_up_after_three_tries(void**) {
    const KeyFixture key = world->store.add_key("NEWPIN4");
    world->store.assign(key.serial, "jules");
    Conversation c;
    c.by_prompt[new_pin_first_prompt] = {code_at(key.secret_base32, 0)};
    c.by_prompt[new_pin_prompt] = {"4826", "4826", "4826", "4826"};
    c.by_prompt[confirm_pin_prompt] = {"1", "2", "3", "4826"};
    c.by_prompt[new_pin_passcode_prompt] = {"4826" + code_at(key.secret_base32, 1)};
    assert_int_equal(authenticate("okey", "jules", c), PAM_AUTH_ERR);
    std::size_t asked = 0;
    for (const auto& p : c.prompts()) asked += p == new_pin_prompt;
    assert_int_equal(asked, 3);
    const UserRecord user = world->store.user("jules");
    assert_int_equal(static_cast<int>(user.pin_state), static_cast<int>(PinState::new_pin_required));
}

void new_pin_mode_needs_a_later_code(void**) {
    const KeyFixture key = world->store.add_key("NEWPIN5");
    world->store.assign(key.serial, "karl");
    const std::string code = code_at(key.secret_base32, 0);
    Conversation c{{code, "3691", "3691", "3691" + code}};
    assert_int_equal(authenticate("okey", "karl", c), PAM_AUTH_ERR);
    assert_int_equal(static_cast<int>(world->store.user("karl").pin_state),
                     static_cast<int>(PinState::new_pin_required));
}

void new_pin_mode_wrong_first_code(void**) {
    const KeyFixture key = world->store.add_key("NEWPIN6");
    world->store.assign(key.serial, "lea");
    std::string wrong = code_at(key.secret_base32, 0) == "111111" ? "222222" : "111111";
    Conversation c{{wrong, "3691", "3691", "3691" + code_at(key.secret_base32, 1)}};
    assert_int_equal(authenticate("okey", "lea", c), PAM_AUTH_ERR);
    assert_true(c.prompts() == std::vector<std::string>{new_pin_first_prompt});
}

// ---- next-code mode ----

void next_code_mode_on_drift(void**) {
    const KeyFixture key = world->store.ready_login("marc", pin);
    Conversation c{{passcode(key, 4), code_at(key.secret_base32, 5)}};
    assert_int_equal(authenticate("okey", "marc", c), PAM_SUCCESS);
    assert_true((c.prompts() == std::vector<std::string>{passcode_prompt, drifted_prompt}));
    const TokenRecord token = world->store.token(key.serial);
    assert_true(token.drift >= 4 && token.drift <= 6);
    assert_true(near_now(*token.last_step, 5));
    // With the drift recorded, the key's next code is accepted at once.
    Conversation later{{pin + code_at_step(key.secret_base32, *token.last_step + 1)}};
    assert_int_equal(authenticate("okey", "marc", later), PAM_SUCCESS);
    assert_true(later.prompts() == std::vector<std::string>{passcode_prompt});
}

void next_code_mode_wrong_next_code(void**) {
    const KeyFixture key = world->store.ready_login("nina", pin);
    Conversation c{{passcode(key, 4), code_at(key.secret_base32, 7)}};
    assert_int_equal(authenticate("okey", "nina", c), PAM_AUTH_ERR);
    assert_int_equal(world->store.token(key.serial).drift, 0);
}

void far_drift_is_refused(void**) {
    const KeyFixture key = world->store.ready_login("oscar", pin);
    Conversation c{{passcode(key, 40), code_at(key.secret_base32, 41)}};
    assert_int_equal(authenticate("okey", "oscar", c), PAM_AUTH_ERR);
    assert_true(c.prompts() == std::vector<std::string>{passcode_prompt});
}

// ---- lockout ----

void lockout_told_only_after_correct_passcode(void**) {
    const KeyFixture key = world->store.ready_login("paul", pin);
    for (int i = 0; i < 5; ++i) {
        Conversation c{{"9999" + code_at(key.secret_base32, 0)}};
        assert_int_equal(authenticate("okey", "paul", c), PAM_AUTH_ERR);
    }
    const UserRecord user = world->store.user("paul");
    assert_int_equal(user.failures, 5);
    assert_true(user.locked_until > now());
    // A wrong code (even with the right PIN): generic, the lock is not told.
    Conversation wrong{{pin + code_at(key.secret_base32, 500)}};
    assert_int_equal(authenticate("okey", "paul", wrong), PAM_AUTH_ERR);
    assert_false(has_text(wrong, french.login_locked));
    Conversation right{{passcode(key)}};
    assert_int_equal(authenticate("okey", "paul", right), PAM_MAXTRIES);
    assert_true(has_text(right, french.login_locked));
    // The PIN is not judged during a lock: a wrong PIN with the key's next
    // code gets exactly the same answer, so the lock is no PIN oracle.
    Conversation wrong_pin{{"9999" + code_at(key.secret_base32, 1)}};
    assert_int_equal(authenticate("okey", "paul", wrong_pin), PAM_MAXTRIES);
    assert_true(has_text(wrong_pin, french.login_locked));
}

void lockout_ends(void**) {
    const KeyFixture key = world->store.ready_login("quinn", pin);
    for (int i = 0; i < 2; ++i) {
        Conversation c{{"9999" + code_at(key.secret_base32, 0)}};
        assert_int_equal(authenticate("okey-shortlock", "quinn", c), PAM_AUTH_ERR);
    }
    // A lock long enough for a busy machine to try within it, then waited out.
    Conversation locked{{passcode(key)}};
    assert_int_equal(authenticate("okey-shortlock", "quinn", locked), PAM_MAXTRIES);
    while (now() <= world->store.user("quinn").locked_until)
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    Conversation c{{passcode(key, 1)}};
    assert_int_equal(authenticate("okey-shortlock", "quinn", c), PAM_SUCCESS);
    assert_int_equal(world->store.user("quinn").failures, 0);
}

void success_resets_failures(void**) {
    const KeyFixture key = world->store.ready_login("rose", pin);
    Conversation bad{{"9999" + code_at(key.secret_base32, 0)}};
    assert_int_equal(authenticate("okey", "rose", bad), PAM_AUTH_ERR);
    assert_int_equal(world->store.user("rose").failures, 1);
    Conversation good{{passcode(key)}};
    assert_int_equal(authenticate("okey", "rose", good), PAM_SUCCESS);
    assert_int_equal(world->store.user("rose").failures, 0);
}

// ---- refusals ----

void expired_key_told_only_after_correct_passcode(void**) {
    const KeyFixture key = world->store.ready_login("sam", pin);
    Store store = world->store.open();
    must(store.set_expiry(key.serial, "2001-01-01", act_now()), "expire");
    Conversation wrong{{"9999" + code_at(key.secret_base32, 0)}};
    assert_int_equal(authenticate("okey", "sam", wrong), PAM_AUTH_ERR);
    assert_false(has_text(wrong, french.key_expired));
    Conversation right{{passcode(key)}};
    assert_int_equal(authenticate("okey", "sam", right), PAM_AUTH_ERR);
    assert_true(has_text(right, french.key_expired));
}

void lost_key_is_refused(void**) {
    const KeyFixture key = world->store.ready_login("tina", pin);
    Store store = world->store.open();
    must(store.mark_lost(key.serial, Act{now(), "perdue"}), "lost");
    Conversation c{{passcode(key)}};
    assert_int_equal(authenticate("okey", "tina", c), PAM_AUTH_ERR);
    assert_true(c.prompts() == std::vector<std::string>{passcode_prompt});
}

void key_returned_to_stock_is_refused(void**) {
    const KeyFixture key = world->store.ready_login("ugo", pin);
    Store store = world->store.open();
    must(store.return_to_stock(key.serial, Act{now(), "rendue"}), "return");
    Conversation c{{passcode(key)}};
    assert_int_equal(authenticate("okey", "ugo", c), PAM_AUTH_ERR);
    assert_true(c.prompts() == std::vector<std::string>{passcode_prompt});
}

void stock_key_code_for_unknown_login_is_refused(void**) {
    const KeyFixture key = world->store.add_key("STOCK1");
    Conversation c{{code_at(key.secret_base32, 0)}};
    assert_int_equal(authenticate("okey", "nobody-stock", c), PAM_AUTH_ERR);
}

void unknown_login_deny_same_prompts(void**) {
    Conversation c{{"2580123456"}};
    assert_int_equal(authenticate("okey", "nobody", c), PAM_AUTH_ERR);
    assert_true(c.prompts() == std::vector<std::string>{passcode_prompt});
    const KeyFixture key = world->store.ready_login("vera", pin);
    Conversation known{{"9999" + code_at(key.secret_base32, 0)}};
    assert_int_equal(authenticate("okey", "vera", known), PAM_AUTH_ERR);
    assert_true(notices(c) == notices(known));
}

// PAM_IGNORE leaves the decision to the rest of the stack: here a
// pam_permit.so line after `[success=done ignore=ignore default=die]`.
void unknown_login_ignore(void**) {
    Conversation c{{"2580123456"}};
    assert_int_equal(authenticate("okey-ignore", "nobody", c), PAM_SUCCESS);
    assert_true(c.prompts().empty());
    // The same stack with unknown_user=deny refuses.
    Conversation denied{{"2580123456"}};
    assert_int_equal(authenticate("okey-deny-stacked", "nobody", denied), PAM_AUTH_ERR);
    // Known logins are still checked.
    const KeyFixture key = world->store.ready_login("walt", pin);
    Conversation wrong{{"9999" + code_at(key.secret_base32, 0)}};
    assert_int_equal(authenticate("okey-ignore", "walt", wrong), PAM_AUTH_ERR);
    Conversation known{{passcode(key)}};
    assert_int_equal(authenticate("okey-ignore", "walt", known), PAM_SUCCESS);
}

// ---- stacking ----

int with_authtok(const char* token, const std::string& service, const std::string& login,
                 Conversation& c) {
    if (token != nullptr) setenv("PAM_AUTHTOK", token, 1);
    const int rc = authenticate(service, login, c);
    unsetenv("PAM_AUTHTOK");
    return rc;
}

void use_first_pass(void**) {
    const KeyFixture key = world->store.ready_login("xavier", pin);
    Conversation c;
    assert_int_equal(with_authtok(passcode(key).c_str(), "okey-use-first", "xavier", c), PAM_SUCCESS);
    assert_true(c.prompts().empty());
    Conversation wrong;
    assert_int_equal(with_authtok(passcode(key, 1).replace(0, 4, "9999").c_str(), "okey-use-first",
                                  "xavier", wrong), PAM_AUTH_ERR);
    assert_true(wrong.prompts().empty());
    Conversation none{{passcode(key, 1)}};
    assert_int_not_equal(with_authtok(nullptr, "okey-use-first", "xavier", none), PAM_SUCCESS);
    assert_true(none.prompts().empty());
}

void try_first_pass(void**) {
    const KeyFixture key = world->store.ready_login("yann", pin);
    Conversation c;
    assert_int_equal(with_authtok(passcode(key).c_str(), "okey-try-first", "yann", c), PAM_SUCCESS);
    assert_true(c.prompts().empty());
    Conversation none{{passcode(key, 1)}};
    assert_int_equal(with_authtok(nullptr, "okey-try-first", "yann", none), PAM_SUCCESS);
    assert_true(none.prompts() == std::vector<std::string>{passcode_prompt});
}

}  // namespace

int main(int argc, char** argv) {
    run_as_root(argc, argv);
    auto owned = std::make_unique<World>();
    world = owned.get();
    const auto conf = [&](const std::string& name, const std::string& extra) {
        write_file(world->dir / name, world->store.config_text(extra), 0644);
        return "config=" + (world->dir / name);
    };
    const std::string ok = conf("okey.conf", "");
    Services& s = world->services;
    s.add_okey("okey", ok);
    s.add_okey("okey-shortlock", conf("shortlock.conf", "lockout: { max_failures = 2; lock_seconds = 4; };\n"));
    const auto stacked = [&](const std::string& arguments) {
        return "auth [success=done ignore=ignore default=die] " + module_path() + " " + arguments +
               "\nauth required /lib/x86_64-linux-gnu/security/pam_permit.so\n";
    };
    s.add_raw("okey-ignore", stacked(ok + " unknown_user=ignore"));
    s.add_raw("okey-deny-stacked", stacked(ok + " unknown_user=deny"));
    const std::string set_items = "auth required " + pam_set_items_path();
    s.add_okey("okey-use-first", ok + " use_first_pass", {set_items});
    s.add_okey("okey-try-first", ok + " try_first_pass", {set_items});
    s.activate();

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normal_success),
        cmocka_unit_test(wrong_passcode_is_refused_without_saying_which_part),
        cmocka_unit_test(malformed_passcodes_are_refused),
        cmocka_unit_test(replayed_code_is_refused),
        cmocka_unit_test(abandoned_conversation_is_refused),
        cmocka_unit_test(outcome_is_audited),
        cmocka_unit_test(new_pin_mode),
        cmocka_unit_test(new_pin_mode_mismatch_then_policy_then_ok),
        cmocka_unit_test(new_pin_mode_trivial_pin_refused),
        cmocka_unit_test(new_pin_mode_gives_up_after_three_tries),
        cmocka_unit_test(new_pin_mode_needs_a_later_code),
        cmocka_unit_test(new_pin_mode_wrong_first_code),
        cmocka_unit_test(next_code_mode_on_drift),
        cmocka_unit_test(next_code_mode_wrong_next_code),
        cmocka_unit_test(far_drift_is_refused),
        cmocka_unit_test(lockout_told_only_after_correct_passcode),
        cmocka_unit_test(lockout_ends),
        cmocka_unit_test(success_resets_failures),
        cmocka_unit_test(expired_key_told_only_after_correct_passcode),
        cmocka_unit_test(lost_key_is_refused),
        cmocka_unit_test(key_returned_to_stock_is_refused),
        cmocka_unit_test(stock_key_code_for_unknown_login_is_refused),
        cmocka_unit_test(unknown_login_deny_same_prompts),
        cmocka_unit_test(unknown_login_ignore),
        cmocka_unit_test(use_first_pass),
        cmocka_unit_test(try_first_pass),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
