//! The REST edge: Treezor-shaped JSON made from the typed domain. Only here do amounts become
//! major-unit numbers (`solde`) and states become the API's strings and codes.

use serde_json::{Map, Value, json};
use shared::banking::{MovementStatus, Operation, Payout, Transfer};
use shared::cards::CardTransaction;
use shared::domain::{Beneficiary, Card, EndUser, FieldValue, TaxResidence, Wallet, WalletStatus};
use shared::sca::{DeviceKind, ScaDevice};
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

/// Treezor's `wallets[]` item. `solde` is the booked balance (spendable plus pending
/// payouts), `authorizedBalance` what can be spent; both in major units, and in minor units
/// beside them (`balanceMinorUnits`, `authorizedBalanceMinorUnits`, ours).
pub fn wallet(w: &Wallet) -> Value {
    let current = w.current_balance();
    json!({
        "walletId": w.id,
        "userId": w.user_id,
        "walletTypeId": w.wallet_type_id,
        "walletStatus": w.status.name(),
        "codeStatus": match w.status {
            WalletStatus::Pending => 120001,
            WalletStatus::Validated => 120005,
            WalletStatus::Canceled => 120004,
        },
        "walletTag": w.tag,
        "eventName": w.name,
        "eventAlias": w.event_alias,
        "eventMessage": w.description,
        "tariffId": w.tariff_id,
        "bic": w.bic,
        "iban": w.iban,
        "currency": w.balance.currency.code(),
        "createdDate": w.created_date,
        "modifiedDate": w.modified_date,
        "solde": current.major(),
        "authorizedBalance": w.balance.major(),
        "balanceMinorUnits": current.minor,
        "authorizedBalanceMinorUnits": w.balance.minor,
    })
}

/// `{"wallets": [...]}`.
pub fn wallets<'a>(items: impl IntoIterator<Item = &'a Wallet>) -> Value {
    json!({ "wallets": items.into_iter().map(wallet).collect::<Vec<_>>() })
}

/// Treezor's `balances[]` item.
pub fn balance(w: &Wallet, calculated_at: &str) -> Value {
    let current = w.current_balance();
    json!({
        "walletId": w.id,
        "currentBalance": current.major(),
        "authorizations": w.held.major(),
        "authorizedBalance": w.balance.major(),
        "currency": w.balance.currency.code(),
        "calculationDate": calculated_at,
    })
}

/// Treezor's `transfers[]` item (amounts as decimal text, as the spec has them).
pub fn transfer(t: &Transfer) -> Value {
    json!({
        "transferId": t.id,
        "transferStatus": t.status.name(),
        "transferTag": t.tag,
        "walletId": t.wallet_id,
        "beneficiaryWalletId": t.beneficiary_wallet_id,
        "amount": t.amount.decimal(),
        "currency": t.amount.currency.code(),
        "label": t.label,
        "transferTypeId": t.transfer_type_id,
        "createdDate": t.created_date,
        "modifiedDate": t.modified_date,
        "codeStatus": "150005",
        "informationStatus": "",
    })
}

pub fn transfers<'a>(items: impl IntoIterator<Item = &'a Transfer>) -> Value {
    json!({ "transfers": items.into_iter().map(transfer).collect::<Vec<_>>() })
}

/// Treezor's `payouts[]` item; `approval` (ours) tells the four-eyes state.
pub fn payout(p: &Payout) -> Value {
    json!({
        "payoutId": p.id,
        "payoutTag": p.tag,
        "payoutStatus": p.status.name(),
        "payoutTypeId": 1,
        "payoutType": "Credit Transfer",
        "walletId": p.wallet_id,
        "userId": p.user_id,
        "beneficiaryId": p.beneficiary_id,
        "bankaccountIBAN": p.iban,
        "label": p.label,
        "endToEndId": p.end_to_end_id,
        "amount": p.amount.decimal(),
        "currency": p.amount.currency.code(),
        "payoutDate": &p.created_date[..p.created_date.len().min(10)],
        "createdDate": p.created_date,
        "modifiedDate": p.modified_date,
        "codeStatus": match p.status {
            MovementStatus::Pending => "140001",
            MovementStatus::Validated => "140005",
            MovementStatus::Canceled => "140004",
        },
        "informationStatus": if p.awaits_approval() { "Waiting for a second operator's approval" } else { "" },
        "approval": p.approval.name(),
    })
}

pub fn payouts<'a>(items: impl IntoIterator<Item = &'a Payout>) -> Value {
    json!({ "payouts": items.into_iter().map(payout).collect::<Vec<_>>() })
}

/// `/core-connect/operations`' `data[]` item: the amount in minor units, as the spec's
/// integer `amount.amount`.
pub fn operation(o: &Operation) -> Value {
    json!({
        "operationType": o.operation_type,
        "amount": { "amount": o.amount.minor, "currency": o.amount.currency.code() },
        "status": o.status,
        "walletId": o.wallet_id,
        "direction": o.direction.name(),
        "objectId": o.object_id,
        "label": o.label,
        // Ours: the ledger entry (the cursor's position) and the wallet's balance after it,
        // in minor units. (Treezor's `metadata` is one of seven untyped shapes: left out.)
        "entryId": o.entry_id,
        "balanceAfter": o.balance_after.minor,
        "date": {
            "creation": o.created_at,
            "settlement": if o.status == "SETTLED" { Value::from(o.created_at.clone()) } else { Value::Null },
        },
        "initialFlow": o.flow,
    })
}

/// Treezor's `cards[]` item. Limits are whole units of `currencyCode`; `permsGroup` is this
/// server's encoding of the options (`CardOptions::perms_group`).
pub fn card(c: &Card) -> Value {
    let flag = |on: bool| i64::from(on);
    let mut object = json!({
        "cardId": c.id,
        "userId": c.user_id,
        "publicToken": c.public_token,
        "maskedPan": c.masked_pan,
        "statusCode": c.status.name(),
        "isLive": flag(c.is_live),
        "physical": flag(!c.is_virtual),
        "virtualConverted": 0,
        "optionAtm": flag(c.options.atm),
        "optionForeign": flag(c.options.foreign),
        "optionOnline": flag(c.options.online),
        "optionNfc": flag(c.options.nfc),
        "permsGroup": c.options.perms_group(),
        "currencyCode": c.currency.code(),
        "countryRestrictionGroupId": c.country_restriction_group_id,
        "mccRestrictionGroupId": c.mcc_restriction_group_id,
        "expiryDate": c.expiry_date,
        "createdDate": c.created_date,
        "modifiedDate": c.modified_date,
    });
    for (field, value) in c.limits.fields() {
        object[field] = json!(value);
    }
    if let Some(wallet_id) = c.wallet_id {
        object["walletId"] = json!(wallet_id);
    }
    if let Some(tag) = &c.card_tag {
        object["cardTag"] = json!(tag);
    }
    object
}

/// `{"cards": [...]}`.
pub fn cards<'a>(cards: impl IntoIterator<Item = &'a Card>) -> Value {
    json!({ "cards": cards.into_iter().map(card).collect::<Vec<_>>() })
}

pub fn beneficiary(b: &Beneficiary) -> Value {
    json!({
        "id": b.id,
        "userId": b.user_id,
        "tag": b.tag,
        "nickName": b.nick_name,
        "name": b.name,
        "address": b.address,
        "iban": b.iban,
        "bic": b.bic,
        "usableForSct": b.usable_for_sct,
        "isActive": b.is_active,
        "usageCount": b.usage_count,
        "createdDate": b.created_date,
        "modifiedDate": b.modified_date,
    })
}

pub fn beneficiaries<'a>(items: impl IntoIterator<Item = &'a Beneficiary>) -> Value {
    json!({ "beneficiaries": items.into_iter().map(beneficiary).collect::<Vec<_>>() })
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

/// Treezor's `scaWallets[]` item. Ids are strings in this API; `lockReasons` is a list (one
/// reason per lock here); `mobileWallet` only for a mobile device.
pub fn sca_device(d: &ScaDevice) -> Value {
    let mut object = json!({
        "id": d.id.to_string(),
        "userId": d.user_id.to_string(),
        "status": d.status.name(),
        "passcodeStatus": d.passcode_status.name(),
        "locked": d.locked,
        "lockReasons": d.lock_reason.iter().map(|r| r.code()).collect::<Vec<_>>(),
        "lockMessage": d.lock_message,
        "settingsProfile": if d.kind.is_mobile() { "default" } else { "webauthn" },
        "scaWalletTag": d.tag,
        "creationDate": d.creation_date,
        "activationDate": d.activation_date,
        "lockDate": d.lock_date,
        "unlockDate": d.unlock_date,
        "resetPinDate": d.reset_pin_date,
        "deletionDate": d.deletion_date,
    });
    if let DeviceKind::Mobile(m) = &d.kind {
        object["mobileWallet"] =
            json!({ "os": m.os, "osVersion": m.os_version, "brand": m.brand, "productModel": m.model });
    }
    object
}

/// `{"scaWallets": [...]}`.
pub fn sca_devices<'a>(devices: impl IntoIterator<Item = &'a ScaDevice>) -> Value {
    json!({ "scaWallets": devices.into_iter().map(sca_device).collect::<Vec<_>>() })
}

/// Treezor's card transaction object: every value a string, amounts in major units of
/// `paymentCurrency`, the local date `YYYYMMDD` and time `HHmmss` (UTC here).
pub fn card_transaction(t: &CardTransaction) -> Value {
    let compact = |from: usize, to: usize| t.date.get(from..to).unwrap_or_default().replace(['-', ':'], "");
    json!({
        "cardtransactionId": t.id.to_string(),
        "cardId": t.card_id.to_string(),
        "walletId": t.wallet_id.map(|w| w.to_string()).unwrap_or_default(),
        "walletCurrency": t.amount.currency.code(),
        "merchantId": t.merchant_id,
        "merchantName": t.merchant_name,
        "merchantCity": t.merchant_city,
        "merchantCountry": t.merchant_country,
        "mccCode": t.mcc,
        "paymentAmount": t.amount.decimal(),
        "paymentLocalAmount": t.amount.decimal(),
        "paymentCurrency": t.amount.currency.code(),
        "paymentCountry": t.merchant_country,
        "paymentId": t.payment_id.to_string(),
        "paymentStatus": t.status.code(),
        "paymentLocalDate": compact(0, 10),
        "paymentLocalTime": compact(11, 19),
        "authorizationIssuerTime": t.date,
        "authorizationNote": t.authorization_note.clone().unwrap_or_default(),
    })
}

/// `/core-connect`'s card transaction: the same, with the owner's `userId`.
pub fn core_card_transaction(t: &CardTransaction) -> Value {
    let mut object = card_transaction(t);
    object["userId"] = json!(t.user_id);
    object
}

/// Treezor's `documents[]` item (`/v1/documents`).
pub fn document(d: &shared::documents::Document) -> Value {
    let mut object = json!({
        "documentId": d.id,
        "userId": d.user_id,
        "name": d.name,
        "documentStatus": d.status.name(),
        "documentTypeId": d.type_id,
        "documentType": d.type_label(),
        "fileName": format!("{}.{}", d.uuid, d.content.extension()),
        "createdDate": d.created_date,
        "modifiedDate": d.modified_date,
        "codeStatus": d.status.code_status(),
        "informationStatus": d.state_label(),
    });
    if let Some(tag) = &d.tag {
        object["documentTag"] = json!(tag);
    }
    if let Some(residence) = d.residence_id {
        object["residenceId"] = json!(residence);
    }
    object
}

pub fn documents<'a>(documents: impl IntoIterator<Item = &'a shared::documents::Document>) -> Value {
    json!({ "documents": documents.into_iter().map(document).collect::<Vec<_>>() })
}

/// A pre-review document (`/core-connect/...kyc/document(s)`), identified by its UUID.
pub fn pre_review_document(d: &shared::documents::Document) -> Value {
    let mut object = json!({
        "documentId": d.uuid,
        "documentType": d.type_id,
        "status": d.pre_review.code(),
        "userId": d.user_id,
        "createdAt": d.created_date,
        "updatedAt": d.modified_date,
        "metadata": d.metadata,
    });
    if let Some(comment) = &d.pre_review_comment {
        object["comment"] = json!(comment);
    }
    object
}
