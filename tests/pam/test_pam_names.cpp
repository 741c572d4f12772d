// SPDX-License-Identifier: Apache-2.0
// tests/pam/test_pam_names.cpp — a login typed in another case, through the
// real pam_okey.so, where the directory compares names without case (SSSD or
// LDAP with case_sensitive = false; issue 15): `ssh JDupont@host` logs in as
// jdupont, so okey must ask jdupont's passcode, not find "no such login" and
// leave the login to the rest of the stack (unknown_user = "ignore").
//
// NSS is nss_wrapper (Debian libnss-wrapper): its files hold the local
// accounts and the groups, and its module backend loads
// tests/support/nss_nocase.c (NSS_WRAPPER_MODULE_* set by ctest), a directory
// that answers getpwnam_r as such a directory does — asked after the files,
// as with `passwd: files sss`. The module can also play an unreachable one.
#include "tests/pam/harness.hpp"

#include "engine/config.hpp"

#include <security/pam_appl.h>

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

const Texts french = default_texts(Language::fr, 4, 6);
const std::string pin = "2580";
KeyFixture jdupont;  // jdupont's key, in the store as "jdupont"

// root is a local account (nss_wrapper's files); jdupont and mmartin are the
// directory's; staff is jdupont's group.
void write_accounts() {
    write_file(world->dir / "passwd", "root:x:0:0:root:/root:/bin/bash\n", 0644);
    write_file(world->dir / "directory",
               "jdupont:x:2001:3001::/nonexistent:/bin/false\n"
               "mmartin:x:2002:3003::/nonexistent:/bin/false\n",
               0644);
    write_file(world->dir / "group", "root:x:0:\nstaff:x:3001:\nothers:x:3003:\n", 0644);
    setenv("NSS_WRAPPER_PASSWD", (world->dir / "passwd").c_str(), 1);
    setenv("NSS_WRAPPER_GROUP", (world->dir / "group").c_str(), 1);
    setenv("OKEY_TEST_NSS_DIRECTORY", (world->dir / "directory").c_str(), 1);
}

// The roll-out stack, unknown logins left to the rest of it.
void add_service(const std::string& name, const std::string& extra) {
    add_rollout_service(*world, name, "unknown_user = \"ignore\";\n" + extra);
}

struct Attempt {
    int code;
    std::vector<std::string> prompts;
    std::string log;
};

Attempt attempt(const std::string& service, const std::string& login,
                std::vector<std::string> answers = {}) {
    Conversation c{std::move(answers)};
    Attempt a{};
    a.log = capture_log([&] { a.code = authenticate(service, login, c); });
    a.prompts = c.prompts();
    return a;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string wrong_code(const KeyFixture& key) {
    return code_at(key.secret_base32, 0) == "000000" ? "000001" : "000000";
}

// The case: asked, jdupont's row used, a wrong passcode refused and
// charged, the right one accepted; one log line names both spellings.
void typed_in_another_case_is_asked_for_the_account(void**) {
    const KeyFixture& key = jdupont;
    const Attempt wrong = attempt("names", "JDupont", {pin + wrong_code(key)});
    assert_int_equal(wrong.code, PAM_AUTH_ERR);
    assert_true(wrong.prompts == std::vector<std::string>{french.passcode});
    assert_int_equal(world->store.user("jdupont").failures, 1);
    assert_true(contains(wrong.log, "login=jdupont typed=JDupont: the login as NSS spells it"));
    assert_true(contains(wrong.log, "login=jdupont serial=" + key.serial +
                                        " service=names rhost=- outcome=refused"));

    const Attempt right = attempt("names", "JDupont", {pin + code_at(key.secret_base32, 0)});
    assert_int_equal(right.code, PAM_SUCCESS);
    assert_true(right.prompts == std::vector<std::string>{french.passcode});
    assert_int_equal(world->store.user("jdupont").failures, 0);
    assert_true(*world->store.token(key.serial).last_step + 1 >= step_now());
    assert_true(contains(right.log, "login=jdupont serial=" + key.serial +
                                        " service=names rhost=- outcome=success"));
    // The audit row is jdupont's too.
    Store store = world->store.open();
    AuditFilter filter;
    filter.login = "jdupont";
    int logins = 0;
    for (const auto& e : must(store.audit(filter), "audit")) logins += e.event == "login";
    assert_int_equal(logins, 2);
}

// The same spelling as NSS: no second log line.
void typed_as_nss_spells_it_logs_one_name(void**) {
    const KeyFixture key = world->store.ready_login("mmartin", pin);
    const Attempt a = attempt("names", "mmartin", {pin + code_at(key.secret_base32, 0)});
    assert_int_equal(a.code, PAM_SUCCESS);
    assert_false(contains(a.log, "typed="));
}

// Scope looks at the account too: a member of the scoped group typed in
// another case is asked; an exempt login typed so is exempt.
void scope_sees_the_account(void**) {
    const Attempt member = attempt("names-staff", "JDUPONT");
    assert_false(member.prompts.empty());
    assert_int_not_equal(member.code, PAM_SUCCESS);
    const Attempt other = attempt("names-staff", "MMartin");
    assert_true(other.prompts.empty());
    assert_true(contains(other.log, "login=mmartin serial=- service=names-staff rhost=- "
                                    "outcome=ignored reason=scope: not a member of staff"));
    const Attempt exempt = attempt("names-exempt", "JDupont");
    assert_true(exempt.prompts.empty());
    assert_true(contains(exempt.log, "login=jdupont serial=- service=names-exempt rhost=- "
                                     "outcome=ignored reason=scope: exempt user"));
}

// A name NSS does not know stays as typed: unknown_user decides, as before.
void a_login_nss_does_not_know_keeps_its_name(void**) {
    const Attempt ghost = attempt("names", "Ghost");
    assert_true(ghost.prompts.empty());
    assert_int_equal(ghost.code, PAM_SUCCESS);  // ignored, pam_permit decided
    assert_true(contains(ghost.log, "login=Ghost serial=- service=names rhost=- outcome=ignored "
                                    "reason=unknown login"));
    assert_false(contains(ghost.log, "typed="));
}

// A directory that cannot answer decides nothing: not "unknown login"
// (PAM_IGNORE, the factor skipped), but PAM_AUTHINFO_UNAVAIL, unasked.
// Local accounts are still answered (by the files) and asked as usual.
void nss_down_fails_closed(void**) {
    setenv("OKEY_TEST_NSS_DOWN", "1", 1);
    const Attempt local = attempt("names", "root");
    assert_false(contains(local.log, "outcome=unavailable"));
    assert_true(contains(local.log, "login=root serial=- service=names rhost=- outcome=ignored "
                                    "reason=unknown login"));
    for (const char* typed : {"JDupont", "jdupont", "Root"}) {
        const Attempt a = attempt("names", typed);
        assert_int_equal(a.code, PAM_AUTHINFO_UNAVAIL);
        assert_true(a.prompts.empty());
        assert_true(contains(a.log, "login=" + std::string(typed) +
                                        " serial=- service=names rhost=- outcome=unavailable "
                                        "reason=cannot tell whose login this is: NSS: "));
    }
    unsetenv("OKEY_TEST_NSS_DOWN");
}

}  // namespace

int main(int argc, char** argv) {
    run_as_root(argc, argv);
    auto owned = std::make_unique<World>();
    world = owned.get();
    write_accounts();
    jdupont = world->store.ready_login("jdupont", pin);
    add_service("names", "");
    add_service("names-staff", "scope: { groups = [ \"staff\" ]; };\n");
    add_service("names-exempt", "scope: { exempt_users = [ \"jdupont\" ]; };\n");
    world->services.activate();

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(typed_in_another_case_is_asked_for_the_account),
        cmocka_unit_test(typed_as_nss_spells_it_logs_one_name),
        cmocka_unit_test(scope_sees_the_account),
        cmocka_unit_test(a_login_nss_does_not_know_keeps_its_name),
        cmocka_unit_test(nss_down_fails_closed),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
