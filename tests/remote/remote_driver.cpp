// SPDX-License-Identifier: Apache-2.0
// tests/remote/remote_driver.cpp — runs okey::run_remote_login once, as the
// remote suite and benchmark need it: settings from argv (no config file, so
// every case states its own), answers to prompts read from stdin (one per
// line), a fake clock (--now, advanced by --advance seconds at each prompt,
// and by --pauses S0,S1,… seconds at prompt 0, 1, …: a person pausing 30 s
// costs the test nothing). Its monotonic time is the real one plus the pauses,
// so calls take their real time. Prints one JSON object: outcome, serial,
// reason, prompts shown (and information / error messages), log lines.
#include "engine/login.hpp"
#include "engine/store/store.hpp"
#include "engine/texts.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <utility>
#include <unistd.h>
#include <vector>

namespace {

class FakeClock final : public okey::Clock {
public:
    std::int64_t now() const override { return now_; }
    std::int64_t monotonic_ms() const override { return Clock::monotonic_ms() + paused_ms_; }
    void pause(std::int64_t seconds) {
        now_ += seconds;
        paused_ms_ += seconds * 1000;
    }
    std::int64_t now_ = 1767225600;  // 2026-01-01

private:
    std::int64_t paused_ms_ = 0;
};

class ScriptedPrompter final : public okey::Prompter {
public:
    ScriptedPrompter(FakeClock& clock, std::int64_t advance, std::vector<std::int64_t> pauses)
        : clock_(clock), advance_(advance), pauses_(std::move(pauses)) {}
    okey::Result<okey::otp::SecretString> ask_hidden(std::string_view prompt) override {
        const std::size_t index = asked_++;
        prompts.emplace_back(prompt);
        clock_.pause(advance_ + (index < pauses_.size() ? pauses_[index] : 0));
        std::string line;
        if (!std::getline(std::cin, line))
            return okey::make_error(okey::Errc::io, "no more answers");
        return okey::otp::SecretString(line);
    }
    okey::Result<std::string> ask_visible(std::string_view prompt) override {
        auto answer = ask_hidden(prompt);
        if (!answer) return answer.error();
        return std::string(answer->view());
    }
    void inform(std::string_view text) override { prompts.push_back("info: " + std::string(text)); }
    void error(std::string_view text) override { prompts.push_back("error: " + std::string(text)); }
    std::vector<std::string> prompts;

private:
    FakeClock& clock_;
    std::int64_t advance_;
    std::vector<std::int64_t> pauses_;
    std::size_t asked_ = 0;
};

std::vector<std::int64_t> seconds_list(const std::string& text) {
    std::vector<std::int64_t> list;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        list.push_back(std::stoll(text.substr(start, comma - start)));
        start = comma + 1;
    }
    return list;
}

class RecordingLogger final : public okey::Logger {
public:
    void log(okey::LogLevel, std::string_view message) override { lines.emplace_back(message); }
    std::vector<std::string> lines;
};

int usage() {
    std::cerr << "usage: remote_driver --login L --url U [--url U2…] [--ca F] [--pin P]\n"
                 "  [--connect-timeout MS] [--timeout MS] [--max-rounds N] [--failmode secure|local]\n"
                 "  [--store F --key-file F] [--no-offline] [--max-age DAYS] [--now T] [--advance S]\n"
                 "  [--pauses S0,S1,…] [--lang fr|en] [--client-cert F --client-key F]\n"
                 "  [--first-pass]   (the first stdin line is given as first_pass)\n"
                 "  [--init-store]   (create the store first if it does not exist)\n"
                 "  [--init-store-only]   (create the store and stop: a fixture for the PAM tests)\n"
                 "  [--use-first-pass] [--try-first-pass]\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    okey::Config config;
    config.source = "";
    config.backend = okey::BackendKind::remote;
    okey::LoginContext context;
    context.service = "remote-test";
    FakeClock clock;
    std::int64_t advance = 0;
    std::vector<std::int64_t> pauses;
    bool first_pass = false;
    bool init_store = false;
    bool init_only = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) std::exit(usage());
            return argv[++i];
        };
        if (arg == "--login") context.login = next();
        else if (arg == "--url") config.remote.urls.push_back(next());
        else if (arg == "--ca") config.remote.ca_file = next();
        else if (arg == "--pin") config.remote.pinned_public_key = next();
        else if (arg == "--realm") config.remote.realm = next();
        else if (arg == "--connect-timeout") config.remote.connect_timeout_ms = std::stol(next());
        else if (arg == "--timeout") config.remote.timeout_ms = std::stol(next());
        else if (arg == "--max-rounds") config.remote.max_rounds = static_cast<unsigned>(std::stoul(next()));
        else if (arg == "--failmode") config.remote.failmode = next() == "local" ? okey::FailMode::local : okey::FailMode::secure;
        else if (arg == "--store") config.store = next();
        else if (arg == "--key-file") config.key_file = next();
        else if (arg == "--no-offline") config.offline.enabled = false;
        else if (arg == "--max-age") config.offline.max_age_days = static_cast<unsigned>(std::stoul(next()));
        else if (arg == "--now") clock.now_ = std::stoll(next());
        else if (arg == "--advance") advance = std::stoll(next());
        else if (arg == "--pauses") pauses = seconds_list(next());
        else if (arg == "--lang") {
            config.language = next() == "en" ? okey::Language::en : okey::Language::fr;
            config.texts = okey::compose_texts(config);
        }
        else if (arg == "--client-cert") config.remote.client_certificate = next();
        else if (arg == "--client-key") config.remote.client_key = next();
        else if (arg == "--first-pass") first_pass = true;
        else if (arg == "--init-store") init_store = true;
        else if (arg == "--init-store-only") init_store = init_only = true;
        else if (arg == "--use-first-pass") config.use_first_pass = true;
        else if (arg == "--try-first-pass") config.try_first_pass = true;
        else return usage();
    }
    if (init_store && !std::filesystem::exists(config.store)) {
        auto made = okey::Store::initialise(
            okey::StoreOptions{config.store, config.key_file, static_cast<unsigned>(getuid()), 5000});
        if (!made) {
            std::cerr << "cannot create the store: " << made.error().message << "\n";
            return 1;
        }
    }
    if (init_only) return 0;
    if (first_pass) {
        std::string line;
        std::getline(std::cin, line);
        context.first_pass = okey::otp::SecretString(line);
    }
    ScriptedPrompter prompter(clock, advance, std::move(pauses));
    RecordingLogger logger;
    okey::LoginResult result = okey::run_remote_login(config, context, prompter, clock, logger,
                                                      static_cast<unsigned>(getuid()));
    nlohmann::json out = {{"outcome", std::string(okey::to_string(result.outcome))},
                          {"serial", result.serial},
                          {"reason", result.reason},
                          {"prompts", prompter.prompts},
                          {"logs", logger.lines}};
    std::cout << out.dump() << std::endl;
    return 0;
}
