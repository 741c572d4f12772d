# SPDX-License-Identifier: Apache-2.0
# tests/pam/pam_wrapper_env.cmake — the environment a test needs to load the
# real libpam through pam_wrapper (TESTING.md): preload (libasan first under
# OKEY_SANITIZE) and PAM_WRAPPER=1. The service folder itself is written and
# named by each test program. pam_wrapper copies it into a /tmp/pam.X folder per
# process and removes that folder when the process exits normally (exit(), not
# _exit()): forked children must exit() to clean up after themselves.
set(OKEY_PAM_PRELOAD ${OKEY_PAM_WRAPPER_LIB})
if(OKEY_SANITIZE)
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libasan.so
    OUTPUT_VARIABLE OKEY_LIBASAN OUTPUT_STRIP_TRAILING_WHITESPACE)
  get_filename_component(OKEY_LIBASAN "${OKEY_LIBASAN}" REALPATH)
  set(OKEY_PAM_PRELOAD "${OKEY_LIBASAN}:${OKEY_PAM_WRAPPER_LIB}")
endif()
set(OKEY_PAM_TEST_ENV
  "LD_PRELOAD=${OKEY_PAM_PRELOAD}"
  "PAM_WRAPPER=1")

if(NOT TARGET PkgConfig::CMOCKA)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET GLOBAL cmocka)
endif()
if(NOT TARGET pamtest::pamtest)
  find_package(pamtest CONFIG REQUIRED)
endif()
