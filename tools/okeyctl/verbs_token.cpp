// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/verbs_token.cpp — the `token …` verbs: adding keys to stock
// (one by one or a PSKC lot), listing and showing them, and each lifecycle
// act (assign, lost, return, resync, expire-on), all audited by the store.
#include "verbs.hpp"

#include "secret_input.hpp"

#include "engine/account.hpp"
#include "engine/pskc/pskc.hpp"

#include <unistd.h>

#include <cstdio>

namespace okeyctl {
namespace {

okey::otp::Algorithm parse_algorithm(const std::string& name) {
    if (name == "sha1") return OKEY_OTP_SHA1;
    if (name == "sha256") return OKEY_OTP_SHA256;
    if (name == "sha512") return OKEY_OTP_SHA512;
    throw UsageError{"--algorithm must be sha1, sha256 or sha512"};
}

unsigned parse_choice(const std::string& option, const std::string& value, unsigned a, unsigned b) {
    if (value == std::to_string(a)) return a;
    if (value == std::to_string(b)) return b;
    throw UsageError{"--" + option + " must be " + std::to_string(a) + " or " + std::to_string(b)};
}

okey::KeyState parse_state(const std::string& name) {
    for (auto state : {okey::KeyState::stock, okey::KeyState::assigned, okey::KeyState::lost,
                       okey::KeyState::retired}) {
        if (name == okey::to_string(state)) return state;
    }
    throw UsageError{"--state must be stock, assigned, lost or retired"};
}

// "lot-2024.pskc" → "lot-2024": the default lot of an imported file.
std::string file_stem(const std::string& path) {
    std::string name = path.substr(path.find_last_of('/') + 1);
    if (auto dot = name.find_last_of('.'); dot != std::string::npos && dot > 0) name.erase(dot);
    return name;
}

// The arguments of an act on one key with the administrator's comment
// (lost, return, delete): SERIAL --comment TEXT.
struct KeyAct {
    std::string serial;
    std::string comment;
};
KeyAct key_act(Context& ctx, Words words) {
    auto args = parse_arguments(words, {{"comment", true}}, 1, 1);
    ctx.merge_global(args);
    KeyAct act{checked_serial(args.positional[0]), checked_comment(args.value("comment"))};
    ctx.about("", act.serial);
    return act;
}

}  // namespace

void token_add(Context& ctx, Words words) {
    auto args = parse_arguments(words,
                                {{"secret-file", true}, {"hex", false}, {"algorithm", true}, {"digits", true},
                                 {"period", true}, {"kind", true}, {"lot", true}, {"expires", true}},
                                1, 1);
    ctx.merge_global(args);
    okey::KeySpec spec;
    spec.serial = checked_serial(args.positional[0]);
    ctx.about("", spec.serial);
    const auto secret_file = args.value("secret-file");
    if (!secret_file) throw UsageError{"--secret-file F is required (\"-\" for stdin)"};
    if (auto a = args.value("algorithm")) spec.algorithm = parse_algorithm(*a);
    if (auto d = args.value("digits")) spec.digits = parse_choice("digits", *d, 6, 8);
    if (auto p = args.value("period")) spec.period = parse_choice("period", *p, 30, 60);
    if (auto k = args.value("kind")) {
        if (*k == "hardware") spec.kind = okey::KeyKind::hardware;
        else if (*k == "software") spec.kind = okey::KeyKind::software;
        else throw UsageError{"--kind must be hardware or software"};
    }
    if (auto lot = args.value("lot")) spec.lot = *lot;
    if (auto expires = args.value("expires")) spec.expires = checked_date(*expires);
    const auto text = read_input_file(*secret_file, 1024);
    const auto secret = decode_key_secret(text, args.has("hex"));
    unwrap(ctx.store().add_token(spec, secret, ctx.act()));
    ctx.out().done("key " + spec.serial + " added to stock", {{"serial", spec.serial}, {"state", "stock"}});
}

void token_import_pskc(Context& ctx, Words words) {
    auto args = parse_arguments(words, {{"lot", true}, {"psk-file", true}}, 1, 1);
    ctx.merge_global(args);
    const std::string& file = args.positional[0];
    okey::pskc::ImportOptions options;
    options.lot = args.value("lot").value_or(file == "-" ? "" : file_stem(file));
    if (auto psk_file = args.value("psk-file")) {
        if (*psk_file == "-" && file == "-") throw UsageError{"FILE and --psk-file cannot both be stdin"};
        const auto content = read_input_file(*psk_file, 256);
        options.pre_shared_key = unwrap(okey::pskc::parse_pre_shared_key(
            {reinterpret_cast<const char*>(content.data()), content.size()}));
    }
    const bool progress = isatty(STDERR_FILENO) == 1;
    if (progress) {
        options.progress = [](std::size_t done, std::size_t total) {
            if (done % 100 == 0 || done == total) std::fprintf(stderr, "\rreading keys: %zu/%zu", done, total);
        };
    }
    const auto xml = read_input_file(file, okey::pskc::max_file_bytes);
    auto tokens = okey::pskc::parse({reinterpret_cast<const char*>(xml.data()), xml.size()}, options);
    if (progress) std::fputs("\n", stderr);
    if (!tokens) refuse(file + ": " + tokens.error().message + " (nothing imported)");
    if (progress) std::fprintf(stderr, "storing %zu keys…\n", tokens->size());
    if (auto added = ctx.store().add_tokens(*tokens, ctx.act()); !added) {
        refuse(file + ": " + added.error().message + " (nothing imported)");
    }
    nlohmann::json serials = nlohmann::json::array();
    for (const auto& t : *tokens) serials.push_back(t.spec.serial);
    ctx.out().done("imported " + std::to_string(tokens->size()) + " keys into stock, lot " +
                       (options.lot.empty() ? std::string("-") : printable(options.lot)),
                   {{"imported", tokens->size()}, {"lot", options.lot}, {"serials", serials}});
}

void token_list(Context& ctx, Words words) {
    auto args = parse_arguments(words, {{"state", true}, {"login", true}, {"lot", true}}, 0, 0);
    ctx.merge_global(args);
    okey::TokenFilter filter;
    if (auto s = args.value("state")) filter.state = parse_state(*s);
    if (auto l = args.value("login")) filter.login = checked_login(*l);
    if (auto lot = args.value("lot")) filter.lot = *lot;
    ctx.out().tokens(unwrap(ctx.store().list_tokens(filter)));
}

void token_show(Context& ctx, Words words) {
    auto args = parse_arguments(words, {}, 1, 1);
    ctx.merge_global(args);
    ctx.out().token(unwrap(ctx.store().get_token(checked_serial(args.positional[0]))));
}

namespace {

// The login a key is assigned to, as NSS spells it: pam_okey looks logins up
// under NSS's spelling (engine/login.cpp, name_login), so a key assigned as
// "JDupont" where the directory says jdupont would never be asked for. A
// login NSS does not know here is kept as typed, and said so: the machine
// where keys are given out need not see every directory.
struct AssignedLogin {
    std::string login;
    std::string nss;   // "as typed", "respelled", "unknown", "unavailable"
    std::string note;  // said after the login, "" when NSS spells it as typed
};

AssignedLogin as_nss_spells(const std::string& typed) {
    const std::string why = ": logins are looked up as NSS spells them";
    auto account = okey::find_account(typed);
    if (!account)
        return {typed, "unavailable", "NSS cannot tell here, " + account.error().message + why};
    if (!account.value()) return {typed, "unknown", "unknown to NSS on this machine" + why};
    if (account.value()->login == typed) return {typed, "as typed", ""};
    return {account.value()->login, "respelled", "typed " + printable(typed) + ", as NSS spells it"};
}

}  // namespace

void token_assign(Context& ctx, Words words) {
    auto args = parse_arguments(words, {}, 2, 2);
    ctx.merge_global(args);
    const auto serial = checked_serial(args.positional[0]);
    const auto named = as_nss_spells(checked_login(args.positional[1]));
    const std::string& login = named.login;
    ctx.about(login, serial);
    unwrap(ctx.store().assign(serial, login, ctx.act()));
    const auto user = unwrap(ctx.store().get_user(login));
    const bool new_pin = user.pin_state == okey::PinState::new_pin_required;
    ctx.out().done("key " + serial + " assigned to " + printable(login) +
                       (named.note.empty() ? "" : " (" + named.note + ")") +
                       (new_pin ? " (the next login chooses the PIN: new-PIN mode)" : " (PIN kept)"),
                   {{"serial", serial},
                    {"login", login},
                    {"login_typed", args.positional[1]},
                    {"nss", named.nss},
                    {"pin_state", okey::to_string(user.pin_state)}});
}

void token_lost(Context& ctx, Words words) {
    const auto [serial, comment] = key_act(ctx, words);
    unwrap(ctx.store().mark_lost(serial, ctx.act(comment)));
    ctx.out().done("key " + serial + " declared lost: unassigned, it can never be used again",
                   {{"serial", serial}, {"state", "lost"}});
}

void token_return(Context& ctx, Words words) {
    const auto [serial, comment] = key_act(ctx, words);
    unwrap(ctx.store().return_to_stock(serial, ctx.act(comment)));
    ctx.out().done("key " + serial + " returned to stock", {{"serial", serial}, {"state", "stock"}});
}

void token_delete(Context& ctx, Words words) {
    const auto [serial, comment] = key_act(ctx, words);
    const auto secret = unwrap(ctx.store().delete_token(serial, ctx.act(comment)));
    ctx.out().done("key " + serial + " deleted; its secret: " + secret,
                   {{"serial", serial}, {"deleted", true}, {"secret", secret}});
}

void token_resync(Context& ctx, Words words) {
    auto args = parse_arguments(words, {}, 3, 3);
    ctx.merge_global(args);
    const auto serial = checked_serial(args.positional[0]);
    ctx.about("", serial);
    const auto token = unwrap(ctx.store().get_token(serial));
    if (token.state == okey::KeyState::lost || token.state == okey::KeyState::retired) {
        refuse("key " + serial + " is " + std::string(okey::to_string(token.state)) + ": it cannot be resynchronised");
    }
    const std::string& code1 = args.positional[1];
    const std::string& code2 = args.positional[2];
    for (const auto* code : {&code1, &code2}) {
        if (code->size() != token.spec.digits ||
            code->find_first_not_of("0123456789") != std::string::npos) {
            throw UsageError{"CODE1 and CODE2 must be " + std::to_string(token.spec.digits) + " digits"};
        }
    }
    const auto secret = unwrap(ctx.store().token_secret(serial));
    auto key = okey::otp::Key::make(secret, token.spec.algorithm, token.spec.digits, token.spec.period);
    if (!key) refuse("key " + serial + ": " + std::string(okey::otp::error_text(key.error())));
    auto match = key->resync(code1, code2, ctx.now(), resync_search_steps);
    if (!match) refuse("key " + serial + ": " + std::string(okey::otp::error_text(match.error())));
    if (match->verdict != OKEY_OTP_MATCH) {
        refuse("key " + serial + ": the two codes are not consecutive codes of this key within ±" +
               std::to_string(resync_search_steps) + " steps of now");
    }
    unwrap(ctx.store().record_resync(serial, match->step, match->offset, ctx.act()));
    ctx.out().done("key " + serial + " resynchronised: drift " + std::to_string(match->offset) + " steps",
                   {{"serial", serial}, {"drift", match->offset}, {"last_step", match->step}});
}

void token_expire_on(Context& ctx, Words words) {
    auto args = parse_arguments(words, {}, 2, 2);
    ctx.merge_global(args);
    const auto serial = checked_serial(args.positional[0]);
    const auto date = checked_date(args.positional[1]);
    ctx.about("", serial);
    unwrap(ctx.store().set_expiry(serial, date, ctx.act()));
    ctx.out().done("key " + serial + " expires on " + date + " (valid through that day, UTC)",
                   {{"serial", serial}, {"expires", date}});
}

}  // namespace okeyctl
