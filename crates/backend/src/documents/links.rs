//! Signed links: the only way to the bytes of a document, and the pre-signed upload forms.
//!
//! A link is issued after the scope check, names one document and one purpose, and expires
//! (`LINK_LIFETIME_SECS`); its signature is an HMAC-SHA256 under a secret kept in the
//! database, so that every server process signs and checks alike. Changing the document,
//! the purpose or the expiry breaks the signature.

use futures::stream::BoxStream;
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use shared::documents::Document;
use shared::{Action, Scope};

use super::{DocumentRef, NewDocument, fetch, require_may_read_content};
use crate::Backend;
use crate::auth::{Actor, ApiClient, RequestMeta};
use crate::error::{Error, Result};
use crate::users::fetch_user_for;

/// How long a download or preview link works.
pub const LINK_LIFETIME_SECS: i64 = 120;
/// How long an upload form works (the spec: 5 minutes).
pub const FORM_LIFETIME_SECS: i64 = 300;

/// What a link is for: a download (`attachment`) or a preview shown in the page (`inline`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Download,
    Preview,
}

impl Purpose {
    pub fn name(self) -> &'static str {
        match self {
            Purpose::Download => "download",
            Purpose::Preview => "preview",
        }
    }

    pub fn parse(name: &str) -> Option<Purpose> {
        [Purpose::Download, Purpose::Preview].into_iter().find(|p| p.name() == name)
    }
}

pub use shared::documents::{SignedLink, UploadForm};

/// A pre-signed upload form as stored.
#[derive(sqlx::FromRow)]
struct FormRow {
    user_id: i64,
    document_type_id: i64,
    metadata_json: String,
    creator_type: String,
    creator_id: i64,
    creator_scopes: String,
    used_at: Option<String>,
}

/// The bytes behind a checked link.
pub struct OpenedDocument {
    pub document: Document,
    pub purpose: Purpose,
    pub bytes: BoxStream<'static, std::io::Result<bytes::Bytes>>,
}

const INVALID_LINK: &str = "This link is not valid, or it has expired: ask for a new one.";
const INVALID_FORM: &str = "This upload form is not valid, or it has expired: ask for a new one.";

impl Backend {
    /// The signing secret, made once per database.
    async fn link_secret(&self) -> Result<Vec<u8>> {
        let secret = self
            .link_secret
            .get_or_try_init(|| async {
                let mut fresh = [0u8; 32];
                OsRng.fill_bytes(&mut fresh);
                let insert = match self.db.kind {
                    crate::DbKind::Sqlite => "INSERT OR IGNORE INTO document_link_keys (id, secret) VALUES (1, $1)",
                    crate::DbKind::Postgres => {
                        "INSERT INTO document_link_keys (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING"
                    }
                };
                sqlx::query(insert).bind(hex::encode(fresh)).execute(&self.db.pool).await?;
                let stored: String = sqlx::query_scalar("SELECT secret FROM document_link_keys WHERE id = 1")
                    .fetch_one(&self.db.pool)
                    .await?;
                hex::decode(stored).map_err(|_| Error::Internal("the document link secret is not hex".into()))
            })
            .await?;
        Ok(secret.clone())
    }

    async fn mac(&self, message: &str) -> Result<Hmac<Sha256>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.link_secret().await?)
            .map_err(|_| Error::Internal("HMAC key".into()))?;
        mac.update(message.as_bytes());
        Ok(mac)
    }

    pub(crate) async fn sign(&self, message: &str) -> Result<String> {
        Ok(hex::encode(self.mac(message).await?.finalize().into_bytes()))
    }

    pub(crate) async fn signature_holds(&self, message: &str, signature: &str) -> Result<bool> {
        let Ok(given) = hex::decode(signature) else { return Ok(false) };
        // verify_slice compares in constant time.
        Ok(self.mac(message).await?.verify_slice(&given).is_ok())
    }

    /// A link to a document's bytes, after checking that the caller may read them.
    pub async fn document_link(&self, actor: &Actor, which: &DocumentRef, purpose: Purpose) -> Result<SignedLink> {
        actor.require(Action::ReadUsers)?;
        let mut tx = self.db.pool.begin().await?;
        let document = fetch(&mut tx, which).await?;
        drop(tx);
        require_may_read_content(actor, &document)?;
        if document.is_deleted() {
            return Err(Error::Conflict("This document was deleted: its file is gone.".into()));
        }
        let expires = self.clock.unix_now() + LINK_LIFETIME_SECS;
        let signature = self.sign(&format!("link|{}|{}|{expires}", document.uuid, purpose.name())).await?;
        Ok(SignedLink {
            path: format!("/documents/{}/{}?expires={expires}&signature={signature}", document.uuid, purpose.name()),
            content_type: document.content.mime().to_string(),
            expires_in: LINK_LIFETIME_SECS,
        })
    }

    /// The bytes behind a link, once its signature and expiry hold. Every refusal is the
    /// same 403, so that a guess learns nothing.
    pub async fn open_document_link(
        &self,
        uuid: &str,
        purpose: &str,
        expires: Option<i64>,
        signature: Option<&str>,
    ) -> Result<OpenedDocument> {
        let refused = Error::Forbidden(INVALID_LINK);
        let (Some(purpose), Some(expires), Some(signature)) = (Purpose::parse(purpose), expires, signature) else {
            return Err(refused);
        };
        let message = format!("link|{uuid}|{}|{expires}", purpose.name());
        if !self.signature_holds(&message, signature).await? || expires < self.clock.unix_now() {
            return Err(refused);
        }
        let mut tx = self.db.pool.begin().await?;
        let document = fetch(&mut tx, &DocumentRef::Uuid(uuid.to_string())).await?;
        let key: String = sqlx::query_scalar("SELECT object_key FROM documents WHERE id = $1")
            .bind(document.id)
            .fetch_one(&mut *tx)
            .await?;
        drop(tx);
        if document.is_deleted() {
            return Err(Error::NotFound);
        }
        let bytes = self.documents.get(&key).await?;
        Ok(OpenedDocument { document, purpose, bytes })
    }

    /// `POST /core-connect/users/{userId}/kyc/document`: a form to upload one document for
    /// pre-review. The document's UUID is drawn now; the form works once, for 5 minutes, and
    /// the upload acts as the form's maker (their scopes checked again then).
    pub async fn create_upload_form(
        &self,
        actor: &Actor,
        user_id: i64,
        type_id: Option<i64>,
        metadata: Vec<String>,
    ) -> Result<UploadForm> {
        super::require_may_upload(actor)?;
        let type_id = type_id.ok_or_else(|| Error::invalid("documentType", "documentType is required."))?;
        let kind = shared::documents::DocumentType::from_id(type_id)
            .ok_or_else(|| Error::invalid("documentType", format!("documentType {type_id} is not a document type.")))?;
        if kind.needs_residence() {
            return Err(Error::invalid(
                "documentType",
                "A tax statement names its tax residence: upload it through POST /v1/documents with residenceId.",
            ));
        }
        let probe = NewDocument { name: Some("probe".into()), metadata: metadata.clone(), ..Default::default() };
        let (_, _, metadata_json) = super::clean_labels(&probe)?;
        let (creator_type, creator_id, scopes) = match actor {
            // A narrowed token (the password grant) narrows the upload too.
            Actor::Operator(op) => (
                "operator",
                op.id,
                op.token_scopes
                    .as_ref()
                    .map(|t| t.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
                    .unwrap_or_default(),
            ),
            Actor::ApiClient(c) => {
                ("api_client", c.id, c.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
            }
            _ => return Err(Error::Forbidden("You are not allowed to do this.")),
        };
        {
            let mut tx = self.db.pool.begin().await?;
            fetch_user_for(&mut tx, user_id, Action::AddKycDocument).await?;
        }
        let uuid = uuid::Uuid::new_v4().to_string();
        let expires = self.clock.unix_now() + FORM_LIFETIME_SECS;
        sqlx::query(
            "INSERT INTO document_upload_forms (uuid, user_id, document_type_id, metadata_json, creator_type, \
             creator_id, creator_scopes, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&uuid)
        .bind(user_id)
        .bind(type_id)
        .bind(metadata_json)
        .bind(creator_type)
        .bind(creator_id)
        .bind(scopes)
        .bind(expires.to_string())
        .execute(&self.db.pool)
        .await?;
        let signature = self.sign(&format!("form|{uuid}|{expires}")).await?;
        Ok(UploadForm {
            action: "/documents/upload".into(),
            fields: vec![
                ("key".into(), uuid.clone()),
                ("X-Amz-Date".into(), expires.to_string()),
                ("X-Amz-Algorithm".into(), "HMAC-SHA256".into()),
                ("X-Amz-Signature".into(), signature),
            ],
            document_uuid: uuid,
            expires_in: FORM_LIFETIME_SECS,
        })
    }

    /// Whether the fields are those of a form this server signed and that has not expired
    /// (checked before the file is read, so that a stranger's upload costs nothing);
    /// answers the document's UUID.
    pub async fn check_upload_form<'f>(
        &self,
        fields: &'f std::collections::HashMap<String, String>,
    ) -> Result<&'f String> {
        let refused = Error::Forbidden(INVALID_FORM);
        let (Some(uuid), Some(expires), Some(signature)) =
            (fields.get("key"), fields.get("X-Amz-Date"), fields.get("X-Amz-Signature"))
        else {
            return Err(refused);
        };
        let Ok(expires) = expires.parse::<i64>() else { return Err(refused) };
        if !self.signature_holds(&format!("form|{uuid}|{expires}"), signature).await? || expires < self.clock.unix_now()
        {
            return Err(refused);
        }
        Ok(uuid)
    }

    /// The upload through a form: the file (`name`, `bytes`) and the form's fields.
    pub async fn upload_with_form(
        &self,
        meta: &RequestMeta,
        fields: &std::collections::HashMap<String, String>,
        name: Option<String>,
        bytes: bytes::Bytes,
    ) -> Result<Document> {
        let uuid = self.check_upload_form(fields).await?;
        let refused = Error::Forbidden(INVALID_FORM);
        let form: Option<FormRow> = sqlx::query_as(
            "SELECT user_id, document_type_id, metadata_json, creator_type, creator_id, creator_scopes, used_at \
             FROM document_upload_forms WHERE uuid = $1",
        )
        .bind(uuid)
        .fetch_optional(&self.db.pool)
        .await?;
        let Some(form) = form else { return Err(refused) };
        if form.used_at.is_some() {
            return Err(Error::Conflict("This upload form was already used.".into()));
        }
        let actor = self.form_maker(&form.creator_type, form.creator_id, &form.creator_scopes).await?;
        let new = NewDocument {
            user_id: Some(form.user_id),
            type_id: Some(form.document_type_id),
            name,
            metadata: serde_json::from_str(&form.metadata_json).unwrap_or_default(),
            bytes,
            ..Default::default()
        };
        self.store_document(&actor, meta, new, Some(uuid)).await
    }

    /// The maker of a form as they are now: an operator's current role, an API client's
    /// scopes of the token it used (a deleted operator or client can upload nothing).
    async fn form_maker(&self, kind: &str, id: i64, scopes: &str) -> Result<Actor> {
        match kind {
            "operator" => Ok(match self.operator_actor(id).await? {
                Actor::Operator(mut op) => {
                    if !scopes.is_empty() {
                        op.token_scopes = Some(scopes.split(' ').filter_map(Scope::parse).collect());
                    }
                    Actor::Operator(op)
                }
                other => other,
            }),
            _ => {
                let client: Option<(String, String, String)> = sqlx::query_as(
                    "SELECT client_id, name, scopes FROM api_clients WHERE id = $1 AND revoked_at IS NULL",
                )
                .bind(id)
                .fetch_optional(&self.db.pool)
                .await?;
                Ok(match client {
                    // The token's scopes, less any the client has lost since.
                    Some((client_id, name, now_held)) => Actor::ApiClient(ApiClient {
                        id,
                        client_id,
                        name,
                        scopes: scopes
                            .split(' ')
                            .filter(|s| now_held.split(' ').any(|held| held == *s))
                            .filter_map(Scope::parse)
                            .collect(),
                    }),
                    None => Actor::Anonymous,
                })
            }
        }
    }
}
