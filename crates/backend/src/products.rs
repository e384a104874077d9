//! Wallets and beneficiaries of a user, read-only for now (their management comes later;
//! cards are `crate::cards`). Money is stored in integer minor units with its currency (`shared::money`); the
//! API's `solde` in major units is made at the REST edge only.

use shared::Action;
use shared::domain::{Beneficiary, Wallet, WalletStatus};
use shared::money::{Currency, Money};

use crate::Backend;
use crate::auth::Actor;
use crate::error::{Error, Result};

#[derive(sqlx::FromRow)]
struct WalletRow {
    id: i64,
    user_id: i64,
    wallet_type_id: i64,
    wallet_status: String,
    currency: String,
    balance: i64,
}

impl WalletRow {
    fn typed(self) -> Result<Wallet> {
        let stored = |what: &str| Error::Internal(format!("wallet {}: the stored {what} is not valid", self.id));
        Ok(Wallet {
            id: self.id,
            user_id: self.user_id,
            wallet_type_id: self.wallet_type_id,
            status: WalletStatus::parse(&self.wallet_status).ok_or_else(|| stored("walletStatus"))?,
            balance: Money::new(self.balance, Currency::parse(&self.currency).ok_or_else(|| stored("currency"))?),
        })
    }
}

#[derive(sqlx::FromRow)]
struct BeneficiaryRow {
    id: i64,
    user_id: i64,
    name: String,
    iban: String,
    bic: String,
    usage_count: i64,
}

impl From<BeneficiaryRow> for Beneficiary {
    fn from(r: BeneficiaryRow) -> Self {
        Beneficiary { id: r.id, user_id: r.user_id, name: r.name, iban: r.iban, bic: r.bic, usage_count: r.usage_count }
    }
}

const WALLET: &str = "SELECT id, user_id, wallet_type_id, wallet_status, currency, balance FROM wallets";

impl Backend {
    pub async fn list_wallets(&self, actor: &Actor, user_id: i64) -> Result<Vec<Wallet>> {
        actor.require(Action::ReadUsers)?;
        let rows: Vec<WalletRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{WALLET} WHERE user_id = $1 ORDER BY id")))
                .bind(user_id)
                .fetch_all(&self.db.pool)
                .await?;
        rows.into_iter().map(WalletRow::typed).collect()
    }

    pub async fn get_wallet(&self, actor: &Actor, id: i64) -> Result<Wallet> {
        actor.require(Action::ReadUsers)?;
        let row: Option<WalletRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{WALLET} WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        row.ok_or(Error::NotFound)?.typed()
    }

    /// Beneficiaries, most used first.
    pub async fn list_beneficiaries(&self, actor: &Actor, user_id: i64) -> Result<Vec<Beneficiary>> {
        actor.require(Action::ReadUsers)?;
        let rows: Vec<BeneficiaryRow> = sqlx::query_as(
            "SELECT id, user_id, name, iban, bic, usage_count FROM beneficiaries \
             WHERE user_id = $1 ORDER BY usage_count DESC, id",
        )
        .bind(user_id)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows.into_iter().map(Beneficiary::from).collect())
    }
}
