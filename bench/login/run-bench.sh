#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/login/run-bench.sh — run the login benchmark from a build tree under
# pam_wrapper (the real libpam, no change to /etc/pam.d).
#   bench/login/run-bench.sh [BUILD-DIR] [--users 1000,10000,100000] [--seconds S] [--dir D]
#                            [--only okey-min|oath]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
[ $# -gt 0 ] && shift
cmake --build "$build" -j 2 --target okey-bench-login pam_okey okey-pam-engine >/dev/null
env LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libpam_wrapper.so PAM_WRAPPER=1 \
  "$build/bench/login/okey-bench-login" "$@"
