//! The states of an end user (seed "Users API"): its type, `userStatus`, `kycLevel` and
//! `kycReview`, with the codes the API carries, their API names and the words people read.
//! The server, the API document and the views all name them from here.

use serde::{Deserialize, Serialize};

/// `userTypeId`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserType {
    Physical,
    Business,
    Ngo,
    Governmental,
}

impl UserType {
    pub const ALL: [UserType; 4] = [UserType::Physical, UserType::Business, UserType::Ngo, UserType::Governmental];

    pub const fn code(self) -> i64 {
        match self {
            UserType::Physical => 1,
            UserType::Business => 2,
            UserType::Ngo => 3,
            UserType::Governmental => 4,
        }
    }

    pub fn from_code(code: i64) -> Option<UserType> {
        UserType::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            UserType::Physical => "Physical",
            UserType::Business => "Business",
            UserType::Ngo => "NGO",
            UserType::Governmental => "Governmental",
        }
    }

    /// A natural person; the other types are legal entities with a representative.
    pub fn is_person(self) -> bool {
        self == UserType::Physical
    }
}

/// `userStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserStatus {
    Pending,
    Validated,
    Canceled,
}

impl UserStatus {
    /// In the order people expect them.
    pub const ALL: [UserStatus; 3] = [UserStatus::Pending, UserStatus::Validated, UserStatus::Canceled];

    /// The API's (and the store's) name.
    pub const fn name(self) -> &'static str {
        match self {
            UserStatus::Pending => "PENDING",
            UserStatus::Validated => "VALIDATED",
            UserStatus::Canceled => "CANCELED",
        }
    }

    pub fn parse(name: &str) -> Option<UserStatus> {
        UserStatus::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            UserStatus::Pending => "Pending",
            UserStatus::Validated => "Validated",
            UserStatus::Canceled => "Canceled",
        }
    }
}

/// `kycLevel` (spec: 0 NONE … 6 ENHANCED).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KycLevel {
    None,
    Light,
    Regular,
    Strong,
    Refused,
    Prevalidated,
    Enhanced,
}

impl KycLevel {
    pub const ALL: [KycLevel; 7] = [
        KycLevel::None,
        KycLevel::Light,
        KycLevel::Regular,
        KycLevel::Strong,
        KycLevel::Refused,
        KycLevel::Prevalidated,
        KycLevel::Enhanced,
    ];

    pub const fn code(self) -> i64 {
        match self {
            KycLevel::None => 0,
            KycLevel::Light => 1,
            KycLevel::Regular => 2,
            KycLevel::Strong => 3,
            KycLevel::Refused => 4,
            KycLevel::Prevalidated => 5,
            KycLevel::Enhanced => 6,
        }
    }

    pub fn from_code(code: i64) -> Option<KycLevel> {
        KycLevel::ALL.into_iter().find(|l| l.code() == code)
    }

    pub fn name(self) -> &'static str {
        match self {
            KycLevel::None => "NONE",
            KycLevel::Light => "LIGHT",
            KycLevel::Regular => "REGULAR",
            KycLevel::Strong => "STRONG",
            KycLevel::Refused => "REFUSED",
            KycLevel::Prevalidated => "PREVALIDATED",
            KycLevel::Enhanced => "ENHANCED",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            KycLevel::None => "None",
            KycLevel::Light => "Light",
            KycLevel::Regular => "Regular",
            KycLevel::Strong => "Strong",
            KycLevel::Refused => "Refused",
            KycLevel::Prevalidated => "Pre-validated",
            KycLevel::Enhanced => "Enhanced",
        }
    }
}

/// `kycReview`: where the user's KYC review stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KycReview {
    None,
    Pending,
    Validated,
    Refused,
}

impl KycReview {
    pub const ALL: [KycReview; 4] = [KycReview::None, KycReview::Pending, KycReview::Validated, KycReview::Refused];

    /// The integer the API carries.
    pub const fn code(self) -> i64 {
        match self {
            KycReview::None => 0,
            KycReview::Pending => 1,
            KycReview::Validated => 2,
            KycReview::Refused => 3,
        }
    }

    pub fn from_code(code: i64) -> Option<KycReview> {
        KycReview::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The name Treezor's documentation uses (and the review history).
    pub fn name(self) -> &'static str {
        match self {
            KycReview::None => "NONE",
            KycReview::Pending => "PENDING",
            KycReview::Validated => "VALIDATED",
            KycReview::Refused => "REFUSED",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            KycReview::None => "None",
            KycReview::Pending => "Pending",
            KycReview::Validated => "Validated",
            KycReview::Refused => "Refused",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_round_trip() {
        for review in KycReview::ALL {
            assert_eq!(KycReview::from_code(review.code()), Some(review));
        }
        for level in KycLevel::ALL {
            assert_eq!(KycLevel::from_code(level.code()), Some(level));
        }
        for t in UserType::ALL {
            assert_eq!(UserType::from_code(t.code()), Some(t));
        }
        for s in UserStatus::ALL {
            assert_eq!(UserStatus::parse(s.name()), Some(s));
        }
        assert_eq!(KycReview::from_code(9), None);
        assert_eq!(UserType::from_code(5), None);
        assert_eq!(UserStatus::parse("canceled"), None);
        assert_eq!(UserStatus::Canceled.label(), "Canceled");
        assert!(UserType::Physical.is_person() && !UserType::Ngo.is_person());
    }
}
