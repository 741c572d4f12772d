#!/usr/bin/python3
"""tests/remote/test_remote.py — the remote backend (DESIGN.md §5) driven
through okey::run_remote_login (remote_driver) against TLS test servers:
verdicts, challenges, failover, timeouts, proxies, certificates, failmode and
offline values. Outcomes are asserted, never times."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from remote_fixture import Servers, dead_port, drive, public_key_pin  # noqa: E402
from server import PIN, code  # noqa: E402

DRIVER = os.environ.get("OKEY_REMOTE_DRIVER", "remote_driver")
FAST = ["--connect-timeout", "1000", "--timeout", "1500"]
servers = None
MAIN = SECOND = FAILING = STALLED = UNTRUSTED = WRONG_HOST = None


def setUpModule():
    global servers, MAIN, SECOND, FAILING, STALLED, UNTRUSTED, WRONG_HOST
    servers = Servers()
    MAIN = servers.start("main")
    SECOND = servers.start("second")
    FAILING = servers.start("failing", mode="always500")
    STALLED = servers.start("stalled", mode="stall")
    UNTRUSTED = servers.start("untrusted", cert=servers.untrusted)
    WRONG_HOST = servers.start("wronghost", cert=servers.wrong_host)


def tearDownModule():
    servers.stop()


def login(name, urls, answers=(), extra=(), env=None, ca=True):
    return drive(DRIVER, name, urls, answers, ca=servers.ca[1] if ca else None,
                 extra=FAST + list(extra), env=env)


class Verdicts(unittest.TestCase):
    def test_accept(self):
        result = login("user-accept", [MAIN], [PIN + code(1)])
        self.assertEqual(result["outcome"], "success", result)
        self.assertEqual(result["prompts"], ["Passcode OTP : "])
        sent = servers.requests(server="main", user="user-accept")
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["path"], "/validate/check")
        self.assertEqual(sent[0]["params"]["pass"], PIN + code(1))
        self.assertNotIn("transaction_id", sent[0]["params"])

    def test_same_code_twice_is_rejected_by_the_server(self):
        self.assertEqual(login("user-twice", [MAIN], [PIN + code(1)])["outcome"], "success")
        self.assertEqual(login("user-twice", [MAIN], [PIN + code(1)])["outcome"], "refused")

    def test_reject_is_final_no_failover(self):
        result = login("user-reject", [MAIN, SECOND], ["0000000000"])
        self.assertEqual(result["outcome"], "refused", result)
        self.assertEqual(len(servers.requests(user="user-reject", server="main")), 1)
        self.assertEqual(servers.requests(user="user-reject", server="second"), [])

    def test_realm_is_sent(self):
        login("user-realm", [MAIN], [PIN + code(1)], extra=["--realm", "ac-test"])
        self.assertEqual(servers.requests(user="user-realm")[0]["params"]["realm"], "ac-test")

    def test_status_false_is_a_refusal_with_the_error_logged(self):
        result = login("statusfalse", [MAIN, SECOND], ["123"])
        self.assertEqual(result["outcome"], "refused")
        self.assertTrue(any("ERR904" in line for line in result["logs"]), result)
        self.assertFalse(any("\x1b" in line for line in result["logs"]), result)
        self.assertEqual(servers.requests(user="statusfalse", server="second"), [])

    def test_malformed_replies_are_refusals(self):
        for name in ("malformed", "oversized", "badtypes", "noresult", "disagree"):
            with self.subTest(name=name):
                result = login(name, [MAIN, SECOND], ["123"])
                self.assertEqual(result["outcome"], "refused", result)
                self.assertEqual(servers.requests(user=name, server="second"), [])

    def test_passcode_not_in_logs(self):
        secret = PIN + code(1)
        result = login("user-logs", [dead_url(), MAIN], [secret])
        self.assertEqual(result["outcome"], "success")
        self.assertFalse(any(secret in line for line in result["logs"] + [result["reason"]]))

    def test_first_pass_is_not_asked_again(self):
        result = login("user-first", [MAIN], [PIN + code(1)], extra=["--first-pass"])
        self.assertEqual(result["outcome"], "success", result)
        self.assertEqual(result["prompts"], [])


class Challenges(unittest.TestCase):
    def test_challenge_round_trip_on_the_same_server(self):
        result = login("chal", [MAIN, SECOND], [PIN, code(2)])
        self.assertEqual(result["outcome"], "success", result)
        self.assertEqual(result["prompts"][1], "Saisissez le code affiché sur votre clé : ")
        first, answer = servers.requests(user="chal")[-2:]
        self.assertEqual(first["server"], answer["server"])
        self.assertNotIn("transaction_id", first["params"])
        self.assertEqual(answer["params"]["pass"], code(2))
        self.assertRegex(answer["params"]["transaction_id"], r"^\d{20}$")

    def test_wrong_answer_is_refused(self):
        self.assertEqual(login("chal", [MAIN], [PIN, "000000"])["outcome"], "refused")

    def test_new_pin_dialogue(self):
        result = login("newpin", [MAIN], [code(1), "5678", "5678", code(3)])
        self.assertEqual(result["outcome"], "success", result)
        self.assertEqual(len(result["prompts"]), 4)
        ids = {r["params"].get("transaction_id") for r in servers.requests(user="newpin")[-3:]}
        self.assertEqual(len(ids), 3)  # one transaction per challenge

    def test_max_rounds(self):
        result = login("endless", [MAIN], ["1"] * 10, extra=["--max-rounds", "2"])
        self.assertEqual(result["outcome"], "refused")
        self.assertIn("rounds", result["reason"])
        self.assertEqual(len(result["prompts"]), 3)  # passcode + 2 answers

    def test_challenge_needs_max_rounds_above_zero(self):
        result = login("chal", [MAIN], [PIN, code(2)], extra=["--max-rounds", "0"])
        self.assertEqual(result["outcome"], "refused")

    def test_overall_deadline_on_the_clock(self):
        # The person takes 60 s per answer: the third prompt comes too late.
        result = login("newpin", [MAIN], [code(1), "5678", "5678", code(3)],
                       extra=["--advance", "60"])
        self.assertEqual(result["outcome"], "refused", result)
        self.assertIn("too long", result["reason"])

    def test_message_sanitised(self):
        result = login("ctrl", [MAIN], ["1", "2"])
        self.assertEqual(result["outcome"], "success", result)
        prompt = result["prompts"][1]
        self.assertTrue(prompt.startswith("[31mAttention"), prompt)
        self.assertFalse(any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 for c in prompt), prompt)
        self.assertLessEqual(len(prompt.encode()), 200 + 3)


def dead_url():
    return "https://127.0.0.1:%d" % dead_port()


class Failover(unittest.TestCase):
    def test_first_url_dead_second_answers(self):
        result = login("user-dead", [dead_url(), SECOND], [PIN + code(1)])
        self.assertEqual(result["outcome"], "success", result)
        self.assertEqual(len(servers.requests(user="user-dead", server="second")), 1)

    def test_500_fails_over(self):
        result = login("user-500", [FAILING, SECOND], [PIN + code(1)])
        self.assertEqual(result["outcome"], "success", result)
        self.assertEqual(len(servers.requests(user="user-500", server="failing")), 1)

    def test_stalled_server_fails_over(self):
        result = login("user-stall", [STALLED, SECOND], [PIN + code(1)])
        self.assertEqual(result["outcome"], "success", result)

    def test_stalled_server_alone_is_unavailable(self):
        result = login("stall", [MAIN], ["1"])
        self.assertEqual(result["outcome"], "unavailable", result)

    def test_all_dead_secure_is_unavailable(self):
        result = login("user-alldead", [dead_url(), FAILING], [PIN + code(1)])
        self.assertEqual(result["outcome"], "unavailable", result)

    def test_proxies_from_the_environment_are_ignored(self):
        dead = "http://127.0.0.1:%d" % dead_port()
        env = dict(os.environ, https_proxy=dead, HTTPS_PROXY=dead, ALL_PROXY=dead,
                   all_proxy=dead, http_proxy=dead, no_proxy="", NO_PROXY="")
        result = login("user-proxy", [MAIN], [PIN + code(1)], env=env)
        self.assertEqual(result["outcome"], "success", result)

    def test_http_urls_are_a_configuration_error(self):
        result = login("user-http", [MAIN.replace("https", "http")], [PIN + code(1)])
        self.assertEqual(result["outcome"], "service_error", result)
        self.assertEqual(result["prompts"], [])


class Certificates(unittest.TestCase):
    def assert_refused_without_success(self, url, extra=()):
        result = login("user-cert", [url, SECOND], [PIN + code(1)], extra=extra)
        self.assertEqual(result["outcome"], "refused", result)
        self.assertEqual(servers.requests(user="user-cert", server="second"), [])

    def test_untrusted_ca(self):
        self.assert_refused_without_success(UNTRUSTED)

    def test_wrong_host_name(self):
        self.assert_refused_without_success(WRONG_HOST)

    def test_system_ca_does_not_trust_the_test_ca(self):
        result = login("user-sysca", [MAIN], [PIN + code(1)], ca=False)
        self.assertEqual(result["outcome"], "refused", result)

    def test_pin_mismatch(self):
        self.assert_refused_without_success(
            MAIN, ["--pin", public_key_pin(servers.untrusted[0])])

    def test_pin_match(self):
        result = login("user-pin", [MAIN], [PIN + code(1)],
                       extra=["--pin", public_key_pin(servers.good[0])])
        self.assertEqual(result["outcome"], "success", result)


if __name__ == "__main__":
    unittest.main(verbosity=2)
