//! OAuth2 for the REST API: API clients (client credentials) and access tokens.
//!
//! A token's scopes are the requested scopes ∩ the client's scopes (∩ the operator's role
//! for the password grant, which also honours the login lockout). Tokens expire, are
//! stored as digests, and die with their operator's sessions or with their client.

use serde::Serialize;
use shared::Scope;
use shared::dto::PendingStep;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, FromRow};

use crate::Backend;
use crate::audit::{self, AuditAction, Record};
use crate::auth::{Actor, ApiClient, Operator, RequestMeta};
use crate::error::{Error, Result};
use crate::password;
use crate::sessions::{parse_role, secs};

/// Why the password grant refuses an operator with two-factor authentication (set up, or
/// required by their role).
pub const TWO_FACTOR_PASSWORD_GRANT: &str =
    "This operator logs in with two-factor authentication: the password grant is refused; use client credentials.";

/// Parses a space-separated scope list; an unknown name is refused by name.
pub fn parse_scopes(list: &str) -> Result<Vec<Scope>> {
    let mut scopes = Vec::new();
    for name in list.split_whitespace() {
        let scope = Scope::parse(name).ok_or_else(|| Error::invalid("scope", format!("Unknown scope: {name}.")))?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    scopes.sort();
    Ok(scopes)
}

pub fn format_scopes(scopes: &[Scope]) -> String {
    scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
}

/// An access token works until `expires_at` (Unix seconds), excluded. The sweeper deletes
/// by the same comparison (`expires_at <= now`).
pub(crate) fn token_has_expired(expires_at: i64, now: i64) -> bool {
    expires_at <= now
}

/// What `POST /oauth/token` asks for.
pub enum TokenRequest {
    ClientCredentials { client_id: String, client_secret: String, scope: Option<String> },
    Password { client_id: String, client_secret: String, username: String, password: String, scope: Option<String> },
}

/// What `POST /oauth/token` answers.
#[derive(Debug, Serialize)]
pub struct TokenGrant {
    pub access_token: shared::secret::Secret,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
}

#[derive(sqlx::FromRow)]
struct ClientRow {
    id: i64,
    client_id: String,
    name: String,
    secret_digest: String,
    scopes: String,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    scopes: String,
    expires_at: i64,
    client_pk: i64,
    client_id: String,
    client_name: String,
    operator_id: Option<i64>,
    username: Option<String>,
    role: Option<String>,
    blocked_at: Option<String>,
    password_temporary: Option<i64>,
    mfa_enrolled_at: Option<String>,
    /// Read only for an operator's token (System Configuration's list).
    two_factor_required_roles: Option<String>,
}

impl Backend {
    async fn check_client(&self, client_id: &str, client_secret: &str) -> Result<ClientRow> {
        let row: Option<ClientRow> = sqlx::query_as(
            "SELECT id, client_id, name, secret_digest, scopes FROM api_clients \
             WHERE client_id = $1 AND revoked_at IS NULL",
        )
        .bind(client_id)
        .fetch_optional(&self.db.pool)
        .await?;
        match row {
            Some(row) if row.secret_digest == password::token_digest(client_secret) => Ok(row),
            _ => Err(Error::InvalidCredentials),
        }
    }

    /// Issues an access token (`POST /oauth/token`).
    pub async fn issue_token(&self, request: TokenRequest, meta: &RequestMeta) -> Result<TokenGrant> {
        self.at_credential_door(meta, async {
            let (client_id, client_secret, scope) = match &request {
                TokenRequest::ClientCredentials { client_id, client_secret, scope }
                | TokenRequest::Password { client_id, client_secret, scope, .. } => (client_id, client_secret, scope),
            };
            let client = self.check_client(client_id, client_secret).await?;
            let held = parse_scopes(&client.scopes)?;
            let requested = match scope {
                Some(list) if !list.trim().is_empty() => parse_scopes(list)?,
                _ => held.clone(),
            };
            let (operator, ceiling): (Option<Operator>, Vec<Scope>) = match request {
                TokenRequest::ClientCredentials { .. } => (None, held),
                TokenRequest::Password { username, password, .. } => {
                    let op = self.verify_operator_password(&username, password, meta).await?;
                    match op.pending {
                        None => {}
                        // A password alone must not open what the dashboard guards with a
                        // second factor: such operators' programs use client credentials.
                        Some(PendingStep::EnterCode | PendingStep::EnrolTwoFactor) => {
                            return Err(Error::Forbidden(TWO_FACTOR_PASSWORD_GRANT));
                        }
                        Some(step) => return Err(Error::Forbidden(crate::auth::pending_refusal(step))),
                    }
                    let ceiling = held.into_iter().filter(|s| op.role.has_scope(*s)).collect();
                    (Some(op), ceiling)
                }
            };
            let granted: Vec<Scope> = requested.into_iter().filter(|s| ceiling.contains(s)).collect();
            if granted.is_empty() {
                return Err(Error::invalid("scope", "None of the requested scopes can be granted."));
            }

            let token = password::random_token(32);
            let now = self.clock.unix_now();
            let lifetime = secs(self.sessions.api_token_lifetime);
            let actor = match &operator {
                Some(op) => Actor::Operator(op.clone()),
                None => Actor::ApiClient(ApiClient {
                    id: client.id,
                    client_id: client.client_id.clone(),
                    name: client.name.clone(),
                    scopes: granted.clone(),
                }),
            };
            let mut tx = self.db.begin_write().await?;
            sqlx::query(
                "INSERT INTO access_tokens (token_digest, api_client_id, operator_id, scopes, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(password::token_digest(&token))
            .bind(client.id)
            .bind(operator.as_ref().map(|op| op.id))
            .bind(format_scopes(&granted))
            .bind(now)
            .bind(now + lifetime)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE api_clients SET last_used_at = $1 WHERE id = $2")
                .bind(self.clock.now_rfc3339())
                .bind(client.id)
                .execute(&mut *tx)
                .await?;
            let record = Record::new(AuditAction::TokenIssued, client.id)
                .after(&serde_json::json!({ "scope": format_scopes(&granted), "expiresIn": lifetime }))?;
            audit::write(&mut tx, &actor, meta, record).await?;
            tx.commit().await?;
            Ok(TokenGrant {
                access_token: token.into(),
                token_type: "Bearer",
                expires_in: lifetime,
                scope: format_scopes(&granted),
            })
        })
        .await
    }

    /// The caller behind a bearer token, with the token's scopes.
    pub async fn authenticate_bearer(&self, token: &str) -> Result<Actor> {
        let row: Option<TokenRow> = sqlx::query_as(AssertSqlSafe(TOKEN_SQL))
            .bind(password::token_digest(token))
            .bind(crate::settings::TWO_FACTOR_REQUIRED_ROLES)
            .fetch_optional(&self.db.pool)
            .await?;
        self.actor_of_token(row.ok_or(Error::Unauthenticated)?)
    }

    /// Checks a bearer token and reads one row, in one statement (`sql`, made by
    /// `with_token_check`): the API's most frequent calls (a read by id) cost one round trip
    /// instead of two. The caller checks the actor's rights before using the row, as after
    /// `authenticate_bearer`.
    pub(crate) async fn bearer_and_row(&self, token: &str, sql: &str, param: i64) -> Result<(Actor, AnyRow)> {
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(password::token_digest(token))
            .bind(crate::settings::TWO_FACTOR_REQUIRED_ROLES)
            .bind(param)
            .fetch_optional(&self.db.pool)
            .await?
            .ok_or(Error::Unauthenticated)?;
        let actor = self.actor_of_token(TokenRow::from_row(&row)?)?;
        Ok((actor, row))
    }

    /// The caller a stored token stands for, if it still works.
    fn actor_of_token(&self, row: TokenRow) -> Result<Actor> {
        if token_has_expired(row.expires_at, self.clock.unix_now()) || row.blocked_at.is_some() {
            return Err(Error::Unauthenticated);
        }
        let scopes = parse_scopes(&row.scopes)?;
        match (row.operator_id, row.username, row.role) {
            // Such tokens end when two-factor authentication is set up or required; this
            // refuses one granted in a race with that.
            (Some(_), Some(_), Some(_)) if row.mfa_enrolled_at.is_some() => Err(Error::Unauthenticated),
            (Some(id), Some(username), Some(role)) => {
                let role = parse_role(&role)?;
                let must_enrol = crate::two_factor::requires_two_factor(row.two_factor_required_roles.as_deref(), role);
                let temporary = row.password_temporary.unwrap_or(0) != 0;
                Ok(Actor::Operator(Operator {
                    id,
                    username,
                    role,
                    token_scopes: Some(scopes),
                    pending: crate::auth::first_pending_step(false, temporary, must_enrol),
                }))
            }
            (Some(_), _, _) => Err(Error::Unauthenticated),
            (None, _, _) => Ok(Actor::ApiClient(ApiClient {
                id: row.client_pk,
                client_id: row.client_id,
                name: row.client_name,
                scopes,
            })),
        }
    }
}

/// The statement `bearer_and_row` runs: the token's row beside `read_sql`'s, which selects at
/// most one row with `$3` as its parameter (its columns are NULL when it finds none). Made
/// once per kind of read, not per request.
pub(crate) fn with_token_check(read_sql: &str) -> String {
    format!("SELECT tok.*, r.* FROM ({TOKEN_SQL}) tok LEFT JOIN ({read_sql}) r ON 1 = 1")
}

/// A token by its digest (`$1`), with its client and operator; `$2` is the setting naming
/// the roles that require two-factor authentication.
const TOKEN_SQL: &str = "SELECT t.scopes, t.expires_at, c.id AS client_pk, c.client_id, c.name AS client_name, \
        t.operator_id, o.username, o.role, o.blocked_at, o.password_temporary, o.mfa_enrolled_at, \
        CASE WHEN t.operator_id IS NULL THEN NULL \
             ELSE (SELECT value FROM settings WHERE key = $2) END AS two_factor_required_roles \
     FROM access_tokens t \
     JOIN api_clients c ON c.id = t.api_client_id \
     LEFT JOIN operators o ON o.id = t.operator_id \
     WHERE t.token_digest = $1 AND c.revoked_at IS NULL";

/// The names of `TOKEN_SQL`'s columns (an item's alias, or its column): a row read beside
/// it (`bearer_and_row`) must name none of them.
#[cfg(test)]
pub(crate) fn token_columns() -> Vec<&'static str> {
    let list = TOKEN_SQL.trim_start_matches("SELECT ").split(" FROM access_tokens").next().unwrap_or_default();
    list.split(", ")
        .map(|item| match item.rsplit_once(" AS ") {
            Some((_, alias)) => alias.trim(),
            None => item.rsplit('.').next().unwrap_or(item).trim(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_columns_are_named_from_the_statement() {
        assert_eq!(
            token_columns(),
            [
                "scopes",
                "expires_at",
                "client_pk",
                "client_id",
                "client_name",
                "operator_id",
                "username",
                "role",
                "blocked_at",
                "password_temporary",
                "mfa_enrolled_at",
                "two_factor_required_roles"
            ]
        );
    }

    #[test]
    fn scope_lists_parse_dedupe_and_refuse_unknown_names() {
        assert_eq!(parse_scopes("legal read_only  legal").unwrap(), [Scope::ReadOnly, Scope::Legal]);
        assert_eq!(parse_scopes("").unwrap(), []);
        let err = parse_scopes("read_only root").unwrap_err();
        assert!(matches!(err, Error::Invalid(ref f) if f.field == "scope" && f.message.contains("root")));
        assert_eq!(format_scopes(&[Scope::ReadOnly, Scope::Admin]), "read_only admin");
    }
}
