//! Tax residences of end users: create, read, update, soft delete. The TIN and waiver rules
//! are `shared::tax`; this adds what needs stored data: the user exists, its distribution
//! country, and one live residence per country.

use serde_json::{Value, json};
use shared::Action;
use shared::dto::TaxResidenceDraft;
use shared::tax::check_tax_residence;
use sqlx::{Any, Transaction};

use crate::audit::{self, Record};
use crate::auth::{Actor, RequestMeta};
use crate::clock;
use crate::error::{Error, Result, is_unique_violation};
use crate::Backend;

/// What a client sends (POST, or PUT where missing fields keep their value).
#[derive(Clone, Debug, Default)]
pub struct TaxResidenceInput {
    pub user_id: Option<i64>,
    pub country: Option<String>,
    pub tax_payer_id: Option<String>,
    pub liability_waiver: Option<bool>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    user_id: i64,
    country: String,
    tax_payer_id: Option<String>,
    liability_waiver: i64,
    created_date: String,
    last_update: String,
    deleted_date: Option<String>,
    is_deleted: i64,
}

impl Row {
    /// Treezor's `taxResidences[]` item.
    fn object(&self) -> Value {
        json!({
            "id": self.id,
            "userId": self.user_id,
            "country": self.country,
            "taxPayerId": self.tax_payer_id.clone().unwrap_or_default(),
            "liabilityWaiver": self.liability_waiver != 0,
            "createdDate": self.created_date,
            "lastUpdate": self.last_update,
            "deletedDate": self.deleted_date.clone().unwrap_or_default(),
            "isDeleted": self.is_deleted != 0,
        })
    }
}

const COLUMNS: &str = "id, user_id, country, tax_payer_id, liability_waiver, created_date, last_update, deleted_date, is_deleted";

async fn fetch(tx: &mut Transaction<'_, Any>, id: i64) -> Result<Row> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM tax_residences WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.ok_or(Error::NotFound)
}

/// Checks the residence against the shared rule, the user and the other residences.
async fn validate(tx: &mut Transaction<'_, Any>, user_id: i64, country: &str, tin: &str, waiver: bool, except: Option<i64>) -> Result<()> {
    let distribution: Option<Option<String>> =
        sqlx::query_scalar("SELECT distribution_country FROM end_users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?;
    let Some(distribution) = distribution else {
        return Err(Error::invalid("userId", "userId names no user."));
    };
    check_tax_residence(country, tin, waiver, distribution.as_deref())?;
    let same_country: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tax_residences WHERE user_id = $1 AND country = $2 AND is_deleted = 0 AND id <> $3",
    )
    .bind(user_id)
    .bind(country)
    .bind(except.unwrap_or(0))
    .fetch_one(&mut **tx)
    .await?;
    if same_country > 0 {
        return Err(Error::Conflict(format!("The user already has a tax residence in {country}.")));
    }
    Ok(())
}

/// Adds a residence inside `tx` (the caller checked the permission).
async fn create_in(tx: &mut Transaction<'_, Any>, actor: &Actor, meta: &RequestMeta, input: TaxResidenceInput) -> Result<Value> {
    let user_id = input.user_id.ok_or_else(|| Error::invalid("userId", "userId is required."))?;
    let country = input.country.ok_or_else(|| Error::invalid("country", "country is required."))?;
    let waiver = input.liability_waiver.ok_or_else(|| Error::invalid("liabilityWaiver", "liabilityWaiver is required."))?;
    let tin = input.tax_payer_id.unwrap_or_default().trim().to_string();
    validate(tx, user_id, &country, &tin, waiver, None).await?;
    let now = clock::now_rfc3339();
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO tax_residences (user_id, country, tax_payer_id, liability_waiver, created_date, last_update) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(&country)
    .bind((!tin.is_empty()).then_some(tin))
    .bind(i64::from(waiver))
    .bind(now)
    .fetch_one(&mut **tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        // A concurrent request added the same country first (unique index).
        Err(e) if is_unique_violation(&e) => return Err(one_per_country(&country)),
        Err(e) => return Err(e.into()),
    };
    let created = fetch(tx, id).await?.object();
    audit::write(tx, actor, meta, Record::new("tax_residence.created", "tax_residence", id).after(&created)).await?;
    Ok(created)
}

/// Soft-deletes a residence inside `tx` (the caller checked the permission).
async fn delete_in(tx: &mut Transaction<'_, Any>, actor: &Actor, meta: &RequestMeta, id: i64) -> Result<Value> {
    let before = fetch(tx, id).await?;
    if before.is_deleted != 0 {
        return Err(Error::Conflict("This tax residence is already deleted.".into()));
    }
    let now = clock::now_rfc3339();
    sqlx::query("UPDATE tax_residences SET is_deleted = 1, deleted_date = $1, last_update = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let after = fetch(tx, id).await?.object();
    let record = Record::new("tax_residence.deleted", "tax_residence", id).before(&before.object()).after(&after);
    audit::write(tx, actor, meta, record).await?;
    Ok(after)
}

fn one_per_country(country: &str) -> Error {
    Error::Conflict(format!("The user already has a tax residence in {country}."))
}

/// The live residences of a user.
async fn live_of(tx: &mut Transaction<'_, Any>, user_id: i64) -> Result<Vec<Value>> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tax_residences WHERE user_id = $1 AND is_deleted = 0 ORDER BY id"
    )))
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.iter().map(Row::object).collect())
}

impl Backend {
    pub async fn create_tax_residence(&self, actor: &Actor, meta: &RequestMeta, input: TaxResidenceInput) -> Result<Value> {
        actor.require(Action::ManageTaxResidences)?;
        let mut tx = self.db.begin_write().await?;
        let created = create_in(&mut tx, actor, meta, input).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn get_tax_residence(&self, actor: &Actor, id: i64) -> Result<Value> {
        actor.require(Action::ReadUsers)?;
        let mut tx = self.db.pool.begin().await?;
        Ok(fetch(&mut tx, id).await?.object())
    }

    /// The user's tax residences, deleted ones included (flagged), oldest first.
    pub async fn list_tax_residences(&self, actor: &Actor, user_id: i64) -> Result<Vec<Value>> {
        actor.require(Action::ReadUsers)?;
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM tax_residences WHERE user_id = $1 ORDER BY id"
        )))
        .bind(user_id)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows.iter().map(Row::object).collect())
    }

    pub async fn update_tax_residence(&self, actor: &Actor, meta: &RequestMeta, id: i64, input: TaxResidenceInput) -> Result<Value> {
        actor.require(Action::ManageTaxResidences)?;
        let mut tx = self.db.begin_write().await?;
        let before = fetch(&mut tx, id).await?;
        if before.is_deleted != 0 {
            return Err(Error::Conflict("This tax residence is deleted.".into()));
        }
        if input.user_id.is_some_and(|u| u != before.user_id) {
            return Err(Error::invalid("userId", "A tax residence cannot move to another user."));
        }
        let country = input.country.unwrap_or_else(|| before.country.clone());
        let tin = input.tax_payer_id.or_else(|| before.tax_payer_id.clone()).unwrap_or_default().trim().to_string();
        let waiver = input.liability_waiver.unwrap_or(before.liability_waiver != 0);
        validate(&mut tx, before.user_id, &country, &tin, waiver, Some(id)).await?;
        sqlx::query(
            "UPDATE tax_residences SET country = $1, tax_payer_id = $2, liability_waiver = $3, last_update = $4 WHERE id = $5",
        )
        .bind(country.clone())
        .bind((!tin.is_empty()).then_some(tin))
        .bind(i64::from(waiver))
        .bind(clock::now_rfc3339())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| if is_unique_violation(&e) { one_per_country(&country) } else { e.into() })?;
        let after = fetch(&mut tx, id).await?.object();
        let record = Record::new("tax_residence.updated", "tax_residence", id).before(&before.object()).after(&after);
        audit::write(&mut tx, actor, meta, record).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Soft delete: the row stays, flagged, with its deletion date.
    pub async fn delete_tax_residence(&self, actor: &Actor, meta: &RequestMeta, id: i64) -> Result<Value> {
        actor.require(Action::ManageTaxResidences)?;
        let mut tx = self.db.begin_write().await?;
        let deleted = delete_in(&mut tx, actor, meta, id).await?;
        tx.commit().await?;
        Ok(deleted)
    }

    /// The dashboard popup's "Save Changes": residences left out of `kept` are deleted, those
    /// without id are added (with a waiver exactly when they have no TIN). Every added one is
    /// checked first, so a refusal changes nothing.
    pub async fn replace_tax_residences(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        user_id: i64,
        kept: Vec<TaxResidenceDraft>,
    ) -> Result<Vec<Value>> {
        actor.require(Action::ManageTaxResidences)?;
        // One transaction: the popup's changes apply together or not at all.
        let mut tx = self.db.begin_write().await?;
        let distribution: Option<String> =
            sqlx::query_scalar("SELECT distribution_country FROM end_users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(Error::NotFound)?;
        let current = live_of(&mut tx, user_id).await?;
        let mut countries = Vec::new();
        for draft in &kept {
            match draft.id {
                Some(id) => {
                    let stored = current.iter().find(|r| r["id"] == id).ok_or(Error::NotFound)?;
                    countries.push(stored["country"].as_str().unwrap_or_default().to_string());
                }
                None => {
                    let country = draft.country.trim().to_ascii_uppercase();
                    let tin = draft.tax_payer_id.trim();
                    check_tax_residence(&country, tin, tin.is_empty(), distribution.as_deref())?;
                    countries.push(country);
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = countries.iter().find(|c| !seen.insert(c.as_str())) {
            return Err(one_per_country(twice));
        }
        for stored in &current {
            let id = stored["id"].as_i64().unwrap_or_default();
            if !kept.iter().any(|d| d.id == Some(id)) {
                delete_in(&mut tx, actor, meta, id).await?;
            }
        }
        for draft in kept.into_iter().filter(|d| d.id.is_none()) {
            let tin = draft.tax_payer_id.trim().to_string();
            let input = TaxResidenceInput {
                user_id: Some(user_id),
                country: Some(draft.country.trim().to_ascii_uppercase()),
                liability_waiver: Some(tin.is_empty()),
                tax_payer_id: Some(tin),
            };
            create_in(&mut tx, actor, meta, input).await?;
        }
        let live = live_of(&mut tx, user_id).await?;
        tx.commit().await?;
        Ok(live)
    }
}
