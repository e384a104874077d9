//! The typed domain: end users, their wallets, cards, beneficiaries and tax residences, as
//! the backend returns them and the views show them. JSON in Treezor's shape is made from
//! these at the REST edge only.
//!
//! The state rules ("what may happen to this user now") live here too, in one function per
//! rule, so that the backend enforces them and the views ask the same function what to show.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Action;
use crate::money::Money;
use crate::user_states::{KycLevel, KycReview, UserStatus, UserType};

/// A stored value of a field of `user_fields::FIELDS` (the field table says which kind).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Int(i64),
    Text(String),
}

impl FieldValue {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            FieldValue::Int(n) => Some(*n),
            FieldValue::Text(_) => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            FieldValue::Text(s) => Some(s),
            FieldValue::Int(_) => None,
        }
    }

    /// The value written for people (and for a form's text input).
    pub fn to_text(&self) -> String {
        match self {
            FieldValue::Int(n) => n.to_string(),
            FieldValue::Text(s) => s.clone(),
        }
    }
}

/// An end user. The fields the rules and the lists need are typed; every other field of the
/// field table is in `fields`, by its API name, so that the table stays the one place for
/// per-field rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EndUser {
    pub id: i64,
    pub user_type: UserType,
    pub status: UserStatus,
    /// `codeStatus`, e.g. 110005 once canceled by an operator.
    pub code_status: Option<i64>,
    pub kyc_level: KycLevel,
    pub kyc_review: KycReview,
    /// The review history, one line per step.
    pub kyc_review_comment: Option<String>,
    pub is_frozen: bool,
    pub parent_user_id: Option<i64>,
    pub parent_type: Option<String>,
    pub email: String,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub legal_name: Option<String>,
    /// RFC 3339, UTC.
    pub created_date: String,
    pub modified_date: String,
    pub wallet_count: i64,
    /// The other fields of `user_fields::FIELDS` that are set.
    pub fields: BTreeMap<String, FieldValue>,
}

/// Why an action cannot be taken on a user in its current state. The messages are ours and
/// safe to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// Deactivation is irreversible: a canceled user is kept as it is.
    Canceled,
    KycReviewPending,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Refusal::Canceled => "This user is canceled: it can no longer be changed.",
            Refusal::KycReviewPending => "This user already has a KYC review pending.",
        }
    }
}

impl EndUser {
    /// The field-table names held in typed fields rather than in `fields`.
    pub const TYPED_FIELDS: [&'static str; 7] =
        ["userTypeId", "parentUserId", "parentType", "email", "firstname", "lastname", "legalName"];

    /// A new, empty user of this id and type (the store fills it from a row).
    pub fn blank(id: i64, user_type: UserType) -> EndUser {
        EndUser {
            id,
            user_type,
            status: UserStatus::Pending,
            code_status: None,
            kyc_level: KycLevel::None,
            kyc_review: KycReview::None,
            kyc_review_comment: None,
            is_frozen: false,
            parent_user_id: None,
            parent_type: None,
            email: String::new(),
            firstname: None,
            lastname: None,
            legal_name: None,
            created_date: String::new(),
            modified_date: String::new(),
            wallet_count: 0,
            fields: BTreeMap::new(),
        }
    }

    /// The value of any field of the field table, typed ones included.
    pub fn field(&self, name: &str) -> Option<FieldValue> {
        let text = |v: &Option<String>| v.clone().filter(|s| !s.is_empty()).map(FieldValue::Text);
        match name {
            "userTypeId" => Some(FieldValue::Int(self.user_type.code())),
            "parentUserId" => self.parent_user_id.map(FieldValue::Int),
            "parentType" => text(&self.parent_type),
            "email" => text(&Some(self.email.clone())),
            "firstname" => text(&self.firstname),
            "lastname" => text(&self.lastname),
            "legalName" => text(&self.legal_name),
            _ => self.fields.get(name).cloned(),
        }
    }

    /// Sets (or, with `None`, clears) a field of the field table.
    pub fn set_field(&mut self, name: &str, value: Option<FieldValue>) {
        let text = value.as_ref().and_then(FieldValue::as_str).map(str::to_string);
        match name {
            "userTypeId" => {
                if let Some(t) = value.as_ref().and_then(FieldValue::as_i64).and_then(UserType::from_code) {
                    self.user_type = t;
                }
            }
            "parentUserId" => self.parent_user_id = value.as_ref().and_then(FieldValue::as_i64),
            "parentType" => self.parent_type = text,
            "email" => self.email = text.unwrap_or_default(),
            "firstname" => self.firstname = text,
            "lastname" => self.lastname = text,
            "legalName" => self.legal_name = text,
            _ => match value {
                Some(v) => {
                    self.fields.insert(name.to_string(), v);
                }
                None => {
                    self.fields.remove(name);
                }
            },
        }
    }

    /// A field as text for people ("" when unset).
    pub fn text(&self, name: &str) -> String {
        self.field(name).map(|v| v.to_text()).unwrap_or_default()
    }

    /// Legal name for legal entities, first and last name for persons; the email when
    /// neither is known.
    pub fn display_name(&self) -> String {
        let legal = self.legal_name.clone().unwrap_or_default().trim().to_string();
        let person = format!(
            "{} {}",
            self.firstname.as_deref().unwrap_or_default(),
            self.lastname.as_deref().unwrap_or_default()
        )
        .trim()
        .to_string();
        match (self.user_type.is_person(), legal.is_empty(), person.is_empty()) {
            (false, false, _) | (true, false, true) => legal,
            (_, _, false) => person,
            _ => self.email.clone(),
        }
    }

    /// "Name #id", as tabs and links show a user.
    pub fn tab_label(&self) -> String {
        format!("{} #{}", self.display_name(), self.id)
    }

    pub fn is_canceled(&self) -> bool {
        self.status == UserStatus::Canceled
    }

    /// A physical user with legal form 1000 (an autoentrepreneur).
    pub fn is_autoentrepreneur(&self) -> bool {
        self.user_type.is_person() && self.field("legalForm").is_some_and(|v| v.to_text() == "1000")
    }

    /// Why `action` cannot be taken on this user now, as far as the user's own state tells
    /// (the operator's role is `Role::may`'s business). The backend refuses with this; the
    /// views hide what it refuses.
    pub fn refusal(&self, action: Action) -> Option<Refusal> {
        if self.is_canceled() && action.changes_end_user() {
            return Some(Refusal::Canceled);
        }
        if action == Action::SubmitKycReview && self.kyc_review == KycReview::Pending {
            return Some(Refusal::KycReviewPending);
        }
        None
    }

    /// `refusal(action)` is `None`.
    pub fn allows(&self, action: Action) -> bool {
        self.refusal(action).is_none()
    }
}

/// `walletStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WalletStatus {
    Pending,
    Validated,
    Canceled,
}

impl WalletStatus {
    pub const ALL: [WalletStatus; 3] = [WalletStatus::Pending, WalletStatus::Validated, WalletStatus::Canceled];

    pub fn name(self) -> &'static str {
        match self {
            WalletStatus::Pending => "PENDING",
            WalletStatus::Validated => "VALIDATED",
            WalletStatus::Canceled => "CANCELED",
        }
    }

    pub fn parse(name: &str) -> Option<WalletStatus> {
        WalletStatus::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            WalletStatus::Pending => "Pending",
            WalletStatus::Validated => "Active",
            WalletStatus::Canceled => "Deactivated",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Wallet {
    pub id: i64,
    pub user_id: i64,
    pub wallet_type_id: i64,
    pub status: WalletStatus,
    /// What can be spent: the sum of the wallet's ledger entries (`authorizedBalance`).
    pub balance: Money,
    /// Pending payouts: already off `balance`, still in the account until executed.
    pub held: Money,
    /// `eventName`: the wallet's name.
    pub name: String,
    pub tag: String,
    /// `eventMessage`: a description.
    pub description: String,
    pub event_alias: String,
    pub tariff_id: i64,
    pub bic: String,
    pub iban: String,
    pub created_date: String,
    pub modified_date: String,
}

impl Wallet {
    /// The booked balance (`solde`, `currentBalance`): spendable money plus pending payouts.
    pub fn current_balance(&self) -> Money {
        Money::new(self.balance.minor.saturating_add(self.held.minor), self.balance.currency.clone())
    }

    pub fn is_active(&self) -> bool {
        self.status == WalletStatus::Validated
    }

    /// Why this wallet cannot be deactivated now, if it cannot.
    pub fn deactivation_refusal(&self) -> Option<crate::banking::MoneyRefusal> {
        use crate::banking::MoneyRefusal;
        if self.status == WalletStatus::Canceled {
            Some(MoneyRefusal::AlreadyDeactivated)
        } else if !self.current_balance().is_zero() {
            Some(MoneyRefusal::BalanceNotZero)
        } else {
            None
        }
    }

    /// "#12 Main account (EUR)", for pickers and confirmations.
    pub fn title(&self) -> String {
        let name = if self.name.is_empty() { "Wallet" } else { self.name.as_str() };
        format!("#{} {} ({})", self.id, name, self.balance.currency.code())
    }
}

/// A card's `statusCode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardStatus {
    Unlock,
    Lock,
    LockInternal,
    Lost,
    Stolen,
    Destroyed,
    Expired,
}

impl CardStatus {
    pub const ALL: [CardStatus; 7] = [
        CardStatus::Unlock,
        CardStatus::Lock,
        CardStatus::LockInternal,
        CardStatus::Lost,
        CardStatus::Stolen,
        CardStatus::Destroyed,
        CardStatus::Expired,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CardStatus::Unlock => "UNLOCK",
            CardStatus::Lock => "LOCK",
            CardStatus::LockInternal => "LOCK_INTERNAL",
            CardStatus::Lost => "LOST",
            CardStatus::Stolen => "STOLEN",
            CardStatus::Destroyed => "DESTROYED",
            CardStatus::Expired => "EXPIRED",
        }
    }

    pub fn parse(name: &str) -> Option<CardStatus> {
        CardStatus::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            CardStatus::Unlock => "Active",
            CardStatus::Lock => "Locked",
            CardStatus::LockInternal => "Locked by the bank",
            CardStatus::Lost => "Lost",
            CardStatus::Stolen => "Stolen",
            CardStatus::Destroyed => "Destroyed",
            CardStatus::Expired => "Expired",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub id: i64,
    pub user_id: i64,
    pub wallet_id: Option<i64>,
    pub public_token: String,
    pub masked_pan: String,
    pub status: CardStatus,
    /// Activated (`isLive`): a card must be activated to be used.
    pub is_live: bool,
    pub is_virtual: bool,
    pub options: crate::cards::CardOptions,
    pub limits: crate::cards::CardLimits,
    /// The card's currency (its wallet's); limits are whole units of it.
    pub currency: crate::money::Currency,
    pub country_restriction_group_id: Option<i64>,
    pub mcc_restriction_group_id: Option<i64>,
    pub card_tag: Option<String>,
    /// `YYYY-MM-DD`.
    pub expiry_date: String,
    pub created_date: String,
    pub modified_date: String,
}

impl Card {
    /// A card as tests need one: live, unlocked, default options and limits.
    #[cfg(test)]
    pub(crate) fn example() -> Card {
        Card {
            id: 1,
            user_id: 1,
            wallet_id: Some(1),
            public_token: "100000007".into(),
            masked_pan: "5123 45** **** 0001".into(),
            status: CardStatus::Unlock,
            is_live: true,
            is_virtual: true,
            options: crate::cards::CardOptions::default(),
            limits: crate::cards::CardLimits::NEW_CARD,
            currency: crate::money::Currency::parse("EUR").unwrap_or_else(|| unreachable!()),
            country_restriction_group_id: None,
            mcc_restriction_group_id: None,
            card_tag: None,
            expiry_date: "2029-12-31".into(),
            created_date: "2026-01-01T00:00:00Z".into(),
            modified_date: "2026-01-01T00:00:00Z".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Beneficiary {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub iban: String,
    pub bic: String,
    /// How many payouts used it (lists show the most used first).
    pub usage_count: i64,
    pub tag: String,
    pub nick_name: String,
    pub address: String,
    pub is_active: bool,
    pub usable_for_sct: bool,
    pub created_date: String,
    pub modified_date: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxResidence {
    pub id: i64,
    pub user_id: i64,
    pub country: String,
    /// Empty when the user signed a liability waiver instead.
    pub tax_payer_id: String,
    pub liability_waiver: bool,
    pub created_date: String,
    pub last_update: String,
    pub deleted_date: Option<String>,
    pub is_deleted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn user(status: UserStatus) -> EndUser {
        EndUser { status, ..EndUser::blank(7, UserType::Physical) }
    }

    #[test]
    fn a_canceled_user_refuses_every_change_and_nothing_else() {
        let canceled = user(UserStatus::Canceled);
        for action in [
            Action::EditUserInformation,
            Action::ManageTaxResidences,
            Action::DeactivateUser,
            Action::SendForgotPassword,
            Action::SubmitKycReview,
            Action::AddChildUser,
            Action::FreezeUser,
            Action::AddWallet,
        ] {
            assert_eq!(canceled.refusal(action), Some(Refusal::Canceled), "{action:?}");
            assert_eq!(user(UserStatus::Validated).refusal(action), None, "{action:?}");
        }
        assert_eq!(canceled.refusal(Action::ReadUsers), None, "reading stays possible");
        assert_eq!(canceled.refusal(Action::BlockCard), None, "protective actions stay possible");
    }

    #[test]
    fn a_pending_review_refuses_another_one() {
        let pending = EndUser { kyc_review: KycReview::Pending, ..user(UserStatus::Pending) };
        assert_eq!(pending.refusal(Action::SubmitKycReview), Some(Refusal::KycReviewPending));
        assert_eq!(pending.refusal(Action::EditUserInformation), None);
    }

    #[test]
    fn fields_route_to_typed_slots_or_the_map() {
        let mut u = user(UserStatus::Pending);
        u.set_field("firstname", Some(FieldValue::Text("Ada".into())));
        u.set_field("lastname", Some(FieldValue::Text("Lovelace".into())));
        u.set_field("legalForm", Some(FieldValue::Text("1000".into())));
        u.set_field("userTypeId", Some(FieldValue::Int(2)));
        assert_eq!(u.firstname.as_deref(), Some("Ada"));
        assert_eq!(u.field("legalForm"), Some(FieldValue::Text("1000".into())));
        assert_eq!(u.user_type, UserType::Business);
        assert!(!u.fields.contains_key("firstname"));
        assert_eq!(u.display_name(), "Ada Lovelace", "a business without legal name shows its representative");
        u.set_field("legalName", Some(FieldValue::Text("Analytical Engines".into())));
        assert_eq!(u.tab_label(), "Analytical Engines #7");
        u.set_field("legalForm", None);
        assert_eq!(u.field("legalForm"), None);
    }

    #[test]
    fn autoentrepreneurs_are_persons_with_legal_form_1000() {
        let mut u = user(UserStatus::Pending);
        u.set_field("legalForm", Some(FieldValue::Text("1000".into())));
        assert!(u.is_autoentrepreneur());
        u.user_type = UserType::Business;
        assert!(!u.is_autoentrepreneur());
    }

    #[test]
    fn wallets_carry_typed_money() {
        let jpy = Currency::parse("JPY").unwrap();
        let mut w = Wallet {
            id: 1,
            user_id: 7,
            wallet_type_id: 9,
            status: WalletStatus::Validated,
            balance: Money::new(1500, jpy.clone()),
            held: Money::new(0, jpy.clone()),
            name: String::new(),
            tag: String::new(),
            description: String::new(),
            event_alias: String::new(),
            tariff_id: 1,
            bic: "TRZOFR21XXX".into(),
            iban: crate::banking::Iban::of_wallet(1).as_str().into(),
            created_date: String::new(),
            modified_date: String::new(),
        };
        assert_eq!(w.balance.major(), 1500.0);
        assert_eq!(CardStatus::parse("UNLOCK").map(CardStatus::label), Some("Active"));
        use crate::banking::MoneyRefusal;
        assert_eq!(w.deactivation_refusal(), Some(MoneyRefusal::BalanceNotZero));
        w.balance = Money::new(0, jpy.clone());
        w.held = Money::new(10, jpy);
        assert_eq!(w.deactivation_refusal(), Some(MoneyRefusal::BalanceNotZero), "a pending payout holds money");
        w.held.minor = 0;
        assert_eq!(w.deactivation_refusal(), None);
        w.status = WalletStatus::Canceled;
        assert_eq!(w.deactivation_refusal(), Some(MoneyRefusal::AlreadyDeactivated));
        assert_eq!(w.title(), "#1 Wallet (JPY)");
    }
}
