//! Our OpenAPI 3 document, generated from the code: the operations from `endpoints()` (the
//! table the router is built from), the user schemas from `shared::user_fields::FIELDS` (the
//! table the server validates with). A test checks every answer of the API against it, so
//! the hand-shaped objects below cannot drift from what the handlers send. Served at
//! `/openapi.json`, and readable by people at `/api-reference` (plain HTML, no script).

use std::sync::OnceLock;

use axum::Json;
use axum::http::header::CONTENT_TYPE;
use axum::response::{Html, IntoResponse};
use serde_json::{Map, Value, json};
use shared::Scope;
use shared::banking::{MovementStatus, WALLET_BICS};
use shared::cards::{CardLimits, GROUP_ITEMS_MAX, GroupStatus, PaymentStatus};
use shared::documents::DocumentType;
use shared::domain::{CardStatus, WalletStatus};
use shared::sca::{LockReason, PasscodeStatus, ScaStatus};
use shared::user_fields::{FIELDS, Field, Kind, Settable};
use shared::user_states::{KycReview, UserStatus};

use super::{Answer, In, endpoints};

pub async fn document() -> Json<Value> {
    Json(openapi().clone())
}

pub async fn reference_page() -> Html<String> {
    static PAGE: OnceLock<String> = OnceLock::new();
    Html(PAGE.get_or_init(|| render_reference(openapi())).clone())
}

pub async fn reference_css() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("api-reference.css"))
}

/// The document, built once.
pub fn openapi() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(build)
}

fn build() -> Value {
    let mut paths = Map::new();
    for e in endpoints() {
        let parameters: Vec<Value> = e
            .params
            .iter()
            .map(|p| {
                // A path parameter is an id: a positive integer (`positive_id`).
                let schema = if p.location == In::Path {
                    json!({ "type": p.json_type, "format": "int64", "minimum": 1 })
                } else {
                    json!({ "type": p.json_type })
                };
                json!({
                    "name": p.name,
                    "in": if p.location == In::Path { "path" } else { "query" },
                    "required": p.required,
                    "description": p.description,
                    "schema": schema,
                })
            })
            .collect();
        let mut responses = Map::new();
        match e.answer {
            Answer::Json(schema) => {
                responses.insert("200".into(), json!({ "description": "OK", "content": json_content(schema) }));
            }
            Answer::NoContent => {
                responses.insert("204".into(), json!({ "description": "Done" }));
            }
            Answer::Csv => {
                responses.insert(
                    "200".into(),
                    json!({ "description": "CSV, streamed", "content": { "text/csv": { "schema": { "type": "string" } } } }),
                );
            }
        }
        for (status, meaning) in [
            ("400", "Invalid input: the message names the field and the rule"),
            ("401", "Missing, unknown or expired access token"),
            ("403", "The token lacks the scope"),
            ("404", "Not found"),
            ("409", "Refused by a business rule"),
        ] {
            responses.insert(status.into(), json!({ "description": meaning, "content": json_content("Error") }));
        }
        if e.path == "/oauth/token" {
            responses.insert(
                "429".into(),
                json!({
                    "description": "Too many attempts from this address (the limits are in the server's \
                                    configuration); wait the seconds Retry-After says",
                    "headers": { "Retry-After": { "schema": { "type": "integer", "minimum": 1 } } },
                    "content": json_content("Error"),
                }),
            );
            responses.insert(
                "503".into(),
                json!({ "description": "Every password check is busy: try again in a moment", "content": json_content("Error") }),
            );
        }
        let mut operation = json!({
            "operationId": e.operation_id,
            "summary": e.summary,
            "tags": [e.tag],
            "parameters": parameters,
            "responses": responses,
        });
        match e.scope {
            Some(scope) => {
                operation["security"] = json!([{ "OAuth2": [scope.as_str()] }]);
                operation["x-scope"] = json!(scope.as_str());
            }
            None => operation["security"] = json!([]),
        }
        if let Some(schema) = e.body {
            let media = if e.path == "/oauth/token" { "application/x-www-form-urlencoded" } else { "application/json" };
            operation["requestBody"] = json!({
                "required": true,
                "content": { media: { "schema": { "$ref": format!("#/components/schemas/{schema}") } } },
            });
            if let Some(example) = e.example_body {
                let example = serde_json::from_str::<Value>(example).unwrap_or_else(|_| json!(example));
                operation["requestBody"]["content"][media]["example"] = example;
            }
        }
        let item = paths.entry(e.path.to_string()).or_insert_with(|| json!({}));
        item[e.method.as_str().to_ascii_lowercase()] = operation;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Back office REST API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Treezor-compatible API of the back office. Authenticate with POST /oauth/token, \
                then send `Authorization: Bearer <access_token>`. Errors use the envelope \
                {\"errors\":[{\"type\",\"code\",\"message\",\"docUrl\"}]}.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "OAuth2": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": { "tokenUrl": "/oauth/token", "scopes": scopes() },
                        "password": { "tokenUrl": "/oauth/token", "scopes": scopes() },
                    },
                },
            },
            "schemas": schemas(),
        },
    })
}

fn json_content(schema: &str) -> Value {
    json!({ "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } })
}

fn scopes() -> Value {
    let meaning = |scope: Scope| match scope {
        Scope::ReadOnly => "Read users, wallets, cards, tax residences",
        Scope::ReadAll => "Read everything",
        Scope::ReadWrite => "Edit users, tax residences; deactivate; request KYC reviews",
        Scope::Legal => "Create users; KYC",
        Scope::SupportUserManagement => "Manage support users (operators)",
        Scope::Admin => "Freeze assets; administer",
    };
    Scope::ALL.iter().map(|s| (s.as_str().to_string(), json!(meaning(*s)))).collect::<Map<_, _>>().into()
}

/// The JSON schema of one user field, from its rule.
fn field_schema(field: &Field) -> Value {
    let mut schema = match field.kind {
        Kind::Text(max) => json!({ "type": "string", "maxLength": max }),
        Kind::Email => json!({ "type": "string", "format": "email", "maxLength": shared::validation::EMAIL_MAX_LEN }),
        Kind::Country => json!({ "type": "string", "pattern": "^[A-Z]{2}$" }),
        Kind::Language => json!({ "type": "string", "pattern": "^[a-z]{2}$" }),
        Kind::Timezone => json!({ "type": "string" }),
        Kind::Date => json!({ "type": "string", "format": "date" }),
        Kind::Phone => json!({ "type": "string", "pattern": "^\\+[1-9][0-9]{7,14}$" }),
        Kind::Choice(allowed) => json!({ "type": "string", "enum": allowed }),
        Kind::IntChoice(allowed) => json!({ "type": "integer", "enum": allowed }),
        Kind::Count => json!({ "type": "integer", "minimum": 0 }),
        Kind::Tag => json!({ "type": "string", "maxLength": 250 }),
    };
    schema["description"] = json!(field.rule());
    if !field.is_integer() {
        // An empty string clears an optional text field.
        schema["nullable"] = json!(true);
    }
    schema
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "properties": properties, "required": required, "additionalProperties": false })
}

fn envelope(key: &str, item: &str) -> Value {
    object(json!({ key: { "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } } }), &[key])
}

fn user_input(settable: impl Fn(&Field) -> bool, required: &[&str]) -> Value {
    let properties: Map<String, Value> =
        FIELDS.iter().filter(|f| settable(f)).map(|f| (f.name.to_string(), field_schema(f))).collect();
    object(properties.into(), required)
}

fn described(description: &str, mut schema: Value) -> Value {
    schema["description"] = json!(description);
    schema
}

/// A restriction group's answer, its list under `items_field`.
fn group(items: Value, items_field: &str) -> Value {
    let mut properties = json!({
        "id": { "type": "integer" }, "name": { "type": "string" }, "isWhitelist": { "type": "boolean" },
        "status": { "type": "string", "enum": GroupStatus::ALL.map(GroupStatus::name) },
        "startDate": { "type": "string", "format": "date-time" },
        "createdDate": { "type": "string", "format": "date-time" },
        "modifiedDate": { "type": "string", "format": "date-time" },
    });
    properties[items_field] = items;
    properties
}

/// What creating or changing a group takes (all optional on PUT; name and list on POST).
fn group_input(items_field: &str, items: Value) -> Value {
    let mut properties = json!({
        "name": { "type": "string", "maxLength": shared::cards::GROUP_NAME_MAX_LEN },
        "isWhitelist": { "type": "boolean", "description": "true (default): only these are allowed; false: these are refused." },
        "status": { "type": "string", "enum": GroupStatus::ALL.map(GroupStatus::name) },
        "startDate": { "type": "string", "format": "date-time" },
        "accessTag": { "type": "string", "maxLength": 250 },
        "fields": { "type": "array", "items": { "type": "string" }, "description": "Accepted; every field is answered." },
    });
    properties[items_field] = items;
    properties
}

fn schemas() -> Value {
    let int = json!({ "type": "integer" });
    let string = json!({ "type": "string" });
    let date_time = json!({ "type": "string", "format": "date-time" });

    let mut user: Map<String, Value> = FIELDS.iter().map(|f| (f.name.to_string(), field_schema(f))).collect();
    for (name, schema) in [
        ("userId", int.clone()),
        ("userStatus", json!({ "type": "string", "enum": UserStatus::ALL.map(UserStatus::name) })),
        (
            "codeStatus",
            json!({ "type": "string", "description": "110005: canceled by an operator, 110006: by the user." }),
        ),
        ("kycLevel", int.clone()),
        (
            "kycReview",
            json!({
                "type": "integer",
                "enum": KycReview::ALL.map(KycReview::code),
                "description": KycReview::ALL.map(|r| format!("{} {}", r.code(), r.name())).join(", "),
            }),
        ),
        (
            "kycReviewComment",
            json!({ "type": "string", "description": "History of review requests and decisions, one line each." }),
        ),
        ("isFrozen", json!({ "type": "integer", "enum": [0, 1] })),
        ("isFreezed", json!({ "type": "integer", "enum": [0, 1], "description": "Same as isFrozen (older name)." })),
        ("createdDate", date_time.clone()),
        ("modifiedDate", date_time.clone()),
        ("walletCount", int.clone()),
        ("payinCount", int.clone()),
        (
            "totalRows",
            json!({ "type": "integer", "description": "Search only, on the first user: the number of matches, \
                exact up to 1,000 (then 1,000 and totalRowsCapped)." }),
        ),
        (
            "totalRowsCapped",
            json!({ "type": "boolean", "description": "Search only, on the first user: true when more users \
                match than totalRows says (totals are counted up to 1,000). A name search answers its 200 best \
                matches (exact, then starting with the term, then containing it) and counts up to 200." }),
        ),
    ] {
        user.insert(name.into(), schema);
    }
    let major = json!({ "type": "number", "description": "Major units (e.g. 12.5 EUR)." });
    let nullable_string = json!({ "type": "string", "nullable": true });
    let flag01 = json!({ "type": "integer", "enum": [0, 1] });
    let limit = json!({ "type": "integer", "minimum": 0, "maximum": shared::cards::LIMIT_MAX,
        "description": "Whole units of the card's currency; 0 is no limit over the period." });
    let limit_names: Vec<&str> = CardLimits::default().fields().iter().map(|(name, _)| *name).collect();
    let mut card: Map<String, Value> = limit_names.iter().map(|n| (n.to_string(), limit.clone())).collect();
    let mut limits_input = card.clone();
    limits_input.insert("userId".into(), int.clone());
    limits_input.insert("accessTag".into(), json!({ "type": "string", "maxLength": 250 }));
    limits_input.insert(
        "paymentDailyLimit".into(),
        described("Refused (400): use limitPaymentDay.", json!({ "type": "number" })),
    );
    limits_input
        .insert("restrictionGroupLimits".into(), described("Refused (400): not offered.", json!({ "type": "array" })));
    for (name, schema) in [
        ("cardId", int.clone()),
        ("userId", int.clone()),
        ("walletId", int.clone()),
        ("publicToken", string.clone()),
        ("maskedPan", string.clone()),
        ("statusCode", json!({ "type": "string", "enum": CardStatus::ALL.map(CardStatus::name) })),
        ("isLive", flag01.clone()),
        ("physical", flag01.clone()),
        ("virtualConverted", flag01.clone()),
        ("optionAtm", flag01.clone()),
        ("optionForeign", flag01.clone()),
        ("optionOnline", flag01.clone()),
        ("optionNfc", flag01.clone()),
        ("permsGroup", described("TRZ-CU-001 to 016: 1 + foreign 1 + online 2 + ATM 4 + NFC 8.", string.clone())),
        ("currencyCode", string.clone()),
        ("countryRestrictionGroupId", json!({ "type": "integer", "nullable": true })),
        ("mccRestrictionGroupId", json!({ "type": "integer", "nullable": true })),
        ("cardTag", json!({ "type": "string", "maxLength": 250 })),
        ("expiryDate", json!({ "type": "string", "format": "date" })),
        ("createdDate", date_time.clone()),
        ("modifiedDate", date_time.clone()),
    ] {
        card.insert(name.into(), schema);
    }
    let mut card_transaction: Map<String, Value> = [
        "cardtransactionId",
        "cardId",
        "walletId",
        "walletCurrency",
        "merchantId",
        "merchantName",
        "merchantCity",
        "merchantCountry",
        "mccCode",
        "paymentLocalAmount",
        "paymentCurrency",
        "paymentCountry",
        "paymentId",
        "authorizationNote",
    ]
    .into_iter()
    .map(|name| (name.to_string(), string.clone()))
    .collect();
    for (name, schema) in [
        ("paymentAmount", described("Major units of paymentCurrency, as exact decimal text.", string.clone())),
        ("paymentStatus", json!({ "type": "string", "enum": PaymentStatus::ALL.map(PaymentStatus::code) })),
        ("paymentLocalDate", described("YYYYMMDD (UTC).", string.clone())),
        ("paymentLocalTime", described("HHmmss (UTC).", string.clone())),
        ("authorizationIssuerTime", date_time.clone()),
    ] {
        card_transaction.insert(name.into(), schema);
    }
    let mut core_card_transaction = card_transaction.clone();
    core_card_transaction.insert("userId".into(), int.clone());
    let mut card_create: Map<String, Value> = limit_names.iter().map(|n| (n.to_string(), limit.clone())).collect();
    card_create.insert("userId".into(), int.clone());
    card_create.insert("walletId".into(), int.clone());
    card_create.insert("permsGroup".into(), json!({ "type": "string", "pattern": "^TRZ-CU-0(0[1-9]|1[0-6])$" }));
    card_create.insert("cardTag".into(), json!({ "type": "string", "maxLength": backend::cards::CARD_TAG_MAX_LEN }));
    card_create.insert("cardPrint".into(), string.clone());
    card_create.insert("countryRestrictionGroupId".into(), json!({ "type": "integer", "nullable": true }));
    card_create.insert("mccRestrictionGroupId".into(), json!({ "type": "integer", "nullable": true }));
    let nullable_date_time = json!({ "type": "string", "format": "date-time", "nullable": true });
    let lock_reason = json!({ "type": "string", "enum": LockReason::ALL.map(LockReason::code) });
    let mobile_wallet = object(
        json!({ "os": string, "osVersion": string, "brand": string, "productModel": string }),
        &["os", "brand", "productModel"],
    );
    json!({
        "Error": object(json!({ "errors": { "type": "array", "items": object(json!({
            "type": string, "code": string, "message": string, "docUrl": string,
        }), &["type", "code", "message", "docUrl"]) } }), &["errors"]),
        "TokenRequest": described("Form data (application/x-www-form-urlencoded or multipart/form-data). \
            client_credentials needs client_id and client_secret; password also needs username and password \
            (an operator's; failed attempts count toward its lockout).", object(json!({
            "grant_type": { "type": "string", "enum": ["client_credentials", "password"] },
            "client_id": string, "client_secret": string, "username": string, "password": string,
            "scope": { "type": "string", "description": "Space-separated scopes; the token gets those also held." },
        }), &["grant_type", "client_id", "client_secret"])),
        "TokenGrant": object(json!({
            "access_token": string, "token_type": { "type": "string", "enum": ["Bearer"] },
            "expires_in": int, "scope": string,
        }), &["access_token", "token_type", "expires_in", "scope"]),
        "User": object(user.into(), &["userId", "userStatus", "userTypeId", "email"]),
        "Users": envelope("users", "User"),
        "UserCreate": user_input(|_| true, &["email", "specifiedUSPerson", "userTypeId"]),
        "UserUpdate": user_input(|f| f.settable == Settable::Always, &[]),
        "FreezeAssets": object(json!({ "isFrozen": { "type": "integer", "enum": [0, 1] } }), &["isFrozen"]),
        "TaxResidence": object(json!({
            "id": int, "userId": int, "country": string, "taxPayerId": string, "liabilityWaiver": { "type": "boolean" },
            "createdDate": string, "lastUpdate": string, "deletedDate": string, "isDeleted": { "type": "boolean" },
        }), &["id", "userId", "country", "liabilityWaiver", "isDeleted"]),
        "TaxResidences": envelope("taxResidences", "TaxResidence"),
        "TaxResidenceCreate": object(json!({
            "userId": int, "country": string, "taxPayerId": string, "liabilityWaiver": { "type": "boolean" },
        }), &["userId", "country", "liabilityWaiver"]),
        "TaxResidenceUpdate": object(json!({
            "country": string, "taxPayerId": string, "liabilityWaiver": { "type": "boolean" },
        }), &[]),
        "Wallet": object(json!({
            "walletId": int, "userId": int, "walletTypeId": int,
            "walletStatus": { "type": "string", "enum": WalletStatus::ALL.map(WalletStatus::name) },
            "codeStatus": { "type": "integer", "enum": [120001, 120004, 120005] },
            "walletTag": string, "eventName": string, "eventAlias": string, "eventMessage": string, "tariffId": int,
            "bic": { "type": "string", "enum": WALLET_BICS }, "iban": string, "currency": string,
            "createdDate": string, "modifiedDate": string,
            "solde": described("The booked balance: spendable money plus pending payouts, in major units.", major.clone()),
            "authorizedBalance": described("What can be spent, in major units.", major.clone()),
            "balanceMinorUnits": { "type": "integer", "description": "solde in minor units (cents)." },
            "authorizedBalanceMinorUnits": { "type": "integer", "description": "authorizedBalance in minor units." },
        }), &["walletId", "userId", "currency", "walletStatus", "balanceMinorUnits", "iban", "bic"]),
        "WalletCreate": object(json!({
            "userId": int, "walletTypeId": { "type": "integer", "enum": [9, 10] },
            "currency": string, "eventName": { "type": "string", "maxLength": 140 },
            "walletTag": { "type": "string", "maxLength": 250 }, "eventMessage": { "type": "string", "maxLength": 250 },
            "eventAlias": string, "tariffId": int, "bic": { "type": "string", "enum": WALLET_BICS },
            "accessTag": { "type": "string", "maxLength": 250 },
        }), &["userId", "walletTypeId", "currency", "eventName"]),
        "WalletUpdate": object(json!({
            "eventName": { "type": "string", "maxLength": 140 }, "walletTag": { "type": "string", "maxLength": 250 },
            "eventMessage": { "type": "string", "maxLength": 250 }, "accessTag": { "type": "string", "maxLength": 250 },
        }), &[]),
        "WalletDelete": object(json!({
            "origin": { "type": "string", "enum": ["OPERATOR", "USER"] }, "originId": string,
            "accessTag": { "type": "string", "maxLength": 250 },
        }), &[]),
        "Balance": object(json!({
            "walletId": int, "currentBalance": major, "authorizations": major, "authorizedBalance": major,
            "currency": string, "calculationDate": date_time,
        }), &["walletId", "currentBalance", "authorizedBalance", "currency"]),
        "Balances": envelope("balances", "Balance"),
        "Transfer": object(json!({
            "transferId": int,
            "transferStatus": { "type": "string", "enum": MovementStatus::ALL.map(MovementStatus::name) },
            "transferTag": string, "walletId": int, "beneficiaryWalletId": int,
            "amount": described("Major units, as decimal text.", string.clone()), "currency": string,
            "label": string, "transferTypeId": int, "createdDate": string, "modifiedDate": string,
            "codeStatus": string, "informationStatus": string,
        }), &["transferId", "transferStatus", "walletId", "beneficiaryWalletId", "amount", "currency"]),
        "Transfers": envelope("transfers", "Transfer"),
        "TransferCreate": object(json!({
            "walletId": int, "beneficiaryWalletId": int,
            "amount": { "type": "number", "minimum": 0, "exclusiveMinimum": true, "description": "Major units (12.5)." },
            "currency": string, "label": { "type": "string", "maxLength": 140 },
            "transferTag": { "type": "string", "maxLength": 250 }, "transferTypeId": { "type": "integer", "enum": [1, 3, 4] },
            "accessTag": { "type": "string", "maxLength": 250, "description": "The same tag from the same client answers the first transfer and moves money once." },
        }), &["walletId", "beneficiaryWalletId", "amount", "currency"]),
        "Payout": object(json!({
            "payoutId": int, "payoutTag": string,
            "payoutStatus": { "type": "string", "enum": MovementStatus::ALL.map(MovementStatus::name) },
            "payoutTypeId": int, "payoutType": string, "walletId": int, "userId": int, "beneficiaryId": int,
            "bankaccountIBAN": string, "label": string, "endToEndId": string,
            "amount": described("Major units, as decimal text.", string.clone()), "currency": string,
            "payoutDate": string, "createdDate": string, "modifiedDate": string, "codeStatus": string,
            "informationStatus": string,
            "approval": { "type": "string", "enum": ["NONE", "REQUIRED", "APPROVED"], "description": "Four-eyes: REQUIRED waits for a second operator." },
        }), &["payoutId", "payoutStatus", "walletId", "beneficiaryId", "amount", "currency"]),
        "Payouts": envelope("payouts", "Payout"),
        "PayoutCreate": object(json!({
            "walletId": int, "beneficiaryId": int,
            "amount": { "type": "number", "minimum": 0, "exclusiveMinimum": true, "description": "Major units (12.5)." },
            "currency": string, "label": { "type": "string", "maxLength": 140 }, "payoutTag": string,
            "payoutTypeId": { "type": "integer", "enum": [1] }, "endToEndId": { "type": "string", "maxLength": 35 },
            "accessTag": { "type": "string", "maxLength": 250 },
        }), &["walletId", "beneficiaryId", "amount", "currency"]),
        "Operation": object(json!({
            "operationType": string,
            "amount": object(json!({ "amount": described("Minor units.", int.clone()), "currency": string }), &["amount", "currency"]),
            "status": { "type": "string", "enum": ["AUTHORIZED", "SETTLED"] },
            "walletId": int, "direction": { "type": "string", "enum": ["CREDIT", "DEBIT"] }, "objectId": int,
            "label": string,
            "entryId": described("The ledger entry (ours).", int.clone()),
            "balanceAfter": described("The wallet's balance after this entry, in minor units (ours).", int.clone()),
            "date": object(json!({ "creation": string, "settlement": { "type": ["string", "null"] } }), &["creation"]),
            "initialFlow": { "type": "string", "enum": ["payin", "transfer", "payout", "payoutRefund"] },
        }), &["operationType", "amount", "status", "walletId", "direction", "objectId", "date", "initialFlow"]),
        "Operations": object(json!({
            "data": { "type": "array", "items": { "$ref": "#/components/schemas/Operation" } },
            "cursor": object(json!({ "prev": { "type": ["string", "null"] }, "current": string, "next": { "type": ["string", "null"] } }), &["next"]),
        }), &["data", "cursor"]),
        "OperationsReportRequest": object(json!({ "dateFrom": string, "dateTo": string }), &["dateFrom", "dateTo"]),
        "OperationsReport": object(json!({
            "status": { "type": "string", "enum": ["COMPLETED", "CREATED"] }, "url": string,
        }), &["status", "url"]),
        "ReportLink": object(json!({
            "link": described("A signed link to the PDF, relative to this server; it works for expireIn seconds.", string.clone()),
            "expireIn": int,
        }), &["link", "expireIn"]),
        "Wallets": envelope("wallets", "Wallet"),
        "Card": object(card.into(), &["cardId", "userId", "publicToken", "maskedPan", "statusCode", "isLive"]),
        "Cards": envelope("cards", "Card"),
        "CardCreateVirtual": described(
            "Other fields of Treezor's request (design, delivery, PIN mailer...) are accepted and ignored: cards \
             here are virtual. pin, paymentDailyLimit and merchantRestrictionGroupId are refused (400).",
            json!({ "type": "object", "properties": card_create, "required": ["userId", "walletId"] }),
        ),
        "CardActivate": object(json!({ "accessTag": { "type": "string", "maxLength": 250 } }), &[]),
        "CardLockUnlock": object(json!({
            "lockStatus": { "type": "integer", "enum": [0, 1, 2, 3, 4, 5], "description": "0 unlock, 1 lock, 2 lost, \
                3 stolen, 4 destroyed (2 to 4 are final), 5 locked by the bank (not settable here)." },
            "accessTag": { "type": "string", "maxLength": 250 },
        }), &["lockStatus"]),
        "CardLimits": object(limits_input.into(), &[]),
        "CardOptions": object(json!({
            "atm": flag01, "foreign": flag01, "online": flag01, "nfc": flag01,
            "accessTag": { "type": "string", "maxLength": 250 },
        }), &["atm", "foreign", "online", "nfc"]),
        "Beneficiary": object(json!({
            "id": int, "userId": int, "tag": string, "nickName": string, "name": string, "address": string,
            "iban": string, "bic": string, "usableForSct": { "type": "boolean" }, "isActive": { "type": "boolean" },
            "usageCount": int, "createdDate": string, "modifiedDate": string,
        }), &["id", "userId", "name", "iban", "bic", "isActive"]),
        "BeneficiaryCreate": object(json!({
            "userId": int, "name": { "type": "string", "maxLength": 70 }, "nickName": string, "address": string,
            "iban": described("ISO 13616, check digits verified (mod 97).", string.clone()),
            "bic": described("ISO 9362: 8 or 11 characters.", string.clone()),
            "tag": { "type": "string", "maxLength": 250 }, "usableForSct": { "type": "boolean" },
            "accessTag": { "type": "string", "maxLength": 250 },
        }), &["userId", "name", "iban", "bic"]),
        "BeneficiaryUpdate": described(
            "The IBAN and BIC cannot change: another account is another beneficiary.",
            object(json!({
                "name": { "type": "string", "maxLength": 70 }, "nickName": string, "address": string,
                "tag": { "type": "string", "maxLength": 250 }, "isActive": { "type": "boolean" },
                "accessTag": { "type": "string", "maxLength": 250 },
            }), &[]),
        ),
        "Beneficiaries": envelope("beneficiaries", "Beneficiary"),
        "ScaWallet": object(json!({
            "id": string, "userId": string,
            "status": { "type": "string", "enum": ScaStatus::ALL.map(ScaStatus::name) },
            "passcodeStatus": { "type": "string", "enum": PasscodeStatus::ALL.map(PasscodeStatus::name) },
            "locked": { "type": "boolean" },
            "lockReasons": { "type": "array", "items": lock_reason.clone() },
            "lockMessage": nullable_string,
            "settingsProfile": { "type": "string", "enum": ["default", "webauthn"], "description": "webauthn: a web device; default: a mobile one." },
            "scaWalletTag": nullable_string,
            "creationDate": date_time, "activationDate": nullable_date_time, "lockDate": nullable_date_time,
            "unlockDate": nullable_date_time, "resetPinDate": nullable_date_time,
            "deletionDate": described("Set once the device is deleted.", nullable_date_time.clone()),
            "mobileWallet": mobile_wallet.clone(),
        }), &["id", "userId", "status", "passcodeStatus", "locked", "lockReasons", "settingsProfile", "creationDate"]),
        "ScaWallets": envelope("scaWallets", "ScaWallet"),
        "Document": object(json!({
            "documentId": int.clone(), "userId": int.clone(), "name": string.clone(),
            "documentStatus": { "type": "string", "enum": ["PENDING", "VALIDATED", "CANCELED"], "description": "PENDING until the KYC decision; then the document is processed." },
            "documentTypeId": { "type": "integer", "enum": DocumentType::ALL.map(|t| t.id) },
            "documentType": { "type": "string", "description": "The type's label." },
            "fileName": string.clone(), "createdDate": date_time.clone(), "modifiedDate": date_time.clone(),
            "codeStatus": { "type": "string", "enum": ["600001", "600002", "600003"] },
            "informationStatus": described("The state as the dashboard names it (pre-review, submitted, processed, deleted).", string.clone()),
            "documentTag": string, "residenceId": int.clone(),
        }), &["documentId", "userId", "name", "documentStatus", "documentTypeId", "createdDate"]),
        "Documents": envelope("documents", "Document"),
        "DocumentCreate": object(json!({
            "userId": int.clone(),
            "documentTypeId": { "type": "integer", "enum": DocumentType::ALL.map(|t| t.id) },
            "name": { "type": "string", "maxLength": shared::documents::NAME_MAX_LEN },
            "fileContentBase64": { "type": "string", "format": "byte", "description": "PDF, JPEG or PNG (checked by content), at most 10 MiB once decoded." },
            "residenceId": described("Required for types 24 and 25 (tax statements), refused otherwise.", int.clone()),
            "documentTag": { "type": "string", "maxLength": backend::documents::TAG_MAX_LEN },
            "accessTag": { "type": "string", "maxLength": 250 },
        }), &["userId", "documentTypeId", "name", "fileContentBase64"]),
        "DocumentRename": object(json!({ "name": { "type": "string", "maxLength": shared::documents::NAME_MAX_LEN } }), &["name"]),
        "DocumentDownload": object(json!({
            "url": described("A signed link to the bytes, for this document only.", string.clone()),
            "duration": described("Seconds the link works.", int.clone()),
        }), &["url", "duration"]),
        "PreReviewDocument": object(json!({
            "documentId": { "type": "string", "format": "uuid" },
            "documentType": int.clone(),
            "status": { "type": "integer", "enum": [0, 1, 2], "description": "0 pending pre-review, 1 accepted, 2 refused." },
            "userId": int.clone(), "createdAt": date_time.clone(), "updatedAt": date_time.clone(),
            "metadata": { "type": "array", "items": string.clone() },
            "comment": string.clone(),
        }), &["documentId", "documentType", "status", "userId", "createdAt"]),
        "PreReviewDocuments": { "type": "array", "items": { "$ref": "#/components/schemas/PreReviewDocument" } },
        "PreReviewDecision": object(json!({
            "status": { "type": "integer", "enum": [1, 2], "description": "1 accept, 2 refuse." },
            "comment": { "type": "string", "maxLength": shared::documents::COMMENT_MAX_LEN, "description": "Required to refuse." },
        }), &["status", "comment"]),
        "UploadFormRequest": object(json!({
            "documentType": int.clone(),
            "metadata": { "type": "array", "items": string.clone(), "maxItems": backend::documents::METADATA_MAX },
        }), &["documentType"]),
        "UploadForm": object(json!({
            "documentId": { "type": "string", "format": "uuid" },
            "form": object(json!({ "action": string.clone(), "method": string.clone(), "enctype": string.clone() }), &["action", "method", "enctype"]),
            "formFields": { "type": "object", "additionalProperties": string.clone(), "description": "POST them, then the file as `file`, as multipart/form-data to form.action." },
            "expireIn": described("Seconds the form works.", int.clone()),
        }), &["documentId", "form", "formFields", "expireIn"]),
        "DocumentPreview": object(json!({
            "url": string.clone(), "contentType": string.clone(),
            "duration": described("Seconds the link works.", int.clone()),
        }), &["url", "contentType", "duration"]),
        "ScaWalletCreate": object(json!({
            "userId": { "type": "string", "description": "The user's id (a number is accepted too)." },
            "scaWalletTag": { "type": "string", "maxLength": backend::sca::TAG_MAX_LEN, "nullable": true },
            "authMethod": { "type": "array", "items": { "type": "string", "enum": ["ID", "OTHER", "OTP EMAIL", "OTP SMS"] } },
            "mobileWallet": described("Enrols a mobile device; left out, a web device.", mobile_wallet),
        }), &["userId"]),
        "ScaWalletLock": object(json!({
            "lockReason": lock_reason,
            "lockMessage": { "type": "string", "maxLength": backend::sca::LOCK_MESSAGE_MAX_LEN, "nullable": true },
        }), &["lockReason"]),
        "CardTransaction": object(card_transaction.clone().into(), &["cardtransactionId", "cardId", "paymentAmount", "paymentStatus"]),
        "CardTransactions": envelope("cardtransactions", "CardTransaction"),
        "CoreCardTransaction": object(core_card_transaction.into(), &["cardtransactionId", "cardId", "userId"]),
        "CoreCardTransactions": object(json!({
            "cardTransactions": { "type": "array", "items": { "$ref": "#/components/schemas/CoreCardTransaction" } },
            "cursor": object(json!({
                "current": string,
                "prev": described("The newer page's cursor; left out on the first page.", string.clone()),
                "next": described("The older page's cursor; left out on the last page.", string.clone()),
            }), &["current"]),
        }), &["cardTransactions", "cursor"]),
        "CountryRestrictionGroup": object(group(json!({ "type": "array", "items": { "type": "string", "pattern": "^[0-9]{3}$", "description": "ISO 3166-1 numeric (250 is France); alpha-2 codes are taken on input." } }), "countries"), &["id", "name", "isWhitelist", "countries", "status"]),
        "CountryRestrictionGroups": envelope("countryRestrictionGroups", "CountryRestrictionGroup"),
        "MccRestrictionGroup": object(group(json!({ "type": "array", "items": { "type": "integer", "minimum": 0, "maximum": 9999 } }), "mcc"), &["id", "name", "isWhitelist", "mcc", "status"]),
        "MccRestrictionGroups": envelope("mccRestrictionGroups", "MccRestrictionGroup"),
        "CountryRestrictionGroupInput": object(group_input("countries", json!({ "type": "array", "items": { "type": "string" }, "maxItems": GROUP_ITEMS_MAX })), &[]),
        "MccRestrictionGroupInput": object(group_input("mcc", json!({ "type": "array", "items": { "type": "integer" }, "maxItems": GROUP_ITEMS_MAX })), &[]),
        "CardUpdate": object(json!({
            "countryRestrictionGroupId": { "type": "integer", "nullable": true },
            "mccRestrictionGroupId": { "type": "integer", "nullable": true },
            "merchantRestrictionGroupId": described("Only null: merchant groups are not offered.", json!({ "type": "integer", "nullable": true })),
            "cardTag": { "type": "string", "maxLength": backend::cards::CARD_TAG_MAX_LEN, "nullable": true },
            "accessTag": { "type": "string", "maxLength": 250 },
        }), &[]),
        "SupportUser": object(json!({
            "id": string, "username": string, "samlKey": { "type": "string", "nullable": true },
            "keyPairId": { "type": "string", "nullable": true }, "clients": { "type": "array", "items": string },
            "wrongPwdAttempts": int, "metadata": { "type": "object", "nullable": true },
        }), &["id", "username"]),
        "SupportUsers": { "type": "array", "items": { "$ref": "#/components/schemas/SupportUser" } },
        "SupportUserCreate": object(json!({
            "username": { "type": "string", "format": "email" }, "password": string,
            "scopes": { "type": "array", "items": { "type": "string", "enum": Scope::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>() } },
            "samlKey": string,
        }), &["username", "password"]),
        "SupportUserUpdate": object(json!({
            "username": { "type": "string", "format": "email" }, "password": string,
            "scope": { "type": "array", "items": string }, "samlKey": string,
        }), &[]),
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// One line per property of a component schema: name, type, required, rule.
fn schema_rows(doc: &Value, name: &str) -> String {
    let schema = &doc["components"]["schemas"][name];
    let required: Vec<&str> = schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let Some(properties) = schema["properties"].as_object() else {
        return format!("<p>An array of <code>{}</code>.</p>", escape(name.trim_end_matches('s')));
    };
    let mut rows = String::new();
    for (prop, s) in properties {
        let kind = match (&s["type"], &s["items"]["$ref"]) {
            (Value::String(t), Value::String(item)) => {
                format!("{t} of {}", item.rsplit('/').next().unwrap_or_default())
            }
            (Value::String(t), _) => t.clone(),
            _ => String::new(),
        };
        let mut rule = s["description"].as_str().unwrap_or_default().to_string();
        if let Some(values) = s["enum"].as_array() {
            let values: Vec<String> = values.iter().map(|v| v.to_string().trim_matches('"').to_string()).collect();
            if !rule.contains("one of") {
                rule = format!("{} One of: {}.", rule, values.join(", ")).trim().to_string();
            }
        }
        rows.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(prop),
            escape(&kind),
            if required.contains(&prop.as_str()) { "yes" } else { "" },
            escape(&rule)
        ));
    }
    format!(
        "<table><thead><tr><th>Field</th><th>Type</th><th>Required</th><th>Rule</th></tr></thead><tbody>{rows}</tbody></table>"
    )
}

fn render_reference(doc: &Value) -> String {
    let mut by_tag: Vec<(String, String)> = Vec::new();
    for e in endpoints() {
        let method = e.method.as_str();
        let id = e.operation_id;
        let mut html = format!(
            "<section class=\"op\" id=\"{id}\"><h3><span class=\"method {m}\">{method}</span> <code>{path}</code></h3><p>{summary}</p>",
            m = method.to_ascii_lowercase(),
            path = escape(e.path),
            summary = escape(e.summary),
        );
        html.push_str(&match e.scope {
            Some(scope) => format!("<p>Scope: <code>{}</code></p>", scope.as_str()),
            None => "<p>Public: no token.</p>".to_string(),
        });
        if !e.params.is_empty() {
            html.push_str("<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Required</th><th>Description</th></tr></thead><tbody>");
            for p in e.params {
                html.push_str(&format!(
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    p.name,
                    if p.location == In::Path { "path" } else { "query" },
                    p.json_type,
                    if p.required { "yes" } else { "" },
                    escape(p.description)
                ));
            }
            html.push_str("</tbody></table>");
        }
        if let Some(body) = e.body {
            html.push_str(&format!("<h4>Request body: <a href=\"#schema-{body}\">{body}</a></h4>"));
            if let Some(example) = e.example_body {
                html.push_str(&format!("<pre>{}</pre>", escape(example)));
            }
        }
        html.push_str(&match e.answer {
            Answer::Json(schema) => format!("<h4>200: <a href=\"#schema-{schema}\">{schema}</a></h4>"),
            Answer::NoContent => "<h4>204: no content</h4>".to_string(),
            Answer::Csv => "<h4>200: CSV (text/csv), streamed</h4>".to_string(),
        });
        html.push_str("</section>");
        match by_tag.iter_mut().find(|(tag, _)| tag == e.tag) {
            Some((_, sections)) => sections.push_str(&html),
            None => by_tag.push((e.tag.to_string(), html)),
        }
    }
    let mut nav = String::new();
    let mut body = String::new();
    for (tag, sections) in &by_tag {
        let anchor = tag.to_ascii_lowercase().replace(' ', "-");
        nav.push_str(&format!("<li><a href=\"#{anchor}\">{}</a></li>", escape(tag)));
        body.push_str(&format!("<h2 id=\"{anchor}\">{}</h2>{sections}", escape(tag)));
    }
    body.push_str("<h2 id=\"schemas\">Schemas</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for name in schemas.keys() {
            body.push_str(&format!(
                "<section class=\"schema\" id=\"schema-{name}\"><h3>{name}</h3>{}</section>",
                schema_rows(doc, name)
            ));
        }
    }
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>API reference · Back office</title><link rel=\"stylesheet\" href=\"/api-reference.css\"></head><body>\
         <nav aria-label=\"API sections\"><h1>API reference</h1><p>{description}</p><p><a href=\"/openapi.json\">OpenAPI document (JSON)</a></p>\
         <ul>{nav}<li><a href=\"#schemas\">Schemas</a></li></ul></nav><main>{body}</main></body></html>",
        description = escape(doc["info"]["description"].as_str().unwrap_or_default()),
    )
}
