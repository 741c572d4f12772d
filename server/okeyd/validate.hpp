// SPDX-License-Identifier: Apache-2.0
// server/okeyd/validate.hpp — okeyd's answers (DESIGN.md §9): the login flows
// of DESIGN.md §4 run on the server over the shared store, one round per
// POST /validate/check. A question is a CHALLENGE whose message is the §4
// prompt (with what must be told before it) in the language of
// Accept-Language, its dialogue kept in the store under a new transaction id
// so that any node takes the next answer; a decision is ACCEPT or REJECT,
// with one log line (§4's format plus client=) and one audit row naming the
// client. GET /healthz: 200 only while the database answers.
#pragma once

#include "engine/clock.hpp"
#include "engine/config.hpp"
#include "engine/local/login_flow.hpp"
#include "engine/logger.hpp"
#include "engine/store/store.hpp"
#include "server/okeyd/edge.hpp"

#include <atomic>
#include <cstdint>
#include <vector>

namespace okeyd {

class Validator final : public Handler {
public:
    Validator(const okey::Config& config, const okey::Clock& clock, okey::Logger& logger);

    Answer check(const CheckForm& form, const Caller& caller,
                 std::string_view accept_language) override;
    Answer health() override;
    Answer refusal(unsigned status, std::string_view why) override;

    // The texts of the language Accept-Language prefers among fr and en
    // (the config's lang when it names neither).
    const okey::Texts& texts_for(std::string_view accept_language) const;

private:
    // This thread's store: opened at its first use, kept for the thread's
    // life (the PostgreSQL connection reconnects by itself after a restart).
    okey::Result<okey::Store*> store();
    Answer decide(okey::Store& store, const okey::LoginContext& context,
                  const okey::LoginResult& result, const okey::Texts& texts,
                  const std::vector<okey::FlowMessage>& messages);
    Answer unavailable(const okey::LoginContext& context, const std::string& why);
    void sweep(okey::Store& store);

    const okey::Config& config_;
    const okey::Clock& clock_;
    okey::Logger& logger_;
    okey::Texts french_;
    okey::Texts english_;
    std::atomic<std::int64_t> last_sweep_{0};
};

}  // namespace okeyd
