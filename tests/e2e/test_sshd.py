# SPDX-License-Identifier: Apache-2.0
"""tests/e2e/test_sshd.py — end to end through OpenSSH: a real sshd on
127.0.0.1 (own config, host key and pam_wrapper service folder in a temp dir,
keyboard-interactive only, UsePAM yes) loads the built pam_okey.so; a real ssh
client driven by pexpect logs in as root with a right passcode (a command
runs), is refused with a wrong one, and completes new-PIN mode.

Over ssh the texts are in ASCII (the client shows every non-ASCII byte as an
octal escape in a C locale), and a message no question follows (a locked
login, an expired key) is carried by a last question the person acknowledges
with Enter: both are checked with the client in a C and a UTF-8 locale, with
the client's own log silenced (LogLevel=ERROR, as `ssh -q`), where sshd's
plain messages never show."""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import pexpect

MODULE = os.environ["OKEY_PAM_MODULE"]
FIXTURE = os.environ["OKEY_TEST_FIXTURE"]
PAM_WRAPPER = os.environ.get("OKEY_PAM_WRAPPER_LIB",
                             "/usr/lib/x86_64-linux-gnu/libpam_wrapper.so")
LOGIN = "root"  # must exist in /etc/passwd; PermitRootLogin yes in the test sshd only
PIN = "2580"

# The French texts of DESIGN.md §4 as ssh shows them: without accents.
PASSCODE_PROMPT = "Passcode OTP : "
CODE_ONLY_PROMPT = "Code affiche sur votre cle OTP : "
NEW_PIN_PROMPT = "Saisissez votre nouveau code PIN (4 a 6 chiffres) : "
CONFIRM_PIN_PROMPT = "Confirmez votre nouveau code PIN : "
NEW_PIN_PASSCODE_PROMPT = ("Attendez que le code de votre cle change, "
                           "puis saisissez votre passcode (PIN + code) : ")
PIN_MISMATCH = "Les deux codes PIN saisis sont differents. Veuillez recommencer."
LOCKED = ("Trop d'echecs : votre connexion est temporairement bloquee. "
          "Reessayez plus tard ou contactez votre administrateur.")
EXPIRED = ("Votre cle OTP a expire. "
           "Contactez votre chef d'etablissement pour la renouveler.")
ACKNOWLEDGE = "Appuyez sur Entree pour continuer."
LOCALES = ("C", "C.UTF-8")


def fixture(*args):
    return subprocess.run([FIXTURE, *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SshdTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="okey-e2e.")
        d = cls.dir
        os.makedirs("/run/sshd", exist_ok=True)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                        f"{d}/host_key"], check=True)
        services = f"{d}/services"
        os.makedirs(services)
        with open(f"{services}/sshd", "w") as f:
            f.write(f"auth required {MODULE} config={d}/okey.conf\n"
                    "account required /lib/x86_64-linux-gnu/security/pam_permit.so\n"
                    "session required /lib/x86_64-linux-gnu/security/pam_permit.so\n"
                    "password required /lib/x86_64-linux-gnu/security/pam_deny.so\n")
        with open(f"{services}/other", "w") as f:
            for kind in ("auth", "account", "session", "password"):
                f.write(f"{kind} required /lib/x86_64-linux-gnu/security/pam_deny.so\n")
        cls.port = free_port()
        config = f"{d}/sshd_config"
        with open(config, "w") as f:
            f.write(f"""Port {cls.port}
ListenAddress 127.0.0.1
HostKey {d}/host_key
PidFile {d}/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
AuthenticationMethods keyboard-interactive
PasswordAuthentication no
PubkeyAuthentication no
HostbasedAuthentication no
PermitRootLogin yes
AuthorizedKeysFile none
StrictModes no
MaxAuthTries 3
LogLevel VERBOSE
""")
        env = dict(os.environ, LD_PRELOAD=PAM_WRAPPER, PAM_WRAPPER="1",
                   PAM_WRAPPER_SERVICE_DIR=services)
        cls.log = f"{d}/sshd.log"
        cls.sshd = subprocess.Popen(["/usr/sbin/sshd", "-D", "-f", config, "-E", cls.log],
                                    env=env)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", cls.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        cls.tearDownClass()
        raise RuntimeError("sshd did not start")

    @classmethod
    def tearDownClass(cls):
        cls.sshd.terminate()
        try:
            cls.sshd.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cls.sshd.kill()
            cls.sshd.wait()
        cls.remove_pam_wrapper_copies()
        if os.environ.get("OKEY_KEEP_TMP") is None:
            shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def remove_pam_wrapper_copies(cls):
        """sshd's session processes leave pam_wrapper's /tmp/pam.X copies of
        the service folder: remove those holding our sshd service file."""
        with open(f"{cls.dir}/services/sshd") as f:
            ours = f.read()
        for name in glob.glob("/tmp/pam.?"):
            try:
                with open(f"{name}/sshd") as f:
                    if f.read() == ours:
                        shutil.rmtree(name, ignore_errors=True)
            except OSError:
                pass

    def setUp(self):
        self.fresh_store()

    def fresh_store(self, extra_config=None):
        """A fresh store for each test: the module opens it at every login."""
        shutil.rmtree(f"{self.dir}/store", ignore_errors=True)
        if os.path.exists(f"{self.dir}/seed.key"):
            os.unlink(f"{self.dir}/seed.key")
        os.unlink(f"{self.dir}/okey.conf") if os.path.exists(f"{self.dir}/okey.conf") else None
        fixture("init", self.dir, *([extra_config] if extra_config else []))

    def ssh(self, locale=None):
        """The ssh client; `locale` sets LC_ALL (the client's character set)."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("LD_PRELOAD", "PAM_WRAPPER", "LC_", "LANG"))}
        if locale:
            env["LC_ALL"] = locale
        child = pexpect.spawn(
            "ssh", ["-F", "/dev/null", "-p", str(self.port),
                    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                    "-o", "PreferredAuthentications=keyboard-interactive",
                    "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1",
                    "-o", "LogLevel=ERROR", f"{LOGIN}@127.0.0.1", "echo", "OKEY-IN"],
            encoding="utf-8", codec_errors="replace", timeout=30, env=env)
        child.logfile_read = open(f"{self.dir}/ssh-{self.id().split('.')[-1]}.log", "a")
        return child

    def sshd_log(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def answer(self, child, prompt, reply):
        child.expect_exact(prompt)
        child.sendline(reply)

    def assert_in(self, child):
        index = child.expect_exact(["OKEY-IN", "Permission denied", pexpect.EOF])
        self.assertEqual(index, 0, "login refused; sshd log:\n" + self.sshd_log())
        child.expect(pexpect.EOF)
        child.close()
        self.assertEqual(child.exitstatus, 0)

    def assert_out(self, child):
        index = child.expect_exact(["OKEY-IN", "Permission denied", pexpect.EOF])
        self.assertNotEqual(index, 0, "a wrong passcode got in")
        child.expect(pexpect.EOF)
        child.close()
        self.assertNotEqual(child.exitstatus, 0)

    def test_right_passcode_runs_a_command(self):
        secret = fixture("ready", self.dir, LOGIN, PIN)
        child = self.ssh()
        self.answer(child, PASSCODE_PROMPT, PIN + fixture("code", secret, "0"))
        self.assert_in(child)
        # sshd's PAM items reach the audit: service and remote host.
        self.assertIn("event=login", fixture("audit", self.dir, LOGIN))
        self.assertIn("service=sshd rhost=127.0.0.1 outcome=success",
                      fixture("audit", self.dir, LOGIN))

    def test_wrong_passcode_is_refused(self):
        secret = fixture("ready", self.dir, LOGIN, PIN)
        child = self.ssh()
        self.answer(child, PASSCODE_PROMPT, "9999" + fixture("code", secret, "0"))
        self.assert_out(child)
        self.assertIn("failures=1", fixture("user", self.dir, LOGIN))
        self.assertIn("service=sshd rhost=127.0.0.1 outcome=refused",
                      fixture("audit", self.dir, LOGIN))

    def test_new_pin_mode(self):
        secret = fixture("newpin", self.dir, LOGIN)
        child = self.ssh()
        self.answer(child, CODE_ONLY_PROMPT, fixture("code", secret, "0"))
        self.answer(child, NEW_PIN_PROMPT, "3691")
        # A message travels in the next question's text.
        self.answer(child, CONFIRM_PIN_PROMPT, "3692")
        self.answer(child, PIN_MISMATCH + " " + NEW_PIN_PROMPT, "3691")
        self.answer(child, CONFIRM_PIN_PROMPT, "3691")
        self.answer(child, NEW_PIN_PASSCODE_PROMPT, "3691" + fixture("code", secret, "1"))
        # "Votre cle est desormais initialisee et operationnelle." then Enter.
        self.answer(child, "operationnelle. " + ACKNOWLEDGE, "")
        self.assert_in(child)
        self.assertIn("pin_state=set", fixture("user", self.dir, LOGIN))

    def assert_told(self, child, message):
        """`message` shown in a last question, readable (no octal escape)."""
        child.expect_exact(ACKNOWLEDGE)
        shown = child.before
        self.assertIn(message, shown)
        self.assertNotIn("\\", shown, "escaped bytes shown: " + repr(shown))
        self.assertTrue(shown.isascii(), repr(shown))
        child.sendline("")
        self.assert_out(child)

    def test_locked_login_is_told_why(self):
        """After the key's right code during a lock, in both locales."""
        for locale in LOCALES:
            with self.subTest(locale=locale):
                self.fresh_store("lockout: { max_failures = 1; lock_seconds = 900; };")
                secret = fixture("ready", self.dir, LOGIN, PIN)
                child = self.ssh(locale)
                self.answer(child, PASSCODE_PROMPT, "9999" + fixture("code", secret, "-1"))
                self.assert_out(child)  # the failure that locks: nothing said
                child = self.ssh(locale)
                self.answer(child, PASSCODE_PROMPT, PIN + fixture("code", secret, "0"))
                self.assert_told(child, LOCKED)
                self.assertIn("outcome=locked", fixture("audit", self.dir, LOGIN))

    def test_expired_key_is_told_why(self):
        """After a right passcode with an expired key, in both locales."""
        for locale in LOCALES:
            with self.subTest(locale=locale):
                self.fresh_store()
                secret = fixture("ready", self.dir, LOGIN, PIN, "2020-01-01")
                child = self.ssh(locale)
                self.answer(child, PASSCODE_PROMPT, PIN + fixture("code", secret, "0"))
                self.assert_told(child, EXPIRED)


if __name__ == "__main__":
    unittest.main()
