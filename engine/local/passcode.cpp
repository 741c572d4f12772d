// SPDX-License-Identifier: Apache-2.0
// engine/local/passcode.cpp — the check of a passcode (DESIGN.md §4, §12):
// PIN + the key's code, PIN + an emergency code, and a lost key's code
// recognised (refused, logged at warning level naming its serial).
//
// One passcode can be read two ways: PIN + a 6-digit code, or PIN + an
// 8-digit code (an emergency code, or an 8-digit key). "12345678901234"
// could be a 6-digit PIN and a key's code, or a 4-digit PIN (…) and an
// emergency code. Neither reading may show through the time taken or the
// answer, so every login does the same work, whatever matches and whatever
// the login holds:
//  - the failure is charged first, as before;
//  - a text of either shape counts as a passcode (so that no login does
//    slow work where another would skip it);
//  - every code is checked, each at its small fixed cost: the key's (a
//    decoy key's when there is none), the emergency codes (one HMAC, then a
//    constant-time comparison with each of the login's), the lost keys;
//  - then ONE PIN verification (Argon2id: per PIN length for forward_pass),
//    of the PIN in front of the code that matched — the key's, else an
//    emergency code's, else a lost key's, else the key's shape — against the
//    login's hash (the decoy hash when it has none).
// Only a typist holding both the key's code and an emergency code can make a
// second PIN verification happen. The answer is the generic refusal unless
// the PIN and a code both match.
#include "engine/local/decoy.hpp"
#include "engine/local/login_flow.hpp"
#include "engine/local/reading.hpp"

namespace okey {
namespace {

// The other shape of a passcode: a 6-digit code's is 8, an 8-digit code's 6.
unsigned other_digits(unsigned digits) { return digits == 6 ? emergency_code_digits : 6; }

}  // namespace

LoginFlow::Attempt LoginFlow::check_passcode(std::string_view passcode) {
    TypedPasscode reading(passcode, config_.pin.min_length, config_.pin.max_length);
    return check_reading(reading);
}

// What a login with nothing real to check does: a real login's store work
// (a failure charge's write transaction, on the decoy row: Store::charge_decoy)
// and its PIN, code and emergency code checks, against decoys. The results
// are thrown away.
Result<void> LoginFlow::spend_decoy_checks(Reading& reading, std::int64_t now) {
    if (auto charged = store_.charge_decoy(now); !charged) return charged.error();
    if (!reading.shaped()) return {};
    const unsigned digits = reading.code(6) ? 6 : emergency_code_digits;
    const std::string_view code = *reading.code(digits);
    (void)reading.pin_matches(decoy_pin_hash(config_.pin.argon2), digits);
    spend_decoy_code_check(config_, code, now);
    (void)store_.emergency_code_hash(state_.login, code);
    return {};
}

LoginFlow::Attempt LoginFlow::check_reading(Reading& reading) {
    const std::int64_t now = clock_.now();
    if (state_.decoy == Decoy::unknown_login) {
        if (auto spent = spend_decoy_checks(reading, now); !spent)
            return {decide(store_failure(spent.error()))};
        return {refuse(decoy_reason(state_.decoy)), true};
    }
    const TokenRecord* token = view_->token ? &*view_->token : nullptr;
    std::optional<otp::Key> key;
    if (token) {
        auto made = current_key();
        if (!made) return {key_unusable(made.error())};
        key = std::move(made.value());
    }
    // Charged before any slow work, so parallel guesses count against the lockout.
    auto charge = charge_failure(now);
    if (!charge) return {decide(store_failure(charge.error()))};
    if (!reading.shaped()) return {refuse("malformed passcode"), true};

    // Every code, whichever matches.
    const unsigned key_digits = token ? token->spec.digits : 6;
    otp::Match key_match{};
    key_match.verdict = OKEY_OTP_NO_MATCH;
    const auto key_code = reading.code(key_digits);
    if (key && key_code) {
        auto match = key->verify(*key_code, now, window(), token_state(*token));
        if (!match) return {refuse("code check failed: " + std::string(otp::error_text(match.error())))};
        key_match = match.value();
    } else {
        spend_decoy_code_check(config_, key_code.value_or(*reading.code(other_digits(key_digits))),
                               now);
    }
    auto emergency = match_emergency_code(reading, now);
    if (!emergency) return {decide(store_failure(emergency.error()))};
    const LostKey* lost = match_lost_key(reading, now);

    // One PIN verification: of the PIN in front of the code that matched.
    const bool key_proven = key_match.verdict != OKEY_OTP_NO_MATCH;
    const bool emergency_proven = emergency->index.has_value();
    unsigned pin_digits = key_code ? key_digits : other_digits(key_digits);
    if (key_proven) pin_digits = key_digits;
    else if (emergency_proven) pin_digits = emergency_code_digits;
    else if (lost) pin_digits = lost->token.spec.digits;
    const std::string& pin_hash = view_->user.pin_hash;
    const std::string checked_hash = pin_hash.empty() ? decoy_pin_hash(config_.pin.argon2) : pin_hash;
    const bool pin_ok = reading.pin_matches(checked_hash, pin_digits) && !pin_hash.empty();
    bool emergency_pin_ok = emergency_proven && pin_digits == emergency_code_digits && pin_ok;
    if (key_proven && emergency_proven && !pin_ok && pin_digits != emergency_code_digits)
        emergency_pin_ok = reading.pin_matches(checked_hash, emergency_code_digits) && !pin_hash.empty();

    if (charge->was_locked) {
        // The PIN is not judged during a lock (engine/local/login_flow.hpp):
        // a code that proves possession is burnt and the lock told.
        if (key_match.verdict == OKEY_OTP_MATCH) return judge(true, pin_ok, key_match, {});
        if (emergency_proven) return use_emergency_code(emergency->hash, now, std::nullopt, {});
        if (lost) return {refuse_lost_key(*lost, "login locked"), true};
        return {refuse("login locked, code not proven"), true};
    }
    if (key_proven && pin_ok) return judge(false, true, key_match, reading.matched_pin());
    if (emergency_pin_ok)
        return use_emergency_code(emergency->hash, now, pin_hash, reading.matched_pin());
    if (lost && !key_proven) return {refuse_lost_key(*lost, pin_ok ? "PIN right" : "PIN wrong"), true};
    return {refuse(token ? "wrong passcode" : decoy_reason(state_.decoy)), true};
}

// The typed text's last 8 digits against the login's emergency codes: one
// HMAC, whether or not there is such a code or the login has any, then a
// constant-time comparison with each (expired ones compared too).
Result<LoginFlow::EmergencyMatch> LoginFlow::match_emergency_code(const Reading& reading,
                                                                  std::int64_t now) {
    const auto code = reading.code(emergency_code_digits);
    const std::string_view hashed = code ? *code : *reading.code(6);
    auto hash = store_.emergency_code_hash(state_.login, hashed);
    if (!hash) return hash.error();
    EmergencyMatch found;
    found.hash = std::move(hash.value());
    const auto& codes = view_->emergency_codes;
    for (std::size_t i = 0; i < codes.size(); ++i) {
        const bool equal =
            codes[i].hash.size() == found.hash.size() &&
            okey_otp_memequal(codes[i].hash.data(), found.hash.data(), found.hash.size()) == 1;
        if (equal && code && codes[i].expires > now && !found.index) found.index = i;
    }
    return found;
}

// A key declared lost while assigned to this login, whose code is the one
// typed (within the window): each lost key is checked, at a fixed cost.
const LostKey* LoginFlow::match_lost_key(const Reading& reading, std::int64_t now) const {
    const LostKey* found = nullptr;
    for (const LostKey& lost : view_->lost_keys) {
        const KeySpec& spec = lost.token.spec;
        const auto code = reading.code(spec.digits);
        auto key = otp::Key::make(lost.secret, spec.algorithm, spec.digits, spec.period);
        if (!key || !code) continue;
        // Its own drift; no last step: a replay of its last code is as telling.
        auto match = key->verify(*code, now, otp::Window{config_.totp.window, 0},
                                 otp::TokenState{0, 0, lost.token.drift});
        if (match && match->verdict == OKEY_OTP_MATCH && !found) found = &lost;
    }
    return found;
}

// Refused like any wrong passcode, but the log line is a warning naming the
// lost key, and so is the audit row: it was probably stolen.
FlowRound LoginFlow::refuse_lost_key(const LostKey& lost, std::string_view detail) {
    LoginResult result =
        login_result(LoginOutcome::refused, lost.token.spec.serial, "lost key used, " + std::string(detail));
    result.alarm = true;
    return decide(std::move(result));
}

// An emergency code and its PIN proven against `pin_judged` (or, during a
// lock, nullopt: the code alone): the code is used, once — of two logins
// racing with it, one wins — and only while the login's PIN is still the one
// judged.
LoginFlow::Attempt LoginFlow::use_emergency_code(const std::vector<std::uint8_t>& hash,
                                                 std::int64_t now,
                                                 std::optional<std::string> pin_judged,
                                                 std::string_view pin) {
    const bool locked = !pin_judged;
    auto used = store_.consume_emergency_code(state_.login, hash, now, std::move(pin_judged));
    if (!used) return {decide(store_failure(used.error()))};
    if (used.value() == StepVerdict::pin_changed) return {refuse("PIN changed during login")};
    if (used.value() != StepVerdict::accepted) return {refuse("emergency code already used"), true};
    if (locked) return {told_refusal(LoginOutcome::locked, "login locked", texts_->login_locked)};
    if (!pin.empty()) upgrade_pin_hash(pin);
    return {decide(login_result(LoginOutcome::success, state_.serial, "emergency code accepted"))};
}

// The decision on a passcode whose PIN and the key's code were both checked.
LoginFlow::Attempt LoginFlow::judge(bool was_locked, bool pin_ok, const otp::Match& match,
                                    std::string_view pin) {
    const TokenRecord& token = *view_->token;
    const okey_otp_verdict verdict = match.verdict;
    if (was_locked) {
        // During a lock the PIN is never judged (it was hashed only so the
        // time taken is the same): tries are not charged then, and an answer
        // that depended on the PIN would let whoever holds the key try PINs
        // until "locked" appears. The key's code is the proof of possession,
        // burnt at once: one answer per step, none about the PIN.
        if (verdict == OKEY_OTP_MATCH) {
            if (auto refusal = accept(match.step, token.drift, false))
                return {decide(std::move(*refusal))};
            return {told_refusal(LoginOutcome::locked, "login locked", texts_->login_locked)};
        }
        // Generic, and asking again like any wrong passcode: nothing tells the lock.
        return {refuse("login locked, code not proven"), true};
    }
    if (!pin_ok || verdict == OKEY_OTP_NO_MATCH) return {refuse("wrong passcode"), true};
    if (verdict == OKEY_OTP_REPLAY) return {refuse("replayed code"), true};
    if (key_expired(token)) {
        if (verdict == OKEY_OTP_MATCH) {
            if (auto refusal = accept(match.step, token.drift, false, view_->user.pin_hash))
                return {decide(std::move(*refusal))};
            return {told_refusal(LoginOutcome::refused, "key expired", texts_->key_expired)};
        }
        return {refuse("key expired")};
    }
    if (verdict == OKEY_OTP_MATCH_RESYNC) {
        // The key has drifted: the code matched step S only in the resync
        // band. The next answer must be the code of S+1; sshd shows an
        // information message only with the next prompt, so the reason is
        // part of the prompt itself.
        FlowState next = state_;
        next.phase = FlowPhase::next_code;
        next.step = match.step;
        next.pin_hash = view_->user.pin_hash;  // the PIN proven: still the login's at the next round
        return {ask(std::move(next), with_reason(texts_->next_code_reason, texts_->next_code))};
    }
    // The recorded drift stays: one code typed at a step boundary says little
    // about the key's clock; next-code mode and okeyctl resync change it.
    return {finish_success(match.step, token.drift, pin, view_->user.pin_hash, "passcode accepted")};
}

}  // namespace okey
