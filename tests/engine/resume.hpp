// SPDX-License-Identifier: Apache-2.0
// tests/engine/resume.hpp — running a local login flow one answer per
// "process" (a fresh LoginFlow over a fresh store connection, from the state
// the previous round saved), as okeyd nodes do (DESIGN.md §9).
#pragma once

#include "harness.hpp"

#include "engine/local/login_flow.hpp"

namespace okey::test {

inline LoginContext context_for(const std::string& login) {
    LoginContext context;
    context.login = login;
    context.service = "okeyd";
    context.remote_host = "192.0.2.7";
    return context;
}

// What the person is shown, as ScriptedPrompter records it.
inline void record(const FlowRound& round, std::vector<std::string>& events) {
    for (const auto& message : round.messages)
        events.push_back((message.kind == FlowMessage::Kind::error ? "error:" : "info:") +
                         message.text);
    if (round.question) events.push_back("ask:" + round.question->prompt);
}

struct Resumed {
    LoginResult result;
    std::vector<std::string> events;
    std::vector<std::string> states;  // saved after each round that asked
};

// One round in a process of its own: a fresh store connection and flow.
inline FlowRound resume_once(World& w, const std::string& saved, const std::string& answer,
                      const std::string& login = the_login, std::string* next_state = nullptr) {
    Store store = w.open_store();
    LoginFlow flow(w.config, store, w.clock, w.logger);
    FlowRound round = flow.resume(saved, login, answer, w.config.texts);
    if (next_state != nullptr) *next_state = flow.saved();
    return round;
}

// Start in one process (with the first answer, as okeyd's first request
// carries `pass`, when given), then give every answer to another.
inline Resumed resume_every_round(World& w, const std::vector<Answer>& answers,
                           const std::optional<std::string>& first_answer = std::nullopt,
                           const std::string& login = the_login) {
    Resumed out;
    FlowRound round;
    {
        Store store = w.open_store();
        LoginFlow flow(w.config, store, w.clock, w.logger);
        round = first_answer ? flow.start(context_for(login), *first_answer, w.config.texts)
                             : flow.start(context_for(login), w.config.texts);
        record(round, out.events);
        if (!round.finished()) out.states.push_back(flow.saved());
    }
    for (const Answer& answer : answers) {
        if (round.finished()) fail_msg("decided before every answer was given");
        w.clock.time += answer.wait;
        std::string next;
        round = resume_once(w, out.states.back(), answer.text, login, &next);
        record(round, out.events);
        if (!round.finished()) out.states.push_back(next);
    }
    if (!round.finished()) fail_msg("still asking after the last answer");
    out.result = round.result;
    return out;
}

inline void expect_result(const LoginResult& result, LoginOutcome outcome, const std::string& reason) {
    if (result.outcome != outcome || result.reason != reason)
        fail_msg("expected %s \"%s\", got %s \"%s\"", std::string(to_string(outcome)).c_str(),
                 reason.c_str(), std::string(to_string(result.outcome)).c_str(),
                 result.reason.c_str());
}

}  // namespace okey::test
