//! The "Tax residences" popup: list, Add Tax Residence (Country, Tax Identification Number),
//! remove, Save Changes. The TIN rules are `shared::tax`, the server's own.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use shared::dto::TaxResidenceDraft;
use shared::tax::check_tax_residence;

use crate::api;
use crate::components::{Modal, use_notices};
use crate::error::AppError;
use crate::shell::handle_session_end;

#[component]
pub fn TaxResidencesDialog(
    user_id: i64,
    residences: Vec<Value>,
    distribution_country: Option<String>,
    on_close: Callback<()>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let notices = use_notices();
    let distribution_country = StoredValue::new(distribution_country);
    let drafts = RwSignal::new(
        residences
            .iter()
            .map(|r| TaxResidenceDraft {
                id: r["id"].as_i64(),
                country: r["country"].as_str().unwrap_or_default().to_string(),
                tax_payer_id: r["taxPayerId"].as_str().unwrap_or_default().to_string(),
            })
            .collect::<Vec<_>>(),
    );
    let adding = RwSignal::new(false);
    let country = RwSignal::new(String::new());
    let tin = RwSignal::new(String::new());
    let field_error = RwSignal::new(None::<(String, String)>);
    let general = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let add = move |_| {
        let c = country.get_untracked().trim().to_ascii_uppercase();
        let t = tin.get_untracked().trim().to_string();
        let checked = distribution_country.with_value(|d| check_tax_residence(&c, &t, t.is_empty(), d.as_deref()));
        if let Err(e) = checked {
            field_error.set(Some((e.field, e.message)));
            return;
        }
        if drafts.with_untracked(|d| d.iter().any(|r| r.country == c)) {
            field_error.set(Some(("country".into(), format!("There is already a tax residence in {c}."))));
            return;
        }
        drafts.update(|d| d.push(TaxResidenceDraft { id: None, country: c, tax_payer_id: t }));
        field_error.set(None);
        country.set(String::new());
        tin.set(String::new());
        adding.set(false);
    };
    let save = move |_| {
        pending.set(true);
        general.set(None);
        let kept = drafts.get_untracked();
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
                                view! { <tr>
                                    <td>{r.country.clone()}</td>
                                    <td>{if r.tax_payer_id.is_empty() { "— (liability waiver)".to_string() } else { r.tax_payer_id.clone() }}</td>
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
                        <button type="button" class="secondary" on:click=move |_| { adding.set(false); field_error.set(None); }>"Cancel"</button>
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
