// SPDX-License-Identifier: Apache-2.0
// tests/engine/test_refusals.cpp — lockout (DESIGN.md §4.5), expired, lost,
// stock and missing keys, unknown logins (deny / ignore), an unusable store,
// and the decoy work done where there is nothing real to check.
#include "harness.hpp"

#include "engine/local/decoy.hpp"

#include <sys/stat.h>

using namespace okey;
using namespace okey::test;

namespace {

std::string passcode(World& w, std::int64_t offset_steps = 0) {
    return std::string(the_pin) + w.code(offset_steps);
}
std::string wrong_passcode(World& w) { return "1397" + w.code(); }

// What a person typing a wrong passcode sees: one prompt, nothing else.
void expect_generic_screens(World& w) {
    const std::vector<std::string> expected = {"ask:" + w.config.texts.passcode};
    if (w.prompter.events != expected) {
        std::string got;
        for (const auto& e : w.prompter.events) got += "[" + e + "] ";
        fail_msg("screens differ from a plain refusal: %s", got.c_str());
    }
}

void lock_after_max_failures(World& w) {
    w.config.lockout.max_failures = 3;
    for (int i = 0; i < 3; ++i) {
        w.answer(wrong_passcode(w));
        w.expect(w.login(), LoginOutcome::refused, "wrong passcode");
        expect_generic_screens(w);
    }
    assert_int_equal(w.user().failures, 3);
}

void lockout_and_expiry(void** state) {
    World& w = world(state);
    lock_after_max_failures(w);
    assert_int_equal(w.user().locked_until, t0 + 900);
    // A wrong code while locked (right PIN): generic, nothing told.
    w.answer(std::string(the_pin) + w.code(1000));
    w.expect(w.login(), LoginOutcome::refused, "login locked, code not proven");
    expect_generic_screens(w);
    // The key's right code while locked, with a WRONG PIN: told, after the
    // prompt, and the code burned — the PIN is not judged during a lock, so
    // the answer is the one the right passcode gets (no PIN oracle).
    const std::uint64_t s0 = w.step_now();
    w.answer(wrong_passcode(w));
    w.expect(w.login(), LoginOutcome::locked, "login locked");
    assert_true(w.prompter.events == std::vector<std::string>({"ask:" + w.config.texts.passcode,
                                                               "error:" +
                                                                   w.config.texts.login_locked}));
    assert_int_equal(*w.token().last_step, s0);
    // Still locked 14 minutes later …
    w.clock.time = t0 + 870;
    w.answer(passcode(w));
    w.expect(w.login(), LoginOutcome::locked, "login locked");
    // … and free once lock_seconds have passed.
    w.clock.time = t0 + 901;
    w.answer(passcode(w));
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
    expect_generic_screens(w);
    assert_int_equal(w.user().failures, 0);
    assert_int_equal(w.user().locked_until, 0);
}

void lock_forever_until_unlocked(void** state) {
    World& w = world(state);
    w.config.lockout.lock_seconds = 0;
    lock_after_max_failures(w);
    assert_true(w.user().locked_until == lock_forever);
    w.clock.time = t0 + 365 * 86400;
    w.answer(passcode(w));
    w.expect(w.login(), LoginOutcome::locked, "login locked");
    must(w.store->unlock(the_login, Act{w.clock.time, "called the helpdesk"}), "unlock");
    w.clock.time += 30;
    w.answer(passcode(w));
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
}

void expired_key(void** state) {
    World& w = world(state);
    // Valid through its expiry day (t0 is 2023-11-14 UTC).
    must(w.store->set_expiry(the_serial, "2023-11-14", Act{t0, "end of contract"}), "set_expiry");
    w.answer(passcode(w));
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
    // The day after: a wrong passcode is refused like any other …
    w.clock.time = t0 + 86400;
    w.answer(wrong_passcode(w));
    w.expect(w.login(), LoginOutcome::refused, "wrong passcode");
    expect_generic_screens(w);
    // … and a right one is told, after the prompt, with its code burned.
    const std::string right = passcode(w);
    w.answer(right);
    w.expect(w.login(), LoginOutcome::refused, "key expired");
    assert_true(w.prompter.events == std::vector<std::string>({"ask:" + w.config.texts.passcode,
                                                               "error:" +
                                                                   w.config.texts.key_expired}));
    assert_int_equal(*w.token().last_step, w.step_now());
    w.answer(right);
    w.expect(w.login(), LoginOutcome::refused, "replayed code");
    expect_generic_screens(w);
}

// Lost, returned to stock, and never-assigned keys: the login has no key, and
// gets the same prompt as a real login, then a generic refusal. A code of
// the key it lost is told to the administrator (test_emergency.cpp too).
void lost_key(void** state) {
    World& w = world(state);
    must(w.store->mark_lost(the_serial, Act{t0, "lost on the train"}), "mark_lost");
    w.answer(passcode(w));
    LoginResult result = w.login();
    w.expect(result, LoginOutcome::refused, "lost key used, PIN right");
    expect_generic_screens(w);
    assert_string_equal(result.serial.c_str(), the_serial);
    w.answer(std::string(the_pin) + w.code(1000));
    result = w.login();
    w.expect(result, LoginOutcome::refused, "no key");
    expect_generic_screens(w);
    assert_true(result.serial.empty());
}

void returned_key(void** state) {
    World& w = world(state);
    must(w.store->return_to_stock(the_serial, Act{t0, "left the school"}), "return_to_stock");
    w.answer(passcode(w));
    w.expect(w.login(), LoginOutcome::refused, "no key");
    expect_generic_screens(w);
    // The key in stock belongs to nobody.
    w.answer(passcode(w, 1));
    w.expect(w.login(), LoginOutcome::refused, "no key");
    expect_generic_screens(w);
}

// A key returned to stock and given again keeps its last accepted step: a
// code its previous owner used (seen over a shoulder, left in a scroll-back)
// opens neither the next owner's login nor the same login given the key back.
void reassigned_key_keeps_its_used_codes(void** state) {
    World& w = world(state);
    const std::string used = passcode(w);
    w.answer(used);
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
    const std::uint64_t used_step = w.step_now();
    must(w.store->return_to_stock(the_serial, Act{t0 + 5, "left the school"}), "return_to_stock");
    assert_int_equal(*w.token().last_step, used_step);
    must(w.store->assign(the_serial, "cjoseph2", Act{t0 + 10, "arrived"}), "assign");
    assert_int_equal(*w.token().last_step, used_step);
    // cjoseph2 starts in new-PIN mode: the key's code alone, the one jdupont used.
    w.answer(w.code());
    w.expect(w.login(std::nullopt, "cjoseph2"), LoginOutcome::refused, "replayed code");
    // Back to jdupont, whose PIN stayed: the passcode already used.
    must(w.store->return_to_stock(the_serial, Act{t0 + 12, "wrong person"}), "return_to_stock");
    must(w.store->assign(the_serial, the_login, Act{t0 + 14, "back"}), "assign");
    w.answer(used);
    w.expect(w.login(), LoginOutcome::refused, "replayed code");
    // The key's next code opens it.
    w.clock.time += 30;
    w.answer(passcode(w));
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
}

void unknown_login_denied(void** state) {
    World& w = world(state);
    w.answer(passcode(w));
    w.expect(w.login(std::nullopt, "nobody"), LoginOutcome::refused, "unknown login");
    expect_generic_screens(w);
    w.answer("not a passcode");
    w.expect(w.login(std::nullopt, "nobody"), LoginOutcome::refused, "unknown login");
    expect_generic_screens(w);
    w.expect(w.login(std::nullopt, "nobody"), LoginOutcome::refused, "conversation failed");
    // try_first_pass behaves as for a real login: one more prompt after a failure.
    w.config.try_first_pass = true;
    w.answer(passcode(w));
    w.expect(w.login(passcode(w), "nobody"), LoginOutcome::refused, "unknown login");
    expect_generic_screens(w);
}

void unknown_login_ignored(void** state) {
    World& w = world(state);
    w.config.unknown_user = UnknownUserPolicy::ignore;
    w.expect(w.login(std::nullopt, "nobody"), LoginOutcome::ignored, "unknown login");
    assert_true(w.prompter.events.empty());
    // Known logins are still checked.
    w.answer(passcode(w));
    w.expect(w.login(), LoginOutcome::success, "passcode accepted");
}

// A login with nothing real to check does a real login's store work: the
// failure charge's durable write transaction (on the decoy row, standing for
// no one), so that a slow disk does not tell which logins exist (issue 15).
void decoys_do_a_known_logins_store_work(void** state) {
    World& w = world(state);
    const std::string decoy = "okey:decoy";  // decoy_login
    auto decoy_written = [&] {
        return w.location->integer("SELECT updated FROM users WHERE login = '" + decoy + "'");
    };
    const UserRecord member = w.user();
    w.answer(wrong_passcode(w));
    w.expect(w.login(std::nullopt, "nobody"), LoginOutcome::refused, "unknown login");
    assert_int_equal(decoy_written(), t0);
    // One write per attempt, malformed passcodes included (as a real login's charge).
    w.clock.time = t0 + 7;
    w.answer("not a passcode");
    w.expect(w.login(std::nullopt, "nobody"), LoginOutcome::refused, "unknown login");
    assert_int_equal(decoy_written(), t0 + 7);
    // The decoy row counts its charges, never locks, and touches no real login.
    const UserRecord row = must(w.store->get_user(decoy), "get_user");
    assert_int_equal(row.failures, 2);
    assert_int_equal(row.locked_until, 0);
    assert_int_equal(w.user().failures, member.failures);
    // A known login whose key is lost still has something real to check (its
    // emergency codes, its lost key: DESIGN.md §12): its own failure is
    // charged, the same write transaction, and the decoy row is left alone.
    must(w.store->mark_lost(the_serial, Act{t0 + 8, "lost"}), "mark_lost");
    w.clock.time = t0 + 9;
    w.answer(wrong_passcode(w));  // the lost key's code, a wrong PIN
    w.expect(w.login(), LoginOutcome::refused, "lost key used, PIN wrong");
    assert_int_equal(decoy_written(), t0 + 7);
    assert_int_equal(w.user().failures, member.failures + 1);
    // Logins left to other modules do no work at all.
    w.config.unknown_user = UnknownUserPolicy::ignore;
    w.clock.time = t0 + 11;
    w.expect(w.login(std::nullopt, "nobody"), LoginOutcome::ignored, "unknown login");
    assert_int_equal(decoy_written(), t0 + 7);
    // It is no login: nobody can be given a key under its name.
    KeySpec spec;
    spec.serial = "OK0002";
    must(w.store->add_token(spec, w.secret, Act{t0, "delivered"}), "add_token");
    assert_false(w.store->assign("OK0002", decoy, Act{t0, "assign"}).ok());
}

void hostile_login_name_is_escaped_in_the_log(void** state) {
    World& w = world(state);
    w.answer(passcode(w));
    w.login(std::nullopt, "evil\nlogin=root outcome=success");
    const std::string& line = w.logger.lines.back();
    assert_null(strchr(line.c_str(), '\n'));
    assert_non_null(strstr(line.c_str(), "login=evil\\x0alogin\\x3droot\\x20outcome\\x3dsuccess "));
    assert_non_null(strstr(line.c_str(), " outcome=refused reason=unknown login"));
}

void unusable_store(void** state) {
    World& w = world(state);
    const std::string store_path = w.config.store;
    const bool sqlite = backend() == Backend::sqlite;
    // No store file; no server listening.
    w.config.store = sqlite ? w.dir + "/missing.db"
                            : "postgresql://okey_owner@127.0.0.1:1/okey?passfile=" +
                                  cluster().passfile;
    LoginResult result = w.login();
    assert_int_equal(static_cast<int>(result.outcome), static_cast<int>(LoginOutcome::unavailable));
    assert_true(w.prompter.events.empty());
    assert_non_null(strstr(w.logger.lines.back().c_str(), "outcome=unavailable reason=store: "));
    // A store (or its key file) readable by others must not be used at all.
    w.config.store = store_path;
    assert_int_equal(chmod((sqlite ? store_path : w.config.key_file).c_str(), 0644), 0);
    result = w.login();
    assert_int_equal(static_cast<int>(result.outcome),
                     static_cast<int>(LoginOutcome::service_error));
    assert_true(w.prompter.events.empty());
    assert_non_null(strstr(w.logger.lines.back().c_str(), "outcome=service_error reason=store: "));
}

void decoy_hash_costs_a_real_verification(void** state) {
    (void)state;
    for (const Argon2Settings params : {Argon2Settings{64, 1, 1}, Argon2Settings{19456, 2, 1}}) {
        const std::string hash = decoy_pin_hash(params);
        // A well-formed hash with exactly these parameters: verifying runs Argon2 …
        auto needs = otp::pin_needs_rehash(hash, otp::Argon2Params{params.memory_kib,
                                                                   params.iterations,
                                                                   params.parallelism});
        assert_true(needs.ok());
        assert_false(needs.value());
        if (params.memory_kib == 64) {
            // … and no PIN matches it.
            assert_int_equal(otp::verify_pin(hash, "4826"), OKEY_OTP_ERR_PIN_MISMATCH);
            assert_int_equal(otp::verify_pin(hash, ""), OKEY_OTP_ERR_PIN_MISMATCH);
        }
    }
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(lockout_and_expiry, setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(lock_forever_until_unlocked, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(expired_key, setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(lost_key, setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(returned_key, setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(reassigned_key_keeps_its_used_codes, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(unknown_login_denied, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(unknown_login_ignored, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(decoys_do_a_known_logins_store_work, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(hostile_login_name_is_escaped_in_the_log,
                                        setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(unusable_store, setup_world_with_pin, teardown_world),
        cmocka_unit_test(decoy_hash_costs_a_real_verification),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
