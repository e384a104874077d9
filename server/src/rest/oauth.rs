//! `POST /oauth/token`: client credentials and password grants, form-encoded or multipart.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::header::CONTENT_TYPE;
use backend::oauth::{TokenGrant, TokenRequest};

use super::{ApiError, request_meta};
use crate::AppState;

pub async fn token(State(state): State<AppState>, req: Request) -> Result<Json<TokenGrant>, ApiError> {
    let (parts, body) = req.into_parts();
    let meta = request_meta(&parts);
    let is_multipart = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let req = Request::from_parts(parts, body);
    let fields = if is_multipart {
        read_multipart(req, &state).await?
    } else {
        axum::Form::<HashMap<String, String>>::from_request(req, &state)
            .await
            .map_err(|_| ApiError::bad_request("invalid_request", "The body must be form data."))?
            .0
    };
    let field = |name: &str| fields.get(name).cloned();
    let required = |name: &'static str| {
        field(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::bad_request("invalid_request", format!("The {name} field is required.")))
    };
    let request = match field("grant_type").as_deref() {
        Some("client_credentials") => TokenRequest::ClientCredentials {
            client_id: required("client_id")?,
            client_secret: required("client_secret")?,
            scope: field("scope"),
        },
        Some("password") => TokenRequest::Password {
            client_id: required("client_id")?,
            client_secret: required("client_secret")?,
            username: required("username")?,
            password: required("password")?,
            scope: field("scope"),
        },
        _ => {
            return Err(ApiError::bad_request(
                "unsupported_grant_type",
                "grant_type must be client_credentials or password.",
            ));
        }
    };
    state.backend.issue_token(request, &meta).await.map(Json).map_err(|e| ApiError::from_backend(e, &meta.request_id))
}

async fn read_multipart(req: Request, state: &AppState) -> Result<HashMap<String, String>, ApiError> {
    let bad = || ApiError::bad_request("invalid_request", "The multipart body could not be read.");
    let mut multipart = Multipart::from_request(req, state).await.map_err(|_| bad())?;
    let mut fields = HashMap::new();
    while let Some(part) = multipart.next_field().await.map_err(|_| bad())? {
        let name = part.name().unwrap_or_default().to_string();
        let value = part.text().await.map_err(|_| bad())?;
        fields.insert(name, value);
    }
    Ok(fields)
}
