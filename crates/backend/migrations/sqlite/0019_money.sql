-- Money on a ledger (issue "Money"): wallets get their management fields; every movement is
-- an immutable double-entry record; transfers and payouts are idempotent per caller by
-- accessTag; beneficiaries get their editable fields.

ALTER TABLE wallets ADD COLUMN wallet_tag    TEXT   NOT NULL DEFAULT '';
ALTER TABLE wallets ADD COLUMN event_name    TEXT   NOT NULL DEFAULT '';
ALTER TABLE wallets ADD COLUMN event_alias   TEXT   NOT NULL DEFAULT '';
ALTER TABLE wallets ADD COLUMN event_message TEXT   NOT NULL DEFAULT '';
ALTER TABLE wallets ADD COLUMN tariff_id     BIGINT NOT NULL DEFAULT 1;
ALTER TABLE wallets ADD COLUMN bic           TEXT   NOT NULL DEFAULT 'TRZOFR21XXX';
-- Money on its way out: pending payouts (already off `balance`, which is what can be spent).
ALTER TABLE wallets ADD COLUMN held          BIGINT NOT NULL DEFAULT 0;
ALTER TABLE wallets ADD COLUMN modified_date TEXT   NOT NULL DEFAULT '';
UPDATE wallets SET modified_date = created_date;
CREATE INDEX wallets_by_tag ON wallets (wallet_tag, id);
CREATE INDEX wallets_by_type ON wallets (wallet_type_id, id);
-- GET /v1/wallets by type and status reads only matching rows.
CREATE INDEX wallets_by_type_status ON wallets (wallet_type_id, wallet_status, id);
-- A canceled user's wallets are closed with it (their balances were 0: the deactivation rule).
UPDATE wallets SET wallet_status = 'CANCELED' WHERE user_id IN (SELECT id FROM end_users WHERE user_status = 'CANCELED');

-- No overdraft: the database refuses a negative balance whatever the code does.
CREATE TRIGGER wallets_no_overdraft_insert BEFORE INSERT ON wallets
WHEN NEW.balance < 0 OR NEW.held < 0
BEGIN
    SELECT RAISE(ABORT, 'wallet balance below zero');
END;
CREATE TRIGGER wallets_no_overdraft_update BEFORE UPDATE OF balance, held ON wallets
WHEN NEW.balance < 0 OR NEW.held < 0
BEGIN
    SELECT RAISE(ABORT, 'wallet balance below zero');
END;

-- One movement of money: its two legs are in ledger_entries.
CREATE TABLE ledger_movements (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- initialFlow: payin, transfer, payout, payoutRefund
    flow        TEXT    NOT NULL,
    object_id   BIGINT  NOT NULL,
    amount      BIGINT  NOT NULL CHECK (amount > 0),
    currency    TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);

-- One leg: a wallet's (wallet_id) or the outside world's (system_account: 'payins',
-- 'payouts_pending', 'payouts_sent'). A movement debits one account and credits another by
-- the same amount in the same currency. balance_after is the wallet's balance after the leg.
CREATE TABLE ledger_entries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    movement_id     BIGINT  NOT NULL REFERENCES ledger_movements(id),
    wallet_id       BIGINT  REFERENCES wallets(id),
    system_account  TEXT,
    direction       TEXT    NOT NULL CHECK (direction IN ('DEBIT', 'CREDIT')),
    amount          BIGINT  NOT NULL CHECK (amount > 0),
    currency        TEXT    NOT NULL,
    balance_after   BIGINT,
    operation_type  TEXT    NOT NULL,
    flow            TEXT    NOT NULL,
    object_id       BIGINT  NOT NULL,
    label           TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL,
    CHECK ((wallet_id IS NULL) <> (system_account IS NULL))
);
-- A wallet's operations by date (the operations list, statements, the CSV).
CREATE INDEX ledger_entries_wallet_date ON ledger_entries (wallet_id, created_at, id);
CREATE INDEX ledger_entries_movement ON ledger_entries (movement_id);

CREATE TRIGGER ledger_movements_refuse_update BEFORE UPDATE ON ledger_movements
BEGIN
    SELECT RAISE(ABORT, 'ledger rows are immutable');
END;
CREATE TRIGGER ledger_movements_refuse_delete BEFORE DELETE ON ledger_movements
BEGIN
    SELECT RAISE(ABORT, 'ledger rows are immutable');
END;
CREATE TRIGGER ledger_entries_refuse_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger rows are immutable');
END;
CREATE TRIGGER ledger_entries_refuse_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger rows are immutable');
END;

-- Money coming in from outside (demo data and tests; the API has no pay-in endpoint here).
CREATE TABLE payins (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    wallet_id    BIGINT  NOT NULL REFERENCES wallets(id),
    amount       BIGINT  NOT NULL CHECK (amount > 0),
    currency     TEXT    NOT NULL,
    label        TEXT    NOT NULL DEFAULT '',
    created_date TEXT    NOT NULL
);
CREATE INDEX payins_by_wallet ON payins (wallet_id, id);

-- The balances the wallets held before the ledger become opening pay-ins, so that every
-- balance is the sum of its entries from the start.
INSERT INTO payins (wallet_id, amount, currency, label, created_date)
SELECT id, balance, currency, 'Opening balance', created_date FROM wallets WHERE balance > 0;
INSERT INTO ledger_movements (flow, object_id, amount, currency, created_at)
SELECT 'payin', id, amount, currency, created_date FROM payins;
INSERT INTO ledger_entries (movement_id, wallet_id, system_account, direction, amount, currency, balance_after,
                            operation_type, flow, object_id, label, created_at)
SELECT m.id, NULL, 'payins', 'DEBIT', m.amount, m.currency, NULL, 'bankTransfer', 'payin', m.object_id,
       'Opening balance', m.created_at
FROM ledger_movements m;
INSERT INTO ledger_entries (movement_id, wallet_id, system_account, direction, amount, currency, balance_after,
                            operation_type, flow, object_id, label, created_at)
SELECT m.id, p.wallet_id, NULL, 'CREDIT', m.amount, m.currency, m.amount, 'bankTransfer', 'payin', m.object_id,
       'Opening balance', m.created_at
FROM ledger_movements m JOIN payins p ON p.id = m.object_id;

-- Wallet-to-wallet transfers. (requester, access_tag) makes a retry give the first answer.
CREATE TABLE transfers (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    requester              TEXT    NOT NULL,
    access_tag             TEXT,
    transfer_tag           TEXT    NOT NULL DEFAULT '',
    status                 TEXT    NOT NULL,
    wallet_id              BIGINT  NOT NULL REFERENCES wallets(id),
    beneficiary_wallet_id  BIGINT  NOT NULL REFERENCES wallets(id),
    amount                 BIGINT  NOT NULL CHECK (amount > 0),
    currency               TEXT    NOT NULL,
    label                  TEXT    NOT NULL DEFAULT '',
    transfer_type_id       BIGINT  NOT NULL DEFAULT 1,
    created_date           TEXT    NOT NULL,
    modified_date          TEXT    NOT NULL
);
CREATE UNIQUE INDEX transfers_access_tag ON transfers (requester, access_tag);
CREATE INDEX transfers_by_wallet ON transfers (wallet_id, id);
CREATE INDEX transfers_by_beneficiary_wallet ON transfers (beneficiary_wallet_id, id);

-- Payouts to a beneficiary: PENDING (money held) until executed (VALIDATED) or canceled
-- (CANCELED, money back). approval: NONE, REQUIRED (four-eyes, waiting) or APPROVED.
CREATE TABLE payouts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    requester       TEXT    NOT NULL,
    requester_operator_id BIGINT,
    access_tag      TEXT,
    payout_tag      TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL,
    approval        TEXT    NOT NULL DEFAULT 'NONE',
    approved_by     BIGINT,
    wallet_id       BIGINT  NOT NULL REFERENCES wallets(id),
    user_id         BIGINT  NOT NULL REFERENCES end_users(id),
    beneficiary_id  BIGINT  NOT NULL REFERENCES beneficiaries(id),
    iban            TEXT    NOT NULL,
    amount          BIGINT  NOT NULL CHECK (amount > 0),
    currency        TEXT    NOT NULL,
    label           TEXT    NOT NULL DEFAULT '',
    end_to_end_id   TEXT    NOT NULL DEFAULT '',
    created_date    TEXT    NOT NULL,
    modified_date   TEXT    NOT NULL
);
CREATE UNIQUE INDEX payouts_access_tag ON payouts (requester, access_tag);
CREATE INDEX payouts_by_wallet ON payouts (wallet_id, id);
CREATE INDEX payouts_by_user ON payouts (user_id, id);
-- The executor's and the approvers' queue.
CREATE INDEX payouts_pending ON payouts (status, approval, created_date, id);

ALTER TABLE beneficiaries ADD COLUMN tag           TEXT    NOT NULL DEFAULT '';
ALTER TABLE beneficiaries ADD COLUMN nick_name     TEXT    NOT NULL DEFAULT '';
ALTER TABLE beneficiaries ADD COLUMN address       TEXT    NOT NULL DEFAULT '';
ALTER TABLE beneficiaries ADD COLUMN is_active     BIGINT  NOT NULL DEFAULT 1;
ALTER TABLE beneficiaries ADD COLUMN usable_for_sct BIGINT NOT NULL DEFAULT 1;
ALTER TABLE beneficiaries ADD COLUMN modified_date TEXT    NOT NULL DEFAULT '';
UPDATE beneficiaries SET modified_date = created_date;

-- Four-eyes on payouts: off by default; the threshold is in whole units of the payout's currency.
INSERT INTO settings (key, value, modified_date) VALUES
    ('payout_approval_enabled', 'false', '1970-01-01T00:00:00.000Z'),
    ('payout_approval_threshold', '1000', '1970-01-01T00:00:00.000Z');
