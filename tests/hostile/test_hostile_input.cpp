// SPDX-License-Identifier: Apache-2.0
// tests/hostile/test_hostile_input.cpp — what a person at the prompt can type,
// and what a broken PAM application can answer, through the real PAM stack:
// passcodes of 0, 1, 63, 64, 65 and 1 000 000 bytes, NUL bytes, letters,
// Arabic-Indic and fullwidth digits, control characters, a right passcode
// with one byte of junk; a conversation that fails or answers NULL. Each is a
// clean refusal (PAM_AUTH_ERR), and the module's log never holds the input.
#include "tests/hostile/hostile.hpp"

#include <cstdarg>
#include <cstddef>
#include <csetjmp>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include <cmocka.h>
}

using namespace okey::test;
using okey::hostile::authenticate_raw;
using okey::hostile::log_free_of;

namespace {

const char* const pin = "2580";

struct World {
    TempDir dir;
    StoreFixture store{dir.path()};
    Services services{dir / "services"};
    int next_login = 0;
};
World* world = nullptr;

// A login ready for a normal passcode; a fresh one per case so the lockout of
// one case never decides another.
struct Login {
    std::string name;
    KeyFixture key;
};
Login fresh_login() {
    Login login;
    login.name = "hostile" + std::to_string(++world->next_login);
    login.key = world->store.ready_login(login.name, pin);
    return login;
}

// A raw conversation answering one prompt with exactly these bytes (NUL bytes
// included: what the module sees then stops at the first one).
struct RawAnswer {
    std::string bytes;
    int prompts = 0;
};
extern "C" int answer_bytes(int count, const struct pam_message** messages,
                            struct pam_response** responses, void* data) {
    auto* answer = static_cast<RawAnswer*>(data);
    auto* replies = static_cast<pam_response*>(calloc(static_cast<size_t>(count), sizeof(pam_response)));
    if (replies == nullptr) return PAM_BUF_ERR;
    for (int i = 0; i < count; ++i) {
        if (messages[i]->msg_style != PAM_PROMPT_ECHO_OFF && messages[i]->msg_style != PAM_PROMPT_ECHO_ON)
            continue;
        ++answer->prompts;
        auto* copy = static_cast<char*>(malloc(answer->bytes.size() + 1));
        if (copy == nullptr) return PAM_BUF_ERR;
        std::memcpy(copy, answer->bytes.data(), answer->bytes.size());
        copy[answer->bytes.size()] = '\0';
        replies[i].resp = copy;
    }
    *responses = replies;
    return PAM_SUCCESS;
}

// Typing `input` for a known login (and for an unknown one) is refused with
// PAM_AUTH_ERR, and nothing the module logged holds it.
void refused_cleanly(const std::string& input, const std::string& what) {
    for (const bool known : {true, false}) {
        const std::string login = known ? fresh_login().name : "nobody-" + std::to_string(world->next_login++);
        RawAnswer answer{input, 0};
        int code = -1;
        const std::string log = capture_log([&] { code = authenticate_raw("okey", login, answer_bytes, &answer); });
        if (code != PAM_AUTH_ERR)
            fail_msg("%s (%s login): PAM code %d, expected PAM_AUTH_ERR", what.c_str(),
                     known ? "known" : "unknown", code);
        assert_int_equal(answer.prompts, 1);
        // The log is really captured: the outcome line names the login.
        if (log.find(login) == std::string::npos)
            fail_msg("%s: no log line names %s:\n%s", what.c_str(), login.c_str(), log.c_str());
        const std::string seen = input.substr(0, input.find('\0'));  // what the module received
        if (seen.size() >= 6 && !log_free_of(log, seen))
            fail_msg("%s: the log holds the input:\n%s", what.c_str(), log.c_str());
    }
}

std::string right_passcode(const Login& login) { return pin + code_at(login.key.secret_base32, 0); }

void lengths(void**) {
    refused_cleanly("", "0 bytes");
    refused_cleanly("7", "1 byte");
    refused_cleanly(std::string(63, '8'), "63 digits");
    refused_cleanly(std::string(64, '8'), "64 digits");
    refused_cleanly(std::string(65, '8'), "65 digits");
    refused_cleanly(std::string(1000000, '9'), "1 000 000 digits");
    refused_cleanly(std::string(1000000, 'x'), "1 000 000 letters");
}

void nul_bytes(void**) {
    const Login login = fresh_login();
    const std::string right = right_passcode(login);
    refused_cleanly(std::string("\0", 1) + right, "NUL then a passcode");
    refused_cleanly(std::string(pin) + std::string("\0", 1) + right.substr(4), "NUL between PIN and code");
    refused_cleanly(std::string(10, '\0'), "ten NUL bytes");
}

void not_ascii_digits(void**) {
    refused_cleanly("abcd123456", "letters");
    refused_cleanly("2580 123456", "a space");
    refused_cleanly("-2580123456", "a sign");
    refused_cleanly("\xd9\xa2\xd9\xa5\xd9\xa8\xd9\xa0" "123456", "Arabic-Indic PIN ٢٥٨٠");
    refused_cleanly("2580\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4\xd9\xa5\xd9\xa6", "Arabic-Indic code ١٢٣٤٥٦");
    refused_cleanly("\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94" "123456", "fullwidth １２３４");
    refused_cleanly("2580\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96",
                    "fullwidth code １２３４５６");
    refused_cleanly("\xf0\x9d\x9f\x8e\xf0\x9d\x9f\x8f" "2580123456", "mathematical digits");
    refused_cleanly("\xff\xfe\xfd\xfc" "123456", "bytes that are not UTF-8");
}

void control_characters(void**) {
    refused_cleanly("\x1b[2J\x1b[H" "2580123456", "terminal escapes");
    refused_cleanly("2580\b\b\b\b" "1357123456", "backspaces");
    refused_cleanly("2580123456\r\n", "CR LF");
    refused_cleanly("\t2580123456", "a tab");
    refused_cleanly("2580\x7f" "123456", "DEL");
    refused_cleanly("%s%s%s%n%n" "123456", "printf directives");
}

// The right passcode with one byte added or changed anywhere is refused:
// nothing is trimmed, normalised or "helpfully" repaired.
void right_passcode_with_junk(void**) {
    for (const std::string& junk : {std::string(" "), std::string("\n"), std::string("\xc2\xa0"),
                                    std::string("\xd9\xa0")}) {
        const Login login = fresh_login();
        const std::string right = right_passcode(login);
        for (const std::string& input : {junk + right, right + junk}) {
            RawAnswer answer{input, 0};
            int code = -1;
            const std::string log =
                capture_log([&] { code = authenticate_raw("okey", login.name, answer_bytes, &answer); });
            assert_int_equal(code, PAM_AUTH_ERR);
            assert_true(log_free_of(log, right));
        }
        // and the login still works with the passcode as it should be typed
        Conversation conversation{{right}};
        assert_int_equal(authenticate("okey", login.name, conversation), PAM_SUCCESS);
    }
}

// ---- conversations that fail ----

enum class Misbehaviour { conv_err, buf_err, null_responses, null_answer, conv_again };

extern "C" int misbehave(int count, const struct pam_message**, struct pam_response** responses,
                         void* data) {
    switch (*static_cast<Misbehaviour*>(data)) {
    case Misbehaviour::conv_err: return PAM_CONV_ERR;
    case Misbehaviour::buf_err: return PAM_BUF_ERR;
    case Misbehaviour::conv_again: return PAM_CONV_AGAIN;
    case Misbehaviour::null_responses:
        *responses = nullptr;
        return PAM_SUCCESS;
    case Misbehaviour::null_answer:
        *responses = static_cast<pam_response*>(calloc(static_cast<size_t>(count), sizeof(pam_response)));
        return *responses == nullptr ? PAM_BUF_ERR : PAM_SUCCESS;
    }
    return PAM_CONV_ERR;
}

void conversation_failures(void**) {
    const struct {
        Misbehaviour how;
        const char* what;
    } cases[] = {{Misbehaviour::conv_err, "PAM_CONV_ERR"},
                 {Misbehaviour::buf_err, "PAM_BUF_ERR"},
                 {Misbehaviour::null_responses, "success with no responses"},
                 {Misbehaviour::null_answer, "success with a NULL answer"},
                 {Misbehaviour::conv_again, "PAM_CONV_AGAIN"}};
    for (const auto& c : cases) {
        for (const bool known : {true, false}) {
            const std::string login = known ? fresh_login().name : "ghost" + std::to_string(world->next_login++);
            Misbehaviour how = c.how;
            const int code = authenticate_raw("okey", login, misbehave, &how);
            if (code != PAM_AUTH_ERR)
                fail_msg("conversation %s (%s login): PAM code %d, expected PAM_AUTH_ERR", c.what,
                         known ? "known" : "unknown", code);
        }
    }
}

// Login names are chosen by the attacker too (ssh user@host): newlines that
// would forge a log line, terminal escapes, an overlong name. Refused like any
// unknown login, and the log line stays one line without control characters.
void hostile_login_names(void**) {
    const std::string names[] = {"jdupont\nokey: login=root outcome=success", "\x1b]0;pwned\x07x",
                                 "x\ry", std::string(300, 'n'), "../../etc/passwd", "%s%n"};
    for (const std::string& name : names) {
        RawAnswer answer{std::string(pin) + "000000", 0};
        int code = -1;
        const std::string log = capture_log([&] { code = authenticate_raw("okey", name, answer_bytes, &answer); });
        if (code != PAM_AUTH_ERR) fail_msg("login name %zu bytes: PAM code %d", name.size(), code);
        for (const std::string& line : {std::string("login=root outcome=success"), std::string("\x1b"),
                                        std::string("\r")})
            if (log.find(line) != std::string::npos)
                fail_msg("the log holds a raw piece of the login name:\n%s", log.c_str());
    }
}

}  // namespace

int main(int argc, char** argv) {
    run_as_root(argc, argv);
    auto owned = std::make_unique<World>();
    world = owned.get();
    write_file(world->dir / "okey.conf", world->store.config_text(), 0644);
    world->services.add_okey("okey", "config=" + (world->dir / "okey.conf"));
    world->services.activate();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lengths),
        cmocka_unit_test(nul_bytes),
        cmocka_unit_test(not_ascii_digits),
        cmocka_unit_test(control_characters),
        cmocka_unit_test(right_passcode_with_junk),
        cmocka_unit_test(conversation_failures),
        cmocka_unit_test(hostile_login_names),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
