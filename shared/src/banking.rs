//! The money side's rules that the browser checks as the server does: IBAN (ISO 13616,
//! mod-97) and BIC formats, this bank's wallet IBANs, wallet types, the statuses of
//! transfers and payouts, and the refusals a movement of money can meet.

use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::validation::FieldError;

/// IBAN lengths by country (ISO 13616 registry, SEPA countries and a few others).
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AT", 20),
    ("BE", 16),
    ("BG", 22),
    ("CH", 21),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FR", 27),
    ("GB", 22),
    ("GI", 23),
    ("GR", 27),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MT", 31),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("VA", 22),
];

/// The remainder mod 97 of an IBAN read as ISO 13616 says: the first four characters moved
/// to the end, each letter written as two digits (A = 10 ... Z = 35).
fn iban_remainder(compact: &str) -> Option<u32> {
    let rearranged = compact[4..].bytes().chain(compact[..4].bytes());
    let mut remainder: u32 = 0;
    for b in rearranged {
        let value = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return None,
        };
        remainder = if value >= 10 { (remainder * 100 + value) % 97 } else { (remainder * 10 + value) % 97 };
    }
    Some(remainder)
}

/// An IBAN whose length (for its country) and check digits are right, kept without spaces
/// and upper-cased.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Iban(String);

impl Iban {
    pub fn parse(raw: &str) -> Result<Iban, FieldError> {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        let refuse = |why: &str| Err(FieldError::new("iban", why));
        if compact.is_empty() {
            return refuse("The IBAN is required.");
        }
        if compact.len() < 5 || !compact.is_ascii() {
            return refuse("This IBAN is too short.");
        }
        let Some(&(_, length)) = IBAN_LENGTHS.iter().find(|(country, _)| compact.starts_with(country)) else {
            return refuse("This IBAN does not start with a known country code.");
        };
        if compact.len() != length {
            return Err(FieldError::new(
                "iban",
                format!("An IBAN of {} has {length} characters; this one has {}.", &compact[..2], compact.len()),
            ));
        }
        match iban_remainder(&compact) {
            Some(1) => Ok(Iban(compact)),
            Some(_) => refuse("This IBAN's check digits are wrong: check it for a typing error."),
            None => refuse("An IBAN has only letters and digits."),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// In groups of four, as people read it.
    pub fn grouped(&self) -> String {
        grouped(&self.0)
    }

    /// This bank's IBAN of a wallet: French format (bank code 16798, branch 00001, the
    /// wallet id as account number), with its RIB key and its ISO 13616 check digits.
    pub fn of_wallet(wallet_id: i64) -> Iban {
        let bank = "16798";
        let branch = "00001";
        let account = format!("{:011}", wallet_id.rem_euclid(100_000_000_000));
        // RIB key: 97 - (89 × bank + 15 × branch + 3 × account) mod 97.
        let number = |s: &str| s.parse::<u64>().unwrap_or(0);
        let sum = (89 * (number(bank) % 97) + 15 * (number(branch) % 97) + 3 * (number(&account) % 97)) % 97;
        let bban = format!("{bank}{branch}{account}{:02}", 97 - sum);
        let remainder = iban_remainder(&format!("FR00{bban}")).unwrap_or(0);
        Iban(format!("FR{:02}{bban}", 98 - remainder))
    }
}

/// Text in groups of four characters.
pub fn grouped(compact: &str) -> String {
    compact.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// A BIC (ISO 9362): 4 letters (bank), 2 letters (country), 2 letters or digits (place),
/// and optionally 3 letters or digits (branch).
pub fn check_bic(raw: &str) -> Result<String, FieldError> {
    let bic = raw.trim().to_ascii_uppercase();
    let b = bic.as_bytes();
    let well_formed = (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && b[6..].iter().all(u8::is_ascii_alphanumeric);
    if well_formed {
        Ok(bic)
    } else {
        Err(FieldError::new(
            "bic",
            "A BIC has 8 or 11 characters: 6 letters, then letters or digits (e.g. BNPAFRPPXXX).",
        ))
    }
}

/// The BICs this bank gives its wallets (the spec's list).
pub const WALLET_BICS: [&str; 4] = ["TRZOFR21XXX", "TRZODEB2XXX", "TRZOITM2XXX", "TRZOESM2XXX"];

/// `walletTypeId` values a wallet may be created with.
pub const WALLET_TYPES: [(i64, &str); 2] = [(9, "Electronic Money Wallet"), (10, "Payment Account Wallet")];

pub fn wallet_type_label(id: i64) -> &'static str {
    match id {
        9 => "Electronic Money Wallet",
        10 => "Payment Account Wallet",
        15 => "Mirror Wallet",
        _ => "Other",
    }
}

/// The longest wallet name (`eventName`), tag and description.
pub const WALLET_NAME_MAX: usize = 140;
pub const TAG_MAX: usize = 250;
pub const LABEL_MAX: usize = 140;
pub const BENEFICIARY_NAME_MAX: usize = 70;

/// `transferStatus` and `payoutStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MovementStatus {
    Pending,
    Validated,
    Canceled,
}

impl MovementStatus {
    pub const ALL: [MovementStatus; 3] = [MovementStatus::Pending, MovementStatus::Validated, MovementStatus::Canceled];

    pub fn name(self) -> &'static str {
        match self {
            MovementStatus::Pending => "PENDING",
            MovementStatus::Validated => "VALIDATED",
            MovementStatus::Canceled => "CANCELED",
        }
    }

    pub fn parse(name: &str) -> Option<MovementStatus> {
        MovementStatus::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            MovementStatus::Pending => "Pending",
            MovementStatus::Validated => "Done",
            MovementStatus::Canceled => "Canceled",
        }
    }
}

/// Where a payout stands with the four-eyes rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Approval {
    /// Under the threshold (or the rule is off).
    NotNeeded,
    /// Waits for a second operator.
    Required,
    Approved,
}

impl Approval {
    pub fn name(self) -> &'static str {
        match self {
            Approval::NotNeeded => "NONE",
            Approval::Required => "REQUIRED",
            Approval::Approved => "APPROVED",
        }
    }

    pub fn parse(name: &str) -> Option<Approval> {
        [Approval::NotNeeded, Approval::Required, Approval::Approved].into_iter().find(|a| a.name() == name)
    }
}

/// Why money cannot move. The messages are what operators and API clients read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoneyRefusal {
    InsufficientBalance,
    CurrencyMismatch,
    InactiveWallet,
    InactiveBeneficiaryWallet,
    SameWallet,
    AmountNotPositive,
    ForeignWallet,
    InactiveBeneficiary,
    NotPending,
    AccessTagReused,
    BalanceNotZero,
    AlreadyDeactivated,
    RequesterCannotApprove,
    ApprovalNotRequired,
    OwnerFrozen,
}

impl MoneyRefusal {
    pub fn message(self) -> &'static str {
        match self {
            MoneyRefusal::InsufficientBalance => "Insufficient balance: the wallet does not hold this amount.",
            MoneyRefusal::CurrencyMismatch => "Currency mismatch: the amount's currency is not the wallet's.",
            MoneyRefusal::InactiveWallet => "This wallet is not active: money cannot leave it.",
            MoneyRefusal::InactiveBeneficiaryWallet => "The receiving wallet is not active: money cannot enter it.",
            MoneyRefusal::SameWallet => "A transfer needs two different wallets.",
            MoneyRefusal::AmountNotPositive => "The amount must be more than 0.",
            MoneyRefusal::ForeignWallet => "This beneficiary belongs to another user than the wallet.",
            MoneyRefusal::InactiveBeneficiary => "This beneficiary is not active.",
            MoneyRefusal::NotPending => "Only a pending payout can be canceled or approved; this one is not pending.",
            MoneyRefusal::AccessTagReused => "This accessTag was already used for a different request.",
            MoneyRefusal::BalanceNotZero => {
                "This wallet cannot be deactivated: its balance is not 0, or a payout from it is pending."
            }
            MoneyRefusal::AlreadyDeactivated => "This wallet is deactivated: it can no longer be changed.",
            MoneyRefusal::RequesterCannotApprove => "Another operator must approve this payout: you requested it.",
            MoneyRefusal::ApprovalNotRequired => "This payout does not wait for an approval.",
            MoneyRefusal::OwnerFrozen => "This wallet's owner is frozen: money cannot leave their wallets.",
        }
    }
}

/// The checks a transfer meets before any database work, for the form and the server.
pub fn transfer_refusal(
    from: &Money,
    from_active: bool,
    to_currency: &str,
    to_active: bool,
    amount: &Money,
) -> Option<MoneyRefusal> {
    if amount.minor <= 0 {
        Some(MoneyRefusal::AmountNotPositive)
    } else if amount.currency != from.currency || to_currency != from.currency.code() {
        Some(MoneyRefusal::CurrencyMismatch)
    } else if !from_active {
        Some(MoneyRefusal::InactiveWallet)
    } else if !to_active {
        Some(MoneyRefusal::InactiveBeneficiaryWallet)
    } else if amount.minor > from.minor {
        Some(MoneyRefusal::InsufficientBalance)
    } else {
        None
    }
}

/// A wallet-to-wallet transfer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transfer {
    pub id: i64,
    pub status: MovementStatus,
    pub wallet_id: i64,
    pub beneficiary_wallet_id: i64,
    pub amount: Money,
    pub label: String,
    pub tag: String,
    pub transfer_type_id: i64,
    pub created_date: String,
    pub modified_date: String,
}

/// A payout from a wallet to a beneficiary's bank account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Payout {
    pub id: i64,
    pub status: MovementStatus,
    pub approval: Approval,
    pub wallet_id: i64,
    pub user_id: i64,
    pub beneficiary_id: i64,
    /// The beneficiary's IBAN when the payout was made.
    pub iban: String,
    pub amount: Money,
    pub label: String,
    pub tag: String,
    pub end_to_end_id: String,
    /// The operator who asked for it, if an operator did (four-eyes: not its approver).
    pub requested_by_operator: Option<i64>,
    pub created_date: String,
    pub modified_date: String,
}

impl Payout {
    /// Waits for a second operator.
    pub fn awaits_approval(&self) -> bool {
        self.status == MovementStatus::Pending && self.approval == Approval::Required
    }
}

/// `direction` of an operation, seen from the wallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    Credit,
    Debit,
}

impl Direction {
    pub fn name(self) -> &'static str {
        match self {
            Direction::Credit => "CREDIT",
            Direction::Debit => "DEBIT",
        }
    }

    pub fn parse(name: &str) -> Option<Direction> {
        match name {
            "CREDIT" => Some(Direction::Credit),
            "DEBIT" => Some(Direction::Debit),
            _ => None,
        }
    }
}

/// One ledger entry of a wallet, as the operations list, the CSV and the statement show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// The entry's id (the list's cursor).
    pub entry_id: i64,
    pub wallet_id: i64,
    pub direction: Direction,
    pub amount: Money,
    /// The wallet's balance after this entry.
    pub balance_after: Money,
    /// The spec's `operationType` (walletTransfer, bankTransfer, ...).
    pub operation_type: String,
    /// The spec's `initialFlow` (transfer, payout, payin, payoutRefund).
    pub flow: String,
    /// The transfer, payout or pay-in.
    pub object_id: i64,
    pub label: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// AUTHORIZED while the payout behind it is pending, else SETTLED.
    pub status: String,
}

impl Operation {
    /// The amount with its sign: + credit, − debit.
    pub fn signed_minor(&self) -> i64 {
        match self.direction {
            Direction::Credit => self.amount.minor,
            Direction::Debit => -self.amount.minor,
        }
    }
}

/// A PDF or CSV made from a wallet's ledger, reached through a signed link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportKind {
    /// A month's statement (PDF).
    Statement { year: i32, month: u32 },
    /// Holder, IBAN and BIC (PDF).
    AccountDetails,
    /// The operations of the days `from` to `to` included (CSV), as YYYY-MM-DD.
    Operations { from: String, to: String },
}

impl ReportKind {
    /// The link's path segment, signed with it.
    pub fn key(&self) -> String {
        match self {
            ReportKind::Statement { year, month } => format!("statement-{year:04}-{month:02}"),
            ReportKind::AccountDetails => "account-details".into(),
            ReportKind::Operations { from, to } => format!("operations-{from}-{to}"),
        }
    }

    pub fn parse(key: &str) -> Option<ReportKind> {
        if key == "account-details" {
            return Some(ReportKind::AccountDetails);
        }
        if let Some(days) = key.strip_prefix("operations-") {
            // YYYY-MM-DD-YYYY-MM-DD
            if days.len() != 21 || days.as_bytes()[10] != b'-' {
                return None;
            }
            return Some(ReportKind::Operations { from: days[..10].to_string(), to: days[11..].to_string() });
        }
        let period = key.strip_prefix("statement-")?;
        let (year, month) = period.split_once('-')?;
        Some(ReportKind::Statement { year: year.parse().ok()?, month: month.parse().ok()? })
    }
}

/// "View Wallet Details": the wallet, its holder, its last operations and its payouts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WalletDetails {
    pub wallet: crate::domain::Wallet,
    pub holder: String,
    pub operations: Vec<Operation>,
    pub payouts: Vec<Payout>,
}

/// Another wallet, as a transfer's confirmation shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WalletSummary {
    pub wallet: crate::domain::Wallet,
    pub holder: String,
}

/// The wallet form (Add Wallet, Edit Wallet).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletForm {
    pub name: String,
    pub currency: String,
    pub wallet_type_id: i64,
    pub tag: String,
    pub description: String,
}

/// The beneficiary form (Create / Edit Beneficiary); IBAN and BIC are set at creation only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeneficiaryForm {
    pub name: String,
    pub nick_name: String,
    pub address: String,
    pub iban: String,
    pub bic: String,
    pub is_active: bool,
}

/// The checks a payout meets, for the form and the server: the wallet's currency, an active
/// wallet, a beneficiary of the wallet's own user that is active, and no overdraft.
pub fn payout_refusal(
    wallet: &crate::domain::Wallet,
    beneficiary_user_id: i64,
    beneficiary_active: bool,
    amount: &Money,
) -> Option<MoneyRefusal> {
    if amount.minor <= 0 {
        Some(MoneyRefusal::AmountNotPositive)
    } else if amount.currency != wallet.balance.currency {
        Some(MoneyRefusal::CurrencyMismatch)
    } else if !wallet.is_active() {
        Some(MoneyRefusal::InactiveWallet)
    } else if beneficiary_user_id != wallet.user_id {
        Some(MoneyRefusal::ForeignWallet)
    } else if !beneficiary_active {
        Some(MoneyRefusal::InactiveBeneficiary)
    } else if amount.minor > wallet.balance.minor {
        Some(MoneyRefusal::InsufficientBalance)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iban_check_digits_are_checked() {
        for good in ["FR14 2004 1010 0505 0001 3M02 606", "DE89370400440532013000", "gb82 west 1234 5698 7654 32"] {
            assert!(Iban::parse(good).is_ok(), "{good}");
        }
        assert_eq!(Iban::parse("de89 3704 0044 0532 0130 00").unwrap().as_str(), "DE89370400440532013000");
        for (bad, why) in [
            ("DE88370400440532013000", "check digits"),
            ("DE8937040044053201300", "22 characters"),
            ("XX89370400440532013000", "country code"),
            ("", "required"),
            ("DE89-3704-0044-0532-0130-00", "characters"),
        ] {
            let e = Iban::parse(bad).unwrap_err();
            assert!(e.message.contains(why), "{bad}: {}", e.message);
        }
    }

    #[test]
    fn wallet_ibans_are_valid() {
        for id in [1, 42, 999_999, 12_345_678_901] {
            let iban = Iban::of_wallet(id);
            assert_eq!(Iban::parse(iban.as_str()).as_ref(), Ok(&iban), "{iban:?}");
            assert_eq!(iban.as_str().len(), 27);
        }
        assert_ne!(Iban::of_wallet(1), Iban::of_wallet(2));
    }

    #[test]
    fn report_keys_round_trip() {
        for kind in [
            ReportKind::Statement { year: 2026, month: 3 },
            ReportKind::AccountDetails,
            ReportKind::Operations { from: "2026-01-01".into(), to: "2026-02-28".into() },
        ] {
            assert_eq!(ReportKind::parse(&kind.key()), Some(kind));
        }
        assert_eq!(ReportKind::parse("operations-2026-01-01"), None);
        assert_eq!(ReportKind::parse("statement-x"), None);
    }

    #[test]
    fn bic_format() {
        assert_eq!(check_bic(" bnpafrpp ").unwrap(), "BNPAFRPP");
        assert!(check_bic("TRZOFR21XXX").is_ok());
        for bad in ["BNPAFRP", "BNP1FRPPXXX", "BNPAFRPPXX", "BNPAFRPP XXX"] {
            assert!(check_bic(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn payout_rules_in_order() {
        let eur = crate::money::Currency::parse("EUR").unwrap();
        let money = |m| Money::new(m, eur.clone());
        let mut wallet = crate::domain::Wallet {
            id: 1,
            user_id: 7,
            wallet_type_id: 9,
            status: crate::domain::WalletStatus::Validated,
            balance: money(100),
            held: money(0),
            name: String::new(),
            tag: String::new(),
            description: String::new(),
            event_alias: String::new(),
            tariff_id: 1,
            bic: WALLET_BICS[0].into(),
            iban: Iban::of_wallet(1).as_str().into(),
            created_date: String::new(),
            modified_date: String::new(),
        };
        assert_eq!(payout_refusal(&wallet, 7, true, &money(100)), None);
        assert_eq!(payout_refusal(&wallet, 7, true, &money(101)), Some(MoneyRefusal::InsufficientBalance));
        assert_eq!(payout_refusal(&wallet, 8, true, &money(1)), Some(MoneyRefusal::ForeignWallet));
        assert_eq!(payout_refusal(&wallet, 7, false, &money(1)), Some(MoneyRefusal::InactiveBeneficiary));
        assert_eq!(payout_refusal(&wallet, 7, true, &money(0)), Some(MoneyRefusal::AmountNotPositive));
        let yen = Money::new(1, crate::money::Currency::parse("JPY").unwrap());
        assert_eq!(payout_refusal(&wallet, 7, true, &yen), Some(MoneyRefusal::CurrencyMismatch));
        wallet.status = crate::domain::WalletStatus::Canceled;
        assert_eq!(payout_refusal(&wallet, 7, true, &money(1)), Some(MoneyRefusal::InactiveWallet));
    }

    #[test]
    fn transfer_rules_in_order() {
        let eur = |m| Money::new(m, crate::money::Currency::parse("EUR").unwrap());
        let jpy = Money::new(5, crate::money::Currency::parse("JPY").unwrap());
        assert_eq!(transfer_refusal(&eur(100), true, "EUR", true, &eur(100)), None);
        assert_eq!(transfer_refusal(&eur(100), true, "EUR", true, &eur(101)), Some(MoneyRefusal::InsufficientBalance));
        assert_eq!(transfer_refusal(&eur(100), true, "EUR", true, &eur(0)), Some(MoneyRefusal::AmountNotPositive));
        assert_eq!(transfer_refusal(&eur(100), true, "EUR", true, &jpy), Some(MoneyRefusal::CurrencyMismatch));
        assert_eq!(transfer_refusal(&eur(100), true, "JPY", true, &eur(1)), Some(MoneyRefusal::CurrencyMismatch));
        assert_eq!(transfer_refusal(&eur(100), false, "EUR", true, &eur(1)), Some(MoneyRefusal::InactiveWallet));
        assert_eq!(
            transfer_refusal(&eur(100), true, "EUR", false, &eur(1)),
            Some(MoneyRefusal::InactiveBeneficiaryWallet)
        );
    }
}
