// SPDX-License-Identifier: Apache-2.0
// engine/config.hpp — the one reading of /etc/okey/okey.conf (DESIGN.md §7).
// Every key is optional with a safe default; unknown keys, wrong types and
// out-of-range values are errors naming file, line and key. The PAM module's
// arguments are applied on top by apply_module_argument().
#pragma once

#include "engine/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace okey {

inline constexpr const char* default_config_path = "/etc/okey/okey.conf";

enum class BackendKind { local, remote };
enum class Language { fr, en };
enum class UnknownUserPolicy { deny, ignore };
enum class FailMode { secure, local };

// Every text the person logging in can see (DESIGN.md §4). Defaults depend on
// the language; each can be overridden under `prompts:` in the config.
struct Texts {
    // prompts (questions)
    std::string passcode;          // "Passcode OTP : "
    std::string code_only;         // "Code affiché sur votre clé OTP : "
    std::string new_pin;           // "Saisissez votre nouveau code PIN (4 à 6 chiffres) : "
    std::string confirm_pin;       // "Confirmez votre nouveau code PIN : "
    std::string new_pin_passcode;  // "Attendez que le code de votre clé change, puis saisissez votre passcode (PIN + code) : "
    std::string next_code;         // "Attendez que le code de votre clé change, puis saisissez le code suivant : "
    std::string acknowledge;       // "Appuyez sur Entrée pour continuer." (after a last message, over ssh)
    std::string password_passcode; // "Mot de passe suivi du passcode OTP : " (forward_pass)
    // messages (information and errors)
    std::string new_pin_intro;     // why the key's code only ({digits} digits): first use or PIN reset
    std::string next_code_reason;  // why a second code is needed: the key drifted
    std::string pin_mismatch;      // the two PINs differ
    std::string pin_invalid;       // policy: length / digits
    std::string pin_trivial;       // policy: trivial PIN
    std::string pin_saved;         // key initialised, PIN stored
    std::string key_expired;       // told only after a correct passcode
    std::string login_locked;      // told only after the key's correct code
};

// The French (or English) defaults, with the PIN bounds filled in.
Texts default_texts(Language language, unsigned pin_min, unsigned pin_max);

struct TotpSettings {
    unsigned window = 1;
    unsigned resync_window = 10;
};

struct Argon2Settings {
    std::uint32_t memory_kib = 19456;
    std::uint32_t iterations = 2;
    std::uint32_t parallelism = 1;
};

struct PinSettings {
    unsigned min_length = 4;
    unsigned max_length = 6;
    bool refuse_trivial = true;
    Argon2Settings argon2;
};

struct LockoutSettings {
    unsigned max_failures = 5;
    unsigned lock_seconds = 900;  // 0: until an administrator unlocks
};

struct RemoteSettings {
    std::vector<std::string> urls;
    std::string realm;
    std::string ca_file;
    std::string pinned_public_key;
    // Presented to a server that asks for a client certificate (okeyd with
    // client_ca_file); the key file follows the key file's trust rules.
    std::string client_certificate;
    std::string client_key;
    long connect_timeout_ms = 2000;
    long timeout_ms = 5000;
    unsigned max_rounds = 8;  // new-PIN mode with its three tries and the code after: 7
    FailMode failmode = FailMode::secure;
};

struct OfflineSettings {
    bool enabled = true;
    unsigned max_age_days = 7;
};

// Who must give a passcode (DESIGN.md §11). Empty lists: everyone.
struct ScopeSettings {
    std::vector<std::string> groups;         // when not empty, only their members are asked
    std::vector<std::string> exempt_groups;  // their members are never asked
    std::vector<std::string> exempt_users;   // these logins are never asked
};

// okeyd, the validation service (DESIGN.md §9): where it listens, its TLS
// identity, which clients it answers, and a limit on every client (each a
// named setting with a safe default, as PgBouncer has).
struct ServerSettings {
    std::vector<std::string> listen = {"0.0.0.0:8443"};  // "ADDRESS:PORT", "[IPv6]:PORT"
    std::string tls_certificate = "/etc/okey/okeyd.crt";
    std::string tls_key = "/etc/okey/okeyd.key";
    std::string client_ca_file;      // set: only clients holding a certificate of this CA
    unsigned threads = 0;            // 0: one per core
    unsigned max_connections = 256;  // served at once; more wait in the listen queue
    unsigned max_body_bytes = 8192;  // a larger request body: 413
    unsigned client_timeout_seconds = 10;  // to send a whole request, or to stay idle
};

struct Config {
    std::string source = default_config_path;  // the file it came from ("" = defaults)
    BackendKind backend = BackendKind::local;
    std::string store = "/var/lib/okey/okey.db";
    std::string key_file = "/etc/okey/seed.key";
    Language language = Language::fr;
    UnknownUserPolicy unknown_user = UnknownUserPolicy::deny;
    TotpSettings totp;
    PinSettings pin;
    LockoutSettings lockout;
    RemoteSettings remote;
    OfflineSettings offline;
    ScopeSettings scope;
    ServerSettings server;
    Texts texts = default_texts(Language::fr, 4, 6);
    // The `prompts:` keys the file set (name, text): kept so that a later
    // `lang=` module argument changes only the texts the file did not set.
    std::vector<std::pair<std::string, std::string>> text_overrides;
    bool debug = false;
    // Stacking (module arguments only)
    bool use_first_pass = false;
    bool try_first_pass = false;
    // One field for the password followed by the passcode (module argument
    // only): the rest is handed on as PAM_AUTHTOK (DESIGN.md §10).
    bool forward_pass = false;
};

// Read and validate a config file. The file must pass the file-trust rules
// (engine/file_trust.hpp) for `trusted_owner`. A missing file at the default
// path yields the defaults; any other problem is an Errc::config error whose
// message names the file, the line and the key.
Result<Config> load_config(const std::string& path, unsigned trusted_owner);

// Parse the same syntax from memory (tests, fuzzing). `name` appears in errors.
Result<Config> parse_config(std::string_view text, const std::string& name);

// One entry of server.listen, checked: a numeric address (never a name).
struct ListenAddress {
    std::string host;  // without brackets
    bool ipv6 = false;
    std::uint16_t port = 0;
};
std::optional<ListenAddress> parse_listen_address(std::string_view text);

// Apply one PAM module argument ("debug", "use_first_pass", "try_first_pass", "forward_pass",
// "unknown_user=deny|ignore", "lang=fr|en"); "config=" is handled by the caller.
// Unknown arguments are an Errc::config error.
Result<void> apply_module_argument(Config& config, std::string_view argument);

}  // namespace okey
