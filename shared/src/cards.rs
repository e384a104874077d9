//! Card rules: the API's `lockStatus` codes, which statuses are final, what each state
//! refuses, the options and the spending limits. The backend refuses with these, the Cards
//! tab offers what they allow.

use serde::{Deserialize, Serialize};

use crate::domain::{Card, CardStatus};
use crate::validation::FieldError;

impl CardStatus {
    /// The `lockStatus` of `PUT /v1/cards/{id}/LockUnlock` ("Block a Card"): 0 unlock,
    /// 1 lock, 2 lost, 3 stolen, 4 destroyed, 5 locked by the bank.
    pub fn from_lock_status(code: i64) -> Option<CardStatus> {
        match code {
            0 => Some(CardStatus::Unlock),
            1 => Some(CardStatus::Lock),
            2 => Some(CardStatus::Lost),
            3 => Some(CardStatus::Stolen),
            4 => Some(CardStatus::Destroyed),
            5 => Some(CardStatus::LockInternal),
            _ => None,
        }
    }

    pub fn lock_status(self) -> Option<i64> {
        (0..=5).find(|code| CardStatus::from_lock_status(*code) == Some(self))
    }

    /// Lost, stolen, destroyed (and expired) cards can never be used again.
    pub fn is_final(self) -> bool {
        matches!(self, CardStatus::Lost | CardStatus::Stolen | CardStatus::Destroyed | CardStatus::Expired)
    }

    /// The statuses an operator may block a card with ("Block card"), in the picker's order.
    pub const BLOCK_REASONS: [CardStatus; 4] =
        [CardStatus::Lock, CardStatus::Lost, CardStatus::Stolen, CardStatus::Destroyed];
}

/// A change asked of a card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardCommand {
    Activate,
    /// Lock, unlock, or declare lost, stolen or destroyed.
    SetStatus(CardStatus),
    /// Limits, options or restriction groups.
    UpdateSettings,
}

impl Card {
    /// Why the card's state refuses `command`, if it does (the caller's role aside).
    pub fn refusal(&self, command: CardCommand) -> Option<String> {
        if self.status.is_final() {
            return Some(format!("This card is {}: it can never be used or changed again.", self.status.label()));
        }
        match command {
            CardCommand::Activate if self.is_live => Some("This card is already activated.".into()),
            CardCommand::SetStatus(CardStatus::LockInternal) => {
                Some("Only the bank sets LOCK_INTERNAL (lockStatus 5).".into())
            }
            CardCommand::SetStatus(CardStatus::Expired) => Some("A card expires on its own date.".into()),
            CardCommand::SetStatus(to) if to == self.status => {
                Some(format!("This card is already {}.", self.status.label().to_lowercase()))
            }
            // A bank lock is lifted by the bank only; it may still be declared lost, stolen
            // or destroyed.
            CardCommand::SetStatus(CardStatus::Unlock | CardStatus::Lock)
                if self.status == CardStatus::LockInternal =>
            {
                Some("This card was locked by the bank; only the bank can unlock it.".into())
            }
            _ => None,
        }
    }

    pub fn allows(&self, command: CardCommand) -> bool {
        self.refusal(command).is_none()
    }
}

/// Where a card may be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardOptions {
    pub atm: bool,
    pub foreign: bool,
    pub online: bool,
    pub nfc: bool,
}

impl Default for CardOptions {
    fn default() -> Self {
        CardOptions { atm: true, foreign: true, online: true, nfc: true }
    }
}

impl CardOptions {
    /// This server's `permsGroup` encoding: `TRZ-CU-` and 1 + the sum of the options held
    /// (foreign 1, online 2, ATM 4, NFC 8), so 001 is none and 016 is all.
    pub fn perms_group(self) -> String {
        let bits = u8::from(self.foreign) + 2 * u8::from(self.online) + 4 * u8::from(self.atm) + 8 * u8::from(self.nfc);
        format!("TRZ-CU-{:03}", bits + 1)
    }

    pub fn from_perms_group(code: &str) -> Option<CardOptions> {
        let n: u8 = code.strip_prefix("TRZ-CU-")?.parse().ok().filter(|n| (1..=16).contains(n))?;
        let bits = n - 1;
        Some(CardOptions { foreign: bits & 1 != 0, online: bits & 2 != 0, atm: bits & 4 != 0, nfc: bits & 8 != 0 })
    }
}

/// The most any limit may be, in the card's currency units.
pub const LIMIT_MAX: i64 = 1_000_000;

/// Spending limits in whole units of the card's currency (the API's integers); 0 means
/// "not limited over this period".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardLimits {
    pub atm_day: i64,
    pub atm_week: i64,
    pub atm_month: i64,
    pub atm_year: i64,
    pub atm_all: i64,
    pub payment_day: i64,
    pub payment_week: i64,
    pub payment_month: i64,
    pub payment_year: i64,
    pub payment_all: i64,
}

impl CardLimits {
    /// Treezor's defaults for a new card (ATM 1,000 a day and 2,000 a week; payments 2,000
    /// a day and 3,000 a week).
    pub const NEW_CARD: CardLimits = CardLimits {
        atm_day: 1000,
        atm_week: 2000,
        atm_month: 0,
        atm_year: 0,
        atm_all: 0,
        payment_day: 2000,
        payment_week: 3000,
        payment_month: 0,
        payment_year: 0,
        payment_all: 0,
    };

    /// (API field name, value), shortest period first, ATM then payments.
    pub fn fields(&self) -> [(&'static str, i64); 10] {
        [
            ("limitAtmDay", self.atm_day),
            ("limitAtmWeek", self.atm_week),
            ("limitAtmMonth", self.atm_month),
            ("limitAtmYear", self.atm_year),
            ("limitAtmAll", self.atm_all),
            ("limitPaymentDay", self.payment_day),
            ("limitPaymentWeek", self.payment_week),
            ("limitPaymentMonth", self.payment_month),
            ("limitPaymentYear", self.payment_year),
            ("limitPaymentAll", self.payment_all),
        ]
    }

    pub fn set(&mut self, field: &str, value: i64) -> bool {
        let slot = match field {
            "limitAtmDay" => &mut self.atm_day,
            "limitAtmWeek" => &mut self.atm_week,
            "limitAtmMonth" => &mut self.atm_month,
            "limitAtmYear" => &mut self.atm_year,
            "limitAtmAll" => &mut self.atm_all,
            "limitPaymentDay" => &mut self.payment_day,
            "limitPaymentWeek" => &mut self.payment_week,
            "limitPaymentMonth" => &mut self.payment_month,
            "limitPaymentYear" => &mut self.payment_year,
            "limitPaymentAll" => &mut self.payment_all,
            _ => return false,
        };
        *slot = value;
        true
    }

    /// The label of a limit field, for forms and messages.
    pub fn label(field: &str) -> &'static str {
        match field {
            "limitAtmDay" => "ATM per day",
            "limitAtmWeek" => "ATM per week",
            "limitAtmMonth" => "ATM per month",
            "limitAtmYear" => "ATM per year",
            "limitAtmAll" => "ATM in all",
            "limitPaymentDay" => "Payments per day",
            "limitPaymentWeek" => "Payments per week",
            "limitPaymentMonth" => "Payments per month",
            "limitPaymentYear" => "Payments per year",
            _ => "Payments in all",
        }
    }

    /// Each limit is 0 (none) to `LIMIT_MAX`, and a period's limit is not above a longer
    /// period's (a day's limit over the week's could never be reached).
    pub fn check(&self) -> Result<(), FieldError> {
        let fields = self.fields();
        for (name, value) in fields {
            if !(0..=LIMIT_MAX).contains(&value) {
                return Err(FieldError::new(
                    name,
                    format!("{} must be between 0 (no limit) and {LIMIT_MAX}.", Self::label(name)),
                ));
            }
        }
        for group in [&fields[..5], &fields[5..]] {
            for (i, (short, short_value)) in group.iter().enumerate() {
                for (long, long_value) in &group[i + 1..] {
                    if *short_value > 0 && *long_value > 0 && short_value > long_value {
                        return Err(FieldError::new(
                            short,
                            format!(
                                "{} ({short_value}) is above {} ({long_value}).",
                                Self::label(short),
                                Self::label(long)
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CardStatus::*;

    fn card(status: CardStatus, is_live: bool) -> Card {
        Card { status, is_live, ..Card::example() }
    }

    #[test]
    fn final_statuses_refuse_everything() {
        for status in [Lost, Stolen, Destroyed, Expired] {
            let c = card(status, true);
            for command in [CardCommand::Activate, CardCommand::SetStatus(Unlock), CardCommand::UpdateSettings] {
                assert!(!c.allows(command), "{status:?} refuses {command:?}");
            }
        }
    }

    #[test]
    fn status_changes_follow_the_rules() {
        let active = card(Unlock, true);
        assert!(active.allows(CardCommand::SetStatus(Lock)));
        assert!(active.allows(CardCommand::SetStatus(Stolen)));
        assert!(!active.allows(CardCommand::SetStatus(Unlock)), "already unlocked");
        assert!(!active.allows(CardCommand::Activate), "already live");
        assert!(!active.allows(CardCommand::SetStatus(LockInternal)), "only the bank");
        assert!(card(Lock, false).allows(CardCommand::SetStatus(Unlock)));
        assert!(!card(LockInternal, true).allows(CardCommand::SetStatus(Unlock)));
        assert!(!card(LockInternal, true).allows(CardCommand::SetStatus(Lock)), "no way around the bank's lock");
        assert!(card(LockInternal, true).allows(CardCommand::SetStatus(Stolen)));
        assert!(card(Unlock, false).allows(CardCommand::Activate));
        for code in 0..=5 {
            assert_eq!(CardStatus::from_lock_status(code).and_then(CardStatus::lock_status), Some(code));
        }
        assert_eq!(CardStatus::from_lock_status(6), None);
    }

    #[test]
    fn perms_groups_round_trip() {
        for n in 1..=16 {
            let code = format!("TRZ-CU-{n:03}");
            assert_eq!(CardOptions::from_perms_group(&code).map(CardOptions::perms_group), Some(code));
        }
        assert_eq!(CardOptions::default().perms_group(), "TRZ-CU-016");
        assert_eq!(CardOptions::from_perms_group("TRZ-CU-017"), None);
    }

    #[test]
    fn limits_are_bounded_and_ordered() {
        assert!(CardLimits::NEW_CARD.check().is_ok());
        let mut l = CardLimits::NEW_CARD;
        l.atm_day = -1;
        assert_eq!(l.check().unwrap_err().field, "limitAtmDay");
        let mut l = CardLimits::NEW_CARD;
        l.payment_day = 5000;
        let e = l.check().unwrap_err();
        assert_eq!(e.field, "limitPaymentDay", "{e:?}");
        let mut l = CardLimits::NEW_CARD;
        l.payment_week = 0;
        l.payment_day = 5000;
        assert!(l.check().is_ok(), "0 is no limit, so nothing to compare with");
    }
}

/// A card payment's status as the network reports it (`paymentStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentStatus {
    /// Authorised.
    Accepted,
    /// Declined (the note says why).
    Refused,
    Settled,
    Cleared,
    I,
    M,
    V,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 7] = [
        PaymentStatus::Accepted,
        PaymentStatus::Refused,
        PaymentStatus::Settled,
        PaymentStatus::Cleared,
        PaymentStatus::I,
        PaymentStatus::M,
        PaymentStatus::V,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PaymentStatus::Accepted => "A",
            PaymentStatus::Refused => "R",
            PaymentStatus::Settled => "S",
            PaymentStatus::Cleared => "C",
            PaymentStatus::I => "I",
            PaymentStatus::M => "M",
            PaymentStatus::V => "V",
        }
    }

    pub fn parse(code: &str) -> Option<PaymentStatus> {
        PaymentStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// What people read; the network's other codes show as themselves.
    pub fn label(self) -> &'static str {
        match self {
            PaymentStatus::Accepted => "Accepted",
            PaymentStatus::Refused => "Declined",
            PaymentStatus::Settled => "Settled",
            PaymentStatus::Cleared => "Cleared",
            PaymentStatus::I => "Status I",
            PaymentStatus::M => "Status M",
            PaymentStatus::V => "Status V",
        }
    }
}

/// One card transaction (an authorisation, accepted or declined).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardTransaction {
    pub id: i64,
    pub card_id: i64,
    pub user_id: i64,
    pub wallet_id: Option<i64>,
    pub payment_id: i64,
    pub status: PaymentStatus,
    pub amount: crate::money::Money,
    pub merchant_id: String,
    pub merchant_name: String,
    pub merchant_city: String,
    /// ISO 3166 alpha-3, as the network sends it.
    pub merchant_country: String,
    pub mcc: String,
    pub authorization_note: Option<String>,
    /// RFC 3339 UTC.
    pub date: String,
}

/// What a restriction group lists: countries (ISO 3166-1 numeric, as Treezor stores them;
/// alpha-2 codes are taken and converted) or merchant category codes (4 digits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RestrictionKind {
    Country,
    Mcc,
}

impl RestrictionKind {
    pub fn name(self) -> &'static str {
        match self {
            RestrictionKind::Country => "country",
            RestrictionKind::Mcc => "mcc",
        }
    }

    pub fn parse(s: &str) -> Option<RestrictionKind> {
        [RestrictionKind::Country, RestrictionKind::Mcc].into_iter().find(|k| k.name() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            RestrictionKind::Country => "Country restriction group",
            RestrictionKind::Mcc => "MCC restriction group",
        }
    }

    /// The API field of its list.
    pub fn items_field(self) -> &'static str {
        match self {
            RestrictionKind::Country => "countries",
            RestrictionKind::Mcc => "mcc",
        }
    }
}

/// A restriction group's state (`status`); a canceled one can no longer be applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupStatus {
    Pending,
    Validated,
    Canceled,
}

impl GroupStatus {
    pub const ALL: [GroupStatus; 3] = [GroupStatus::Pending, GroupStatus::Validated, GroupStatus::Canceled];

    pub fn name(self) -> &'static str {
        match self {
            GroupStatus::Pending => "PENDING",
            GroupStatus::Validated => "VALIDATED",
            GroupStatus::Canceled => "CANCELED",
        }
    }

    pub fn parse(s: &str) -> Option<GroupStatus> {
        GroupStatus::ALL.into_iter().find(|g| g.name() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            GroupStatus::Pending => "Pending",
            GroupStatus::Validated => "Active",
            GroupStatus::Canceled => "Canceled",
        }
    }
}

/// A predefined list of countries or MCCs that cards allow (whitelist) or refuse.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestrictionGroup {
    pub id: i64,
    pub kind: RestrictionKind,
    pub name: String,
    pub is_whitelist: bool,
    pub items: Vec<String>,
    pub status: GroupStatus,
    pub start_date: String,
    pub created_date: String,
    pub modified_date: String,
}

impl RestrictionGroup {
    /// The entries as people read them: countries by their alpha-2 code.
    pub fn display_items(&self) -> String {
        let shown: Vec<&str> = match self.kind {
            RestrictionKind::Country => {
                self.items.iter().map(|n| crate::codes::country_alpha_2(n).unwrap_or(n.as_str())).collect()
            }
            RestrictionKind::Mcc => self.items.iter().map(String::as_str).collect(),
        };
        shown.join(", ")
    }
}

/// The longest group name and list.
pub const GROUP_NAME_MAX_LEN: usize = 100;
pub const GROUP_ITEMS_MAX: usize = 300;

/// A group's name and items, cleaned (trimmed, upper-cased countries, sorted, without
/// repeats) or refused with the field and the rule. One place for the browser and the server.
pub fn clean_group(kind: RestrictionKind, name: &str, items: &[String]) -> Result<(String, Vec<String>), FieldError> {
    let name = crate::validation::clean_text("name", Some(name), GROUP_NAME_MAX_LEN)?
        .ok_or_else(|| FieldError::new("name", format!("name is 1 to {GROUP_NAME_MAX_LEN} characters.")))?;
    let field = kind.items_field();
    let mut cleaned = Vec::with_capacity(items.len());
    for item in items {
        let item = item.trim().to_uppercase();
        let canonical = match kind {
            RestrictionKind::Country => crate::codes::country_numeric(&item)
                .or_else(|| crate::codes::country_alpha_2(&item).and_then(crate::codes::country_numeric))
                .map(str::to_string),
            RestrictionKind::Mcc => {
                (item.len() == 4 && item.bytes().all(|b| b.is_ascii_digit())).then_some(item.clone())
            }
        };
        let Some(canonical) = canonical else {
            let rule = match kind {
                RestrictionKind::Country => "an ISO 3166-1 country code (FR or 250...)",
                RestrictionKind::Mcc => "a 4-digit merchant category code (5411...)",
            };
            return Err(FieldError::new(field, format!("{item:?} is not {rule}.")));
        };
        cleaned.push(canonical);
    }
    cleaned.sort();
    cleaned.dedup();
    if cleaned.is_empty() || cleaned.len() > GROUP_ITEMS_MAX {
        return Err(FieldError::new(field, format!("{field} lists 1 to {GROUP_ITEMS_MAX} entries.")));
    }
    Ok((name, cleaned))
}

#[cfg(test)]
mod group_tests {
    use super::*;

    #[test]
    fn groups_are_cleaned_or_refused() {
        let items = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (name, countries) = clean_group(RestrictionKind::Country, " EU ", &items(&["fr", "DE", "250"])).unwrap();
        assert_eq!((name.as_str(), countries), ("EU", items(&["250", "276"])), "numeric, as Treezor stores them");
        assert_eq!(clean_group(RestrictionKind::Country, "x", &items(&["XX"])).unwrap_err().field, "countries");
        assert_eq!(clean_group(RestrictionKind::Mcc, "x", &items(&["541"])).unwrap_err().field, "mcc");
        assert_eq!(clean_group(RestrictionKind::Mcc, "x", &[]).unwrap_err().field, "mcc");
        assert_eq!(clean_group(RestrictionKind::Mcc, " ", &items(&["5411"])).unwrap_err().field, "name");
    }
}

/// Everything "Update card settings" (and `PUT /v1/cards/{id}`) can change on a card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardSettings {
    pub limits: CardLimits,
    pub options: CardOptions,
    pub country_restriction_group_id: Option<i64>,
    pub mcc_restriction_group_id: Option<i64>,
    pub card_tag: Option<String>,
}

impl Card {
    pub fn settings(&self) -> CardSettings {
        CardSettings {
            limits: self.limits,
            options: self.options,
            country_restriction_group_id: self.country_restriction_group_id,
            mcc_restriction_group_id: self.mcc_restriction_group_id,
            card_tag: self.card_tag.clone(),
        }
    }
}
