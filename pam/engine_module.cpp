// SPDX-License-Identifier: Apache-2.0
// pam/engine_module.cpp — okey-pam-engine.so, what pam_okey.so's
// pam_sm_authenticate runs (pam/engine.h): read the arguments and the config,
// gather the login's items, run the engine's login flow (or, when the module
// is not root, have okey-check run it) and map its outcome. Nothing escapes:
// every exception becomes PAM_SERVICE_ERR. Only okey_pam_engine_v1 leaves
// the module (okey-pam-engine.map).
// No mutable static state: each call builds its own objects (thread-safe).
#include "engine/clock.hpp"
#include "engine/login.hpp"
#include "engine/module_arguments.hpp"
#include "pam/helper_call.hpp"
#include "pam/engine.h"
#include "pam/outcome.hpp"
#include "pam/pam_logger.hpp"
#include "pam/pam_prompter.hpp"

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include <optional>
#include <string>
#include <syslog.h>
#include <unistd.h>

namespace okey::pam {

namespace {

// The store, key file and config of the module must belong to root.
constexpr unsigned trusted_owner = 0;
constexpr std::size_t max_login_length = 256;

std::string item_text(pam_handle_t* pamh, int item) {
    const void* value = nullptr;
    if (pam_get_item(pamh, item, &value) != PAM_SUCCESS || value == nullptr) return {};
    return static_cast<const char*>(value);
}

// forward_pass: the text without PIN + code becomes PAM_AUTHTOK for the next
// module (pam_unix use_first_pass). Never the passcode; nothing on failure.
int hand_on(pam_handle_t* pamh, const std::optional<otp::SecretString>& password) {
    if (!password) {
        pam_syslog(pamh, LOG_ERR, "forward_pass: no password to hand on: login refused");
        return PAM_AUTH_ERR;
    }
    std::string text(password->view());
    const int rc = pam_set_item(pamh, PAM_AUTHTOK, text.c_str());
    okey_otp_wipe(text.data(), text.size());
    if (rc != PAM_SUCCESS) {
        pam_syslog(pamh, LOG_ERR, "forward_pass: cannot set PAM_AUTHTOK: %s", pam_strerror(pamh, rc));
        return PAM_AUTH_ERR;
    }
    return PAM_SUCCESS;
}

// The login itself: in this process as root, else through okey-check; with
// forward_pass, also the password to hand on.
LoginResult decide(bool as_root, const Config& config, const ModuleArguments& arguments,
                   const LoginContext& context, PamPrompter& prompter, PamLogger& logger,
                   std::optional<otp::SecretString>& password) {
    const SystemClock clock;
    if (!as_root) return check_through_helper(context, arguments, prompter, logger, &password);
    if (!config.forward_pass)
        return run_login(config, context, prompter, clock, logger, trusted_owner);
    ForwardedLogin forwarded =
        run_forwarded_login(config, context, prompter, clock, logger, trusted_owner);
    const LoginOutcome outcome = forwarded.result.outcome;
    if (outcome == LoginOutcome::success || outcome == LoginOutcome::ignored)
        password.emplace(std::move(forwarded.password));
    return forwarded.result;
}

int authenticate(pam_handle_t* pamh, int flags, int argc, const char** argv) {
    PamLogger logger(pamh);
    Result<ModuleArguments> arguments = module_arguments(argc, argv);
    if (!arguments) {
        pam_syslog(pamh, LOG_ERR, "refusing every login: %s", arguments.error().message.c_str());
        return PAM_SERVICE_ERR;
    }
    // Not root (a screen locker): the store and the config may be root's
    // alone; okey-check reads them and decides, the module only relays.
    const bool as_root = geteuid() == 0;
    Result<Config> config =
        as_root ? load_config_with(*arguments, trusted_owner) : arguments_only(*arguments);
    if (!config) {
        pam_syslog(pamh, LOG_ERR, "refusing every login: %s", config.error().message.c_str());
        return PAM_SERVICE_ERR;
    }
    logger.set_debug(config->debug);

    const char* user = nullptr;
    const int got_user = pam_get_user(pamh, &user, nullptr);
    if (got_user == PAM_CONV_AGAIN) return PAM_INCOMPLETE;
    if (got_user != PAM_SUCCESS) {
        pam_syslog(pamh, LOG_ERR, "cannot read the login: %s", pam_strerror(pamh, got_user));
        return got_user;
    }
    if (user == nullptr || *user == '\0' || std::string_view(user).size() > max_login_length) {
        pam_syslog(pamh, LOG_NOTICE, "refused: empty or overlong login");
        return PAM_AUTH_ERR;
    }

    LoginContext context;
    context.login = user;
    context.service = item_text(pamh, PAM_SERVICE);
    context.remote_host = item_text(pamh, PAM_RHOST);
    if (config->use_first_pass || config->try_first_pass) {
        // Read only: the module never sets PAM_AUTHTOK to a passcode.
        const void* token = nullptr;
        if (pam_get_item(pamh, PAM_AUTHTOK, &token) == PAM_SUCCESS && token != nullptr)
            context.first_pass.emplace(static_cast<const char*>(token));
    }

    // sshd sets PAM_TTY to "ssh" while it authenticates.
    PamPrompter prompter(pamh, (flags & PAM_SILENT) != 0, item_text(pamh, PAM_TTY) == "ssh",
                         config->texts.acknowledge);
    std::optional<otp::SecretString> password;
    const LoginResult result = decide(as_root, *config, *arguments, context, prompter, logger, password);
    prompter.finish();
    int code = pam_code(result.outcome);
    if (config->forward_pass && (code == PAM_SUCCESS || code == PAM_IGNORE)) {
        const int handed = hand_on(pamh, password);
        if (handed != PAM_SUCCESS) code = handed;
    }
    if (config->debug)
        pam_syslog(pamh, LOG_DEBUG, "login %s: %s (%s)", context.login.c_str(),
                   pam_strerror(pamh, code), result.reason.c_str());
    return code;
}

}  // namespace

}  // namespace okey::pam

namespace {

int authenticate_hook(pam_handle_t* pamh, int flags, int argc, const char** argv) noexcept {
    try {
        return okey::pam::authenticate(pamh, flags, argc, argv);
    } catch (...) {
        pam_syslog(pamh, LOG_CRIT, "internal error: login refused");
        return PAM_SERVICE_ERR;
    }
}

constexpr okey_pam_engine engine{OKEY_VERSION, sizeof(okey_pam_engine), &authenticate_hook};

}  // namespace

extern "C" __attribute__((visibility("default"))) const okey_pam_engine* okey_pam_engine_v1() {
    return &engine;
}
