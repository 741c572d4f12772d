// SPDX-License-Identifier: Apache-2.0
// tests/pam/test_pam_forward.cpp — the forward_pass argument (DESIGN.md §10)
// through the real PAM stack, as a single-field client (a screen locker,
// OpenVPN) meets it: one question answered with the password followed by the
// passcode; pam_okey.so finds PIN + code at the end, for every PIN length the
// policy allows, and hands the rest on as PAM_AUTHTOK to the real pam_unix
// with use_first_pass, which checks it.
//
// pam_unix reads its account through NSS: nss_wrapper (Debian libnss-wrapper)
// serves it from a file this test writes, with the password's crypt hash in
// the passwd entry (pam_unix's path for accounts without shadow; pam_wrapper
// has no shadow file, and pam_unix's getspnam_r goes past nss_wrapper).
#include "tests/pam/harness.hpp"

#include "engine/config.hpp"

#include <security/pam_appl.h>

#include <crypt.h>

#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdlib>
#include <memory>

extern "C" {
#include <cmocka.h>
}

using namespace okey;
using namespace okey::test;

namespace {

using World = PamWorld;
World* world = nullptr;

const std::string password = "Mot de passe 24";  // ends in digits, has spaces
const Texts french = default_texts(Language::fr, 4, 6);

std::string crypt_hash(const std::string& secret) {
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    if (crypt_gensalt_rn("$6$", 0, nullptr, 0, setting, sizeof setting) == nullptr) die("gensalt");
    crypt_data data{};
    const char* hash = crypt_r(secret.c_str(), setting, &data);
    if (hash == nullptr || hash[0] == '*') die("crypt");
    return hash;
}

void write_accounts() {
    std::string passwd;
    int uid = 2001;
    for (const char* login : {"alice", "bob", "carol", "dave", "erin", "gina"})
        passwd += std::string(login) + ":" + crypt_hash(password) + ":" + std::to_string(uid++) +
                  ":3001::/nonexistent:/bin/false\n";
    write_file(world->dir / "passwd", passwd, 0644);
    write_file(world->dir / "group", "staff:x:3001:\n", 0644);
    setenv("NSS_WRAPPER_PASSWD", (world->dir / "passwd").c_str(), 1);
    setenv("NSS_WRAPPER_GROUP", (world->dir / "group").c_str(), 1);
}

// pam_okey first (requisite: a wrong passcode ends the login), then pam_unix
// on what pam_okey handed on.
void add_service(const std::string& name, const std::string& extra_config,
                 const std::string& arguments = "forward_pass") {
    const std::string config = world->dir / (name + ".conf");
    write_file(config, world->store.config_text(extra_config), 0644);
    world->services.add_raw(
        name, "auth [success=ok ignore=ignore default=die] " + module_path() + " config=" + config +
                  " " + arguments +
                  "\nauth required /lib/x86_64-linux-gnu/security/pam_unix.so use_first_pass\n"
                  "account required /lib/x86_64-linux-gnu/security/pam_permit.so\n");
}

std::string code(const KeyFixture& key, std::int64_t offset = 0) {
    return code_at(key.secret_base32, offset);
}

// One login per PIN length the policy allows (4, 5, 6 digits), each its own key.
void every_pin_length_then_pam_unix(void**) {
    const std::vector<std::pair<std::string, std::string>> logins = {
        {"alice", "2580"}, {"bob", "25801"}, {"carol", "258013"}};
    for (const auto& [login, pin] : logins) {
        const KeyFixture key = world->store.ready_login(login, pin);
        Conversation c{{password + pin + code(key)}};
        assert_int_equal(authenticate("forward", login, c), PAM_SUCCESS);
        // One question, hidden, and nothing else.
        assert_int_equal(c.messages.size(), 1);
        assert_int_equal(c.messages[0].style, PAM_PROMPT_ECHO_OFF);
        assert_string_equal(c.messages[0].text.c_str(), french.password_passcode.c_str());
        assert_int_equal(world->store.user(login).failures, 0);
    }
}

// pam_unix sees the rest exactly: a wrong password after a right passcode
// fails there (and the passcode's code is spent).
void pam_unix_checks_what_is_handed_on(void**) {
    const KeyFixture key = world->store.ready_login("dave", "2580");
    Conversation wrong{{"Mot de passe 25" + std::string("2580") + code(key)}};
    const std::string log =
        capture_log([&] { assert_int_equal(authenticate("forward", "dave", wrong), PAM_AUTH_ERR); });
    assert_true(log.find("outcome=success") != std::string::npos);  // okey said yes
    assert_true(log.find("authentication failure") != std::string::npos);  // pam_unix said no
    Conversation replay{{password + "2580" + code(key)}};
    assert_int_equal(authenticate("forward", "dave", replay), PAM_AUTH_ERR);
    Conversation next{{password + "2580" + code(key, 1)}};
    assert_int_equal(authenticate("forward", "dave", next), PAM_SUCCESS);
}

// A wrong passcode ends the login before pam_unix, with one failure charged
// though three PIN lengths were tried; the password is handed on only after
// a success.
void wrong_passcode_charged_once(void**) {
    const KeyFixture key = world->store.ready_login("erin", "2580");
    Conversation c{{password + "1397" + code(key)}};
    std::string log;
    log = capture_log([&] { assert_int_equal(authenticate("forward", "erin", c), PAM_AUTH_ERR); });
    assert_int_equal(world->store.user("erin").failures, 1);
    assert_true(log.find("outcome=refused") != std::string::npos);
    assert_true(log.find(password) == std::string::npos);
    assert_true(log.find("authentication failure") == std::string::npos);  // pam_unix never ran
}

// Not asked for a passcode (scope): the whole text is the password.
void exempt_login_hands_on_the_whole_text(void**) {
    Conversation right{{password}};
    assert_int_equal(authenticate("forward-exempt", "gina", right), PAM_SUCCESS);
    Conversation wrong{{password + "x"}};
    assert_int_equal(authenticate("forward-exempt", "gina", wrong), PAM_AUTH_ERR);
}

// New-PIN mode needs a conversation one field cannot hold: refused.
void new_pin_mode_is_refused(void**) {
    const KeyFixture key = world->store.add_key("FWD-NEWPIN");
    world->store.assign(key.serial, "bob2");
    Conversation c{{password + code(key)}};
    assert_int_not_equal(authenticate("forward", "bob2", c), PAM_SUCCESS);
}

// use_first_pass with forward_pass takes the text from PAM_AUTHTOK, never asks.
void use_first_pass_without_authtok_asks_nothing(void**) {
    world->store.ready_login("zoe", "2580");
    Conversation c{{password}};
    assert_int_equal(authenticate("forward-use-first", "zoe", c), PAM_AUTH_ERR);
    assert_true(c.prompts().empty());
}

}  // namespace

int main(int argc, char** argv) {
    run_as_root(argc, argv);
    auto owned = std::make_unique<World>();
    world = owned.get();
    write_accounts();
    add_service("forward", "");
    add_service("forward-exempt", "scope: { exempt_users = [ \"gina\" ]; };\n");
    add_service("forward-use-first", "", "forward_pass use_first_pass");
    world->services.activate();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_pin_length_then_pam_unix),
        cmocka_unit_test(pam_unix_checks_what_is_handed_on),
        cmocka_unit_test(wrong_passcode_charged_once),
        cmocka_unit_test(exempt_login_hands_on_the_whole_text),
        cmocka_unit_test(new_pin_mode_is_refused),
        cmocka_unit_test(use_first_pass_without_authtok_asks_nothing),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
