//! The Treezor-compatible REST API: thin handlers (parse → backend → Treezor-shaped JSON).

mod card_transactions;
mod cards;
mod documents;
mod error;
mod json;
mod money;
mod oauth;
pub mod openapi;
mod products;
mod restriction_groups;
mod sca;
mod support_users;
mod tax_residences;
mod users;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::routing::{MethodRouter, delete, get, post, put};
use backend::{Actor, RequestMeta};
use serde::de::DeserializeOwned;
use shared::Scope;

pub use documents::UPLOAD_BODY_LIMIT;
pub use error::ApiError;

use crate::AppState;

/// Where a parameter travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum In {
    Path,
    Query,
}

/// A path or query parameter of an endpoint.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub name: &'static str,
    pub location: In,
    /// `integer` or `string`.
    pub json_type: &'static str,
    pub required: bool,
    pub description: &'static str,
}

const fn path(name: &'static str, description: &'static str) -> Param {
    Param { name, location: In::Path, json_type: "integer", required: true, description }
}
const fn query(name: &'static str, json_type: &'static str, description: &'static str) -> Param {
    Param { name, location: In::Query, json_type, required: false, description }
}

/// What a successful call answers.
#[derive(Clone, Copy, Debug)]
pub enum Answer {
    /// 200 with a JSON body of this component schema.
    Json(&'static str),
    /// 204, no body.
    NoContent,
    /// 200 with a CSV body.
    Csv,
}

/// One REST operation: the router is built from these, and so is `/openapi.json`, so the
/// reference cannot list a route that does not exist or miss one that does.
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub operation_id: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    /// The OAuth2 scope the backend requires (`None`: public).
    pub scope: Option<Scope>,
    pub params: &'static [Param],
    /// The component schema of the JSON body, if any.
    pub body: Option<&'static str>,
    /// A request body that passes parsing, for the reference and the scope test.
    pub example_body: Option<&'static str>,
    pub answer: Answer,
    pub route: MethodRouter<AppState>,
}

const USER_ID: Param = path("userId", "The end user's id.");
const TAX_RESIDENCE_ID: Param = path("taxResidenceId", "The tax residence's id.");
const SUPPORT_USER_ID: Param = Param {
    name: "supportUserId",
    location: In::Path,
    json_type: "string",
    required: true,
    description: "The support user's (operator's) id.",
};
const BY_USER: Param = query("userId", "integer", "The owner's id (required unless another id is given).");

const DEACTIVATE_PARAMS: &[Param] = &[
    USER_ID,
    Param {
        required: true,
        ..query("origin", "string", "OPERATOR or USER. May come instead in a JSON body {\"origin\": ...}.")
    },
];
const TAX_LIST_PARAMS: &[Param] = &[BY_USER, query("taxResidenceId", "integer", "One tax residence.")];
const WALLET_LIST_PARAMS: &[Param] = &[
    BY_USER,
    query("walletId", "integer", "One wallet."),
    query("walletTypeId", "integer", "9 or 10."),
    query("walletStatus", "string", "PENDING, VALIDATED or CANCELED."),
    query("walletTag", "string", "Exact tag."),
    query("pageNumber", "integer", "1-based page; pages end at the 10,000th wallet."),
    query("pageCount", "integer", "1 to 200 (default 50)."),
    query("sortOrder", "string", "ASC or DESC (default; creation order)."),
];
const WALLET_PARAMS: &[Param] = &[path("walletId", "The wallet's id.")];
const CARD_LIST_PARAMS: &[Param] = &[
    BY_USER,
    query("cardId", "integer", "One card."),
    query("publicToken", "string", "One card, by its public token."),
];
const CARD_PARAMS: &[Param] = &[path("cardId", "The card's id.")];
const SCA_WALLET_ID: Param = Param {
    name: "scaWalletId",
    location: In::Path,
    json_type: "string",
    required: true,
    description: "The SCA device's (SCA wallet's) id.",
};
const SCA_LIST_PARAMS: &[Param] = &[
    Param { required: true, ..BY_USER },
    query("includeDeleted", "string", "true to list deleted devices too (they are kept, with their deletion date)."),
];
const CARD_TRANSACTION_PARAMS: &[Param] = &[
    query("cardId", "integer", "The card's transactions (or publicToken, or cardtransactionId)."),
    query("publicToken", "string", "The card, by its public token."),
    query("cardtransactionId", "integer", "One transaction."),
    query("pageNumber", "integer", "1 to 20 (default 1); /core-connect/cardtransactions/{cardId} pages further."),
    query("pageCount", "integer", "1 to 100 (default 50)."),
];
const CARD_TRANSACTION_ID: &[Param] = &[path("cardtransactionId", "The card transaction's id.")];
const CORE_TRANSACTION_PARAMS: &[Param] = &[
    query("createdDateFrom", "string", "From this day (YYYY-MM-DD) or instant (RFC 3339)."),
    query("createdDateTo", "string", "Up to this day or instant."),
    query("cursor", "string", "A cursor.next or cursor.prev of an earlier answer."),
    query("pageCount", "integer", "1 to 100 (default 50)."),
];
const CORE_CARD_TRANSACTION_PARAMS: &[Param] = &[
    Param { json_type: "string", ..path("cardId", "The card's id.") },
    query("createdDateFrom", "string", "From this day (YYYY-MM-DD) or instant (RFC 3339)."),
    query("createdDateTo", "string", "Up to this day or instant."),
    query("amountFrom", "number", "At least this amount, in the card's currency."),
    query("amountTo", "number", "At most this amount."),
    query("paymentStatus", "string", "One status: A, R, S, C, I, M or V."),
    query("cursor", "string", "A cursor.next or cursor.prev of an earlier answer."),
    query("pageCount", "integer", "1 to 100 (default 50)."),
];
const GROUP_ID: &[Param] = &[path("id", "The restriction group's id.")];
const DOCUMENT_ID: &[Param] = &[path("documentId", "The document's id (an integer).")];
const DOCUMENT_UUID: &[Param] = &[Param {
    name: "documentId",
    location: In::Path,
    json_type: "string",
    required: true,
    description: "The pre-review document's id (a UUID).",
}];
const USER_KYC_PARAMS: &[Param] = &[USER_ID];
const DOCUMENT_SEARCH: &[Param] = &[
    query("documentId", "integer", "One document."),
    query("documentTag", "string", "Exact tag."),
    query("documentStatus", "string", "PENDING, VALIDATED or CANCELED."),
    query("documentTypeId", "integer", "A type id (9 identity card, 17 passport, ...)."),
    query("documentType", "string", "A type, by its label or id."),
    query("userId", "integer", "The owner's documents."),
    query("userEmail", "string", "The owner's email (exact, any case)."),
    query("fileName", "string", "Exact document name."),
    query("createdDateFrom", "string", "Created on or after (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS UTC, or RFC 3339)."),
    query("createdDateTo", "string", "Created on or before."),
    query("updatedDateFrom", "string", "Modified on or after (the list is then in modification order)."),
    query("updatedDateTo", "string", "Modified on or before."),
    query("pageNumber", "integer", "1-based page; pages end at the 10,000th document."),
    query("pageCount", "integer", "1 to 100 (default 50)."),
    query(
        "sortBy",
        "string",
        "createdDate (default) or modifiedDate; modification order combines with userId, userEmail or documentId, not with status, type, tag or name alone.",
    ),
    query("sortOrder", "string", "ASC or DESC (default)."),
    query("accessTag", "string", "Accepted; it filters nothing."),
];
const DOCUMENT_EXAMPLE: &str =
    r#"{"userId": 1, "documentTypeId": 9, "name": "identity-card.pdf", "fileContentBase64": "JVBERi0xLjQKJeLjz9MK"}"#;
const BENEFICIARY_PARAMS: &[Param] = &[
    BY_USER,
    query("id", "integer", "One beneficiary."),
    query("filter", "string", "userId==N (the only filter taken)."),
];
const BENEFICIARY_ID: &[Param] = &[path("beneficiaryId", "The beneficiary's id.")];
const BALANCE_PARAMS: &[Param] = &[BY_USER, query("walletId", "integer", "One wallet.")];
const TRANSFER_ID: &[Param] = &[path("transferId", "The transfer's id.")];
const TRANSFER_SEARCH_PARAMS: &[Param] = &[
    query("transferId", "integer", "One transfer."),
    query("walletId", "integer", "Transfers out of this wallet."),
    query("beneficiaryWalletId", "integer", "Transfers into this wallet."),
    query("userId", "integer", "Transfers out of this user's wallets."),
    query("transferStatus", "string", "PENDING, VALIDATED or CANCELED."),
    query("pageNumber", "integer", "1-based page; pages end at the 10,000th transfer."),
    query("pageCount", "integer", "1 to 200 (default 50)."),
];
const PAYOUT_ID: &[Param] = &[path("payoutId", "The payout's id.")];
const PAYOUT_SEARCH_PARAMS: &[Param] = &[
    query("walletId", "integer", "A wallet's payouts."),
    query("userId", "integer", "A user's payouts."),
    query("cursor", "integer", "The last payoutId of the page before."),
];
const OPERATION_PARAMS: &[Param] = &[
    Param { required: true, ..query("walletId", "integer", "The wallet.") },
    Param { required: true, ..query("dateFrom", "string", "From this instant (RFC 3339) or day (YYYY-MM-DD).") },
    Param { required: true, ..query("dateTo", "string", "Before this instant, or up to this day included.") },
    query("pageSize", "integer", "1 to 200 (default 50)."),
    query("cursor", "string", "cursor.next of an earlier answer."),
];
const OPERATION_REPORT_PARAMS: &[Param] = &[
    path("walletId", "The wallet's id."),
    Param { required: true, ..query("dateFrom", "string", "From this instant (RFC 3339) or day (YYYY-MM-DD).") },
    Param { required: true, ..query("dateTo", "string", "Before this instant, or up to this day included.") },
];
const STATEMENT_PARAMS: &[Param] = &[
    path("walletId", "The wallet's id."),
    Param { required: true, ..query("month", "integer", "1 to 12.") },
    Param { required: true, ..query("year", "integer", "2000 to 2100.") },
];

const USER_EXAMPLE: &str = r#"{"userTypeId": 1, "specifiedUSPerson": 0, "email": "ada@example.com", "title": "MME", "firstname": "Ada", "lastname": "Lovelace", "birthday": "1815-12-10", "country": "GB"}"#;
const TAX_RESIDENCE_EXAMPLE: &str =
    r#"{"userId": 1, "country": "US", "taxPayerId": "123-45-6789", "liabilityWaiver": false}"#;
const SUPPORT_USER_EXAMPLE: &str = r#"{"username": "agent@example.com", "password": "a long pass phrase 2026", "scopes": ["read_only", "read_write"]}"#;

/// Every operation of the REST API.
pub fn endpoints() -> Vec<Endpoint> {
    use Scope::*;
    let e = |method: Method, path: &'static str, operation_id, tag, summary, scope, params, answer, route| Endpoint {
        method,
        path,
        operation_id,
        tag,
        summary,
        scope,
        params,
        body: None,
        example_body: None,
        answer,
        route,
    };
    let with_body = |endpoint: Endpoint, schema: &'static str, example: &'static str| Endpoint {
        body: Some(schema),
        example_body: Some(example),
        ..endpoint
    };
    const SEARCH: &[Param] = &[
        query("userId", "integer", "Exact user id."),
        query("userTypeId", "integer", "1 physical, 2 business, 3 NGO, 4 governmental."),
        query("userStatus", "string", "PENDING, VALIDATED or CANCELED."),
        query("userTag", "string", "Exact user tag."),
        query("specifiedUSPerson", "integer", "0 or 1."),
        query("email", "string", "Exact email (case-insensitive)."),
        query(
            "name",
            "string",
            "Part (3 to 100 characters) of a first, last, full or legal name or email. Ranked, sortBy aside: \
             the value equal to it first, then starting with it, then containing it; the 200 best (totalRows up to 200).",
        ),
        query("legalName", "string", "Part of the legal name (ranked as name when name is absent)."),
        query("parentUserId", "integer", "Children of this user."),
        query("createdDateFrom", "string", "Created on or after (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, UTC)."),
        query("createdDateTo", "string", "Created on or before."),
        query("updatedDateFrom", "string", "Modified on or after."),
        query("updatedDateTo", "string", "Modified on or before."),
        query("pageNumber", "integer", "1-based page (default 1)."),
        query("pageCount", "integer", "Rows per page, 1 to 200 (default 50)."),
        query("sortBy", "string", "userId, createdDate or modifiedDate (default createdDate)."),
        query("sortOrder", "string", "ASC or DESC."),
        query("before", "string", "Keyset paging instead of pageNumber: the page after this cursor (key~id)."),
        query("after", "string", "Keyset paging: the page before this cursor (key~id)."),
    ];
    let mut groups = Vec::new();
    for (kind, base, one, tag, schema, create_schema, example, [list_op, post_op, get_op, put_op, delete_op]) in [
        (
            "country",
            "/v1/countryRestrictionGroups",
            "/v1/countryRestrictionGroups/{id}",
            "Country restriction groups",
            "CountryRestrictionGroups",
            "CountryRestrictionGroupInput",
            r#"{"name": "EU only", "isWhitelist": true, "countries": ["FR", "DE", "ES"]}"#,
            [
                "getCountryRestrictionGroups",
                "postCountryRestrictionGroup",
                "getCountryRestrictionGroupsId",
                "putCountryRestrictionGroups",
                "deleteCountryRestrictionGroups",
            ],
        ),
        (
            "mcc",
            "/v1/mccRestrictionGroups",
            "/v1/mccRestrictionGroups/{id}",
            "MCC restriction groups",
            "MccRestrictionGroups",
            "MccRestrictionGroupInput",
            r#"{"name": "No gambling", "isWhitelist": false, "mcc": [7995, 7800]}"#,
            [
                "getMccRestrictionGroups",
                "postMccRestrictionGroup",
                "getMccRestrictionGroupsId",
                "putMccRestrictionGroups",
                "deleteMccRestrictionGroups",
            ],
        ),
    ] {
        let routes = |which: &str| -> MethodRouter<AppState> {
            match (kind, which) {
                ("country", "list") => get(restriction_groups::country::list),
                ("country", "create") => post(restriction_groups::country::create),
                ("country", "get") => get(restriction_groups::country::get),
                ("country", "update") => put(restriction_groups::country::update),
                ("country", _) => delete(restriction_groups::country::delete),
                (_, "list") => get(restriction_groups::mcc::list),
                (_, "create") => post(restriction_groups::mcc::create),
                (_, "get") => get(restriction_groups::mcc::get),
                (_, "update") => put(restriction_groups::mcc::update),
                (_, _) => delete(restriction_groups::mcc::delete),
            }
        };
        groups.extend([
            e(
                Method::GET,
                base,
                list_op,
                tag,
                "List the groups (canceled ones flagged)",
                Some(ReadOnly),
                &[],
                Answer::Json(schema),
                routes("list"),
            ),
            with_body(
                e(
                    Method::POST,
                    base,
                    post_op,
                    tag,
                    "Create a group (operators need admin)",
                    Some(ReadWrite),
                    &[],
                    Answer::Json(schema),
                    routes("create"),
                ),
                create_schema,
                example,
            ),
            e(
                Method::GET,
                one,
                get_op,
                tag,
                "Retrieve a group",
                Some(ReadOnly),
                GROUP_ID,
                Answer::Json(schema),
                routes("get"),
            ),
            with_body(
                e(
                    Method::PUT,
                    one,
                    put_op,
                    tag,
                    "Change a group; fields left out keep their value",
                    Some(ReadWrite),
                    GROUP_ID,
                    Answer::Json(schema),
                    routes("update"),
                ),
                create_schema,
                r#"{"name": "Renamed"}"#,
            ),
            e(
                Method::DELETE,
                one,
                delete_op,
                tag,
                "Cancel a group (kept, status CANCELED; no longer applicable)",
                Some(ReadWrite),
                GROUP_ID,
                Answer::Json(schema),
                routes("delete"),
            ),
        ]);
    }
    let mut all = vec![
        Endpoint {
            body: Some("TokenRequest"),
            example_body: Some("grant_type=client_credentials&client_id=...&client_secret=...&scope=read_only"),
            ..e(
                Method::POST,
                "/oauth/token",
                "postAuth",
                "Authentication",
                "Get an access token (client_credentials or password grant, form data)",
                None,
                &[],
                Answer::Json("TokenGrant"),
                post(oauth::token),
            )
        },
        e(
            Method::GET,
            "/core-connect/support-user",
            "getSupportUsers",
            "Support users",
            "List the support users (operators)",
            Some(SupportUserManagement),
            &[],
            Answer::Json("SupportUsers"),
            get(support_users::list),
        ),
        with_body(
            e(
                Method::POST,
                "/core-connect/support-user",
                "postSupportUser",
                "Support users",
                "Create a support user; its scopes choose the least role that grants them (granting admin needs the admin scope)",
                Some(SupportUserManagement),
                &[],
                Answer::Json("SupportUser"),
                post(support_users::create),
            ),
            "SupportUserCreate",
            SUPPORT_USER_EXAMPLE,
        ),
        e(
            Method::GET,
            "/core-connect/support-user/{supportUserId}",
            "getSupportUser",
            "Support users",
            "Retrieve a support user",
            Some(SupportUserManagement),
            &[SUPPORT_USER_ID],
            Answer::Json("SupportUser"),
            get(support_users::get),
        ),
        with_body(
            e(
                Method::PUT,
                "/core-connect/support-user/{supportUserId}",
                "putSupportUser",
                "Support users",
                "Update a support user (fields left out keep their value; Administrators need the admin scope)",
                Some(SupportUserManagement),
                &[SUPPORT_USER_ID],
                Answer::Json("SupportUser"),
                put(support_users::update),
            ),
            "SupportUserUpdate",
            r#"{"scope": ["read_only"]}"#,
        ),
        e(
            Method::DELETE,
            "/core-connect/support-user/{supportUserId}",
            "deleteSupportUser",
            "Support users",
            "Delete a support user",
            Some(SupportUserManagement),
            &[SUPPORT_USER_ID],
            Answer::NoContent,
            delete(support_users::delete),
        ),
        e(
            Method::PUT,
            "/core-connect/support-user/{supportUserId}/unblock",
            "unblockSupportUser",
            "Support users",
            "Unblock a support user blocked by failed logins",
            Some(SupportUserManagement),
            &[SUPPORT_USER_ID],
            Answer::NoContent,
            put(support_users::unblock),
        ),
        with_body(
            e(
                Method::POST,
                "/v1/users",
                "postUsers",
                "Users",
                "Create an end user",
                Some(Legal),
                &[],
                Answer::Json("Users"),
                post(users::create),
            ),
            "UserCreate",
            USER_EXAMPLE,
        ),
        e(
            Method::GET,
            "/v1/users",
            "getUsers",
            "Users",
            "Search end users (a name search: best matches first); totalRows rides on the first user",
            Some(ReadOnly),
            SEARCH,
            Answer::Json("Users"),
            get(users::search),
        ),
        e(
            Method::GET,
            "/v1/users/{userId}",
            "getUser",
            "Users",
            "Retrieve an end user",
            Some(ReadOnly),
            &[USER_ID],
            Answer::Json("Users"),
            get(users::get),
        ),
        with_body(
            e(
                Method::PUT,
                "/v1/users/{userId}",
                "putUser",
                "Users",
                "Update an end user (a validated KYC goes back to review unless only contact fields change)",
                Some(ReadWrite),
                &[USER_ID],
                Answer::Json("Users"),
                put(users::update),
            ),
            "UserUpdate",
            r#"{"phone": "+33612345678"}"#,
        ),
        e(
            Method::DELETE,
            "/v1/users/{userId}",
            "deleteUser",
            "Users",
            "Deactivate an end user (irreversible; every wallet must be at 0)",
            Some(ReadWrite),
            DEACTIVATE_PARAMS,
            Answer::Json("Users"),
            delete(users::deactivate),
        ),
        with_body(
            e(
                Method::PUT,
                "/v1/users/{userId}/FreezeAssets",
                "freezeAssets",
                "Users",
                "Freeze (1) or unfreeze (0) an end user's assets",
                Some(Admin),
                &[USER_ID],
                Answer::Json("Users"),
                put(users::freeze_assets),
            ),
            "FreezeAssets",
            r#"{"isFrozen": 1}"#,
        ),
        e(
            Method::PUT,
            "/v1/users/{userId}/Kycreview",
            "putKycreview",
            "User KYC Review",
            "Request a KYC review of the user and its children (an operator's password-grant token also needs legal)",
            Some(ReadWrite),
            &[USER_ID],
            Answer::Json("Users"),
            put(users::kyc_review),
        ),
        e(
            Method::GET,
            "/v1/taxResidences",
            "getTaxresidences",
            "Tax residences",
            "List a user's tax residences (or one by taxResidenceId)",
            Some(ReadOnly),
            TAX_LIST_PARAMS,
            Answer::Json("TaxResidences"),
            get(tax_residences::list),
        ),
        with_body(
            e(
                Method::POST,
                "/v1/taxResidences",
                "postTaxresidence",
                "Tax residences",
                "Add a tax residence (TIN required for US, and for distributionCountry IT)",
                Some(ReadWrite),
                &[],
                Answer::Json("TaxResidences"),
                post(tax_residences::create),
            ),
            "TaxResidenceCreate",
            TAX_RESIDENCE_EXAMPLE,
        ),
        e(
            Method::GET,
            "/v1/taxResidences/{taxResidenceId}",
            "getTaxresidence",
            "Tax residences",
            "Retrieve a tax residence",
            Some(ReadOnly),
            &[TAX_RESIDENCE_ID],
            Answer::Json("TaxResidences"),
            get(tax_residences::get),
        ),
        with_body(
            e(
                Method::PUT,
                "/v1/taxResidences/{taxResidenceId}",
                "putTaxresidence",
                "Tax residences",
                "Update a tax residence",
                Some(ReadWrite),
                &[TAX_RESIDENCE_ID],
                Answer::Json("TaxResidences"),
                put(tax_residences::update),
            ),
            "TaxResidenceUpdate",
            r#"{"taxPayerId": "123-45-6789", "liabilityWaiver": false}"#,
        ),
        e(
            Method::DELETE,
            "/v1/taxResidences/{taxResidenceId}",
            "deleteTaxresidence",
            "Tax residences",
            "Delete a tax residence (kept, marked isDeleted)",
            Some(ReadWrite),
            &[TAX_RESIDENCE_ID],
            Answer::Json("TaxResidences"),
            delete(tax_residences::delete),
        ),
        e(
            Method::GET,
            "/v1/wallets",
            "getWallets",
            "Wallets",
            "Search wallets (by walletId, userId or walletTypeId), newest first",
            Some(ReadOnly),
            WALLET_LIST_PARAMS,
            Answer::Json("Wallets"),
            get(money::wallets),
        ),
        with_body(
            e(
                Method::POST,
                "/v1/wallets",
                "postWallets",
                "Wallets",
                "Create an empty, active wallet for a user",
                Some(ReadWrite),
                &[],
                Answer::Json("Wallets"),
                post(money::create_wallet),
            ),
            "WalletCreate",
            r#"{"userId": 1, "walletTypeId": 9, "currency": "EUR", "eventName": "Savings", "tariffId": 1}"#,
        ),
        e(
            Method::GET,
            "/v1/wallets/{walletId}",
            "getWallet",
            "Wallets",
            "Retrieve a wallet",
            Some(ReadOnly),
            WALLET_PARAMS,
            Answer::Json("Wallets"),
            get(money::wallet),
        ),
        with_body(
            e(
                Method::PUT,
                "/v1/wallets/{walletId}",
                "putWallet",
                "Wallets",
                "Change a wallet's name, tag or description",
                Some(ReadWrite),
                WALLET_PARAMS,
                Answer::Json("Wallets"),
                put(money::update_wallet),
            ),
            "WalletUpdate",
            r#"{"eventName": "Renamed"}"#,
        ),
        with_body(
            e(
                Method::DELETE,
                "/v1/wallets/{walletId}",
                "deleteWallet",
                "Wallets",
                "Deactivate a wallet (irreversible; its balance must be 0 with no payout pending)",
                Some(ReadWrite),
                WALLET_PARAMS,
                Answer::Json("Wallets"),
                delete(money::delete_wallet),
            ),
            "WalletDelete",
            r#"{"origin": "OPERATOR"}"#,
        ),
        e(
            Method::GET,
            "/v1/balances",
            "getBalances",
            "Wallets",
            "Balances of a wallet or of a user's wallets",
            Some(ReadOnly),
            BALANCE_PARAMS,
            Answer::Json("Balances"),
            get(money::balances),
        ),
        with_body(
            e(
                Method::POST,
                "/v1/transfers",
                "postTransfers",
                "Transfers",
                "Move money between two active wallets of the same currency (idempotent by accessTag)",
                Some(ReadWrite),
                &[],
                Answer::Json("Transfers"),
                post(money::create_transfer),
            ),
            "TransferCreate",
            r#"{"walletId": 1, "beneficiaryWalletId": 2, "amount": 12.5, "currency": "EUR", "accessTag": "t-1"}"#,
        ),
        e(
            Method::GET,
            "/v1/transfers",
            "getTransfers",
            "Transfers",
            "Search transfers, newest first",
            Some(ReadOnly),
            TRANSFER_SEARCH_PARAMS,
            Answer::Json("Transfers"),
            get(money::transfers),
        ),
        e(
            Method::GET,
            "/v1/transfers/{transferId}",
            "getTransfer",
            "Transfers",
            "Retrieve a transfer",
            Some(ReadOnly),
            TRANSFER_ID,
            Answer::Json("Transfers"),
            get(money::transfer),
        ),
        e(
            Method::DELETE,
            "/v1/transfers/{transferId}",
            "deleteTransfer",
            "Transfers",
            "Cancel a transfer: refused (409), a wallet-to-wallet transfer is instant",
            Some(ReadWrite),
            TRANSFER_ID,
            Answer::Json("Transfers"),
            delete(money::cancel_transfer),
        ),
        with_body(
            e(
                Method::POST,
                "/v1/payouts",
                "postPayout",
                "Payouts",
                "Pay money out to a beneficiary of the wallet's owner (PENDING, cancelable until sent)",
                Some(ReadWrite),
                &[],
                Answer::Json("Payouts"),
                post(money::create_payout),
            ),
            "PayoutCreate",
            r#"{"walletId": 1, "beneficiaryId": 1, "amount": 10, "currency": "EUR", "accessTag": "p-1"}"#,
        ),
        e(
            Method::GET,
            "/v1/payouts",
            "getPayouts",
            "Payouts",
            "A wallet's or a user's payouts, newest first (50 a page; cursor: the last payoutId)",
            Some(ReadOnly),
            PAYOUT_SEARCH_PARAMS,
            Answer::Json("Payouts"),
            get(money::payouts),
        ),
        e(
            Method::GET,
            "/v1/payouts/{payoutId}",
            "getPayout",
            "Payouts",
            "Retrieve a payout",
            Some(ReadOnly),
            PAYOUT_ID,
            Answer::Json("Payouts"),
            get(money::payout),
        ),
        e(
            Method::DELETE,
            "/v1/payouts/{payoutId}",
            "deletePayout",
            "Payouts",
            "Cancel a pending payout: its money goes back to the wallet",
            Some(ReadWrite),
            PAYOUT_ID,
            Answer::Json("Payouts"),
            delete(money::cancel_payout),
        ),
        e(
            Method::GET,
            "/core-connect/operations",
            "getOperations",
            "Operations",
            "A wallet's operations (ledger entries) in a date range, newest first, by cursor",
            Some(ReadOnly),
            OPERATION_PARAMS,
            Answer::Json("Operations"),
            get(money::operations),
        ),
        e(
            Method::GET,
            "/core-connect/operations/{walletId}/report",
            "getOperationsReport",
            "Operations",
            "The operations of a date range as CSV (streamed)",
            Some(ReadOnly),
            OPERATION_REPORT_PARAMS,
            Answer::Csv,
            get(money::operations_report),
        ),
        with_body(
            e(
                Method::POST,
                "/core-connect/operations/{walletId}/report",
                "postOperationsReport",
                "Operations",
                "Ask for the operations CSV of a date range: answers its url",
                Some(ReadOnly),
                WALLET_PARAMS,
                Answer::Json("OperationsReport"),
                post(money::request_operations_report),
            ),
            "OperationsReportRequest",
            r#"{"dateFrom": "2026-01-01", "dateTo": "2026-12-31"}"#,
        ),
        e(
            Method::GET,
            "/core-connect/account-details/{walletId}/computed",
            "getComputedWalletAccountDetail",
            "Operations",
            "A link to the wallet's account details (PDF: holder, IBAN, BIC)",
            Some(ReadOnly),
            WALLET_PARAMS,
            Answer::Json("ReportLink"),
            get(money::account_details),
        ),
        e(
            Method::GET,
            "/core-connect/statements/{walletId}/computed",
            "getPdfAccountStatement",
            "Operations",
            "A link to a month's statement (PDF: opening balance, operations, closing balance)",
            Some(ReadOnly),
            STATEMENT_PARAMS,
            Answer::Json("ReportLink"),
            get(money::statement),
        ),
        e(
            Method::GET,
            "/v1/cards",
            "getCards",
            "Cards",
            "A user's cards (or one by cardId or publicToken)",
            Some(ReadOnly),
            CARD_LIST_PARAMS,
            Answer::Json("Cards"),
            get(products::cards),
        ),
        e(
            Method::GET,
            "/v1/cards/{cardId}",
            "getCard",
            "Cards",
            "Retrieve a card",
            Some(ReadOnly),
            CARD_PARAMS,
            Answer::Json("Cards"),
            get(products::card),
        ),
        with_body(
            e(
                Method::PUT,
                "/v1/cards/{cardId}",
                "putCard",
                "Cards",
                "Apply or remove restriction groups (null removes), change the tag; fields left out keep their value",
                Some(ReadWrite),
                CARD_PARAMS,
                Answer::Json("Cards"),
                put(cards::update),
            ),
            "CardUpdate",
            r#"{"countryRestrictionGroupId": 1, "mccRestrictionGroupId": null, "cardTag": "travel"}"#,
        ),
        with_body(
            e(
                Method::POST,
                "/v1/cards/CreateVirtual",
                "postCardVirtual",
                "Cards",
                "Create a virtual card on an active wallet of the user (it must then be activated)",
                Some(ReadWrite),
                &[],
                Answer::Json("Cards"),
                post(cards::create_virtual),
            ),
            "CardCreateVirtual",
            r#"{"userId": 1, "walletId": 1, "permsGroup": "TRZ-CU-016", "cardPrint": "virtual", "limitPaymentDay": 500}"#,
        ),
        with_body(
            e(
                Method::PUT,
                "/v1/cards/{cardId}/Activate",
                "activateCard",
                "Cards",
                "Activate a card (isLive 1)",
                Some(ReadWrite),
                CARD_PARAMS,
                Answer::Json("Cards"),
                put(cards::activate),
            ),
            "CardActivate",
            r#"{}"#,
        ),
        with_body(
            e(
                Method::PUT,
                "/v1/cards/{cardId}/LockUnlock",
                "updateBlockStatus",
                "Cards",
                "Lock (1), unlock (0), or declare lost (2), stolen (3) or destroyed (4): those three are final",
                Some(ReadWrite),
                CARD_PARAMS,
                Answer::Json("Cards"),
                put(cards::lock_unlock),
            ),
            "CardLockUnlock",
            r#"{"lockStatus": 1}"#,
        ),
        with_body(
            e(
                Method::PUT,
                "/v1/cards/{cardId}/Limits",
                "putLimits",
                "Cards",
                "Change some spending limits (whole currency units; 0 is no limit); the others keep their value",
                Some(ReadWrite),
                CARD_PARAMS,
                Answer::Json("Cards"),
                put(cards::limits),
            ),
            "CardLimits",
            r#"{"limitPaymentDay": 300, "limitPaymentWeek": 1000}"#,
        ),
        with_body(
            e(
                Method::PUT,
                "/v1/cards/{cardId}/Options",
                "cardOptions",
                "Cards",
                "Set where the card works: ATM, abroad, online, contactless (each 0 or 1)",
                Some(ReadWrite),
                CARD_PARAMS,
                Answer::Json("Cards"),
                put(cards::options),
            ),
            "CardOptions",
            r#"{"atm": 1, "foreign": 0, "online": 1, "nfc": 1}"#,
        ),
        e(
            Method::GET,
            "/v1/cardtransactions",
            "readCardTransaction",
            "Card transactions",
            "A card's transactions, newest first",
            Some(ReadOnly),
            CARD_TRANSACTION_PARAMS,
            Answer::Json("CardTransactions"),
            get(card_transactions::list),
        ),
        e(
            Method::GET,
            "/v1/cardtransactions/{cardtransactionId}",
            "getCardtransaction",
            "Card transactions",
            "Retrieve a card transaction",
            Some(ReadOnly),
            CARD_TRANSACTION_ID,
            Answer::Json("CardTransactions"),
            get(card_transactions::get),
        ),
        e(
            Method::GET,
            "/core-connect/cardtransactions",
            "getCoCardTransactions",
            "Card transactions",
            "Every card's transactions, newest first, by date range, with cursors",
            Some(ReadOnly),
            CORE_TRANSACTION_PARAMS,
            Answer::Json("CoreCardTransactions"),
            get(card_transactions::core_list),
        ),
        e(
            Method::GET,
            "/core-connect/cardtransactions/{cardId}",
            "getCoCardTransaction",
            "Card transactions",
            "One card's transactions, newest first, filtered by date, amount and status, with cursors",
            Some(ReadOnly),
            CORE_CARD_TRANSACTION_PARAMS,
            Answer::Json("CoreCardTransactions"),
            get(card_transactions::core_card_list),
        ),
        e(
            Method::GET,
            "/v1/beneficiaries",
            "getBeneficiaries",
            "Beneficiaries",
            "A user's beneficiaries, most used first",
            Some(ReadOnly),
            BENEFICIARY_PARAMS,
            Answer::Json("Beneficiaries"),
            get(money::beneficiaries),
        ),
        with_body(
            e(
                Method::POST,
                "/v1/beneficiaries",
                "postBeneficiary",
                "Beneficiaries",
                "Add a beneficiary (IBAN and BIC checked)",
                Some(ReadWrite),
                &[],
                Answer::Json("Beneficiaries"),
                post(money::create_beneficiary),
            ),
            "BeneficiaryCreate",
            r#"{"userId": 1, "name": "Ada Lovelace", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}"#,
        ),
        e(
            Method::GET,
            "/v1/beneficiaries/{beneficiaryId}",
            "getBeneficiary",
            "Beneficiaries",
            "Retrieve a beneficiary",
            Some(ReadOnly),
            BENEFICIARY_ID,
            Answer::Json("Beneficiaries"),
            get(money::beneficiary),
        ),
        with_body(
            e(
                Method::PUT,
                "/v1/beneficiaries/{beneficiaryId}",
                "putBeneficiary",
                "Beneficiaries",
                "Change a beneficiary's name, nickname, address, tag or active flag (the usage count is kept)",
                Some(ReadWrite),
                BENEFICIARY_ID,
                Answer::Json("Beneficiaries"),
                put(money::update_beneficiary),
            ),
            "BeneficiaryUpdate",
            r#"{"name": "Renamed"}"#,
        ),
        e(
            Method::GET,
            "/core-connect/sca/scawallets",
            "getSCAWallets",
            "SCA",
            "A user's SCA devices (deleted ones with includeDeleted=true)",
            Some(ReadOnly),
            SCA_LIST_PARAMS,
            Answer::Json("ScaWallets"),
            get(sca::list),
        ),
        with_body(
            e(
                Method::POST,
                "/core-connect/sca/scawallets",
                "postScaWallet",
                "SCA",
                "Enrol an SCA device for a user (a web device, or a mobile one with mobileWallet)",
                Some(ReadWrite),
                &[],
                Answer::Json("ScaWallets"),
                post(sca::create),
            ),
            "ScaWalletCreate",
            r#"{"userId": "1", "scaWalletTag": "my phone", "mobileWallet": {"os": "iOS", "osVersion": "18.1", "brand": "Apple", "productModel": "iPhone 15"}}"#,
        ),
        e(
            Method::GET,
            "/core-connect/sca/scawallets/{scaWalletId}",
            "getScaWallet",
            "SCA",
            "Retrieve an SCA device, deleted or not",
            Some(ReadOnly),
            &[SCA_WALLET_ID],
            Answer::Json("ScaWallets"),
            get(sca::get),
        ),
        e(
            Method::DELETE,
            "/core-connect/sca/scawallets/{scaWalletId}",
            "deleteScaWallet",
            "SCA",
            "Delete an SCA device (irreversible; kept with status DELETED and its deletionDate; operators need legal)",
            Some(ReadWrite),
            &[SCA_WALLET_ID],
            Answer::Json("ScaWallets"),
            delete(sca::delete),
        ),
        with_body(
            e(
                Method::PUT,
                "/core-connect/sca/scawallets/{scaWalletId}/lock",
                "putScaWallet",
                "SCA",
                "Secure (lock) an SCA device with a reason and an optional message",
                Some(ReadWrite),
                &[SCA_WALLET_ID],
                Answer::Json("ScaWallets"),
                put(sca::lock),
            ),
            "ScaWalletLock",
            r#"{"lockReason": "LOST_DEVICE", "lockMessage": "Customer called: phone lost"}"#,
        ),
        e(
            Method::PUT,
            "/core-connect/sca/scawallets/{scaWalletId}/unlock",
            "unlockScaWallet",
            "SCA",
            "Unlock an SCA device (operators need legal)",
            Some(ReadWrite),
            &[SCA_WALLET_ID],
            Answer::Json("ScaWallets"),
            put(sca::unlock),
        ),
        e(
            Method::PUT,
            "/core-connect/sca/scawallets/{scaWalletId}/resetPin",
            "resetScaWalletPin",
            "SCA",
            "Ask the user to choose a new PIN (mobile devices only)",
            Some(Legal),
            &[SCA_WALLET_ID],
            Answer::Json("ScaWallets"),
            put(sca::reset_pin),
        ),
        e(
            Method::GET,
            "/v1/documents",
            "getDocuments",
            "Documents",
            "Search documents (one page, newest first)",
            Some(ReadOnly),
            DOCUMENT_SEARCH,
            Answer::Json("Documents"),
            get(documents::search),
        ),
        with_body(
            e(
                Method::POST,
                "/v1/documents",
                "createDocuments",
                "Documents",
                "Upload a KYC document in base64 (PDF, JPEG or PNG, at most 10 MiB); it waits for its pre-review",
                Some(ReadWrite),
                &[],
                Answer::Json("Documents"),
                post(documents::create).layer(DefaultBodyLimit::max(documents::UPLOAD_BODY_LIMIT)),
            ),
            "DocumentCreate",
            DOCUMENT_EXAMPLE,
        ),
        e(
            Method::GET,
            "/v1/documents/{documentId}",
            "getDocument",
            "Documents",
            "Retrieve a document's metadata (deleted ones too)",
            Some(ReadOnly),
            DOCUMENT_ID,
            Answer::Json("Documents"),
            get(documents::get),
        ),
        with_body(
            e(
                Method::PUT,
                "/v1/documents/{documentId}",
                "putDocument",
                "Documents",
                "Rename a document",
                Some(ReadWrite),
                DOCUMENT_ID,
                Answer::Json("Documents"),
                put(documents::rename),
            ),
            "DocumentRename",
            r#"{"name": "passport-2026.pdf"}"#,
        ),
        e(
            Method::DELETE,
            "/v1/documents/{documentId}",
            "deleteDocument",
            "Documents",
            "Delete a document: the record stays with its deletion date, the file goes (a processed one needs admin)",
            Some(ReadWrite),
            DOCUMENT_ID,
            Answer::Json("Documents"),
            delete(documents::delete),
        ),
        e(
            Method::GET,
            "/v1/documents/{documentId}/download",
            "getDocumentDownloadUrl",
            "Documents",
            "A signed download link for this document, valid for `duration` seconds",
            Some(ReadOnly),
            DOCUMENT_ID,
            Answer::Json("DocumentDownload"),
            get(documents::download),
        ),
        e(
            Method::GET,
            "/core-connect/users/{userId}/kyc/document",
            "getKYCDocuments",
            "Document pre-review",
            "A user's documents (not deleted) with their pre-review status",
            Some(ReadOnly),
            USER_KYC_PARAMS,
            Answer::Json("PreReviewDocuments"),
            get(documents::user_documents),
        ),
        with_body(
            e(
                Method::POST,
                "/core-connect/users/{userId}/kyc/document",
                "getPreSignedKycForm",
                "Document pre-review",
                "A pre-signed form to upload one document (multipart POST to form.action, the file as `file`); it works once, for 5 minutes",
                Some(ReadWrite),
                USER_KYC_PARAMS,
                Answer::Json("UploadForm"),
                post(documents::upload_form),
            ),
            "UploadFormRequest",
            r#"{"documentType": 17, "metadata": ["front"]}"#,
        ),
        with_body(
            e(
                Method::PUT,
                "/core-connect/kyc/documents/{documentId}/status",
                "updateDocument",
                "Document pre-review",
                "Accept (1) or refuse (2, with a comment) a document waiting for its pre-review",
                Some(Legal),
                DOCUMENT_UUID,
                Answer::Json("PreReviewDocument"),
                put(documents::pre_review),
            ),
            "PreReviewDecision",
            r#"{"status": 1, "comment": "Readable, matches the profile."}"#,
        ),
        e(
            Method::DELETE,
            "/core-connect/kyc/documents/{documentId}",
            "deleteKYCDocument",
            "Document pre-review",
            "Delete a document (kept with its deletion date; a processed one needs admin)",
            Some(Legal),
            DOCUMENT_UUID,
            Answer::Json("PreReviewDocument"),
            delete(documents::pre_review_delete),
        ),
        e(
            Method::GET,
            "/core-connect/kyc/documents/need-review",
            "getKYCDocumentsToReview",
            "Document pre-review",
            "The documents waiting for their pre-review, oldest first (at most 100)",
            Some(Legal),
            &[],
            Answer::Json("PreReviewDocuments"),
            get(documents::need_review),
        ),
        e(
            Method::GET,
            "/core-connect/kyc/documents/{documentId}/preview",
            "getPresignedUrlDocument",
            "Document pre-review",
            "A signed preview link (shown inline), valid for `duration` seconds",
            Some(ReadOnly),
            DOCUMENT_UUID,
            Answer::Json("DocumentPreview"),
            get(documents::preview),
        ),
    ];
    all.extend(groups);
    all
}

/// Any path under the API's prefixes that no endpoint serves.
pub async fn unknown_path() -> ApiError {
    backend::Error::NotFound.into()
}

pub fn router() -> Router<AppState> {
    let mut router = Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/api-reference", get(openapi::reference_page))
        .route("/api-reference.css", get(openapi::reference_css))
        // The two routes that move a document's bytes: a pre-signed form's target, and a
        // signed link (both outside the contract, which names them only through URLs).
        .route("/documents/upload", post(documents::upload).layer(DefaultBodyLimit::max(documents::UPLOAD_BODY_LIMIT)))
        .route("/documents/{uuid}/{purpose}", get(documents::content))
        .route("/reports/{walletId}/{kind}", get(money::report));
    for endpoint in endpoints() {
        // Routes of one path merge into one method router.
        router = router.route(endpoint.path, endpoint.route);
    }
    router
}

/// The request's id and client address, set by the request-id layer.
pub fn request_meta(parts: &Parts) -> RequestMeta {
    parts.extensions.get::<RequestMeta>().cloned().unwrap_or_else(RequestMeta::local)
}

/// The caller of a REST endpoint, from its `Authorization: Bearer` token.
pub struct Caller {
    pub actor: Actor,
    pub meta: RequestMeta,
}

/// Parses a JSON body; a malformed body or a wrong field type is a 400 naming the problem,
/// never a 500.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request("input_validation_error", format!("Invalid JSON body: {e}.")))
}

/// An id from the path or the query: a positive integer, or a 400 naming the parameter.
pub fn positive_id(name: &str, raw: &str) -> Result<i64, ApiError> {
    raw.trim().parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        ApiError::bad_request("input_validation_error", format!("{name}: {name} must be a positive integer."))
    })
}

/// The `Authorization: Bearer` token of a request, not checked yet: for a handler that
/// checks it in the same statement as its read (`Caller` checks it first otherwise).
pub struct BearerToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for BearerToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(backend::Error::Unauthenticated)?;
        Ok(BearerToken(token.to_string()))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let meta = request_meta(parts);
        let BearerToken(token) = BearerToken::from_request_parts(parts, state).await?;
        let actor = state.backend.authenticate_bearer(&token).await?;
        Ok(Caller { actor, meta })
    }
}
