// SPDX-License-Identifier: Apache-2.0
// tests/pam/test_pam_scope.cpp — `scope:` (DESIGN.md §11) through the real
// pam_okey.so: who is asked for a passcode and who is left to the rest of the
// stack (PAM_IGNORE, then pam_permit here), with the one log line saying why.
//
// The accounts and groups come from nss_wrapper (Debian libnss-wrapper,
// preloaded with pam_wrapper): NSS answers from files this test writes, so
// the group rules meet real getpwnam_r / getgrouplist calls without touching
// the system's accounts, without root, and alongside other test runs.
#include "tests/pam/harness.hpp"

#include <security/pam_appl.h>

#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdlib>
#include <memory>

extern "C" {
#include <cmocka.h>
}

using namespace okey::test;

namespace {

using World = PamWorld;
World* world = nullptr;

// alice: primary group staff; carol: staff through a supplementary group;
// dave: staff and the exempt admins (supplementary); bob: neither.
void write_accounts() {
    write_file(world->dir / "passwd",
               "root:x:0:0:root:/root:/bin/bash\n"
               "alice:x:2001:3001::/nonexistent:/bin/false\n"
               "bob:x:2002:3003::/nonexistent:/bin/false\n"
               "carol:x:2003:3003::/nonexistent:/bin/false\n"
               "dave:x:2004:3001::/nonexistent:/bin/false\n",
               0644);
    write_file(world->dir / "group",
               "root:x:0:\n"
               "staff:x:3001:carol\n"
               "admins:x:3002:dave\n"
               "others:x:3003:\n",
               0644);
    setenv("NSS_WRAPPER_PASSWD", (world->dir / "passwd").c_str(), 1);
    setenv("NSS_WRAPPER_GROUP", (world->dir / "group").c_str(), 1);
}

void add_service(const std::string& name, const std::string& scope) {
    add_rollout_service(*world, name, scope);
}

struct Attempt {
    int code;
    bool asked;
    std::string log;
};

// A login that gives no answer: whether it was asked is what counts.
Attempt attempt(const std::string& service, const std::string& login) {
    Conversation c;
    Attempt a{};
    a.log = capture_log([&] { a.code = authenticate(service, login, c); });
    a.asked = !c.prompts().empty();
    return a;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

void only_members_of_groups_are_asked(void**) {
    const Attempt alice = attempt("staff-only", "alice");
    assert_true(alice.asked);  // primary group
    const Attempt carol = attempt("staff-only", "carol");
    assert_true(carol.asked);  // supplementary group
    const Attempt bob = attempt("staff-only", "bob");
    assert_false(bob.asked);
    assert_int_equal(bob.code, PAM_SUCCESS);  // pam_permit decided
    assert_true(contains(bob.log, "login=bob serial=- service=staff-only rhost=- outcome=ignored "
                                  "reason=scope: not a member of staff"));
}

void exempt_group_wins_even_when_supplementary(void**) {
    const Attempt dave = attempt("staff-exempt-admins", "dave");
    assert_false(dave.asked);
    assert_int_equal(dave.code, PAM_SUCCESS);
    assert_true(contains(dave.log, "outcome=ignored reason=scope: member of exempt group admins"));
    assert_true(attempt("staff-exempt-admins", "alice").asked);
}

void exempt_users_are_not_asked(void**) {
    const Attempt root = attempt("exempt-root", "root");
    assert_false(root.asked);
    assert_true(contains(root.log, "login=root serial=- service=exempt-root rhost=- "
                                   "outcome=ignored reason=scope: exempt user"));
    assert_true(attempt("exempt-root", "bob").asked);
}

// Fail closed: scope never exempts what NSS cannot show.
void unknown_logins_and_groups_are_asked(void**) {
    const Attempt ghost = attempt("staff-only", "ghost");  // not in NSS
    assert_true(ghost.asked);
    assert_int_not_equal(ghost.code, PAM_SUCCESS);
    assert_true(attempt("exempt-no-such-group", "bob").asked);
}

void no_scope_asks_everyone(void**) {
    for (const char* login : {"root", "alice", "bob", "dave"}) assert_true(attempt("everyone", login).asked);
}

}  // namespace

int main(int argc, char** argv) {
    run_as_root(argc, argv);
    auto owned = std::make_unique<World>();
    world = owned.get();
    write_accounts();
    add_service("staff-only", "scope: { groups = [ \"staff\" ]; };\n");
    add_service("staff-exempt-admins",
                "scope: { groups = [ \"staff\" ]; exempt_groups = [ \"admins\" ]; };\n");
    add_service("exempt-root", "scope: { exempt_users = [ \"root\" ]; };\n");
    add_service("exempt-no-such-group", "scope: { exempt_groups = [ \"no-such-group\" ]; };\n");
    add_service("everyone", "");
    world->services.activate();

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_members_of_groups_are_asked),
        cmocka_unit_test(exempt_group_wins_even_when_supplementary),
        cmocka_unit_test(exempt_users_are_not_asked),
        cmocka_unit_test(unknown_logins_and_groups_are_asked),
        cmocka_unit_test(no_scope_asks_everyone),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
