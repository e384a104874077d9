-- What the card actions change: activation, options, spending limits (whole units of the
-- card's currency; 0 means no limit over that period) and the restriction groups applied.
-- Existing cards were in use: they are live, with Treezor's default limits.
ALTER TABLE cards ADD COLUMN is_live BIGINT NOT NULL DEFAULT 1;
ALTER TABLE cards ADD COLUMN is_virtual BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN option_atm BIGINT NOT NULL DEFAULT 1;
ALTER TABLE cards ADD COLUMN option_foreign BIGINT NOT NULL DEFAULT 1;
ALTER TABLE cards ADD COLUMN option_online BIGINT NOT NULL DEFAULT 1;
ALTER TABLE cards ADD COLUMN option_nfc BIGINT NOT NULL DEFAULT 1;
ALTER TABLE cards ADD COLUMN limit_atm_day BIGINT NOT NULL DEFAULT 1000;
ALTER TABLE cards ADD COLUMN limit_atm_week BIGINT NOT NULL DEFAULT 2000;
ALTER TABLE cards ADD COLUMN limit_atm_month BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN limit_atm_year BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN limit_atm_all BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN limit_payment_day BIGINT NOT NULL DEFAULT 2000;
ALTER TABLE cards ADD COLUMN limit_payment_week BIGINT NOT NULL DEFAULT 3000;
ALTER TABLE cards ADD COLUMN limit_payment_month BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN limit_payment_year BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN limit_payment_all BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN country_restriction_group_id BIGINT;
ALTER TABLE cards ADD COLUMN mcc_restriction_group_id BIGINT;
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
