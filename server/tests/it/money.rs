//! Money on the ledger: wallets, transfers, payouts (four-eyes included), beneficiaries,
//! statements and the operations CSV, through the REST API, on both databases. Answers are
//! checked against Treezor's schemas and our own document; the ledger is verified after each.

use std::sync::Arc;

use backend::money::payouts::PayoutWindow;
use backend::{Actor, Operator, RequestMeta};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::money::{Currency, Money};
use shared::{Role, Scope};

use crate::harness::{Flavor, TestApp, browser, spawn_app};
use crate::spec::{assert_matches_schema, assert_matches_schema_of, openapi_to_json_schema};

crate::on_both_databases!(
    wallets_transfers_and_their_refusals,
    payouts_beneficiaries_and_deactivation,
    four_eyes_payouts,
    statements_and_operations_reconcile_to_the_ledger,
    concurrent_transfers_keep_every_balance,
    wallet_and_transfer_pages_cover_every_row_once,
);

async fn our_document(app: &TestApp) -> Value {
    let mut doc: Value =
        browser().get(format!("{}/openapi.json", app.base_url)).send().await.unwrap().json().await.unwrap();
    openapi_to_json_schema(&mut doc);
    doc
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::parse("EUR").unwrap())
}

/// A new wallet of `user` through the REST API, and its id.
async fn new_wallet(app: &TestApp, token: &str, user: i64, currency: &str) -> i64 {
    let (status, body) = app
        .rest(
            Method::POST,
            "/v1/wallets",
            token,
            Some(
                json!({"userId": user, "walletTypeId": 9, "currency": currency, "eventName": "Savings", "tariffId": 1}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["wallets"][0]["walletId"].as_i64().unwrap()
}

async fn fund(app: &TestApp, wallet: i64, money: Money) {
    app.backend.credit_payin(&Actor::System, &RequestMeta::local(), wallet, money, "Test pay-in").await.unwrap();
}

async fn balance(app: &TestApp, wallet: i64) -> i64 {
    app.backend.get_wallet(&Actor::System, wallet).await.unwrap().balance.minor
}

async fn assert_ledger_sound(app: &TestApp) {
    let report = app.backend.verify_ledger().await.unwrap();
    assert!(report.is_sound(), "{report:?}");
}

fn transfer(from: i64, to: i64, amount: f64, currency: &str, tag: &str) -> Value {
    json!({"walletId": from, "beneficiaryWalletId": to, "amount": amount, "currency": currency, "accessTag": tag,
           "label": "Rent share"})
}

fn message(body: &Value) -> String {
    body["errors"][0]["message"].as_str().unwrap_or_default().to_string()
}

async fn wallets_transfers_and_their_refusals(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.backend.seed_demo(3, |_| {}).await.unwrap();
    let doc = our_document(&app).await;
    let t = app.bearer(&[Scope::ReadOnly, Scope::ReadWrite]).await;
    let a = new_wallet(&app, &t, 1, "EUR").await;
    let b = new_wallet(&app, &t, 2, "EUR").await;
    let yen = new_wallet(&app, &t, 2, "JPY").await;
    fund(&app, a, eur(10_000)).await;

    // A transfer moves money once; a retry of its accessTag answers the same transfer.
    let (status, first) = app.rest(Method::POST, "/v1/transfers", &t, Some(transfer(a, b, 25.5, "EUR", "t1"))).await;
    assert_eq!(status, 200, "{first}");
    assert_matches_schema("TransferObject", &first, false);
    assert_matches_schema_of(&doc, "Transfers", &first, false);
    assert_eq!(
        (first["transfers"][0]["amount"].as_str(), first["transfers"][0]["transferStatus"].as_str()),
        (Some("25.50"), Some("VALIDATED"))
    );
    let (_, again) = app.rest(Method::POST, "/v1/transfers", &t, Some(transfer(a, b, 25.5, "EUR", "t1"))).await;
    assert_eq!(again["transfers"][0]["transferId"], first["transfers"][0]["transferId"]);
    assert_eq!((balance(&app, a).await, balance(&app, b).await), (10_000 - 2_550, 2_550));
    // The same tag for another request, and the same tag from another client.
    let (status, body) = app.rest(Method::POST, "/v1/transfers", &t, Some(transfer(a, b, 1.0, "EUR", "t1"))).await;
    assert_eq!((status, message(&body).contains("accessTag")), (StatusCode::CONFLICT, true), "{body}");
    let other_client = app.bearer(&[Scope::ReadOnly, Scope::ReadWrite]).await;
    let (status, _) =
        app.rest(Method::POST, "/v1/transfers", &other_client, Some(transfer(a, b, 1.0, "EUR", "t1"))).await;
    assert_eq!(status, 200, "another client's tag is another request");

    // Refusals: each says why, and moves nothing.
    let before = (balance(&app, a).await, balance(&app, b).await);
    for (body, expected, says) in [
        (transfer(a, b, 1_000_000.0, "EUR", "x1"), 409, "Insufficient balance"),
        (transfer(a, yen, 1.0, "EUR", "x2"), 409, "Currency mismatch"),
        (transfer(a, b, 1.0, "JPY", "x3"), 409, "Currency mismatch"),
        (transfer(a, a, 1.0, "EUR", "x4"), 400, "two different wallets"),
        (transfer(a, b, 0.0, "EUR", "x5"), 400, "amount"),
        (transfer(a, b, 1.234, "EUR", "x6"), 400, "at most 2 decimals"),
        (transfer(a, b, 1.0, "EURO", "x7"), 400, "ISO 4217"),
        (transfer(a, 999_999, 1.0, "EUR", "x8"), 400, "names no wallet"),
    ] {
        let (status, answer) = app.rest(Method::POST, "/v1/transfers", &t, Some(body.clone())).await;
        assert_eq!(status.as_u16(), expected, "{body}: {answer}");
        assert!(message(&answer).contains(says), "{body}: {answer}");
    }
    let (status, _) = app.rest(Method::POST, "/v1/transfers", &t, Some(json!({"walletId": a, "amount": "x"}))).await;
    assert_eq!(status, 400);
    assert_eq!((balance(&app, a).await, balance(&app, b).await), before);
    // A refused transfer keeps no row, so its tag can be used for the corrected request.
    let (status, _) = app.rest(Method::POST, "/v1/transfers", &t, Some(transfer(a, b, 1.0, "EUR", "x1"))).await;
    assert_eq!(status, 200);

    // A frozen owner's money cannot leave, but a retry of what went through still answers it.
    let admin = app.bearer(&[Scope::Admin]).await;
    let freeze = |on: i64| json!({ "isFrozen": on });
    let (status, _) = app.rest(Method::PUT, "/v1/users/1/FreezeAssets", &admin, Some(freeze(1))).await;
    assert_eq!(status, 200);
    let (status, body) = app.rest(Method::POST, "/v1/transfers", &t, Some(transfer(a, b, 1.0, "EUR", "f1"))).await;
    assert_eq!((status, message(&body).contains("frozen")), (StatusCode::CONFLICT, true), "{body}");
    let (status, replay) = app.rest(Method::POST, "/v1/transfers", &t, Some(transfer(a, b, 25.5, "EUR", "t1"))).await;
    assert_eq!((status, &replay["transfers"][0]["transferId"]), (StatusCode::OK, &first["transfers"][0]["transferId"]));
    let (status, _) = app.rest(Method::PUT, "/v1/users/1/FreezeAssets", &admin, Some(freeze(0))).await;
    assert_eq!(status, 200);

    // A read-only client reads but cannot move money; a transfer cannot be canceled.
    let reader = app.bearer(&[Scope::ReadOnly]).await;
    let (status, _) = app.rest(Method::POST, "/v1/transfers", &reader, Some(transfer(a, b, 1.0, "EUR", "r1"))).await;
    assert_eq!(status, 403);
    let id = first["transfers"][0]["transferId"].as_i64().unwrap();
    let (status, one) = app.rest(Method::GET, &format!("/v1/transfers/{id}"), &reader, None).await;
    assert_eq!((status, &one["transfers"][0]["transferId"]), (StatusCode::OK, &json!(id)));
    let (status, listed) = app.rest(Method::GET, &format!("/v1/transfers?walletId={a}"), &reader, None).await;
    assert_eq!((status, listed["transfers"].as_array().unwrap().len()), (StatusCode::OK, 3), "{listed}");
    let (status, _) = app.rest(Method::DELETE, &format!("/v1/transfers/{id}"), &t, None).await;
    assert_eq!(status, 409);

    // Wallets: read, balances, edit; deactivation needs a zero balance and is final.
    let (status, got) = app.rest(Method::GET, &format!("/v1/wallets/{a}"), &reader, None).await;
    assert_eq!(status, 200);
    assert_matches_schema("WalletObject", &got, false);
    assert_matches_schema_of(&doc, "Wallets", &got, false);
    let iban = got["wallets"][0]["iban"].as_str().unwrap();
    assert!(shared::banking::Iban::parse(iban).is_ok(), "{iban}");
    let (_, balances) = app.rest(Method::GET, &format!("/v1/balances?walletId={a}"), &reader, None).await;
    assert_matches_schema("getBalances_200_response", &balances, false);
    assert_matches_schema_of(&doc, "Balances", &balances, false);
    assert_eq!(balances["balances"][0]["authorizedBalance"].as_f64(), Some((balance(&app, a).await as f64) / 100.0));
    let (status, edited) = app
        .rest(Method::PUT, &format!("/v1/wallets/{b}"), &t, Some(json!({"eventName": "Holidays", "walletTag": "h"})))
        .await;
    assert_eq!((status, edited["wallets"][0]["eventName"].as_str()), (StatusCode::OK, Some("Holidays")));
    let (status, _) = app.rest(Method::PUT, &format!("/v1/wallets/{b}"), &t, Some(json!({"solde": 100}))).await;
    assert_eq!(status, 400, "the balance is not a field anyone edits");
    let (status, body) =
        app.rest(Method::DELETE, &format!("/v1/wallets/{b}"), &t, Some(json!({"origin": "OPERATOR"}))).await;
    assert_eq!((status, message(&body).contains("balance is not 0")), (StatusCode::CONFLICT, true), "{body}");
    let (status, closed) = app.rest(Method::DELETE, &format!("/v1/wallets/{yen}"), &t, None).await;
    assert_eq!((status, closed["wallets"][0]["walletStatus"].as_str()), (StatusCode::OK, Some("CANCELED")));
    let (status, _) = app.rest(Method::DELETE, &format!("/v1/wallets/{yen}"), &t, None).await;
    assert_eq!(status, 409);
    // Neither into nor out of a deactivated wallet, and it cannot be changed any more.
    let closed_eur = new_wallet(&app, &t, 3, "EUR").await;
    let (status, _) = app.rest(Method::DELETE, &format!("/v1/wallets/{closed_eur}"), &t, None).await;
    assert_eq!(status, 200);
    let (status, body) =
        app.rest(Method::POST, "/v1/transfers", &t, Some(transfer(a, closed_eur, 1.0, "EUR", "in1"))).await;
    assert_eq!(
        (status, message(&body).contains("receiving wallet is not active")),
        (StatusCode::CONFLICT, true),
        "{body}"
    );
    let (status, body) =
        app.rest(Method::POST, "/v1/transfers", &t, Some(transfer(closed_eur, a, 1.0, "EUR", "out1"))).await;
    assert_eq!((status, message(&body).contains("not active")), (StatusCode::CONFLICT, true), "{body}");
    let (status, _) =
        app.rest(Method::PUT, &format!("/v1/wallets/{closed_eur}"), &t, Some(json!({"eventName": "x"}))).await;
    assert_eq!(status, 409, "a deactivated wallet can no longer be changed");
    let (_, listed) = app.rest(Method::GET, "/v1/wallets?userId=2", &reader, None).await;
    assert_eq!(listed["wallets"].as_array().unwrap().len(), 3, "a deactivated wallet is kept and listed");

    // The database itself keeps the ledger immutable.
    for sql in ["UPDATE ledger_entries SET amount = 1", "DELETE FROM ledger_entries", "DELETE FROM ledger_movements"] {
        assert!(sqlx::query(sql).execute(&app.backend.db.pool).await.is_err(), "{sql}");
    }
    assert!(
        sqlx::query("UPDATE wallets SET balance = -1 WHERE id = $1")
            .bind(a)
            .execute(&app.backend.db.pool)
            .await
            .is_err(),
        "no overdraft, even written by hand"
    );
    let actions = app.audit_actions().await;
    for action in
        ["wallet.created", "wallet.payin_received", "transfer.created", "wallet.updated", "wallet.deactivated"]
    {
        assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
    }
    assert_ledger_sound(&app).await;
}

async fn payouts_beneficiaries_and_deactivation(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.backend.seed_demo(3, |_| {}).await.unwrap();
    let doc = our_document(&app).await;
    let t = app.bearer(&[Scope::ReadOnly, Scope::ReadWrite]).await;
    let user = app.backend.create_user(&Actor::System, &RequestMeta::local(), json!({
        "userTypeId": 1, "specifiedUSPerson": 0, "email": "payee@example.com", "firstname": "Ada", "lastname": "Byron"
    }).as_object().unwrap().clone()).await.unwrap().id;
    let wallet = new_wallet(&app, &t, user, "EUR").await;
    fund(&app, wallet, eur(5_000)).await;

    let beneficiary = |iban: &str, bic: &str| json!({"userId": user, "name": "Landlord", "iban": iban, "bic": bic});
    let (status, body) = app
        .rest(Method::POST, "/v1/beneficiaries", &t, Some(beneficiary("DE89370400440532013001", "COBADEFFXXX")))
        .await;
    assert_eq!((status, message(&body).contains("check digits")), (StatusCode::BAD_REQUEST, true), "{body}");
    let (status, body) =
        app.rest(Method::POST, "/v1/beneficiaries", &t, Some(beneficiary("DE89370400440532013000", "COBA"))).await;
    assert_eq!((status, message(&body).contains("BIC")), (StatusCode::BAD_REQUEST, true), "{body}");
    let (status, created) = app
        .rest(Method::POST, "/v1/beneficiaries", &t, Some(beneficiary("de89 3704 0044 0532 0130 00", "cobadeffxxx")))
        .await;
    assert_eq!(status, 200, "{created}");
    assert_matches_schema("BeneficiaryObject", &created, false);
    assert_matches_schema_of(&doc, "Beneficiaries", &created, false);
    assert_eq!(created["beneficiaries"][0]["iban"], "DE89370400440532013000");
    let beneficiary_id = created["beneficiaries"][0]["id"].as_i64().unwrap();
    // Another user's beneficiary cannot receive from this wallet.
    let (_, foreign) = app
        .rest(
            Method::POST,
            "/v1/beneficiaries",
            &t,
            Some(json!({"userId": 1, "name": "Other", "iban": "DE89370400440532013000", "bic": "COBADEFF"})),
        )
        .await;
    let foreign = foreign["beneficiaries"][0]["id"].as_i64().unwrap();

    let payout = |amount: f64, beneficiary: i64, tag: &str| json!({"walletId": wallet, "beneficiaryId": beneficiary, "amount": amount, "currency": "EUR", "accessTag": tag, "label": "Rent"});
    let (status, body) = app.rest(Method::POST, "/v1/payouts", &t, Some(payout(10.0, foreign, "p0"))).await;
    assert_eq!((status, message(&body).contains("another user")), (StatusCode::CONFLICT, true), "{body}");
    let (status, body) = app.rest(Method::POST, "/v1/payouts", &t, Some(payout(51.0, beneficiary_id, "p0"))).await;
    assert_eq!((status, message(&body).contains("Insufficient")), (StatusCode::CONFLICT, true), "{body}");

    // Pending: off the spendable balance at once, still in the booked one; cancel gives it back.
    let (status, first) = app.rest(Method::POST, "/v1/payouts", &t, Some(payout(20.0, beneficiary_id, "p1"))).await;
    assert_eq!(status, 200, "{first}");
    assert_matches_schema("postPayout_200_response", &first, false);
    assert_matches_schema_of(&doc, "Payouts", &first, false);
    let first_id = first["payouts"][0]["payoutId"].as_i64().unwrap();
    let (_, retry) = app.rest(Method::POST, "/v1/payouts", &t, Some(payout(20.0, beneficiary_id, "p1"))).await;
    assert_eq!(retry["payouts"][0]["payoutId"], json!(first_id));
    let (_, got) = app.rest(Method::GET, &format!("/v1/wallets/{wallet}"), &t, None).await;
    assert_eq!(
        (got["wallets"][0]["authorizedBalance"].as_f64(), got["wallets"][0]["solde"].as_f64()),
        (Some(30.0), Some(50.0))
    );
    let (status, canceled) = app.rest(Method::DELETE, &format!("/v1/payouts/{first_id}"), &t, None).await;
    assert_eq!((status, canceled["payouts"][0]["payoutStatus"].as_str()), (StatusCode::OK, Some("CANCELED")));
    assert_matches_schema("deletePayout_200_response", &canceled, false);
    assert_eq!(balance(&app, wallet).await, 5_000);
    let (status, _) = app.rest(Method::DELETE, &format!("/v1/payouts/{first_id}"), &t, None).await;
    assert_eq!(status, 409, "a canceled payout stays canceled");

    // The whole balance paid out, then sent by the executor: a validated payout cannot be canceled.
    let (status, all) = app.rest(Method::POST, "/v1/payouts", &t, Some(payout(50.0, beneficiary_id, "p2"))).await;
    assert_eq!(status, 200, "{all}");
    let all_id = all["payouts"][0]["payoutId"].as_i64().unwrap();
    let (status, body) = app.rest(Method::DELETE, &format!("/v1/wallets/{wallet}"), &t, None).await;
    assert_eq!(status, 409, "a pending payout still holds money: {body}");
    assert_eq!(app.backend.execute_due_payouts(PayoutWindow(std::time::Duration::from_secs(3600))).await.unwrap(), 0);
    app.clock.advance(std::time::Duration::from_secs(3601));
    assert_eq!(app.backend.execute_due_payouts(PayoutWindow(std::time::Duration::from_secs(3600))).await.unwrap(), 1);
    let t = app.bearer(&[Scope::ReadOnly, Scope::ReadWrite]).await; // the first token expired meanwhile
    let (_, sent) = app.rest(Method::GET, &format!("/v1/payouts/{all_id}"), &t, None).await;
    assert_matches_schema("getPayout_200_response", &sent, false);
    assert_eq!(sent["payouts"][0]["payoutStatus"], "VALIDATED");
    let (status, body) = app.rest(Method::DELETE, &format!("/v1/payouts/{all_id}"), &t, None).await;
    assert_eq!((status, message(&body).contains("pending")), (StatusCode::CONFLICT, true), "{body}");
    let (_, listed) = app.rest(Method::GET, &format!("/v1/payouts?walletId={wallet}"), &t, None).await;
    assert_matches_schema("getPayouts_200_response", &listed, false);
    assert_eq!(listed["payouts"].as_array().unwrap().len(), 2);

    // Editing a beneficiary keeps its usage and its IBAN.
    let (status, edited) = app
        .rest(Method::PUT, &format!("/v1/beneficiaries/{beneficiary_id}"), &t, Some(json!({"name": "New landlord"})))
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(
        (edited["beneficiaries"][0]["usageCount"].as_i64(), edited["beneficiaries"][0]["name"].as_str()),
        (Some(2), Some("New landlord"))
    );
    let (status, _) = app
        .rest(
            Method::PUT,
            &format!("/v1/beneficiaries/{beneficiary_id}"),
            &t,
            Some(json!({"iban": "FR7630006000011234567890189"})),
        )
        .await;
    assert_eq!(status, 400, "the IBAN cannot be edited");
    let (_, listed) = app.rest(Method::GET, &format!("/v1/beneficiaries?userId={user}"), &t, None).await;
    assert_eq!(listed["beneficiaries"][0]["id"], json!(beneficiary_id));

    // At zero, the wallet and then the user can be deactivated: the seed's rule, met by moving money.
    let (status, closed) = app.rest(Method::DELETE, &format!("/v1/wallets/{wallet}"), &t, None).await;
    assert_eq!((status, closed["wallets"][0]["walletStatus"].as_str()), (StatusCode::OK, Some("CANCELED")));
    let (status, body) = app.rest(Method::DELETE, &format!("/v1/users/{user}?origin=OPERATOR"), &t, None).await;
    assert_eq!(status, 200, "{body}");
    assert_ledger_sound(&app).await;
}

fn operator(id: i64, role: Role) -> Actor {
    Actor::Operator(Operator { id, username: format!("op{id}@example.com"), role, token_scopes: None, pending: None })
}

async fn four_eyes_payouts(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.backend.seed_demo(3, |_| {}).await.unwrap();
    let meta = RequestMeta::local();
    let alice = app.add_operator("alice@example.com", Role::Support).await;
    let bob = app.add_operator("bob@example.com", Role::Support).await;
    let (alice, bob) = (operator(alice, Role::Support), operator(bob, Role::Support));
    let reader = operator(bob.operator_id().unwrap(), Role::SupportReadOnly);
    let wallet = app.backend.add_wallet(&Actor::System, &meta, 1, "EUR", 500_000).await.unwrap();
    let beneficiary = app
        .backend
        .create_beneficiary(
            &alice,
            &meta,
            backend::money::beneficiaries::NewBeneficiary {
                user_id: Some(1),
                name: Some("Supplier".into()),
                iban: Some("FR7630006000011234567890189".into()),
                bic: Some("AGRIFRPPXXX".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let payout = |amount: &str| backend::money::payouts::NewPayout {
        wallet_id: Some(wallet),
        beneficiary_id: Some(beneficiary.id),
        amount: Some(amount.into()),
        currency: Some("EUR".into()),
        ..Default::default()
    };
    // Off by default: nothing waits.
    let small = app.backend.create_payout(&alice, &meta, payout("2000")).await.unwrap();
    assert_eq!(small.approval, shared::banking::Approval::NotNeeded);
    let mut settings = app.backend.system_settings(&Actor::System).await.unwrap();
    assert!(!settings.payout_approval_enabled);
    settings.payout_approval_enabled = true;
    settings.payout_approval_threshold = 1000;
    app.backend.update_system_settings(&Actor::System, &meta, settings).await.unwrap();
    let under = app.backend.create_payout(&alice, &meta, payout("1000")).await.unwrap();
    assert_eq!(under.approval, shared::banking::Approval::NotNeeded, "at the threshold, not above it");
    let big = app.backend.create_payout(&alice, &meta, payout("1000.01")).await.unwrap();
    assert!(big.awaits_approval());
    // Not sent while it waits, however long.
    app.clock.advance(std::time::Duration::from_secs(86_400));
    let window = PayoutWindow(std::time::Duration::from_secs(60));
    assert_eq!(app.backend.execute_due_payouts(window).await.unwrap(), 2, "the two that need no approval");
    assert_eq!(
        app.backend.get_payout(&Actor::System, big.id).await.unwrap().status,
        shared::banking::MovementStatus::Pending
    );
    // The requester cannot approve; nor can a read-only operator or an API client.
    let refused = app.backend.approve_payout(&alice, &meta, big.id).await.unwrap_err();
    assert!(refused.to_string().contains("Another operator"), "{refused}");
    assert!(matches!(app.backend.approve_payout(&reader, &meta, big.id).await, Err(backend::Error::Forbidden(_))));
    let queue = app.backend.payouts_awaiting_approval(&bob, 50).await.unwrap();
    assert_eq!(queue.iter().map(|p| p.id).collect::<Vec<_>>(), vec![big.id]);
    let approved = app.backend.approve_payout(&bob, &meta, big.id).await.unwrap();
    assert_eq!(approved.approval, shared::banking::Approval::Approved);
    assert!(app.backend.approve_payout(&bob, &meta, big.id).await.is_err(), "approved once");
    assert_eq!(app.backend.execute_due_payouts(window).await.unwrap(), 1);
    let t = app.bearer(&[Scope::ReadWrite, Scope::ReadOnly]).await;
    let (_, sent) = app.rest(Method::GET, &format!("/v1/payouts/{}", big.id), &t, None).await;
    assert_eq!(
        (sent["payouts"][0]["payoutStatus"].as_str(), sent["payouts"][0]["approval"].as_str()),
        (Some("VALIDATED"), Some("APPROVED"))
    );
    let actions = app.audit_actions().await;
    assert!(actions.iter().any(|a| a == "payout.approved") && actions.iter().any(|a| a == "payout.executed"));
    assert_ledger_sound(&app).await;
}

async fn statements_and_operations_reconcile_to_the_ledger(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.backend.seed_demo(3, |_| {}).await.unwrap();
    let t = app.bearer(&[Scope::ReadOnly, Scope::ReadWrite]).await;
    let doc = our_document(&app).await;
    let a = new_wallet(&app, &t, 1, "EUR").await;
    let b = new_wallet(&app, &t, 2, "EUR").await;
    fund(&app, a, eur(100_000)).await;
    for n in 0..7 {
        let body = json!({"walletId": a, "beneficiaryWalletId": b, "amount": 10 + n, "currency": "EUR", "label": format!("Invoice {n}")});
        let (status, answer) = app.rest(Method::POST, "/v1/transfers", &t, Some(body)).await;
        assert_eq!(status, 200, "{answer}");
    }
    let now = chrono::Utc::now();
    let (year, month) = (chrono::Datelike::year(&now), chrono::Datelike::month(&now));

    let statement = app.backend.statement(&Actor::System, a, year, month).await.unwrap();
    assert!(statement.reconciles(), "{statement:?}");
    assert_eq!(statement.closing.minor, balance(&app, a).await);
    assert_eq!((statement.opening.minor, statement.operations.len()), (0, 8));
    // Through the API: a link, then the PDF, whose text shows the operations.
    let (status, link) = app
        .rest(Method::GET, &format!("/core-connect/statements/{a}/computed?month={month}&year={year}"), &t, None)
        .await;
    assert_eq!(status, 200, "{link}");
    assert_matches_schema("getPdfAccountStatement_200_response", &link, false);
    assert_matches_schema_of(&doc, "ReportLink", &link, false);
    let url = format!("{}{}", app.base_url, link["link"].as_str().unwrap());
    let pdf = browser().get(&url).send().await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let text = backend::money::pdf_text(&pdf.bytes().await.unwrap()).unwrap();
    for expected in ["Opening balance: 0.00 EUR", "Invoice 6", "Closing balance: 909.00 EUR", "Test pay-in"] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    let tampered = url.replace(&format!("/reports/{a}/"), &format!("/reports/{b}/"));
    assert_eq!(browser().get(&tampered).send().await.unwrap().status(), 403);
    let (status, _) =
        app.rest(Method::GET, &format!("/core-connect/statements/{a}/computed?month=13&year={year}"), &t, None).await;
    assert_eq!(status, 400);
    // Next month's statement opens where this one closed.
    let (next_year, next_month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    let next = app.backend.statement(&Actor::System, a, next_year, next_month).await.unwrap();
    assert_eq!(
        (next.opening.minor, next.closing.minor, next.operations.len()),
        (statement.closing.minor, statement.closing.minor, 0)
    );

    let (status, link) = app.rest(Method::GET, &format!("/core-connect/account-details/{a}/computed"), &t, None).await;
    assert_eq!(status, 200, "{link}");
    let pdf = browser().get(format!("{}{}", app.base_url, link["link"].as_str().unwrap())).send().await.unwrap();
    let text = backend::money::pdf_text(&pdf.bytes().await.unwrap()).unwrap();
    let iban = shared::banking::Iban::of_wallet(a).grouped();
    assert!(text.contains(&iban) && text.contains("TRZOFR21XXX"), "{iban} in {text}");

    // The operations list pages by cursor, newest first, without a repeat or a gap.
    let range =
        format!("walletId={a}&dateFrom=2000-01-01&dateTo={}", (now + chrono::TimeDelta::days(1)).format("%Y-%m-%d"));
    let (status, page) = app.rest(Method::GET, &format!("/core-connect/operations?{range}&pageSize=5"), &t, None).await;
    assert_eq!(status, 200, "{page}");
    assert_matches_schema("getOperations_200_response", &page, false);
    assert_matches_schema_of(&doc, "Operations", &page, false);
    let cursor = page["cursor"]["next"].as_str().unwrap();
    let (_, rest) =
        app.rest(Method::GET, &format!("/core-connect/operations?{range}&pageSize=5&cursor={cursor}"), &t, None).await;
    let ids: Vec<i64> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["data"].as_array().unwrap())
        .map(|o| o["entryId"].as_i64().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|x, y| y.cmp(x));
    sorted.dedup();
    assert_eq!((ids.len(), &ids), (8, &sorted), "newest first, each once");
    assert!(rest["cursor"]["next"].is_null());
    let (status, _) = app
        .rest(
            Method::GET,
            &format!("/core-connect/operations?walletId={a}&dateFrom=2026-02-01&dateTo=2026-01-01"),
            &t,
            None,
        )
        .await;
    assert_eq!(status, 400);

    // The CSV: a header and every operation, oldest first, amounts signed.
    let csv = browser()
        .get(format!("{}/core-connect/operations/{a}/report?{range}", app.base_url))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 8, "{text}");
    assert_eq!((&rows[0][6], &rows[0][3]), ("1000.00", "payin"));
    assert_eq!((&rows[7][6], &rows[7][10]), ("-16.00", "Invoice 6"));
    let sum: i64 = rows
        .iter()
        .map(|r| {
            Money::parse_decimal(r[6].trim_start_matches('-'), Currency::parse("EUR").unwrap()).unwrap().minor
                * if r[6].starts_with('-') { -1 } else { 1 }
        })
        .sum();
    assert_eq!(sum, balance(&app, a).await, "the CSV adds up to the balance");
    // POST .../report answers where the same CSV is.
    let (status, asked) = app
        .rest(Method::POST, &format!("/core-connect/operations/{a}/report"), &t, Some(json!({"dateFrom": "2000-01-01", "dateTo": (now + chrono::TimeDelta::days(1)).format("%Y-%m-%d").to_string()})))
        .await;
    assert_eq!(status, 200, "{asked}");
    assert_matches_schema("getOperationsReport_200_response", &asked, false);
    assert_matches_schema_of(&doc, "OperationsReport", &asked, false);
    let again = browser()
        .get(format!("{}{}", app.base_url, asked["url"].as_str().unwrap()))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(again.text().await.unwrap().lines().count(), 9, "the header and the 8 operations");
    let reader_token = app.bearer(&[Scope::Legal]).await;
    let refused = browser()
        .get(format!("{}/core-connect/operations/{a}/report?{range}", app.base_url))
        .bearer_auth(&reader_token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
}

/// The concurrency check: 32 clients send 2,000 random transfers among 50 wallets,
/// each sent twice with the same accessTag (a retry racing the first try).
async fn concurrent_transfers_keep_every_balance(flavor: Flavor) {
    let app = Arc::new(spawn_app(flavor).await);
    app.backend.seed_demo(5, |_| {}).await.unwrap();
    let t = Arc::new(app.bearer(&[Scope::ReadOnly, Scope::ReadWrite]).await);
    let mut wallets = Vec::new();
    for n in 0..50 {
        let id = app.backend.add_wallet(&Actor::System, &RequestMeta::local(), 1 + n % 5, "EUR", 20_000).await.unwrap();
        wallets.push(id);
    }
    let wallets = Arc::new(wallets);
    let total_before: i64 = sqlx::query_scalar::<_, i64>("SELECT CAST(SUM(balance) AS BIGINT) FROM wallets")
        .fetch_one(&app.backend.db.pool)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for client in 0..32u64 {
        let (app, t, wallets) = (app.clone(), t.clone(), wallets.clone());
        tasks.push(tokio::spawn(async move {
            let http = browser();
            let mut seed = client.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let mut next = move || {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed
            };
            let mut answers = Vec::new();
            for n in 0..(2000 / 32 + 1) {
                if client * (2000 / 32 + 1) + n >= 2000 {
                    break;
                }
                let from = wallets[(next() % 50) as usize];
                let to = wallets[(next() % 50) as usize];
                let amount = 1 + next() % 3_000;
                let body = json!({"walletId": from, "beneficiaryWalletId": to, "amount": amount as f64 / 100.0,
                                  "currency": "EUR", "accessTag": format!("c{client}-{n}")});
                let send =
                    || http.post(format!("{}/v1/transfers", app.base_url)).bearer_auth(t.as_str()).json(&body).send();
                let (first, retry) = tokio::join!(send(), send());
                for res in [first, retry] {
                    let res = res.unwrap();
                    let status = res.status().as_u16();
                    let value: Value = res.json().await.unwrap_or(Value::Null);
                    answers.push((format!("c{client}-{n}"), status, value["transfers"][0]["transferId"].as_i64()));
                }
            }
            answers
        }));
    }
    let mut by_tag: std::collections::HashMap<String, Vec<Option<i64>>> = std::collections::HashMap::new();
    for task in tasks {
        for (tag, status, id) in task.await.unwrap() {
            assert!([200, 400, 409].contains(&status), "{tag}: {status}");
            by_tag.entry(tag).or_default().push(id);
        }
    }
    assert_eq!(by_tag.len(), 2000);
    for (tag, ids) in &by_tag {
        let moved: Vec<i64> = ids.iter().flatten().copied().collect();
        assert!(moved.windows(2).all(|w| w[0] == w[1]), "{tag} answered two transfers: {ids:?}");
    }
    let pool = &app.backend.db.pool;
    let total_after: i64 =
        sqlx::query_scalar::<_, i64>("SELECT CAST(SUM(balance) AS BIGINT) FROM wallets").fetch_one(pool).await.unwrap();
    assert_eq!(total_after, total_before, "money is neither made nor lost");
    let transfers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM transfers").fetch_one(pool).await.unwrap();
    let movements: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_movements WHERE flow = 'transfer'")
        .fetch_one(pool)
        .await
        .unwrap();
    let distinct: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT access_tag) FROM transfers").fetch_one(pool).await.unwrap();
    assert_eq!((movements, distinct), (transfers, transfers), "each accessTag moved money at most once");
    assert!(transfers > 1000, "most transfers went through: {transfers}");
    assert_ledger_sound(&app).await;
}

/// `pageNumber` / `pageCount` on `GET /v1/wallets` and `GET /v1/transfers` (bound as
/// parameters): the pages, newest first, hold every row once, and past the last is empty.
async fn wallet_and_transfer_pages_cover_every_row_once(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.backend.seed_demo(3, |_| {}).await.unwrap();
    let t = app.bearer(&[Scope::ReadOnly, Scope::ReadWrite]).await;
    let mut wallets = Vec::new();
    for _ in 0..5 {
        wallets.push(new_wallet(&app, &t, 1, "EUR").await);
    }
    fund(&app, wallets[0], eur(10_000)).await;
    let mut transfers = Vec::new();
    for (i, to) in wallets[1..].iter().enumerate() {
        let (status, body) = app
            .rest(Method::POST, "/v1/transfers", &t, Some(transfer(wallets[0], *to, 1.0, "EUR", &format!("p{i}"))))
            .await;
        assert_eq!(status, 200, "{body}");
        transfers.push(body["transfers"][0]["transferId"].as_i64().unwrap());
    }
    wallets.reverse();
    transfers.reverse();
    for (list, key, id_key, expected, filter) in [
        ("wallets", "wallets", "walletId", &wallets, "userId=1".to_string()),
        ("transfers", "transfers", "transferId", &transfers, format!("walletId={}", wallets[4])),
    ] {
        let mut seen = Vec::new();
        for page in 1..=4 {
            let (status, body) =
                app.rest(Method::GET, &format!("/v1/{list}?{filter}&pageCount=2&pageNumber={page}"), &t, None).await;
            assert_eq!(status, 200, "{body}");
            let ids: Vec<i64> = body[key].as_array().unwrap().iter().map(|w| w[id_key].as_i64().unwrap()).collect();
            assert!(ids.len() <= 2, "{list} page {page}: {ids:?}");
            seen.extend(ids);
        }
        let ours: Vec<i64> = seen.iter().copied().filter(|id| expected.contains(id)).collect();
        assert_eq!(&ours, expected, "{list}: every row once, newest first ({seen:?})");
    }
}
