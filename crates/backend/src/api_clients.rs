//! OAuth2 API clients of the REST API, as Administrators manage them: create (the secret is
//! shown once), list, revoke (its tokens end at once: every token check joins its client).

use shared::dto::ApiClientSummary;
use shared::{Action, Scope};

use crate::Backend;
use crate::audit::{self, AuditAction, Record};
use crate::auth::{Actor, RequestMeta};
use crate::error::{Error, Result};
use crate::oauth::{format_scopes, parse_scopes};
use crate::password;

/// More API clients than anyone reads in one table; the newest are listed.
const MAX_LISTED: i64 = 500;

/// The credentials of a new API client, shown once.
pub struct NewApiClient {
    /// The client's row id (the API clients view's key).
    pub id: i64,
    pub client_id: String,
    pub client_secret: String,
}

#[derive(sqlx::FromRow)]
struct ClientListRow {
    id: i64,
    client_id: String,
    name: String,
    scopes: String,
    created_at: String,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
}

/// The columns of `ClientListRow`, for every statement that reads one.
macro_rules! client_columns {
    () => {
        "id, client_id, name, scopes, created_at, last_used_at, revoked_at"
    };
}

fn already_revoked() -> Error {
    Error::Conflict("This API client is already revoked.".into())
}

impl ClientListRow {
    fn into_summary(self) -> Result<ApiClientSummary> {
        Ok(ApiClientSummary {
            id: self.id,
            client_id: self.client_id,
            name: self.name,
            scopes: parse_scopes(&self.scopes)?,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
        })
    }
}

impl Backend {
    /// Registers an API client holding `scopes`: Administrators only, and only scopes they
    /// hold themselves.
    pub async fn create_api_client(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        name: &str,
        scopes: &[Scope],
    ) -> Result<NewApiClient> {
        actor.require(Action::ManageApiClients)?;
        actor.require_may_grant(scopes)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid("name", "Name is required (at most 100 characters)."));
        }
        if scopes.is_empty() {
            return Err(Error::invalid("scopes", "At least one scope is required."));
        }
        let client_id = format!("client_{}", password::random_token(12));
        let client_secret = password::random_token(32);
        let mut tx = self.db.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_clients (client_id, name, secret_digest, scopes, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&client_id)
        .bind(name)
        .bind(password::token_digest(&client_secret))
        .bind(format_scopes(scopes))
        .bind(self.clock.now_rfc3339())
        .fetch_one(&mut *tx)
        .await?;
        let after = serde_json::json!({ "clientId": client_id, "name": name, "scopes": format_scopes(scopes) });
        audit::write(&mut tx, actor, meta, Record::new(AuditAction::ApiClientCreated, id).after(&after)?).await?;
        tx.commit().await?;
        Ok(NewApiClient { id, client_id, client_secret })
    }

    /// The API clients, newest first (revoked ones too, marked).
    pub async fn list_api_clients(&self, actor: &Actor) -> Result<Vec<ApiClientSummary>> {
        actor.require(Action::ManageApiClients)?;
        let rows: Vec<ClientListRow> =
            sqlx::query_as(concat!("SELECT ", client_columns!(), " FROM api_clients ORDER BY id DESC LIMIT $1"))
                .bind(MAX_LISTED)
                .fetch_all(&self.db.pool)
                .await?;
        rows.into_iter().map(ClientListRow::into_summary).collect()
    }

    pub async fn get_api_client(&self, actor: &Actor, id: i64) -> Result<ApiClientSummary> {
        actor.require(Action::ManageApiClients)?;
        let row: Option<ClientListRow> =
            sqlx::query_as(concat!("SELECT ", client_columns!(), " FROM api_clients WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.db.pool)
                .await?;
        row.ok_or(Error::NotFound)?.into_summary()
    }

    /// Revokes an API client: it gets no more tokens, and every token it was given
    /// (password-grant tokens of operators through it too) ends now. Revoking needs the
    /// scopes the client holds, as creating it did.
    pub async fn revoke_api_client(&self, actor: &Actor, meta: &RequestMeta, id: i64) -> Result<ApiClientSummary> {
        let before = self.get_api_client(actor, id).await?;
        actor.require_may_grant(&before.scopes)?;
        if before.revoked_at.is_some() {
            return Err(already_revoked());
        }
        let mut change = self.open_change(actor, meta).await?;
        let revoked = sqlx::query("UPDATE api_clients SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(self.clock.now_rfc3339())
            .bind(id)
            .execute(&mut *change.tx)
            .await?
            .rows_affected();
        if revoked == 0 {
            // Revoked by someone else since it was read.
            return Err(already_revoked());
        }
        sqlx::query("DELETE FROM access_tokens WHERE api_client_id = $1").bind(id).execute(&mut *change.tx).await?;
        let after: ClientListRow =
            sqlx::query_as(concat!("SELECT ", client_columns!(), " FROM api_clients WHERE id = $1"))
                .bind(id)
                .fetch_one(&mut *change.tx)
                .await?;
        let after = after.into_summary()?;
        change.audit(Record::new(AuditAction::ApiClientRevoked, id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        Ok(after)
    }
}
