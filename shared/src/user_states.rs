//! The states of an end user: `userStatus` and `kycReview` (seed "Users API"), their codes,
//! API names and the words people read. The server, the API document and the views all name
//! them from here.

/// `userStatus` values, in the order people expect them.
pub const USER_STATUSES: [&str; 3] = ["PENDING", "VALIDATED", "CANCELED"];
pub const STATUS_PENDING: &str = USER_STATUSES[0];
pub const STATUS_CANCELED: &str = USER_STATUSES[2];

/// `userStatus` for people.
pub fn user_status_label(status: &str) -> &'static str {
    match status {
        "PENDING" => "Pending",
        "VALIDATED" => "Validated",
        "CANCELED" => "Canceled",
        _ => "Unknown",
    }
}

/// `kycReview`: where the user's KYC review stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// The name of a `kycReview` code, "UNKNOWN" for a code outside the list.
pub fn kyc_review_name(code: i64) -> &'static str {
    KycReview::from_code(code).map_or("UNKNOWN", KycReview::name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_named_so() {
        for review in KycReview::ALL {
            assert_eq!(KycReview::from_code(review.code()), Some(review));
        }
        assert_eq!(KycReview::from_code(9), None);
        assert_eq!(kyc_review_name(1), "PENDING");
        assert_eq!(kyc_review_name(9), "UNKNOWN");
        assert_eq!(user_status_label(STATUS_CANCELED), "Canceled");
    }
}
