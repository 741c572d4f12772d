#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tests/cli/test_okeyctl.py — okeyctl through the real binary (label: cli).

Every verb's success and refusal paths, the lifecycle rules, --json output,
the audit trail, PSKC imports (RFC 6030 examples and lots written here and
checked with Debian's pskctool), login-id, and `check` through a pipe with
codes computed by oathtool (an independent TOTP implementation).

Each test gets its own temp dir with a store, key file and config owned by
the invoking user (okeyctl trusts files owned by geteuid()). The store is on
the backend of the run (OKEY_TEST_STORE): a SQLite file in that dir, or a
fresh database in the run's throwaway PostgreSQL cluster (OKEY_TEST_PG_DIR,
tests/support/pg-cluster), reached as the role okey_owner with its password
in a passfile — as README tells an administrator to.
Environment: OKEYCTL (binary path), OKEY_CLI_TEST_DATA (tests/cli/data).
"""
import base64
import hashlib
import hmac
import json
import os
import shutil
import stat
import subprocess
import tempfile
import time
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from okey_pg import cluster as pg_cluster, superuser as pg_superuser  # noqa: E402,F401

OKEYCTL = os.environ.get("OKEYCTL", "okeyctl")
DATA = os.environ.get("OKEY_CLI_TEST_DATA", os.path.join(os.path.dirname(__file__), "data"))
BACKEND = os.environ.get("OKEY_TEST_STORE", "sqlite")
RFC_PSK = "12345678901234567890123456789012"
RFC_SECRET_HEX = b"12345678901234567890".hex()

CONFIG = """
lang = "fr";
pin: { argon2: { memory_kib = 64; iterations = 1; parallelism = 1; }; };
lockout: { max_failures = 5; lock_seconds = 900; };
totp: { window = 3; resync_window = 10; };
"""


def oath_code(secret_hex, unix_time, digits=6, period=30, algorithm="sha1"):
    """The TOTP code at unix_time, computed by oathtool."""
    out = subprocess.run(
        ["oathtool", "--totp=" + algorithm, "-d", str(digits), "-s", str(period),
         "-N", "@%d" % unix_time, secret_hex],
        check=True, capture_output=True, text=True)
    return out.stdout.strip()


def aes128_cbc(key, iv, data):
    """AES-128-CBC with PKCS#7 padding, by the openssl CLI (independent of okey)."""
    out = subprocess.run(
        ["openssl", "enc", "-aes-128-cbc", "-K", key.hex(), "-iv", iv.hex(), "-nosalt"],
        input=data, check=True, capture_output=True)
    return out.stdout


def pg_uri(database, role="okey_owner", **extra):
    """How an administrator names the store: no password, a passfile."""
    c = pg_cluster()
    query = "&".join(["passfile=" + c["OKEY_PG_PASSFILE"]] + ["%s=%s" % kv for kv in extra.items()])
    return "postgresql://%s@127.0.0.1:%s/%s?%s" % (role, c["OKEY_PG_PORT"], database, query)


_databases = [0]


def new_database():
    _databases[0] += 1
    name = "okey_cli_%d_%d" % (os.getpid(), _databases[0])
    pg_superuser("CREATE DATABASE %s OWNER okey_owner" % name)
    return name


class Store(unittest.TestCase):
    """A fresh store per test, and helpers to drive okeyctl."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="okey-cli-")
        os.chmod(self.dir, 0o700)
        os.mkdir(os.path.join(self.dir, "etc"), 0o700)
        self.database = None
        if BACKEND == "postgresql":
            self.database = new_database()
            self.store = pg_uri(self.database)
        else:
            self.store = os.path.join(self.dir, "lib", "okey.db")
        self.key_file = os.path.join(self.dir, "etc", "seed.key")
        self.config = os.path.join(self.dir, "etc", "okey.conf")
        with open(self.config, "w") as f:
            f.write(CONFIG + 'store = "%s";\nkey_file = "%s";\n' % (self.store, self.key_file))
        os.chmod(self.config, 0o600)
        self.ok("init")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.database:
            pg_superuser("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.database)

    def sql(self, statement):
        """SQL on the store behind okeyctl's back (sqlite3, or psql as superuser)."""
        if self.database:
            pg_superuser(statement, self.database)
        else:
            subprocess.run(["sqlite3", self.store, statement], check=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def run_okeyctl(self, *args, stdin=None, global_args=None):
        if global_args is None:
            global_args = ["--config", self.config, "--store", self.store, "--key-file", self.key_file]
        return subprocess.run([OKEYCTL] + list(global_args) + list(args), input=stdin,
                              capture_output=True, text=True, timeout=60)

    def ok(self, *args, stdin=None):
        r = self.run_okeyctl(*args, stdin=stdin)
        self.assertEqual(r.returncode, 0, "okeyctl %s: %s" % (" ".join(args), r.stderr))
        return r.stdout

    def json(self, *args, stdin=None):
        return json.loads(self.ok("--json", *args, stdin=stdin))

    def refused(self, *args, stdin=None, code=1, reason=None):
        r = self.run_okeyctl(*args, stdin=stdin)
        self.assertEqual(r.returncode, code, "okeyctl %s: %s %s" % (" ".join(args), r.stdout, r.stderr))
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 1, "one line on stderr expected: %r" % r.stderr)
        self.assertTrue(lines[0].startswith("okeyctl: "), lines[0])
        if reason is not None:
            self.assertIn(reason, lines[0])
        return lines[0]

    def write(self, name, content, mode=0o600):
        p = self.path(name)
        with open(p, "wb" if isinstance(content, bytes) else "w") as f:
            f.write(content)
        os.chmod(p, mode)
        return p

    def add_key(self, serial, secret_hex=None, *extra):
        secret_hex = secret_hex or os.urandom(20).hex()
        self.ok("token", "add", serial, "--secret-file", self.write("s-" + serial, secret_hex),
                "--hex", *extra)
        return secret_hex

    def token(self, serial):
        return self.json("token", "show", serial)

    def audit(self, *args):
        return self.json("audit", *args)


class InitAndFiles(Store):
    def test_init_creates_safe_files_and_refuses_twice(self):
        if BACKEND == "sqlite":
            self.assertEqual(stat.S_IMODE(os.stat(self.store).st_mode) & 0o077, 0)
        self.assertEqual(stat.S_IMODE(os.stat(self.key_file).st_mode) & 0o077, 0)
        self.assertEqual(os.path.getsize(self.key_file), 32)
        self.refused("init", reason="already exists" if BACKEND == "sqlite" else "not empty")

    def test_unsafe_key_file_refused(self):
        os.chmod(self.key_file, 0o444)
        line = self.refused("token", "list")
        self.assertIn(self.key_file, line)

    @unittest.skipUnless(BACKEND == "sqlite", "a SQLite store is a file")
    def test_symlinked_store_refused(self):
        link = self.path("link.db")
        os.symlink(self.store, link)
        r = self.run_okeyctl("token", "list", global_args=[
            "--config", self.config, "--store", link, "--key-file", self.key_file])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(link, r.stderr)

    def test_config_options_are_used(self):
        # Without --store / --key-file the config's paths are used.
        r = self.run_okeyctl("--json", "token", "list", global_args=["--config", self.config])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), [])

    def test_invalid_config_refused(self):
        bad = self.write("bad.conf", "lang = \"de\";\n")
        r = self.run_okeyctl("token", "list", global_args=["--config", bad, "--store", self.store,
                                                           "--key-file", self.key_file])
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.conf", r.stderr)


class Usage(Store):
    def test_usage_errors_exit_2(self):
        self.refused("frobnicate", code=2)
        self.refused("token", "frobnicate", code=2)
        self.refused("token", "show", code=2)
        self.refused("token", "show", "a", "b", code=2)
        self.refused("token", "list", "--colour", code=2)
        self.refused("token", "add", "S1", code=2, reason="--secret-file")
        self.refused("token", "lost", "S1", code=2, reason="--comment")
        self.refused("token", "lost", "S1", "--comment", " ", code=2)
        self.refused("token", "expire-on", "S1", "2026-02-30", code=2, reason="YYYY-MM-DD")
        self.refused("token", "add", "bad serial", "--secret-file", "x", code=2)
        self.refused("token", "assign", "S1", "-jdupont", code=2)
        self.refused("audit", "--since", "yesterday", code=2)
        self.refused("token", "list", "--state", "broken", code=2)
        r = subprocess.run([OKEYCTL], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)

    def test_help(self):
        out = self.ok("--help")
        for verb in ["init", "token add", "token import-pskc", "token resync", "user enroll-software",
                     "login-id", "check", "audit"]:
            self.assertIn(verb, out)

    def test_extra_argument_not_echoed(self):
        line = self.refused("token", "show", "S1", "JBSWY3DPEHPK3PXP", code=2)
        self.assertNotIn("JBSWY3DPEHPK3PXP", line)


class TokenAdd(Store):
    def test_add_base32_hex_and_stdin(self):
        self.ok("token", "add", "B32", "--secret-file", self.write("b32", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n"))
        self.ok("token", "add", "HEX", "--secret-file", self.write("hex", "00" * 20), "--hex",
                "--algorithm", "sha256", "--digits", "8", "--period", "60", "--kind", "software",
                "--lot", "L1", "--expires", "2030-06-30")
        self.ok("token", "add", "STDIN", "--secret-file", "-", stdin="GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n")
        t = self.token("HEX")
        self.assertEqual((t["state"], t["algorithm"], t["digits"], t["period"], t["kind"], t["lot"],
                          t["expires"], t["owner"]),
                         ("stock", "sha256", 8, 60, "software", "L1", "2030-06-30", None))
        self.assertNotIn("secret", t)
        b = self.token("B32")
        self.assertEqual((b["algorithm"], b["digits"], b["period"], b["kind"], b["lot"], b["expires"]),
                         ("sha1", 6, 30, "hardware", None, None))
        text = self.ok("token", "show", "B32")
        self.assertIn("stock", text)
        self.assertNotIn("JBSWY3DP", text)

    def test_add_refusals(self):
        self.refused("token", "add", "X", "--secret-file", self.write("bad", "not base32!"),
                     reason="base32")
        self.refused("token", "add", "X", "--secret-file", self.write("short", "JBSWY3DP"),
                     reason="10 to 64")
        self.refused("token", "add", "X", "--secret-file", self.write("nothex", "zz" * 20), "--hex",
                     reason="hex")
        self.refused("token", "add", "X", "--secret-file", self.path("missing"))
        self.refused("token", "add", "X", "--secret-file", self.write("empty", ""), reason="empty")
        self.refused("token", "add", "X", "--secret-file", self.write("s", "00" * 20), "--hex",
                     "--digits", "7", code=2)
        self.refused("token", "add", "X", "--secret-file", self.write("s", "00" * 20), "--hex",
                     "--period", "45", code=2)
        self.add_key("DUP")
        self.refused("token", "add", "DUP", "--secret-file", self.write("s", "00" * 20), "--hex")
        self.assertEqual([t["serial"] for t in self.json("token", "list")], ["DUP"])

    def test_list_filters(self):
        self.add_key("A1", None, "--lot", "north")
        self.add_key("A2", None, "--lot", "south")
        self.add_key("A3", None, "--lot", "north")
        self.ok("token", "assign", "A3", "jdupont")
        self.assertEqual(sorted(t["serial"] for t in self.json("token", "list", "--lot", "north")),
                         ["A1", "A3"])
        self.assertEqual([t["serial"] for t in self.json("token", "list", "--state", "assigned")], ["A3"])
        self.assertEqual([t["serial"] for t in self.json("token", "list", "--login", "jdupont")], ["A3"])
        self.assertEqual(sorted(t["serial"] for t in self.json("token", "list", "--state", "stock")),
                         ["A1", "A2"])
        self.assertIn("A2", self.ok("token", "list"))
        self.refused("token", "show", "NOPE")


class Lifecycle(Store):
    def test_assign_only_from_stock(self):
        self.add_key("K1")
        out = self.json("token", "assign", "K1", "jdupont")
        self.assertEqual(out["pin_state"], "new_pin_required")
        t = self.token("K1")
        self.assertEqual((t["state"], t["owner"]), ("assigned", "jdupont"))
        self.refused("token", "assign", "K1", "mmartin")
        self.refused("token", "assign", "NOPE", "mmartin")
        user = self.json("user", "show", "jdupont")
        self.assertEqual(user["pin_state"], "new_pin_required")
        self.assertEqual([k["serial"] for k in user["keys"]], ["K1"])

    def test_lost_is_never_valid_again(self):
        self.add_key("K1")
        self.ok("token", "assign", "K1", "jdupont")
        self.ok("token", "lost", "K1", "--comment", "perdue dans le train")
        t = self.token("K1")
        self.assertEqual((t["state"], t["owner"]), ("lost", None))
        self.refused("token", "assign", "K1", "jdupont")
        self.refused("token", "return", "K1", "--comment", "retrouvée")
        self.refused("token", "resync", "K1", "123456", "654321")
        self.assertEqual(self.token("K1")["state"], "lost")
        # A key in stock can be declared lost too.
        self.add_key("K2")
        self.ok("token", "lost", "K2", "--comment", "jamais arrivée")
        self.assertEqual(self.token("K2")["state"], "lost")

    def test_return_clears_owner_keeps_drift_and_last_step(self):
        secret = self.add_key("K1")
        self.ok("token", "assign", "K1", "jdupont")
        now = int(time.time())
        step = now // 30
        r = self.json("token", "resync", "K1", oath_code(secret, (step + 4) * 30),
                      oath_code(secret, (step + 5) * 30))
        self.assertEqual(r["last_step"], step + 5)
        t = self.token("K1")
        self.assertEqual(t["last_step"], step + 5)
        self.assertIn(t["drift"], (4, 5))
        self.refused("token", "return", "K1", code=2)
        self.ok("token", "return", "K1", "--comment", "départ à la retraite")
        # The last accepted step and the drift are the key's for its whole life:
        # the codes used by jdupont stay used for whoever holds the key next.
        t = self.token("K1")
        self.assertEqual((t["state"], t["owner"], t["last_step"]), ("stock", None, step + 5))
        self.assertIn(t["drift"], (4, 5))
        self.ok("token", "assign", "K1", "mmartin")  # back in stock: assignable again
        t = self.token("K1")
        self.assertEqual((t["owner"], t["last_step"]), ("mmartin", step + 5))
        self.refused("token", "resync", "K1", oath_code(secret, (step + 4) * 30),
                     oath_code(secret, (step + 5) * 30), reason="these codes were already used")
        self.refused("token", "return", "NOPE", "--comment", "x")

    def test_resync_refusals(self):
        secret = self.add_key("K1")
        self.refused("token", "resync", "K1", "12345", "123456", code=2)
        self.refused("token", "resync", "K1", "12345a", "123456", code=2)
        step = int(time.time()) // 30
        # Two codes that are not consecutive.
        self.refused("token", "resync", "K1", oath_code(secret, step * 30),
                     oath_code(secret, (step + 2) * 30), reason="consecutive")
        # Beyond the ±1000-step search.
        self.refused("token", "resync", "K1", oath_code(secret, (step + 1500) * 30),
                     oath_code(secret, (step + 1501) * 30))
        self.assertIsNone(self.token("K1")["last_step"])

    def test_expire_on(self):
        self.add_key("K1")
        out = self.json("token", "expire-on", "K1", "2027-08-31")
        self.assertEqual(out["expires"], "2027-08-31")
        self.assertEqual(self.token("K1")["expires"], "2027-08-31")
        self.refused("token", "expire-on", "K1", "2027-8-31", code=2)
        self.refused("token", "expire-on", "NOPE", "2027-08-31")

    def test_renew_retires_old_key(self):
        self.add_key("OLD")
        self.add_key("NEW")
        self.add_key("NEW2")
        self.ok("token", "assign", "OLD", "jdupont")
        self.refused("user", "renew", "jdupont", code=2)
        self.ok("user", "renew", "jdupont", "--serial", "NEW")
        self.assertEqual(self.token("OLD")["state"], "retired")
        self.assertEqual((self.token("NEW")["state"], self.token("NEW")["owner"]), ("assigned", "jdupont"))
        self.refused("token", "assign", "OLD", "mmartin")
        # The new key must come from stock.
        self.ok("token", "lost", "NEW2", "--comment", "cassée")
        self.refused("user", "renew", "jdupont", "--serial", "NEW2")
        self.refused("user", "renew", "nobody", "--serial", "NEW")

    def test_reset_pin_unlock_and_show(self):
        self.add_key("K1")
        self.ok("token", "assign", "K1", "jdupont")
        self.ok("user", "reset-pin", "jdupont")
        self.assertEqual(self.json("user", "show", "jdupont")["pin_state"], "new_pin_required")
        self.ok("user", "unlock", "jdupont")
        u = self.json("user", "show", "jdupont")
        self.assertEqual((u["failures"], u["locked"]), (0, False))
        self.assertIn("jdupont", self.ok("user", "show", "jdupont"))
        self.refused("user", "show", "nobody")
        self.refused("user", "reset-pin", "nobody")
        self.refused("user", "unlock", "nobody")

    def test_audit_shows_every_act_with_comment(self):
        self.add_key("K1")
        self.add_key("K2")
        self.ok("token", "assign", "K1", "jdupont")
        self.ok("token", "lost", "K1", "--comment", "perdue dans le train")
        self.ok("token", "assign", "K2", "jdupont")
        self.ok("token", "return", "K2", "--comment", "mettre en stock: mutation")
        self.ok("token", "expire-on", "K2", "2030-01-01")
        self.ok("user", "reset-pin", "jdupont")
        self.ok("user", "unlock", "jdupont")
        entries = self.audit()
        reasons = [e["reason"] for e in entries]
        self.assertIn("perdue dans le train", reasons)
        self.assertIn("mettre en stock: mutation", reasons)
        serial_events = [(e["serial"], e["service"]) for e in entries]
        self.assertIn(("K1", "okeyctl"), serial_events)
        self.assertGreaterEqual(len(entries), 8)  # 2 adds, 2 assigns, lost, return, expiry, reset, unlock
        mine = self.audit("--login", "jdupont")
        self.assertTrue(mine and all(e["login"] == "jdupont" for e in mine))
        self.assertEqual(self.audit("--since", "2999-01-01"), [])
        self.assertEqual(len(self.audit("--since", "2000-01-01")), len(entries))
        text = self.ok("audit")
        self.assertIn("perdue dans le train", text)


class TextOutput(Store):
    """What an administrator reads in text mode: words, and columns that line up."""

    def test_user_show_says_pin_state_in_words(self):
        self.add_key("K1")
        self.ok("token", "assign", "K1", "jdupont")
        self.assertIn("PIN:         not set: new-PIN mode at the next login\n",
                      self.ok("user", "show", "jdupont"))
        # A PIN stored, as after a first login.
        self.sql("UPDATE users SET pin_hash = '$argon2id$x', pin_state = 'set' "
                 "WHERE login = 'jdupont'")
        text = self.ok("user", "show", "jdupont")
        self.assertIn("PIN:         set\n", text)
        self.assertNotIn("(set)", text)

    def test_audit_columns_line_up_with_long_services_and_hosts(self):
        self.add_key("K1")
        self.ok("token", "assign", "K1", "jdupont")
        self.sql("INSERT INTO audit (time, login, serial, service, remote_host, event, "
                 "outcome, reason) VALUES (1700000000, 'jdupont', 'K1', 'sshd', "
                 "'2001:db8:85a3::8a2e:370:7334', 'login', 'refused', 'wrong passcode')")
        lines = self.ok("audit").splitlines()
        header = lines[0]
        for column in ("EVENT", "OUTCOME", "LOGIN", "SERIAL", "SERVICE", "FROM", "REASON"):
            start = header.index(column)
            for row in lines[1:]:
                self.assertEqual(row[start - 1], " ", "%s column out of line in %r" % (column, row))
                self.assertNotEqual(row[start], " ", "%s column out of line in %r" % (column, row))
        self.assertIn("2001:db8:85a3::8a2e:370:7334", lines[-1])
        self.assertTrue(lines[-1].endswith("wrong passcode"))


class EnrollSoftware(Store):
    def test_enroll_prints_uri_and_qr(self):
        out = self.ok("user", "enroll-software", "cjoseph1", "--issuer", "Académie de Besançon")
        self.assertIn("otpauth://totp/", out)
        self.assertTrue("█" in out or "▀" in out)
        data = self.json("user", "enroll-software", "mmartin")
        self.assertTrue(data["serial"].startswith("SW"))
        self.assertTrue(data["uri"].startswith("otpauth://totp/"))
        t = self.token(data["serial"])
        self.assertEqual((t["kind"], t["state"], t["owner"], t["algorithm"], t["digits"], t["period"]),
                         ("software", "assigned", "mmartin", "sha1", 6, 30))
        # The secret in the URI is the key's: a resync with its codes succeeds.
        query = data["uri"].split("?", 1)[1]
        params = dict(p.split("=", 1) for p in query.split("&"))
        secret = base64.b32decode(params["secret"] + "=" * (-len(params["secret"]) % 8))
        self.assertEqual(len(secret), 20)
        step = int(time.time()) // 30
        self.ok("token", "resync", data["serial"], oath_code(secret.hex(), (step + 2) * 30),
                oath_code(secret.hex(), (step + 3) * 30))
        # One key per login: a login that already has one is renewed, not enrolled again.
        self.refused("user", "enroll-software", "mmartin", reason="already has key")
        self.refused("user", "enroll-software", "-x", code=2)
        self.refused("user", "enroll-software", "x", "--issuer", "a:b", code=2)


class LoginId(Store):
    def test_examples(self):
        self.assertEqual(self.ok("login-id", "Jean", "Dupont").strip(), "jdupont")
        self.assertEqual(self.ok("login-id", "Hélène", "D'Artagnan-Ségur").strip(), "hdartagnansegur")
        self.assertEqual(self.ok("login-id", "Œdipe", "Le Bœuf").strip(), "oleboeuf")
        self.assertEqual(self.ok("login-id", "Zoé", "d’Aubigné").strip(), "zdaubigne")
        self.assertEqual(self.ok("login-id", "ÉMILE", "ÇÀÏÔÛÜŸ").strip(), "ecaiouuy")
        self.refused("login-id", "Jean2", "Dupont", reason="first name")
        self.refused("login-id", "Jean", "Du/pont", reason="\"/\"")
        self.refused("login-id", "Jean", code=2)

    def test_homonyms(self):
        self.assertEqual(self.ok("login-id", "Christian", "Joseph").strip(), "cjoseph")
        self.add_key("K1")
        self.ok("token", "assign", "K1", "cjoseph")
        data = self.json("login-id", "Christine", "Joseph")
        self.assertEqual((data["login"], data["base"], data["homonyms"]), ("cjoseph1", "cjoseph", ["cjoseph"]))
        self.add_key("K2")
        self.ok("token", "assign", "K2", "cjoseph1")
        self.assertEqual(self.ok("login-id", "Claire", "Joseph").strip(), "cjoseph2")
        # Logins that only start with the base are not homonyms.
        self.assertEqual(self.ok("login-id", "Jean", "Jo").strip(), "jjo")


class Pskc(Store):
    def data(self, name):
        return os.path.join(DATA, name)

    def serials(self):
        return sorted(t["serial"] for t in self.json("token", "list"))

    def test_rfc_figure6_encrypted_with_mac(self):
        psk = self.write("psk", RFC_PSK + "\n")
        out = self.json("token", "import-pskc", self.data("figure6-totp.pskc"), "--psk-file", psk)
        self.assertEqual((out["imported"], out["lot"]), (1, "figure6-totp"))
        t = self.token("987654321")
        self.assertEqual((t["digits"], t["period"], t["lot"], t["state"]), (8, 60, "figure6-totp", "stock"))
        # The decrypted secret is the RFC's "12345678901234567890": its codes resync the key.
        step = int(time.time()) // 60
        self.ok("token", "resync", "987654321", oath_code(RFC_SECRET_HEX, step * 60, 8, 60),
                oath_code(RFC_SECRET_HEX, (step + 1) * 60, 8, 60))

    def test_rfc_examples_hotp_refused(self):
        self.refused("token", "import-pskc", self.data("rfc6030-figure2.pskc"), reason="HOTP")
        self.refused("token", "import-pskc", self.data("rfc6030-figure3.pskc"), reason="HOTP")
        psk = self.write("psk", RFC_PSK)
        self.refused("token", "import-pskc", self.data("rfc6030-figure6.pskc"), "--psk-file", psk,
                     reason="key 987654321: HOTP")
        self.assertEqual(self.serials(), [])

    def test_mac_and_key_refusals_leave_store_unchanged(self):
        psk = self.write("psk", RFC_PSK)
        self.refused("token", "import-pskc", self.data("figure6-totp-bad-mac.pskc"), "--psk-file", psk,
                     reason="ValueMAC does not match")
        self.refused("token", "import-pskc", self.data("figure6-totp-no-mac.pskc"), "--psk-file", psk,
                     reason="no ValueMAC")
        self.refused("token", "import-pskc", self.data("figure6-totp.pskc"), reason="--psk-file")
        wrong = self.write("wrong", "00" * 16)
        self.refused("token", "import-pskc", self.data("figure6-totp.pskc"), "--psk-file", wrong)
        self.refused("token", "import-pskc", self.data("figure6-totp.pskc"), "--psk-file",
                     self.write("short", "1234"), reason="pre-shared key")
        self.assertEqual(self.serials(), [])

    def test_plain_with_expiry_and_lot(self):
        self.ok("token", "import-pskc", self.data("figure3-totp.pskc"), "--lot", "rectorat-2026")
        t = self.token("987654321")
        self.assertEqual((t["lot"], t["expires"], t["digits"], t["period"]),
                         ("rectorat-2026", "2029-12-31", 8, 30))

    def test_duplicate_serial_refuses_whole_lot(self):
        self.ok("token", "import-pskc", self.data("figure3-totp.pskc"))
        lot = self.write("lot.pskc", make_pskc([
            dict(serial="NEW1", secret=os.urandom(20)),
            dict(serial="987654321", secret=os.urandom(20)),
            dict(serial="NEW2", secret=os.urandom(20))]))
        self.refused("token", "import-pskc", lot, reason="987654321")
        self.assertEqual(self.serials(), ["987654321"])
        inside = self.write("twice.pskc", make_pskc([
            dict(serial="T1", secret=os.urandom(20)), dict(serial="T1", secret=os.urandom(20))]))
        self.refused("token", "import-pskc", inside, reason="twice")
        bad = self.write("bad.pskc", make_pskc([
            dict(serial="G1", secret=os.urandom(20)), dict(serial="G2", secret=os.urandom(5))]))
        self.refused("token", "import-pskc", bad, reason="key G2")
        self.assertEqual(self.serials(), ["987654321"])

    def test_hostile_files(self):
        doctype = self.write("x.pskc", '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM '
                             '"file:///etc/passwd">]><KeyContainer Version="1.0" '
                             'xmlns="urn:ietf:params:xml:ns:keyprov:pskc">&e;</KeyContainer>')
        self.refused("token", "import-pskc", doctype, reason="DOCTYPE")
        self.refused("token", "import-pskc", self.write("y.pskc", "<KeyContainer"), reason="XML")
        self.refused("token", "import-pskc", self.path("none.pskc"))

    def test_lots_written_here_validated_by_pskctool(self):
        keys = [dict(serial="OK%03d" % i, secret=os.urandom(20 + i), suite=suite, digits=digits,
                     period=period, expiry="2031-01-01T00:00:00Z")
                for i, (suite, digits, period) in enumerate(
                    [("HMAC-SHA1", 6, 30), ("HMAC-SHA256", 8, 30), ("HMAC-SHA512", 6, 60)])]
        psk = os.urandom(16)
        plain = self.write("plain.pskc", make_pskc(keys[:1]))
        enc = self.write("enc.pskc", make_pskc(keys[1:], psk=psk, mac_key=os.urandom(20)))
        for f in (plain, enc):
            v = subprocess.run(["pskctool", "--validate", "--quiet", f], capture_output=True, text=True)
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        # Signed by pskctool (XML-DSig): the signature is ignored, the keys import.
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=okey test vendor", "-keyout", self.path("vendor.key"),
                        "-out", self.path("vendor.crt")], check=True, capture_output=True)
        signed = subprocess.run(["pskctool", "--sign", "--sign-key", self.path("vendor.key"),
                                 "--sign-crt", self.path("vendor.crt"), plain],
                                capture_output=True)
        self.assertEqual(signed.returncode, 0, signed.stderr)
        signed_file = self.write("signed.pskc", signed.stdout)
        v = subprocess.run(["pskctool", "--verify", "--verify-crt", self.path("vendor.crt"), signed_file],
                           capture_output=True, text=True)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.ok("token", "import-pskc", signed_file, "--lot", "plain")
        self.ok("token", "import-pskc", enc, "--psk-file", self.write("psk", psk.hex()))
        # Every secret arrived intact: oathtool's codes resynchronise every key.
        for k in keys:
            t = self.token(k["serial"])
            algorithm = k["suite"].split("-", 1)[1].lower()
            self.assertEqual((t["algorithm"], t["digits"], t["period"], t["expires"]),
                             (algorithm, k["digits"], k["period"], "2030-12-31"))
            step = int(time.time()) // k["period"]
            codes = [oath_code(k["secret"].hex(), (step + s) * k["period"], k["digits"], k["period"],
                               algorithm) for s in (1, 2)]
            self.ok("token", "resync", k["serial"], *codes)
        self.assertEqual(self.serials(), ["OK000", "OK001", "OK002"])

    def test_progress_line_on_a_terminal(self):
        try:
            import pexpect
        except ImportError:
            self.fail("python3-pexpect is a build dependency")
        lot = self.write("big.pskc", make_pskc([dict(serial="P%04d" % i, secret=os.urandom(20))
                                                for i in range(250)]))
        child = pexpect.spawn(OKEYCTL, ["--store", self.store, "--key-file", self.key_file,
                                        "--config", self.config, "token", "import-pskc", lot],
                              encoding="utf-8", timeout=60)
        child.expect("reading keys: 250/250")
        child.expect("imported 250 keys")
        child.expect(pexpect.EOF)
        child.close()
        self.assertEqual(child.exitstatus, 0)
        # Not a terminal: no progress line.
        r = self.run_okeyctl("token", "import-pskc", self.write("one.pskc", make_pskc(
            [dict(serial="Q1", secret=os.urandom(20))])))
        self.assertEqual((r.returncode, r.stderr), (0, ""))


class Logins(Store):
    """Helpers to log in through `okeyctl check` (answers through a pipe), codes by oathtool."""

    PIN = "4817"

    def setUp(self):
        super().setUp()
        # The codes are taken at offsets -1 … +2 from this step; the test config's
        # window of 3 keeps them valid even if the step changes during the test.
        self.step = int(time.time()) // 30

    def code(self, secret, offset):
        return oath_code(secret, (self.step + offset) * 30)

    def check(self, login, *answers):
        return self.run_okeyctl("check", login, stdin="".join(a + "\n" for a in answers))

    def first_login(self, login, secret, first=-1, second=0):
        """New-PIN mode: the code alone, the new PIN twice, then PIN + a later code."""
        r = self.check(login, self.code(secret, first), self.PIN, self.PIN,
                       self.PIN + self.code(secret, second))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Code affiché sur votre clé OTP", r.stderr)
        self.assertIn("nouveau code PIN", r.stderr)
        return r


class Check(Logins):
    """`okeyctl check` runs the engine's login flow; answers come through a pipe."""

    def test_new_pin_then_normal_login(self):
        secret = self.add_key("K1")
        self.ok("token", "assign", "K1", "jdupont")
        self.first_login("jdupont", secret)
        self.assertEqual(self.json("user", "show", "jdupont")["pin_state"], "set")
        r = self.check("jdupont", self.PIN + self.code(secret, 1))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Passcode OTP", r.stderr)
        # The same code again (replay), a wrong PIN, a wrong code: refused.
        for passcode in (self.PIN + self.code(secret, 1), "9999" + self.code(secret, 2), self.PIN + "000000"):
            r = self.check("jdupont", passcode)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("okeyctl: ", r.stderr.splitlines()[-1])
        events = [(e["event"], e["outcome"]) for e in self.audit("--login", "jdupont")]
        self.assertIn(("login", "success"), events)

    def test_expired_lost_and_unknown_refused(self):
        secret = self.add_key("K1")
        self.ok("token", "assign", "K1", "jdupont")
        self.first_login("jdupont", secret)
        yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
        self.ok("token", "expire-on", "K1", yesterday)
        r = self.check("jdupont", self.PIN + self.code(secret, 1))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.ok("token", "expire-on", "K1", "2099-12-31")
        self.assertEqual(self.check("jdupont", self.PIN + self.code(secret, 2)).returncode, 0)
        self.ok("token", "lost", "K1", "--comment", "volée")
        self.assertEqual(self.check("jdupont", self.PIN + self.code(secret, 3)).returncode, 1)
        self.assertEqual(self.check("nobody", self.PIN + self.code(secret, 3)).returncode, 1)

    def test_renew_keeps_pin_and_reset_pin_asks_again(self):
        old = self.add_key("OLD")
        new = self.add_key("NEW")
        self.ok("token", "assign", "OLD", "jdupont")
        self.first_login("jdupont", old)
        self.ok("user", "renew", "jdupont", "--serial", "NEW")
        # The old key is retired; the new one works with the PIN already chosen.
        self.assertEqual(self.check("jdupont", self.PIN + self.code(old, 1)).returncode, 1)
        r = self.check("jdupont", self.PIN + self.code(new, 0))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.ok("user", "reset-pin", "jdupont")
        self.first_login("jdupont", new, 1, 2)

    def test_passcode_not_echoed_on_a_terminal(self):
        import pexpect
        secret = self.add_key("K1")
        self.ok("token", "assign", "K1", "jdupont")
        self.first_login("jdupont", secret)
        child = pexpect.spawn(OKEYCTL, ["--config", self.config, "--store", self.store,
                                        "--key-file", self.key_file, "check", "jdupont"],
                              encoding="utf-8", timeout=30)
        child.expect("Passcode OTP : ")
        passcode = self.PIN + self.code(secret, 1)
        child.sendline(passcode)
        child.expect(pexpect.EOF)
        child.close()
        self.assertEqual(child.exitstatus, 0, child.before)
        self.assertIn("accepted", child.before)
        self.assertNotIn(passcode, child.before)

    def test_lockout_and_unlock(self):
        secret = self.add_key("K1")
        self.ok("token", "assign", "K1", "jdupont")
        self.first_login("jdupont", secret)
        for _ in range(5):
            self.assertEqual(self.check("jdupont", "1111000000").returncode, 1)
        self.assertTrue(self.json("user", "show", "jdupont")["locked"])
        self.assertEqual(self.check("jdupont", self.PIN + self.code(secret, 1)).returncode, 1)
        self.ok("user", "unlock", "jdupont")
        self.assertEqual(self.check("jdupont", self.PIN + self.code(secret, 2)).returncode, 0)



class ServiceRoleOnSQLite(Store):
    @unittest.skipUnless(BACKEND == "sqlite", "a SQLite store")
    def test_service_role_refused_for_sqlite(self):
        r = self.run_okeyctl("init", "--service-role", "okeyd", global_args=[
            "--config", self.config, "--store", self.path("new.db"), "--key-file", self.path("new.key")])
        self.assertEqual(r.returncode, 1)
        self.assertIn("roles are PostgreSQL's", r.stderr)

def make_pskc(keys, psk=None, mac_key=None):
    """An RFC 6030 container of TOTP keys; encrypted (with MAC) when psk is given."""
    def b64(data):
        return base64.b64encode(data).decode()

    def cipher_value(data):
        iv = os.urandom(16)
        blob = iv + aes128_cbc(psk, iv, data)
        return blob, ('<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
                      "<xenc:CipherData><xenc:CipherValue>%s</xenc:CipherValue></xenc:CipherData>" % b64(blob))

    head = ('<?xml version="1.0" encoding="UTF-8"?>\n<KeyContainer Version="1.0" '
            'xmlns="urn:ietf:params:xml:ns:keyprov:pskc" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
            'xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">\n')
    if psk is not None:
        _, mac_xml = cipher_value(mac_key)
        head += ("<EncryptionKey><ds:KeyName>Pre-shared-key</ds:KeyName></EncryptionKey>\n"
                 '<MACMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"><MACKey>%s'
                 "</MACKey></MACMethod>\n" % mac_xml)
    body = ""
    for k in keys:
        if psk is None:
            secret = "<PlainValue>%s</PlainValue>" % b64(k["secret"])
        else:
            blob, xml = cipher_value(k["secret"])
            mac = hmac.new(mac_key, blob, hashlib.sha1).digest()
            secret = "<EncryptedValue>%s</EncryptedValue><ValueMAC>%s</ValueMAC>" % (xml, b64(mac))
        suite = "<Suite>%s</Suite>" % k["suite"] if "suite" in k else ""
        policy = ("<Policy><ExpiryDate>%s</ExpiryDate></Policy>" % k["expiry"]) if "expiry" in k else ""
        body += ("<KeyPackage><DeviceInfo><Manufacturer>okey-test</Manufacturer><SerialNo>%s</SerialNo>"
                 "</DeviceInfo>"
                 '<Key Id="%s" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">'
                 "<Issuer>okey-test</Issuer><AlgorithmParameters>%s"
                 '<ResponseFormat Length="%d" Encoding="DECIMAL"/></AlgorithmParameters>'
                 "<Data><Secret>%s</Secret><Time><PlainValue>0</PlainValue></Time>"
                 "<TimeInterval><PlainValue>%d</PlainValue></TimeInterval></Data>%s</Key></KeyPackage>\n"
                 % (k["serial"], k["serial"], suite, k.get("digits", 6), secret, k.get("period", 30),
                    policy))
    return head + body + "</KeyContainer>\n"


if __name__ == "__main__":
    unittest.main(verbosity=2)
