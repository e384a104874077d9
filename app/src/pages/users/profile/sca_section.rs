//! The Profile tab's SCA devices section (shown when System Configuration enables it): the
//! selected device, a picklist when there are several, and a More menu with the commands the
//! device's state (`ScaDevice::allows`) and the operator's role allow, as the server checks.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::Role;
use shared::domain::EndUser;
use shared::sca::{IDENTITY_CAUTION, LockReason, ScaCommand, ScaDevice};

use super::{Dialog, facts};
use crate::api;
use crate::components::{ConfirmDialog, Loading, Modal, error_view, short_time, use_notices};
use crate::shell::handle_session_end;

fn device_facts(d: &ScaDevice) -> impl IntoView + use<> {
    let mut rows = vec![
        ("Status", d.state().label().to_string()),
        ("Created", short_time(&d.creation_date)),
        ("Device", d.kind.describe()),
        ("Tag", d.tag.clone().unwrap_or_default()),
    ];
    if d.locked {
        rows.push(("Lock reason", d.lock_reason.map(|r| r.label().to_string()).unwrap_or_default()));
        rows.push(("Message", d.lock_message.clone().unwrap_or_default()));
    }
    facts(rows)
}

/// One line naming a device in the picklist and the dialogs.
fn device_name(d: &ScaDevice) -> String {
    match &d.tag {
        Some(tag) => format!("#{} {} ({tag})", d.id, d.kind.describe()),
        None => format!("#{} {}", d.id, d.kind.describe()),
    }
}

#[component]
pub fn ScaSection(
    user: EndUser,
    devices: Vec<ScaDevice>,
    role: Role,
    dialog: RwSignal<Option<Dialog>>,
) -> impl IntoView {
    let selected = RwSignal::new(devices.first().map(|d| d.id));
    let menu_open = RwSignal::new(false);
    let user_id = user.id;
    let user = StoredValue::new(user);
    let devices = StoredValue::new(devices);
    let current = move || devices.with_value(|all| all.iter().find(|d| Some(d.id) == selected.get()).cloned());
    let commands = move || {
        current().map_or_else(Vec::new, |d| {
            ScaCommand::ALL
                .into_iter()
                .filter(|c| role.may(c.action()) && d.allows(*c) && user.with_value(|u| u.allows(c.action())))
                .map(|c| (c, d.clone()))
                .collect::<Vec<_>>()
        })
    };
    let picklist = move || {
        devices.with_value(|all| {
            (all.len() > 1).then(|| {
                view! {
                    <label class="field">"SCA device"
                        <select on:change=move |ev| selected.set(event_target_value(&ev).parse().ok())>
                            {all.iter().map(|d| view! {
                                <option value=d.id.to_string() selected=Some(d.id) == selected.get_untracked()>
                                    {device_name(d)}
                                </option>
                            }).collect_view()}
                        </select>
                    </label>
                }
            })
        })
    };
    view! {
        <section class="panel sca-section" data-testid="sca-devices">
            <div class="panel-header">
                <h3>"SCA devices"</h3>
                <div class="menu">
                    <button type="button" class="secondary" aria-label="SCA device commands" title="More" aria-haspopup="menu"
                        aria-expanded=move || menu_open.get().to_string()
                        on:click=move |_| menu_open.update(|o| *o = !*o)>"⋮"</button>
                    <Show when=move || menu_open.get()>
                        <div class="menu-items" role="menu">
                            {move || commands().into_iter().map(|(command, device)| view! {
                                <button type="button" role="menuitem" on:click=move |_| {
                                    menu_open.set(false);
                                    let next = match command {
                                        ScaCommand::Secure => Dialog::ScaSecure(device.clone()),
                                        other => Dialog::ScaConfirm(device.clone(), other),
                                    };
                                    dialog.set(Some(next));
                                }>{command.label()}</button>
                            }).collect_view()}
                            <button type="button" role="menuitem" on:click=move |_| {
                                menu_open.set(false);
                                dialog.set(Some(Dialog::ScaDeleted(user_id)));
                            }>"View deleted devices"</button>
                        </div>
                    </Show>
                </div>
            </div>
            {picklist}
            {move || match current() {
                None => view! { <p class="empty">"No SCA device is enrolled."</p> }.into_any(),
                Some(d) => device_facts(&d).into_any(),
            }}
        </section>
    }
}

/// "Secure SCA on this device": a reason (required) and an optional message.
#[component]
pub fn SecureDialog(device: ScaDevice, on_close: Callback<()>, on_done: Callback<()>) -> impl IntoView {
    let notices = use_notices();
    let reason = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let id = device.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(chosen) = LockReason::parse(&reason.get()) else {
            error.set(Some("Choose why the device is secured.".into()));
            return;
        };
        pending.set(true);
        spawn_local(async move {
            let result = api::secure_sca_device(id, chosen, message.get_untracked()).await;
            pending.set(false);
            match result {
                Ok(_) => {
                    notices.success(format!("SCA device #{id} is locked."));
                    on_done.run(());
                }
                // What was typed stays in the form.
                Err(e) => {
                    handle_session_end(&e);
                    error.set(Some(e.to_string()));
                }
            }
        });
    };
    view! {
        <Modal title="Secure SCA on this device".to_string() on_close=on_close>
            <form on:submit=submit>
                <p>{format!("Lock {}: the user can no longer authenticate with it until it is unlocked.", device_name(&device))}</p>
                <label class="field">"Lock reason"
                    <select on:change=move |ev| reason.set(event_target_value(&ev))>
                        <option value="" selected=true>"Choose a reason"</option>
                        {LockReason::ALL.into_iter().map(|r| view! { <option value=r.code()>{r.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label class="field">"Message"
                    <textarea maxlength="500" prop:value=move || message.get()
                        on:input=move |ev| message.set(event_target_value(&ev))></textarea>
                </label>
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <div class="form-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || pending.get()>"Secure"</button>
                </div>
            </form>
        </Modal>
    }
}

/// Unlock, Reset PIN or Delete, after a confirmation (the seed's caution for the first two;
/// irreversible for the last).
#[component]
pub fn ScaConfirmDialog(
    device: ScaDevice,
    command: ScaCommand,
    on_close: Callback<()>,
    on_done: Callback<()>,
) -> impl IntoView {
    let id = device.id;
    let run = move || async move {
        api::run_sca_command(id, command).await.map(|_| match command {
            ScaCommand::Unlock => format!("SCA device #{id} is unlocked."),
            ScaCommand::ResetPin => format!("The user must now choose a new PIN for SCA device #{id}."),
            _ => format!("SCA device #{id} was deleted. It stays under View deleted devices."),
        })
    };
    let (confirm_label, danger, warning) = match command {
        ScaCommand::Unlock => ("Unlock", false, IDENTITY_CAUTION),
        ScaCommand::ResetPin => ("Reset PIN", false, IDENTITY_CAUTION),
        _ => (
            "Delete",
            true,
            "This is irreversible: the device can never be used again. It stays listed under View deleted devices.",
        ),
    };
    view! {
        <ConfirmDialog title=command.label() confirm_label=confirm_label danger=danger run=run
            on_close=on_close on_done=on_done>
            <p>{format!("{} — {}?", command.label(), device_name(&device))}</p>
            <p class="caution" role="note">{warning}</p>
        </ConfirmDialog>
    }
}

/// "View deleted devices": every device that used to be enrolled, with its deletion date.
#[component]
pub fn DeletedDevicesDialog(user_id: i64, on_close: Callback<()>) -> impl IntoView {
    let deleted = LocalResource::new(move || api::list_deleted_sca_devices(user_id));
    let content = move || {
        deleted.get().map(|result| match result {
            Err(e) => error_view(e),
            Ok(list) if list.is_empty() => view! { <p class="empty">"No deleted device."</p> }.into_any(),
            Ok(list) => view! {
                <table data-testid="deleted-devices">
                    <thead><tr><th>"Device"</th><th>"Tag"</th><th>"Created"</th><th>"Deleted on"</th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|d| view! {
                            <tr>
                                <td>{format!("#{} {}", d.id, d.kind.describe())}</td>
                                <td>{d.tag.clone().unwrap_or_default()}</td>
                                <td>{short_time(&d.creation_date)}</td>
                                <td>{d.deletion_date.as_deref().map(short_time).unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any(),
        })
    };
    view! {
        <Modal title="Deleted SCA devices".to_string() on_close=on_close>
            <Transition fallback=|| view! { <Loading/> }>{content}</Transition>
            <div class="form-actions">
                <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Close"</button>
            </div>
        </Modal>
    }
}
