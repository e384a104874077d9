//! Demo KYC documents (`seed-demo`): small generated PDFs and PNGs, in every state, so that
//! the KYC tab, User docs pending pre-review and KYC reviews have data. Each document is a
//! real file in the store and a row written as an upload would write it.

use shared::documents::{ContentKind, DocumentStatus, PreReview};
use shared::user_states::{KycReview, UserStatus};

use crate::Backend;
use crate::error::Result;

/// A one-page PDF saying `text` (offsets computed, so that readers accept it).
pub fn demo_pdf(text: &str) -> Vec<u8> {
    let text: String = text.chars().filter(|c| c.is_ascii() && !matches!(c, '(' | ')' | '\\')).collect();
    let stream = format!("BT /F1 18 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
            .to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    pdf
}

/// A valid 1×1 PNG (a grey pixel).
pub const DEMO_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x7E, 0x9B, 0x55, 0x00, 0x00, 0x00, 0x0A, 0x49,
    0x44, 0x41, 0x54, 0x08, 0xD7, 0x63, 0x68, 0x00, 0x00, 0x00, 0x82, 0x00, 0x81, 0xDD, 0x43, 0x6A, 0xF4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// One demo document to write.
struct Planned {
    type_id: i64,
    name: String,
    image: bool,
    pre_review: PreReview,
    comment: Option<&'static str>,
    /// The review it went to (index into the user's reviews), if submitted.
    submitted: bool,
    status: DocumentStatus,
}

const SEEDER: &str = "demo seed";

impl Backend {
    /// Documents for the first `users` users from `first_id`: a validated user's are
    /// processed; a user under review has accepted documents in a pending review; the others
    /// have documents waiting for their pre-review, refused (with a comment) or accepted.
    pub(crate) async fn seed_demo_documents(&self, first_id: i64, users: i64) -> Result<()> {
        let rows: Vec<(i64, Option<i64>, String, i64, String)> = sqlx::query_as(
            "SELECT id, user_type_id, user_status, kyc_review, created_date FROM end_users \
             WHERE id >= $1 AND id < $2 ORDER BY id",
        )
        .bind(first_id)
        .bind(first_id + users)
        .fetch_all(&self.db.pool)
        .await?;
        for (id, user_type, status, kyc_review, created) in rows {
            let person = user_type.unwrap_or(1) == 1;
            let identity = |pre_review, status, submitted| Planned {
                type_id: if id % 2 == 0 { 17 } else { 9 },
                name: if id % 2 == 0 { "passport.pdf".into() } else { "identity-card.png".into() },
                image: id % 2 == 1,
                pre_review,
                comment: None,
                submitted,
                status,
            };
            let registration = |pre_review, status, submitted| Planned {
                type_id: 4,
                name: "kbis.pdf".into(),
                image: false,
                pre_review,
                comment: None,
                submitted,
                status,
            };
            let mut plan = Vec::new();
            let decided = status != UserStatus::Pending.name();
            let under_review = kyc_review == KycReview::Pending.code();
            let (pre, doc_status, submitted) = if decided {
                (PreReview::Accepted, DocumentStatus::Validated, true)
            } else if under_review {
                (PreReview::Accepted, DocumentStatus::Pending, true)
            } else {
                match id % 3 {
                    0 => (PreReview::Pending, DocumentStatus::Pending, false),
                    1 => (PreReview::Refused, DocumentStatus::Pending, false),
                    _ => (PreReview::Accepted, DocumentStatus::Pending, false),
                }
            };
            plan.push(identity(pre, doc_status, submitted));
            if !person {
                plan.push(registration(pre, doc_status, submitted));
            }
            if pre == PreReview::Refused {
                plan[0].comment = Some("Blurred photo: the name cannot be read.");
                // The replacement waits for its pre-review.
                plan.push(identity(PreReview::Pending, DocumentStatus::Pending, false));
            }
            if id % 4 == 0 && !decided && !under_review {
                plan.push(Planned {
                    type_id: 12,
                    name: "electricity-bill.pdf".into(),
                    image: false,
                    pre_review: PreReview::Pending,
                    comment: None,
                    submitted: false,
                    status: DocumentStatus::Pending,
                });
            }
            let review_id = if plan.iter().any(|p| p.submitted) {
                let (review_status, decided_by) = if decided { ("VALIDATED", Some(SEEDER)) } else { ("PENDING", None) };
                let review: i64 = sqlx::query_scalar(
                    "INSERT INTO kyc_reviews (user_id, submitted_by_type, submitted_by, submitted_date, status, \
                     decided_by_type, decided_by, decided_date) VALUES ($1, 'system', $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(id)
                .bind(SEEDER)
                .bind(&created)
                .bind(review_status)
                .bind(decided_by.map(|_| "system"))
                .bind(decided_by)
                .bind(decided.then(|| created.clone()))
                .fetch_one(&self.db.pool)
                .await?;
                Some(review)
            } else {
                None
            };
            for p in plan {
                let uuid = uuid::Uuid::new_v4().to_string();
                let key = self.documents.new_key(id, &uuid);
                let bytes = if p.image {
                    DEMO_PNG.to_vec()
                } else {
                    demo_pdf(&format!("Demo document of user {id}: {}", p.name))
                };
                let content = if p.image { ContentKind::Png } else { ContentKind::Pdf };
                let size = bytes.len() as i64;
                self.documents.put(&key, bytes.into()).await?;
                sqlx::query(
                    "INSERT INTO documents (uuid, user_id, document_type_id, name, content_type, size_bytes, object_key, \
                     pre_review_status, pre_review_comment, pre_reviewed_by, pre_reviewed_date, document_status, \
                     kyc_review_id, created_by, created_date, modified_date, processed_date) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16)",
                )
                .bind(&uuid)
                .bind(id)
                .bind(p.type_id)
                .bind(&p.name)
                .bind(content.mime())
                .bind(size)
                .bind(&key)
                .bind(p.pre_review.code())
                .bind(p.comment)
                .bind((p.pre_review != PreReview::Pending).then_some(SEEDER))
                .bind((p.pre_review != PreReview::Pending).then(|| created.clone()))
                .bind(p.status.name())
                .bind(if p.submitted { review_id } else { None })
                .bind(SEEDER)
                .bind(&created)
                .bind((p.status != DocumentStatus::Pending).then(|| created.clone()))
                .execute(&self.db.pool)
                .await?;
            }
        }
        Ok(())
    }
}
