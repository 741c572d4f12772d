// SPDX-License-Identifier: Apache-2.0
// engine/login_id.hpp — the identifier rule of DESIGN.md §6 (`okeyctl login-id`):
// initial of the first name + last name, lower-case, accents folded, spaces,
// hyphens and apostrophes removed (Jean Dupont → jdupont). Homonyms get a digit.
#pragma once

#include "engine/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace okey {

// Longest login we hand out (Debian's useradd accepts 32 characters).
inline constexpr std::size_t login_id_max_length = 32;

// Fold a UTF-8 name to [a-z]: accented Latin letters lose their accent
// (é → e, ç → c, œ → oe, æ → ae, capitals too), spaces, hyphens and
// apostrophes (' and ’) are dropped; any other character is refused with an
// Errc::invalid_argument naming it.
Result<std::string> fold_name(std::string_view utf8_name);

// "jdupont" for ("Jean", "Dupont"). Refuses empty or unfoldable names.
Result<std::string> base_login_id(std::string_view first_name, std::string_view last_name);

// The login to give a new person whose base is `base`, knowing the logins
// already taken that are `base` or `base` followed by digits:
//   - none taken         → base                (jdupont)
//   - any taken          → base + lowest N ≥ 1 that is free
//                          (cjoseph taken → cjoseph1; cjoseph1 taken → cjoseph2)
// An existing login is never renamed, so the seed's "the first homonym also
// gets 1" cannot be applied after the fact: the earlier person keeps the bare
// base. Refuses a result longer than login_id_max_length.
Result<std::string> choose_login_id(std::string_view base, const std::vector<std::string>& taken);

// What an administrator may give as a login (okeyctl): 1 to 64 characters of
// [A-Za-z0-9._@-], not starting with "-" (so it is never taken for an option).
Result<void> check_login(std::string_view login);

}  // namespace okey
