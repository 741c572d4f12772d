// SPDX-License-Identifier: Apache-2.0
// engine/local/flow_state.hpp — where a local login dialogue stands between
// two questions (DESIGN.md §4, §9): a plain value that the PAM module keeps in
// memory and okeyd keeps in the database under a transaction_id, so that any
// process can take the next answer.
//
// It holds no plaintext secret (no PIN, code or passcode): a new PIN chosen
// but not yet stored is kept only as its Argon2id hash, and a PIN proven in
// an earlier round is named by the login's hash it was verified against. Texts are not in it
// either: each process renders them in the language of its request.
//
// It is not the authority on anything. Each answer reloads the login from the
// store, which must still agree (same key assigned, same PIN mode, no other
// code accepted meanwhile), and every success needs a code the store accepts
// at a step strictly later than its last one. On top of that the text form is
// sealed with an HMAC keyed by the login's key secret (which only the store
// holds), so an altered or moved state is refused before it is looked at.
#pragma once

#include "engine/result.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace okey {

enum class FlowPhase {
    passcode,         // PIN + code asked (normal mode, or a decoy login)
    next_code,        // the key drifted: the code of the step after `step`
    new_pin_code,     // new-PIN mode: the key's code alone
    new_pin_choose,   // the new PIN (the code's step is burnt)
    new_pin_confirm,  // its confirmation, checked against pin_hash
    new_pin_final,    // PIN + a code at a step later than `step`
};

// Why a login is only pretended (same prompts and work, then a refusal).
enum class Decoy { none, unknown_login, no_key };

std::string_view to_string(FlowPhase phase);

struct FlowState {
    FlowPhase phase = FlowPhase::passcode;
    std::string login;
    std::string serial;        // the key the dialogue is about; "" for a decoy
    Decoy decoy = Decoy::none;
    std::uint64_t step = 0;    // next_code: the step matched in the resync band;
                               // new_pin_choose and later: the step already burnt
    unsigned pin_tries = 0;    // new_pin_choose / new_pin_confirm: choices left (1..3)
    std::int64_t started = 0;  // Unix time the login began (its time limit runs from it)
    // Argon2id PHC string. new_pin_confirm / new_pin_final: the new PIN's;
    // next_code: the login's PIN hash the first passcode's PIN was verified
    // against (the login must still have it: a PIN reset meanwhile voids the proof).
    std::string pin_hash;

    bool operator==(const FlowState&) const = default;
};

// Longest text form parse_flow_state accepts.
inline constexpr std::size_t flow_state_max_length = 2048;

// The canonical text form without its seal:
// "okey-flow=1;phase=…;login=…;serial=…;decoy=…;step=…;tries=…;started=…;pin_hash=…"
// (the login %-escaped). Every state that parses encodes back to the same text.
std::string flow_state_body(const FlowState& state);

// The text to store: the body and ";mac=" + HMAC-SHA256 (hex) under `key`.
std::string seal_flow_state(const FlowState& state, std::span<const std::uint8_t> key);

// Strict reading of a sealed text: exact field order, canonical numbers and
// escapes, values in range, and fields that fit the phase. The seal is
// checked for form only: see flow_state_sealed_by. Errc::corrupt otherwise.
Result<FlowState> parse_flow_state(std::string_view text);

// Whether the text's seal was made with `key` (compared in constant time).
bool flow_state_sealed_by(std::string_view text, std::span<const std::uint8_t> key);

}  // namespace okey
