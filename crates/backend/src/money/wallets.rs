//! Wallets: create, search, update, deactivate (balance 0 only, irreversible, kept), and
//! money in from outside (pay-ins: demo data and tests; the API has no pay-in endpoint).

use shared::Action;
use shared::Scope;
use shared::banking::{Iban, MoneyRefusal, TAG_MAX, WALLET_BICS, WALLET_NAME_MAX};
use shared::domain::{Wallet, WalletStatus};
use shared::money::{Currency, Money};
use shared::validation::clean_text;
use sqlx::{Any, AssertSqlSafe, Transaction};

use super::ledger::{self, Account, Movement};
use crate::audit::{AuditAction, Record};
use crate::auth::{Actor, RequestMeta};
use crate::error::{Error, Result};
use crate::listing::{Conditions, bind_all};
use crate::users::fetch_user_for;
use crate::{Backend, clock};

#[derive(sqlx::FromRow)]
struct WalletRow {
    id: i64,
    user_id: i64,
    wallet_type_id: i64,
    wallet_status: String,
    currency: String,
    balance: i64,
    held: i64,
    event_name: String,
    wallet_tag: String,
    event_message: String,
    event_alias: String,
    tariff_id: i64,
    bic: String,
    created_date: String,
    modified_date: String,
}

impl WalletRow {
    fn typed(self) -> Result<Wallet> {
        let stored = |what: &str| Error::Internal(format!("wallet {}: the stored {what} is not valid", self.id));
        let currency = Currency::parse(&self.currency).ok_or_else(|| stored("currency"))?;
        Ok(Wallet {
            id: self.id,
            user_id: self.user_id,
            wallet_type_id: self.wallet_type_id,
            status: WalletStatus::parse(&self.wallet_status).ok_or_else(|| stored("walletStatus"))?,
            balance: Money::new(self.balance, currency.clone()),
            held: Money::new(self.held, currency),
            name: self.event_name,
            tag: self.wallet_tag,
            description: self.event_message,
            event_alias: self.event_alias,
            tariff_id: self.tariff_id,
            bic: self.bic,
            iban: Iban::of_wallet(self.id).as_str().to_string(),
            created_date: self.created_date,
            modified_date: self.modified_date,
        })
    }
}

const WALLET: &str = "SELECT id, user_id, wallet_type_id, wallet_status, currency, balance, held, event_name, \
                      wallet_tag, event_message, event_alias, tariff_id, bic, created_date, modified_date FROM wallets";

/// A user's wallets are few; a search by type or tag pages, and stops at this many rows.
pub const SEARCH_ROWS_MAX: i64 = 10_000;

/// Reads one wallet inside a transaction (after `ledger::lock_wallets` when it will change).
pub(crate) async fn fetch_wallet(tx: &mut Transaction<'_, Any>, id: i64) -> Result<Wallet> {
    let row: Option<WalletRow> =
        sqlx::query_as(AssertSqlSafe(format!("{WALLET} WHERE id = $1"))).bind(id).fetch_optional(&mut **tx).await?;
    row.ok_or(Error::NotFound)?.typed()
}

/// Money cannot leave a frozen user's wallets (admin's Freeze). Checked after the
/// accessTag's row is written, so that a retry of what went through still answers it.
pub(crate) async fn refuse_frozen_owner(tx: &mut Transaction<'_, Any>, user_id: i64) -> Result<()> {
    let frozen: i64 =
        sqlx::query_scalar("SELECT is_frozen FROM end_users WHERE id = $1").bind(user_id).fetch_one(&mut **tx).await?;
    if frozen != 0 {
        return Err(Error::Conflict(MoneyRefusal::OwnerFrozen.message().into()));
    }
    Ok(())
}

/// A new wallet, as `POST /v1/wallets` and "Add Wallet" give it.
#[derive(Clone, Debug, Default)]
pub struct NewWallet {
    pub user_id: Option<i64>,
    pub wallet_type_id: Option<i64>,
    pub currency: Option<String>,
    pub name: Option<String>,
    pub tag: Option<String>,
    pub description: Option<String>,
    pub event_alias: Option<String>,
    pub tariff_id: Option<i64>,
    pub bic: Option<String>,
}

/// What "Edit Wallet" and `PUT /v1/wallets/{id}` may change; left out keeps its value.
#[derive(Clone, Debug, Default)]
pub struct WalletPatch {
    pub name: Option<String>,
    pub tag: Option<String>,
    pub description: Option<String>,
}

/// `GET /v1/wallets` filters.
#[derive(Clone, Debug, Default)]
pub struct WalletSearch {
    pub wallet_id: Option<i64>,
    pub user_id: Option<i64>,
    pub wallet_type_id: Option<i64>,
    pub status: Option<WalletStatus>,
    pub tag: Option<String>,
    /// 1-based.
    pub page: i64,
    pub page_size: i64,
    pub ascending: bool,
}

fn wallet_name(value: Option<&str>) -> Result<Option<String>> {
    Ok(clean_text("eventName", value, WALLET_NAME_MAX)?)
}

/// Who asks, as the idempotency key of `accessTag` knows it: the same tag from another
/// caller is another request.
pub(crate) fn requester_key(actor: &Actor) -> String {
    match actor.audit_identity() {
        (kind, Some(id), _) => format!("{kind}:{id}"),
        (kind, None, _) => kind.to_string(),
    }
}

impl Backend {
    pub async fn list_wallets(&self, actor: &Actor, user_id: i64) -> Result<Vec<Wallet>> {
        actor.require(Action::ReadUsers)?;
        let rows: Vec<WalletRow> = sqlx::query_as(AssertSqlSafe(format!("{WALLET} WHERE user_id = $1 ORDER BY id")))
            .bind(user_id)
            .fetch_all(&self.db.pool)
            .await?;
        rows.into_iter().map(WalletRow::typed).collect()
    }

    /// "View Wallet Details" / `GET /v1/wallets/{id}`.
    pub async fn get_wallet(&self, actor: &Actor, id: i64) -> Result<Wallet> {
        actor.require(Action::ViewWalletDetails)?;
        let row: Option<WalletRow> = sqlx::query_as(AssertSqlSafe(format!("{WALLET} WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        row.ok_or(Error::NotFound)?.typed()
    }

    /// `GET /v1/wallets`: at least one of walletId, userId, walletTypeId (the spec's rule);
    /// one page in id order (creation order), never past the 10,000th row.
    pub async fn search_wallets(&self, actor: &Actor, search: &WalletSearch) -> Result<Vec<Wallet>> {
        actor.require(Action::ReadUsers)?;
        if search.wallet_id.is_none() && search.user_id.is_none() && search.wallet_type_id.is_none() {
            return Err(Error::invalid("walletId", "Give walletId, userId or walletTypeId."));
        }
        let mut conditions = Conditions::default();
        if let Some(id) = search.wallet_id {
            conditions.int("id = ?", id);
        }
        if let Some(user) = search.user_id {
            conditions.int("user_id = ?", user);
        }
        if let Some(kind) = search.wallet_type_id {
            conditions.int("wallet_type_id = ?", kind);
        }
        if let Some(status) = search.status {
            conditions.text("wallet_status = ?", status.name());
        }
        if let Some(tag) = &search.tag {
            conditions.text("wallet_tag = ?", tag.clone());
        }
        let size = search.page_size.clamp(1, 200);
        let offset = search.page.max(1).saturating_sub(1).saturating_mul(size);
        if offset >= SEARCH_ROWS_MAX {
            return Ok(Vec::new());
        }
        let order = if search.ascending { "ASC" } else { "DESC" };
        // The page's numbers are bound, not written in: the text stays one statement (sqlx
        // keeps a connection's last hundred prepared).
        let n = conditions.next();
        let sql = format!("{WALLET} {} ORDER BY id {order} LIMIT ${n} OFFSET ${}", conditions.where_clause(), n + 1);
        let rows: Vec<WalletRow> = bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &conditions.binds)
            .bind(size)
            .bind(offset)
            .fetch_all(&self.db.pool)
            .await?;
        rows.into_iter().map(WalletRow::typed).collect()
    }

    /// "Add Wallet" / `POST /v1/wallets`: an active wallet of an active user, empty.
    pub async fn create_wallet(&self, actor: &Actor, meta: &RequestMeta, new: NewWallet) -> Result<Wallet> {
        actor.require_at_endpoint(Action::AddWallet, Scope::ReadWrite)?;
        let user_id = new.user_id.ok_or_else(|| Error::invalid("userId", "userId is required."))?;
        let wallet_type_id = new.wallet_type_id.unwrap_or(9);
        if !shared::banking::WALLET_TYPES.iter().any(|(id, _)| *id == wallet_type_id) {
            return Err(Error::invalid(
                "walletTypeId",
                "walletTypeId is 9 (electronic money) or 10 (payment account).",
            ));
        }
        let currency = new.currency.as_deref().map(str::trim).filter(|c| !c.is_empty()).unwrap_or("EUR");
        let currency = Currency::parse(currency)
            .ok_or_else(|| Error::invalid("currency", "currency must be an ISO 4217 code (EUR, USD, ...)."))?;
        let name = wallet_name(new.name.as_deref())?
            .ok_or_else(|| Error::invalid("eventName", "eventName (the wallet's name) is required."))?;
        let tag = clean_text("walletTag", new.tag.as_deref(), TAG_MAX)?.unwrap_or_default();
        let description = clean_text("eventMessage", new.description.as_deref(), TAG_MAX)?.unwrap_or_default();
        let alias = clean_text("eventAlias", new.event_alias.as_deref(), TAG_MAX)?.unwrap_or_default();
        let bic = match new.bic.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
            None => WALLET_BICS[0].to_string(),
            Some(bic) if WALLET_BICS.contains(&bic) => bic.to_string(),
            Some(_) => return Err(Error::invalid("bic", format!("bic is one of {}.", WALLET_BICS.join(", ")))),
        };
        let tariff_id = new.tariff_id.unwrap_or(1);
        if tariff_id <= 0 {
            return Err(Error::invalid("tariffId", "tariffId is a positive integer."));
        }
        let mut change = self.open_change(actor, meta).await?;
        match fetch_user_for(&mut change.tx, user_id, Action::AddWallet).await {
            Err(Error::NotFound) => return Err(Error::invalid("userId", "userId names no user.")),
            other => other?,
        };
        let now = clock::now_rfc3339();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO wallets (user_id, wallet_type_id, wallet_status, currency, balance, held, event_name, \
             wallet_tag, event_message, event_alias, tariff_id, bic, created_date, modified_date) \
             VALUES ($1, $2, 'VALIDATED', $3, 0, 0, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(user_id)
        .bind(wallet_type_id)
        .bind(currency.code())
        .bind(&name)
        .bind(&tag)
        .bind(&description)
        .bind(&alias)
        .bind(tariff_id)
        .bind(&bic)
        .bind(&now)
        .fetch_one(&mut *change.tx)
        .await?;
        let created = fetch_wallet(&mut change.tx, id).await?;
        change.audit(Record::new(AuditAction::WalletCreated, id).after(&created)?).await?;
        change.commit().await?;
        Ok(created)
    }

    /// "Edit Wallet" / `PUT /v1/wallets/{id}`: name, tag, description.
    pub async fn update_wallet(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        patch: WalletPatch,
    ) -> Result<Wallet> {
        actor.require_at_endpoint(Action::EditWallet, Scope::ReadWrite)?;
        let name = match patch.name.as_deref() {
            Some(raw) => {
                Some(wallet_name(Some(raw))?.ok_or_else(|| Error::invalid("eventName", "eventName cannot be empty."))?)
            }
            None => None,
        };
        let tag = patch.tag.as_deref().map(|t| clean_text("walletTag", Some(t), TAG_MAX)).transpose()?;
        let description =
            patch.description.as_deref().map(|d| clean_text("eventMessage", Some(d), TAG_MAX)).transpose()?;
        let mut change = self.open_change(actor, meta).await?;
        ledger::lock_wallets(&mut change.tx, self.db.kind, &[id]).await?;
        let before = fetch_wallet(&mut change.tx, id).await?;
        if before.status == WalletStatus::Canceled {
            return Err(Error::Conflict(MoneyRefusal::AlreadyDeactivated.message().into()));
        }
        fetch_user_for(&mut change.tx, before.user_id, Action::EditWallet).await?;
        sqlx::query(
            "UPDATE wallets SET event_name = $1, wallet_tag = $2, event_message = $3, modified_date = $4 WHERE id = $5",
        )
        .bind(name.unwrap_or_else(|| before.name.clone()))
        .bind(tag.map(Option::unwrap_or_default).unwrap_or_else(|| before.tag.clone()))
        .bind(description.map(Option::unwrap_or_default).unwrap_or_else(|| before.description.clone()))
        .bind(clock::now_rfc3339())
        .bind(id)
        .execute(&mut *change.tx)
        .await?;
        let after = fetch_wallet(&mut change.tx, id).await?;
        change.audit(Record::new(AuditAction::WalletUpdated, id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        Ok(after)
    }

    /// "Deactivate Wallet" / `DELETE /v1/wallets/{id}`: irreversible, only at a zero balance
    /// with no payout pending. The wallet is kept (CANCELED) and still listed.
    pub async fn deactivate_wallet(&self, actor: &Actor, meta: &RequestMeta, id: i64) -> Result<Wallet> {
        actor.require_at_endpoint(Action::DeactivateWallet, Scope::ReadWrite)?;
        let mut change = self.open_change(actor, meta).await?;
        ledger::lock_wallets(&mut change.tx, self.db.kind, &[id]).await?;
        let before = fetch_wallet(&mut change.tx, id).await?;
        if let Some(refusal) = before.deactivation_refusal() {
            return Err(Error::Conflict(refusal.message().into()));
        }
        sqlx::query(
            "UPDATE wallets SET wallet_status = 'CANCELED', modified_date = $1 \
             WHERE id = $2 AND balance = 0 AND held = 0",
        )
        .bind(clock::now_rfc3339())
        .bind(id)
        .execute(&mut *change.tx)
        .await?;
        let after = fetch_wallet(&mut change.tx, id).await?;
        change.audit(Record::new(AuditAction::WalletDeactivated, id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        Ok(after)
    }

    /// Money in from outside (demo data, tests, the command line): a pay-in credited to an
    /// active wallet through the ledger. Only the server itself may.
    pub async fn credit_payin(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        wallet_id: i64,
        amount: Money,
        label: &str,
    ) -> Result<Wallet> {
        if !matches!(actor, Actor::System) {
            return Err(Error::Forbidden("Only the server itself credits pay-ins."));
        }
        if amount.minor <= 0 {
            return Err(Error::invalid("amount", MoneyRefusal::AmountNotPositive.message()));
        }
        let mut change = self.open_change(actor, meta).await?;
        ledger::lock_wallets(&mut change.tx, self.db.kind, &[wallet_id]).await?;
        let before = fetch_wallet(&mut change.tx, wallet_id).await?;
        if !before.is_active() {
            return Err(Error::Conflict(MoneyRefusal::InactiveBeneficiaryWallet.message().into()));
        }
        if before.balance.currency != amount.currency {
            return Err(Error::Conflict(MoneyRefusal::CurrencyMismatch.message().into()));
        }
        let now = clock::now_rfc3339();
        let payin: i64 = sqlx::query_scalar(
            "INSERT INTO payins (wallet_id, amount, currency, label, created_date) VALUES ($1, $2, $3, $4, $5) \
             RETURNING id",
        )
        .bind(wallet_id)
        .bind(amount.minor)
        .bind(amount.currency.code())
        .bind(label)
        .bind(&now)
        .fetch_one(&mut *change.tx)
        .await?;
        ledger::post(
            &mut change.tx,
            Movement {
                flow: "payin",
                operation_type: "bankTransfer",
                object_id: payin,
                amount: &amount,
                debit: Account::Payins,
                credit: Account::Wallet(wallet_id),
                label,
                at: &now,
            },
        )
        .await?;
        let after = fetch_wallet(&mut change.tx, wallet_id).await?;
        change.audit(Record::new(AuditAction::PayinReceived, wallet_id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        Ok(after)
    }
}
