//! Wallet-to-wallet transfers: same currency, both wallets active, amount > 0, no
//! overdraft; instant (VALIDATED at once). `accessTag` makes a retry from the same caller
//! answer the first transfer without moving money again, also when the retries race.

use shared::banking::{LABEL_MAX, MoneyRefusal, MovementStatus, TAG_MAX, Transfer, transfer_refusal};
use shared::money::{Currency, Money};
use shared::validation::clean_text;
use shared::{Action, Scope};
use sqlx::{Any, AssertSqlSafe, Transaction};

use super::ledger::{self, Account, Movement};
use super::wallets::{fetch_wallet, refuse_frozen_owner, requester_key};
use crate::audit::{AuditAction, Record};
use crate::auth::{Actor, RequestMeta};
use crate::error::{Error, Result};
use crate::listing::{Conditions, bind_all};
use crate::{Backend, clock};

/// A transfer as asked for. `amount` is in major units as the API writes it (`12.5`).
#[derive(Clone, Debug, Default)]
pub struct NewTransfer {
    pub wallet_id: Option<i64>,
    pub beneficiary_wallet_id: Option<i64>,
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub label: Option<String>,
    pub tag: Option<String>,
    pub access_tag: Option<String>,
    pub transfer_type_id: Option<i64>,
}

/// `GET /v1/transfers` filters (one of transferId, walletId, beneficiaryWalletId, userId).
#[derive(Clone, Debug, Default)]
pub struct TransferSearch {
    pub transfer_id: Option<i64>,
    pub wallet_id: Option<i64>,
    pub beneficiary_wallet_id: Option<i64>,
    pub user_id: Option<i64>,
    pub status: Option<MovementStatus>,
    pub page: i64,
    pub page_size: i64,
}

#[derive(sqlx::FromRow)]
struct TransferRow {
    id: i64,
    status: String,
    wallet_id: i64,
    beneficiary_wallet_id: i64,
    amount: i64,
    currency: String,
    label: String,
    transfer_tag: String,
    transfer_type_id: i64,
    created_date: String,
    modified_date: String,
}

impl TransferRow {
    fn typed(self) -> Result<Transfer> {
        let stored = |what: &str| Error::Internal(format!("transfer {}: the stored {what} is not valid", self.id));
        Ok(Transfer {
            id: self.id,
            status: MovementStatus::parse(&self.status).ok_or_else(|| stored("status"))?,
            wallet_id: self.wallet_id,
            beneficiary_wallet_id: self.beneficiary_wallet_id,
            amount: Money::new(self.amount, Currency::parse(&self.currency).ok_or_else(|| stored("currency"))?),
            label: self.label,
            tag: self.transfer_tag,
            transfer_type_id: self.transfer_type_id,
            created_date: self.created_date,
            modified_date: self.modified_date,
        })
    }
}

const TRANSFER: &str = "SELECT id, status, wallet_id, beneficiary_wallet_id, amount, currency, label, transfer_tag, \
                        transfer_type_id, created_date, modified_date FROM transfers";

/// Parses an amount in major units of `currency` (the API's `amount`, the form's field).
pub(crate) fn parse_amount(raw: Option<&str>, currency: Option<&str>) -> Result<Money> {
    let currency = currency
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| Error::invalid("currency", "currency is required."))?;
    let currency =
        Currency::parse(currency).ok_or_else(|| Error::invalid("currency", "currency must be an ISO 4217 code."))?;
    let raw =
        raw.map(str::trim).filter(|a| !a.is_empty()).ok_or_else(|| Error::invalid("amount", "amount is required."))?;
    let exponent = currency.exponent();
    let amount = Money::parse_decimal(raw, currency).ok_or_else(|| {
        Error::invalid("amount", format!("amount is a positive number with at most {exponent} decimals."))
    })?;
    if amount.minor <= 0 {
        return Err(Error::invalid("amount", MoneyRefusal::AmountNotPositive.message()));
    }
    Ok(amount)
}

/// An `accessTag`: at most 250 characters, no control characters.
pub(crate) fn access_tag(raw: Option<&str>) -> Result<Option<String>> {
    Ok(clean_text("accessTag", raw, TAG_MAX)?)
}

async fn fetch_transfer(tx: &mut Transaction<'_, Any>, id: i64) -> Result<Transfer> {
    let row: Option<TransferRow> =
        sqlx::query_as(AssertSqlSafe(format!("{TRANSFER} WHERE id = $1"))).bind(id).fetch_optional(&mut **tx).await?;
    row.ok_or(Error::NotFound)?.typed()
}

impl Backend {
    /// "Create Wallet to Wallet Transfer" / `POST /v1/transfers`.
    pub async fn create_transfer(&self, actor: &Actor, meta: &RequestMeta, new: NewTransfer) -> Result<Transfer> {
        actor.require_at_endpoint(Action::CreateWalletToWalletTransfer, Scope::ReadWrite)?;
        let from = new.wallet_id.ok_or_else(|| Error::invalid("walletId", "walletId is required."))?;
        let to = new
            .beneficiary_wallet_id
            .ok_or_else(|| Error::invalid("beneficiaryWalletId", "beneficiaryWalletId is required."))?;
        let amount = parse_amount(new.amount.as_deref(), new.currency.as_deref())?;
        if from == to {
            return Err(Error::invalid("beneficiaryWalletId", MoneyRefusal::SameWallet.message()));
        }
        let label = clean_text("label", new.label.as_deref(), LABEL_MAX)?.unwrap_or_default();
        let tag = clean_text("transferTag", new.tag.as_deref(), TAG_MAX)?.unwrap_or_default();
        let access_tag = access_tag(new.access_tag.as_deref())?;
        let transfer_type_id = new.transfer_type_id.unwrap_or(1);
        if ![1, 3, 4].contains(&transfer_type_id) {
            return Err(Error::invalid("transferTypeId", "transferTypeId is 1, 3 or 4."));
        }
        let requester = requester_key(actor);

        let mut change = self.open_change(actor, meta).await?;
        ledger::lock_wallets(&mut change.tx, self.db.kind, &[from, to]).await?;
        let source = match fetch_wallet(&mut change.tx, from).await {
            Err(Error::NotFound) => return Err(Error::invalid("walletId", "walletId names no wallet.")),
            other => other?,
        };
        let target = match fetch_wallet(&mut change.tx, to).await {
            Err(Error::NotFound) => {
                return Err(Error::invalid("beneficiaryWalletId", "beneficiaryWalletId names no wallet."));
            }
            other => other?,
        };
        // The first transfer of this accessTag, inserted now; a retry finds it instead.
        let now = clock::now_rfc3339();
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO transfers (requester, access_tag, transfer_tag, status, wallet_id, beneficiary_wallet_id, \
             amount, currency, label, transfer_type_id, created_date, modified_date) \
             VALUES ($1, $2, $3, 'VALIDATED', $4, $5, $6, $7, $8, $9, $10, $10) \
             ON CONFLICT (requester, access_tag) DO NOTHING RETURNING id",
        )
        .bind(&requester)
        .bind(&access_tag)
        .bind(&tag)
        .bind(from)
        .bind(to)
        .bind(amount.minor)
        .bind(amount.currency.code())
        .bind(&label)
        .bind(transfer_type_id)
        .bind(&now)
        .fetch_optional(&mut *change.tx)
        .await?;
        let Some(id) = inserted else {
            drop(change);
            return self.replay_transfer(&requester, access_tag.as_deref(), from, to, &amount).await;
        };
        refuse_frozen_owner(&mut change.tx, source.user_id).await?;
        if let Some(refusal) = transfer_refusal(
            &source.balance,
            source.is_active(),
            target.balance.currency.code(),
            target.is_active(),
            &amount,
        ) {
            // Dropping the change rolls the transfer row back: a refused transfer is not kept
            // and its accessTag stays free for a corrected retry.
            return Err(Error::Conflict(refusal.message().into()));
        }
        ledger::post(
            &mut change.tx,
            Movement {
                flow: "transfer",
                operation_type: "walletTransfer",
                object_id: id,
                amount: &amount,
                debit: Account::Wallet(from),
                credit: Account::Wallet(to),
                label: &label,
                at: &now,
            },
        )
        .await?;
        let transfer = fetch_transfer(&mut change.tx, id).await?;
        let after = serde_json::json!({
            "transfer": &transfer,
            "walletBalance": { "before": source.balance.minor, "after": source.balance.minor - amount.minor },
            "beneficiaryWalletBalance": { "before": target.balance.minor, "after": target.balance.minor + amount.minor },
        });
        change.audit(Record::new(AuditAction::TransferCreated, id).after(&after)?).await?;
        change.commit().await?;
        Ok(transfer)
    }

    /// The answer to a retry: the first transfer of this accessTag, if it was the same request.
    async fn replay_transfer(
        &self,
        requester: &str,
        access_tag: Option<&str>,
        from: i64,
        to: i64,
        amount: &Money,
    ) -> Result<Transfer> {
        let row: Option<TransferRow> =
            sqlx::query_as(AssertSqlSafe(format!("{TRANSFER} WHERE requester = $1 AND access_tag = $2")))
                .bind(requester)
                .bind(access_tag)
                .fetch_optional(&self.db.pool)
                .await?;
        let first = row.ok_or_else(|| Error::Internal("an accessTag conflict without its transfer".into()))?.typed()?;
        if first.wallet_id != from || first.beneficiary_wallet_id != to || first.amount != *amount {
            return Err(Error::Conflict(MoneyRefusal::AccessTagReused.message().into()));
        }
        Ok(first)
    }

    pub async fn get_transfer(&self, actor: &Actor, id: i64) -> Result<Transfer> {
        actor.require(Action::ViewWalletDetails)?;
        let row: Option<TransferRow> = sqlx::query_as(AssertSqlSafe(format!("{TRANSFER} WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        row.ok_or(Error::NotFound)?.typed()
    }

    /// `GET /v1/transfers`: newest first, one page (never past the 10,000th row).
    pub async fn search_transfers(&self, actor: &Actor, search: &TransferSearch) -> Result<Vec<Transfer>> {
        actor.require(Action::ViewWalletDetails)?;
        let mut conditions = Conditions::default();
        match (search.transfer_id, search.wallet_id, search.beneficiary_wallet_id, search.user_id) {
            (None, None, None, None) => {
                return Err(Error::invalid("walletId", "Give transferId, walletId, beneficiaryWalletId or userId."));
            }
            (id, wallet, beneficiary, user) => {
                if let Some(id) = id {
                    conditions.int("id = ?", id);
                }
                if let Some(wallet) = wallet {
                    conditions.int("wallet_id = ?", wallet);
                }
                if let Some(wallet) = beneficiary {
                    conditions.int("beneficiary_wallet_id = ?", wallet);
                }
                if let Some(user) = user {
                    conditions.int("(wallet_id IN (SELECT id FROM wallets WHERE user_id = ?))", user);
                }
            }
        }
        if let Some(status) = search.status {
            conditions.text("status = ?", status.name());
        }
        let size = search.page_size.clamp(1, 200);
        let offset = search.page.max(1).saturating_sub(1).saturating_mul(size);
        if offset >= super::wallets::SEARCH_ROWS_MAX {
            return Ok(Vec::new());
        }
        // Bound, not written in: one statement whatever the page (as `search_wallets`).
        let n = conditions.next();
        let sql = format!("{TRANSFER} {} ORDER BY id DESC LIMIT ${n} OFFSET ${}", conditions.where_clause(), n + 1);
        let rows: Vec<TransferRow> = bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &conditions.binds)
            .bind(size)
            .bind(offset)
            .fetch_all(&self.db.pool)
            .await?;
        rows.into_iter().map(TransferRow::typed).collect()
    }

    /// `DELETE /v1/transfers/{id}`: a transfer is instant here, so none is ever pending and
    /// this is always a refusal (after the permission and existence checks).
    pub async fn cancel_transfer(&self, actor: &Actor, id: i64) -> Result<Transfer> {
        actor.require_at_endpoint(Action::CreateWalletToWalletTransfer, Scope::ReadWrite)?;
        // Its existence is told to whoever may cancel (read_write), not only to readers.
        let transfer = self.get_transfer(&Actor::System, id).await?;
        Err(Error::Conflict(format!(
            "Transfer #{} is {}: a wallet-to-wallet transfer is instant and cannot be canceled; make a transfer back.",
            transfer.id,
            transfer.status.name()
        )))
    }
}
