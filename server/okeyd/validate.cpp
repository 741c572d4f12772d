// SPDX-License-Identifier: Apache-2.0
// server/okeyd/validate.cpp — see validate.hpp.
#include "server/okeyd/validate.hpp"

#include "engine/log_text.hpp"
#include "engine/texts.hpp"
#include "server/okeyd/dialogues.hpp"
#include "server/okeyd/replies.hpp"

#include <optional>
#include <utility>

namespace okeyd {
namespace {

using okey::LoginOutcome;

// privacyIDEA's words where its clients look for them: the PIN-change
// dialogue's ending (pam_okey tells it in its own words), a generic refusal.
constexpr std::string_view pin_set_outcome = "PIN successfully set.";
constexpr std::string_view pin_mismatch_outcome = "PINs do not match";
constexpr std::string_view generic_refusal = "wrong otp pin or otp value";
constexpr std::string_view accepted = "matching 1 tokens";
constexpr std::size_t max_login_bytes = 256;

okey::Texts texts_in(const okey::Config& config, okey::Language language) {
    okey::Config copy = config;
    copy.language = language;
    return okey::compose_texts(copy);
}

bool mentions(const std::vector<okey::FlowMessage>& messages, const std::string& text) {
    for (const auto& message : messages)
        if (message.text == text) return true;
    return false;
}

// What must be told before a question travels in the question's text, as
// over sshd (engine/local/login_flow.hpp with_reason).
std::string challenge_text(const okey::FlowRound& round) {
    std::string text;
    for (const auto& message : round.messages) text = okey::with_reason(text, message.text);
    return okey::with_reason(text, round.question->prompt);
}

}  // namespace

Validator::Validator(const okey::Config& config, const okey::Clock& clock, okey::Logger& logger)
    : config_(config), clock_(clock), logger_(logger),
      french_(texts_in(config, okey::Language::fr)),
      english_(texts_in(config, okey::Language::en)) {}

// "fr-FR,fr;q=0.9,en;q=0.8": the fr or en tag with the highest q (ties: the
// first); q=0 means "not this one".
const okey::Texts& Validator::texts_for(std::string_view header) const {
    std::optional<okey::Language> best;
    double best_q = 0;
    while (!header.empty()) {
        auto comma = header.find(',');
        std::string_view part = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
        auto semicolon = part.find(';');
        std::string_view tag = part.substr(0, semicolon);
        while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
        while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
        double q = 1;
        if (semicolon != std::string_view::npos) {
            auto at = part.find("q=", semicolon);
            if (at != std::string_view::npos) {
                std::string value(part.substr(at + 2, 5));
                q = std::strtod(value.c_str(), nullptr);
            }
        }
        std::optional<okey::Language> language;
        auto is = [&](std::string_view code) {
            return tag.size() >= 2 && (tag[0] | 0x20) == code[0] && (tag[1] | 0x20) == code[1] &&
                   (tag.size() == 2 || tag[2] == '-' || tag[2] == '_');
        };
        if (is("fr")) language = okey::Language::fr;
        else if (is("en")) language = okey::Language::en;
        if (language && q > best_q) {
            best = language;
            best_q = q;
        }
    }
    const okey::Language chosen = best.value_or(config_.language);
    return chosen == okey::Language::en ? english_ : french_;
}

okey::Result<okey::Store*> Validator::store() {
    thread_local std::optional<okey::Store> mine;
    if (!mine) {
        okey::StoreOptions options;
        options.path = config_.store;
        options.key_file = config_.key_file;
        options.trusted_owner = 0;
        auto opened = okey::Store::open(options);
        if (!opened) return opened.error();
        mine.emplace(std::move(opened.value()));
    }
    return &*mine;
}

Answer Validator::refusal(unsigned status, std::string_view why) {
    // ParameterError is privacyIDEA's 905; the others keep the HTTP status.
    return Answer{status, error_reply(status == 400 ? 905 : static_cast<int>(status), why)};
}

Answer Validator::unavailable(const okey::LoginContext& context, const std::string& why) {
    okey::log_login(context,
                    okey::login_result(LoginOutcome::unavailable, "", "store: " + why), logger_);
    // 503: the client asks its next node (DESIGN.md §5 failover).
    return refusal(503, "the store does not answer");
}

Answer Validator::check(const CheckForm& form, const Caller& caller,
                        std::string_view accept_language) {
    if (!form.has_user || form.user.empty()) return refusal(400, "Missing parameter: 'user'");
    if (!form.has_pass) return refusal(400, "Missing parameter: 'pass'");
    if (form.user.size() > max_login_bytes) return refusal(400, "Parameter 'user' is too long");

    const okey::Texts& texts = texts_for(accept_language);
    // user= as sent: the PAM nodes send NSS's spelling (engine/login.hpp
    // name_login); okeyd's host need not know the accounts, so it asks no
    // NSS, and another spelling finds no login and is refused.
    okey::LoginContext context;
    context.login = form.user;
    context.service = "okeyd";
    context.client = caller.name();

    auto opened = store();
    if (!opened) return unavailable(context, opened.error().message);
    okey::Store& db = *opened.value();
    sweep(db);

    okey::LoginFlow flow(config_, db, clock_, logger_);
    okey::FlowRound round;
    if (form.transaction_id.empty()) {
        round = flow.start(context, form.pass.view(), texts);
    } else {
        const std::string key = dialogue_key(form.transaction_id);
        auto taken = key.empty() ? okey::Result<std::optional<std::string>>(std::nullopt)
                                 : db.take_dialogue(key, form.user, clock_.now());
        if (!taken) return unavailable(context, taken.error().message);
        if (!taken.value()) {
            auto result = okey::login_result(LoginOutcome::refused, "",
                                             "no open dialogue for this transaction_id");
            return decide(db, context, result, texts, {});
        }
        round = flow.resume(*taken.value(), form.user, form.pass.view(), texts);
    }

    if (round.finished()) return decide(db, context, round.result, texts, round.messages);

    auto id = new_transaction_id();
    if (!id) return unavailable(context, id.error().message);
    okey::Dialogue dialogue{dialogue_key(id.value()), form.user, flow.saved(),
                            clock_.now() + okey::login_time_limit_seconds};
    if (auto saved = db.save_dialogue(dialogue); !saved)
        return unavailable(context, saved.error().message);
    return Answer{200, challenge_reply(id.value(), challenge_text(round))};
}

// The end of a dialogue: logged and audited once, then answered.
Answer Validator::decide(okey::Store& db, const okey::LoginContext& context,
                         const okey::LoginResult& result, const okey::Texts& texts,
                         const std::vector<okey::FlowMessage>& messages) {
    okey::record_login(db, context, result, clock_, logger_);
    switch (result.outcome) {
    case LoginOutcome::success:
        return Answer{200, accept_reply(result.serial, mentions(messages, texts.pin_saved)
                                                           ? pin_set_outcome
                                                           : accepted)};
    case LoginOutcome::refused:
    case LoginOutcome::locked:
    case LoginOutcome::ignored: {
        // Told refusals (a locked login, an expired key) come only after a
        // correct passcode; anything else gets one text for every cause.
        std::string_view message = generic_refusal;
        if (mentions(messages, texts.pin_mismatch)) message = pin_mismatch_outcome;
        else if (!messages.empty() && (mentions(messages, texts.login_locked) ||
                                       mentions(messages, texts.key_expired)))
            message = messages.back().text;
        return Answer{200, reject_reply(message)};
    }
    case LoginOutcome::unavailable: return refusal(503, "the store does not answer");
    case LoginOutcome::service_error: break;
    }
    return refusal(500, "okeyd cannot decide: see its log");
}

// Expired dialogues are swept by whichever request comes first each minute.
void Validator::sweep(okey::Store& db) {
    const std::int64_t now = clock_.now();
    std::int64_t last = last_sweep_.load();
    if (now - last < 60 || !last_sweep_.compare_exchange_strong(last, now)) return;
    auto swept = db.sweep_dialogues(now);
    if (!swept)
        logger_.log(okey::LogLevel::warning,
                    "expired dialogues not swept: " + okey::log_text(swept.error().message));
}

Answer Validator::health() {
    auto opened = store();
    if (!opened) return Answer{503, "{\"status\": \"store unavailable\"}\n"};
    if (auto ping = opened.value()->ping(); !ping)
        return Answer{503, "{\"status\": \"store unavailable\"}\n"};
    return Answer{200, "{\"status\": \"ok\"}\n"};
}

}  // namespace okeyd
