// SPDX-License-Identifier: Apache-2.0
// engine/local/decoy.hpp — the work a refused login does when there is nothing real
// to check (unknown login, no key): the same Argon2id cost and the same code
// verification as a real attempt, so that timing does not tell a stranger
// which logins exist (DESIGN.md §4, unknown_user = "deny"). The store work
// is done by the store itself: Store::load_login opens a decoy sealed value
// for a login without a key, Store::charge_decoy makes a failure charge's write.
#pragma once

#include "engine/config.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace okey {

// A syntactically valid Argon2id PHC string with the configured parameters
// that no PIN matches. Made without running Argon2, so building it costs
// nothing and verifying a PIN against it costs exactly one real hash.
std::string decoy_pin_hash(const Argon2Settings& params);

// One window verification of `code` against a decoy key, as a real key's
// costs. The result is thrown away.
void spend_decoy_code_check(const Config& config, std::string_view code, std::int64_t now);

}  // namespace okey
