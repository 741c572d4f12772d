// SPDX-License-Identifier: Apache-2.0
// engine/local/login_flow.cpp — which flow a login runs, how an answer is
// taken (in this process or resumed from a saved state), the normal passcode
// flow with use_first_pass / try_first_pass, next-code mode, the lockout and
// the refusals of DESIGN.md §4. New-PIN mode is in new_pin_mode.cpp,
// forward_pass in forward_pass.cpp, the Prompter loop in converse.cpp.
#include "engine/local/login_flow.hpp"

#include "engine/local/decoy.hpp"
#include "engine/log_text.hpp"

#include <ctime>
#include <utility>

namespace okey {

namespace {

// "YYYY-MM-DD" of a Unix time, UTC: expiry dates compare as strings.
std::string utc_date(std::int64_t unix_time) {
    const auto seconds = static_cast<std::time_t>(unix_time);
    std::tm parts{};
    if (gmtime_r(&seconds, &parts) == nullptr) return {};
    char text[16] = {};
    if (std::strftime(text, sizeof text, "%Y-%m-%d", &parts) == 0) return {};
    return text;
}

bool is_new_pin_phase(FlowPhase phase) {
    return phase == FlowPhase::new_pin_code || phase == FlowPhase::new_pin_choose ||
           phase == FlowPhase::new_pin_confirm || phase == FlowPhase::new_pin_final;
}

}  // namespace

LoginFlow::LoginFlow(const Config& config, Store& store, const Clock& clock, Logger& logger)
    : config_(config), store_(store), clock_(clock), logger_(logger) {}

FlowRound LoginFlow::start(const LoginContext& context, const Texts& texts) {
    if (auto decided = open_login(context, texts)) return std::move(*decided);
    if (state_.decoy == Decoy::none && in_new_pin_mode(view_->user)) return begin_new_pin();
    return begin_normal(context);
}

// Load the login and make the state for it: a login with its key (view_
// set), or a decoy (unknown login, no key). A decision when the store cannot
// answer or unknown logins are left to other modules.
std::optional<FlowRound> LoginFlow::open_login(const LoginContext& context, const Texts& texts) {
    texts_ = &texts;
    open_ = false;
    view_.reset();
    forwarded_length_ = 0;
    state_ = FlowState{};
    state_.login = context.login;
    state_.started = clock_.now();
    auto loaded = store_.load_login(context.login);
    if (!loaded) return decide(store_failure(loaded.error()));
    if (!loaded.value()) {
        // Staged roll-outs: logins not yet in the store are left to other modules.
        if (config_.unknown_user == UnknownUserPolicy::ignore)
            return decide(login_result(LoginOutcome::ignored, "", "unknown login"));
        state_.decoy = Decoy::unknown_login;
        return std::nullopt;
    }
    LoginView& view = *loaded.value();
    // Lost, stock and retired keys are not assigned: such logins have no key.
    // Their passcode is still checked for real: an emergency code may log
    // them in, and a lost key's code is told to the administrator.
    if (!view.token || view.token->state != KeyState::assigned || view.token->owner != context.login) {
        state_.decoy = Decoy::no_key;
        view.token.reset();
        view_ = std::move(view);
        return std::nullopt;
    }
    state_.serial = view.token->spec.serial;
    view_ = std::move(view);
    return std::nullopt;
}

FlowRound LoginFlow::start(const LoginContext& context, std::string_view first_answer,
                           const Texts& texts) {
    FlowRound first = start(context, texts);
    if (first.finished()) return first;
    FlowRound next = answer(first_answer, texts);
    first.messages.insert(first.messages.end(), next.messages.begin(), next.messages.end());
    next.messages = std::move(first.messages);
    return next;
}

FlowRound LoginFlow::answer(std::string_view answer, const Texts& texts) {
    texts_ = &texts;
    if (!open_) return refuse("no question open");
    if (auto refusal = refresh()) return decide(std::move(*refusal));
    return dispatch(answer);
}

FlowRound LoginFlow::resume(std::string_view saved, std::string_view login,
                            std::string_view answer, const Texts& texts) {
    texts_ = &texts;
    open_ = false;
    view_.reset();
    state_ = FlowState{};
    state_.login = std::string(login);
    auto parsed = parse_flow_state(saved);
    if (!parsed) return refuse("dialogue state unreadable");
    if (parsed->login != login) return refuse("dialogue state of another login");
    state_ = std::move(parsed.value());
    if (auto refusal = refresh(saved)) return decide(std::move(*refusal));
    return dispatch(answer);
}

std::string LoginFlow::saved() const {
    return open_ ? seal_flow_state(state_, seal_key()) : std::string();
}

LoginResult LoginFlow::abandon(std::string reason) {
    open_ = false;
    return login_result(LoginOutcome::refused, state_.serial, std::move(reason));
}

FlowRound LoginFlow::dispatch(std::string_view answer) {
    open_ = false;
    switch (state_.phase) {
    case FlowPhase::passcode: return std::move(check_passcode(answer).round);
    case FlowPhase::next_code: return answer_next_code(answer);
    case FlowPhase::new_pin_code: return answer_new_pin_code(answer);
    case FlowPhase::new_pin_choose: return answer_new_pin(answer);
    case FlowPhase::new_pin_confirm: return answer_confirmation(answer);
    case FlowPhase::new_pin_final: return answer_final_passcode(answer);
    }
    return refuse("unknown phase");
}

// Every answer meets the clock and the store afresh, as it would in another
// process: within the login's time limit, and with the store still agreeing.
// `sealed`: the text the state was read from, whose seal is checked as soon
// as the store has given the key it is made with.
std::optional<LoginResult> LoginFlow::refresh(std::optional<std::string_view> sealed) {
    if (auto refusal = reload(sealed)) return refusal;
    const std::int64_t elapsed = clock_.now() - state_.started;
    if (elapsed > login_time_limit_seconds)
        return login_result(LoginOutcome::refused, state_.serial, "login took too long");
    if (elapsed < -login_time_limit_seconds)
        return login_result(LoginOutcome::refused, state_.serial, "clock stepped back during login");
    return std::nullopt;
}

// Load the login the state is about; the store must still agree with the
// state: the same key assigned, the same PIN mode (in next-code mode the same
// PIN hash the first passcode proved), and in new-PIN mode the step the state
// burnt still the last one accepted. A refusal otherwise.
std::optional<LoginResult> LoginFlow::reload(std::optional<std::string_view> sealed) {
    view_.reset();
    auto loaded = store_.load_login(state_.login);
    // A state without a key has no key to seal it with.
    if (state_.decoy != Decoy::none && sealed && !flow_state_sealed_by(*sealed, {}))
        return login_result(LoginOutcome::refused, "", "dialogue state altered");
    // An unknown login reads what a real login reads, and decides nothing from it.
    if (state_.decoy == Decoy::unknown_login) return std::nullopt;
    if (!loaded) return store_failure(loaded.error());
    const std::string& serial = state_.serial;
    if (!loaded.value()) return login_result(LoginOutcome::refused, serial, "key changed during login");
    LoginView& view = *loaded.value();
    const bool has_key = view.token && view.token->state == KeyState::assigned &&
                         view.token->owner == state_.login;
    if (state_.decoy == Decoy::no_key) {
        if (has_key) return login_result(LoginOutcome::refused, serial, "key changed during login");
        view.token.reset();
        view_ = std::move(view);
        return std::nullopt;
    }
    if (!view.token || view.token->state != KeyState::assigned || view.token->owner != state_.login ||
        view.token->spec.serial != serial)
        return login_result(LoginOutcome::refused, serial, "key changed during login");
    // Only the store holds the key the seal is made with: the key's own secret.
    if (sealed && !flow_state_sealed_by(*sealed, view.secret))
        return login_result(LoginOutcome::refused, serial, "dialogue state altered");
    if (in_new_pin_mode(view.user) != is_new_pin_phase(state_.phase) ||
        (state_.phase == FlowPhase::next_code && view.user.pin_hash != state_.pin_hash))
        return login_result(LoginOutcome::refused, serial, "PIN changed during login");
    const bool burnt = is_new_pin_phase(state_.phase) && state_.phase != FlowPhase::new_pin_code;
    if (burnt && view.token->last_step != state_.step)
        return login_result(LoginOutcome::refused, serial, "another code accepted during login");
    view_ = std::move(view);
    return std::nullopt;
}

// Normal mode, or a login without a key to check (unknown, or holding no
// key): the same prompts and work (engine/local/passcode.cpp).
FlowRound LoginFlow::begin_normal(const LoginContext& context) {
    state_.phase = FlowPhase::passcode;
    const bool may_ask = config_.try_first_pass && !config_.use_first_pass;
    if (context.first_pass) {
        Attempt first = check_passcode(context.first_pass->view());
        if (!(first.may_ask_again && may_ask)) return std::move(first.round);
    } else if (config_.use_first_pass) {
        return refuse("no passcode from earlier module");
    }
    return ask(state_, texts_->passcode);
}

// The PIN was proven with the first code; the state does not keep it, so a
// PIN hash made with older Argon2 parameters is upgraded at the next normal
// login rather than here.
FlowRound LoginFlow::answer_next_code(std::string_view code) {
    const unsigned digits = view_->token->spec.digits;
    auto key = current_key();
    if (!key) return key_unusable(key.error());
    const std::uint64_t next_step = state_.step + 1;  // step < INT64_MAX (flow_state.cpp)
    bool equal = false;
    if (code.size() == digits) {
        auto same = key->verify_step(code, next_step);
        equal = same && same.value();
    }
    if (!equal) return refuse("next code wrong");
    auto step_now = key->step_at(clock_.now());
    if (!step_now) return refuse("clock before the epoch");
    const std::int64_t drift =
        static_cast<std::int64_t>(next_step) - static_cast<std::int64_t>(step_now.value());
    // reload() found the login's PIN hash still the one the first passcode proved.
    return finish_success(next_step, drift, {}, state_.pin_hash,
                          "next code accepted, drift recorded");
}

FlowRound LoginFlow::finish_success(std::uint64_t step, std::int64_t drift, std::string_view pin,
                                    const std::string& pin_judged, std::string_view reason) {
    if (auto refusal = accept(step, drift, true, pin_judged)) return decide(std::move(*refusal));
    if (!pin.empty()) upgrade_pin_hash(pin);
    return decide(login_result(LoginOutcome::success, state_.serial, std::string(reason)));
}

// Hashes made with older Argon2 parameters are replaced after a success,
// outside the login's transaction. A failure here does not undo the login.
void LoginFlow::upgrade_pin_hash(std::string_view pin) {
    const std::string& login = state_.login;
    auto needs = otp::pin_needs_rehash(view_->user.pin_hash, argon2_params());
    if (!needs || !needs.value()) return;
    auto hash = otp::hash_pin(argon2_params(), pin);
    if (!hash) {
        logger_.log(LogLevel::warning, "login=" + log_field(login) + " PIN hash upgrade failed: " +
                                           std::string(otp::error_text(hash.error())));
        return;
    }
    auto stored = store_.upgrade_pin_hash(login, hash.value());
    if (!stored) {
        logger_.log(LogLevel::warning, "login=" + log_field(login) + " PIN hash upgrade failed: " +
                                           log_text(stored.error().message));
        return;
    }
    logger_.log(LogLevel::info, "login=" + log_field(login) +
                                    " PIN hash upgraded to the configured Argon2 parameters");
}


FlowRound LoginFlow::ask(FlowState next, std::string prompt, std::vector<FlowMessage> messages) {
    state_ = std::move(next);
    open_ = true;
    FlowRound round;
    round.messages = std::move(messages);
    round.question = FlowQuestion{true, std::move(prompt)};
    return round;
}

FlowRound LoginFlow::decide(LoginResult result, std::vector<FlowMessage> messages) {
    open_ = false;
    FlowRound round;
    round.messages = std::move(messages);
    round.result = std::move(result);
    return round;
}

FlowRound LoginFlow::refuse(std::string reason) {
    return decide(login_result(LoginOutcome::refused, state_.serial, std::move(reason)));
}

// A refusal the person is told about (lock, expiry: after a proof only).
FlowRound LoginFlow::told_refusal(LoginOutcome outcome, std::string reason,
                                  const std::string& message) {
    return decide(login_result(outcome, state_.serial, std::move(reason)),
                  {FlowMessage{FlowMessage::Kind::error, message}});
}

// Accept `step` in the store; a refusal result when the store said no.
// `pin_judged`: the PIN hash the passcode was verified against ("" in new-PIN
// mode), which must still be the login's (StepAcceptance::pin_judged).
std::optional<LoginResult> LoginFlow::accept(std::uint64_t step, std::int64_t drift,
                                             bool login_succeeded,
                                             std::optional<std::string> pin_judged,
                                             std::optional<std::string> new_pin_hash) {
    StepAcceptance acceptance;
    acceptance.login = state_.login;
    acceptance.serial = state_.serial;
    acceptance.step = step;
    acceptance.drift = drift;
    acceptance.now = clock_.now();
    acceptance.login_succeeded = login_succeeded;
    acceptance.new_pin_hash = std::move(new_pin_hash);
    acceptance.pin_judged = std::move(pin_judged);
    auto verdict = store_.accept_step(acceptance);
    if (!verdict) return store_failure(verdict.error());
    switch (verdict.value()) {
    case StepVerdict::accepted: return std::nullopt;
    case StepVerdict::replayed:
        return login_result(LoginOutcome::refused, acceptance.serial, "replayed code");
    case StepVerdict::key_changed:
        return login_result(LoginOutcome::refused, acceptance.serial, "key changed during login");
    case StepVerdict::pin_changed:
        return login_result(LoginOutcome::refused, acceptance.serial, "PIN changed during login");
    }
    return login_result(LoginOutcome::refused, acceptance.serial, "unexpected store verdict");
}

// Charged before any slow work, so parallel guesses count against the lockout.
Result<ChargeResult> LoginFlow::charge_failure(std::int64_t now) {
    return store_.charge_failure(state_.login, now, config_.lockout.max_failures,
                                 config_.lockout.lock_seconds);
}

otp::TokenState LoginFlow::token_state(const TokenRecord& token) {
    return otp::TokenState{token.last_step ? 1 : 0, token.last_step.value_or(0), token.drift};
}

LoginResult LoginFlow::store_failure(const Error& error) const {
    return login_result(outcome_for_store_error(error.code), state_.serial,
                        "store: " + error.message);
}

otp::Result<otp::Key> LoginFlow::current_key() const {
    const KeySpec& spec = view_->token->spec;
    return otp::Key::make(view_->secret, spec.algorithm, spec.digits, spec.period);
}

FlowRound LoginFlow::key_unusable(int error) {
    return decide(login_result(LoginOutcome::service_error, state_.serial,
                               "key unusable: " + std::string(otp::error_text(error))));
}

bool LoginFlow::key_expired(const TokenRecord& token) const {
    if (token.spec.expires.empty()) return false;
    const std::string today = utc_date(clock_.now());
    return today.empty() || token.spec.expires < today;  // no date: fail closed
}

otp::PasscodeRules LoginFlow::passcode_rules(unsigned code_digits) const {
    return otp::PasscodeRules{code_digits, config_.pin.min_length, config_.pin.max_length, 0};
}

otp::Window LoginFlow::window() const {
    return otp::Window{config_.totp.window, config_.totp.resync_window};
}

otp::Argon2Params LoginFlow::argon2_params() const {
    return otp::Argon2Params{config_.pin.argon2.memory_kib, config_.pin.argon2.iterations,
                             config_.pin.argon2.parallelism};
}

// The login's key secret seals its dialogue states; a decoy has none.
std::span<const std::uint8_t> LoginFlow::seal_key() const {
    if (!view_ || state_.decoy != Decoy::none) return {};
    return view_->secret;
}

}  // namespace okey
