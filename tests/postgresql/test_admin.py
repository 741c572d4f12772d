#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tests/postgresql/test_admin.py — the README's PostgreSQL set-up, as an
administrator types it (label postgresql), on the run's throwaway cluster:

  roles and database made in psql, the passwords typed at \\password's
  prompts (pexpect); the password in a passfile (0600); okeyctl init with the
  service role; keys added and a login decided as the service role; then the
  backup the README prescribes — pg_dump and the key file — restored into a
  new database, where every key, login and audit row is back, the audit still
  append-only, and logins go on (the key file opens the secrets; another key
  file does not).
Environment: OKEYCTL, OKEY_TEST_PG_DIR (tests/support/pg-cluster).
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unittest

import pexpect

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from okey_pg import cluster, superuser  # noqa: E402

OKEYCTL = os.environ["OKEYCTL"]
CONFIG = 'pin: { argon2: { memory_kib = 64; iterations = 1; parallelism = 1; }; };\n'


C = cluster()
BIN = C["OKEY_PG_BIN"]


def oath_code(secret_hex, offset):
    step = int(time.time()) // 30 + offset
    return subprocess.run(["oathtool", "--totp", "-N", "@%d" % (step * 30), secret_hex],
                          check=True, capture_output=True, text=True).stdout.strip()


class AdministratorSetUp(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="okey-pg-admin-")
        os.chmod(self.dir, 0o700)
        tag = "%d" % os.getpid()
        self.owner, self.service = "owner_" + tag, "okeyd_" + tag
        self.db, self.restored = "okey_admin_" + tag, "okey_restored_" + tag
        self.key_file = os.path.join(self.dir, "etc", "seed.key")
        self.config = os.path.join(self.dir, "okey.conf")
        with open(self.config, "w") as f:
            f.write(CONFIG)
        os.chmod(self.config, 0o600)
        self.passwords = {self.owner: "Own3r-" + tag + "-pw", self.service: "Serv1ce-" + tag + "-pw"}

    def tearDown(self):
        for db in (self.db, self.restored):
            superuser("DROP DATABASE IF EXISTS %s WITH (FORCE)" % db)
        for role in (self.service, self.owner):
            superuser("DROP ROLE IF EXISTS %s" % role)
        shutil.rmtree(self.dir, ignore_errors=True)

    def uri(self, role, database=None):
        return ("postgresql://%s@127.0.0.1:%s/%s?target_session_attrs=read-write&sslmode=prefer"
                "&passfile=%s" % (role, C["OKEY_PG_PORT"], database or self.db,
                                  os.path.join(self.dir, "pgpass")))

    def okeyctl(self, store, *args, stdin=None, ok=True):
        r = subprocess.run([OKEYCTL, "--config", self.config, "--store", store, "--key-file",
                            self.key_file] + list(args), input=stdin, capture_output=True,
                           text=True, timeout=60)
        if ok:
            self.assertEqual(r.returncode, 0, "okeyctl %s: %s" % (" ".join(args), r.stderr))
        return r

    def psql_as_superuser_typing_passwords(self):
        """README: `sudo -u postgres psql`, then CREATE ROLE and \\password."""
        child = pexpect.spawn(os.path.join(BIN, "psql"),
                              ["-X", "-h", C["OKEY_PG_SOCKET"], "-p", C["OKEY_PG_PORT"],
                               "-U", "postgres", "-d", "postgres"], encoding="utf-8", timeout=30)
        prompt = "postgres=# "
        child.expect(prompt)
        for role in (self.owner, self.service):
            child.sendline("CREATE ROLE %s LOGIN;" % role)
            child.expect(prompt)
            child.sendline("\\password %s" % role)
            for _ in range(2):  # "Enter new password", "Enter it again"
                child.expect("(?i)password")
                child.sendline(self.passwords[role])
            child.expect(prompt)
        child.sendline("CREATE DATABASE %s OWNER %s;" % (self.db, self.owner))
        child.expect(prompt)
        child.sendline("\\q")
        child.expect(pexpect.EOF)
        self.assertNotIn(self.passwords[self.owner], child.before or "")

    def write_passfile(self):
        path = os.path.join(self.dir, "pgpass")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            for role, password in self.passwords.items():
                f.write("127.0.0.1:%s:*:%s:%s\n" % (C["OKEY_PG_PORT"], role, password))
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)

    def test_readme_set_up_backup_and_restore(self):
        self.psql_as_superuser_typing_passwords()
        self.write_passfile()
        owner, service = self.uri(self.owner), self.uri(self.service)
        out = self.okeyctl(owner, "init", "--service-role", self.service).stdout
        self.assertIn("store created: postgresql://%s@127.0.0.1:" % self.owner, out)
        self.assertEqual(stat.S_IMODE(os.stat(self.key_file).st_mode), 0o400)
        secret = os.urandom(20).hex()
        secret_file = os.path.join(self.dir, "k1.hex")
        with open(secret_file, "w") as f:
            f.write(secret)
        self.okeyctl(owner, "token", "add", "K1", "--secret-file", secret_file, "--hex")
        self.okeyctl(owner, "token", "assign", "K1", "jdupont")
        # The service role runs the login (new-PIN mode), and cannot touch the audit.
        self.okeyctl(service, "check", "jdupont", stdin="%s\n4817\n4817\n4817%s\n" % (
            oath_code(secret, -1), oath_code(secret, 0)))
        r = subprocess.run([os.path.join(BIN, "psql"), "-X", service, "-c", "DELETE FROM audit"],
                           capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("permission denied", r.stderr)
        before = {verb: json.loads(self.okeyctl(owner, "--json", *verb.split()).stdout)
                  for verb in ("token list", "user show jdupont", "audit")}

        # The backup: pg_dump while the store is in use, and the key file.
        dump = os.path.join(self.dir, "okey.dump")
        subprocess.run([os.path.join(BIN, "pg_dump"), "-Fc", "-f", dump, owner], check=True)
        kept_key = os.path.join(self.dir, "seed.key.backup")
        shutil.copy2(self.key_file, kept_key)

        # The recovery: a new empty database owned by the owner, pg_restore.
        superuser("CREATE DATABASE %s OWNER %s" % (self.restored, self.owner))
        subprocess.run([os.path.join(BIN, "pg_restore"), "--exit-on-error", "-d",
                        self.uri(self.owner, self.restored), dump], check=True,
                       capture_output=True)
        restored = self.uri(self.owner, self.restored)
        for verb, value in before.items():
            self.assertEqual(json.loads(self.okeyctl(restored, "--json", *verb.split()).stdout),
                             value, verb)
        # The audit is still append-only, for the owner too (the triggers came back),
        # and the service role has its rights back.
        for role in (self.owner, self.service):
            r = subprocess.run([os.path.join(BIN, "psql"), "-X", self.uri(role, self.restored), "-c",
                                "UPDATE audit SET outcome = 'refused'"], capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 0, role)
        self.okeyctl(self.uri(self.service, self.restored), "check", "jdupont",
                     stdin="4817%s\n" % oath_code(secret, 1))
        # The code used before the backup is still a replay after the restore.
        r = self.okeyctl(restored, "check", "jdupont", stdin="4817%s\n" % oath_code(secret, 0), ok=False)
        self.assertEqual(r.returncode, 1)
        # Without its key file the dump yields no secret.
        os.chmod(self.key_file, 0o600)
        with open(self.key_file, "wb") as f:
            f.write(os.urandom(32))
        os.chmod(self.key_file, 0o400)
        r = self.okeyctl(restored, "check", "jdupont", stdin="4817%s\n" % oath_code(secret, 2), ok=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("does not decrypt", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
