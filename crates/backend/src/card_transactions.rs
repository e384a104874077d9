//! Card transactions (`/v1/cardtransactions`, `/core-connect/cardtransactions`, All Card
//! Transactions, a card's last transactions): read-only here, written by the card network
//! (and `seed-demo`). Newest first by date, keyset paging on (date, id), a capped total.

use shared::Action;
use shared::cards::{CardTransaction, PaymentStatus};
use shared::dto::{CardTransactionSearch, Cursor, Keyset, KeysetPage};
use shared::money::{Currency, Money};
use sqlx::AssertSqlSafe;

use crate::Backend;
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::listing::{Conditions, bind_all, capped_count_sql, date_bound, keyset, page_of, total_of};

/// The largest page.
pub const MAX_PAGE_SIZE: i64 = 100;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    card_id: i64,
    user_id: i64,
    wallet_id: Option<i64>,
    payment_id: i64,
    payment_status: String,
    amount: i64,
    currency: String,
    merchant_id: String,
    merchant_name: String,
    merchant_city: String,
    merchant_country: String,
    mcc: String,
    authorization_note: Option<String>,
    created_date: String,
}

impl Row {
    fn typed(self) -> Result<CardTransaction> {
        let stored =
            |what: &str| Error::Internal(format!("card transaction {}: the stored {what} is not valid", self.id));
        Ok(CardTransaction {
            id: self.id,
            card_id: self.card_id,
            user_id: self.user_id,
            wallet_id: self.wallet_id,
            payment_id: self.payment_id,
            status: PaymentStatus::parse(&self.payment_status).ok_or_else(|| stored("paymentStatus"))?,
            amount: Money::new(self.amount, Currency::parse(&self.currency).ok_or_else(|| stored("currency"))?),
            merchant_id: self.merchant_id,
            merchant_name: self.merchant_name,
            merchant_city: self.merchant_city,
            merchant_country: self.merchant_country,
            mcc: self.mcc,
            authorization_note: self.authorization_note,
            date: self.created_date,
        })
    }
}

const SELECT: &str = "SELECT id, card_id, user_id, wallet_id, payment_id, payment_status, amount, currency, \
    merchant_id, merchant_name, merchant_city, merchant_country, mcc, authorization_note, created_date \
    FROM card_transactions";

/// A bound of the date range as the stored RFC 3339 text compares: a day (`YYYY-MM-DD`,
/// from its first instant, or with `end` to past its last) or an RFC 3339 date-time.
impl Backend {
    /// Newest first; every filter optional. The total counts up to its cap.
    pub async fn search_card_transactions(
        &self,
        actor: &Actor,
        search: &CardTransactionSearch,
    ) -> Result<KeysetPage<CardTransaction>> {
        actor.require(Action::ReadUsers)?;
        let mut conditions = Conditions::default();
        if let Some(card) = search.card_id {
            conditions.int("card_id = ?", card);
        }
        if let Some(user) = search.user_id {
            conditions.int("user_id = ?", user);
        }
        if let Some(status) = search.status {
            conditions.text("payment_status = ?", status.code());
        }
        if let Some(from) = search.date_from.as_deref().filter(|d| !d.is_empty()) {
            conditions.text("created_date >= ?", date_bound("dateFrom", from, false)?);
        }
        if let Some(to) = search.date_to.as_deref().filter(|d| !d.is_empty()) {
            conditions.text("created_date <= ?", date_bound("dateTo", to, true)?);
        }
        if let (Some(from), Some(to)) = (&search.amount_from, &search.amount_to)
            && from.currency != to.currency
        {
            return Err(Error::invalid("amountTo", "The amount range is in one currency."));
        }
        if let Some(currency) = search.amount_from.as_ref().or(search.amount_to.as_ref()).map(|m| &m.currency) {
            conditions.text("currency = ?", currency.code());
        }
        if let Some(from) = &search.amount_from {
            conditions.int("amount >= ?", from.minor);
        }
        if let Some(to) = &search.amount_to {
            conditions.int("amount <= ?", to.minor);
        }
        let count_sql = capped_count_sql(&format!("FROM card_transactions {}", conditions.where_clause()));
        let counted: i64 =
            bind_all!(sqlx::query_scalar(AssertSqlSafe(count_sql)), &conditions.binds).fetch_one(&self.db.pool).await?;
        let size = search.page_size.clamp(1, MAX_PAGE_SIZE);
        let order_by = keyset(&mut conditions, Some("created_date"), "id", &search.at)?;
        let sql = format!("{SELECT} {} ORDER BY {order_by} LIMIT ${}", conditions.where_clause(), conditions.next());
        let rows: Vec<Row> = bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &conditions.binds)
            .bind(size + 1)
            .fetch_all(&self.db.pool)
            .await?;
        let rows = rows.into_iter().map(Row::typed).collect::<Result<Vec<_>>>()?;
        let (items, has_newer, has_older) = page_of(rows, size as usize, &search.at);
        let cursor = |t: &CardTransaction| Cursor { key: Some(t.date.clone()), id: t.id };
        Ok(KeysetPage {
            newer: has_newer.then(|| items.first().map(|t| Keyset::After(cursor(t)))).flatten(),
            older: has_older.then(|| items.last().map(|t| Keyset::Before(cursor(t)))).flatten(),
            total: total_of(counted),
            items,
        })
    }

    pub async fn get_card_transaction(&self, actor: &Actor, id: i64) -> Result<CardTransaction> {
        actor.require(Action::ReadUsers)?;
        let row: Option<Row> = sqlx::query_as(AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        row.ok_or(Error::NotFound)?.typed()
    }
}
