// SPDX-License-Identifier: Apache-2.0
// tests/engine/test_resume.cpp — the local flows taken up one answer at a time
// by another process, as okeyd nodes do (DESIGN.md §9): every answer goes to a
// fresh LoginFlow over a fresh store connection, from the state the previous
// one saved. The outcome, the screens and the store's records must be those of
// an uninterrupted login; a saved state holds no secret and no text; and a
// replayed, tampered, truncated, expired, moved or forged state grants nothing.
#include "harness.hpp"

#include "resume.hpp"

#include "engine/texts.hpp"

using namespace okey;
using namespace okey::test;

namespace {

// The same records in both stores after the same dialogue (the PIN hashes
// differ by their salt: both must verify `pin`).
void expect_same_records(World& a, World& b, const std::string& pin) {
    const TokenRecord ta = a.token(), tb = b.token();
    assert_true(ta.last_step == tb.last_step);
    assert_int_equal(ta.drift, tb.drift);
    assert_true(ta.last_login == tb.last_login);
    const UserRecord ua = a.user(), ub = b.user();
    assert_int_equal(ua.failures, ub.failures);
    assert_int_equal(ua.locked_until, ub.locked_until);
    assert_true(ua.pin_state == ub.pin_state);
    assert_int_equal(ua.pin_hash.empty(), ub.pin_hash.empty());
    if (!ua.pin_hash.empty()) {
        assert_int_equal(otp::verify_pin(ua.pin_hash, pin), OKEY_OTP_OK);
        assert_int_equal(otp::verify_pin(ub.pin_hash, pin), OKEY_OTP_OK);
    }
}

// The same dialogue uninterrupted (through run_login, as the PAM module runs
// it) in `once` and resumed at every round in `resumed`.
Resumed compare_runs(World& once, World& resumed, const std::vector<Answer>& script,
                     LoginOutcome outcome, const std::string& reason, const std::string& pin) {
    for (const Answer& a : script) once.answer(a.text, a.wait);
    once.expect(once.login(), outcome, reason);
    Resumed r = resume_every_round(resumed, script);
    expect_result(r.result, outcome, reason);
    assert_string_equal(r.result.serial.c_str(), the_serial);
    assert_true(r.events == once.prompter.events);
    expect_same_records(once, resumed, pin);
    return r;
}

// No PIN, code or passcode in a saved state, and no text to show: its
// random parts (the new PIN's hash, the seal) are judged apart.
void expect_no_secret(const std::string& saved, const std::vector<std::string>& secrets,
                      const std::string& pin = "") {
    auto state = must(parse_flow_state(saved), "parse_flow_state");
    std::string fixed = flow_state_body(state);
    fixed.resize(fixed.find(";pin_hash="));
    for (const auto& secret : secrets)
        if (fixed.find(secret) != std::string::npos)
            fail_msg("secret \"%s\" in a saved state: %s", secret.c_str(), saved.c_str());
    for (unsigned char c : saved)
        if (c <= ' ' || c >= 0x7f) fail_msg("a saved state holds text: %s", saved.c_str());
    if (!state.pin_hash.empty())
        assert_int_equal(otp::verify_pin(state.pin_hash, pin), OKEY_OTP_OK);
}

void new_pin_mode_resumed_at_every_round(void**) {
    World once, resumed;
    const std::uint64_t s0 = once.step_now();
    const std::string first_code = once.code();
    const std::string final_passcode = the_pin + once.code_at_step(s0 + 1);
    // A trivial PIN and a mismatch on the way: the tries left travel in the state.
    const std::vector<Answer> script = {{first_code},    {"1234"},  {the_pin},
                                        {"4827"},        {the_pin}, {the_pin},
                                        {final_passcode, 30}};
    Resumed r = compare_runs(once, resumed, script, LoginOutcome::success, "new PIN set", the_pin);
    const std::vector<FlowPhase> phases = {
        FlowPhase::new_pin_code,   FlowPhase::new_pin_choose,  FlowPhase::new_pin_choose,
        FlowPhase::new_pin_confirm, FlowPhase::new_pin_choose, FlowPhase::new_pin_confirm,
        FlowPhase::new_pin_final};
    const std::vector<unsigned> tries = {0, 3, 2, 2, 1, 1, 0};
    assert_int_equal(r.states.size(), phases.size());
    for (std::size_t i = 0; i < phases.size(); ++i) {
        const FlowState state = must(parse_flow_state(r.states[i]), "parse_flow_state");
        assert_true(state.phase == phases[i]);
        assert_int_equal(state.pin_tries, tries[i]);
        assert_int_equal(state.step, i == 0 ? 0 : s0);  // the burnt step
        assert_int_equal(state.started, t0);
        expect_no_secret(r.states[i], {first_code, the_pin, "4827", "1234", final_passcode},
                         i == 6 || phases[i] == FlowPhase::new_pin_confirm ? the_pin : "");
    }
    assert_true(resumed.prompter.events.empty());  // nothing went through a prompter
}

void next_code_mode_resumed(void** state) {
    (void)state;
    World once, resumed;
    once.set_pin(the_pin, once.step_now() - 20);
    resumed.set_pin(the_pin, resumed.step_now() - 20);
    const std::uint64_t s0 = once.step_now();
    const std::vector<Answer> script = {{the_pin + once.code(2)}, {once.code_at_step(s0 + 3), 30}};
    Resumed r = compare_runs(once, resumed, script, LoginOutcome::success,
                             "next code accepted, drift recorded", the_pin);
    assert_int_equal(resumed.token().drift, 2);
    assert_int_equal(r.states.size(), 2);
    const FlowState next = must(parse_flow_state(r.states[1]), "parse_flow_state");
    assert_true(next.phase == FlowPhase::next_code);
    assert_int_equal(next.step, s0 + 2);
    expect_no_secret(r.states[1], {the_pin, once.code(2), script[0].text}, the_pin);
    // The PIN proven at the first round is named by the login's hash.
    assert_string_equal(next.pin_hash.c_str(), resumed.user().pin_hash.c_str());
    // The resumed next code, given again to the same state: the store says no.
    expect_result(resume_once(resumed, r.states[1], script[1].text).result, LoginOutcome::refused,
                  "replayed code");
}

// An okeyd dialogue in next-code mode, the PIN reset and chosen anew (on
// another node) before the next code arrives: the old PIN's proof is void.
void pin_changed_between_two_rounds(void**) {
    World w;
    w.set_pin(the_pin, w.step_now() - 20);
    const std::uint64_t s0 = w.step_now();
    std::string saved;
    {
        Store store = w.open_store();
        LoginFlow flow(w.config, store, w.clock, w.logger);
        FlowRound first = flow.start(context_for(the_login), the_pin + w.code(2), w.config.texts);
        assert_false(first.finished());
        saved = flow.saved();
    }
    must(w.store->reset_pin(the_login, Act{w.clock.time, "PIN vu par un tiers"}), "reset_pin");
    w.set_pin("9173", s0 - 10);
    w.clock.time += 30;
    expect_result(resume_once(w, saved, w.code_at_step(s0 + 3)).result, LoginOutcome::refused,
                  "PIN changed during login");
    assert_int_equal(*w.token().last_step, s0 - 10);
}

void failures_resumed_like_uninterrupted(void**) {
    World once, resumed;
    once.set_pin(the_pin, once.step_now() - 20);
    resumed.set_pin(the_pin, resumed.step_now() - 20);
    compare_runs(once, resumed, {{"1397" + once.code()}}, LoginOutcome::refused, "wrong passcode",
                 the_pin);
    assert_int_equal(resumed.user().failures, 1);
    // A new-PIN dialogue whose three PIN choices fail.
    World once2, resumed2;
    compare_runs(once2, resumed2, {{once2.code()}, {"1111"}, {"48x6"}, {the_pin}, {"4827"}},
                 LoginOutcome::refused, "new PIN not chosen", the_pin);
    assert_int_equal(*resumed2.token().last_step, resumed2.step_now());
}

// okeyd's first request carries `pass`: the first question's answer.
void first_answer_with_the_start(void**) {
    World w;
    const Texts& t = w.config.texts;
    const std::uint64_t s0 = w.step_now();
    Resumed r = resume_every_round(w, {{the_pin}, {the_pin}, {the_pin + w.code_at_step(s0 + 1), 30}},
                                   w.code());
    expect_result(r.result, LoginOutcome::success, "new PIN set");
    // The code's question was answered before it was shown.
    assert_true(r.events == std::vector<std::string>({"ask:" + t.new_pin, "ask:" + t.confirm_pin,
                                                      "ask:" + t.new_pin_passcode,
                                                      "info:" + t.pin_saved}));
    // Normal mode: decided at once, nothing saved.
    w.clock.time += 60;
    Store store = w.open_store();
    LoginFlow flow(w.config, store, w.clock, w.logger);
    FlowRound round = flow.start(context_for(the_login), the_pin + w.code(), t);
    expect_result(round.result, LoginOutcome::success, "passcode accepted");
    assert_true(round.finished());
    assert_true(flow.saved().empty());
    // In new-PIN mode a passcode where the code alone is asked is malformed.
    must(w.store->reset_pin(the_login, Act{w.clock.time, "forgotten"}), "reset_pin");
    w.clock.time += 60;
    round = flow.start(context_for(the_login), the_pin + w.code(), t);
    expect_result(round.result, LoginOutcome::refused, "malformed code");
}

// Each round is rendered in the language of its own request.
void texts_rendered_per_round(void**) {
    World w;
    const Texts english = default_texts(Language::en, 4, 6);
    Store store = w.open_store();
    LoginFlow flow(w.config, store, w.clock, w.logger);
    FlowRound round = flow.start(context_for(the_login), w.config.texts);
    assert_string_equal(round.question->prompt.c_str(),
                        (fill_code_digits(w.config.texts.new_pin_intro, 6) + " " +
                         w.config.texts.code_only)
                            .c_str());
    const std::string saved = flow.saved();
    Store other = w.open_store();
    LoginFlow next(w.config, other, w.clock, w.logger);
    round = next.resume(saved, the_login, w.code(), english);
    assert_string_equal(round.question->prompt.c_str(), english.new_pin.c_str());
}

void replayed_code_after_resume(void**) {
    World w;
    const std::string first_code = w.code();
    Resumed r = resume_every_round(w, {{first_code}, {the_pin}, {the_pin}, {the_pin + w.code(1), 30}});
    expect_result(r.result, LoginOutcome::success, "new PIN set");
    // The first state again, with the first code: burnt.
    expect_result(resume_once(w, r.states[0], first_code).result, LoginOutcome::refused,
                  "PIN changed during login");
    // The last state again (a second node given the same transaction): the PIN is set now.
    expect_result(resume_once(w, r.states[3], the_pin + w.code(2)).result, LoginOutcome::refused,
                  "PIN changed during login");
    // In a new dialogue, the final passcode carrying the first code's step.
    World v;
    const std::string code = v.code();
    Resumed again = resume_every_round(v, {{code}, {the_pin}, {the_pin}, {the_pin + code, 5}});
    expect_result(again.result, LoginOutcome::refused, "replayed code");
    assert_true(v.user().pin_state == PinState::new_pin_required);
    // The state of the code's question, answered twice with the same code
    // (a client retrying on another node): burnt the first time.
    World u;
    std::string saved;
    {
        Store store = u.open_store();
        LoginFlow flow(u.config, store, u.clock, u.logger);
        (void)flow.start(context_for(the_login), u.config.texts);
        saved = flow.saved();
    }
    const FlowRound took = resume_once(u, saved, u.code());
    assert_string_equal(took.question->prompt.c_str(), u.config.texts.new_pin.c_str());
    expect_result(resume_once(u, saved, u.code()).result, LoginOutcome::refused, "replayed code");
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_pin_mode_resumed_at_every_round),
        cmocka_unit_test(next_code_mode_resumed),
        cmocka_unit_test(pin_changed_between_two_rounds),
        cmocka_unit_test(failures_resumed_like_uninterrupted),
        cmocka_unit_test(first_answer_with_the_start),
        cmocka_unit_test(texts_rendered_per_round),
        cmocka_unit_test(replayed_code_after_resume),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
