// SPDX-License-Identifier: Apache-2.0
// tests/remote/test_reply_offline.cpp — the pure parts of the remote backend:
// strict reply reading (every malformed shape is an error, never an accept),
// text sanitising, offline items and passlib pbkdf2-sha512 verification.
#include "engine/remote/offline.hpp"
#include "engine/remote/reply.hpp"

#include <nlohmann/json.hpp>

#include <cstdarg>
#include <cstddef>
#include <setjmp.h>
extern "C" {
#include <cmocka.h>
}

#include <string>

using namespace okey;
using namespace okey::remote;

namespace {

// hashlib.pbkdf2_hmac("sha512", b"1234567890", b"0123456789abcdef", 1000), passlib format.
const char* known_hash =
    "$pbkdf2-sha512$1000$MDEyMzQ1Njc4OWFiY2RlZg$Bq4Y5EmpZtiWabVKWeiP6rjtwEmvP6fcu3SrzrkGf3KHyt2WBQ"
    "DQ2CQo/Pn.AzgDv09p6R5WgrNm.etsg7OHTg";

Verdict verdict_of(const char* body) {
    auto reply = read_check_reply(body);
    assert_true(reply.ok());
    return reply->verdict;
}

void test_verdicts(void**) {
    assert_int_equal(static_cast<int>(verdict_of(R"({"result":{"status":true,"value":true}})")),
                     static_cast<int>(Verdict::accept));
    assert_int_equal(
        static_cast<int>(verdict_of(R"({"result":{"status":true,"value":false},"detail":{"message":"wrong otp pin"}})")),
        static_cast<int>(Verdict::reject));
    auto challenge = read_check_reply(
        R"({"result":{"status":true,"value":false,"authentication":"CHALLENGE"},
            "detail":{"transaction_id":"0123","message":"please enter otp: ",
                      "multi_challenge":[{"transaction_id":"0123","message":"please enter otp: ","serial":"S1"}]}})");
    assert_true(challenge.ok());
    assert_int_equal(static_cast<int>(challenge->verdict), static_cast<int>(Verdict::challenge));
    assert_string_equal(challenge->transaction_id.c_str(), "0123");
    assert_string_equal(challenge->message.c_str(), "please enter otp: ");
    // The transaction id only in multi_challenge is enough.
    auto multi = read_check_reply(
        R"({"result":{"status":true,"value":false},"detail":{"multi_challenge":[{"transaction_id":"77","message":"m"}]}})");
    assert_true(multi.ok());
    assert_int_equal(static_cast<int>(multi->verdict), static_cast<int>(Verdict::challenge));
    auto error = read_check_reply(
        R"({"result":{"status":false,"error":{"code":904,"message":"ERR904: no user\u001b[2J"}}})");
    assert_true(error.ok());
    assert_int_equal(static_cast<int>(error->verdict), static_cast<int>(Verdict::error));
    assert_string_equal(error->error_message.c_str(), "ERR904: no user[2J");
}

void test_malformed_is_an_error(void**) {
    const char* bodies[] = {
        "",
        "null",
        "[]",
        "{not json",
        R"({"result":{"status":true,"value":tru)",
        R"({"detail":{}})",
        R"({"result":true})",
        R"({"result":{"value":true}})",
        R"({"result":{"status":"true","value":true}})",
        R"({"result":{"status":true}})",
        R"({"result":{"status":true,"value":1}})",
        R"({"result":{"status":true,"value":"true"}})",
        R"({"result":{"status":true,"value":true},"detail":[]})",
        R"({"result":{"status":true,"value":false},"detail":{"transaction_id":5}})",
        R"({"result":{"status":true,"value":false},"detail":{"message":["x"]}})",
        R"({"result":{"status":true,"value":false},"detail":{"multi_challenge":{}}})",
        R"({"result":{"status":true,"value":false},"detail":{"transaction_id":"1","multi_challenge":[{"transaction_id":"2"}]}})",
        R"({"result":{"status":true,"value":true,"authentication":"REJECT"}})",
        R"({"result":{"status":true,"value":false,"authentication":"ACCEPT"}})",
        R"({"result":{"status":true,"value":false},"detail":{"transaction_id":"a b"}})",
        R"({"result":{"status":false,"error":{"message":7}}})",
        "{\"result\":{\"status\":true,\"value\":true},\"detail\":{\"message\":\"\xff\"}}",
    };
    for (const char* body : bodies) {
        auto reply = read_check_reply(body);
        if (reply.ok()) fail_msg("accepted a malformed reply: %s", body);
    }
}

void test_sanitise(void**) {
    assert_string_equal(sanitise_text("a\x1b[1mb\r\n\tc\x7f").c_str(), "a[1mbc");
    assert_string_equal(sanitise_text("x\xc2\x85y").c_str(), "xy");           // C1 NEL
    assert_string_equal(sanitise_text("clé").c_str(), "clé");
    assert_string_equal(sanitise_text("ab\xe9z").c_str(), "abz");            // not UTF-8
    std::string long_text(150, 'a');
    long_text += std::string(100, 'x');
    assert_int_equal(sanitise_text(long_text).size(), 200);
    std::string accents;
    for (int i = 0; i < 150; ++i) accents += "é";
    std::string cut = sanitise_text(accents);
    assert_int_equal(cut.size(), 200);  // 100 whole characters, none cut in half
}

// Found by the remote_reply fuzz target: ill-formed UTF-8 (a sequence past
// U+10FFFF, overlong forms — C1 9B is an overlong ESC — and a surrogate) went
// through to the user's terminal. Now dropped byte by byte.
void test_sanitise_ill_formed_utf8(void**) {
    assert_string_equal(sanitise_text("a\xf5\x80\x80\x80" "b").c_str(), "ab");  // past U+10FFFF
    assert_string_equal(sanitise_text("a\xf4\x90\x80\x80" "b").c_str(), "ab");  // U+110000
    assert_string_equal(sanitise_text("a\xc1\x9b[2Jb").c_str(), "a[2Jb");     // overlong ESC
    assert_string_equal(sanitise_text("a\xc0\x80" "b").c_str(), "ab");           // overlong NUL
    assert_string_equal(sanitise_text("a\xe0\x80\x9b" "b").c_str(), "ab");       // overlong ESC
    assert_string_equal(sanitise_text("a\xf0\x80\x80\x9b" "b").c_str(), "ab");  // overlong ESC
    assert_string_equal(sanitise_text("a\xed\xa0\x80" "b").c_str(), "ab");       // surrogate
    assert_string_equal(sanitise_text("\xe2\x82\xac \xf0\x9f\x94\x91").c_str(),
                        "\xe2\x82\xac \xf0\x9f\x94\x91");  // euro sign, key emoji: kept
}

void test_pbkdf2(void**) {
    assert_true(offline_value_matches("1234567890", known_hash));
    assert_false(offline_value_matches("1234567891", known_hash));
    assert_false(offline_value_matches("", known_hash));
    std::string hash = known_hash;
    assert_false(offline_value_matches("1234567890", "$pbkdf2-sha256" + hash.substr(14)));
    assert_false(offline_value_matches("1234567890", hash.substr(0, hash.size() - 2)));
    assert_false(offline_value_matches("1234567890", "$pbkdf2-sha512$999999999$MDEy$" + hash.substr(hash.rfind('$') + 1)));
    assert_false(offline_value_matches("1234567890", "$pbkdf2-sha512$0$MDEy$x"));
    assert_false(offline_value_matches("1234567890", "$pbkdf2-sha512$1000$MD!y$x"));
}

OfflineBatch batch_of(std::size_t count, std::uint64_t match_at) {
    OfflineBatch batch;
    for (std::uint64_t c = 1; c <= count; ++c)
        batch.values.emplace_back(c, c == match_at ? known_hash : "$pbkdf2-sha512$1000$MDEy$x");
    return batch;
}

void test_window(void**) {
    auto at10 = find_offline_match(batch_of(12, 10), "1234567890");
    assert_true(at10.has_value());
    assert_int_equal(*at10, 10);
    assert_false(find_offline_match(batch_of(12, 11), "1234567890").has_value());
    assert_false(find_offline_match(batch_of(12, 3), "000").has_value());
}

void test_freshness(void**) {
    OfflineBatch batch;
    batch.received = 1000000;
    assert_true(offline_batch_fresh(batch, 1000000 + 7 * 86400, 7));
    assert_false(offline_batch_fresh(batch, 1000000 + 7 * 86400 + 1, 7));
    assert_false(offline_batch_fresh(batch, 1000000 - 3600, 7));  // from the future
}

void test_offline_items(void**) {
    auto reply = nlohmann::json::parse(std::string(R"({"auth_items":{"offline":[
        {"username":"other","serial":"S0","refilltoken":"t0","response":{"1":"$pbkdf2-sha512$1$a$b"}},
        {"username":"jdupont","serial":"S1","refilltoken":"t1",
         "response":{"12":"$pbkdf2-sha512$1$a$c","3":"$pbkdf2-sha512$1$a$b"}}]}})"));
    auto items = read_offline_items(reply, "jdupont", true, "");
    assert_true(items.ok() && items->has_value());
    const OfflineBatch& batch = **items;
    assert_string_equal(batch.serial.c_str(), "S1");
    assert_string_equal(std::string(batch.refill_token.view()).c_str(), "t1");
    assert_int_equal(batch.values.size(), 2);
    assert_int_equal(batch.values[0].first, 3);  // ascending counters
    assert_int_equal(batch.values[1].first, 12);

    auto none = read_offline_items(nlohmann::json::parse(R"({"result":{}})"), "jdupont", true, "");
    assert_true(none.ok() && !none->has_value());
    const char* bad[] = {
        R"({"auth_items":[]})",
        R"({"auth_items":{"offline":{}}})",
        R"({"auth_items":{"offline":[{"username":"jdupont","serial":"S","response":{}}]}})",
        R"({"auth_items":{"offline":[{"username":"jdupont","serial":"S","refilltoken":"t","response":{"x":"$pbkdf2-sha512$1$a$b"}}]}})",
        R"({"auth_items":{"offline":[{"username":"jdupont","serial":"S","refilltoken":"t","response":{"1":"plain"}}]}})",
        R"({"auth_items":{"offline":[{"username":"jdupont","serial":"S","refilltoken":"t","response":{"-1":"$pbkdf2-sha512$1$a$b"}}]}})",
    };
    for (const char* text : bad) {
        auto parsed = read_offline_items(nlohmann::json::parse(text), "jdupont", true, "");
        if (parsed.ok()) fail_msg("accepted malformed offline items: %s", text);
    }
    // A refill names only the token: the stored serial fills in.
    auto refill = read_offline_items(
        nlohmann::json::parse(R"({"auth_items":{"offline":[{"refilltoken":"t2","response":{"5":"$pbkdf2-sha512$1$a$b"}}]}})"),
        "jdupont", false, "S1");
    assert_true(refill.ok() && refill->has_value());
    assert_string_equal((*refill)->serial.c_str(), "S1");
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdicts),      cmocka_unit_test(test_malformed_is_an_error),
        cmocka_unit_test(test_sanitise),      cmocka_unit_test(test_pbkdf2),
        cmocka_unit_test(test_window),        cmocka_unit_test(test_freshness),
        cmocka_unit_test(test_offline_items), cmocka_unit_test(test_sanitise_ill_formed_utf8),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
