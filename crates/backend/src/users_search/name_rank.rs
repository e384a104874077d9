//! Name search, best matches first, without sorting every match: users whose first name,
//! last name, full name, legal name or email **is** the term come first (newest first), then
//! those where one of them **starts with** it (alphabetically), then those that merely
//! **contain** it (newest first). Each rank is read from an index (migration 0020 for the
//! first two, the trigram index of 0004 for the third) and stops at the cap, so a common
//! term ("mar") costs as little as a rare one: at most a few thousand index entries.

use std::collections::HashSet;

use sqlx::AssertSqlSafe;

use crate::Backend;
use crate::db::DbKind;
use crate::error::Result;
use crate::listing::{Bind, Conditions, bind_all};

/// What a name term is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameField {
    /// `name`: first, last, full and legal name, and email.
    Any,
    /// `legalName`: the legal name only.
    LegalName,
}

/// The expression the Postgres trigram index covers (migration 0004): keep them identical.
const NAME_EXPRESSION: &str = "lower(coalesce(u.firstname, '') || ' ' || coalesce(u.lastname, '') || ' ' || \
     coalesce(u.legal_name, '') || ' ' || coalesce(u.email, ''))";

/// The values compared whole and by prefix, as their indexes (migration 0020) hold them.
fn keys(field: NameField) -> &'static [&'static str] {
    match field {
        NameField::Any => &["u.firstname", "u.lastname", "u.firstname || ' ' || u.lastname", "u.legal_name", "u.email"],
        NameField::LegalName => &["u.legal_name"],
    }
}

/// A compared value, lower-cased, in the byte order both databases' indexes sort it in
/// (Postgres's "C" collation, SQLite's BINARY), so that a prefix is one index range.
fn key_sql(kind: DbKind, value: &str) -> String {
    match kind {
        DbKind::Sqlite => format!("lower({value})"),
        DbKind::Postgres => format!("(lower({value}) COLLATE \"C\")"),
    }
}

/// `"term"` for FTS5: a phrase, so that the user's quotes and operators mean nothing.
pub(crate) fn fts_phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// `%term%` for LIKE, with LIKE's own wildcards escaped.
pub(crate) fn like_pattern(term: &str) -> String {
    let escaped = term.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The least string greater than every string starting with `prefix` (its last character
/// moved one up), or none when no such character exists.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // The next scalar value, stepping over the surrogate gap.
        let next = (last as u32 + 1..=char::MAX as u32).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// The ranked ids: at most `cap`, and whether more users match.
pub(crate) struct Ranked {
    pub ids: Vec<i64>,
    pub more: bool,
}

/// The ids found so far, in rank order, without repeats.
struct Ranking {
    ids: Vec<i64>,
    seen: HashSet<i64>,
}

impl Ranking {
    fn extend(&mut self, ids: impl IntoIterator<Item = i64>) {
        for id in ids {
            if self.seen.insert(id) {
                self.ids.push(id);
            }
        }
    }
}

impl Backend {
    /// The users matching `term` (with `filters` on `end_users u`), best first, at most
    /// `cap` of them. Each rank reads at most `cap + 1` entries per compared value more than
    /// the ranks before it found (a user found before may be found again), and the search
    /// stops as soon as `cap + 1` users are known.
    pub(crate) async fn rank_by_name(
        &self,
        term: &str,
        field: NameField,
        filters: &Conditions,
        cap: usize,
    ) -> Result<Ranked> {
        let term = term.trim().to_lowercase();
        let kind = self.db.kind;
        let mut ranking = Ranking { ids: Vec::new(), seen: HashSet::new() };
        let and_filters = filters.and_clause();
        let mut conditions = filters.clone();

        // 1. The term is the whole value.
        let t = conditions.value(Bind::Text(term.clone()));
        let exact: Vec<String> = keys(field)
            .iter()
            .enumerate()
            .map(|(i, value)| {
                format!(
                    "SELECT id FROM (SELECT u.id FROM end_users u WHERE {} = ${t}{and_filters} \
                     ORDER BY u.id DESC LIMIT {}) e{i}",
                    key_sql(kind, value),
                    cap + 1
                )
            })
            .collect();
        let mut found: Vec<i64> =
            bind_all!(sqlx::query_scalar(AssertSqlSafe(exact.join(" UNION ALL "))), &conditions.binds)
                .fetch_all(&self.db.pool)
                .await?;
        found.sort_unstable_by(|a, b| b.cmp(a));
        ranking.extend(found);

        // 2. The value starts with the term: one index range per value.
        if ranking.ids.len() <= cap
            && let Some(end) = prefix_end(&term)
        {
            let mut conditions = conditions.clone();
            let e = conditions.value(Bind::Text(end));
            let limit = cap + 1 + ranking.ids.len();
            let prefix: Vec<String> = keys(field)
                .iter()
                .enumerate()
                .map(|(i, value)| {
                    let key = key_sql(kind, value);
                    format!(
                        "SELECT id, k FROM (SELECT u.id, {key} AS k FROM end_users u \
                         WHERE {key} >= ${t} AND {key} < ${e}{and_filters} ORDER BY {key}, u.id LIMIT {limit}) p{i}"
                    )
                })
                .collect();
            let mut found: Vec<(i64, String)> =
                bind_all!(sqlx::query_as(AssertSqlSafe(prefix.join(" UNION ALL "))), &conditions.binds)
                    .fetch_all(&self.db.pool)
                    .await?;
            found.sort_unstable_by(|a, b| a.1.as_bytes().cmp(b.1.as_bytes()).then(a.0.cmp(&b.0)));
            ranking.extend(found.into_iter().map(|(id, _)| id));
        }

        // 3. The value contains the term: the trigram index, newest first on SQLite (FTS5
        // walks its rowids backwards); Postgres's bitmap scan gives them unordered, so the
        // few read are put newest first here.
        if ranking.ids.len() <= cap {
            let limit = cap + 1 + ranking.ids.len();
            let mut conditions = filters.clone();
            let sql = match kind {
                DbKind::Sqlite => {
                    let phrase = match field {
                        NameField::Any => fts_phrase(&term),
                        NameField::LegalName => format!("legal_name : {}", fts_phrase(&term)),
                    };
                    let m = conditions.value(Bind::Text(phrase));
                    if and_filters.is_empty() {
                        format!(
                            "SELECT rowid FROM end_users_name_fts WHERE end_users_name_fts MATCH ${m} \
                             ORDER BY rowid DESC LIMIT {limit}"
                        )
                    } else {
                        format!(
                            "SELECT u.id FROM end_users_name_fts JOIN end_users u ON u.id = end_users_name_fts.rowid \
                             WHERE end_users_name_fts MATCH ${m}{and_filters} \
                             ORDER BY end_users_name_fts.rowid DESC LIMIT {limit}"
                        )
                    }
                }
                DbKind::Postgres => {
                    let p = conditions.value(Bind::Text(like_pattern(&term)));
                    let legal = match field {
                        NameField::Any => String::new(),
                        NameField::LegalName => format!(" AND lower(u.legal_name) LIKE ${p}"),
                    };
                    format!(
                        "SELECT u.id FROM end_users u WHERE {NAME_EXPRESSION} LIKE ${p}{legal}{and_filters} LIMIT {limit}"
                    )
                }
            };
            let mut found: Vec<i64> =
                bind_all!(sqlx::query_scalar(AssertSqlSafe(sql)), &conditions.binds).fetch_all(&self.db.pool).await?;
            found.sort_unstable_by(|a, b| b.cmp(a));
            ranking.extend(found);
        }

        let more = ranking.ids.len() > cap;
        ranking.ids.truncate(cap);
        Ok(Ranked { ids: ranking.ids, more })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_terms_cannot_inject_operators() {
        assert_eq!(fts_phrase(r#"ada" OR "x"#), r#""ada"" OR ""x""#);
        assert_eq!(like_pattern("50%_Off\\"), r"%50\%\_off\\%");
    }

    #[test]
    fn a_prefix_range_ends_after_every_string_it_starts() {
        assert_eq!(prefix_end("mar").as_deref(), Some("mas"));
        assert_eq!(prefix_end("az").as_deref(), Some("a{"));
        assert_eq!(prefix_end("é").as_deref(), Some("ê"));
        assert_eq!(prefix_end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{10FFFF}"), None);
        for s in ["mar", "mara", "mar\u{10FFFF}", "marzzz"] {
            assert!(s >= "mar" && s < prefix_end("mar").unwrap().as_str(), "{s}");
        }
    }
}
