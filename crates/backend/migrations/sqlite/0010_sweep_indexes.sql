-- The sweeper (backend::sweeper) deletes dead rows in small batches; each of its conditions
-- reads an index, so that a batch touches only the rows it deletes, however big the table.
-- (Sent mail: `sent_date IS NOT NULL` already reads mail_outbox_due.)
CREATE INDEX operator_sessions_by_expiry ON operator_sessions (expires_at);
CREATE INDEX operator_sessions_by_last_seen ON operator_sessions (last_seen_at);
CREATE INDEX access_tokens_by_expiry ON access_tokens (expires_at);
CREATE INDEX end_user_tokens_by_expiry ON end_user_tokens (expires_at);
CREATE INDEX end_user_tokens_by_use ON end_user_tokens (used_date);

-- A password reset spends the account's other reset links (`WHERE account_id = $1 AND
-- purpose = $2`): without this index that update read the whole table.
CREATE INDEX end_user_tokens_by_account ON end_user_tokens (account_id, purpose);
