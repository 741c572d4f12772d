// SPDX-License-Identifier: Apache-2.0
// pam/helper_call.cpp — see helper_call.hpp. The calling program may have
// threads (a desktop shell) and its own SIGCHLD handler: the helper is
// started with posix_spawn (no code of ours runs between fork and exec), with
// only the socket on 0 and 1, /dev/null on 2, an empty environment and
// default signals; SIGCHLD is back to its default while we wait, so neither an
// ignoring nor a reaping handler takes the helper's exit status from us (as
// pam_unix does around unix_chkpwd).
#include "pam/helper_call.hpp"

#include "engine/log_text.hpp"
#include "engine/relay.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace okey::pam {
namespace {

std::string helper_path() {
#ifdef OKEY_TEST_HOOKS
    // Test builds only (pam_okey_test.so, never installed): tests/helper's copy.
    if (const char* path = std::getenv("OKEY_TEST_HELPER")) return path;
#endif
    return OKEY_HELPER_PATH;
}

// okey-check starts with an empty environment; a test build passes on the
// variables of okey-check-test's hooks (helper/settings.cpp).
std::vector<std::string> helper_environment() {
    std::vector<std::string> environment;
#ifdef OKEY_TEST_HOOKS
    for (const char* name : {"OKEY_TEST_CONFIG_DIR", "OKEY_TEST_RUN_DIR",
                             "OKEY_TEST_ANSWER_SECONDS", "OKEY_TEST_LOG_FILE"})
        if (const char* value = std::getenv(name)) environment.push_back(std::string(name) + "=" + value);
#endif
    return environment;
}

class Descriptor {
public:
    explicit Descriptor(int fd = -1) : fd_(fd) {}
    ~Descriptor() { reset(); }
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_;
};

// SIGCHLD at its default for as long as this lives.
class DefaultSigchld {
public:
    DefaultSigchld() {
        struct sigaction action {};
        action.sa_handler = SIG_DFL;
        sigemptyset(&action.sa_mask);
        saved_ok_ = sigaction(SIGCHLD, &action, &saved_) == 0;
    }
    ~DefaultSigchld() {
        if (saved_ok_) sigaction(SIGCHLD, &saved_, nullptr);
    }
    DefaultSigchld(const DefaultSigchld&) = delete;
    DefaultSigchld& operator=(const DefaultSigchld&) = delete;

private:
    struct sigaction saved_ {};
    bool saved_ok_ = false;
};

LoginResult result(LoginOutcome outcome, std::string reason) {
    LoginResult r;
    r.outcome = outcome;
    r.reason = std::move(reason);
    return r;
}

// A login the module had to decide itself, okey-check having decided nothing.
LoginResult failed(Logger& logger, const LoginContext& context, LoginOutcome outcome,
                   const std::string& reason) {
    logger.log(LogLevel::error, "login=" + log_field(context.login) +
                                    " outcome=" + std::string(to_string(outcome)) +
                                    " reason=" + log_text(reason));
    return result(outcome, reason);
}

// posix_spawn's error code, or 0 with `pid` set.
int spawn(const std::string& path, const std::vector<std::string>& words, int socket, pid_t& pid) {
    std::vector<char*> argv;
    for (const std::string& word : words) argv.push_back(const_cast<char*>(word.c_str()));
    argv.push_back(nullptr);
    const std::vector<std::string> environment = helper_environment();
    std::vector<char*> envp;
    for (const std::string& variable : environment) envp.push_back(const_cast<char*>(variable.c_str()));
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    if (posix_spawn_file_actions_init(&actions) != 0) return ENOMEM;
    if (posix_spawnattr_init(&attributes) != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return ENOMEM;
    }
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    int rc = posix_spawn_file_actions_adddup2(&actions, socket, STDIN_FILENO);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, socket, STDOUT_FILENO);
    if (rc == 0) rc = posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&attributes, &all);
    if (rc == 0) rc = posix_spawnattr_setsigmask(&attributes, &none);
    if (rc == 0)
        rc = posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    if (rc == 0) rc = posix_spawn(&pid, path.c_str(), &actions, &attributes, argv.data(), envp.data());
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}

}  // namespace

LoginResult check_through_helper(const LoginContext& context, const ModuleArguments& arguments,
                                 Prompter& prompter, Logger& logger,
                                 std::optional<otp::SecretString>* password) {
    const std::string path = helper_path();
    std::vector<std::string> words{path, context.login, context.service, context.remote_host};
    words.insert(words.end(), arguments.begin(), arguments.end());

    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        return failed(logger, context, LoginOutcome::unavailable,
                      std::string("okey-check: no socket: ") + std::strerror(errno));
    Descriptor ours(pair[0]);
    Descriptor theirs(pair[1]);

    const DefaultSigchld sigchld;
    pid_t pid = -1;
    if (const int rc = spawn(path, words, theirs.get(), pid); rc != 0)
        return failed(logger, context, LoginOutcome::unavailable,
                      "cannot run " + path + ": " + std::strerror(rc));
    theirs.reset();

    const otp::SecretString* first_pass = context.first_pass ? &*context.first_pass : nullptr;
    Result<void> served = relay::serve(ours.get(), prompter, first_pass, password);
    ours.reset();  // a helper still waiting for an answer sees the end and stops

    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return failed(logger, context, LoginOutcome::refused,
                          std::string("okey-check: cannot wait: ") + std::strerror(errno));
    }
    const std::string conversation = served ? "" : " (" + served.error().message + ")";
    if (WIFEXITED(status))
        if (auto outcome = relay::outcome_of(WEXITSTATUS(status)))
            return result(*outcome, "decided by okey-check" + conversation);
    const std::string how = WIFSIGNALED(status)
                                ? "killed by signal " + std::to_string(WTERMSIG(status))
                                : "exit status " + std::to_string(WEXITSTATUS(status));
    return failed(logger, context, LoginOutcome::refused,
                  "okey-check ended without an outcome: " + how + conversation);
}

}  // namespace okey::pam
