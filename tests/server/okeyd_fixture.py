# SPDX-License-Identifier: Apache-2.0
"""tests/server/okeyd_fixture.py — what the okeyd tests (and bench/server)
share: a PostgreSQL database in the run's throwaway cluster (tests/support/okey_pg.py)
made into an okey store by the real okeyctl (service role okey_service),
certificates made with the openssl CLI, okeyd nodes started on 127.0.0.1
with an ephemeral port (read from their log) and stopped by PID, an HTTPS
client for /validate/check, and TOTP codes of the test keys (RFC 6238,
computed here, independently of libotp)."""
import base64
import hashlib
import hmac
import http.client
import json
import os
import signal
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE, "tests", "remote"))
sys.path.insert(0, os.path.join(SOURCE, "tests", "support"))
import okey_pg  # noqa: E402
from remote_fixture import make_ca, make_cert, plain_env  # noqa: E402

OKEYD = os.environ.get("OKEYD", "okeyd")
OKEYCTL = os.environ.get("OKEYCTL", "okeyctl")
PG_CLUSTER = os.path.join(SOURCE, "tests", "support", "pg-cluster")
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # every test key's secret (base32)
PIN = "2580"


def totp(at, secret=SECRET, period=30):
    """The 6-digit code of a key at Unix time `at` (RFC 6238, SHA-1)."""
    key = base64.b32decode(secret)
    mac = hmac.new(key, struct.pack(">Q", int(at) // period), hashlib.sha1).digest()
    offset = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


class Cluster:
    """The throwaway cluster OKEY_TEST_PG_DIR names (a ctest fixture starts
    and stops it: tests/support/CMakeLists.txt)."""

    def __init__(self):
        self.dir = os.environ["OKEY_TEST_PG_DIR"]
        env = okey_pg.cluster()
        self.port, self.passfile = env["OKEY_PG_PORT"], env["OKEY_PG_PASSFILE"]

    def psql(self, database, sql):
        return okey_pg.superuser(sql, database)

    def uri(self, database, role):
        return "postgresql://%s@127.0.0.1:%s/%s?passfile=%s&connect_timeout=5" % (
            role, self.port, database, self.passfile)

    def control(self, verb):
        """restart, down or up (tests/support/pg-cluster)."""
        subprocess.run([PG_CLUSTER, verb, self.dir], check=True, stdout=subprocess.DEVNULL,
                       env=plain_env())


class Site:
    """One okey store in a fresh database, certificates, and okeyd nodes."""

    def __init__(self, cluster, argon2="memory_kib = 8; iterations = 1;"):
        self.cluster = cluster
        self.tmp = tempfile.TemporaryDirectory(prefix="okeyd-test-")
        self.dir = self.tmp.name
        os.chmod(self.dir, 0o755)
        self.database = "okeyd_%d_%d" % (os.getpid(), int(time.time() * 1000) % 100000000)
        cluster.psql("postgres", "CREATE DATABASE %s OWNER okey_owner" % self.database)
        self.key_file = os.path.join(self.dir, "keys", "seed.key")
        self.argon2 = argon2
        self.okeyctl("init", "--service-role", "okey_service")
        self.ca = make_ca(self.dir, "ca")
        self.node_cert = make_cert(self.dir, "node", self.ca, "IP:127.0.0.1,DNS:localhost")
        self.client_ca = make_ca(self.dir, "client-ca")
        self.client = make_cert(self.dir, "server-a", self.client_ca, "DNS:server-a")
        self.stranger = make_cert(self.dir, "stranger", self.ca, "DNS:stranger")
        for key in (self.node_cert[0], self.client[0], self.stranger[0]):
            os.chmod(key, 0o600)
        self.nodes = []

    def okeyctl(self, *args, check=True, stdin=None):
        done = subprocess.run([OKEYCTL, "--store", self.cluster.uri(self.database, "okey_owner"),
                               "--key-file", self.key_file] + list(args),
                              input=stdin, capture_output=True, text=True, env=plain_env())
        if check and done.returncode != 0:
            raise AssertionError("okeyctl %s: %s" % (" ".join(args), done.stderr))
        return done

    def add_key(self, serial, login):
        secret = os.path.join(self.dir, "secret.b32")
        with open(secret, "w") as out:
            out.write(SECRET + "\n")
        self.okeyctl("token", "add", serial, "--secret-file", secret)
        self.okeyctl("token", "assign", serial, login)

    def user(self, login):
        return json.loads(self.okeyctl("--json", "user", "show", login).stdout)

    def config(self, name, client_ca=False, extra=""):
        path = os.path.join(self.dir, name + ".conf")
        with open(path, "w") as out:
            out.write('store = "%s";\nkey_file = "%s";\n' % (
                self.cluster.uri(self.database, "okey_service"), self.key_file))
            out.write("totp: { window = 3; resync_window = 10; };\n")
            out.write("pin: { argon2: { %s }; };\n" % self.argon2)
            if "threads" not in extra:
                extra += " threads = 2;"
            out.write('server: { listen = [ "127.0.0.1:0" ]; tls_certificate = "%s";\n'
                      '          tls_key = "%s"; client_timeout_seconds = 3;\n'
                      '          client_ca_file = "%s"; %s };\n' % (
                          self.node_cert[1], self.node_cert[0],
                          self.client_ca[1] if client_ca else "", extra))
        os.chmod(path, 0o644)
        return path

    def start(self, name, client_ca=False, extra="", config=None):
        node = Node(name, config or self.config(name, client_ca, extra), self)
        self.nodes.append(node)
        return node

    def stop(self):
        for node in self.nodes:
            node.stop()
        try:
            self.cluster.psql("postgres", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.database)
        finally:
            self.tmp.cleanup()


class Node:
    """An okeyd process; its log lines are kept in `lines`."""

    def __init__(self, name, config, site):
        self.name, self.site = name, site
        self.process = subprocess.Popen([OKEYD, "--config", config, "--log-stderr"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True, env=plain_env())
        self.lines = []
        self.port = None
        ready = threading.Event()

        def drain():
            for line in self.process.stderr:
                self.lines.append(line.rstrip("\n"))
                if "listening on 127.0.0.1:" in line and self.port is None:
                    self.port = int(line.rsplit(":", 1)[1].split()[0])
                    ready.set()
            ready.set()
        self.reader = threading.Thread(target=drain, daemon=True)
        self.reader.start()
        if not ready.wait(30) or self.port is None:
            self.stop()
            raise AssertionError("okeyd %s did not start: %s" % (name, "\n".join(self.lines)))
        self.url = "https://127.0.0.1:%d" % self.port

    def logged(self, *words, timeout=10):
        """Whether a log line holding every word appears within `timeout` s
        (okeyd writes it before it answers; our reader may lag)."""
        deadline = time.monotonic() + timeout
        while True:
            if any(all(w in line for w in words) for line in list(self.lines)):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def context(self, client=None):
        context = ssl.create_default_context(cafile=self.site.ca[1])
        if client:
            context.load_cert_chain(client[1], client[0])
        return context

    def connection(self, client=None, timeout=30):
        return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                           context=self.context(client))

    def post(self, fields, language=None, client=None, connection=None):
        """POST /validate/check; (HTTP status, JSON reply)."""
        own = connection is None
        connection = connection or self.connection(client)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if language:
            headers["Accept-Language"] = language
        connection.request("POST", "/validate/check", urllib.parse.urlencode(fields), headers)
        response = connection.getresponse()
        body = response.read()
        if own:
            connection.close()
        return response.status, json.loads(body)

    def health(self):
        connection = self.connection(timeout=10)
        connection.request("GET", "/healthz")
        status = connection.getresponse().status
        connection.close()
        return status

    def signal(self, number):
        if self.process.poll() is None:
            self.process.send_signal(number)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.reader.join(5)


def verdict(reply):
    """ACCEPT, REJECT or CHALLENGE, checked against result.value."""
    result = reply["result"]
    assert result["status"] is True, reply
    word = result["authentication"]
    assert (word == "ACCEPT") == (result["value"] is True), reply
    return word


def enrol(node, login, pin=PIN, language=None):
    """New-PIN mode over HTTP: the key's code at the step before now, the
    PIN twice, then PIN + the code of now (a later step). The login's last
    accepted step is then now's."""
    now = time.time()
    status, reply = node.post({"user": login, "pass": totp(now - 30)}, language)
    assert status == 200 and verdict(reply) == "CHALLENGE", reply
    for answer in (pin, pin):
        status, reply = node.post({"user": login, "pass": answer,
                                   "transaction_id": reply["detail"]["transaction_id"]}, language)
        assert status == 200 and verdict(reply) == "CHALLENGE", reply
    status, reply = node.post({"user": login, "pass": pin + totp(now),
                               "transaction_id": reply["detail"]["transaction_id"]}, language)
    assert status == 200 and verdict(reply) == "ACCEPT", reply
    return reply
