//! Dashboard Users (seed: Dashboard Users): list, Add a new user, Update, Delete, Unblock.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dto::{OperatorForm, OperatorSummary};
use shared::validation::operator_form_errors;
use shared::{Action, Role};

use crate::api;
use crate::components::{ConfirmDialog, Loading, Modal, error_view, short_time, use_notices};
use crate::error::AppError;
use crate::shell::handle_session_end;

#[derive(Clone)]
enum Dialog {
    Create,
    Update(OperatorSummary),
    Delete(OperatorSummary),
    EndSessions(OperatorSummary),
    ResetTwoFactor(OperatorSummary),
}

#[component]
pub fn DashboardUsersPage(role: Role, me_id: i64) -> impl IntoView {
    let notices = use_notices();
    let reload = RwSignal::new(0u32);
    let operators = LocalResource::new(move || {
        reload.track();
        api::list_operators()
    });
    let dialog = RwSignal::new(None::<Dialog>);
    let refresh = move || reload.update(|n| *n += 1);

    let unblock = move |op: OperatorSummary| {
        spawn_local(async move {
            match api::unblock_operator(op.id).await {
                Ok(_) => {
                    notices.success(format!("{} is unblocked.", op.username));
                    refresh();
                }
                Err(e) => {
                    handle_session_end(&e);
                    notices.failure(&e);
                }
            }
        });
    };

    let rows = move || {
        operators.get().map(|result| match result {
            Err(e) => error_view(e),
            Ok(list) if list.is_empty() => {
                view! { <p class="empty">"No dashboard users yet."</p> }.into_any()
            }
            Ok(list) => view! {
                <table class="data-table" aria-label="Dashboard users">
                    <thead>
                        <tr>
                            <th scope="col">"Username"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Two-factor"</th>
                            <th scope="col">"Last login"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {list
                            .into_iter()
                            .map(|op| {
                                let manageable = role.may_manage_operator_with_role(op.role);
                                let is_me = op.id == me_id;
                                let (for_update, for_delete, for_unblock, for_sessions, for_two_factor) =
                                    (op.clone(), op.clone(), op.clone(), op.clone(), op.clone());
                                let may_reset_two_factor =
                                    manageable && op.two_factor && role.may(Action::ResetOperatorTwoFactor);
                                view! {
                                    <tr data-username=op.username.clone()>
                                        <td>{op.username.clone()}</td>
                                        <td>{op.role.label()}</td>
                                        <td>
                                            {if op.blocked {
                                                view! { <span class="status status-blocked">"Blocked"</span> }
                                            } else {
                                                view! { <span class="status status-active">"Active"</span> }
                                            }}
                                        </td>
                                        <td>{if op.two_factor { "On" } else { "Off" }}</td>
                                        <td>{op.last_login_at.as_deref().map(short_time).unwrap_or_else(|| "Never".into())}</td>
                                        <td>{short_time(&op.created_at)}</td>
                                        <td class="row-actions">
                                            {(manageable).then(|| view! {
                                                <button class="secondary"
                                                    on:click=move |_| dialog.set(Some(Dialog::Update(for_update.clone())))>
                                                    "Update"
                                                </button>
                                            })}
                                            {(manageable && !is_me).then(|| view! {
                                                <button class="danger"
                                                    on:click=move |_| dialog.set(Some(Dialog::Delete(for_delete.clone())))>
                                                    "Delete"
                                                </button>
                                            })}
                                            {(manageable && !is_me).then(|| view! {
                                                <button class="secondary"
                                                    on:click=move |_| dialog.set(Some(Dialog::EndSessions(for_sessions.clone())))>
                                                    "End sessions"
                                                </button>
                                            })}
                                            {may_reset_two_factor.then(|| view! {
                                                <button class="secondary"
                                                    on:click=move |_| dialog.set(Some(Dialog::ResetTwoFactor(for_two_factor.clone())))>
                                                    "Reset 2FA"
                                                </button>
                                            })}
                                            {(manageable && op.blocked).then(|| view! {
                                                <button class="primary"
                                                    on:click=move |_| unblock(for_unblock.clone())>
                                                    "Unblock"
                                                </button>
                                            })}
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
                <h1>"Dashboard Users"</h1>
                <button class="primary" on:click=move |_| dialog.set(Some(Dialog::Create))>
                    "Add a new user"
                </button>
            </div>
            {move || rows().unwrap_or_else(|| view! { <Loading/> }.into_any())}
            {move || dialog.get().map(|d| {
                let close = Callback::new(move |_| dialog.set(None));
                let done = Callback::new(move |_| {
                    dialog.set(None);
                    refresh();
                });
                match d {
                    Dialog::Create => view! {
                        <OperatorDialog role=role existing=None on_close=close on_saved=done/>
                    }.into_any(),
                    Dialog::Update(op) => view! {
                        <OperatorDialog role=role existing=Some(op) on_close=close on_saved=done/>
                    }.into_any(),
                    Dialog::Delete(op) => view! {
                        <DeleteDialog operator=op on_close=close on_deleted=done/>
                    }.into_any(),
                    Dialog::EndSessions(op) => view! {
                        <EndSessionsDialog operator=op on_close=close on_ended=done/>
                    }.into_any(),
                    Dialog::ResetTwoFactor(op) => view! {
                        <ResetTwoFactorDialog operator=op on_close=close on_reset=done/>
                    }.into_any(),
                }
            })}
        </section>
    }
}

#[component]
fn OperatorDialog(
    role: Role,
    existing: Option<OperatorSummary>,
    on_close: Callback<()>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let notices = use_notices();
    let creating = existing.is_none();
    let id = existing.as_ref().map(|o| o.id);
    let username = RwSignal::new(existing.as_ref().map(|o| o.username.clone()).unwrap_or_default());
    let role_choice = RwSignal::new(existing.as_ref().map(|o| o.role.as_str().to_string()).unwrap_or_default());
    let password = RwSignal::new(String::new());
    let saml_key = RwSignal::new(existing.as_ref().and_then(|o| o.saml_key.clone()).unwrap_or_default());
    let errors = RwSignal::new(Vec::<(String, String)>::new());
    let general_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let error_for = move |field: &'static str| {
        move || {
            errors
                .get()
                .into_iter()
                .find(|(f, _)| f == field)
                .map(|(_, m)| view! { <p class="field-error" id=format!("{field}-error")>{m}</p> })
        }
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let form = OperatorForm {
            username: username.get_untracked(),
            role: Role::parse(&role_choice.get_untracked()),
            password: password.get_untracked().into(),
            saml_key: saml_key.get_untracked(),
        };
        let found: Vec<(String, String)> =
            operator_form_errors(&form, creating).into_iter().map(|e| (e.field, e.message)).collect();
        errors.set(found.clone());
        general_error.set(None);
        if !found.is_empty() {
            return;
        }
        pending.set(true);
        spawn_local(async move {
            let name = form.username.clone();
            let result = match id {
                None => api::create_operator(form).await,
                Some(id) => api::update_operator(id, form).await,
            };
            pending.set(false);
            match result {
                Ok(_) => {
                    notices.success(if creating {
                        format!("{name} was created.")
                    } else {
                        format!("{name} was updated.")
                    });
                    on_saved.run(());
                }
                Err(AppError::Invalid { field, message }) => errors.set(vec![(field, message)]),
                Err(e) => {
                    handle_session_end(&e);
                    general_error.set(Some(e.to_string()));
                }
            }
        });
    };

    let title = if creating { "Add a new user".to_string() } else { "Update user".to_string() };
    let roles = role.grantable_roles();
    view! {
        <Modal title=title on_close=on_close>
            <form class="form" on:submit=submit novalidate>
                <label for="operator-username">"Username"</label>
                <input id="operator-username" type="email" autocomplete="off" required autofocus
                    bind:value=username/>
                {error_for("username")}
                <label for="operator-role">"Role"</label>
                <select id="operator-role" required bind:value=role_choice>
                    <option value="" disabled=true>"Choose a role"</option>
                    {roles
                        .into_iter()
                        .map(|r| view! { <option value=r.as_str()>{r.label()}</option> })
                        .collect_view()}
                </select>
                {error_for("role")}
                <label for="operator-password">
                    "Password"
                    {(!creating).then_some(view! { <span class="muted">" (leave empty to keep)"</span> })}
                </label>
                <input id="operator-password" type="password" autocomplete="new-password"
                    required=creating bind:value=password/>
                {error_for("password")}
                <label for="operator-saml">"SAML Key" <span class="muted">" (optional)"</span></label>
                <input id="operator-saml" type="text" autocomplete="off" bind:value=saml_key/>
                {error_for("samlKey")}
                {move || general_error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <div class="form-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>
                        "Cancel"
                    </button>
                    <button type="submit" class="primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

#[component]
fn DeleteDialog(operator: OperatorSummary, on_close: Callback<()>, on_deleted: Callback<()>) -> impl IntoView {
    let id = operator.id;
    let name = StoredValue::new(operator.username.clone());
    let run =
        move || async move { api::delete_operator(id).await.map(|()| format!("{} was deleted.", name.get_value())) };
    view! {
        <ConfirmDialog title="Delete user" confirm_label="Delete permanently" danger=true run=run
            on_close=on_close on_done=on_deleted>
            <p>
                "Delete " <strong>{operator.username.clone()}</strong>
                "? This is irreversible: they will no longer be able to log in."
            </p>
        </ConfirmDialog>
    }
}

#[component]
fn EndSessionsDialog(operator: OperatorSummary, on_close: Callback<()>, on_ended: Callback<()>) -> impl IntoView {
    let id = operator.id;
    let name = StoredValue::new(operator.username.clone());
    let run = move || async move {
        api::end_operator_sessions(id).await.map(|ended| match ended {
            0 => format!("{} had no session; their API tokens have ended.", name.get_value()),
            1 => format!("1 session of {} has ended.", name.get_value()),
            n => format!("{n} sessions of {} have ended.", name.get_value()),
        })
    };
    view! {
        <ConfirmDialog title="End sessions" confirm_label="End every session" danger=true run=run
            on_close=on_close on_done=on_ended>
            <p>
                "Log " <strong>{operator.username.clone()}</strong>
                " out everywhere? Every dashboard session and API token of theirs ends at once; they can log in again."
            </p>
        </ConfirmDialog>
    }
}

#[component]
fn ResetTwoFactorDialog(operator: OperatorSummary, on_close: Callback<()>, on_reset: Callback<()>) -> impl IntoView {
    let id = operator.id;
    let name = StoredValue::new(operator.username.clone());
    let run = move || async move {
        api::reset_operator_two_factor(id)
            .await
            .map(|()| format!("Two-factor authentication of {} was removed; they were logged out.", name.get_value()))
    };
    view! {
        <ConfirmDialog title="Reset two-factor authentication" confirm_label="Reset" danger=true run=run
            on_close=on_close on_done=on_reset>
            <p>
                "Remove the two-factor authentication of " <strong>{operator.username.clone()}</strong>
                " (a lost phone)? Their sessions end and their recovery codes stop working; a password alone logs "
                "them in until they set it up again (at once if their role requires it)."
            </p>
        </ConfirmDialog>
    }
}
