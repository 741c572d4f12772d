# SPDX-License-Identifier: Apache-2.0
# tests/pam/check_exports.cmake — `nm -D --defined-only pam_okey.so` must list
# pam_sm_authenticate and pam_sm_setcred and nothing else.
execute_process(COMMAND nm -D --defined-only ${MODULE}
  OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${MODULE}")
endif()
string(REGEX MATCHALL "[^\n]+" lines "${symbols}")
set(names "")
foreach(line ${lines})
  string(REGEX REPLACE "^.* " "" name "${line}")
  list(APPEND names ${name})
endforeach()
list(SORT names)
if(NOT names STREQUAL "pam_sm_authenticate;pam_sm_setcred")
  message(FATAL_ERROR "pam_okey.so exports more than its PAM hooks: ${names}")
endif()
message(STATUS "exports: ${names}")
