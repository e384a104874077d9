//! The audit log: every mutation, newest first, read-only.

use leptos::prelude::*;

use crate::api;
use crate::components::{Loading, Pager, error_view, short_time};

const PAGE_SIZE: i64 = 50;

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let page = RwSignal::new(1i64);
    let entries = LocalResource::new(move || api::list_audit(page.get(), PAGE_SIZE));
    let body = move || {
        entries.get().map(|result| match result {
            Err(e) => error_view(e),
            Ok(p) if p.items.is_empty() => view! { <p class="empty">"Nothing has been recorded yet."</p> }.into_any(),
            Ok(p) => view! {
                <table class="data-table" aria-label="Audit log">
                    <thead>
                        <tr>
                            <th scope="col">"Time"</th>
                            <th scope="col">"Actor"</th>
                            <th scope="col">"Action"</th>
                            <th scope="col">"Target"</th>
                            <th scope="col">"Client IP"</th>
                            <th scope="col">"Request"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {p.items.into_iter().map(|e| view! {
                            <tr>
                                <td>{short_time(&e.occurred_at)}</td>
                                <td>{e.actor}</td>
                                <td><code>{e.action}</code></td>
                                <td>{e.target}</td>
                                <td>{e.client_ip.unwrap_or_default()}</td>
                                <td class="muted mono">{e.request_id}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <Pager page=p.page page_size=p.page_size total=p.total noun="entries" on_page=move |n| page.set(n)/>
            }
            .into_any(),
        })
    };
    view! {
        <section>
            <h1>"Audit log"</h1>
            {move || body().unwrap_or_else(|| view! { <Loading/> }.into_any())}
        </section>
    }
}
