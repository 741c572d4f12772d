#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tests/server/test_okeyd.py — okeyd over real TLS on 127.0.0.1 against a
real PostgreSQL store (DESIGN.md §9), as its clients see it, in parts:

  Api       privacyIDEA's /validate/check: new-PIN mode in fr and en, normal
            login, replay across nodes, a dialogue begun on node 1 answered on
            node 2, transaction ids used once and bound to their login, the
            log line (client=) and audit row; 20 racing logins with one valid
            passcode over two nodes: exactly one success; 20 racing wrong
            guesses: locked on both nodes
  Hostile   oversized, chunked, slow, garbage, wrong content type, unknown
            paths and methods, repeated fields, TLS 1.1, too many connections,
            TLS without the required client certificate: refused, and the node
            keeps serving
  Startup   unsafe config, key file, TLS key and passfile refused with the
            reason; the key file root:<okeyd's group> 0440 accepted for a
            process of that group; SIGTERM ends it cleanly
  Restart   PostgreSQL restarted or down under two nodes (a cluster of its own)

Run by ctest (OKEYD, OKEYCTL, OKEY_TEST_PG_DIR set): test_okeyd.py PART."""
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from okeyd_fixture import (OKEYD, PIN, Cluster, Site, enrol, plain_env,  # noqa: E402
                           totp, verdict)

cluster = None


def setUpModule():
    global cluster
    cluster = Cluster()


def all_at_once(calls):
    """Run each call in its own thread, released together; their results."""
    results = [None] * len(calls)
    gate = threading.Barrier(len(calls))

    def run(i):
        gate.wait()
        try:
            results[i] = calls[i]()
        except Exception as error:  # noqa: BLE001  (kept, asserted by the caller)
            results[i] = error
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


class TwoNodes(unittest.TestCase):
    """A store in a fresh database and two okeyd nodes on it."""

    @classmethod
    def setUpClass(cls):
        cls.site = Site(cluster)
        cls.one = cls.site.start("node1")
        cls.two = cls.site.start("node2")

    @classmethod
    def tearDownClass(cls):
        cls.site.stop()


class Api(TwoNodes):
    def login(self, name):
        serial = "SN-" + name
        self.site.add_key(serial, name)
        return name

    def test_new_pin_mode_in_french_then_english(self):
        login = self.login("newpin")
        now = time.time()
        status, reply = self.one.post({"user": login, "pass": totp(now - 30)}, "fr-FR,fr;q=0.9")
        self.assertEqual((status, verdict(reply)), (200, "CHALLENGE"))
        self.assertIn("Saisissez votre nouveau code PIN (4 à 6 chiffres)", reply["detail"]["message"])
        detail = reply["detail"]
        self.assertEqual(detail["multi_challenge"][0]["transaction_id"], detail["transaction_id"])
        self.assertEqual(len(detail["transaction_id"]), 32)
        status, reply = self.one.post({"user": login, "pass": PIN,
                                       "transaction_id": detail["transaction_id"]}, "en")
        self.assertEqual(reply["detail"]["message"], "Confirm your new PIN: ")
        # The other PIN: okeyd says so and asks again, in the person's language.
        status, reply = self.one.post({"user": login, "pass": "1357",
                                       "transaction_id": reply["detail"]["transaction_id"]}, "fr")
        self.assertEqual(verdict(reply), "CHALLENGE")
        self.assertIn("Les deux codes PIN saisis sont différents", reply["detail"]["message"])
        tid = reply["detail"]["transaction_id"]
        for answer in (PIN, PIN):
            status, reply = self.one.post({"user": login, "pass": answer, "transaction_id": tid})
            tid = reply["detail"]["transaction_id"]
        self.assertIn("saisissez votre passcode (PIN + code)", reply["detail"]["message"])
        # The code already used (the first step) cannot end the dialogue.
        status, reply = self.one.post({"user": login, "pass": PIN + totp(now - 30),
                                       "transaction_id": tid})
        self.assertEqual(verdict(reply), "REJECT")
        self.assertEqual(self.site.user(login)["pin_state"], "new_pin_required")

    def test_enrol_then_login_and_replay_across_nodes(self):
        login = self.login("jdupont")
        reply = enrol(self.one, login)
        self.assertEqual(reply["detail"]["message"], "PIN successfully set.")
        self.assertEqual(reply["detail"]["serial"], "SN-jdupont")
        passcode = PIN + totp(time.time() + 30)
        status, reply = self.one.post({"user": login, "pass": passcode})
        self.assertEqual((status, verdict(reply)), (200, "ACCEPT"))
        status, reply = self.two.post({"user": login, "pass": passcode})
        self.assertEqual((status, verdict(reply)), (200, "REJECT"))
        self.assertEqual(reply["detail"]["message"], "wrong otp pin or otp value")
        self.assertNotIn("serial", reply["detail"])
        # One line per decision, naming the client; the audit names it too.
        self.assertTrue(self.one.logged("login=jdupont", "outcome=success", "client=127.0.0.1"))
        self.assertTrue(self.two.logged("login=jdupont", "outcome=refused", "client=127.0.0.1"))
        audit = self.site.okeyctl("--json", "audit", "--login", login).stdout
        self.assertIn('"service": "okeyd"', audit.replace('":"', '": "'))
        self.assertIn("127.0.0.1", audit)
        self.assertNotIn(PIN, audit)

    def test_next_code_mode_across_nodes(self):
        # A drifted key (a code 5 steps ahead: in the resync window, not the
        # window): okeyd asks for the next code, says why, in English here;
        # node 2 takes the answer and records the drift.
        login = self.login("drifted")
        enrol(self.one, login)
        ahead = time.time() + 5 * 30
        _, reply = self.one.post({"user": login, "pass": PIN + totp(ahead)}, "en-GB,en;q=0.8")
        self.assertEqual(verdict(reply), "CHALLENGE")
        self.assertIn("Your key has drifted", reply["detail"]["message"])
        self.assertIn("then enter the next code", reply["detail"]["message"])
        _, reply = self.two.post({"user": login, "pass": totp(ahead + 30),
                                  "transaction_id": reply["detail"]["transaction_id"]})
        self.assertEqual(verdict(reply), "ACCEPT")
        token = json.loads(self.site.okeyctl("--json", "token", "show", "SN-" + login).stdout)
        self.assertGreaterEqual(token["drift"], 5)

    def test_dialogue_begun_on_node1_answered_on_node2(self):
        login = self.login("across")
        now = time.time()
        _, reply = self.one.post({"user": login, "pass": totp(now - 30)})
        _, reply = self.two.post({"user": login, "pass": PIN,
                                  "transaction_id": reply["detail"]["transaction_id"]})
        self.assertEqual(verdict(reply), "CHALLENGE")
        _, reply = self.one.post({"user": login, "pass": PIN,
                                  "transaction_id": reply["detail"]["transaction_id"]})
        _, reply = self.two.post({"user": login, "pass": PIN + totp(now),
                                  "transaction_id": reply["detail"]["transaction_id"]})
        self.assertEqual(verdict(reply), "ACCEPT")
        self.assertEqual(self.site.user(login)["pin_state"], "set")

    def test_transaction_ids_are_used_once_and_bound_to_their_login(self):
        login, other = self.login("once"), self.login("other")
        now = time.time()
        _, first = self.one.post({"user": login, "pass": totp(now - 30)})
        tid = first["detail"]["transaction_id"]
        # Another login cannot answer it: refused, and the dialogue is gone.
        _, reply = self.two.post({"user": other, "pass": PIN, "transaction_id": tid})
        self.assertEqual(verdict(reply), "REJECT")
        _, reply = self.one.post({"user": login, "pass": PIN, "transaction_id": tid})
        self.assertEqual(verdict(reply), "REJECT")
        _, first = self.one.post({"user": login, "pass": totp(now + 30)})
        tid = first["detail"]["transaction_id"]
        _, reply = self.one.post({"user": login, "pass": PIN, "transaction_id": tid})
        self.assertEqual(verdict(reply), "CHALLENGE")
        _, reply = self.two.post({"user": login, "pass": PIN, "transaction_id": tid})
        self.assertEqual(verdict(reply), "REJECT")
        for forged in ("0" * 32, "not-an-id", "A" * 32, "x" * 300, "x" * 600):
            status, reply = self.one.post({"user": login, "pass": PIN, "transaction_id": forged})
            self.assertEqual(status, 400 if len(forged) > 512 else 200)
            if status == 200:
                self.assertEqual(verdict(reply), "REJECT")

    def test_unknown_login_is_refused_like_a_wrong_passcode(self):
        status, reply = self.one.post({"user": "nobody-here", "pass": PIN + "123456"})
        self.assertEqual((status, verdict(reply)), (200, "REJECT"))
        self.assertEqual(reply["detail"], {"message": "wrong otp pin or otp value"})

    def test_missing_fields_are_parameter_errors(self):
        for fields in ({"pass": "1"}, {"user": "x"}, {"user": "", "pass": "1"}):
            status, reply = self.one.post(fields)
            self.assertEqual(status, 400)
            self.assertIs(reply["result"]["status"], False)
            self.assertEqual(reply["result"]["error"]["code"], 905)

    def test_twenty_racing_logins_one_valid_passcode_exactly_one_success(self):
        login = self.login("race")
        enrol(self.one, login)
        passcode = PIN + totp(time.time() + 30)
        nodes = [self.one, self.two] * 10
        results = all_at_once([lambda n=n: n.post({"user": login, "pass": passcode}) for n in nodes])
        verdicts = [verdict(r[1]) for r in results]
        self.assertEqual(verdicts.count("ACCEPT"), 1, results)
        self.assertEqual(verdicts.count("REJECT"), 19)

    def test_twenty_racing_wrong_guesses_lock_the_login_on_both_nodes(self):
        login = self.login("guessed")
        enrol(self.one, login)
        nodes = [self.one, self.two] * 10
        results = all_at_once([lambda n=n, i=i: n.post({"user": login, "pass": "%04d%06d" % (i, i)})
                               for i, n in enumerate(nodes)])
        self.assertEqual([verdict(r[1]) for r in results], ["REJECT"] * 20)
        user = self.site.user(login)
        self.assertGreaterEqual(user["failures"], 5)
        # Locked on both: the right passcode is refused, and only then told why.
        for node, at in ((self.one, time.time() + 30), (self.two, time.time() + 60)):
            _, reply = node.post({"user": login, "pass": PIN + totp(at)})
            self.assertEqual(verdict(reply), "REJECT")
            self.assertIn("Trop d'échecs", reply["detail"]["message"])

    def test_health(self):
        self.assertEqual(self.one.health(), 200)


class Hostile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = Site(cluster)
        cls.node = cls.site.start("hostile")
        cls.strict = cls.site.start("strict", client_ca=True)
        cls.site.add_key("SN-h", "hostile")

    @classmethod
    def tearDownClass(cls):
        cls.site.stop()

    def tls(self, node=None, client=None):
        node = node or self.node
        raw = socket.create_connection(("127.0.0.1", node.port), timeout=10)
        return node.context(client).wrap_socket(raw, server_hostname="127.0.0.1")

    def exchange(self, data, node=None, client=None):
        """Send raw bytes over TLS, read until the node closes or 5 s pass."""
        with self.tls(node, client) as s:
            s.sendall(data)
            s.settimeout(5)
            reply = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    reply += chunk
                    if b"\r\n\r\n" in reply and b"Connection: close" not in reply \
                            and len(reply) > 200:
                        break
            except (socket.timeout, ssl.SSLError, ConnectionResetError):
                pass
            return reply

    def status_of(self, reply):
        return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.") else None

    def tearDown(self):
        # Whatever was sent, the node still serves.
        self.assertIsNone(self.node.process.poll())
        self.assertEqual(self.node.health(), 200)
        status, reply = self.node.post({"user": "hostile", "pass": "0000000000"})
        self.assertEqual((status, verdict(reply)), (200, "REJECT"))

    def request(self, method="POST", path="/validate/check", body=b"user=a&pass=b",
                content_type="application/x-www-form-urlencoded", extra=b""):
        head = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % (method, path)
        if content_type:
            head += "Content-Type: %s\r\n" % content_type
        head += "Content-Length: %d\r\n" % len(body)
        return head.encode() + extra + b"\r\n" + body

    def test_oversized_body_413(self):
        reply = self.exchange(self.request(body=b"user=a&pass=" + b"1" * 9000))
        self.assertEqual(self.status_of(reply), 413)

    def test_oversized_chunked_body_cut(self):
        chunk = b"user=a&pass=" + b"1" * 9000
        data = (b"POST /validate/check HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n\r\n" +
                b"%x\r\n" % len(chunk) + chunk + b"\r\n0\r\n\r\n")
        reply = self.exchange(data)
        self.assertNotIn(b"200 OK", reply)

    def test_wrong_content_type_415(self):
        for kind in ("application/json", "multipart/form-data; boundary=x", "text/plain", None):
            reply = self.exchange(self.request(content_type=kind))
            self.assertEqual(self.status_of(reply), 415, kind)

    def test_unknown_paths_and_methods(self):
        self.assertEqual(self.status_of(self.exchange(self.request(path="/admin"))), 404)
        self.assertEqual(self.status_of(self.exchange(self.request(path="/validate/check/../x"))), 404)
        self.assertEqual(self.status_of(self.exchange(self.request(method="GET", body=b""))), 405)
        self.assertEqual(self.status_of(self.exchange(self.request(method="DELETE"))), 405)
        self.assertEqual(self.status_of(self.exchange(self.request(method="POST", path="/healthz"))), 405)

    def test_malformed_and_repeated_fields_400(self):
        for body in (b"user=a&user=b&pass=1", b"user=a&pass=1&pass=2", b"user=" + b"u" * 600 + b"&pass=1"):
            reply = self.exchange(self.request(body=body))
            self.assertEqual(self.status_of(reply), 400, body[:40])
            self.assertIn(b'"status":false', reply)

    def test_garbage(self):
        for data in (b"\x00\x01\x02garbage\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"POST\r\n\r\n",
                     b"A" * 70000 + b"\r\n\r\n"):
            reply = self.exchange(data)
            self.assertFalse(reply.startswith(b"HTTP/1.1 200"), data[:20])

    def test_slow_client_is_cut_off(self):
        started = time.monotonic()
        with self.tls() as s:
            s.settimeout(1)
            closed = False
            for byte in self.request():
                try:
                    s.sendall(bytes([byte]))
                    if s.recv(1) == b"":
                        closed = True
                        break
                except socket.timeout:
                    continue
                except (ssl.SSLError, OSError):
                    closed = True
                    break
        self.assertTrue(closed, "a client sending one byte a second was never cut off")
        self.assertLess(time.monotonic() - started, 10)  # client_timeout_seconds = 3
        self.assertTrue(self.node.logged("connection cut", "client=127.0.0.1"))

    def test_client_certificate_required(self):
        form = {"user": "hostile", "pass": "0000000000"}
        # Without a certificate, or with one from another CA: 403, never an answer.
        status, reply = self.strict.post(form)
        self.assertEqual(status, 403)
        try:
            status, _ = self.strict.post(form, client=self.site.stranger)
            self.assertEqual(status, 403)
        except (ssl.SSLError, ConnectionResetError):
            pass
        status, reply = self.strict.post(form, client=self.site.client)
        self.assertEqual((status, verdict(reply)), (200, "REJECT"))
        self.assertTrue(self.strict.logged("login=hostile", "client=CN\\x3dserver-a"),
                        self.strict.lines[-5:])
        self.assertEqual(self.strict.health(), 200)

    def test_connection_cap(self):
        # One thread (the cap is shared among threads): 4 connections held,
        # the 5th is not served while they are open; once they are closed
        # (or cut, client_timeout_seconds = 3), it is.
        capped = self.site.start("capped", extra="max_connections = 4; threads = 1;")
        held = [self.tls(capped) for _ in range(4)]
        try:
            with socket.create_connection(("127.0.0.1", capped.port), timeout=1) as raw:
                with self.assertRaises(OSError):  # socket.timeout, ssl.SSLError are OSErrors
                    capped.context().wrap_socket(raw, server_hostname="127.0.0.1")
        finally:
            for connection in held:
                connection.close()
        self.assertEqual(capped.health(), 200)
        capped.stop()

    def test_tls_1_1_refused(self):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(self.site.ca[1])
        context.maximum_version = ssl.TLSVersion.TLSv1_1
        context.minimum_version = ssl.TLSVersion.TLSv1
        with self.assertRaises((ssl.SSLError, ConnectionResetError)):
            with socket.create_connection(("127.0.0.1", self.node.port), timeout=10) as raw:
                context.wrap_socket(raw, server_hostname="127.0.0.1").close()


class Startup(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.site = Site(cluster)

    @classmethod
    def tearDownClass(cls):
        cls.site.stop()

    def check(self, config, **kwargs):
        return subprocess.run([OKEYD, "--config", config, "--check"], capture_output=True, text=True,
                              env=plain_env(), timeout=60, **kwargs)

    def assertRefused(self, config, words):
        done = self.check(config)
        self.assertEqual(done.returncode, 1, done.stdout)
        for word in words:
            self.assertIn(word, done.stderr)

    def with_mode(self, path, mode, words, group=None):
        old = os.stat(path)
        try:
            os.chmod(path, mode)
            if group is not None:
                os.chown(path, -1, group)
            self.assertRefused(self.site.config("modes"), words)
        finally:
            os.chown(path, old.st_uid, old.st_gid)
            os.chmod(path, old.st_mode & 0o7777)

    def test_a_good_config_passes(self):
        done = self.check(self.site.config("good"))
        self.assertEqual(done.returncode, 0, done.stderr)

    def test_unsafe_files_are_refused_naming_them(self):
        self.with_mode(self.site.key_file, 0o404, [self.site.key_file, "readable by others"])
        self.with_mode(self.site.node_cert[0], 0o640, [self.site.node_cert[0], "readable by group",
                                                       "server.tls_key"], group=100)
        self.with_mode(self.site.node_cert[1], 0o664, [self.site.node_cert[1], "writable by group"])
        config = self.site.config("writable")
        os.chmod(config, 0o666)
        self.assertRefused(config, [config, "writable by others"])
        self.with_mode(self.site.cluster.passfile, 0o640, ["passfile", "mode 0600"])
        link = os.path.join(self.site.dir, "link.conf")
        os.symlink(self.site.config("target"), link)
        self.assertRefused(link, ["symbolic link"])

    def test_a_bad_setting_names_file_line_and_key(self):
        config = self.site.config("bad", extra="max_body_bytes = 12;")
        self.assertRefused(config, [config + ":", "server.max_body_bytes", "between 1024"])
        config = self.site.config("badlisten", extra="")
        with open(config, "a") as out:
            out.write('server: { listen = [ "localhost:8443" ]; };\n')
        self.assertRefused(config, [config])

    def test_key_file_readable_by_okeyds_own_group(self):
        # okeyd as an unprivileged user whose group may read the key file
        # (root:<group> 0440), the passfile its own (0600): it starts. Another
        # group, or the key file readable by others too: refused.
        group = 65534  # nogroup
        user = 65534   # nobody
        tmp = os.path.join(self.site.dir, "svc")
        os.mkdir(tmp, 0o755)
        passfile = os.path.join(tmp, "passfile")
        with open(self.site.cluster.passfile) as source, open(passfile, "w") as out:
            out.write(source.read())
        os.chown(passfile, user, group)
        os.chmod(passfile, 0o600)
        for path in (self.site.node_cert[0],):
            os.chown(path, 0, group)
            os.chmod(path, 0o440)
        old = os.stat(self.site.key_file)
        keys = os.path.dirname(self.site.key_file)
        os.chmod(keys, 0o755)
        try:
            os.chown(self.site.key_file, 0, group)
            os.chmod(self.site.key_file, 0o440)
            config = self.site.config("svc")
            with open(config) as source:
                text = source.read().replace(self.site.cluster.passfile, passfile)
            with open(config, "w") as out:
                out.write(text)
            as_service = ["setpriv", "--reuid=%d" % user, "--regid=%d" % group, "--clear-groups"]
            done = subprocess.run(as_service + [OKEYD, "--config", config, "--check"],
                                  capture_output=True, text=True, env=plain_env(), timeout=60)
            self.assertEqual(done.returncode, 0, done.stderr)
            os.chmod(self.site.key_file, 0o444)
            done = subprocess.run(as_service + [OKEYD, "--config", config, "--check"],
                                  capture_output=True, text=True, env=plain_env(), timeout=60)
            self.assertEqual(done.returncode, 1)
            self.assertIn("readable by others", done.stderr)
            os.chmod(self.site.key_file, 0o440)
            done = subprocess.run(["setpriv", "--reuid=%d" % user, "--regid=100", "--clear-groups",
                                   OKEYD, "--config", config, "--check"],
                                  capture_output=True, text=True, env=plain_env(), timeout=60)
            self.assertEqual(done.returncode, 1)
            self.assertIn("readable by group", done.stderr)
        finally:
            os.chown(self.site.key_file, old.st_uid, old.st_gid)
            os.chmod(self.site.key_file, 0o400)
            os.chmod(keys, 0o700)
            os.chown(self.site.node_cert[0], 0, 0)
            os.chmod(self.site.node_cert[0], 0o600)

    def test_sigterm_stops_it_cleanly(self):
        node = self.site.start("term")
        self.assertEqual(node.health(), 200)
        node.signal(signal.SIGTERM)
        self.assertEqual(node.process.wait(15), 0)
        node.reader.join(5)
        self.assertTrue(node.logged("stopped"))


class Restart(TwoNodes):
    def test_logins_resume_after_a_postgresql_restart_and_an_outage(self):
        self.site.add_key("SN-r", "restarted")
        enrol(self.one, "restarted")
        cluster.control("restart")
        passcode = PIN + totp(time.time() + 30)
        status, reply = self.two.post({"user": "restarted", "pass": passcode})
        self.assertEqual((status, verdict(reply)), (200, "ACCEPT"))
        status, reply = self.one.post({"user": "restarted", "pass": passcode})
        self.assertEqual((status, verdict(reply)), (200, "REJECT"))
        cluster.control("down")
        try:
            self.assertEqual(self.one.health(), 503)
            status, reply = self.one.post({"user": "restarted", "pass": PIN + totp(time.time() + 60)})
            # No decision without the store: 503, so that a client asks its next node.
            self.assertEqual(status, 503)
            self.assertIs(reply["result"]["status"], False)
        finally:
            cluster.control("up")
        self.assertEqual(self.one.health(), 200)
        status, reply = self.one.post({"user": "restarted", "pass": PIN + totp(time.time() + 60)})
        self.assertEqual((status, verdict(reply)), (200, "ACCEPT"))


if __name__ == "__main__":
    part = sys.argv[1] if len(sys.argv) > 1 else None
    if part:
        sys.argv = [sys.argv[0], part]
    unittest.main(verbosity=2)
