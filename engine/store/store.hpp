// SPDX-License-Identifier: Apache-2.0
// engine/store/store.hpp — the store (DESIGN.md §3, §9): keys, logins and the
// append-only audit table, in a SQLite file (the embedded default) or a
// PostgreSQL database shared by many clients — one logic over both
// (engine/store/database.hpp), schema version checked and migrated at open.
// Key secrets are sealed with AES-256-GCM under the key file, the serial as
// additional data.
//
// Concurrency: every write is one transaction. On SQLite, one at a time
// (BEGIN IMMEDIATE). On PostgreSQL, a login-path write (charge_failure,
// accept_step, upgrade_pin_hash, the offline values, an emergency code used)
// holds its login's lock, so one login's writes go one at a time while other
// logins' run beside it; an administrative act (every lifecycle verb, imports,
// emergency codes issued or revoked, leavers, restore, schema) is alone in
// the store (store_impl.hpp: write_for / write). On the login path the
// failure counter is charged first (charge_failure), the slow PIN hash runs
// with no lock held, then accept_step checks-and-updates the last accepted
// step atomically: a code succeeds once, ever, across processes and servers.
// A Store is one connection: a program with many threads opens one Store per
// thread.
#pragma once

#include "engine/result.hpp"

#include <okey/otp.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace okey {

enum class KeyKind { hardware, software };
enum class KeyState {
    stock,     // in the school's stock, unassigned
    assigned,  // to one login
    lost,      // declared lost: unassigned, never valid again
    retired,   // replaced by renewal: never valid again
};
enum class PinState { set, new_pin_required };

std::string_view to_string(KeyKind kind);
std::string_view to_string(KeyState state);
std::string_view to_string(PinState state);

// What defines a key and its codes, as given by an administrator or a PSKC lot.
struct KeySpec {
    std::string serial;
    KeyKind kind = KeyKind::hardware;
    otp::Algorithm algorithm = OKEY_OTP_SHA1;
    unsigned digits = 6;
    unsigned period = 30;
    std::string lot;      // "" when none
    std::string expires;  // "YYYY-MM-DD" (valid through that day, UTC), "" when none
};

struct TokenRecord {
    KeySpec spec;
    KeyState state = KeyState::stock;
    std::string owner;                       // "" unless assigned
    std::optional<std::uint64_t> last_step;  // last accepted TOTP step
    std::int64_t drift = 0;                  // in steps
    std::optional<std::int64_t> last_login;  // Unix time
    std::int64_t created = 0;
    std::int64_t updated = 0;
    std::string lost_owner;                  // lost: the login it was assigned to, if any
};

struct UserRecord {
    std::string login;
    std::string pin_hash;  // Argon2id PHC string, "" when none
    PinState pin_state = PinState::new_pin_required;
    unsigned failures = 0;          // consecutive
    std::int64_t locked_until = 0;  // 0: not locked; lock_forever: until unlocked
};
inline constexpr std::int64_t lock_forever = INT64_MAX;

struct AuditEntry {
    std::int64_t time = 0;
    std::string login;
    std::string serial;
    std::string service;      // PAM service, or "okeyctl"
    std::string remote_host;
    std::string event;        // "login", "token.assign", "user.reset-pin", …
    std::string outcome;      // "success", "refused", "locked", …
    std::string reason;       // why; the administrator's comment for lifecycle acts
    std::string actor = {};   // the administrator who did it (okeyctl), "" for a login
};

// One emergency code of a login (DESIGN.md §12): only its keyed hash is kept.
struct EmergencyCode {
    std::vector<std::uint8_t> hash;  // Store::emergency_code_hash(login, code)
    std::int64_t expires = 0;        // Unix time: refused from then on
};

// A key declared lost while assigned to the login: a code it shows is
// refused like any other, and logged as a lost key used.
struct LostKey {
    TokenRecord token;
    otp::SecretBytes secret;
};

// What one login needs, read without taking the write lock.
struct LoginView {
    UserRecord user;
    std::optional<TokenRecord> token;  // the key assigned to this login, if any
    otp::SecretBytes secret;           // its decrypted secret (empty without token)
    std::vector<EmergencyCode> emergency_codes;  // unused ones, expired included
    std::vector<LostKey> lost_keys;
};

// The users row charge_decoy writes. ':' is in no login: passwd(5) separates
// its fields with it, and the store refuses it in every login it is given.
inline constexpr std::string_view decoy_login = "okey:decoy";

struct ChargeResult {
    bool was_locked = false;        // the login was already locked: no attempt allowed
    unsigned failures = 0;          // after this charge
    std::int64_t locked_until = 0;  // after this charge
};

// One accepted code: the step, the drift seen, and what else to record.
struct StepAcceptance {
    std::string login;
    std::string serial;
    std::uint64_t step = 0;
    std::int64_t drift = 0;
    std::int64_t now = 0;
    bool login_succeeded = false;             // clear failures and lock, set last login
    std::optional<std::string> new_pin_hash;  // store it and mark the PIN set
    // The login's PIN as the flow judged it: the PIN hash the passcode's PIN
    // was verified against, or "" when the login was in new-PIN mode. The
    // login must still have that PIN in the accepting transaction, or the
    // verdict is pin_changed (a reset, or a new PIN chosen in another session,
    // while this login's prompt was open). nullopt: no PIN was judged (a
    // locked login's proof of possession, new-PIN mode's first code).
    std::optional<std::string> pin_judged = std::nullopt;
};

enum class StepVerdict {
    accepted,
    replayed,     // step <= last accepted step (another process won)
    key_changed,  // the key is no longer assigned to this login
    pin_changed,  // the login's PIN is no longer the one judged (pin_judged)
};

struct TokenFilter {
    std::optional<KeyState> state;
    std::optional<std::string> login;
    std::optional<std::string> lot;
};

struct AuditFilter {
    std::optional<std::string> login;
    std::optional<std::int64_t> since;  // Unix time
};

// One lifecycle act: when, who (the administrator's login, DESIGN.md §12)
// and the administrator's comment, all audited.
struct Act {
    std::int64_t now = 0;
    std::string comment;
    std::string actor = {};  // "" in tests and programs without an administrator
};

// The emergency codes of a login (okeyctl user show).
struct EmergencyStatus {
    unsigned left = 0;            // not used, not expired
    std::int64_t expires = 0;     // the latest expiry among them (0: none left)
};

// privacyIDEA-format offline values for one login: counter → PHC-style
// "$pbkdf2-sha512$…" hash of PIN+code, with the refill token.
struct OfflineBatch {
    std::string login;
    std::string serial;
    otp::SecretString refill_token;
    std::vector<std::pair<std::uint64_t, std::string>> values;  // ascending counters
    std::int64_t received = 0;  // Unix time of the online success that sent them
};

// One open dialogue of okeyd (DESIGN.md §9) between two requests: the
// sealed flow state (engine/local/flow_state.hpp: no plaintext secret) of a
// login, under a key derived from its transaction_id, until it expires.
struct Dialogue {
    std::string key;      // what the store finds it by (server/okeyd/dialogues.cpp)
    std::string login;
    std::string state;
    std::int64_t expires = 0;  // Unix time after which it is ignored and swept
};

// Emergency codes (DESIGN.md §12): how many, how long, how they look.
inline constexpr unsigned emergency_code_digits = 8;
inline constexpr unsigned default_emergency_codes = 5;
inline constexpr unsigned max_emergency_codes = 10;
inline constexpr unsigned default_emergency_days = 3;
inline constexpr unsigned max_emergency_days = 14;

// What a backup or a restore holds (okeyctl's report).
struct StoreContents {
    std::vector<std::pair<std::string, std::int64_t>> rows;  // per table
    std::int64_t secrets_opened = 0;  // sealed values that opened under the key file
};

struct RestoreReport {
    StoreContents contents;
    int schema_version = 0;  // of the file restored (migrated if older)
    std::string set_aside;   // where the store it replaced now is ("" when there was none)
};

struct StoreOptions {
    // A SQLite file, or a PostgreSQL URI "postgresql://…" (the password in a
    // passfile, never in the URI: engine/store/location.hpp).
    std::string path = "/var/lib/okey/okey.db";
    std::string key_file = "/etc/okey/seed.key";
    unsigned trusted_owner = 0;  // root; the invoking user for a test store
    int busy_timeout_ms = 5000;
};

namespace store {
class Connection;
}

struct NewStoreOptions {
    // PostgreSQL: the role the service connects as, granted what it needs
    // and no UPDATE or DELETE on the audit ("" : none).
    std::string service_role;
    // Run in the transaction that creates the schema (okeyctl migrate's
    // copy): the new store exists complete or not at all.
    std::function<Result<void>(store::Connection&)> populate;
};

// What Store::copy_into copied and checked.
struct CopyReport {
    std::vector<std::pair<std::string, std::int64_t>> rows;  // per table, in copy order
    std::int64_t secrets_opened = 0;  // sealed secrets and refill tokens that opened
};

class Store {
public:
    // SQLite: create the directory (0700), the database (0600) and a fresh
    // 32-byte key file (0400); refuses to overwrite an existing store or key
    // file. PostgreSQL: create the schema in an empty database (refusing one
    // that holds anything), and the key file if there is none yet.
    static Result<void> initialise(const StoreOptions& options, const NewStoreOptions& extra = {});
    // Open an existing store after checking the key file (and for SQLite the
    // store's files) against the file-trust rules; migrates the schema if
    // older, refuses one newer than this okey.
    static Result<Store> open(const StoreOptions& options);

    Store(Store&&) noexcept;
    Store& operator=(Store&&) noexcept;
    ~Store();

    // ---- the login path ----
    // nullopt: the login is unknown to the store. The key's row is read and
    // its secret opened for every login; one without a key opens a decoy
    // sealed value instead, so that both cost the same.
    Result<std::optional<LoginView>> load_login(std::string_view login);
    // Charge one failure before any slow work; when failures reach
    // max_failures, lock for lock_seconds (0: lock_forever). A login already
    // locked is not charged: was_locked = true.
    Result<ChargeResult> charge_failure(std::string_view login, std::int64_t now,
                                        unsigned max_failures, unsigned lock_seconds);
    // What charge_failure costs, for a login with nothing to charge (unknown,
    // or holding no key): the same durable write transaction, on the row of
    // decoy_login, so that a refusal takes as long whether the login exists
    // or not (DESIGN.md §4.4). The row is made at its first use; it stands
    // for no one and never locks; its counter counts the decoy charges.
    Result<void> charge_decoy(std::int64_t now);
    Result<StepVerdict> accept_step(const StepAcceptance& acceptance);
    // Replace a PIN hash made with older Argon2 parameters (after a success).
    Result<void> upgrade_pin_hash(std::string_view login, const std::string& pin_hash);
    Result<void> append_audit(const AuditEntry& entry);

    // ---- keys (okeyctl) ----
    Result<void> add_token(const KeySpec& spec, std::span<const std::uint8_t> secret,
                           const Act& act);
    // All or nothing; a serial already in the store refuses the whole lot.
    struct NewToken {
        KeySpec spec;
        otp::SecretBytes secret;
    };
    Result<void> add_tokens(const std::vector<NewToken>& tokens, const Act& act);
    Result<TokenRecord> get_token(std::string_view serial);
    Result<std::vector<TokenRecord>> list_tokens(const TokenFilter& filter);
    Result<otp::SecretBytes> token_secret(std::string_view serial);
    // stock → assigned; creates the login in new-PIN mode if it has no PIN.
    Result<void> assign(std::string_view serial, std::string_view login, const Act& act);
    // assigned|stock → lost: unassigned, never valid again.
    Result<void> mark_lost(std::string_view serial, const Act& act);
    // assigned → stock: owner cleared. The key keeps its last accepted step
    // and drift for its whole life (so does assign): a code used once, by
    // whichever owner, is never accepted again.
    Result<void> return_to_stock(std::string_view serial, const Act& act);
    Result<void> set_expiry(std::string_view serial, std::string_view date, const Act& act);
    Result<void> record_resync(std::string_view serial, std::uint64_t step, std::int64_t drift,
                               const Act& act);
    // Add a new software key and assign it, in one transaction.
    Result<void> enroll(const KeySpec& spec, std::span<const std::uint8_t> secret,
                        std::string_view login, const Act& act);

    // ---- logins (okeyctl) ----
    Result<UserRecord> get_user(std::string_view login);
    // Assign the stock key new_serial to login and retire its current key; PIN kept.
    Result<void> renew(std::string_view login, std::string_view new_serial, const Act& act);
    Result<void> reset_pin(std::string_view login, const Act& act);
    Result<void> unlock(std::string_view login, const Act& act);
    // Logins equal to `base` or `base` followed by digits (login-id homonyms).
    Result<std::vector<std::string>> logins_like(std::string_view base);

    Result<std::vector<AuditEntry>> audit(const AuditFilter& filter);

    // ---- leavers and old keys (DESIGN.md §12) ----
    // Remove a login that holds no key: its PIN hash, counters, emergency
    // codes and offline values go; its audit rows stay.
    Result<void> remove_user(std::string_view login, const Act& act);
    // Delete a lost or retired key with its sealed secret; says, for the
    // administrator, what became of the secret's bytes on disk.
    Result<std::string> delete_token(std::string_view serial, const Act& act);

    // ---- emergency codes (DESIGN.md §12) ----
    // `count` new one-time codes of emergency_code_digits digits for a login
    // whose PIN is set, valid `days` days, replacing any it had. They are
    // returned once, here, and kept only as keyed hashes.
    Result<std::vector<otp::SecretString>> issue_emergency_codes(std::string_view login,
                                                                 unsigned count, unsigned days,
                                                                 const Act& act);
    // End every emergency code of the login; how many there were.
    Result<std::int64_t> revoke_emergency_codes(std::string_view login, const Act& act);
    Result<EmergencyStatus> emergency_status(std::string_view login, std::int64_t now);
    // The keyed hash a code typed for `login` is looked up by: HMAC-SHA256
    // under a key derived from the key file (a stolen database alone gives
    // no way to test the 10^8 codes).
    Result<std::vector<std::uint8_t>> emergency_code_hash(std::string_view login,
                                                          std::string_view code) const;
    // Use a code, once: deleted if it is still there and not expired, in one
    // transaction. `pin_judged`: the PIN hash the PIN typed with it was
    // verified against, which must still be the login's (as
    // StepAcceptance::pin_judged); the failures and lock are then cleared.
    // nullopt: a locked login's proof of possession (the code is burnt,
    // nothing cleared). replayed: used already (of two logins racing, one
    // wins) or expired; pin_changed: the code is left unused.
    Result<StepVerdict> consume_emergency_code(std::string_view login,
                                               std::span<const std::uint8_t> hash,
                                               std::int64_t now,
                                               std::optional<std::string> pin_judged);

    // ---- the store itself (okeyctl backup, restore, doctor) ----
    // A consistent copy in a new file (0600, never over an existing one)
    // while logins go on: SQLite's online backup API. A PostgreSQL store is
    // refused (pg_dump). Audited.
    Result<StoreContents> backup_to(const std::string& file, const Act& act);
    // Replace the store at options.path with a backup file, only once the
    // file has opened, passed the integrity check, has a schema this okey
    // knows and every sealed value in it opens under options.key_file. The
    // store it replaces is kept aside under a dated name. Audited.
    static Result<RestoreReport> restore(const StoreOptions& options, const std::string& file,
                                         const Act& act);
    // The backend's integrity check ("" when sound) and the schema version.
    Result<std::string> integrity_problems();
    int schema_version() const;
    // Open every sealed value under the key file (doctor): what is there.
    Result<StoreContents> open_every_secret();

    // ---- moving a store (okeyctl migrate) ----
    // Create a new store at `target` (under the same key file) holding every
    // row of this one, in the transaction that creates its schema; then
    // check it against the same snapshot of this store: every row equal,
    // every sealed value opening. Refused unless the target is empty.
    Result<CopyReport> copy_into(const StoreOptions& target, const std::string& service_role = "");

    // ---- offline items from a remote service (DESIGN.md §5) ----
    // Replace the login's offline values (refill token sealed like a secret);
    // the login gets a users row (its failure counter) if it had none.
    Result<void> replace_offline(const OfflineBatch& batch);
    // nullopt when the login has none.
    Result<std::optional<OfflineBatch>> load_offline(std::string_view login);
    // Atomically delete the value at `counter` and every earlier one, and
    // clear the login's consecutive failures; false when another process
    // consumed it first.
    Result<bool> consume_offline(std::string_view login, std::uint64_t counter);
    Result<void> drop_offline(std::string_view login);

    // ---- okeyd's dialogues (DESIGN.md §9; engine/store/dialogues.cpp) ----
    Result<void> save_dialogue(const Dialogue& dialogue);
    // Remove the dialogue of `key` and return its state when it belongs to
    // `login` and has not expired at `now`; nullopt otherwise. One take
    // wins: an answer is taken once, whichever node gets it.
    Result<std::optional<std::string>> take_dialogue(std::string_view key, std::string_view login,
                                                     std::int64_t now);
    // Delete every dialogue expired at `now`; how many.
    Result<std::int64_t> sweep_dialogues(std::int64_t now);
    // A round trip to the database (okeyd's GET /healthz).
    Result<void> ping();

private:
    struct Impl;
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace okey
