// SPDX-License-Identifier: Apache-2.0
// engine/local/login_flow.hpp — the local login flows of DESIGN.md §4 as a
// state machine that asks one question at a time: normal passcode (with
// use_first_pass / try_first_pass), next-code mode, new-PIN mode, lockout and
// the refusals (unknown login, no key, expired key), over the store.
//
// Started for a login, it answers with a FlowRound: messages to show, then
// either the next question or the decision. Each answer is taken by
// answer() in the same process (the PAM module and okeyctl drive it with a
// Prompter: converse()), or by resume() in another one from the sealed state
// text (okeyd keeps it in the database between two HTTP requests).
//
// Rules kept throughout: the failure counter is charged before the slow work;
// a success needs the PIN it proved to be the login's still, in the
// transaction that accepts the code (a PIN reset during a prompt ends it);
// PIN and code are always both checked; an expired key is told only after a
// correct passcode, a locked login only after the key's correct code (the PIN
// is not judged during a lock, so the lock is no PIN oracle); the user never
// learns which part of a passcode was wrong; an unknown login costs what a
// real one costs; the whole login has login_time_limit_seconds.
#pragma once

#include "engine/clock.hpp"
#include "engine/config.hpp"
#include "engine/local/flow_state.hpp"
#include "engine/local/reading.hpp"
#include "engine/logger.hpp"
#include "engine/login.hpp"
#include "engine/prompter.hpp"
#include "engine/store/store.hpp"

#include <okey/otp.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace okey {

// Something to show before the next question or the decision.
struct FlowMessage {
    enum class Kind { info, error };
    Kind kind = Kind::info;
    std::string text;
};

struct FlowQuestion {
    bool hidden = true;  // echo off: every question of §4 asks a secret
    std::string prompt;
};

// What the flow says after the start and after each answer.
struct FlowRound {
    std::vector<FlowMessage> messages;     // in order, before the question
    std::optional<FlowQuestion> question;  // set: the flow waits for its answer
    LoginResult result;                    // the decision, when no question is set
    bool finished() const { return !question.has_value(); }
};

class LoginFlow {
public:
    LoginFlow(const Config& config, Store& store, const Clock& clock, Logger& logger);

    // Begin the login of context.login. context.first_pass is a passcode from
    // an earlier module (used as use_first_pass / try_first_pass say).
    FlowRound start(const LoginContext& context, const Texts& texts);
    // Begin with the first question already answered (okeyd's first request
    // carries `pass`): a passcode, or in new-PIN mode the key's code alone.
    FlowRound start(const LoginContext& context, std::string_view first_answer,
                    const Texts& texts);
    // The answer to the question of the last round.
    FlowRound answer(std::string_view answer, const Texts& texts);
    // The answer to a question asked by another process: `saved` is what
    // saved() gave there, `login` the login the answer comes for.
    FlowRound resume(std::string_view saved, std::string_view login, std::string_view answer,
                     const Texts& texts);
    // Begin the login of a single-field client (forward_pass, DESIGN.md §10):
    // `typed` is the password followed by PIN + code. Every PIN length the
    // policy allows is tried from the end of the text, with one failure
    // charged. The time taken does not depend on which length matched, or
    // whether any did: each length costs one Argon2id verification, always
    // (against the decoy hash for an unknown login, a login without a key or
    // one in new-PIN mode, which a single field cannot serve), and the code
    // is verified once. A login in next-code mode asks its question as usual.
    FlowRound start_forwarded(const LoginContext& context, std::string_view typed,
                              const Texts& texts);
    // After start_forwarded: how many characters at the end of `typed` were
    // PIN + code (0 when none matched). On success the password is the rest.
    std::size_t forwarded_passcode_length() const { return forwarded_length_; }
    // The sealed state to keep while a question is open ("" when none is).
    std::string saved() const;
    // The refusal when the person gives no answer (conversation failed).
    LoginResult abandon(std::string reason);

private:
    // A checked passcode: the round, and whether try_first_pass may ask
    // again after it (a plain wrong passcode, not a told refusal).
    struct Attempt {
        FlowRound round;
        bool may_ask_again = false;
    };

    // An emergency code typed: its keyed hash, and which of the login's it is.
    struct EmergencyMatch {
        std::vector<std::uint8_t> hash;
        std::optional<std::size_t> index;  // in view_->emergency_codes; nullopt: none
    };

    std::optional<FlowRound> open_login(const LoginContext& context, const Texts& texts);
    FlowRound dispatch(std::string_view answer);
    std::optional<LoginResult> refresh(std::optional<std::string_view> sealed = std::nullopt);
    std::optional<LoginResult> reload(std::optional<std::string_view> sealed);
    FlowRound begin_normal(const LoginContext& context);
    // engine/local/passcode.cpp: PIN + the key's code, an emergency code, a lost key.
    Attempt check_passcode(std::string_view passcode);
    Attempt check_reading(Reading& reading);
    Result<void> spend_decoy_checks(Reading& reading, std::int64_t now);
    Result<EmergencyMatch> match_emergency_code(const Reading& reading, std::int64_t now);
    const LostKey* match_lost_key(const Reading& reading, std::int64_t now) const;
    FlowRound refuse_lost_key(const LostKey& lost, std::string_view detail);
    Attempt use_emergency_code(const std::vector<std::uint8_t>& hash, std::int64_t now,
                               std::optional<std::string> pin_judged, std::string_view pin);
    Attempt judge(bool was_locked, bool pin_ok, const otp::Match& match, std::string_view pin);
    FlowRound answer_next_code(std::string_view code);
    FlowRound begin_new_pin();
    FlowRound answer_new_pin_code(std::string_view code);
    FlowRound answer_new_pin(std::string_view pin);
    FlowRound answer_confirmation(std::string_view confirmation);
    FlowRound answer_final_passcode(std::string_view passcode);
    FlowRound pin_choice_failed(const std::string& message);
    FlowRound finish_success(std::uint64_t step, std::int64_t drift, std::string_view pin,
                             const std::string& pin_judged, std::string_view reason);
    void upgrade_pin_hash(std::string_view pin);

    FlowRound ask(FlowState next, std::string prompt, std::vector<FlowMessage> messages = {});
    FlowRound decide(LoginResult result, std::vector<FlowMessage> messages = {});
    FlowRound refuse(std::string reason);
    FlowRound told_refusal(LoginOutcome outcome, std::string reason, const std::string& message);
    std::optional<LoginResult> accept(std::uint64_t step, std::int64_t drift, bool login_succeeded,
                                      std::optional<std::string> pin_judged = std::nullopt,
                                      std::optional<std::string> new_pin_hash = std::nullopt);
    Result<ChargeResult> charge_failure(std::int64_t now);
    static otp::TokenState token_state(const TokenRecord& token);
    LoginResult store_failure(const Error& error) const;
    otp::Result<otp::Key> current_key() const;
    FlowRound key_unusable(int error);
    bool key_expired(const TokenRecord& token) const;
    otp::PasscodeRules passcode_rules(unsigned code_digits) const;
    otp::Window window() const;
    otp::Argon2Params argon2_params() const;
    std::span<const std::uint8_t> seal_key() const;

    const Config& config_;
    Store& store_;
    const Clock& clock_;
    Logger& logger_;
    const Texts* texts_ = nullptr;    // of the call in progress
    FlowState state_;                 // the question open, or the last one
    bool open_ = false;               // a question waits for its answer
    std::optional<LoginView> view_;   // the store's view of the login, this round
    std::size_t forwarded_length_ = 0;  // start_forwarded: PIN + code length matched
};

// Drive a flow with a Prompter until it decides: show each round's messages,
// ask its question, pass the answer on. The PAM module and okeyctl log in so.
LoginResult converse(LoginFlow& flow, FlowRound round, Prompter& prompter, const Texts& texts);

// Helpers shared by the flow files and engine/login.cpp.
LoginResult login_result(LoginOutcome outcome, std::string serial, std::string reason);
LoginOutcome outcome_for_store_error(Errc code);
// A new key, or a PIN reset by the administrator: the login has no PIN to check.
bool in_new_pin_mode(const UserRecord& user);
std::string decoy_reason(Decoy decoy);
// A prompt preceded by the reason it is asked (sshd shows information
// messages only with the next prompt, so the reason travels in the prompt).
std::string with_reason(std::string_view reason, std::string_view prompt);

}  // namespace okey
