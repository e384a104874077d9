-- A password set by someone else (a Manager or Administrator, or an API client) is
-- temporary: its operator must choose a new one at the next login before anything else.
ALTER TABLE operators ADD COLUMN password_temporary INTEGER NOT NULL DEFAULT 0;
