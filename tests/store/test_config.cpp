// SPDX-License-Identifier: Apache-2.0
// tests/store/test_config.cpp — the config loader: defaults, every key, every
// refusal naming file, line and key, the language switch keeping the file's
// overrides, module arguments, unsafe files, and the shipped okey.conf.
#include "engine/config.hpp"
#include "engine/texts.hpp"

#include "support.hpp"

#include <cerrno>

using okey::Config;
using okey::Errc;

namespace {

const unsigned me = static_cast<unsigned>(::getuid());

Config parse_ok(const std::string& text) {
    auto parsed = okey::parse_config(text, "t.conf");
    if (!parsed.ok()) {
        print_error("unexpected error: %s\n", parsed.error().message.c_str());
        fail();
    }
    return parsed.value();
}

// The config must be refused with exactly this message.
void expect_error(const std::string& text, const std::string& message) {
    auto parsed = okey::parse_config(text, "t.conf");
    assert_false(parsed.ok());
    assert_int_equal(static_cast<int>(parsed.error().code), static_cast<int>(Errc::config));
    if (parsed.error().message != message) {
        print_error("got      \"%s\"\nexpected \"%s\"\n", parsed.error().message.c_str(),
                    message.c_str());
        fail();
    }
}

// Everything but `source` equals the built-in defaults.
void assert_defaults(const Config& c) {
    Config d;
    assert_true(c.backend == d.backend);
    assert_string_equal(c.store.c_str(), "/var/lib/okey/okey.db");
    assert_string_equal(c.key_file.c_str(), "/etc/okey/seed.key");
    assert_true(c.language == okey::Language::fr);
    assert_true(c.unknown_user == okey::UnknownUserPolicy::deny);
    assert_int_equal(c.totp.window, 1);
    assert_int_equal(c.totp.resync_window, 10);
    assert_int_equal(c.pin.min_length, 4);
    assert_int_equal(c.pin.max_length, 6);
    assert_true(c.pin.refuse_trivial);
    assert_int_equal(c.pin.argon2.memory_kib, 19456);
    assert_int_equal(c.pin.argon2.iterations, 2);
    assert_int_equal(c.pin.argon2.parallelism, 1);
    assert_int_equal(c.lockout.max_failures, 5);
    assert_int_equal(c.lockout.lock_seconds, 900);
    assert_true(c.remote.urls.empty());
    assert_true(c.remote.realm.empty() && c.remote.ca_file.empty() &&
                c.remote.pinned_public_key.empty());
    assert_int_equal(c.remote.connect_timeout_ms, 2000);
    assert_int_equal(c.remote.timeout_ms, 5000);
    assert_int_equal(c.remote.max_rounds, 8);
    assert_true(c.remote.failmode == okey::FailMode::secure);
    assert_true(c.offline.enabled);
    assert_int_equal(c.offline.max_age_days, 7);
    assert_true(c.text_overrides.empty());
    assert_false(c.debug || c.use_first_pass || c.try_first_pass);
    assert_string_equal(c.texts.passcode.c_str(), "Passcode OTP : ");
    assert_string_equal(c.texts.new_pin.c_str(),
                        "Saisissez votre nouveau code PIN (4 à 6 chiffres) : ");
}

void defaults(void**) {
    assert_defaults(Config{});
    Config empty = parse_ok("");
    assert_defaults(empty);
    assert_string_equal(empty.source.c_str(), "t.conf");
    assert_defaults(parse_ok("# only a comment\n\n"));
}

void french_and_english_texts(void**) {
    auto fr = okey::default_texts(okey::Language::fr, 4, 6);
    assert_string_equal(fr.code_only.c_str(), "Code affiché sur votre clé OTP : ");
    assert_string_equal(fr.confirm_pin.c_str(), "Confirmez votre nouveau code PIN : ");
    assert_string_equal(fr.new_pin_passcode.c_str(),
                        "Attendez que le code de votre clé change, puis saisissez votre passcode "
                        "(PIN + code) : ");
    assert_string_equal(fr.next_code.c_str(),
                        "Attendez que le code de votre clé change, puis saisissez le code suivant : ");
    assert_string_equal(fr.pin_saved.c_str(),
                        "Votre clé est désormais initialisée et opérationnelle.");
    assert_contains(fr.next_code_reason, "désynchronisée");
    assert_contains(fr.new_pin_intro, "les {digits} chiffres");
    assert_string_equal(okey::fill_code_digits("{digits}/{digits} {min}", 8).c_str(), "8/8 {min}");
    assert_contains(fr.key_expired, "chef d'établissement");
    auto bounds = okey::default_texts(okey::Language::fr, 5, 8);
    assert_string_equal(bounds.new_pin.c_str(),
                        "Saisissez votre nouveau code PIN (5 à 8 chiffres) : ");
    assert_contains(bounds.pin_invalid, "de 5 à 8 chiffres");
    auto en = okey::default_texts(okey::Language::en, 4, 6);
    assert_string_equal(en.passcode.c_str(), "OTP passcode: ");
    assert_string_equal(en.new_pin.c_str(), "Enter your new PIN (4 to 6 digits): ");
    // No text is left empty in either language.
    for (const auto* t : {&fr, &en})
        for (const auto* s : {&t->passcode, &t->code_only, &t->new_pin, &t->confirm_pin,
                              &t->new_pin_passcode, &t->next_code, &t->new_pin_intro,
                              &t->next_code_reason, &t->pin_mismatch, &t->pin_invalid,
                              &t->pin_trivial, &t->pin_saved, &t->key_expired, &t->login_locked,
                              &t->acknowledge, &t->password_passcode})
            assert_false(s->empty());
}

void every_key(void**) {
    Config c = parse_ok(R"(
backend = "remote";
store = "/srv/okey/okey.db";
key_file = "/srv/okey/seed.key";
lang = "en";
unknown_user = "ignore";
totp: { window = 2; resync_window = 20; };
pin: { min_length = 5; max_length = 8; refuse_trivial = false;
       argon2: { memory_kib = 8; iterations = 1; parallelism = 2; }; };
lockout: { max_failures = 3; lock_seconds = 0; };
remote: { urls = [ "https://otp1.example.org", "https://otp2.example.org/pi" ];
          realm = "staff"; ca_file = "/etc/ssl/okey-ca.pem";
          pinned_public_key = "sha256//AAAA"; connect_timeout_ms = 100; timeout_ms = 300;
          client_certificate = "/etc/okey/client.pem"; client_key = "/etc/okey/client.key";
          max_rounds = 2; failmode = "local"; };
offline: { enabled = false; max_age_days = 3; };
prompts: { passcode = "Code ({min}-{max}) : "; login_locked = "Bloqué."; };
)");
    assert_true(c.backend == okey::BackendKind::remote);
    assert_string_equal(c.store.c_str(), "/srv/okey/okey.db");
    assert_string_equal(c.key_file.c_str(), "/srv/okey/seed.key");
    assert_true(c.language == okey::Language::en);
    assert_true(c.unknown_user == okey::UnknownUserPolicy::ignore);
    assert_int_equal(c.totp.window, 2);
    assert_int_equal(c.totp.resync_window, 20);
    assert_int_equal(c.pin.min_length, 5);
    assert_int_equal(c.pin.max_length, 8);
    assert_false(c.pin.refuse_trivial);
    assert_int_equal(c.pin.argon2.memory_kib, 8);
    assert_int_equal(c.pin.argon2.iterations, 1);
    assert_int_equal(c.pin.argon2.parallelism, 2);
    assert_int_equal(c.lockout.max_failures, 3);
    assert_int_equal(c.lockout.lock_seconds, 0);
    assert_int_equal(c.remote.urls.size(), 2);
    assert_string_equal(c.remote.urls[1].c_str(), "https://otp2.example.org/pi");
    assert_string_equal(c.remote.realm.c_str(), "staff");
    assert_string_equal(c.remote.ca_file.c_str(), "/etc/ssl/okey-ca.pem");
    assert_string_equal(c.remote.pinned_public_key.c_str(), "sha256//AAAA");
    assert_string_equal(c.remote.client_certificate.c_str(), "/etc/okey/client.pem");
    assert_string_equal(c.remote.client_key.c_str(), "/etc/okey/client.key");
    assert_int_equal(c.remote.connect_timeout_ms, 100);
    assert_int_equal(c.remote.timeout_ms, 300);
    assert_int_equal(c.remote.max_rounds, 2);
    assert_true(c.remote.failmode == okey::FailMode::local);
    assert_false(c.offline.enabled);
    assert_int_equal(c.offline.max_age_days, 3);
    assert_string_equal(c.texts.passcode.c_str(), "Code (5-8) : ");
    assert_string_equal(c.texts.login_locked.c_str(), "Bloqué.");
    assert_string_equal(c.texts.new_pin.c_str(), "Enter your new PIN (5 to 8 digits): ");
    assert_int_equal(c.text_overrides.size(), 2);
    // libconfig's list syntax ( … ) works for urls too.
    Config l = parse_ok("remote: { urls = ( \"https://a.example\" ); };");
    assert_int_equal(l.remote.urls.size(), 1);
}

void scope_keys(void**) {
    assert_true(Config{}.scope.groups.empty() && Config{}.scope.exempt_groups.empty() &&
                Config{}.scope.exempt_users.empty());
    Config c = parse_ok("scope: { groups = [ \"personnels\", \"enseignants\" ];\n"
                        "         exempt_groups = ( \"okey-exempt\" );\n"
                        "         exempt_users = [ \"root\" ]; };");
    assert_true((c.scope.groups == std::vector<std::string>{"personnels", "enseignants"}));
    assert_true((c.scope.exempt_groups == std::vector<std::string>{"okey-exempt"}));
    assert_true((c.scope.exempt_users == std::vector<std::string>{"root"}));
    expect_error("scope: { groups = \"staff\"; };",
                 "t.conf:1: scope.groups: must be a list of names [ \"…\" ]");
    expect_error("scope: {\n exempt_users = [ 0 ]; };",
                 "t.conf:2: scope.exempt_users: must be a list of strings");
    expect_error("scope: { exempt_users = [ \"\" ]; };",
                 "t.conf:1: scope.exempt_users: a name must have 1 to 256 bytes");
    expect_error("scope: { exempt_groups = [ \"domain admins\" ]; };",
                 "t.conf:1: scope.exempt_groups: a name contains a space, a control character, "
                 "':' or ','");
    expect_error("scope: { exempt = [ \"root\" ]; };", "t.conf:1: scope.exempt: unknown key");
}

void ascii_texts_for_ssh(void**) {
    assert_string_equal(okey::ascii_text("Code affiché sur votre clé OTP : ").c_str(),
                        "Code affiche sur votre cle OTP : ");
    assert_string_equal(okey::ascii_text("Trop d'échecs : réessayez, chef d'établissement").c_str(),
                        "Trop d'echecs : reessayez, chef d'etablissement");
    assert_string_equal(okey::ascii_text("À côté, cœur, ça, « oui » – l’été…").c_str(),
                        "A cote, coeur, ca, \" oui \" - l'ete...");
    // Other characters and broken UTF-8 become '?', never a raw byte.
    assert_string_equal(okey::ascii_text("日\xc3x\xe2\x82").c_str(), "??x??");
    assert_string_equal(okey::ascii_text("\xc0\xaf").c_str(), "??");  // overlong '/'
    // Every default text of both languages comes out ASCII.
    for (auto language : {okey::Language::fr, okey::Language::en}) {
        const auto texts = okey::default_texts(language, 4, 6);
        for (const auto& field : okey::text_fields)
            for (unsigned char c : okey::ascii_text(texts.*field.member)) assert_true(c < 0x80 && c != '?');
    }
}

void errors_name_file_line_key(void**) {
    expect_error("\n\npin: { max_length = 13; };\n",
                 "t.conf:3: pin.max_length: must be between 4 and 12");
    expect_error("pin:\n{\n  min_length = 3;\n};", "t.conf:3: pin.min_length: must be between 4 and 12");
    expect_error("pin: { argon2: {\n memory_kib = 4; }; };",
                 "t.conf:2: pin.argon2.memory_kib: must be between 8 and 4194304");
    expect_error("pin: { argon2: { iterations = 0; }; };",
                 "t.conf:1: pin.argon2.iterations: must be between 1 and 100");
    expect_error("pin: { argon2: { parallelism = 17; }; };",
                 "t.conf:1: pin.argon2.parallelism: must be between 1 and 16");
    expect_error("lockout: { max_failures = 0; };",
                 "t.conf:1: lockout.max_failures: must be between 1 and 1000");
    expect_error("lockout: { lock_seconds = -1; };",
                 "t.conf:1: lockout.lock_seconds: must be between 0 and 315360000");
    expect_error("remote: { timeout_ms = 0; };",
                 "t.conf:1: remote.timeout_ms: must be between 1 and 30000");
    expect_error("remote: { connect_timeout_ms = 30001; };",
                 "t.conf:1: remote.connect_timeout_ms: must be between 1 and 30000");
    expect_error("remote: {\n client_key = \"/etc/okey/client.key\"; };",
                 "t.conf:2: remote.client_key: remote.client_certificate and remote.client_key go together");
    expect_error("remote: { client_certificate = \"client.pem\"; };",
                 "t.conf:1: remote.client_certificate: must be an absolute path");
    expect_error("totp: { window = 11; };", "t.conf:1: totp.window: must be between 0 and 10");
    expect_error("lang = \"de\";", "t.conf:1: lang: must be \"fr\" or \"en\"");
    expect_error("backend = \"ldap\";", "t.conf:1: backend: must be \"local\" or \"remote\"");
    expect_error("unknown_user = \"allow\";",
                 "t.conf:1: unknown_user: must be \"deny\" or \"ignore\"");
    expect_error("remote: { failmode = \"open\"; };",
                 "t.conf:1: remote.failmode: must be \"secure\" or \"local\"");
    expect_error("store = \"okey.db\";", "t.conf:1: store: must be an absolute path or a postgresql:// URI");
    expect_error("remote: { ca_file = \"ca.pem\"; };",
                 "t.conf:1: remote.ca_file: must be an absolute path");
    expect_error("remote: {\n urls = [ \"https://a.example\",\n \"http://b.example\" ]; };",
                 "t.conf:3: remote.urls: \"http://b.example\": must be an https:// URL");
    expect_error("prompts: { passcode = \"a\\tb\"; };",
                 "t.conf:1: prompts.passcode: contains a control character");
}

void invariants(void**) {
    expect_error("pin: { min_length = 6;\n max_length = 5; };",
                 "t.conf:2: pin.max_length: must not be smaller than pin.min_length (6)");
    expect_error("pin: { min_length = 8; };",
                 "t.conf:1: pin.max_length: must not be smaller than pin.min_length (8)");
    expect_error("totp: { window = 5;\n resync_window = 4; };",
                 "t.conf:2: totp.resync_window: must not be smaller than totp.window (5)");
    expect_error("remote: { connect_timeout_ms = 6000; };",
                 "t.conf:1: remote.timeout_ms: must not be smaller than remote.connect_timeout_ms");
    expect_error("\nbackend = \"remote\";",
                 "t.conf:2: remote.urls: backend \"remote\" needs at least one URL");
    parse_ok("pin: { min_length = 6; max_length = 6; }; totp: { window = 3; resync_window = 3; };");
}

void unknown_keys_and_wrong_types(void**) {
    expect_error("lang = \"fr\";\nlanguage = \"fr\";", "t.conf:2: language: unknown key");
    expect_error("pin: {\n maxlength = 6; };", "t.conf:2: pin.maxlength: unknown key");
    expect_error("pin: { argon2: { memory = 6; }; };", "t.conf:1: pin.argon2.memory: unknown key");
    expect_error("prompts: { welcome = \"x\"; };", "t.conf:1: prompts.welcome: unknown key");
    expect_error("totp: { window = \"1\"; };", "t.conf:1: totp.window: must be an integer");
    expect_error("totp: { window = 1.5; };", "t.conf:1: totp.window: must be an integer");
    expect_error("lang = 1;", "t.conf:1: lang: must be a string");
    expect_error("pin: { refuse_trivial = 1; };",
                 "t.conf:1: pin.refuse_trivial: must be true or false");
    expect_error("pin = 4;", "t.conf:1: pin: must be a group { … }");
    expect_error("remote: { urls = \"https://a.example\"; };",
                 "t.conf:1: remote.urls: must be a list of strings [ \"https://…\" ]");
}

void parse_errors_and_includes(void**) {
    auto parsed = okey::parse_config("lang = \"fr\";\npin: { min_length = ; };\n", "t.conf");
    assert_false(parsed.ok());
    assert_int_equal(static_cast<int>(parsed.error().code), static_cast<int>(Errc::config));
    assert_contains(parsed.error().message, "t.conf:2: ");
    expect_error("lang = \"fr\";\n  @include \"/etc/shadow\"\n",
                 "t.conf:2: @include is not allowed");
    auto nul = okey::parse_config(std::string("lang = \"fr\";\0", 13), "t.conf");
    assert_false(nul.ok());
    assert_contains(nul.error().message, "NUL");
    // A duplicate key is libconfig's parse error, with its line.
    auto dup = okey::parse_config("lang = \"fr\";\nlang = \"en\";", "t.conf");
    assert_false(dup.ok());
    assert_contains(dup.error().message, "t.conf:2: ");
}

void lang_switch_keeps_overrides(void**) {
    Config c = parse_ok("pin: { max_length = 8; };\nprompts: { passcode = \"Mon code : \"; };");
    assert_string_equal(c.texts.passcode.c_str(), "Mon code : ");
    assert_string_equal(c.texts.code_only.c_str(), "Code affiché sur votre clé OTP : ");
    assert_true(okey::apply_module_argument(c, "lang=en").ok());
    assert_true(c.language == okey::Language::en);
    assert_string_equal(c.texts.passcode.c_str(), "Mon code : ");
    assert_string_equal(c.texts.code_only.c_str(), "Code shown on your OTP key: ");
    assert_string_equal(c.texts.new_pin.c_str(), "Enter your new PIN (4 to 8 digits): ");
    assert_true(okey::apply_module_argument(c, "lang=fr").ok());
    assert_string_equal(c.texts.passcode.c_str(), "Mon code : ");
    assert_string_equal(c.texts.new_pin.c_str(),
                        "Saisissez votre nouveau code PIN (4 à 8 chiffres) : ");
}

void module_arguments(void**) {
    Config c;
    assert_true(okey::apply_module_argument(c, "debug").ok());
    assert_true(c.debug);
    assert_true(okey::apply_module_argument(c, "use_first_pass").ok());
    assert_true(c.use_first_pass);
    assert_true(okey::apply_module_argument(c, "try_first_pass").ok());
    assert_true(c.try_first_pass);
    assert_true(okey::apply_module_argument(c, "unknown_user=ignore").ok());
    assert_true(c.unknown_user == okey::UnknownUserPolicy::ignore);
    assert_true(okey::apply_module_argument(c, "unknown_user=deny").ok());
    assert_true(c.unknown_user == okey::UnknownUserPolicy::deny);
    for (const char* bad : {"nodebug", "unknown_user=allow", "lang=de", "lang", "debug=1", ""}) {
        auto r = okey::apply_module_argument(c, bad);
        assert_false(r.ok());
        assert_int_equal(static_cast<int>(r.error().code), static_cast<int>(Errc::config));
        assert_contains(r.error().message, std::string("\"") + bad + "\"");
    }
}

void load_from_files(void**) {
    test::TempDir dir;
    test::write_file(dir / "okey.conf", "lang = \"en\";\npin: { max_length = 5; };\n", 0644);
    auto good = okey::load_config(dir / "okey.conf", me);
    assert_true(good.ok());
    assert_string_equal(good->source.c_str(), (dir / "okey.conf").c_str());
    assert_true(good->language == okey::Language::en);
    assert_int_equal(good->pin.max_length, 5);

    test::write_file(dir / "bad.conf", "\npin: { max_length = 50; };\n", 0644);
    auto bad = okey::load_config(dir / "bad.conf", me);
    assert_false(bad.ok());
    assert_string_equal(bad.error().message.c_str(),
                        (dir / "bad.conf:2: pin.max_length: must be between 4 and 12").c_str());

    // A missing file away from the default path is an error.
    auto missing = okey::load_config(dir / "none.conf", me);
    assert_false(missing.ok());
    assert_int_equal(static_cast<int>(missing.error().code), static_cast<int>(Errc::config));
    assert_contains(missing.error().message, dir / "none.conf");

    // Unsafe files are refused before anything is parsed.
    test::write_file(dir / "open.conf", "", 0666);
    auto open = okey::load_config(dir / "open.conf", me);
    assert_false(open.ok());
    assert_int_equal(static_cast<int>(open.error().code), static_cast<int>(Errc::config));
    assert_contains(open.error().message, dir / "open.conf: refused: writable by others");
    assert_int_equal(::symlink((dir / "okey.conf").c_str(), (dir / "link.conf").c_str()), 0);
    auto link = okey::load_config(dir / "link.conf", me);
    assert_false(link.ok());
    assert_contains(link.error().message, "is a symbolic link");
    auto other = okey::load_config(dir / "okey.conf", me + 1);
    assert_false(other.ok());
    assert_contains(other.error().message, "owned by uid");
}

void missing_default_file_gives_defaults(void**) {
    struct stat st {};
    if (::lstat(okey::default_config_path, &st) == 0) return;  // installed here: not this case
    assert_int_equal(errno, ENOENT);
    auto loaded = okey::load_config(okey::default_config_path, me);
    assert_true(loaded.ok());
    assert_defaults(loaded.value());
    assert_string_equal(loaded->source.c_str(), "");
}

void shipped_config_is_the_defaults(void**) {
    std::string path = std::string(OKEY_SOURCE_DIR) + "/config/okey.conf";
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    assert_true(text.size() > 1000);
    auto parsed = okey::parse_config(text, path);
    if (!parsed.ok()) {
        print_error("%s\n", parsed.error().message.c_str());
        fail();
    }
    assert_defaults(parsed.value());
    // Every commented prompt in the file is the default text: uncommenting
    // them all must change nothing.
    std::string uncommented;
    bool in_prompts = false;
    std::size_t start = 0, uncommented_prompts = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        if (line.rfind("prompts:", 0) == 0) in_prompts = true;
        if (in_prompts && line.rfind("  #", 0) == 0) {
            line = "  " + line.substr(3);
            ++uncommented_prompts;
        }
        uncommented += line + "\n";
        start = end + 1;
    }
    assert_int_equal(uncommented_prompts, 16);
    auto prompts = okey::parse_config(uncommented, path);
    if (!prompts.ok()) {
        print_error("%s\n", prompts.error().message.c_str());
        fail();
    }
    assert_int_equal(prompts->text_overrides.size(), okey::text_fields.size());
    auto defaults = okey::default_texts(okey::Language::fr, 4, 6);
    for (const auto& field : okey::text_fields)
        assert_string_equal((prompts->texts.*field.member).c_str(), (defaults.*field.member).c_str());
}

}  // namespace

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(french_and_english_texts),
        cmocka_unit_test(scope_keys),
        cmocka_unit_test(ascii_texts_for_ssh),
        cmocka_unit_test(every_key),
        cmocka_unit_test(errors_name_file_line_key),
        cmocka_unit_test(invariants),
        cmocka_unit_test(unknown_keys_and_wrong_types),
        cmocka_unit_test(parse_errors_and_includes),
        cmocka_unit_test(lang_switch_keeps_overrides),
        cmocka_unit_test(module_arguments),
        cmocka_unit_test(load_from_files),
        cmocka_unit_test(missing_default_file_gives_defaults),
        cmocka_unit_test(shipped_config_is_the_defaults),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
