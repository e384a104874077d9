//! Dashboard users ("Support Users" in the API): create, update, delete, unblock, list.
//!
//! Rules (seed: Dashboard Users): usernames are unique emails; Managers and Administrators
//! manage operators; only Administrators create, edit or delete Administrators or grant
//! that role; nobody deletes itself; the last Administrator is neither deleted nor demoted.
//! Blocking, deleting or changing the role of an operator ends all its sessions.

use shared::dto::{Me, OperatorForm, OperatorSummary, PendingStep};
use shared::secret::Secret;
use shared::validation::{Username, check_password_strength, operator_form_errors};
use shared::{Action, Role};
use sqlx::{Any, Transaction};

use crate::Backend;
use crate::audit::{AuditAction, Record};
use crate::auth::{Actor, RequestMeta};
use crate::clock;
use crate::error::{Error, Result, on_unique_violation};
use crate::password;
use crate::sessions::{MAX_FAILED_LOGINS, end_all_sessions, parse_role};

#[derive(sqlx::FromRow)]
struct OperatorRow {
    id: i64,
    username: String,
    role: String,
    saml_key: Option<String>,
    failed_logins: i64,
    blocked_at: Option<String>,
    last_login_at: Option<String>,
    created_at: String,
    mfa_enrolled_at: Option<String>,
}

/// The columns of `OperatorRow` (a macro, because sqlx takes only literal SQL).
macro_rules! operator_columns {
    () => {
        "id, username, role, saml_key, failed_logins, blocked_at, last_login_at, created_at, mfa_enrolled_at"
    };
}

impl OperatorRow {
    fn into_summary(self) -> Result<OperatorSummary> {
        Ok(OperatorSummary {
            id: self.id,
            username: self.username,
            role: parse_role(&self.role)?,
            saml_key: self.saml_key,
            // A crash between reserving the third try and recording the block leaves the
            // counter at 3 without `blocked_at`: that account cannot log in, so show it.
            blocked: self.blocked_at.is_some() || self.failed_logins >= MAX_FAILED_LOGINS,
            failed_logins: self.failed_logins,
            last_login_at: self.last_login_at,
            created_at: self.created_at,
            two_factor: self.mfa_enrolled_at.is_some(),
        })
    }
}

/// What a partial update changes; `None` keeps the current value.
#[derive(Clone, Debug, Default)]
pub struct OperatorPatch {
    pub username: Option<String>,
    pub role: Option<Role>,
    pub password: Option<Secret>,
    pub saml_key: Option<String>,
}

/// A validated operator form.
struct ValidForm {
    username: Username,
    role: Role,
    password: Option<Secret>,
    saml_key: Option<String>,
}

/// Checks the form with the rules the browser also applies (`shared`), and keeps what the
/// store needs.
fn validate_form(form: OperatorForm, creating: bool) -> Result<ValidForm> {
    if let Some(first) = operator_form_errors(&form, creating).into_iter().next() {
        return Err(Error::Invalid(first));
    }
    let saml_key = form.saml_key.trim().to_string();
    Ok(ValidForm {
        username: Username::parse(&form.username)?,
        role: form.role.ok_or_else(|| Error::invalid("role", "Role is required."))?,
        password: (!form.password.is_empty()).then_some(form.password),
        saml_key: (!saml_key.is_empty()).then_some(saml_key),
    })
}

fn duplicate_username() -> Error {
    Error::invalid("username", "An operator with this username already exists.")
}

async fn fetch_operator(tx: &mut Transaction<'_, Any>, id: i64) -> Result<OperatorSummary> {
    let row: Option<OperatorRow> =
        sqlx::query_as(concat!("SELECT ", operator_columns!(), " FROM operators WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    row.ok_or(Error::NotFound)?.into_summary()
}

/// How many Administrators there are, their rows locked until the transaction ends, so that
/// two Administrators demoting or deleting each other at the same moment cannot both pass
/// the "not the last one" check (Postgres: `FOR UPDATE`, and a row demoted meanwhile no
/// longer counts; SQLite: write transactions already run one at a time).
/// Whether a password chosen by `actor` for the operator `target` (`None`: one being
/// created) is someone else's choice, and so temporary. The machine's owner (the command
/// line) is trusted; everyone else, Managers, Administrators and API clients, sets a
/// temporary one.
fn is_set_by_someone_else(actor: &Actor, target: Option<i64>) -> bool {
    !matches!(actor, Actor::System) && (target.is_none() || actor.operator_id() != target)
}

async fn administrator_count(tx: &mut Transaction<'_, Any>, kind: crate::DbKind) -> Result<i64> {
    let lock = if kind == crate::DbKind::Postgres { " FOR UPDATE" } else { "" };
    let ids: Vec<i64> =
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT id FROM operators WHERE role = $1{lock}")))
            .bind(Role::Administrator.as_str())
            .fetch_all(&mut **tx)
            .await?;
    Ok(ids.len() as i64)
}

impl Backend {
    pub async fn list_operators(&self, actor: &Actor) -> Result<Vec<OperatorSummary>> {
        actor.require(Action::ManageDashboardUsers)?;
        let rows: Vec<OperatorRow> =
            sqlx::query_as(concat!("SELECT ", operator_columns!(), " FROM operators ORDER BY username"))
                .fetch_all(&self.db.pool)
                .await?;
        rows.into_iter().map(OperatorRow::into_summary).collect()
    }

    pub async fn get_operator(&self, actor: &Actor, id: i64) -> Result<OperatorSummary> {
        actor.require(Action::ManageDashboardUsers)?;
        let mut tx = self.db.pool.begin().await?;
        fetch_operator(&mut tx, id).await
    }

    pub async fn create_operator(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        form: OperatorForm,
    ) -> Result<OperatorSummary> {
        actor.require(Action::ManageDashboardUsers)?;
        let form = validate_form(form, true)?;
        actor.require_may_manage(form.role)?;
        let hash = password::hash(&self.hash_slots, form.password.map(Secret::into_inner).unwrap_or_default()).await?;

        let mut change = self.open_change(actor, meta).await?;
        let now = clock::now_rfc3339();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO operators (username, role, password_hash, saml_key, created_at, updated_at, password_temporary) \
             VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
        )
        .bind(form.username.as_str())
        .bind(form.role.as_str())
        .bind(hash)
        .bind(&form.saml_key)
        .bind(&now)
        .bind(i64::from(is_set_by_someone_else(actor, None)))
        .fetch_one(&mut *change.tx)
        .await
        .map_err(on_unique_violation(duplicate_username))?;
        let created = fetch_operator(&mut change.tx, id).await?;
        change.audit(Record::new(AuditAction::OperatorCreated, id).after(&created)?).await?;
        change.commit().await?;
        Ok(created)
    }

    /// The Update dialog: the whole form (an empty password keeps the current one).
    pub async fn update_operator(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        form: OperatorForm,
    ) -> Result<OperatorSummary> {
        let patch = OperatorPatch {
            username: Some(form.username),
            role: form.role,
            password: Some(form.password).filter(|p| !p.is_empty()),
            saml_key: Some(form.saml_key),
        };
        self.patch_operator(actor, meta, id, patch).await
    }

    /// A partial update (`PUT /core-connect/support-user/{id}`): what the patch leaves out
    /// keeps its value. The merge happens inside the write transaction, so two concurrent
    /// updates of different fields cannot undo each other.
    pub async fn patch_operator(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        patch: OperatorPatch,
    ) -> Result<OperatorSummary> {
        actor.require(Action::ManageDashboardUsers)?;
        if patch.password.is_some() && actor.operator_id() == Some(id) {
            return Err(Error::invalid(
                "password",
                "Change your own password from your account menu (it asks for the current one).",
            ));
        }
        // Hashed before the write transaction opens: argon2 takes a while, the lock must not.
        // (Its strength is checked with the merged form below.)
        let new_hash = match patch.password.clone() {
            Some(p) => Some(password::hash(&self.hash_slots, p.into_inner()).await?),
            None => None,
        };
        let mut change = self.open_change(actor, meta).await?;
        let before = fetch_operator(&mut change.tx, id).await?;
        let merged = OperatorForm {
            username: patch.username.unwrap_or_else(|| before.username.clone()),
            role: Some(patch.role.unwrap_or(before.role)),
            password: patch.password.unwrap_or_default(),
            saml_key: patch.saml_key.or_else(|| before.saml_key.clone()).unwrap_or_default(),
        };
        let form = validate_form(merged, false)?;
        actor.require_may_manage(before.role)?;
        actor.require_may_manage(form.role)?;
        if before.role == Role::Administrator
            && form.role != Role::Administrator
            && administrator_count(&mut change.tx, self.db.kind).await? <= 1
        {
            return Err(Error::Conflict("The last Administrator cannot be demoted.".into()));
        }
        // A password set here is someone else's choice: temporary (and it ends every session
        // and token of the operator, below).
        let temporary = new_hash.is_some() && is_set_by_someone_else(actor, Some(id));
        sqlx::query(
            "UPDATE operators SET username = $1, role = $2, saml_key = $3, updated_at = $4, \
             password_hash = COALESCE($5, password_hash), \
             password_temporary = CASE WHEN $6 = 1 THEN 1 ELSE password_temporary END WHERE id = $7",
        )
        .bind(form.username.as_str())
        .bind(form.role.as_str())
        .bind(&form.saml_key)
        .bind(clock::now_rfc3339())
        .bind(new_hash.clone())
        .bind(i64::from(temporary))
        .bind(id)
        .execute(&mut *change.tx)
        .await
        .map_err(on_unique_violation(duplicate_username))?;
        if before.role != form.role || new_hash.is_some() {
            end_all_sessions(&mut change.tx, id).await?;
        }
        let after = fetch_operator(&mut change.tx, id).await?;
        let mut record = Record::new(AuditAction::OperatorUpdated, id).before(&before)?.after(&after)?;
        if new_hash.is_some() {
            // Say that the password changed, never what it is.
            if let Some(serde_json::Value::Object(map)) = record.after.as_mut() {
                map.insert("passwordChanged".into(), true.into());
            }
        }
        change.audit(record).await?;
        change.commit().await?;
        Ok(after)
    }

    /// Removes an operator for good. Its sessions end with it.
    pub async fn delete_operator(&self, actor: &Actor, meta: &RequestMeta, id: i64) -> Result<()> {
        actor.require(Action::ManageDashboardUsers)?;
        if actor.operator_id() == Some(id) {
            return Err(Error::Conflict("You cannot delete yourself.".into()));
        }
        let mut change = self.open_change(actor, meta).await?;
        let before = fetch_operator(&mut change.tx, id).await?;
        actor.require_may_manage(before.role)?;
        if before.role == Role::Administrator && administrator_count(&mut change.tx, self.db.kind).await? <= 1 {
            return Err(Error::Conflict("The last Administrator cannot be deleted.".into()));
        }
        end_all_sessions(&mut change.tx, id).await?;
        sqlx::query("DELETE FROM operators WHERE id = $1").bind(id).execute(&mut *change.tx).await?;
        change.audit(Record::new(AuditAction::OperatorDeleted, id).before(&before)?).await?;
        change.commit().await
    }

    /// Lifts a block and clears the failed-login counter.
    pub async fn unblock_operator(&self, actor: &Actor, meta: &RequestMeta, id: i64) -> Result<OperatorSummary> {
        let mut change = self.begin_change(actor, meta, Action::UnblockDashboardUser).await?;
        let before = fetch_operator(&mut change.tx, id).await?;
        actor.require_may_manage(before.role)?;
        if !before.blocked {
            return Err(Error::Conflict("This operator is not blocked.".into()));
        }
        sqlx::query("UPDATE operators SET blocked_at = NULL, failed_logins = 0, updated_at = $1 WHERE id = $2")
            .bind(clock::now_rfc3339())
            .bind(id)
            .execute(&mut *change.tx)
            .await?;
        let after = fetch_operator(&mut change.tx, id).await?;
        change.audit(Record::new(AuditAction::OperatorUnblocked, id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        Ok(after)
    }

    /// On first start: if there is no operator at all, creates an Administrator with a
    /// generated password and returns the credentials so that they can be shown once.
    /// An operator changes their own password: the current one is required, the new one
    /// follows the password rules and differs from it. A temporary password becomes their
    /// own; their other sessions and every token end (`keep_session` is the session in use).
    pub async fn change_own_password(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        keep_session: Option<&str>,
        current: Secret,
        new: Secret,
    ) -> Result<Me> {
        let op = actor.dashboard_operator()?;
        op.require_reached(PendingStep::ChangePassword)?;
        if new.is_empty() {
            return Err(Error::invalid("newPassword", "Choose a new password."));
        }
        check_password_strength(new.expose(), &op.username).map_err(|e| Error::invalid("newPassword", e.message))?;
        if new.expose() == current.expose() {
            return Err(Error::invalid("newPassword", "The new password must differ from the current one."));
        }
        let stored = self.check_own_password(op, current, meta).await?;
        let hash = password::hash(&self.hash_slots, new.into_inner()).await?;
        let mut change = self.open_change(actor, meta).await?;
        // Conditional on the password checked: a reset made meanwhile by an Administrator
        // is not overwritten (nor its temporary mark cleared).
        let changed = sqlx::query(
            "UPDATE operators SET password_hash = $1, password_temporary = 0, failed_logins = 0, updated_at = $2 \
             WHERE id = $3 AND password_hash = $4",
        )
        .bind(hash)
        .bind(self.clock.now_rfc3339())
        .bind(op.id)
        .bind(&stored)
        .execute(&mut *change.tx)
        .await?;
        if changed.rows_affected() != 1 {
            return Err(Error::Conflict("Your password was changed meanwhile: log in again.".into()));
        }
        sqlx::query("DELETE FROM operator_sessions WHERE operator_id = $1 AND token_digest <> $2")
            .bind(op.id)
            .bind(keep_session.map(password::token_digest).unwrap_or_default())
            .execute(&mut *change.tx)
            .await?;
        sqlx::query("DELETE FROM access_tokens WHERE operator_id = $1").bind(op.id).execute(&mut *change.tx).await?;
        let record = Record::new(AuditAction::OperatorPasswordChanged, op.id)
            .after(&serde_json::json!({ "wasTemporary": op.pending == Some(PendingStep::ChangePassword) }))?;
        change.audit(record).await?;
        change.commit().await?;
        // The operator as they are now: next, two-factor enrolment if the role requires it.
        match self.operator_actor(op.id).await? {
            Actor::Operator(now) => Ok(now.me()),
            _ => Err(Error::Unauthenticated),
        }
    }

    pub async fn ensure_initial_administrator(&self, username: &str) -> Result<Option<(String, String)>> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM operators").fetch_one(&self.db.pool).await?;
        if count > 0 {
            return Ok(None);
        }
        let password = password::random_token(18);
        let form = OperatorForm {
            username: username.to_string(),
            role: Some(Role::Administrator),
            password: Secret::new(password.clone()),
            saml_key: String::new(),
        };
        let created = self.create_operator(&Actor::System, &RequestMeta::local(), form).await?;
        // Printed on a terminal (and so maybe kept in a log): good for one login only.
        sqlx::query("UPDATE operators SET password_temporary = 1 WHERE id = $1")
            .bind(created.id)
            .execute(&self.db.pool)
            .await?;
        Ok(Some((created.username, password)))
    }
}
