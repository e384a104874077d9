//! Cards: reading them, and the card actions (`/v1/cards/...`, the Cards tab): create a
//! virtual card, activate, lock / unlock / declare lost, stolen or destroyed, limits and
//! options. The state rules are `shared::cards` (`Card::refusal`); this checks the caller and
//! the owner, and writes each change with its audit row. The card's row is locked for the
//! change (Postgres `FOR UPDATE`; SQLite's write transaction is exclusive already), so two
//! concurrent changes apply one after the other and the second sees the first.

use rand_core::{OsRng, RngCore};
use shared::Action;
use shared::cards::{CardCommand, CardLimits, CardOptions, CardSettings, RestrictionKind};
use shared::domain::{Card, CardStatus, WalletStatus};
use shared::dto::{CardSearch, Cursor, Keyset, KeysetPage};
use shared::money::Currency;
use sqlx::{Any, AssertSqlSafe, Transaction};

use crate::audit::{AuditAction, Change, Record};
use crate::auth::{Actor, RequestMeta};
use crate::error::{Error, Result};
use crate::listing::{Conditions, bind_all, capped_count_sql, keyset, page_of, total_of};
use crate::users::fetch_user_for;
use crate::{Backend, DbKind, clock};
use shared::validation::clean_text;

/// The longest `cardTag` (the spec's `maxLength`).
pub const CARD_TAG_MAX_LEN: usize = 250;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    user_id: i64,
    wallet_id: Option<i64>,
    public_token: String,
    masked_pan: String,
    status_code: String,
    is_live: i64,
    is_virtual: i64,
    option_atm: i64,
    option_foreign: i64,
    option_online: i64,
    option_nfc: i64,
    limit_atm_day: i64,
    limit_atm_week: i64,
    limit_atm_month: i64,
    limit_atm_year: i64,
    limit_atm_all: i64,
    limit_payment_day: i64,
    limit_payment_week: i64,
    limit_payment_month: i64,
    limit_payment_year: i64,
    limit_payment_all: i64,
    country_restriction_group_id: Option<i64>,
    mcc_restriction_group_id: Option<i64>,
    card_tag: Option<String>,
    expiry_date: String,
    created_date: String,
    modified_date: Option<String>,
    currency: String,
}

impl Row {
    fn typed(self) -> Result<Card> {
        let stored = |what: &str| Error::Internal(format!("card {}: the stored {what} is not valid", self.id));
        Ok(Card {
            id: self.id,
            user_id: self.user_id,
            wallet_id: self.wallet_id,
            status: CardStatus::parse(&self.status_code).ok_or_else(|| stored("statusCode"))?,
            currency: Currency::parse(&self.currency).ok_or_else(|| stored("currency"))?,
            public_token: self.public_token,
            masked_pan: self.masked_pan,
            is_live: self.is_live != 0,
            is_virtual: self.is_virtual != 0,
            options: CardOptions {
                atm: self.option_atm != 0,
                foreign: self.option_foreign != 0,
                online: self.option_online != 0,
                nfc: self.option_nfc != 0,
            },
            limits: CardLimits {
                atm_day: self.limit_atm_day,
                atm_week: self.limit_atm_week,
                atm_month: self.limit_atm_month,
                atm_year: self.limit_atm_year,
                atm_all: self.limit_atm_all,
                payment_day: self.limit_payment_day,
                payment_week: self.limit_payment_week,
                payment_month: self.limit_payment_month,
                payment_year: self.limit_payment_year,
                payment_all: self.limit_payment_all,
            },
            country_restriction_group_id: self.country_restriction_group_id,
            mcc_restriction_group_id: self.mcc_restriction_group_id,
            card_tag: self.card_tag,
            expiry_date: self.expiry_date,
            modified_date: self.modified_date.unwrap_or_else(|| self.created_date.clone()),
            created_date: self.created_date,
        })
    }
}

/// What a public token can be: at most 64 characters, none a control character (Postgres
/// refuses a NUL in any text).
fn could_be_public_token(token: &str) -> bool {
    token.len() <= 64 && !token.chars().any(char::is_control)
}

/// Every card column, and the currency of its wallet (EUR for a card without one).
const SELECT: &str = "SELECT c.id, c.user_id, c.wallet_id, c.public_token, c.masked_pan, c.status_code, \
    c.is_live, c.is_virtual, c.option_atm, c.option_foreign, c.option_online, c.option_nfc, \
    c.limit_atm_day, c.limit_atm_week, c.limit_atm_month, c.limit_atm_year, c.limit_atm_all, \
    c.limit_payment_day, c.limit_payment_week, c.limit_payment_month, c.limit_payment_year, c.limit_payment_all, \
    c.country_restriction_group_id, c.mcc_restriction_group_id, c.card_tag, c.expiry_date, c.created_date, \
    c.modified_date, COALESCE(w.currency, 'EUR') AS currency \
    FROM cards c LEFT JOIN wallets w ON w.id = c.wallet_id";

/// A card as `SELECT` reads it; on Postgres its row is locked until the change ends.
async fn fetch_for_change(tx: &mut Transaction<'_, Any>, kind: DbKind, id: i64) -> Result<Card> {
    let lock = match kind {
        DbKind::Postgres => " FOR UPDATE OF c",
        DbKind::Sqlite => "",
    };
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $1{lock}")))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    row.ok_or(Error::NotFound)?.typed()
}

/// `PUT /v1/cards/{id}`: `Some(None)` clears a field, `None` keeps it.
#[derive(Clone, Debug, Default)]
pub struct CardPatch {
    pub country_restriction_group_id: Option<Option<i64>>,
    pub mcc_restriction_group_id: Option<Option<i64>>,
    pub card_tag: Option<Option<String>>,
}

/// A virtual card to create (`POST /v1/cards/CreateVirtual`, Bulk Cards).
#[derive(Clone, Debug, Default)]
pub struct NewCard {
    pub user_id: Option<i64>,
    pub wallet_id: Option<i64>,
    /// `TRZ-CU-001` to `016`: the card's first options (`CardOptions::from_perms_group`).
    pub perms_group: Option<String>,
    pub card_tag: Option<String>,
    pub country_restriction_group_id: Option<i64>,
    pub mcc_restriction_group_id: Option<i64>,
    /// Limits sent with the creation (API field name, value); the others keep the defaults.
    pub limits: Vec<(String, i64)>,
}

/// A new card's public token (9 digits, printed on the card) and masked PAN.
fn new_card_numbers() -> (String, String, String) {
    let token = 100_000_000 + OsRng.next_u64() % 900_000_000;
    let last4 = format!("{:04}", OsRng.next_u64() % 10_000);
    (token.to_string(), format!("5123 45** **** {last4}"), last4)
}

/// Applies `(field, value)` pairs to `limits`, refusing unknown fields and broken rules.
pub fn merged_limits(mut limits: CardLimits, changes: &[(String, i64)]) -> Result<CardLimits> {
    for (field, value) in changes {
        if !limits.set(field, *value) {
            return Err(Error::invalid(field, format!("{field} is not a card limit.")));
        }
    }
    limits.check()?;
    Ok(limits)
}

/// All Cards' largest page.
pub const MAX_PAGE_SIZE: i64 = 100;

/// `YYYY-MM` as the first or last day of that month (`YYYY-MM-DD`), for comparing with
/// `expiry_date`.
fn month_bound(field: &str, month: &str, last_day: bool) -> Result<String> {
    let valid = month.len() == 7
        && month.as_bytes()[4] == b'-'
        && month[..4].bytes().all(|b| b.is_ascii_digit())
        && matches!(month[5..].parse::<u32>(), Ok(1..=12));
    if !valid {
        return Err(Error::invalid(field, format!("{field} is a month, YYYY-MM.")));
    }
    Ok(format!("{month}-{}", if last_day { "31" } else { "01" }))
}

impl Backend {
    /// All Cards: newest first (by expiry, then newest, when filtered by expiry), filtered, a
    /// keyset page; the total is capped.
    pub async fn search_cards(&self, actor: &Actor, search: &CardSearch) -> Result<KeysetPage<Card>> {
        actor.require(Action::ReadUsers)?;
        let mut conditions = Conditions::default();
        if let Some(status) = search.status {
            conditions.text("c.status_code = ?", status.name());
        }
        if let Some(user_id) = search.user_id {
            conditions.int("c.user_id = ?", user_id);
        }
        match search.card.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(digits) if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) => {
                conditions.text("c.last4 = ?", digits);
            }
            Some(token) if could_be_public_token(token) => conditions.text("c.public_token = ?", token),
            Some(_) => return Err(Error::invalid("card", "card is 4 digits or a public token.")),
            None => {}
        }
        if let Some(from) = search.expiry_from.as_deref().filter(|m| !m.is_empty()) {
            conditions.text("c.expiry_date >= ?", month_bound("expiryFrom", from, false)?);
        }
        if let Some(to) = search.expiry_to.as_deref().filter(|m| !m.is_empty()) {
            conditions.text("c.expiry_date <= ?", month_bound("expiryTo", to, true)?);
        }
        let count_sql = capped_count_sql(&format!("FROM cards c {}", conditions.where_clause()));
        let counted: i64 =
            bind_all!(sqlx::query_scalar(AssertSqlSafe(count_sql)), &conditions.binds).fetch_one(&self.db.pool).await?;
        let size = search.page_size.clamp(1, MAX_PAGE_SIZE);
        // Filtered by expiry, the list follows the expiry index (then id), so that a page
        // never sorts every match.
        let by_expiry = search.expiry_from.as_deref().is_some_and(|m| !m.is_empty())
            || search.expiry_to.as_deref().is_some_and(|m| !m.is_empty());
        let key_column = by_expiry.then_some("c.expiry_date");
        let order_by = keyset(&mut conditions, key_column, "c.id", &search.at)?;
        let sql = format!("{SELECT} {} ORDER BY {order_by} LIMIT ${}", conditions.where_clause(), conditions.next());
        let rows: Vec<Row> = bind_all!(sqlx::query_as(AssertSqlSafe(sql)), &conditions.binds)
            .bind(size + 1)
            .fetch_all(&self.db.pool)
            .await?;
        let cards = rows.into_iter().map(Row::typed).collect::<Result<Vec<_>>>()?;
        let (items, has_newer, has_older) = page_of(cards, size as usize, &search.at);
        let cursor = |c: &Card| Cursor { key: by_expiry.then(|| c.expiry_date.clone()), id: c.id };
        Ok(KeysetPage {
            newer: has_newer.then(|| items.first().map(|c| Keyset::After(cursor(c)))).flatten(),
            older: has_older.then(|| items.last().map(|c| Keyset::Before(cursor(c)))).flatten(),
            total: total_of(counted),
            items,
        })
    }

    pub async fn list_cards(&self, actor: &Actor, user_id: i64) -> Result<Vec<Card>> {
        actor.require(Action::ReadUsers)?;
        let rows: Vec<Row> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.user_id = $1 ORDER BY c.id")))
                .bind(user_id)
                .fetch_all(&self.db.pool)
                .await?;
        rows.into_iter().map(Row::typed).collect()
    }

    /// A card by its id or its public token (the search toolbar's "Card"); a token no card
    /// could have finds none without asking the database.
    pub async fn find_card(&self, actor: &Actor, id: Option<i64>, public_token: Option<&str>) -> Result<Card> {
        actor.require(Action::ReadUsers)?;
        let row: Option<Row> = match (id, public_token) {
            (Some(id), _) => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $1")))
                    .bind(id)
                    .fetch_optional(&self.db.pool)
                    .await?
            }
            (None, Some(token)) if !could_be_public_token(token) => None,
            (None, Some(token)) => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.public_token = $1")))
                    .bind(token)
                    .fetch_optional(&self.db.pool)
                    .await?
            }
            (None, None) => return Err(Error::invalid("cardId", "cardId or publicToken is required.")),
        };
        row.ok_or(Error::NotFound)?.typed()
    }

    /// Creates a virtual card on a wallet of the user. It must be activated to be used.
    pub async fn create_virtual_card(&self, actor: &Actor, meta: &RequestMeta, new: NewCard) -> Result<Card> {
        let mut change = self.begin_change(actor, meta, Action::CreateCard).await?;
        let created = self.insert_virtual_card(&mut change, new).await?;
        change.commit().await?;
        Ok(created)
    }

    /// Checks and inserts a virtual card in `change` (whose caller checked the permission),
    /// with its audit row.
    pub(crate) async fn insert_virtual_card(&self, change: &mut Change<'_>, new: NewCard) -> Result<Card> {
        let user_id = new.user_id.ok_or_else(|| Error::invalid("userId", "userId is required."))?;
        let wallet_id = new.wallet_id.ok_or_else(|| Error::invalid("walletId", "walletId is required."))?;
        let options = match new.perms_group.as_deref().map(str::trim) {
            None | Some("") => CardOptions::default(),
            Some(code) => CardOptions::from_perms_group(code)
                .ok_or_else(|| Error::invalid("permsGroup", "permsGroup is TRZ-CU-001 to TRZ-CU-016."))?,
        };
        let tag = clean_text("cardTag", new.card_tag.as_deref(), CARD_TAG_MAX_LEN)?;
        let limits = merged_limits(CardLimits::NEW_CARD, &new.limits)?;
        match fetch_user_for(&mut change.tx, user_id, Action::CreateCard).await {
            Err(Error::NotFound) => return Err(Error::invalid("userId", "userId names no user.")),
            other => other?,
        };
        let wallet: Option<(i64, String)> = sqlx::query_as("SELECT user_id, wallet_status FROM wallets WHERE id = $1")
            .bind(wallet_id)
            .fetch_optional(&mut *change.tx)
            .await?;
        match wallet {
            Some((owner, _)) if owner != user_id => {
                return Err(Error::invalid("walletId", "This wallet belongs to another user."));
            }
            Some((_, status)) if WalletStatus::parse(&status) != Some(WalletStatus::Validated) => {
                return Err(Error::Conflict("A card can only be created on an active wallet.".into()));
            }
            Some(_) => {}
            None => return Err(Error::invalid("walletId", "walletId names no wallet.")),
        }
        for (group, kind, field) in [
            (new.country_restriction_group_id, RestrictionKind::Country, "countryRestrictionGroupId"),
            (new.mcc_restriction_group_id, RestrictionKind::Mcc, "mccRestrictionGroupId"),
        ] {
            if let Some(group) = group {
                crate::restriction_groups::check_applicable(&mut change.tx, kind, group, field).await?;
            }
        }
        let now = self.clock.now();
        let expiry = (now + chrono::TimeDelta::days(3 * 365)).format("%Y-%m-%d").to_string();
        let now = clock::now_rfc3339();
        let mut attempt = 0;
        let id = loop {
            attempt += 1;
            let (token, pan, last4) = new_card_numbers();
            let inserted = sqlx::query_scalar::<_, i64>(
                "INSERT INTO cards (user_id, wallet_id, public_token, masked_pan, status_code, created_date, \
                 modified_date, is_live, is_virtual, option_atm, option_foreign, option_online, option_nfc, \
                 limit_atm_day, limit_atm_week, limit_atm_month, limit_atm_year, limit_atm_all, limit_payment_day, \
                 limit_payment_week, limit_payment_month, limit_payment_year, limit_payment_all, card_tag, expiry_date, \
                 last4, country_restriction_group_id, mcc_restriction_group_id) \
                 VALUES ($1, $2, $3, $4, 'UNLOCK', $5, $5, 0, 1, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                 $17, $18, $19, $20, $21, $22, $23, $24) ON CONFLICT (public_token) DO NOTHING RETURNING id",
            )
            .bind(user_id)
            .bind(wallet_id)
            .bind(token)
            .bind(pan)
            .bind(&now)
            .bind(i64::from(options.atm))
            .bind(i64::from(options.foreign))
            .bind(i64::from(options.online))
            .bind(i64::from(options.nfc))
            .bind(limits.atm_day)
            .bind(limits.atm_week)
            .bind(limits.atm_month)
            .bind(limits.atm_year)
            .bind(limits.atm_all)
            .bind(limits.payment_day)
            .bind(limits.payment_week)
            .bind(limits.payment_month)
            .bind(limits.payment_year)
            .bind(limits.payment_all)
            .bind(tag.clone())
            .bind(&expiry)
            .bind(last4)
            .bind(new.country_restriction_group_id)
            .bind(new.mcc_restriction_group_id)
            .fetch_optional(&mut *change.tx)
            .await?;
            // A token already taken inserts nothing (without aborting the transaction, as a
            // unique violation would on Postgres): draw again.
            match inserted {
                Some(id) => break id,
                None if attempt < 5 => continue,
                None => return Err(Error::Internal("no free public token after 5 draws".into())),
            }
        };
        let created = fetch_for_change(&mut change.tx, self.db.kind, id).await?;
        change.audit(Record::new(AuditAction::CardCreated, id).after(&created)?).await?;
        Ok(created)
    }

    /// "Activate card" (`isLive` 1).
    pub async fn activate_card(&self, actor: &Actor, meta: &RequestMeta, id: i64) -> Result<Card> {
        let mut change = self.begin_change(actor, meta, Action::ActivateCard).await?;
        let before = self.card_for(&mut change, id, CardCommand::Activate, Action::ActivateCard).await?;
        sqlx::query("UPDATE cards SET is_live = 1, modified_date = $1 WHERE id = $2")
            .bind(clock::modified_after(&before.modified_date))
            .bind(id)
            .execute(&mut *change.tx)
            .await?;
        self.finish_card_change(change, before, AuditAction::CardActivated).await
    }

    /// "Block card" and its reverse: the API's `lockStatus` (0 unlock, 1 lock, 2 lost,
    /// 3 stolen, 4 destroyed). Lost, stolen and destroyed are final.
    pub async fn set_card_lock_status(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        lock_status: Option<i64>,
    ) -> Result<Card> {
        let code = lock_status.ok_or_else(|| Error::invalid("lockStatus", "lockStatus is required."))?;
        let to = CardStatus::from_lock_status(code).ok_or_else(|| {
            Error::invalid("lockStatus", "lockStatus is 0 (unlock), 1 (lock), 2 (lost), 3 (stolen) or 4 (destroyed).")
        })?;
        let mut change = self.begin_change(actor, meta, Action::BlockCard).await?;
        // Blocking protects, even a canceled user's card; unlocking makes the card usable
        // again, which a canceled user's card may not be (the activation rule).
        let owner_rule = if to == CardStatus::Unlock { Action::ActivateCard } else { Action::BlockCard };
        let before = self.card_for(&mut change, id, CardCommand::SetStatus(to), owner_rule).await?;
        sqlx::query("UPDATE cards SET status_code = $1, modified_date = $2 WHERE id = $3")
            .bind(to.name())
            .bind(clock::modified_after(&before.modified_date))
            .bind(id)
            .execute(&mut *change.tx)
            .await?;
        self.finish_card_change(change, before, AuditAction::CardStatusChanged).await
    }

    /// Changes some limits (API field name, value); the others keep their value.
    pub async fn update_card_limits(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        changes: Vec<(String, i64)>,
    ) -> Result<Card> {
        self.change_card_settings(actor, meta, id, |card| {
            Ok(CardSettings { limits: merged_limits(card.limits, &changes)?, ..card.settings() })
        })
        .await
    }

    pub async fn update_card_options(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        options: CardOptions,
    ) -> Result<Card> {
        self.change_card_settings(actor, meta, id, |card| Ok(CardSettings { options, ..card.settings() })).await
    }

    /// `PUT /v1/cards/{id}`: restriction groups and tag; fields left out keep their value.
    pub async fn update_card(&self, actor: &Actor, meta: &RequestMeta, id: i64, patch: CardPatch) -> Result<Card> {
        self.change_card_settings(actor, meta, id, |card| {
            let mut settings = card.settings();
            if let Some(group) = patch.country_restriction_group_id {
                settings.country_restriction_group_id = group;
            }
            if let Some(group) = patch.mcc_restriction_group_id {
                settings.mcc_restriction_group_id = group;
            }
            if let Some(tag) = patch.card_tag {
                settings.card_tag = tag;
            }
            Ok(settings)
        })
        .await
    }

    /// The Cards tab's "Update card settings": everything in one change. `seen` is the
    /// card's `modified_date` as the dialog loaded it: if someone changed the card since, the
    /// save is refused rather than undoing their change.
    pub async fn update_card_settings(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        settings: CardSettings,
        seen: Option<String>,
    ) -> Result<Card> {
        self.change_card_settings(actor, meta, id, |card| {
            if seen.as_ref().is_some_and(|seen| *seen != card.modified_date) {
                return Err(Error::Conflict(format!(
                    "Card #{id} was changed by someone else meanwhile: close its settings and open them again."
                )));
            }
            Ok(settings)
        })
        .await
    }

    /// Writes the settings `settings` makes of the current card after checking them (limits,
    /// tag, restriction groups that exist, of their kind, not canceled); each part that
    /// changed is audited, and a change to nothing writes and records nothing.
    async fn change_card_settings(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: i64,
        settings: impl FnOnce(&Card) -> Result<CardSettings>,
    ) -> Result<Card> {
        let mut change = self.begin_change(actor, meta, Action::UpdateCardSettings).await?;
        let command = CardCommand::UpdateSettings;
        let before = self.card_for(&mut change, id, command, Action::UpdateCardSettings).await?;
        let mut new = settings(&before)?;
        new.limits.check()?;
        new.card_tag = clean_text("cardTag", new.card_tag.as_deref(), CARD_TAG_MAX_LEN)?;
        let old = before.settings();
        // Only a group being applied now is checked: a card keeps a group canceled since.
        for (group, was, kind, field) in [
            (
                new.country_restriction_group_id,
                old.country_restriction_group_id,
                RestrictionKind::Country,
                "countryRestrictionGroupId",
            ),
            (new.mcc_restriction_group_id, old.mcc_restriction_group_id, RestrictionKind::Mcc, "mccRestrictionGroupId"),
        ] {
            if let Some(group) = group.filter(|g| Some(*g) != was) {
                crate::restriction_groups::check_applicable(&mut change.tx, kind, group, field).await?;
            }
        }
        if new == old {
            return Ok(before);
        }
        let (l, o) = (new.limits, new.options);
        sqlx::query(
            "UPDATE cards SET limit_atm_day = $1, limit_atm_week = $2, limit_atm_month = $3, limit_atm_year = $4, \
             limit_atm_all = $5, limit_payment_day = $6, limit_payment_week = $7, limit_payment_month = $8, \
             limit_payment_year = $9, limit_payment_all = $10, option_atm = $11, option_foreign = $12, \
             option_online = $13, option_nfc = $14, country_restriction_group_id = $15, \
             mcc_restriction_group_id = $16, card_tag = $17, modified_date = $18 WHERE id = $19",
        )
        .bind(l.atm_day)
        .bind(l.atm_week)
        .bind(l.atm_month)
        .bind(l.atm_year)
        .bind(l.atm_all)
        .bind(l.payment_day)
        .bind(l.payment_week)
        .bind(l.payment_month)
        .bind(l.payment_year)
        .bind(l.payment_all)
        .bind(i64::from(o.atm))
        .bind(i64::from(o.foreign))
        .bind(i64::from(o.online))
        .bind(i64::from(o.nfc))
        .bind(new.country_restriction_group_id)
        .bind(new.mcc_restriction_group_id)
        .bind(new.card_tag.clone())
        .bind(clock::modified_after(&before.modified_date))
        .bind(id)
        .execute(&mut *change.tx)
        .await?;
        let after = fetch_for_change(&mut change.tx, self.db.kind, id).await?;
        let other_changed = (new.country_restriction_group_id, new.mcc_restriction_group_id, &new.card_tag)
            != (old.country_restriction_group_id, old.mcc_restriction_group_id, &old.card_tag);
        for (changed, action) in [
            (new.limits != old.limits, AuditAction::CardLimitsUpdated),
            (new.options != old.options, AuditAction::CardOptionsUpdated),
            (other_changed, AuditAction::CardUpdated),
        ] {
            if changed {
                change.audit(Record::new(action, id).before(&before)?.after(&after)?).await?;
            }
        }
        change.commit().await?;
        Ok(after)
    }

    /// The card about to change, locked for the change: refused if its state refuses
    /// `command` or its owner's state refuses `owner_rule`.
    async fn card_for(
        &self,
        change: &mut Change<'_>,
        id: i64,
        command: CardCommand,
        owner_rule: Action,
    ) -> Result<Card> {
        let card = fetch_for_change(&mut change.tx, self.db.kind, id).await?;
        fetch_user_for(&mut change.tx, card.user_id, owner_rule).await?;
        if let Some(refusal) = card.refusal(command) {
            return Err(Error::Conflict(refusal));
        }
        Ok(card)
    }

    async fn finish_card_change(&self, mut change: Change<'_>, before: Card, action: AuditAction) -> Result<Card> {
        let after = fetch_for_change(&mut change.tx, self.db.kind, before.id).await?;
        change.audit(Record::new(action, before.id).before(&before)?.after(&after)?).await?;
        change.commit().await?;
        Ok(after)
    }
}
