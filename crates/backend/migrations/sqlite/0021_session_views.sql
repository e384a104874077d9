-- Sessions as their operators see them (My sessions): a public id to end one by (the
-- token's digest stays the lookup key and never leaves the server) and the browser that
-- opened it. Sessions from before get an id from their digest's first characters.
ALTER TABLE operator_sessions ADD COLUMN public_id TEXT;
ALTER TABLE operator_sessions ADD COLUMN user_agent TEXT;
UPDATE operator_sessions SET public_id = substr(token_digest, 1, 24);
CREATE UNIQUE INDEX operator_sessions_by_public_id ON operator_sessions (public_id);

-- When an API client last received a token (a token check writes nothing, so "used" means
-- "granted a token").
ALTER TABLE api_clients ADD COLUMN last_used_at TEXT;
