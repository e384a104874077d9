//! Payout approvals (four-eyes): the payouts above System Configuration's threshold, oldest
//! first, each approved by an operator other than the one who asked for it (the server
//! refuses the requester; this view does not offer them the button) or canceled.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::banking::grouped;

use crate::api;
use crate::components::{Loading, error_view, use_notices};
use crate::shell::handle_session_end;

#[component]
pub fn PayoutApprovalsPage(me_id: i64) -> impl IntoView {
    let notices = use_notices();
    let reload = RwSignal::new(0u32);
    let queue = LocalResource::new(move || {
        reload.track();
        api::payouts_awaiting_approval()
    });
    let pending = RwSignal::new(None::<i64>);
    let act = move |id: i64, approve: bool| {
        pending.set(Some(id));
        spawn_local(async move {
            let result = if approve { api::approve_payout(id).await } else { api::cancel_payout(id).await };
            pending.set(None);
            match result {
                Ok(p) => {
                    let done = if approve { "approved: it is sent shortly" } else { "canceled: the money is back" };
                    notices.success(format!("Payout #{} of {} is {done}.", p.id, p.amount));
                    reload.update(|n| *n += 1);
                }
                Err(e) => {
                    handle_session_end(&e);
                    notices.failure(&e);
                }
            }
        });
    };
    view! {
        <section>
            <h1>"Payout approvals"</h1>
            <p class="muted">"Payouts above the threshold of System Configuration wait here for a second operator."</p>
            <Transition fallback=|| view! { <Loading/> }>
                {move || queue.get().map(|result| match result {
                    Err(e) => error_view(e),
                    Ok(list) if list.is_empty() => view! { <p class="empty">"No payout waits for an approval."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="data-table" aria-label="Payouts waiting for approval">
                            <thead><tr><th scope="col">"Payout"</th><th scope="col">"Requested"</th><th scope="col">"User"</th>
                                <th scope="col">"Wallet"</th><th scope="col">"To IBAN"</th><th scope="col">"Amount"</th>
                                <th scope="col">"Actions"</th></tr></thead>
                            <tbody>{list.into_iter().map(|p| {
                                let id = p.id;
                                let mine = p.requested_by_operator == Some(me_id);
                                let busy = move || pending.get() == Some(id);
                                view! { <tr data-testid=format!("approval-{id}")>
                                    <td>{format!("#{id} {}", p.label)}</td>
                                    <td>{p.created_date.chars().take(16).collect::<String>().replace('T', " ")}</td>
                                    <td><a href=format!("/profiles?userId={}", p.user_id)>{format!("#{}", p.user_id)}</a></td>
                                    <td>{format!("#{}", p.wallet_id)}</td>
                                    <td class="mono">{grouped(&p.iban)}</td>
                                    <td class="number">{p.amount.to_string()}</td>
                                    <td class="row-actions">
                                        {if mine {
                                            view! { <span class="muted">"You requested it: another operator approves"</span> }.into_any()
                                        } else {
                                            view! { <button type="button" class="primary" disabled=busy on:click=move |_| act(id, true)>"Approve"</button> }.into_any()
                                        }}
                                        <button type="button" class="danger" disabled=busy on:click=move |_| act(id, false)>"Cancel payout"</button>
                                    </td>
                                </tr> }
                            }).collect_view()}</tbody>
                        </table>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}
