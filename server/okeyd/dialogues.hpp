// SPDX-License-Identifier: Apache-2.0
// server/okeyd/dialogues.hpp — the transaction ids of okeyd's dialogues
// (DESIGN.md §9). A CHALLENGE names a fresh id: 128 bits from the CSPRNG, so
// no one can guess an open dialogue. The store keeps each dialogue under a
// digest of its id (a copy of the database names no id that would answer a
// dialogue), bound to its login, until the login's time limit; the answer
// takes it once (engine/store/dialogues.cpp), and the next question gets a
// new id.
#pragma once

#include "engine/result.hpp"

#include <string>
#include <string_view>

namespace okeyd {

// 32 lower-case hex digits.
okey::Result<std::string> new_transaction_id();
// What the store finds the dialogue by: SHA-256 of the id, hex. "" for an
// id okeyd never makes (wrong length or characters).
std::string dialogue_key(std::string_view transaction_id);

}  // namespace okeyd
