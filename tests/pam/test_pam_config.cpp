// SPDX-License-Identifier: Apache-2.0
// tests/pam/test_pam_config.cpp — the module's arguments and config through
// the real PAM stack: languages and overridden prompts checked literally,
// broken or unsafe configs and unknown arguments fail closed (PAM_SERVICE_ERR)
// with a log line naming the file and the key, pam_setcred succeeds.
#include "tests/pam/harness.hpp"

#include "engine/config.hpp"
#include "engine/texts.hpp"

#include <security/pam_appl.h>

#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <filesystem>
#include <memory>
#include <unistd.h>

extern "C" {
#include <cmocka.h>
}

using namespace okey::test;

// The English prompts (lang = "en"), literally.
#define OKEY_TEST_EN_PASSCODE "OTP passcode: "
#define OKEY_TEST_EN_CODE_ONLY "Code shown on your OTP key: "
#define OKEY_TEST_EN_NEW_PIN "Enter your new PIN (4 to 6 digits): "
#define OKEY_TEST_EN_CONFIRM_PIN "Confirm your new PIN: "
#define OKEY_TEST_EN_NEW_PIN_PASSCODE "Wait for the code on your key to change, then enter your passcode (PIN + code): "

namespace {

using World = PamWorld;
World* world = nullptr;

const char* const pin = "2580";

std::string passcode_for(const KeyFixture& key, std::int64_t offset = 0) {
    return pin + code_at(key.secret_base32, offset);
}

void french_by_default(void**) {
    const KeyFixture key = world->store.ready_login("fr-user", pin);
    Conversation conversation{{passcode_for(key)}};
    assert_int_equal(authenticate("okey", "fr-user", conversation), PAM_SUCCESS);
    assert_int_equal(conversation.messages.size(), 1);
    assert_int_equal(conversation.messages[0].style, PAM_PROMPT_ECHO_OFF);
    assert_string_equal(conversation.messages[0].text.c_str(), "Passcode OTP : ");
}

void english_with_lang_argument(void**) {
    const KeyFixture key = world->store.ready_login("en-user", pin);
    Conversation conversation{{passcode_for(key)}};
    assert_int_equal(authenticate("okey-en", "en-user", conversation), PAM_SUCCESS);
    assert_int_equal(conversation.messages.size(), 1);
    assert_string_equal(conversation.messages[0].text.c_str(), OKEY_TEST_EN_PASSCODE);
}

void english_from_config_file(void**) {
    const KeyFixture key = world->store.ready_login("en-file-user", pin);
    Conversation conversation{{passcode_for(key)}};
    assert_int_equal(authenticate("okey-en-file", "en-file-user", conversation), PAM_SUCCESS);
    assert_string_equal(conversation.prompts().at(0).c_str(), OKEY_TEST_EN_PASSCODE);
}

void english_new_pin_mode_prompts(void**) {
    const KeyFixture key = world->store.add_key("EN-NEWPIN");
    world->store.assign(key.serial, "en-newpin");
    Conversation conversation{{code_at(key.secret_base32, 0), "3691", "3691",
                               std::string("3691") + code_at(key.secret_base32, 1)}};
    assert_int_equal(authenticate("okey-en", "en-newpin", conversation), PAM_SUCCESS);
    const auto prompts = conversation.prompts();
    assert_int_equal(prompts.size(), 4);
    const okey::Texts english = okey::default_texts(okey::Language::en, 4, 6);
    assert_string_equal(prompts[0].c_str(), (okey::fill_code_digits(english.new_pin_intro, 6) + " " + OKEY_TEST_EN_CODE_ONLY).c_str());
    assert_string_equal(prompts[1].c_str(), OKEY_TEST_EN_NEW_PIN);
    assert_string_equal(prompts[2].c_str(), OKEY_TEST_EN_CONFIRM_PIN);
    assert_string_equal(prompts[3].c_str(), OKEY_TEST_EN_NEW_PIN_PASSCODE);
}

void overridden_prompt(void**) {
    const KeyFixture key = world->store.ready_login("override-user", pin);
    Conversation conversation{{passcode_for(key)}};
    assert_int_equal(authenticate("okey-override", "override-user", conversation), PAM_SUCCESS);
    assert_string_equal(conversation.prompts().at(0).c_str(), "Code OTP de l'académie (PIN + clé) : ");
}

void overridden_prompt_survives_lang(void**) {
    const KeyFixture key = world->store.ready_login("override-en", pin);
    Conversation conversation{{passcode_for(key)}};
    assert_int_equal(authenticate("okey-override-en", "override-en", conversation), PAM_SUCCESS);
    assert_string_equal(conversation.prompts().at(0).c_str(), "Code OTP de l'académie (PIN + clé) : ");
}

// A broken configuration refuses before asking anything, and says why in the log.
void expect_service_error(const std::string& service, const std::string& login,
                          const std::vector<std::string>& log_mentions) {
    Conversation conversation{{"123456123456"}};
    int rc = -1;
    const std::string log = capture_log([&] { rc = authenticate(service, login, conversation); });
    assert_int_equal(rc, PAM_SERVICE_ERR);
    assert_true(conversation.prompts().empty());
    for (const auto& mention : log_mentions) {
        if (log.find(mention) == std::string::npos)
            fail_msg("log does not mention \"%s\":\n%s", mention.c_str(), log.c_str());
    }
}

void unknown_config_key(void**) {
    world->store.ready_login("cfg-user", pin);
    expect_service_error("okey-badkey", "cfg-user", {world->dir / "badkey.conf", "no_such_key", "4"});
}

void wrong_value_type(void**) {
    world->store.ready_login("cfg-type", pin);
    expect_service_error("okey-badtype", "cfg-type", {world->dir / "badtype.conf", "max_failures"});
}

void world_writable_config(void**) {
    world->store.ready_login("cfg-writable", pin);
    expect_service_error("okey-writable", "cfg-writable", {world->dir / "writable.conf"});
}

void symlinked_config(void**) {
    world->store.ready_login("cfg-link", pin);
    expect_service_error("okey-symlink", "cfg-link", {world->dir / "symlink.conf"});
}

void missing_config(void**) {
    world->store.ready_login("cfg-missing", pin);
    expect_service_error("okey-missing", "cfg-missing", {world->dir / "missing.conf"});
}

void unknown_module_argument(void**) {
    world->store.ready_login("cfg-arg", pin);
    expect_service_error("okey-badarg", "cfg-arg", {"no_such_argument"});
}

void relative_config_path(void**) {
    world->store.ready_login("cfg-relative", pin);
    expect_service_error("okey-relative", "cfg-relative", {"config="});
}

void setcred_succeeds(void**) {
    const KeyFixture key = world->store.ready_login("setcred-user", pin);
    Conversation conversation{{passcode_for(key)}};
    assert_int_equal(authenticate_and_setcred("okey", "setcred-user", conversation), PAM_SUCCESS);
}

}  // namespace

int main(int argc, char** argv) {
    run_as_root(argc, argv);
    auto owned = std::make_unique<World>();
    world = owned.get();
    const std::string base = world->store.config_text();
    const auto conf = [&](const std::string& name, const std::string& text, unsigned mode = 0644) {
        write_file(world->dir / name, text, mode);
        return "config=" + (world->dir / name);
    };
    const std::string ok = conf("ok.conf", base);
    Services& s = world->services;
    s.add_okey("okey", ok);
    s.add_okey("okey-en", ok + " lang=en");
    s.add_okey("okey-en-file", conf("en-file.conf", base + "lang = \"en\";\n"));
    const std::string overridden =
        conf("override.conf", base + "prompts: { passcode = \"Code OTP de l'académie (PIN + clé) : \"; };\n");
    s.add_okey("okey-override", overridden);
    s.add_okey("okey-override-en", overridden + " lang=en");
    // Line 4 holds the unknown key: the error must say so.
    s.add_okey("okey-badkey", conf("badkey.conf", base + "no_such_key = 1;\n"));
    s.add_okey("okey-badtype", conf("badtype.conf", base + "lockout: { max_failures = \"five\"; };\n"));
    s.add_okey("okey-writable", conf("writable.conf", base, 0666));
    std::filesystem::create_symlink(world->dir / "ok.conf", world->dir / "symlink.conf");
    s.add_okey("okey-symlink", "config=" + (world->dir / "symlink.conf"));
    s.add_okey("okey-missing", "config=" + (world->dir / "missing.conf"));
    s.add_okey("okey-badarg", ok + " no_such_argument");
    s.add_okey("okey-relative", "config=okey.conf");
    s.activate();

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(french_by_default),
        cmocka_unit_test(english_with_lang_argument),
        cmocka_unit_test(english_from_config_file),
        cmocka_unit_test(english_new_pin_mode_prompts),
        cmocka_unit_test(overridden_prompt),
        cmocka_unit_test(overridden_prompt_survives_lang),
        cmocka_unit_test(unknown_config_key),
        cmocka_unit_test(wrong_value_type),
        cmocka_unit_test(world_writable_config),
        cmocka_unit_test(symlinked_config),
        cmocka_unit_test(missing_config),
        cmocka_unit_test(unknown_module_argument),
        cmocka_unit_test(relative_config_path),
        cmocka_unit_test(setcred_succeeds),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
