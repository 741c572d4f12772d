#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tests/cli/test_okeyctl_postgresql.py — what only a PostgreSQL store has,
through the real okeyctl (labels cli, postgresql): no password in a store URI
(argv or config), a database in use refused by init, the service role's
grants, and `migrate` from a SQLite store checked end to end. The verbs
common to both stores run on PostgreSQL in test_okeyctl.py.
Environment: OKEYCTL, OKEY_TEST_STORE=postgresql, OKEY_TEST_PG_DIR.
"""
import json
import os
import re
import subprocess
import unittest

from test_okeyctl import CONFIG, Logins, new_database, pg_cluster, pg_superuser, pg_uri


class OnPostgreSQL(Logins):
    """What only a PostgreSQL store has: no password in the URI, the service
    role's grants, and `migrate` from a SQLite store, checked end to end."""

    def okeyctl_on(self, store, key_file, *args, stdin=None):
        return self.run_okeyctl(*args, stdin=stdin, global_args=[
            "--config", self.config, "--store", store, "--key-file", key_file])

    def test_password_in_uri_refused_and_not_repeated(self):
        c = pg_cluster()
        with_password = "postgresql://okey_owner:Sekr1t@127.0.0.1:%s/%s" % (c["OKEY_PG_PORT"],
                                                                         self.database)
        for store in (with_password, pg_uri(self.database, password="Sekr1t")):
            r = self.okeyctl_on(store, self.key_file, "token", "list")
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
            self.assertIn("a password in the store URI is refused", r.stderr)
            self.assertIn("passfile", r.stderr)
            self.assertNotIn("Sekr1t", r.stderr + r.stdout)
        # In the config: refused with the file, line and key.
        conf = self.write("pw.conf", CONFIG + 'store = "%s";\n' % with_password)
        r = self.run_okeyctl("token", "list", global_args=["--config", conf])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("pw.conf:", r.stderr)
        self.assertIn(": store: a password in the store URI is refused", r.stderr)
        self.assertNotIn("Sekr1t", r.stderr)

    def test_init_refuses_a_database_in_use(self):
        db = new_database()
        pg_superuser("CREATE TABLE payroll (id integer)", db)
        r = self.okeyctl_on(pg_uri(db), self.key_file, "init")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("not empty", r.stderr)
        self.assertEqual(pg_superuser("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", db), "1")
        pg_superuser("DROP DATABASE %s WITH (FORCE)" % db)

    def test_service_role_logs_in_but_never_changes_the_audit(self):
        db = new_database()
        out = self.okeyctl_on(pg_uri(db), self.key_file, "init", "--service-role", "okey_service")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("role okey_service may log in but never change the audit", out.stdout)
        owner = pg_uri(db)
        service = pg_uri(db, role="okey_service")
        secret = os.urandom(20).hex()
        self.assertEqual(self.okeyctl_on(owner, self.key_file, "token", "add", "K1", "--secret-file",
                                         self.write("s1", secret), "--hex").returncode, 0)
        self.assertEqual(self.okeyctl_on(owner, self.key_file, "token", "assign", "K1",
                                         "jdupont").returncode, 0)
        # The whole login, new-PIN mode and all, as the service role.
        r = self.okeyctl_on(service, self.key_file, "check", "jdupont",
                            stdin="\n".join([self.code(secret, -1), self.PIN, self.PIN,
                                             self.PIN + self.code(secret, 0)]) + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        # The audit can be read and added to, never changed, even by hand.
        rights = pg_superuser("SELECT string_agg(p, ',' ORDER BY p) FROM unnest(ARRAY['SELECT', "
                              "'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p WHERE "
                              "has_table_privilege('okey_service', 'audit', p)", db)
        self.assertEqual(rights, "INSERT,SELECT")
        c = pg_cluster()
        psql = [os.path.join(c["OKEY_PG_BIN"], "psql"), "-X", "-v", "ON_ERROR_STOP=1", service]
        for sql in ("UPDATE audit SET outcome = 'refused'", "DELETE FROM audit", "TRUNCATE audit"):
            r = subprocess.run(psql + ["-c", sql], capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 0, sql)
            self.assertIn("permission denied", r.stderr)
        logins = [e for e in json.loads(self.okeyctl_on(service, self.key_file, "--json", "audit").stdout)
                  if e["event"] == "login"]
        self.assertEqual([e["outcome"] for e in logins], ["success"])
        pg_superuser("DROP DATABASE %s WITH (FORCE)" % db)

    def test_migrate_round_trip(self):
        # A SQLite store with its own key file, in use: keys in every state, a
        # PIN chosen at a first login, a failed login, audit rows naming their
        # administrator, a key lost by its login, emergency codes.
        sqlite = self.path("sqlite/okey.db")
        key_file = self.path("etc2/seed.key")

        def on_sqlite(*args, stdin=None):
            r = self.okeyctl_on(sqlite, key_file, *args, stdin=stdin)
            self.assertEqual(r.returncode, 0, "%s: %s" % (args, r.stderr))
            return r.stdout

        on_sqlite("init")
        secret = os.urandom(20).hex()
        for serial in ("K1", "K2", "K3"):
            on_sqlite("token", "add", serial, "--secret-file", self.write("s" + serial, secret), "--hex",
                      "--lot", "lot-2024")
        on_sqlite("token", "assign", "K1", "jdupont")
        on_sqlite("token", "lost", "K3", "--comment", "perdue")
        on_sqlite("check", "jdupont", stdin="\n".join([self.code(secret, -1), self.PIN, self.PIN,
                                                        self.PIN + self.code(secret, 0)]) + "\n")
        r = self.okeyctl_on(sqlite, key_file, "check", "jdupont", stdin="0000" + self.code(secret, 1) + "\n")
        self.assertEqual(r.returncode, 1, r.stderr)
        on_sqlite("token", "assign", "K2", "mmartin")
        on_sqlite("token", "lost", "K2", "--comment", "volée")
        codes = re.findall(r"^  (\d{8})$", on_sqlite("user", "emergency", "jdupont", "--count", "2"),
                           re.M)
        self.assertEqual(len(codes), 2)
        before = {verb: on_sqlite("--json", *verb.split()) for verb in
                  ("token list", "token show K2", "user show jdupont", "audit")}

        target = new_database()
        uri = pg_uri(target)
        r = self.okeyctl_on(sqlite, key_file, "migrate", "--to", uri, "--service-role", "okey_service")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("store copied from %s to postgresql://okey_owner@127.0.0.1:" % sqlite, r.stdout)
        self.assertIn(": 3 keys, 2 logins, 10 audit rows, 0 offline batches, 0 offline values, "
                      "0 okeyd dialogues, 2 emergency codes", r.stdout)
        self.assertIn("checked: every row equal to the original, 3 sealed values open with " + key_file,
                      r.stdout)
        self.assertNotIn(self.config, r.stdout)
        # Every record reads the same from PostgreSQL.
        for verb, text in before.items():
            moved = self.okeyctl_on(uri, key_file, "--json", *verb.split())
            self.assertEqual(moved.returncode, 0, moved.stderr)
            self.assertEqual(json.loads(moved.stdout), json.loads(text), verb)
        # The PIN came along, and so did the last step: the code used on the
        # SQLite store is a replay here; a later one logs in.
        r = self.okeyctl_on(uri, key_file, "check", "jdupont", stdin=self.PIN + self.code(secret, 0) + "\n")
        self.assertEqual(r.returncode, 1, r.stderr)
        r = self.okeyctl_on(uri, key_file, "check", "jdupont", stdin=self.PIN + self.code(secret, 2) + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        # The emergency codes came along (their hashes under the same key
        # file), and so did the login a lost key was lost by.
        r = self.okeyctl_on(uri, key_file, "check", "jdupont", stdin=self.PIN + codes[0] + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(before["token show K2"])["lost_owner"], "mmartin")
        # The SQLite store is left as it was.
        self.assertEqual(on_sqlite("--json", "audit"), before["audit"])
        # Never into a database in use, nor to anything but PostgreSQL.
        r = self.okeyctl_on(sqlite, key_file, "migrate", "--to", uri)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not empty", r.stderr)
        r = self.okeyctl_on(sqlite, key_file, "migrate", "--to", self.path("other.db"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a postgresql:// URI", r.stderr)
        # Under another key file the secrets do not open: nothing is created.
        other = new_database()
        wrong_key = self.write("wrong.key", os.urandom(32), 0o400)
        r = self.okeyctl_on(sqlite, wrong_key, "migrate", "--to", pg_uri(other))
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("does not decrypt", r.stderr)
        self.assertEqual(pg_superuser("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", other), "0")
        for db in (target, other):
            pg_superuser("DROP DATABASE %s WITH (FORCE)" % db)

    def test_migrate_json(self):
        sqlite = self.path("sqlite/okey.db")
        key_file = self.path("etc2/seed.key")
        self.assertEqual(self.okeyctl_on(sqlite, key_file, "init").returncode, 0)
        target = new_database()
        r = self.okeyctl_on(sqlite, key_file, "--json", "migrate", "--to", pg_uri(target))
        self.assertEqual(r.returncode, 0, r.stderr)
        data = json.loads(r.stdout)
        self.assertEqual(data["result"], "ok")
        self.assertTrue(data["checked"])
        self.assertEqual(data["rows"], {"tokens": 0, "users": 0, "audit": 0, "offline_batches": 0,
                                        "offline_values": 0, "dialogues": 0,
                                        "emergency_codes": 0})
        self.assertNotIn("passfile", data["to"])
        pg_superuser("DROP DATABASE %s WITH (FORCE)" % target)


if __name__ == "__main__":
    unittest.main(verbosity=2)
