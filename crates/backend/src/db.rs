//! The store: one sqlx `Any` pool over SQLite (embedded default) or Postgres, chosen by the
//! URL scheme, with the migrations of that backend applied at connection.
//!
//! Queries are written once with `$1` placeholders and portable SQL; integers are BIGINT,
//! dates RFC 3339 text, so that the `Any` driver carries every column.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Transaction};
use std::path::Path;
use std::time::Duration;

use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

impl DbKind {
    pub fn from_url(url: &str) -> Result<DbKind> {
        if url.starts_with("sqlite:") {
            Ok(DbKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DbKind::Postgres)
        } else {
            Err(Error::Internal("DATABASE_URL must start with sqlite:// or postgres://".to_string()))
        }
    }
}

/// How long a Postgres connection lies idle before it is checked when next handed out.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(5);

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub kind: DbKind,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    pub async fn connect(url: &str) -> Result<Db> {
        install_default_drivers();
        let kind = DbKind::from_url(url)?;
        let url = match kind {
            DbKind::Sqlite => prepare_sqlite_url(url)?,
            DbKind::Postgres => url.to_string(),
        };
        let options = AnyPoolOptions::new()
            .max_connections(match kind {
                DbKind::Sqlite => 8,
                DbKind::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            // sqlx pings every connection it hands out by default: one more round trip per
            // statement (to SQLite's worker thread, or to the Postgres server), which was
            // half of a read by id's trips. An SQLite connection is a file in this process
            // and cannot be cut; a Postgres one is pinged only after lying idle a while
            // (a restart or a firewall may have closed it meanwhile).
            .test_before_acquire(false)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if kind == DbKind::Sqlite {
                        // WAL lets readers run beside the writer; the busy timeout makes a
                        // second writer wait instead of failing; foreign keys are off by
                        // default in SQLite.
                        for pragma in [
                            "PRAGMA journal_mode = WAL",
                            "PRAGMA busy_timeout = 10000",
                            "PRAGMA foreign_keys = ON",
                            "PRAGMA synchronous = NORMAL",
                        ] {
                            sqlx::query(pragma).execute(&mut *conn).await?;
                        }
                    }
                    Ok(())
                })
            });
        let options = match kind {
            DbKind::Sqlite => options,
            DbKind::Postgres => options.before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= IDLE_BEFORE_PING {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            }),
        };
        let pool = options.connect(&url).await?;
        match kind {
            DbKind::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            DbKind::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        Ok(Db { pool, kind })
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so that two writers queue on the busy timeout instead of one
    /// failing when it upgrades a read lock.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        Ok(match self.kind {
            DbKind::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            DbKind::Postgres => self.pool.begin().await?,
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Creates the folder of an SQLite file and asks sqlx to create the file if missing.
fn prepare_sqlite_url(url: &str) -> Result<String> {
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:"
        && !path.is_empty()
        && let Some(parent) = Path::new(path).parent().filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::Internal(format!("cannot create database folder {parent:?}: {e}")))?;
    }
    let mut url = format!("sqlite://{path}");
    if query.is_empty() {
        url.push_str("?mode=rwc");
    } else {
        url.push('?');
        url.push_str(query);
        if !query.contains("mode=") {
            url.push_str("&mode=rwc");
        }
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode() {
        assert_eq!(prepare_sqlite_url("sqlite://data.db").unwrap(), "sqlite://data.db?mode=rwc");
        assert_eq!(prepare_sqlite_url("sqlite:data.db?mode=ro").unwrap(), "sqlite://data.db?mode=ro");
        assert!(DbKind::from_url("mysql://x").is_err());
        assert_eq!(DbKind::from_url("postgres://localhost/x").unwrap(), DbKind::Postgres);
    }
}
