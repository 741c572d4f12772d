// SPDX-License-Identifier: Apache-2.0
// tests/helper/test_helper_flows.cpp — every login flow of DESIGN.md §4 as a
// screen locker runs it: pam_authenticate called by `nobody` (not root), so
// pam_okey_test.so runs the setuid-root copy of okey-check, which reads the
// root-only store and relays each question. Checked: the PAM code, the
// questions and messages with their PAM styles, the store afterwards, and
// what okey-check logged. Then the refusals: another login, okey-check
// missing or not setuid, and the installed module ignoring the test hooks.
#include "tests/helper/helper_harness.hpp"

#include "engine/config.hpp"
#include "engine/local/login_flow.hpp"
#include "engine/texts.hpp"

#include <security/pam_appl.h>

#include <crypt.h>
#include <pwd.h>
#include <sched.h>
#include <sys/mount.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

extern "C" {
#include <cmocka.h>
}

using namespace okey;
using namespace okey::test;
using namespace okey::helpertest;

namespace {

const Texts french = default_texts(Language::fr, 4, 6);
const std::string pin = "2580";
constexpr const char* pam_permit_path = "/lib/x86_64-linux-gnu/security/pam_permit.so";
std::unique_ptr<World> world;
Caller caller;

int fresh_world(void**) {
    world = std::make_unique<World>();
    return 0;
}
int drop_world(void**) {
    world.reset();
    return 0;
}

std::string passcode(const KeyFixture& key, std::int64_t offset = 0) {
    return pin + code_at(key.secret_base32, offset);
}

bool near_now(std::uint64_t step, std::int64_t offset) {
    const auto expected = static_cast<std::int64_t>(step_now()) + offset;
    const auto got = static_cast<std::int64_t>(step);
    return got >= expected - 1 && got <= expected;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// ---- the flows ----

void normal_login(void**) {
    const KeyFixture key = world->store.ready_login(caller.login, pin);
    const LoginReport r = login_as(caller, "okey", caller.login, Conversation{{passcode(key)}});
    assert_int_equal(r.code, PAM_SUCCESS);
    assert_true(r.prompts() == std::vector<std::string>{french.passcode});
    assert_int_equal(r.messages.at(0).style, PAM_PROMPT_ECHO_OFF);
    assert_true(near_now(*world->store.token(key.serial).last_step, 0));
    // okey-check decided, with the module's service, and logged it.
    assert_true(contains(world->helper_log(), "login=nobody serial=" + key.serial +
                                                  " service=okey rhost=- outcome=success"));
}

void wrong_passcode(void**) {
    const KeyFixture key = world->store.ready_login(caller.login, pin);
    const LoginReport r =
        login_as(caller, "okey", caller.login, Conversation{{"9999" + code_at(key.secret_base32, 0)}});
    assert_int_equal(r.code, PAM_AUTH_ERR);
    assert_int_equal(world->store.user(caller.login).failures, 1);
}

void new_pin_mode_with_messages(void**) {
    const KeyFixture key = world->store.add_key("HELPER-NEWPIN");
    world->store.assign(key.serial, caller.login);
    Conversation c;
    const std::string first = with_reason(fill_code_digits(french.new_pin_intro, 6), french.code_only);
    c.by_prompt[first] = {code_at(key.secret_base32, 0)};
    c.by_prompt[french.new_pin] = {"4826", "4826"};
    c.by_prompt[french.confirm_pin] = {"4827", "4826"};
    c.by_prompt[french.new_pin_passcode] = {"4826" + code_at(key.secret_base32, 1)};
    const LoginReport r = login_as(caller, "okey", caller.login, c);
    assert_int_equal(r.code, PAM_SUCCESS);
    assert_true((r.prompts() == std::vector<std::string>{first, french.new_pin, french.confirm_pin,
                                                          french.new_pin, french.confirm_pin,
                                                          french.new_pin_passcode}));
    // Errors and information keep their PAM style through the relay.
    assert_true(r.has(PAM_ERROR_MSG, french.pin_mismatch));
    assert_true(r.has(PAM_TEXT_INFO, french.pin_saved));
    const UserRecord user = world->store.user(caller.login);
    assert_int_equal(static_cast<int>(user.pin_state), static_cast<int>(PinState::set));
    assert_int_equal(otp::verify_pin(user.pin_hash, "4826"), OKEY_OTP_OK);
}

void next_code_mode(void**) {
    const KeyFixture key = world->store.ready_login(caller.login, pin);
    Conversation c;
    c.by_prompt[french.passcode] = {passcode(key, 5)};
    const std::string next = with_reason(french.next_code_reason, french.next_code);
    c.by_prompt[next] = {code_at(key.secret_base32, 6)};
    const LoginReport r = login_as(caller, "okey", caller.login, c);
    assert_int_equal(r.code, PAM_SUCCESS);
    assert_true((r.prompts() == std::vector<std::string>{french.passcode, next}));
    const std::int64_t drift = world->store.token(key.serial).drift;
    assert_true(drift >= 5 && drift <= 6);
}

void locked_login_is_told_after_the_right_code(void**) {
    world->write_config("lockout: { max_failures = 1; lock_seconds = 900; };\n");
    const KeyFixture key = world->store.ready_login(caller.login, pin);
    const LoginReport locking =
        login_as(caller, "okey", caller.login, Conversation{{"9999" + code_at(key.secret_base32, -1)}});
    assert_int_equal(locking.code, PAM_AUTH_ERR);
    const LoginReport r = login_as(caller, "okey", caller.login, Conversation{{passcode(key)}});
    assert_int_equal(r.code, PAM_MAXTRIES);
    assert_true(r.has(PAM_ERROR_MSG, french.login_locked));
}

void expired_key_is_told_after_the_right_passcode(void**) {
    const KeyFixture key = world->store.ready_login(caller.login, pin, "2020-01-01");
    const LoginReport r = login_as(caller, "okey", caller.login, Conversation{{passcode(key)}});
    assert_int_equal(r.code, PAM_AUTH_ERR);
    assert_true(r.has(PAM_ERROR_MSG, french.key_expired));
}

void use_first_pass_goes_to_the_helper(void**) {
    world->services.add_raw("okey-first", "auth required " + pam_set_items_path() + "\n" +
                                              okey_line(*world, "use_first_pass"));
    const KeyFixture key = world->store.ready_login(caller.login, pin);
    setenv("PAM_AUTHTOK", passcode(key).c_str(), 1);
    const LoginReport r = login_as(caller, "okey-first", caller.login, Conversation{});
    unsetenv("PAM_AUTHTOK");
    assert_int_equal(r.code, PAM_SUCCESS);
    assert_true(r.prompts().empty());
}

// PAM_IGNORE leaves the decision to the next module (pam_permit here): a
// stack where every module ignores would fail whatever okey said.
std::string ignoring_stack(const std::string& arguments) {
    return "auth [success=done ignore=ignore default=die] " + test_module_path() +
           " config=" + world->config_path + " " + arguments +
           "\nauth required " + std::string(pam_permit_path) + "\n";
}

void unknown_login_ignored_through_the_helper(void**) {
    world->services.add_raw("okey-ignore", ignoring_stack("unknown_user=ignore"));
    const LoginReport r = login_as(caller, "okey-ignore", caller.login, Conversation{});
    assert_int_equal(r.code, PAM_SUCCESS);
    assert_true(r.prompts().empty());
    assert_true(contains(world->helper_log(), "outcome=ignored reason=unknown login"));
}

void exempt_caller_is_not_asked(void**) {
    world->write_config("scope: { exempt_users = [ \"" + caller.login + "\" ]; };\n");
    world->services.add_raw("okey-stacked", ignoring_stack(""));
    world->store.ready_login(caller.login, pin);
    const LoginReport r = login_as(caller, "okey-stacked", caller.login, Conversation{});
    assert_int_equal(r.code, PAM_SUCCESS);
    assert_true(r.prompts().empty());
    assert_true(contains(world->helper_log(), "outcome=ignored reason=scope: exempt user"));
}

// ---- one field: forward_pass, as i3lock or swaylock ----

// nobody's password for pam_unix comes from nss_wrapper's passwd file, set up
// in main() before any NSS call of this process (nss_wrapper reads its
// variables once); okey-check, setuid, ignores the preload and reads the
// system's NSS, where nobody has the same uid.
const std::string password = "Mot de passe 24";

void add_forward_service(const std::string& name) {
    world->services.add_raw(
        name, "auth [success=ok ignore=ignore default=die] " + test_module_path() +
                  " config=" + world->config_path +
                  " forward_pass\nauth required /lib/x86_64-linux-gnu/security/pam_unix.so "
                  "use_first_pass\naccount required " + std::string(pam_permit_path) + "\n");
}

void forward_pass_through_the_helper(void**) {
    add_forward_service("okey-forward");
    const KeyFixture key = world->store.ready_login(caller.login, pin);
    const LoginReport r = login_as(caller, "okey-forward", caller.login,
                                   Conversation{{password + pin + code_at(key.secret_base32, 0)}});
    assert_int_equal(r.code, PAM_SUCCESS);
    assert_true(r.prompts() == std::vector<std::string>{french.password_passcode});
    // pam_unix sees exactly the rest: a wrong password after a right passcode fails there.
    const LoginReport wrong = login_as(caller, "okey-forward", caller.login,
                                       Conversation{{"x" + pin + code_at(key.secret_base32, 1)}});
    assert_int_equal(wrong.code, PAM_AUTH_ERR);
    assert_true(contains(wrong.module_log, "authentication failure"));  // pam_unix said so
    // A wrong passcode ends it before pam_unix, one failure charged.
    const LoginReport bad = login_as(caller, "okey-forward", caller.login,
                                     Conversation{{password + "1397" + code_at(key.secret_base32, 2)}});
    assert_int_equal(bad.code, PAM_AUTH_ERR);
    assert_false(contains(bad.module_log, "authentication failure"));  // pam_unix never ran
    assert_int_equal(world->store.user(caller.login).failures, 1);
}

void forward_pass_exempt_hands_on_the_whole_text(void**) {
    world->write_config("scope: { exempt_users = [ \"" + caller.login + "\" ]; };\n");
    add_forward_service("okey-forward");
    assert_int_equal(login_as(caller, "okey-forward", caller.login, Conversation{{password}}).code,
                     PAM_SUCCESS);
    assert_int_equal(
        login_as(caller, "okey-forward", caller.login, Conversation{{password + "1"}}).code,
        PAM_AUTH_ERR);
}

// ---- refusals ----

void another_login_is_refused_unasked(void**) {
    const KeyFixture key = world->store.ready_login("alice", pin);
    const std::string before = store_files(*world);
    const LoginReport r = login_as(caller, "okey", "alice", Conversation{{passcode(key)}});
    assert_int_equal(r.code, PAM_AUTH_ERR);
    assert_true(r.prompts().empty());
    assert_string_equal(store_files(*world).c_str(), before.c_str());
    assert_true(contains(world->helper_log(), "refused: login=nobody asked about login=alice"));
}

// ---- a login typed in another case (issue 15) ----

// A directory that compares names without case (tests/support/nss_nocase.c,
// its entries those of /etc/passwd) in glibc's own NSS, as the setuid
// okey-check meets SSSD: no LD_PRELOAD reaches a setuid program, so in a
// private mount namespace of this test program libnss_hesiod.so.2 is that
// module and nsswitch.conf says `passwd: files hesiod`. Nothing outside this
// process sees it; unmounted at the end.
class CaseInsensitiveDirectory {
public:
    CaseInsensitiveDirectory() {
        if (unshare(CLONE_NEWNS) != 0) die(std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno));
        if (mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
            die(std::string("make / private: ") + std::strerror(errno));
        write_file(world->dir / "nsswitch.conf", "passwd: files hesiod\ngroup: files\n", 0644);
        bind(world->dir / "nsswitch.conf", nsswitch);
        bind(OKEY_NSS_NOCASE_GLIBC, hesiod);
    }
    ~CaseInsensitiveDirectory() {
        umount2(hesiod, MNT_DETACH);
        umount2(nsswitch, MNT_DETACH);
    }
    CaseInsensitiveDirectory(const CaseInsensitiveDirectory&) = delete;
    CaseInsensitiveDirectory& operator=(const CaseInsensitiveDirectory&) = delete;

private:
    static constexpr const char* nsswitch = "/etc/nsswitch.conf";
    static constexpr const char* hesiod = "/usr/lib/x86_64-linux-gnu/libnss_hesiod.so.2";
    static void bind(const std::string& from, const char* to) {
        if (mount(from.c_str(), to, nullptr, MS_BIND, nullptr) != 0)
            die("bind " + from + " on " + to + ": " + std::strerror(errno));
    }
};

std::string upper(std::string text) {
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

// The caller's own login typed in another case is theirs where NSS ignores
// case (asked, their row charged and then accepted); another's login so
// typed is still another's; where NSS compares exactly it is nobody's.
void callers_login_typed_in_another_case(void**) {
    const KeyFixture key = world->store.ready_login(caller.login, pin);
    const std::string typed = upper(caller.login);
    const std::string right = code_at(key.secret_base32, 0);
    {
        const CaseInsensitiveDirectory directory;
        const LoginReport wrong = login_as(caller, "okey", typed,
                                           Conversation{{pin + (right == "000000" ? "000001" : "000000")}});
        assert_int_equal(wrong.code, PAM_AUTH_ERR);
        assert_true(wrong.prompts() == std::vector<std::string>{french.passcode});
        assert_int_equal(world->store.user(caller.login).failures, 1);
        const LoginReport r = login_as(caller, "okey", typed, Conversation{{pin + right}});
        assert_int_equal(r.code, PAM_SUCCESS);
        assert_int_equal(world->store.user(caller.login).failures, 0);
        const std::string log = world->helper_log();
        assert_true(contains(log, "login=" + caller.login + " typed=" + typed +
                                      ": the login as NSS spells it"));
        assert_true(contains(log, "login=" + caller.login + " serial=" + key.serial +
                                      " service=okey rhost=- outcome=success"));

        const std::string before = store_files(*world);
        const LoginReport root = login_as(caller, "okey", "ROOT", Conversation{{pin + right}});
        assert_int_equal(root.code, PAM_AUTH_ERR);
        assert_true(root.prompts().empty());
        assert_string_equal(store_files(*world).c_str(), before.c_str());
        assert_true(contains(world->helper_log(),
                             "refused: login=" + caller.login + " asked about login=ROOT"));
    }
    const LoginReport exact = login_as(caller, "okey", typed, Conversation{{pin + right}});
    assert_int_equal(exact.code, PAM_AUTH_ERR);
    assert_true(exact.prompts().empty());
    assert_true(contains(world->helper_log(),
                         "refused: login=" + caller.login + " asked about login=" + typed));
}

void helper_missing_is_unavailable(void**) {
    setenv("OKEY_TEST_HELPER", (world->dir / "bin/absent").c_str(), 1);
    world->store.ready_login(caller.login, pin);
    const LoginReport r = login_as(caller, "okey", caller.login, Conversation{});
    assert_int_equal(r.code, PAM_AUTHINFO_UNAVAIL);
    assert_true(contains(r.module_log, "cannot run " + (world->dir / "bin/absent")));
}

void helper_without_setuid_is_a_service_error(void**) {
    const std::string copy = world->setuid_copy(OKEY_TEST_HELPER_BUILT, "not-setuid");
    chmod(copy.c_str(), 0755);
    setenv("OKEY_TEST_HELPER", copy.c_str(), 1);
    world->store.ready_login(caller.login, pin);
    const LoginReport r = login_as(caller, "okey", caller.login, Conversation{});
    assert_int_equal(r.code, PAM_SERVICE_ERR);
    assert_true(r.prompts().empty());
}

// pam_okey.so (the one installed) has no test hook: it runs the okey-check of
// its install path, whatever OKEY_TEST_HELPER says.
void installed_module_ignores_the_test_hook(void**) {
    world->services.add_raw("okey-installed", "auth required " + std::string(OKEY_PAM_MODULE_PATH) +
                                                  " config=" + world->config_path + "\n");
    world->store.ready_login(caller.login, pin);
    const LoginReport r = login_as(caller, "okey-installed", caller.login, Conversation{});
    assert_int_not_equal(r.code, PAM_SUCCESS);
    assert_false(contains(world->helper_log(), "login=nobody"));  // our copy never ran
    if (access(OKEY_INSTALLED_HELPER_PATH, F_OK) != 0) {
        assert_int_equal(r.code, PAM_AUTHINFO_UNAVAIL);
        assert_true(contains(r.module_log, "cannot run " OKEY_INSTALLED_HELPER_PATH));
    }
}

}  // namespace

// nss_wrapper's accounts: the system's nobody (read from /etc/passwd without
// NSS), with a password hash in its entry.
void nobody_has_a_password(const TempDir& dir) {
    FILE* file = std::fopen("/etc/passwd", "r");
    if (file == nullptr) die("cannot read /etc/passwd");
    std::string entry;
    while (const passwd* pw = fgetpwent(file)) {
        if (std::string(pw->pw_name) != "nobody") continue;
        char setting[CRYPT_GENSALT_OUTPUT_SIZE];
        crypt_data data{};
        if (crypt_gensalt_rn("$6$", 0, nullptr, 0, setting, sizeof setting) == nullptr) die("gensalt");
        const char* hash = crypt_r(password.c_str(), setting, &data);
        if (hash == nullptr || hash[0] == '*') die("crypt");
        entry = std::string("nobody:") + hash + ":" + std::to_string(pw->pw_uid) + ":" +
                std::to_string(pw->pw_gid) + "::/nonexistent:/usr/sbin/nologin\n";
        write_file(dir / "group", "nogroup:x:" + std::to_string(pw->pw_gid) + ":\n", 0644);
    }
    std::fclose(file);
    if (entry.empty()) die("no nobody in /etc/passwd");
    write_file(dir / "passwd", entry, 0644);
    chmod(dir.path().c_str(), 0755);
    setenv("NSS_WRAPPER_PASSWD", (dir / "passwd").c_str(), 1);
    setenv("NSS_WRAPPER_GROUP", (dir / "group").c_str(), 1);
}

int main() {
    const TempDir accounts;
    nobody_has_a_password(accounts);
    caller = nobody();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(normal_login, fresh_world, drop_world),
        cmocka_unit_test_setup_teardown(wrong_passcode, fresh_world, drop_world),
        cmocka_unit_test_setup_teardown(new_pin_mode_with_messages, fresh_world, drop_world),
        cmocka_unit_test_setup_teardown(next_code_mode, fresh_world, drop_world),
        cmocka_unit_test_setup_teardown(locked_login_is_told_after_the_right_code, fresh_world, drop_world),
        cmocka_unit_test_setup_teardown(expired_key_is_told_after_the_right_passcode, fresh_world, drop_world),
        cmocka_unit_test_setup_teardown(use_first_pass_goes_to_the_helper, fresh_world, drop_world),
        cmocka_unit_test_setup_teardown(unknown_login_ignored_through_the_helper, fresh_world, drop_world),
        cmocka_unit_test_setup_teardown(exempt_caller_is_not_asked, fresh_world, drop_world),
        cmocka_unit_test_setup_teardown(forward_pass_through_the_helper, fresh_world, drop_world),
        cmocka_unit_test_setup_teardown(forward_pass_exempt_hands_on_the_whole_text, fresh_world, drop_world),
        cmocka_unit_test_setup_teardown(another_login_is_refused_unasked, fresh_world, drop_world),
        cmocka_unit_test_setup_teardown(callers_login_typed_in_another_case, fresh_world, drop_world),
        cmocka_unit_test_setup_teardown(helper_missing_is_unavailable, fresh_world, drop_world),
        cmocka_unit_test_setup_teardown(helper_without_setuid_is_a_service_error, fresh_world, drop_world),
        cmocka_unit_test_setup_teardown(installed_module_ignores_the_test_hook, fresh_world, drop_world),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
