// SPDX-License-Identifier: Apache-2.0
// tests/hostile/hostile.cpp — see hostile.hpp.
#include "tests/hostile/hostile.hpp"

extern "C" {
#include <libpamtest.h>
}

#include <openssl/evp.h>
#include <sqlite3.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <string_view>
#include <unordered_set>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace okey::hostile {

using test::die;

namespace {

bool read_all(int fd, std::string& out) {
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) out.append(buffer, static_cast<std::size_t>(n));
        else if (n == 0) return true;
        else if (errno != EINTR) return false;
    }
}

void write_all(int fd, const std::string& data) {
    std::size_t at = 0;
    while (at < data.size()) {
        const ssize_t n = ::write(fd, data.data() + at, data.size() - at);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        at += static_cast<std::size_t>(n);
    }
}

}  // namespace

ChildLogin run_in_child(const std::function<int()>& login, int deadline_seconds,
                        const std::function<void(pid_t)>& on_started) {
    int out[2];
    if (pipe(out) != 0) die("pipe");
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        ::close(out[0]);
        int code = -1;
        const std::string log = test::capture_log([&] { code = login(); });
        write_all(out[1], std::to_string(code) + "\n" + log);
        ::close(out[1]);
        // _exit(): the child holds its parent's objects (test locals,
        // pam_wrapper's state), which exit() would hand to LeakSanitizer as
        // leaks and to pam_wrapper's destructor (the parent's copy of the
        // service files). pam_wrapper removes a dead process's copy itself.
        _exit(0);
    }
    ::close(out[1]);
    if (on_started) on_started(pid);

    ChildLogin result;
    std::string report;
    // Read until the child closes the pipe or the deadline passes.
    pollfd watch{out[0], POLLIN, 0};
    int waited_ms = 0;
    char buffer[65536];
    for (;;) {
        const int ready = poll(&watch, 1, 100);
        if (ready > 0) {
            const ssize_t n = ::read(out[0], buffer, sizeof buffer);
            if (n > 0) {
                report.append(buffer, static_cast<std::size_t>(n));
                continue;
            }
            if (n == 0 || errno != EINTR) break;
        }
        waited_ms += 100;
        if (waited_ms >= deadline_seconds * 1000) {
            result.timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
    }
    if (!result.timed_out) read_all(out[0], report);
    ::close(out[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
    const std::size_t newline = report.find('\n');
    if (newline != std::string::npos) {
        result.pam_code = std::atoi(report.substr(0, newline).c_str());
        result.log = report.substr(newline + 1);
    }
    return result;
}

int authenticate_raw(const std::string& service, const std::string& login,
                     int (*conversation)(int, const struct pam_message**, struct pam_response**,
                                         void*),
                     void* data) {
    struct pam_testcase cases[] = {pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS)};
    const enum pamtest_err err =
        _pamtest_conv(service.c_str(), login.c_str(), conversation, data, cases, 1, nullptr);
    if (err != PAMTEST_ERR_OK && err != PAMTEST_ERR_CASE)
        die(std::string("libpamtest: ") + pamtest_strerror(err));
    return cases[0].op_rv;
}

Database::Database(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
        die("sqlite3_open " + path + ": " + sqlite3_errmsg(db_));
    sqlite3_busy_timeout(db_, 5000);
}

Database::~Database() { sqlite3_close(db_); }

std::string Database::integrity() {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, "PRAGMA integrity_check", -1, &statement, nullptr) != SQLITE_OK)
        return std::string("cannot check: ") + sqlite3_errmsg(db_);
    std::string verdict = "no answer";
    if (sqlite3_step(statement) == SQLITE_ROW)
        verdict = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    return verdict;
}

long long Database::failures(const std::string& login) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT failures FROM users WHERE login = ?1", -1, &statement,
                           nullptr) != SQLITE_OK)
        die(std::string("prepare: ") + sqlite3_errmsg(db_));
    sqlite3_bind_text(statement, 1, login.c_str(), -1, SQLITE_TRANSIENT);
    long long value = -1;
    if (sqlite3_step(statement) == SQLITE_ROW) value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return value;
}

void Database::begin_immediate() {
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
        die(std::string("BEGIN IMMEDIATE: ") + sqlite3_errmsg(db_));
}

void Database::rollback() { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

std::string checksum(const std::string& path) {
    struct stat info {};
    if (lstat(path.c_str(), &info) != 0) return "missing";
    if (S_ISLNK(info.st_mode)) {
        char target[4096];
        const ssize_t n = readlink(path.c_str(), target, sizeof target);
        return "symlink:" + std::string(target, n > 0 ? static_cast<std::size_t>(n) : 0);
    }
    if (S_ISFIFO(info.st_mode)) return "fifo";
    if (S_ISDIR(info.st_mode)) return "directory";
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    const std::string content = bytes.str();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(content.data(), content.size(), digest, &length, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

bool log_free_of(const std::string& log, const std::string& text) {
    if (text.empty()) return true;
    if (text.size() <= 16) return log.find(text) == std::string::npos;
    std::unordered_set<std::string_view> windows;
    for (std::size_t at = 0; at + 16 <= log.size(); ++at)
        windows.insert(std::string_view(log).substr(at, 16));
    for (std::size_t at = 0; at + 16 <= text.size(); ++at)
        if (windows.count(std::string_view(text).substr(at, 16)) != 0) return false;
    return true;
}

}  // namespace okey::hostile
