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
#[derive(Default)]
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
    fn raw(&mut self, condition: String) {
        self.sql.push(condition);
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

/// The condition and ORDER BY of a keyset page, newest first, over `key_column` (if the
/// list is ordered by one, e.g. a date) then `id_column`. A cursor without the key it
/// needs is a 400.
pub(crate) fn keyset(
    conditions: &mut Conditions,
    key_column: Option<&str>,
    id_column: &str,
    at: &Keyset,
) -> Result<String> {
    let (cursor, op, order) = match at {
        Keyset::First => (None, "<", "DESC"),
        Keyset::Before(c) => (Some(c), "<", "DESC"),
        Keyset::After(c) => (Some(c), ">", "ASC"),
    };
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
