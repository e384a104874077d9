-- Two-factor authentication (TOTP, RFC 6238) for operators.
-- mfa_secret: the base32 secret of the confirmed enrolment (a code is asked at login);
-- mfa_pending_secret: one shown for enrolment and not yet confirmed by a code;
-- mfa_last_step: the last 30-second step whose code was accepted (a code works once).
ALTER TABLE operators ADD COLUMN mfa_secret TEXT;
ALTER TABLE operators ADD COLUMN mfa_pending_secret TEXT;
ALTER TABLE operators ADD COLUMN mfa_enrolled_at TEXT;
ALTER TABLE operators ADD COLUMN mfa_last_step INTEGER;

-- A session opened by a right password of an enrolled operator, waiting for the code: it
-- grants nothing until then.
ALTER TABLE operator_sessions ADD COLUMN code_pending INTEGER NOT NULL DEFAULT 0;

-- Single-use recovery codes: only their SHA-256 digest (80 random bits each).
CREATE TABLE operator_recovery_codes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    operator_id INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    code_digest TEXT NOT NULL,
    used_at     TEXT
);
CREATE UNIQUE INDEX operator_recovery_codes_by_code ON operator_recovery_codes (operator_id, code_digest);

-- System Configuration: the roles whose operators must set up two-factor authentication.
INSERT INTO settings (key, value, modified_date) VALUES
    ('two_factor_required_roles', '', '1970-01-01T00:00:00.000Z');
