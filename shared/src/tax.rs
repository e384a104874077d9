//! Tax residences (seed: "Manage user tax residence"): the rules the popup and the server
//! both apply.

use crate::codes;
use crate::validation::FieldError;

pub const TAX_PAYER_ID_MAX: usize = 50;

/// A country as typed, cleaned the one way every door cleans it: " us " is "US".
pub fn normalize_country(country: &str) -> String {
    country.trim().to_ascii_uppercase()
}

/// The first country that appears twice in a user's live residences (one per country).
pub fn repeated_country<'a>(countries: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = Vec::new();
    countries.into_iter().find(|c| {
        let repeated = seen.contains(c);
        seen.push(*c);
        repeated
    })
}

/// Checks one tax residence. The TIN is mandatory for the US, and for every country when
/// the user's distribution country is Italy; `liabilityWaiver` is true exactly when there is
/// no TIN.
pub fn check_tax_residence(
    country: &str,
    tax_payer_id: &str,
    liability_waiver: bool,
    distribution_country: Option<&str>,
) -> Result<(), FieldError> {
    if !codes::is_country(country) {
        return Err(FieldError::new("country", "country must be an ISO 3166-1 alpha-2 country code (e.g. FR)."));
    }
    let tin = tax_payer_id.trim();
    if tin.chars().count() > TAX_PAYER_ID_MAX || tin.chars().any(char::is_control) {
        return Err(FieldError::new(
            "taxPayerId",
            format!("taxPayerId must be at most {TAX_PAYER_ID_MAX} characters."),
        ));
    }
    if tin.is_empty() && country == "US" {
        return Err(FieldError::new("taxPayerId", "taxPayerId is mandatory for a US tax residence."));
    }
    if tin.is_empty() && distribution_country == Some("IT") {
        return Err(FieldError::new("taxPayerId", "taxPayerId is mandatory when the distribution country is IT."));
    }
    if liability_waiver != tin.is_empty() {
        return Err(FieldError::new(
            "liabilityWaiver",
            "liabilityWaiver must be true when there is no taxPayerId, and false when there is one.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(r: Result<(), FieldError>) -> Option<String> {
        r.err().map(|e| e.field)
    }

    #[test]
    fn tin_and_waiver_rules() {
        assert_eq!(field(check_tax_residence("FR", "", true, None)), None);
        assert_eq!(field(check_tax_residence("FR", "1234567890123", false, None)), None);
        assert_eq!(field(check_tax_residence("US", "", true, None)).as_deref(), Some("taxPayerId"));
        assert_eq!(field(check_tax_residence("US", "123-45-6789", false, None)), None);
        assert_eq!(field(check_tax_residence("FR", "", true, Some("IT"))).as_deref(), Some("taxPayerId"));
        assert_eq!(field(check_tax_residence("FR", "X1", true, None)).as_deref(), Some("liabilityWaiver"));
        assert_eq!(field(check_tax_residence("FR", "", false, None)).as_deref(), Some("liabilityWaiver"));
        assert_eq!(field(check_tax_residence("France", "", true, None)).as_deref(), Some("country"));
        assert_eq!(normalize_country(" us "), "US");
        assert_eq!(repeated_country(["FR", "US", "FR"]), Some("FR"));
        assert_eq!(repeated_country(["FR", "US"]), None);
    }
}
