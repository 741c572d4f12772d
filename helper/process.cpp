// SPDX-License-Identifier: Apache-2.0
// helper/process.cpp — see process.hpp. Each step works on what the kernel
// gave the process, never on what the caller says about it.
#include "helper/process.hpp"

#include "engine/file_trust.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace okey::helper {

void sanitise_descriptors() noexcept {
    for (int fd = 0; fd <= 2; ++fd) {
        if (fcntl(fd, F_GETFD) >= 0) continue;
        // The lowest free descriptor: `fd` itself, since the lower ones are open.
        const int null = open("/dev/null", O_RDWR);
        if (null != fd) _exit(127);  // cannot happen; never run with a hole
    }
    const int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 2) != 2) _exit(127);
    if (close_range(3, ~0U, 0) != 0)
        for (int fd = 3; fd < 65536; ++fd) close(fd);
}

void sanitise_signals() noexcept {
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    for (int signal = 1; signal < NSIG; ++signal)
        if (signal != SIGKILL && signal != SIGSTOP) sigaction(signal, &action, nullptr);
    action.sa_handler = SIG_IGN;
    for (int signal : {SIGPIPE, SIGXFSZ, SIGHUP, SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU})
        sigaction(signal, &action, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
}

void sanitise_process() noexcept {
    clearenv();
    setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
    umask(077);
    if (chdir("/") != 0) _exit(127);
    (void)setsid();  // fails only for a group leader; the terminal's signals are ignored anyway
    const rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    // A tiny file-size, CPU, memory or descriptor limit would make a store
    // write or the PIN hash fail half-way: lifted (root may raise a hard
    // limit with CAP_SYS_RESOURCE; without it, the soft limit up to the hard
    // one). A write still over the limit then fails (EFBIG, SIGXFSZ ignored)
    // and SQLite rolls its transaction back: a refusal, never a torn store.
    for (int resource : {RLIMIT_FSIZE, RLIMIT_CPU, RLIMIT_AS, RLIMIT_DATA}) {
        const rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
        rlimit current{};
        if (setrlimit(resource, &unlimited) == 0 || getrlimit(resource, &current) != 0) continue;
        current.rlim_cur = current.rlim_max;
        setrlimit(resource, &current);
    }
    rlimit descriptors{};
    if (getrlimit(RLIMIT_NOFILE, &descriptors) == 0 && descriptors.rlim_cur < 1024) {
        descriptors.rlim_cur = descriptors.rlim_max < 1024 ? descriptors.rlim_max : 1024;
        setrlimit(RLIMIT_NOFILE, &descriptors);
    }
}

Result<void> become_root() {
    if (geteuid() != 0)
        return make_error(Errc::unsafe_file, "not running as root: okey-check must be "
                                             "installed setuid root");
    if (setgroups(0, nullptr) != 0 || setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0)
        return make_error(Errc::internal, std::string("cannot become root: ") + std::strerror(errno));
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  // changing uids may have reset it
    return {};
}

Result<void> lock_caller(const std::string& run_dir, uid_t uid) {
    if (mkdir(run_dir.c_str(), 0700) != 0 && errno != EEXIST)
        return make_error(Errc::io, run_dir + ": cannot create: " + std::strerror(errno));
    if (auto trusted = check_trusted_path(run_dir, FileRole::directory, 0); !trusted)
        return trusted.error();
    const std::string path = run_dir + "/okey-check.lock";
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return make_error(Errc::io, path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || st.st_nlink != 1 ||
        (st.st_mode & 077) != 0)
        return make_error(Errc::unsafe_file, path + ": refused: not a private file of root");
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    lock.l_start = static_cast<off_t>(uid);
    lock.l_len = 1;
    if (fcntl(fd, F_SETLK, &lock) != 0) {
        if (errno == EACCES || errno == EAGAIN)
            return make_error(Errc::busy, "another okey-check is running for this caller");
        return make_error(Errc::io, path + ": cannot lock: " + std::strerror(errno));
    }
    return {};  // the descriptor stays open: the lock lasts until exit
}

}  // namespace okey::helper
