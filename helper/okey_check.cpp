// SPDX-License-Identifier: Apache-2.0
// helper/okey_check.cpp — okey-check, the setuid-root helper pam_okey.so runs
// when it is not root (screen lockers and other programs that authenticate
// their own user; DESIGN.md §10, model: Linux-PAM's unix_chkpwd).
//
//   okey-check LOGIN SERVICE RHOST [MODULE-ARGUMENT...]
//
// It runs the login flow of the engine for LOGIN, which must name (as NSS
// spells it) the login of the caller's real uid, relaying each question to
// the module over descriptors 0 (answers) and 1 (questions) (engine/relay.hpp); its exit
// status is the outcome. With forward_pass it also sends the password found
// before the passcode, for the module to hand on. Every refusal is logged (LOG_AUTHPRIV, "okey-check").
// The store's failure counter is its rate limit: parallel guesses count.
#include "engine/account.hpp"
#include "engine/clock.hpp"
#include "engine/log_text.hpp"
#include "engine/login.hpp"
#include "engine/module_arguments.hpp"
#include "engine/relay.hpp"
#include "engine/syslog_logger.hpp"
#include "helper/process.hpp"
#include "helper/settings.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

namespace okey::helper {
namespace {

constexpr int max_arguments = 32;
constexpr std::size_t max_login_bytes = 256;     // as pam_okey.so
constexpr std::size_t max_service_bytes = 256;
constexpr std::size_t max_rhost_bytes = 1024;
constexpr std::size_t max_argument_bytes = 4096;

[[noreturn]] void finish(LoginOutcome outcome) { std::exit(relay::exit_status(outcome)); }

// Syslog; in a test build also the file settings().log_file names, opened
// once the helper is root (tests read what it logged from there).
class HelperLogger final : public Logger {
public:
    HelperLogger() : syslog_("okey-check", false) {}
    ~HelperLogger() override {
        if (file_ >= 0) ::close(file_);
    }
    HelperLogger(const HelperLogger&) = delete;
    HelperLogger& operator=(const HelperLogger&) = delete;
    void open_file(const std::string& path) {
        if (!path.empty())
            file_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
    void set_debug(bool debug) {
        debug_ = debug;
        syslog_.set_debug(debug);
    }
    void log(LogLevel level, std::string_view message) override {
        syslog_.log(level, message);
        if (file_ < 0 || (level == LogLevel::debug && !debug_)) return;
        const std::string line = std::string(message) + "\n";
        (void)!::write(file_, line.data(), line.size());
    }

private:
    SyslogLogger syslog_;
    int file_ = -1;
    bool debug_ = false;
};

// `why` is made safe for one log line by the caller (log_text, log_field).
[[noreturn]] void refuse(Logger& logger, LoginOutcome outcome, uid_t caller,
                         const std::string& why) {
    logger.log(outcome == LoginOutcome::refused ? LogLevel::warning : LogLevel::error,
               "caller uid=" + std::to_string(caller) + " refused: " + why);
    finish(outcome);
}

// config= may name only a file under the config folder (root's), never one a
// caller chose: a config of theirs could lift the lockout or point elsewhere.
Result<void> check_config_path(const ModuleArguments& arguments, const Settings& settings) {
    auto path = config_path_of(arguments);
    if (!path) return path.error();
    if (*path == default_config_path) return {};
    const std::string_view p = *path;
    if (!p.starts_with(settings.config_dir) || p.find("/../") != std::string_view::npos ||
        p.find("/./") != std::string_view::npos || p.ends_with("/.."))
        return make_error(Errc::config, "config= outside " + settings.config_dir + ": " + *path);
    return {};
}

int run(int argc, char** argv, const Settings& settings, uid_t caller) {
    HelperLogger logger;
    if (auto root = become_root(); !root)
        refuse(logger, LoginOutcome::service_error, caller, log_text(root.error().message));
    logger.open_file(settings.log_file);
    if (argc < 4 || argc > max_arguments)
        refuse(logger, LoginOutcome::service_error, caller,
               "usage: okey-check LOGIN SERVICE RHOST [MODULE-ARGUMENT...]");
    const std::string_view login = argv[1];
    if (login.empty() || login.size() > max_login_bytes ||
        std::string_view(argv[2]).size() > max_service_bytes ||
        std::string_view(argv[3]).size() > max_rhost_bytes)
        refuse(logger, LoginOutcome::refused, caller, "empty or overlong login, service or host");
    auto arguments = module_arguments(argc - 4, argv + 4);
    if (!arguments) refuse(logger, LoginOutcome::service_error, caller, log_text(arguments.error().message));
    for (const std::string& argument : *arguments)
        if (argument.size() > max_argument_bytes)
            refuse(logger, LoginOutcome::service_error, caller, "overlong module argument");

    // The caller's own login only: NSS's spelling of the PAM user must be the
    // name of the real uid ("JDupont" typed where NSS ignores case is
    // jdupont's; where it does not, NSS knows no "JDupont" and the typed name
    // stays, which is nobody's uid). Everything below uses that spelling.
    auto named = name_login(login, logger);
    if (!named) refuse(logger, LoginOutcome::unavailable, caller, log_text(named.error().message));
    auto account = find_account(caller);
    if (!account) refuse(logger, LoginOutcome::unavailable, caller, log_text(account.error().message));
    if (!account->has_value()) refuse(logger, LoginOutcome::refused, caller, "no login for this uid");
    if ((*account)->login != named->login)
        refuse(logger, LoginOutcome::refused, caller,
               "login=" + log_field((*account)->login) + " asked about login=" + log_field(login));
    if (auto locked = lock_caller(settings.run_dir, caller); !locked)
        refuse(logger, LoginOutcome::unavailable, caller, log_text(locked.error().message));

    if (auto allowed = check_config_path(*arguments, settings); !allowed)
        refuse(logger, LoginOutcome::service_error, caller, log_text(allowed.error().message));
    auto config = load_config_with(*arguments, 0);
    if (!config) refuse(logger, LoginOutcome::service_error, caller, log_text(config.error().message));
    logger.set_debug(config->debug);

    relay::RelayPrompter prompter(STDIN_FILENO, STDOUT_FILENO, settings.answer_time);
    auto first_pass = prompter.read_first_pass();
    if (!first_pass) refuse(logger, LoginOutcome::refused, caller, log_text(first_pass.error().message));

    LoginContext context;
    context.login = named->login;
    context.service = argv[2];
    context.remote_host = argv[3];
    context.first_pass = std::move(*first_pass);
    const SystemClock clock;
    if (!config->forward_pass)
        return relay::exit_status(run_login(*config, context, prompter, clock, logger, 0).outcome);
    // One field (a screen locker): the password goes back to the module for
    // PAM_AUTHTOK — the caller typed it; PIN and code never leave.
    const ForwardedLogin forwarded = run_forwarded_login(*config, context, prompter, clock, logger, 0);
    const LoginOutcome outcome = forwarded.result.outcome;
    if (outcome == LoginOutcome::success || outcome == LoginOutcome::ignored)
        if (auto sent = prompter.send_password(forwarded.password.view()); !sent)
            refuse(logger, LoginOutcome::refused, caller, log_text(sent.error().message));
    return relay::exit_status(outcome);
}

}  // namespace
}  // namespace okey::helper

int main(int argc, char** argv) {
    using namespace okey::helper;
    // First what the caller handed over, before anything can use it.
    sanitise_descriptors();
    sanitise_signals();
    const uid_t caller = getuid();
    const Settings fixed = settings();  // reads the environment only in a test build
    sanitise_process();
    try {
        return run(argc, argv, fixed, caller);
    } catch (const std::exception&) {
        return okey::relay::exit_status(okey::LoginOutcome::service_error);
    } catch (...) {
        return okey::relay::exit_status(okey::LoginOutcome::service_error);
    }
}
