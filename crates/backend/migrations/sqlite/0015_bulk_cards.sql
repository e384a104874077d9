-- Bulk Cards jobs and their rows: each row is PENDING until its card is made (DONE, with
-- the card's id, in the card's own transaction) or refused (FAILED, with the reason).
CREATE TABLE bulk_card_jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    created_by   TEXT NOT NULL,
    -- The operator who started it: a resumed job acts as them again (NULL: the server).
    operator_id  INTEGER REFERENCES operators(id),
    created_date TEXT NOT NULL,
    status       TEXT NOT NULL
);
CREATE TABLE bulk_card_rows (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id      INTEGER NOT NULL REFERENCES bulk_card_jobs(id),
    line        INTEGER NOT NULL,
    user_id     INTEGER,
    wallet_id   INTEGER,
    perms_group TEXT,
    card_tag    TEXT,
    status      TEXT NOT NULL,
    card_id     INTEGER REFERENCES cards(id),
    error       TEXT
);
CREATE INDEX bulk_card_rows_by_job ON bulk_card_rows (job_id, status, line);
CREATE INDEX bulk_card_jobs_by_status ON bulk_card_jobs (status);
