//! The search toolbar, always at the top once logged in: one result opens the user's
//! profile, several go to the results list (in the URL, so it can be shared), none says so.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use shared::View;
use shared::dto::UserLookup;

use super::{profile_opener, query_string};
use crate::api;
use crate::components::use_notices;
use crate::shell::handle_session_end;

#[component]
pub fn SearchToolbar() -> impl IntoView {
    let notices = use_notices();
    let open = profile_opener();
    let navigate = use_navigate();
    let fields = [
        ("user_id", "User Id", RwSignal::new(String::new())),
        ("user_tag", "User Tag", RwSignal::new(String::new())),
        ("email", "Email", RwSignal::new(String::new())),
        ("name", "Name", RwSignal::new(String::new())),
        ("card", "Card", RwSignal::new(String::new())),
        ("wallet", "Wallet", RwSignal::new(String::new())),
    ];
    let pending = RwSignal::new(false);
    let lookup = move || {
        let get = |i: usize| fields[i].2.get_untracked();
        UserLookup { user_id: get(0), user_tag: get(1), email: get(2), name: get(3), card: get(4), wallet: get(5) }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lookup = lookup();
        if lookup.is_empty() {
            notices.failure_text("Fill in at least one search field.");
            return;
        }
        pending.set(true);
        let (open, navigate) = (open.clone(), navigate.clone());
        spawn_local(async move {
            let result = api::lookup_users(lookup.clone()).await;
            pending.set(false);
            match result {
                Ok(list) if list.users.len() == 1 => {
                    notices.clear();
                    if let Some(user) = list.users.first() {
                        open(user.id, user.tab_label());
                    }
                }
                Ok(list) if list.users.is_empty() => {
                    notices.failure_text("No user matches this search.");
                }
                Ok(_) => {
                    notices.clear();
                    let pairs: Vec<(String, String)> =
                        lookup.to_query().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
                    navigate(&format!("{}?{}", View::SearchUsers.path(), query_string(&pairs)), Default::default());
                }
                Err(e) => {
                    handle_session_end(&e);
                    notices.failure(&e);
                }
            }
        });
    };
    view! {
        <form class="search-toolbar" role="search" aria-label="Search users" on:submit=submit>
            {fields
                .into_iter()
                .map(|(id, label, value)| {
                    let input_id = format!("search-{id}");
                    view! {
                        <div class="search-field">
                            <label for=input_id.clone()>{label}</label>
                            <input id=input_id type="search" autocomplete="off" bind:value=value/>
                        </div>
                    }
                })
                .collect_view()}
            <button type="submit" class="primary" disabled=move || pending.get()>
                {move || if pending.get() { "Searching…" } else { "Search" }}
            </button>
        </form>
    }
}
