// SPDX-License-Identifier: Apache-2.0
// engine/login.cpp — one login attempt end to end: choose the backend, run
// its flow, then record the outcome: one audit row in the store and one log
// line `login=… serial=… service=… rhost=… outcome=… reason=…` (never a
// secret). Nothing thrown inside gets out: the caller is PAM or a CLI.
#include "engine/login.hpp"

#include "engine/local/login_flow.hpp"
#include "engine/log_text.hpp"
#include "engine/scope.hpp"
#include "engine/store/store.hpp"

#include <exception>
#include <new>
#include <optional>
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

// A single-field client's text (forward_pass), and what the flow found in it.
struct Forwarded {
    std::string_view typed;
    std::size_t passcode_length = 0;
};

LoginResult decide_locally(const Config& config, const LoginContext& context, Prompter& prompter,
                           const Clock& clock, Logger& logger, Store& store,
                           Forwarded* forwarded = nullptr) {
    LoginFlow flow(config, store, clock, logger);
    FlowRound first = forwarded ? flow.start_forwarded(context, forwarded->typed, config.texts)
                                : flow.start(context, config.texts);
    LoginResult result = converse(flow, std::move(first), prompter, config.texts);
    if (forwarded) forwarded->passcode_length = flow.forwarded_passcode_length();
    return result;
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

LogLevel level_for(const LoginResult& result) {
    if (result.alarm) return LogLevel::warning;
    switch (result.outcome) {
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
    logger.log(level_for(result),
               "login=" + log_field(context.login) + " serial=" + log_field(result.serial) +
                   " service=" + log_field(context.service) +
                   " rhost=" + log_field(context.remote_host) +
                   " outcome=" + std::string(to_string(result.outcome)) +
                   " reason=" + log_text(result.reason) +
                   (context.client.empty() ? std::string() : " client=" + log_field(context.client)));
}

AuditEntry audit_entry(const LoginContext& context, const LoginResult& result,
                       const Clock& clock) {
    AuditEntry entry;
    entry.time = clock.now();
    entry.login = context.login;
    entry.serial = result.serial;
    entry.service = context.service;
    // Who asked: okeyd's client, else the PAM remote host.
    entry.remote_host = context.client.empty() ? context.remote_host : context.client;
    entry.event = "login";
    entry.outcome = std::string(to_string(result.outcome));
    entry.reason = result.reason;
    entry.actor = context.actor;
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

// Run a login; an exception inside (bad_alloc among them) is a logged service error.
template <class Run>
LoginResult guarded(const LoginContext& context, Logger& logger, Run&& run) noexcept {
    LoginResult result;
    try {
        return run();
    } catch (const std::exception& e) {
        result = internal_failure(e.what());
    } catch (...) {
        result = internal_failure("unknown exception");
    }
    try {
        log_outcome(logger, context, result);
    } catch (...) {
    }
    return result;
}

LoginResult run_named_login(const Config& config, const LoginContext& context,
                            const std::optional<Account>& account, Prompter& prompter,
                            const Clock& clock, Logger& logger, unsigned trusted_owner,
                            Forwarded* forwarded) {
    // Who is not asked is left to the rest of the PAM stack: no prompt, no
    // store, one log line saying why (DESIGN.md §11).
    const ScopeDecision scope = decide_scope(config.scope, context.login, account);
    if (!scope.warning.empty())
        logger.log(LogLevel::warning, "login=" + log_field(context.login) + " asked: " +
                                          log_text(scope.warning));
    if (!scope.asked) {
        LoginResult result = login_result(LoginOutcome::ignored, "", scope.reason);
        log_outcome(logger, context, result);
        return result;
    }
    if (config.backend == BackendKind::remote && forwarded) {
        // The server would be asked once per PIN length, each a failure there.
        LoginResult result = login_result(LoginOutcome::service_error, "",
                                          "forward_pass needs backend = \"local\"");
        log_outcome(logger, context, result);
        return result;
    }
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
    LoginResult result =
        decide_locally(config, context, prompter, clock, logger, store.value(), forwarded);
    // A store that failed under this login (corrupt, undecryptable, busy, I/O)
    // is not written to again: the log line stands for the audit row.
    record_login(store.value(), context, result, clock, logger);
    return result;
}

// Every look-up under NSS's spelling of the typed login. NSS failing decides
// nothing about the login: unavailable, before scope or store is asked.
LoginResult run_login_unguarded(const Config& config, const LoginContext& typed,
                                Prompter& prompter, const Clock& clock, Logger& logger,
                                unsigned trusted_owner, Forwarded* forwarded = nullptr) {
    auto named = name_login(typed.login, logger);
    if (!named) {
        LoginResult result = login_result(LoginOutcome::unavailable, "",
                                          "cannot tell whose login this is: " + named.error().message);
        log_outcome(logger, typed, result);
        return result;
    }
    LoginContext context = typed;
    context.login = named->login;
    return run_named_login(config, context, named->account, prompter, clock, logger,
                           trusted_owner, forwarded);
}

}  // namespace

Result<NamedLogin> name_login(std::string_view typed, Logger& logger) {
    auto account = find_account(typed);
    if (!account) return account.error();
    NamedLogin named{std::string(typed), std::move(account.value())};
    if (!named.account || named.account->login == typed) return named;
    named.login = named.account->login;
    logger.log(LogLevel::info, "login=" + log_field(named.login) + " typed=" + log_field(typed) +
                                   ": the login as NSS spells it");
    return named;
}

void record_login(Store& store, const LoginContext& context, const LoginResult& result,
                  const Clock& clock, Logger& logger) {
    log_outcome(logger, context, result);
    if (result.outcome != LoginOutcome::service_error && result.outcome != LoginOutcome::unavailable)
        write_audit(store, audit_entry(context, result, clock), logger);
}

void log_login(const LoginContext& context, const LoginResult& result, Logger& logger) {
    log_outcome(logger, context, result);
}

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
    return guarded(context, logger, [&] {
        return run_login_unguarded(config, context, prompter, clock, logger, trusted_owner);
    });
}

ForwardedLogin run_forwarded_login(const Config& config, const LoginContext& context,
                                   std::string_view typed, Prompter& prompter, const Clock& clock,
                                   Logger& logger, unsigned trusted_owner) {
    ForwardedLogin login;
    login.result = guarded(context, logger, [&] {
        Forwarded forwarded{typed};
        LoginResult result = run_login_unguarded(config, context, prompter, clock, logger,
                                                 trusted_owner, &forwarded);
        if (result.outcome == LoginOutcome::success) {
            if (forwarded.passcode_length == 0 || forwarded.passcode_length > typed.size())
                return internal_failure("forward_pass success without a passcode");
            login.password =
                otp::SecretString(typed.substr(0, typed.size() - forwarded.passcode_length));
        }
        return result;
    });
    if (login.result.outcome != LoginOutcome::success) login.password.clear();
    return login;
}

ForwardedLogin run_forwarded_login(const Config& config, const LoginContext& context,
                                   Prompter& prompter, const Clock& clock, Logger& logger,
                                   unsigned trusted_owner) {
    // No text to check: refused and logged, nothing charged (as in normal mode).
    const auto refuse = [&](const char* reason) {
        ForwardedLogin refused;
        refused.result = guarded(context, logger, [&] {
            LoginResult result = login_result(LoginOutcome::refused, "", reason);
            log_outcome(logger, context, result);
            return result;
        });
        return refused;
    };
    otp::SecretString typed;
    if (context.first_pass) {
        typed = *context.first_pass;
    } else if (config.use_first_pass) {
        return refuse("no passcode from earlier module");
    } else {
        auto answer = prompter.ask_hidden(config.texts.password_passcode);
        if (!answer) return refuse("conversation failed");
        typed = std::move(answer.value());
    }
    ForwardedLogin login =
        run_forwarded_login(config, context, typed.view(), prompter, clock, logger, trusted_owner);
    if (login.result.outcome == LoginOutcome::ignored) login.password = typed;
    return login;
}

}  // namespace okey
