// SPDX-License-Identifier: Apache-2.0
// tools/okeyctl/verbs.hpp — one handler per verb of DESIGN.md §6, grouped by
// file: verbs_token.cpp (token …), verbs_user.cpp (user …), verbs_store.cpp
// (init, migrate, backup, restore), verbs_admin.cpp (login-id, check, audit),
// doctor.cpp (doctor). A handler parses its own arguments, acts
// through the engine, prints through ctx.out(), and refuses by throwing.
#pragma once

#include "context.hpp"

#include <span>
#include <string>
#include <string_view>

namespace okeyctl {

using Words = std::span<const std::string>;
using Handler = void (*)(Context&, Words);

struct Verb {
    std::string_view name;   // "token add"
    std::string_view usage;  // "token add SERIAL --secret-file F …"
    Handler handler;
    // An act that changes something (DESIGN.md §12): one syslog line, done
    // or refused, naming the administrator. Reading verbs write none.
    bool act = false;
};

void token_add(Context&, Words);
void token_import_pskc(Context&, Words);
void token_list(Context&, Words);
void token_show(Context&, Words);
void token_assign(Context&, Words);
void token_lost(Context&, Words);
void token_return(Context&, Words);
void token_resync(Context&, Words);
void token_expire_on(Context&, Words);
void token_delete(Context&, Words);

void user_enroll_software(Context&, Words);
void user_renew(Context&, Words);
void user_reset_pin(Context&, Words);
void user_unlock(Context&, Words);
void user_show(Context&, Words);
void user_remove(Context&, Words);
void user_emergency(Context&, Words);

void admin_init(Context&, Words);
void admin_migrate(Context&, Words);
void admin_login_id(Context&, Words);
void admin_check(Context&, Words);
void admin_audit(Context&, Words);
void admin_backup(Context&, Words);
void admin_restore(Context&, Words);
void admin_doctor(Context&, Words);

// Shared checks for values typed by the administrator (throw UsageError or Refusal).
std::string checked_serial(const std::string& serial);
std::string checked_login(const std::string& login);
std::string checked_date(const std::string& date);  // YYYY-MM-DD
std::string checked_comment(const std::optional<std::string>& comment);
// --option N: 1 to max, `fallback` when not given.
unsigned checked_number(const std::optional<std::string>& value, const std::string& option,
                        unsigned fallback, unsigned max);

// How far `token resync` searches for the two codes, in steps either side of now.
inline constexpr unsigned resync_search_steps = 1000;

}  // namespace okeyctl
