// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/main.cpp — okeyctl's entry: global options, the table of
// verbs (DESIGN.md §6), and the exit codes: 0 done, 1 refused (one line
// "okeyctl: <reason>" on stderr), 2 usage error.
#include "verbs.hpp"

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

constexpr Verb verbs[] = {
    {"init", "init [--service-role ROLE]", admin_init},
    {"migrate", "migrate --to postgresql://… [--service-role ROLE]", admin_migrate},
    {"token add",
     "token add SERIAL --secret-file F [--hex] [--algorithm sha1|sha256|sha512] [--digits 6|8] "
     "[--period 30|60] [--kind hardware|software] [--lot L] [--expires YYYY-MM-DD]",
     token_add},
    {"token import-pskc", "token import-pskc FILE [--lot L] [--psk-file K]", token_import_pskc},
    {"token list", "token list [--state S] [--login L] [--lot L]", token_list},
    {"token show", "token show SERIAL", token_show},
    {"token assign", "token assign SERIAL LOGIN", token_assign},
    {"token lost", "token lost SERIAL --comment TEXT", token_lost},
    {"token return", "token return SERIAL --comment TEXT", token_return},
    {"token resync", "token resync SERIAL CODE1 CODE2", token_resync},
    {"token expire-on", "token expire-on SERIAL YYYY-MM-DD", token_expire_on},
    {"user enroll-software", "user enroll-software LOGIN [--issuer I]", user_enroll_software},
    {"user renew", "user renew LOGIN --serial NEW", user_renew},
    {"user reset-pin", "user reset-pin LOGIN", user_reset_pin},
    {"user unlock", "user unlock LOGIN", user_unlock},
    {"user show", "user show LOGIN", user_show},
    {"login-id", "login-id FIRSTNAME LASTNAME", admin_login_id},
    {"check", "check LOGIN", admin_check},
    {"audit", "audit [--login L] [--since YYYY-MM-DD]", admin_audit},
};

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
        verb->handler(ctx, rest);
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
