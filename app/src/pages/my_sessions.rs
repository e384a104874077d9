//! My sessions (account menu): the operator's live dashboard sessions, and ending any of
//! them (a browser left logged in elsewhere). Ending this one is logging out.

use leptos::prelude::*;
use shared::dto::SessionInfo;

use crate::api;
use crate::components::{ConfirmDialog, Loading, error_view, short_time};

pub const PATH: &str = "/my-sessions";

#[component]
pub fn MySessionsPage() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let sessions = LocalResource::new(move || {
        reload.track();
        api::list_my_sessions()
    });
    let ending = RwSignal::new(None::<SessionInfo>);

    let rows = move || {
        sessions.get().map(|result| match result {
            Err(e) => error_view(e),
            Ok(list) if list.is_empty() => view! { <p class="empty">"No live session."</p> }.into_any(),
            Ok(list) => view! {
                <table class="data-table" aria-label="My sessions">
                    <thead>
                        <tr>
                            <th scope="col">"Browser"</th>
                            <th scope="col">"IP address"</th>
                            <th scope="col">"Logged in"</th>
                            <th scope="col">"Last seen"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {list
                            .into_iter()
                            .map(|s| {
                                let target = s.clone();
                                view! {
                                    <tr data-session=s.id.clone() data-current=s.current.to_string()>
                                        <td>
                                            {s.user_agent.clone().unwrap_or_else(|| "Unknown browser".into())}
                                            {s.awaiting_code.then(|| view! {
                                                <span class="status status-blocked"
                                                    title="The password was given here, the two-factor code not yet. Not you? Change your password.">
                                                    " Waiting for the code"
                                                </span>
                                            })}
                                        </td>
                                        <td>{s.client_ip.clone().unwrap_or_else(|| "Unknown".into())}</td>
                                        <td>{short_time(&s.created_at)}</td>
                                        <td>{short_time(&s.last_seen_at)}</td>
                                        <td class="row-actions">
                                            {if s.current {
                                                view! { <span class="status status-active">"This session"</span> }.into_any()
                                            } else {
                                                view! {
                                                    <button class="danger"
                                                        on:click=move |_| ending.set(Some(target.clone()))>
                                                        "End session"
                                                    </button>
                                                }
                                                .into_any()
                                            }}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
            .into_any(),
        })
    };

    view! {
        <section>
            <div class="page-header">
                <h1>"My sessions"</h1>
            </div>
            <p class="muted">
                "Where you are logged in to the dashboard. End a session you do not recognise, then change your password."
            </p>
            {move || rows().unwrap_or_else(|| view! { <Loading/> }.into_any())}
            {move || ending.get().map(|s| {
                let id = StoredValue::new(s.id.clone());
                let run = move || async move {
                    api::end_my_session(id.get_value()).await.map(|()| "The session has ended.".to_string())
                };
                let close = Callback::new(move |_| ending.set(None));
                let done = Callback::new(move |_| {
                    ending.set(None);
                    reload.update(|n| *n += 1);
                });
                view! {
                    <ConfirmDialog title="End session" confirm_label="End session" danger=true run=run
                        on_close=close on_done=done>
                        <p>
                            "End the session of " <strong>{s.user_agent.clone().unwrap_or_else(|| "an unknown browser".into())}</strong>
                            " from " {s.client_ip.clone().unwrap_or_else(|| "an unknown address".into())}
                            "? That browser is logged out at once."
                        </p>
                    </ConfirmDialog>
                }
            })}
        </section>
    }
}
