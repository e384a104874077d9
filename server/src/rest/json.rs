//! The REST edge: Treezor-shaped JSON made from the typed domain. Only here do amounts become
//! major-unit numbers (`solde`) and states become the API's strings and codes.

use serde_json::{Map, Value, json};
use shared::domain::{Beneficiary, Card, EndUser, FieldValue, TaxResidence, Wallet};
use shared::user_fields::FIELDS;

/// Treezor's user object; unset fields are left out.
pub fn user(user: &EndUser) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("userId".into(), json!(user.id));
    object.insert("userStatus".into(), json!(user.status.name()));
    if let Some(code) = user.code_status {
        // The spec carries codeStatus as a string.
        object.insert("codeStatus".into(), json!(code.to_string()));
    }
    object.insert("kycLevel".into(), json!(user.kyc_level.code()));
    object.insert("kycReview".into(), json!(user.kyc_review.code()));
    if let Some(comment) = &user.kyc_review_comment {
        object.insert("kycReviewComment".into(), json!(comment));
    }
    let frozen = i64::from(user.is_frozen);
    object.insert("isFrozen".into(), json!(frozen));
    object.insert("isFreezed".into(), json!(frozen));
    object.insert("createdDate".into(), json!(user.created_date));
    object.insert("modifiedDate".into(), json!(user.modified_date));
    for field in FIELDS {
        match user.field(field.name) {
            Some(FieldValue::Int(n)) => object.insert(field.name.into(), json!(n)),
            Some(FieldValue::Text(s)) => object.insert(field.name.into(), json!(s)),
            None => None,
        };
    }
    object.insert("walletCount".into(), json!(user.wallet_count));
    object.insert("payinCount".into(), json!(0));
    object
}

/// `{"users": [...]}`, a list even for one user.
pub fn users<'a>(users: impl IntoIterator<Item = &'a EndUser>) -> Value {
    json!({ "users": users.into_iter().map(user).collect::<Vec<_>>() })
}

pub fn wallet(w: &Wallet) -> Value {
    let major = w.balance.major();
    json!({
        "walletId": w.id,
        "userId": w.user_id,
        "walletTypeId": w.wallet_type_id,
        "walletStatus": w.status.name(),
        "currency": w.balance.currency.code(),
        "solde": major,
        "authorizedBalance": major,
        "balanceMinorUnits": w.balance.minor,
    })
}

pub fn card(c: &Card) -> Value {
    json!({
        "cardId": c.id,
        "userId": c.user_id,
        "walletId": c.wallet_id,
        "publicToken": c.public_token,
        "maskedPan": c.masked_pan,
        "statusCode": c.status.name(),
    })
}

pub fn beneficiary(b: &Beneficiary) -> Value {
    json!({
        "id": b.id,
        "userId": b.user_id,
        "name": b.name,
        "iban": b.iban,
        "bic": b.bic,
        "usableForSct": true,
        "usageCount": b.usage_count,
    })
}

/// Treezor's `taxResidences[]` item.
pub fn tax_residence(r: &TaxResidence) -> Value {
    json!({
        "id": r.id,
        "userId": r.user_id,
        "country": r.country,
        "taxPayerId": r.tax_payer_id,
        "liabilityWaiver": r.liability_waiver,
        "createdDate": r.created_date,
        "lastUpdate": r.last_update,
        "deletedDate": r.deleted_date.clone().unwrap_or_default(),
        "isDeleted": r.is_deleted,
    })
}
