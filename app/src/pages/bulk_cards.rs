//! Bulk Cards (admin): upload a CSV of `userId,walletId[,permsGroup][,cardTag]`; a job makes
//! a virtual card per line in the background. The page shows its progress, then the report
//! line by line (card made, or the reason it was refused).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dto::{BulkJob, BulkJobStatus};
use wasm_bindgen::JsCast;

use crate::api;
use crate::components::use_notices;
use crate::shell::handle_session_end;

/// The text of the file chosen in `input`, if any.
async fn chosen_file_text(input: &web_sys::HtmlInputElement) -> Option<String> {
    let file = input.files()?.get(0)?;
    let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.ok()?;
    text.as_string()
}

#[component]
pub fn BulkCardsPage() -> impl IntoView {
    let notices = use_notices();
    let file_input = NodeRef::<leptos::html::Input>::new();
    let job = RwSignal::new(None::<BulkJob>);
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(input) = file_input.get_untracked() else { return };
        let input: web_sys::HtmlInputElement = input.unchecked_into();
        pending.set(true);
        error.set(None);
        spawn_local(async move {
            let Some(csv) = chosen_file_text(&input).await else {
                pending.set(false);
                error.set(Some("Choose a CSV file first.".into()));
                return;
            };
            let result = api::start_bulk_cards(csv).await;
            pending.set(false);
            match result {
                Ok(started) => {
                    notices.success(format!("Bulk job #{} started: {} lines.", started.id, started.total));
                    let id = started.id;
                    job.set(Some(started));
                    poll_job(id, job, error);
                }
                Err(e) => {
                    handle_session_end(&e);
                    error.set(Some(e.to_string()));
                }
            }
        });
    };
    let report = move || {
        job.get().map(|j| {
            let progress = format!(
                "Job #{}: {} of {} lines handled — {} cards created, {} refused{}",
                j.id,
                j.done + j.failed,
                j.total,
                j.done,
                j.failed,
                if j.status == BulkJobStatus::Running { " (running…)" } else { "." }
            );
            view! {
                <p role="status" data-testid="bulk-progress">{progress}</p>
                <progress max=j.total.to_string() value=(j.done + j.failed).to_string()></progress>
                {(!j.rows.is_empty()).then(|| view! {
                <table class="data-table" aria-label="Bulk report">
                    <thead><tr><th scope="col">"Line"</th><th scope="col">"User"</th><th scope="col">"Wallet"</th>
                        <th scope="col">"Result"</th><th scope="col">"Card"</th><th scope="col">"Reason"</th></tr></thead>
                    <tbody>
                        {j.rows.into_iter().map(|r| view! {
                            <tr data-line=r.line>
                                <td>{r.line}</td>
                                <td>{r.user_id.map(|v| v.to_string()).unwrap_or_default()}</td>
                                <td>{r.wallet_id.map(|v| v.to_string()).unwrap_or_default()}</td>
                                <td>{r.status.label()}</td>
                                <td>{r.card_id.map(|v| format!("#{v}")).unwrap_or_default()}</td>
                                <td>{r.error.unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                })}
            }
        })
    };
    view! {
        <section>
            <h1>"Bulk Cards"</h1>
            <p class="muted">"Creates a virtual card for each line of a CSV file whose first line names the columns: "
                <code>"userId,walletId"</code> ", and optionally " <code>"permsGroup"</code> " and " <code>"cardTag"</code>
                ". The cards are made in the background; bad lines are reported and the others go on."</p>
            <form class="panel" on:submit=submit>
                <label class="field" for="bulk-file">"CSV file"
                    <input id="bulk-file" type="file" accept=".csv,text/csv" node_ref=file_input/>
                </label>
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <div class="form-actions">
                    <button type="submit" class="primary" disabled=move || pending.get()>"Create the cards"</button>
                </div>
            </form>
            {report}
        </section>
    }
}

/// While the job runs, reads its progress again every second.
fn poll_job(id: i64, job: RwSignal<Option<BulkJob>>, error: RwSignal<Option<String>>) {
    set_timeout(
        move || {
            spawn_local(async move {
                match api::bulk_cards_job(id).await {
                    Ok(current) => {
                        let running = current.status == BulkJobStatus::Running;
                        job.set(Some(current));
                        if running {
                            poll_job(id, job, error);
                        }
                    }
                    Err(e) => {
                        handle_session_end(&e);
                        error.set(Some(e.to_string()));
                    }
                }
            })
        },
        std::time::Duration::from_secs(1),
    );
}
