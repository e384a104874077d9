//! Payouts to a beneficiary's bank account. Made PENDING: the amount leaves the wallet's
//! spendable balance at once (into `payouts_pending`, counted in the wallet's `held`). A
//! pending payout can be canceled, which gives the money back; once its cancel window has
//! passed (and a second operator approved it, when System Configuration's four-eyes rule
//! asks) the executor sends it (`payouts_sent`) and it is VALIDATED, for good.

use std::time::Duration;

use shared::banking::{Approval, LABEL_MAX, MoneyRefusal, MovementStatus, Payout, TAG_MAX, payout_refusal};
use shared::money::{Currency, Money};
use shared::validation::clean_text;
use shared::{Action, Scope};
use sqlx::{Any, AssertSqlSafe, Transaction};

use super::ledger::{self, Account, Movement};
use super::transfers::{access_tag, parse_amount};
use super::wallets::{fetch_wallet, refuse_frozen_owner, requester_key};
use crate::audit::{AuditAction, Record};
use crate::auth::{Actor, RequestMeta};
use crate::error::{Error, Result};
use crate::{Backend, clock, settings};

/// A payout as asked for. `amount` is in major units (`12.5`).
#[derive(Clone, Debug, Default)]
pub struct NewPayout {
    pub wallet_id: Option<i64>,
    pub beneficiary_id: Option<i64>,
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub label: Option<String>,
    pub tag: Option<String>,
    pub end_to_end_id: Option<String>,
    pub access_tag: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PayoutRow {
    id: i64,
    status: String,
    approval: String,
    wallet_id: i64,
    user_id: i64,
    beneficiary_id: i64,
    iban: String,
    amount: i64,
    currency: String,
    label: String,
    payout_tag: String,
    end_to_end_id: String,
    requester_operator_id: Option<i64>,
    created_date: String,
    modified_date: String,
}

impl PayoutRow {
    fn typed(self) -> Result<Payout> {
        let stored = |what: &str| Error::Internal(format!("payout {}: the stored {what} is not valid", self.id));
        Ok(Payout {
            id: self.id,
            status: MovementStatus::parse(&self.status).ok_or_else(|| stored("status"))?,
            approval: Approval::parse(&self.approval).ok_or_else(|| stored("approval"))?,
            wallet_id: self.wallet_id,
            user_id: self.user_id,
            beneficiary_id: self.beneficiary_id,
            iban: self.iban,
            amount: Money::new(self.amount, Currency::parse(&self.currency).ok_or_else(|| stored("currency"))?),
            label: self.label,
            tag: self.payout_tag,
            end_to_end_id: self.end_to_end_id,
            requested_by_operator: self.requester_operator_id,
            created_date: self.created_date,
            modified_date: self.modified_date,
        })
    }
}

const PAYOUT: &str = "SELECT id, status, approval, wallet_id, user_id, beneficiary_id, iban, amount, currency, label, \
                      payout_tag, end_to_end_id, requester_operator_id, created_date, modified_date FROM payouts";

async fn fetch_payout(tx: &mut Transaction<'_, Any>, id: i64) -> Result<Payout> {
    let row: Option<PayoutRow> =
        sqlx::query_as(AssertSqlSafe(format!("{PAYOUT} WHERE id = $1"))).bind(id).fetch_optional(&mut **tx).await?;
    row.ok_or(Error::NotFound)?.typed()
}

/// How long a payout stays cancelable before the executor sends it.
#[derive(Clone, Copy, Debug)]
pub struct PayoutWindow(pub Duration);

impl Default for PayoutWindow {
    fn default() -> Self {
        PayoutWindow(Duration::from_secs(60))
    }
}

impl Backend {
    /// "Make a Payout" / `POST /v1/payouts`.
    pub async fn create_payout(&self, actor: &Actor, meta: &RequestMeta, new: NewPayout) -> Result<Payout> {
        actor.require_at_endpoint(Action::MakePayout, Scope::ReadWrite)?;
        let wallet_id = new.wallet_id.ok_or_else(|| Error::invalid("walletId", "walletId is required."))?;
        let beneficiary_id =
            new.beneficiary_id.ok_or_else(|| Error::invalid("beneficiaryId", "beneficiaryId is required."))?;
        let amount = parse_amount(new.amount.as_deref(), new.currency.as_deref())?;
        let label = clean_text("label", new.label.as_deref(), LABEL_MAX)?.unwrap_or_default();
        let tag = clean_text("payoutTag", new.tag.as_deref(), TAG_MAX)?.unwrap_or_default();
        let end_to_end_id = clean_text("endToEndId", new.end_to_end_id.as_deref(), 35)?.unwrap_or_default();
        let access_tag = access_tag(new.access_tag.as_deref())?;
        let requester = requester_key(actor);

        let mut change = self.open_change(actor, meta).await?;
        ledger::lock_wallets(&mut change.tx, self.db.kind, &[wallet_id]).await?;
        let wallet = match fetch_wallet(&mut change.tx, wallet_id).await {
            Err(Error::NotFound) => return Err(Error::invalid("walletId", "walletId names no wallet.")),
            other => other?,
        };
        let beneficiary: Option<(i64, String, i64)> =
            sqlx::query_as("SELECT user_id, iban, is_active FROM beneficiaries WHERE id = $1")
                .bind(beneficiary_id)
                .fetch_optional(&mut *change.tx)
                .await?;
        let Some((beneficiary_owner, iban, beneficiary_active)) = beneficiary else {
            return Err(Error::invalid("beneficiaryId", "beneficiaryId names no beneficiary."));
        };
        let refusal = payout_refusal(&wallet, beneficiary_owner, beneficiary_active != 0, &amount);
        let settings = settings::read(&mut *change.tx).await?;
        let approval = if settings.payout_needs_approval(&amount) { Approval::Required } else { Approval::NotNeeded };
        let now = clock::now_rfc3339();
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO payouts (requester, requester_operator_id, access_tag, payout_tag, status, approval, \
             wallet_id, user_id, beneficiary_id, iban, amount, currency, label, end_to_end_id, created_date, \
             modified_date) VALUES ($1, $2, $3, $4, 'PENDING', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) \
             ON CONFLICT (requester, access_tag) DO NOTHING RETURNING id",
        )
        .bind(&requester)
        .bind(actor.operator_id())
        .bind(&access_tag)
        .bind(&tag)
        .bind(approval.name())
        .bind(wallet_id)
        .bind(wallet.user_id)
        .bind(beneficiary_id)
        .bind(&iban)
        .bind(amount.minor)
        .bind(amount.currency.code())
        .bind(&label)
        .bind(&end_to_end_id)
        .bind(&now)
        .fetch_optional(&mut *change.tx)
        .await?;
        let Some(id) = inserted else {
            drop(change);
            return self.replay_payout(&requester, access_tag.as_deref(), wallet_id, beneficiary_id, &amount).await;
        };
        refuse_frozen_owner(&mut change.tx, wallet.user_id).await?;
        if let Some(refusal) = refusal {
            return Err(Error::Conflict(refusal.message().into()));
        }
        ledger::post(
            &mut change.tx,
            Movement {
                flow: "payout",
                operation_type: "bankTransfer",
                object_id: id,
                amount: &amount,
                debit: Account::Wallet(wallet_id),
                credit: Account::PayoutsPending,
                label: &label,
                at: &now,
            },
        )
        .await?;
        ledger::hold(&mut change.tx, wallet_id, amount.minor).await?;
        sqlx::query("UPDATE beneficiaries SET usage_count = usage_count + 1 WHERE id = $1")
            .bind(beneficiary_id)
            .execute(&mut *change.tx)
            .await?;
        let payout = fetch_payout(&mut change.tx, id).await?;
        let after = serde_json::json!({
            "payout": &payout,
            "walletBalance": { "before": wallet.balance.minor, "after": wallet.balance.minor - amount.minor },
        });
        change.audit(Record::new(AuditAction::PayoutCreated, id).after(&after)?).await?;
        change.commit().await?;
        Ok(payout)
    }

    async fn replay_payout(
        &self,
        requester: &str,
        access_tag: Option<&str>,
        wallet_id: i64,
        beneficiary_id: i64,
        amount: &Money,
    ) -> Result<Payout> {
        let row: Option<PayoutRow> =
            sqlx::query_as(AssertSqlSafe(format!("{PAYOUT} WHERE requester = $1 AND access_tag = $2")))
                .bind(requester)
                .bind(access_tag)
                .fetch_optional(&self.db.pool)
                .await?;
        let first = row.ok_or_else(|| Error::Internal("an accessTag conflict without its payout".into()))?.typed()?;
        if first.wallet_id != wallet_id || first.beneficiary_id != beneficiary_id || first.amount != *amount {
            return Err(Error::Conflict(MoneyRefusal::AccessTagReused.message().into()));
        }
        Ok(first)
    }

    pub async fn get_payout(&self, actor: &Actor, id: i64) -> Result<Payout> {
        actor.require(Action::ViewWalletDetails)?;
        let row: Option<PayoutRow> = sqlx::query_as(AssertSqlSafe(format!("{PAYOUT} WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        row.ok_or(Error::NotFound)?.typed()
    }

    /// `GET /v1/payouts`: a wallet's or a user's payouts, newest first, at most `limit`,
    /// before the payout id `before` (the cursor).
    pub async fn search_payouts(
        &self,
        actor: &Actor,
        wallet_id: Option<i64>,
        user_id: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Payout>> {
        actor.require(Action::ViewWalletDetails)?;
        let (column, owner) = match (wallet_id, user_id) {
            (Some(w), _) => ("wallet_id", w),
            (None, Some(u)) => ("user_id", u),
            (None, None) => return Err(Error::invalid("walletId", "Give walletId or userId.")),
        };
        let limit = limit.clamp(1, 200);
        let sql = format!("{PAYOUT} WHERE {column} = $1 AND id < $2 ORDER BY id DESC LIMIT $3");
        let rows: Vec<PayoutRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(owner)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(&self.db.pool)
            .await?;
        rows.into_iter().map(PayoutRow::typed).collect()
    }

    /// Payouts waiting for a second operator, oldest first (the approvers' queue).
    pub async fn payouts_awaiting_approval(&self, actor: &Actor, limit: i64) -> Result<Vec<Payout>> {
        actor.require(Action::ApprovePayout)?;
        let sql =
            format!("{PAYOUT} WHERE status = 'PENDING' AND approval = 'REQUIRED' ORDER BY created_date, id LIMIT $1");
        let rows: Vec<PayoutRow> =
            sqlx::query_as(AssertSqlSafe(sql)).bind(limit.clamp(1, 200)).fetch_all(&self.db.pool).await?;
        rows.into_iter().map(PayoutRow::typed).collect()
    }

    /// `DELETE /v1/payouts/{id}` and the dashboard's Cancel: only while pending; the money
    /// goes back to the wallet.
    pub async fn cancel_payout(&self, actor: &Actor, meta: &RequestMeta, id: i64) -> Result<Payout> {
        actor.require_at_endpoint(Action::MakePayout, Scope::ReadWrite)?;
        let mut change = self.open_change(actor, meta).await?;
        let wallet_id: Option<i64> = sqlx::query_scalar("SELECT wallet_id FROM payouts WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *change.tx)
            .await?;
        ledger::lock_wallets(&mut change.tx, self.db.kind, &[wallet_id.ok_or(Error::NotFound)?]).await?;
        let before = fetch_payout(&mut change.tx, id).await?;
        if before.status != MovementStatus::Pending {
            return Err(Error::Conflict(MoneyRefusal::NotPending.message().into()));
        }
        let now = clock::now_rfc3339();
        let moved = sqlx::query(
            "UPDATE payouts SET status = 'CANCELED', modified_date = $1 WHERE id = $2 AND status = 'PENDING'",
        )
        .bind(&now)
        .bind(id)
        .execute(&mut *change.tx)
        .await?;
        if moved.rows_affected() != 1 {
            return Err(Error::Conflict(MoneyRefusal::NotPending.message().into()));
        }
        ledger::hold(&mut change.tx, before.wallet_id, -before.amount.minor).await?;
        ledger::post(
            &mut change.tx,
            Movement {
                flow: "payoutRefund",
                operation_type: "payoutRefund",
                object_id: id,
                amount: &before.amount,
                debit: Account::PayoutsPending,
                credit: Account::Wallet(before.wallet_id),
                label: "Payout canceled",
                at: &now,
            },
        )
        .await?;
        let after = fetch_payout(&mut change.tx, id).await?;
        change.audit(Record::new(AuditAction::PayoutCanceled, id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        Ok(after)
    }

    /// Four-eyes: a second operator approves a payout that waits for it. Its requester
    /// cannot; nor can a machine client (approval is a person's decision).
    pub async fn approve_payout(&self, actor: &Actor, meta: &RequestMeta, id: i64) -> Result<Payout> {
        actor.require(Action::ApprovePayout)?;
        let approver = actor.operator_id().ok_or(Error::Forbidden("Only an operator can approve a payout."))?;
        let mut change = self.open_change(actor, meta).await?;
        let before = fetch_payout(&mut change.tx, id).await?;
        if before.status != MovementStatus::Pending {
            return Err(Error::Conflict(MoneyRefusal::NotPending.message().into()));
        }
        if before.approval != Approval::Required {
            return Err(Error::Conflict(MoneyRefusal::ApprovalNotRequired.message().into()));
        }
        if before.requested_by_operator == Some(approver) {
            return Err(Error::Forbidden(MoneyRefusal::RequesterCannotApprove.message()));
        }
        let approved = sqlx::query(
            "UPDATE payouts SET approval = 'APPROVED', approved_by = $1, modified_date = $2 \
             WHERE id = $3 AND status = 'PENDING' AND approval = 'REQUIRED'",
        )
        .bind(approver)
        .bind(clock::now_rfc3339())
        .bind(id)
        .execute(&mut *change.tx)
        .await?;
        if approved.rows_affected() != 1 {
            return Err(Error::Conflict(MoneyRefusal::NotPending.message().into()));
        }
        let after = fetch_payout(&mut change.tx, id).await?;
        change.audit(Record::new(AuditAction::PayoutApproved, id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        Ok(after)
    }

    /// Sends the payouts whose cancel window has passed and that need no (more) approval:
    /// each one its own short transaction. Returns how many were sent.
    pub async fn execute_due_payouts(&self, window: PayoutWindow) -> Result<u64> {
        let cutoff = self.clock.now() - chrono::TimeDelta::from_std(window.0).unwrap_or_default();
        let cutoff = cutoff.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM payouts WHERE status = 'PENDING' AND approval IN ('NONE', 'APPROVED') \
             AND created_date <= $1 ORDER BY created_date, id LIMIT 500",
        )
        .bind(&cutoff)
        .fetch_all(&self.db.pool)
        .await?;
        let mut sent = 0;
        let meta = RequestMeta::local();
        for id in due {
            let mut change = self.open_change(&Actor::System, &meta).await?;
            let before = fetch_payout(&mut change.tx, id).await?;
            ledger::lock_wallets(&mut change.tx, self.db.kind, &[before.wallet_id]).await?;
            let now = clock::now_rfc3339();
            let executed = sqlx::query(
                "UPDATE payouts SET status = 'VALIDATED', modified_date = $1 \
                 WHERE id = $2 AND status = 'PENDING' AND approval IN ('NONE', 'APPROVED')",
            )
            .bind(&now)
            .bind(id)
            .execute(&mut *change.tx)
            .await?;
            if executed.rows_affected() != 1 {
                continue; // canceled meanwhile
            }
            ledger::hold(&mut change.tx, before.wallet_id, -before.amount.minor).await?;
            ledger::post(
                &mut change.tx,
                Movement {
                    flow: "payout",
                    operation_type: "bankTransfer",
                    object_id: id,
                    amount: &before.amount,
                    debit: Account::PayoutsPending,
                    credit: Account::PayoutsSent,
                    label: &before.label,
                    at: &now,
                },
            )
            .await?;
            let after = fetch_payout(&mut change.tx, id).await?;
            change.audit(Record::new(AuditAction::PayoutExecuted, id).before(&before)?.after(&after)?).await?;
            change.commit().await?;
            sent += 1;
        }
        Ok(sent)
    }

    /// Sends due payouts every few seconds until the process ends. Several processes may run
    /// it: each payout is sent by one conditional UPDATE, so at most once.
    pub async fn run_payout_executor(self, window: PayoutWindow) {
        let mut tick = tokio::time::interval(Duration::from_secs(2).min(window.0.max(Duration::from_millis(500))));
        loop {
            tick.tick().await;
            match self.execute_due_payouts(window).await {
                Ok(0) => {}
                Ok(sent) => tracing::info!(sent, "payouts sent"),
                Err(e) => tracing::error!(error = %e, "sending payouts failed; trying again shortly"),
            }
        }
    }
}
