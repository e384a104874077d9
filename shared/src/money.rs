//! Money: integer minor units of an ISO 4217 currency, never floats. The currency's exponent
//! (EUR 2, JPY 0, KWD 3) comes from the generated code list; amounts in major units exist
//! only at the API's edge (`solde`, `amount`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codes;

/// An ISO 4217 currency code known to the code list.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    /// Accepts a known ISO 4217 code, after trimming and upper-casing it.
    pub fn parse(code: &str) -> Option<Currency> {
        let code = code.trim().to_ascii_uppercase();
        codes::is_currency(&code).then_some(Currency(code))
    }

    pub fn code(&self) -> &str {
        &self.0
    }

    /// Digits after the decimal point.
    pub fn exponent(&self) -> u32 {
        // Every parsed code is in the list, so the fallback is never taken.
        u32::from(codes::currency_exponent(&self.0).unwrap_or(2))
    }
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(code: String) -> Result<Self, String> {
        Currency::parse(&code).ok_or_else(|| format!("{code} is not an ISO 4217 currency code"))
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An amount: `minor` units of `currency` (1 EUR = 100 minor units, 1 JPY = 1).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }

    /// The amount in major units as the API's decimal number (`solde` 15.0 for 1500 EUR
    /// cents, 1500 for 1500 JPY, 1.5 for 1500 KWD fils). Only for the API's edge.
    pub fn major(&self) -> f64 {
        self.minor as f64 / 10f64.powi(self.currency.exponent() as i32)
    }

    /// The amount in major units as exact decimal text, without grouping or currency
    /// (`1234.56`, `1500`, `1.500`): the API's string amounts.
    pub fn decimal(&self) -> String {
        let exponent = self.currency.exponent();
        let scale = 10u64.pow(exponent);
        let abs = self.minor.unsigned_abs();
        let sign = if self.minor < 0 { "-" } else { "" };
        match exponent {
            0 => format!("{sign}{abs}"),
            _ => format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = exponent as usize),
        }
    }

    /// Parses major units (`12.5`, `1500`) into this currency's minor units; more decimals
    /// than the currency has are refused.
    pub fn parse_decimal(text: &str, currency: Currency) -> Option<Money> {
        let text = text.trim();
        let (units, fraction) = text.split_once('.').unwrap_or((text, ""));
        // Zeros past the last digit change nothing: `1.0` JPY is 1 JPY, `12.500` EUR 12.50.
        let fraction = fraction.trim_end_matches('0');
        let exponent = currency.exponent() as usize;
        if units.is_empty() || !units.bytes().all(|b| b.is_ascii_digit()) || fraction.len() > exponent {
            return None;
        }
        if !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let padded = format!("{fraction:0<exponent$}");
        let minor = units.parse::<i64>().ok()?.checked_mul(10i64.checked_pow(exponent as u32)?)?;
        let minor = minor.checked_add(if padded.is_empty() { 0 } else { padded.parse::<i64>().ok()? })?;
        Some(Money::new(minor, currency))
    }

    /// The amount written for people: `1,234.56 EUR`, `1,500 JPY`, `1.500 KWD`.
    pub fn display(&self) -> String {
        let exponent = self.currency.exponent();
        let scale = 10u64.pow(exponent);
        let abs = self.minor.unsigned_abs();
        let units = (abs / scale).to_string();
        let mut text = String::with_capacity(units.len() + 8);
        if self.minor < 0 {
            text.push('-');
        }
        for (i, c) in units.chars().enumerate() {
            if i > 0 && (units.len() - i).is_multiple_of(3) {
                text.push(',');
            }
            text.push(c);
        }
        if exponent > 0 {
            text.push_str(&format!(".{:0width$}", abs % scale, width = exponent as usize));
        }
        text.push(' ');
        text.push_str(self.currency.code());
        text
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact_both_ways() {
        let eur = Currency::parse("EUR").unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(Money::new(123456, eur.clone()).decimal(), "1234.56");
        assert_eq!(Money::new(-5, eur.clone()).decimal(), "-0.05");
        assert_eq!(Money::new(1500, jpy.clone()).decimal(), "1500");
        assert_eq!(Money::new(1500, kwd.clone()).decimal(), "1.500");
        assert_eq!(Money::parse_decimal("12.5", eur.clone()).map(|m| m.minor), Some(1250));
        assert_eq!(Money::parse_decimal("12", eur.clone()).map(|m| m.minor), Some(1200));
        assert_eq!(Money::parse_decimal("12.345", eur.clone()), None, "EUR has two decimals");
        assert_eq!(Money::parse_decimal("1.5", jpy.clone()), None, "JPY has none");
        assert_eq!(Money::parse_decimal("1.0", jpy).map(|m| m.minor), Some(1), "a JSON float of whole yen");
        assert_eq!(Money::parse_decimal("12.500", eur.clone()).map(|m| m.minor), Some(1250));
        assert_eq!(Money::parse_decimal("0.001", kwd).map(|m| m.minor), Some(1));
        for bad in ["", "-1", "1,5", "1e3", ".5", "99999999999999999999"] {
            assert_eq!(Money::parse_decimal(bad, eur.clone()), None, "{bad:?}");
        }
    }

    fn money(minor: i64, code: &str) -> Money {
        Money::new(minor, Currency::parse(code).unwrap())
    }

    #[test]
    fn each_currency_uses_its_own_exponent() {
        assert_eq!(money(1500, "JPY").major(), 1500.0);
        assert_eq!(money(1500, "KWD").major(), 1.5);
        assert_eq!(money(1500, "EUR").major(), 15.0);
        assert_eq!(money(1500, "JPY").to_string(), "1,500 JPY");
        assert_eq!(money(1500, "KWD").to_string(), "1.500 KWD");
        assert_eq!(money(123456789, "EUR").to_string(), "1,234,567.89 EUR");
        assert_eq!(money(5, "EUR").to_string(), "0.05 EUR");
        assert_eq!(money(-100000, "USD").to_string(), "-1,000.00 USD");
    }

    #[test]
    fn currencies_are_checked_codes() {
        assert_eq!(Currency::parse(" eur ").unwrap().code(), "EUR");
        assert!(Currency::parse("EURO").is_none());
        assert!(serde_json::from_str::<Currency>("\"XYZ\"").is_err());
        assert_eq!(serde_json::from_str::<Currency>("\"JPY\"").unwrap().exponent(), 0);
    }
}
