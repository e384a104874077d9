//! End users (seed "Users API"): create, read, update, deactivate. Never deleted.
//!
//! A user travels as the API's JSON object. Which fields exist and what each accepts is
//! `shared::user_fields::FIELDS`; this module adds the rules that need stored data:
//! unique email, parents (exist, not canceled, nesting depth ≤ 2), deactivation (not
//! canceled, every wallet at 0) and the KYC re-review on edit.

use std::sync::OnceLock;

use serde_json::{Map, Value, json};
use shared::Action;
use shared::user_fields::{FIELDS, Field, Mode, user_input_errors};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use crate::audit::{self, Record};
use crate::auth::{Actor, RequestMeta};
use crate::clock;
use crate::error::{Error, Result, is_unique_violation};
use crate::Backend;

pub use shared::user_states::{STATUS_CANCELED, STATUS_PENDING};
use shared::user_states::KycReview;
/// `codeStatus` of a user canceled by an operator / by the end user.
pub const CODE_CANCELED_BY_OPERATOR: i64 = 110005;
pub const CODE_CANCELED_BY_USER: i64 = 110006;
/// Deepest allowed child: a child of a child of a top-level user.
pub const MAX_NESTING_DEPTH: usize = 2;

/// Who asked for a deactivation (`origin` of `DELETE /v1/users/{userId}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeactivationOrigin {
    Operator,
    User,
}

impl DeactivationOrigin {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "OPERATOR" => Some(DeactivationOrigin::Operator),
            "USER" => Some(DeactivationOrigin::User),
            _ => None,
        }
    }
}

/// What `user_object` reads: the server-managed columns, then one per field.
pub(crate) fn user_columns() -> &'static str {
    static COLUMNS: OnceLock<String> = OnceLock::new();
    COLUMNS.get_or_init(|| {
        let fields: Vec<String> = FIELDS.iter().map(Field::column).collect();
        format!(
            "id, user_status, code_status, kyc_level, kyc_review, kyc_review_comment, \
             is_frozen, created_date, modified_date, {}, \
             (SELECT COUNT(*) FROM wallets w WHERE w.user_id = end_users.id) AS wallet_count",
            fields.join(", ")
        )
    })
}

fn select_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| format!("SELECT {} FROM end_users WHERE id = $1", user_columns()))
}

/// The API object of a stored user; unset fields are left out.
pub(crate) fn user_object(row: &AnyRow) -> Result<Map<String, Value>> {
    let mut user = Map::new();
    let id: i64 = row.try_get("id")?;
    user.insert("userId".into(), json!(id));
    user.insert("userStatus".into(), json!(row.try_get::<String, _>("user_status")?));
    if let Some(code) = row.try_get::<Option<i64>, _>("code_status")? {
        user.insert("codeStatus".into(), json!(code.to_string()));
    }
    user.insert("kycLevel".into(), json!(row.try_get::<i64, _>("kyc_level")?));
    user.insert("kycReview".into(), json!(row.try_get::<i64, _>("kyc_review")?));
    if let Some(comment) = row.try_get::<Option<String>, _>("kyc_review_comment")? {
        user.insert("kycReviewComment".into(), json!(comment));
    }
    let frozen: i64 = row.try_get("is_frozen")?;
    user.insert("isFrozen".into(), json!(frozen));
    user.insert("isFreezed".into(), json!(frozen));
    user.insert("createdDate".into(), json!(row.try_get::<String, _>("created_date")?));
    user.insert("modifiedDate".into(), json!(row.try_get::<String, _>("modified_date")?));
    for field in FIELDS {
        let column = field.column();
        let value = if field.is_integer() {
            row.try_get::<Option<i64>, _>(column.as_str())?.map(Value::from)
        } else {
            row.try_get::<Option<String>, _>(column.as_str())?.map(Value::from)
        };
        if let Some(value) = value {
            user.insert(field.name.into(), value);
        }
    }
    user.insert("walletCount".into(), json!(row.try_get::<i64, _>("wallet_count")?));
    user.insert("payinCount".into(), json!(0));
    Ok(user)
}

fn first_error(input: &Map<String, Value>, mode: Mode) -> Result<()> {
    match user_input_errors(input, mode).into_iter().next() {
        Some(e) => Err(Error::Invalid(e)),
        None => Ok(()),
    }
}

/// Binds a field's JSON value as its column type (`null` and "" clear it).
fn bind_field<'q>(
    query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    field: &Field,
    value: &Value,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    if field.is_integer() {
        query.bind(value.as_i64())
    } else {
        query.bind(value.as_str().filter(|s| !s.is_empty()).map(str::to_string))
    }
}

fn duplicate_email() -> Error {
    Error::invalid("email", "email is already used by another user.")
}

pub(crate) async fn fetch_user(tx: &mut Transaction<'_, Any>, id: i64) -> Result<Map<String, Value>> {
    let row = sqlx::query(AssertSqlSafe(select_sql())).bind(id).fetch_optional(&mut **tx).await?;
    user_object(&row.ok_or(Error::NotFound)?)
}

/// Depth of a user in the parent/child tree (0 for a user without parent).
async fn depth_of(tx: &mut Transaction<'_, Any>, id: i64) -> Result<usize> {
    let mut depth = 0;
    let mut current = id;
    while let Some(parent) = sqlx::query_scalar::<_, Option<i64>>(
        "SELECT parent_user_id FROM end_users WHERE id = $1",
    )
    .bind(current)
    .fetch_optional(&mut **tx)
    .await?
    .flatten()
    {
        depth += 1;
        current = parent;
        if depth > MAX_NESTING_DEPTH {
            break;
        }
    }
    Ok(depth)
}

/// Creates a user inside `tx` (the caller checked the permission): the field rules, the
/// parent rules, the row and its audit.
pub(crate) async fn create_user_in(
    tx: &mut Transaction<'_, Any>,
    actor: &Actor,
    meta: &RequestMeta,
    input: Map<String, Value>,
) -> Result<Map<String, Value>> {
    first_error(&input, Mode::Create)?;
    if let Some(parent_id) = input.get("parentUserId").and_then(Value::as_i64) {
        let status: Option<String> =
            sqlx::query_scalar("SELECT user_status FROM end_users WHERE id = $1")
                .bind(parent_id)
                .fetch_optional(&mut **tx)
                .await?;
        match status.as_deref() {
            None => return Err(Error::invalid("parentUserId", "parentUserId names no user.")),
            Some(STATUS_CANCELED) => {
                return Err(Error::invalid("parentUserId", "The parent user is canceled."));
            }
            Some(_) => {}
        }
        if depth_of(tx, parent_id).await? + 1 > MAX_NESTING_DEPTH {
            return Err(Error::invalid(
                "parentUserId",
                format!("Children may be nested at most {MAX_NESTING_DEPTH} levels deep."),
            ));
        }
    }

    let fields: Vec<(&Field, &Value)> =
        FIELDS.iter().filter_map(|f| input.get(f.name).map(|v| (f, v))).collect();
    let columns: Vec<String> = fields.iter().map(|(f, _)| f.column()).collect();
    let placeholders: Vec<String> = (0..fields.len()).map(|i| format!("${}", i + 4)).collect();
    // Column names come from our own field table, never from the request.
    let sql = format!(
        "INSERT INTO end_users (created_date, modified_date, user_status, {}) \
         VALUES ($1, $2, $3, {}) RETURNING id",
        columns.join(", "),
        placeholders.join(", ")
    );
    let now = clock::now_rfc3339();
    let mut query =
        sqlx::query(AssertSqlSafe(sql)).bind(now.clone()).bind(now).bind(STATUS_PENDING);
    for (field, value) in &fields {
        query = bind_field(query, field, value);
    }
    let id: i64 = match query.fetch_one(&mut **tx).await {
        Ok(row) => row.try_get("id")?,
        Err(e) if is_unique_violation(&e) => return Err(duplicate_email()),
        Err(e) => return Err(e.into()),
    };
    let created = fetch_user(tx, id).await?;
    audit::write(tx, actor, meta, Record::new("user.created", "user", id).after(&created)).await?;
    Ok(created)
}

impl Backend {
    pub async fn create_user(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: Map<String, Value>,
    ) -> Result<Map<String, Value>> {
        actor.require(Action::CreateUser)?;
        let mut tx = self.db.begin_write().await?;
        let created = create_user_in(&mut tx, actor, meta, input).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn get_user(&self, actor: &Actor, id: i64) -> Result<Map<String, Value>> {
        actor.require(Action::ReadUsers)?;
        let mut tx = self.db.pool.begin().await?;
        fetch_user(&mut tx, id).await
    }

    /// Edits a user. A change to anything but the KYC-neutral fields of a user whose KYC is
    /// validated sends the user back to review.
    pub async fn update_user(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        input: Map<String, Value>,
    ) -> Result<Map<String, Value>> {
        actor.require(Action::EditUserInformation)?;
        first_error(&input, Mode::Update)?;
        let mut tx = self.db.begin_write().await?;
        let before = fetch_user(&mut tx, id).await?;
        if before["userStatus"] == STATUS_CANCELED {
            return Err(Error::Conflict("A canceled user cannot be edited.".into()));
        }
        let changed: Vec<(&Field, &Value)> = FIELDS
            .iter()
            .filter_map(|f| input.get(f.name).map(|v| (f, v)))
            .filter(|(f, v)| {
                let stored = before.get(f.name).cloned().unwrap_or(Value::Null);
                let new = if *v == "" { &Value::Null } else { *v };
                stored != *new
            })
            .collect();
        if changed.is_empty() {
            return Ok(before);
        }
        let back_to_review = before["kycReview"] == KycReview::Validated.code()
            && changed.iter().any(|(f, _)| !f.kyc_neutral);
        let sets: Vec<String> =
            changed.iter().enumerate().map(|(i, (f, _))| format!("{} = ${}", f.column(), i + 3)).collect();
        let sql = format!(
            "UPDATE end_users SET modified_date = $1, kyc_review = $2, {} WHERE id = ${}",
            sets.join(", "),
            changed.len() + 3
        );
        let kyc_review = if back_to_review {
            KycReview::Pending.code()
        } else {
            before["kycReview"].as_i64().unwrap_or_default()
        };
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(clock::now_rfc3339()).bind(kyc_review);
        for (field, value) in &changed {
            query = bind_field(query, field, value);
        }
        match query.bind(id).execute(&mut *tx).await {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(duplicate_email()),
            Err(e) => return Err(e.into()),
        }
        if changed.iter().any(|(f, _)| f.name == "email") {
            // The user's own login follows its address (password-reset links go there).
            let synced = sqlx::query("UPDATE end_user_accounts SET email = $1 WHERE user_id = $2")
                .bind(input.get("email").and_then(Value::as_str))
                .bind(id)
                .execute(&mut *tx)
                .await;
            if let Err(e) = synced {
                return Err(if is_unique_violation(&e) { duplicate_email() } else { e.into() });
            }
        }
        let after = fetch_user(&mut tx, id).await?;
        let record = Record::new("user.updated", "user", id).before(&before).after(&after);
        audit::write(&mut tx, actor, meta, record).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// "Deactivate user" / `DELETE /v1/users/{userId}`: irreversible, and only for a user
    /// who is not canceled and whose every wallet is at zero.
    pub async fn deactivate_user(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        origin: DeactivationOrigin,
    ) -> Result<Map<String, Value>> {
        actor.require(Action::DeactivateUser)?;
        let mut tx = self.db.begin_write().await?;
        let before = fetch_user(&mut tx, id).await?;
        if before["userStatus"] == STATUS_CANCELED {
            return Err(Error::Conflict("This user is already canceled.".into()));
        }
        let funded: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM wallets WHERE user_id = $1 AND balance <> 0")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if funded > 0 {
            return Err(Error::Conflict(
                "This user cannot be deactivated: a wallet balance is not 0.".into(),
            ));
        }
        let code = match origin {
            DeactivationOrigin::Operator => CODE_CANCELED_BY_OPERATOR,
            DeactivationOrigin::User => CODE_CANCELED_BY_USER,
        };
        sqlx::query(
            "UPDATE end_users SET user_status = $1, code_status = $2, modified_date = $3 WHERE id = $4",
        )
        .bind(STATUS_CANCELED)
        .bind(code)
        .bind(clock::now_rfc3339())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let after = fetch_user(&mut tx, id).await?;
        let record = Record::new("user.deactivated", "user", id).before(&before).after(&after);
        audit::write(&mut tx, actor, meta, record).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Freezes (`true`) or unfreezes a user's assets (`isFrozen`). Administrators only.
    pub async fn set_frozen(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        frozen: bool,
    ) -> Result<Map<String, Value>> {
        actor.require(Action::FreezeUser)?;
        let mut tx = self.db.begin_write().await?;
        let before = fetch_user(&mut tx, id).await?;
        if before["isFrozen"] == i64::from(frozen) {
            return Ok(before);
        }
        sqlx::query("UPDATE end_users SET is_frozen = $1, modified_date = $2 WHERE id = $3")
            .bind(i64::from(frozen))
            .bind(clock::now_rfc3339())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let after = fetch_user(&mut tx, id).await?;
        let action = if frozen { "user.frozen" } else { "user.unfrozen" };
        audit::write(&mut tx, actor, meta, Record::new(action, "user", id).before(&before).after(&after)).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Adds a wallet (minimal, until wallets get their own management).
    pub async fn add_wallet(&self, actor: &Actor, meta: &RequestMeta, user_id: i64, currency: &str, balance: i64) -> Result<i64> {
        actor.require(Action::AddWallet)?;
        if !shared::codes::is_currency(currency) {
            return Err(Error::invalid("currency", "currency must be an ISO 4217 code."));
        }
        let mut tx = self.db.begin_write().await?;
        fetch_user(&mut tx, user_id).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO wallets (user_id, currency, balance, created_date) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(user_id)
        .bind(currency)
        .bind(balance)
        .bind(clock::now_rfc3339())
        .fetch_one(&mut *tx)
        .await?;
        let after = json!({ "userId": user_id, "currency": currency, "balance": balance });
        audit::write(&mut tx, actor, meta, Record::new("wallet.created", "wallet", id).after(&after)).await?;
        tx.commit().await?;
        Ok(id)
    }
}
