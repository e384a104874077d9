//! The Profile tab: identity, contact, addresses, status, financial data and tax residences.

use std::collections::BTreeMap;

use leptos::prelude::*;
use shared::dto::UserProfile;
use shared::money::Money;
use shared::user_fields::label;
use shared::{Action, Role};

use super::sca_section::ScaSection;
use super::{Dialog, facts};
use crate::components::short_time;
use crate::pages::users::OpenProfiles;

/// Address lines, then postcode and city, then the rest, joined on one line.
fn address(t: &dyn Fn(&str) -> String, prefix: &str) -> String {
    let name = |suffix: &str| {
        if prefix.is_empty() {
            let mut n = suffix.to_string();
            if let Some(first) = n.get_mut(0..1) {
                first.make_ascii_lowercase();
            }
            n
        } else {
            format!("{prefix}{suffix}")
        }
    };
    [
        t(&name("Address1")),
        t(&name("Address2")),
        t(&name("Address3")),
        format!("{} {}", t(&name("Postcode")), t(&name("City"))).trim().to_string(),
        t(&name("State")),
        t(&name("Country")),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

#[component]
pub fn ProfileTab(
    profile: UserProfile,
    role: Role,
    dialog: RwSignal<Option<Dialog>>,
    /// System Configuration's "SCA devices section enabled".
    sca_enabled: bool,
) -> impl IntoView {
    let profiles = expect_context::<OpenProfiles>();
    let u = profile.user.clone();
    let t = |k: &str| u.text(k);
    let yes_no = |k: &str| match u.field(k).and_then(|v| v.as_i64()) {
        Some(1) => "Yes".to_string(),
        Some(_) => "No".to_string(),
        None => String::new(),
    };
    let mut totals: BTreeMap<String, Money> = BTreeMap::new();
    // The booked balances (pending payouts included): the money the user still holds.
    for w in &profile.wallets {
        let booked = w.current_balance();
        totals
            .entry(booked.currency.code().to_string())
            .and_modify(|m| m.minor = m.minor.saturating_add(booked.minor))
            .or_insert(booked);
    }
    let balance = totals.values().map(Money::to_string).collect::<Vec<_>>().join(", ");
    let l = |name: &str| -> &'static str { label(name) };
    let mut identity = vec![("Type", u.user_type.label().to_string())];
    if u.user_type.is_person() {
        identity.extend([
            (l("title"), t("title")),
            (l("firstname"), t("firstname")),
            (l("middleNames"), t("middleNames")),
            (l("lastname"), t("lastname")),
            (l("birthday"), t("birthday")),
            (l("placeOfBirth"), t("placeOfBirth")),
            (l("birthCountry"), t("birthCountry")),
            (l("nationality"), t("nationality")),
            (l("occupation"), t("occupation")),
            // An autoentrepreneur is a person with a legal form and name.
            (l("legalName"), t("legalName")),
            (l("legalForm"), t("legalForm")),
        ]);
    } else {
        identity.extend([
            (l("legalName"), t("legalName")),
            (l("legalForm"), t("legalForm")),
            (l("legalRegistrationNumber"), t("legalRegistrationNumber")),
            (l("legalRegistrationDate"), t("legalRegistrationDate")),
            (l("legalTvaNumber"), t("legalTvaNumber")),
            ("Representative", format!("{} {}", t("firstname"), t("lastname")).trim().to_string()),
            (l("position"), t("position")),
        ]);
    }
    let parent = u.parent_user_id;
    let parent_type = u.parent_type.clone().unwrap_or_default();
    let residences = profile.tax_residences.clone();
    let menu_open = RwSignal::new(false);
    let may_edit_tax = role.may(Action::ManageTaxResidences) && u.allows(Action::ManageTaxResidences);
    let for_dialog = u.clone();
    let sca = sca_enabled.then(|| {
        view! { <ScaSection user=u.clone() devices=profile.sca_devices.clone() role=role dialog=dialog/> }
    });
    view! {
        <div class="profile-grid">
            <section class="panel"><h3>"Identity"</h3>{facts(identity)}</section>
            <section class="panel"><h3>"Contact"</h3>{facts(vec![
                (l("email"), t("email")), (l("phone"), t("phone")), (l("mobile"), t("mobile")),
                (l("language"), t("language")), (l("timezone"), t("timezone")),
                ("Address", address(&t, "")),
                ("Secondary address", address(&t, "secondary")),
                (l("distributionCountry"), t("distributionCountry")),
            ])}</section>
            <section class="panel"><h3>"Status"</h3>{facts(vec![
                ("User status", u.status.label().to_string()),
                ("KYC level", u.kyc_level.label().to_string()),
                ("KYC review", u.kyc_review.label().to_string()),
                ("Frozen", if u.is_frozen { "Yes (assets frozen)".to_string() } else { "No".to_string() }),
                (l("specifiedUSPerson"), yes_no("specifiedUSPerson")),
                (l("userTag"), t("userTag")),
                ("Created", short_time(&u.created_date)),
                ("Modified", short_time(&u.modified_date)),
            ])}
                {parent.map(|p| view! {
                    <p class="parent-link">"Child of "
                        <button type="button" class="link-button" on:click=move |_| profiles.open(p, format!("#{p}"))>
                            {format!("user #{p}")}
                        </button>
                        {(!parent_type.is_empty()).then(|| format!(" ({parent_type})"))}
                    </p>
                })}
            </section>
            <section class="panel"><h3>"Financial data"</h3>{facts(vec![
                ("Wallets", u.wallet_count.to_string()),
                ("Total balance", if balance.is_empty() { "No wallet".to_string() } else { balance }),
            ])}</section>
            <section class="panel tax-section">
                <div class="panel-header">
                    <h3>"Tax residences"</h3>
                    {may_edit_tax.then(|| view! {
                        <div class="menu">
                            <button type="button" class="secondary" aria-haspopup="menu" aria-expanded=move || menu_open.get().to_string()
                                on:click=move |_| menu_open.update(|o| *o = !*o)>"More"</button>
                            <Show when=move || menu_open.get()>
                                <div class="menu-items" role="menu">
                                    <button type="button" role="menuitem" on:click={
                                        let (residences, user) = (residences.clone(), for_dialog.clone());
                                        move |_| {
                                            menu_open.set(false);
                                            dialog.set(Some(Dialog::TaxResidences(user.clone(), residences.clone())));
                                        }
                                    }>"Edit tax residences"</button>
                                </div>
                            </Show>
                        </div>
                    })}
                </div>
                {if profile.tax_residences.is_empty() {
                    view! { <p class="empty">"No tax residence."</p> }.into_any()
                } else {
                    view! {
                        <ul class="plain" data-testid="tax-residences">
                            {profile.tax_residences.iter().map(|r| {
                                let tin = if r.tax_payer_id.is_empty() {
                                    "no TIN (liability waiver)".to_string()
                                } else {
                                    format!("TIN {}", r.tax_payer_id)
                                };
                                view! { <li>{r.country.clone()} " — " {tin}</li> }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            {sca}
        </div>
    }
}
