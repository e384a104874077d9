//! Shapes that cross the wire between the browser and the server functions.

use crate::domain::{Beneficiary, Card, EndUser, TaxResidence, Wallet};
use crate::permissions::Role;
use crate::secret::Secret;
use crate::user_states::UserStatus;
use serde::{Deserialize, Serialize};

/// The logged-in operator, as the browser sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// What the operator must do before reaching any view, if anything.
    #[serde(default)]
    pub pending: Option<PendingStep>,
}

impl Me {
    /// The password was set by someone else: the dashboard asks for a new one first.
    pub fn must_change_password(&self) -> bool {
        self.pending == Some(PendingStep::ChangePassword)
    }
}

/// A step an operator takes before anything else, in this order (the derived `Ord`): the
/// code of a two-factor login, then their own password if someone else set it, then
/// two-factor enrolment if their role requires it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PendingStep {
    /// The password was right; the code from the authenticator app (or a recovery code) is next.
    EnterCode,
    /// The password was set by someone else: the operator chooses their own.
    ChangePassword,
    /// The role requires two-factor authentication and the operator has not set it up yet.
    EnrolTwoFactor,
}

/// What the browser shows to set up two-factor authentication: a QR code for the
/// authenticator app and the same secret as text for typing in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorEnrolment {
    /// An SVG image of `otpauth_uri`.
    pub qr_svg: String,
    /// `otpauth://totp/...` (RFC 6238 parameters: SHA-1, 6 digits, 30 s); it holds the secret.
    pub otpauth_uri: Secret,
    /// The secret in base32, grouped by four for reading.
    pub secret: Secret,
}

/// The operator's own two-factor authentication, as their account page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    /// RFC 3339, UTC; `None` when not set up.
    pub enrolled_at: Option<String>,
    pub recovery_codes_left: i64,
    /// The operator's role requires it (System Configuration).
    pub required: bool,
}

/// The ten single-use recovery codes, shown once when two-factor authentication is set up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodes(pub Vec<Secret>);

impl RecoveryCodes {
    /// How many are given at each set-up.
    pub const COUNT: usize = 10;
}

/// One row of the Dashboard Users table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorSummary {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub saml_key: Option<String>,
    pub blocked: bool,
    /// Consecutive failed logins since the last success.
    pub failed_logins: i64,
    /// RFC 3339, UTC.
    pub last_login_at: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// Two-factor authentication is set up (a code is asked at login).
    #[serde(default)]
    pub two_factor: bool,
}

/// What the "Add a new user" / "Update" dialog submits. On update, an empty password keeps
/// the current one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorForm {
    pub username: String,
    pub role: Option<Role>,
    pub password: Secret,
    pub saml_key: String,
}

/// One row of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub occurred_at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub request_id: String,
    pub client_ip: Option<String>,
}

/// Where a page starts: `page` counts from 1 and `page_size` is kept within 1..=`max`, so
/// that zero, negative or huge numbers from a request give a page (maybe empty), never an
/// overflow. Returns (page, page size, offset).
pub fn page_window(page: i64, page_size: i64, max: i64) -> (i64, i64, i64) {
    let page = page.max(1);
    let page_size = page_size.clamp(1, max.max(1));
    (page, page_size, (page - 1).saturating_mul(page_size))
}

/// A page of results, with the total for the pager.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
}

/// The search toolbar's fields, as typed (each may be empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserLookup {
    pub user_id: String,
    pub user_tag: String,
    pub email: String,
    pub name: String,
    /// A card id (digits) or a card's public token.
    pub card: String,
    pub wallet: String,
}

impl UserLookup {
    pub fn is_empty(&self) -> bool {
        [&self.user_id, &self.user_tag, &self.email, &self.name, &self.card, &self.wallet]
            .iter()
            .all(|v| v.trim().is_empty())
    }

    /// The lookup as URL query pairs (only the filled fields), for the results page.
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        [
            ("userId", &self.user_id),
            ("userTag", &self.user_tag),
            ("email", &self.email),
            ("name", &self.name),
            ("card", &self.card),
            ("wallet", &self.wallet),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.trim().to_string()))
        .collect()
    }

    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let get = |k: &str| get(k).unwrap_or_default();
        UserLookup {
            user_id: get("userId"),
            user_tag: get("userTag"),
            email: get("email"),
            name: get("name"),
            card: get("card"),
            wallet: get("wallet"),
        }
    }
}

/// A page of end users and how many match in all.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserList {
    pub users: Vec<EndUser>,
    /// Exact up to a cap, then "more than".
    pub total: Total,
}

/// A child in the Children Users diagram, with its own children.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildNode {
    pub user_id: i64,
    pub name: String,
    pub parent_type: Option<String>,
    pub user_status: UserStatus,
    pub children: Vec<ChildNode>,
}

/// Everything the Profile Boards show about one user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserProfile {
    pub user: EndUser,
    pub wallets: Vec<Wallet>,
    pub cards: Vec<Card>,
    pub beneficiaries: Vec<Beneficiary>,
    /// The devices not deleted (deleted ones come on request: `list_sca_devices`).
    pub sca_devices: Vec<crate::sca::ScaDevice>,
    /// The live ones (deleted residences are left out).
    pub tax_residences: Vec<TaxResidence>,
    pub children: Vec<ChildNode>,
}

/// One tax residence of the "Tax residences" popup's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxResidenceDraft {
    /// `None` for a residence added in the popup.
    pub id: Option<i64>,
    pub country: String,
    pub tax_payer_id: String,
}

/// System Configuration's feature toggles.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemSettings {
    /// "Send forgot password" is offered on user profiles.
    pub send_forgot_password: bool,
    /// The SCA devices section is shown on user profiles.
    pub sca_devices_section: bool,
    /// Four-eyes on payouts: a payout above the threshold waits for a second operator.
    pub payout_approval_enabled: bool,
    /// In whole units of the payout's currency (1000 = 1,000 EUR or 1,000 JPY).
    pub payout_approval_threshold: i64,
    /// Operators of these roles set up two-factor authentication at their next login.
    #[serde(default)]
    pub two_factor_required_roles: Vec<Role>,
}

impl SystemSettings {
    /// Whether a payout of `amount` waits for a second operator.
    pub fn payout_needs_approval(&self, amount: &crate::money::Money) -> bool {
        let scale = 10i64.saturating_pow(amount.currency.exponent());
        self.payout_approval_enabled && amount.minor > self.payout_approval_threshold.saturating_mul(scale)
    }
}

/// One row of Onboarding Users.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnboardingEntry {
    pub account_id: i64,
    pub email: String,
    /// RFC 3339, UTC.
    pub created_date: String,
    pub activated_date: Option<String>,
    pub user_id: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_windows_never_overflow() {
        assert_eq!(page_window(1, 20, 200), (1, 20, 0));
        assert_eq!(page_window(3, 20, 200), (3, 20, 40));
        assert_eq!(page_window(0, 0, 200), (1, 1, 0));
        assert_eq!(page_window(-5, 10_000, 200), (1, 200, 0));
        assert_eq!(page_window(i64::MAX, i64::MAX, 200), (i64::MAX, 200, i64::MAX));
    }
}

/// Where a keyset page starts, newest first: the first page, the page of rows below a
/// cursor (Next), or the page of rows above it (Previous). Stays valid while rows are added.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Keyset {
    #[default]
    First,
    Before(Cursor),
    After(Cursor),
}

/// A row's place in a list ordered by `key` (when the list has one, e.g. a date) then id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub key: Option<String>,
    pub id: i64,
}

impl Cursor {
    pub fn id(id: i64) -> Cursor {
        Cursor { key: None, id }
    }

    /// As the URL carries it: `id`, or `key~id`.
    pub fn to_param(&self) -> String {
        match &self.key {
            None => self.id.to_string(),
            Some(key) => format!("{key}~{}", self.id),
        }
    }

    pub fn from_param(param: &str) -> Option<Cursor> {
        match param.rsplit_once('~') {
            None => param.parse().ok().map(Cursor::id),
            Some((key, id)) => Some(Cursor { key: Some(key.to_string()), id: id.parse().ok()? }),
        }
    }
}

/// A total counted up to a cap: exact, or "more than `count`".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Total {
    pub count: i64,
    /// True when more rows match than were counted.
    pub more: bool,
}

impl std::fmt::Display for Total {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.more { write!(f, "more than {}", self.count) } else { write!(f, "{}", self.count) }
    }
}

/// All Cards' filters, as the URL carries them (each optional).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardSearch {
    pub status: Option<crate::domain::CardStatus>,
    pub user_id: Option<i64>,
    /// The last four digits of the PAN, or a public token.
    pub card: Option<String>,
    /// Expiring in or after this month, `YYYY-MM`.
    pub expiry_from: Option<String>,
    /// Expiring in or before this month, `YYYY-MM`.
    pub expiry_to: Option<String>,
    pub at: Keyset,
    pub page_size: i64,
}

/// One page of a keyset list: its rows newest first, the cursors to the neighbouring pages,
/// and the capped total.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeysetPage<T> {
    pub items: Vec<T>,
    pub total: Total,
    /// `Keyset::After(the first row)` when newer rows exist.
    pub newer: Option<Keyset>,
    /// `Keyset::Before(the last row)` when older rows exist.
    pub older: Option<Keyset>,
}

/// All Card Transactions' filters (and a card's own list).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardTransactionSearch {
    pub card_id: Option<i64>,
    pub user_id: Option<i64>,
    pub status: Option<crate::cards::PaymentStatus>,
    /// On or after this day (`YYYY-MM-DD`, UTC) or instant (RFC 3339).
    pub date_from: Option<String>,
    /// On or before this day or instant.
    pub date_to: Option<String>,
    /// Amounts from / to, each in its currency (the rows of other currencies do not match).
    pub amount_from: Option<crate::money::Money>,
    pub amount_to: Option<crate::money::Money>,
    pub at: Keyset,
    pub page_size: i64,
}

/// A Bulk Cards job's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkJobStatus {
    Running,
    Done,
}

impl BulkJobStatus {
    pub fn name(self) -> &'static str {
        match self {
            BulkJobStatus::Running => "RUNNING",
            BulkJobStatus::Done => "DONE",
        }
    }

    pub fn parse(s: &str) -> Option<BulkJobStatus> {
        [BulkJobStatus::Running, BulkJobStatus::Done].into_iter().find(|v| v.name() == s)
    }
}

/// One line of a Bulk Cards upload and what became of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkRowStatus {
    Pending,
    Done,
    Failed,
}

impl BulkRowStatus {
    pub fn name(self) -> &'static str {
        match self {
            BulkRowStatus::Pending => "PENDING",
            BulkRowStatus::Done => "DONE",
            BulkRowStatus::Failed => "FAILED",
        }
    }

    pub fn parse(s: &str) -> Option<BulkRowStatus> {
        [BulkRowStatus::Pending, BulkRowStatus::Done, BulkRowStatus::Failed].into_iter().find(|v| v.name() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            BulkRowStatus::Pending => "Waiting",
            BulkRowStatus::Done => "Card created",
            BulkRowStatus::Failed => "Refused",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkRow {
    /// The line in the uploaded file (the header is line 1).
    pub line: i64,
    pub user_id: Option<i64>,
    pub wallet_id: Option<i64>,
    pub status: BulkRowStatus,
    pub card_id: Option<i64>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkJob {
    pub id: i64,
    pub created_by: String,
    pub created_date: String,
    pub status: BulkJobStatus,
    pub total: i64,
    pub done: i64,
    pub failed: i64,
    pub rows: Vec<BulkRow>,
}

/// User docs pending pre-review's filters (oldest first; `Keyset::Before` pages on).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreReviewSearch {
    pub type_id: Option<i64>,
    pub user_id: Option<i64>,
    /// Uploaded on or after this day (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Uploaded on or before this day.
    pub to: Option<String>,
    pub at: Keyset,
    pub page_size: i64,
    /// No total wanted (the API's need-review list has none): the capped count is skipped.
    #[serde(default)]
    pub skip_total: bool,
}

/// One live dashboard session of the logged-in operator (My sessions).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Names the session to end it; not the session's secret.
    pub id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC (to the minute: sessions are touched at most once a minute).
    pub last_seen_at: String,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// The session this list was asked from.
    pub current: bool,
    /// The password was given and the two-factor code not yet: if that was not you,
    /// someone knows your password.
    #[serde(default)]
    pub awaiting_code: bool,
}

/// One OAuth2 API client of the REST API (API clients view). Its secret is never shown
/// again after creation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiClientSummary {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub scopes: Vec<crate::permissions::Scope>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// When it was last granted a token (RFC 3339, UTC).
    pub last_used_at: Option<String>,
    /// RFC 3339, UTC; a revoked client gets no token and its tokens have ended.
    pub revoked_at: Option<String>,
}

/// A new API client's credentials: the secret is shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiClientCredentials {
    pub client: ApiClientSummary,
    pub client_secret: Secret,
}
