// SPDX-License-Identifier: Apache-2.0
// tests/pam/harness.cpp — see harness.hpp. Failures here abort the test
// program: a fixture that cannot be built is a failed test, never a skip.
#include "tests/pam/harness.hpp"

#include <security/pam_appl.h>

extern "C" {
#include <libpamtest.h>
}

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace okey::test {

void die(const std::string& what) {
    std::cerr << "test fixture: " << what << std::endl;
    std::abort();
}

void run_as_root(int argc, char** argv) {
    if (geteuid() == 0) return;
    std::vector<char*> command = {const_cast<char*>("unshare"), const_cast<char*>("--map-root-user"),
                                  const_cast<char*>("--")};
    for (int i = 0; i < argc; ++i) command.push_back(argv[i]);
    command.push_back(nullptr);
    execvp("unshare", command.data());
    die("not root, and `unshare --map-root-user` failed: run as root or allow user namespaces");
}

Act act_now() { return Act{static_cast<std::int64_t>(std::time(nullptr)), "test"}; }

namespace {

extern "C" int record_and_answer(int count, const struct pam_message** messages,
                                 struct pam_response** responses, void* data) {
    auto* conversation = static_cast<Conversation*>(data);
    auto* replies = static_cast<pam_response*>(calloc(static_cast<size_t>(count), sizeof(pam_response)));
    if (replies == nullptr) return PAM_BUF_ERR;
    for (int i = 0; i < count; ++i) {
        const pam_message* message = messages[i];
        conversation->messages.push_back({message->msg_style, message->msg ? message->msg : ""});
        if (message->msg_style == PAM_PROMPT_ECHO_OFF || message->msg_style == PAM_PROMPT_ECHO_ON) {
            std::string answer;
            auto queue = conversation->by_prompt.find(conversation->messages.back().text);
            if (queue != conversation->by_prompt.end() && !queue->second.empty()) {
                answer = queue->second.front();
                queue->second.pop_front();
            } else if (conversation->next < conversation->answers.size()) {
                answer = conversation->answers[conversation->next++];
            } else {
                for (int j = 0; j < i; ++j) free(replies[j].resp);
                free(replies);
                return PAM_CONV_ERR;
            }
            replies[i].resp = strdup(answer.c_str());
        }
    }
    *responses = replies;
    return PAM_SUCCESS;
}

}  // namespace

TempDir::TempDir(const std::string& base) {
    std::string name = base + "/okey-test.XXXXXX";
    if (mkdtemp(name.data()) == nullptr) die("mkdtemp failed under " + base);
    path_ = name;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

void write_file(const std::string& path, const std::string& content, unsigned mode) {
    std::filesystem::remove(path);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    if (fd < 0) die("cannot create " + path);
    if (::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size()))
        die("cannot write " + path);
    ::fchmod(fd, static_cast<mode_t>(mode));
    ::close(fd);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string module_path() { return OKEY_PAM_MODULE_PATH; }
std::string pam_set_items_path() { return "/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_set_items.so"; }

Services::Services(std::string dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
}

void Services::add_okey(const std::string& service, const std::string& arguments,
                        const std::vector<std::string>& before) {
    std::string content;
    for (const auto& line : before) content += line + "\n";
    content += "auth required " + module_path() + " " + arguments + "\n";
    content += "account required /lib/x86_64-linux-gnu/security/pam_permit.so\n";
    add_raw(service, content);
}

void Services::add_raw(const std::string& service, const std::string& content) {
    write_file(dir_ + "/" + service, content, 0644);
}

void Services::activate() {
    add_raw("other",
            "auth required /lib/x86_64-linux-gnu/security/pam_deny.so\n"
            "account required /lib/x86_64-linux-gnu/security/pam_deny.so\n"
            "password required /lib/x86_64-linux-gnu/security/pam_deny.so\n"
            "session required /lib/x86_64-linux-gnu/security/pam_deny.so\n");
    setenv("PAM_WRAPPER_SERVICE_DIR", dir_.c_str(), 1);
}

std::vector<std::string> Conversation::prompts() const {
    std::vector<std::string> out;
    for (const auto& m : messages)
        if (m.style == PAM_PROMPT_ECHO_OFF || m.style == PAM_PROMPT_ECHO_ON) out.push_back(m.text);
    return out;
}

bool Conversation::has_message(int style, const std::string& text) const {
    for (const auto& m : messages)
        if (m.style == style && m.text == text) return true;
    return false;
}

int authenticate(const std::string& service, const std::string& login, Conversation& conversation) {
    struct pam_testcase cases[] = {pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS)};
    const enum pamtest_err err = _pamtest_conv(service.c_str(), login.c_str(), record_and_answer,
                                               &conversation, cases, 1, nullptr);
    if (err != PAMTEST_ERR_OK && err != PAMTEST_ERR_CASE)
        die(std::string("libpamtest: ") + pamtest_strerror(err));
    return cases[0].op_rv;
}

int authenticate_and_setcred(const std::string& service, const std::string& login,
                             Conversation& conversation) {
    struct pam_testcase cases[] = {pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
                                   pam_test(PAMTEST_SETCRED, PAM_SUCCESS)};
    const enum pamtest_err err = _pamtest_conv(service.c_str(), login.c_str(), record_and_answer,
                                               &conversation, cases, 2, nullptr);
    if (err != PAMTEST_ERR_OK && err != PAMTEST_ERR_CASE)
        die(std::string("libpamtest: ") + pamtest_strerror(err));
    return cases[0].op_rv != PAM_SUCCESS ? cases[0].op_rv : cases[1].op_rv;
}

namespace {
// Per uid too: a child that became another user (tests/helper) cannot reuse a
// stale file of root's with the same pid in sticky /tmp.
std::string capture_path() {
    return "/tmp/okey-test-log." + std::to_string(geteuid()) + "." + std::to_string(getpid());
}
}  // namespace

int begin_capture() {
    std::fflush(stderr);
    const int saved = dup(2);
    const int fd = ::open(capture_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
    if (saved < 0 || fd < 0) die("cannot capture stderr");
    dup2(fd, 2);
    ::close(fd);
    return saved;
}

std::string end_capture(int saved) {
    std::fflush(stderr);
    dup2(saved, 2);
    ::close(saved);
    std::string text = read_file(capture_path());
    ::unlink(capture_path().c_str());
    std::cerr << text;  // keep it visible in the test output
    return text;
}

// ---- codes ----

namespace {
otp::Key key_from(const std::string& secret_base32) {
    otp::SecretBytes secret = [&] {
        auto decoded = otp::base32_decode(secret_base32);
        if (!decoded) die("bad base32 secret");
        return std::move(decoded).value();
    }();
    auto key = otp::Key::make(secret, OKEY_OTP_SHA1, 6, 30);
    if (!key) die("cannot make key");
    return std::move(key).value();
}
}  // namespace

std::uint64_t step_now() { return static_cast<std::uint64_t>(std::time(nullptr)) / 30; }

std::string code_at_step(const std::string& secret_base32, std::uint64_t step) {
    const otp::Key key = key_from(secret_base32);
    auto code = key.hotp(step);
    if (!code) die("cannot compute code");
    return std::string(code->view());
}

std::string code_at(const std::string& secret_base32, std::int64_t step_offset) {
    const auto step = static_cast<std::int64_t>(step_now()) + step_offset;
    return code_at_step(secret_base32, static_cast<std::uint64_t>(step));
}

// ---- store ----

StoreFixture::StoreFixture(const std::string& dir, bool create)
    : store_path(dir + "/store/okey.db"), key_path(dir + "/seed.key") {
    if (!create) return;
    StoreOptions options;
    options.path = store_path;
    options.key_file = key_path;
    options.trusted_owner = static_cast<unsigned>(geteuid());
    must(Store::initialise(options), "initialise store");
}

std::string StoreFixture::config_text(const std::string& extra) const {
    return "store = \"" + store_path + "\";\n"
           "key_file = \"" + key_path + "\";\n"
           "pin: { argon2: { memory_kib = 64; iterations = 1; parallelism = 1; }; };\n" +
           extra;
}

Store StoreFixture::open() const {
    StoreOptions options;
    options.path = store_path;
    options.key_file = key_path;
    options.trusted_owner = static_cast<unsigned>(geteuid());
    return must(Store::open(options), "open store");
}

KeyFixture StoreFixture::add_key(const std::string& serial, const std::string& expires) {
    // A distinct, known secret per key: 20 bytes derived from the serial.
    otp::SecretBytes secret(20);
    for (std::size_t i = 0; i < secret.size(); ++i)
        secret[i] = static_cast<std::uint8_t>(serial[i % serial.size()] * 31 + i * 7 + 1);
    KeySpec spec;
    spec.serial = serial;
    spec.expires = expires;
    Store store = open();
    must(store.add_token(spec, secret, act_now()),
         "add key " + serial);
    auto encoded = otp::base32_encode(secret);
    if (!encoded) die("base32 of " + serial);
    return {serial, encoded.value()};
}

void StoreFixture::assign(const std::string& serial, const std::string& login) {
    Store store = open();
    must(store.assign(serial, login, act_now()),
         "assign " + serial);
}

KeyFixture StoreFixture::ready_login(const std::string& login, const std::string& pin,
                                     const std::string& expires, const otp::Argon2Params& cost) {
    // Serials unique across runs of the fixture program on one store.
    const KeyFixture key = add_key("OK" + std::to_string(100000 + ++serial_counter_) + "-" + login, expires);
    assign(key.serial, login);
    std::string hash = [&] {
        auto hashed = otp::hash_pin(cost, pin);
        if (!hashed) die("hash PIN");
        return std::move(hashed).value();
    }();
    // As a finished new-PIN mode leaves it: PIN set, a code accepted long ago.
    StepAcceptance acceptance;
    acceptance.login = login;
    acceptance.serial = key.serial;
    acceptance.step = step_now() - 100;
    acceptance.now = static_cast<std::int64_t>(std::time(nullptr));
    acceptance.login_succeeded = true;
    acceptance.new_pin_hash = hash;
    Store store = open();
    const StepVerdict verdict = must(store.accept_step(acceptance), "set PIN of " + login);
    if (verdict != StepVerdict::accepted) die("PIN of " + login + " not stored");
    return key;
}

UserRecord StoreFixture::user(const std::string& login) const {
    Store store = open();
    return must(store.get_user(login), "user " + login);
}

TokenRecord StoreFixture::token(const std::string& serial) const {
    Store store = open();
    return must(store.get_token(serial), "token " + serial);
}

void add_rollout_service(PamWorld& world, const std::string& name, const std::string& extra_config) {
    const std::string config = world.dir / (name + ".conf");
    write_file(config, world.store.config_text(extra_config), 0644);
    world.services.add_raw(name, "auth [success=done ignore=ignore default=die] " + module_path() +
                                     " config=" + config +
                                     "\nauth required /lib/x86_64-linux-gnu/security/pam_permit.so\n");
}

}  // namespace okey::test
