-- Name search ranks exact matches, then prefixes, then substrings (backend::users_search::
-- name_rank): the first two are ranges of these indexes, on the values lower-cased as the
-- search compares them, in byte order ("C"), so that a prefix is one range whatever the
-- database's collation, with the id for the order within a name.
CREATE INDEX end_users_firstname_lower ON end_users ((lower(firstname) COLLATE "C"), id);
CREATE INDEX end_users_lastname_lower ON end_users ((lower(lastname) COLLATE "C"), id);
CREATE INDEX end_users_full_name_lower ON end_users ((lower(firstname || ' ' || lastname) COLLATE "C"), id);
CREATE INDEX end_users_email_lower ON end_users ((lower(email) COLLATE "C"), id);
DROP INDEX end_users_legal_name;
CREATE INDEX end_users_legal_name ON end_users ((lower(legal_name) COLLATE "C"), id);
