//! Card transactions written by seed-demo: by card over `/v1`, by date with cursors over
//! `/core-connect`, filters (user, dates, amounts, status), and the contract's shapes.

use reqwest::Method;
use serde_json::Value;
use shared::Scope;
use shared::cards::CardTransaction;
use shared::dto::{CardTransactionSearch, KeysetPage};
use shared::money::{Currency, Money};

use crate::harness::{Flavor, spawn_app};
use crate::spec::assert_matches_schema;

crate::on_both_databases!(card_transactions_are_listed_filtered_and_paged);

fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|t| t["cardtransactionId"].as_str().unwrap().to_string()).collect()
}

async fn card_transactions_are_listed_filtered_and_paged(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.backend.seed_demo(40, |_| {}).await.unwrap();
    let t = app.bearer(&[Scope::ReadOnly]).await;
    let (_, cards) = app.rest(Method::GET, "/v1/cards?userId=10", &t, None).await;
    let card = &cards["cards"][0];
    let (card_id, token) = (card["cardId"].as_i64().unwrap(), card["publicToken"].as_str().unwrap().to_string());

    // By card: newest first, the same by id or public token.
    let (status, by_card) = app.rest(Method::GET, &format!("/v1/cardtransactions?cardId={card_id}"), &t, None).await;
    assert_eq!(status, 200, "{by_card}");
    assert_matches_schema("readCardTransaction_200_response", &by_card, false);
    let list = by_card["cardtransactions"].as_array().unwrap();
    assert_eq!(list.len(), 4, "seed-demo writes four per card");
    let dates: Vec<&str> = list.iter().map(|t| t["authorizationIssuerTime"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first: {dates:?}");
    let card_text = card_id.to_string();
    assert!(list.iter().all(|t| t["cardId"] == card_text.as_str()), "ids are strings in this object");
    let (_, by_token) = app.rest(Method::GET, &format!("/v1/cardtransactions?publicToken={token}"), &t, None).await;
    assert_eq!(ids(&by_token["cardtransactions"]), ids(&by_card["cardtransactions"]));
    let (_, second_page) = app
        .rest(Method::GET, &format!("/v1/cardtransactions?cardId={card_id}&pageCount=3&pageNumber=2"), &t, None)
        .await;
    assert_eq!(ids(&second_page["cardtransactions"]), ids(&by_card["cardtransactions"])[3..].to_vec());
    let one_id = ids(&by_card["cardtransactions"])[0].clone();
    let (status, one) = app.rest(Method::GET, &format!("/v1/cardtransactions/{one_id}"), &t, None).await;
    assert_eq!((status.as_u16(), ids(&one["cardtransactions"])), (200, vec![one_id]));
    let (status, _) = app.rest(Method::GET, "/v1/cardtransactions", &t, None).await;
    assert_eq!(status, 400, "a card is required");

    // Every card's, by date, with cursors: no row repeated or skipped.
    let mut seen = Vec::new();
    let mut url = "/core-connect/cardtransactions?pageCount=7&createdDateFrom=2020-01-01".to_string();
    loop {
        let (status, page) = app.rest(Method::GET, &url, &t, None).await;
        assert_eq!(status, 200, "{page}");
        assert_matches_schema("getCoCardTransactions_200_response", &page, false);
        seen.extend(ids(&page["cardTransactions"]));
        match page["cursor"]["next"].as_str() {
            Some(next) => url = format!("/core-connect/cardtransactions?pageCount=7&cursor={next}"),
            None => break,
        }
    }
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM card_transactions").fetch_one(&app.backend.db.pool).await.unwrap();
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (total as usize, total as usize), "each row once");
    let (status, _) = app.rest(Method::GET, "/core-connect/cardtransactions?cursor=nonsense", &t, None).await;
    assert_eq!(status, 400);
    let (status, _) = app.rest(Method::GET, "/core-connect/cardtransactions?createdDateFrom=yesterday", &t, None).await;
    assert_eq!(status, 400);

    // One card's, by amount (in the card's currency) and status.
    let amounts: Vec<i64> = list
        .iter()
        .map(|t| {
            Money::parse_decimal(t["paymentAmount"].as_str().unwrap(), Currency::parse("EUR").unwrap()).unwrap().minor
        })
        .collect();
    let (low, high) = (*amounts.iter().min().unwrap(), *amounts.iter().max().unwrap());
    let low_major = Money::new(low, Currency::parse("EUR").unwrap()).decimal();
    let url = format!("/core-connect/cardtransactions/{card_id}?amountFrom={low_major}&amountTo={low_major}");
    let (status, cheapest) = app.rest(Method::GET, &url, &t, None).await;
    assert_eq!(status, 200, "{cheapest}");
    let found = cheapest["cardTransactions"].as_array().unwrap();
    assert!(!found.is_empty() && found.iter().all(|t| t["paymentAmount"] == low_major.as_str()), "{cheapest}");
    assert!(found.iter().all(|t| t["userId"] == 10));
    assert!(low < high || amounts.len() == 1);
    let (status, _) =
        app.rest(Method::GET, &format!("/core-connect/cardtransactions/{card_id}?amountFrom=1.234"), &t, None).await;
    assert_eq!(status, 400, "EUR has two decimals");

    // The dashboard's filters: user and date range, status.
    let (reader, _) = app.logged_in("ro@example.com", shared::Role::SupportReadOnly).await;
    let day = list[0]["authorizationIssuerTime"].as_str().unwrap()[..10].to_string();
    let search = CardTransactionSearch {
        user_id: Some(10),
        date_from: Some(day.clone()),
        date_to: Some(day.clone()),
        page_size: 20,
        ..Default::default()
    };
    let page: KeysetPage<CardTransaction> =
        app.call(&reader, "cards/transactions", serde_json::json!({ "search": search })).await.unwrap();
    assert!(!page.items.is_empty());
    assert!(page.items.iter().all(|t| t.user_id == 10 && t.date.starts_with(&day)), "{:?}", page.items);
    let declined = CardTransactionSearch {
        status: Some(shared::cards::PaymentStatus::Refused),
        page_size: 100,
        ..Default::default()
    };
    let page: KeysetPage<CardTransaction> =
        app.call(&reader, "cards/transactions", serde_json::json!({ "search": declined })).await.unwrap();
    assert!(!page.items.is_empty() && page.items.iter().all(|t| t.authorization_note.is_some()), "declined say why");
}
