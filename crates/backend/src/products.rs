//! Wallets, cards and beneficiaries of a user, read-only for now (their management comes
//! later). Money is stored in integer minor units; the API's `solde` is that amount in
//! major units, converted only at the edge.

use serde_json::{Value, json};
use shared::Action;

use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::Backend;

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
    fn object(&self) -> Value {
        let major = self.balance as f64 / 100.0;
        json!({
            "walletId": self.id,
            "userId": self.user_id,
            "walletTypeId": self.wallet_type_id,
            "walletStatus": self.wallet_status,
            "currency": self.currency,
            "solde": major,
            "authorizedBalance": major,
            "balanceMinorUnits": self.balance,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CardRow {
    id: i64,
    user_id: i64,
    wallet_id: Option<i64>,
    public_token: String,
    masked_pan: String,
    status_code: String,
}

impl CardRow {
    fn object(&self) -> Value {
        json!({
            "cardId": self.id,
            "userId": self.user_id,
            "walletId": self.wallet_id,
            "publicToken": self.public_token,
            "maskedPan": self.masked_pan,
            "statusCode": self.status_code,
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

impl BeneficiaryRow {
    fn object(&self) -> Value {
        json!({
            "id": self.id,
            "userId": self.user_id,
            "name": self.name,
            "iban": self.iban,
            "bic": self.bic,
            "usableForSct": true,
            "usageCount": self.usage_count,
        })
    }
}

const WALLET: &str = "SELECT id, user_id, wallet_type_id, wallet_status, currency, balance FROM wallets";
const CARD: &str = "SELECT id, user_id, wallet_id, public_token, masked_pan, status_code FROM cards";

impl Backend {
    pub async fn list_wallets(&self, actor: &Actor, user_id: i64) -> Result<Vec<Value>> {
        actor.require(Action::ReadUsers)?;
        let rows: Vec<WalletRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{WALLET} WHERE user_id = $1 ORDER BY id")))
        .bind(user_id)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows.iter().map(WalletRow::object).collect())
    }

    pub async fn get_wallet(&self, actor: &Actor, id: i64) -> Result<Value> {
        actor.require(Action::ReadUsers)?;
        let row: Option<WalletRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{WALLET} WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        row.map(|r| r.object()).ok_or(Error::NotFound)
    }

    pub async fn list_cards(&self, actor: &Actor, user_id: i64) -> Result<Vec<Value>> {
        actor.require(Action::ReadUsers)?;
        let rows: Vec<CardRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{CARD} WHERE user_id = $1 ORDER BY id")))
            .bind(user_id)
            .fetch_all(&self.db.pool)
            .await?;
        Ok(rows.iter().map(CardRow::object).collect())
    }

    /// A card by its id or its public token (the search toolbar's "Card").
    pub async fn find_card(&self, actor: &Actor, id: Option<i64>, public_token: Option<&str>) -> Result<Value> {
        actor.require(Action::ReadUsers)?;
        let row: Option<CardRow> = match (id, public_token) {
            (Some(id), _) => sqlx::query_as(sqlx::AssertSqlSafe(format!("{CARD} WHERE id = $1"))).bind(id).fetch_optional(&self.db.pool).await?,
            (None, Some(token)) => sqlx::query_as(sqlx::AssertSqlSafe(format!("{CARD} WHERE public_token = $1")))
                .bind(token)
                .fetch_optional(&self.db.pool)
                .await?,
            (None, None) => return Err(Error::invalid("cardId", "cardId or publicToken is required.")),
        };
        row.map(|r| r.object()).ok_or(Error::NotFound)
    }

    /// Beneficiaries, most used first.
    pub async fn list_beneficiaries(&self, actor: &Actor, user_id: i64) -> Result<Vec<Value>> {
        actor.require(Action::ReadUsers)?;
        let rows: Vec<BeneficiaryRow> = sqlx::query_as(
            "SELECT id, user_id, name, iban, bic, usage_count FROM beneficiaries \
             WHERE user_id = $1 ORDER BY usage_count DESC, id",
        )
        .bind(user_id)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows.iter().map(BeneficiaryRow::object).collect())
    }
}
