-- Tax residences (seed: "Manage user tax residence"). Soft-deleted, never removed.
CREATE TABLE tax_residences (
    id               BIGSERIAL PRIMARY KEY,
    user_id          BIGINT  NOT NULL REFERENCES end_users(id),
    country          TEXT    NOT NULL,
    tax_payer_id     TEXT,
    liability_waiver BIGINT  NOT NULL,          -- 0 / 1
    created_date     TEXT    NOT NULL,
    last_update      TEXT    NOT NULL,
    deleted_date     TEXT,
    is_deleted       BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX tax_residences_by_user ON tax_residences (user_id, is_deleted);
