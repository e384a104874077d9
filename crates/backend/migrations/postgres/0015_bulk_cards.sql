-- Bulk Cards jobs and their rows: each row is PENDING until its card is made (DONE, with
-- the card's id, in the card's own transaction) or refused (FAILED, with the reason).
CREATE TABLE bulk_card_jobs (
    id           BIGSERIAL PRIMARY KEY,
    created_by   TEXT NOT NULL,
    -- The operator who started it: a resumed job acts as them again (NULL: the server).
    operator_id  BIGINT REFERENCES operators(id),
    created_date TEXT NOT NULL,
    status       TEXT NOT NULL
);
CREATE TABLE bulk_card_rows (
    id          BIGSERIAL PRIMARY KEY,
    job_id      BIGINT NOT NULL REFERENCES bulk_card_jobs(id),
    line        BIGINT NOT NULL,
    user_id     BIGINT,
    wallet_id   BIGINT,
    perms_group TEXT,
    card_tag    TEXT,
    status      TEXT NOT NULL,
    card_id     BIGINT REFERENCES cards(id),
    error       TEXT
);
CREATE INDEX bulk_card_rows_by_job ON bulk_card_rows (job_id, status, line);
CREATE INDEX bulk_card_jobs_by_status ON bulk_card_jobs (status);
