// SPDX-License-Identifier: Apache-2.0
// tests/postgresql/test_restart.cpp — the PostgreSQL server goes away under a
// store that stays open (as okeyd's do) and under the logins of the engine.
// Restarted between two logins: the next login works, and the open store
// carries on on a new session. Down: a call fails cleanly as unavailable
// (never a success, never a hang); back up: everything works again. This
// test has a cluster of its own (OKEY_TEST_PG_DIR, started and stopped by
// its ctest fixture): the run's shared one must not restart under the other
// suites.
#include "tests/engine/harness.hpp"

#include <cstdlib>
#include <string>

using namespace okey;
using namespace okey::test;

namespace {

std::string cluster_dir;

void run_cluster(const std::string& verb) {
    const std::string command = std::string(OKEY_PG_CLUSTER) + " " + verb + " " + cluster_dir;
    if (std::system(command.c_str()) != 0) fail_msg("%s failed", command.c_str());
}

LoginResult login_now(World& w) {
    w.clock.time += 30;  // a fresh code for every login
    w.answer(the_pin + w.code());
    return w.login();
}

void expect_outcome(const LoginResult& result, LoginOutcome outcome) {
    if (result.outcome != outcome)
        fail_msg("expected %s, got %s (%s)", std::string(to_string(outcome)).c_str(),
                 std::string(to_string(result.outcome)).c_str(), result.reason.c_str());
}

void restarted_between_two_logins(void** state) {
    World& w = world(state);
    expect_outcome(login_now(w), LoginOutcome::success);
    assert_true(w.store->load_login(the_login).ok());

    run_cluster("restart");  // drops every session, the open store's included

    expect_outcome(login_now(w), LoginOutcome::success);
    // The store opened before the restart works on a new session.
    auto view = w.store->load_login(the_login);
    if (!view) fail_msg("after the restart: %s", view.error().message.c_str());
    StepAcceptance a;
    a.login = the_login;
    a.serial = the_serial;
    a.step = w.step_now() + 5;
    a.now = w.clock.time;
    auto verdict = w.store->accept_step(a);
    assert_true(verdict.ok());
    assert_true(verdict.value() == StepVerdict::accepted);
}

void down_then_up(void** state) {
    World& w = world(state);
    expect_outcome(login_now(w), LoginOutcome::success);

    run_cluster("down");
    auto view = w.store->load_login(the_login);
    assert_false(view.ok());
    assert_int_equal(static_cast<int>(view.error().code), static_cast<int>(Errc::unavailable));
    auto charge = w.store->charge_failure(the_login, w.clock.time, 5, 900);
    assert_false(charge.ok());
    assert_int_equal(static_cast<int>(charge.error().code), static_cast<int>(Errc::unavailable));
    // A login during the outage: unavailable (PAM_AUTHINFO_UNAVAIL), no prompt.
    w.clock.time += 30;
    const LoginResult during = w.login();
    expect_outcome(during, LoginOutcome::unavailable);
    assert_true(w.prompter.prompts.empty());
    assert_non_null(strstr(w.logger.lines.back().c_str(), "outcome=unavailable reason=store: "));

    run_cluster("up");
    view = w.store->load_login(the_login);
    if (!view) fail_msg("after the outage: %s", view.error().message.c_str());
    w.prompter.answers.clear();
    expect_outcome(login_now(w), LoginOutcome::success);
    // Nothing was charged while the server was away.
    assert_int_equal(w.user().failures, 0);
}

}  // namespace

int main() {
    const char* dir = std::getenv("OKEY_TEST_PG_DIR");
    if (!dir || backend() != Backend::postgresql) {
        std::fprintf(stderr, "test_restart: needs OKEY_TEST_STORE=postgresql and OKEY_TEST_PG_DIR\n");
        return 1;
    }
    cluster_dir = dir;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(restarted_between_two_logins, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(down_then_up, setup_world_with_pin, teardown_world),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
