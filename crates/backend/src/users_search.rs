//! Searching end users (`GET /v1/users`, the dashboard's search toolbar and All Users):
//! every filter of the spec, sorting and paging, each served by an index (see migrations
//! 0003 and 0004): no filter, sort or name search scans the table.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use shared::Action;
use shared::domain::EndUser;
use shared::user_states::{UserStatus, UserType};
use sqlx::{AssertSqlSafe, Row};

use crate::Backend;
use crate::auth::Actor;
use crate::db::DbKind;
use crate::error::{Error, Result};
use crate::users::{user_columns, user_from_row};

pub const DEFAULT_PAGE_COUNT: i64 = 50;
pub const MAX_PAGE_COUNT: i64 = 200;
/// Trigram indexes need three characters to find anything.
pub const NAME_MIN_CHARS: usize = 3;

/// The expression the Postgres trigram index covers (migration 0004): keep them identical.
const NAME_EXPRESSION: &str = "lower(coalesce(firstname, '') || ' ' || coalesce(lastname, '') || ' ' || \
     coalesce(legal_name, '') || ' ' || coalesce(email, ''))";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortBy {
    UserId,
    CreatedDate,
    ModifiedDate,
}

impl SortBy {
    fn column(self) -> &'static str {
        match self {
            SortBy::UserId => "id",
            SortBy::CreatedDate => "created_date",
            SortBy::ModifiedDate => "modified_date",
        }
    }
}

/// A validated search.
#[derive(Clone, Debug)]
pub struct UserSearch {
    pub user_id: Option<i64>,
    pub user_type_id: Option<i64>,
    pub user_status: Option<String>,
    pub user_tag: Option<String>,
    pub specified_us_person: Option<i64>,
    pub email: Option<String>,
    pub name: Option<String>,
    pub legal_name: Option<String>,
    pub parent_user_id: Option<i64>,
    pub created_from: Option<String>,
    pub created_to: Option<String>,
    pub updated_from: Option<String>,
    pub updated_to: Option<String>,
    pub page_number: i64,
    pub page_count: i64,
    pub sort_by: SortBy,
    pub descending: bool,
}

impl Default for UserSearch {
    fn default() -> Self {
        UserSearch {
            user_id: None,
            user_type_id: None,
            user_status: None,
            user_tag: None,
            specified_us_person: None,
            email: None,
            name: None,
            legal_name: None,
            parent_user_id: None,
            created_from: None,
            created_to: None,
            updated_from: None,
            updated_to: None,
            page_number: 1,
            page_count: DEFAULT_PAGE_COUNT,
            sort_by: SortBy::CreatedDate,
            descending: true,
        }
    }
}

/// A date filter as the stored RFC 3339 text: `YYYY-MM-DD` (a whole day: its start for
/// `From`, its end for `To`) or `YYYY-MM-DD HH:MM:SS` / RFC 3339, all UTC.
fn date_bound(param: &str, raw: &str, end_of_day: bool) -> Result<String> {
    let raw = raw.trim();
    if let Ok(day) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        let time = if end_of_day { day.and_hms_milli_opt(23, 59, 59, 999) } else { day.and_hms_opt(0, 0, 0) };
        if let Some(time) = time {
            return Ok(time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
        }
    }
    let parsed = NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
        .ok()
        .or_else(|| chrono::DateTime::parse_from_rfc3339(raw).ok().map(|d| d.naive_utc()));
    match parsed {
        Some(t) => Ok(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
        None => Err(Error::invalid(param, format!("{param} must be YYYY-MM-DD or YYYY-MM-DD HH:MM:SS."))),
    }
}

fn integer(params: &HashMap<String, String>, name: &str) -> Result<Option<i64>> {
    match params.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| Error::invalid(name, format!("{name} must be an integer."))),
    }
}

fn text(params: &HashMap<String, String>, name: &str) -> Option<String> {
    params.get(name).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Longer than any name, and bounded so a request cannot send a megabyte of search term.
pub const NAME_MAX_CHARS: usize = 100;

/// A name search needs a few characters (fewer would match most of the table) and not too
/// many.
pub fn check_name(name: &str) -> Result<()> {
    let length = name.chars().count();
    if length < NAME_MIN_CHARS {
        return Err(Error::invalid("name", format!("name must have at least {NAME_MIN_CHARS} characters.")));
    }
    if length > NAME_MAX_CHARS {
        return Err(Error::invalid("name", format!("name must have at most {NAME_MAX_CHARS} characters.")));
    }
    Ok(())
}

impl UserSearch {
    /// Reads the query parameters of `GET /v1/users`; every refusal names the parameter.
    pub fn from_params(params: &HashMap<String, String>) -> Result<UserSearch> {
        let mut search = UserSearch {
            user_id: integer(params, "userId")?,
            user_type_id: integer(params, "userTypeId")?,
            user_status: text(params, "userStatus"),
            user_tag: text(params, "userTag"),
            specified_us_person: integer(params, "specifiedUSPerson")?,
            email: text(params, "email"),
            name: text(params, "name"),
            legal_name: text(params, "legalName"),
            parent_user_id: integer(params, "parentUserId")?,
            ..UserSearch::default()
        };
        if let Some(t) = search.user_type_id.filter(|t| UserType::from_code(*t).is_none()) {
            return Err(Error::invalid("userTypeId", format!("userTypeId must be 1, 2, 3 or 4, not {t}.")));
        }
        if let Some(s) = search.user_status.as_deref().filter(|s| UserStatus::parse(s).is_none()) {
            return Err(Error::invalid(
                "userStatus",
                format!("userStatus must be PENDING, VALIDATED or CANCELED, not {s}."),
            ));
        }
        if let Some(name) = search.name.as_deref() {
            check_name(name)?;
        }
        if let Some(legal_name) = search.legal_name.as_deref() {
            check_name(legal_name).map_err(|_| {
                Error::invalid(
                    "legalName",
                    format!("legalName must have {NAME_MIN_CHARS} to {NAME_MAX_CHARS} characters."),
                )
            })?;
        }
        for (param, end, slot) in [
            ("createdDateFrom", false, &mut search.created_from),
            ("createdDateTo", true, &mut search.created_to),
            ("updatedDateFrom", false, &mut search.updated_from),
            ("updatedDateTo", true, &mut search.updated_to),
        ] {
            if let Some(raw) = text(params, param) {
                *slot = Some(date_bound(param, &raw, end)?);
            }
        }
        if let Some(n) = integer(params, "pageNumber")? {
            if n < 1 {
                return Err(Error::invalid("pageNumber", "pageNumber must be at least 1."));
            }
            search.page_number = n;
        }
        if let Some(n) = integer(params, "pageCount")? {
            if !(1..=MAX_PAGE_COUNT).contains(&n) {
                return Err(Error::invalid("pageCount", format!("pageCount must be between 1 and {MAX_PAGE_COUNT}.")));
            }
            search.page_count = n;
        }
        if let Some(sort) = text(params, "sortBy") {
            search.sort_by = match sort.as_str() {
                "userId" => SortBy::UserId,
                "createdDate" => SortBy::CreatedDate,
                "modifiedDate" | "updatedDate" => SortBy::ModifiedDate,
                other => {
                    return Err(Error::invalid(
                        "sortBy",
                        format!("sortBy must be userId, createdDate or modifiedDate, not {other}."),
                    ));
                }
            };
        }
        if let Some(order) = text(params, "sortOrder") {
            search.descending = match order.to_ascii_uppercase().as_str() {
                "DESC" => true,
                "ASC" => false,
                _ => return Err(Error::invalid("sortOrder", "sortOrder must be ASC or DESC.")),
            };
        }
        Ok(search)
    }
}

enum Bind {
    Int(i64),
    Text(String),
}

/// A page of users and the number of users matching in all.
pub struct UserPage {
    pub users: Vec<EndUser>,
    pub total: i64,
}

/// `"term"` for FTS5: a phrase, so that the user's quotes and operators mean nothing.
fn fts_phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// `%term%` for LIKE, with LIKE's own wildcards escaped.
fn like_pattern(term: &str) -> String {
    let escaped = term.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

impl Backend {
    pub async fn search_users(&self, actor: &Actor, search: &UserSearch) -> Result<UserPage> {
        actor.require(Action::ReadUsers)?;
        let mut conditions: Vec<String> = Vec::new();
        let mut binds: Vec<Bind> = Vec::new();
        // Conditions are written with `?` and numbered here as `$n` in the order their values
        // are bound: sqlx's `Any` driver takes `$n` on both SQLite and Postgres, and a
        // `QueryBuilder` would not let the page query and the count query share the binds.
        let mut add = |condition: &str, bind: Bind| {
            binds.push(bind);
            conditions.push(condition.replace("?", &format!("${}", binds.len())));
        };
        if let Some(v) = search.user_id {
            add("id = ?", Bind::Int(v));
        }
        if let Some(v) = search.user_type_id {
            add("user_type_id = ?", Bind::Int(v));
        }
        if let Some(v) = &search.user_status {
            add("user_status = ?", Bind::Text(v.clone()));
        }
        if let Some(v) = &search.user_tag {
            add("user_tag = ?", Bind::Text(v.clone()));
        }
        if let Some(v) = search.specified_us_person {
            add("specified_u_s_person = ?", Bind::Int(v));
        }
        if let Some(v) = &search.email {
            add("lower(email) = ?", Bind::Text(v.to_lowercase()));
        }
        if let Some(v) = search.parent_user_id {
            add("parent_user_id = ?", Bind::Int(v));
        }
        if let Some(v) = &search.created_from {
            add("created_date >= ?", Bind::Text(v.clone()));
        }
        if let Some(v) = &search.created_to {
            add("created_date <= ?", Bind::Text(v.clone()));
        }
        if let Some(v) = &search.updated_from {
            add("modified_date >= ?", Bind::Text(v.clone()));
        }
        if let Some(v) = &search.updated_to {
            add("modified_date <= ?", Bind::Text(v.clone()));
        }
        // Name and legal-name searches are partial: the name index (trigrams over first,
        // last and legal name and email) finds the candidates; legalName then keeps those
        // whose legal name holds the term.
        let name_terms = search.name.iter().chain(search.legal_name.iter());
        for term in name_terms {
            match self.db.kind {
                DbKind::Sqlite => add(
                    "id IN (SELECT rowid FROM end_users_name_fts WHERE end_users_name_fts MATCH ?)",
                    Bind::Text(fts_phrase(term)),
                ),
                DbKind::Postgres => add(&format!("{NAME_EXPRESSION} LIKE ?"), Bind::Text(like_pattern(term))),
            }
        }
        if let Some(v) = &search.legal_name {
            add("lower(legal_name) LIKE ? ESCAPE '\\'", Bind::Text(like_pattern(v)));
        }
        let filter = if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
        let order = if search.descending { "DESC" } else { "ASC" };
        let sort = search.sort_by.column();
        let tie_break = if search.sort_by == SortBy::UserId { String::new() } else { format!(", id {order}") };
        let n = binds.len();
        // The page's ids come from the index alone (deep OFFSETs skip index entries, not
        // rows); only the page's own rows are then read.
        let page_sql = format!(
            "SELECT {} FROM end_users WHERE id IN \
             (SELECT id FROM end_users {filter} ORDER BY {sort} {order}{tie_break} LIMIT ${} OFFSET ${}) \
             ORDER BY {sort} {order}{tie_break}",
            user_columns(),
            n + 1,
            n + 2
        );
        let count_sql = format!("SELECT COUNT(*) AS total FROM end_users {filter}");

        // Every piece of SQL above is ours; the request's values travel as bound parameters.
        let mut page = sqlx::query(AssertSqlSafe(page_sql));
        let mut count = sqlx::query(AssertSqlSafe(count_sql));
        for bind in &binds {
            match bind {
                Bind::Int(v) => {
                    page = page.bind(*v);
                    count = count.bind(*v);
                }
                Bind::Text(v) => {
                    page = page.bind(v.clone());
                    count = count.bind(v.clone());
                }
            }
        }
        let offset = (search.page_number - 1).saturating_mul(search.page_count);
        let rows = page.bind(search.page_count).bind(offset).fetch_all(&self.db.pool).await?;
        let total: i64 = count.fetch_one(&self.db.pool).await?.try_get("total")?;
        let users = rows.iter().map(user_from_row).collect::<Result<Vec<_>>>()?;
        Ok(UserPage { users, total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn parameters_are_checked_by_name() {
        for (name, value) in [
            ("userId", "abc"),
            ("legalName", "ab"),
            ("userTypeId", "9"),
            ("userStatus", "ACTIVE"),
            ("name", "ab"),
            ("createdDateFrom", "yesterday"),
            ("pageNumber", "0"),
            ("pageCount", "1000"),
            ("sortBy", "password"),
            ("sortOrder", "up"),
            ("parentUserId", "1.5"),
        ] {
            match UserSearch::from_params(&params(&[(name, value)])) {
                Err(Error::Invalid(f)) => assert_eq!(f.field, name),
                other => panic!("{name}={value} should be refused, got {:?}", other.map(|_| ())),
            }
        }
        let ok = UserSearch::from_params(&params(&[
            ("createdDateFrom", "2024-01-01"),
            ("createdDateTo", "2024-01-31"),
            ("sortBy", "userId"),
            ("sortOrder", "asc"),
            ("pageCount", "10"),
        ]))
        .unwrap();
        assert_eq!(ok.created_from.as_deref(), Some("2024-01-01T00:00:00.000Z"));
        assert_eq!(ok.created_to.as_deref(), Some("2024-01-31T23:59:59.999Z"));
        assert_eq!((ok.sort_by, ok.descending, ok.page_count), (SortBy::UserId, false, 10));
    }

    #[test]
    fn search_terms_cannot_inject_operators() {
        assert_eq!(fts_phrase(r#"ada" OR "x"#), r#""ada"" OR ""x""#);
        assert_eq!(like_pattern("50%_Off\\"), r"%50\%\_off\\%");
    }
}
