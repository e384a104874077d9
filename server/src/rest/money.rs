//! The money endpoints: `/v1/wallets`, `/v1/balances`, `/v1/transfers`, `/v1/payouts`,
//! `/v1/beneficiaries`, `/core-connect/operations`, the operations report, the statement and
//! account details links, and `/reports/...` (the PDFs behind those links).

use std::collections::HashMap;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use backend::money::beneficiaries::{BeneficiaryPatch, NewBeneficiary};
use backend::money::payouts::NewPayout;
use backend::money::reports::{self, OperationCursor, Period, Report, ReportKind};
use backend::money::transfers::{NewTransfer, TransferSearch};
use backend::money::wallets::{NewWallet, WalletPatch, WalletSearch};
use serde::Deserialize;
use serde_json::{Number, Value, json};
use shared::Action;
use shared::banking::MovementStatus;
use shared::domain::WalletStatus;

use super::{ApiError, Caller, json as to_json, parse_json, positive_id};
use crate::AppState;

type Params = HashMap<String, String>;

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("input_validation_error", message)
}

fn optional_id(params: &Params, name: &str) -> Result<Option<i64>, ApiError> {
    params.get(name).filter(|v| !v.trim().is_empty()).map(|raw| positive_id(name, raw)).transpose()
}

fn int_param(params: &Params, name: &str, default: i64) -> Result<i64, ApiError> {
    match params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(raw) => raw.parse::<i64>().map_err(|_| bad(format!("{name}: {name} must be an integer."))),
    }
}

/// A JSON number's own text (`12.5` stays `12.5`), for `Money::parse_decimal`.
fn amount_text(amount: Option<Number>) -> Option<String> {
    amount.map(|n| n.to_string())
}

// ---- wallets ---------------------------------------------------------------------------

pub async fn wallets(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    let status = match params.get("walletStatus").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => {
            Some(WalletStatus::parse(raw).ok_or_else(|| bad("walletStatus is PENDING, VALIDATED or CANCELED."))?)
        }
    };
    let search = WalletSearch {
        wallet_id: optional_id(&params, "walletId")?,
        user_id: optional_id(&params, "userId")?,
        wallet_type_id: optional_id(&params, "walletTypeId")?,
        status,
        tag: params.get("walletTag").map(|t| t.trim().to_string()).filter(|t| !t.is_empty()),
        page: int_param(&params, "pageNumber", 1)?,
        page_size: int_param(&params, "pageCount", 50)?,
        ascending: params.get("sortOrder").is_some_and(|o| o.eq_ignore_ascii_case("ASC")),
    };
    let items = state.backend.search_wallets(&caller.actor, &search).await?;
    Ok(Json(to_json::wallets(&items)))
}

pub async fn wallet(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let wallet = state.backend.get_wallet(&caller.actor, positive_id("walletId", &id)?).await?;
    Ok(Json(to_json::wallets([&wallet])))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WalletCreate {
    user_id: Option<i64>,
    wallet_type_id: Option<i64>,
    currency: Option<String>,
    event_name: Option<String>,
    wallet_tag: Option<String>,
    event_message: Option<String>,
    event_alias: Option<String>,
    tariff_id: Option<i64>,
    bic: Option<String>,
    #[allow(dead_code)]
    access_tag: Option<String>,
}

pub async fn create_wallet(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let input: WalletCreate = parse_json(&body)?;
    let new = NewWallet {
        user_id: input.user_id,
        wallet_type_id: input.wallet_type_id,
        currency: input.currency,
        name: input.event_name,
        tag: input.wallet_tag,
        description: input.event_message,
        event_alias: input.event_alias,
        tariff_id: input.tariff_id,
        bic: input.bic,
    };
    let wallet = state.backend.create_wallet(&caller.actor, &caller.meta, new).await?;
    Ok(Json(to_json::wallets([&wallet])))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WalletUpdate {
    event_name: Option<String>,
    wallet_tag: Option<String>,
    event_message: Option<String>,
    #[allow(dead_code)]
    access_tag: Option<String>,
}

pub async fn update_wallet(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = positive_id("walletId", &id)?;
    let input: WalletUpdate = parse_json(&body)?;
    let patch = WalletPatch { name: input.event_name, tag: input.wallet_tag, description: input.event_message };
    let wallet = state.backend.update_wallet(&caller.actor, &caller.meta, id, patch).await?;
    Ok(Json(to_json::wallets([&wallet])))
}

/// `DELETE /v1/wallets/{id}`: the body (origin) is optional here.
pub async fn delete_wallet(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = positive_id("walletId", &id)?;
    if !body.is_empty() {
        let input: Value = parse_json(&body)?;
        if let Some(origin) = input.get("origin")
            && !matches!(origin.as_str(), Some("OPERATOR" | "USER"))
        {
            return Err(bad("origin must be OPERATOR or USER."));
        }
    }
    let wallet = state.backend.deactivate_wallet(&caller.actor, &caller.meta, id).await?;
    Ok(Json(to_json::wallets([&wallet])))
}

/// `GET /v1/balances?walletId=` or `?userId=`.
pub async fn balances(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    let wallets = match (optional_id(&params, "walletId")?, optional_id(&params, "userId")?) {
        (Some(id), _) => vec![state.backend.get_wallet(&caller.actor, id).await?],
        (None, Some(user)) => state.backend.list_wallets(&caller.actor, user).await?,
        (None, None) => return Err(bad("walletId: give walletId or userId.")),
    };
    let now = backend::clock::now_rfc3339();
    Ok(Json(json!({ "balances": wallets.iter().map(|w| to_json::balance(w, &now)).collect::<Vec<_>>() })))
}

// ---- transfers -------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TransferCreate {
    wallet_id: Option<i64>,
    beneficiary_wallet_id: Option<i64>,
    amount: Option<Number>,
    currency: Option<String>,
    label: Option<String>,
    transfer_tag: Option<String>,
    transfer_type_id: Option<i64>,
    access_tag: Option<String>,
}

pub async fn create_transfer(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let input: TransferCreate = parse_json(&body)?;
    let new = NewTransfer {
        wallet_id: input.wallet_id,
        beneficiary_wallet_id: input.beneficiary_wallet_id,
        amount: amount_text(input.amount),
        currency: input.currency,
        label: input.label,
        tag: input.transfer_tag,
        access_tag: input.access_tag,
        transfer_type_id: input.transfer_type_id,
    };
    let transfer = state.backend.create_transfer(&caller.actor, &caller.meta, new).await?;
    Ok(Json(to_json::transfers([&transfer])))
}

pub async fn transfers(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    let status = match params.get("transferStatus").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => {
            Some(MovementStatus::parse(raw).ok_or_else(|| bad("transferStatus is PENDING, VALIDATED or CANCELED."))?)
        }
    };
    let search = TransferSearch {
        transfer_id: optional_id(&params, "transferId")?,
        wallet_id: optional_id(&params, "walletId")?,
        beneficiary_wallet_id: optional_id(&params, "beneficiaryWalletId")?,
        user_id: optional_id(&params, "userId")?,
        status,
        page: int_param(&params, "pageNumber", 1)?,
        page_size: int_param(&params, "pageCount", 50)?,
    };
    let items = state.backend.search_transfers(&caller.actor, &search).await?;
    Ok(Json(to_json::transfers(&items)))
}

pub async fn transfer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let transfer = state.backend.get_transfer(&caller.actor, positive_id("transferId", &id)?).await?;
    Ok(Json(to_json::transfers([&transfer])))
}

pub async fn cancel_transfer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let transfer = state.backend.cancel_transfer(&caller.actor, positive_id("transferId", &id)?).await?;
    Ok(Json(to_json::transfers([&transfer])))
}

// ---- payouts ---------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PayoutCreate {
    wallet_id: Option<i64>,
    beneficiary_id: Option<i64>,
    amount: Option<Number>,
    currency: Option<String>,
    label: Option<String>,
    payout_tag: Option<Value>,
    payout_type_id: Option<i64>,
    end_to_end_id: Option<String>,
    access_tag: Option<String>,
}

pub async fn create_payout(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let input: PayoutCreate = parse_json(&body)?;
    if input.payout_type_id.is_some_and(|t| t != 1) {
        return Err(bad("payoutTypeId: only 1 (credit transfer) is offered here."));
    }
    let tag = match input.payout_tag {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err(bad("payoutTag is text or a number.")),
    };
    let new = NewPayout {
        wallet_id: input.wallet_id,
        beneficiary_id: input.beneficiary_id,
        amount: amount_text(input.amount),
        currency: input.currency,
        label: input.label,
        tag,
        end_to_end_id: input.end_to_end_id,
        access_tag: input.access_tag,
    };
    let payout = state.backend.create_payout(&caller.actor, &caller.meta, new).await?;
    Ok(Json(to_json::payouts([&payout])))
}

/// `GET /v1/payouts?walletId=|userId=[&cursor=]`: newest first, 50 a page; the cursor is the
/// last payout id of the page before.
pub async fn payouts(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    let before = optional_id(&params, "cursor")?;
    let items = state
        .backend
        .search_payouts(&caller.actor, optional_id(&params, "walletId")?, optional_id(&params, "userId")?, before, 50)
        .await?;
    let mut answer = to_json::payouts(&items);
    if items.len() == 50
        && let Some(last) = items.last()
    {
        answer["cursor"] = json!({ "next": last.id.to_string() });
    }
    Ok(Json(answer))
}

pub async fn payout(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let payout = state.backend.get_payout(&caller.actor, positive_id("payoutId", &id)?).await?;
    Ok(Json(to_json::payouts([&payout])))
}

pub async fn cancel_payout(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let payout = state.backend.cancel_payout(&caller.actor, &caller.meta, positive_id("payoutId", &id)?).await?;
    Ok(Json(to_json::payouts([&payout])))
}

// ---- beneficiaries ---------------------------------------------------------------------

/// `GET /v1/beneficiaries?userId=` (or `?id=`, or `filter=userId==N`).
pub async fn beneficiaries(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    if let Some(id) = optional_id(&params, "id")? {
        let one = state.backend.get_beneficiary(&caller.actor, id).await?;
        return Ok(Json(to_json::beneficiaries([&one])));
    }
    let from_filter = params.get("filter").and_then(|f| {
        f.split(';').find_map(|part| {
            part.trim().strip_prefix("userId").map(|rest| rest.trim().trim_start_matches("==").trim().to_string())
        })
    });
    let user = match (params.get("userId"), from_filter) {
        (Some(raw), _) => positive_id("userId", raw)?,
        (None, Some(raw)) => positive_id("userId", &raw)?,
        (None, None) => return Err(bad("userId: userId is required (or id, or filter=userId==N).")),
    };
    let items = state.backend.list_beneficiaries(&caller.actor, user).await?;
    Ok(Json(to_json::beneficiaries(&items)))
}

pub async fn beneficiary(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let one = state.backend.get_beneficiary(&caller.actor, positive_id("beneficiaryId", &id)?).await?;
    Ok(Json(to_json::beneficiaries([&one])))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BeneficiaryCreate {
    user_id: Option<i64>,
    name: Option<String>,
    nick_name: Option<String>,
    address: Option<String>,
    iban: Option<String>,
    bic: Option<String>,
    tag: Option<String>,
    usable_for_sct: Option<bool>,
    #[allow(dead_code)]
    access_tag: Option<String>,
}

pub async fn create_beneficiary(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let input: BeneficiaryCreate = parse_json(&body)?;
    let new = NewBeneficiary {
        user_id: input.user_id,
        name: input.name,
        nick_name: input.nick_name,
        address: input.address,
        iban: input.iban,
        bic: input.bic,
        tag: input.tag,
        usable_for_sct: input.usable_for_sct,
    };
    let created = state.backend.create_beneficiary(&caller.actor, &caller.meta, new).await?;
    Ok(Json(to_json::beneficiaries([&created])))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BeneficiaryUpdate {
    name: Option<String>,
    nick_name: Option<String>,
    address: Option<String>,
    tag: Option<String>,
    is_active: Option<bool>,
    #[allow(dead_code)]
    access_tag: Option<String>,
}

pub async fn update_beneficiary(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = positive_id("beneficiaryId", &id)?;
    let input: BeneficiaryUpdate = parse_json(&body)?;
    let patch = BeneficiaryPatch {
        name: input.name,
        nick_name: input.nick_name,
        address: input.address,
        tag: input.tag,
        is_active: input.is_active,
    };
    let updated = state.backend.update_beneficiary(&caller.actor, &caller.meta, id, patch).await?;
    Ok(Json(to_json::beneficiaries([&updated])))
}

// ---- operations and reports ------------------------------------------------------------

/// `GET /core-connect/operations?walletId=&dateFrom=&dateTo=[&pageSize=&cursor=]`: newest first.
pub async fn operations(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    reports::require(&caller.actor, Action::ViewWalletDetails)?;
    let wallet = optional_id(&params, "walletId")?.ok_or_else(|| bad("walletId: walletId is required."))?;
    let period = Period::parse(params.get("dateFrom").map(String::as_str), params.get("dateTo").map(String::as_str))?;
    let cursor =
        params.get("cursor").filter(|c| !c.trim().is_empty()).map(|c| OperationCursor::decode(c)).transpose()?;
    let size = int_param(&params, "pageSize", 50)?;
    let page = state.backend.wallet_operations(&caller.actor, wallet, &period, cursor.as_ref(), size).await?;
    let mut position = json!({ "prev": Value::Null, "next": page.next.map(|c| c.encode()) });
    if let Some(current) = cursor {
        position["current"] = json!(current.encode());
    }
    Ok(Json(json!({ "data": page.operations.iter().map(to_json::operation).collect::<Vec<_>>(), "cursor": position })))
}

/// A CSV download: streamed, never cached.
fn csv_response(name: &str, body: Body) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /core-connect/operations/{walletId}/report?dateFrom=&dateTo=`: the operations CSV,
/// made as it is sent (so it is COMPLETED at once: its url is this same request).
pub async fn operations_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    reports::require(&caller.actor, Action::DownloadOperations)?;
    let wallet = positive_id("walletId", &id)?;
    let period = Period::parse(params.get("dateFrom").map(String::as_str), params.get("dateTo").map(String::as_str))?;
    let stream = state.backend.operations_csv(&caller.actor, wallet, period).await?;
    Ok(csv_response(&format!("operations-wallet-{wallet}.csv"), Body::from_stream(stream)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReportRequest {
    date_from: Option<String>,
    date_to: Option<String>,
}

/// `POST /core-connect/operations/{walletId}/report`: checks the range and the permission,
/// and answers where the CSV is (`url`, relative to this server).
pub async fn request_operations_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    reports::require(&caller.actor, Action::DownloadOperations)?;
    let wallet = positive_id("walletId", &id)?;
    let input: ReportRequest = parse_json(&body)?;
    let period = Period::parse(input.date_from.as_deref(), input.date_to.as_deref())?;
    // The permission and the wallet are checked now; the stream is not read.
    drop(state.backend.operations_csv(&caller.actor, wallet, period.clone()).await?);
    let query = serde_urlencoded_pair(&period);
    Ok(Json(json!({ "status": "COMPLETED", "url": format!("/core-connect/operations/{wallet}/report?{query}") })))
}

fn serde_urlencoded_pair(period: &Period) -> String {
    let encode = |s: &str| s.replace(':', "%3A").replace('+', "%2B");
    format!("dateFrom={}&dateTo={}", encode(&period.from), encode(&period.to))
}

fn link_answer(link: shared::documents::SignedLink) -> Json<Value> {
    Json(json!({ "link": link.path, "expireIn": link.expires_in }))
}

/// `GET /core-connect/account-details/{walletId}/computed`.
pub async fn account_details(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let wallet = positive_id("walletId", &id)?;
    Ok(link_answer(state.backend.report_link(&caller.actor, wallet, ReportKind::AccountDetails).await?))
}

/// `GET /core-connect/statements/{walletId}/computed?month=&year=`.
pub async fn statement(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(params): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    reports::require(&caller.actor, Action::GenerateStatement)?;
    let wallet = positive_id("walletId", &id)?;
    let month = int_param(&params, "month", 0)?;
    let year = int_param(&params, "year", 0)?;
    if !(1..=12).contains(&month) || !(2000..=2100).contains(&year) {
        return Err(bad("month is 1 to 12 and year 2000 to 2100."));
    }
    let kind = ReportKind::Statement { year: year as i32, month: month as u32 };
    Ok(link_answer(state.backend.report_link(&caller.actor, wallet, kind).await?))
}

#[derive(Deserialize)]
pub struct LinkQuery {
    expires: Option<i64>,
    signature: Option<String>,
}

/// `GET /reports/{walletId}/{kind}?expires=&signature=`: the PDF behind a signed link.
pub async fn report(
    State(state): State<AppState>,
    Path((wallet, key)): Path<(String, String)>,
    Query(link): Query<LinkQuery>,
) -> Result<Response, ApiError> {
    let refused =
        || ApiError::from(backend::Error::Forbidden("This link is not valid, or it has expired: ask for a new one."));
    let wallet = wallet.parse::<i64>().map_err(|_| refused())?;
    let report = state
        .backend
        .open_report_link(wallet, &key, link.expires.unwrap_or(0), link.signature.as_deref().unwrap_or(""))
        .await?;
    let (name, mut response, content_type) = match report {
        Report::Pdf { name, bytes } => (name, bytes.into_response(), "application/pdf"),
        Report::Csv { name, rows } => (name, Body::from_stream(rows).into_response(), "text/csv; charset=utf-8"),
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
