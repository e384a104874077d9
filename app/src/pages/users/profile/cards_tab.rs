//! The Cards tab: the user's cards and the actions the operator's role and each card's state
//! allow (`Role::may`, `Card::allows`: the server's own rules): Activate card, Block card,
//! Unlock card and Update card settings.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::cards::{CardCommand, CardLimits, CardOptions, CardSettings, GroupStatus, RestrictionKind};
use shared::domain::{Card, CardStatus, EndUser};
use shared::money::Money;
use shared::{Action, Role};

use super::Dialog;
use crate::api;
use crate::components::{ConfirmDialog, Modal, use_notices};
use crate::shell::handle_session_end;

/// A limit as people read it: "500 EUR", or "No limit".
fn limit_text(value: i64, card: &Card) -> String {
    if value == 0 {
        return "No limit".into();
    }
    let minor = value.saturating_mul(10_i64.saturating_pow(card.currency.exponent()));
    Money::new(minor, card.currency.clone()).to_string()
}

fn options_text(o: CardOptions) -> String {
    let on: Vec<&str> = [(o.atm, "ATM"), (o.foreign, "abroad"), (o.online, "online"), (o.nfc, "contactless")]
        .into_iter()
        .filter_map(|(held, name)| held.then_some(name))
        .collect();
    if on.is_empty() { "Nowhere".into() } else { on.join(", ") }
}

#[component]
pub fn CardsTab(cards: Vec<Card>, user: EndUser, role: Role, dialog: RwSignal<Option<Dialog>>) -> impl IntoView {
    if cards.is_empty() {
        return view! { <p class="empty">"This user has no card."</p> }.into_any();
    }
    let offers = move |card: &Card, action: Action, command: CardCommand| {
        role.may(action) && user.allows(action) && card.allows(command)
    };
    let rows = cards
        .into_iter()
        .map(|c| {
            let may_activate = offers(&c, Action::ActivateCard, CardCommand::Activate);
            // Blocking protects: offered even for a canceled user (the server agrees).
            let may_block = role.may(Action::BlockCard) && c.allows(CardCommand::SetStatus(CardStatus::Lost));
            let may_unlock = c.status == CardStatus::Lock
                && offers(&c, Action::ActivateCard, CardCommand::SetStatus(CardStatus::Unlock))
                && role.may(Action::BlockCard);
            let may_settings = offers(&c, Action::UpdateCardSettings, CardCommand::UpdateSettings);
            let limits = format!(
                "Payments {} a day, {} a week · ATM {} a day, {} a week",
                limit_text(c.limits.payment_day, &c),
                limit_text(c.limits.payment_week, &c),
                limit_text(c.limits.atm_day, &c),
                limit_text(c.limits.atm_week, &c),
            );
            // No command is offered on a final card: say why instead of an empty cell.
            let final_note = c.status.is_final().then(|| view! {
                <span class="muted">{format!("{}: final, can never be unlocked", c.status.label())}</span>
            });
            let (for_activate, for_block, for_unlock, for_settings) = (c.clone(), c.clone(), c.clone(), c.clone());
            let for_details = c.clone();
            view! {
                <tr data-testid=format!("card-{}", c.id)>
                    <td>{c.id}</td>
                    <td class="mono">{c.masked_pan.clone()}</td>
                    <td data-testid="card-status">{c.status.label()}</td>
                    <td class="mono">{c.public_token.clone()}</td>
                    <td>{if c.is_live { "Yes" } else { "No" }}</td>
                    <td>{c.expiry_date.clone()}</td>
                    <td>{options_text(c.options)}</td>
                    <td data-testid="card-limits">{limits}</td>
                    <td class="row-actions">
                        {final_note}
                        <button type="button" class="secondary"
                            on:click=move |_| dialog.set(Some(Dialog::CardDetails(for_details.clone())))>"Transactions"</button>
                        {may_activate.then(|| view! {
                            <button type="button" class="secondary"
                                on:click=move |_| dialog.set(Some(Dialog::CardActivate(for_activate.clone())))>"Activate card"</button>
                        })}
                        {may_unlock.then(|| view! {
                            <button type="button" class="secondary"
                                on:click=move |_| dialog.set(Some(Dialog::CardUnlock(for_unlock.clone())))>"Unlock card"</button>
                        })}
                        {may_block.then(|| view! {
                            <button type="button" class="danger"
                                on:click=move |_| dialog.set(Some(Dialog::CardBlock(for_block.clone())))>"Block card"</button>
                        })}
                        {may_settings.then(|| view! {
                            <button type="button" class="secondary"
                                on:click=move |_| dialog.set(Some(Dialog::CardSettings(for_settings.clone())))>"Update card settings"</button>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data-table" aria-label="Cards">
            <thead><tr><th scope="col">"Card id"</th><th scope="col">"Masked PAN"</th><th scope="col">"Status"</th>
                <th scope="col">"Public token"</th><th scope="col">"Activated"</th><th scope="col">"Expires"</th>
                <th scope="col">"Works"</th><th scope="col">"Limits"</th><th scope="col">"Actions"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

fn card_name(card: &Card) -> String {
    format!("card #{} ({})", card.id, card.masked_pan)
}

/// "Activate card" or "Unlock card", after a confirmation.
#[component]
pub fn CardConfirmDialog(card: Card, unlock: bool, on_close: Callback<()>, on_done: Callback<()>) -> impl IntoView {
    let id = card.id;
    let run = move || async move {
        if unlock {
            api::set_card_status(id, CardStatus::Unlock).await.map(|_| format!("Card #{id} is unlocked."))
        } else {
            api::activate_card(id).await.map(|_| format!("Card #{id} is activated."))
        }
    };
    let (title, confirm_label) = if unlock { ("Unlock card", "Unlock") } else { ("Activate card", "Activate") };
    view! {
        <ConfirmDialog title=title confirm_label=confirm_label run=run on_close=on_close on_done=on_done>
            <p>{format!("{title}: {}?", card_name(&card))}</p>
        </ConfirmDialog>
    }
}

/// "Block card": a reason; lost, stolen and destroyed say they are final before confirming.
#[component]
pub fn BlockCardDialog(card: Card, on_close: Callback<()>, on_done: Callback<()>) -> impl IntoView {
    let notices = use_notices();
    let reason = RwSignal::new(None::<CardStatus>);
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let id = card.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(status) = reason.get() else {
            error.set(Some("Choose why the card is blocked.".into()));
            return;
        };
        pending.set(true);
        spawn_local(async move {
            let result = api::set_card_status(id, status).await;
            pending.set(false);
            match result {
                Ok(card) => {
                    notices.success(format!("Card #{id} is now {}.", card.status.label()));
                    on_done.run(());
                }
                Err(e) => {
                    handle_session_end(&e);
                    error.set(Some(e.to_string()));
                }
            }
        });
    };
    let choices: Vec<CardStatus> =
        CardStatus::BLOCK_REASONS.into_iter().filter(|s| card.allows(CardCommand::SetStatus(*s))).collect();
    view! {
        <Modal title="Block card".to_string() on_close=on_close>
            <form on:submit=submit>
                <p>{format!("Block {}.", card_name(&card))}</p>
                <label class="field">"Reason"
                    <select on:change=move |ev| reason.set(CardStatus::parse(&event_target_value(&ev)))>
                        <option value="" selected=true>"Choose a reason"</option>
                        {choices.into_iter().map(|s| view! { <option value=s.name()>{s.label()}</option> }).collect_view()}
                    </select>
                </label>
                {move || reason.get().filter(|s| s.is_final()).map(|s| view! {
                    <p class="caution" role="note">
                        {format!("{} is final: the card can never be unlocked or used again.", s.label())}
                    </p>
                })}
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <div class="form-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="danger" disabled=move || pending.get()>"Block"</button>
                </div>
            </form>
        </Modal>
    }
}

/// A picker of the restriction groups of `kind` a card may use (not canceled), and none.
fn group_picker(kind: RestrictionKind, label: &'static str, chosen: RwSignal<Option<i64>>) -> impl IntoView {
    let groups = LocalResource::new(move || api::list_restriction_groups(kind));
    let select_id = format!("card-group-{}", kind.name());
    let label_for = select_id.clone();
    view! {
        <label class="field" for=label_for>{label}
            <select id=select_id on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                <option value="" selected=move || chosen.get().is_none()>"None"</option>
                {move || groups.get().and_then(Result::ok).unwrap_or_default().into_iter()
                    .filter(|g| g.status != GroupStatus::Canceled || Some(g.id) == chosen.get_untracked())
                    .map(|g| {
                        let id = g.id;
                        let list = if g.is_whitelist { "only" } else { "all but" };
                        view! {
                            <option value=id.to_string() selected=move || chosen.get() == Some(id)>
                                {format!("{} ({list} {})", g.name, g.display_items())}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// "Update card settings": the ten limits, the four options, the restriction groups and the
/// tag. What was typed stays in the form when the server refuses it, with the refusal under it.
#[component]
pub fn CardSettingsDialog(card: Card, on_close: Callback<()>, on_done: Callback<()>) -> impl IntoView {
    let notices = use_notices();
    let id = card.id;
    let fields: Vec<(&'static str, RwSignal<String>)> =
        card.limits.fields().into_iter().map(|(name, value)| (name, RwSignal::new(value.to_string()))).collect();
    let options = RwSignal::new(card.options);
    let country_group = RwSignal::new(card.country_restriction_group_id);
    let mcc_group = RwSignal::new(card.mcc_restriction_group_id);
    let tag = RwSignal::new(card.card_tag.clone().unwrap_or_default());
    let seen = card.modified_date.clone();
    let error = RwSignal::new(None::<(String, String)>);
    let pending = RwSignal::new(false);
    let inputs = StoredValue::new(fields.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut limits = CardLimits::default();
        for (name, value) in inputs.get_value() {
            match value.get_untracked().trim().parse::<i64>() {
                Ok(n) => {
                    limits.set(name, n);
                }
                Err(_) => {
                    let label = CardLimits::label(name);
                    error.set(Some((name.into(), format!("{label} must be a whole number (0 for no limit)."))));
                    return;
                }
            }
        }
        if let Err(e) = limits.check() {
            error.set(Some((e.field, e.message)));
            return;
        }
        let settings = CardSettings {
            limits,
            options: options.get_untracked(),
            country_restriction_group_id: country_group.get_untracked(),
            mcc_restriction_group_id: mcc_group.get_untracked(),
            card_tag: Some(tag.get_untracked()),
        };
        pending.set(true);
        let seen = Some(seen.clone());
        spawn_local(async move {
            let result = api::update_card_settings(id, settings, seen).await;
            pending.set(false);
            match result {
                Ok(_) => {
                    notices.success(format!("The settings of card #{id} are saved."));
                    on_done.run(());
                }
                Err(e) => {
                    handle_session_end(&e);
                    let field = match &e {
                        crate::error::AppError::Invalid { field, .. } => field.clone(),
                        _ => String::new(),
                    };
                    error.set(Some((field, e.to_string())));
                }
            }
        });
    };
    let option_box = move |label: &'static str, get: fn(&CardOptions) -> bool, set: fn(&mut CardOptions, bool)| {
        view! {
            <label class="checkbox">
                <input type="checkbox" prop:checked=move || options.with(get)
                    on:change=move |ev| options.update(|o| set(o, event_target_checked(&ev)))/>
                {label}
            </label>
        }
    };
    view! {
        <Modal title="Update card settings".to_string() on_close=on_close>
            <form on:submit=submit class="card-settings">
                <p>{format!("Settings of {}. Limits are whole {}; 0 is no limit.", card_name(&card), card.currency.code())}</p>
                <fieldset>
                    <legend>"Limits"</legend>
                    <div class="form-grid">
                        {fields.into_iter().map(|(name, value)| {
                            let input_id = format!("limit-{name}");
                            let label_for = input_id.clone();
                            let invalid = move || error.with(|e| e.as_ref().is_some_and(|(f, _)| f == name));
                            view! {
                                <label class="field" for=label_for>{CardLimits::label(name)}
                                    <input id=input_id type="number" min="0" step="1" inputmode="numeric"
                                        aria-invalid=move || invalid().to_string()
                                        prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
                                </label>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
                <fieldset>
                    <legend>"Where the card works"</legend>
                    {option_box("ATM withdrawals", |o| o.atm, |o, v| o.atm = v)}
                    {option_box("Payments abroad", |o| o.foreign, |o, v| o.foreign = v)}
                    {option_box("Online payments", |o| o.online, |o, v| o.online = v)}
                    {option_box("Contactless (NFC)", |o| o.nfc, |o, v| o.nfc = v)}
                </fieldset>
                <fieldset>
                    <legend>"Restrictions"</legend>
                    {group_picker(RestrictionKind::Country, "Country restriction group", country_group)}
                    {group_picker(RestrictionKind::Mcc, "MCC restriction group", mcc_group)}
                    <label class="field" for="card-tag">"Card tag"
                        <input id="card-tag" maxlength="250" prop:value=move || tag.get()
                            on:input=move |ev| tag.set(event_target_value(&ev))/>
                    </label>
                </fieldset>
                {move || error.get().map(|(_, e)| view! { <p class="form-error" role="alert">{e}</p> })}
                <div class="form-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || pending.get()>"Save settings"</button>
                </div>
            </form>
        </Modal>
    }
}

/// A card's details: its settings and its last transactions.
#[component]
pub fn CardDetailsDialog(card: Card, on_close: Callback<()>) -> impl IntoView {
    let facts_rows = vec![
        ("Status", card.status.label().to_string()),
        ("Activated", if card.is_live { "Yes".into() } else { "No".into() }),
        ("Expires", card.expiry_date.clone()),
        ("Works", options_text(card.options)),
        ("Payments per day", limit_text(card.limits.payment_day, &card)),
        ("ATM per day", limit_text(card.limits.atm_day, &card)),
    ];
    view! {
        <Modal title=format!("Card #{} ({})", card.id, card.masked_pan) on_close=on_close>
            {super::facts(facts_rows)}
            <h3>"Last transactions"</h3>
            <crate::pages::card_transactions::CardTransactionsPreview card_id=card.id/>
            <div class="form-actions">
                <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Close"</button>
            </div>
        </Modal>
    }
}
