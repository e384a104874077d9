//! The end user's fields (seed "Users API", spec `postUsers_request` / `putUser_request`):
//! one table that says what each field is, which the server uses to validate and store a
//! user and the browser uses to build and check the edit form. A rule about a field lives
//! here and nowhere else.

use serde_json::{Map, Value};

use crate::codes;
use crate::domain::EndUser;
use crate::user_states::UserType;
use crate::validation::{FieldError, is_valid_email};

/// What a field holds, and so how it is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Free text up to this many characters.
    Text(usize),
    /// An email address (≤ 200 characters).
    Email,
    /// ISO 3166-1 alpha-2.
    Country,
    /// ISO 639-1.
    Language,
    /// A tz database name, e.g. `Europe/Paris`.
    Timezone,
    /// `YYYY-MM-DD`, a real calendar date.
    Date,
    /// E.164: `+` then 8 to 15 digits.
    Phone,
    /// One of these strings.
    Choice(&'static [&'static str]),
    /// One of these integers.
    IntChoice(&'static [i64]),
    /// A non-negative integer.
    Count,
    /// The user tag: ≤ 250 characters of letters, digits, spaces and `/ ! - _ . * ' ( )`.
    Tag,
}

/// When a field may be set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settable {
    /// At creation and on update.
    Always,
    /// Only at creation (e.g. `parentType`, which is immutable).
    AtCreation,
}

/// Where a field stands in the forms and the profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// Chosen on their own: the user type and the parent.
    Type,
    Identity,
    LegalEntity,
    Contact,
    Address,
    SecondaryAddress,
    Other,
}

#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// The API's (camelCase) name, also the column's name in snake_case via `column()`.
    pub name: &'static str,
    /// The label forms and the profile show.
    pub label: &'static str,
    pub group: Group,
    pub kind: Kind,
    pub settable: Settable,
    /// Changing it on a user whose KYC is validated does not send the user back to review.
    pub kyc_neutral: bool,
}

const fn f(name: &'static str, label: &'static str, group: Group, kind: Kind) -> Field {
    Field { name, label, group, kind, settable: Settable::Always, kyc_neutral: false }
}
const fn creation(name: &'static str, label: &'static str, group: Group, kind: Kind) -> Field {
    Field { name, label, group, kind, settable: Settable::AtCreation, kyc_neutral: false }
}
const fn neutral(name: &'static str, label: &'static str, group: Group, kind: Kind) -> Field {
    Field { name, label, group, kind, settable: Settable::Always, kyc_neutral: true }
}

pub const ADDRESS_MAX: usize = 150;
pub const TEXT_MAX: usize = 255;
const BOOL: Kind = Kind::IntChoice(&[0, 1]);

pub const DISTRIBUTION_COUNTRIES: &[&str] = &["FR", "ES", "IT", "DE", "BE", "NL"];
pub const PARENT_TYPES: &[&str] = &["shareholder", "employee", "leader"];

/// Every field a client may set on an end user, in the spec's order.
pub const FIELDS: &[Field] = &[
    creation("userTypeId", "User type", Group::Type, Kind::IntChoice(&[1, 2, 3, 4])),
    f("userTag", "User tag", Group::Other, Kind::Tag),
    creation("parentUserId", "Parent user id", Group::Type, Kind::Count),
    creation("parentType", "Parent type", Group::Type, Kind::Choice(PARENT_TYPES)),
    f("specifiedUSPerson", "US person", Group::Other, BOOL),
    f("controllingPersonType", "Controlling person type", Group::Other, Kind::IntChoice(&[0, 1, 2, 3])),
    f("employeeType", "Employee type", Group::Other, Kind::IntChoice(&[0, 1, 2])),
    f("entityType", "Entity type", Group::LegalEntity, Kind::IntChoice(&[1, 2, 3, 4, 5])),
    f("title", "Title", Group::Identity, Kind::Choice(&["M", "MME", "MLLE"])),
    f("firstname", "First name", Group::Identity, Kind::Text(TEXT_MAX)),
    f("lastname", "Last name", Group::Identity, Kind::Text(TEXT_MAX)),
    f("middleNames", "Middle names", Group::Identity, Kind::Text(TEXT_MAX)),
    f("birthday", "Birthday", Group::Identity, Kind::Date),
    f("email", "Email", Group::Contact, Kind::Email),
    f("address1", "Address line 1", Group::Address, Kind::Text(ADDRESS_MAX)),
    f("address2", "Address line 2", Group::Address, Kind::Text(ADDRESS_MAX)),
    neutral("address3", "Address line 3", Group::Address, Kind::Text(ADDRESS_MAX)),
    f("postcode", "Postcode", Group::Address, Kind::Text(20)),
    f("city", "City", Group::Address, Kind::Text(TEXT_MAX)),
    f("state", "State", Group::Address, Kind::Text(TEXT_MAX)),
    f("country", "Country", Group::Address, Kind::Country),
    f("distributionCountry", "Distribution country", Group::Address, Kind::Choice(DISTRIBUTION_COUNTRIES)),
    f("secondaryAddress1", "Secondary address line 1", Group::SecondaryAddress, Kind::Text(ADDRESS_MAX)),
    f("secondaryAddress2", "Secondary address line 2", Group::SecondaryAddress, Kind::Text(ADDRESS_MAX)),
    f("secondaryAddress3", "Secondary address line 3", Group::SecondaryAddress, Kind::Text(ADDRESS_MAX)),
    f("secondaryPostcode", "Secondary postcode", Group::SecondaryAddress, Kind::Text(20)),
    f("secondaryCity", "Secondary city", Group::SecondaryAddress, Kind::Text(TEXT_MAX)),
    f("secondaryState", "Secondary state", Group::SecondaryAddress, Kind::Text(TEXT_MAX)),
    f("secondaryCountry", "Secondary country", Group::SecondaryAddress, Kind::Country),
    neutral("phone", "Phone", Group::Contact, Kind::Phone),
    neutral("mobile", "Mobile", Group::Contact, Kind::Phone),
    f("nationality", "Nationality", Group::Identity, Kind::Country),
    f("nationalityOther", "Other nationality", Group::Identity, Kind::Country),
    f("placeOfBirth", "Place of birth", Group::Identity, Kind::Text(ADDRESS_MAX)),
    f("birthCountry", "Birth country", Group::Identity, Kind::Country),
    f("occupation", "Occupation", Group::Identity, Kind::Text(TEXT_MAX)),
    f(
        "incomeRange",
        "Income range",
        Group::Identity,
        Kind::Choice(&["0-18", "19-23", "24-27", "28-35", "36-56", "57-*"]),
    ),
    f("legalName", "Legal name", Group::LegalEntity, Kind::Text(100)),
    f("legalRegistrationNumber", "Legal registration number", Group::LegalEntity, Kind::Text(TEXT_MAX)),
    f("legalTvaNumber", "VAT number", Group::LegalEntity, Kind::Text(TEXT_MAX)),
    f("legalRegistrationDate", "Legal registration date", Group::LegalEntity, Kind::Date),
    f("legalForm", "Legal form", Group::LegalEntity, Kind::Text(TEXT_MAX)),
    f("legalShareCapital", "Legal share capital", Group::LegalEntity, Kind::Count),
    f("legalSector", "Legal sector", Group::LegalEntity, Kind::Text(TEXT_MAX)),
    f(
        "legalAnnualTurnOver",
        "Legal annual turnover",
        Group::LegalEntity,
        Kind::Choice(&["0-39", "40-99", "100-249", "250-999", "1000-2999", "3000-9999", "10000-99999", "100000-*"]),
    ),
    f(
        "legalNetIncomeRange",
        "Legal net income range",
        Group::LegalEntity,
        Kind::Choice(&["0-4", "5-9", "10-49", "50-149", "150-499", "500-*"]),
    ),
    f(
        "legalNumberOfEmployeeRange",
        "Legal number of employee range",
        Group::LegalEntity,
        Kind::Choice(&["0", "1-9", "10-99", "100-249", "250-*"]),
    ),
    f("effectiveBeneficiary", "Effective beneficiary", Group::LegalEntity, Kind::Count),
    f("language", "Language", Group::Contact, Kind::Language),
    f("taxNumber", "Tax number", Group::Other, Kind::Text(TEXT_MAX)),
    f("taxResidence", "Tax residence", Group::Other, Kind::Country),
    f("position", "Position", Group::Other, Kind::Text(TEXT_MAX)),
    f(
        "personalAssets",
        "Personal assets",
        Group::Identity,
        Kind::Choice(&["0-2", "3-22", "23-128", "129-319", "320-464", "465-"]),
    ),
    neutral("activityOutsideEu", "Activity outside the EU", Group::Other, BOOL),
    neutral("economicSanctions", "Economic sanctions", Group::Other, BOOL),
    neutral("residentCountriesSanctions", "Resident countries sanctions", Group::Other, BOOL),
    neutral("involvedSanctions", "Involved sanctions", Group::Other, BOOL),
    neutral(
        "entitySanctionsQuestionnaire",
        "Entity sanctions questionnaire",
        Group::Other,
        Kind::IntChoice(&[0, 1, 2, 3, 4]),
    ),
    neutral("timezone", "Time zone", Group::Contact, Kind::Timezone),
    f(
        "occupationType",
        "Occupation type",
        Group::Identity,
        Kind::Choice(&[
            "self_employed",
            "public_sector_employees",
            "private_sector_employees",
            "retired_people_and_students",
            "without_any_professional_activity",
        ]),
    ),
    f(
        "sourceOfFunds",
        "Source of funds",
        Group::Other,
        Kind::Choice(&[
            "donation",
            "inheritance",
            "loan",
            "lottery",
            "pension",
            "proceeds_from_investment",
            "proceeds_from_sale",
            "salary",
            "savings",
        ]),
    ),
    f("legalSectorType", "Legal sector type", Group::LegalEntity, Kind::Choice(&["NAF", "NACE"])),
    f("isOnStockExchange", "Listed on a stock exchange", Group::LegalEntity, BOOL),
    f(
        "occupationCategory",
        "Occupation category",
        Group::Other,
        Kind::IntChoice(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
    ),
    f("personalAssetsRange", "Personal assets range", Group::Other, Kind::IntChoice(&[0, 1, 2, 3, 4, 5, 6, 7])),
    f("monthlyIncomeRange", "Monthly income range", Group::Other, Kind::IntChoice(&[1, 2, 3, 4, 5, 6, 7])),
];

/// The secondary address: for autoentrepreneurs, all of it or none of it before a KYC review.
pub const SECONDARY_ADDRESS: &[&str] = &["secondaryAddress1", "secondaryPostcode", "secondaryCity", "secondaryCountry"];

pub fn field(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.name == name)
}

/// A field's label, or "" for a name outside the table.
pub fn label(name: &str) -> &'static str {
    field(name).map_or("", |f| f.label)
}

/// Whether a field may be set on a user of this type. `position` is the seed's NGO field;
/// every other field may be set on any type (a person with a legal form and name is an
/// autoentrepreneur).
pub fn applies_to(name: &str, user_type: UserType) -> bool {
    match name {
        "position" => user_type == UserType::Ngo,
        _ => true,
    }
}

/// The fields of a payload that do not apply to `user_type`, as errors.
pub fn user_type_errors(input: &Map<String, Value>, user_type: UserType) -> Vec<FieldError> {
    input
        .iter()
        .filter(|(name, value)| !value.is_null() && *value != "" && !applies_to(name, user_type))
        .map(|(name, _)| {
            FieldError::new(name, format!("{} cannot be set on a {} user.", label(name), user_type.label()))
        })
        .collect()
}

/// The legal representative's fields of a legal entity.
const REPRESENTATIVE: &[&str] = &["title", "firstname", "lastname", "birthday", "nationality"];
/// What an autoentrepreneur (a person) may say of its business.
const AUTOENTREPRENEUR: &[&str] =
    &["legalName", "legalForm", "legalRegistrationNumber", "legalRegistrationDate", "legalTvaNumber"];

fn names_in(group: Group) -> Vec<&'static str> {
    FIELDS.iter().filter(|f| f.group == group).map(|f| f.name).collect()
}

/// The groups of the user forms for a user type, in the profile's order, each with its
/// fields; every field of the table that applies to the type is in one of them, except the
/// `Type` group's (the form asks for those on their own).
pub fn form_groups(user_type: UserType) -> Vec<(&'static str, Vec<&'static str>)> {
    let mut groups = if user_type.is_person() {
        vec![("Identity", names_in(Group::Identity)), ("Autoentrepreneur", AUTOENTREPRENEUR.to_vec())]
    } else {
        vec![("Legal entity", names_in(Group::LegalEntity)), ("Legal representative", REPRESENTATIVE.to_vec())]
    };
    groups.push(("Contact", names_in(Group::Contact)));
    groups.push(("Address", names_in(Group::Address)));
    groups.push(("Secondary address", names_in(Group::SecondaryAddress)));
    let other = names_in(Group::Other).into_iter().filter(|n| applies_to(n, user_type)).collect();
    groups.push(("Other", other));
    groups
}

impl Field {
    /// The snake_case column that stores this field.
    pub fn column(&self) -> String {
        let mut column = String::with_capacity(self.name.len() + 4);
        for c in self.name.chars() {
            if c.is_ascii_uppercase() {
                column.push('_');
                column.push(c.to_ascii_lowercase());
            } else {
                column.push(c);
            }
        }
        column
    }

    pub fn is_integer(&self) -> bool {
        matches!(self.kind, Kind::IntChoice(_) | Kind::Count)
    }

    /// Checks one value. `null` clears an optional field and is always accepted here.
    pub fn check(&self, value: &Value) -> Result<(), FieldError> {
        let err = |message: String| Err(FieldError::new(self.name, message));
        if value.is_null() {
            return Ok(());
        }
        if self.is_integer() {
            let Some(n) = value.as_i64() else {
                return err(format!("{} must be an integer.", self.name));
            };
            return match self.kind {
                Kind::IntChoice(allowed) if !allowed.contains(&n) => {
                    err(format!("{} must be one of {allowed:?}.", self.name))
                }
                Kind::Count if n < 0 => err(format!("{} must not be negative.", self.name)),
                _ => Ok(()),
            };
        }
        let Some(s) = value.as_str() else {
            return err(format!("{} must be a string.", self.name));
        };
        if s.is_empty() {
            return Ok(());
        }
        let length = s.chars().count();
        let ok = match self.kind {
            Kind::Text(max) => {
                if length > max {
                    return err(format!("{} must be at most {max} characters.", self.name));
                }
                !s.chars().any(char::is_control)
            }
            Kind::Email => {
                if length > crate::validation::EMAIL_MAX_LEN {
                    return err(format!("{} must be at most 200 characters.", self.name));
                }
                is_valid_email(s)
            }
            Kind::Country => codes::is_country(s),
            Kind::Language => codes::is_language(s),
            Kind::Timezone => codes::is_timezone(s),
            Kind::Date => is_valid_date(s),
            Kind::Phone => is_e164(s),
            Kind::Choice(allowed) => allowed.contains(&s),
            Kind::Tag => {
                if length > 250 {
                    return err(format!("{} must be at most 250 characters.", self.name));
                }
                s.chars().all(|c| c.is_alphanumeric() || " /!-_.*'()".contains(c))
            }
            Kind::IntChoice(_) | Kind::Count => unreachable!("integers are handled above"),
        };
        if ok { Ok(()) } else { err(self.rule()) }
    }

    /// The rule of the field, said to a person.
    pub fn rule(&self) -> String {
        let name = self.name;
        match self.kind {
            Kind::Text(max) => format!("{name} must be at most {max} characters of text."),
            Kind::Email => format!("{name} must be a valid email address."),
            Kind::Country => format!("{name} must be an ISO 3166-1 alpha-2 country code (e.g. FR)."),
            Kind::Language => format!("{name} must be an ISO 639-1 language code (e.g. fr)."),
            Kind::Timezone => format!("{name} must be a tz database name (e.g. Europe/Paris)."),
            Kind::Date => format!("{name} must be a date written YYYY-MM-DD."),
            Kind::Phone => format!("{name} must be an E.164 phone number (e.g. +33612345678)."),
            Kind::Choice(allowed) => format!("{name} must be one of {}.", allowed.join(", ")),
            Kind::IntChoice(allowed) => format!("{name} must be one of {allowed:?}."),
            Kind::Count => format!("{name} must be a non-negative integer."),
            Kind::Tag => format!("{name} must be at most 250 letters, digits, spaces or / ! - _ . * ' ( )."),
        }
    }
}

/// `YYYY-MM-DD` naming a day that exists.
pub fn is_valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else { return false };
    if !s[0..4].bytes().all(|c| c.is_ascii_digit()) || y < 1800 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// E.164: a `+`, then 8 to 15 digits, the first not 0.
pub fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else { return false };
    (8..=15).contains(&digits.len()) && digits.bytes().all(|c| c.is_ascii_digit()) && !digits.starts_with('0')
}

/// Whether the input is a creation or an update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Create,
    Update,
}

/// Every problem of a user payload, by field: unknown fields, fields that cannot be set in
/// this mode, wrong types, values outside the field's rule, and the cross-field rules that
/// need no stored data (email required at creation, `specifiedUSPerson` required at creation,
/// `parentType` only with `parentUserId`).
pub fn user_input_errors(input: &Map<String, Value>, mode: Mode) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (name, value) in input {
        match field(name) {
            None => errors.push(FieldError::new(name, format!("{name} is not a field of a user."))),
            Some(f) if mode == Mode::Update && f.settable == Settable::AtCreation => {
                errors.push(FieldError::new(name, format!("{name} cannot be changed after creation.")))
            }
            Some(f) => {
                if let Err(e) = f.check(value) {
                    errors.push(e);
                }
            }
        }
    }
    let present = |name: &str| input.get(name).is_some_and(|v| !v.is_null() && v != "");
    if mode == Mode::Create {
        for required in ["email", "specifiedUSPerson", "userTypeId"] {
            if !present(required) {
                errors.push(FieldError::new(required, format!("{required} is required.")));
            }
        }
        if present("parentType") && !present("parentUserId") {
            errors.push(FieldError::new("parentType", "parentType needs a parentUserId."));
        }
        if let Some(user_type) = input.get("userTypeId").and_then(Value::as_i64).and_then(UserType::from_code) {
            errors.extend(user_type_errors(input, user_type));
        }
    }
    if mode == Mode::Update {
        // Required at creation, so never cleared afterwards.
        for required in ["email", "specifiedUSPerson"] {
            if input.get(required).is_some_and(|v| v.is_null() || v == "") {
                errors.push(FieldError::new(required, format!("{required} cannot be removed.")));
            }
        }
    }
    errors
}

/// What a stored user must satisfy before a KYC review can be requested, as far as its own
/// fields tell (the backend adds the rules that need other data, such as tax residences):
/// an autoentrepreneur (userTypeId 1, legalForm 1000) has all of its secondary address or
/// none of it.
pub fn kyc_review_errors(user: &EndUser) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let present = |name: &str| user.field(name).is_some_and(|v| v.to_text() != "");
    let set = SECONDARY_ADDRESS.iter().filter(|f| present(f)).count();
    if user.is_autoentrepreneur() && set > 0 && set < SECONDARY_ADDRESS.len() {
        for missing in SECONDARY_ADDRESS.iter().filter(|f| !present(f)) {
            errors.push(FieldError::new(
                missing,
                format!("{missing} is required: an autoentrepreneur's secondary address must be complete (or empty) before a KYC review."),
            ));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::FieldValue;
    use serde_json::json;

    #[test]
    fn fields_required_at_creation_cannot_be_cleared() {
        assert_eq!(errors(json!({"specifiedUSPerson": null}), Mode::Update), ["specifiedUSPerson"]);
        assert_eq!(errors(json!({"email": ""}), Mode::Update), ["email"]);
        assert!(errors(json!({"specifiedUSPerson": 1}), Mode::Update).is_empty());
    }

    #[test]
    fn autoentrepreneurs_need_a_whole_secondary_address_for_review() {
        let fields = |v: Value| -> Vec<String> {
            let mut user = EndUser::blank(1, UserType::Physical);
            for (name, value) in v.as_object().unwrap() {
                let value = match value {
                    Value::Number(n) => FieldValue::Int(n.as_i64().unwrap()),
                    other => FieldValue::Text(other.as_str().unwrap().to_string()),
                };
                user.set_field(name, Some(value));
            }
            kyc_review_errors(&user).into_iter().map(|e| e.field).collect()
        };
        let partial =
            json!({"userTypeId": 1, "legalForm": "1000", "secondaryAddress1": "1 rue", "secondaryCity": "Paris"});
        assert_eq!(fields(partial.clone()), ["secondaryPostcode", "secondaryCountry"]);
        assert!(fields(json!({"userTypeId": 1, "legalForm": "1000"})).is_empty(), "none of it is fine");
        let whole = json!({"userTypeId": 1, "legalForm": "1000", "secondaryAddress1": "1 rue",
                           "secondaryPostcode": "75001", "secondaryCity": "Paris", "secondaryCountry": "FR"});
        assert!(fields(whole).is_empty());
        let mut business = partial.clone();
        business["userTypeId"] = json!(2);
        assert!(fields(business).is_empty(), "the rule is for autoentrepreneurs only");
        let mut other_form = partial;
        other_form["legalForm"] = json!("5499");
        assert!(fields(other_form).is_empty());
    }

    fn errors(input: Value, mode: Mode) -> Vec<String> {
        user_input_errors(input.as_object().unwrap(), mode).into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_valid_physical_user_passes() {
        let input = json!({
            "userTypeId": 1, "specifiedUSPerson": 0, "email": "ada@example.com", "title": "MME",
            "firstname": "Ada", "lastname": "Lovelace", "birthday": "1815-12-10", "country": "GB",
            "phone": "+441234567890", "language": "en", "timezone": "Europe/London",
            "userTag": "vip-2024 (batch/1)", "address1": "12 St James's Square",
        });
        assert_eq!(errors(input, Mode::Create), Vec::<String>::new());
    }

    #[test]
    fn each_rule_refuses_and_names_its_field() {
        let cases = [
            ("email", json!("not-an-email")),
            ("email", json!(format!("{}@example.com", "a".repeat(195)))),
            ("country", json!("France")),
            ("country", json!("fr")),
            ("birthday", json!("1990-02-30")),
            ("birthday", json!("10/12/1990")),
            ("title", json!("DR")),
            ("phone", json!("0612345678")),
            ("mobile", json!("+33 6 12 34 56 78")),
            ("language", json!("fra")),
            ("timezone", json!("Paris")),
            ("userTag", json!("x".repeat(251))),
            ("userTag", json!("no <html>")),
            ("address1", json!("a".repeat(151))),
            ("specifiedUSPerson", json!(2)),
            ("userTypeId", json!(5)),
            ("userTypeId", json!("1")),
            ("legalShareCapital", json!(-1)),
            ("distributionCountry", json!("US")),
            ("nonsense", json!("x")),
        ];
        for (field, value) in cases {
            let mut input = json!({"userTypeId": 1, "specifiedUSPerson": 0, "email": "a@example.com"});
            input[field] = value.clone();
            assert_eq!(errors(input, Mode::Create), [field], "{field} = {value}");
        }
    }

    #[test]
    fn creation_rules() {
        assert_eq!(errors(json!({}), Mode::Create), ["email", "specifiedUSPerson", "userTypeId"]);
        let orphan =
            json!({"userTypeId": 1, "specifiedUSPerson": 0, "email": "a@example.com", "parentType": "employee"});
        assert_eq!(errors(orphan, Mode::Create), ["parentType"]);
        // Updates need nothing, but may not touch what is fixed at creation.
        assert!(errors(json!({"firstname": "Ada"}), Mode::Update).is_empty());
        assert_eq!(errors(json!({"parentType": "leader"}), Mode::Update), ["parentType"]);
        assert_eq!(errors(json!({"userTypeId": 2}), Mode::Update), ["userTypeId"]);
        assert_eq!(errors(json!({"email": null}), Mode::Update), ["email"]);
    }

    #[test]
    fn dates_and_phones() {
        assert!(is_valid_date("2024-02-29") && !is_valid_date("2023-02-29"));
        assert!(!is_valid_date("2024-13-01") && !is_valid_date("2024-1-01") && !is_valid_date("+024-01-01"));
        assert!(is_e164("+33612345678") && !is_e164("+0123456789") && !is_e164("+1234567"));
    }

    #[test]
    fn every_field_has_a_label_and_a_place_in_the_forms() {
        for user_type in UserType::ALL {
            let placed: Vec<&str> = form_groups(user_type).into_iter().flat_map(|(_, f)| f).collect();
            for f in FIELDS.iter().filter(|f| f.group != Group::Type) {
                assert!(!f.label.is_empty(), "{} has no label", f.name);
                let elsewhere = match f.group {
                    Group::Identity => !user_type.is_person() && !REPRESENTATIVE.contains(&f.name),
                    Group::LegalEntity => user_type.is_person() && !AUTOENTREPRENEUR.contains(&f.name),
                    _ => !applies_to(f.name, user_type),
                };
                assert!(placed.contains(&f.name) || elsewhere, "{} has no place for {user_type:?}", f.name);
            }
        }
        assert_eq!(label("legalRegistrationNumber"), "Legal registration number");
        assert_eq!(label("firstname"), "First name");
    }

    #[test]
    fn position_is_for_ngos_only() {
        let mut input =
            json!({"userTypeId": 3, "specifiedUSPerson": 0, "email": "a@example.com", "position": "Treasurer"});
        assert!(errors(input.clone(), Mode::Create).is_empty());
        input["userTypeId"] = json!(2);
        assert_eq!(errors(input, Mode::Create), ["position"]);
        let physical = json!({"userTypeId": 1, "specifiedUSPerson": 0, "email": "a@example.com", "legalForm": "1000", "legalName": "Ada Consulting"});
        assert!(errors(physical, Mode::Create).is_empty(), "an autoentrepreneur has a legal form and name");
    }

    #[test]
    fn columns_are_snake_case() {
        assert_eq!(field("specifiedUSPerson").unwrap().column(), "specified_u_s_person");
        assert_eq!(field("legalAnnualTurnOver").unwrap().column(), "legal_annual_turn_over");
        assert_eq!(field("email").unwrap().column(), "email");
        let mut names: Vec<_> = FIELDS.iter().map(|f| f.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), FIELDS.len(), "field names are unique");
    }
}
