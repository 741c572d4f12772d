// SPDX-License-Identifier: Apache-2.0
// tests/pam/test_pam_engine_trust.cpp — pam_okey.so's load of its engine
// (pam/pam_okey.c, engine/trusted_module.c), through the real libpam
// (pam_wrapper): a module built here with the engine's path fixed to a test
// folder (OKEY_TRUST_ENGINE_PATH) that each case fills. A missing engine, one
// writable by others, owned by another user, a symbolic link, a folder
// writable by others, a file that is not an engine and an engine of another
// version (whose authenticate says yes to everyone) refuse the login
// (PAM_SERVICE_ERR) with one syslog line naming the file and the reason; the
// real engine then logs in. pam_okey.so loads its engine once per process:
// each case is a process of its own (this program, run again with
// --authenticate PASSCODE).
#include "tests/pam/harness.hpp"

#include <security/pam_appl.h>

#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern "C" {
#include <cmocka.h>
}

using namespace okey;
using namespace okey::test;
namespace fs = std::filesystem;

namespace {

const fs::path engine_path = OKEY_TRUST_ENGINE_PATH;
const fs::path folder = engine_path.parent_path();
const std::string pin = "2580";

PamWorld* world = nullptr;
std::string self;
KeyFixture key;

void place(const fs::path& source, mode_t mode = 0644) {
    assert_int_equal(chmod(folder.c_str(), 0755), 0);
    fs::remove(engine_path);
    fs::copy_file(source, engine_path);
    assert_int_equal(chmod(engine_path.c_str(), mode), 0);
}

struct Attempt {
    int code = -1;
    std::string output;  // the PAM code line and what the module logged
};

// A login in a new process (a fresh pam_okey.so): its PAM code and its log.
Attempt attempt(const std::string& passcode) {
    const std::string command = "'" + self + "' --authenticate " + passcode + " 2>&1";
    FILE* out = popen(command.c_str(), "r");
    assert_non_null(out);
    Attempt result;
    char buffer[512];
    while (fgets(buffer, sizeof buffer, out) != nullptr) result.output += buffer;
    const int status = pclose(out);
    assert_true(WIFEXITED(status));
    const auto at = result.output.find("code=");
    if (at == std::string::npos) fail_msg("no code: %s", result.output.c_str());
    result.code = std::stoi(result.output.substr(at + 5));
    return result;
}

void expect_refused(const char* why, const fs::path& named = engine_path) {
    const Attempt got = attempt(pin + code_at(key.secret_base32, 0));
    assert_int_equal(got.code, PAM_SERVICE_ERR);
    const std::string line = "refusing every login: " + named.string() + ": " + why;
    if (got.output.find(line) == std::string::npos)
        fail_msg("expected \"%s\" in:\n%s", line.c_str(), got.output.c_str());
}

void missing_engine(void**) {
    fs::remove(engine_path);
    expect_refused("not found");
}

void engine_writable_by_others(void**) {
    place(OKEY_ENGINE, 0666);
    expect_refused("refused: writable by others");
}

void engine_writable_by_group(void**) {
    place(OKEY_ENGINE, 0664);
    expect_refused("refused: writable by group");
}

void engine_of_another_owner(void**) {
    place(OKEY_ENGINE);
    assert_int_equal(chown(engine_path.c_str(), 65534, 65534), 0);
    expect_refused("refused: owned by uid 65534, not uid 0");
}

void engine_as_a_symbolic_link(void**) {
    fs::remove(engine_path);
    fs::create_symlink(OKEY_ENGINE, engine_path);
    expect_refused("refused: is a symbolic link");
}

void folder_writable_by_others(void**) {
    place(OKEY_ENGINE);
    assert_int_equal(chmod(folder.c_str(), 0777), 0);
    expect_refused("refused: writable by others", folder);
    assert_int_equal(chmod(folder.c_str(), 0755), 0);
}

void not_an_engine(void**) {
    place(OKEY_REMOTE_MODULE);
    expect_refused("not an okey PAM engine");
}

void engine_of_another_version(void**) {
    place(OKEY_OTHER_ENGINE);
    expect_refused("built from another version of okey (0.0.0-other, not");
}

// The real engine, accepted: a right passcode logs in, a wrong one does not.
void real_engine_logs_in(void**) {
    place(OKEY_ENGINE);
    const Attempt wrong = attempt(pin + "000000" == pin + code_at(key.secret_base32, 0)
                                      ? pin + "111111"
                                      : pin + "000000");
    assert_int_equal(wrong.code, PAM_AUTH_ERR);
    const Attempt right = attempt(pin + code_at(key.secret_base32, 0));
    if (right.code != PAM_SUCCESS) fail_msg("%s", right.output.c_str());
}

int authenticate_once(const char* passcode) {
    Conversation conversation{{passcode}};
    const int code = authenticate("okey", "alice", conversation);
    std::cout << "code=" << code << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    run_as_root(argc, argv);
    if (argc == 3 && std::string(argv[1]) == "--authenticate") return authenticate_once(argv[2]);
    self = fs::canonical("/proc/self/exe");
    PamWorld w;
    world = &w;
    key = w.store.ready_login("alice", pin);
    write_file(w.dir / "okey.conf", w.store.config_text(), 0644);
    w.services.add_raw("okey", "auth required " + std::string(OKEY_TRUST_MODULE) +
                                   " config=" + (w.dir / "okey.conf") + "\n");
    w.services.activate();
    fs::create_directories(folder);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(missing_engine),
        cmocka_unit_test(engine_writable_by_others),
        cmocka_unit_test(engine_writable_by_group),
        cmocka_unit_test(engine_of_another_owner),
        cmocka_unit_test(engine_as_a_symbolic_link),
        cmocka_unit_test(folder_writable_by_others),
        cmocka_unit_test(not_an_engine),
        cmocka_unit_test(engine_of_another_version),
        cmocka_unit_test(real_engine_logs_in),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
