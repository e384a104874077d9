//! The "Tax residences" popup: list (each TIN editable in place), Add Tax Residence
//! (Country, Tax Identification Number), remove, Save Changes. The TIN rules are
//! `shared::tax`, the server's own. Save Changes takes a filled add row with it (checked by
//! the same rules): nothing typed is dropped without a word.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::domain::{EndUser, TaxResidence};
use shared::dto::TaxResidenceDraft;
use shared::tax::{check_tax_residence, normalize_country, repeated_country};

use crate::api;
use crate::components::{Modal, use_notices};
use crate::error::AppError;
use crate::shell::handle_session_end;

/// The add row as a draft, checked; `Ok(None)` when it is empty.
fn add_row_draft(
    country: &str,
    tin: &str,
    drafts: &[TaxResidenceDraft],
    distribution: Option<&str>,
) -> Result<Option<TaxResidenceDraft>, (String, String)> {
    let country = normalize_country(country);
    let tin = tin.trim().to_string();
    if country.is_empty() && tin.is_empty() {
        return Ok(None);
    }
    check_tax_residence(&country, &tin, tin.is_empty(), distribution).map_err(|e| (e.field, e.message))?;
    let countries = drafts.iter().map(|r| r.country.as_str()).chain([country.as_str()]);
    if repeated_country(countries).is_some() {
        return Err(("country".into(), format!("There is already a tax residence in {country}.")));
    }
    Ok(Some(TaxResidenceDraft { id: None, country, tax_payer_id: tin }))
}

#[component]
pub fn TaxResidencesDialog(
    user: EndUser,
    residences: Vec<TaxResidence>,
    on_close: Callback<()>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let notices = use_notices();
    let user_id = user.id;
    let distribution = user.text("distributionCountry");
    let distribution_country = StoredValue::new(Some(distribution).filter(|d| !d.is_empty()));
    let drafts = RwSignal::new(
        residences
            .iter()
            .map(|r| TaxResidenceDraft {
                id: Some(r.id),
                country: r.country.clone(),
                tax_payer_id: r.tax_payer_id.clone(),
            })
            .collect::<Vec<_>>(),
    );
    let adding = RwSignal::new(false);
    let country = RwSignal::new(String::new());
    let tin = RwSignal::new(String::new());
    let field_error = RwSignal::new(None::<(String, String)>);
    let general = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let take_add_row = move || -> Result<Option<TaxResidenceDraft>, (String, String)> {
        let current = drafts.get_untracked();
        distribution_country
            .with_value(|d| add_row_draft(&country.get_untracked(), &tin.get_untracked(), &current, d.as_deref()))
    };
    let add = move |_| match take_add_row() {
        Err(e) => field_error.set(Some(e)),
        Ok(draft) => {
            if let Some(draft) = draft {
                drafts.update(|d| d.push(draft));
            }
            field_error.set(None);
            country.set(String::new());
            tin.set(String::new());
            adding.set(false);
        }
    };
    let save = move |_| {
        general.set(None);
        // A filled add row is saved too, after the same checks as "Add".
        let mut kept = drafts.get_untracked();
        match take_add_row() {
            Err(e) => {
                adding.set(true);
                field_error.set(Some(e));
                return;
            }
            Ok(Some(draft)) => kept.push(draft),
            Ok(None) => {}
        }
        for r in &kept {
            let checked = distribution_country.with_value(|d| {
                check_tax_residence(&r.country, &r.tax_payer_id, r.tax_payer_id.trim().is_empty(), d.as_deref())
            });
            if let Err(e) = checked {
                field_error.set(Some((e.field, format!("{}: {}", r.country, e.message))));
                return;
            }
        }
        pending.set(true);
        spawn_local(async move {
            let result = api::save_tax_residences(user_id, kept).await;
            pending.set(false);
            match result {
                Ok(_) => {
                    notices.success("The tax residences were saved.");
                    on_saved.run(());
                }
                Err(AppError::Invalid { field, message }) => field_error.set(Some((field, message))),
                Err(e) => {
                    handle_session_end(&e);
                    general.set(Some(e.to_string()));
                }
            }
        });
    };
    let error_on = move |name: &'static str| {
        move || {
            field_error
                .get()
                .filter(|(f, _)| f == name || (name == "taxPayerId" && f == "liabilityWaiver"))
                .map(|(_, m)| view! { <p class="field-error" role="alert">{m}</p> })
        }
    };
    view! {
        <Modal title="Tax residences".to_string() on_close=on_close>
            {move || if drafts.with(Vec::is_empty) {
                view! { <p class="empty">"No tax residence."</p> }.into_any()
            } else {
                view! {
                    <table class="data-table" aria-label="Tax residences">
                        <thead><tr><th scope="col">"Country"</th><th scope="col">"Tax Identification Number"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                        <tbody>
                            {drafts.get().into_iter().enumerate().map(|(i, r)| {
                                let remove_label = format!("Remove {}", r.country);
                                let tin_label = format!("Tax Identification Number for {}", r.country);
                                view! { <tr>
                                    <td>{r.country.clone()}</td>
                                    <td>
                                        <input type="text" autocomplete="off" aria-label=tin_label
                                            placeholder="— (liability waiver)" prop:value=r.tax_payer_id.clone()
                                            on:change=move |ev| {
                                                let typed = event_target_value(&ev);
                                                drafts.update(|d| if let Some(row) = d.get_mut(i) { row.tax_payer_id = typed.trim().to_string(); });
                                            }/>
                                    </td>
                                    <td class="row-actions">
                                        <button type="button" class="secondary" aria-label=remove_label
                                            on:click=move |_| drafts.update(|d| { d.remove(i); })>"Remove"</button>
                                    </td>
                                </tr> }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <Show when=move || adding.get()
                fallback=move || view! {
                    <button type="button" class="secondary add-row" on:click=move |_| adding.set(true)>"Add Tax Residence"</button>
                }>
                <div class="add-residence">
                    <label for="tax-country">"Country"</label>
                    <input id="tax-country" type="text" list="tax-country-codes" autocomplete="off" bind:value=country/>
                    <datalist id="tax-country-codes">
                        {shared::codes::COUNTRIES.iter().map(|c| view! { <option value=*c/> }).collect_view()}
                    </datalist>
                    {error_on("country")}
                    <label for="tax-tin">"Tax Identification Number"</label>
                    <input id="tax-tin" type="text" autocomplete="off" bind:value=tin/>
                    {error_on("taxPayerId")}
                    <div class="form-actions">
                        <button type="button" class="secondary" on:click=move |_| {
                            adding.set(false);
                            field_error.set(None);
                            country.set(String::new());
                            tin.set(String::new());
                        }>"Cancel"</button>
                        <button type="button" class="primary" on:click=add>"Add"</button>
                    </div>
                </div>
            </Show>
            {move || field_error.get().filter(|_| !adding.get()).map(|(_, m)| view! { <p class="form-error" role="alert">{m}</p> })}
            {move || general.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <div class="form-actions">
                <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="button" class="primary" disabled=move || pending.get() on:click=save>
                    {move || if pending.get() { "Saving…" } else { "Save Changes" }}
                </button>
            </div>
        </Modal>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filled_add_row_is_kept_or_refused_never_dropped() {
        assert_eq!(add_row_draft("", " ", &[], None), Ok(None));
        let us = add_row_draft("us", "", &[], None);
        assert_eq!(us.map_err(|(f, _)| f), Err("taxPayerId".to_string()), "the US needs a TIN");
        let fr = add_row_draft(" fr ", "", &[], None).unwrap().unwrap();
        assert_eq!((fr.country.as_str(), fr.tax_payer_id.as_str()), ("FR", ""));
        let twice = add_row_draft("FR", "", &[fr], None);
        assert_eq!(twice.map_err(|(f, _)| f), Err("country".to_string()));
    }
}
