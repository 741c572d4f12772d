// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/main.cpp — okeyctl's entry: global options, the table of
// verbs (DESIGN.md §6), and the exit codes: 0 done, 1 refused (one line
// "okeyctl: <reason>" on stderr), 2 usage error.
#include "verbs.hpp"

#include "engine/log_text.hpp"
#include "engine/syslog_logger.hpp"
#include "engine/store/postgresql/backend.hpp"

#include <okey/otp.h>

#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace okeyctl {
namespace {

constexpr int exit_refused = 1;
constexpr int exit_usage = 2;

constexpr bool act = true;

constexpr Verb verbs[] = {
    {"init", "init [--service-role ROLE]", admin_init, act},
    {"migrate", "migrate --to postgresql://… [--service-role ROLE]", admin_migrate, act},
    {"backup", "backup FILE", admin_backup, act},
    {"restore", "restore FILE", admin_restore, act},
    {"doctor", "doctor [--pam-dir DIR]", admin_doctor},
    {"token add",
     "token add SERIAL --secret-file F [--hex] [--algorithm sha1|sha256|sha512] [--digits 6|8] "
     "[--period 30|60] [--kind hardware|software] [--lot L] [--expires YYYY-MM-DD]",
     token_add, act},
    {"token import-pskc", "token import-pskc FILE [--lot L] [--psk-file K]", token_import_pskc, act},
    {"token list", "token list [--state S] [--login L] [--lot L]", token_list},
    {"token show", "token show SERIAL", token_show},
    {"token assign", "token assign SERIAL LOGIN", token_assign, act},
    {"token lost", "token lost SERIAL --comment TEXT", token_lost, act},
    {"token return", "token return SERIAL --comment TEXT", token_return, act},
    {"token delete", "token delete SERIAL --comment TEXT", token_delete, act},
    {"token resync", "token resync SERIAL CODE1 CODE2", token_resync, act},
    {"token expire-on", "token expire-on SERIAL YYYY-MM-DD", token_expire_on, act},
    {"user enroll-software", "user enroll-software LOGIN [--issuer I]", user_enroll_software, act},
    {"user renew", "user renew LOGIN --serial NEW", user_renew, act},
    {"user reset-pin", "user reset-pin LOGIN", user_reset_pin, act},
    {"user unlock", "user unlock LOGIN", user_unlock, act},
    {"user remove", "user remove LOGIN --comment TEXT", user_remove, act},
    {"user emergency", "user emergency LOGIN [--days N] [--count N] | user emergency LOGIN --revoke",
     user_emergency, act},
    {"user show", "user show LOGIN", user_show},
    {"login-id", "login-id FIRSTNAME LASTNAME", admin_login_id},
    {"check", "check LOGIN", admin_check},
    {"audit", "audit [--login L] [--since YYYY-MM-DD]", admin_audit},
};

// One syslog line per act (LOG_AUTHPRIV, fields escaped as the module's):
// who, what, about whom, and how it ended.
void log_act(const Verb& verb, const Context& ctx, const std::string* refusal) {
    std::string event(verb.name);
    std::replace(event.begin(), event.end(), ' ', '.');
    std::string line = "actor=" + okey::log_field(ctx.actor().login) +
                       " uid=" + std::to_string(ctx.actor().uid) + " act=" + event;
    if (!ctx.subject_login().empty()) line += " login=" + okey::log_field(ctx.subject_login());
    if (!ctx.subject_serial().empty()) line += " serial=" + okey::log_field(ctx.subject_serial());
    line += refusal ? " outcome=refused reason=" + okey::log_text(*refusal) : " outcome=done";
    okey::SyslogLogger logger("okeyctl");
    logger.log(refusal ? okey::LogLevel::notice : okey::LogLevel::info, line);
}

void print_help() {
    std::cout << "Usage: okeyctl [--config F] [--store F|URI] [--key-file F] [--json] VERB ...\n\n"
                 "Manage okey's OTP keys, logins and audit trail (see okeyctl(8)).\n\nVerbs:\n";
    for (const auto& verb : verbs) std::cout << "  " << verb.usage << '\n';
    std::cout << "\nSecrets are read from a file or stdin (\"-\"), never from the command line.\n"
                 "Exit status: 0 done, 1 refused, 2 usage error.\n";
}

const Verb* find_verb(const std::vector<std::string>& args, std::size_t at, std::size_t& words) {
    for (const auto& verb : verbs) {
        const bool two_words = verb.name.find(' ') != std::string_view::npos;
        if (!two_words && at < args.size() && args[at] == verb.name) {
            words = 1;
            return &verb;
        }
        if (two_words && at + 1 < args.size() && args[at] + " " + args[at + 1] == verb.name) {
            words = 2;
            return &verb;
        }
    }
    return nullptr;
}

int run(const std::vector<std::string>& args) {
    const Verb* verb = nullptr;
    try {
        Arguments global;
        const std::size_t at = parse_global_options(args, global);
        if (global.has("help") || at == args.size()) {
            if (at == args.size() && !global.has("help")) throw UsageError{"no verb given"};
            print_help();
            return 0;
        }
        std::size_t words = 0;
        verb = find_verb(args, at, words);
        if (verb == nullptr) {
            const std::string what = (args[at] == "token" || args[at] == "user") && at + 1 < args.size()
                                         ? args[at] + " " + args[at + 1]
                                         : args[at];
            throw UsageError{"unknown verb \"" + printable(what) + "\""};
        }
        Context ctx(std::move(global));
        const std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(at + words), args.end());
        if (std::find(rest.begin(), rest.end(), "--help") != rest.end()) {
            std::cout << "Usage: okeyctl " << verb->usage << '\n';
            return 0;
        }
        try {
            verb->handler(ctx, rest);
        } catch (const Refusal& r) {
            if (verb->act) log_act(*verb, ctx, &r.message);
            throw;
        }
        if (verb->act) log_act(*verb, ctx, nullptr);
        return 0;
    } catch (const UsageError& e) {
        std::cerr << "okeyctl: " << e.message << " (usage: okeyctl "
                  << (verb ? verb->usage : std::string_view("[OPTIONS] VERB ...; see okeyctl --help"))
                  << ")\n";
        return exit_usage;
    } catch (const Refusal& r) {
        std::cerr << "okeyctl: " << printable(r.message) << '\n';
        return exit_refused;
    }
}

}  // namespace
}  // namespace okeyctl

int main(int argc, char** argv) {
    // okeyctl administers either store: a SQLite file or PostgreSQL.
    okey::store::enable_postgresql();
    try {
        const std::vector<std::string> args(argv + 1, argv + argc);
        const int status = okeyctl::run(args);
        std::cout.flush();
        if (!std::cout) {
            std::cerr << "okeyctl: cannot write the output\n";
            return 1;
        }
        return status;
    } catch (const std::exception& e) {
        std::cerr << "okeyctl: internal error: " << e.what() << '\n';
    } catch (...) {
        std::cerr << "okeyctl: internal error\n";
    }
    return 1;
}
