# SPDX-License-Identifier: Apache-2.0
# pam/module.cmake — pam_okey.so: a MODULE library (no "lib" prefix) over the
# static engine. Only pam_sm_* leave it: hidden visibility by default, the
# hooks marked default, and a version script keeping everything else local.
find_library(OKEY_PAM_LIBRARY pam REQUIRED)

add_library(pam_okey MODULE
  pam_okey.cpp
  module_arguments.cpp
  pam_prompter.cpp
  pam_logger.cpp
  outcome.cpp)
set_target_properties(pam_okey PROPERTIES PREFIX "" OUTPUT_NAME pam_okey)
target_link_libraries(pam_okey PRIVATE okey-engine ${OKEY_PAM_LIBRARY})
# --as-needed: pam_okey.so NEEDs only what a local login uses (no libcurl, no
# libxml2: the remote client is okey-remote.so, loaded for backend = "remote").
target_link_options(pam_okey PRIVATE
  "-Wl,--version-script=${CMAKE_CURRENT_SOURCE_DIR}/pam_okey.map" -Wl,--no-undefined
  -Wl,--as-needed -Wl,-z,nodelete)
# -z nodelete: once loaded, the module and its libraries (SQLite, OpenSSL…)
# stay loaded after pam_end(): a process that authenticates again (gdm, a
# screensaver) does not reload them each time, and libraries that do not
# unload cleanly are never unloaded.
add_dependencies(pam_okey okey-remote)
set_property(TARGET pam_okey APPEND PROPERTY LINK_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/pam_okey.map)

install(TARGETS pam_okey LIBRARY DESTINATION ${OKEY_PAM_MODULE_DIR} COMPONENT pam)

# The login program of scripts/demo (not installed): libpam + a terminal
# conversation + a demo key's display.
add_executable(okey-demo-login demo/demo_login.cpp)
target_link_libraries(okey-demo-login PRIVATE okey-otp ${OKEY_PAM_LIBRARY})
