# SPDX-License-Identifier: Apache-2.0
# tests/postgresql/check_module_needed.cmake — pam_okey.so must not need
# libpq (DESIGN.md §9: the module opens SQLite only; sshd loads it for every
# connection). Usage: cmake -DMODULE=… -DREADELF=… -P check_module_needed.cmake
execute_process(COMMAND ${READELF} -d ${MODULE} OUTPUT_VARIABLE dynamic RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf -d ${MODULE} failed")
endif()
string(REGEX MATCHALL "NEEDED[^\n]*" needed "${dynamic}")
if(NOT needed MATCHES "libsqlite3")
  message(FATAL_ERROR "${MODULE}: no NEEDED entries read (${needed})")
endif()
if(needed MATCHES "libpq")
  message(FATAL_ERROR "${MODULE} needs libpq: ${needed}")
endif()
message(STATUS "${MODULE} needs: ${needed}")
