-- What the card actions change: activation, options, spending limits (whole units of the
-- card's currency; 0 means no limit over that period) and the restriction groups applied.
-- Existing cards were in use: they are live, with Treezor's default limits.
ALTER TABLE cards ADD COLUMN is_live INTEGER NOT NULL DEFAULT 1;
ALTER TABLE cards ADD COLUMN is_virtual INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN option_atm INTEGER NOT NULL DEFAULT 1;
ALTER TABLE cards ADD COLUMN option_foreign INTEGER NOT NULL DEFAULT 1;
ALTER TABLE cards ADD COLUMN option_online INTEGER NOT NULL DEFAULT 1;
ALTER TABLE cards ADD COLUMN option_nfc INTEGER NOT NULL DEFAULT 1;
ALTER TABLE cards ADD COLUMN limit_atm_day INTEGER NOT NULL DEFAULT 1000;
ALTER TABLE cards ADD COLUMN limit_atm_week INTEGER NOT NULL DEFAULT 2000;
ALTER TABLE cards ADD COLUMN limit_atm_month INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN limit_atm_year INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN limit_atm_all INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN limit_payment_day INTEGER NOT NULL DEFAULT 2000;
ALTER TABLE cards ADD COLUMN limit_payment_week INTEGER NOT NULL DEFAULT 3000;
ALTER TABLE cards ADD COLUMN limit_payment_month INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN limit_payment_year INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN limit_payment_all INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN country_restriction_group_id INTEGER;
ALTER TABLE cards ADD COLUMN mcc_restriction_group_id INTEGER;
ALTER TABLE cards ADD COLUMN card_tag TEXT;
ALTER TABLE cards ADD COLUMN expiry_date TEXT NOT NULL DEFAULT '2029-12-31';
ALTER TABLE cards ADD COLUMN modified_date TEXT;
-- The last four digits of the PAN, for finding a card by them (All Cards) through an index
-- instead of a suffix match over every card.
ALTER TABLE cards ADD COLUMN last4 TEXT NOT NULL DEFAULT '';
UPDATE cards SET last4 = substr(masked_pan, length(masked_pan) - 3, 4);
-- All Cards lists newest first, filtered by one of these.
CREATE INDEX cards_by_status ON cards (status_code, id);
CREATE INDEX cards_by_last4 ON cards (last4, id);
CREATE INDEX cards_by_expiry ON cards (expiry_date, id);
