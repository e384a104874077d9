-- Minimal cards and beneficiaries (full management comes later): enough for the profile
-- tabs and for searching by card id or public token.
CREATE TABLE cards (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER  NOT NULL REFERENCES end_users(id),
    wallet_id     INTEGER  REFERENCES wallets(id),
    public_token  TEXT    NOT NULL UNIQUE,
    masked_pan    TEXT    NOT NULL,
    status_code   TEXT    NOT NULL DEFAULT 'UNLOCK',
    created_date  TEXT    NOT NULL
);
CREATE INDEX cards_by_user ON cards (user_id);

CREATE TABLE beneficiaries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER  NOT NULL REFERENCES end_users(id),
    name          TEXT    NOT NULL,
    iban          TEXT    NOT NULL,
    bic           TEXT    NOT NULL,
    usage_count   INTEGER  NOT NULL DEFAULT 0,
    created_date  TEXT    NOT NULL
);
CREATE INDEX beneficiaries_by_user_usage ON beneficiaries (user_id, usage_count);
