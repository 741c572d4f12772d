# SPDX-License-Identifier: Apache-2.0
# tests/pam/check_needed.cmake — what each part of pam_okey.so loads
# (DESIGN.md §5):
#  - pam_okey.so (MODULE), what libpam loads at every pam_start() of a stack
#    naming okey: neither its NEEDED list nor the libraries the dynamic loader
#    brings with them (ldd) hold anything but libc and libpam's — no
#    libstdc++, no engine library (SQLite, OpenSSL, libconfig, Argon2,
#    libokey-otp), no network library, libxml2 or libpq;
#  - okey-pam-engine.so (ENGINE), loaded at the first pam_sm_authenticate:
#    no network library (libcurl and its TLS, HTTP/2, LDAP, SSH, Kerberos…),
#    no libxml2 (the PSKC importer is okeyctl's), no libpq (the PostgreSQL
#    store is okeyctl's and okeyd's); it exports its entry point only;
#  - okey-remote.so (REMOTE_MODULE), the remote client: its entry point only.
# SANITIZED (an OKEY_SANITIZE build): libasan and libubsan bring libstdc++ and
# libgcc_s themselves; the module's own NEEDED list must still hold neither.
set(runtime_of_sanitizers "libstdc\\+\\+;libgcc_s")
function(refuse_libraries file name)
  foreach(command "readelf;-d;${file}" "ldd;${file}")
    execute_process(COMMAND ${command} OUTPUT_VARIABLE listing RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${command} failed")
    endif()
    set(refused ${ARGN})
    if(SANITIZED AND command MATCHES "^ldd")
      list(REMOVE_ITEM refused ${runtime_of_sanitizers})
    endif()
    foreach(library ${refused})
      if(listing MATCHES "${library}[.-]")
        message(FATAL_ERROR "${name} loads ${library} (${command}):\n${listing}")
      endif()
    endforeach()
  endforeach()
  execute_process(COMMAND readelf -d ${file} OUTPUT_VARIABLE dynamic)
  string(REGEX MATCHALL "NEEDED[^\n]*" needed "${dynamic}")
  message(STATUS "${name} NEEDED: ${needed}")
endfunction()

function(expect_only_export file name symbol)
  execute_process(COMMAND nm -D --defined-only ${file} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
  string(REGEX REPLACE "[0-9a-f]+ T " "" symbols "${symbols}")
  string(STRIP "${symbols}" symbols)
  if(NOT rc EQUAL 0 OR NOT symbols STREQUAL "${symbol}")
    message(FATAL_ERROR "${name} exports more than its entry point: ${symbols}")
  endif()
endfunction()

set(network libcurl libxml2 libgnutls libnghttp2 libssh2 libldap librtmp libgssapi_krb5
            libkrb5 libpsl libidn2 libbrotli libzstd libpq)
refuse_libraries(${MODULE} pam_okey.so libstdc\\+\\+ libgcc_s libsqlite3 libcrypto libssl
                 libconfig libargon2 libokey-otp ${network})
refuse_libraries(${ENGINE} okey-pam-engine.so ${network})
expect_only_export(${ENGINE} okey-pam-engine.so okey_pam_engine_v1)
expect_only_export(${REMOTE_MODULE} okey-remote.so okey_remote_module_v1)
