# SPDX-License-Identifier: Apache-2.0
"""tests/support/okey_pg.py — the Python tests' way to the run's throwaway
PostgreSQL cluster (tests/support/pg-cluster; OKEY_TEST_PG_DIR names it)."""
import os
import subprocess


def cluster():
    """OKEY_PG_PORT, OKEY_PG_SOCKET, OKEY_PG_PASSFILE, OKEY_PG_BIN… of the run's cluster."""
    values = {}
    with open(os.path.join(os.environ["OKEY_TEST_PG_DIR"], "env")) as f:
        for line in f:
            key, _, value = line.strip().partition("=")
            values[key] = value
    return values


def superuser(sql, database="postgres"):
    """SQL as the cluster's superuser (over its socket, on stdin); the first value."""
    c = cluster()
    out = subprocess.run([os.path.join(c["OKEY_PG_BIN"], "psql"), "-X", "-q", "-t", "-A",
                          "-v", "ON_ERROR_STOP=1", "-h", c["OKEY_PG_SOCKET"], "-p", c["OKEY_PG_PORT"],
                          "-U", "postgres", "-d", database],
                         input=sql, capture_output=True, text=True, check=True)
    return out.stdout.strip()
