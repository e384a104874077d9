//! Large loads (the demo seed of 1,000,000 users): the secondary indexes of the tables loaded,
//! SQLite's full-text triggers and Postgres's foreign keys are dropped inside the load's
//! transaction and made again from their own stored definitions before it commits. Building
//! an index once over sorted rows is several times cheaper than keeping it up to date row by
//! row, and checking a foreign key once (one join) than row by row (on Postgres a check
//! locks the parent row, a write to a row the same load has just written). The definitions
//! stay the migrations' (read back from the catalog), and a load that fails rolls the drops
//! back with everything else.

use sqlx::{Any, AssertSqlSafe, Transaction};

use crate::db::DbKind;
use crate::error::Result;

/// The DDL that puts back what `defer` dropped.
pub(crate) struct Deferred {
    restore: Vec<String>,
    /// Postgres's foreign keys, added after the indexes: `ALTER TABLE ... ADD CONSTRAINT`.
    constraints: Vec<String>,
    rebuild_name_search: bool,
}

/// Drops the secondary indexes of `tables` (and, on SQLite, the triggers that keep the
/// name-search table in step with `end_users`), remembering how to build them again.
pub(crate) async fn defer(tx: &mut Transaction<'_, Any>, kind: DbKind, tables: &[&str]) -> Result<Deferred> {
    let list: Vec<String> = tables.iter().map(|t| format!("'{t}'")).collect();
    let list = list.join(", ");
    // (name, definition, 1 for a trigger)
    let found: Vec<(String, String, i64)> = match kind {
        // Indexes that carry a definition (a UNIQUE constraint's own index has none), and
        // the FTS triggers; other triggers (rules) stay.
        DbKind::Sqlite => sqlx::query_as(AssertSqlSafe(format!(
            "SELECT name, sql, CASE WHEN type = 'trigger' THEN 1 ELSE 0 END FROM sqlite_master \
             WHERE tbl_name IN ({list}) AND sql IS NOT NULL \
               AND (type = 'index' OR (type = 'trigger' AND name LIKE 'end_users_name_fts_%')) \
             ORDER BY type, name"
        ))),
        // Indexes that no primary key or constraint owns.
        DbKind::Postgres => sqlx::query_as(AssertSqlSafe(format!(
            "SELECT i.relname::text, pg_get_indexdef(x.indexrelid), 0::bigint FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = current_schema() AND t.relname IN ({list}) \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) \
             ORDER BY i.relname"
        ))),
    }
    .fetch_all(&mut **tx)
    .await?;
    let mut deferred = Deferred { restore: Vec::new(), constraints: Vec::new(), rebuild_name_search: false };
    if kind == DbKind::Postgres {
        // Foreign keys from a loaded table; the ones pointing at it from elsewhere check
        // nothing when rows are added.
        let foreign_keys: Vec<(String, String, String)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT t.relname::text, c.conname::text, pg_get_constraintdef(c.oid) FROM pg_constraint c \
             JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = current_schema() AND c.contype = 'f' AND t.relname IN ({list}) \
             ORDER BY t.relname, c.conname"
        )))
        .fetch_all(&mut **tx)
        .await?;
        for (table, name, definition) in foreign_keys {
            sqlx::query(AssertSqlSafe(format!("ALTER TABLE \"{table}\" DROP CONSTRAINT \"{name}\"")))
                .execute(&mut **tx)
                .await?;
            deferred.constraints.push(format!("ALTER TABLE \"{table}\" ADD CONSTRAINT \"{name}\" {definition}"));
        }
    }
    for (name, definition, trigger) in found {
        let is_trigger = trigger == 1;
        let drop = if is_trigger { format!("DROP TRIGGER \"{name}\"") } else { format!("DROP INDEX \"{name}\"") };
        sqlx::query(AssertSqlSafe(drop)).execute(&mut **tx).await?;
        deferred.rebuild_name_search |= is_trigger;
        deferred.restore.push(definition);
    }
    Ok(deferred)
}

impl Deferred {
    /// Builds every dropped index again, adds the foreign keys back (each checked over every
    /// row: a load that broke one fails here), puts the triggers back and refills the SQLite
    /// name-search table from `end_users`.
    pub(crate) async fn restore(self, tx: &mut Transaction<'_, Any>, kind: DbKind) -> Result<()> {
        if kind == DbKind::Postgres {
            // Index builds sort in memory rather than on disk (for this transaction only).
            sqlx::query("SET LOCAL maintenance_work_mem = '256MB'").execute(&mut **tx).await?;
        }
        for definition in self.restore.iter().chain(&self.constraints) {
            let started = std::time::Instant::now();
            sqlx::query(AssertSqlSafe(definition.clone())).execute(&mut **tx).await?;
            tracing::debug!(seconds = started.elapsed().as_secs_f64(), definition, "bulk load: made again");
        }
        if self.rebuild_name_search {
            sqlx::query("INSERT INTO end_users_name_fts (end_users_name_fts) VALUES ('rebuild')")
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }
}
