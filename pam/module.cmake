# SPDX-License-Identifier: Apache-2.0
# pam/module.cmake — pam_okey.so, in two parts (pam/engine.h):
#  - pam_okey.so: the PAM hooks in C (pam_okey.c), needing libc and libpam
#    only: what libpam loads at every pam_start() of a stack naming okey;
#  - okey-pam-engine.so: the C++ module over the static engine (SQLite,
#    OpenSSL, libconfig++, libstdc++…), loaded by pam_okey.so from a path fixed
#    at build time at the first pam_sm_authenticate.
# Only pam_sm_* leave pam_okey.so, only okey_pam_engine_v1 leaves the engine:
# hidden visibility by default, the entry points marked default, and a
# version script keeping everything else local.
find_library(OKEY_PAM_LIBRARY pam REQUIRED)

# Everything but the file with the test hook, compiled once for both engines.
add_library(pam_okey_parts OBJECT
  engine_module.cpp
  pam_prompter.cpp
  pam_logger.cpp
  outcome.cpp)
target_link_libraries(pam_okey_parts PRIVATE okey-engine)

# okey_pam_engine(NAME [TEST_HOOKS]): the engine module, with helper_call.cpp.
function(okey_pam_engine name)
  add_library(${name} MODULE $<TARGET_OBJECTS:pam_okey_parts> helper_call.cpp)
  target_compile_definitions(${name} PRIVATE OKEY_HELPER_PATH="${OKEY_HELPER_DIR}/okey-check")
  if(ARGN STREQUAL "TEST_HOOKS")
    target_compile_definitions(${name} PRIVATE OKEY_TEST_HOOKS=1)
  endif()
  set_target_properties(${name} PROPERTIES PREFIX "" OUTPUT_NAME ${name})
  target_link_libraries(${name} PRIVATE okey-engine ${OKEY_PAM_LIBRARY})
  # --as-needed: the engine NEEDs only what a local login uses (no libcurl, no
  # libxml2: the remote client is okey-remote.so, loaded for backend = "remote").
  # -z nodelete: once loaded, the engine and its libraries (SQLite, OpenSSL…)
  # stay loaded (pam_okey.so keeps its entry for the life of the process, and
  # libraries that do not unload cleanly are never unloaded).
  target_link_options(${name} PRIVATE
    "-Wl,--version-script=${CMAKE_CURRENT_SOURCE_DIR}/okey-pam-engine.map" -Wl,--no-undefined
    -Wl,--as-needed -Wl,-z,nodelete)
  add_dependencies(${name} okey-remote)
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS
    ${CMAKE_CURRENT_SOURCE_DIR}/okey-pam-engine.map)
endfunction()

# okey_pam_module(NAME ENGINE-PATH): the C module loading the engine at
# ENGINE-PATH (tests/pam builds one more, for a test folder).
function(okey_pam_module name engine_path)
  add_library(${name} MODULE ${PROJECT_SOURCE_DIR}/pam/pam_okey.c)
  target_compile_definitions(${name} PRIVATE OKEY_PAM_ENGINE_PATH="${engine_path}"
                                             OKEY_VERSION="${PROJECT_VERSION}")
  set_target_properties(${name} PROPERTIES PREFIX "" OUTPUT_NAME ${name})
  target_link_libraries(${name} PRIVATE okey-trusted-module ${OKEY_PAM_LIBRARY})
  # -z nodelete: the loaded engine is kept in a static of this module.
  target_link_options(${name} PRIVATE
    "-Wl,--version-script=${PROJECT_SOURCE_DIR}/pam/pam_okey.map" -Wl,--no-undefined
    -Wl,--as-needed -Wl,-z,nodelete)
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${PROJECT_SOURCE_DIR}/pam/pam_okey.map)
endfunction()

okey_pam_engine(okey-pam-engine)
install(TARGETS okey-pam-engine LIBRARY DESTINATION ${OKEY_MODULE_DIR} COMPONENT pam)
# A test build loads the build tree's engine, and refuses to be installed
# (engine/CMakeLists.txt, OKEY_MODULES_FROM_BUILD_TREE).
# OKEY_PAM_TESTED: the module the suites load, which loads the build tree's
# engine: pam_okey itself in a test build; in a package build (engine at its
# installed path) the same module built for the build tree, never installed.
if(OKEY_MODULES_FROM_BUILD_TREE)
  okey_pam_module(pam_okey $<TARGET_FILE:okey-pam-engine>)
  set(OKEY_PAM_TESTED pam_okey)
else()
  okey_pam_module(pam_okey ${OKEY_MODULE_DIR}/okey-pam-engine.so)
  if(BUILD_TESTING)
    okey_pam_module(pam_okey_built $<TARGET_FILE:okey-pam-engine>)
    add_dependencies(pam_okey_built okey-pam-engine)
    set(OKEY_PAM_TESTED pam_okey_built)
  endif()
endif()
set(OKEY_PAM_TESTED ${OKEY_PAM_TESTED} PARENT_SCOPE)
add_dependencies(pam_okey okey-pam-engine)
install(TARGETS pam_okey LIBRARY DESTINATION ${OKEY_PAM_MODULE_DIR} COMPONENT pam)
# The same module whose okey-check is OKEY_TEST_HELPER (tests/helper): never installed.
if(BUILD_TESTING)
  okey_pam_engine(okey-pam-engine-test TEST_HOOKS)
  okey_pam_module(pam_okey_test $<TARGET_FILE:okey-pam-engine-test>)
  add_dependencies(pam_okey_test okey-pam-engine-test)
endif()

# The login program of scripts/demo (not installed): libpam + a terminal
# conversation + a demo key's display.
add_executable(okey-demo-login demo/demo_login.cpp)
target_link_libraries(okey-demo-login PRIVATE okey-otp ${OKEY_PAM_LIBRARY})
