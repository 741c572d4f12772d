#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tests/cli/test_okeyctl_admin.py — administration at academy scale
(DESIGN.md §12) through the real okeyctl binary (label: cli), on the backend
of the run: who did each act (audit and syslog, sudo's account believed only
from root), leavers (user remove, token delete), emergency codes, a lost key
used, backup and restore, doctor.

The syslog lines are read through tests/support/syslog_capture.c, preloaded
(OKEY_SYSLOG_PRELOAD) and writing to a file per test. Helpers and the store
set-up are test_okeyctl.py's.
Environment: OKEYCTL, OKEY_CLI_TEST_DATA, OKEY_SYSLOG_PRELOAD.
"""
import contextlib
import grp
import json
import os
import pwd
import re
import shutil
import sqlite3
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import http.server

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "remote"))
import test_okeyctl as base  # noqa: E402
from test_okeyctl import BACKEND, OKEYCTL, oath_code  # noqa: E402
import remote_fixture  # noqa: E402

PRELOAD = os.environ.get("OKEY_SYSLOG_PRELOAD", "")
NSS_WRAPPER = "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so"
AUTHPRIV = 10 << 3
LEVELS = {"warning": 4, "notice": 5, "info": 6}


class Admin(base.Logins):
    """A fresh store per test, okeyctl's syslog lines captured."""

    def setUp(self):
        self.syslog = None
        super().setUp()
        self.syslog = os.path.join(self.dir, "syslog")

    def run_okeyctl(self, *args, stdin=None, global_args=None, env=None):
        if global_args is None:
            global_args = ["--config", self.config, "--store", self.store, "--key-file", self.key_file]
        environment = dict(os.environ if env is None else env)
        if self.syslog:
            preload = ":".join(p for p in (PRELOAD, environment.get("LD_PRELOAD", "")) if p)
            environment.update(LD_PRELOAD=preload, OKEY_SYSLOG_CAPTURE=self.syslog)
        return subprocess.run([OKEYCTL] + list(global_args) + list(args), input=stdin,
                              capture_output=True, text=True, timeout=60, env=environment)

    def logged(self):
        """Every line okeyctl sent to syslog in this test: (priority, text)."""
        if not os.path.exists(self.syslog):
            return []
        out = []
        with open(self.syslog) as f:
            for line in f:
                m = re.match(r"<(\d+)> (\S+): (.*)$", line.rstrip("\n"))
                self.assertIsNotNone(m, line)
                self.assertEqual(m.group(2), "okeyctl")
                out.append((int(m.group(1)), m.group(3)))
        return out

    def clear_log(self):
        if os.path.exists(self.syslog):
            os.unlink(self.syslog)

    def me(self):
        return pwd.getpwuid(os.getuid()).pw_name

    def with_pin(self, serial="K1", login="jdupont"):
        secret = self.add_key(serial)
        self.ok("token", "assign", serial, login)
        self.first_login(login, secret)
        return secret


class WhoDidIt(Admin):
    def test_actor_in_audit_and_one_syslog_line_per_act(self):
        self.clear_log()
        self.add_key("K1")
        self.ok("token", "assign", "K1", "jdupont")
        self.ok("token", "list")  # reading: no line
        lines = self.logged()
        self.assertEqual(lines, [
            (AUTHPRIV | LEVELS["info"],
             "actor=%s uid=%d act=token.add serial=K1 outcome=done" % (self.me(), os.getuid())),
            (AUTHPRIV | LEVELS["info"],
             "actor=%s uid=%d act=token.assign login=jdupont serial=K1 outcome=done"
             % (self.me(), os.getuid())),
        ])
        rows = self.audit()
        self.assertEqual([r["actor"] for r in rows], [self.me(), self.me()])
        # okeyctl check: the login's audit row names who tried it.
        self.check("jdupont", "0000000000")
        self.assertEqual((self.audit()[-1]["event"], self.audit()[-1]["actor"]), ("login", self.me()))
        header = self.ok("audit").splitlines()[0]
        self.assertIn(" ACTOR ", header)
        self.assertIn(self.me(), self.ok("audit").splitlines()[1])

    def test_refused_act_is_logged_not_audited(self):
        self.clear_log()
        before = len(self.audit())
        self.refused("token", "assign", "NOPE", "jdupont", reason="serial NOPE: not in the store")
        self.refused("token", "lost", "K9", "--comment", "perdue\u00a0; rm -rf /")
        self.assertEqual(len(self.audit()), before)
        lines = self.logged()
        self.assertEqual(len(lines), 2)
        self.assertEqual(lines[0][0], AUTHPRIV | LEVELS["notice"])
        self.assertEqual(lines[0][1], "actor=%s uid=%d act=token.assign login=jdupont serial=NOPE "
                         "outcome=refused reason=serial NOPE: not in the store" % (self.me(), os.getuid()))
        self.assertIn("act=token.lost serial=K9 outcome=refused", lines[1][1])
        # A usage error is no act: nothing logged.
        self.clear_log()
        self.refused("token", "lost", "K9", code=2)
        self.assertEqual(self.logged(), [])

    def test_escaped_like_the_module(self):
        """Text from the command line reaches the line escaped: no forged line."""
        self.clear_log()
        self.refused("token", "import-pskc", self.path("x\nokeyctl: actor=root outcome=done\x1b[2J.pskc"))
        lines = self.logged()
        self.assertEqual(len(lines), 1)
        self.assertIn("x\\x0aokeyctl: actor=root outcome=done\\x1b[2J.pskc", lines[0][1])

    @unittest.skipUnless(os.getuid() == 0, "sudo's variables are believed only from root")
    def test_sudo_user_believed_from_root_only_when_consistent(self):
        nobody = pwd.getpwnam("nobody")
        env = dict(os.environ, SUDO_USER="nobody", SUDO_UID=str(nobody.pw_uid))
        self.assertEqual(self.run_okeyctl("user", "enroll-software", "a1", env=env).returncode, 0)
        # SUDO_UID of another account: not believed.
        env = dict(os.environ, SUDO_USER="nobody", SUDO_UID="0")
        self.assertEqual(self.run_okeyctl("user", "enroll-software", "a2", env=env).returncode, 0)
        env = dict(os.environ, SUDO_USER="no-such-user-okey", SUDO_UID="4242")
        self.assertEqual(self.run_okeyctl("user", "enroll-software", "a3", env=env).returncode, 0)
        actors = [(r["login"], r["actor"]) for r in self.audit() if r["event"] == "user.enroll-software"]
        self.assertEqual(actors, [("a1", "nobody"), ("a2", "root"), ("a3", "root")])
        self.assertIn("actor=nobody uid=0 act=user.enroll-software login=a1", self.logged()[-3][1])

    def test_a_user_cannot_pose_as_another(self):
        """A user's own SUDO_USER names nobody: the actor is the user."""
        work = tempfile.mkdtemp(prefix="okey-cli-user-")
        self.addCleanup(shutil.rmtree, work, True)
        if os.getuid() == 0:
            user = pwd.getpwnam("nobody")
            os.chown(work, user.pw_uid, user.pw_gid)
            prefix = ["runuser", "-u", "nobody", "--"]
        else:
            user = pwd.getpwuid(os.getuid())
            prefix = []
        os.chmod(work, 0o700)
        store = os.path.join(work, "lib", "okey.db")
        key_file = os.path.join(work, "etc", "seed.key")
        conf = os.path.join(work, "okey.conf")

        def okeyctl(*args):
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SUDO_USER": "root",
                   "SUDO_UID": "0", "LD_PRELOAD": PRELOAD,
                   "OKEY_SYSLOG_CAPTURE": os.path.join(work, "syslog")}
            if "ASAN_OPTIONS" in os.environ:
                env["ASAN_OPTIONS"] = os.environ["ASAN_OPTIONS"]
            return subprocess.run(prefix + ["env"] + ["%s=%s" % kv for kv in env.items()] +
                                  [OKEYCTL, "--config", conf, "--store", store, "--key-file",
                                   key_file] + list(args),
                                  capture_output=True, text=True, timeout=60, cwd=work)

        r = subprocess.run(prefix + ["sh", "-c", "umask 077; printf '%s' \"$1\" > \"$2\"", "sh",
                                     base.CONFIG, conf], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        for args in (["init"], ["user", "enroll-software", "mine"]):
            r = okeyctl(*args)
            self.assertEqual(r.returncode, 0, r.stderr)
        r = okeyctl("--json", "audit")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([e["actor"] for e in json.loads(r.stdout)], [user.pw_name])
        with open(os.path.join(work, "syslog")) as f:
            text = f.read()
        self.assertIn("actor=%s uid=%d act=init outcome=done" % (user.pw_name, user.pw_uid), text)
        self.assertNotIn("actor=root", text)


class Leavers(Admin):
    def test_user_remove(self):
        self.with_pin()
        self.refused("user", "remove", "jdupont", code=2, reason="--comment")
        self.refused("user", "remove", "jdupont", "--comment", "départ",
                     reason="login jdupont: holds key K1 (return it to stock or declare it lost first)")
        self.ok("token", "return", "K1", "--comment", "rendue")
        out = self.ok("user", "remove", "jdupont", "--comment", "départ à la retraite")
        self.assertIn("login jdupont removed: its PIN hash, counters and emergency codes are erased; "
                      "its audit history is kept", out)
        self.refused("user", "show", "jdupont", reason="login jdupont: not in the store")
        self.refused("user", "remove", "jdupont", "--comment", "x", reason="not in the store")
        history = self.audit("--login", "jdupont")
        self.assertEqual(history[-1]["event"], "user.remove")
        self.assertEqual(history[-1]["reason"], "départ à la retraite")
        self.assertIn("login", [e["event"] for e in history])  # the first login is still there
        # The login may come back later as anyone new: new-PIN mode.
        self.ok("token", "assign", "K1", "jdupont")
        self.assertEqual(self.json("user", "show", "jdupont")["pin_state"], "new_pin_required")

    def test_token_delete(self):
        self.add_key("K1")
        self.add_key("K2")
        self.ok("token", "assign", "K1", "jdupont")
        self.refused("token", "delete", "K1", "--comment", "x", reason="is assigned; only a lost or retired key")
        self.refused("token", "delete", "K2", "--comment", "x", reason="is stock")
        self.refused("token", "delete", "K1", code=2, reason="--comment")
        self.ok("token", "lost", "K1", "--comment", "perdue")
        sealed = None
        if BACKEND == "sqlite":
            sealed = subprocess.run(["sqlite3", self.store, "SELECT hex(secret) FROM tokens WHERE serial = 'K1'"],
                                    capture_output=True, text=True, check=True).stdout.strip()
            self.assertEqual(len(sealed), 2 * (12 + 20 + 16))
        data = self.json("token", "delete", "K1", "--comment", "détruite")
        self.assertTrue(data["deleted"])
        self.assertIn("overwritten with zeros" if BACKEND == "sqlite" else "VACUUM", data["secret"])
        self.refused("token", "show", "K1", reason="not in the store")
        self.assertEqual(self.audit()[-1]["event"], "token.delete")
        self.assertEqual(self.audit()[-1]["login"], "jdupont")
        if sealed:
            # The sealed secret's bytes are in none of the store's files.
            needle = bytes.fromhex(sealed)
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(self.store + suffix):
                    with open(self.store + suffix, "rb") as f:
                        self.assertNotIn(needle[12:28], f.read(), "store%s" % suffix)


class EmergencyCodes(Admin):
    def test_codes_log_in_once(self):
        self.with_pin()
        self.ok("token", "lost", "K1", "--comment", "oubliée dans le train")
        out = self.ok("user", "emergency", "jdupont")
        codes = re.findall(r"^  (\d{8})$", out, re.M)
        self.assertEqual(len(codes), 5)
        self.assertEqual(len(set(codes)), 5)
        self.assertIn("5 emergency codes for jdupont, each valid once, until ", out)
        self.assertIn("okeyctl user emergency jdupont --revoke", out)
        show = self.json("user", "show", "jdupont")
        self.assertEqual(show["emergency_codes"], 5)
        self.assertIn("emergency:   5 codes left, until ", self.ok("user", "show", "jdupont"))
        r = self.check("jdupont", self.PIN + codes[0])
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.check("jdupont", self.PIN + codes[0])
        self.assertEqual(r.returncode, 1, r.stderr)
        r = self.check("jdupont", "9999" + codes[1])
        self.assertEqual(r.returncode, 1, r.stderr)
        logins = [e for e in self.audit("--login", "jdupont") if e["event"] == "login"]
        self.assertEqual([(e["outcome"], e["reason"]) for e in logins[-3:]],
                         [("success", "emergency code accepted"), ("refused", "no key"),
                          ("refused", "no key")])
        for code in codes:
            self.assertNotIn(code, json.dumps(self.audit()))
        # A new key ends them.
        self.add_key("K2")
        self.ok("token", "assign", "K2", "jdupont")
        self.assertEqual(self.json("user", "show", "jdupont")["emergency_codes"], 0)
        self.assertIn("ends 4 emergency codes", self.audit()[-1]["reason"])

    def test_options_json_and_revoke(self):
        self.with_pin()
        data = self.json("user", "emergency", "jdupont", "--days", "14", "--count", "10")
        self.assertEqual(len(data["codes"]), 10)
        self.assertTrue(all(re.fullmatch(r"\d{8}", c) for c in data["codes"]))
        expires = time.mktime(time.strptime(data["expires"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
        self.assertAlmostEqual(expires, time.time() + 14 * 86400, delta=120)
        self.refused("user", "emergency", "jdupont", "--days", "15", code=2, reason="1 to 14")
        self.refused("user", "emergency", "jdupont", "--count", "0", code=2, reason="1 to 10")
        self.refused("user", "emergency", "jdupont", "--count", "11", code=2, reason="1 to 10")
        self.refused("user", "emergency", "jdupont", "--days", "x", code=2)
        self.refused("user", "emergency", "jdupont", "--revoke", "--days", "2", code=2)
        self.assertEqual(self.json("user", "emergency", "jdupont", "--revoke")["revoked"], 10)
        self.assertIn("emergency codes of jdupont ended (0)", self.ok("user", "emergency", "jdupont", "--revoke"))
        r = self.check("jdupont", self.PIN + data["codes"][0])
        self.assertEqual(r.returncode, 1, r.stderr)
        events = [e["event"] for e in self.audit("--login", "jdupont")]
        self.assertIn("user.emergency", events)
        self.assertIn("user.emergency-revoke", events)
        self.assertEqual(self.audit()[-2]["actor"], self.me())

    def test_refused_without_a_pin(self):
        self.add_key("K1")
        self.ok("token", "assign", "K1", "jdupont")
        self.refused("user", "emergency", "jdupont", reason="has no PIN yet (new-PIN mode)")
        self.refused("user", "emergency", "nobody", reason="not in the store")


class LostKeyUsed(Admin):
    def test_logged_at_warning_level_naming_the_serial(self):
        secret = self.with_pin()
        self.ok("token", "lost", "K1", "--comment", "volée")
        self.clear_log()
        r = self.check("jdupont", self.PIN + self.code(secret, 1))
        self.assertEqual(r.returncode, 1)
        self.assertIn("(refused: lost key used, PIN right)", r.stderr)
        warnings = [t for p, t in self.logged() if p == AUTHPRIV | LEVELS["warning"]]
        self.assertEqual(len(warnings), 1, self.logged())
        self.assertIn("login=jdupont serial=K1 service=okeyctl", warnings[0])
        self.assertIn("outcome=refused reason=lost key used, PIN right", warnings[0])
        row = self.audit("--login", "jdupont")[-1]
        self.assertEqual((row["serial"], row["reason"]), ("K1", "lost key used, PIN right"))


class AssignedAsNssSpellsIt(Admin):
    """token assign keeps the login as NSS spells it, which is how pam_okey
    looks logins up: nss_wrapper with root in its files and jdupont in the
    case-insensitive directory of tests/support/nss_nocase.c (its module named
    by NSS_WRAPPER_MODULE_* from ctest)."""

    def nss(self, down=False):
        folder = self.path("nss")
        os.makedirs(folder, exist_ok=True)
        files = {"passwd": "root:x:0:0:root:/root:/bin/bash\n", "group": "root:x:0:\n",
                 "directory": "jdupont:x:2001:2001::/nonexistent:/bin/false\n"
                              "cjoseph1:x:2002:2001::/nonexistent:/bin/false\n"}
        for name, text in files.items():
            with open(os.path.join(folder, name), "w") as out:
                out.write(text)
        env = dict(os.environ, LD_PRELOAD=NSS_WRAPPER,
                   NSS_WRAPPER_PASSWD=os.path.join(folder, "passwd"),
                   NSS_WRAPPER_GROUP=os.path.join(folder, "group"),
                   OKEY_TEST_NSS_DIRECTORY=os.path.join(folder, "directory"))
        if down:
            env["OKEY_TEST_NSS_DOWN"] = "1"
        return env

    def assign(self, serial, login, env):
        r = self.run_okeyctl("--json", "token", "assign", serial, login, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_typed_in_another_case(self):
        self.add_key("K1")
        done = self.assign("K1", "JDupont", self.nss())
        self.assertEqual((done["login"], done["login_typed"], done["nss"]),
                         ("jdupont", "JDupont", "respelled"))
        self.assertRegex(self.ok("token", "show", "K1"), r"owner: *jdupont\n")
        self.add_key("K2")
        r = self.run_okeyctl("token", "assign", "K2", "CJOSEPH1", env=self.nss())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("key K2 assigned to cjoseph1 (typed CJOSEPH1, as NSS spells it) (the next "
                      "login chooses the PIN", r.stdout)

    def test_unknown_or_unreachable_kept_as_typed_and_said(self):
        self.add_key("K1")
        self.add_key("K2")
        self.assertEqual(self.assign("K1", "Inconnu", self.nss())["nss"], "unknown")
        r = self.run_okeyctl("token", "assign", "K2", "CJoseph", env=self.nss(down=True))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("key K2 assigned to CJoseph (NSS cannot tell here, NSS: ", r.stdout)
        self.assertRegex(self.ok("token", "show", "K1"), r"owner: *Inconnu\n")

    def test_doctor_names_keys_held_under_another_spelling(self):
        def names(env):
            r = self.run_okeyctl("--json", "doctor", env=env)
            checks = {c["check"]: c for c in json.loads(r.stdout)["checks"]}
            return checks["names"]["status"], checks["names"]["detail"]

        self.add_key("K1")
        self.ok("token", "assign", "K1", "CJoseph1")  # this machine's NSS knows no such login
        self.add_key("K2")
        self.assign("K2", "jdupont", self.nss())
        status, detail = names(self.nss())
        self.assertEqual(status, "warning")
        self.assertIn("CJoseph1 (key K1, NSS says cjoseph1): pam_okey asks for the key of the "
                      "login as NSS spells it", detail)
        self.assertNotIn("K2", detail)
        self.assertEqual(names(None), ("ok", "2 assigned keys held under NSS's spelling of their "
                                             "login, 2 holders unknown to NSS on this machine"))
        status, detail = names(self.nss(down=True))
        self.assertEqual((status, detail.startswith("cannot tell: NSS")), ("warning", True))


class BackupAndRestore(Admin):
    def test_backup_restore_round_trip(self):
        secret = self.with_pin()
        backup = self.path("okey-backup.db")
        if BACKEND == "postgresql":
            self.refused("backup", backup, reason="pg_dump")
            self.refused("restore", backup, reason="pg_restore")
            return
        # A refusal of an unknown login writes the decoy row (Store::charge_decoy):
        # copied, but nobody's login, so not counted.
        self.assertEqual(self.check("inconnu", self.PIN + "123456").returncode, 1)
        out = self.ok("backup", backup)
        self.assertIn("store backed up to %s (mode 0600): 1 key, 1 login," % backup, out)
        with contextlib.closing(sqlite3.connect(backup)) as db:
            self.assertEqual(db.execute("SELECT count(*) FROM users").fetchone()[0], 2)
        self.assertIn("checked: 1 sealed value in it opens with " + self.key_file, out)
        self.assertEqual(stat.S_IMODE(os.stat(backup).st_mode), 0o600)
        self.refused("backup", backup, reason="already exists: not overwritten")
        # Later acts, then the backup put back.
        self.add_key("LATER")
        r = self.check("jdupont", self.PIN + self.code(secret, 1))
        self.assertEqual(r.returncode, 0, r.stderr)
        out = self.ok("restore", backup)
        self.assertIn("store %s restored from %s (schema version 3)" % (self.store, backup), out)
        aside = re.search(r"the store it replaced is kept as (\S+)", out).group(1)
        self.assertTrue(aside.startswith(self.store + ".before-restore-"))
        self.assertEqual(stat.S_IMODE(os.stat(aside).st_mode), 0o600)
        self.refused("token", "show", "LATER", reason="not in the store")
        self.assertEqual(self.audit()[-1]["event"], "store.restore")
        self.assertEqual(self.audit()[-1]["actor"], self.me())
        # The store set aside is whole: LATER is in it.
        r = self.run_okeyctl("token", "show", "LATER", global_args=[
            "--config", self.config, "--store", aside, "--key-file", self.key_file])
        self.assertEqual(r.returncode, 0, r.stderr)

    @unittest.skipUnless(BACKEND == "sqlite", "a SQLite store is a file")
    def test_a_lost_store_comes_back(self):
        self.with_pin()
        backup = self.path("nightly.db")
        self.ok("backup", backup)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.store + suffix):
                os.unlink(self.store + suffix)
        # What the administrator reads: where to go, not a dead end.
        self.refused("token", "list", reason="no store here (a lost store comes back with okeyctl restore")
        self.refused("init", reason="a lost store comes back with okeyctl restore")
        out = self.ok("restore", backup)
        self.assertIn("there was no store to replace", out)
        self.assertEqual(self.json("user", "show", "jdupont")["pin_state"], "set")

    @unittest.skipUnless(BACKEND == "sqlite", "a SQLite store is a file")
    def test_a_backup_made_before_an_upgrade(self):
        secret = self.with_pin()
        backup = self.path("before-upgrade.db")
        self.ok("backup", backup)
        # As okey 2's nightly copy was (schema version 2: no administrator
        # in the audit, no emergency codes).
        db = sqlite3.connect(backup)
        db.executescript("DROP TABLE emergency_codes; DROP INDEX tokens_lost_owner; "
                         "ALTER TABLE tokens DROP COLUMN lost_owner; "
                         "ALTER TABLE audit DROP COLUMN actor; PRAGMA user_version = 2;")
        db.close()
        out = self.ok("restore", backup)
        self.assertIn("store %s restored from %s (schema version 2, upgraded to 3): 1 key, 1 login,"
                      % (self.store, backup), out)
        r = self.check("jdupont", self.PIN + self.code(secret, 1))
        self.assertEqual(r.returncode, 0, r.stderr)
        out = self.ok("user", "emergency", "jdupont", "--count", "1")
        self.assertIn("1 emergency code for jdupont,", out)

    @unittest.skipUnless(BACKEND == "sqlite", "a SQLite store is a file")
    def test_restore_refuses_what_would_not_work(self):
        self.with_pin()
        backup = self.path("b.db")
        self.ok("backup", backup)
        before = self.audit()
        other_key = self.write("other.key", os.urandom(32), 0o400)
        r = self.run_okeyctl("restore", backup, global_args=[
            "--config", self.config, "--store", self.store, "--key-file", other_key])
        self.assertEqual(r.returncode, 1)
        self.assertIn("does not decrypt", r.stderr)
        self.assertIn("is it this key file's store?", r.stderr)
        junk = self.write("junk.db", b"x" * 8192)
        self.refused("restore", junk, reason="junk.db: not an okey store that opens")
        os.chmod(backup, 0o644)
        self.refused("restore", backup, reason="readable by others")
        self.assertEqual(self.audit(), before)


class Doctor(Admin):
    def pam_dir(self, **files):
        d = tempfile.mkdtemp(prefix="pam.d-", dir=self.dir)
        for name, text in files.items():
            with open(os.path.join(d, name.replace("_", "-")), "w") as f:
                f.write(text)
        return d

    def doctor(self, *args, code=0, json_output=False):
        r = self.run_okeyctl(*(["--json"] if json_output else []), "doctor", *args)
        self.assertEqual(r.returncode, code, r.stdout + r.stderr)
        return json.loads(r.stdout) if json_output else r.stdout

    def admins(self):
        members = {"root"}
        for name in ("sudo", "wheel", "admin"):
            try:
                members.update(grp.getgrnam(name).gr_mem)
            except KeyError:
                pass
        return sorted(members)

    def test_a_fresh_store(self):
        pam = self.pam_dir(sshd="@include common-auth\naccount required pam_unix.so\n",
                           common_auth="auth [success=1 default=ignore] pam_unix.so nullok\n"
                                       "auth requisite pam_deny.so\n")
        data = self.doctor("--pam-dir", pam, json_output=True)
        checks = {c["check"]: c for c in data["checks"]}
        for name in ("config", "config file", "key file", "okey-check", "store", "secrets", "clock",
                     "pam", "lockout", "remote"):
            self.assertIn(name, checks)
        self.assertEqual(checks["config"]["status"], "ok")
        self.assertEqual(checks["key file"]["status"], "ok")
        self.assertIn("0400", checks["key file"]["detail"])
        self.assertEqual(checks["store"]["status"], "ok")
        self.assertIn("schema version 3", checks["store"]["detail"])
        self.assertEqual(checks["secrets"]["status"], "ok")
        self.assertIn(checks["clock"]["status"], ("ok", "warning"))
        self.assertEqual(checks["pam"]["status"], "warning")
        self.assertIn("pam-auth-update --enable okey", checks["pam"]["detail"])
        self.assertEqual(checks["lockout"]["status"], "warning")
        self.assertIn(", ".join(self.admins()) + ": hold no key and are not exempt",
                      checks["lockout"]["detail"])
        # The build's okey-check is not installed: nothing to check.
        self.assertEqual(checks["okey-check"]["status"], "ok")
        self.assertEqual(data["errors"], 0)
        if BACKEND == "sqlite":
            self.assertEqual(checks["store file"]["status"], "ok")
            self.assertIn("0600", checks["store file"]["detail"])
            self.assertIn("0700", checks["store folder"]["detail"])
            self.assertIn("PRAGMA integrity_check: ok", checks["store"]["detail"])
        text = self.doctor("--pam-dir", pam)
        self.assertRegex(text, r"(?m)^ok +config +")
        self.assertRegex(text, r"(?m)^\d+ errors?, \d+ warnings?$")

    def test_enabled_with_root_at_risk_is_an_error(self):
        pam = self.pam_dir(
            common_auth="auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth requisite pam_deny.so\n"
                        "# pam_okey.so in a comment does not count\n"
                        "auth requisite \\\n   pam_okey.so\n",
            sshd="@include common-auth\n",
            sudo="auth include common-auth\n",
            login="auth substack common-auth\n",
            vlock="auth required /lib/x86_64-linux-gnu/security/pam_okey.so forward_pass\n",
            cron="account required pam_unix.so\n",
            loop_a="@include loop-b\n", loop_b="@include loop-a\n")
        r = self.run_okeyctl("doctor", "--pam-dir", pam)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertEqual(r.stderr, "okeyctl: doctor: 1 check failed\n")
        self.assertRegex(r.stdout, r"(?m)^ok +pam +passcode asked by login, sshd, sudo, vlock "
                                   r"\(common-auth includes pam_okey\)$")
        self.assertRegex(r.stdout, r"(?m)^error +lockout +root.*refused everywhere")
        # root gets a key: nobody is at risk any more.
        self.add_key("ROOTKEY")
        self.ok("token", "assign", "ROOTKEY", "root")
        for login in self.admins():
            if login != "root":
                self.add_key("K-" + login)
                self.ok("token", "assign", "K-" + login, login)
        out = self.doctor("--pam-dir", pam)
        self.assertRegex(out, r"(?m)^ok +lockout +nobody who administers is refused: root \(holds a key\)")
        # With unknown_user = "ignore", only logins the store knows without a key are at risk.
        with open(self.config, "a") as f:
            f.write('unknown_user = "ignore";\n')
        self.ok("token", "return", "ROOTKEY", "--comment", "x")
        r = self.run_okeyctl("doctor", "--pam-dir", pam)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stdout, r"(?m)^error +lockout +root: hold no key")
        # Exempt by scope, root is not asked at all: no risk.
        with open(self.config, "a") as f:
            f.write('scope: { exempt_users = [ "root" ]; exempt_groups = [ "sudo", "wheel", "admin" ]; };\n')
        out = self.doctor("--pam-dir", pam)
        self.assertRegex(out, r"(?m)^ok +lockout +nobody who administers is refused: root \(scope: exempt user\)")

    def test_unsafe_files_and_damage_are_errors(self):
        os.chmod(self.key_file, 0o444)
        r = self.run_okeyctl("--json", "doctor", "--pam-dir", self.pam_dir())
        self.assertEqual(r.returncode, 1)
        checks = {c["check"]: c for c in json.loads(r.stdout)["checks"]}
        self.assertEqual(checks["key file"]["status"], "error")
        self.assertIn(self.key_file + ": refused: readable by others", checks["key file"]["detail"])
        self.assertEqual(checks["store"]["status"], "error")
        os.chmod(self.key_file, 0o400)
        self.add_key("K1")
        self.sql("UPDATE tokens SET secret = %s WHERE serial = 'K1'"
                 % ("X'00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0011'"
                    if BACKEND == "sqlite" else
                    "'\\x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0011'"))
        r = self.run_okeyctl("doctor", "--pam-dir", self.pam_dir())
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stdout, r"(?m)^error +secrets +serial K1: secret does not decrypt")

    def test_invalid_config(self):
        bad = self.write("bad.conf", 'lang = "de";\n')
        r = self.run_okeyctl("doctor", "--pam-dir", self.pam_dir(),
                             global_args=["--config", bad, "--store", self.store, "--key-file", self.key_file])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stdout, r"(?m)^error +config +.*bad.conf")
        self.assertRegex(r.stdout, r"(?m)^(ok|warning) +clock ")

    def test_remote_servers(self):
        tmp = tempfile.mkdtemp(prefix="okey-doctor-tls-")
        self.addCleanup(shutil.rmtree, tmp, True)
        ca = remote_fixture.make_ca(tmp, "ca")
        other = remote_fixture.make_ca(tmp, "other")
        good = remote_fixture.make_cert(tmp, "good", ca, "IP:127.0.0.1")
        untrusted = remote_fixture.make_cert(tmp, "bad", other, "IP:127.0.0.1")
        okeyd = self.serve(good, 200)
        privacyidea = self.serve(good, 404)
        database_down = self.serve(good, 503)
        stranger = self.serve(untrusted, 200)
        dead = "https://127.0.0.1:%d" % remote_fixture.dead_port()
        urls = [okeyd, privacyidea, database_down, stranger, dead]
        conf = self.write("remote.conf", base.CONFIG + 'backend = "remote";\nremote: { urls = [ %s ]; '
                          'ca_file = "%s"; connect_timeout_ms = 1000; timeout_ms = 2000; };\n'
                          % (", ".join('"%s"' % u for u in urls), ca[1]))
        r = self.run_okeyctl("--json", "doctor", "--pam-dir", self.pam_dir(), global_args=[
            "--config", conf, "--store", self.store, "--key-file", self.key_file])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        checks = {c["check"]: c for c in json.loads(r.stdout)["checks"]}
        self.assertEqual(checks["remote " + okeyd]["status"], "ok")
        self.assertIn("/healthz: 200", checks["remote " + okeyd]["detail"])
        self.assertEqual(checks["remote " + privacyidea]["status"], "ok")
        self.assertIn("not okeyd", checks["remote " + privacyidea]["detail"])
        self.assertEqual(checks["remote " + database_down]["status"], "error")
        self.assertIn("its database does not", checks["remote " + database_down]["detail"])
        self.assertEqual(checks["remote " + stranger]["status"], "error")
        self.assertIn("refused", checks["remote " + stranger]["detail"])
        self.assertEqual(checks["remote " + dead]["status"], "error")
        self.assertIn("unreachable", checks["remote " + dead]["detail"])

    def serve(self, cert, status):
        """A TLS server on 127.0.0.1 answering every GET with `status`."""
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert[1], cert[0])
        server.socket = context.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.shutdown)
        return "https://127.0.0.1:%d" % server.server_address[1]


if __name__ == "__main__":
    unittest.main(verbosity=2)
