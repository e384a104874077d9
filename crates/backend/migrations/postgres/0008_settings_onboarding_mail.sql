-- System Configuration toggles (seed: System Configuration), read on every use: no restart.
CREATE TABLE settings (
    key           TEXT PRIMARY KEY,
    value         TEXT NOT NULL,
    modified_date TEXT NOT NULL
);
INSERT INTO settings (key, value, modified_date) VALUES
    ('send_forgot_password', 'true', '1970-01-01T00:00:00.000Z'),
    ('sca_devices_section', 'true', '1970-01-01T00:00:00.000Z');

-- End users' own logins: created at sign-up (`signed_up` = 1; the onboarding completes with
-- `user_id` and `activated_date`), or by a password reset for an existing user (`signed_up` = 0).
-- The password is set at activation, from the activation link that was followed.
CREATE TABLE end_user_accounts (
    id              BIGSERIAL PRIMARY KEY,
    email           TEXT    NOT NULL,
    password_hash   TEXT,
    user_id         BIGINT  REFERENCES end_users(id),
    signed_up       BIGINT  NOT NULL DEFAULT 0,
    created_date    TEXT    NOT NULL,
    activated_date  TEXT
);
CREATE UNIQUE INDEX end_user_accounts_email ON end_user_accounts (lower(email));
CREATE UNIQUE INDEX end_user_accounts_user ON end_user_accounts (user_id);
CREATE INDEX end_user_accounts_by_state ON end_user_accounts (signed_up, activated_date, id);

-- Single-use links sent by email (activation, password reset). Only digests are stored.
CREATE TABLE end_user_tokens (
    id            BIGSERIAL PRIMARY KEY,
    token_digest  TEXT    NOT NULL UNIQUE,
    purpose       TEXT    NOT NULL,          -- 'activation' | 'password_reset'
    -- For an activation: the argon2id hash of the password chosen at that sign-up.
    password_hash TEXT,
    account_id    BIGINT  NOT NULL REFERENCES end_user_accounts(id),
    created_date  TEXT    NOT NULL,
    expires_at    BIGINT  NOT NULL,          -- unix seconds
    used_date     TEXT
);

-- The mail outbox: written in the transaction that decides to send, delivered by a worker
-- with retries, so that an SMTP outage loses nothing.
CREATE TABLE mail_outbox (
    id               BIGSERIAL PRIMARY KEY,
    to_address       TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    created_date     TEXT    NOT NULL,
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT  NOT NULL,       -- unix seconds
    sent_date        TEXT,
    last_error       TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (sent_date, next_attempt_at);

-- One live tax residence per country and user, also under concurrent requests.
CREATE UNIQUE INDEX tax_residences_one_live_per_country ON tax_residences (user_id, country) WHERE is_deleted = 0;
