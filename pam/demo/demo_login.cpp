// SPDX-License-Identifier: Apache-2.0
// pam/demo/demo_login.cpp — `okey-demo-login`, the login program of
// scripts/demo: pam_start + pam_authenticate through the real libpam (and
// pam_okey.so named in the service file), with a terminal conversation and a
// demo key's display (its current code, refreshed at each 30 s step).
// With --auto it answers its own prompts and prints each prompt and answer,
// so it runs without a terminal. Demo only: not installed.
//   okey-demo-login --service S --login L --secret-file F --pin P [--auto]
#include <okey/otp.hpp>

#include <security/pam_appl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <termios.h>
#include <thread>
#include <unistd.h>

namespace {

constexpr unsigned period = 30;

struct Options {
    std::string service, login, secret_file, pin;
    bool auto_answer = false;
    bool fast = false;  // --auto only: type the next step's code instead of waiting for it
};

std::mutex output;

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }
std::uint64_t step_now() { return static_cast<std::uint64_t>(now()) / period; }

class DemoKey {
public:
    explicit DemoKey(const std::string& secret_file) {
        std::ifstream in(secret_file);
        std::string base32;
        std::getline(in, base32);
        auto secret = okey::otp::base32_decode(base32);
        okey_otp_wipe(base32.data(), base32.size());
        if (!secret) throw std::runtime_error("bad demo secret");
        auto key = okey::otp::Key::make(secret.value(), OKEY_OTP_SHA1, 6, period);
        if (!key) throw std::runtime_error("bad demo key");
        key_ = std::move(key).value();
    }
    std::string code(std::uint64_t step) const {
        auto code = key_.hotp(step);
        return code ? std::string(code->view()) : std::string("??????");
    }
    // What the key's screen shows now.
    std::string display() const {
        const std::string c = code(step_now());
        const auto left = period - static_cast<unsigned>(now() % period);
        return "  ┌──────────────┐\n  │  " + c.substr(0, 3) + " " + c.substr(3) +
               "     │  clé OTP de démonstration (code valable encore " + std::to_string(left) +
               " s)\n  └──────────────┘";
    }

private:
    okey::otp::Key key_;
};

struct Session {
    Options options;
    DemoKey key;
    std::uint64_t last_code_step = 0;  // the step of the last code the robot typed
    std::atomic<bool> done{false};
    std::string waiting_prompt;  // the question on screen, guarded by `output`
};

bool contains(const char* text, const char* part) { return std::strstr(text, part) != nullptr; }

// The robot's answer to one prompt, as a person holding the key would type it.
std::string auto_answer(Session& s, const char* prompt) {
    const bool code_only = contains(prompt, "Code affich") || contains(prompt, "Code shown") ||
                           contains(prompt, "code suivant") || contains(prompt, "next code");
    if (contains(prompt, "PIN") && !contains(prompt, "passcode") && !code_only) return s.options.pin;
    // Never a step already used; a strictly later one where the flow asks for it.
    std::uint64_t step = std::max(s.last_code_step + 1, step_now());
    // The fast robot may type the key's next code (the module accepts ±1 step);
    // otherwise it waits until the key shows it, as a person would.
    const std::uint64_t reach = s.options.fast ? 1 : 0;
    if (step > step_now() + reach) {
        std::cout << "  (robot : j'attends que le code de la clé change…)\n" << std::flush;
        while (step > step_now() + reach) std::this_thread::sleep_for(std::chrono::milliseconds(200));
        std::cout << s.key.display() << "\n";
    }
    if (step > step_now()) std::cout << "  (robot : le code suivant de la clé, tapé d'avance)\n";
    s.last_code_step = step;
    const std::string code = s.key.code(step);
    if (code_only) return code;
    return s.options.pin + code;
}

std::string read_hidden_line() {
    termios saved{};
    const bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
    if (tty) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::string line;
    std::getline(std::cin, line);
    if (tty) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cout << "\n";
    return line;
}

extern "C" int conversation(int count, const struct pam_message** messages,
                            struct pam_response** responses, void* data) {
    auto* s = static_cast<Session*>(data);
    auto* replies = static_cast<pam_response*>(std::calloc(static_cast<size_t>(count), sizeof(pam_response)));
    if (replies == nullptr) return PAM_BUF_ERR;
    for (int i = 0; i < count; ++i) {
        const pam_message* m = messages[i];
        const char* text = m->msg ? m->msg : "";
        if (m->msg_style == PAM_TEXT_INFO || m->msg_style == PAM_ERROR_MSG) {
            std::lock_guard lock(output);
            std::cout << (m->msg_style == PAM_ERROR_MSG ? "  [erreur] " : "  [info] ") << text << "\n";
            continue;
        }
        std::string answer;
        if (s->options.auto_answer) {
            answer = auto_answer(*s, text);
            std::lock_guard lock(output);
            std::cout << text << answer << "   ← réponse du robot\n";
        } else {
            {
                std::lock_guard lock(output);
                std::cout << s->key.display() << "\n" << text << std::flush;
                s->waiting_prompt = text;
            }
            answer = m->msg_style == PAM_PROMPT_ECHO_OFF ? read_hidden_line() : [] {
                std::string line;
                std::getline(std::cin, line);
                return line;
            }();
            {
                std::lock_guard lock(output);
                s->waiting_prompt.clear();
            }
            if (!std::cin) {
                for (int j = 0; j < i; ++j) std::free(replies[j].resp);
                std::free(replies);
                return PAM_CONV_ERR;
            }
        }
        replies[i].resp = strdup(answer.c_str());
        okey_otp_wipe(answer.data(), answer.size());
    }
    *responses = replies;
    return PAM_SUCCESS;
}

// Interactive only: show the key's new code whenever it changes.
void refresh_display(Session* s) {
    std::uint64_t shown = step_now();
    while (!s->done) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        if (step_now() != shown) {
            shown = step_now();
            std::lock_guard lock(output);
            std::cout << "\n" << s->key.display() << "\n  (le code de la clé vient de changer)\n"
                      << s->waiting_prompt << std::flush;
        }
    }
}

int usage() {
    std::cerr << "usage: okey-demo-login --service S --login L --secret-file F --pin P [--auto]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--service") o.service = next();
        else if (a == "--login") o.login = next();
        else if (a == "--secret-file") o.secret_file = next();
        else if (a == "--pin") o.pin = next();
        else if (a == "--auto") o.auto_answer = true;
        else return usage();
    }
    if (o.service.empty() || o.login.empty() || o.secret_file.empty() || o.pin.empty()) return usage();
    o.fast = o.auto_answer && std::getenv("OKEY_DEMO_FAST") != nullptr;
    if (!o.auto_answer && !isatty(STDIN_FILENO)) {
        std::cerr << "okey-demo-login: pas de terminal — relancez avec --auto\n";
        return 2;
    }
    try {
        Session s{o, DemoKey(o.secret_file), 0, {}, {}};
        // The robot never reuses a step across the demo's logins.
        std::ifstream(o.secret_file + ".last-step") >> s.last_code_step;
        std::thread refresher;
        if (!o.auto_answer) refresher = std::thread(refresh_display, &s);
        else std::cout << s.key.display() << "\n";

        pam_conv conv{conversation, &s};
        pam_handle_t* pamh = nullptr;
        int rc = pam_start(o.service.c_str(), o.login.c_str(), &conv, &pamh);
        if (rc == PAM_SUCCESS) rc = pam_authenticate(pamh, 0);
        const int auth_rc = rc;
        if (rc == PAM_SUCCESS) rc = pam_acct_mgmt(pamh, 0);
        std::cout << "\n  → pam_authenticate : " << pam_strerror(pamh, auth_rc) << "\n";
        pam_end(pamh, rc);
        s.done = true;
        if (refresher.joinable()) refresher.join();
        if (o.auto_answer) std::ofstream(o.secret_file + ".last-step") << s.last_code_step << "\n";
        return rc == PAM_SUCCESS ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "okey-demo-login: " << e.what() << "\n";
        return 2;
    }
}
