#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""tests/remote/server.py — a privacyIDEA-like validation service for the
remote suite and benchmark (DESIGN.md §5, TESTING.md suite 5). Standard
library only. Listens with TLS on 127.0.0.1 (ephemeral port printed on stdout
when ready), answers POST /validate/check and /validate/offlinerefill with
privacyIDEA's JSON, and records every request (one JSON line per request) in
--record so tests can assert what was sent, and where.

Behaviour is chosen by login name (see validate_check: user*, offline*,
chal, newpin, pinchange, endless, ctrl, stall, err500, malformed, oversized, …),
per login by POST /control/user (user=…&rule=disabled|down-after-reject|normal|as:LOGIN,
the last making a login behave as LOGIN: okey-check's caller must use its own),
or for the whole server by --mode (always500, stall, malformed) or POST
/control/mode (mode=...). With --client-ca the server asks for a client
certificate signed by that CA (TLS handshake refused without one).
Offline values are real passlib "$pbkdf2-sha512$rounds$salt$hash" strings.

Replies follow privacyIDEA 3.11 (privacyidea/lib/token.py check_token_list,
lib/challengeresponsedecorators.py): a disabled token whose PIN and code match
is rejected with "matching 1 tokens, Token is disabled"; the PIN-change
dialogue (change_pin_via_validate) asks "Please enter a new PIN", then "Please
enter the new PIN again" — translated from Accept-Language like every
gettext text (French from privacyIDEA's fr messages.po) — and ends with
"PIN successfully set." (accept) or "PINs do not match" (reject), which
privacyIDEA sends untranslated. Texts an administrator set by policy
(challenge_text, as for "chal") are sent as set, in no particular language.
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import secrets
import ssl
import sys
import threading
import time
import urllib.parse

PIN = "1234"
ROUNDS = 1000         # cheap for tests; privacyIDEA's default is higher
OFFLINE_COUNT = 12    # values sent per batch (more than the window of 10)
STALL_SECONDS = 8

# privacyIDEA's gettext texts used here, by the language Accept-Language picks.
TEXTS = {
    "new_pin": {"en": "Please enter a new PIN", "fr": "Veuillez entrer un nouveau code PIN"},
    "new_pin_again": {"en": "Please enter the new PIN again",
                      "fr": "Veuillez entrer à nouveau le nouveau code PIN"},
}


def code(counter):
    """The 6-digit code of the test key at an HOTP counter."""
    return "%06d" % ((100000 + counter * 7919) % 1000000)


def ab64(data):
    return base64.b64encode(data).decode().replace("+", ".").rstrip("=")


def pbkdf2_sha512(secret, rounds=ROUNDS):
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha512", secret.encode(), salt, rounds)
    return "$pbkdf2-sha512$%d$%s$%s" % (rounds, ab64(salt), ab64(digest))


class State:
    def __init__(self, name, record, mode):
        self.name = name
        self.record = record
        self.mode = mode
        self.lock = threading.Lock()
        self.transactions = {}   # transaction_id -> (login, step)
        self.counter = {}        # login -> next HOTP counter
        self.offline = {}        # login -> {"serial", "refilltoken", "last"}
        self.rules = {}          # login -> "disabled" | "down-after-reject" | "down" | "as:LOGIN"

    def log(self, path, params, language="", client=""):
        with self.lock, open(self.record, "a") as out:
            out.write(json.dumps({"server": self.name, "path": path, "params": params,
                                  "accept_language": language, "client": client}) + "\n")


def language_of(header):
    """The language privacyIDEA's babel would pick from Accept-Language."""
    for part in header.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("fr"):
            return "fr"
        if tag.startswith("en"):
            return "en"
    return "en"


def reply(value, status=True, detail=None, **extra):
    body = {"id": 1, "jsonrpc": "2.0", "version": "privacyIDEA 3.11", "time": time.time(),
            "result": {"status": status, "value": value}, "detail": detail or {}}
    if status:
        if value:
            body["result"]["authentication"] = "ACCEPT"
        elif (detail or {}).get("transaction_id"):
            body["result"]["authentication"] = "CHALLENGE"
        else:
            body["result"]["authentication"] = "REJECT"
    body.update(extra)
    return body


def accept(serial="OKEY0001"):
    return reply(True, detail={"message": "matching 1 tokens", "serial": serial, "type": "hotp",
                               "otplen": 6, "threadid": 1})


def reject(message="wrong otp pin"):
    return reply(False, detail={"message": message, "threadid": 1})


def disabled(serial="OKEY0001"):
    """PIN and code right, token disabled: check_all adds its reason."""
    return reply(False, detail={"message": "matching 1 tokens, Token is disabled",
                                "serial": serial, "type": "hotp", "otplen": 6, "threadid": 1})


def challenge(state, login, step, message):
    tid = "%020d" % secrets.randbelow(10 ** 20)
    with state.lock:
        state.transactions[tid] = (login, step)
    entry = {"transaction_id": tid, "message": message, "serial": "OKEY0001", "type": "hotp",
             "client_mode": "interactive", "attributes": None}
    return reply(False, detail={"transaction_id": tid, "message": message,
                                "messages": [message], "multi_challenge": [entry],
                                "serial": "OKEY0001", "type": "hotp", "threadid": 1})


def error(message, code=904):
    return reply(False, status=False, detail=None) | {
        "result": {"status": False, "error": {"code": code, "message": message}}}


def offline_items(state, login, first):
    """Values for the counters after `first`, with a fresh refill token."""
    with state.lock:
        entry = state.offline.setdefault(login, {"serial": "OKEY0001"})
        entry["refilltoken"] = secrets.token_hex(24)
        start = max(first, entry.get("last", 0) + 1)
        entry["last"] = start + OFFLINE_COUNT - 1
        response = {str(c): pbkdf2_sha512(PIN + code(c)) for c in range(start, start + OFFLINE_COUNT)}
        return {"offline": [{"serial": entry["serial"], "username": login,
                             "refilltoken": entry["refilltoken"], "response": response}]}


def check_hotp(state, login, passcode):
    """PIN + the code at a counter not used yet (look-ahead 20); advances it."""
    with state.lock:
        start = state.counter.get(login, 1)
        for c in range(start, start + 20):
            if passcode == PIN + code(c):
                state.counter[login] = c + 1
                return c
    return None


def validate_check(state, params, language):
    login, passcode = params.get("user", ""), params.get("pass", "")
    tid = params.get("transaction_id")
    with state.lock:
        rule = state.rules.get(login, "normal")
    if rule.startswith("as:"):
        login, rule = rule[3:], "normal"
    if rule == "down":
        return 503, None
    if tid:
        with state.lock:
            pending = state.transactions.pop(tid, None)
        if pending is None or pending[0] != login:
            return 200, reject("no such transaction")
        _, step = pending
        if login == "pinchange":
            if step == "pin":
                return 200, challenge(state, login, ("again", passcode),
                                      TEXTS["new_pin_again"][language])
            if passcode == step[1]:
                return 200, reply(True, detail={"message": "PIN successfully set.",
                                                "serial": "OKEY0001", "threadid": 1})
            return 200, reply(False, detail={"message": "PINs do not match",
                                             "serial": "OKEY0001", "threadid": 1})
        if login == "chal":
            return 200, accept() if passcode == code(2) else reject()
        if login == "newpin":
            if step == "pin":
                return 200, challenge(state, login, "confirm", "Confirmez votre nouveau code PIN")
            if step == "confirm":
                return 200, challenge(state, login, "next",
                                      "Attendez que le code de votre clé change, puis saisissez le code suivant")
            return 200, accept() if passcode == code(3) else reject()
        if login == "endless":
            return 200, challenge(state, login, step, "Encore un code")
        if login == "ctrl":
            return 200, accept()
        return 200, reject()

    if login.startswith("user") or login.startswith("offline"):
        used = check_hotp(state, login, passcode)
        if used is None:
            if rule == "down-after-reject":
                with state.lock:
                    state.rules[login] = "down"
            return 200, reject()
        if rule == "disabled":
            return 200, disabled()
    if login.startswith("user"):
        return 200, accept()
    if login.startswith("offline"):
        body = accept()
        with state.lock:
            given = login in state.offline
        if not given:  # first success: the batch; later ones: the client refills
            body["auth_items"] = offline_items(state, login, used + 1)
        return 200, body
    if login == "chal":
        return 200, challenge(state, login, "code", "Saisissez le code affiché sur votre clé") \
            if passcode == PIN else reject()
    if login == "newpin":
        return 200, challenge(state, login, "pin",
                              "Saisissez votre nouveau code PIN (4 à 6 chiffres)") \
            if passcode == code(1) else reject()
    if login == "pinchange":  # PIN + code right, and the token's next_pin_change is due
        if check_hotp(state, login, passcode) is None:
            return 200, reject()
        return 200, challenge(state, login, "pin", TEXTS["new_pin"][language])
    if login == "endless":
        return 200, challenge(state, login, "again", "Encore un code")
    if login == "ctrl":
        return 200, challenge(state, login, "x",
                              "\x1b[31mAttention\x07\r\n" + "é" * 300 + "\u0085fin")
    if login == "stall":
        time.sleep(STALL_SECONDS)
        return 200, accept()
    if login == "err500":
        return 500, None
    if login == "malformed":
        return 200, '{"result": {"status": true, "value": tru'
    if login == "oversized":
        return 200, reply(True, detail={"message": "x" * (100 * 1024)})
    if login == "statusfalse":
        return 400, error("ERR904: The user can not be found in any resolver in this realm!\x1b[2J")
    if login == "accept403":
        return 403, accept()
    if login == "badtypes":
        return 200, {"result": {"status": True, "value": "true"}}
    if login == "noresult":
        return 200, {"detail": {"message": "ok"}}
    if login == "disagree":
        body = accept()
        body["result"]["authentication"] = "REJECT"
        return 200, body
    return 200, error("ERR904: The user can not be found in any resolver in this realm!")


def offline_refill(state, params):
    login = None
    with state.lock:
        for name, entry in state.offline.items():
            if entry["serial"] == params.get("serial") and \
                    secrets.compare_digest(entry["refilltoken"], params.get("refilltoken", "")):
                login = name
    if login is None or not params.get("pass", "").startswith(PIN):
        return 400, error("ERR905: Token is not an offline token or refill token is incorrect", 905)
    body = reply(True)
    items = offline_items(state, login, 0)
    del items["offline"][0]["username"]  # privacyIDEA's refill names only the token
    body["auth_items"] = items
    return 200, body


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def client_name(self):
        """The CN of the client certificate, "" without one."""
        certificate = self.connection.getpeercert() if hasattr(self.connection, "getpeercert") else None
        for entry in (certificate or {}).get("subject", ()):
            for key, value in entry:
                if key == "commonName":
                    return value
        return ""

    def send(self, status, body):
        if body is None:
            data = b"Internal Server Error"
            kind = "text/plain"
        else:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            kind = "application/json"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        state = self.server.state
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length).decode()
        params = {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}
        header = self.headers.get("Accept-Language", "")
        state.log(self.path, params, header, self.client_name())
        if self.path == "/control/mode":
            state.mode = params.get("mode", "normal")
            return self.send(200, {"result": {"status": True, "value": True}})
        if self.path == "/control/user":
            with state.lock:
                state.rules[params.get("user", "")] = params.get("rule", "normal")
            return self.send(200, {"result": {"status": True, "value": True}})
        if state.mode == "always500":
            return self.send(503, None)
        if state.mode == "stall":
            time.sleep(STALL_SECONDS)
        if state.mode == "malformed":
            return self.send(200, "<html>not json</html>")
        if self.path == "/validate/check":
            return self.send(*validate_check(state, params, language_of(header)))
        if self.path == "/validate/offlinerefill":
            return self.send(*offline_refill(state, params))
        return self.send(404, error("not found", 404))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request, client_address):
        pass  # refused TLS handshakes are expected (wrong-certificate tests)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--name", default="server")
    parser.add_argument("--mode", default="normal")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--client-ca", default="")
    args = parser.parse_args()

    server = Server(("127.0.0.1", args.port), Handler)
    server.state = State(args.name, args.record, args.mode)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    if args.client_ca:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(args.client_ca)
    server.socket = context.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
