#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/timing/run-bench.sh — median refusal time for an unknown login, for
# logins holding emergency codes or whose key was lost, and for a known login
# with a wrong passcode, through the real PAM stack (pam_wrapper: no change to
# /etc/pam.d). Prints each median and its difference from the known login's.
#   bench/timing/run-bench.sh [BUILD-DIR] [--iterations N] [--dir FOLDER]...
# (default: the store on a disk, /var/tmp, then on tmpfs, /dev/shm)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
[ $# -gt 0 ] && shift
cmake --build "$build" -j 2 --target okey-bench-timing pam_okey >/dev/null
env LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libpam_wrapper.so PAM_WRAPPER=1 \
  "$build/bench/timing/okey-bench-timing" "$@"
