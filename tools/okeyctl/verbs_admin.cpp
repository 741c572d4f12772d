// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/verbs_admin.cpp — the verbs around the lifecycle: choosing
// a login (login-id), trying a login in this terminal (check) and reading
// the audit trail (audit).
#include "verbs.hpp"

#include "terminal_prompter.hpp"

#include "engine/calendar_date.hpp"
#include "engine/login.hpp"
#include "engine/login_id.hpp"
#include "engine/syslog_logger.hpp"

namespace okeyctl {

void admin_login_id(Context& ctx, Words words) {
    auto args = parse_arguments(words, {}, 2, 2);
    ctx.merge_global(args);
    const auto base = unwrap(okey::base_login_id(args.positional[0], args.positional[1]));
    const auto taken = unwrap(ctx.store().logins_like(base));
    const auto login = unwrap(okey::choose_login_id(base, taken));
    if (ctx.json()) {
        ctx.out().document({{"login", login}, {"base", base}, {"homonyms", taken}});
    } else {
        ctx.out().line(login);
    }
}

void admin_check(Context& ctx, Words words) {
    auto args = parse_arguments(words, {}, 1, 1);
    ctx.merge_global(args);
    okey::LoginContext login;
    login.login = checked_login(args.positional[0]);
    login.service = "okeyctl";
    login.actor = ctx.actor().login;
    TerminalPrompter prompter;
    okey::SyslogLogger logger("okeyctl");
    const auto result = okey::run_login(ctx.config(), login, prompter, ctx.clock(), logger, ctx.trusted_owner());
    if (result.outcome != okey::LoginOutcome::success) {
        refuse("check: login of " + login.login + " refused (" + std::string(okey::to_string(result.outcome)) +
               (result.reason.empty() ? "" : ": " + printable(result.reason)) + ")");
    }
    ctx.out().done("login of " + login.login + " accepted" +
                       (result.serial.empty() ? "" : " (key " + printable(result.serial) + ")"),
                   {{"login", login.login}, {"outcome", "success"}, {"serial", result.serial}});
}

void admin_audit(Context& ctx, Words words) {
    auto args = parse_arguments(words, {{"login", true}, {"since", true}}, 0, 0);
    ctx.merge_global(args);
    okey::AuditFilter filter;
    if (auto login = args.value("login")) filter.login = checked_login(*login);
    if (auto since = args.value("since")) filter.since = okey::parse_calendar_date(checked_date(*since));
    ctx.out().audit(unwrap(ctx.store().audit(filter)));
}

}  // namespace okeyctl
