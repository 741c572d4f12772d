#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench/remote/remote_bench.py — what a remote login costs (DESIGN.md §5),
measured against peers in the same run on the same TLS test server
(tests/remote/server.py):

  1. overhead: one okey remote login (remote_driver: run_remote_login in a
     fresh process: TLS handshake, POST, strict JSON reading) over one bare
     `curl` POST of the same form to the same server (fresh process too);
  2. failover when the first server refuses connections (a closed port);
  3. failover when the first server drops packets: a TCP listener on
     127.0.0.1 whose accept backlog is full and which never accepts, so the
     kernel drops further SYNs — the client waits connect_timeout_ms.

Usage: remote_bench.py --driver build/tests/remote/remote_driver [--rounds N]
       [--connect-timeout MS]   (or: cmake --build build --target remote_bench)
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "remote"))
from remote_fixture import Servers, dead_port  # noqa: E402
from server import PIN, code  # noqa: E402


def timed(command, stdin=""):
    start = time.perf_counter()
    done = subprocess.run(command, input=stdin, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit("failed: %s\n%s" % (" ".join(command), done.stderr))
    return elapsed, done.stdout


def black_hole():
    """A 127.0.0.1 port that never completes a TCP handshake: a listener with
    a full backlog that never accepts (SYNs beyond it are dropped)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):  # more than the backlog: later SYNs are dropped
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.2)
    return port, [listener] + fillers


def driver_login(args, servers, login, urls, extra=()):
    command = [args.driver, "--login", login, "--ca", servers.ca[1],
               "--connect-timeout", str(args.connect_timeout), "--timeout", "5000"]
    for url in urls:
        command += ["--url", url]
    return timed(command + list(extra), PIN + code(1) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--driver", required=True)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--connect-timeout", type=int, default=500)
    args = parser.parse_args()

    servers = Servers()
    try:
        url = servers.start("bench")
        # Warm up both paths once (page cache, the server's first handshake).
        driver_login(args, servers, "user-warm", [url])
        okey_times, curl_times = [], []
        for i in range(args.rounds):
            # Each login uses a fresh user so the server accepts code(1) each time.
            elapsed, out = driver_login(args, servers, "user-b%d" % i, [url])
            if '"success"' not in out:
                raise SystemExit("bench login refused: " + out)
            okey_times.append(elapsed)
            elapsed, out = timed(
                ["curl", "-sS", "--proto", "=https", "--cacert", servers.ca[1],
                 "--noproxy", "*", "--connect-timeout", "0.5", "-m", "5",
                 "--data-urlencode", "user=user-c%d" % i,
                 "--data-urlencode", "pass@-", url + "/validate/check"],
                PIN + code(1))
            if '"value": true' not in out:
                raise SystemExit("curl login refused: " + out)
            curl_times.append(elapsed)
        okey_ms = statistics.median(okey_times) * 1000
        curl_ms = statistics.median(curl_times) * 1000
        print("remote login (remote_driver)   median %7.2f ms over %d" % (okey_ms, args.rounds))
        print("bare curl POST (same server)   median %7.2f ms over %d" % (curl_ms, args.rounds))
        print("overhead ratio okey/curl       %7.2f" % (okey_ms / curl_ms))

        refused, dropped, direct = [], [], []
        hole_port, keep = black_hole()
        for i in range(max(5, args.rounds // 5)):
            direct.append(driver_login(args, servers, "user-d%d" % i, [url])[0])
            refused.append(driver_login(
                args, servers, "user-r%d" % i, ["https://127.0.0.1:%d" % dead_port(), url])[0])
            dropped.append(driver_login(
                args, servers, "user-h%d" % i, ["https://127.0.0.1:%d" % hole_port, url])[0])
        for sock in keep:
            sock.close()
        base = statistics.median(direct) * 1000
        print("login, first server answers    median %7.2f ms" % base)
        print("failover, connection refused   median %7.2f ms (+%.2f ms, ratio %.2f)" % (
            statistics.median(refused) * 1000, statistics.median(refused) * 1000 - base,
            statistics.median(refused) * 1000 / base))
        print("failover, packets dropped      median %7.2f ms (+%.2f ms; connect_timeout_ms = %d)" % (
            statistics.median(dropped) * 1000, statistics.median(dropped) * 1000 - base,
            args.connect_timeout))
    finally:
        servers.stop()


if __name__ == "__main__":
    main()
