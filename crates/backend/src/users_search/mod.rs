//! Searching end users (`GET /v1/users`, the dashboard's search toolbar and All Users):
//! every filter of the spec, sorting and paging, each served by an index (migrations 0003
//! to 0005 and 0020), with the cost rules of DESIGN.md: a capped total, pages read from an
//! index, and name searches ranked without sorting every match (`name_rank`).

mod name_rank;

use std::collections::HashMap;

use shared::Action;
use shared::domain::EndUser;
use shared::dto::{Cursor, Keyset, Total};
use shared::user_states::{UserStatus, UserType};
use sqlx::AssertSqlSafe;

use crate::Backend;
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::listing::{Conditions, Order, bind_all, capped_count_sql, keyset_in, page_of, total_of};
use crate::users::{user_columns, user_from_row};
pub use name_rank::NameField;
use name_rank::like_pattern;

pub const DEFAULT_PAGE_COUNT: i64 = 50;
pub const MAX_PAGE_COUNT: i64 = 200;
/// Trigram indexes need three characters to find anything.
pub const NAME_MIN_CHARS: usize = 3;
/// A name search answers its best matches, this many at most ("more than" beyond): an
/// operator refines a search rather than reading further, and ranking ten times as many
/// would cost ten times as much on every search typed.
pub const NAME_CAP: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortBy {
    UserId,
    CreatedDate,
    ModifiedDate,
}

impl SortBy {
    /// The column ordered on before the id (none when sorting by id).
    fn key_column(self) -> Option<&'static str> {
        match self {
            SortBy::UserId => None,
            SortBy::CreatedDate => Some("u.created_date"),
            SortBy::ModifiedDate => Some("u.modified_date"),
        }
    }

    /// A user's value of that column, for its cursor.
    fn key_of(self, user: &EndUser) -> Option<String> {
        match self {
            SortBy::UserId => None,
            SortBy::CreatedDate => Some(user.created_date.clone()),
            SortBy::ModifiedDate => Some(user.modified_date.clone()),
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
    /// Keyset paging (the views' `before` / `after`) instead of `page_number`.
    pub at: Option<Keyset>,
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
            at: None,
        }
    }
}

fn integer(params: &HashMap<String, String>, name: &str) -> Result<Option<i64>> {
    match params.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| Error::invalid(name, format!("{name} must be an integer."))),
    }
}

/// A text parameter, trimmed; none when blank. A control character (a NUL, say) is in no
/// stored value, and FTS5 and Postgres refuse it: a 400 naming the field (`label` in the
/// message: the parameter's name in the API, the field's label in the toolbar), not a 500.
pub fn search_text(field: &str, label: &str, raw: &str) -> Result<Option<String>> {
    let trimmed = raw.trim();
    if trimmed.chars().any(char::is_control) {
        return Err(Error::invalid(field, format!("{label} must not contain control characters.")));
    }
    Ok(Some(trimmed.to_string()).filter(|s| !s.is_empty()))
}

fn text(params: &HashMap<String, String>, name: &str) -> Result<Option<String>> {
    params.get(name).map_or(Ok(None), |raw| search_text(name, name, raw))
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
            user_status: text(params, "userStatus")?,
            user_tag: text(params, "userTag")?,
            specified_us_person: integer(params, "specifiedUSPerson")?,
            email: text(params, "email")?,
            name: text(params, "name")?,
            legal_name: text(params, "legalName")?,
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
            if let Some(raw) = text(params, param)? {
                *slot = Some(crate::listing::date_bound(param, &raw, end)?);
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
        if let Some(sort) = text(params, "sortBy")? {
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
        if let Some(order) = text(params, "sortOrder")? {
            search.descending = match order.to_ascii_uppercase().as_str() {
                "DESC" => true,
                "ASC" => false,
                _ => return Err(Error::invalid("sortOrder", "sortOrder must be ASC or DESC.")),
            };
        }
        let cursor = |name: &str| match text(params, name)? {
            None => Ok(None),
            Some(raw) => Cursor::from_param(&raw)
                .map(Some)
                .ok_or_else(|| Error::invalid(name, format!("{name} is a cursor from a previous page."))),
        };
        search.at = match (cursor("before")?, cursor("after")?) {
            (Some(c), _) => Some(Keyset::Before(c)),
            (None, Some(c)) => Some(Keyset::After(c)),
            (None, None) => None,
        };
        Ok(search)
    }

    /// The term a name search ranks by, and what it is compared with.
    fn ranking_term(&self) -> Option<(&str, NameField)> {
        match (&self.name, &self.legal_name) {
            (Some(name), _) => Some((name, NameField::Any)),
            (None, Some(legal)) => Some((legal, NameField::LegalName)),
            (None, None) => None,
        }
    }
}

/// A page of users and how many match in all (exact up to `listing::TOTAL_CAP`). A keyset
/// page also names its neighbours.
pub struct UserPage {
    pub users: Vec<EndUser>,
    pub total: Total,
    pub newer: Option<Keyset>,
    pub older: Option<Keyset>,
}

impl Backend {
    /// `GET /v1/users`, All Users and the toolbar. No request reads every match: the total
    /// is counted up to a cap, a page reads its ids from an index (by offset for the API's
    /// `pageNumber`, by cursor for the views), and a name search ranks its matches (exact,
    /// prefix, then substring: `name_rank`) from a bounded number of index entries.
    pub async fn search_users(&self, actor: &Actor, search: &UserSearch) -> Result<UserPage> {
        actor.require(Action::ReadUsers)?;
        let mut conditions = self.user_filters(search);
        let size = search.page_count.clamp(1, MAX_PAGE_COUNT);
        if let Some((term, field)) = search.ranking_term() {
            if search.at.is_some() {
                return Err(Error::invalid("cursor", "A name search pages by pageNumber."));
            }
            let offset = usize::try_from((search.page_number - 1).saturating_mul(size)).unwrap_or(usize::MAX);
            let ranked = self.rank_by_name(term, field, &conditions, NAME_CAP, offset, size as usize).await?;
            return Ok(UserPage {
                users: self.users_in_order(&ranked.ids).await?,
                total: ranked.total,
                newer: None,
                older: None,
            });
        }
        let counted: i64 = bind_all!(
            sqlx::query_scalar(AssertSqlSafe(capped_count_sql(&format!(
                "FROM end_users u {}",
                conditions.where_clause()
            )))),
            &conditions.binds
        )
        .fetch_one(&self.db.pool)
        .await?;
        let key_column = search.sort_by.key_column();
        let (ids, newer, older) = match &search.at {
            // The API's pages: the ids from the index alone (a deep OFFSET skips index
            // entries, not rows).
            None => {
                let order = if search.descending { "DESC" } else { "ASC" };
                let order_by = match key_column {
                    Some(key) => format!("{key} {order}, u.id {order}"),
                    None => format!("u.id {order}"),
                };
                let n = conditions.next();
                let sql = format!(
                    "SELECT u.id FROM end_users u {} ORDER BY {order_by} LIMIT ${n} OFFSET ${}",
                    conditions.where_clause(),
                    n + 1
                );
                let offset = (search.page_number - 1).saturating_mul(size);
                let ids: Vec<i64> = bind_all!(sqlx::query_scalar(AssertSqlSafe(sql)), &conditions.binds)
                    .bind(size)
                    .bind(offset)
                    .fetch_all(&self.db.pool)
                    .await?;
                (ids, false, false)
            }
            // The views' pages: the rows after (or before) a cursor, whatever was added since.
            Some(at) => {
                let order = if search.descending { Order::NewestFirst } else { Order::OldestFirst };
                let order_by = keyset_in(&mut conditions, key_column, "u.id", at, order)?;
                let sql = format!(
                    "SELECT u.id FROM end_users u {} ORDER BY {order_by} LIMIT ${}",
                    conditions.where_clause(),
                    conditions.next()
                );
                let ids: Vec<i64> = bind_all!(sqlx::query_scalar(AssertSqlSafe(sql)), &conditions.binds)
                    .bind(size + 1)
                    .fetch_all(&self.db.pool)
                    .await?;
                let (ids, has_newer, has_older) = page_of(ids, size as usize, at);
                (ids, has_newer, has_older)
            }
        };
        let users = self.users_in_order(&ids).await?;
        let cursor = |u: &EndUser| Cursor { key: search.sort_by.key_of(u), id: u.id };
        let neighbour = |has: bool, user: Option<&EndUser>, make: fn(Cursor) -> Keyset| {
            user.filter(|_| has).map(|u| make(cursor(u)))
        };
        Ok(UserPage {
            newer: neighbour(newer, users.first(), Keyset::After),
            older: neighbour(older, users.last(), Keyset::Before),
            total: total_of(counted),
            users,
        })
    }

    /// Every filter of the search but the ranked name term, on `end_users u`.
    fn user_filters(&self, search: &UserSearch) -> Conditions {
        let mut c = Conditions::default();
        if let Some(v) = search.user_id {
            c.int("u.id = ?", v);
        }
        if let Some(v) = search.user_type_id {
            c.int("u.user_type_id = ?", v);
        }
        if let Some(v) = &search.user_status {
            c.text("u.user_status = ?", v.clone());
        }
        if let Some(v) = &search.user_tag {
            c.text("u.user_tag = ?", v.clone());
        }
        if let Some(v) = search.specified_us_person {
            c.int("u.specified_u_s_person = ?", v);
        }
        if let Some(v) = &search.email {
            c.text("lower(u.email) = ?", v.to_lowercase());
        }
        if let Some(v) = search.parent_user_id {
            c.int("u.parent_user_id = ?", v);
        }
        for (condition, bound) in [
            ("u.created_date >= ?", &search.created_from),
            ("u.created_date <= ?", &search.created_to),
            ("u.modified_date >= ?", &search.updated_from),
            ("u.modified_date <= ?", &search.updated_to),
        ] {
            if let Some(v) = bound {
                c.text(condition, v.clone());
            }
        }
        // With both terms, `name` ranks and the legal name filters what it found.
        if search.name.is_some()
            && let Some(v) = &search.legal_name
        {
            c.text("lower(u.legal_name) LIKE ? ESCAPE '\\'", like_pattern(v));
        }
        c
    }

    /// The users of `ids`, in that order.
    async fn users_in_order(&self, ids: &[i64]) -> Result<Vec<EndUser>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // The ids are our own integers, read from the database a moment ago.
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        let sql = format!("SELECT {} FROM end_users WHERE id IN ({})", user_columns(), list.join(", "));
        // Not kept prepared: each list of ids is a statement of its own, and sqlx keeps a
        // hundred per connection. Users' statements are large (every column, the wallet
        // count): at eight SQLite connections the kept ones held ~60 MB of the server.
        let rows = sqlx::query(AssertSqlSafe(sql)).persistent(false).fetch_all(&self.db.pool).await?;
        let mut users = rows.iter().map(user_from_row).collect::<Result<Vec<_>>>()?;
        let position: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        users.sort_by_key(|u| position.get(&u.id).copied().unwrap_or(usize::MAX));
        Ok(users)
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
        assert_eq!(ok.created_from.as_deref(), Some("2024-01-01T00"));
        assert_eq!(ok.created_to.as_deref(), Some("2024-01-31T99"));
        assert_eq!((ok.sort_by, ok.descending, ok.page_count), (SortBy::UserId, false, 10));
    }
}
