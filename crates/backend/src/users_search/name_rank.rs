//! Name search, best matches first, without sorting every match: users whose first name,
//! last name, full name, legal name or email **is** the term come first (newest first), then
//! those where one of them **starts with** it (alphabetically), then those that merely
//! **contain** it (newest first). Each rank is read from an index (migration 0020 for the
//! first two, the trigram index of 0004 for the third) and stops at the cap, so a common
//! term ("mar") reads at most a few thousand index entries, and only the page travels back.

use shared::dto::Total;
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

/// One page of the ranked matches, and how many match (exact up to the cap).
pub(crate) struct RankedPage {
    pub ids: Vec<i64>,
    pub total: Total,
}

impl Backend {
    /// The page `offset .. offset + size` of the users matching `term` (with `filters` on
    /// `end_users u`), best first, among the best `cap`. Each way of matching reads at most
    /// `cap + 1` index entries per compared value, and at most `cap + 1` ids travel back.
    ///
    /// First the users equal to the term or starting with it, ranked and counted in one
    /// statement. Most terms operators type (a surname, "mar") find more than `cap` that way:
    /// no substring match could then reach the best `cap`, and the substring search (a
    /// trigram scan, the costliest: on Postgres its bitmap reads every match) is not run.
    /// Otherwise its newest `cap + 1` follow, those already found left out.
    pub(crate) async fn rank_by_name(
        &self,
        term: &str,
        field: NameField,
        filters: &Conditions,
        cap: usize,
        offset: usize,
        size: usize,
    ) -> Result<RankedPage> {
        let term = term.trim().to_lowercase();
        let kind = self.db.kind;
        let and_filters = filters.and_clause();
        let mut conditions = filters.clone();
        let limit = cap + 1;
        // Each match as (id, rank): "0" equal, "1" + the value for a prefix (so that the
        // least rank is the best match, then the first name in byte order).
        let mut tiers: Vec<String> = Vec::new();
        let t = conditions.value(Bind::Text(term.clone()));
        for (i, value) in keys(field).iter().enumerate() {
            tiers.push(format!(
                "SELECT id, '0' AS rank FROM (SELECT u.id FROM end_users u WHERE {} = ${t}{and_filters} \
                 ORDER BY u.id DESC LIMIT {limit}) e{i}",
                key_sql(kind, value)
            ));
        }
        if let Some(end) = prefix_end(&term) {
            let e = conditions.value(Bind::Text(end));
            for (i, value) in keys(field).iter().enumerate() {
                let key = key_sql(kind, value);
                tiers.push(format!(
                    "SELECT id, '1' || k AS rank FROM (SELECT u.id, {key} AS k FROM end_users u \
                     WHERE {key} >= ${t} AND {key} < ${e}{and_filters} ORDER BY {key}, u.id LIMIT {limit}) p{i}"
                ));
            }
        }
        let ranked = self.ranked_by_value(&tiers, &conditions, limit).await?;
        let mut best: Vec<i64> = ranked.ids;
        if ranked.matches <= cap as i64 {
            // A statement of its own, with the filters' values and the pattern's only.
            let mut conditions = filters.clone();
            // Newest first on SQLite (FTS5 walks its rowids backwards); Postgres's bitmap scan
            // gives some `cap + 1` of them, put newest first below.
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
            let mut containing: Vec<i64> =
                bind_all!(sqlx::query_scalar(AssertSqlSafe(sql)), &conditions.binds).fetch_all(&self.db.pool).await?;
            containing.sort_unstable_by_key(|id| std::cmp::Reverse(*id));
            let by_value: std::collections::HashSet<i64> = best.iter().copied().collect();
            best.extend(containing.into_iter().filter(|id| !by_value.contains(id)));
        }
        let matches = best.len().max(ranked.matches as usize);
        let page: Vec<i64> = best.into_iter().take(cap).skip(offset).take(size).collect();
        Ok(RankedPage { ids: page, total: Total { count: matches.min(cap) as i64, more: matches > cap } })
    }

    /// The users equal to the term or starting with it (`tiers`, bound by `conditions`),
    /// best rank first, the first `limit` of them, and how many they are in all.
    async fn ranked_by_value(&self, tiers: &[String], conditions: &Conditions, limit: usize) -> Result<Ranked> {
        // Within a rank: newest first, but prefixes by value then oldest first (the index's
        // order).
        let sql = format!(
            "SELECT id, COUNT(*) OVER () AS matches FROM \
             (SELECT id, MIN(rank) AS best FROM ({}) tiers GROUP BY id) ranked \
             ORDER BY best, CASE WHEN substr(best, 1, 1) = '1' THEN id ELSE -id END LIMIT {limit}",
            tiers.join(" UNION ALL "),
        );
        let rows: Vec<(i64, i64)> =
            bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &conditions.binds).fetch_all(&self.db.pool).await?;
        let matches = rows.first().map_or(0, |(_, matches)| *matches);
        Ok(Ranked { ids: rows.into_iter().map(|(id, _)| id).collect(), matches })
    }
}

/// The users one ranking statement found, best first, and how many they are in all.
struct Ranked {
    ids: Vec<i64>,
    matches: i64,
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
