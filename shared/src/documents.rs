//! KYC documents: their types, what content is accepted, their two states (the provider's
//! own pre-review, then the KYC decision) and which documents a user needs before a KYC
//! review. One place for each rule; the backend enforces them, the dashboard shows them.

use serde::{Deserialize, Serialize};

use crate::Action;
use crate::user_states::UserType;

/// The largest file accepted (after base64 decoding).
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// The longest document name (`name`) and pre-review comment kept.
pub const NAME_MAX_LEN: usize = 255;
pub const COMMENT_MAX_LEN: usize = 1000;

/// What a type of document proves, for the KYC requirements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Proves {
    /// A person's identity (for a legal entity: its representative's).
    Identity,
    /// A legal entity's registration.
    Registration,
    Address,
    /// A tax residence (`residenceId` names it).
    TaxResidence,
    Other,
}

/// A `documentTypeId` of Treezor's list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentType {
    pub id: i64,
    pub label: &'static str,
    pub proves: Proves,
}

impl DocumentType {
    /// Treezor's document types (`documentTypeId`).
    pub const ALL: [DocumentType; 22] = [
        DocumentType { id: 2, label: "Police record", proves: Proves::Other },
        DocumentType { id: 4, label: "Company registration (Kbis)", proves: Proves::Registration },
        DocumentType { id: 6, label: "CV", proves: Proves::Other },
        DocumentType { id: 7, label: "Sworn statement", proves: Proves::Other },
        DocumentType { id: 8, label: "Turnover", proves: Proves::Other },
        DocumentType { id: 9, label: "Identity card", proves: Proves::Identity },
        DocumentType { id: 11, label: "Bank identity statement", proves: Proves::Other },
        DocumentType { id: 12, label: "Proof of address", proves: Proves::Address },
        DocumentType { id: 13, label: "Mobile phone invoice", proves: Proves::Address },
        DocumentType { id: 14, label: "Invoice", proves: Proves::Address },
        DocumentType { id: 15, label: "Residence permit", proves: Proves::Identity },
        DocumentType { id: 16, label: "Driving licence", proves: Proves::Identity },
        DocumentType { id: 17, label: "Passport", proves: Proves::Identity },
        DocumentType { id: 18, label: "Proxy granting an employee", proves: Proves::Other },
        DocumentType { id: 19, label: "Company registration official paper", proves: Proves::Registration },
        DocumentType { id: 20, label: "Official tax certificate", proves: Proves::Other },
        DocumentType { id: 21, label: "Rent receipt", proves: Proves::Address },
        DocumentType { id: 22, label: "Lease agreement", proves: Proves::Address },
        DocumentType { id: 23, label: "Bank statement", proves: Proves::Other },
        DocumentType { id: 24, label: "Tax statement", proves: Proves::TaxResidence },
        DocumentType { id: 25, label: "Tax exemption statement", proves: Proves::TaxResidence },
        DocumentType { id: 26, label: "Articles of association", proves: Proves::Registration },
    ];

    pub fn from_id(id: i64) -> Option<DocumentType> {
        DocumentType::ALL.into_iter().find(|t| t.id == id)
    }

    /// Whether a document of this type names a tax residence (`residenceId`): the spec's
    /// types 24 and 25, and only those.
    pub fn needs_residence(self) -> bool {
        self.proves == Proves::TaxResidence
    }
}

/// The label of a type id, for ids read back from the store.
pub fn type_label(id: i64) -> &'static str {
    DocumentType::from_id(id).map_or("Unknown type", |t| t.label)
}

/// An accepted kind of content, recognised by its first bytes (never by the file name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContentKind {
    Pdf,
    Jpeg,
    Png,
}

impl ContentKind {
    pub const ALL: [ContentKind; 3] = [ContentKind::Pdf, ContentKind::Jpeg, ContentKind::Png];

    /// What the bytes are, if one of the accepted kinds.
    pub fn sniff(bytes: &[u8]) -> Option<ContentKind> {
        if bytes.starts_with(b"%PDF-") {
            Some(ContentKind::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ContentKind::Jpeg)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(ContentKind::Png)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            ContentKind::Pdf => "application/pdf",
            ContentKind::Jpeg => "image/jpeg",
            ContentKind::Png => "image/png",
        }
    }

    pub fn from_mime(mime: &str) -> Option<ContentKind> {
        ContentKind::ALL.into_iter().find(|k| k.mime() == mime)
    }

    /// The extension a downloaded file gets.
    pub fn extension(self) -> &'static str {
        match self {
            ContentKind::Pdf => "pdf",
            ContentKind::Jpeg => "jpg",
            ContentKind::Png => "png",
        }
    }

    pub fn is_image(self) -> bool {
        self != ContentKind::Pdf
    }
}

/// Why a file is refused, before anything is stored: its size, then its first bytes. The
/// browser calls it with the chosen file's size and first bytes, the server with all of it
/// (`content_refusal`), so both say the same.
pub fn file_refusal(size: usize, head: &[u8]) -> Result<ContentKind, String> {
    if size == 0 {
        return Err("The file is empty.".into());
    }
    if size > MAX_DOCUMENT_BYTES {
        return Err(format!("The file is larger than {} MB.", MAX_DOCUMENT_BYTES / (1024 * 1024)));
    }
    ContentKind::sniff(head)
        .ok_or_else(|| "The file is not a PDF, JPEG or PNG (its content is checked, not its name).".to_string())
}

/// `file_refusal` of the whole file.
pub fn content_refusal(bytes: &[u8]) -> Result<ContentKind, String> {
    file_refusal(bytes.len(), bytes)
}

/// What a pre-review refusal lacks without a comment.
pub const REFUSAL_NEEDS_COMMENT: &str = "A refusal needs a comment: say what is wrong with the document.";

/// The provider's own pre-review (`status` of the core-connect endpoints: 0, 1, 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PreReview {
    Pending,
    Accepted,
    Refused,
}

impl PreReview {
    pub const fn code(self) -> i64 {
        match self {
            PreReview::Pending => 0,
            PreReview::Accepted => 1,
            PreReview::Refused => 2,
        }
    }

    pub fn from_code(code: i64) -> Option<PreReview> {
        [PreReview::Pending, PreReview::Accepted, PreReview::Refused].into_iter().find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            PreReview::Pending => "Pending pre-review",
            PreReview::Accepted => "Pre-review accepted",
            PreReview::Refused => "Pre-review refused",
        }
    }
}

/// Treezor's `documentStatus`: PENDING until the KYC decision, then VALIDATED or CANCELED
/// (the document is then *processed*).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DocumentStatus {
    Pending,
    Validated,
    Canceled,
}

impl DocumentStatus {
    pub fn name(self) -> &'static str {
        match self {
            DocumentStatus::Pending => "PENDING",
            DocumentStatus::Validated => "VALIDATED",
            DocumentStatus::Canceled => "CANCELED",
        }
    }

    pub fn parse(name: &str) -> Option<DocumentStatus> {
        [DocumentStatus::Pending, DocumentStatus::Validated, DocumentStatus::Canceled]
            .into_iter()
            .find(|s| s.name() == name)
    }

    /// Treezor's `codeStatus` of a document (600001 pending, 600002 validated, 600003
    /// canceled).
    pub fn code_status(self) -> &'static str {
        match self {
            DocumentStatus::Pending => "600001",
            DocumentStatus::Validated => "600002",
            DocumentStatus::Canceled => "600003",
        }
    }
}

/// A KYC document's metadata (its bytes are in the object store).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// `/v1/documents`' integer id.
    pub id: i64,
    /// The pre-review endpoints' id (UUID).
    pub uuid: String,
    pub user_id: i64,
    pub type_id: i64,
    pub name: String,
    pub content: ContentKind,
    pub size_bytes: i64,
    pub tag: Option<String>,
    pub residence_id: Option<i64>,
    pub metadata: Vec<String>,
    pub pre_review: PreReview,
    pub pre_review_comment: Option<String>,
    pub pre_reviewed_by: Option<String>,
    pub status: DocumentStatus,
    /// The KYC review this document went to, once submitted.
    pub kyc_review_id: Option<i64>,
    pub created_by: String,
    pub created_date: String,
    pub modified_date: String,
    pub processed_date: Option<String>,
    /// Set when deleted: the record stays, the bytes are gone.
    pub deleted_date: Option<String>,
}

impl Document {
    pub fn type_label(&self) -> &'static str {
        type_label(self.type_id)
    }

    /// After the KYC decision.
    pub fn is_processed(&self) -> bool {
        self.status != DocumentStatus::Pending
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_date.is_some()
    }

    /// Submitted with a KYC review not decided yet.
    pub fn is_under_review(&self) -> bool {
        self.kyc_review_id.is_some() && !self.is_processed()
    }

    /// What the dashboard shows as the document's state.
    pub fn state_label(&self) -> &'static str {
        if self.is_deleted() {
            "Deleted"
        } else if self.status == DocumentStatus::Validated {
            "Processed: validated"
        } else if self.status == DocumentStatus::Canceled {
            "Processed: refused"
        } else if self.is_under_review() {
            "Submitted for KYC review"
        } else {
            self.pre_review.label()
        }
    }

    /// The action that opens or downloads this document's bytes: Review document before the
    /// KYC decision, View/Download processed documents after it (both legal in the role
    /// table).
    pub fn read_action(&self) -> Action {
        if self.is_processed() { Action::DownloadProcessedKycDocuments } else { Action::ReviewKycDocument }
    }

    /// The action that deletes it: a processed document needs `admin`.
    pub fn delete_action(&self) -> Action {
        if self.is_processed() { Action::DeleteProcessedKycDocuments } else { Action::DeleteKycDocument }
    }

    /// Why a pre-review decision is refused, if it is.
    pub fn pre_review_refusal(&self) -> Option<&'static str> {
        if self.is_deleted() {
            Some("This document was deleted.")
        } else if self.kyc_review_id.is_some() {
            Some("This document was already submitted for KYC review.")
        } else if self.pre_review != PreReview::Pending {
            Some("This document was already pre-reviewed; upload a new one to replace it.")
        } else {
            None
        }
    }

    /// Why a deletion is refused, if it is (the scope rule is apart: processed documents
    /// need `admin`).
    pub fn delete_refusal(&self) -> Option<&'static str> {
        if self.is_deleted() {
            Some("This document was already deleted.")
        } else if self.is_under_review() {
            Some("This document is part of a KYC review not decided yet.")
        } else {
            None
        }
    }
}

/// A document waiting for its pre-review, with whose it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedDocument {
    pub document: Document,
    pub user_name: String,
}

/// A signed link to a document's bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedLink {
    /// Relative to the server's address (`/documents/...`).
    pub path: String,
    pub content_type: String,
    /// Seconds from now.
    pub expires_in: i64,
}

/// A pre-signed upload form: POST its fields, then the file as `file`, as multipart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadForm {
    pub document_uuid: String,
    /// Relative to the server's address.
    pub action: String,
    pub fields: Vec<(String, String)>,
    pub expires_in: i64,
}

/// One thing a user must prove before a KYC review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub proves: Proves,
    pub label: &'static str,
}

impl Requirement {
    /// The types that meet it.
    pub fn types(self) -> Vec<DocumentType> {
        DocumentType::ALL.into_iter().filter(|t| t.proves == self.proves).collect()
    }
}

/// What a user of this type must prove by documents before a KYC review: identity for a
/// physical user; registration and the representative's identity for a legal entity.
pub fn kyc_requirements(user_type: UserType) -> Vec<Requirement> {
    let identity = Requirement { proves: Proves::Identity, label: "Identity (identity card, passport, ...)" };
    match user_type {
        UserType::Physical => vec![identity],
        UserType::Business | UserType::Ngo | UserType::Governmental => vec![
            Requirement { proves: Proves::Registration, label: "Registration (Kbis, official paper, articles)" },
            Requirement { proves: Proves::Identity, label: "Legal representative's identity" },
        ],
    }
}

/// Whether a user's documents allow submitting a KYC review: each requirement met by a
/// live, pre-review accepted document not yet processed, and no document still waiting for
/// its pre-review. The messages say what is missing.
pub fn submission_refusals(user_type: UserType, documents: &[Document]) -> Vec<String> {
    let live: Vec<&Document> = documents.iter().filter(|d| !d.is_deleted() && !d.is_processed()).collect();
    let mut refusals = Vec::new();
    for requirement in kyc_requirements(user_type) {
        let met = live.iter().any(|d| {
            d.pre_review == PreReview::Accepted
                && DocumentType::from_id(d.type_id).is_some_and(|t| t.proves == requirement.proves)
        });
        if !met {
            refusals.push(format!("{}: no pre-review accepted document.", requirement.label));
        }
    }
    let waiting = live.iter().filter(|d| d.pre_review == PreReview::Pending).count();
    if waiting > 0 {
        refusals.push(format!("{waiting} document(s) still wait for their pre-review."));
    }
    refusals
}

/// Why a KYC review is refused (the reviewer picks one, and adds a comment).
pub const KYC_REFUSAL_REASONS: [&str; 6] = [
    "Document unreadable",
    "Document expired",
    "Information does not match the profile",
    "Missing document",
    "Suspected fraud",
    "Other",
];

/// The decision on a KYC review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KycDecision {
    Validate,
    Refuse,
}

/// A submitted KYC review (the KYC reviews queue).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KycReviewRequest {
    pub id: i64,
    pub user_id: i64,
    pub user_name: String,
    pub user_type: UserType,
    pub submitted_by: String,
    /// The submitter's id when an operator submitted it (the four-eyes rule's subject).
    pub submitted_by_operator: Option<i64>,
    pub submitted_date: String,
    /// PENDING, VALIDATED or REFUSED.
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_date: Option<String>,
    pub reason: Option<String>,
    pub comment: Option<String>,
    pub document_count: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(type_id: i64, pre_review: PreReview) -> Document {
        Document {
            id: 1,
            uuid: "u".into(),
            user_id: 1,
            type_id,
            name: "n".into(),
            content: ContentKind::Pdf,
            size_bytes: 1,
            tag: None,
            residence_id: None,
            metadata: vec![],
            pre_review,
            pre_review_comment: None,
            pre_reviewed_by: None,
            status: DocumentStatus::Pending,
            kyc_review_id: None,
            created_by: "x".into(),
            created_date: "d".into(),
            modified_date: "d".into(),
            processed_date: None,
            deleted_date: None,
        }
    }

    #[test]
    fn content_is_recognised_by_its_bytes() {
        assert_eq!(content_refusal(b"%PDF-1.4 ..."), Ok(ContentKind::Pdf));
        assert_eq!(content_refusal(&[0xFF, 0xD8, 0xFF, 0xE0, 0]), Ok(ContentKind::Jpeg));
        assert_eq!(content_refusal(b"\x89PNG\r\n\x1a\n...."), Ok(ContentKind::Png));
        assert!(content_refusal(b"").unwrap_err().contains("empty"));
        assert!(content_refusal(b"GIF89a").unwrap_err().contains("not a PDF"));
        assert!(content_refusal(b"PK\x03\x04 a zip named .pdf").is_err());
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_DOCUMENT_BYTES + 1, 0);
        assert!(content_refusal(&big).unwrap_err().contains("larger"));
    }

    #[test]
    fn a_physical_user_needs_an_accepted_identity_document_and_nothing_waiting() {
        assert_eq!(submission_refusals(UserType::Physical, &[]).len(), 1);
        assert!(submission_refusals(UserType::Physical, &[doc(17, PreReview::Accepted)]).is_empty());
        // An address proof does not prove identity; a refused passport does not count.
        assert_eq!(submission_refusals(UserType::Physical, &[doc(12, PreReview::Accepted)]).len(), 1);
        assert_eq!(submission_refusals(UserType::Physical, &[doc(17, PreReview::Refused)]).len(), 1);
        // A document still waiting blocks the submission.
        let waiting = [doc(17, PreReview::Accepted), doc(12, PreReview::Pending)];
        assert!(submission_refusals(UserType::Physical, &waiting)[0].contains("wait"));
        // Deleted documents do not count.
        let mut deleted = doc(9, PreReview::Accepted);
        deleted.deleted_date = Some("d".into());
        assert_eq!(submission_refusals(UserType::Physical, &[deleted]).len(), 1);
    }

    #[test]
    fn a_legal_entity_needs_registration_and_identity() {
        assert_eq!(submission_refusals(UserType::Business, &[doc(9, PreReview::Accepted)]).len(), 1);
        let both = [doc(4, PreReview::Accepted), doc(9, PreReview::Accepted)];
        assert!(submission_refusals(UserType::Ngo, &both).is_empty());
    }

    #[test]
    fn only_tax_statements_name_a_tax_residence() {
        let with_residence: Vec<i64> =
            DocumentType::ALL.into_iter().filter(|t| t.needs_residence()).map(|t| t.id).collect();
        assert_eq!(with_residence, vec![24, 25]);
    }
}
