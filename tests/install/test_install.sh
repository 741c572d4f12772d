#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/install/test_install.sh BUILD-DIR SOURCE-DIR CC CXX — installs the build
# into a temporary DESTDIR, then: a C program built with pkg-config flags, a
# CMake project using find_package(okey-otp), and a check that the shared
# library exports only okey_otp_* symbols.
set -euo pipefail
build=$1 here=$2 cc=$3 cxx=$4
tmp=$(mktemp -d /tmp/okey-install-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DESTDIR="$tmp/dest" cmake --install "$build" --component runtime >"$tmp/install.log"
DESTDIR="$tmp/dest" cmake --install "$build" --component dev >>"$tmp/install.log"
pc=$(find "$tmp/dest" -name okey-otp.pc -print -quit)
[ -n "$pc" ] || fail "okey-otp.pc not installed"
lib=$(find "$tmp/dest" -name 'libokey-otp.so.0' -print -quit)
[ -n "$lib" ] || fail "libokey-otp.so.0 not installed"
libdir=$(dirname "$lib")
for header in otp.h otp.hpp; do
  [ -n "$(find "$tmp/dest" -path "*/include/okey/$header")" ] || fail "include/okey/$header not installed"
done

# 1. pkg-config, with the DESTDIR as sysroot.
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR="$tmp/dest"
flags=$(pkg-config --cflags --libs okey-otp)
# shellcheck disable=SC2086
"$cc" -std=c11 -Wall -Werror -o "$tmp/hello" "$here/hello.c" $flags
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/hello") || fail "hello exited non-zero: $out"
echo "pkg-config program: $out"

# 2. find_package(okey-otp) from a separate CMake project.
prefix=$(cd "$libdir/.." && pwd)
cmake -S "$here/consumer" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_COMPILER="$cxx" >"$tmp/consumer.log" 2>&1 || { cat "$tmp/consumer.log"; fail "find_package"; }
cmake --build "$tmp/consumer" >>"$tmp/consumer.log" 2>&1 || { cat "$tmp/consumer.log"; fail "consumer build"; }
out=$(LD_LIBRARY_PATH="$libdir" "$tmp/consumer/consumer") || fail "consumer exited non-zero: $out"
echo "find_package program: $out"

# 3. Only okey_otp_* leave the library (plus the version node OKEY_OTP_0).
others=$(nm -D --defined-only "$lib" | awk '$3 != "OKEY_OTP_0" && $3 !~ /^okey_otp_/ {print $3}')
[ -z "$others" ] || fail "symbols outside okey_otp_*: $others"
count=$(nm -D --defined-only "$lib" | grep -c ' okey_otp_')
[ "$count" -ge 25 ] || fail "only $count okey_otp_* symbols exported"
echo "exports: $count okey_otp_* symbols, nothing else"
