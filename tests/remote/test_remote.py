#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
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
# Generous for a loaded CI machine; the stalling server sleeps well beyond.
FAST = ["--connect-timeout", "2000", "--timeout", "3000"]
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
        for name in ("malformed", "oversized", "badtypes", "noresult", "disagree", "accept403"):
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

    def test_use_first_pass_without_one_is_refused_unasked(self):
        result = login("user-nofirst", [MAIN], [], extra=["--use-first-pass"])
        self.assertEqual(result["outcome"], "refused", result)
        self.assertEqual(result["prompts"], [])
        self.assertEqual(servers.requests(user="user-nofirst"), [])

    def test_use_first_pass_rejected_is_not_asked_again(self):
        result = login("user-usefirst", [MAIN], ["0000000000", PIN + code(1)],
                       extra=["--first-pass", "--use-first-pass"])
        self.assertEqual(result["outcome"], "refused", result)
        self.assertEqual(result["prompts"], [])

    def test_try_first_pass_rejected_asks_once(self):
        result = login("user-tryfirst", [MAIN], ["0000000000", PIN + code(1)],
                       extra=["--first-pass", "--try-first-pass"])
        self.assertEqual(result["outcome"], "success", result)
        self.assertEqual(result["prompts"], ["Passcode OTP : "])
        self.assertEqual(len(servers.requests(user="user-tryfirst")), 2)


class Challenges(unittest.TestCase):
    def test_challenge_round_trip_on_the_same_server(self):
        result = login("chal", [MAIN, SECOND], [PIN, code(2)])
        self.assertEqual(result["outcome"], "success", result)
        # The server's text as it wrote it: no punctuation added.
        self.assertEqual(result["prompts"][1], "Saisissez le code affiché sur votre clé")
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
        # The person takes 60 s per answer: the second answer comes after the
        # login's 100 s and is not sent.
        before = len(servers.requests(user="newpin"))
        result = login("newpin", [MAIN], [code(1), "5678", "5678", code(3)],
                       extra=["--advance", "60"])
        self.assertEqual(result["outcome"], "refused", result)
        self.assertIn("time limit: the login took longer than 100 s", result["reason"])
        self.assertEqual(len(result["prompts"]), 2)
        self.assertEqual(len(servers.requests(user="newpin")) - before, 1)

    def test_message_sanitised(self):
        result = login("ctrl", [MAIN], ["1", "2"])
        self.assertEqual(result["outcome"], "success", result)
        prompt = result["prompts"][1]
        self.assertTrue(prompt.startswith("[31mAttention"), prompt)
        self.assertFalse(any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 for c in prompt), prompt)
        self.assertLessEqual(len(prompt.encode()), 200)


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


DAY = 86400
T0 = 1767225600  # the driver's default clock


class Language(unittest.TestCase):
    """Accept-Language from `lang`; the server's texts as it wrote them; the
    outcome of its PIN-change dialogue shown; reject reasons logged only."""

    def pin_change(self, lang, answers):
        before = len(servers.requests(user="pinchange"))
        result = login("pinchange", [MAIN], answers, extra=["--lang", lang])
        sent = servers.requests(user="pinchange")[before:]
        self.assertTrue(sent)
        for request in sent:
            self.assertEqual(request["accept_language"], lang)
        return result

    def next_passcode(self):
        """PIN + the next code the server's counter for "pinchange" accepts."""
        Language.counter = getattr(Language, "counter", 0) + 1
        return PIN + code(Language.counter)

    def test_french_dialogue_and_outcome(self):
        result = self.pin_change("fr", [self.next_passcode(), "5678", "5678"])
        self.assertEqual(result["outcome"], "success", result)
        self.assertEqual(result["prompts"], [
            "Passcode OTP : ",
            "Veuillez entrer un nouveau code PIN",
            "Veuillez entrer à nouveau le nouveau code PIN",
            "info: Votre clé est désormais initialisée et opérationnelle."])

    def test_english_dialogue_and_outcome(self):
        result = self.pin_change("en", [self.next_passcode(), "5678", "5678"])
        self.assertEqual(result["outcome"], "success", result)
        self.assertEqual(result["prompts"], [
            "OTP passcode: ", "Please enter a new PIN", "Please enter the new PIN again",
            "info: Your key is now initialised and ready to use."])

    def test_pins_that_differ_are_told(self):
        result = self.pin_change("fr", [self.next_passcode(), "5678", "8765"])
        self.assertEqual(result["outcome"], "refused", result)
        self.assertEqual(result["prompts"][-1],
                         "error: Les deux codes PIN saisis sont différents. Veuillez recommencer.")
        self.assertIn("PINs do not match", result["reason"])

    def test_reject_reason_logged_never_shown(self):
        result = login("user-why", [MAIN], ["0000000000"], extra=["--lang", "en"])
        self.assertEqual(result["outcome"], "refused", result)
        self.assertEqual(result["prompts"], ["OTP passcode: "])
        self.assertTrue(any("rejected" in l and "wrong otp pin" in l for l in result["logs"]),
                        result)


class Waiting(unittest.TestCase):
    """Typing time is not network time (DESIGN.md §5): a person may pause
    30 s at any prompt — the calls still get their whole timeout — and once a
    server has answered, nothing falls back to offline values or the store.
    The driver's clock makes the pauses without waiting (--pauses)."""
    count = 0

    def setUp(self):
        Waiting.count += 1
        folder = os.path.join(servers.dir, "waiting%d" % Waiting.count)
        self.store = ["--store", os.path.join(folder, "okey.db"),
                      "--key-file", os.path.join(folder, "seed.key"), "--init-store",
                      "--failmode", "local"]
        self.user = "offline-waiting-%d" % Waiting.count

    def test_pause_at_the_first_prompt(self):
        result = login("user-pause-first", [MAIN], [PIN + code(1)], extra=["--pauses", "30"])
        self.assertEqual(result["outcome"], "success", result)

    def test_pause_at_a_challenge(self):
        result = login("chal", [MAIN], [PIN, code(2)], extra=["--pauses", "0,30"])
        self.assertEqual(result["outcome"], "success", result)

    def test_pause_at_the_passcode_after_a_new_pin(self):
        result = login("newpin", [MAIN], [code(1), "5678", "5678", code(3)],
                       extra=["--pauses", "0,0,0,30"])
        self.assertEqual(result["outcome"], "success", result)

    def offline_values_kept(self):
        """An online success: the server's offline values 2..13 are kept."""
        result = login(self.user, [MAIN], [PIN + code(1)], extra=self.store)
        self.assertEqual(result["outcome"], "success", result)

    def assert_offline_value_usable(self, passcode):
        """The value would have been accepted offline: what a fallback would do."""
        result = login(self.user, [dead_url()], [passcode], extra=self.store)
        self.assertEqual(result["outcome"], "success", result)
        self.assertIn("offline", result["reason"])

    def test_disabled_token_after_a_pause_with_failmode_local(self):
        self.offline_values_kept()
        servers.control(MAIN, self.user, "disabled")
        result = login(self.user, [MAIN], [PIN + code(3)], extra=self.store + ["--pauses", "30"])
        self.assertEqual(result["outcome"], "refused", result)
        self.assertIn("Token is disabled", result["reason"])
        self.assertEqual(result["prompts"], ["Passcode OTP : "])  # the reason is not shown
        self.assertNotIn("offline", result["reason"])
        self.assert_offline_value_usable(PIN + code(3))

    def test_reject_then_unreachable_under_try_first_pass(self):
        self.offline_values_kept()
        servers.control(MAIN, self.user, "down-after-reject")
        result = login(self.user, [MAIN], ["0000000000", PIN + code(3)],
                       extra=self.store + ["--first-pass", "--try-first-pass"])
        self.assertEqual(result["outcome"], "refused", result)
        self.assertEqual(result["prompts"], ["Passcode OTP : "])
        self.assertIn("after one had answered", result["reason"])
        self.assertFalse(any("local store decides" in l for l in result["logs"]), result)
        self.assert_offline_value_usable(PIN + code(3))

    def test_time_limit_is_a_refusal_never_a_fallback(self):
        # 98 s at the first prompt: a call of up to 3 s would end after the
        # login's 100 s; it is not made, and the offline values are not used.
        self.offline_values_kept()
        result = login(self.user, [MAIN], [PIN + code(3)], extra=self.store + ["--pauses", "98"])
        self.assertEqual(result["outcome"], "refused", result)
        self.assertIn("time limit", result["reason"])
        self.assertTrue(any("time limit" in l for l in result["logs"]), result)
        self.assertFalse(any("unreachable" in l for l in result["logs"]), result)
        self.assert_offline_value_usable(PIN + code(3))

    def test_unreachable_is_logged_as_unreachable(self):
        result = login("stall", [MAIN], ["1"])
        self.assertEqual(result["outcome"], "unavailable", result)
        self.assertTrue(any("unreachable" in l for l in result["logs"]), result)
        self.assertFalse(any("time limit" in l for l in result["logs"] + [result["reason"]]))


class ClientCertificates(unittest.TestCase):
    """remote.client_certificate / client_key, for a server that asks for one."""

    @classmethod
    def setUpClass(cls):
        cls.url = servers.start("asks-client", client_ca=servers.ca[1])
        cls.key, cls.certificate = servers.client

    def client(self, key=None):
        return ["--client-cert", self.certificate, "--client-key", key or self.key]

    def test_with_the_certificate(self):
        result = login("user-client-cert", [self.url], [PIN + code(1)], extra=self.client())
        self.assertEqual(result["outcome"], "success", result)
        sent = servers.requests(user="user-client-cert", server="asks-client")
        self.assertEqual(sent[0]["client"], "okey-client")

    def test_without_a_certificate(self):
        result = login("user-no-client-cert", [self.url], [PIN + code(1)])
        self.assertNotEqual(result["outcome"], "success", result)
        self.assertEqual(servers.requests(user="user-no-client-cert"), [])

    def test_key_readable_by_others_is_refused(self):
        loose = os.path.join(servers.dir, "loose-client.key")
        with open(self.key, "rb") as source, open(loose, "wb") as out:
            out.write(source.read())
        os.chmod(loose, 0o644)
        result = login("user-loose-key", [self.url], [PIN + code(1)], extra=self.client(loose))
        self.assertEqual(result["outcome"], "service_error", result)
        self.assertIn("remote.client_key", result["reason"])
        self.assertIn("readable by others", result["reason"])
        self.assertEqual(result["prompts"], [])


class Offline(unittest.TestCase):
    """privacyIDEA offline values: kept after an online success, used (with
    failmode local) only when no server answers, once each, in order,
    within max_age_days, refilled at the next online success."""
    count = 0

    def setUp(self):
        Offline.count += 1
        folder = os.path.join(servers.dir, "store%d" % Offline.count)
        self.store = ["--store", os.path.join(folder, "okey.db"),
                      "--key-file", os.path.join(folder, "seed.key"), "--init-store"]
        self.user = "offline-%d" % Offline.count

    def online(self, passcode, now=T0, extra=()):
        return login(self.user, [MAIN], [passcode],
                     extra=self.store + ["--failmode", "local", "--now", str(now)] + list(extra))

    def offline(self, passcode, now=T0, failmode="local", extra=()):
        return login(self.user, [dead_url()], [passcode],
                     extra=self.store + ["--failmode", failmode, "--now", str(now)] + list(extra))

    def test_offline_value_used_once_in_order(self):
        self.assertEqual(self.online(PIN + code(1))["outcome"], "success")  # values 2..13 kept
        result = self.offline(PIN + code(3))
        self.assertEqual(result["outcome"], "success", result)
        self.assertIn("offline", result["reason"])
        self.assertEqual(result["serial"], "OKEY0001")
        self.assertEqual(self.offline(PIN + code(3))["outcome"], "refused")  # used
        self.assertEqual(self.offline(PIN + code(2))["outcome"], "refused")  # skipped: gone
        self.assertEqual(self.offline("9999" + code(4))["outcome"], "refused")  # wrong PIN
        self.assertEqual(self.offline(PIN + code(5))["outcome"], "success")
        self.assertEqual(self.offline(PIN + code(4))["outcome"], "refused")

    def test_window_of_ten_values(self):
        self.online(PIN + code(1))  # values 2..13
        self.assertEqual(self.offline(PIN + code(12))["outcome"], "refused")  # 11th value
        self.assertEqual(self.offline(PIN + code(11))["outcome"], "success")  # 10th value

    def test_failmode_secure_never_uses_offline_values(self):
        self.online(PIN + code(1))
        result = self.offline(PIN + code(2), failmode="secure")
        self.assertEqual(result["outcome"], "unavailable", result)
        self.assertEqual(self.offline(PIN + code(2))["outcome"], "success")  # still there

    def test_reject_never_falls_back_to_offline(self):
        self.online(PIN + code(1))
        result = login(self.user, [MAIN, SECOND], [PIN + code(1)],
                       extra=self.store + ["--failmode", "local"])  # already used online
        self.assertEqual(result["outcome"], "refused", result)
        self.assertNotIn("offline", result["reason"])
        self.assertEqual(servers.requests(user=self.user, server="second"), [])

    def test_refill_after_reconnection(self):
        self.online(PIN + code(1))  # values 2..13 and a refill token
        self.assertEqual(self.offline(PIN + code(3))["outcome"], "success")
        self.assertEqual(self.online(PIN + code(4))["outcome"], "success")
        refills = servers.requests(path="/validate/offlinerefill", server="main")
        mine = [r for r in refills if r["params"]["pass"] == PIN + code(4)]
        self.assertEqual(len(mine), 1, refills)
        self.assertEqual(mine[0]["params"]["serial"], "OKEY0001")
        self.assertTrue(mine[0]["params"]["refilltoken"])
        # The value used online is gone; the refill (14..25) is usable.
        self.assertEqual(self.offline(PIN + code(4))["outcome"], "refused")
        self.assertEqual(self.offline(PIN + code(14))["outcome"], "success")
        # The next refill presents the new refill token, not the first one.
        self.assertEqual(self.online(PIN + code(15))["outcome"], "success")
        second = [r for r in servers.requests(path="/validate/offlinerefill")
                  if r["params"]["pass"] == PIN + code(15)]
        self.assertEqual(len(second), 1)
        self.assertNotEqual(second[0]["params"]["refilltoken"], mine[0]["params"]["refilltoken"])
        self.assertEqual(self.offline(PIN + code(16))["outcome"], "success")

    def test_refill_token_and_hashes_not_logged(self):
        self.online(PIN + code(1))
        result = self.online(PIN + code(2))
        refill = [r for r in servers.requests(path="/validate/offlinerefill")
                  if r["params"]["pass"] == PIN + code(2)][0]
        text = " ".join(result["logs"]) + result["reason"]
        self.assertNotIn(refill["params"]["refilltoken"], text)
        self.assertNotIn("pbkdf2", text)

    def test_expiry(self):
        self.online(PIN + code(1), now=T0)
        result = self.offline(PIN + code(2), now=T0 + 6 * DAY, extra=["--max-age", "7"])
        self.assertEqual(result["outcome"], "success", result)
        result = self.offline(PIN + code(3), now=T0 + 8 * DAY, extra=["--max-age", "7"])
        self.assertEqual(result["outcome"], "refused", result)
        self.assertIn("local", result["reason"])  # dropped: the local store decided
        result = self.offline(PIN + code(4), now=T0 + 1 * DAY)
        self.assertEqual(result["outcome"], "refused", result)  # dropped for good

    def test_wrong_offline_passcodes_count_against_the_lockout(self):
        # Issue 15, item 5: five wrong offline passcodes lock the login (the
        # default max_failures); the right value is then refused, and kept.
        self.online(PIN + code(1))  # values 2..13
        for k in range(5):
            result = self.offline("9999" + code(4 + k))
            self.assertEqual(result["outcome"], "refused", result)
            self.assertIn("no matching value", result["reason"])
        result = self.offline(PIN + code(3))
        self.assertEqual(result["outcome"], "refused", result)
        self.assertIn("locked", result["reason"])
        self.assertEqual(result["prompts"], ["Passcode OTP : "])  # nothing tells the lock
        # Once the lock has run out (900 s), the value is still there.
        self.assertEqual(self.offline(PIN + code(3), now=T0 + 901)["outcome"], "success")

    def test_an_offline_success_ends_the_consecutive_failures(self):
        self.online(PIN + code(1))
        for round_ in range(2):
            for k in range(4):
                self.assertEqual(self.offline("9999" + code(2))["outcome"], "refused")
            result = self.offline(PIN + code(2 + round_))
            self.assertEqual(result["outcome"], "success", result)

    def test_offline_disabled(self):
        self.online(PIN + code(1), extra=["--no-offline"])
        result = self.offline(PIN + code(2))
        self.assertEqual(result["outcome"], "refused", result)
        self.assertIn("local", result["reason"])

    def test_local_store_decides_with_the_typed_passcode(self):
        result = self.offline(PIN + code(1))
        self.assertNotEqual(result["outcome"], "success", result)
        self.assertIn("local", result["reason"])
        self.assertEqual(len(result["prompts"]), 1)  # typed once, passed on


if __name__ == "__main__":
    unittest.main(verbosity=2)
