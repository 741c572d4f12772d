// SPDX-License-Identifier: Apache-2.0
// engine/store/postgresql/schema.cpp — the store's tables in PostgreSQL
// (DESIGN.md §3, §9), one migration per schema version (engine/store/schema.hpp
// drives them), the version in the one-row table okey_schema, the audit made
// append-only by triggers, and the rights of the service role: what okeyd
// needs and never an UPDATE or DELETE of the audit.
#include "engine/store/postgresql/connection.hpp"
#include "engine/store/schema.hpp"

#include <iterator>

namespace okey::store::postgresql {
namespace {

// Version 1: keys, logins, the append-only audit, offline values. Text keys
// sort bytewise (COLLATE "C") as in SQLite, whatever the database's locale:
// the login-id homonym search depends on it.
constexpr const char* schema_v1 = R"sql(
CREATE TABLE okey_schema (
  only_row     BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
  version      INTEGER NOT NULL,
  service_role TEXT NOT NULL DEFAULT ''
);
INSERT INTO okey_schema (version) VALUES (0);

CREATE TABLE tokens (
  serial     TEXT COLLATE "C" PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('hardware', 'software')),
  algorithm  TEXT NOT NULL CHECK (algorithm IN ('sha1', 'sha256', 'sha512')),
  digits     INTEGER NOT NULL CHECK (digits IN (6, 8)),
  period     INTEGER NOT NULL CHECK (period > 0),
  secret     BYTEA NOT NULL,                 -- AES-256-GCM, serial as additional data
  state      TEXT NOT NULL CHECK (state IN ('stock', 'assigned', 'lost', 'retired')),
  owner      TEXT COLLATE "C",               -- the login, only while assigned
  lot        TEXT COLLATE "C" NOT NULL DEFAULT '',
  expires    TEXT NOT NULL DEFAULT '',       -- YYYY-MM-DD, valid through that day (UTC)
  last_step  BIGINT,                         -- last accepted TOTP step
  drift      BIGINT NOT NULL DEFAULT 0,
  last_login BIGINT,
  created    BIGINT NOT NULL,
  updated    BIGINT NOT NULL,
  CHECK ((state = 'assigned') = (owner IS NOT NULL))
);
-- One assigned key per login; the login path's look-up.
CREATE UNIQUE INDEX tokens_owner ON tokens (owner) WHERE state = 'assigned';
CREATE INDEX tokens_lot_state ON tokens (lot, state);
CREATE INDEX tokens_state ON tokens (state);

CREATE TABLE users (
  login        TEXT COLLATE "C" PRIMARY KEY,
  pin_hash     TEXT NOT NULL DEFAULT '',     -- Argon2id PHC string
  pin_state    TEXT NOT NULL CHECK (pin_state IN ('set', 'new_pin_required')),
  failures     BIGINT NOT NULL DEFAULT 0 CHECK (failures >= 0),
  locked_until BIGINT NOT NULL DEFAULT 0,
  created      BIGINT NOT NULL,
  updated      BIGINT NOT NULL
);

CREATE TABLE audit (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time        BIGINT NOT NULL,
  login       TEXT COLLATE "C" NOT NULL DEFAULT '',
  serial      TEXT COLLATE "C" NOT NULL DEFAULT '',
  service     TEXT NOT NULL DEFAULT '',
  remote_host TEXT NOT NULL DEFAULT '',
  event       TEXT NOT NULL,
  outcome     TEXT NOT NULL,
  reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_login_time ON audit (login, time);
CREATE INDEX audit_time ON audit (time);
CREATE FUNCTION okey_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit table is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION okey_audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
  FOR EACH STATEMENT EXECUTE FUNCTION okey_audit_append_only();

CREATE TABLE offline_batches (
  login        TEXT COLLATE "C" PRIMARY KEY,
  serial       TEXT COLLATE "C" NOT NULL DEFAULT '',
  refill_token BYTEA NOT NULL,               -- sealed, "offline:" + login as additional data
  received     BIGINT NOT NULL
);
CREATE TABLE offline_values (
  login   TEXT COLLATE "C" NOT NULL REFERENCES offline_batches (login) ON DELETE CASCADE,
  counter BIGINT NOT NULL,
  hash    TEXT NOT NULL,
  PRIMARY KEY (login, counter)
);
)sql";

// Version 2: okeyd's open dialogues (engine/store/dialogues.cpp).
constexpr const char* schema_v2 = R"sql(
CREATE TABLE dialogues (
  transaction_key TEXT COLLATE "C" PRIMARY KEY,  -- digest of the transaction_id
  login           TEXT COLLATE "C" NOT NULL,
  state           TEXT NOT NULL,                 -- sealed flow state: no PIN, code or passcode
  expires         BIGINT NOT NULL
);
CREATE INDEX dialogues_expires ON dialogues (expires);
)sql";

// Version 3 (administration, DESIGN.md §12): the administrator who did each
// act, the login a lost key belonged to (a lost key used is named in the
// log), and emergency codes — kept only as a keyed hash (HMAC-SHA256 under a
// key derived from the key file), each deleted when used.
constexpr const char* schema_v3 = R"sql(
ALTER TABLE audit ADD COLUMN actor TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN lost_owner TEXT COLLATE "C";
CREATE INDEX tokens_lost_owner ON tokens (lost_owner) WHERE state = 'lost';
CREATE TABLE emergency_codes (
  login   TEXT COLLATE "C" NOT NULL,
  hash    BYTEA NOT NULL CHECK (length(hash) = 32),
  expires BIGINT NOT NULL,                   -- Unix time: refused from then on
  created BIGINT NOT NULL,
  PRIMARY KEY (login, hash)
);
)sql";

// steps[i] takes the schema from version i to i + 1.
constexpr const char* steps[] = {schema_v1, schema_v2, schema_v3};
static_assert(std::size(steps) == schema_version,
              "each schema version needs its PostgreSQL migration here");

// What the service role (okeyd) may do, table by table; every migration
// that adds a table adds its line. Never UPDATE, DELETE or TRUNCATE on the
// audit; nothing on the schema itself.
struct TableRights {
    const char* table;
    const char* rights;
};
constexpr TableRights service_rights[] = {
    {"okey_schema", "SELECT"},
    {"tokens", "SELECT, INSERT, UPDATE"},
    {"users", "SELECT, INSERT, UPDATE"},
    {"audit", "SELECT, INSERT"},
    {"offline_batches", "SELECT, INSERT, UPDATE, DELETE"},
    {"offline_values", "SELECT, INSERT, UPDATE, DELETE"},
    {"dialogues", "SELECT, INSERT, DELETE"},
    // A code used is deleted; codes are issued by the administrator only.
    {"emergency_codes", "SELECT, DELETE"},
};

}  // namespace

std::span<const char* const> PgConnection::migrations() const { return steps; }

Result<int> PgConnection::schema_version() {
    auto exists = prepare("SELECT to_regclass('okey_schema') IS NOT NULL");
    if (!exists) return exists.error();
    auto row = exists->step();
    if (!row) return row.error();
    if (!exists->integer(0)) return 0;
    auto version = prepare("SELECT version FROM okey_schema");
    if (!version) return version.error();
    row = version->step();
    if (!row) return row.error();
    if (!row.value()) return 0;
    return static_cast<int>(version->integer(0));
}

Result<void> PgConnection::set_schema_version(int version) {
    auto stmt = prepare("UPDATE okey_schema SET version = ?1");
    if (!stmt) return stmt.error();
    stmt->bind_int(1, version);
    return stmt->run();
}

Result<bool> PgConnection::is_empty() {
    auto stmt = prepare(
        "SELECT (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname <> 'information_schema' "
        "AND n.nspname NOT LIKE 'pg\\_%') + (SELECT count(*) FROM pg_catalog.pg_proc p "
        "JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%')");
    if (!stmt) return stmt.error();
    auto row = stmt->step();
    if (!row) return row.error();
    return stmt->integer(0) == 0;
}

// After every migration (and at creation): the service role, recorded in
// okey_schema, gets exactly the rights above on every table there is now.
Result<void> PgConnection::after_migrations() {
    if (!service_role_.empty()) {
        auto record = prepare("UPDATE okey_schema SET service_role = ?1");
        if (!record) return record.error();
        record->bind_text(1, service_role_);
        if (auto done = record->run(); !done) return done;
    }
    std::string role;
    {
        auto stmt = prepare("SELECT service_role FROM okey_schema");
        if (!stmt) return stmt.error();
        auto row = stmt->step();
        if (!row) return row.error();
        if (row.value()) role = stmt->text(0);
    }
    if (role.empty()) return {};
    char* quoted = PQescapeIdentifier(handle(), role.c_str(), role.size());
    if (!quoted) return error(nullptr, "service role");
    std::string who = quoted;
    PQfreemem(quoted);
    for (const auto& [table, rights] : service_rights) {
        std::string grant = std::string("REVOKE ALL ON ") + table + " FROM " + who + "; GRANT " +
                            rights + " ON " + table + " TO " + who;
        if (auto done = command(grant, "grant to the service role " + role); !done) return done;
    }
    return {};
}

}  // namespace okey::store::postgresql
