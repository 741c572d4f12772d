#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tests/server/test_okeyd_pam.py — many servers (DESIGN.md §9) end to end:
two okeyd nodes on one PostgreSQL store, and two PAM stacks (the real
pam_okey.so in real libpam under pam_wrapper, pypamtest) with backend =
"remote" listing the nodes in opposite orders, as two academy servers would.

New-PIN mode through the remote module; a passcode used through one stack
refused through the other; 20 logins racing with one valid passcode over both
stacks: exactly one success; 20 racing wrong guesses: the login locked for
both; node 1 killed (SIGKILL) in the middle of a load: every login ends, the
clients fail over to node 2, no accepted step is lost (each success is in the
store) or doubled (one success row per login); pam_okey with and without
remote.client_certificate against a node requiring client certificates.

Run by ctest (OKEY_PAM_MODULE, OKEYD, OKEYCTL, OKEY_TEST_PG_DIR set);
re-executes itself under pam_wrapper (in a user namespace when not root)."""
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PAM_WRAPPER = "/usr/lib/x86_64-linux-gnu/libpam_wrapper.so"


def reexec():
    env = dict(os.environ, LD_PRELOAD=PAM_WRAPPER, PAM_WRAPPER="1", OKEYD_PAM_CHILD="1")
    command = [sys.executable, os.path.abspath(__file__)] + sys.argv[1:]
    if os.geteuid() != 0:
        command = ["unshare", "--map-root-user"] + command
    sys.exit(subprocess.run(command, env=env).returncode)


if __name__ == "__main__" and not os.environ.get("OKEYD_PAM_CHILD"):
    reexec()

import pypamtest  # noqa: E402  (only under pam_wrapper)

sys.path.insert(0, HERE)
from okeyd_fixture import PIN, Cluster, Site, enrol, totp  # noqa: E402

MODULE = os.environ.get("OKEY_PAM_MODULE", "pam_okey.so")
PAM_SUCCESS, PAM_AUTH_ERR = 0, 7
cluster = site = one = two = strict = None
SERVICES = None


def add_service(name, urls, extra=""):
    path = os.path.join(site.dir, "pam-" + name + ".conf")
    with open(path, "w") as out:
        out.write('backend = "remote";\nstore = "%s/none/okey.db";\n' % site.dir)
        # max_rounds left at its default: new-PIN mode with all its tries fits.
        out.write('remote: { urls = [ %s ]; ca_file = "%s"; connect_timeout_ms = 2000;\n'
                  '          timeout_ms = 8000; %s };\n' % (
                      ", ".join('"%s"' % u for u in urls), site.ca[1], extra))
    os.chmod(path, 0o644)
    with open(os.path.join(SERVICES, name), "w") as out:
        out.write("auth required %s config=%s\n" % (MODULE, path))


def setUpModule():
    global cluster, site, one, two, strict, SERVICES
    cluster = Cluster()
    site = Site(cluster)
    one, two = site.start("node1"), site.start("node2")
    strict = site.start("strict", client_ca=True)
    SERVICES = os.path.join(site.dir, "services")
    os.mkdir(SERVICES)
    # Every service file first: pam_wrapper copies the folder at the first pam_start.
    add_service("server-a", [one.url, two.url])
    add_service("server-b", [two.url, one.url])
    add_service("strict-with", [strict.url], 'client_certificate = "%s"; client_key = "%s";' % (
        site.client[1], site.client[0]))
    add_service("strict-without", [strict.url])
    with open(os.path.join(SERVICES, "other"), "w") as out:
        out.write("auth required pam_deny.so\naccount required pam_deny.so\n")
    os.environ["PAM_WRAPPER_SERVICE_DIR"] = SERVICES


def tearDownModule():
    site.stop()


def authenticate(service, login, answers):
    """One pam_authenticate(); True when it returned PAM_SUCCESS."""
    try:
        pypamtest.run_pamtest(login, service,
                              [pypamtest.TestCase(pypamtest.PAMTEST_AUTHENTICATE, PAM_SUCCESS)],
                              list(answers))
        return True
    except pypamtest.PamTestError:
        return False


def all_at_once(calls):
    """Each call in its own forked process, released together; True/False
    each (None: the process died). pam_wrapper 1.1.4 sets up a folder per
    process with a check-then-mkdir and no retry, so each child sets its own
    up (a pam_start of `other`) before the next is forked (as
    tests/concurrency does); only the logins run at once. A child ends with
    the C library's exit(), which runs pam_wrapper's clean-up of its folder."""
    libc = ctypes.CDLL(None)
    gate_read, gate_write = os.pipe()
    children = []
    for call in calls:
        result_read, result_write = os.pipe()
        ready_read, ready_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(gate_write)
                authenticate("other", "nobody", ["x"])
                os.write(ready_write, b"r")
                os.read(gate_read, 1)
                code = 0 if call() else 2
            finally:
                os.write(result_write, bytes([code]))
                sys.stdout.flush()
                sys.stderr.flush()
                libc.exit(0)
        os.close(result_write)
        os.close(ready_write)
        os.read(ready_read, 1)
        os.close(ready_read)
        children.append((pid, result_read))
    os.close(gate_read)
    os.write(gate_write, b"x" * len(calls))
    os.close(gate_write)
    results = []
    for pid, result_read in children:
        code = os.read(result_read, 1)
        os.close(result_read)
        os.waitpid(pid, 0)
        results.append({b"\x00": True, b"\x02": False}.get(code))
    return results


class ManyServers(unittest.TestCase):
    def key(self, login):
        site.add_key("SN-" + login, login)
        return login

    def test_new_pin_mode_through_the_remote_module(self):
        login = self.key("pam-newpin")
        now = time.time()
        self.assertTrue(authenticate("server-a", login,
                                     [totp(now - 30), PIN, PIN, PIN + totp(now)]))
        self.assertEqual(site.user(login)["pin_state"], "set")
        # A mismatch is said and asked again, twice (all three tries, seven rounds
        # within the default max_rounds); then the PIN is set as chosen.
        login = self.key("pam-newpin2")
        self.assertTrue(authenticate("server-b", login, [totp(now - 30), PIN, "1357", PIN,
                                                         "2468", PIN, PIN, PIN + totp(now)]))
        self.assertTrue(two.logged("login=pam-newpin2", "outcome=success"))

    def test_a_passcode_used_on_one_server_is_refused_on_the_other(self):
        login = self.key("pam-replay")
        enrol(one, login)
        passcode = PIN + totp(time.time() + 30)
        self.assertTrue(authenticate("server-a", login, [passcode]))
        self.assertFalse(authenticate("server-b", login, [passcode]))
        self.assertFalse(authenticate("server-a", login, [passcode]))

    def test_twenty_racing_logins_with_one_passcode_one_success(self):
        login = self.key("pam-race")
        enrol(one, login)
        passcode = PIN + totp(time.time() + 30)
        results = all_at_once([lambda s=s: authenticate(s, login, [passcode])
                               for s in ["server-a", "server-b"] * 10])
        self.assertEqual(results.count(True), 1, results)
        self.assertEqual(results.count(False), 19, results)

    def test_twenty_racing_wrong_guesses_lock_the_login_everywhere(self):
        login = self.key("pam-guessed")
        enrol(one, login)
        results = all_at_once([lambda s=s, i=i: authenticate(s, login, ["%04d%06d" % (i, i)])
                               for i, s in enumerate(["server-a", "server-b"] * 10)])
        self.assertEqual(results, [False] * 20)
        self.assertGreaterEqual(site.user(login)["failures"], 5)
        self.assertFalse(authenticate("server-a", login, [PIN + totp(time.time() + 30)]))
        self.assertFalse(authenticate("server-b", login, [PIN + totp(time.time() + 60)]))

    def test_client_certificate_required_by_a_node(self):
        login = self.key("pam-cert")
        enrol(one, login)
        self.assertFalse(authenticate("strict-without", login, [PIN + totp(time.time() + 30)]))
        self.assertTrue(authenticate("strict-with", login, [PIN + totp(time.time() + 30)]))
        self.assertTrue(strict.logged("login=pam-cert", "outcome=success", "client=CN\\x3dserver-a"))

    def test_zz_node1_killed_in_the_middle_of_a_load(self):
        logins = [self.key("pam-load%02d" % i) for i in range(20)]
        for login in logins:
            enrol(two, login)
        at = time.time() + 30
        passcode = PIN + totp(at)
        calls = [lambda login=login: authenticate("server-a", login, [passcode]) for login in logins]
        killer = os.fork()
        if killer == 0:
            time.sleep(0.3)
            os.kill(one.process.pid, signal.SIGKILL)
            os._exit(0)
        results = all_at_once(calls)
        os.waitpid(killer, 0)
        one.process.wait(10)
        self.assertNotIn(None, results)
        self.assertGreater(results.count(True), 0)
        step = int(at) // 30
        for login, succeeded in zip(logins, results):
            rows = json.loads(site.okeyctl("--json", "audit", "--login", login).stdout)
            successes = [r for r in rows if r["event"] == "login" and r["outcome"] == "success"]
            # Never doubled: the enrolment and at most one login of this step.
            self.assertLessEqual(len(successes), 2, login)
            token = json.loads(site.okeyctl("--json", "token", "show", "SN-" + login).stdout)
            if succeeded:  # never lost: a success the person saw is in the store
                self.assertEqual(token["last_step"], step, login)
                self.assertEqual(len(successes), 2, login)
        # After the kill, every login goes through node 2 (failover).
        passcode = PIN + totp(at + 30)
        for login in logins[:5]:
            self.assertTrue(authenticate("server-a", login, [passcode]), login)


if __name__ == "__main__":
    unittest.main(verbosity=2)
