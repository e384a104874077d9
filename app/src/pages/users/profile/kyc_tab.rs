//! The KYC tab: level, review, history and "Request review".

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::domain::EndUser;
use shared::{Action, Role};

use super::facts;
use crate::api;
use crate::components::use_notices;
use crate::shell::handle_session_end;

#[component]
pub fn KycTab(user: EndUser, role: Role, refresh: Callback<()>) -> impl IntoView {
    let notices = use_notices();
    let id = user.id;
    let pending = RwSignal::new(false);
    let history = user.kyc_review_comment.clone().unwrap_or_default();
    let may_request = role.may(Action::SubmitKycReview) && user.allows(Action::SubmitKycReview);
    let request = move |_| {
        pending.set(true);
        spawn_local(async move {
            let result = api::request_kyc_review(id).await;
            pending.set(false);
            match result {
                Ok(_) => {
                    notices.success("The KYC review was requested.");
                    refresh.run(());
                }
                Err(e) => {
                    handle_session_end(&e);
                    notices.failure(&e);
                }
            }
        });
    };
    view! {
        <section class="panel">
            {facts(vec![
                ("KYC level", user.kyc_level.label().to_string()),
                ("KYC review", user.kyc_review.label().to_string()),
            ])}
            <h3>"Review history"</h3>
            {if history.is_empty() {
                view! { <p class="empty">"No review yet."</p> }.into_any()
            } else {
                view! { <pre class="history" data-testid="kyc-history">{history}</pre> }.into_any()
            }}
            {may_request.then(|| view! {
                <button class="primary" disabled=move || pending.get() on:click=request>"Request review"</button>
            })}
        </section>
    }
}
