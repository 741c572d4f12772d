// SPDX-License-Identifier: Apache-2.0
// server/okeyd/main.cpp — okeyd, the validation service for many servers
// (DESIGN.md §9): `okeyd [--config FILE] [--check] [--log-stderr]`. Reads the
// config and every file it trusts, refusing unsafe ones; listens on
// server.listen with TLS; answers until SIGTERM or SIGINT, then stops
// accepting, finishes the requests in progress and exits 0. Exit 1: refused
// to start (the reason on stderr and in the log).
#include "engine/clock.hpp"
#include "engine/config.hpp"
#include "engine/log_text.hpp"
#include "engine/store/postgresql/backend.hpp"
#include "server/okeyd/http_server.hpp"
#include "server/okeyd/startup.hpp"
#include "server/okeyd/validate.hpp"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <syslog.h>
#include <unistd.h>
#include <vector>

namespace {

// syslog LOG_AUTHPRIV, ident okeyd (the PAM module's and okeyctl's facility);
// --log-stderr copies each line to stderr too (tests, running by hand).
class SyslogLogger final : public okey::Logger {
public:
    explicit SyslogLogger(bool to_stderr) {
        openlog("okeyd", LOG_PID | (to_stderr ? LOG_PERROR : 0), LOG_AUTHPRIV);
    }
    ~SyslogLogger() override { closelog(); }
    void log(okey::LogLevel level, std::string_view message) override {
        static constexpr int priorities[] = {LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING, LOG_ERR};
        if (level == okey::LogLevel::debug) return;
        const std::string text(message);
        syslog(priorities[static_cast<int>(level)], "%s", text.c_str());
    }
};

int refuse(okey::Logger& logger, const std::string& why) {
    logger.log(okey::LogLevel::error, "not started: " + okey::log_text(why, 1024));
    std::fprintf(stderr, "okeyd: %s\n", why.c_str());
    return 1;
}

void usage(std::FILE* out) {
    std::fprintf(out,
                 "Usage: okeyd [--config FILE] [--check] [--log-stderr]\n"
                 "The okey validation service: privacyIDEA's /validate/check over HTTPS,\n"
                 "for pam_okey's remote backend (see okeyd(8)).\n"
                 "  --config FILE  the config (default /etc/okey/okey.conf)\n"
                 "  --check        check the config, files and store, then exit\n"
                 "  --log-stderr   copy every log line to stderr\n");
}

}  // namespace

int main(int argc, char** argv) {
    std::string config_path = okey::default_config_path;
    bool check_only = false, to_stderr = false;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--config" && i + 1 < argc) config_path = argv[++i];
        else if (arg == "--check") check_only = true;
        else if (arg == "--log-stderr") to_stderr = true;
        else if (arg == "--help") return usage(stdout), 0;
        else if (arg == "--version") return std::puts("okeyd " OKEY_VERSION), 0;
        else return usage(stderr), 2;
    }
    SyslogLogger logger(to_stderr);
    // Signals are waited for by this thread only: block them before any
    // other thread starts, so every thread inherits the mask.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    okey::store::enable_postgresql();

    auto config = okey::load_config(config_path, 0);
    if (!config) return refuse(logger, config.error().message);
    if (config->source.empty())
        return refuse(logger, config_path + ": not found (okeyd needs its server: settings)");
    auto tls = okeyd::read_tls_material(config->server);
    if (!tls) return refuse(logger, tls.error().message);
    if (auto files = okeyd::check_store_files(config.value()); !files)
        return refuse(logger, files.error().message);
    if (auto store = okeyd::try_store(config.value(), logger); !store)
        return refuse(logger, store.error().message);

    std::vector<int> sockets;
    for (const auto& address : config->server.listen) {
        auto socket = okeyd::listen_on(address);
        if (!socket) return refuse(logger, "server.listen: " + socket.error().message);
        sockets.push_back(socket.value());
    }
    if (check_only) {
        std::puts("okeyd: configuration, files and store are fine");
        return 0;
    }

    okey::SystemClock clock;
    okeyd::Validator validator(config.value(), clock, logger);
    auto server = okeyd::HttpServer::start(sockets, &tls.value(), config->server, validator, logger);
    if (!server) return refuse(logger, server.error().message);
    for (int socket : sockets)
        logger.log(okey::LogLevel::notice, "listening on " + okeyd::bound_address(socket) +
                                               (tls->client_ca.empty() ? "" : " (client certificates required)"));

    int received = 0;
    sigwait(&stop_signals, &received);
    logger.log(okey::LogLevel::notice,
               std::string("stopping (") + strsignal(received) + "): finishing requests in progress");
    server.value()->stop();
    logger.log(okey::LogLevel::notice, "stopped");
    return 0;
}
