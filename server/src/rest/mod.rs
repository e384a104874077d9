//! The Treezor-compatible REST API: thin handlers (parse → backend → Treezor-shaped JSON).

mod error;
mod json;
mod oauth;
pub mod openapi;
mod products;
mod support_users;
mod tax_residences;
mod users;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::routing::{MethodRouter, delete, get, post, put};
use backend::{Actor, RequestMeta};
use serde::de::DeserializeOwned;
use shared::Scope;

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
const WALLET_LIST_PARAMS: &[Param] = &[BY_USER, query("walletId", "integer", "One wallet.")];
const WALLET_PARAMS: &[Param] = &[path("walletId", "The wallet's id.")];
const CARD_LIST_PARAMS: &[Param] = &[
    BY_USER,
    query("cardId", "integer", "One card."),
    query("publicToken", "string", "One card, by its public token."),
];
const CARD_PARAMS: &[Param] = &[path("cardId", "The card's id.")];
const BENEFICIARY_PARAMS: &[Param] = &[Param { required: true, ..BY_USER }];

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
        query("name", "string", "Part (3+ characters) of a first name, last name, legal name or email."),
        query("legalName", "string", "Part of the legal name."),
        query("parentUserId", "integer", "Children of this user."),
        query("createdDateFrom", "string", "Created on or after (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, UTC)."),
        query("createdDateTo", "string", "Created on or before."),
        query("updatedDateFrom", "string", "Modified on or after."),
        query("updatedDateTo", "string", "Modified on or before."),
        query("pageNumber", "integer", "1-based page (default 1)."),
        query("pageCount", "integer", "Rows per page, 1 to 200 (default 50)."),
        query("sortBy", "string", "userId, createdDate or modifiedDate (default createdDate)."),
        query("sortOrder", "string", "ASC or DESC."),
    ];
    vec![
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
            "Search end users; totalRows rides on the first user",
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
            "A user's wallets (or one by walletId)",
            Some(ReadOnly),
            WALLET_LIST_PARAMS,
            Answer::Json("Wallets"),
            get(products::wallets),
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
            get(products::wallet),
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
        e(
            Method::GET,
            "/v1/beneficiaries",
            "getBeneficiaries",
            "Beneficiaries",
            "A user's beneficiaries, most used first",
            Some(ReadOnly),
            BENEFICIARY_PARAMS,
            Answer::Json("Beneficiaries"),
            get(products::beneficiaries),
        ),
    ]
}

/// Any path under the API's prefixes that no endpoint serves.
pub async fn unknown_path() -> ApiError {
    backend::Error::NotFound.into()
}

pub fn router() -> Router<AppState> {
    let mut router = Router::new()
        .route("/openapi.json", get(openapi::document))
        .route("/api-reference", get(openapi::reference_page))
        .route("/api-reference.css", get(openapi::reference_css));
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

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let meta = request_meta(parts);
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(backend::Error::Unauthenticated)?;
        let actor = state.backend.authenticate_bearer(token).await?;
        Ok(Caller { actor, meta })
    }
}
