// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/verbs_user.cpp — the `user …` verbs: enrolling a software key
// (random secret, otpauth URI, terminal QR code), renewal, PIN reset, unlock
// the view of one login, leavers (remove) and emergency codes.
#include "verbs.hpp"

#include "qr_terminal.hpp"

#include "engine/calendar_date.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <iostream>

namespace okeyctl {
namespace {

constexpr std::size_t software_secret_bytes = 20;  // 160 bits, RFC 4226's recommendation
constexpr const char* default_issuer = "okey";

okey::otp::SecretBytes random_bytes(std::size_t count) {
    okey::otp::SecretBytes bytes(count);
    std::size_t filled = 0;
    while (filled < count) {
        const ssize_t n = getrandom(bytes.data() + filled, count - filled, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) refuse(std::string("getrandom: ") + std::strerror(errno));
        filled += static_cast<std::size_t>(n);
    }
    return bytes;
}

std::string software_serial() {
    const auto bytes = random_bytes(6);
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string serial = "SW";
    for (auto b : bytes) {
        serial += hex[b >> 4];
        serial += hex[b & 0x0F];
    }
    return serial;
}

}  // namespace

void user_enroll_software(Context& ctx, Words words) {
    auto args = parse_arguments(words, {{"issuer", true}}, 1, 1);
    ctx.merge_global(args);
    const auto login = checked_login(args.positional[0]);
    ctx.about(login);
    const std::string issuer = args.value("issuer").value_or(default_issuer);
    if (issuer.empty() || issuer.size() > 64 || issuer.find(':') != std::string::npos ||
        printable(issuer) != issuer) {
        throw UsageError{"--issuer must be 1 to 64 printable characters without \":\""};
    }
    okey::KeySpec spec;
    spec.serial = software_serial();
    spec.kind = okey::KeyKind::software;
    // SHA1, 6 digits, 30 s: what every authenticator app reads correctly.
    spec.algorithm = OKEY_OTP_SHA1;
    spec.digits = 6;
    spec.period = 30;
    okey::otp::UriFields uri_fields;
    uri_fields.type = OKEY_OTP_URI_TOTP;
    uri_fields.issuer = issuer;
    uri_fields.account = login;
    uri_fields.secret = random_bytes(software_secret_bytes);
    uri_fields.algorithm = spec.algorithm;
    uri_fields.digits = spec.digits;
    uri_fields.period = spec.period;
    auto uri = okey::otp::build_uri(uri_fields);
    if (!uri) refuse(std::string("otpauth URI: ") + std::string(okey::otp::error_text(uri.error())));
    unwrap(ctx.store().enroll(spec, uri_fields.secret, login, ctx.act()));
    const auto user = unwrap(ctx.store().get_user(login));
    if (ctx.json()) {
        ctx.out().document({{"result", "ok"},
                            {"serial", spec.serial},
                            {"login", login},
                            {"pin_state", okey::to_string(user.pin_state)},
                            {"uri", uri.value()}});
    } else {
        ctx.out().line("software key " + spec.serial + " assigned to " + login);
        ctx.out().line("Scan this QR code with the authenticator app, or enter the URI by hand:");
        ctx.out().line("");
        std::cout << render_qr(uri.value());
        ctx.out().line("");
        ctx.out().line(uri.value());
        if (user.pin_state == okey::PinState::new_pin_required) {
            ctx.out().line("At the first login, " + login + " types the 6 digits only, then chooses a PIN.");
        }
    }
    okey_otp_wipe(uri->data(), uri->size());
}

void user_renew(Context& ctx, Words words) {
    auto args = parse_arguments(words, {{"serial", true}}, 1, 1);
    ctx.merge_global(args);
    const auto login = checked_login(args.positional[0]);
    const auto serial = args.value("serial");
    if (!serial) throw UsageError{"--serial NEW is required"};
    const auto new_serial = checked_serial(*serial);
    ctx.about(login, new_serial);
    unwrap(ctx.store().renew(login, new_serial, ctx.act()));
    ctx.out().done("key " + new_serial + " assigned to " + login + "; the previous key is retired; PIN kept",
                   {{"login", login}, {"serial", new_serial}});
}

void user_reset_pin(Context& ctx, Words words) {
    auto args = parse_arguments(words, {}, 1, 1);
    ctx.merge_global(args);
    const auto login = checked_login(args.positional[0]);
    ctx.about(login);
    unwrap(ctx.store().reset_pin(login, ctx.act()));
    ctx.out().done("PIN of " + login + " reset: the next login chooses a new PIN (new-PIN mode)",
                   {{"login", login}, {"pin_state", okey::to_string(okey::PinState::new_pin_required)}});
}

void user_unlock(Context& ctx, Words words) {
    auto args = parse_arguments(words, {}, 1, 1);
    ctx.merge_global(args);
    const auto login = checked_login(args.positional[0]);
    ctx.about(login);
    unwrap(ctx.store().unlock(login, ctx.act()));
    ctx.out().done(login + " unlocked", {{"login", login}});
}

void user_show(Context& ctx, Words words) {
    auto args = parse_arguments(words, {}, 1, 1);
    ctx.merge_global(args);
    const auto login = checked_login(args.positional[0]);
    const auto user = unwrap(ctx.store().get_user(login));
    okey::TokenFilter filter;
    filter.login = login;
    const auto keys = unwrap(ctx.store().list_tokens(filter));
    const auto emergency = unwrap(ctx.store().emergency_status(login, ctx.now()));
    ctx.out().user(user, keys, emergency, ctx.now());
}

void user_remove(Context& ctx, Words words) {
    auto args = parse_arguments(words, {{"comment", true}}, 1, 1);
    ctx.merge_global(args);
    const auto login = checked_login(args.positional[0]);
    const auto comment = checked_comment(args.value("comment"));
    ctx.about(login);
    unwrap(ctx.store().remove_user(login, ctx.act(comment)));
    ctx.out().done("login " + login + " removed: its PIN hash, counters and emergency codes are "
                   "erased; its audit history is kept",
                   {{"login", login}, {"removed", true}});
}

void user_emergency(Context& ctx, Words words) {
    auto args = parse_arguments(words, {{"days", true}, {"count", true}, {"revoke", false}}, 1, 1);
    ctx.merge_global(args);
    const auto login = checked_login(args.positional[0]);
    ctx.about(login);
    if (args.has("revoke")) {
        if (args.has("days") || args.has("count"))
            throw UsageError{"--revoke takes neither --days nor --count"};
        const auto ended = unwrap(ctx.store().revoke_emergency_codes(login, ctx.act()));
        ctx.out().done("emergency codes of " + login + " ended (" + std::to_string(ended) + ")",
                       {{"login", login}, {"revoked", ended}});
        return;
    }
    const unsigned days = checked_number(args.value("days"), "days", okey::default_emergency_days,
                                         okey::max_emergency_days);
    const unsigned count = checked_number(args.value("count"), "count",
                                          okey::default_emergency_codes, okey::max_emergency_codes);
    const okey::Act act = ctx.act();
    const auto codes = unwrap(ctx.store().issue_emergency_codes(login, count, days, act));
    const std::string until = okey::format_utc_time(act.now + std::int64_t{86400} * days);
    if (ctx.json()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& code : codes) list.push_back(std::string(code.view()));
        ctx.out().document({{"result", "ok"}, {"login", login}, {"codes", list}, {"expires", until}});
        return;
    }
    ctx.out().line(counted(count, "emergency code", "emergency codes") + " for " + login +
                   ", each valid once, until " + until + ":");
    for (const auto& code : codes) ctx.out().line("  " + std::string(code.view()));
    ctx.out().line(login + " types the PIN followed by one of these codes in place of the key's "
                   "code. They end then, at the next key assigned, or with: okeyctl user emergency " +
                   login + " --revoke");
}

}  // namespace okeyctl
