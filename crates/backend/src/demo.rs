//! `server seed-demo --users N`: realistic, varied end users for a dashboard worth looking
//! at, and for measuring at the scale we design for (1,000,000 users). Rows go in batches
//! of multi-row INSERTs, one transaction per batch; names are deterministic per index so
//! that a run is reproducible.

use shared::user_states::UserStatus;
use std::time::Instant;

use sqlx::AssertSqlSafe;

use crate::Backend;
use crate::audit::{self, AuditAction, Record};
use crate::auth::{Actor, RequestMeta};
use crate::error::Result;

const FIRST_NAMES: &[&str] = &[
    "Ada", "Alan", "Grace", "Linus", "Marie", "Pierre", "Lucie", "Hugo", "Emma", "Louis", "Chloe", "Noah", "Ines",
    "Jules", "Sofia", "Mateo", "Lea", "Nathan", "Camille", "Yasmine", "Olivia", "Tom", "Sara", "Ibrahim", "Zoe",
    "Felix", "Anna", "Paul", "Nina", "Oscar",
];
const LAST_NAMES: &[&str] = &[
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
    "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard",
    "Andre", "Mercier", "Dupont", "Lambert", "Bonnet", "Francois", "Martinez", "Lovelace", "Turing", "Hopper", "Curie",
    "Nguyen", "Rossi", "Muller",
];
const COMPANY_WORDS: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Aperture",
    "Gringotts",
    "Oceanic",
    "Monarch",
    "Blue Sun",
];
const COMPANY_KINDS: &[&str] = &["SARL", "SAS", "SA", "Holding", "Partners", "Group", "Labs"];
const CITIES: &[(&str, &str, &str)] = &[
    ("Paris", "75011", "FR"),
    ("Lyon", "69002", "FR"),
    ("Marseille", "13001", "FR"),
    ("Madrid", "28001", "ES"),
    ("Milano", "20121", "IT"),
    ("Berlin", "10115", "DE"),
    ("Bruxelles", "1000", "BE"),
    ("Amsterdam", "1012", "NL"),
    ("Lisboa", "1100", "PT"),
    ("New York", "10001", "US"),
];
const TAGS: &[&str] = &["vip", "campaign-2025", "partner", "student", "premium", "legacy"];

/// From this many users, a seed builds the indexes after the load (`bulk_load`).
const DEFER_INDEXES_FROM: u64 = 100_000;
/// The tables a seed fills in bulk; `payins` keeps its indexes (the pay-ins are matched to
/// their wallets during the seed).
const LOADED_TABLES: [&str; 9] = [
    "end_users",
    "wallets",
    "cards",
    "card_transactions",
    "beneficiaries",
    "tax_residences",
    "sca_devices",
    "ledger_movements",
    "ledger_entries",
];

/// How many users one INSERT statement carries.
const BATCH: usize = 500;
/// How many users of a run get KYC documents (each document is a file in the store).
const DEMO_DOCUMENT_USERS: i64 = 300;
/// Columns the demo fills.
const COLUMNS: &str = "user_type_id, user_status, code_status, kyc_level, kyc_review, created_date, \
     modified_date, specified_u_s_person, title, firstname, lastname, birthday, email, address1, \
     postcode, city, country, phone, user_tag, legal_name";
const COLUMN_COUNT: usize = 20;

/// One demo user, from its index.
struct DemoUser {
    user_type_id: i64,
    status: &'static str,
    code_status: Option<i64>,
    kyc_level: i64,
    kyc_review: i64,
    created: String,
    us_person: i64,
    title: Option<&'static str>,
    firstname: Option<&'static str>,
    lastname: Option<&'static str>,
    birthday: Option<String>,
    email: String,
    address1: String,
    postcode: &'static str,
    city: &'static str,
    country: &'static str,
    phone: String,
    user_tag: Option<&'static str>,
    legal_name: Option<String>,
}

/// A cheap, well-mixed hash of the index (splitmix64), so that fields vary independently.
fn mix(i: u64, salt: u64) -> u64 {
    let mut z = i.wrapping_add(salt.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn pick<T: Copy>(list: &[T], i: u64, salt: u64) -> T {
    list[(mix(i, salt) % list.len() as u64) as usize]
}

fn demo_user(i: u64, run: &str) -> DemoUser {
    let user_type_id = match mix(i, 1) % 100 {
        0..=69 => 1,
        70..=89 => 2,
        90..=96 => 3,
        _ => 4,
    };
    let (status, code_status, kyc_level, kyc_review) = match mix(i, 2) % 100 {
        0..=29 => (UserStatus::Pending.name(), None, 0, if mix(i, 9).is_multiple_of(2) { 0 } else { 1 }),
        30..=94 => (UserStatus::Validated.name(), Some(110009), 2, 2),
        _ => (UserStatus::Canceled.name(), Some(crate::users::CODE_CANCELED_BY_OPERATOR), 2, 2),
    };
    // Spread over roughly three years, in order of index, at second precision.
    let created_secs = 1_700_000_000 + (i as i64) * 90 + (mix(i, 3) % 60) as i64;
    // Always in chrono's range (years 2023 to 2026 or so).
    let created = chrono::DateTime::from_timestamp(created_secs, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default();
    let (city, postcode, country) = pick(CITIES, i, 4);
    let tag = mix(i, 5).is_multiple_of(4).then(|| pick(TAGS, i, 6));
    let phone = format!("+336{:08}", mix(i, 7) % 100_000_000);
    let address1 = format!("{} rue {}", 1 + mix(i, 8) % 120, pick(LAST_NAMES, i, 10));
    if user_type_id == 1 {
        let first = pick(FIRST_NAMES, i, 11);
        let last = pick(LAST_NAMES, i, 12);
        let year = 1950 + mix(i, 13) % 55;
        DemoUser {
            user_type_id,
            status,
            code_status,
            kyc_level,
            kyc_review,
            created,
            us_person: if country == "US" { 1 } else { 0 },
            title: Some(pick(&["M", "MME", "MLLE"], i, 14)),
            firstname: Some(first),
            lastname: Some(last),
            birthday: Some(format!("{year}-{:02}-{:02}", 1 + mix(i, 15) % 12, 1 + mix(i, 16) % 28)),
            email: format!("{}.{}.{i}{run}@example.com", first.to_lowercase(), last.to_lowercase()),
            address1,
            postcode,
            city,
            country,
            phone,
            user_tag: tag,
            legal_name: None,
        }
    } else {
        let name = format!("{} {}", pick(COMPANY_WORDS, i, 17), pick(COMPANY_KINDS, i, 18));
        DemoUser {
            user_type_id,
            status,
            code_status,
            kyc_level,
            kyc_review,
            created,
            us_person: 0,
            title: None,
            firstname: None,
            lastname: None,
            birthday: None,
            email: format!("contact.{i}{run}@{}.example.org", name.split(' ').next().unwrap_or("co").to_lowercase()),
            address1,
            postcode,
            city,
            country,
            phone,
            user_tag: tag,
            legal_name: Some(name),
        }
    }
}

/// What a seeding run did.
pub struct SeedReport {
    pub users: u64,
    pub seconds: f64,
}

/// How a seed keeps the indexes of the tables it fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexUpkeep {
    /// Row by row, batch by batch committed: others may write meanwhile.
    RowByRow,
    /// Dropped and built again after the load, in one transaction (`bulk_load`): the
    /// tables are locked meanwhile.
    AfterLoad,
}

impl Backend {
    /// Adds `count` demo users, with wallets (some with a balance) and some children; from
    /// `DEFER_INDEXES_FROM` users, the indexes (and Postgres's foreign keys) are built after
    /// the load, in one transaction (`bulk_load`).
    pub async fn seed_demo(&self, count: u64, progress: impl Fn(u64)) -> Result<SeedReport> {
        let bulk = count >= DEFER_INDEXES_FROM;
        let upkeep = if bulk { IndexUpkeep::AfterLoad } else { IndexUpkeep::RowByRow };
        self.seed_demo_with(count, upkeep, progress).await
    }

    pub async fn seed_demo_with(&self, count: u64, upkeep: IndexUpkeep, progress: impl Fn(u64)) -> Result<SeedReport> {
        let started = Instant::now();
        let first_id: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM end_users").fetch_one(&self.db.pool).await?;
        // A run suffix keeps emails unique when seeding a database twice.
        let run = format!(".r{first_id}");
        let large = upkeep == IndexUpkeep::AfterLoad;
        let mut tx = self.db.begin_write().await?;
        let deferred =
            if large { Some(crate::bulk_load::defer(&mut tx, self.db.kind, &LOADED_TABLES).await?) } else { None };
        let mut done = 0u64;
        while done < count {
            let n = BATCH.min((count - done) as usize);
            // SQLite gets anonymous `?` placeholders: sqlx looks each parameter's name up, and
            // SQLite finds a name by walking the list of named ones, so thousands of `$n` in
            // one statement cost the square of their number (nine tenths of a seed's time).
            let rows: Vec<String> = (0..n)
                .map(|r| {
                    let base = r * COLUMN_COUNT;
                    let cells: Vec<String> = (1..=COLUMN_COUNT)
                        .map(|c| match self.db.kind {
                            crate::DbKind::Sqlite => "?".to_string(),
                            crate::DbKind::Postgres => format!("${}", base + c),
                        })
                        .collect();
                    format!("({})", cells.join(", "))
                })
                .collect();
            // Our own column list and placeholders; the values are bound.
            let sql = format!("INSERT INTO end_users ({COLUMNS}) VALUES {}", rows.join(", "));
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for k in 0..n as u64 {
                let u = demo_user(done + k, &run);
                query = query
                    .bind(u.user_type_id)
                    .bind(u.status)
                    .bind(u.code_status)
                    .bind(u.kyc_level)
                    .bind(u.kyc_review)
                    .bind(u.created.clone())
                    .bind(u.created)
                    .bind(u.us_person)
                    .bind(u.title)
                    .bind(u.firstname)
                    .bind(u.lastname)
                    .bind(u.birthday)
                    .bind(u.email)
                    .bind(u.address1)
                    .bind(u.postcode)
                    .bind(u.city)
                    .bind(u.country)
                    .bind(u.phone)
                    .bind(u.user_tag)
                    .bind(u.legal_name);
            }
            query.execute(&mut *tx).await?;
            if !large {
                tx.commit().await?;
                tx = self.db.begin_write().await?;
            }
            done += n as u64;
            progress(done);
        }
        tracing::info!(seconds = started.elapsed().as_secs_f64(), "seed: users inserted");

        // Every user gets a wallet (closed with the user if the user is canceled); two in
        // three receive money, by a demo pay-in on the ledger (`fund_demo_wallets`).
        sqlx::query(
            "INSERT INTO wallets (user_id, currency, balance, created_date, modified_date, event_name, wallet_status) \
             SELECT id, 'EUR', 0, created_date, created_date, 'Main account', \
                    CASE WHEN user_status = 'CANCELED' THEN 'CANCELED' ELSE 'VALIDATED' END \
             FROM end_users WHERE id >= $1",
        )
        .bind(first_id)
        .execute(&mut *tx)
        .await?;
        // One user in two has a card on its wallet (one in eleven of those not activated yet,
        // one in seventeen locked); one in five has beneficiaries.
        sqlx::query(
            "INSERT INTO cards (user_id, wallet_id, public_token, masked_pan, last4, status_code, created_date, \
             expiry_date, is_live) \
             SELECT w.user_id, w.id, 'pt' || CAST(w.id * 7 + 100000000 AS TEXT), \
                    '5123 45** **** ' || substr(CAST(10000 + (w.id * 37) % 10000 AS TEXT), 2, 4), \
                    substr(CAST(10000 + (w.id * 37) % 10000 AS TEXT), 2, 4), \
                    CASE WHEN w.id % 17 = 0 THEN 'LOCK' ELSE 'UNLOCK' END, w.created_date, \
                    CAST(2027 + w.id % 4 AS TEXT) || '-' || substr(CAST(101 + w.id % 12 AS TEXT), 2, 2) || '-28', \
                    CASE WHEN w.id % 11 = 0 THEN 0 ELSE 1 END \
             FROM wallets w WHERE w.user_id >= $1 AND w.user_id % 2 = 0",
        )
        .bind(first_id)
        .execute(&mut *tx)
        .await?;
        // Four card transactions per card, in the month the card was made: merchants of
        // several kinds and countries, one in nine declined (with the reason).
        sqlx::query(
            "INSERT INTO card_transactions (card_id, user_id, wallet_id, payment_id, payment_status, amount, currency, \
             merchant_id, merchant_name, merchant_city, merchant_country, mcc, authorization_note, created_date) \
             SELECT c.id, c.user_id, c.wallet_id, c.id * 10 + n.k, \
                    CASE WHEN (c.id + n.k) % 9 = 0 THEN 'R' WHEN n.k <= 2 THEN 'S' ELSE 'A' END, \
                    100 + (c.id * 7919 * n.k) % 20000, 'EUR', \
                    'MID' || CAST(1000 + (c.id + n.k) % 8 AS TEXT), \
                    CASE (c.id + n.k) % 8 WHEN 0 THEN 'Carrefour Market' WHEN 1 THEN 'Le Petit Bistro' \
                         WHEN 2 THEN 'TotalEnergies' WHEN 3 THEN 'RATP' WHEN 4 THEN 'Fnac' \
                         WHEN 5 THEN 'BNP ATM' WHEN 6 THEN 'Amazon EU' ELSE 'Hotel Adlon' END, \
                    CASE (c.id + n.k) % 8 WHEN 6 THEN 'Luxembourg' WHEN 7 THEN 'Berlin' ELSE 'Paris' END, \
                    CASE (c.id + n.k) % 8 WHEN 6 THEN 'LUX' WHEN 7 THEN 'DEU' ELSE 'FRA' END, \
                    CASE (c.id + n.k) % 8 WHEN 0 THEN '5411' WHEN 1 THEN '5812' WHEN 2 THEN '5541' \
                         WHEN 3 THEN '4111' WHEN 4 THEN '5732' WHEN 5 THEN '6011' WHEN 6 THEN '5999' \
                         ELSE '7011' END, \
                    CASE WHEN (c.id + n.k) % 9 = 0 THEN \
                         CASE WHEN c.id % 2 = 0 THEN 'Insufficient funds' ELSE 'Limit exceeded' END END, \
                    substr(c.created_date, 1, 8) || substr(CAST(101 + (c.id * 3 + n.k * 7) % 28 AS TEXT), 2, 2) \
                    || substr(c.created_date, 11) \
             FROM cards c, (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) n \
             WHERE c.user_id >= $1",
        )
        .bind(first_id)
        .execute(&mut *tx)
        .await?;
        // A few funded users also hold yen or dinars, so that amounts show with their own
        // currency's exponent (JPY 0 decimals, KWD 3). Added after the cards: one card each.
        sqlx::query(
            "INSERT INTO wallets (user_id, currency, balance, created_date, modified_date, event_name, wallet_status) \
             SELECT id, CASE WHEN id % 50 = 7 THEN 'JPY' ELSE 'KWD' END, 0, created_date, created_date, \
                    CASE WHEN id % 50 = 7 THEN 'Yen account' ELSE 'Dinar account' END, \
                    CASE WHEN user_status = 'CANCELED' THEN 'CANCELED' ELSE 'VALIDATED' END \
             FROM end_users WHERE id >= $1 AND id % 3 <> 0 AND (id % 50 = 7 OR id % 50 = 22)",
        )
        .bind(first_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO beneficiaries (user_id, name, iban, bic, usage_count, created_date, modified_date) \
             SELECT id, 'Landlord ' || CAST(id AS TEXT), 'FR7630006000011234567890189', 'AGRIFRPPXXX', id % 13, \
                    created_date, created_date \
             FROM end_users WHERE id >= $1 AND id % 5 = 0",
        )
        .bind(first_id)
        .execute(&mut *tx)
        .await?;
        // Physical users reside for tax where they live; US residents and one in two others
        // have a TIN, the rest a liability waiver (shared::tax).
        sqlx::query(
            "INSERT INTO tax_residences (user_id, country, tax_payer_id, liability_waiver, created_date, last_update) \
             SELECT id, country, \
                    CASE WHEN country = 'US' OR id % 2 = 0 THEN 'TIN' || CAST(id * 13 AS TEXT) ELSE NULL END, \
                    CASE WHEN country = 'US' OR id % 2 = 0 THEN 0 ELSE 1 END, created_date, created_date \
             FROM end_users WHERE id >= $1 AND user_type_id = 1 AND country IS NOT NULL",
        )
        .bind(first_id)
        .execute(&mut *tx)
        .await?;
        // SCA devices: one user in three has a phone enrolled (PIN set, so Active; one in
        // twenty-one of those locked as lost); one in six also a web device whose PIN is not
        // set yet; one in nine a web device deleted earlier.
        sqlx::query(
            "INSERT INTO sca_devices (user_id, status, passcode_status, locked, lock_reason, lock_message, \
             device_kind, mobile_os, mobile_os_version, mobile_brand, mobile_model, sca_wallet_tag, \
             creation_date, activation_date, lock_date) \
             SELECT id, 'ACTIVE', 'SET', CASE WHEN id % 21 = 1 THEN 1 ELSE 0 END, \
                    CASE WHEN id % 21 = 1 THEN 'LOST_DEVICE' END, \
                    CASE WHEN id % 21 = 1 THEN 'Customer called: phone lost' END, 'mobile', \
                    CASE WHEN id % 2 = 0 THEN 'Android' ELSE 'iOS' END, \
                    CASE WHEN id % 2 = 0 THEN '15' ELSE '18.1' END, \
                    CASE WHEN id % 2 = 0 THEN 'Samsung' ELSE 'Apple' END, \
                    CASE WHEN id % 2 = 0 THEN 'Galaxy S24' ELSE 'iPhone 15' END, \
                    'phone-' || CAST(id AS TEXT), created_date, created_date, \
                    CASE WHEN id % 21 = 1 THEN created_date END \
             FROM end_users WHERE id >= $1 AND id % 3 = 1",
        )
        .bind(first_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO sca_devices (user_id, status, passcode_status, device_kind, sca_wallet_tag, creation_date) \
             SELECT id, 'CREATED', 'NOT_SET', 'web', 'browser-' || CAST(id AS TEXT), created_date \
             FROM end_users WHERE id >= $1 AND id % 6 = 1",
        )
        .bind(first_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO sca_devices (user_id, status, passcode_status, device_kind, sca_wallet_tag, \
             creation_date, deletion_date) \
             SELECT id, 'DELETED', 'SET', 'web', 'old-browser-' || CAST(id AS TEXT), created_date, created_date \
             FROM end_users WHERE id >= $1 AND id % 9 = 4",
        )
        .bind(first_id)
        .execute(&mut *tx)
        .await?;
        // One user in forty is an employee of the user before it (depth 1).
        sqlx::query(
            "UPDATE end_users SET parent_user_id = id - 1, parent_type = 'employee' \
             WHERE id > $1 AND id % 40 = 0",
        )
        .bind(first_id)
        .execute(&mut *tx)
        .await?;
        tracing::info!(seconds = started.elapsed().as_secs_f64(), "seed: wallets, cards, devices and more inserted");
        fund_demo_wallets(&mut tx, first_id).await?;
        tracing::info!(seconds = started.elapsed().as_secs_f64(), "seed: wallets funded on the ledger");
        if let Some(deferred) = deferred {
            deferred.restore(&mut tx, self.db.kind).await?;
            tracing::info!(seconds = started.elapsed().as_secs_f64(), "seed: indexes built");
        }
        let record = Record::new(AuditAction::DemoSeeded, first_id)
            .after(&serde_json::json!({ "users": count, "firstUserId": first_id }))?;
        audit::write(&mut tx, &Actor::System, &RequestMeta::local(), record).await?;
        tx.commit().await?;
        // KYC documents, with their files, for the first users of the run.
        self.seed_demo_documents(first_id, DEMO_DOCUMENT_USERS).await?;
        // Fresh statistics for the planner and, on Postgres, a visibility map so that counts
        // can use index-only scans (autovacuum would get there, later).
        let maintenance = match self.db.kind {
            crate::DbKind::Sqlite => "ANALYZE",
            crate::DbKind::Postgres => "VACUUM (ANALYZE) end_users, wallets, cards, card_transactions",
        };
        tracing::info!(seconds = started.elapsed().as_secs_f64(), "seed: committed, documents written");
        sqlx::query(maintenance).execute(&self.db.pool).await?;
        Ok(SeedReport { users: count, seconds: started.elapsed().as_secs_f64() })
    }
}

/// Demo money arrives as pay-ins on the ledger, set-based: two in three active EUR wallets
/// of the run and every yen or dinar wallet get one pay-in (a movement from `payins`, its two
/// legs), and each wallet's running balance is raised by it in the same transaction, so that
/// every balance is the sum of its entries (`Backend::verify_ledger`).
async fn fund_demo_wallets(tx: &mut sqlx::Transaction<'_, sqlx::Any>, first_user: i64) -> Result<()> {
    let first_payin: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM payins").fetch_one(&mut **tx).await?;
    sqlx::query(
        "INSERT INTO payins (wallet_id, amount, currency, label, created_date) \
         SELECT id, CASE WHEN currency = 'EUR' THEN 1 + (user_id * 7919) % 500000 \
                         ELSE 1 + (user_id * 7919) % 5000000 END, currency, 'Demo pay-in', created_date \
         FROM wallets WHERE user_id >= $1 AND wallet_status = 'VALIDATED' \
               AND (currency <> 'EUR' OR user_id % 3 <> 0)",
    )
    .bind(first_user)
    .execute(&mut **tx)
    .await?;
    let first_movement: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM ledger_movements").fetch_one(&mut **tx).await?;
    sqlx::query(
        "INSERT INTO ledger_movements (flow, object_id, amount, currency, created_at) \
         SELECT 'payin', id, amount, currency, created_date FROM payins WHERE id >= $1 ORDER BY id",
    )
    .bind(first_payin)
    .execute(&mut **tx)
    .await?;
    for (system, wallet, direction, balance_after) in
        [("'payins'", "NULL", "'DEBIT'", "NULL"), ("NULL", "p.wallet_id", "'CREDIT'", "m.amount")]
    {
        // Our own SQL fragments; the only value is bound.
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO ledger_entries (movement_id, wallet_id, system_account, direction, amount, currency, \
             balance_after, operation_type, flow, object_id, label, created_at) \
             SELECT m.id, {wallet}, {system}, {direction}, m.amount, m.currency, {balance_after}, 'bankTransfer', \
                    'payin', m.object_id, 'Demo pay-in', m.created_at \
             FROM ledger_movements m JOIN payins p ON p.id = m.object_id \
             WHERE m.id >= $1 AND m.flow = 'payin' ORDER BY m.id"
        )))
        .bind(first_movement)
        .execute(&mut **tx)
        .await?;
    }
    // A join, not a subquery per wallet (which Postgres planned as a scan of every pay-in for
    // each wallet: two minutes at 1,000,000 users). One pay-in per wallet and run.
    sqlx::query(
        "UPDATE wallets SET balance = wallets.balance + p.amount FROM payins p \
         WHERE p.wallet_id = wallets.id AND p.id >= $1",
    )
    .bind(first_payin)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use shared::user_fields::{Mode, user_input_errors};

    #[test]
    fn demo_users_are_valid_and_varied() {
        let mut types = std::collections::HashSet::new();
        let mut statuses = std::collections::HashSet::new();
        for i in 0..2000 {
            let u = demo_user(i, ".r1");
            types.insert(u.user_type_id);
            statuses.insert(u.status);
            let input = json!({
                "userTypeId": u.user_type_id, "specifiedUSPerson": u.us_person, "email": u.email,
                "title": u.title, "firstname": u.firstname, "lastname": u.lastname,
                "birthday": u.birthday, "address1": u.address1, "postcode": u.postcode,
                "city": u.city, "country": u.country, "phone": u.phone, "userTag": u.user_tag,
                "legalName": u.legal_name,
            });
            let errors = user_input_errors(input.as_object().unwrap(), Mode::Create);
            assert!(errors.is_empty(), "demo user {i} breaks a rule: {errors:?}");
        }
        assert_eq!(types.len(), 4);
        assert_eq!(statuses.len(), 3);
    }
}
