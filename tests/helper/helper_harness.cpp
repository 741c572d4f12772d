// SPDX-License-Identifier: Apache-2.0
// tests/helper/helper_harness.cpp — see helper_harness.hpp. A fixture step
// that fails aborts the test program (a failed test, never a skip).
#include "tests/helper/helper_harness.hpp"

#include "tests/hostile/hostile.hpp"

#include <security/pam_appl.h>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <thread>

namespace okey::helpertest {

using test::die;

namespace {

void write_all(int fd, const std::string& data) {
    std::size_t at = 0;
    while (at < data.size()) {
        const ssize_t n = ::send(fd, data.data() + at, data.size() - at, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // the helper is gone: what it did is what the test checks
        at += static_cast<std::size_t>(n);
    }
}

std::string read_until_closed(int fd) {
    std::string out;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) out.append(buffer, static_cast<std::size_t>(n));
        else if (n == 0 || errno != EINTR) return out;
    }
}

// In a child: become `caller` for good.
void become(const Caller& caller) {
    if (setgroups(0, nullptr) != 0 || setgid(caller.gid) != 0 || setuid(caller.uid) != 0) {
        const char message[] = "cannot become the caller\n";
        (void)!::write(2, message, sizeof message - 1);
        _exit(120);
    }
}

}  // namespace

Caller nobody() {
    const passwd* entry = getpwnam("nobody");
    if (entry == nullptr) die("no `nobody` in NSS");
    return {entry->pw_uid, entry->pw_gid, entry->pw_name};
}

std::string test_module_path() { return OKEY_TEST_MODULE_PATH; }

World::World()
    : helper(dir / "bin/okey-check"),
      config_path(dir / "okey.conf"),
      run_dir(dir / "run"),
      log_path(dir / "helper.log") {
    if (geteuid() != 0) die("the okey-check suites need root (a setuid-root copy, a caller uid)");
    // The caller reaches the services and the helper, never the store (0700).
    chmod(dir.path().c_str(), 0711);
    std::filesystem::create_directory(dir / "bin");
    chmod((dir / "bin").c_str(), 0755);
    setuid_copy(OKEY_TEST_HELPER_BUILT, "okey-check");
    write_config();
    chmod(services.dir().c_str(), 0755);
    services.add_raw("okey", okey_line(*this) + "account required pam_permit.so\n");
    services.activate();
    setenv("OKEY_TEST_HELPER", helper.c_str(), 1);
    setenv("OKEY_TEST_CONFIG_DIR", dir.path().c_str(), 1);
    setenv("OKEY_TEST_RUN_DIR", run_dir.c_str(), 1);
    setenv("OKEY_TEST_LOG_FILE", log_path.c_str(), 1);
    unsetenv("OKEY_TEST_ANSWER_SECONDS");
}

void World::write_config(const std::string& extra) const {
    test::write_file(config_path, store.config_text(extra), 0644);
}

std::string World::helper_log() const { return test::read_file(log_path); }

std::string World::setuid_copy(const std::string& built, const std::string& name) const {
    const std::string path = dir / ("bin/" + name);
    std::filesystem::copy_file(built, path, std::filesystem::copy_options::overwrite_existing);
    if (chown(path.c_str(), 0, 0) != 0 || chmod(path.c_str(), 04755) != 0)
        die("cannot make " + path + " setuid root");
    return path;
}

std::string okey_line(const World& world, const std::string& arguments) {
    return "auth required " + test_module_path() + " config=" + world.config_path +
           (arguments.empty() ? "" : " " + arguments) + "\n";
}

std::vector<std::string> LoginReport::prompts() const {
    std::vector<std::string> out;
    for (const auto& m : messages)
        if (m.style == PAM_PROMPT_ECHO_OFF || m.style == PAM_PROMPT_ECHO_ON) out.push_back(m.text);
    return out;
}

bool LoginReport::has(int style, const std::string& text) const {
    for (const auto& m : messages)
        if (m.style == style && m.text == text) return true;
    return false;
}

LoginReport login_as(const Caller& caller, const std::string& service, const std::string& login,
                     test::Conversation conversation) {
    int out[2];
    if (pipe(out) != 0) die("pipe");
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        ::close(out[0]);
        become(caller);
        int code = -1;
        const std::string log = test::capture_log(
            [&] { code = test::authenticate(service, login, conversation); });
        std::ostringstream report;
        report << code << "\n" << conversation.messages.size() << "\n";
        for (const auto& m : conversation.messages)
            report << m.style << " " << m.text.size() << "\n" << m.text;
        report << log;
        const std::string bytes = report.str();
        (void)!::write(out[1], bytes.data(), bytes.size());
        _exit(0);  // not exit(): see tests/hostile/hostile.cpp run_in_child
    }
    ::close(out[1]);
    const std::string bytes = read_until_closed(out[0]);
    ::close(out[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    LoginReport report;
    std::istringstream in(bytes);
    std::size_t count = 0;
    if (!(in >> report.code >> count)) return report;
    in.get();
    for (std::size_t i = 0; i < count; ++i) {
        int style = 0;
        std::size_t size = 0;
        in >> style >> size;
        in.get();
        std::string text(size, '\0');
        in.read(text.data(), static_cast<std::streamsize>(size));
        report.messages.push_back({style, text});
    }
    std::ostringstream rest;
    rest << in.rdbuf();
    report.module_log = rest.str();
    return report;
}

Helper start_helper(const World& world, const Caller& caller, const Start& start,
                    const std::string& program) {
    const std::string path = program.empty() ? world.helper : program;
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) die("socketpair");
    std::vector<std::string> words{path};
    words.insert(words.end(), start.arguments.begin(), start.arguments.end());
    std::vector<char*> argv;
    for (auto& word : words) argv.push_back(word.data());
    argv.push_back(nullptr);
    std::vector<std::string> environment = start.environment;
    std::vector<char*> envp;
    for (auto& variable : environment) envp.push_back(variable.data());
    envp.push_back(nullptr);

    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        ::close(pair[0]);
        dup2(pair[1], 0);
        dup2(pair[1], 1);
        if (pair[1] > 1) ::close(pair[1]);
        if (start.stderr_to_null) {
            const int null = ::open("/dev/null", O_WRONLY);
            dup2(null, 2);
            ::close(null);
        }
        if (start.prepare) start.prepare();
        become(caller);
        execve(path.c_str(), argv.data(), envp.data());
        _exit(127);
    }
    ::close(pair[1]);
    return {pid, pair[0]};
}

Exit finish(Helper& helper, int seconds, bool keep_open) {
    if (helper.fd >= 0 && !keep_open) {
        ::close(helper.fd);
        helper.fd = -1;
    }
    Exit exit;
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    for (;;) {
        const pid_t done = waitpid(helper.pid, &status, WNOHANG);
        if (done == helper.pid) break;
        if (done < 0 && errno != EINTR) die("waitpid");
        if (std::chrono::steady_clock::now() > deadline) {
            exit.timed_out = true;
            kill(helper.pid, SIGKILL);
            waitpid(helper.pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (WIFEXITED(status)) {
        exit.status = WEXITSTATUS(status);
        exit.outcome = relay::outcome_of(exit.status);
    } else if (WIFSIGNALED(status)) {
        exit.signal = WTERMSIG(status);
    }
    return exit;
}

void send_raw(int fd, const std::string& bytes) { write_all(fd, bytes); }

void send_frame(int fd, char type, const std::string& payload) {
    const auto size = static_cast<std::uint32_t>(payload.size());
    std::string frame{type, static_cast<char>(size >> 24), static_cast<char>(size >> 16),
                      static_cast<char>(size >> 8), static_cast<char>(size)};
    write_all(fd, frame + payload);
}

std::optional<Frame> read_frame(int fd, int seconds) {
    auto read_exact = [&](char* data, std::size_t size) {
        std::size_t done = 0;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
        while (done < size) {
            pollfd p{fd, POLLIN, 0};
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
            const ssize_t n = ::read(fd, data + done, size - done);
            if (n <= 0) return false;
            done += static_cast<std::size_t>(n);
        }
        return true;
    };
    char header[5];
    if (!read_exact(header, sizeof header)) return std::nullopt;
    std::uint32_t size = 0;
    for (int i = 1; i < 5; ++i) size = (size << 8) | static_cast<unsigned char>(header[i]);
    if (size > (1u << 20)) die("the helper sent a frame over 1 MiB");
    std::string text(size, '\0');
    if (!read_exact(text.data(), size)) return std::nullopt;
    return Frame{header[0], text};
}

std::optional<Frame> open_login(const Helper& helper) {
    send_frame(helper.fd, 'N', "");
    return read_frame(helper.fd);
}

bool Snapshot::same_records(const Snapshot& o) const {
    return user.failures == o.user.failures && user.locked_until == o.user.locked_until &&
           user.pin_hash == o.user.pin_hash && user.pin_state == o.user.pin_state &&
           token.last_step == o.token.last_step && token.drift == o.token.drift &&
           token.last_login == o.token.last_login && token.state == o.token.state &&
           token.owner == o.token.owner;
}

Snapshot snapshot(const World& world, const std::string& login, const std::string& serial) {
    Snapshot s{world.store.user(login), world.store.token(serial), 0};
    Store store = world.store.open();
    AuditFilter filter;
    s.audit_rows = test::must(store.audit(filter), "audit").size();
    return s;
}

std::string store_files(const World& world) {
    const std::string& db = world.store.store_path;
    return hostile::checksum(db) + " " + hostile::checksum(db + "-wal") + " " +
           hostile::checksum(db + "-shm");
}

}  // namespace okey::helpertest
