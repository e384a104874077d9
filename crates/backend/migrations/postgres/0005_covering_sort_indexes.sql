-- Deep pages: the search first picks the page's ids from an index alone (no table rows read
-- for the skipped entries), then reads the page's rows. Postgres needs `id` in the index for
-- that (SQLite indexes carry the rowid already; the same definition serves both).
DROP INDEX end_users_type_status_created;
DROP INDEX end_users_status_created;
DROP INDEX end_users_created;
DROP INDEX end_users_modified;
CREATE INDEX end_users_type_status_created ON end_users (user_type_id, user_status, created_date, id);
CREATE INDEX end_users_status_created ON end_users (user_status, created_date, id);
CREATE INDEX end_users_created ON end_users (created_date, id);
CREATE INDEX end_users_modified ON end_users (modified_date, id);
