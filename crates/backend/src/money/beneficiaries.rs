//! Beneficiaries: the bank accounts a user's payouts go to. Created with a checked IBAN
//! (ISO 13616 mod-97) and BIC; edited (name, nickname, address, tag, active) without
//! touching the IBAN (a new account is a new beneficiary) or the usage count.

use shared::banking::{BENEFICIARY_NAME_MAX, Iban, TAG_MAX, check_bic};
use shared::domain::Beneficiary;
use shared::validation::clean_text;
use shared::{Action, Scope};
use sqlx::{Any, Transaction};

use crate::audit::{AuditAction, Record};
use crate::auth::{Actor, RequestMeta};
use crate::error::{Error, Result};
use crate::users::fetch_user_for;
use crate::{Backend, clock};

#[derive(sqlx::FromRow)]
struct BeneficiaryRow {
    id: i64,
    user_id: i64,
    name: String,
    iban: String,
    bic: String,
    usage_count: i64,
    tag: String,
    nick_name: String,
    address: String,
    is_active: i64,
    usable_for_sct: i64,
    created_date: String,
    modified_date: String,
}

impl From<BeneficiaryRow> for Beneficiary {
    fn from(r: BeneficiaryRow) -> Self {
        Beneficiary {
            id: r.id,
            user_id: r.user_id,
            name: r.name,
            iban: r.iban,
            bic: r.bic,
            usage_count: r.usage_count,
            tag: r.tag,
            nick_name: r.nick_name,
            address: r.address,
            is_active: r.is_active != 0,
            usable_for_sct: r.usable_for_sct != 0,
            created_date: r.created_date,
            modified_date: r.modified_date,
        }
    }
}

const BENEFICIARY: &str = "SELECT id, user_id, name, iban, bic, usage_count, tag, nick_name, address, is_active, \
                           usable_for_sct, created_date, modified_date FROM beneficiaries";

/// A new beneficiary (`POST /v1/beneficiaries`, "Create Beneficiary").
#[derive(Clone, Debug, Default)]
pub struct NewBeneficiary {
    pub user_id: Option<i64>,
    pub name: Option<String>,
    pub nick_name: Option<String>,
    pub address: Option<String>,
    pub iban: Option<String>,
    pub bic: Option<String>,
    pub tag: Option<String>,
    pub usable_for_sct: Option<bool>,
}

/// What "Edit Beneficiary" / `PUT /v1/beneficiaries/{id}` may change.
#[derive(Clone, Debug, Default)]
pub struct BeneficiaryPatch {
    pub name: Option<String>,
    pub nick_name: Option<String>,
    pub address: Option<String>,
    pub tag: Option<String>,
    pub is_active: Option<bool>,
}

/// Most used first; a user has few.
pub const BENEFICIARIES_MAX: i64 = 500;

async fn fetch_beneficiary(tx: &mut Transaction<'_, Any>, id: i64) -> Result<Beneficiary> {
    let row: Option<BeneficiaryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{BENEFICIARY} WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.ok_or(Error::NotFound)?.into())
}

fn required_name(raw: Option<&str>) -> Result<String> {
    clean_text("name", raw, BENEFICIARY_NAME_MAX)?.ok_or_else(|| Error::invalid("name", "The name is required."))
}

impl Backend {
    /// A user's beneficiaries, most used first.
    pub async fn list_beneficiaries(&self, actor: &Actor, user_id: i64) -> Result<Vec<Beneficiary>> {
        actor.require(Action::ReadUsers)?;
        let rows: Vec<BeneficiaryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{BENEFICIARY} WHERE user_id = $1 ORDER BY usage_count DESC, id LIMIT {BENEFICIARIES_MAX}"
        )))
        .bind(user_id)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows.into_iter().map(Beneficiary::from).collect())
    }

    pub async fn get_beneficiary(&self, actor: &Actor, id: i64) -> Result<Beneficiary> {
        actor.require(Action::ReadUsers)?;
        let row: Option<BeneficiaryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{BENEFICIARY} WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        Ok(row.ok_or(Error::NotFound)?.into())
    }

    pub async fn create_beneficiary(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        new: NewBeneficiary,
    ) -> Result<Beneficiary> {
        actor.require_at_endpoint(Action::CreateBeneficiary, Scope::ReadWrite)?;
        let user_id = new.user_id.ok_or_else(|| Error::invalid("userId", "userId is required."))?;
        let name = required_name(new.name.as_deref())?;
        let iban = Iban::parse(new.iban.as_deref().unwrap_or(""))?;
        let bic = check_bic(new.bic.as_deref().unwrap_or(""))?;
        let nick_name = clean_text("nickName", new.nick_name.as_deref(), BENEFICIARY_NAME_MAX)?.unwrap_or_default();
        let address = clean_text("address", new.address.as_deref(), TAG_MAX)?.unwrap_or_default();
        let tag = clean_text("tag", new.tag.as_deref(), TAG_MAX)?.unwrap_or_default();
        let mut change = self.open_change(actor, meta).await?;
        match fetch_user_for(&mut change.tx, user_id, Action::CreateBeneficiary).await {
            Err(Error::NotFound) => return Err(Error::invalid("userId", "userId names no user.")),
            other => other?,
        };
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM beneficiaries WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&mut *change.tx)
            .await?;
        if count >= BENEFICIARIES_MAX {
            return Err(Error::Conflict(format!("A user has at most {BENEFICIARIES_MAX} beneficiaries.")));
        }
        let now = clock::now_rfc3339();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO beneficiaries (user_id, name, iban, bic, usage_count, created_date, tag, nick_name, address, \
             is_active, usable_for_sct, modified_date) VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8, 1, $9, $5) RETURNING id",
        )
        .bind(user_id)
        .bind(&name)
        .bind(iban.as_str())
        .bind(&bic)
        .bind(&now)
        .bind(&tag)
        .bind(&nick_name)
        .bind(&address)
        .bind(i64::from(new.usable_for_sct.unwrap_or(true)))
        .fetch_one(&mut *change.tx)
        .await?;
        let created = fetch_beneficiary(&mut change.tx, id).await?;
        change.audit(Record::new(AuditAction::BeneficiaryCreated, id).after(&created)?).await?;
        change.commit().await?;
        Ok(created)
    }

    pub async fn update_beneficiary(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        patch: BeneficiaryPatch,
    ) -> Result<Beneficiary> {
        actor.require_at_endpoint(Action::EditBeneficiary, Scope::ReadWrite)?;
        let name = patch.name.as_deref().map(|n| required_name(Some(n))).transpose()?;
        let nick_name =
            patch.nick_name.as_deref().map(|n| clean_text("nickName", Some(n), BENEFICIARY_NAME_MAX)).transpose()?;
        let address = patch.address.as_deref().map(|a| clean_text("address", Some(a), TAG_MAX)).transpose()?;
        let tag = patch.tag.as_deref().map(|t| clean_text("tag", Some(t), TAG_MAX)).transpose()?;
        let mut change = self.open_change(actor, meta).await?;
        let before = fetch_beneficiary(&mut change.tx, id).await?;
        fetch_user_for(&mut change.tx, before.user_id, Action::EditBeneficiary).await?;
        sqlx::query(
            "UPDATE beneficiaries SET name = $1, nick_name = $2, address = $3, tag = $4, is_active = $5, \
             modified_date = $6 WHERE id = $7",
        )
        .bind(name.unwrap_or_else(|| before.name.clone()))
        .bind(nick_name.map(Option::unwrap_or_default).unwrap_or_else(|| before.nick_name.clone()))
        .bind(address.map(Option::unwrap_or_default).unwrap_or_else(|| before.address.clone()))
        .bind(tag.map(Option::unwrap_or_default).unwrap_or_else(|| before.tag.clone()))
        .bind(i64::from(patch.is_active.unwrap_or(before.is_active)))
        .bind(clock::now_rfc3339())
        .bind(id)
        .execute(&mut *change.tx)
        .await?;
        let after = fetch_beneficiary(&mut change.tx, id).await?;
        change.audit(Record::new(AuditAction::BeneficiaryUpdated, id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        Ok(after)
    }
}
