//! Onboarding Users: end users who signed up, not completed (waiting for activation) or
//! completed (with their userId).

use leptos::prelude::*;

use crate::api;
use crate::components::{Loading, Pager, error_view, short_time};

const PAGE_SIZE: i64 = 50;

#[component]
pub fn OnboardingUsersPage() -> impl IntoView {
    let completed = RwSignal::new(false);
    let page = RwSignal::new(1i64);
    let entries = LocalResource::new(move || api::list_onboarding(completed.get(), page.get(), PAGE_SIZE));
    let choose = move |done: bool| {
        move |_| {
            completed.set(done);
            page.set(1);
        }
    };
    let body = move || {
        entries.get().map(|result| match result {
            Err(e) => error_view(e),
            Ok(p) if p.items.is_empty() => view! {
                <p class="empty">{if completed.get_untracked() { "No completed onboarding yet." } else { "No onboarding waiting." }}</p>
            }
            .into_any(),
            Ok(p) => {
                view! {
                    <table class="data-table" aria-label="Onboarding users">
                        <thead><tr><th scope="col">"Login id"</th><th scope="col">"Email"</th><th scope="col">"Signed up"</th>
                            <th scope="col">"Completed"</th><th scope="col">"User id"</th></tr></thead>
                        <tbody>
                            {p.items.into_iter().map(|e| view! { <tr>
                                // The end user's own login (Treezor's TrzConnectUserId).
                                <td data-testid="login-id">{e.account_id}</td>
                                <td>{e.email}</td>
                                <td>{short_time(&e.created_date)}</td>
                                <td>{e.activated_date.as_deref().map(short_time).unwrap_or_else(|| "Not completed".into())}</td>
                                <td>{e.user_id.map(|id| id.to_string()).unwrap_or_default()}</td>
                            </tr> }).collect_view()}
                        </tbody>
                    </table>
                    <Pager page=p.page page_size=p.page_size total=p.total noun="accounts" on_page=move |n| page.set(n)/>
                }
                .into_any()
            }
        })
    };
    view! {
        <section>
            <h1>"Onboarding Users"</h1>
            <div class="inner-tabs" role="tablist" aria-label="Onboarding state">
                <button type="button" role="tab" aria-selected=move || (!completed.get()).to_string()
                    class:active=move || !completed.get() on:click=choose(false)>"Not completed"</button>
                <button type="button" role="tab" aria-selected=move || completed.get().to_string()
                    class:active=move || completed.get() on:click=choose(true)>"Completed"</button>
            </div>
            <Transition fallback=|| view! { <Loading/> }>{body}</Transition>
        </section>
    }
}
