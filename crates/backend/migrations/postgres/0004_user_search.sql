-- Partial-word, case-insensitive search on names and email ("Name" search): a pg_trgm GIN
-- index on one lower-cased expression, used by `LIKE '%term%'` on that same expression
-- (backend::users_search::NAME_EXPRESSION must stay identical to it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX end_users_name_trgm ON end_users USING gin (
    (lower(coalesce(firstname, '') || ' ' || coalesce(lastname, '') || ' ' ||
           coalesce(legal_name, '') || ' ' || coalesce(email, ''))) gin_trgm_ops
);

CREATE INDEX end_users_legal_name ON end_users (lower(legal_name));
