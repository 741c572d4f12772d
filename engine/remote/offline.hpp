// SPDX-License-Identifier: Apache-2.0
// engine/remote/offline.hpp — privacyIDEA offline items (DESIGN.md §5): reading
// `auth_items.offline` from a reply, checking a passcode against passlib's
// "$pbkdf2-sha512$rounds$salt$hash" values, and the rules on which values may
// be tried (the next few unused ones, in counter order). No I/O here: the
// store keeps the values, remote_login.cpp decides when to use them.
#pragma once

#include "engine/result.hpp"
#include "engine/store/store.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace okey::remote {

// How many unused values, in counter order, a passcode is compared with.
inline constexpr std::size_t offline_window = 10;
// Bounds on what a server may send: a batch size and the PBKDF2 cost, so that
// a hostile reply cannot make a login slow.
inline constexpr std::size_t max_offline_values = 1000;
inline constexpr std::uint32_t max_pbkdf2_rounds = 200000;

// Read the offline entry for `login` from a reply's `auth_items` object (the
// whole reply is given). nullopt when the reply carries none for this login;
// an error when it carries one that is malformed (a refusal to store it).
// In a refill reply the entry may omit serial and user: `fallback_serial`
// fills the serial, and the user is not checked when `require_user` is false.
Result<std::optional<OfflineBatch>> read_offline_items(const nlohmann::json& reply,
                                                       std::string_view login,
                                                       bool require_user,
                                                       std::string_view fallback_serial);

// Does `passcode` match one passlib pbkdf2-sha512 hash? A malformed hash, or
// one over max_pbkdf2_rounds, never matches. Constant-time comparison.
bool offline_value_matches(std::string_view passcode, std::string_view hash);

// The counter of the first of the next `offline_window` values (ascending
// counters) that `passcode` matches; nullopt when none does.
std::optional<std::uint64_t> find_offline_match(const OfflineBatch& batch,
                                                std::string_view passcode);

// Received within max_age_days of now?
bool offline_batch_fresh(const OfflineBatch& batch, std::int64_t now, unsigned max_age_days);

}  // namespace okey::remote
