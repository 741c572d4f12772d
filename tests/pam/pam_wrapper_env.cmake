# tests/pam/pam_wrapper_env.cmake — the environment a test needs to load the
# real libpam through pam_wrapper (TESTING.md): preload (libasan first under
# OKEY_SANITIZE), PAM_WRAPPER=1, and a runtime folder inside the build tree so
# the per-process /tmp/pam.X copies land where the build can clean them.
# The service folder itself is written and named by each test program.
set(OKEY_PAM_PRELOAD ${OKEY_PAM_WRAPPER_LIB})
if(OKEY_SANITIZE)
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libasan.so
    OUTPUT_VARIABLE OKEY_LIBASAN OUTPUT_STRIP_TRAILING_WHITESPACE)
  get_filename_component(OKEY_LIBASAN "${OKEY_LIBASAN}" REALPATH)
  set(OKEY_PAM_PRELOAD "${OKEY_LIBASAN}:${OKEY_PAM_WRAPPER_LIB}")
endif()
set(OKEY_PAM_RUNTIME_DIR ${PROJECT_BINARY_DIR}/tests/pam-wrapper-runtime)
file(MAKE_DIRECTORY ${OKEY_PAM_RUNTIME_DIR})
set(OKEY_PAM_TEST_ENV
  "LD_PRELOAD=${OKEY_PAM_PRELOAD}"
  "PAM_WRAPPER=1"
  "PAM_WRAPPER_RUNTIME_DIR=${OKEY_PAM_RUNTIME_DIR}")

if(NOT TARGET PkgConfig::CMOCKA)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET GLOBAL cmocka)
endif()
if(NOT TARGET pamtest::pamtest)
  find_package(pamtest CONFIG REQUIRED)
endif()
