// SPDX-License-Identifier: Apache-2.0
// engine/account.hpp — the one place the engine asks NSS about accounts
// (passwd and group databases, so LDAP/SSSD count): the login of a uid (who
// runs okey-check), an account by login, its groups (getgrouplist) and a
// group's id. Reentrant calls only (getpw*_r, getgr*_r): the PAM module may
// run in threaded programs.
#pragma once

#include "engine/result.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace okey {

struct Account {
    std::string login;  // pw_name, as NSS spells it
    uid_t uid = 0;
    gid_t primary_gid = 0;
};

// The account NSS has for `login`; nullopt when NSS knows no such login.
// An NSS failure (an LDAP server down, an error) is an Errc::unavailable error,
// never "no such login": callers must not treat "cannot tell" as "absent".
Result<std::optional<Account>> find_account(std::string_view login);

// The account of a uid; nullopt when NSS knows no login for it.
Result<std::optional<Account>> find_account(uid_t uid);

// Every group the account belongs to: its primary group and the supplementary
// groups NSS lists (getgrouplist).
Result<std::vector<gid_t>> group_ids(const Account& account);

// The id of a group by name; nullopt when NSS knows no such group.
Result<std::optional<gid_t>> find_group(std::string_view name);

}  // namespace okey
