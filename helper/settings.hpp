// SPDX-License-Identifier: Apache-2.0
// helper/settings.hpp — the fixed settings of okey-check: which config files
// it may read, where its per-caller lock lives, how long it waits for an
// answer. Compiled in; a caller can change none of them. A test build
// (okey-check-test, never installed) takes them from OKEY_TEST_* variables.
#pragma once

#include <chrono>
#include <string>

namespace okey::helper {

struct Settings {
    std::string config_dir;        // config= must name a file under it
    std::string run_dir;           // holds the lock file: one okey-check per caller
    std::chrono::seconds answer_time;  // a person at a prompt, then the login is refused
    std::string log_file;          // test builds: log lines also appended here ("" = syslog only)
};

// Read once, before the environment is cleared.
Settings settings();

}  // namespace okey::helper
