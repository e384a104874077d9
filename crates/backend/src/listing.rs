//! What every list of the back office shares, so that none reads all matching rows to answer
//! one page (DESIGN.md's cost rules): conditions with bound values, keyset paging on the id
//! (newest first by a key, e.g. a date, then the id; Next reads the rows below the page,
//! Previous the rows above it) and a total counted
//! up to a cap ("more than N" beyond it).

use shared::dto::{Keyset, Total};

use crate::error::{Error, Result};

/// Totals are exact up to this many rows.
pub const TOTAL_CAP: i64 = 1000;

/// A value bound to a placeholder.
#[derive(Clone)]
pub(crate) enum Bind {
    Int(i64),
    Text(String),
}

/// Binds `binds`, in order, to a sqlx query of any kind.
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                $crate::listing::Bind::Int(v) => query.bind(*v),
                $crate::listing::Bind::Text(v) => query.bind(v.clone()),
            };
        }
        query
    }};
}
pub(crate) use bind_all;

/// The WHERE conditions of a list, each with its bound values. Every piece of SQL is ours;
/// the request's values travel as parameters.
#[derive(Clone, Default)]
pub(crate) struct Conditions {
    sql: Vec<String>,
    pub(crate) binds: Vec<Bind>,
}

impl Conditions {
    /// Adds `condition`, whose `?` stands for the value's placeholder.
    pub(crate) fn push(&mut self, condition: &str, value: Bind) {
        self.binds.push(value);
        self.sql.push(condition.replace('?', &format!("${}", self.binds.len())));
    }

    pub(crate) fn int(&mut self, condition: &str, value: i64) {
        self.push(condition, Bind::Int(value));
    }

    pub(crate) fn text(&mut self, condition: &str, value: impl Into<String>) {
        self.push(condition, Bind::Text(value.into()));
    }

    /// A condition whose placeholders the caller numbered after pushing their values.
    pub(crate) fn raw(&mut self, condition: String) {
        self.sql.push(condition);
    }

    /// Binds a value for SQL the caller writes: its placeholder's number.
    pub(crate) fn value(&mut self, value: Bind) -> usize {
        self.binds.push(value);
        self.binds.len()
    }

    /// ` AND a AND b`, or nothing: the conditions after one of the caller's.
    pub(crate) fn and_clause(&self) -> String {
        self.sql.iter().map(|c| format!(" AND {c}")).collect()
    }

    /// `WHERE a AND b`, or nothing.
    pub(crate) fn where_clause(&self) -> String {
        if self.sql.is_empty() { String::new() } else { format!("WHERE {}", self.sql.join(" AND ")) }
    }

    /// The next free placeholder number.
    pub(crate) fn next(&self) -> usize {
        self.binds.len() + 1
    }
}

/// Which way a keyset list runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    NewestFirst,
    /// Queues: the oldest waits longest. `Keyset::Before` then pages on to later rows.
    OldestFirst,
}

/// The condition and ORDER BY of a keyset page, newest first, over `key_column` (if the
/// list is ordered by one, e.g. a date) then `id_column`. A cursor without the key it
/// needs is a 400.
pub(crate) fn keyset(
    conditions: &mut Conditions,
    key_column: Option<&str>,
    id_column: &str,
    at: &Keyset,
) -> Result<String> {
    keyset_in(conditions, key_column, id_column, at, Order::NewestFirst)
}

/// `keyset` for a list running in `order`.
pub(crate) fn keyset_in(
    conditions: &mut Conditions,
    key_column: Option<&str>,
    id_column: &str,
    at: &Keyset,
    order: Order,
) -> Result<String> {
    let (cursor, onward) = match at {
        Keyset::First => (None, true),
        Keyset::Before(c) => (Some(c), true),
        Keyset::After(c) => (Some(c), false),
    };
    // Onward is the list's own direction; back (a previous page) is read reversed, and
    // `page_of` turns it round.
    let descending = (order == Order::NewestFirst) == onward;
    let (op, order) = if descending { ("<", "DESC") } else { (">", "ASC") };
    let order_by = match key_column {
        None => format!("{id_column} {order}"),
        Some(key) => format!("{key} {order}, {id_column} {order}"),
    };
    match (cursor, key_column) {
        (None, _) => {}
        (Some(c), None) => conditions.int(&format!("{id_column} {op} ?"), c.id),
        (Some(c), Some(key_column)) => {
            let key = c.key.clone().ok_or_else(|| Error::invalid("cursor", "This cursor is not of this list."))?;
            // (key, id) before or after the cursor's as one row-value comparison, which both
            // databases answer as a range of the index on (key, id).
            if key.chars().any(char::is_control) {
                return Err(Error::invalid("cursor", "This cursor is not of this list."));
            }
            conditions.binds.push(Bind::Text(key));
            let k = conditions.binds.len();
            conditions.binds.push(Bind::Int(c.id));
            let i = conditions.binds.len();
            conditions.raw(format!("({key_column}, {id_column}) {op} (${k}, ${i})"));
        }
    }
    Ok(order_by)
}

/// One page from the `size + 1` rows a keyset query read in its direction: the page newest
/// first, and whether there are rows before it (newer) and after it (older).
pub(crate) fn page_of<T>(mut rows: Vec<T>, size: usize, at: &Keyset) -> (Vec<T>, bool, bool) {
    let more = rows.len() > size;
    rows.truncate(size);
    match at {
        Keyset::First => (rows, false, more),
        Keyset::Before(_) => (rows, true, more),
        Keyset::After(_) => {
            rows.reverse();
            (rows, more, true)
        }
    }
}

/// `SELECT COUNT(*)` of at most `TOTAL_CAP + 1` rows of `from_where` ("FROM t WHERE ...").
pub(crate) fn capped_count_sql(from_where: &str) -> String {
    format!("SELECT COUNT(*) FROM (SELECT 1 {from_where} LIMIT {}) capped", TOTAL_CAP + 1)
}

pub(crate) fn total_of(counted: i64) -> Total {
    if counted > TOTAL_CAP { Total { count: TOTAL_CAP, more: true } } else { Total { count: counted, more: false } }
}

/// A date filter's bound as stored dates compare: a day (`YYYY-MM-DD`, the whole day), the
/// API's `YYYY-MM-DD HH:MM:SS` (UTC) or an RFC 3339 instant.
pub(crate) fn date_bound(field: &str, text: &str, end: bool) -> Result<String> {
    let text = text.trim();
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        // "T99" sorts after every time of that day.
        return Ok(if end { format!("{day}T99") } else { format!("{day}T00") });
    }
    if let Ok(at) = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S") {
        return Ok(at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    }
    let instant = chrono::DateTime::parse_from_rfc3339(text).map_err(|_| {
        Error::invalid(field, format!("{field} is a day (YYYY-MM-DD), YYYY-MM-DD HH:MM:SS or an RFC 3339 date-time."))
    })?;
    Ok(instant.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}
