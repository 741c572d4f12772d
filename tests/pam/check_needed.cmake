# SPDX-License-Identifier: Apache-2.0
# tests/pam/check_needed.cmake — pam_okey.so loads only what a local login
# uses (DESIGN.md §5): neither its NEEDED list nor the libraries the dynamic
# loader brings with them (ldd) hold a network library (libcurl and its TLS,
# HTTP/2, LDAP, SSH, Kerberos…), libxml2 (the PSKC importer is okeyctl's) or
# libpq (the PostgreSQL store is okeyctl's and okeyd's).
# The remote client is okey-remote.so (REMOTE_MODULE), which must export its
# entry point only.
foreach(command "readelf;-d;${MODULE}" "ldd;${MODULE}")
  execute_process(COMMAND ${command} OUTPUT_VARIABLE listing RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${command} failed")
  endif()
  foreach(library libcurl libxml2 libgnutls libnghttp2 libssh2 libldap librtmp libgssapi_krb5
                  libkrb5 libpsl libidn2 libbrotli libzstd libpq)
    if(listing MATCHES "${library}[.-]")
      message(FATAL_ERROR "pam_okey.so loads ${library} (${command}):\n${listing}")
    endif()
  endforeach()
endforeach()
execute_process(COMMAND readelf -d ${MODULE} OUTPUT_VARIABLE dynamic)
string(REGEX MATCHALL "NEEDED[^\n]*" needed "${dynamic}")
message(STATUS "pam_okey.so NEEDED: ${needed}")

execute_process(COMMAND nm -D --defined-only ${REMOTE_MODULE} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
string(REGEX REPLACE "[0-9a-f]+ T " "" symbols "${symbols}")
string(STRIP "${symbols}" symbols)
if(NOT rc EQUAL 0 OR NOT symbols STREQUAL "okey_remote_module_v1")
  message(FATAL_ERROR "okey-remote.so exports more than its entry point: ${symbols}")
endif()
