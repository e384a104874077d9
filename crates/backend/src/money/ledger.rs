//! The ledger: every movement of money is one `ledger_movements` row and two immutable
//! `ledger_entries` legs (debit one account, credit another, same amount and currency). A
//! wallet's `balance` is the running sum of its legs, updated in the same transaction as the
//! legs; `verify` proves it. The outside world's accounts (`payins`, `payouts_pending`,
//! `payouts_sent`) keep no running balance, so no movement waits on a shared row.

use shared::money::Money;
use sqlx::{Any, Transaction};

use crate::error::{Error, Result};
use crate::{Backend, DbKind};

/// One side of a movement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Account {
    Wallet(i64),
    /// Money from outside (pay-ins).
    Payins,
    /// Payouts taken from wallets, not executed yet.
    PayoutsPending,
    /// Payouts sent to the beneficiaries' banks.
    PayoutsSent,
}

impl Account {
    fn system_name(self) -> Option<&'static str> {
        match self {
            Account::Wallet(_) => None,
            Account::Payins => Some("payins"),
            Account::PayoutsPending => Some("payouts_pending"),
            Account::PayoutsSent => Some("payouts_sent"),
        }
    }
}

/// What moves, between which accounts, and why.
pub(crate) struct Movement<'a> {
    /// The spec's `initialFlow`: payin, transfer, payout, payoutRefund.
    pub flow: &'static str,
    /// The spec's `operationType`: walletTransfer, bankTransfer, payoutRefund.
    pub operation_type: &'static str,
    /// The transfer, payout or pay-in.
    pub object_id: i64,
    pub amount: &'a Money,
    pub debit: Account,
    pub credit: Account,
    pub label: &'a str,
    pub at: &'a str,
}

/// Locks the wallets' rows for the rest of the transaction, in id order so that two
/// movements between the same wallets cannot deadlock (Postgres; SQLite's writer holds the
/// whole database already).
pub(crate) async fn lock_wallets(tx: &mut Transaction<'_, Any>, kind: DbKind, ids: &[i64]) -> Result<()> {
    if kind != DbKind::Postgres {
        return Ok(());
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        sqlx::query("SELECT id FROM wallets WHERE id = $1 FOR UPDATE").bind(id).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Locks every wallet of a user (deactivating the user: no money may arrive meanwhile).
pub(crate) async fn lock_user_wallets(tx: &mut Transaction<'_, Any>, kind: DbKind, user_id: i64) -> Result<()> {
    if kind == DbKind::Postgres {
        sqlx::query("SELECT id FROM wallets WHERE user_id = $1 ORDER BY id FOR UPDATE")
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Writes a movement: the wallets' balances first (a debit only if the wallet holds the
/// amount in that currency: the refusal comes before anything is written), then the
/// movement and its two legs. The caller checked the rules and locked the wallets.
pub(crate) async fn post(tx: &mut Transaction<'_, Any>, m: Movement<'_>) -> Result<i64> {
    if m.amount.minor <= 0 || m.debit == m.credit {
        return Err(Error::Internal(format!("a movement of {} from {:?} to {:?}", m.amount, m.debit, m.credit)));
    }
    let currency = m.amount.currency.code();
    let debit_after = match m.debit {
        Account::Wallet(id) => Some(
            sqlx::query_scalar::<_, i64>(
                "UPDATE wallets SET balance = balance - $1 WHERE id = $2 AND currency = $3 AND balance >= $1 \
                 RETURNING balance",
            )
            .bind(m.amount.minor)
            .bind(id)
            .bind(currency)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| Error::Conflict(shared::banking::MoneyRefusal::InsufficientBalance.message().into()))?,
        ),
        _ => None,
    };
    let credit_after = match m.credit {
        Account::Wallet(id) => Some(
            sqlx::query_scalar::<_, i64>(
                "UPDATE wallets SET balance = balance + $1 WHERE id = $2 AND currency = $3 RETURNING balance",
            )
            .bind(m.amount.minor)
            .bind(id)
            .bind(currency)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| Error::Conflict(shared::banking::MoneyRefusal::CurrencyMismatch.message().into()))?,
        ),
        _ => None,
    };
    let movement: i64 = sqlx::query_scalar(
        "INSERT INTO ledger_movements (flow, object_id, amount, currency, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(m.flow)
    .bind(m.object_id)
    .bind(m.amount.minor)
    .bind(currency)
    .bind(m.at)
    .fetch_one(&mut **tx)
    .await?;
    for (account, direction, after) in [(m.debit, "DEBIT", debit_after), (m.credit, "CREDIT", credit_after)] {
        let wallet_id = match account {
            Account::Wallet(id) => Some(id),
            _ => None,
        };
        sqlx::query(
            "INSERT INTO ledger_entries (movement_id, wallet_id, system_account, direction, amount, currency, \
             balance_after, operation_type, flow, object_id, label, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(movement)
        .bind(wallet_id)
        .bind(account.system_name())
        .bind(direction)
        .bind(m.amount.minor)
        .bind(currency)
        .bind(after)
        .bind(m.operation_type)
        .bind(m.flow)
        .bind(m.object_id)
        .bind(m.label)
        .bind(m.at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(movement)
}

/// Changes a wallet's `held` (its pending payouts) by `delta` minor units, in the payout's
/// transaction: + when a payout is made, − when it is sent or canceled.
pub(crate) async fn hold(tx: &mut Transaction<'_, Any>, wallet_id: i64, delta: i64) -> Result<()> {
    sqlx::query("UPDATE wallets SET held = held + $1 WHERE id = $2")
        .bind(delta)
        .bind(wallet_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What `verify` found wrong; empty when the ledger holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerReport {
    /// Wallets whose stored balance differs from the sum of their entries: (id, stored, sum).
    pub balance_mismatches: Vec<(i64, i64, i64)>,
    /// Movements whose legs do not balance (one debit and one credit of the movement's amount).
    pub unbalanced_movements: Vec<i64>,
    /// Wallets whose held amount differs from their pending payouts: (id, held, pending).
    pub held_mismatches: Vec<(i64, i64, i64)>,
    /// Wallets below zero (the database refuses it; counted anyway).
    pub negative_wallets: Vec<i64>,
}

impl LedgerReport {
    pub fn is_sound(&self) -> bool {
        self.balance_mismatches.is_empty()
            && self.unbalanced_movements.is_empty()
            && self.held_mismatches.is_empty()
            && self.negative_wallets.is_empty()
    }
}

impl Backend {
    /// Checks the whole ledger (a full scan: for tests, the benchmark and the command line,
    /// not for requests).
    pub async fn verify_ledger(&self) -> Result<LedgerReport> {
        let pool = &self.db.pool;
        let balance_mismatches: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT w.id, w.balance, COALESCE(s.total, 0) FROM wallets w LEFT JOIN \
             (SELECT wallet_id, CAST(SUM(CASE WHEN direction = 'CREDIT' THEN amount ELSE -amount END) AS BIGINT) AS total \
              FROM ledger_entries WHERE wallet_id IS NOT NULL GROUP BY wallet_id) s ON s.wallet_id = w.id \
             WHERE w.balance <> COALESCE(s.total, 0) ORDER BY w.id",
        )
        .fetch_all(pool)
        .await?;
        let unbalanced_movements: Vec<i64> = sqlx::query_scalar(
            "SELECT m.id FROM ledger_movements m LEFT JOIN ledger_entries e ON e.movement_id = m.id \
             GROUP BY m.id, m.amount, m.currency \
             HAVING COUNT(e.id) <> 2 \
                 OR SUM(CASE WHEN e.direction = 'DEBIT' THEN e.amount ELSE 0 END) <> m.amount \
                 OR SUM(CASE WHEN e.direction = 'CREDIT' THEN e.amount ELSE 0 END) <> m.amount \
                 OR SUM(CASE WHEN e.currency = m.currency THEN 0 ELSE 1 END) <> 0 \
             ORDER BY m.id",
        )
        .fetch_all(pool)
        .await?;
        let held_mismatches: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT w.id, w.held, COALESCE(p.total, 0) FROM wallets w LEFT JOIN \
             (SELECT wallet_id, CAST(SUM(amount) AS BIGINT) AS total FROM payouts WHERE status = 'PENDING' GROUP BY wallet_id) p \
             ON p.wallet_id = w.id WHERE w.held <> COALESCE(p.total, 0) ORDER BY w.id",
        )
        .fetch_all(pool)
        .await?;
        let negative_wallets: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM wallets WHERE balance < 0 OR held < 0 ORDER BY id")
                .fetch_all(pool)
                .await?;
        Ok(LedgerReport { balance_mismatches, unbalanced_movements, held_mismatches, negative_wallets })
    }
}
