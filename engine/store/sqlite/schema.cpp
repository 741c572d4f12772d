// SPDX-License-Identifier: Apache-2.0
// engine/store/sqlite/schema.cpp — the store's tables in SQLite (DESIGN.md
// §3), one migration per schema version (engine/store/schema.hpp drives them).
#include "engine/store/schema.hpp"
#include "engine/store/sqlite/connection.hpp"

#include <iterator>

namespace okey::store::sqlite {
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

// Version 2: okeyd's open dialogues (engine/store/dialogues.cpp).
constexpr const char* schema_v2 = R"sql(
CREATE TABLE dialogues (
  transaction_key TEXT PRIMARY KEY NOT NULL,  -- digest of the transaction_id
  login           TEXT NOT NULL,
  state           TEXT NOT NULL,              -- sealed flow state: no PIN, code or passcode
  expires         INTEGER NOT NULL
) STRICT;
CREATE INDEX dialogues_expires ON dialogues (expires);
)sql";

// Version 3 (administration, DESIGN.md §12): the administrator who did each
// act, the login a lost key belonged to (a lost key used is named in the
// log), and emergency codes — kept only as a keyed hash (HMAC-SHA256 under a
// key derived from the key file), each deleted when used.
constexpr const char* schema_v3 = R"sql(
ALTER TABLE audit ADD COLUMN actor TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN lost_owner TEXT;
CREATE INDEX tokens_lost_owner ON tokens (lost_owner) WHERE state = 'lost';
CREATE TABLE emergency_codes (
  login   TEXT NOT NULL,
  hash    BLOB NOT NULL CHECK (length(hash) = 32),
  expires INTEGER NOT NULL,                  -- Unix time: refused from then on
  created INTEGER NOT NULL,
  PRIMARY KEY (login, hash)
) STRICT, WITHOUT ROWID;
)sql";

// migrations[i] takes the schema from version i to i + 1.
constexpr const char* steps[] = {schema_v1, schema_v2, schema_v3};
static_assert(std::size(steps) == schema_version,
              "each schema version needs its SQLite migration here");

}  // namespace

std::span<const char* const> SqliteConnection::migrations() const { return steps; }

}  // namespace okey::store::sqlite
