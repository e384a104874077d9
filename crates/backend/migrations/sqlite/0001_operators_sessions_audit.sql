-- Operators ("Dashboard users"), their sessions, and the audit log.

CREATE TABLE operators (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,   -- lower-cased email
    role          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,          -- argon2id PHC string
    saml_key      TEXT,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    blocked_at    TEXT,                      -- set by the 3rd consecutive failed login
    last_login_at TEXT,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

CREATE TABLE operator_sessions (
    token_digest  TEXT    PRIMARY KEY,       -- SHA-256 of the cookie value
    operator_id   INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,          -- Unix seconds
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,          -- absolute timeout
    client_ip     TEXT
);
CREATE INDEX operator_sessions_by_operator ON operator_sessions(operator_id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at TEXT    NOT NULL,
    actor_type  TEXT    NOT NULL,
    actor_id    INTEGER,
    actor_label TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    target_type TEXT    NOT NULL,
    target_id   TEXT,
    before_json TEXT,
    after_json  TEXT,
    request_id  TEXT    NOT NULL,
    client_ip   TEXT
);
CREATE INDEX audit_log_by_target ON audit_log(target_type, target_id);

-- Audit rows are evidence: nobody, not even the application, may change or remove them.
CREATE TRIGGER audit_log_refuse_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log rows are immutable');
END;
CREATE TRIGGER audit_log_refuse_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log rows are immutable');
END;
