#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tests/peers/test_oathtool.py — libotp's TOTP codes must equal oathtool's.

1000 random cases (secret 10–64 bytes, SHA1/SHA256/SHA512, 6/8 digits, period
30/60, random time); each case compares 3 consecutive steps (oathtool -w 2).
oathtool runs in a small process pool to stay within a few seconds. The random
seed is printed so that a failure can be replayed: OKEY_PEER_SEED=<seed>.
Usage: test_oathtool.py PATH-TO-peer_codes
"""
import concurrent.futures
import os
import random
import subprocess
import sys
import unittest

CASES = 1000
STEPS = 3
ALGORITHMS = {1: "SHA1", 2: "SHA256", 3: "SHA512"}


def make_cases(rng):
    cases = []
    for _ in range(CASES):
        secret = rng.randbytes(rng.randint(10, 64)).hex()
        algorithm = rng.choice(list(ALGORITHMS))
        digits = rng.choice((6, 8))
        period = rng.choice((30, 60))
        unix_time = rng.choice((rng.randint(0, 2**31 - 1), rng.randint(0, 2**34)))
        cases.append((secret, algorithm, digits, period, unix_time))
    # Fixed edges: the epoch and the last second of a step.
    cases.append(("00" * 10, 1, 6, 30, 0))
    cases.append(("ff" * 64, 3, 8, 60, 59))
    return cases


def libotp_codes(helper, cases):
    text = "".join(f"{s} {a} {d} {p} {t} {STEPS}\n" for s, a, d, p, t in cases)
    out = subprocess.run([helper], input=text, capture_output=True, text=True, check=True)
    return [line.split() for line in out.stdout.splitlines()]


def oathtool_codes(case):
    secret, algorithm, digits, period, unix_time = case
    # The secret is random test data, so argv is acceptable here.
    out = subprocess.run(
        ["oathtool", f"--totp={ALGORITHMS[algorithm]}", "-d", str(digits), "-s", f"{period}s",
         "-w", str(STEPS - 1), "-N", f"@{unix_time}", secret],
        capture_output=True, text=True, check=True, env={"TZ": "UTC", "PATH": os.environ["PATH"]})
    return out.stdout.split()


class OathtoolAgrees(unittest.TestCase):
    helper = None

    def test_random_cases(self):
        seed = int(os.environ.get("OKEY_PEER_SEED", random.SystemRandom().randrange(2**32)))
        print(f"peer seed: {seed}", file=sys.stderr)
        cases = make_cases(random.Random(seed))
        ours = libotp_codes(self.helper, cases)
        self.assertEqual(len(ours), len(cases))
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            theirs = list(pool.map(oathtool_codes, cases))
        mismatches = [(case, a, b) for case, a, b in zip(cases, ours, theirs) if a != b]
        for case, a, b in mismatches[:5]:
            print(f"mismatch {case}: libotp {a} oathtool {b}", file=sys.stderr)
        self.assertEqual(mismatches, [])
        self.assertTrue(all(len(codes) == STEPS for codes in ours))


if __name__ == "__main__":
    OathtoolAgrees.helper = sys.argv.pop(1)
    unittest.main()
