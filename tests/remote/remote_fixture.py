# SPDX-License-Identifier: Apache-2.0
"""tests/remote/remote_fixture.py — what the remote tests and benchmark share:
test certificates made with the openssl CLI, test servers (server.py) started
on 127.0.0.1 with ephemeral ports and stopped by PID, a port nothing listens
on, and a runner for remote_driver."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"
sys.path.insert(0, HERE)
import server as test_server  # noqa: E402  (code(), PIN for the tests)


# What the helpers start must not inherit pam_wrapper (the PAM-stack test
# runs under it): each such process would take, and leave, a /tmp/pam.X folder.
PAM_WRAPPER_VARIABLES = ("LD_PRELOAD", "PAM_WRAPPER", "PAM_WRAPPER_SERVICE_DIR")


def plain_env(base=None):
    return {k: v for k, v in (base if base is not None else os.environ).items()
            if k not in PAM_WRAPPER_VARIABLES}


def run(*args, **kwargs):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=plain_env(), **kwargs)


def make_ca(directory, name):
    key, cert = os.path.join(directory, name + ".key"), os.path.join(directory, name + ".pem")
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=okey test " + name)
    return key, cert


def make_cert(directory, name, ca, alt_names):
    key, csr = os.path.join(directory, name + ".key"), os.path.join(directory, name + ".csr")
    cert, ext = os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".ext")
    with open(ext, "w") as out:
        out.write("subjectAltName=%s\nbasicConstraints=CA:FALSE\n" % alt_names)
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", key, "-out", csr, "-subj", "/CN=" + name)
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca[1], "-CAkey", ca[0], "-CAcreateserial",
        "-out", cert, "-days", "2", "-extfile", ext)
    return key, cert


def public_key_pin(key):
    der = subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True, env=plain_env()).stdout
    import base64
    import hashlib
    return "sha256//" + base64.b64encode(hashlib.sha256(der).digest()).decode()


def dead_port():
    """A port on 127.0.0.1 that nothing listens on (connections refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Servers:
    """Certificates and test servers in one temporary directory."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="okey-remote-")
        self.dir = self.tmp.name
        self.record = os.path.join(self.dir, "requests.jsonl")
        self.ca = make_ca(self.dir, "ca")
        self.other_ca = make_ca(self.dir, "other-ca")
        self.good = make_cert(self.dir, "server", self.ca, "IP:127.0.0.1,DNS:localhost")
        self.untrusted = make_cert(self.dir, "untrusted", self.other_ca, "IP:127.0.0.1,DNS:localhost")
        self.wrong_host = make_cert(self.dir, "wronghost", self.ca, "DNS:wrong.example")
        # A client certificate (okey presenting itself to a server that asks).
        self.client = make_cert(self.dir, "okey-client", self.ca, "DNS:okey-client")
        os.chmod(self.client[0], 0o600)
        self.processes = []

    def start(self, name, cert=None, mode="normal", client_ca=None):
        key, pem = cert or self.good
        command = [PYTHON, os.path.join(HERE, "server.py"), "--cert", pem, "--key", key,
                   "--record", self.record, "--name", name, "--mode", mode]
        if client_ca:
            command += ["--client-ca", client_ca]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=plain_env())
        self.processes.append(process)
        port = int(process.stdout.readline())
        return "https://127.0.0.1:%d" % port

    def control(self, url, user, rule):
        """Set a per-login rule of a test server (disabled, down-after-reject, normal,
        as:LOGIN)."""
        import ssl
        import urllib.request
        context = ssl.create_default_context(cafile=self.ca[1])
        data = urllib.parse.urlencode({"user": user, "rule": rule}).encode()
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                             urllib.request.HTTPSHandler(context=context))
        opener.open(url + "/control/user", data=data, timeout=10).read()

    def requests(self, **match):
        """Recorded requests whose fields (server, path, or a param) match."""
        if not os.path.exists(self.record):
            return []
        found = []
        with open(self.record) as lines:
            for line in lines:
                entry = json.loads(line)
                flat = dict(entry["params"], server=entry["server"], path=entry["path"])
                if all(flat.get(k) == v for k, v in match.items()):
                    found.append(entry)
        return found

    def stop(self):
        for process in self.processes:
            process.terminate()
            process.wait()
        self.tmp.cleanup()


def drive(driver, login, urls, answers=(), ca=None, extra=(), env=None):
    """Run remote_driver once; the answers are its stdin lines."""
    args = [driver, "--login", login]
    for url in urls:
        args += ["--url", url]
    if ca:
        args += ["--ca", ca]
    args += list(extra)
    done = subprocess.run(args, input="".join(a + "\n" for a in answers), capture_output=True,
                          text=True, env=plain_env(env if env is not None else os.environ),
                          timeout=60)
    if done.returncode != 0:
        raise AssertionError("remote_driver failed: %s" % done.stderr)
    return json.loads(done.stdout)
