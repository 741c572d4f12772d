#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tests/remote/test_remote_pam.py — the remote backend through the real PAM
stack: pam_okey.so loaded by libpam under pam_wrapper (pypamtest), configured
with backend = "remote" against the TLS test servers; pam_okey.so holds no
remote client of its own and loads okey-remote.so (the build tree's) for it. Return codes and what
each server received are asserted: accept, reject, challenge, failover,
stalled server, proxies in the environment, wrong certificates, failmode
secure and local with offline values used once and refilled; a login typed
in another case sent as NSS spells it (NamesThroughPam, run alone with
nss_wrapper). Then as a screen
locker: pam_authenticate called by `nobody` through pam_okey_test.so, so a
root-owned setuid copy of okey-check-test talks to the servers (accept,
challenge, reject); this part needs root.

Run by ctest with OKEY_PAM_MODULE and OKEY_REMOTE_DRIVER set; re-executes
itself under pam_wrapper (and in a user namespace when not root, since the
module trusts only root's files)."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from remote_fixture import Servers, dead_port, plain_env  # noqa: E402
from server import PIN, code  # noqa: E402

PAM_WRAPPER = "/usr/lib/x86_64-linux-gnu/libpam_wrapper.so"
NSS_WRAPPER = "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so"
PAM_SUCCESS, PAM_AUTH_ERR, PAM_AUTHINFO_UNAVAIL = 0, 7, 9


def directory_accounts(folder, env):
    """NamesThroughPam: nss_wrapper with a local root in its files and jdupont
    in the case-insensitive directory of tests/support/nss_nocase.c (its
    module named by NSS_WRAPPER_MODULE_* from ctest)."""
    files = {"passwd": "root:x:0:0:root:/root:/bin/bash\n", "group": "root:x:0:\nstaff:x:3001:\n",
             "directory": "jdupont:x:2001:3001::/nonexistent:/bin/false\n"}
    for name, text in files.items():
        with open(os.path.join(folder, name), "w") as out:
            out.write(text)
    os.chmod(folder, 0o755)
    env.update(LD_PRELOAD=PAM_WRAPPER + ":" + NSS_WRAPPER,
               NSS_WRAPPER_PASSWD=os.path.join(folder, "passwd"),
               NSS_WRAPPER_GROUP=os.path.join(folder, "group"),
               OKEY_TEST_NSS_DIRECTORY=os.path.join(folder, "directory"))


def reexec():
    """Start this file again with pam_wrapper preloaded (and as "root");
    with OKEY_REMOTE_PAM_NAMES, nss_wrapper too, for NamesThroughPam alone."""
    env = dict(os.environ, LD_PRELOAD=PAM_WRAPPER, PAM_WRAPPER="1", OKEY_REMOTE_PAM_CHILD="1")
    command = [sys.executable, os.path.abspath(__file__)] + sys.argv[1:]
    if os.geteuid() != 0:
        command = ["unshare", "--map-root-user"] + command
        env["OKEY_REMOTE_PAM_USERNS"] = "1"  # "root" there cannot run a setuid copy
    if not os.environ.get("OKEY_REMOTE_PAM_NAMES"):
        sys.exit(subprocess.run(command, env=env).returncode)
    with tempfile.TemporaryDirectory() as folder:
        directory_accounts(folder, env)
        sys.exit(subprocess.run(command, env=env).returncode)


if __name__ == "__main__" and not os.environ.get("OKEY_REMOTE_PAM_CHILD"):
    reexec()

import pypamtest  # noqa: E402  (only under pam_wrapper)

MODULE = os.environ.get("OKEY_PAM_MODULE", "pam_okey.so")
TEST_MODULE = os.environ.get("OKEY_PAM_TEST_MODULE", "pam_okey_test.so")
HELPER_BUILT = os.environ.get("OKEY_TEST_HELPER_BUILT", "okey-check-test")
DRIVER = os.environ.get("OKEY_REMOTE_DRIVER", "remote_driver")
servers = None
SERVICES = {}
MAIN = SECOND = STALLED = UNTRUSTED = WRONG_HOST = None


def config_text(urls, failmode="secure", store=None):
    quoted = ", ".join('"%s"' % u for u in urls)
    text = 'backend = "remote";\n'
    if store:
        text += 'store = "%s/okey.db";\nkey_file = "%s/seed.key";\n' % (store, store)
    text += ('remote: { urls = [ %s ]; ca_file = "%s"; connect_timeout_ms = 2000;\n'
             '          timeout_ms = 3000; failmode = "%s"; };\n') % (quoted, servers.ca[1], failmode)
    return text


def add_service(name, urls, failmode="secure", store=None, module=None):
    path = os.path.join(servers.dir, name + ".conf")
    with open(path, "w") as out:
        out.write(config_text(urls, failmode, store))
    os.chmod(path, 0o644)
    with open(os.path.join(SERVICES["dir"], name), "w") as out:
        out.write("auth required %s config=%s\n" % (module or MODULE, path))
    os.chmod(os.path.join(SERVICES["dir"], name), 0o644)


def setUpModule():
    global servers, MAIN, SECOND, STALLED, UNTRUSTED, WRONG_HOST
    servers = Servers()
    MAIN = servers.start("main")
    SECOND = servers.start("second")
    STALLED = servers.start("stalled", mode="stall")
    UNTRUSTED = servers.start("untrusted", cert=servers.untrusted)
    WRONG_HOST = servers.start("wronghost", cert=servers.wrong_host)
    dead = "https://127.0.0.1:%d" % dead_port()
    store = os.path.join(servers.dir, "store")
    subprocess.run([DRIVER, "--init-store-only", "--store", store + "/okey.db",
                    "--key-file", store + "/seed.key"], check=True, env=plain_env())

    SERVICES["dir"] = os.path.join(servers.dir, "services")
    os.mkdir(SERVICES["dir"])
    # Every service file first: pam_wrapper copies the folder at the first pam_start.
    add_service("r-main", [MAIN])
    add_service("r-failover", [dead, SECOND])
    add_service("r-stalled", [STALLED])
    add_service("r-stalled-failover", [STALLED, SECOND])
    add_service("r-untrusted", [UNTRUSTED, SECOND])
    add_service("r-wronghost", [WRONG_HOST, SECOND])
    add_service("r-secure-dead", [dead])
    add_service("r-local-online", [MAIN], "local", store)
    add_service("r-local-dead", [dead], "local", store)
    add_service("r-helper", [MAIN], module=TEST_MODULE)
    with open(os.path.join(SERVICES["dir"], "other"), "w") as out:
        out.write("auth required pam_deny.so\naccount required pam_deny.so\n")
    os.environ["PAM_WRAPPER_SERVICE_DIR"] = SERVICES["dir"]


def tearDownModule():
    servers.stop()


def as_nobody(service, answers, expected):
    """pam_authenticate(service, "nobody") in a child that became nobody:
    True when it returned `expected`."""
    import pwd
    nobody = pwd.getpwnam("nobody")
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            pypamtest.run_pamtest("nobody", service,
                                  [pypamtest.TestCase(pypamtest.PAMTEST_AUTHENTICATE, expected)],
                                  list(answers))
            status = 0
        except Exception as error:  # noqa: BLE001  (reported by the exit status)
            print("as nobody: %s" % error, file=sys.stderr)
        os._exit(status)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


NAMES = {PAM_SUCCESS: "PAM_SUCCESS", PAM_AUTH_ERR: "PAM_AUTH_ERR",
         PAM_AUTHINFO_UNAVAIL: "PAM_AUTHINFO_UNAVAIL"}


class RemoteThroughPam(unittest.TestCase):
    def assertPam(self, service, login, answers, expected):
        """One pam_authenticate(), which must return `expected` (pypamtest
        tells only whether the code was the expected one)."""
        try:
            pypamtest.run_pamtest(login, service,
                                  [pypamtest.TestCase(pypamtest.PAMTEST_AUTHENTICATE, expected)],
                                  list(answers))
        except pypamtest.PamTestError as error:
            self.fail("%s as %s: not %s (%s)" % (service, login, NAMES[expected], error))

    def test_accept_and_reject(self):
        self.assertPam("r-main", "user-pam-ok", [PIN + code(1)], PAM_SUCCESS)
        self.assertPam("r-main", "user-pam-bad", ["0000000000"], PAM_AUTH_ERR)

    def test_challenge_answered_on_the_same_server(self):
        self.assertPam("r-main", "chal", [PIN, code(2)], PAM_SUCCESS)
        first, answer = servers.requests(user="chal")[-2:]
        self.assertTrue(answer["params"]["transaction_id"])
        self.assertEqual(first["server"], answer["server"])

    def test_first_url_dead_second_answers(self):
        self.assertPam("r-failover", "user-pam-fo", [PIN + code(1)], PAM_SUCCESS)
        self.assertEqual(len(servers.requests(user="user-pam-fo", server="second")), 1)

    def test_stalled_server(self):
        self.assertPam("r-stalled", "user-pam-st", [PIN + code(1)], PAM_AUTHINFO_UNAVAIL)
        self.assertPam("r-stalled-failover", "user-pam-st2", [PIN + code(1)], PAM_SUCCESS)

    def test_proxy_in_the_environment_does_not_matter(self):
        dead = "http://127.0.0.1:%d" % dead_port()
        names = ("https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy")
        for name in names:
            os.environ[name] = dead
        try:
            self.assertPam("r-main", "user-pam-proxy", [PIN + code(1)], PAM_SUCCESS)
        finally:
            for name in names:
                del os.environ[name]

    def test_wrong_certificates_are_refused_without_failover(self):
        for service in ("r-untrusted", "r-wronghost"):
            login = "user-pam-" + service
            self.assertPam(service, login, [PIN + code(1)], PAM_AUTH_ERR)
            self.assertEqual(servers.requests(user=login, server="second"), [])

    def test_failmode_secure(self):
        self.assertPam("r-secure-dead", "user-pam-sec", [PIN + code(1)], PAM_AUTHINFO_UNAVAIL)

    def test_failmode_local_offline_value_once_and_refill(self):
        login = "offline-pam"
        self.assertPam("r-local-online", login, [PIN + code(1)], PAM_SUCCESS)
        self.assertPam("r-local-dead", login, [PIN + code(3)], PAM_SUCCESS)
        self.assertPam("r-local-dead", login, [PIN + code(3)], PAM_AUTH_ERR)
        self.assertPam("r-local-dead", login, [PIN + code(2)], PAM_AUTH_ERR)
        # Back online: the next success refills the offline values.
        self.assertPam("r-local-online", login, [PIN + code(4)], PAM_SUCCESS)
        refills = [r for r in servers.requests(path="/validate/offlinerefill")
                   if r["params"]["pass"] == PIN + code(4)]
        self.assertEqual(len(refills), 1)
        self.assertPam("r-local-dead", login, [PIN + code(14)], PAM_SUCCESS)


class RemoteThroughHelper(unittest.TestCase):
    """The remote backend for a caller that is not root: okey-check (setuid
    root, test hooks pointing at this folder) makes the HTTPS calls."""

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0 or os.environ.get("OKEY_REMOTE_PAM_USERNS"):
            raise unittest.SkipTest("needs real root: a setuid copy and a caller uid")
        os.chmod(servers.dir, 0o711)
        os.chmod(SERVICES["dir"], 0o755)
        bin_dir = os.path.join(servers.dir, "bin")
        os.makedirs(bin_dir, mode=0o755, exist_ok=True)
        helper = os.path.join(bin_dir, "okey-check")
        shutil.copyfile(HELPER_BUILT, helper)
        os.chown(helper, 0, 0)
        os.chmod(helper, 0o4755)
        os.environ.update(OKEY_TEST_HELPER=helper, OKEY_TEST_CONFIG_DIR=servers.dir,
                          OKEY_TEST_RUN_DIR=os.path.join(servers.dir, "run"))

    def test_accept_through_okey_check(self):
        servers.control(MAIN, "nobody", "as:user-helper")
        self.assertTrue(as_nobody("r-helper", [PIN + code(1)], PAM_SUCCESS))
        sent = servers.requests(user="nobody", server="main")
        self.assertEqual(sent[-1]["params"]["pass"], PIN + code(1))

    def test_challenge_through_okey_check(self):
        servers.control(MAIN, "nobody", "as:chal")
        self.assertTrue(as_nobody("r-helper", [PIN, code(2)], PAM_SUCCESS))
        first, answer = servers.requests(user="nobody", server="main")[-2:]
        self.assertTrue(answer["params"]["transaction_id"])

    def test_reject_through_okey_check(self):
        servers.control(MAIN, "nobody", "as:user-helper-bad")
        self.assertTrue(as_nobody("r-helper", ["0000000000"], PAM_AUTH_ERR))


class NamesThroughPam(unittest.TestCase):
    """Run alone (ctest remote_pam_names, OKEY_REMOTE_PAM_NAMES): where the
    directory ignores case, "JDupont" is sent to the service as user=jdupont."""

    assertPam = RemoteThroughPam.assertPam

    def test_user_is_sent_as_nss_spells_it(self):
        # The test server knows jdupont (accepting as it does user… logins), not JDupont.
        servers.control(MAIN, "jdupont", "as:user-names")
        self.assertPam("r-main", "JDupont", [PIN + code(1)], PAM_SUCCESS)
        self.assertEqual(len(servers.requests(user="jdupont", path="/validate/check")), 1)
        self.assertEqual(servers.requests(user="JDupont", path="/validate/check"), [])


if __name__ == "__main__":
    CASES = (["NamesThroughPam"] if os.environ.get("OKEY_REMOTE_PAM_NAMES")
             else ["RemoteThroughPam", "RemoteThroughHelper"])
    unittest.main(argv=sys.argv[:1] + (sys.argv[1:] or CASES), verbosity=2)
