//! Card transactions: `/v1/cardtransactions` (Treezor's `{"cardtransactions":[...]}`, by card)
//! and `/core-connect/cardtransactions[/{cardId}]` (`{"cardTransactions":[...],"cursor":{...}}`,
//! by date, with cursors).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use serde_json::{Value, json};
use shared::cards::PaymentStatus;
use shared::dto::{CardTransactionSearch, Cursor, Keyset, KeysetPage};
use shared::money::Money;

use super::{ApiError, Caller, json as to_json, positive_id};
use crate::AppState;

type Params = HashMap<String, String>;

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("input_validation_error", message)
}

/// `pageCount`: 1 to 100, 50 when left out.
fn page_count(params: &Params) -> Result<i64, ApiError> {
    match params.get("pageCount") {
        None => Ok(50),
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| invalid("pageCount: pageCount is 1 to 100.")),
    }
}

/// `/v1`'s deepest page: each earlier page is read on the way.
const MAX_PAGE_NUMBER: i64 = 20;

/// `GET /v1/cardtransactions?cardId=|publicToken=|cardtransactionId=`: a card's
/// transactions, newest first, `pageCount` at a time (`pageNumber` up to 20).
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    let backend = &state.backend;
    if let Some(raw) = params.get("cardtransactionId") {
        let one = backend.get_card_transaction(&caller.actor, positive_id("cardtransactionId", raw)?).await?;
        return Ok(Json(json!({ "cardtransactions": [to_json::card_transaction(&one)] })));
    }
    // The card is looked up first: the scope is checked before the input, and an unknown
    // card is a 404.
    let by_id = params.get("cardId").map(|raw| positive_id("cardId", raw)).transpose()?;
    let card_id = backend.find_card(&caller.actor, by_id, params.get("publicToken").map(String::as_str)).await?.id;
    let page_number = match params.get("pageNumber") {
        None => 1,
        Some(raw) => raw.parse::<i64>().ok().filter(|n| (1..=MAX_PAGE_NUMBER).contains(n)).ok_or_else(|| {
            invalid(format!(
                "pageNumber: pageNumber is 1 to {MAX_PAGE_NUMBER} (/core-connect/cardtransactions/{{cardId}} pages further, by cursor)."
            ))
        })?,
    };
    let mut search =
        CardTransactionSearch { card_id: Some(card_id), page_size: page_count(&params)?, ..Default::default() };
    let mut page = backend.search_card_transactions(&caller.actor, &search).await?;
    // Earlier pages are walked by their cursors: a card has few transactions per page.
    for _ in 1..page_number {
        match page.older.take() {
            Some(next) => {
                search.at = next;
                page = backend.search_card_transactions(&caller.actor, &search).await?;
            }
            None => {
                page.items.clear();
                break;
            }
        }
    }
    Ok(Json(json!({ "cardtransactions": page.items.iter().map(to_json::card_transaction).collect::<Vec<_>>() })))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let one = state.backend.get_card_transaction(&caller.actor, positive_id("cardtransactionId", &id)?).await?;
    Ok(Json(json!({ "cardtransactions": [to_json::card_transaction(&one)] })))
}

/// A `/core-connect` cursor: `older:<row>` reads the page after that row, `newer:<row>` the
/// page before it.
fn cursor_param(params: &Params) -> Result<Keyset, ApiError> {
    let Some(raw) = params.get("cursor").filter(|c| !c.is_empty()) else {
        return Ok(Keyset::First);
    };
    let bad = || invalid("cursor: use a cursor this API answered.");
    let (direction, row) = raw.split_once(':').ok_or_else(bad)?;
    let row = Cursor::from_param(row).filter(|c| c.key.is_some()).ok_or_else(bad)?;
    match direction {
        "older" => Ok(Keyset::Before(row)),
        "newer" => Ok(Keyset::After(row)),
        _ => Err(bad()),
    }
}

fn cursor_text(at: &Keyset) -> Option<String> {
    match at {
        Keyset::Before(c) => Some(format!("older:{}", c.to_param())),
        Keyset::After(c) => Some(format!("newer:{}", c.to_param())),
        Keyset::First => None,
    }
}

/// The page and its cursors; `prev` and `next` are left out at either end.
fn core_answer(params: &Params, page: KeysetPage<shared::cards::CardTransaction>) -> Json<Value> {
    let mut cursor = json!({ "current": params.get("cursor").cloned().unwrap_or_default() });
    for (name, at) in [("prev", &page.newer), ("next", &page.older)] {
        if let Some(text) = at.as_ref().and_then(cursor_text) {
            cursor[name] = json!(text);
        }
    }
    Json(json!({
        "cardTransactions": page.items.iter().map(to_json::core_card_transaction).collect::<Vec<_>>(),
        "cursor": cursor,
    }))
}

fn dated_search(params: &Params) -> Result<CardTransactionSearch, ApiError> {
    Ok(CardTransactionSearch {
        date_from: params.get("createdDateFrom").cloned(),
        date_to: params.get("createdDateTo").cloned(),
        at: cursor_param(params)?,
        page_size: page_count(params)?,
        ..Default::default()
    })
}

/// `GET /core-connect/cardtransactions`: every card's, newest first, by date range.
pub async fn core_list(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    let page = state.backend.search_card_transactions(&caller.actor, &dated_search(&params)?).await?;
    Ok(core_answer(&params, page))
}

/// `GET /core-connect/cardtransactions/{cardId}`: one card's, with amount (in the card's
/// currency) and status filters.
pub async fn core_card_list(
    State(state): State<AppState>,
    caller: Caller,
    Path(card_id): Path<String>,
    Query(params): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    let card = state.backend.find_card(&caller.actor, Some(positive_id("cardId", &card_id)?), None).await?;
    let amount = |name: &str| -> Result<Option<Money>, ApiError> {
        params
            .get(name)
            .map(|raw| {
                Money::parse_decimal(raw, card.currency.clone())
                    .ok_or_else(|| invalid(format!("{name}: an amount in {}, e.g. 12.50.", card.currency.code())))
            })
            .transpose()
    };
    let status = params
        .get("paymentStatus")
        .map(|raw| PaymentStatus::parse(raw).ok_or_else(|| invalid("paymentStatus: one of A, R, S, C, I, M, V.")))
        .transpose()?;
    let search = CardTransactionSearch {
        card_id: Some(card.id),
        status,
        amount_from: amount("amountFrom")?,
        amount_to: amount("amountTo")?,
        ..dated_search(&params)?
    };
    let page = state.backend.search_card_transactions(&caller.actor, &search).await?;
    Ok(core_answer(&params, page))
}
