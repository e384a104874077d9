//! Predefined restriction groups (`/v1/countryRestrictionGroups`, `/v1/mccRestrictionGroups`,
//! the Predef Restriction Groups view): lists of countries or MCCs that a card allows or
//! refuses. Operators need `admin` (DESIGN.md), API clients the spec's `read_write`. A
//! deleted group is kept, CANCELED, and can no longer be applied to a card.

use shared::cards::{GroupStatus, RestrictionGroup, RestrictionKind, clean_group};
use shared::{Action, Scope};
use sqlx::{Any, Transaction};

use crate::Backend;
use crate::audit::{AuditAction, Record};
use crate::auth::{Actor, RequestMeta};
use crate::clock;
use crate::error::{Error, Result};

/// A group to create, or the fields to change (`None` keeps a field).
#[derive(Clone, Debug, Default)]
pub struct GroupInput {
    pub name: Option<String>,
    pub is_whitelist: Option<bool>,
    pub items: Option<Vec<String>>,
    pub status: Option<GroupStatus>,
    pub start_date: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    name: String,
    is_whitelist: i64,
    items: String,
    status: String,
    start_date: String,
    created_date: String,
    modified_date: String,
}

impl Row {
    fn typed(self) -> Result<RestrictionGroup> {
        let stored =
            |what: &str| Error::Internal(format!("restriction group {}: the stored {what} is not valid", self.id));
        Ok(RestrictionGroup {
            id: self.id,
            kind: RestrictionKind::parse(&self.kind).ok_or_else(|| stored("kind"))?,
            status: GroupStatus::parse(&self.status).ok_or_else(|| stored("status"))?,
            name: self.name,
            is_whitelist: self.is_whitelist != 0,
            items: self.items.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
            start_date: self.start_date,
            created_date: self.created_date,
            modified_date: self.modified_date,
        })
    }
}

const SELECT: &str = "SELECT id, kind, name, is_whitelist, items, status, start_date, created_date, modified_date \
    FROM restriction_groups";

async fn fetch(tx: &mut Transaction<'_, Any>, kind: RestrictionKind, id: i64) -> Result<RestrictionGroup> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1 AND kind = $2")))
        .bind(id)
        .bind(kind.name())
        .fetch_optional(&mut **tx)
        .await?;
    row.ok_or(Error::NotFound)?.typed()
}

/// Refuses a group a card cannot use: unknown, of the other kind, or canceled.
pub(crate) async fn check_applicable(
    tx: &mut Transaction<'_, Any>,
    kind: RestrictionKind,
    id: i64,
    field: &str,
) -> Result<()> {
    match fetch(tx, kind, id).await {
        Ok(group) if group.status == GroupStatus::Canceled => {
            Err(Error::invalid(field, format!("{} #{id} is canceled.", kind.label())))
        }
        Ok(_) => Ok(()),
        Err(Error::NotFound) => {
            Err(Error::invalid(field, format!("{field} names no {}.", kind.label().to_lowercase())))
        }
        Err(e) => Err(e),
    }
}

/// Operators need admin (the role table), API clients the spec's read_write.
fn require_may_manage(actor: &Actor) -> Result<()> {
    actor.require_at_endpoint(Action::ManageRestrictionGroups, Scope::ReadWrite)
}

/// A start date: RFC 3339, stored in UTC.
fn start_date(value: Option<String>) -> Result<Option<String>> {
    value
        .map(|v| {
            chrono::DateTime::parse_from_rfc3339(v.trim())
                .map(|d| d.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                .map_err(|_| Error::invalid("startDate", "startDate is an RFC 3339 date-time."))
        })
        .transpose()
}

impl Backend {
    /// The groups of one kind, oldest first, canceled ones included (flagged).
    pub async fn list_restriction_groups(&self, actor: &Actor, kind: RestrictionKind) -> Result<Vec<RestrictionGroup>> {
        actor.require(Action::ReadUsers)?;
        // A handful per provider: the list is whole, with a bound all the same.
        let rows: Vec<Row> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE kind = $1 ORDER BY id LIMIT 1000")))
                .bind(kind.name())
                .fetch_all(&self.db.pool)
                .await?;
        rows.into_iter().map(Row::typed).collect()
    }

    pub async fn get_restriction_group(
        &self,
        actor: &Actor,
        kind: RestrictionKind,
        id: i64,
    ) -> Result<RestrictionGroup> {
        actor.require(Action::ReadUsers)?;
        let mut tx = self.db.pool.begin().await?;
        fetch(&mut tx, kind, id).await
    }

    pub async fn create_restriction_group(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        kind: RestrictionKind,
        input: GroupInput,
    ) -> Result<RestrictionGroup> {
        require_may_manage(actor)?;
        let (name, items) =
            clean_group(kind, input.name.as_deref().unwrap_or_default(), &input.items.unwrap_or_default())?;
        let status = input.status.unwrap_or(GroupStatus::Validated);
        if status == GroupStatus::Canceled {
            return Err(Error::invalid("status", "A new group cannot be canceled."));
        }
        let now = clock::now_rfc3339();
        let start = start_date(input.start_date)?.unwrap_or_else(|| now.clone());
        let mut change = self.open_change(actor, meta).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO restriction_groups (kind, name, is_whitelist, items, status, start_date, created_date, \
             modified_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(kind.name())
        .bind(name)
        .bind(i64::from(input.is_whitelist.unwrap_or(true)))
        .bind(items.join(","))
        .bind(status.name())
        .bind(start)
        .bind(now)
        .fetch_one(&mut *change.tx)
        .await?;
        let created = fetch(&mut change.tx, kind, id).await?;
        change.audit(Record::new(AuditAction::RestrictionGroupCreated, id).after(&created)?).await?;
        change.commit().await?;
        Ok(created)
    }

    pub async fn update_restriction_group(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        kind: RestrictionKind,
        id: i64,
        input: GroupInput,
    ) -> Result<RestrictionGroup> {
        require_may_manage(actor)?;
        let mut change = self.open_change(actor, meta).await?;
        let before = fetch(&mut change.tx, kind, id).await?;
        if before.status == GroupStatus::Canceled {
            return Err(Error::Conflict("This restriction group is canceled.".into()));
        }
        let (name, items) = clean_group(
            kind,
            input.name.as_deref().unwrap_or(&before.name),
            input.items.as_deref().unwrap_or(&before.items),
        )?;
        let start = start_date(input.start_date)?.unwrap_or_else(|| before.start_date.clone());
        let status = input.status.unwrap_or(before.status);
        // Conditional: a group canceled meanwhile stays canceled.
        let updated = sqlx::query(
            "UPDATE restriction_groups SET name = $1, is_whitelist = $2, items = $3, status = $4, start_date = $5, \
             modified_date = $6 WHERE id = $7 AND status <> 'CANCELED'",
        )
        .bind(name)
        .bind(i64::from(input.is_whitelist.unwrap_or(before.is_whitelist)))
        .bind(items.join(","))
        .bind(status.name())
        .bind(start)
        .bind(clock::now_rfc3339())
        .bind(id)
        .execute(&mut *change.tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(Error::Conflict("This restriction group is canceled.".into()));
        }
        let after = fetch(&mut change.tx, kind, id).await?;
        let action = if status == GroupStatus::Canceled {
            AuditAction::RestrictionGroupCanceled
        } else {
            AuditAction::RestrictionGroupUpdated
        };
        change.audit(Record::new(action, id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        Ok(after)
    }

    /// `DELETE`: the group is kept, CANCELED; cards that use it keep it until changed.
    pub async fn cancel_restriction_group(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        kind: RestrictionKind,
        id: i64,
    ) -> Result<RestrictionGroup> {
        let input = GroupInput { status: Some(GroupStatus::Canceled), ..GroupInput::default() };
        self.update_restriction_group(actor, meta, kind, id, input).await
    }
}
