//! API clients (Administration): the OAuth2 clients of the REST API. Create one (its secret
//! is shown once, never again), see when each last got a token, revoke one (its tokens end
//! at once).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dto::{ApiClientSummary, NewApiClientCredentials};
use shared::{Role, Scope};

use crate::api;
use crate::components::{ConfirmDialog, Loading, Modal, error_view, short_time};
use crate::error::AppError;
use crate::shell::handle_session_end;

#[derive(Clone)]
enum Dialog {
    Create,
    Created(NewApiClientCredentials),
    Revoke(ApiClientSummary),
}

#[component]
pub fn ApiClientsPage(role: Role) -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let clients = LocalResource::new(move || {
        reload.track();
        api::list_api_clients()
    });
    let dialog = RwSignal::new(None::<Dialog>);
    let refresh = move || reload.update(|n| *n += 1);

    let rows = move || {
        clients.get().map(|result| match result {
            Err(e) => error_view(e),
            Ok(list) if list.is_empty() => view! { <p class="empty">"No API client yet."</p> }.into_any(),
            Ok(list) => view! {
                <table class="data-table" aria-label="API clients">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Client ID"</th>
                            <th scope="col">"Scopes"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Last used"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {list
                            .into_iter()
                            .map(|c| {
                                let target = c.clone();
                                let scopes = c.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ");
                                view! {
                                    <tr data-client=c.client_id.clone()>
                                        <td>{c.name.clone()}</td>
                                        <td><code>{c.client_id.clone()}</code></td>
                                        <td>{scopes}</td>
                                        <td>{short_time(&c.created_at)}</td>
                                        <td>{c.last_used_at.as_deref().map(short_time).unwrap_or_else(|| "Never".into())}</td>
                                        <td>
                                            {match &c.revoked_at {
                                                Some(at) => view! {
                                                    <span class="status status-blocked">"Revoked " {short_time(at)}</span>
                                                }.into_any(),
                                                None => view! { <span class="status status-active">"Active"</span> }.into_any(),
                                            }}
                                        </td>
                                        <td class="row-actions">
                                            {c.revoked_at.is_none().then(|| view! {
                                                <button class="danger"
                                                    on:click=move |_| dialog.set(Some(Dialog::Revoke(target.clone())))>
                                                    "Revoke"
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
                <h1>"API clients"</h1>
                <button class="primary" on:click=move |_| dialog.set(Some(Dialog::Create))>"New API client"</button>
            </div>
            {move || rows().unwrap_or_else(|| view! { <Loading/> }.into_any())}
            {move || dialog.get().map(|d| {
                let close = Callback::new(move |_| dialog.set(None));
                match d {
                    Dialog::Create => {
                        let created = Callback::new(move |new: NewApiClientCredentials| {
                            refresh();
                            dialog.set(Some(Dialog::Created(new)));
                        });
                        view! { <CreateDialog role=role on_close=close on_created=created/> }.into_any()
                    }
                    Dialog::Created(new) => view! { <SecretOnceDialog created=new on_close=close/> }.into_any(),
                    Dialog::Revoke(client) => {
                        let id = client.id;
                        let name = StoredValue::new(client.name.clone());
                        let run = move || async move {
                            api::revoke_api_client(id).await.map(|_| format!("{} is revoked.", name.get_value()))
                        };
                        let done = Callback::new(move |_| {
                            dialog.set(None);
                            refresh();
                        });
                        view! {
                            <ConfirmDialog title="Revoke API client" confirm_label="Revoke" danger=true run=run
                                on_close=close on_done=done>
                                <p>
                                    "Revoke " <strong>{client.name.clone()}</strong> " ("
                                    <code>{client.client_id.clone()}</code>
                                    ")? Its tokens stop working at once and it can get no new one. This cannot be undone."
                                </p>
                            </ConfirmDialog>
                        }
                        .into_any()
                    }
                }
            })}
        </section>
    }
}

/// A name and the scopes to give (only those the operator holds: the server refuses more).
#[component]
fn CreateDialog(role: Role, on_close: Callback<()>, on_created: Callback<NewApiClientCredentials>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<Scope>::new());
    let error = RwSignal::new(None::<(String, String)>);
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let (n, scopes) = (name.get_untracked(), chosen.get_untracked());
        if n.trim().is_empty() {
            error.set(Some(("name".into(), "Name is required.".into())));
            return;
        }
        if scopes.is_empty() {
            error.set(Some(("scopes".into(), "Choose at least one scope.".into())));
            return;
        }
        error.set(None);
        pending.set(true);
        spawn_local(async move {
            let result = api::create_api_client(n, scopes).await;
            pending.set(false);
            match result {
                Ok(created) => on_created.run(created),
                Err(AppError::Invalid { field, message }) => error.set(Some((field, message))),
                Err(e) => {
                    handle_session_end(&e);
                    error.set(Some((String::new(), e.to_string())));
                }
            }
        });
    };
    let error_for = move |field: &'static str| {
        move || {
            error
                .get()
                .filter(|(f, _)| f == field || (field.is_empty() && f != "name" && f != "scopes"))
                .map(|(_, m)| view! { <p class="field-error" role="alert">{m}</p> })
        }
    };
    view! {
        <Modal title="New API client".to_string() on_close=on_close>
            <form class="form" on:submit=submit novalidate>
                <label for="api-client-name">"Name"</label>
                <input id="api-client-name" type="text" required autofocus maxlength="100"
                    placeholder="Partner integration" bind:value=name/>
                {error_for("name")}
                <fieldset>
                    <legend>"Scopes"</legend>
                    {Scope::ALL
                        .into_iter()
                        .filter(move |s| role.has_scope(*s))
                        .map(|scope| {
                            let id = format!("api-client-scope-{}", scope.as_str());
                            let label_for = id.clone();
                            view! {
                                <label class="checkbox" for=label_for>
                                    <input id=id type="checkbox"
                                        prop:checked=move || chosen.get().contains(&scope)
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            chosen.update(|list| {
                                                list.retain(|s| *s != scope);
                                                if on {
                                                    list.push(scope);
                                                }
                                            });
                                        }/>
                                    {scope.as_str()}
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                {error_for("scopes")}
                {error_for("")}
                <div class="form-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Creating…" } else { "Create" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

/// The new client's credentials, this once: closing the dialog forgets the secret.
#[component]
fn SecretOnceDialog(created: NewApiClientCredentials, on_close: Callback<()>) -> impl IntoView {
    view! {
        <Modal title="API client created".to_string() on_close=on_close>
            <p>
                "Copy the secret now and keep it somewhere safe: it is shown only this once. "
                "If it is lost, revoke this client and create another."
            </p>
            <label for="new-client-id">"Client ID"</label>
            <input id="new-client-id" type="text" readonly value=created.client.client_id.clone()/>
            <label for="new-client-secret">"Client secret"</label>
            <input id="new-client-secret" type="text" readonly autocomplete="off"
                value=created.client_secret.expose().to_string()/>
            <div class="form-actions">
                <button type="button" class="primary" autofocus on:click=move |_| on_close.run(())>
                    "I have stored the secret"
                </button>
            </div>
        </Modal>
    }
}
