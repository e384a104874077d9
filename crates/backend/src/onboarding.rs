//! End users' own accounts: sign-up with email and password, activation by a single-use
//! emailed link (which creates the end user), and password reset ("Send forgot password"
//! from a profile, then a single-use link). Links carry random tokens; only their digests
//! are stored. Each page a link opens is public, so every answer about a token is the same
//! whatever was wrong with it.

use serde_json::{Value, json};
use shared::Action;
use shared::domain::EndUser;
use shared::dto::{OnboardingEntry, Page};
use shared::validation::{check_password_strength, is_valid_email};
use sqlx::{Any, Transaction};

use crate::audit::{self, AuditAction, Record};
use crate::auth::{Actor, RequestMeta};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::users::{fetch_user_for, insert_user};
use crate::{Backend, mail, password};

/// How long an activation link works.
pub const ACTIVATION_TTL_SECS: i64 = 24 * 3600;
/// How long a password-reset link works.
pub const RESET_TTL_SECS: i64 = 3600;

const ACTIVATION: &str = "activation";
const PASSWORD_RESET: &str = "password_reset";

fn invalid_link() -> Error {
    Error::invalid("token", "This link is invalid, was already used or has expired.")
}

/// Creates a single-use token for `account_id` and returns it (to put in a link). An
/// activation token carries the hash of the password chosen at its sign-up.
async fn issue_token(
    tx: &mut Transaction<'_, Any>,
    clock: &Clock,
    account_id: i64,
    purpose: &str,
    ttl: i64,
    password_hash: Option<&str>,
) -> Result<String> {
    let token = password::random_token(32);
    sqlx::query(
        "INSERT INTO end_user_tokens (token_digest, purpose, account_id, created_date, expires_at, password_hash) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(password::token_digest(&token))
    .bind(purpose)
    .bind(account_id)
    .bind(clock.now_rfc3339())
    .bind(clock.unix_now() + ttl)
    .bind(password_hash)
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// A live token's account and email, without spending it (to check and hash a new
/// password before taking the write lock).
async fn peek_token(db: &sqlx::Pool<Any>, clock: &Clock, token: &str, purpose: &str) -> Result<(i64, String)> {
    sqlx::query_as(
        "SELECT a.id, a.email FROM end_user_tokens t JOIN end_user_accounts a ON a.id = t.account_id \
         WHERE t.token_digest = $1 AND t.purpose = $2 AND t.used_date IS NULL AND t.expires_at > $3",
    )
    .bind(password::token_digest(token.trim()))
    .bind(purpose)
    .bind(clock.unix_now())
    .fetch_optional(db)
    .await?
    .ok_or_else(invalid_link)
}

/// What a spent token opens.
struct Spent {
    account_id: i64,
    email: String,
    /// The password chosen at sign-up (activation tokens).
    password_hash: Option<String>,
}

/// Spends a token, or gives the one refusal for every bad link. An activation link of an
/// account already activated is a bad link too.
async fn spend_token(tx: &mut Transaction<'_, Any>, clock: &Clock, token: &str, purpose: &str) -> Result<Spent> {
    let found: Option<(i64, i64, String, Option<String>)> = sqlx::query_as(
        "SELECT t.id, t.account_id, a.email, t.password_hash FROM end_user_tokens t \
         JOIN end_user_accounts a ON a.id = t.account_id \
         WHERE t.token_digest = $1 AND t.purpose = $2 AND t.used_date IS NULL AND t.expires_at > $3 \
           AND (t.purpose <> 'activation' OR a.activated_date IS NULL)",
    )
    .bind(password::token_digest(token.trim()))
    .bind(purpose)
    .bind(clock.unix_now())
    .fetch_optional(&mut **tx)
    .await?;
    let (token_id, account_id, email, password_hash) = found.ok_or_else(invalid_link)?;
    // Conditional on still unused: two clicks racing spend it once.
    let spent = sqlx::query("UPDATE end_user_tokens SET used_date = $1 WHERE id = $2 AND used_date IS NULL")
        .bind(clock.now_rfc3339())
        .bind(token_id)
        .execute(&mut **tx)
        .await?;
    if spent.rows_affected() != 1 {
        return Err(invalid_link());
    }
    Ok(Spent { account_id, email, password_hash })
}

/// The login of an existing user, for a password reset: its own account, or a pending
/// sign-up with its address (now linked to it), or a new one without password.
async fn account_for_user(tx: &mut Transaction<'_, Any>, clock: &Clock, user_id: i64, email: &str) -> Result<i64> {
    let own: Option<i64> = sqlx::query_scalar("SELECT id FROM end_user_accounts WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(id) = own {
        return Ok(id);
    }
    let by_email: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT id, user_id FROM end_user_accounts WHERE lower(email) = lower($1)")
            .bind(email)
            .fetch_optional(&mut **tx)
            .await?;
    match by_email {
        Some((id, None)) => {
            sqlx::query("UPDATE end_user_accounts SET user_id = $1 WHERE id = $2").bind(user_id).bind(id).execute(&mut **tx).await?;
            Ok(id)
        }
        Some((_, Some(_))) => Err(Error::Conflict("Another user's login uses this email address.".into())),
        None => Ok(sqlx::query_scalar(
            "INSERT INTO end_user_accounts (email, user_id, signed_up, created_date, activated_date) VALUES ($1, $2, 0, $3, $3) RETURNING id",
        )
        .bind(email)
        .bind(user_id)
        .bind(clock.now_rfc3339())
        .fetch_one(&mut **tx)
        .await?),
    }
}

/// (account id, email, created, activated, user id) of Onboarding Users.
type OnboardingRow = (i64, String, String, Option<String>, Option<i64>);

impl Backend {
    /// An emailed link. The token travels in the fragment, which browsers never send to a
    /// server: it stays out of access logs, proxies and Referer headers.
    fn link(&self, page: &str, token: &str) -> String {
        format!("{}/{page}#token={token}", self.mail.public_url.trim_end_matches('/'))
    }

    /// The public sign-up. Whether or not the email is known, the answer is the same and an
    /// email goes to the address: an activation link, or a note that an account exists.
    pub async fn sign_up(&self, meta: &RequestMeta, email: &str, new_password: String) -> Result<()> {
        self.at_credential_door(meta, self.queue_sign_up(meta, email, new_password)).await
    }

    async fn queue_sign_up(&self, meta: &RequestMeta, email: &str, new_password: String) -> Result<()> {
        let email = email.trim().to_string();
        if !is_valid_email(&email) {
            return Err(Error::invalid("email", "Enter a valid email address."));
        }
        check_password_strength(&new_password, &email)?;
        let hash = password::hash(&self.hash_slots, new_password).await?;
        let mut tx = self.db.begin_write().await?;
        let existing: Option<(i64, Option<String>)> =
            sqlx::query_as("SELECT id, activated_date FROM end_user_accounts WHERE lower(email) = lower($1)")
                .bind(&email)
                .fetch_optional(&mut *tx)
                .await?;
        let known_user: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM end_users WHERE lower(email) = lower($1)")
            .bind(&email)
            .fetch_one(&mut *tx)
            .await?;
        let already_onboarded = matches!(existing, Some((_, Some(_)))) || known_user > 0;
        match existing {
            _ if already_onboarded => {
                mail::enqueue(
                    &mut tx,
                    &self.clock,
                    &email,
                    "You already have an account",
                    "Someone (maybe you) tried to sign up with this address, which already has an account.\n\
                     If you forgot your password, ask your adviser to send you a password reset link.\n",
                )
                .await?;
            }
            _ => {
                // The password travels with this sign-up's link, and only the latest link
                // works: whoever signed up earlier with this address (maybe someone else,
                // to pre-set the password of another's account) is overruled by the sign-up
                // its owner makes.
                let account_id = match existing {
                    Some((id, None)) => id,
                    _ => sqlx::query_scalar(
                        "INSERT INTO end_user_accounts (email, signed_up, created_date) VALUES ($1, 1, $2) RETURNING id",
                    )
                    .bind(&email)
                    .bind(self.clock.now_rfc3339())
                    .fetch_one(&mut *tx)
                    .await?,
                };
                // Over the address's hourly share of emails, nothing changes: the earlier
                // link keeps working (a flood of sign-ups cannot kill it).
                if mail::hourly_share_used(&mut tx, &self.clock, &email).await? {
                    tx.commit().await?;
                    return Ok(());
                }
                sqlx::query(
                    "UPDATE end_user_tokens SET used_date = $1 \
                     WHERE account_id = $2 AND purpose = $3 AND used_date IS NULL",
                )
                .bind(self.clock.now_rfc3339())
                .bind(account_id)
                .bind(ACTIVATION)
                .execute(&mut *tx)
                .await?;
                let token =
                    issue_token(&mut tx, &self.clock, account_id, ACTIVATION, ACTIVATION_TTL_SECS, Some(&hash)).await?;
                let body = format!(
                    "Welcome!\n\nTo complete your sign-up, open this link within 24 hours:\n\n{}\n\n\
                     If you did not sign up, ignore this email.\n",
                    self.link("activate", &token)
                );
                // Over the address's hourly share the link is not sent; the answer stays the
                // same (it says nothing about the address).
                mail::enqueue(&mut tx, &self.clock, &email, "Activate your account", &body).await?;
                let actor = Actor::EndUser { account_id, email: email.clone() };
                audit::write(&mut tx, &actor, meta, Record::new(AuditAction::OnboardingSignedUp, account_id)).await?;
            }
        }
        tx.commit().await?;
        self.mail_was_queued();
        Ok(())
    }

    /// Follows an activation link: the onboarding completes and the end user exists
    /// (searchable, with a userId). Returns the new user.
    pub async fn activate_account(&self, meta: &RequestMeta, token: &str) -> Result<EndUser> {
        self.at_credential_door(meta, async {
            let mut tx = self.db.begin_write().await?;
            let Spent { account_id, email, password_hash } =
                spend_token(&mut tx, &self.clock, token, ACTIVATION).await?;
            let actor = Actor::EndUser { account_id, email: email.clone() };
            let input = json!({ "userTypeId": 1, "specifiedUSPerson": 0, "email": email });
            let Value::Object(input) = input else { unreachable!("a JSON object") };
            let user = insert_user(&mut tx, input).await?;
            audit::write(&mut tx, &actor, meta, Record::new(AuditAction::UserCreated, user.id).after(&user)?).await?;
            sqlx::query(
                "UPDATE end_user_accounts SET user_id = $1, activated_date = $2, password_hash = $3 WHERE id = $4",
            )
            .bind(user.id)
            .bind(self.clock.now_rfc3339())
            .bind(password_hash)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
            audit::write(&mut tx, &actor, meta, Record::new(AuditAction::OnboardingCompleted, account_id)).await?;
            tx.commit().await?;
            Ok(user)
        })
        .await
    }

    /// Onboarding Users: sign-ups not completed yet, or completed, newest first.
    pub async fn list_onboarding(
        &self,
        actor: &Actor,
        completed: bool,
        page: i64,
        page_size: i64,
    ) -> Result<Page<OnboardingEntry>> {
        actor.require(Action::ReadUsers)?;
        let (page, page_size, offset) = shared::dto::page_window(page, page_size, 200);
        let condition = if completed { "activated_date IS NOT NULL" } else { "activated_date IS NULL" };
        // Accounts made by a password reset for an existing user are not onboardings.
        let onboardings = format!("FROM end_user_accounts WHERE signed_up = 1 AND {condition}");
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) {onboardings}")))
            .fetch_one(&self.db.pool)
            .await?;
        let rows: Vec<OnboardingRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, email, created_date, activated_date, user_id {onboardings} ORDER BY id DESC LIMIT $1 OFFSET $2"
        )))
        .bind(page_size)
        .bind(offset)
        .fetch_all(&self.db.pool)
        .await?;
        let items = rows
            .into_iter()
            .map(|(account_id, email, created_date, activated_date, user_id)| OnboardingEntry {
                account_id,
                email,
                created_date,
                activated_date,
                user_id,
            })
            .collect();
        Ok(Page { items, total, page, page_size })
    }

    /// "Send forgot password" on a profile: emails the user a single-use link to set a new
    /// password. Returns the address it went to.
    pub async fn send_forgot_password(&self, actor: &Actor, meta: &RequestMeta, user_id: i64) -> Result<String> {
        actor.require(Action::SendForgotPassword)?;
        if !crate::settings::read(&self.db.pool).await?.send_forgot_password {
            return Err(Error::Forbidden("Send forgot password is turned off in System Configuration."));
        }
        let mut tx = self.db.begin_write().await?;
        let user = fetch_user_for(&mut tx, user_id, Action::SendForgotPassword).await?;
        let email = user.email.clone();
        if email.is_empty() {
            return Err(Error::Conflict("This user has no email address.".into()));
        }
        let account_id = account_for_user(&mut tx, &self.clock, user_id, &email).await?;
        let token = issue_token(&mut tx, &self.clock, account_id, PASSWORD_RESET, RESET_TTL_SECS, None).await?;
        let body = format!(
            "Hello,\n\nTo choose a new password, open this link within one hour:\n\n{}\n\n\
             The link works once. If you did not ask for it, ignore this email.\n",
            self.link("reset-password", &token)
        );
        if !mail::enqueue(&mut tx, &self.clock, &email, "Reset your password", &body).await? {
            return Err(Error::Conflict(
                "Too many emails went to this address in the last hour: try again later.".into(),
            ));
        }
        let record = Record::new(AuditAction::UserPasswordResetSent, user_id).after(&json!({ "to": email }))?;
        audit::write(&mut tx, actor, meta, record).await?;
        tx.commit().await?;
        self.mail_was_queued();
        Ok(email)
    }

    /// Follows a password-reset link: sets the new password (argon2id) and spends the link,
    /// and any other reset link of the account.
    pub async fn reset_password(&self, meta: &RequestMeta, token: &str, new_password: String) -> Result<()> {
        self.at_credential_door(meta, async {
            // Check and hash first: argon2 takes tens of milliseconds, the write lock should not.
            let (_, email) = peek_token(&self.db.pool, &self.clock, token, PASSWORD_RESET).await?;
            check_password_strength(&new_password, &email)?;
            let hash = password::hash(&self.hash_slots, new_password).await?;
            let mut tx = self.db.begin_write().await?;
            let Spent { account_id, email, .. } = spend_token(&mut tx, &self.clock, token, PASSWORD_RESET).await?;
            sqlx::query("UPDATE end_user_accounts SET password_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
            "UPDATE end_user_tokens SET used_date = $1 WHERE account_id = $2 AND purpose = $3 AND used_date IS NULL",
        )
        .bind(self.clock.now_rfc3339())
        .bind(account_id)
        .bind(PASSWORD_RESET)
        .execute(&mut *tx)
        .await?;
            let actor = Actor::EndUser { account_id, email };
            audit::write(&mut tx, &actor, meta, Record::new(AuditAction::EndUserPasswordReset, account_id)).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Checks an end user's login (for the future customer app and for tests).
    pub async fn verify_end_user_password(&self, email: &str, candidate: String) -> Result<bool> {
        let hash: Option<Option<String>> =
            sqlx::query_scalar("SELECT password_hash FROM end_user_accounts WHERE lower(email) = lower($1)")
                .bind(email)
                .fetch_optional(&self.db.pool)
                .await?;
        match hash.flatten() {
            Some(hash) => Ok(password::verify(self.hash_slots.permit()?, candidate, hash).await),
            None => Ok(false),
        }
    }
}
