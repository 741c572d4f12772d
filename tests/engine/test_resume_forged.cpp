// SPDX-License-Identifier: Apache-2.0
// tests/engine/test_resume_forged.cpp — saved dialogue states that were
// altered, cut short, kept too long, moved to another login or key, or forged
// outright: each is refused, and none gets past the store's own checks (a
// success always needs a code the store accepts at a step later than its
// last one, on the key still assigned, in the PIN mode the store says).
#include "resume.hpp"

using namespace okey;
using namespace okey::test;

namespace {

// The state saved after the first `answers` of a new-PIN dialogue.
std::string new_pin_state_after(World& w, const std::vector<Answer>& answers) {
    std::string saved;
    {
        Store store = w.open_store();
        LoginFlow flow(w.config, store, w.clock, w.logger);
        (void)flow.start(context_for(the_login), w.config.texts);
        saved = flow.saved();
    }
    for (const Answer& answer : answers) {
        w.clock.time += answer.wait;
        std::string next;
        const FlowRound round = resume_once(w, saved, answer.text, the_login, &next);
        if (round.finished()) fail_msg("decided early: %s", round.result.reason.c_str());
        saved = next;
    }
    return saved;
}

void expect_unchanged(World& w, const UserRecord& user, const TokenRecord& token) {
    const UserRecord now = w.user();
    assert_true(now.pin_state == user.pin_state);
    assert_string_equal(now.pin_hash.c_str(), user.pin_hash.c_str());
    assert_int_equal(now.failures, user.failures);
    assert_true(w.token().last_step == token.last_step);
}

void tampered_state_is_refused(void**) {
    World w;
    const std::string saved = new_pin_state_after(w, {{w.code()}, {the_pin}});
    const UserRecord user = w.user();
    const TokenRecord token = w.token();
    for (std::size_t i = 0; i < saved.size(); ++i) {
        std::string tampered = saved;
        tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
        const LoginResult result = resume_once(w, tampered, the_pin).result;
        assert_int_equal(static_cast<int>(result.outcome), static_cast<int>(LoginOutcome::refused));
        // The serial names the key whose secret seals the state: another
        // serial is another key than the login's.
        if (result.reason != "dialogue state unreadable" && result.reason != "dialogue state altered" &&
            result.reason != "dialogue state of another login" &&
            result.reason != "key changed during login")
            fail_msg("byte %zu altered: refused late (\"%s\")", i, result.reason.c_str());
    }
    expect_unchanged(w, user, token);
    // Untouched, it still goes on: the refusals above were the alteration's.
    const FlowRound round = resume_once(w, saved, the_pin);
    assert_string_equal(round.question->prompt.c_str(), w.config.texts.new_pin_passcode.c_str());
}

void truncated_state_is_refused(void**) {
    World w;
    const std::string saved = new_pin_state_after(w, {{w.code()}, {the_pin}});
    for (std::size_t length = 0; length < saved.size(); ++length)
        expect_result(resume_once(w, saved.substr(0, length), the_pin).result, LoginOutcome::refused,
                      "dialogue state unreadable");
    expect_result(resume_once(w, saved + "0", the_pin).result, LoginOutcome::refused,
                  "dialogue state unreadable");
    expect_result(resume_once(w, std::string(2000, 'a'), the_pin).result, LoginOutcome::refused,
                  "dialogue state unreadable");
}

void expired_state_is_refused(void**) {
    World w;
    const std::string saved = new_pin_state_after(w, {{w.code()}, {the_pin, 40}});
    const UserRecord user = w.user();
    const TokenRecord token = w.token();
    w.clock.time = t0 + login_time_limit_seconds + 1;
    expect_result(resume_once(w, saved, the_pin).result, LoginOutcome::refused, "login took too long");
    // A node whose clock is far behind refuses it too.
    w.clock.time = t0 - login_time_limit_seconds - 1;
    expect_result(resume_once(w, saved, the_pin).result, LoginOutcome::refused,
                  "clock stepped back during login");
    expect_unchanged(w, user, token);
    // The same in one process: an answer after the time limit.
    w.clock.time = t0 + 600;
    w.answer(w.code());
    w.answer(the_pin, 60);
    w.answer(the_pin, 41);
    w.expect(w.login(), LoginOutcome::refused, "login took too long");
    assert_int_equal(w.prompter.prompts.size(), 3);
}

void state_of_another_login_or_key_is_refused(void**) {
    World w;
    // A second login with its own key.
    KeySpec spec;
    spec.serial = "OK0002";
    must(w.store->add_token(spec, w.secret, Act{t0, "delivered"}), "add_token");
    must(w.store->assign("OK0002", "cjoseph", Act{t0, "assigned"}), "assign");
    const std::string saved = new_pin_state_after(w, {{w.code()}});
    expect_result(resume_once(w, saved, the_pin, "cjoseph").result, LoginOutcome::refused,
                  "dialogue state of another login");
    // Its login and key rewritten to the other ones (the same secret, even):
    // the seal no longer holds.
    std::string moved = saved;
    moved.replace(moved.find("login=jdupont;serial=OK0001"), 27, "login=cjoseph;serial=OK0002");
    expect_result(resume_once(w, moved, the_pin, "cjoseph").result, LoginOutcome::refused,
                  "dialogue state altered");
    assert_true(w.user().pin_state == PinState::new_pin_required);
    // The login's key renewed between two answers.
    spec.serial = "OK0003";
    must(w.store->add_token(spec, w.secret, Act{t0, "delivered"}), "add_token");
    must(w.store->renew(the_login, "OK0003", Act{w.clock.time, "renewed"}), "renew");
    expect_result(resume_once(w, saved, the_pin).result, LoginOutcome::refused,
                  "key changed during login");
    // Or declared lost.
    World v;
    const std::string other = new_pin_state_after(v, {{v.code()}});
    must(v.store->mark_lost(the_serial, Act{v.clock.time, "lost"}), "mark_lost");
    expect_result(resume_once(v, other, the_pin).result, LoginOutcome::refused,
                  "key changed during login");
}

FlowState forged(FlowPhase phase, std::uint64_t step, const std::string& pin_hash,
                 unsigned tries = 0) {
    FlowState state;
    state.phase = phase;
    state.login = the_login;
    state.serial = the_serial;
    state.step = step;
    state.pin_tries = tries;
    state.started = t0;
    state.pin_hash = pin_hash;
    return state;
}

// Forged states sealed with the key's own secret, as someone holding the
// secret and able to write okeyd's dialogue table could make them.
void forged_state_cannot_skip_the_code_proof(void**) {
    World w;
    const std::string attacker_pin = "7391";
    auto hashed = otp::hash_pin(otp::Argon2Params{64, 1, 1}, attacker_pin);
    assert_true(hashed.ok());
    const std::string attacker_hash = hashed.value();
    const UserRecord fresh_user = w.user();
    const TokenRecord fresh_token = w.token();
    // A key just assigned (no step burnt): "final passcode" straight away.
    const std::string skip = seal_flow_state(
        forged(FlowPhase::new_pin_final, w.step_now() - 1, attacker_hash), w.secret);
    expect_result(resume_once(w, skip, attacker_pin + w.code()).result, LoginOutcome::refused,
                  "another code accepted during login");
    const std::string choose = seal_flow_state(
        forged(FlowPhase::new_pin_choose, w.step_now() - 1, "", 3), w.secret);
    expect_result(resume_once(w, choose, attacker_pin).result, LoginOutcome::refused,
                  "another code accepted during login");
    expect_unchanged(w, fresh_user, fresh_token);

    // A login with its PIN set: no new-PIN phase is taken.
    w.set_pin(the_pin, w.step_now() - 20);
    const UserRecord user = w.user();
    const TokenRecord token = w.token();
    const std::string takeover = seal_flow_state(
        forged(FlowPhase::new_pin_final, *token.last_step, attacker_hash), w.secret);
    expect_result(resume_once(w, takeover, attacker_pin + w.code()).result, LoginOutcome::refused,
                  "PIN changed during login");
    expect_unchanged(w, user, token);

    // A PIN reset: the step matches the store's, yet the final passcode still
    // needs a code the store accepts, later than its last one.
    must(w.store->reset_pin(the_login, Act{w.clock.time, "reset"}), "reset_pin");
    const std::string after_reset = seal_flow_state(
        forged(FlowPhase::new_pin_final, *token.last_step, attacker_hash), w.secret);
    expect_result(resume_once(w, after_reset, attacker_pin + w.code_at_step(*token.last_step)).result,
                  LoginOutcome::refused, "wrong passcode");
    assert_true(w.user().pin_state == PinState::new_pin_required);

    // Without the secret, not even a well-formed state is taken: next-code
    // mode (where the PIN was proven in the round before) is the phase the
    // seal guards.
    World v;
    v.set_pin(the_pin, v.step_now() - 20);
    const std::vector<std::uint8_t> other_key(20, 0x42);
    const std::string next_code =
        seal_flow_state(forged(FlowPhase::next_code, v.step_now(), v.user().pin_hash), other_key);
    expect_result(resume_once(v, next_code, v.code(1)).result, LoginOutcome::refused,
                  "dialogue state altered");
    assert_int_equal(*v.token().last_step, v.step_now() - 20);
}

// A decoy dialogue (unknown login) resumes like a real one and ends refused.
void decoy_state(void**) {
    World w;
    Resumed r = resume_every_round(w, {{"4826123456"}}, std::nullopt, "nobody");
    expect_result(r.result, LoginOutcome::refused, "unknown login");
    assert_true(r.result.serial.empty());
    const FlowState state = must(parse_flow_state(r.states[0]), "parse_flow_state");
    assert_true(state.decoy == Decoy::unknown_login);
    assert_true(state.serial.empty());
    // A decoy state made into a real one needs the key's seal.
    const std::string decoy_fields = "login=nobody;serial=;decoy=unknown_login";
    std::string promoted = r.states[0];
    promoted.replace(promoted.find(decoy_fields), decoy_fields.size(),
                     "login=jdupont;serial=OK0001;decoy=none");
    expect_result(resume_once(w, promoted, the_pin + w.code()).result, LoginOutcome::refused,
                  "dialogue state altered");
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tampered_state_is_refused),
        cmocka_unit_test(truncated_state_is_refused),
        cmocka_unit_test(expired_state_is_refused),
        cmocka_unit_test(state_of_another_login_or_key_is_refused),
        cmocka_unit_test(forged_state_cannot_skip_the_code_proof),
        cmocka_unit_test(decoy_state),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
