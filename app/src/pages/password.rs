//! An operator's own password: the form (current, new, confirmation), the page that asks
//! for it when the password was set by someone else, and the account menu's dialog.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dto::Me;
use shared::validation::check_password_strength;

use crate::api;
use crate::components::{Modal, use_notices};
use crate::shell::{Session, handle_session_end};

/// Current password, new password, confirmation. What was typed stays when the server
/// refuses (except the current password when it was the wrong one).
#[component]
pub fn PasswordChangeForm(
    username: String,
    #[prop(into)] on_done: Callback<Me>,
    #[prop(optional, into)] on_cancel: Option<Callback<()>>,
) -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let error = RwSignal::new(None::<(String, String)>);
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (c, n, k) = (current.get_untracked(), new.get_untracked(), confirm.get_untracked());
        if let Err(e) = check_password_strength(&n, &username) {
            error.set(Some(("newPassword".into(), e.message)));
            return;
        }
        if n != k {
            error.set(Some(("confirmPassword".into(), "The two new passwords differ.".into())));
            return;
        }
        error.set(None);
        pending.set(true);
        spawn_local(async move {
            let result = api::change_own_password(c.into(), n.into()).await;
            pending.set(false);
            match result {
                Ok(me) => on_done.run(me),
                Err(e) => {
                    handle_session_end(&e);
                    let field = match &e {
                        crate::error::AppError::Invalid { field, .. } => field.clone(),
                        _ => String::new(),
                    };
                    if field == "currentPassword" {
                        current.set(String::new());
                    }
                    error.set(Some((field, e.to_string())));
                }
            }
        });
    };
    let field_error = move |field: &'static str| {
        move || {
            error.get().filter(|(f, _)| f == field).map(|(_, m)| {
                view! { <p class="field-error" id=format!("{field}-error") role="alert">{m}</p> }
            })
        }
    };
    let other_error = move || {
        error
            .get()
            .filter(|(f, _)| !["currentPassword", "newPassword", "confirmPassword"].contains(&f.as_str()))
            .map(|(_, m)| view! { <p class="form-error" role="alert">{m}</p> })
    };
    view! {
        <form class="stacked" aria-label="Change password" on:submit=submit>
            <label for="current-password">"Current password"</label>
            <input id="current-password" type="password" autocomplete="current-password" required bind:value=current/>
            {field_error("currentPassword")}
            <label for="new-password">"New password"</label>
            <input id="new-password" type="password" autocomplete="new-password" required bind:value=new/>
            <p class="hint">"At least 12 characters, not your username."</p>
            {field_error("newPassword")}
            <label for="confirm-password">"Confirm the new password"</label>
            <input id="confirm-password" type="password" autocomplete="new-password" required bind:value=confirm/>
            {field_error("confirmPassword")}
            {other_error}
            <div class="form-actions">
                {on_cancel.map(|cancel| view! {
                    <button type="button" class="secondary" on:click=move |_| cancel.run(())>"Cancel"</button>
                })}
                <button type="submit" class="primary" disabled=move || pending.get()>"Change password"</button>
            </div>
        </form>
    }
}

/// After logging in with a password someone else set: nothing else until a new one is chosen.
#[component]
pub fn ChooseOwnPasswordPage(me: Me) -> impl IntoView {
    let session = expect_context::<Session>();
    let logout = move |_| session.log_out();
    view! {
        <main class="login">
            <div class="card login-card">
                <h1>"Choose a new password"</h1>
                <p class="muted">
                    {format!("{}: your password was set by someone else. Choose your own to go on.", me.username)}
                </p>
                <PasswordChangeForm username=me.username.clone() on_done=move |me| session.0.set(Some(Some(me)))/>
                <button type="button" class="link-button" on:click=logout>"Log out"</button>
            </div>
        </main>
    }
}

/// The account menu's "Change password".
#[component]
pub fn ChangePasswordDialog(username: String, #[prop(into)] on_close: Callback<()>) -> impl IntoView {
    let notices = use_notices();
    view! {
        <Modal title="Change password".to_string() on_close=on_close>
            <PasswordChangeForm username=username on_cancel=on_close
                on_done=move |_| {
                    notices.success("Your password was changed; your other sessions ended.");
                    on_close.run(());
                }/>
        </Modal>
    }
}
