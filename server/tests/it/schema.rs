//! Schema parity: a fresh SQLite database and a fresh Postgres database, each migrated by
//! its own folder, must describe the same store: the same tables; per table the same
//! columns (type class, nullability, default), primary key, unique constraints and foreign
//! keys; the same indexes (name, table, columns or expressions, uniqueness, predicate,
//! method); the same triggers. The few objects that exist on one side on purpose are listed
//! below with their reason; any other difference fails, naming the object and both sides.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use sqlx::AnyPool;

use crate::harness::{Flavor, spawn_app};

/// Tables only SQLite has.
const SQLITE_ONLY_TABLES: &[(&str, &str)] = &[
    ("end_users_name_fts", "name search: FTS5 trigram table (Postgres: the end_users_name_trgm index)"),
    ("end_users_name_fts_config", "FTS5 shadow table of end_users_name_fts"),
    ("end_users_name_fts_data", "FTS5 shadow table of end_users_name_fts"),
    ("end_users_name_fts_docsize", "FTS5 shadow table of end_users_name_fts"),
    ("end_users_name_fts_idx", "FTS5 shadow table of end_users_name_fts"),
];

/// Indexes only Postgres has.
const POSTGRES_ONLY_INDEXES: &[(&str, &str)] = &[
    ("end_users_name_trgm", "name search: pg_trgm GIN index (SQLite: the end_users_name_fts table)"),
    ("end_users_email_lower", "name ranking by email in byte order (SQLite: the unique end_users_email)"),
];

/// Indexes both have, under one name, defined differently.
const INDEXES_DEFINED_APART: &[(&str, &str)] = &[
    ("end_users_firstname_lower", NAME_RANK_INDEX),
    ("end_users_lastname_lower", NAME_RANK_INDEX),
    ("end_users_full_name_lower", NAME_RANK_INDEX),
    ("end_users_legal_name", NAME_RANK_INDEX),
];
const NAME_RANK_INDEX: &str = "name ranking: Postgres orders in bytes (COLLATE \"C\", as SQLite's BINARY) and \
     carries the id (SQLite indexes carry the rowid)";

/// Triggers only SQLite has.
const SQLITE_ONLY_TRIGGERS: &[(&str, &str)] = &[
    ("end_users_name_fts_insert", "keeps the FTS5 name-search table in step (Postgres indexes the expression)"),
    ("end_users_name_fts_update", "keeps the FTS5 name-search table in step (Postgres indexes the expression)"),
    ("wallets_no_overdraft_insert", "SQLite cannot add a CHECK to a table (Postgres: the wallets_no_overdraft CHECK)"),
    ("wallets_no_overdraft_update", "SQLite cannot add a CHECK to a table (Postgres: the wallets_no_overdraft CHECK)"),
];

/// Triggers only Postgres has.
const POSTGRES_ONLY_TRIGGERS: &[(&str, &str)] = &[
    ("audit_log_refuse_truncate", "SQLite has no TRUNCATE"),
    ("sca_devices_refuse_truncate", "SQLite has no TRUNCATE"),
    ("documents_refuse_truncate", "SQLite has no TRUNCATE"),
    ("ledger_movements_refuse_truncate", "SQLite has no TRUNCATE"),
    ("ledger_entries_refuse_truncate", "SQLite has no TRUNCATE"),
];

/// Never compared: the engines' own bookkeeping. `sqlite_%` covers `sqlite_sequence` and
/// `sqlite_stat*`; `_sqlx_migrations` is sqlx's ledger (its checksums differ by design).
fn is_internal_table(name: &str) -> bool {
    name.starts_with("sqlite_") || name == "_sqlx_migrations"
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Column {
    /// integer / text / real / blob / boolean, or the raw type when it fits none.
    class: String,
    not_null: bool,
    /// Normalised: no casts, no outer parentheses; `None` for none or a serial id.
    default: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Index {
    table: String,
    /// Column names or normalised expressions, in key order.
    keys: Vec<String>,
    unique: bool,
    /// The normalised `WHERE` of a partial index.
    predicate: Option<String>,
    method: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct ForeignKey {
    column: String,
    references: String,
    on_delete: String,
}

#[derive(Debug, Default)]
struct Schema {
    /// Table → column → its description.
    columns: BTreeMap<String, BTreeMap<String, Column>>,
    primary_keys: BTreeMap<String, Vec<String>>,
    /// (table, columns) of UNIQUE constraints (not CREATE UNIQUE INDEX, which are indexes).
    unique_constraints: BTreeSet<(String, Vec<String>)>,
    foreign_keys: BTreeMap<String, BTreeSet<ForeignKey>>,
    indexes: BTreeMap<String, Index>,
    /// Trigger name → table.
    triggers: BTreeMap<String, String>,
}

/// Lower case and no white space outside quotes, no `::type` casts, no outer parentheses:
/// the two engines' renderings of one expression compare equal.
fn normalise(sql: &str) -> String {
    let (mut s, mut quoted) = (String::new(), false);
    for c in sql.chars() {
        if c == '\'' {
            quoted = !quoted;
        }
        if quoted || c == '\'' {
            s.push(c);
        } else if !c.is_whitespace() {
            s.extend(c.to_lowercase());
        }
    }
    // Postgres decorates literals and expressions with casts: `'PENDING'::text`.
    while let Some(at) = s.find("::") {
        let end = s[at + 2..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(s.len(), |n| at + 2 + n);
        s.replace_range(at..end, "");
    }
    while s.starts_with('(') && matching_paren(&s, 0) == Some(s.len() - 1) {
        s = s[1..s.len() - 1].to_string();
    }
    s
}

/// The position of the parenthesis closing the one at `open`.
fn matching_paren(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut quoted = false;
    for (i, c) in s.char_indices().skip_while(|(i, _)| *i < open) {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits at the commas outside parentheses and quotes.
fn split_top_level(s: &str) -> Vec<String> {
    let (mut parts, mut current, mut depth, mut quoted) = (Vec::new(), String::new(), 0, false);
    for c in s.chars() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
}

/// SQLite's type affinity rules (https://sqlite.org/datatype3.html §3.1), as a class.
fn sqlite_class(declared: &str) -> String {
    let t = declared.to_uppercase();
    if t.contains("INT") {
        "integer"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "text"
    } else if t.is_empty() || t.contains("BLOB") {
        "blob"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "real"
    } else {
        return format!("numeric ({declared})");
    }
    .to_string()
}

fn postgres_class(data_type: &str) -> String {
    match data_type {
        "bigint" | "integer" | "smallint" => "integer",
        "text" | "character varying" | "character" => "text",
        "double precision" | "real" => "real",
        "bytea" => "blob",
        "boolean" => "boolean",
        other => return other.to_string(),
    }
    .to_string()
}

async fn sqlite_schema(pool: &AnyPool) -> Schema {
    let mut schema = Schema::default();
    let objects: Vec<(String, String, String, Option<String>)> =
        sqlx::query_as("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
            .fetch_all(pool)
            .await
            .unwrap();
    for (kind, name, table, _) in &objects {
        if is_internal_table(table) {
            continue;
        }
        match kind.as_str() {
            "table" => {
                let rows: Vec<(String, String, i64, Option<String>, i64)> = sqlx::query_as(
                    "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info($1) ORDER BY cid",
                )
                .bind(name)
                .fetch_all(pool)
                .await
                .unwrap();
                let mut pk: Vec<(i64, String)> = Vec::new();
                let mut columns = BTreeMap::new();
                for (column, declared, not_null, default, pk_position) in rows {
                    // Only an INTEGER PRIMARY KEY (the rowid) is implicitly NOT NULL in
                    // SQLite; any other primary key column takes NULL unless declared NOT NULL.
                    let rowid = pk_position == 1 && declared.eq_ignore_ascii_case("INTEGER");
                    if pk_position > 0 {
                        pk.push((pk_position, column.clone()));
                    }
                    columns.insert(
                        column,
                        Column {
                            class: sqlite_class(&declared),
                            not_null: not_null == 1 || rowid,
                            default: default.map(|d| normalise(&d)),
                        },
                    );
                }
                pk.sort();
                if !pk.is_empty() {
                    schema.primary_keys.insert(name.clone(), pk.into_iter().map(|(_, c)| c).collect());
                }
                schema.columns.insert(name.clone(), columns);

                let fks: Vec<(String, String, Option<String>, String)> =
                    sqlx::query_as("SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list($1)")
                        .bind(name)
                        .fetch_all(pool)
                        .await
                        .unwrap();
                let fks = fks
                    .into_iter()
                    .map(|(column, parent, to, on_delete)| ForeignKey {
                        column,
                        references: format!("{parent}({})", to.unwrap_or_else(|| "<primary key>".into())),
                        on_delete: on_delete.to_uppercase(),
                    })
                    .collect();
                schema.foreign_keys.insert(name.clone(), fks);

                let indexes: Vec<(String, i64, String, i64)> =
                    sqlx::query_as("SELECT name, \"unique\", origin, partial FROM pragma_index_list($1)")
                        .bind(name)
                        .fetch_all(pool)
                        .await
                        .unwrap();
                for (index, unique, origin, _partial) in indexes {
                    let keys: Vec<(i64, Option<String>)> =
                        sqlx::query_as("SELECT seqno, name FROM pragma_index_info($1) ORDER BY seqno")
                            .bind(&index)
                            .fetch_all(pool)
                            .await
                            .unwrap();
                    match origin.as_str() {
                        // The primary key's own index: compared as the primary key.
                        "pk" => {}
                        "u" => {
                            let keys = keys.into_iter().map(|(_, k)| k.unwrap_or_default()).collect();
                            schema.unique_constraints.insert((name.clone(), keys));
                        }
                        _ => {
                            let sql = objects
                                .iter()
                                .find(|(k, n, _, _)| k == "index" && *n == index)
                                .and_then(|(_, _, _, sql)| sql.clone())
                                .unwrap_or_default();
                            let (keys, predicate) = parse_create_index(&sql);
                            schema.indexes.insert(
                                index,
                                Index {
                                    table: name.clone(),
                                    keys,
                                    unique: unique == 1,
                                    predicate,
                                    method: "btree".into(),
                                },
                            );
                        }
                    }
                }
            }
            "trigger" => {
                schema.triggers.insert(name.clone(), table.clone());
            }
            // Indexes are read per table above; views: none (a view would show up as a
            // difference, since Postgres's side never lists one).
            "index" => {}
            other => panic!("unexpected SQLite object {other} {name}"),
        }
    }
    schema
}

/// Keys and predicate of `CREATE [UNIQUE] INDEX name ON table (k1, k2, ...) [WHERE ...]`.
fn parse_create_index(sql: &str) -> (Vec<String>, Option<String>) {
    let lower = sql.to_lowercase();
    let on = lower.find(" on ").unwrap_or_else(|| panic!("no ON in {sql}"));
    let open = on + lower[on..].find('(').unwrap_or_else(|| panic!("no key list in {sql}"));
    let close = matching_paren(sql, open).unwrap_or_else(|| panic!("unbalanced {sql}"));
    let keys = split_top_level(&sql[open + 1..close]).iter().map(|k| normalise(k)).collect();
    let rest = sql[close + 1..].trim().trim_end_matches(';').trim();
    let predicate = rest.get(..5).filter(|w| w.eq_ignore_ascii_case("where")).map(|_| normalise(&rest[5..]));
    (keys, predicate)
}

async fn postgres_schema(pool: &AnyPool) -> Schema {
    let mut schema = Schema::default();
    let columns: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable::text, \
                c.column_default::text \
         FROM information_schema.columns c \
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' \
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (table, column, data_type, nullable, default) in columns {
        if is_internal_table(&table) {
            continue;
        }
        // A BIGSERIAL's sequence is SQLite's rowid: no default on SQLite's side.
        let default = default.filter(|d| !d.starts_with("nextval(")).map(|d| normalise(&d));
        schema
            .columns
            .entry(table)
            .or_default()
            .insert(column, Column { class: postgres_class(&data_type), not_null: nullable == "NO", default });
    }
    for table in schema.columns.keys() {
        schema.foreign_keys.insert(table.clone(), BTreeSet::new());
    }

    // Constraints, one row per key column in key order.
    let constraints: Vec<(String, String, String, i64, String, Option<String>, Option<String>, String)> =
        sqlx::query_as(
            "SELECT c.conname::text, c.contype::text, t.relname::text, k.ord::bigint, a.attname::text, \
                    ft.relname::text, fa.attname::text, c.confdeltype::text \
             FROM pg_constraint c \
             JOIN pg_class t ON t.oid = c.conrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
             LEFT JOIN pg_class ft ON ft.oid = c.confrelid \
             LEFT JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[k.ord::int] \
             WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f') \
             ORDER BY c.conname, k.ord",
        )
        .fetch_all(pool)
        .await
        .unwrap();
    let mut keys: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    for (name, kind, table, _, column, parent, parent_column, on_delete) in constraints {
        if is_internal_table(&table) {
            continue;
        }
        match kind.as_str() {
            "f" => {
                let on_delete = match on_delete.as_str() {
                    "a" => "NO ACTION",
                    "r" => "RESTRICT",
                    "c" => "CASCADE",
                    "n" => "SET NULL",
                    "d" => "SET DEFAULT",
                    other => other,
                };
                schema.foreign_keys.entry(table).or_default().insert(ForeignKey {
                    column,
                    references: format!("{}({})", parent.unwrap_or_default(), parent_column.unwrap_or_default()),
                    on_delete: on_delete.to_string(),
                });
            }
            _ => keys.entry((kind, table, name)).or_default().push(column),
        }
    }
    for ((kind, table, _), columns) in keys {
        if kind == "p" {
            schema.primary_keys.insert(table, columns);
        } else {
            schema.unique_constraints.insert((table, columns));
        }
    }

    // Indexes that no primary key or unique constraint owns, one row per key.
    let indexes: Vec<(String, String, bool, Option<String>, String, i64, String)> = sqlx::query_as(
        "SELECT i.relname::text, t.relname::text, x.indisunique, pg_get_expr(x.indpred, x.indrelid)::text, \
                am.amname::text, k.n::bigint, pg_get_indexdef(x.indexrelid, k.n, true)::text \
         FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         JOIN pg_am am ON am.oid = i.relam \
         CROSS JOIN LATERAL generate_series(1, x.indnkeyatts::int) AS k(n) \
         WHERE n.nspname = 'public' \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c \
                           WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u', 'x')) \
         ORDER BY i.relname, k.n",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (name, table, unique, predicate, method, _, key) in indexes {
        if is_internal_table(&table) {
            continue;
        }
        let index = schema.indexes.entry(name).or_insert_with(|| Index {
            table,
            keys: Vec::new(),
            unique,
            predicate: predicate.map(|p| normalise(&p)),
            method,
        });
        index.keys.push(normalise(&key));
    }

    let triggers: Vec<(String, String)> = sqlx::query_as(
        "SELECT g.tgname::text, t.relname::text FROM pg_trigger g \
         JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND NOT g.tgisinternal",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    schema.triggers.extend(triggers);
    schema
}

/// Names every difference between two maps, leaving out the keys allowed on one side.
fn compare<T: PartialEq + Debug>(
    what: &str,
    sqlite: &BTreeMap<String, T>,
    postgres: &BTreeMap<String, T>,
    sqlite_only: &[(&str, &str)],
    postgres_only: &[(&str, &str)],
    differences: &mut Vec<String>,
) {
    for (name, reason) in sqlite_only {
        assert!(sqlite.contains_key(*name), "stale exception: SQLite has no {what} {name} ({reason})");
        assert!(!postgres.contains_key(*name), "stale exception: Postgres has {what} {name} too");
    }
    for (name, reason) in postgres_only {
        assert!(postgres.contains_key(*name), "stale exception: Postgres has no {what} {name} ({reason})");
        assert!(!sqlite.contains_key(*name), "stale exception: SQLite has {what} {name} too");
    }
    let allowed = |name: &str, list: &[(&str, &str)]| list.iter().any(|(n, _)| *n == name);
    let names: BTreeSet<&String> = sqlite.keys().chain(postgres.keys()).collect();
    for name in names {
        match (sqlite.get(name), postgres.get(name)) {
            (Some(_), None) if allowed(name, sqlite_only) => {}
            (None, Some(_)) if allowed(name, postgres_only) => {}
            (Some(s), Some(p)) if s == p => {}
            (s, p) => differences.push(format!("{what} {name}:\n    SQLite:   {s:?}\n    Postgres: {p:?}")),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_and_postgres_migrate_to_the_same_schema() {
    let sqlite_app = spawn_app(Flavor::Sqlite).await;
    let postgres_app = spawn_app(Flavor::Postgres).await;
    let sqlite = sqlite_schema(&sqlite_app.backend.db.pool).await;
    let postgres = postgres_schema(&postgres_app.backend.db.pool).await;
    // Each reader sees each kind of object, so that an empty reading cannot pass.
    for s in [&sqlite, &postgres] {
        assert_eq!(s.columns["operators"]["username"], Column { class: "text".into(), not_null: true, default: None });
        assert_eq!(s.columns["end_users"]["user_status"].default.as_deref(), Some("'PENDING'"));
        assert_eq!(s.primary_keys["operator_sessions"], ["token_digest"]);
        assert!(
            s.unique_constraints.contains(&("operators".into(), vec!["username".into()])),
            "{:?}",
            s.unique_constraints
        );
        let fk = ForeignKey {
            column: "operator_id".into(),
            references: "operators(id)".into(),
            on_delete: "CASCADE".into(),
        };
        assert!(s.foreign_keys["operator_sessions"].contains(&fk), "{:?}", s.foreign_keys);
        let email = &s.indexes["end_users_email"];
        assert!(email.unique && email.keys == ["lower(email)"], "{email:?}");
        assert_eq!(s.indexes["tax_residences_one_live_per_country"].predicate.as_deref(), Some("is_deleted=0"));
        assert_eq!(s.triggers.get("audit_log_refuse_delete").map(String::as_str), Some("audit_log"));
    }

    let mut differences = Vec::new();
    let tables = |s: &Schema| s.columns.keys().map(|t| (t.clone(), ())).collect::<BTreeMap<_, _>>();
    compare("table", &tables(&sqlite), &tables(&postgres), SQLITE_ONLY_TABLES, &[], &mut differences);
    // The rest per table, for the tables both sides have (missing ones are reported above).
    let both = |t: &str| sqlite.columns.contains_key(t) && postgres.columns.contains_key(t);
    let columns = |s: &Schema| -> BTreeMap<String, Column> {
        s.columns
            .iter()
            .filter(|(t, _)| both(t))
            .flat_map(|(t, cs)| cs.iter().map(move |(c, d)| (format!("{t}.{c}"), d.clone())))
            .collect()
    };
    compare("column", &columns(&sqlite), &columns(&postgres), &[], &[], &mut differences);
    let per_table = |m: &BTreeMap<String, Vec<String>>| -> BTreeMap<String, Vec<String>> {
        m.iter().filter(|(t, _)| both(t)).map(|(t, k)| (t.clone(), k.clone())).collect()
    };
    compare(
        "primary key of",
        &per_table(&sqlite.primary_keys),
        &per_table(&postgres.primary_keys),
        &[],
        &[],
        &mut differences,
    );
    let fks = |s: &Schema| -> BTreeMap<String, BTreeSet<ForeignKey>> {
        s.foreign_keys.iter().filter(|(t, _)| both(t)).map(|(t, k)| (t.clone(), k.clone())).collect()
    };
    compare("foreign keys of", &fks(&sqlite), &fks(&postgres), &[], &[], &mut differences);
    let uniques = |s: &Schema| {
        s.unique_constraints.iter().map(|(t, k)| (format!("{t}({})", k.join(", ")), ())).collect::<BTreeMap<_, _>>()
    };
    compare("unique constraint", &uniques(&sqlite), &uniques(&postgres), &[], &[], &mut differences);
    let (mut sqlite_indexes, mut postgres_indexes) = (sqlite.indexes.clone(), postgres.indexes.clone());
    for (name, reason) in INDEXES_DEFINED_APART {
        let (s, p) = (sqlite_indexes.remove(*name), postgres_indexes.remove(*name));
        assert!(s.is_some() && p.is_some(), "stale exception: index {name} is not on both ({reason})");
        assert_eq!(s.map(|i| i.table), p.map(|i| i.table), "index {name} is on one table on both");
    }
    compare("index", &sqlite_indexes, &postgres_indexes, &[], POSTGRES_ONLY_INDEXES, &mut differences);
    compare(
        "trigger",
        &sqlite.triggers,
        &postgres.triggers,
        SQLITE_ONLY_TRIGGERS,
        POSTGRES_ONLY_TRIGGERS,
        &mut differences,
    );

    assert!(differences.is_empty(), "the migrations disagree:\n  {}", differences.join("\n  "));
}

#[test]
fn renderings_of_one_expression_compare_equal() {
    assert_eq!(normalise("'PENDING'::text"), "'PENDING'");
    assert_eq!(normalise("'a b' :: character varying"), "'a b'");
    assert_eq!(normalise("(is_deleted = 0)"), "is_deleted=0");
    assert_eq!(normalise("(a = 1) AND (b = 2)"), "(a=1)and(b=2)");
    assert_eq!(normalise("lower(email)"), "lower(email)");
    assert_eq!(
        parse_create_index("CREATE UNIQUE INDEX x ON t (user_id, country) WHERE is_deleted = 0"),
        (vec!["user_id".to_string(), "country".to_string()], Some("is_deleted=0".to_string()))
    );
    assert_eq!(parse_create_index("CREATE INDEX x ON t(lower(a), b)").0, ["lower(a)", "b"]);
    assert_eq!(sqlite_class("INTEGER"), "integer");
    assert_eq!(postgres_class("bigint"), "integer");
}
