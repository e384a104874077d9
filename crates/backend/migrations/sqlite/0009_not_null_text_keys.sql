-- SQLite lets a PRIMARY KEY column hold NULL unless it is declared NOT NULL (only INTEGER
-- PRIMARY KEY, the rowid, cannot); Postgres never does. Rebuild the three tables keyed by
-- text so that their keys are NOT NULL here too (found by the schema-parity test). A row
-- with a NULL key could not be found by anything, so none is carried over.
-- SQLite cannot alter a column: new table, copy, drop, rename (https://sqlite.org/lang_altertable.html).
-- Nothing references these tables, so the rebuild leaves every foreign key intact.

CREATE TABLE operator_sessions_new (
    token_digest  TEXT    NOT NULL PRIMARY KEY,  -- SHA-256 of the cookie value
    operator_id   INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,              -- Unix seconds
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,              -- absolute timeout
    client_ip     TEXT
);
INSERT INTO operator_sessions_new (token_digest, operator_id, created_at, last_seen_at, expires_at, client_ip)
    SELECT token_digest, operator_id, created_at, last_seen_at, expires_at, client_ip
    FROM operator_sessions WHERE token_digest IS NOT NULL;
DROP TABLE operator_sessions;
ALTER TABLE operator_sessions_new RENAME TO operator_sessions;
CREATE INDEX operator_sessions_by_operator ON operator_sessions(operator_id);

CREATE TABLE access_tokens_new (
    token_digest  TEXT    NOT NULL PRIMARY KEY,
    api_client_id INTEGER NOT NULL REFERENCES api_clients(id) ON DELETE CASCADE,
    operator_id   INTEGER REFERENCES operators(id) ON DELETE CASCADE,  -- password grant
    scopes        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,              -- Unix seconds
    expires_at    INTEGER NOT NULL
);
INSERT INTO access_tokens_new (token_digest, api_client_id, operator_id, scopes, created_at, expires_at)
    SELECT token_digest, api_client_id, operator_id, scopes, created_at, expires_at
    FROM access_tokens WHERE token_digest IS NOT NULL;
DROP TABLE access_tokens;
ALTER TABLE access_tokens_new RENAME TO access_tokens;
CREATE INDEX access_tokens_by_operator ON access_tokens(operator_id);
CREATE INDEX access_tokens_by_client ON access_tokens(api_client_id);

CREATE TABLE settings_new (
    key           TEXT NOT NULL PRIMARY KEY,
    value         TEXT NOT NULL,
    modified_date TEXT NOT NULL
);
INSERT INTO settings_new (key, value, modified_date)
    SELECT key, value, modified_date FROM settings WHERE key IS NOT NULL;
DROP TABLE settings;
ALTER TABLE settings_new RENAME TO settings;
