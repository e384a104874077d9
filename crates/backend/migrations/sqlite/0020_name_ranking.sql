-- Name search ranks exact matches, then prefixes, then substrings (backend::users_search::
-- name_rank): the first two are ranges of these indexes, on the values lower-cased as the
-- search compares them (legal name: end_users_legal_name of 0004; email: end_users_email).
CREATE INDEX end_users_firstname_lower ON end_users (lower(firstname));
CREATE INDEX end_users_lastname_lower ON end_users (lower(lastname));
CREATE INDEX end_users_full_name_lower ON end_users (lower(firstname || ' ' || lastname));
