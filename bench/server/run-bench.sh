#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/server/run-bench.sh [BUILD-DIR] [bench_server options] — okeyd's
# throughput beside the engine in-process (bench_server.cpp). Makes a
# throwaway PostgreSQL cluster (tests/support/pg-cluster), a store in it
# (okeyctl init --service-role okey_service), certificates (openssl), and two
# okeyd nodes on 127.0.0.1 — Argon2id at its minimum cost and at its default
# — then runs bench_server and stops everything.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
shift || true
work=$(mktemp -d /tmp/okeyd-bench.XXXXXX)
chmod 0755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  "$here/tests/support/pg-cluster" stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$here/tests/support/pg-cluster" start "$work/pg" >/dev/null
. "$work/pg/env"
"$OKEY_PG_BIN/psql" -X -q -h "$OKEY_PG_SOCKET" -p "$OKEY_PG_PORT" -U postgres -d postgres \
  -c "CREATE DATABASE okey OWNER okey_owner"
owner="postgresql://okey_owner@127.0.0.1:$OKEY_PG_PORT/okey?passfile=$OKEY_PG_PASSFILE"
service="postgresql://okey_service@127.0.0.1:$OKEY_PG_PORT/okey?passfile=$OKEY_PG_PASSFILE"
key_file="$work/keys/seed.key"
"$build/tools/okeyctl/okeyctl" --store "$owner" --key-file "$key_file" init \
  --service-role okey_service >/dev/null

cd "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj '/CN=bench CA' -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=node \
  -keyout node.key -out node.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > node.ext
openssl x509 -req -in node.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -extfile node.ext -out node.crt 2>/dev/null
chmod 0600 node.key

start_node() {  # start_node NAME ARGON2-SETTINGS: sets $url to the node's URL
  cat > "$1.conf" <<CONF
store = "$service";
key_file = "$key_file";
totp: { window = 3; };
pin: { argon2: { $2 }; };
server: { listen = [ "127.0.0.1:0" ]; tls_certificate = "$work/node.crt";
          tls_key = "$work/node.key"; max_connections = 1024; };
CONF
  chmod 0644 "$1.conf"
  "$build/server/okeyd/okeyd" --config "$work/$1.conf" --log-stderr 2>"$1.log" &
  pids+=($!)
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1.log")
    [ -n "$port" ] && { url="https://127.0.0.1:$port"; return; }
    sleep 0.1
  done
  cat "$1.log" >&2
  exit 1
}
start_node minimum "memory_kib = 8; iterations = 1; parallelism = 1;"
url_min=$url
start_node default ""
url_default=$url
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
"$build/bench/server/bench_server" --store "$owner" --key-file "$key_file" --ca "$work/ca.pem" \
  --url-min "$url_min" --url-default "$url_default" "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
