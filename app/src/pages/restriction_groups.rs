//! Predef Restriction Groups (admin): the country and MCC groups that card settings apply.
//! Add, edit and cancel (a canceled group is kept, and no card can take it any more).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::cards::{GroupStatus, RestrictionGroup, RestrictionKind, clean_group};

use crate::api;
use crate::components::{ConfirmDialog, Loading, Modal, error_view, short_time, use_notices};
use crate::shell::handle_session_end;

#[derive(Clone)]
enum Dialog {
    /// Add (no group) or edit a group of this kind.
    Edit(RestrictionKind, Option<RestrictionGroup>),
    Cancel(RestrictionGroup),
}

#[component]
pub fn RestrictionGroupsPage() -> impl IntoView {
    let reload = RwSignal::new(0u32);
    let dialog = RwSignal::new(None::<Dialog>);
    let done = Callback::new(move |_: ()| {
        dialog.set(None);
        reload.update(|n| *n += 1);
    });
    let close = Callback::new(move |_: ()| dialog.set(None));
    view! {
        <section>
            <h1>"Predef Restriction Groups"</h1>
            <p class="muted">"Lists of countries or merchant categories that a card allows (only these) or refuses \
                (all but these), applied in a card's settings."</p>
            <GroupSection kind=RestrictionKind::Country reload=reload dialog=dialog/>
            <GroupSection kind=RestrictionKind::Mcc reload=reload dialog=dialog/>
            {move || dialog.get().map(|d| match d {
                Dialog::Edit(kind, group) => view! { <GroupDialog kind=kind group=group on_close=close on_done=done/> }.into_any(),
                Dialog::Cancel(group) => {
                    let (kind, id) = (group.kind, group.id);
                    let run = move || async move {
                        api::cancel_restriction_group(kind, id).await.map(|g| format!("{} is canceled.", g.name))
                    };
                    view! {
                        <ConfirmDialog title="Cancel restriction group" confirm_label="Cancel the group" danger=true
                            run=run on_close=close on_done=done>
                            <p>{format!("Cancel {}? No card can take it any more; cards that have it keep it until \
                                their settings change. This cannot be undone.", group.name)}</p>
                        </ConfirmDialog>
                    }
                    .into_any()
                }
            })}
        </section>
    }
}

#[component]
fn GroupSection(kind: RestrictionKind, reload: RwSignal<u32>, dialog: RwSignal<Option<Dialog>>) -> impl IntoView {
    let groups = LocalResource::new(move || {
        reload.track();
        api::list_restriction_groups(kind)
    });
    let title = match kind {
        RestrictionKind::Country => "Country restriction groups",
        RestrictionKind::Mcc => "MCC restriction groups",
    };
    let add_label = match kind {
        RestrictionKind::Country => "Add a country group",
        RestrictionKind::Mcc => "Add an MCC group",
    };
    let body = move || {
        groups.get().map(|result| match result {
            Err(e) => error_view(e),
            Ok(list) if list.is_empty() => view! { <p class="empty">"No group yet."</p> }.into_any(),
            Ok(list) => view! {
                <table class="data-table" aria-label=title>
                    <thead><tr><th scope="col">"Id"</th><th scope="col">"Name"</th><th scope="col">"Rule"</th>
                        <th scope="col">"Entries"</th><th scope="col">"Status"</th><th scope="col">"Modified"</th>
                        <th scope="col">"Actions"</th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|g| {
                            let live = g.status != GroupStatus::Canceled;
                            let (for_edit, for_cancel) = (g.clone(), g.clone());
                            view! {
                                <tr data-group-name=g.name.clone()>
                                    <td>{g.id}</td>
                                    <td>{g.name.clone()}</td>
                                    <td>{if g.is_whitelist { "Only these" } else { "All but these" }}</td>
                                    <td class="mono">{g.display_items()}</td>
                                    <td>{g.status.label()}</td>
                                    <td>{short_time(&g.modified_date)}</td>
                                    <td class="row-actions">
                                        {live.then(|| view! {
                                            <button type="button" class="secondary"
                                                on:click=move |_| dialog.set(Some(Dialog::Edit(kind, Some(for_edit.clone()))))>"Edit"</button>
                                            <button type="button" class="danger"
                                                on:click=move |_| dialog.set(Some(Dialog::Cancel(for_cancel.clone())))>"Cancel"</button>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any(),
        })
    };
    view! {
        <section class="panel">
            <div class="panel-header">
                <h2>{title}</h2>
                <button type="button" class="primary" on:click=move |_| dialog.set(Some(Dialog::Edit(kind, None)))>{add_label}</button>
            </div>
            <Transition fallback=|| view! { <Loading/> }>{body}</Transition>
        </section>
    }
}

/// Add or edit a group: name, rule, entries (comma or space separated). Checked in the
/// browser with the server's rule (`clean_group`); a refusal keeps what was typed.
#[component]
fn GroupDialog(
    kind: RestrictionKind,
    group: Option<RestrictionGroup>,
    on_close: Callback<()>,
    on_done: Callback<()>,
) -> impl IntoView {
    let notices = use_notices();
    let id = group.as_ref().map(|g| g.id);
    let name = RwSignal::new(group.as_ref().map(|g| g.name.clone()).unwrap_or_default());
    let whitelist = RwSignal::new(group.as_ref().is_none_or(|g| g.is_whitelist));
    let items = RwSignal::new(group.as_ref().map(RestrictionGroup::display_items).unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let entries: Vec<String> = items
            .get_untracked()
            .split([',', ' ', '\n'])
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
            .collect();
        let (clean_name, clean_items) = match clean_group(kind, &name.get_untracked(), &entries) {
            Ok(cleaned) => cleaned,
            Err(e) => {
                error.set(Some(e.message));
                return;
            }
        };
        pending.set(true);
        spawn_local(async move {
            let result =
                api::save_restriction_group(kind, id, clean_name, whitelist.get_untracked(), clean_items).await;
            pending.set(false);
            match result {
                Ok(g) => {
                    notices.success(format!("{} is saved.", g.name));
                    on_done.run(());
                }
                Err(e) => {
                    handle_session_end(&e);
                    error.set(Some(e.to_string()));
                }
            }
        });
    };
    let (title, entries_label, placeholder) = match (kind, id) {
        (RestrictionKind::Country, None) => ("Add a country group", "Countries", "FR, DE, ES"),
        (RestrictionKind::Country, Some(_)) => ("Edit country group", "Countries", "FR, DE, ES"),
        (RestrictionKind::Mcc, None) => ("Add an MCC group", "Merchant category codes", "7995, 7800"),
        (RestrictionKind::Mcc, Some(_)) => ("Edit MCC group", "Merchant category codes", "7995, 7800"),
    };
    view! {
        <Modal title=title.to_string() on_close=on_close>
            <form on:submit=submit>
                <label class="field" for="group-name">"Name"
                    <input id="group-name" maxlength="100" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <label class="checkbox">
                    <input type="checkbox" prop:checked=move || whitelist.get()
                        on:change=move |ev| whitelist.set(event_target_checked(&ev))/>
                    "Only these are allowed (unchecked: these are refused)"
                </label>
                <label class="field" for="group-items">{entries_label}
                    <textarea id="group-items" placeholder=placeholder prop:value=move || items.get()
                        on:input=move |ev| items.set(event_target_value(&ev))></textarea>
                </label>
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <div class="form-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Close"</button>
                    <button type="submit" class="primary" disabled=move || pending.get()>"Save"</button>
                </div>
            </form>
        </Modal>
    }
}
