# SPDX-License-Identifier: Apache-2.0
# pam/module.cmake — pam_okey.so: a MODULE library (no "lib" prefix) over the
# static engine. Only pam_sm_* leave it: hidden visibility by default, the
# hooks marked default, and a version script keeping everything else local.
find_library(OKEY_PAM_LIBRARY pam REQUIRED)

# Everything but the file with the test hook, compiled once for both modules.
add_library(pam_okey_parts OBJECT
  pam_okey.cpp
  pam_prompter.cpp
  pam_logger.cpp
  outcome.cpp)
target_link_libraries(pam_okey_parts PRIVATE okey-engine)

# okey_pam_module(NAME [TEST_HOOKS]): the module, with helper_call.cpp.
function(okey_pam_module name)
  add_library(${name} MODULE $<TARGET_OBJECTS:pam_okey_parts> helper_call.cpp)
  target_compile_definitions(${name} PRIVATE OKEY_HELPER_PATH="${OKEY_HELPER_DIR}/okey-check")
  if(ARGN STREQUAL "TEST_HOOKS")
    target_compile_definitions(${name} PRIVATE OKEY_TEST_HOOKS=1)
  endif()
  set_target_properties(${name} PROPERTIES PREFIX "" OUTPUT_NAME ${name})
  target_link_libraries(${name} PRIVATE okey-engine ${OKEY_PAM_LIBRARY})
  # --as-needed: pam_okey.so NEEDs only what a local login uses (no libcurl, no
  # libxml2: the remote client is okey-remote.so, loaded for backend = "remote").
  target_link_options(${name} PRIVATE
    "-Wl,--version-script=${CMAKE_CURRENT_SOURCE_DIR}/pam_okey.map" -Wl,--no-undefined
    -Wl,--as-needed -Wl,-z,nodelete)
  # -z nodelete: once loaded, the module and its libraries (SQLite, OpenSSL…)
  # stay loaded after pam_end(): a process that authenticates again (gdm, a
  # screensaver) does not reload them each time, and libraries that do not
  # unload cleanly are never unloaded.
  add_dependencies(${name} okey-remote)
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/pam_okey.map)
endfunction()

okey_pam_module(pam_okey)
install(TARGETS pam_okey LIBRARY DESTINATION ${OKEY_PAM_MODULE_DIR} COMPONENT pam)
# The same module whose okey-check is OKEY_TEST_HELPER (tests/helper): never installed.
if(BUILD_TESTING)
  okey_pam_module(pam_okey_test TEST_HOOKS)
endif()

# The login program of scripts/demo (not installed): libpam + a terminal
# conversation + a demo key's display.
add_executable(okey-demo-login demo/demo_login.cpp)
target_link_libraries(okey-demo-login PRIVATE okey-otp ${OKEY_PAM_LIBRARY})
