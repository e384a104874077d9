//! What the ledger tells about one wallet: its operations (a page, newest first, by date),
//! the operations CSV (streamed in batches, so a long range never sits in memory), the
//! monthly statement PDF (opening balance, every operation, closing balance: it reconciles
//! to the ledger) and the account details PDF (holder, IBAN, BIC). The PDFs are reached by
//! signed links, as documents are.

use base64::Engine;
use bytes::Bytes;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use futures::stream::{self, BoxStream, StreamExt};
use shared::Action;
pub use shared::banking::ReportKind;
use shared::banking::{Direction, Iban, Operation, WalletDetails, WalletSummary, grouped};
use shared::documents::SignedLink;
use shared::domain::Wallet;
use shared::money::{Currency, Money};
use sqlx::{AnyPool, AssertSqlSafe};

use super::pdf::{Line, text_document};
use crate::auth::Actor;
use crate::error::{Error, Result};
use crate::users::fetch_user;
use crate::{Backend, clock};

/// The permission of every report: operators need the action's scope (DESIGN's table:
/// account details are read_write), machine clients the spec's (read_only for every report).
/// The REST handlers call it before reading their parameters.
pub fn require(actor: &Actor, action: Action) -> Result<()> {
    actor.require_at_endpoint(action, shared::Scope::ReadOnly)
}

/// Rows per read of the CSV stream.
const CSV_BATCH: i64 = 1000;
/// A page of the operations list.
pub const OPERATIONS_PAGE_MAX: i64 = 200;
/// How long a statement or account details link works.
pub const REPORT_LINK_SECS: i64 = 120;

#[derive(sqlx::FromRow)]
struct OperationRow {
    id: i64,
    wallet_id: i64,
    direction: String,
    amount: i64,
    currency: String,
    balance_after: i64,
    operation_type: String,
    flow: String,
    object_id: i64,
    label: String,
    created_at: String,
    status: String,
}

impl OperationRow {
    fn typed(self) -> Result<Operation> {
        let currency = Currency::parse(&self.currency)
            .ok_or_else(|| Error::Internal(format!("ledger entry {}: bad currency", self.id)))?;
        Ok(Operation {
            entry_id: self.id,
            wallet_id: self.wallet_id,
            direction: Direction::parse(&self.direction)
                .ok_or_else(|| Error::Internal(format!("ledger entry {}: bad direction", self.id)))?,
            amount: Money::new(self.amount, currency.clone()),
            balance_after: Money::new(self.balance_after, currency),
            operation_type: self.operation_type,
            flow: self.flow,
            object_id: self.object_id,
            label: self.label,
            created_at: self.created_at,
            status: self.status,
        })
    }
}

/// A position in a wallet's operations: (created_at, entry id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationCursor {
    pub created_at: String,
    pub entry_id: i64,
}

impl OperationCursor {
    pub fn encode(&self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}|{}", self.created_at, self.entry_id))
    }

    pub fn decode(raw: &str) -> Result<OperationCursor> {
        let bad = || Error::invalid("cursor", "This cursor is not one of ours: use cursor.next of an answer.");
        let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| bad())?;
        let text = String::from_utf8(text).map_err(|_| bad())?;
        let (at, id) = text.rsplit_once('|').ok_or_else(bad)?;
        DateTime::parse_from_rfc3339(at).map_err(|_| bad())?;
        Ok(OperationCursor { created_at: at.to_string(), entry_id: id.parse().map_err(|_| bad())? })
    }
}

/// One page of operations, and where the next one starts.
#[derive(Clone, Debug)]
pub struct OperationsPage {
    pub operations: Vec<Operation>,
    pub next: Option<OperationCursor>,
}

/// A date range `[from, to)` as the ledger stores instants (RFC 3339, UTC, milliseconds).
#[derive(Clone, Debug)]
pub struct Period {
    pub from: String,
    pub to: String,
}

impl Period {
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Period> {
        if to <= from {
            return Err(Error::invalid("dateTo", "dateTo must come after dateFrom."));
        }
        let text = |d: DateTime<Utc>| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        Ok(Period { from: text(from), to: text(to) })
    }

    /// `dateFrom` / `dateTo` as the API and the forms give them: RFC 3339 instants, or days
    /// (YYYY-MM-DD, UTC; a day given as `dateTo` is included).
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Period> {
        fn instant(field: &str, raw: Option<&str>, end_of_day: bool) -> Result<DateTime<Utc>> {
            let raw = raw.map(str::trim).filter(|r| !r.is_empty()).ok_or_else(|| {
                Error::invalid(field, format!("{field} is required (YYYY-MM-DD or an RFC 3339 date-time)."))
            })?;
            if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
                return Ok(at.with_timezone(&Utc));
            }
            let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map_err(|_| Error::invalid(field, format!("{field} is YYYY-MM-DD or an RFC 3339 date-time.")))?;
            let day = if end_of_day { day.succ_opt().unwrap_or(day) } else { day };
            Ok(day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_default())
        }
        Period::new(instant("dateFrom", from, false)?, instant("dateTo", to, true)?)
    }

    /// A calendar month, UTC.
    pub fn month(year: i32, month: u32) -> Result<Period> {
        let bad = || Error::invalid("month", "month is 1 to 12 of a year from 2000 to 2100.");
        if !(2000..=2100).contains(&year) {
            return Err(bad());
        }
        let start = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)?;
        let end = if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { start.with_month(month + 1) }
            .ok_or_else(bad)?;
        let at = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).ok_or_else(bad);
        Period::new(at(start)?, at(end)?)
    }
}

const OPERATIONS: &str = "SELECT e.id, e.wallet_id, e.direction, e.amount, e.currency, e.balance_after, \
    e.operation_type, e.flow, e.object_id, e.label, e.created_at, \
    CASE WHEN e.flow = 'payout' AND e.direction = 'DEBIT' AND p.status = 'PENDING' THEN 'AUTHORIZED' \
         ELSE 'SETTLED' END AS status \
    FROM ledger_entries e LEFT JOIN payouts p ON e.flow = 'payout' AND p.id = e.object_id";

/// Reads up to `limit` operations of a wallet in `period`, after `cursor` in the list's order.
async fn read_operations(
    pool: &AnyPool,
    wallet_id: i64,
    period: &Period,
    cursor: Option<&OperationCursor>,
    newest_first: bool,
    limit: i64,
) -> Result<Vec<Operation>> {
    let (compare, order) = if newest_first { ("<", "DESC") } else { (">", "ASC") };
    let mut sql = format!("{OPERATIONS} WHERE e.wallet_id = $1 AND e.created_at >= $2 AND e.created_at < $3");
    if cursor.is_some() {
        sql.push_str(&format!(" AND (e.created_at {compare} $4 OR (e.created_at = $4 AND e.id {compare} $5))"));
    }
    let l = if cursor.is_some() { 6 } else { 4 };
    sql.push_str(&format!(" ORDER BY e.created_at {order}, e.id {order} LIMIT ${l}"));
    let mut query =
        sqlx::query_as::<_, OperationRow>(AssertSqlSafe(sql)).bind(wallet_id).bind(&period.from).bind(&period.to);
    if let Some(c) = cursor {
        query = query.bind(c.created_at.clone()).bind(c.entry_id);
    }
    query.bind(limit).fetch_all(pool).await?.into_iter().map(OperationRow::typed).collect()
}

/// A wallet's balance at an instant: the balance after its last entry before it.
async fn balance_at(pool: &AnyPool, wallet_id: i64, instant: &str) -> Result<i64> {
    let balance: Option<i64> = sqlx::query_scalar(
        "SELECT balance_after FROM ledger_entries WHERE wallet_id = $1 AND created_at < $2 \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(wallet_id)
    .bind(instant)
    .fetch_optional(pool)
    .await?;
    Ok(balance.unwrap_or(0))
}

/// A month of a wallet, reconciled.
#[derive(Clone, Debug)]
pub struct Statement {
    pub wallet: Wallet,
    pub holder: String,
    pub year: i32,
    pub month: u32,
    pub opening: Money,
    pub closing: Money,
    pub credits: Money,
    pub debits: Money,
    pub operations: Vec<Operation>,
}

impl Statement {
    /// Opening + credits − debits = closing, and the closing balance is the ledger's.
    pub fn reconciles(&self) -> bool {
        self.opening.minor + self.credits.minor - self.debits.minor == self.closing.minor
    }
}

fn csv_escape_row(op: &Operation) -> Result<Bytes> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            op.created_at.as_str(),
            &op.entry_id.to_string(),
            op.operation_type.as_str(),
            op.flow.as_str(),
            &op.object_id.to_string(),
            op.direction.name(),
            &Money::new(op.signed_minor(), op.amount.currency.clone()).decimal(),
            op.amount.currency.code(),
            &op.balance_after.decimal(),
            op.status.as_str(),
            op.label.as_str(),
        ])
        .map_err(|e| Error::Internal(format!("CSV: {e}")))?;
    Ok(Bytes::from(writer.into_inner().map_err(|e| Error::Internal(format!("CSV: {e}")))?))
}

const CSV_HEADER: &str =
    "date,entryId,operationType,initialFlow,objectId,direction,amount,currency,balanceAfter,status,label\n";

impl Backend {
    async fn readable_wallet(&self, actor: &Actor, action: Action, wallet_id: i64) -> Result<Wallet> {
        require(actor, action)?;
        self.get_wallet(&Actor::System, wallet_id).await
    }

    /// "View Wallet Details"' last operations and `/core-connect/operations`.
    pub async fn wallet_operations(
        &self,
        actor: &Actor,
        wallet_id: i64,
        period: &Period,
        cursor: Option<&OperationCursor>,
        limit: i64,
    ) -> Result<OperationsPage> {
        self.readable_wallet(actor, Action::ViewWalletDetails, wallet_id).await?;
        let limit = limit.clamp(1, OPERATIONS_PAGE_MAX);
        let mut operations = read_operations(&self.db.pool, wallet_id, period, cursor, true, limit + 1).await?;
        let next = if operations.len() as i64 > limit {
            operations.truncate(limit as usize);
            operations.last().map(|o| OperationCursor { created_at: o.created_at.clone(), entry_id: o.entry_id })
        } else {
            None
        };
        Ok(OperationsPage { operations, next })
    }

    /// "View Wallet Details": balances, IBAN/BIC, holder, the last 20 operations and payouts.
    pub async fn wallet_details(&self, actor: &Actor, wallet_id: i64) -> Result<WalletDetails> {
        let wallet = self.readable_wallet(actor, Action::ViewWalletDetails, wallet_id).await?;
        let ever = Period::new(DateTime::<Utc>::UNIX_EPOCH, self.clock.now() + chrono::TimeDelta::days(1))?;
        let operations = read_operations(&self.db.pool, wallet_id, &ever, None, true, 20).await?;
        let payouts = self.search_payouts(actor, Some(wallet_id), None, None, 20).await?;
        let holder = self.holder_of(&wallet).await?;
        Ok(WalletDetails { wallet, holder, operations, payouts })
    }

    /// Any wallet with its holder's name, for a transfer's confirmation (read_only).
    pub async fn wallet_summary(&self, actor: &Actor, wallet_id: i64) -> Result<WalletSummary> {
        let wallet = self.readable_wallet(actor, Action::ReadUsers, wallet_id).await?;
        let holder = self.holder_of(&wallet).await?;
        Ok(WalletSummary { wallet, holder })
    }

    async fn holder_of(&self, wallet: &Wallet) -> Result<String> {
        let mut tx = self.db.pool.begin().await?;
        let holder = fetch_user(&mut tx, wallet.user_id).await?.display_name();
        drop(tx);
        Ok(holder)
    }

    /// "Download Operations": a CSV of a wallet's operations in `period`, oldest first, read
    /// in batches as the client takes it.
    pub async fn operations_csv(
        &self,
        actor: &Actor,
        wallet_id: i64,
        period: Period,
    ) -> Result<BoxStream<'static, std::result::Result<Bytes, std::io::Error>>> {
        self.readable_wallet(actor, Action::DownloadOperations, wallet_id).await?;
        let pool = self.db.pool.clone();
        let header = stream::once(async { Ok::<Bytes, std::io::Error>(Bytes::from_static(CSV_HEADER.as_bytes())) });
        let rows = stream::unfold(Some(None::<OperationCursor>), move |state| {
            let pool = pool.clone();
            let period = period.clone();
            async move {
                let cursor = state?;
                match read_operations(&pool, wallet_id, &period, cursor.as_ref(), false, CSV_BATCH).await {
                    Err(e) => {
                        tracing::error!(error = %e, "operations CSV stopped");
                        Some((vec![Err(std::io::Error::other("the operations could not be read"))], None))
                    }
                    Ok(batch) => {
                        let next = (batch.len() as i64 == CSV_BATCH).then(|| {
                            batch
                                .last()
                                .map(|o| OperationCursor { created_at: o.created_at.clone(), entry_id: o.entry_id })
                        });
                        let lines: Vec<_> = batch
                            .iter()
                            .map(|op| csv_escape_row(op).map_err(|e| std::io::Error::other(e.to_string())))
                            .collect();
                        if lines.is_empty() { None } else { Some((lines, next)) }
                    }
                }
            }
        })
        .flat_map(stream::iter);
        Ok(header.chain(rows).boxed())
    }

    /// The statement of a month: the ledger's balances at its two ends and its operations.
    pub async fn statement(&self, actor: &Actor, wallet_id: i64, year: i32, month: u32) -> Result<Statement> {
        let wallet = self.readable_wallet(actor, Action::GenerateStatement, wallet_id).await?;
        let period = Period::month(year, month)?;
        let pool = &self.db.pool;
        let opening = balance_at(pool, wallet_id, &period.from).await?;
        let closing = balance_at(pool, wallet_id, &period.to).await?;
        let mut operations = Vec::new();
        let mut cursor = None;
        loop {
            let batch = read_operations(pool, wallet_id, &period, cursor.as_ref(), false, CSV_BATCH).await?;
            let full = batch.len() as i64 == CSV_BATCH;
            cursor = batch.last().map(|o| OperationCursor { created_at: o.created_at.clone(), entry_id: o.entry_id });
            operations.extend(batch);
            if !full {
                break;
            }
        }
        let sum = |d: Direction| operations.iter().filter(|o| o.direction == d).map(|o| o.amount.minor).sum::<i64>();
        let currency = wallet.balance.currency.clone();
        let holder = self.holder_of(&wallet).await?;
        Ok(Statement {
            holder,
            year,
            month,
            opening: Money::new(opening, currency.clone()),
            closing: Money::new(closing, currency.clone()),
            credits: Money::new(sum(Direction::Credit), currency.clone()),
            debits: Money::new(sum(Direction::Debit), currency),
            operations,
            wallet,
        })
    }

    /// "Generate a Statement": the month's statement as a PDF.
    pub async fn statement_pdf(&self, actor: &Actor, wallet_id: i64, year: i32, month: u32) -> Result<Vec<u8>> {
        let s = self.statement(actor, wallet_id, year, month).await?;
        let mut lines = vec![
            Line::heading(format!("Account statement - {:04}-{:02}", s.year, s.month)),
            Line::blank(),
            Line::plain(format!("Holder: {}", s.holder)),
            Line::plain(format!("Wallet: {}", s.wallet.title())),
            Line::plain(format!("IBAN: {}   BIC: {}", grouped(&s.wallet.iban), s.wallet.bic)),
            Line::blank(),
            Line::heading(format!("Opening balance: {}", s.opening)),
            Line::blank(),
        ];
        if s.operations.is_empty() {
            lines.push(Line::plain("No operation this month."));
        }
        for op in &s.operations {
            let sign = if op.direction == Direction::Credit { "+" } else { "-" };
            let label = if op.label.is_empty() { op.operation_type.as_str() } else { op.label.as_str() };
            lines.push(Line::plain(format!(
                "{}  {} #{}  {}  {sign}{}  balance {}",
                &op.created_at[..10],
                op.flow,
                op.object_id,
                label.chars().take(40).collect::<String>(),
                op.amount,
                op.balance_after
            )));
        }
        lines.extend([
            Line::blank(),
            Line::plain(format!("Total credits: {}", s.credits)),
            Line::plain(format!("Total debits: {}", s.debits)),
            Line::heading(format!("Closing balance: {}", s.closing)),
        ]);
        text_document(&lines, &format!("Statement of wallet #{} - made {}", s.wallet.id, &clock::now_rfc3339()[..10]))
    }

    /// "Generate Account details": holder, IBAN and BIC of a wallet, as a PDF.
    pub async fn account_details_pdf(&self, actor: &Actor, wallet_id: i64) -> Result<Vec<u8>> {
        let wallet = self.readable_wallet(actor, Action::GenerateAccountDetails, wallet_id).await?;
        let holder = self.holder_of(&wallet).await?;
        let iban = Iban::of_wallet(wallet.id);
        let lines = [
            Line::heading("Account details (RIB)"),
            Line::blank(),
            Line::plain(format!("Holder: {holder}")),
            Line::plain(format!("Wallet: {}", wallet.title())),
            Line::blank(),
            Line::heading(format!("IBAN: {}", iban.grouped())),
            Line::heading(format!("BIC: {}", wallet.bic)),
            Line::blank(),
            Line::plain(format!(
                "Bank code 16798 - branch 00001 - account {} - key {}",
                &iban.as_str()[14..25],
                &iban.as_str()[25..]
            )),
        ];
        text_document(&lines, &format!("Account details of wallet #{}", wallet.id))
    }

    /// A link to a statement (`period` "YYYY-MM") or to the account details (`period` "").
    /// The caller's permission is checked now; the link itself carries it for 120 s.
    pub async fn report_link(&self, actor: &Actor, wallet_id: i64, kind: ReportKind) -> Result<SignedLink> {
        match &kind {
            ReportKind::Statement { year, month } => {
                self.readable_wallet(actor, Action::GenerateStatement, wallet_id).await?;
                Period::month(*year, *month)?;
            }
            ReportKind::AccountDetails => {
                self.readable_wallet(actor, Action::GenerateAccountDetails, wallet_id).await?;
            }
            ReportKind::Operations { from, to } => {
                self.readable_wallet(actor, Action::DownloadOperations, wallet_id).await?;
                Period::parse(Some(from), Some(to))?;
            }
        }
        let expires = self.clock.unix_now() + REPORT_LINK_SECS;
        let signature = self.sign(&format!("report|{wallet_id}|{}|{expires}", kind.key())).await?;
        Ok(SignedLink {
            path: format!("/reports/{wallet_id}/{}?expires={expires}&signature={signature}", kind.key()),
            content_type: "application/pdf".into(),
            expires_in: REPORT_LINK_SECS,
        })
    }

    /// What a report link gives, once its signature and expiry hold; every refusal is the
    /// same 403, so that a guess learns nothing.
    pub async fn open_report_link(&self, wallet_id: i64, key: &str, expires: i64, signature: &str) -> Result<Report> {
        const INVALID: &str = "This link is not valid, or it has expired: ask for a new one.";
        let kind = ReportKind::parse(key).ok_or(Error::Forbidden(INVALID))?;
        if expires < self.clock.unix_now()
            || !self.signature_holds(&format!("report|{wallet_id}|{key}|{expires}"), signature).await?
        {
            return Err(Error::Forbidden(INVALID));
        }
        Ok(match kind {
            ReportKind::Statement { year, month } => Report::Pdf {
                name: format!("statement-wallet-{wallet_id}-{year:04}-{month:02}.pdf"),
                bytes: self.statement_pdf(&Actor::System, wallet_id, year, month).await?,
            },
            ReportKind::AccountDetails => Report::Pdf {
                name: format!("account-details-wallet-{wallet_id}.pdf"),
                bytes: self.account_details_pdf(&Actor::System, wallet_id).await?,
            },
            ReportKind::Operations { from, to } => Report::Csv {
                name: format!("operations-wallet-{wallet_id}-{from}-{to}.csv"),
                rows: self.operations_csv(&Actor::System, wallet_id, Period::parse(Some(&from), Some(&to))?).await?,
            },
        })
    }
}

/// What a report link serves.
pub enum Report {
    Pdf { name: String, bytes: Vec<u8> },
    Csv { name: String, rows: BoxStream<'static, std::result::Result<Bytes, std::io::Error>> },
}
