// SPDX-License-Identifier: Apache-2.0
// tests/hostile/test_faults.cpp — faults during a login, through the real PAM
// stack: the login process killed (SIGKILL) while it waits for the store's
// write lock, right after its failure was charged (new-PIN and next-code
// modes, deterministically at a prompt), and at random moments of its run;
// the store on a read-only and on a full filesystem. Each time the store
// stays sound (PRAGMA integrity_check), nothing is half-done, no login
// succeeds that could not be recorded, and the next login works.
#include "tests/hostile/hostile.hpp"

#include <cerrno>
#include <chrono>
#include <csetjmp>
#include <csignal>
#include <cstdarg>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <random>
#include <sched.h>
#include <string>
#include <sys/mount.h>
#include <thread>
#include <unistd.h>
#include <valgrind/valgrind.h>
#include <vector>

extern "C" {
#include <cmocka.h>
}

using namespace okey::test;
using okey::hostile::authenticate_raw;
using okey::hostile::checksum;
using okey::hostile::Database;
using okey::hostile::run_in_child;

namespace {

const char* const pin = "2580";

// Room for several logins within one test: codes up to ±5 steps are accepted,
// failures never lock.
const char* const roomy =
    "totp: { window = 5; resync_window = 10; };\n"
    "lockout: { max_failures = 1000; lock_seconds = 60; };\n";

struct World {
    TempDir dir;
    StoreFixture store{dir.path()};
    Services services{dir / "services"};
    int next_login = 0;
};
World* world = nullptr;

std::string fresh_name() { return "fault" + std::to_string(++world->next_login); }

// Answers prompts in order; at prompt number `kill_at` (0-based) the process
// kills itself, as if the user's session were cut at that very moment. After
// answering prompt 0 it writes one byte to `notify` (when >= 0).
struct Script {
    std::vector<std::string> answers;
    int kill_at = -1;
    int notify = -1;
    int asked = 0;
};
extern "C" int scripted(int count, const struct pam_message** messages,
                        struct pam_response** responses, void* data) {
    auto* script = static_cast<Script*>(data);
    auto* replies = static_cast<pam_response*>(calloc(static_cast<size_t>(count), sizeof(pam_response)));
    if (replies == nullptr) return PAM_BUF_ERR;
    for (int i = 0; i < count; ++i) {
        if (messages[i]->msg_style != PAM_PROMPT_ECHO_OFF && messages[i]->msg_style != PAM_PROMPT_ECHO_ON)
            continue;
        const int n = script->asked++;
        if (n == script->kill_at) {
            // Tells scripts/test-hardening that this process's live objects are not leaks.
            VALGRIND_PRINTF("okey-test: killed mid-login on purpose\n");
            raise(SIGKILL);
        }
        if (n >= static_cast<int>(script->answers.size())) {
            free(replies);
            return PAM_CONV_ERR;
        }
        replies[i].resp = strdup(script->answers[static_cast<std::size_t>(n)].c_str());
        if (n == 0 && script->notify >= 0) (void)!write(script->notify, "!", 1);
    }
    *responses = replies;
    return PAM_SUCCESS;
}

void assert_sound(const std::string& store_path) {
    Database db(store_path);
    const std::string verdict = db.integrity();
    if (verdict != "ok") fail_msg("integrity_check: %s", verdict.c_str());
}

int login_now(const std::string& service, const std::string& login, std::vector<std::string> answers) {
    Conversation conversation{std::move(answers)};
    return authenticate(service, login, conversation);
}

// ---- SIGKILL ----

void killed_while_waiting_for_the_write_lock(void**) {
    const std::string login = fresh_name();
    const KeyFixture key = world->store.ready_login(login, pin);
    const std::string passcode = pin + code_at(key.secret_base32, 0);
    Database holder(world->store.store_path);
    holder.begin_immediate();  // a slow writer holds the lock
    int notify[2];
    assert_int_equal(pipe(notify), 0);
    const auto result = run_in_child(
        [&] {
            Script script{{passcode}, -1, notify[1], 0};
            return authenticate_raw("okey", login, scripted, &script);
        },
        30,
        [&](pid_t pid) {
            char byte = 0;
            assert_int_equal(read(notify[0], &byte, 1), 1);  // the passcode was typed
            // The login now waits in SQLite's busy handler for the lock we hold.
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            kill(pid, SIGKILL);
        });
    close(notify[0]);
    close(notify[1]);
    assert_int_equal(result.signal, SIGKILL);
    holder.rollback();
    assert_sound(world->store.store_path);
    // It never got the lock: nothing was charged, the code is still unused.
    assert_int_equal(holder.failures(login), 0);
    assert_int_equal(login_now("okey", login, {passcode}), PAM_SUCCESS);
}

void killed_after_the_charge_in_new_pin_mode(void**) {
    const std::string login = fresh_name();
    const KeyFixture key = world->store.add_key("NP" + login);
    world->store.assign(key.serial, login);
    // Prompt 0: the code alone (charged, then its step burnt); prompt 1: the
    // new PIN — killed there.
    // Each try burns its step: the next one types a later code.
    for (const int kill_at : {1, 2}) {
        const auto result = run_in_child([&] {
            Script script{{code_at(key.secret_base32, kill_at - 1), "3691", "3691"}, kill_at, -1, 0};
            return authenticate_raw("okey", login, scripted, &script);
        });
        assert_int_equal(result.signal, SIGKILL);
        assert_sound(world->store.store_path);
    }
    Database db(world->store.store_path);
    // A login killed after its charge still cost a try: killing the process
    // buys no free guesses.
    assert_int_equal(db.failures(login), 2);
    assert_int_equal(static_cast<int>(world->store.user(login).pin_state),
                     static_cast<int>(okey::PinState::new_pin_required));
    // The next login runs new-PIN mode to its end, with later codes.
    assert_int_equal(login_now("okey", login,
                               {code_at(key.secret_base32, 2), "3691", "3691",
                                std::string("3691") + code_at(key.secret_base32, 3)}),
                     PAM_SUCCESS);
    assert_int_equal(static_cast<int>(world->store.user(login).pin_state),
                     static_cast<int>(okey::PinState::set));
    assert_int_equal(db.failures(login), 0);
}

void killed_after_the_charge_in_next_code_mode(void**) {
    const std::string login = fresh_name();
    const KeyFixture key = world->store.ready_login(login, pin);
    // A code 8 steps ahead: only in the resync window, so the next code is
    // asked for (prompt 1) — killed there.
    const auto result = run_in_child([&] {
        Script script{{pin + code_at(key.secret_base32, 8)}, 1, -1, 0};
        return authenticate_raw("okey", login, scripted, &script);
    });
    assert_int_equal(result.signal, SIGKILL);
    assert_sound(world->store.store_path);
    Database db(world->store.store_path);
    assert_int_equal(db.failures(login), 1);
    const okey::TokenRecord token = world->store.token(key.serial);
    assert_int_equal(token.drift, 0);  // no drift recorded from half a resync
    assert_int_equal(login_now("okey", login, {pin + code_at(key.secret_base32, 0)}), PAM_SUCCESS);
}

void killed_at_random_moments(void**) {
    const std::string login = fresh_name();
    const KeyFixture key = world->store.ready_login(login, pin);
    const std::string wrong = std::string(pin) + "000000";
    // How long one refused login takes here, to spread the kills over it.
    std::vector<double> took;
    for (int i = 0; i < 3; ++i) {
        const auto start = std::chrono::steady_clock::now();
        assert_int_equal(login_now("okey", login, {wrong}), PAM_AUTH_ERR);
        took.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
    }
    const double span_us = 2.0 * std::max(took[0], std::max(took[1], took[2]));
    std::mt19937 random(12345);
    std::uniform_real_distribution<double> moment(0.0, span_us);
    int killed = 0, finished = 0;
    for (int i = 0; i < 30; ++i) {
        const auto delay = std::chrono::microseconds(static_cast<long>(moment(random)));
        const auto result = run_in_child(
            [&] { return login_now("okey", login, {wrong}); }, 30,
            [&](pid_t pid) {
                std::this_thread::sleep_for(delay);
                kill(pid, SIGKILL);
            });
        if (result.signal == SIGKILL) ++killed;
        else if (result.pam_code == PAM_AUTH_ERR) ++finished;
        else fail_msg("attempt %d: PAM code %d, signal %d", i, result.pam_code, result.signal);
        assert_sound(world->store.store_path);
    }
    Database db(world->store.store_path);
    const long long failures = db.failures(login);
    // Every finished attempt was charged; a killed one at most once.
    assert_true(failures >= 3 + finished && failures <= 3 + finished + killed);
    assert_int_equal(login_now("okey", login, {pin + code_at(key.secret_base32, 0)}), PAM_SUCCESS);
    assert_int_equal(db.failures(login), 0);
    print_message("random kills: %d killed, %d finished, %lld failures charged\n", killed, finished,
                  failures);
}

// ---- filesystems ----

// A small tmpfs of our own (private mount namespace: nothing outside sees it).
struct SmallFilesystem {
    std::string path;
    explicit SmallFilesystem(const std::string& at, const char* size) : path(at) {
        std::filesystem::create_directory(path);
        if (mount("tmpfs", path.c_str(), "tmpfs", 0, (std::string("mode=0700,size=") + size).c_str()) != 0)
            die("mount tmpfs on " + path + ": " + std::strerror(errno));
    }
    ~SmallFilesystem() { umount2(path.c_str(), MNT_DETACH); }
    void remount(bool read_only) const {
        const unsigned long flags = MS_REMOUNT | (read_only ? MS_RDONLY : 0);
        if (mount("tmpfs", path.c_str(), "tmpfs", flags, nullptr) != 0)
            die("remount " + path + ": " + std::strerror(errno));
    }
};

void read_only_filesystem(void**) {
    SmallFilesystem fs(world->dir / "ro", "4m");
    StoreFixture store(fs.path);
    const KeyFixture key = store.ready_login("ro-user", pin);
    const std::string before = checksum(store.store_path);
    fs.remount(true);
    const auto result = run_in_child(
        [&] { return login_now("okey-ro", "ro-user", {pin + code_at(key.secret_base32, 0)}); });
    // The step cannot be recorded, so the code cannot be accepted: it could be replayed.
    if (result.pam_code != PAM_AUTHINFO_UNAVAIL && result.pam_code != PAM_SERVICE_ERR)
        fail_msg("read-only store: PAM code %d, signal %d\n%s", result.pam_code, result.signal,
                 result.log.c_str());
    if (result.log.find(store.store_path) == std::string::npos)
        fail_msg("read-only store: the log does not name %s:\n%s", store.store_path.c_str(), result.log.c_str());
    assert_string_equal(checksum(store.store_path).c_str(), before.c_str());
    fs.remount(false);
    assert_sound(store.store_path);
    assert_int_equal(login_now("okey-ro", "ro-user", {pin + code_at(key.secret_base32, 0)}), PAM_SUCCESS);
}

void full_filesystem(void**) {
    SmallFilesystem fs(world->dir / "full", "2m");
    StoreFixture store(fs.path);
    const KeyFixture key = store.ready_login("full-user", pin);
    // Fill every block that is left.
    const std::string filler = fs.path + "/filler";
    const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    const std::string block(4096, 'f');
    while (write(fd, block.data(), block.size()) > 0) {}
    while (write(fd, "f", 1) > 0) {}
    assert_int_equal(errno, ENOSPC);
    fsync(fd);
    const std::string before = checksum(store.store_path);
    for (const std::string& passcode : {std::string(pin) + "000000", pin + code_at(key.secret_base32, 0)}) {
        const auto result = run_in_child([&] { return login_now("okey-full", "full-user", {passcode}); });
        if (result.signal != 0) fail_msg("full filesystem: the login died of signal %d", result.signal);
        if (result.pam_code == PAM_SUCCESS) fail_msg("full filesystem: a login succeeded that could not be recorded");
        if (result.pam_code != PAM_AUTHINFO_UNAVAIL && result.pam_code != PAM_SERVICE_ERR)
            fail_msg("full filesystem: PAM code %d\n%s", result.pam_code, result.log.c_str());
        // A stranger gets the member's answer: the decoy's charge is a write
        // too, so not even a full disk tells which logins exist.
        const auto stranger = run_in_child([&] { return login_now("okey-full", "stranger", {passcode}); });
        if (stranger.pam_code != result.pam_code)
            fail_msg("full filesystem: PAM code %d for an unknown login, %d for a known one\n%s",
                     stranger.pam_code, result.pam_code, stranger.log.c_str());
    }
    assert_string_equal(checksum(store.store_path).c_str(), before.c_str());
    close(fd);
    unlink(filler.c_str());
    assert_sound(store.store_path);
    assert_int_equal(login_now("okey-full", "full-user", {pin + code_at(key.secret_base32, 0)}), PAM_SUCCESS);
}

// Our own mount namespace, so the filesystems this suite mounts are private.
void private_mounts() {
    if (unshare(CLONE_NEWNS) != 0) die(std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno));
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, nullptr) != 0)
        die(std::string("make / private: ") + std::strerror(errno));
}

}  // namespace

int main(int argc, char** argv) {
    run_as_root(argc, argv);
    private_mounts();
    auto owned = std::make_unique<World>();
    world = owned.get();
    write_file(world->dir / "okey.conf", world->store.config_text(roomy), 0644);
    world->services.add_okey("okey", "config=" + (world->dir / "okey.conf"));
    // The filesystem cases' stores live on their own mounts (made by the tests).
    for (const char* name : {"ro", "full"}) {
        const std::string base = world->dir / name;
        const std::string text = "store = \"" + base + "/store/okey.db\";\nkey_file = \"" + base +
                                 "/seed.key\";\npin: { argon2: { memory_kib = 64; iterations = 1; parallelism = 1; }; };\n" +
                                 roomy;
        write_file(world->dir / (std::string(name) + ".conf"), text, 0644);
        world->services.add_okey(std::string("okey-") + name,
                                 "config=" + (world->dir / (std::string(name) + ".conf")));
    }
    world->services.activate();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(killed_while_waiting_for_the_write_lock),
        cmocka_unit_test(killed_after_the_charge_in_new_pin_mode),
        cmocka_unit_test(killed_after_the_charge_in_next_code_mode),
        cmocka_unit_test(killed_at_random_moments),
        cmocka_unit_test(read_only_filesystem),
        cmocka_unit_test(full_filesystem),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
