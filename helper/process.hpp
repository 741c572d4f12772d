// SPDX-License-Identifier: Apache-2.0
// helper/process.hpp — okey-check's defences against the process it was
// started from (DESIGN.md §10; model: Linux-PAM's unix_chkpwd). Its caller is
// any local user, who chooses its descriptors, signal dispositions and mask,
// environment, limits, umask, working directory and terminal.
#pragma once

#include "engine/result.hpp"

#include <string>
#include <sys/types.h>

namespace okey::helper {

// Descriptors 0 (answers in) and 1 (questions out) are kept, /dev/null where
// closed; 2 becomes /dev/null (the helper writes nothing there: a caller could
// have made it the store); every other descriptor is closed.
void sanitise_descriptors() noexcept;

// Default dispositions, nothing blocked; the terminal's signals (SIGINT,
// SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGHUP), SIGPIPE and SIGXFSZ ignored
// (a failed write is an error to handle, not a death half-way).
void sanitise_signals() noexcept;

// An empty environment but a fixed PATH, umask 077, "/" as working directory,
// a session of its own (no controlling terminal), no core dumps, and the
// limits a caller could lower to break a store write raised again.
void sanitise_process() noexcept;

// Become root in every uid and gid, with no supplementary groups. The caller
// then can no longer signal, stop or trace the helper (the kernel lets a user
// signal a process whose real uid is theirs). Fails unless installed setuid root.
Result<void> become_root();

// One okey-check per caller uid at a time: a write lock on byte `uid` of
// `run_dir`/okey-check.lock, held until exit. A caller cannot pile up root
// processes that no longer count in its own process limit.
Result<void> lock_caller(const std::string& run_dir, uid_t uid);

}  // namespace okey::helper
