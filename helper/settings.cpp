// SPDX-License-Identifier: Apache-2.0
// helper/settings.cpp — see settings.hpp. The only file of okey-check with a
// test hook: built with OKEY_TEST_HOOKS for the test binary okey-check-test
// (tests/helper), never for the installed okey-check.
#include "helper/settings.hpp"

#include "engine/login.hpp"

#ifdef OKEY_TEST_HOOKS
#include <cstdlib>
#endif

namespace okey::helper {

Settings settings() {
    // No answer is taken after the whole login's time limit anyway.
    Settings s{"/etc/okey/", "/run/okey", std::chrono::seconds(login_time_limit_seconds), ""};
#ifdef OKEY_TEST_HOOKS
    if (const char* dir = std::getenv("OKEY_TEST_CONFIG_DIR")) s.config_dir = std::string(dir) + "/";
    if (const char* dir = std::getenv("OKEY_TEST_RUN_DIR")) s.run_dir = dir;
    if (const char* seconds = std::getenv("OKEY_TEST_ANSWER_SECONDS"))
        s.answer_time = std::chrono::seconds(std::atoi(seconds));
    if (const char* file = std::getenv("OKEY_TEST_LOG_FILE")) s.log_file = file;
#endif
    return s;
}

}  // namespace okey::helper
