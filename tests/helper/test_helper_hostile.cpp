// SPDX-License-Identifier: Apache-2.0
// tests/helper/test_helper_hostile.cpp — okey-check started directly by a
// hostile caller (`nobody`), who chooses its arguments, descriptors,
// environment, limits and umask, and speaks the relay's frames badly or not
// at all. Every case ends in a refusal (or, where the caller only made the
// process's life hard, in the right decision), with the login's records as
// they were; okey-check logs why.
#include "tests/helper/helper_harness.hpp"

#include "tests/hostile/hostile.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

extern "C" {
#include <cmocka.h>
}

using namespace okey;
using namespace okey::test;
using namespace okey::helpertest;

namespace {

const std::string pin = "2580";
std::unique_ptr<World> world;
Caller caller;
KeyFixture key;

int fresh_world(void**) {
    world = std::make_unique<World>();
    key = world->store.ready_login(caller.login, pin);
    return 0;
}
int drop_world(void**) {
    world.reset();
    return 0;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::vector<std::string> test_environment() {
    return {"OKEY_TEST_CONFIG_DIR=" + world->dir.path(), "OKEY_TEST_RUN_DIR=" + world->run_dir,
            "OKEY_TEST_LOG_FILE=" + world->log_path};
}

// What pam_okey.so would start: the caller's login, a service, no host.
Start login_start(const std::string& login = "") {
    Start s;
    s.arguments = {login.empty() ? caller.login : login, "locker", "",
                   "config=" + world->config_path};
    s.environment = test_environment();
    return s;
}

std::string right_passcode(std::int64_t offset = 0) {
    return pin + code_at(key.secret_base32, offset);
}

// Answer the first question with the right passcode: the login must succeed.
void answer_right(Helper& h) {
    const auto question = open_login(h);
    assert_true(question.has_value());
    assert_int_equal(question->type, 'H');
    send_frame(h.fd, 'A', right_passcode());
    const Exit e = finish(h);
    assert_true(e.outcome == LoginOutcome::success);
}

void assert_refused_unchanged(const Exit& e, const Snapshot& before, LoginOutcome expected) {
    assert_false(e.timed_out);
    assert_true(e.outcome == expected);
    assert_true(snapshot(*world, caller.login, key.serial).same_records(before));
}

// ---- who asks about which login ----

void another_login(void**) {
    world->store.ready_login("alice", pin);
    const std::string files = store_files(*world);
    Helper h = start_helper(*world, caller, login_start("alice"));
    send_frame(h.fd, 'N', "");
    assert_false(read_frame(h.fd, 5).has_value());  // not one question
    const Exit e = finish(h);
    assert_true(e.outcome == LoginOutcome::refused);
    assert_string_equal(store_files(*world).c_str(), files.c_str());
    assert_true(contains(world->helper_log(), "refused: login=nobody asked about login=alice"));
}

void odd_logins(void**) {
    const std::string files = store_files(*world);
    for (const std::string& login : {std::string("no-such-login"), std::string(300, 'a'),
                                     std::string(""), std::string("nobody\n"),
                                     std::string("nobody ")}) {
        Helper h = start_helper(*world, caller, login_start(login));
        assert_true(finish(h).outcome == LoginOutcome::refused);
    }
    assert_string_equal(store_files(*world).c_str(), files.c_str());
}

void uid_without_login(void**) {
    const std::string files = store_files(*world);
    Helper h = start_helper(*world, Caller{4242420, 4242420, ""}, login_start());
    assert_true(finish(h).outcome == LoginOutcome::refused);
    assert_string_equal(store_files(*world).c_str(), files.c_str());
    assert_true(contains(world->helper_log(), "caller uid=4242420 refused: no login for this uid"));
}

// ---- answers ----

void huge_answer_announced(void**) {
    const Snapshot before = snapshot(*world, caller.login, key.serial);
    Helper h = start_helper(*world, caller, login_start());
    assert_true(open_login(h).has_value());
    send_raw(h.fd, std::string{'A', '\x7f', '\xff', '\xff', '\xff'});
    assert_refused_unchanged(finish(h, 10), before, LoginOutcome::refused);
}

void endless_answer(void**) {
    const Snapshot before = snapshot(*world, caller.login, key.serial);
    Helper h = start_helper(*world, caller, login_start());
    assert_true(open_login(h).has_value());
    // 100 MiB announced, then bytes until okey-check stops reading.
    std::thread writer([fd = h.fd] {
        send_raw(fd, std::string{'A', '\x06', '\x40', '\x00', '\x00'});
        const std::string chunk(65536, '7');
        for (int i = 0; i < 1600; ++i) send_raw(fd, chunk);
    });
    const Exit e = finish(h, 10, true);
    shutdown(h.fd, SHUT_RDWR);  // ends the writer, okey-check being gone
    writer.join();
    ::close(h.fd);
    assert_true(e.outcome == LoginOutcome::refused);
    assert_true(snapshot(*world, caller.login, key.serial).same_records(before));
}

void silence(void**) {
    const Snapshot before = snapshot(*world, caller.login, key.serial);
    Start s = login_start();
    s.environment.push_back("OKEY_TEST_ANSWER_SECONDS=2");
    Helper h = start_helper(*world, caller, s);
    assert_true(open_login(h).has_value());
    const auto started = std::chrono::steady_clock::now();
    const Exit e = finish(h, 20, true);  // our end open: okey-check gives up by itself
    assert_true(e.outcome == LoginOutcome::refused);
    assert_true(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
    ::close(h.fd);
    assert_true(snapshot(*world, caller.login, key.serial).same_records(before));
}

void trickled_answer(void**) {
    const Snapshot before = snapshot(*world, caller.login, key.serial);
    Start s = login_start();
    s.environment.push_back("OKEY_TEST_ANSWER_SECONDS=2");
    Helper h = start_helper(*world, caller, s);
    assert_true(open_login(h).has_value());
    const std::string passcode = right_passcode();
    const std::string frame = std::string{'A', 0, 0, 0, static_cast<char>(passcode.size())} + passcode;
    for (char byte : frame) {  // one byte every 500 ms: 5.5 s for the frame
        send_raw(h.fd, std::string(1, byte));
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    assert_refused_unchanged(finish(h), before, LoginOutcome::refused);
}

void closed_at_once(void**) {
    const std::string files = store_files(*world);
    Helper h = start_helper(*world, caller, login_start());
    assert_true(finish(h).outcome == LoginOutcome::refused);
    assert_string_equal(store_files(*world).c_str(), files.c_str());
}

void closed_after_the_question(void**) {
    const Snapshot before = snapshot(*world, caller.login, key.serial);
    Helper h = start_helper(*world, caller, login_start());
    assert_true(open_login(h).has_value());
    assert_refused_unchanged(finish(h), before, LoginOutcome::refused);
}

void garbage_and_wrong_frames(void**) {
    const Snapshot before = snapshot(*world, caller.login, key.serial);
    for (const std::string& bytes :
         {std::string("hello, okey-check\n"), std::string{'P', 0, 0, 2, 1, 'x'},
          std::string{'N', 0, 0, 0, 1, 'x'}, std::string{'A', 0, 0, 0, 0}}) {
        Helper h = start_helper(*world, caller, login_start());
        send_raw(h.fd, bytes);
        assert_refused_unchanged(finish(h), before, LoginOutcome::refused);
    }
    // A question where an answer belongs.
    Helper h = start_helper(*world, caller, login_start());
    assert_true(open_login(h).has_value());
    send_frame(h.fd, 'H', "Passcode OTP : ");
    assert_refused_unchanged(finish(h), before, LoginOutcome::refused);
}

// ---- descriptors, environment, limits, signals ----

void descriptors_closed(void**) {
    const std::string files = store_files(*world);
    Start s = login_start();
    s.prepare = [] {
        ::close(0);
        ::close(1);
        ::close(2);
    };
    Helper h = start_helper(*world, caller, s);
    assert_true(finish(h).outcome == LoginOutcome::refused);
    assert_string_equal(store_files(*world).c_str(), files.c_str());
    assert_string_equal(hostile::Database(world->store.store_path).integrity().c_str(), "ok");
}

std::vector<std::string> open_descriptors(pid_t pid) {
    std::vector<std::string> out;
    const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::error_code ignored;
        out.push_back(entry.path().filename().string() + " -> " +
                      std::filesystem::read_symlink(entry.path(), ignored).string());
    }
    return out;
}

void odd_descriptors(void**) {
    const std::string stderr_file = world->dir / "caller-stderr";
    Start s = login_start();
    s.stderr_to_null = false;
    s.prepare = [stderr_file] {
        const int err = ::open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
        dup2(err, 2);
        ::close(err);
        for (int i = 0; i < 100; ++i) {
            int unused[2];
            (void)!pipe(unused);  // inherited: okey-check must close them
        }
    };
    Helper h = start_helper(*world, caller, s);
    assert_true(open_login(h).has_value());
    const std::vector<std::string> fds = open_descriptors(h.pid);
    for (const std::string& fd : fds) print_message("okey-check holds %s\n", fd.c_str());
    for (const std::string& fd : fds) {
        const bool expected = fd.starts_with("0 -> socket:") || fd.starts_with("1 -> socket:") ||
                              fd == "2 -> /dev/null" || contains(fd, world->store.store_path) ||
                              contains(fd, world->run_dir + "/okey-check.lock") ||
                              contains(fd, world->log_path);
        if (!expected) print_error("unexpected descriptor %s\n", fd.c_str());
        assert_true(expected);
    }
    send_frame(h.fd, 'A', right_passcode());
    assert_true(finish(h).outcome == LoginOutcome::success);
    assert_true(read_file(stderr_file).empty());
}

void hostile_environment(void**) {
    const std::string canary_dir = world->dir / "canary";
    std::filesystem::create_directory(canary_dir);
    chmod(canary_dir.c_str(), 0777);
    const std::string marker = canary_dir + "/loaded";
    // The canary works: a program that is not setuid loads it.
    {
        Start probe;
        probe.environment = {"LD_PRELOAD=" OKEY_CANARY_LIBRARY, "OKEY_CANARY=" + marker};
        Helper h = start_helper(*world, caller, probe, "/bin/true");
        finish(h);
        assert_true(std::filesystem::exists(marker));
        std::filesystem::remove(marker);
    }
    Start s = login_start();
    for (const std::string& variable : std::vector<std::string>{
             "LD_PRELOAD=" OKEY_CANARY_LIBRARY, "LD_AUDIT=" OKEY_CANARY_LIBRARY,
          "LD_LIBRARY_PATH=" + canary_dir, "OKEY_CANARY=" + marker, "IFS=/",
          "PATH=" + canary_dir, "HOME=" + canary_dir, "OPENSSL_CONF=" + canary_dir + "/openssl.cnf",
          "OPENSSL_MODULES=" + canary_dir, "SQLITE_TMPDIR=" + canary_dir, "TMPDIR=" + canary_dir,
          "TZ=:" + canary_dir + "/zone", "LANG=xx_XX.EVIL", "LC_ALL=xx_XX.EVIL",
          "GCONV_PATH=" + canary_dir, "MALLOC_PERTURB_=165", "GLIBC_TUNABLES=glibc.malloc.check=3",
          "http_proxy=http://127.0.0.1:1", "https_proxy=http://127.0.0.1:1",
          "CURL_CA_BUNDLE=/dev/null", std::string("EVIL=") + std::string(100000, 'x')})
        s.environment.push_back(variable);
    Helper h = start_helper(*world, caller, s);
    answer_right(h);
    assert_false(std::filesystem::exists(marker));
}

void signals_from_the_caller(void**) {
    Helper h = start_helper(*world, caller, login_start());
    assert_true(open_login(h).has_value());  // okey-check is set up and waits
    // The caller tries every signal that could stop or end it.
    const pid_t target = h.pid;
    const pid_t tries = fork();
    if (tries == 0) {
        if (setgroups(0, nullptr) != 0 || setgid(caller.gid) != 0 || setuid(caller.uid) != 0)
            _exit(100);
        int allowed = 0;
        for (int signal : {SIGSTOP, SIGTSTP, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGKILL, SIGALRM})
            if (kill(target, signal) == 0 || errno != EPERM) ++allowed;
        _exit(allowed);
    }
    int status = 0;
    waitpid(tries, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);  // every signal refused (EPERM)
    send_frame(h.fd, 'A', right_passcode());
    assert_true(finish(h).outcome == LoginOutcome::success);
}

void lowered_limits(void**) {
    // A file-size limit of 0 would make the store's write fail: lifted.
    Start s = login_start();
    s.prepare = [] {
        const rlimit zero{0, RLIM_INFINITY};
        setrlimit(RLIMIT_FSIZE, &zero);
        umask(0);
    };
    Helper h = start_helper(*world, caller, s);
    answer_right(h);
    struct stat lock {};
    assert_int_equal(stat((world->run_dir + "/okey-check.lock").c_str(), &lock), 0);
    assert_int_equal(lock.st_mode & 0777, 0600);

    // A hard limit of 0, which only CAP_SYS_RESOURCE lifts: either lifted, or
    // the write fails cleanly — a decision either way, never a death by
    // SIGXFSZ in the middle of a transaction.
    const Snapshot before = snapshot(*world, caller.login, key.serial);
    Start hard = login_start();
    hard.prepare = [] {
        const rlimit zero{0, 0};
        setrlimit(RLIMIT_FSIZE, &zero);
    };
    Helper h2 = start_helper(*world, caller, hard);
    if (open_login(h2)) send_frame(h2.fd, 'A', right_passcode(1));  // no question: the store refused
    const Exit e2 = finish(h2);
    assert_true(e2.outcome.has_value());
    if (e2.outcome != LoginOutcome::success) {
        assert_true(e2.outcome == LoginOutcome::unavailable);
        assert_true(snapshot(*world, caller.login, key.serial).same_records(before));
    }
    assert_string_equal(hostile::Database(world->store.store_path).integrity().c_str(), "ok");

    // Too few descriptors to even load: no outcome, nothing changed.
    const Snapshot still = snapshot(*world, caller.login, key.serial);
    Start starved = login_start();
    starved.prepare = [] {
        const rlimit three{3, 3};
        setrlimit(RLIMIT_NOFILE, &three);
    };
    Helper h3 = start_helper(*world, caller, starved);
    assert_true(finish(h3).outcome != LoginOutcome::success);
    assert_true(snapshot(*world, caller.login, key.serial).same_records(still));
}

void one_helper_per_caller(void**) {
    Helper first = start_helper(*world, caller, login_start());
    assert_true(open_login(first).has_value());
    Helper second = start_helper(*world, caller, login_start());
    assert_true(finish(second).outcome == LoginOutcome::unavailable);
    assert_true(contains(world->helper_log(), "another okey-check is running for this caller"));
    send_frame(first.fd, 'A', right_passcode());
    assert_true(finish(first).outcome == LoginOutcome::success);
}

// ---- configuration and arguments ----

void config_outside_the_config_folder(void**) {
    // A root-owned config elsewhere (lifting the lockout): never read.
    TempDir elsewhere;
    const std::string path = elsewhere / "okey.conf";
    write_file(path, world->store.config_text("lockout: { max_failures = 1000; };\n"), 0644);
    const std::string files = store_files(*world);
    for (const std::string& config :
         {path, world->dir / "../" + std::filesystem::path(elsewhere.path()).filename().string() +
                    "/okey.conf"}) {
        Start s = login_start();
        s.arguments.back() = "config=" + config;
        Helper h = start_helper(*world, caller, s);
        assert_true(finish(h).outcome == LoginOutcome::service_error);
    }
    assert_string_equal(store_files(*world).c_str(), files.c_str());
    assert_true(contains(world->helper_log(), "config= outside"));
}

void bad_arguments(void**) {
    const std::string files = store_files(*world);
    Start unknown = login_start();
    unknown.arguments.push_back("evil");
    Start many = login_start();
    for (int i = 0; i < 40; ++i) many.arguments.push_back("debug");
    Start overlong = login_start();
    overlong.arguments.push_back("lang=" + std::string(5000, 'f'));
    Start few;
    few.arguments = {caller.login};
    few.environment = test_environment();
    for (const Start& s : {unknown, many, overlong, few}) {
        Helper h = start_helper(*world, caller, s);
        assert_true(finish(h).outcome == LoginOutcome::service_error);
    }
    assert_string_equal(store_files(*world).c_str(), files.c_str());
}

// The installed okey-check has no test hook: OKEY_TEST_CONFIG_DIR means nothing
// to it, so the test's config is outside /etc/okey/ and refused.
void installed_helper_has_no_hooks(void**) {
    const std::string installed = world->setuid_copy(OKEY_INSTALLED_HELPER_BUILT, "installed");
    const std::string files = store_files(*world);
    Helper h = start_helper(*world, caller, login_start(), installed);
    assert_true(finish(h).outcome == LoginOutcome::service_error);
    assert_string_equal(store_files(*world).c_str(), files.c_str());
    assert_false(std::filesystem::exists(world->log_path));
}

}  // namespace

int main() {
    caller = nobody();
#define CASE(name) cmocka_unit_test_setup_teardown(name, fresh_world, drop_world)
    const struct CMUnitTest tests[] = {
        CASE(another_login),
        CASE(odd_logins),
        CASE(uid_without_login),
        CASE(huge_answer_announced),
        CASE(endless_answer),
        CASE(silence),
        CASE(trickled_answer),
        CASE(closed_at_once),
        CASE(closed_after_the_question),
        CASE(garbage_and_wrong_frames),
        CASE(descriptors_closed),
        CASE(odd_descriptors),
        CASE(hostile_environment),
        CASE(signals_from_the_caller),
        CASE(lowered_limits),
        CASE(one_helper_per_caller),
        CASE(config_outside_the_config_folder),
        CASE(bad_arguments),
        CASE(installed_helper_has_no_hooks),
    };
#undef CASE
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
