-- KYC documents. The bytes live in the object store under object_key; this row is the
-- record, kept when the document is deleted (deleted_date set, the bytes removed): the
-- database refuses to erase one.
CREATE TABLE documents (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid                TEXT    NOT NULL UNIQUE,
    user_id             INTEGER NOT NULL REFERENCES end_users(id),
    document_type_id    INTEGER NOT NULL,
    name                TEXT    NOT NULL,
    content_type        TEXT    NOT NULL,
    size_bytes          INTEGER NOT NULL,
    object_key          TEXT    NOT NULL,
    document_tag        TEXT,
    residence_id        INTEGER REFERENCES tax_residences(id),
    metadata_json       TEXT    NOT NULL DEFAULT '[]',
    -- 0 pending, 1 accepted, 2 refused (the core-connect `status`).
    pre_review_status   INTEGER NOT NULL DEFAULT 0,
    pre_review_comment  TEXT,
    pre_reviewed_by     TEXT,
    pre_reviewed_date   TEXT,
    -- PENDING until the KYC decision, then VALIDATED or CANCELED (processed).
    document_status     TEXT    NOT NULL DEFAULT 'PENDING',
    kyc_review_id       INTEGER,
    created_by          TEXT    NOT NULL,
    created_date        TEXT    NOT NULL,
    modified_date       TEXT    NOT NULL,
    processed_date      TEXT,
    deleted_date        TEXT
);
CREATE INDEX documents_by_user ON documents (user_id, created_date, id);
-- The pre-review queue: oldest first, live documents waiting only.
CREATE INDEX documents_pre_review_queue ON documents (created_date, id)
    WHERE (pre_review_status = 0) AND (deleted_date IS NULL) AND (kyc_review_id IS NULL);
CREATE INDEX documents_pre_review_queue_by_type ON documents (document_type_id, created_date, id)
    WHERE (pre_review_status = 0) AND (deleted_date IS NULL) AND (kyc_review_id IS NULL);
CREATE INDEX documents_by_date ON documents (created_date, id);
CREATE INDEX documents_by_modified ON documents (modified_date, id);
-- The filters of GET /v1/documents, each followed in date order.
CREATE INDEX documents_by_status ON documents (document_status, created_date, id);
CREATE INDEX documents_by_type ON documents (document_type_id, created_date, id);
CREATE INDEX documents_by_name ON documents (name, created_date, id);
CREATE INDEX documents_by_tag ON documents (document_tag, created_date, id);
CREATE INDEX documents_by_review ON documents (kyc_review_id) WHERE kyc_review_id IS NOT NULL;

CREATE TRIGGER documents_refuse_delete BEFORE DELETE ON documents
BEGIN
    SELECT RAISE(ABORT, 'documents are never erased: delete sets deleted_date');
END;

-- Pre-signed upload forms (POST /core-connect/users/{userId}/kyc/document): the document's
-- UUID is drawn when the form is made; the upload uses it once, before expires_at.
CREATE TABLE document_upload_forms (
    uuid              TEXT    NOT NULL PRIMARY KEY,
    user_id           INTEGER NOT NULL REFERENCES end_users(id),
    document_type_id  INTEGER NOT NULL,
    metadata_json     TEXT    NOT NULL DEFAULT '[]',
    creator_type      TEXT    NOT NULL,
    creator_id        INTEGER NOT NULL,
    creator_scopes    TEXT    NOT NULL,
    expires_at        TEXT    NOT NULL,
    used_at           TEXT
);

-- KYC reviews: one row per submission, decided by someone other than its submitter.
CREATE TABLE kyc_reviews (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id           INTEGER NOT NULL REFERENCES end_users(id),
    submitted_by_type TEXT    NOT NULL,
    submitted_by_id   INTEGER,
    submitted_by      TEXT    NOT NULL,
    submitted_date    TEXT    NOT NULL,
    status            TEXT    NOT NULL DEFAULT 'PENDING',
    decided_by_type   TEXT,
    decided_by_id     INTEGER,
    decided_by        TEXT,
    decided_date      TEXT,
    reason            TEXT,
    comment           TEXT
);
CREATE INDEX kyc_reviews_queue ON kyc_reviews (submitted_date, id) WHERE status = 'PENDING';
CREATE INDEX kyc_reviews_by_user ON kyc_reviews (user_id, id);

-- The secret that signs document links and upload forms, shared by every server process.
CREATE TABLE document_link_keys (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    secret  TEXT    NOT NULL
);
