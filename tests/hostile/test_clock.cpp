// SPDX-License-Identifier: Apache-2.0
// tests/hostile/test_clock.cpp — the system clock stepping back an hour (and
// forward again) between logins, through the real PAM stack. The process runs
// under libfaketime (FAKETIME_NO_CACHE=1: setenv("FAKETIME", …) moves the
// clock of the module, libpam and this test at once). No code may be
// accepted twice: neither the one already used, nor the codes that were
// current an hour ago — their steps are older than the last accepted one.
#include "tests/hostile/hostile.hpp"

#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>

extern "C" {
#include <cmocka.h>
}

using namespace okey::test;

namespace {

const char* const pin = "2580";

using World = PamWorld;
World* world = nullptr;

void set_clock(const char* offset) { setenv("FAKETIME", offset, 1); }

int login(const std::string& who, const std::string& passcode) {
    Conversation conversation{{passcode}};
    return authenticate("okey", who, conversation);
}

void faketime_is_in_force(void**) {
    set_clock("-3600");
    const std::time_t back = std::time(nullptr);
    set_clock("+0");
    const std::time_t now = std::time(nullptr);
    // If libfaketime were not preloaded the clock would not move, and the
    // tests below would prove nothing.
    assert_true(now - back >= 3590 && now - back <= 3610);
}

void clock_stepping_back_an_hour(void**) {
    set_clock("+0");
    const KeyFixture key = world->store.ready_login("clock-user", pin);
    const std::string used = pin + code_at(key.secret_base32, 0);
    assert_int_equal(login("clock-user", used), PAM_SUCCESS);
    const std::uint64_t accepted = world->store.token(key.serial).last_step.value();

    set_clock("-3600");
    // The code just used, and every code current an hour ago (in the window
    // and in the resync band): all at or before the last accepted step.
    assert_int_equal(login("clock-user", used), PAM_AUTH_ERR);
    for (const int offset : {-1, 0, 1, 5, 10})
        assert_int_equal(login("clock-user", pin + code_at(key.secret_base32, offset)), PAM_AUTH_ERR);
    assert_int_equal(world->store.token(key.serial).last_step.value(), accepted);

    set_clock("+0");
    assert_int_equal(login("clock-user", used), PAM_AUTH_ERR);  // still used
    assert_int_equal(login("clock-user", pin + code_at(key.secret_base32, 1)), PAM_SUCCESS);
    assert_true(world->store.token(key.serial).last_step.value() > accepted);
}

// Answers the new-PIN dialogue; before the last prompt (the final passcode)
// the clock steps back an hour and the code current then is typed.
struct NewPinScript {
    std::string secret_base32;
    std::string first_code;
    int asked = 0;
};
extern "C" int new_pin_with_clock_step(int count, const struct pam_message** messages,
                                       struct pam_response** responses, void* data) {
    auto* script = static_cast<NewPinScript*>(data);
    auto* replies = static_cast<pam_response*>(calloc(static_cast<size_t>(count), sizeof(pam_response)));
    if (replies == nullptr) return PAM_BUF_ERR;
    for (int i = 0; i < count; ++i) {
        if (messages[i]->msg_style != PAM_PROMPT_ECHO_OFF && messages[i]->msg_style != PAM_PROMPT_ECHO_ON)
            continue;
        std::string answer;
        switch (script->asked++) {
        case 0: answer = script->first_code; break;
        case 1:
        case 2: answer = "3691"; break;
        default:
            set_clock("-3600");
            answer = "3691" + code_at(script->secret_base32, 0);
        }
        replies[i].resp = strdup(answer.c_str());
    }
    *responses = replies;
    return PAM_SUCCESS;
}

void clock_stepping_back_during_new_pin_mode(void**) {
    set_clock("+0");
    const KeyFixture key = world->store.add_key("CLOCK-NEWPIN");
    world->store.assign(key.serial, "clock-newpin");
    NewPinScript script{key.secret_base32, code_at(key.secret_base32, 0), 0};
    const int code = okey::hostile::authenticate_raw("okey", "clock-newpin", new_pin_with_clock_step, &script);
    set_clock("+0");
    assert_int_equal(script.asked, 4);
    assert_int_equal(code, PAM_AUTH_ERR);
    assert_int_equal(static_cast<int>(world->store.user("clock-newpin").pin_state),
                     static_cast<int>(okey::PinState::new_pin_required));
    // With the clock right again the dialogue completes, with later codes.
    Conversation again{{code_at(key.secret_base32, 1), "3691", "3691",
                        std::string("3691") + code_at(key.secret_base32, 2)}};
    assert_int_equal(authenticate("okey", "clock-newpin", again), PAM_SUCCESS);
}

}  // namespace

int main(int argc, char** argv) {
    run_as_root(argc, argv);
    if (std::getenv("FAKETIME") == nullptr) die("run under libfaketime (FAKETIME=+0 FAKETIME_NO_CACHE=1)");
    auto owned = std::make_unique<World>();
    world = owned.get();
    write_file(world->dir / "okey.conf",
               world->store.config_text("totp: { window = 2; resync_window = 10; };\nlockout: { max_failures = 100; lock_seconds = 60; };\n"), 0644);
    world->services.add_okey("okey", "config=" + (world->dir / "okey.conf"));
    world->services.activate();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(faketime_is_in_force),
        cmocka_unit_test(clock_stepping_back_an_hour),
        cmocka_unit_test(clock_stepping_back_during_new_pin_mode),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
