// SPDX-License-Identifier: Apache-2.0
// tests/remote/test_remote_module.cpp — the engine's loader of okey-remote.so
// (engine/remote/module_loader.cpp), built here with the module path fixed to
// a test folder (OKEY_REMOTE_MODULE_PATH) that each case fills: a missing
// module, one writable by others, a symbolic link, a folder writable by
// others, a file that is not a module, a module without the entry point are
// refused (PAM_SERVICE_ERR) before anything of them runs; the real module
// runs, and the remote outcome is audited in the local store. Built twice:
// MODULE_CASES_VERSION: a module of another version, in a process and folder
// of its own (each executable has its own fixed path).
#include "tests/engine/harness.hpp"

#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace okey;
using namespace okey::test;
namespace fs = std::filesystem;

namespace {

const fs::path module_path = OKEY_REMOTE_MODULE_PATH;
const fs::path folder = module_path.parent_path();

void place(const fs::path& source, mode_t mode = 0644) {
    assert_int_equal(chmod(folder.c_str(), 0755), 0);
    fs::remove(module_path);
    fs::copy_file(source, module_path);
    assert_int_equal(chmod(module_path.c_str(), mode), 0);
}

// A login against a server that is not there: the module, once loaded, says
// "unavailable"; a refused module is a service error naming why.
LoginResult remote_login(World& w) {
    w.config.backend = BackendKind::remote;
    w.config.remote.urls = {"https://127.0.0.1:1"};  // nothing listens: refused at once
    w.config.remote.connect_timeout_ms = 500;
    w.config.remote.timeout_ms = 1000;
    w.answer(std::string(the_pin) + w.code());
    return w.login();
}

void expect_refused_module(World& w, const char* why, const fs::path& named = module_path) {
    const LoginResult result = remote_login(w);
    assert_int_equal(static_cast<int>(result.outcome),
                     static_cast<int>(LoginOutcome::service_error));
    if (result.reason.find("remote module: " + named.string() + ":") != 0 ||
        result.reason.find(why) == std::string::npos)
        fail_msg("reason: %s (expected \"%s\")", result.reason.c_str(), why);
    assert_true(w.prompter.events.empty());  // refused before the module could ask anything
}

#if MODULE_CASES_VERSION
void module_of_another_version(void** state) {
    place(OKEY_OTHER_VERSION_MODULE);
    expect_refused_module(world(state), "built from another version of okey (0.0.0-other, not");
}
#else
void missing_module(void** state) {
    fs::remove(module_path);
    expect_refused_module(world(state), "not found");
}

void module_writable_by_others(void** state) {
    place(OKEY_REMOTE_MODULE, 0666);
    expect_refused_module(world(state), "refused: writable by others");
}

void module_as_a_symbolic_link(void** state) {
    fs::remove(module_path);
    fs::create_symlink(OKEY_REMOTE_MODULE, module_path);
    expect_refused_module(world(state), "refused: is a symbolic link");
}

void folder_writable_by_others(void** state) {
    place(OKEY_REMOTE_MODULE);
    assert_int_equal(chmod(folder.c_str(), 0777), 0);
    expect_refused_module(world(state), "refused: writable by others", folder);
    assert_int_equal(chmod(folder.c_str(), 0755), 0);
}

void not_a_module(void** state) {
    place(OKEY_NO_ENTRY_MODULE);
    expect_refused_module(world(state), "not an okey remote module");
}

// The real module runs; run_login audits its outcome into the local store.
void remote_outcome_is_audited_locally(void** state) {
    World& w = world(state);
    place(OKEY_REMOTE_MODULE);
    const LoginResult result = remote_login(w);
    assert_int_equal(static_cast<int>(result.outcome), static_cast<int>(LoginOutcome::unavailable));
    const auto rows = w.login_audit();
    assert_int_equal(rows.size(), 1);
    assert_string_equal(rows[0].outcome.c_str(), "unavailable");
    assert_string_equal(rows[0].login.c_str(), the_login);
    assert_non_null(strstr(w.logger.lines.back().c_str(), "outcome=unavailable"));
    w.expect_no_secret_leaked();
}
#endif

int make_folder(void**) {
    fs::create_directories(folder);
    return chmod(folder.c_str(), 0755);
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
#if MODULE_CASES_VERSION
        cmocka_unit_test_setup_teardown(module_of_another_version, setup_world_with_pin,
                                        teardown_world),
#else
        cmocka_unit_test_setup_teardown(missing_module, setup_world_with_pin, teardown_world),
        cmocka_unit_test_setup_teardown(module_writable_by_others, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(module_as_a_symbolic_link, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(folder_writable_by_others, setup_world_with_pin,
                                        teardown_world),
        cmocka_unit_test_setup_teardown(not_a_module, setup_world_with_pin, teardown_world),
        // Last: once accepted, a module stays in the process.
        cmocka_unit_test_setup_teardown(remote_outcome_is_audited_locally, setup_world_with_pin,
                                        teardown_world),
#endif
    };
    return cmocka_run_group_tests(tests, make_folder, nullptr);
}
