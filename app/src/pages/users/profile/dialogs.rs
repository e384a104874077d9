//! The profile's confirmation dialogs: Deactivate user and Send forgot password.

use leptos::prelude::*;
use shared::domain::EndUser;

use crate::api;
use crate::components::ConfirmDialog;

#[component]
pub fn DeactivateDialog(user: EndUser, on_close: Callback<()>, on_done: Callback<()>) -> impl IntoView {
    let id = user.id;
    let run = move || async move {
        api::deactivate_user(id).await.map(|_| format!("User #{id} was deactivated: its status is Canceled."))
    };
    view! {
        <ConfirmDialog title="Deactivate user" confirm_label="Deactivate" danger=true run=run
            on_close=on_close on_done=on_done>
            <p>"Deactivate " <strong>{user.display_name()}</strong> {format!(" (#{id})")} "? "
               "This is irreversible: the user becomes Canceled for good. It stays in every list with that status."</p>
        </ConfirmDialog>
    }
}

#[component]
pub fn ForgotPasswordDialog(user_id: i64, email: String, on_close: Callback<()>) -> impl IntoView {
    let run = move || async move {
        api::send_forgot_password(user_id).await.map(|to| format!("A password reset email was sent to {to}."))
    };
    view! {
        <ConfirmDialog title="Send forgot password" confirm_label="Send" run=run on_close=on_close>
            <p>"Send a password reset link to " <strong data-testid="reset-email">{email}</strong> "? "
               "The link works once, for one hour."</p>
        </ConfirmDialog>
    }
}
