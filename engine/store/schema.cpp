// SPDX-License-Identifier: Apache-2.0
// engine/store/schema.cpp — DDL of the store (DESIGN.md §3) and migrations.
#include "engine/store/schema.hpp"

#include <string>

namespace okey::store {
namespace {

// Version 1: keys, logins, the append-only audit, offline values.
constexpr const char* schema_v1 = R"sql(
CREATE TABLE tokens (
  serial     TEXT PRIMARY KEY NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('hardware', 'software')),
  algorithm  TEXT NOT NULL CHECK (algorithm IN ('sha1', 'sha256', 'sha512')),
  digits     INTEGER NOT NULL CHECK (digits IN (6, 8)),
  period     INTEGER NOT NULL CHECK (period > 0),
  secret     BLOB NOT NULL,                -- AES-256-GCM, serial as additional data
  state      TEXT NOT NULL CHECK (state IN ('stock', 'assigned', 'lost', 'retired')),
  owner      TEXT,                         -- the login, only while assigned
  lot        TEXT NOT NULL DEFAULT '',
  expires    TEXT NOT NULL DEFAULT '',     -- YYYY-MM-DD, valid through that day (UTC)
  last_step  INTEGER,                      -- last accepted TOTP step
  drift      INTEGER NOT NULL DEFAULT 0,
  last_login INTEGER,
  created    INTEGER NOT NULL,
  updated    INTEGER NOT NULL,
  CHECK ((state = 'assigned') = (owner IS NOT NULL))
) STRICT;
-- One assigned key per login; the login path's look-up.
CREATE UNIQUE INDEX tokens_owner ON tokens (owner) WHERE state = 'assigned';
CREATE INDEX tokens_lot_state ON tokens (lot, state);
CREATE INDEX tokens_state ON tokens (state);

CREATE TABLE users (
  login        TEXT PRIMARY KEY NOT NULL,
  pin_hash     TEXT NOT NULL DEFAULT '',   -- Argon2id PHC string
  pin_state    TEXT NOT NULL CHECK (pin_state IN ('set', 'new_pin_required')),
  failures     INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
  locked_until INTEGER NOT NULL DEFAULT 0,
  created      INTEGER NOT NULL,
  updated      INTEGER NOT NULL
) STRICT;

CREATE TABLE audit (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  time        INTEGER NOT NULL,
  login       TEXT NOT NULL DEFAULT '',
  serial      TEXT NOT NULL DEFAULT '',
  service     TEXT NOT NULL DEFAULT '',
  remote_host TEXT NOT NULL DEFAULT '',
  event       TEXT NOT NULL,
  outcome     TEXT NOT NULL,
  reason      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_login_time ON audit (login, time);
CREATE INDEX audit_time ON audit (time);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit table is append-only'); END;

CREATE TABLE offline_batches (
  login        TEXT PRIMARY KEY NOT NULL,
  serial       TEXT NOT NULL DEFAULT '',
  refill_token BLOB NOT NULL,               -- sealed, "offline:" + login as additional data
  received     INTEGER NOT NULL
) STRICT;
CREATE TABLE offline_values (
  login   TEXT NOT NULL REFERENCES offline_batches (login) ON DELETE CASCADE,
  counter INTEGER NOT NULL,
  hash    TEXT NOT NULL,
  PRIMARY KEY (login, counter)
) STRICT, WITHOUT ROWID;
)sql";

// migrations[i] takes the schema from version i to i + 1.
constexpr const char* migrations[] = {schema_v1};
static_assert(sizeof migrations / sizeof migrations[0] == schema_version);

Result<int> read_version(Database& db) {
    auto stmt = db.prepare("PRAGMA user_version");
    if (!stmt) return stmt.error();
    auto row = stmt->step();
    if (!row) return row.error();
    return static_cast<int>(stmt->integer(0));
}

}  // namespace

Result<void> require_schema(Database& db) {
    auto version = read_version(db);
    if (!version) return version.error();
    if (version.value() == 0)
        return make_error(Errc::corrupt, db.path() + ": no okey schema in it: not an okey store "
                                                     "(restore it from a backup)");
    return {};
}

Result<void> migrate(Database& db) {
    auto version = read_version(db);
    if (!version) return version.error();
    if (version.value() == schema_version) return {};
    if (version.value() > schema_version || version.value() < 0)
        return make_error(Errc::corrupt, db.path() + ": schema version " +
                                             std::to_string(version.value()) +
                                             " is newer than this okey knows (" +
                                             std::to_string(schema_version) + ")");
    if (auto begun = db.exec("BEGIN IMMEDIATE"); !begun) return begun.error();
    // Another process may have migrated while we waited for the lock.
    version = read_version(db);
    if (!version) {
        (void)db.exec("ROLLBACK");
        return version.error();
    }
    if (version.value() >= schema_version) {
        (void)db.exec("ROLLBACK");
        return migrate(db);
    }
    for (int v = version.value(); v < schema_version; ++v) {
        if (auto done = db.exec(migrations[v]); !done) {
            (void)db.exec("ROLLBACK");
            return done.error();
        }
    }
    std::string set_version = "PRAGMA user_version = " + std::to_string(schema_version);
    if (auto set = db.exec(set_version.c_str()); !set) {
        (void)db.exec("ROLLBACK");
        return set.error();
    }
    return db.exec("COMMIT");
}

}  // namespace okey::store
