-- Predefined country and MCC restriction groups, applied to cards in their settings.
-- items: the codes, comma-separated, sorted. A deleted group is kept, CANCELED.
CREATE TABLE restriction_groups (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    is_whitelist  INTEGER NOT NULL DEFAULT 1,
    items         TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    start_date    TEXT    NOT NULL,
    created_date  TEXT    NOT NULL,
    modified_date TEXT    NOT NULL
);
CREATE INDEX restriction_groups_by_kind ON restriction_groups (kind, id);
