// SPDX-License-Identifier: Apache-2.0
// engine/scope.hpp — who must give a passcode (DESIGN.md §11, `scope:` in
// okey.conf): exempt logins, members of exempt groups, and, when `groups` is
// set, everyone outside those groups are not asked. Group membership comes
// from NSS (engine/account.hpp), so LDAP/SSSD groups count.
#pragma once

#include "engine/account.hpp"
#include "engine/config.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace okey {

struct ScopeDecision {
    bool asked = true;
    std::string reason;   // why not asked (for the log line), "" when asked
    std::string warning;  // asked only because NSS could not tell, "" otherwise
};

// `login` as NSS spells it and NSS's `account` for it (engine/login.hpp
// name_login: an NSS failure never reaches here). Fails closed: a login NSS
// does not know is asked (scope never exempts what it cannot see), and so is
// one whose groups NSS cannot list; `warning` then says why.
ScopeDecision decide_scope(const ScopeSettings& scope, std::string_view login,
                           const std::optional<Account>& account);

}  // namespace okey
