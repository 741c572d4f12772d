// SPDX-License-Identifier: Apache-2.0
// tests/cli/engine_parts_test.cpp — the engine pieces okeyctl stands on, tested
// directly: the login-id rule (DESIGN.md §6), the PSKC reader against the
// RFC 6030 examples and hostile variants, and calendar dates.
#include "engine/calendar_date.hpp"
#include "engine/key_serial.hpp"
#include "engine/login_id.hpp"
#include "engine/pskc/pskc.hpp"

#include <fstream>
#include <sstream>
#include <string>

// cmocka needs these before its header.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
extern "C" {
#include <cmocka.h>
}

namespace {

std::string data_file(const char* name) {
    std::ifstream in(std::string(OKEY_CLI_TEST_DATA) + "/" + name, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string base(const char* first, const char* last) {
    auto login = okey::base_login_id(first, last);
    return login ? login.value() : "ERROR: " + login.error().message;
}

std::string message_of(const okey::Result<std::vector<okey::Store::NewToken>>& r) {
    return r ? std::string("(accepted)") : r.error().message;
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

okey::pskc::ImportOptions with_rfc_psk() {
    okey::pskc::ImportOptions options;
    options.lot = "lot-A";
    auto psk = okey::pskc::parse_pre_shared_key(data_file("rfc6030-psk.hex"));
    assert_true(psk.ok());
    options.pre_shared_key = std::move(psk.value());
    return options;
}

// ---- login-id -------------------------------------------------------------

void login_id_examples(void**) {
    assert_string_equal(base("Jean", "Dupont").c_str(), "jdupont");
    assert_string_equal(base("Roger", "MOULINAUX").c_str(), "rmoulinaux");
    assert_string_equal(base("Jean", "PIN").c_str(), "jpin");
    assert_string_equal(base("Hélène", "Lefèvre").c_str(), "hlefevre");
    assert_string_equal(base("Élodie", "Çelik").c_str(), "ecelik");
    assert_string_equal(base("François", "D'Artagnan-Ségur").c_str(), "fdartagnansegur");
    assert_string_equal(base("Anne", "d’Aubigné").c_str(), "adaubigne");
    assert_string_equal(base("Jean-Pierre", "Le Bœuf").c_str(), "jleboeuf");
    assert_string_equal(base("Chloé", "LÆTITIA").c_str(), "claetitia");
    assert_string_equal(base("Noël", "Ÿvon Ïçôûù").c_str(), "nyvonicouu");
    assert_string_equal(base("  Zoé ", "Émile-Zola").c_str(), "zemilezola");
}

void login_id_refusals(void**) {
    assert_true(contains(base("Jean2", "Dupont"), "first name"));
    assert_true(contains(base("Jean", "Du_pont"), "\"_\""));
    assert_true(contains(base("Jean", "Dupont."), "is not a letter"));
    assert_true(contains(base("Jean", "Дюпон"), "is not a letter"));
    assert_true(contains(base("", "Dupont"), "first name is empty"));
    assert_true(contains(base("Jean", "- '"), "last name is empty"));
    assert_true(contains(base("Jean", "\xC3"), "not valid UTF-8"));
    assert_true(contains(base("Jean", "\xC0\xA9"), "not valid UTF-8"));  // overlong
    assert_true(contains(base("Jean", "Abcdefghijklmnopqrstuvwxyzabcdefgh"), "longer than"));
}

void login_id_homonyms(void**) {
    using V = std::vector<std::string>;
    assert_string_equal(okey::choose_login_id("cjoseph", V{})->c_str(), "cjoseph");
    assert_string_equal(okey::choose_login_id("cjoseph", V{"cjoseph"})->c_str(), "cjoseph1");
    assert_string_equal(okey::choose_login_id("cjoseph", V{"cjoseph", "cjoseph1"})->c_str(), "cjoseph2");
    // Seed rule already applied (cjoseph1, cjoseph2 exist, no bare cjoseph): the next is 3.
    assert_string_equal(okey::choose_login_id("cjoseph", V{"cjoseph1", "cjoseph2"})->c_str(), "cjoseph3");
    // A gap is reused: the lowest free number.
    assert_string_equal(okey::choose_login_id("cjoseph", V{"cjoseph", "cjoseph2"})->c_str(), "cjoseph1");
    // Not homonyms: another base that merely starts the same.
    assert_string_equal(okey::choose_login_id("cjoseph", V{"cjosephine"})->c_str(), "cjoseph");
}

// ---- PSKC -----------------------------------------------------------------

void pskc_rfc_figure6_totp_decrypts(void**) {
    auto tokens = okey::pskc::parse(data_file("figure6-totp.pskc"), with_rfc_psk());
    assert_true(tokens.ok());
    assert_int_equal(tokens->size(), 1);
    const auto& t = tokens->front();
    assert_string_equal(t.spec.serial.c_str(), "987654321");
    assert_string_equal(t.spec.lot.c_str(), "lot-A");
    assert_int_equal(t.spec.digits, 8);
    assert_int_equal(t.spec.period, 60);
    assert_int_equal(t.spec.algorithm, OKEY_OTP_SHA1);
    const std::string secret(t.secret.begin(), t.secret.end());
    assert_string_equal(secret.c_str(), "12345678901234567890");
}

void pskc_rfc_figure3_totp_plain(void**) {
    auto tokens = okey::pskc::parse(data_file("figure3-totp.pskc"), {});
    assert_true(tokens.ok());
    const auto& t = tokens->front();
    assert_string_equal(t.spec.serial.c_str(), "987654321");
    assert_int_equal(t.spec.period, 30);
    // 2030-01-01T00:00:00Z: valid through the day before.
    assert_string_equal(t.spec.expires.c_str(), "2029-12-31");
    assert_int_equal(t.secret.size(), 20);
}

void pskc_rfc_examples_are_hotp_and_refused(void**) {
    auto fig2 = okey::pskc::parse(data_file("rfc6030-figure2.pskc"), {});
    assert_true(contains(message_of(fig2), "key 12345678: HOTP"));
    auto fig3 = okey::pskc::parse(data_file("rfc6030-figure3.pskc"), {});
    assert_true(contains(message_of(fig3), "key 987654321: HOTP"));
    auto fig6 = okey::pskc::parse(data_file("rfc6030-figure6.pskc"), with_rfc_psk());
    assert_true(contains(message_of(fig6), "key 987654321: HOTP"));
}

void pskc_mac_rules(void**) {
    auto bad = okey::pskc::parse(data_file("figure6-totp-bad-mac.pskc"), with_rfc_psk());
    assert_true(contains(message_of(bad), "ValueMAC does not match"));
    auto none = okey::pskc::parse(data_file("figure6-totp-no-mac.pskc"), with_rfc_psk());
    assert_true(contains(message_of(none), "no ValueMAC"));
    auto no_psk = okey::pskc::parse(data_file("figure6-totp.pskc"), {});
    assert_true(contains(message_of(no_psk), "--psk-file"));
    auto options = with_rfc_psk();
    (*options.pre_shared_key)[0] ^= 1;
    auto wrong_psk = okey::pskc::parse(data_file("figure6-totp.pskc"), options);
    assert_false(wrong_psk.ok());
    // No MACMethod at all with an encrypted value.
    std::string xml = data_file("figure6-totp.pskc");
    const auto from = xml.find("<MACMethod");
    const auto to = xml.find("</MACMethod>") + std::string("</MACMethod>").size();
    xml.erase(from, to - from);
    auto no_method = okey::pskc::parse(xml, with_rfc_psk());
    assert_true(contains(message_of(no_method), "without MACMethod"));
}

void pskc_hostile_and_invalid(void**) {
    const std::string doctype =
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">]>"
        "<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"/>";
    assert_true(contains(message_of(okey::pskc::parse(doctype, {})), "DOCTYPE"));
    assert_true(contains(message_of(okey::pskc::parse("<KeyContainer", {})), "not well-formed"));
    assert_true(contains(message_of(okey::pskc::parse("<a/>", {})), "not a PSKC file"));
    const std::string empty =
        "<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"/>";
    assert_true(contains(message_of(okey::pskc::parse(empty, {})), "empty lot"));
    std::string twice = data_file("figure3-totp.pskc");
    const auto from = twice.find("<KeyPackage>");
    const auto to = twice.find("</KeyPackage>") + std::string("</KeyPackage>").size();
    twice.insert(to, twice.substr(from, to - from));
    assert_true(contains(message_of(okey::pskc::parse(twice, {})), "appears twice"));
    std::string seven = data_file("figure3-totp.pskc");
    seven.replace(seven.find("Length=\"8\""), 10, "Length=\"7\"");
    assert_true(contains(message_of(okey::pskc::parse(seven, {})), "6 or 8"));
    std::string period = data_file("figure3-totp.pskc");
    period.replace(period.find("<PlainValue>30<"), 15, "<PlainValue>45<");
    assert_true(contains(message_of(okey::pskc::parse(period, {})), "30 or 60"));
    const std::string huge(okey::pskc::max_file_bytes + 1, ' ');
    assert_true(contains(message_of(okey::pskc::parse(huge, {})), "larger than"));
}

void pskc_pre_shared_key_forms(void**) {
    assert_true(okey::pskc::parse_pre_shared_key("12345678901234567890123456789012\n").ok());
    assert_true(okey::pskc::parse_pre_shared_key("0123456789abcdefXYZ!").error().message.size() > 0);
    assert_true(okey::pskc::parse_pre_shared_key(std::string(16, '\x01')).ok());
    assert_false(okey::pskc::parse_pre_shared_key("1234").ok());
}

// ---- dates and serials ----------------------------------------------------

void calendar_dates(void**) {
    assert_int_equal(*okey::parse_calendar_date("1970-01-01"), 0);
    assert_int_equal(*okey::parse_calendar_date("2024-02-29"), 1709164800);
    assert_false(okey::parse_calendar_date("2023-02-29").has_value());
    assert_false(okey::parse_calendar_date("2024-13-01").has_value());
    assert_false(okey::parse_calendar_date("2024-1-01").has_value());
    assert_false(okey::parse_calendar_date("24-01-01").has_value());
    assert_string_equal(okey::format_calendar_date(1709164800 + 86399).c_str(), "2024-02-29");
    assert_string_equal(okey::format_utc_time(1709164800 + 3661).c_str(), "2024-02-29T01:01:01Z");
}

void serials(void**) {
    assert_true(okey::check_serial("987654321").ok());
    assert_true(okey::check_serial("SW-0a1b.c_d:e").ok());
    assert_false(okey::check_serial("").ok());
    assert_false(okey::check_serial("a b").ok());
    assert_false(okey::check_serial("a\x1b[31m").ok());
    assert_false(okey::check_serial(std::string(65, 'a')).ok());
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(login_id_examples),
        cmocka_unit_test(login_id_refusals),
        cmocka_unit_test(login_id_homonyms),
        cmocka_unit_test(pskc_rfc_figure6_totp_decrypts),
        cmocka_unit_test(pskc_rfc_figure3_totp_plain),
        cmocka_unit_test(pskc_rfc_examples_are_hotp_and_refused),
        cmocka_unit_test(pskc_mac_rules),
        cmocka_unit_test(pskc_hostile_and_invalid),
        cmocka_unit_test(pskc_pre_shared_key_forms),
        cmocka_unit_test(calendar_dates),
        cmocka_unit_test(serials),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
