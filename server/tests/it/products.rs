//! Read-only wallets, cards and beneficiaries of seeded users, in the contract's shapes.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use shared::Scope;

use crate::harness::{Flavor, spawn_app};
use crate::spec::assert_matches_schema;

crate::on_both_databases!(wallets_cards_and_beneficiaries_are_readable, solde_uses_the_currency_exponent);

/// `solde` is the balance in major units of the wallet's own currency: 1500 minor units are
/// 15 EUR, 1500 JPY and 1.5 KWD.
async fn solde_uses_the_currency_exponent(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.backend.seed_demo(2, |_| {}).await.unwrap();
    let t = app.bearer(&[Scope::ReadOnly]).await;
    for (currency, solde) in [("EUR", 15.0), ("JPY", 1500.0), ("KWD", 1.5)] {
        let id = app
            .backend
            .add_wallet(&backend::Actor::System, &backend::RequestMeta::local(), 1, currency, 1500)
            .await
            .unwrap();
        let (status, body) = app.rest(Method::GET, &format!("/v1/wallets/{id}"), &t, None).await;
        assert_eq!(status, 200, "{body}");
        assert_matches_schema("WalletObject", &body, false);
        let wallet = &body["wallets"][0];
        assert_eq!((wallet["currency"].as_str(), wallet["solde"].as_f64()), (Some(currency), Some(solde)), "{wallet}");
        assert_eq!(wallet["balanceMinorUnits"], 1500);
    }
}

async fn wallets_cards_and_beneficiaries_are_readable(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.backend.seed_demo(40, |_| {}).await.unwrap();
    let t = app.bearer(&[Scope::ReadOnly]).await;
    let get = |path: String| {
        let app = &app;
        let t = &t;
        async move { app.rest(Method::GET, &path, t, None).await }
    };
    // User 10: even (a card) and a multiple of five (beneficiaries).
    let (status, wallets) = get("/v1/wallets?userId=10".into()).await;
    assert_eq!(status, 200, "{wallets}");
    assert_matches_schema("WalletObject", &wallets, false);
    let wallet = &wallets["wallets"][0];
    let minor = wallet["balanceMinorUnits"].as_i64().unwrap();
    assert_eq!(wallet["solde"].as_f64().unwrap(), minor as f64 / 100.0);
    let wallet_id = wallet["walletId"].as_i64().unwrap();
    let (_, one) = get(format!("/v1/wallets/{wallet_id}")).await;
    assert_eq!(one["wallets"][0], *wallet);

    let (status, cards) = get("/v1/cards?userId=10".into()).await;
    assert_eq!(status, 200);
    assert_matches_schema("CardObject", &cards, false);
    let card = cards["cards"][0].clone();
    assert_eq!(card["walletId"].as_i64(), Some(wallet_id));
    assert!(card["maskedPan"].as_str().unwrap().contains("**"));
    let token = card["publicToken"].as_str().unwrap();
    let (_, by_token) = get(format!("/v1/cards?publicToken={token}")).await;
    assert_eq!(by_token["cards"][0], card);
    let (_, by_id) = get(format!("/v1/cards/{}", card["cardId"])).await;
    assert_eq!(by_id["cards"][0], card);
    let (_, none) = get("/v1/cards?userId=11".into()).await;
    assert_eq!(none["cards"].as_array().unwrap().len(), 0, "odd users have no card");

    let (status, bens) = get("/v1/beneficiaries?userId=10".into()).await;
    assert_eq!(status, 200);
    assert_matches_schema("BeneficiaryObject", &bens, false);
    assert_eq!(bens["beneficiaries"].as_array().unwrap().len(), 1);

    for (path, expected) in [
        ("/v1/wallets".to_string(), StatusCode::BAD_REQUEST),
        ("/v1/wallets/999999".to_string(), StatusCode::NOT_FOUND),
        ("/v1/cards?publicToken=nope".to_string(), StatusCode::NOT_FOUND),
        ("/v1/cards/abc".to_string(), StatusCode::BAD_REQUEST),
        ("/v1/beneficiaries?userId=-1".to_string(), StatusCode::BAD_REQUEST),
    ] {
        let (status, body): (StatusCode, Value) = get(path.clone()).await;
        assert_eq!(status, expected, "{path}: {body}");
    }
    let anonymous = reqwest::Client::new().get(format!("{}/v1/wallets?userId=10", app.base_url)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}
