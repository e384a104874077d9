-- OAuth2: API clients (client credentials) and the access tokens issued to them or to
-- operators (password grant). Secrets and tokens are stored as SHA-256 digests: both are
-- long random strings, so a slow hash adds nothing.

CREATE TABLE api_clients (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id     TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    secret_digest TEXT    NOT NULL,
    scopes        TEXT    NOT NULL,          -- space-separated scope names
    created_at    TEXT    NOT NULL,
    revoked_at    TEXT
);

CREATE TABLE access_tokens (
    token_digest  TEXT    PRIMARY KEY,
    api_client_id INTEGER NOT NULL REFERENCES api_clients(id) ON DELETE CASCADE,
    operator_id   INTEGER REFERENCES operators(id) ON DELETE CASCADE,  -- password grant
    scopes        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,          -- Unix seconds
    expires_at    INTEGER NOT NULL
);
CREATE INDEX access_tokens_by_operator ON access_tokens(operator_id);
CREATE INDEX access_tokens_by_client ON access_tokens(api_client_id);
