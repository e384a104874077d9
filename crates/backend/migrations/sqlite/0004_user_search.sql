-- Partial-word, case-insensitive search on names and email ("Name" search): an FTS5
-- trigram index kept in step with end_users by triggers. A LIKE '%term%' would scan.
CREATE VIRTUAL TABLE end_users_name_fts USING fts5(
    firstname, lastname, legal_name, email,
    content = 'end_users', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER end_users_name_fts_insert AFTER INSERT ON end_users BEGIN
    INSERT INTO end_users_name_fts (rowid, firstname, lastname, legal_name, email)
    VALUES (new.id, new.firstname, new.lastname, new.legal_name, new.email);
END;
CREATE TRIGGER end_users_name_fts_update AFTER UPDATE OF firstname, lastname, legal_name, email ON end_users BEGIN
    INSERT INTO end_users_name_fts (end_users_name_fts, rowid, firstname, lastname, legal_name, email)
    VALUES ('delete', old.id, old.firstname, old.lastname, old.legal_name, old.email);
    INSERT INTO end_users_name_fts (rowid, firstname, lastname, legal_name, email)
    VALUES (new.id, new.firstname, new.lastname, new.legal_name, new.email);
END;
-- End users are never deleted, so no delete trigger.

CREATE INDEX end_users_legal_name ON end_users (lower(legal_name));
