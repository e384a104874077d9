//! Tax residences of end users: create, read, update, soft delete. The TIN and waiver rules
//! are `shared::tax`; this adds what needs stored data: the user exists and is not canceled,
//! its distribution country, and one live residence per country.

use shared::Action;
use shared::domain::{EndUser, TaxResidence};
use shared::dto::TaxResidenceDraft;
use shared::tax::{check_tax_residence, normalize_country, repeated_country};
use sqlx::{Any, Transaction};

use crate::Backend;
use crate::audit::{AuditAction, Change, Record};
use crate::auth::{Actor, RequestMeta};
use crate::clock;
use crate::error::{Error, Result, on_unique_violation};
use crate::users::fetch_user_for;

/// What a client sends (POST, or PUT where missing fields keep their value).
#[derive(Clone, Debug, Default)]
pub struct TaxResidenceInput {
    pub user_id: Option<i64>,
    pub country: Option<String>,
    pub tax_payer_id: Option<String>,
    pub liability_waiver: Option<bool>,
}

impl TaxResidenceInput {
    /// Cleaned once for every door: the country trimmed and upper-cased ("us" is the US),
    /// the TIN trimmed.
    fn normalized(self) -> TaxResidenceInput {
        TaxResidenceInput {
            country: self.country.as_deref().map(normalize_country),
            tax_payer_id: self.tax_payer_id.map(|t| t.trim().to_string()),
            ..self
        }
    }
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

impl From<Row> for TaxResidence {
    fn from(r: Row) -> Self {
        TaxResidence {
            id: r.id,
            user_id: r.user_id,
            country: r.country,
            tax_payer_id: r.tax_payer_id.unwrap_or_default(),
            liability_waiver: r.liability_waiver != 0,
            created_date: r.created_date,
            last_update: r.last_update,
            deleted_date: r.deleted_date,
            is_deleted: r.is_deleted != 0,
        }
    }
}

const COLUMNS: &str =
    "id, user_id, country, tax_payer_id, liability_waiver, created_date, last_update, deleted_date, is_deleted";

async fn fetch(tx: &mut Transaction<'_, Any>, id: i64) -> Result<TaxResidence> {
    let row: Option<Row> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM tax_residences WHERE id = $1")))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(row.ok_or(Error::NotFound)?.into())
}

/// The owner of residences about to change: it must exist and not be canceled.
async fn owner(tx: &mut Transaction<'_, Any>, user_id: i64) -> Result<EndUser> {
    match fetch_user_for(tx, user_id, Action::ManageTaxResidences).await {
        Err(Error::NotFound) => Err(Error::invalid("userId", "userId names no user.")),
        other => other,
    }
}

fn one_per_country(country: &str) -> Error {
    Error::Conflict(format!("The user already has a tax residence in {country}."))
}

/// Checks the residence against the shared rule and the user's other live residences.
async fn validate(
    tx: &mut Transaction<'_, Any>,
    user: &EndUser,
    country: &str,
    tin: &str,
    waiver: bool,
    except: Option<i64>,
) -> Result<()> {
    let distribution = user.text("distributionCountry");
    check_tax_residence(country, tin, waiver, Some(distribution.as_str()).filter(|d| !d.is_empty()))?;
    let same_country: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tax_residences WHERE user_id = $1 AND country = $2 AND is_deleted = 0 AND id <> $3",
    )
    .bind(user.id)
    .bind(country)
    .bind(except.unwrap_or(0))
    .fetch_one(&mut **tx)
    .await?;
    if same_country > 0 {
        return Err(one_per_country(country));
    }
    Ok(())
}

/// Adds a residence in `change` (the caller checked the permission and the owner).
async fn create_in(
    change: &mut Change<'_>,
    user: &EndUser,
    country: String,
    tin: String,
    waiver: bool,
) -> Result<TaxResidence> {
    validate(&mut change.tx, user, &country, &tin, waiver, None).await?;
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO tax_residences (user_id, country, tax_payer_id, liability_waiver, created_date, last_update) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(user.id)
    .bind(&country)
    .bind((!tin.is_empty()).then_some(tin))
    .bind(i64::from(waiver))
    .bind(clock::now_rfc3339())
    .fetch_one(&mut *change.tx)
    .await
    // A concurrent request added the same country first (unique index).
    .map_err(on_unique_violation(|| one_per_country(&country)))?;
    let created = fetch(&mut change.tx, id).await?;
    change.audit(Record::new(AuditAction::TaxResidenceCreated, id).after(&created)?).await?;
    Ok(created)
}

/// Changes a live residence's TIN (and so its waiver) in `change`.
async fn update_in(
    change: &mut Change<'_>,
    user: &EndUser,
    before: TaxResidence,
    country: String,
    tin: String,
    waiver: bool,
) -> Result<TaxResidence> {
    validate(&mut change.tx, user, &country, &tin, waiver, Some(before.id)).await?;
    sqlx::query(
        "UPDATE tax_residences SET country = $1, tax_payer_id = $2, liability_waiver = $3, last_update = $4 WHERE id = $5",
    )
    .bind(country.clone())
    .bind((!tin.is_empty()).then_some(tin))
    .bind(i64::from(waiver))
    .bind(clock::now_rfc3339())
    .bind(before.id)
    .execute(&mut *change.tx)
    .await
    .map_err(on_unique_violation(|| one_per_country(&country)))?;
    let after = fetch(&mut change.tx, before.id).await?;
    change.audit(Record::new(AuditAction::TaxResidenceUpdated, before.id).before(&before)?.after(&after)?).await?;
    Ok(after)
}

/// Soft-deletes a residence in `change`.
async fn delete_in(change: &mut Change<'_>, before: TaxResidence) -> Result<TaxResidence> {
    if before.is_deleted {
        return Err(Error::Conflict("This tax residence is already deleted.".into()));
    }
    sqlx::query("UPDATE tax_residences SET is_deleted = 1, deleted_date = $1, last_update = $1 WHERE id = $2")
        .bind(clock::now_rfc3339())
        .bind(before.id)
        .execute(&mut *change.tx)
        .await?;
    let after = fetch(&mut change.tx, before.id).await?;
    change.audit(Record::new(AuditAction::TaxResidenceDeleted, before.id).before(&before)?.after(&after)?).await?;
    Ok(after)
}

/// The live residences of a user.
async fn live_of(tx: &mut Transaction<'_, Any>, user_id: i64) -> Result<Vec<TaxResidence>> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tax_residences WHERE user_id = $1 AND is_deleted = 0 ORDER BY id"
    )))
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(TaxResidence::from).collect())
}

impl Backend {
    pub async fn create_tax_residence(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: TaxResidenceInput,
    ) -> Result<TaxResidence> {
        let input = input.normalized();
        let user_id = input.user_id.ok_or_else(|| Error::invalid("userId", "userId is required."))?;
        let country = input.country.ok_or_else(|| Error::invalid("country", "country is required."))?;
        let waiver =
            input.liability_waiver.ok_or_else(|| Error::invalid("liabilityWaiver", "liabilityWaiver is required."))?;
        let mut change = self.begin_change(actor, meta, Action::ManageTaxResidences).await?;
        let user = owner(&mut change.tx, user_id).await?;
        let created = create_in(&mut change, &user, country, input.tax_payer_id.unwrap_or_default(), waiver).await?;
        change.commit().await?;
        Ok(created)
    }

    pub async fn get_tax_residence(&self, actor: &Actor, id: i64) -> Result<TaxResidence> {
        actor.require(Action::ReadUsers)?;
        let mut tx = self.db.pool.begin().await?;
        fetch(&mut tx, id).await
    }

    /// The user's tax residences, deleted ones included (flagged), oldest first.
    pub async fn list_tax_residences(&self, actor: &Actor, user_id: i64) -> Result<Vec<TaxResidence>> {
        actor.require(Action::ReadUsers)?;
        let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM tax_residences WHERE user_id = $1 ORDER BY id"
        )))
        .bind(user_id)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows.into_iter().map(TaxResidence::from).collect())
    }

    pub async fn update_tax_residence(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        input: TaxResidenceInput,
    ) -> Result<TaxResidence> {
        let input = input.normalized();
        let mut change = self.begin_change(actor, meta, Action::ManageTaxResidences).await?;
        let before = fetch(&mut change.tx, id).await?;
        if before.is_deleted {
            return Err(Error::Conflict("This tax residence is deleted.".into()));
        }
        if input.user_id.is_some_and(|u| u != before.user_id) {
            return Err(Error::invalid("userId", "A tax residence cannot move to another user."));
        }
        let user = owner(&mut change.tx, before.user_id).await?;
        let country = input.country.unwrap_or_else(|| before.country.clone());
        let tin = input.tax_payer_id.unwrap_or_else(|| before.tax_payer_id.clone());
        let waiver = input.liability_waiver.unwrap_or(before.liability_waiver);
        let after = update_in(&mut change, &user, before, country, tin, waiver).await?;
        change.commit().await?;
        Ok(after)
    }

    /// Soft delete: the row stays, flagged, with its deletion date.
    pub async fn delete_tax_residence(&self, actor: &Actor, meta: &RequestMeta, id: i64) -> Result<TaxResidence> {
        let mut change = self.begin_change(actor, meta, Action::ManageTaxResidences).await?;
        let before = fetch(&mut change.tx, id).await?;
        owner(&mut change.tx, before.user_id).await?;
        let deleted = delete_in(&mut change, before).await?;
        change.commit().await?;
        Ok(deleted)
    }

    /// The dashboard popup's "Save Changes": residences left out of `kept` are deleted, kept
    /// ones whose TIN changed are updated, those without id are added (each with a waiver
    /// exactly when it has no TIN). Every residence is checked first, so a refusal changes
    /// nothing.
    pub async fn replace_tax_residences(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        user_id: i64,
        kept: Vec<TaxResidenceDraft>,
    ) -> Result<Vec<TaxResidence>> {
        // One transaction: the popup's changes apply together or not at all.
        let mut change = self.begin_change(actor, meta, Action::ManageTaxResidences).await?;
        let user = owner(&mut change.tx, user_id).await?;
        let distribution = user.text("distributionCountry");
        let distribution = Some(distribution.as_str()).filter(|d| !d.is_empty());
        let current = live_of(&mut change.tx, user_id).await?;
        // (stored residence if any, country, TIN), all checked before anything is written.
        let mut plan: Vec<(Option<TaxResidence>, String, String)> = Vec::new();
        for draft in kept {
            let tin = draft.tax_payer_id.trim().to_string();
            let (stored, country) = match draft.id {
                Some(id) => {
                    let stored = current.iter().find(|r| r.id == id).cloned().ok_or(Error::NotFound)?;
                    let country = stored.country.clone();
                    (Some(stored), country)
                }
                None => (None, normalize_country(&draft.country)),
            };
            check_tax_residence(&country, &tin, tin.is_empty(), distribution)?;
            plan.push((stored, country, tin));
        }
        if let Some(twice) = repeated_country(plan.iter().map(|(_, c, _)| c.as_str())) {
            return Err(one_per_country(twice));
        }
        for stored in &current {
            if !plan.iter().any(|(s, _, _)| s.as_ref().is_some_and(|s| s.id == stored.id)) {
                delete_in(&mut change, stored.clone()).await?;
            }
        }
        for (stored, country, tin) in plan {
            let waiver = tin.is_empty();
            match stored {
                Some(before) if before.tax_payer_id != tin => {
                    update_in(&mut change, &user, before, country, tin, waiver).await?;
                }
                Some(_) => {}
                None => {
                    create_in(&mut change, &user, country, tin, waiver).await?;
                }
            }
        }
        let live = live_of(&mut change.tx, user_id).await?;
        // Saving the list unchanged records nothing and writes nothing.
        if change.is_audited() {
            change.commit().await?;
        }
        Ok(live)
    }
}
