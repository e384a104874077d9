//! End users (seed "Users API"): create, read, update, deactivate. Never deleted.
//!
//! A user is the typed `shared::domain::EndUser`. Which fields exist and what each accepts is
//! `shared::user_fields::FIELDS`; what the user's state allows is `EndUser::refusal`; this
//! module adds the rules that need stored data: unique email, parents (exist, not canceled,
//! nesting depth ≤ 2), deactivation (every wallet at 0) and the KYC re-review on edit.

use std::sync::OnceLock;

use serde_json::{Map, Value};
use shared::Action;
use shared::domain::{EndUser, FieldValue};
use shared::user_fields::{FIELDS, Field, Kind, Mode, user_input_errors, user_type_errors};
use shared::user_states::{KycLevel, KycReview, UserStatus, UserType};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use crate::Backend;
use crate::audit::{AuditAction, Record};
use crate::auth::{Actor, RequestMeta};
use crate::clock;
use crate::error::{Error, Result, on_unique_violation};

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

/// Every field but the type (read above), with its column: named once, not per row.
fn field_columns() -> &'static [(&'static Field, String)] {
    static COLUMNS: OnceLock<Vec<(&'static Field, String)>> = OnceLock::new();
    COLUMNS.get_or_init(|| FIELDS.iter().filter(|f| f.name != "userTypeId").map(|f| (f, f.column())).collect())
}

fn select_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| format!("SELECT {} FROM end_users WHERE id = $1", user_columns()))
}

/// A stored user, typed. A stored value outside its type is a fault of ours, not the
/// caller's: it is an internal error.
pub(crate) fn user_from_row(row: &AnyRow) -> Result<EndUser> {
    let id: i64 = row.try_get("id")?;
    let stored = |what: &str| Error::Internal(format!("user {id}: the stored {what} is not valid"));
    let type_code: Option<i64> = row.try_get("user_type_id")?;
    let user_type = type_code.and_then(UserType::from_code).ok_or_else(|| stored("userTypeId"))?;
    let mut user = EndUser::blank(id, user_type);
    user.status = UserStatus::parse(&row.try_get::<String, _>("user_status")?).ok_or_else(|| stored("userStatus"))?;
    user.code_status = row.try_get("code_status")?;
    user.kyc_level = KycLevel::from_code(row.try_get("kyc_level")?).ok_or_else(|| stored("kycLevel"))?;
    user.kyc_review = KycReview::from_code(row.try_get("kyc_review")?).ok_or_else(|| stored("kycReview"))?;
    user.kyc_review_comment = row.try_get("kyc_review_comment")?;
    user.is_frozen = row.try_get::<i64, _>("is_frozen")? != 0;
    user.created_date = row.try_get("created_date")?;
    user.modified_date = row.try_get("modified_date")?;
    user.wallet_count = row.try_get("wallet_count")?;
    for (field, column) in field_columns() {
        let value = if field.is_integer() {
            row.try_get::<Option<i64>, _>(column.as_str())?.map(FieldValue::Int)
        } else {
            row.try_get::<Option<String>, _>(column.as_str())?.map(FieldValue::Text)
        };
        user.set_field(field.name, value);
    }
    Ok(user)
}

/// The input cleaned the same way whatever the door: text trimmed (so " Ada " and "Ada" are
/// one name). Codes are not guessed at: "fr" is refused, as the spec's ISO rule says.
fn normalized(mut input: Map<String, Value>) -> Map<String, Value> {
    for value in input.values_mut() {
        if let Value::String(s) = value {
            let trimmed = s.trim();
            if trimmed.len() != s.len() {
                *s = trimmed.to_string();
            }
        }
    }
    input
}

fn first_error(input: &Map<String, Value>, mode: Mode) -> Result<()> {
    match user_input_errors(input, mode).into_iter().next() {
        Some(e) => Err(Error::Invalid(e)),
        None => Ok(()),
    }
}

/// A checked input value as the store keeps it (`null` and "" clear the field).
fn field_value(field: &Field, value: &Value) -> Option<FieldValue> {
    if field.is_integer() {
        value.as_i64().map(FieldValue::Int)
    } else {
        value.as_str().filter(|s| !s.is_empty()).map(|s| FieldValue::Text(s.to_string()))
    }
}

/// The fields of a checked input, in the table's order.
fn input_fields(input: &Map<String, Value>) -> Vec<(&'static Field, Option<FieldValue>)> {
    FIELDS.iter().filter_map(|f| input.get(f.name).map(|v| (f, field_value(f, v)))).collect()
}

fn bind_value<'q>(
    query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    field: &Field,
    value: &Option<FieldValue>,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    match field.kind {
        Kind::IntChoice(_) | Kind::Count => query.bind(value.as_ref().and_then(FieldValue::as_i64)),
        _ => query.bind(value.as_ref().and_then(FieldValue::as_str).map(str::to_string)),
    }
}

fn duplicate_email() -> Error {
    Error::invalid("email", "email is already used by another user.")
}

pub(crate) async fn fetch_user(tx: &mut Transaction<'_, Any>, id: i64) -> Result<EndUser> {
    let row = sqlx::query(AssertSqlSafe(select_sql())).bind(id).fetch_optional(&mut **tx).await?;
    user_from_row(&row.ok_or(Error::NotFound)?)
}

/// The user, refused with the state rule's error unless `action` may be taken on it now.
pub(crate) async fn fetch_user_for(tx: &mut Transaction<'_, Any>, id: i64, action: Action) -> Result<EndUser> {
    let user = fetch_user(tx, id).await?;
    match user.refusal(action) {
        Some(refusal) => Err(refusal.into()),
        None => Ok(user),
    }
}

/// Depth of a user in the parent/child tree (0 for a user without parent).
async fn depth_of(tx: &mut Transaction<'_, Any>, id: i64) -> Result<usize> {
    let mut depth = 0;
    let mut current = id;
    while let Some(parent) = sqlx::query_scalar::<_, Option<i64>>("SELECT parent_user_id FROM end_users WHERE id = $1")
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

/// Inserts a user inside `tx` (the caller checked the permission and writes the audit row
/// `UserCreated`): the field rules, the parent rules and the row.
pub(crate) async fn insert_user(tx: &mut Transaction<'_, Any>, input: Map<String, Value>) -> Result<EndUser> {
    let input = normalized(input);
    first_error(&input, Mode::Create)?;
    if let Some(parent_id) = input.get("parentUserId").and_then(Value::as_i64) {
        let parent = match fetch_user(tx, parent_id).await {
            Err(Error::NotFound) => return Err(Error::invalid("parentUserId", "parentUserId names no user.")),
            other => other?,
        };
        if let Some(refusal) = parent.refusal(Action::AddChildUser) {
            return Err(refusal.into());
        }
        if depth_of(tx, parent_id).await? + 1 > MAX_NESTING_DEPTH {
            return Err(Error::invalid(
                "parentUserId",
                format!("Children may be nested at most {MAX_NESTING_DEPTH} levels deep."),
            ));
        }
    }

    let fields = input_fields(&input);
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
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(now.clone()).bind(now).bind(UserStatus::Pending.name());
    for (field, value) in &fields {
        query = bind_value(query, field, value);
    }
    let row = query.fetch_one(&mut **tx).await.map_err(on_unique_violation(duplicate_email))?;
    let id: i64 = row.try_get("id")?;
    fetch_user(tx, id).await
}

impl Backend {
    pub async fn create_user(&self, actor: &Actor, meta: &RequestMeta, input: Map<String, Value>) -> Result<EndUser> {
        let mut change = self.begin_change(actor, meta, Action::CreateUser).await?;
        let created = insert_user(&mut change.tx, input).await?;
        change.audit(Record::new(AuditAction::UserCreated, created.id).after(&created)?).await?;
        change.commit().await?;
        Ok(created)
    }

    pub async fn get_user(&self, actor: &Actor, id: i64) -> Result<EndUser> {
        actor.require(Action::ReadUsers)?;
        // One statement, no transaction: a read by id costs one round trip.
        let row = sqlx::query(AssertSqlSafe(select_sql())).bind(id).fetch_optional(&self.db.pool).await?;
        user_from_row(&row.ok_or(Error::NotFound)?)
    }

    /// `get_user` for the caller behind a bearer token: the token's check and the read are
    /// one statement (`bearer_and_row`), `GET /v1/users/{userId}` being the API's most
    /// frequent call. Refusals as `authenticate_bearer` then `get_user`.
    pub async fn get_user_with_bearer(&self, token: &str, id: i64) -> Result<EndUser> {
        static SQL: OnceLock<String> = OnceLock::new();
        let sql = SQL.get_or_init(|| {
            crate::oauth::with_token_check(&format!("SELECT {} FROM end_users WHERE id = $3", user_columns()))
        });
        let (actor, row) = self.bearer_and_row(token, sql, id).await?;
        actor.require(Action::ReadUsers)?;
        if row.try_get::<Option<i64>, _>("id")?.is_none() {
            return Err(Error::NotFound);
        }
        user_from_row(&row)
    }

    /// Edits a user. A change to anything but the KYC-neutral fields of a user whose KYC is
    /// validated sends the user back to review.
    pub async fn update_user(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        input: Map<String, Value>,
    ) -> Result<EndUser> {
        actor.require(Action::EditUserInformation)?;
        let input = normalized(input);
        first_error(&input, Mode::Update)?;
        let mut change = self.open_change(actor, meta).await?;
        let before = fetch_user_for(&mut change.tx, id, Action::EditUserInformation).await?;
        if let Some(e) = user_type_errors(&input, before.user_type).into_iter().next() {
            return Err(Error::Invalid(e));
        }
        let changed: Vec<(&Field, Option<FieldValue>)> =
            input_fields(&input).into_iter().filter(|(f, v)| before.field(f.name) != *v).collect();
        if changed.is_empty() {
            return Ok(before);
        }
        let kyc_review = if before.kyc_review == KycReview::Validated && changed.iter().any(|(f, _)| !f.kyc_neutral) {
            KycReview::Pending
        } else {
            before.kyc_review
        };
        let sets: Vec<String> =
            changed.iter().enumerate().map(|(i, (f, _))| format!("{} = ${}", f.column(), i + 3)).collect();
        let sql = format!(
            "UPDATE end_users SET modified_date = $1, kyc_review = $2, {} WHERE id = ${}",
            sets.join(", "),
            changed.len() + 3
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(clock::now_rfc3339()).bind(kyc_review.code());
        for (field, value) in &changed {
            query = bind_value(query, field, value);
        }
        query.bind(id).execute(&mut *change.tx).await.map_err(on_unique_violation(duplicate_email))?;
        if let Some((_, email)) = changed.iter().find(|(f, _)| f.name == "email") {
            // The user's own login follows its address (password-reset links go there).
            sqlx::query("UPDATE end_user_accounts SET email = $1 WHERE user_id = $2")
                .bind(email.as_ref().and_then(FieldValue::as_str).map(str::to_string))
                .bind(id)
                .execute(&mut *change.tx)
                .await
                .map_err(on_unique_violation(duplicate_email))?;
            // The old address hears of it: if the change was not the customer's wish, they
            // can say so before the new address is used for their password resets.
            let new_email = email.as_ref().and_then(FieldValue::as_str).unwrap_or_default();
            if !before.email.is_empty() && !before.email.eq_ignore_ascii_case(new_email) {
                crate::mail::enqueue(
                    &mut change.tx,
                    &self.clock,
                    &before.email,
                    "Your email address was changed",
                    "The email address of your account was changed by your bank's back office.\n\
                     If you did not ask for this, contact your adviser at once.\n",
                )
                .await?;
            }
        }
        let after = fetch_user(&mut change.tx, id).await?;
        change.audit(Record::new(AuditAction::UserUpdated, id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        if changed.iter().any(|(f, _)| f.name == "email") {
            self.mail_was_queued();
        }
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
    ) -> Result<EndUser> {
        let mut change = self.begin_change(actor, meta, Action::DeactivateUser).await?;
        let before = fetch_user_for(&mut change.tx, id, Action::DeactivateUser).await?;
        crate::money::ledger::lock_user_wallets(&mut change.tx, self.db.kind, id).await?;
        let funded: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM wallets WHERE user_id = $1 AND (balance <> 0 OR held <> 0)")
                .bind(id)
                .fetch_one(&mut *change.tx)
                .await?;
        if funded > 0 {
            return Err(Error::Conflict(
                "This user cannot be deactivated: a wallet balance is not 0, or a payout is pending.".into(),
            ));
        }
        // Its wallets close with it (all at 0): no money can enter them any more.
        sqlx::query(
            "UPDATE wallets SET wallet_status = 'CANCELED', modified_date = $1 \
             WHERE user_id = $2 AND wallet_status <> 'CANCELED'",
        )
        .bind(clock::now_rfc3339())
        .bind(id)
        .execute(&mut *change.tx)
        .await?;
        let code = match origin {
            DeactivationOrigin::Operator => CODE_CANCELED_BY_OPERATOR,
            DeactivationOrigin::User => CODE_CANCELED_BY_USER,
        };
        sqlx::query("UPDATE end_users SET user_status = $1, code_status = $2, modified_date = $3 WHERE id = $4")
            .bind(UserStatus::Canceled.name())
            .bind(code)
            .bind(clock::now_rfc3339())
            .bind(id)
            .execute(&mut *change.tx)
            .await?;
        let after = fetch_user(&mut change.tx, id).await?;
        change.audit(Record::new(AuditAction::UserDeactivated, id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        Ok(after)
    }

    /// Freezes (`true`) or unfreezes a user's assets (`isFrozen`). Administrators only.
    pub async fn set_frozen(&self, actor: &Actor, meta: &RequestMeta, id: i64, frozen: bool) -> Result<EndUser> {
        let mut change = self.begin_change(actor, meta, Action::FreezeUser).await?;
        let before = fetch_user_for(&mut change.tx, id, Action::FreezeUser).await?;
        if before.is_frozen == frozen {
            return Ok(before);
        }
        sqlx::query("UPDATE end_users SET is_frozen = $1, modified_date = $2 WHERE id = $3")
            .bind(i64::from(frozen))
            .bind(clock::now_rfc3339())
            .bind(id)
            .execute(&mut *change.tx)
            .await?;
        let after = fetch_user(&mut change.tx, id).await?;
        let action = if frozen { AuditAction::UserFrozen } else { AuditAction::UserUnfrozen };
        change.audit(Record::new(action, id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        Ok(after)
    }

    /// A new wallet of `user_id` holding `balance` minor units, paid in through the ledger
    /// (tests and the command line; only the server itself may credit a pay-in).
    pub async fn add_wallet(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        user_id: i64,
        currency: &str,
        balance: i64,
    ) -> Result<i64> {
        let new = crate::money::wallets::NewWallet {
            user_id: Some(user_id),
            currency: Some(currency.to_string()),
            name: Some("Main account".into()),
            ..Default::default()
        };
        let wallet = self.create_wallet(actor, meta, new).await?;
        if balance > 0 {
            let amount = shared::money::Money::new(balance, wallet.balance.currency.clone());
            self.credit_payin(actor, meta, wallet.id, amount, "Opening pay-in").await?;
        }
        Ok(wallet.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `get_user_with_bearer` reads a user beside the token's columns, by name: a user
    /// column of the same name would be read in place of the token's.
    #[test]
    fn no_user_column_is_named_like_a_token_column() {
        let named: Vec<&str> =
            user_columns().split(", ").map(|column| column.rsplit(' ').next().unwrap_or(column)).collect();
        assert!(named.contains(&"email") && named.contains(&"wallet_count"), "{named:?}");
        for column in crate::oauth::token_columns() {
            assert!(!named.contains(&column), "{column}");
        }
    }
}
