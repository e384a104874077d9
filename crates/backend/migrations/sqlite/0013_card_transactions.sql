-- Card transactions: authorisations and their settlement as the card network reports them,
-- amounts in integer minor units of their currency. Newest first by date for a card, a user
-- or everyone, each through its own index (All Card Transactions never sorts all matches).
CREATE TABLE card_transactions (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    card_id            INTEGER NOT NULL REFERENCES cards(id),
    user_id            INTEGER NOT NULL REFERENCES end_users(id),
    wallet_id          INTEGER REFERENCES wallets(id),
    payment_id         INTEGER NOT NULL,
    payment_status     TEXT    NOT NULL,
    amount             INTEGER NOT NULL,
    currency           TEXT    NOT NULL,
    merchant_id        TEXT    NOT NULL,
    merchant_name      TEXT    NOT NULL,
    merchant_city      TEXT    NOT NULL,
    merchant_country   TEXT    NOT NULL,
    mcc                TEXT    NOT NULL,
    authorization_note TEXT,
    created_date       TEXT    NOT NULL
);
CREATE INDEX card_transactions_by_card ON card_transactions (card_id, created_date, id);
CREATE INDEX card_transactions_by_user ON card_transactions (user_id, created_date, id);
CREATE INDEX card_transactions_by_date ON card_transactions (created_date, id);
