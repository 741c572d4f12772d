// SPDX-License-Identifier: Apache-2.0
// engine/login.cpp — one login attempt end to end: choose the backend, run
// its flow, then record the outcome: one audit row in the store and one log
// line `login=… serial=… service=… rhost=… outcome=… reason=…` (never a
// secret). Nothing thrown inside gets out: the caller is PAM or a CLI.
#include "engine/login.hpp"

#include "engine/local/login_flow.hpp"
#include "engine/log_text.hpp"
#include "engine/store/store.hpp"

#include <exception>
#include <new>
#include <utility>

namespace okey {
namespace {

StoreOptions store_options(const Config& config, unsigned trusted_owner) {
    StoreOptions options;
    options.path = config.store;
    options.key_file = config.key_file;
    options.trusted_owner = trusted_owner;
    return options;
}

LoginResult store_open_failure(const Error& error) {
    return login_result(outcome_for_store_error(error.code), "", "store: " + error.message);
}

LoginResult decide_locally(const Config& config, const LoginContext& context, Prompter& prompter,
                           const Clock& clock, Logger& logger, Store& store) {
    LoginFlow flow(config, store, clock, logger);
    return converse(flow, flow.start(context, config.texts), prompter, config.texts);
}

// Used while handling an exception (bad_alloc among them): must not throw.
LoginResult internal_failure(const char* what) noexcept {
    LoginResult result;
    result.outcome = LoginOutcome::service_error;
    try {
        result.reason = std::string("internal error: ") + what;
    } catch (...) {
    }
    return result;
}

LogLevel level_for(LoginOutcome outcome) {
    switch (outcome) {
    case LoginOutcome::success: return LogLevel::info;
    case LoginOutcome::ignored: return LogLevel::info;
    case LoginOutcome::refused:
    case LoginOutcome::locked: return LogLevel::notice;
    case LoginOutcome::unavailable:
    case LoginOutcome::service_error: return LogLevel::error;
    }
    return LogLevel::error;
}

void log_outcome(Logger& logger, const LoginContext& context, const LoginResult& result) {
    logger.log(level_for(result.outcome),
               "login=" + log_field(context.login) + " serial=" + log_field(result.serial) +
                   " service=" + log_field(context.service) +
                   " rhost=" + log_field(context.remote_host) +
                   " outcome=" + std::string(to_string(result.outcome)) +
                   " reason=" + log_text(result.reason));
}

AuditEntry audit_entry(const LoginContext& context, const LoginResult& result,
                       const Clock& clock) {
    AuditEntry entry;
    entry.time = clock.now();
    entry.login = context.login;
    entry.serial = result.serial;
    entry.service = context.service;
    entry.remote_host = context.remote_host;
    entry.event = "login";
    entry.outcome = std::string(to_string(result.outcome));
    entry.reason = result.reason;
    return entry;
}

// A missing audit row does not change the decision, but the administrator
// must hear about it.
void write_audit(Store& store, const AuditEntry& entry, Logger& logger) {
    auto written = store.append_audit(entry);
    if (!written)
        logger.log(LogLevel::error, "login=" + log_field(entry.login) +
                                        " audit row not written: " +
                                        log_text(written.error().message));
}

// The remote flow keeps no store open; audit into the local store when there
// is one (a remote-only site may have none).
void audit_remote(const Config& config, const AuditEntry& entry, Logger& logger,
                  unsigned trusted_owner) {
    auto store = Store::open(store_options(config, trusted_owner));
    if (!store) {
        const LogLevel level =
            store.error().code == Errc::not_found ? LogLevel::debug : LogLevel::warning;
        logger.log(level, "login=" + log_field(entry.login) + " audit row not written: " +
                              log_text(store.error().message));
        return;
    }
    write_audit(store.value(), entry, logger);
}

LoginResult run_login_unguarded(const Config& config, const LoginContext& context,
                                Prompter& prompter, const Clock& clock, Logger& logger,
                                unsigned trusted_owner) {
    if (config.backend == BackendKind::remote) {
        LoginResult result =
            run_remote_login(config, context, prompter, clock, logger, trusted_owner);
        log_outcome(logger, context, result);
        audit_remote(config, audit_entry(context, result, clock), logger, trusted_owner);
        return result;
    }
    auto store = Store::open(store_options(config, trusted_owner));
    if (!store) {
        LoginResult result = store_open_failure(store.error());
        log_outcome(logger, context, result);
        return result;
    }
    LoginResult result = decide_locally(config, context, prompter, clock, logger, store.value());
    log_outcome(logger, context, result);
    // A store that failed under this login (corrupt, undecryptable, busy, I/O)
    // is not written to again: the log line above stands for the audit row.
    if (result.outcome != LoginOutcome::service_error && result.outcome != LoginOutcome::unavailable)
        write_audit(store.value(), audit_entry(context, result, clock), logger);
    return result;
}

}  // namespace

LoginResult run_local_login(const Config& config, const LoginContext& context, Prompter& prompter,
                            const Clock& clock, Logger& logger, unsigned trusted_owner) {
    try {
        auto store = Store::open(store_options(config, trusted_owner));
        if (!store) return store_open_failure(store.error());
        return decide_locally(config, context, prompter, clock, logger, store.value());
    } catch (const std::exception& e) {
        return internal_failure(e.what());
    } catch (...) {
        return internal_failure("unknown exception");
    }
}

LoginResult run_login(const Config& config, const LoginContext& context, Prompter& prompter,
                      const Clock& clock, Logger& logger, unsigned trusted_owner) {
    try {
        return run_login_unguarded(config, context, prompter, clock, logger, trusted_owner);
    } catch (const std::exception& e) {
        LoginResult result = internal_failure(e.what());
        try {
            log_outcome(logger, context, result);
        } catch (...) {
        }
        return result;
    } catch (...) {
        LoginResult result = internal_failure("unknown exception");
        try {
            log_outcome(logger, context, result);
        } catch (...) {
        }
        return result;
    }
}

}  // namespace okey
