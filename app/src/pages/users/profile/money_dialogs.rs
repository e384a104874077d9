//! The dialogs of the Wallets and Beneficiaries tabs. Money moves only after a confirmation
//! screen that shows both sides and the amount with its currency; a refusal stays in the
//! dialog with what was typed; each dialog makes its own `accessTag` when it opens, so a
//! double submit or a retry moves the money once.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::banking::{
    BeneficiaryForm, Direction, Iban, MovementStatus, ReportKind, WALLET_TYPES, WalletForm, WalletSummary, check_bic,
    grouped, payout_refusal, transfer_refusal,
};
use shared::domain::{Beneficiary, Wallet};
use shared::money::{Currency, Money};
use shared::{Action, Role};

use super::wallets_tab::download;
use crate::api;
use crate::components::{ConfirmDialog, Loading, Modal, error_view, use_notices};
use crate::error::AppError;
use crate::shell::handle_session_end;

/// A fresh idempotency key for one dialog.
fn new_access_tag(kind: &str) -> String {
    format!("dash-{kind}-{}-{}", js_sys::Date::now() as u64, (js_sys::Math::random() * 1e15) as u64)
}

/// A text field with its label; `error_for` marks it invalid when the error names it.
fn text_field(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    error: RwSignal<Option<(String, String)>>,
    field: &'static str,
    max: usize,
) -> impl IntoView {
    let invalid = move || error.with(|e| e.as_ref().is_some_and(|(f, _)| f == field));
    view! {
        <label class="field" for=id>{label}
            <input id=id maxlength=max.to_string() aria-invalid=move || invalid().to_string()
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
        </label>
    }
}

fn form_error(error: RwSignal<Option<(String, String)>>) -> impl IntoView {
    move || error.get().map(|(_, e)| view! { <p class="form-error" role="alert">{e}</p> })
}

/// The field a server refusal names, and its message.
fn refusal(e: &AppError) -> (String, String) {
    let field = match e {
        AppError::Invalid { field, .. } => field.clone(),
        _ => String::new(),
    };
    (field, e.to_string())
}

/// "Add Wallet" (`wallet` None) or "Edit Wallet".
#[component]
pub fn WalletFormDialog(
    user_id: i64,
    wallet: Option<Wallet>,
    on_close: Callback<()>,
    on_done: Callback<()>,
) -> impl IntoView {
    let notices = use_notices();
    let editing = wallet.clone();
    let name = RwSignal::new(wallet.as_ref().map(|w| w.name.clone()).unwrap_or_default());
    let currency =
        RwSignal::new(wallet.as_ref().map(|w| w.balance.currency.code().to_string()).unwrap_or("EUR".into()));
    let wallet_type = RwSignal::new(wallet.as_ref().map(|w| w.wallet_type_id).unwrap_or(9));
    let tag = RwSignal::new(wallet.as_ref().map(|w| w.tag.clone()).unwrap_or_default());
    let description = RwSignal::new(wallet.as_ref().map(|w| w.description.clone()).unwrap_or_default());
    let error = RwSignal::new(None::<(String, String)>);
    let pending = RwSignal::new(false);
    let edit_id = wallet.as_ref().map(|w| w.id);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if name.get_untracked().trim().is_empty() {
            error.set(Some(("eventName".into(), "The wallet's name is required.".into())));
            return;
        }
        if Currency::parse(&currency.get_untracked()).is_none() {
            error.set(Some(("currency".into(), "The currency is an ISO 4217 code (EUR, USD, GBP...).".into())));
            return;
        }
        let form = WalletForm {
            name: name.get_untracked(),
            currency: currency.get_untracked(),
            wallet_type_id: wallet_type.get_untracked(),
            tag: tag.get_untracked(),
            description: description.get_untracked(),
        };
        pending.set(true);
        spawn_local(async move {
            let result = match edit_id {
                None => api::add_wallet(user_id, form).await,
                Some(id) => api::edit_wallet(id, form).await,
            };
            pending.set(false);
            match result {
                Ok(w) => {
                    notices.success(match edit_id {
                        None => format!("Wallet #{} ({}) is added.", w.id, w.balance.currency),
                        Some(_) => format!("Wallet #{} is saved.", w.id),
                    });
                    on_done.run(());
                }
                Err(e) => {
                    handle_session_end(&e);
                    error.set(Some(refusal(&e)));
                }
            }
        });
    };
    let title = if editing.is_some() { "Edit Wallet" } else { "Add Wallet" };
    view! {
        <Modal title=title.to_string() on_close=on_close>
            <form on:submit=submit>
                {text_field("wallet-name", "Name", name, error, "eventName", 140)}
                {editing.is_none().then(|| view! {
                    <label class="field" for="wallet-currency">"Currency"
                        <input id="wallet-currency" maxlength="3" list="wallet-currencies" autocomplete="off"
                            prop:value=move || currency.get()
                            on:input=move |ev| currency.set(event_target_value(&ev).to_uppercase())/>
                        <datalist id="wallet-currencies">
                            {["EUR", "USD", "GBP", "CHF", "JPY", "KWD"].map(|c| view! { <option value=c/> }).collect_view()}
                        </datalist>
                    </label>
                    <label class="field" for="wallet-type">"Type"
                        <select id="wallet-type" on:change=move |ev| wallet_type.set(event_target_value(&ev).parse().unwrap_or(9))>
                            {WALLET_TYPES.map(|(id, label)| view! {
                                <option value=id.to_string() selected=move || wallet_type.get() == id>{label}</option>
                            }).collect_view()}
                        </select>
                    </label>
                })}
                {text_field("wallet-tag", "Tag", tag, error, "walletTag", 250)}
                {text_field("wallet-description", "Description", description, error, "eventMessage", 250)}
                {form_error(error)}
                <div class="form-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Saving…" } else if edit_id.is_some() { "Save" } else { "Add Wallet" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

/// "Deactivate Wallet": irreversible, at a zero balance only (the server checks it again).
#[component]
pub fn DeactivateWalletDialog(wallet: Wallet, on_close: Callback<()>, on_done: Callback<()>) -> impl IntoView {
    let id = wallet.id;
    let run = move || async move { api::deactivate_wallet(id).await.map(|_| format!("Wallet #{id} is deactivated.")) };
    view! {
        <ConfirmDialog title="Deactivate Wallet" confirm_label="Deactivate" danger=true run=run on_close=on_close on_done=on_done>
            <p>{format!("Deactivate {}?", wallet.title())}</p>
            <p class="caution" role="note">"This is irreversible: the wallet is kept for the record, but no money can enter or leave it again."</p>
        </ConfirmDialog>
    }
}

/// "View Wallet Details": balances, IBAN and BIC, the last operations and the payouts (a
/// pending one can be canceled; one waiting for four-eyes can be approved by another operator).
#[component]
pub fn WalletDetailsDialog(wallet: Wallet, role: Role, on_close: Callback<()>, on_done: Callback<()>) -> impl IntoView {
    let notices = use_notices();
    let id = wallet.id;
    let reload = RwSignal::new(0u32);
    let details = LocalResource::new(move || {
        reload.track();
        api::load_wallet_details(id)
    });
    let act = move |payout: i64, approve: bool| {
        spawn_local(async move {
            let result = if approve { api::approve_payout(payout).await } else { api::cancel_payout(payout).await };
            match result {
                Ok(p) => {
                    notices.success(format!("Payout #{} is {}.", p.id, if approve { "approved" } else { "canceled" }));
                    reload.update(|n| *n += 1);
                    on_done.run(());
                }
                Err(e) => {
                    handle_session_end(&e);
                    notices.failure(&e);
                }
            }
        });
    };
    view! {
        <Modal title=format!("Wallet {}", wallet.title()) on_close=on_close>
            <Transition fallback=|| view! { <Loading/> }>
                {move || details.get().map(|result| match result {
                    Err(e) => error_view(e),
                    Ok(d) => {
                        let w = d.wallet.clone();
                        let facts = super::facts(vec![
                            ("Holder", d.holder.clone()),
                            ("Status", w.status.label().to_string()),
                            ("Available balance", w.balance.to_string()),
                            ("Booked balance", w.current_balance().to_string()),
                            ("Pending payouts", w.held.to_string()),
                            ("IBAN", grouped(&w.iban)),
                            ("BIC", w.bic.clone()),
                            ("Created", w.created_date.chars().take(10).collect()),
                        ]);
                        let operations = if d.operations.is_empty() {
                            view! { <p class="empty">"No operation yet."</p> }.into_any()
                        } else {
                            view! {
                                <table class="data-table" aria-label="Last operations">
                                    <thead><tr><th scope="col">"Date"</th><th scope="col">"Operation"</th>
                                        <th scope="col">"Label"</th><th scope="col">"Amount"</th>
                                        <th scope="col">"Balance after"</th><th scope="col">"Status"</th></tr></thead>
                                    <tbody>{d.operations.iter().map(|o| {
                                        let sign = if o.direction == Direction::Credit { "+" } else { "−" };
                                        view! { <tr>
                                            <td>{o.created_at.chars().take(16).collect::<String>().replace('T', " ")}</td>
                                            <td>{format!("{} #{}", o.flow, o.object_id)}</td>
                                            <td>{o.label.clone()}</td>
                                            <td class="number">{format!("{sign}{}", o.amount)}</td>
                                            <td class="number">{o.balance_after.to_string()}</td>
                                            <td>{o.status.clone()}</td>
                                        </tr> }
                                    }).collect_view()}</tbody>
                                </table>
                            }.into_any()
                        };
                        let payouts = (!d.payouts.is_empty()).then(|| view! {
                            <h3>"Payouts"</h3>
                            <table class="data-table" aria-label="Payouts">
                                <thead><tr><th scope="col">"Payout"</th><th scope="col">"To IBAN"</th>
                                    <th scope="col">"Amount"</th><th scope="col">"Status"</th><th scope="col">"Actions"</th></tr></thead>
                                <tbody>{d.payouts.iter().map(|p| {
                                    let pid = p.id;
                                    let may_cancel = p.status == MovementStatus::Pending && role.may(Action::MakePayout);
                                    let may_approve = p.awaits_approval() && role.may(Action::ApprovePayout);
                                    let state = if p.awaits_approval() { "Waiting for approval".to_string() } else { p.status.label().to_string() };
                                    view! { <tr data-testid=format!("payout-{pid}")>
                                        <td>{format!("#{pid} {}", p.label)}</td>
                                        <td class="mono">{grouped(&p.iban)}</td>
                                        <td class="number">{p.amount.to_string()}</td>
                                        <td data-testid="payout-status">{state}</td>
                                        <td class="row-actions">
                                            {may_approve.then(|| view! {
                                                <button type="button" class="primary" on:click=move |_| act(pid, true)>"Approve"</button>
                                            })}
                                            {may_cancel.then(|| view! {
                                                <button type="button" class="danger" on:click=move |_| act(pid, false)>"Cancel payout"</button>
                                            })}
                                        </td>
                                    </tr> }
                                }).collect_view()}</tbody>
                            </table>
                        });
                        view! { {facts} <h3>"Last operations"</h3> {operations} {payouts} }.into_any()
                    }
                })}
            </Transition>
            <div class="form-actions">
                <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Close"</button>
            </div>
        </Modal>
    }
}

/// What a transfer's confirmation shows.
#[derive(Clone)]
struct TransferReview {
    from: Wallet,
    to: WalletSummary,
    amount: Money,
}

/// "Create Wallet to Wallet Transfer": from one of this user's active wallets to any active
/// wallet of the same currency, after a confirmation showing both sides.
#[component]
pub fn TransferDialog(wallets: Vec<Wallet>, on_close: Callback<()>, on_done: Callback<()>) -> impl IntoView {
    let notices = use_notices();
    let access_tag = StoredValue::new(new_access_tag("transfer"));
    let choices = StoredValue::new(wallets.clone());
    let from = RwSignal::new(wallets.first().map(|w| w.id).unwrap_or_default());
    let to = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let error = RwSignal::new(None::<(String, String)>);
    let review = RwSignal::new(None::<TransferReview>);
    let pending = RwSignal::new(false);
    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let Some(source) = choices.with_value(|ws| ws.iter().find(|w| w.id == from.get_untracked()).cloned()) else {
            error.set(Some(("walletId".into(), "Choose the wallet the money leaves.".into())));
            return;
        };
        let Ok(target) = to.get_untracked().trim().parse::<i64>() else {
            error.set(Some(("beneficiaryWalletId".into(), "The receiving wallet is a wallet id (a number).".into())));
            return;
        };
        let Some(money) = Money::parse_decimal(&amount.get_untracked(), source.balance.currency.clone()) else {
            let digits = source.balance.currency.exponent();
            error.set(Some(("amount".into(), format!("The amount is a number with at most {digits} decimals."))));
            return;
        };
        pending.set(true);
        spawn_local(async move {
            let found = api::load_wallet_summary(target).await;
            pending.set(false);
            match found {
                Err(e) => {
                    handle_session_end(&e);
                    let message = if matches!(e, AppError::NotFound) {
                        format!("Wallet #{target} does not exist.")
                    } else {
                        e.to_string()
                    };
                    error.set(Some(("beneficiaryWalletId".into(), message)));
                }
                Ok(summary) => {
                    let refused = if summary.wallet.id == source.id {
                        Some(shared::banking::MoneyRefusal::SameWallet)
                    } else {
                        transfer_refusal(
                            &source.balance,
                            source.is_active(),
                            summary.wallet.balance.currency.code(),
                            summary.wallet.is_active(),
                            &money,
                        )
                    };
                    match refused {
                        Some(r) => error.set(Some(("amount".into(), r.message().to_string()))),
                        None => review.set(Some(TransferReview { from: source, to: summary, amount: money })),
                    }
                }
            }
        });
    };
    let confirm = move |_| {
        let Some(r) = review.get_untracked() else { return };
        pending.set(true);
        spawn_local(async move {
            let result = api::make_transfer(
                r.from.id,
                r.to.wallet.id,
                r.amount.decimal(),
                r.amount.currency.code().to_string(),
                label.get_untracked(),
                access_tag.get_value(),
            )
            .await;
            pending.set(false);
            match result {
                Ok(t) => {
                    notices.success(format!(
                        "Transfer #{}: {} moved from wallet #{} to wallet #{}.",
                        t.id, t.amount, t.wallet_id, t.beneficiary_wallet_id
                    ));
                    on_done.run(());
                }
                Err(e) => {
                    handle_session_end(&e);
                    review.set(None);
                    error.set(Some(refusal(&e)));
                }
            }
        });
    };
    view! {
        <Modal title="Create Wallet to Wallet Transfer".to_string() on_close=on_close>
            {move || match review.get() {
                None => view! {
                    <form on:submit=check>
                        <label class="field" for="transfer-from">"From wallet"
                            <select id="transfer-from" on:change=move |ev| from.set(event_target_value(&ev).parse().unwrap_or_default())>
                                {choices.get_value().into_iter().map(|w| {
                                    let id = w.id;
                                    view! { <option value=id.to_string() selected=move || from.get() == id>
                                        {format!("{} — available {}", w.title(), w.balance)}
                                    </option> }
                                }).collect_view()}
                            </select>
                        </label>
                        {text_field("transfer-to", "To wallet id", to, error, "beneficiaryWalletId", 20)}
                        {text_field("transfer-amount", "Amount", amount, error, "amount", 24)}
                        {text_field("transfer-label", "Label", label, error, "label", 140)}
                        {form_error(error)}
                        <div class="form-actions">
                            <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                            <button type="submit" class="primary" disabled=move || pending.get()>
                                {move || if pending.get() { "Checking…" } else { "Review transfer" }}
                            </button>
                        </div>
                    </form>
                }.into_any(),
                Some(r) => view! {
                    <div class="review" data-testid="transfer-review">
                        <p>"Please check before the money moves:"</p>
                        {super::facts(vec![
                            ("From", format!("{} — {}", r.from.title(), r.from.balance)),
                            ("To", format!("{} — {}", r.to.wallet.title(), r.to.holder)),
                            ("Amount", r.amount.to_string()),
                            ("Label", label.get_untracked()),
                        ])}
                        <div class="form-actions">
                            <button type="button" class="secondary" on:click=move |_| review.set(None)>"Back"</button>
                            <button type="button" class="primary" disabled=move || pending.get() on:click=confirm>
                                {format!("Transfer {}", r.amount)}
                            </button>
                        </div>
                    </div>
                }.into_any(),
            }}
        </Modal>
    }
}

/// "Make a Payout": to an active beneficiary of the wallet's owner, after a confirmation that
/// shows the wallet, the beneficiary's IBAN and the amount.
#[component]
pub fn PayoutDialog(
    wallet: Wallet,
    beneficiaries: Vec<Beneficiary>,
    on_close: Callback<()>,
    on_done: Callback<()>,
) -> impl IntoView {
    let notices = use_notices();
    let access_tag = StoredValue::new(new_access_tag("payout"));
    let payees: Vec<Beneficiary> = beneficiaries.into_iter().filter(|b| b.is_active).collect();
    let payees = StoredValue::new(payees);
    let chosen = RwSignal::new(payees.with_value(|p| p.first().map(|b| b.id)));
    let amount = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let error = RwSignal::new(None::<(String, String)>);
    let review = RwSignal::new(None::<(Beneficiary, Money)>);
    let pending = RwSignal::new(false);
    let settings = LocalResource::new(api::load_system_settings);
    let source = StoredValue::new(wallet.clone());
    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let w = source.get_value();
        let Some(payee) = payees.with_value(|p| p.iter().find(|b| Some(b.id) == chosen.get_untracked()).cloned())
        else {
            error.set(Some((
                "beneficiaryId".into(),
                "Choose the beneficiary (create one in the Beneficiaries tab).".into(),
            )));
            return;
        };
        let Some(money) =
            Money::parse_decimal(&amount.get_untracked(), w.balance.currency.clone()).filter(|m| m.minor > 0)
        else {
            let digits = w.balance.currency.exponent();
            error.set(Some((
                "amount".into(),
                format!("The amount is a number above 0 with at most {digits} decimals."),
            )));
            return;
        };
        if let Some(refused) = payout_refusal(&w, payee.user_id, payee.is_active, &money) {
            error.set(Some(("amount".into(), refused.message().into())));
            return;
        }
        error.set(None);
        review.set(Some((payee, money)));
    };
    let confirm = move |_| {
        let Some((payee, money)) = review.get_untracked() else { return };
        pending.set(true);
        let wallet_id = source.with_value(|w| w.id);
        spawn_local(async move {
            let result = api::make_payout(
                wallet_id,
                payee.id,
                money.decimal(),
                money.currency.code().to_string(),
                label.get_untracked(),
                access_tag.get_value(),
            )
            .await;
            pending.set(false);
            match result {
                Ok(p) => {
                    let waits = if p.awaits_approval() { " It waits for a second operator's approval." } else { "" };
                    notices.success(format!("Payout #{} of {} to {} is pending.{waits}", p.id, p.amount, payee.name));
                    on_done.run(());
                }
                Err(e) => {
                    handle_session_end(&e);
                    review.set(None);
                    error.set(Some(refusal(&e)));
                }
            }
        });
    };
    let has_payees = payees.with_value(|p| !p.is_empty());
    view! {
        <Modal title="Make a Payout".to_string() on_close=on_close>
            {move || match review.get() {
                None => view! {
                    <form on:submit=check>
                        <p>{format!("From {} — available {}", wallet.title(), wallet.balance)}</p>
                        {(!has_payees).then(|| view! { <p class="caution" role="note">"This user has no active beneficiary: create one in the Beneficiaries tab first."</p> })}
                        <label class="field" for="payout-beneficiary">"Beneficiary"
                            <select id="payout-beneficiary" on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                                {payees.get_value().into_iter().map(|b| {
                                    let id = b.id;
                                    view! { <option value=id.to_string() selected=move || chosen.get() == Some(id)>
                                        {format!("{} — {}", b.name, grouped(&b.iban))}
                                    </option> }
                                }).collect_view()}
                            </select>
                        </label>
                        {text_field("payout-amount", "Amount", amount, error, "amount", 24)}
                        {text_field("payout-label", "Label", label, error, "label", 140)}
                        {form_error(error)}
                        <div class="form-actions">
                            <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                            <button type="submit" class="primary" disabled=!has_payees>"Review payout"</button>
                        </div>
                    </form>
                }.into_any(),
                Some((payee, money)) => {
                    let needs_approval = settings.get().and_then(Result::ok).is_some_and(|s| s.payout_needs_approval(&money));
                    view! {
                        <div class="review" data-testid="payout-review">
                            <p>"Please check before the money leaves:"</p>
                            {super::facts(vec![
                                ("From", source.with_value(|w| w.title())),
                                ("To", format!("{} — {} ({})", payee.name, grouped(&payee.iban), payee.bic)),
                                ("Amount", money.to_string()),
                                ("Label", label.get_untracked()),
                            ])}
                            {needs_approval.then(|| view! { <p class="caution" role="note">"Above the approval threshold: a second operator must approve it before it is sent."</p> })}
                            <p class="muted">"The payout stays pending, and can be canceled, until it is sent."</p>
                            <div class="form-actions">
                                <button type="button" class="secondary" on:click=move |_| review.set(None)>"Back"</button>
                                <button type="button" class="primary" disabled=move || pending.get() on:click=confirm>
                                    {format!("Pay out {}", money)}
                                </button>
                            </div>
                        </div>
                    }.into_any()
                }
            }}
        </Modal>
    }
}

/// Today in UTC as YYYY-MM-DD (the browser's clock).
fn today() -> String {
    let now = js_sys::Date::new_0();
    format!("{:04}-{:02}-{:02}", now.get_utc_full_year(), now.get_utc_month() + 1, now.get_utc_date())
}

/// "Generate a Statement": a month, then the PDF downloads.
#[component]
pub fn StatementDialog(wallet: Wallet, on_close: Callback<()>) -> impl IntoView {
    let notices = use_notices();
    let month = RwSignal::new(today()[..7].to_string());
    let error = RwSignal::new(None::<(String, String)>);
    let id = wallet.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = month.get_untracked();
        let parsed = text.split_once('-').and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)));
        match parsed {
            Some((year, month)) if (1..=12).contains(&month) => {
                download(id, ReportKind::Statement { year, month }, notices);
                on_close.run(());
            }
            _ => error.set(Some(("month".into(), "Choose a month.".into()))),
        }
    };
    view! {
        <Modal title="Generate a Statement".to_string() on_close=on_close>
            <form on:submit=submit>
                <p>{format!("Statement of {}: opening balance, every operation, closing balance.", wallet.title())}</p>
                <label class="field" for="statement-month">"Month"
                    <input id="statement-month" type="month" prop:value=move || month.get()
                        on:input=move |ev| month.set(event_target_value(&ev))/>
                </label>
                {form_error(error)}
                <div class="form-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary">"Download statement (PDF)"</button>
                </div>
            </form>
        </Modal>
    }
}

/// "Download Operations": a date range, then the CSV downloads.
#[component]
pub fn OperationsDialog(wallet: Wallet, on_close: Callback<()>) -> impl IntoView {
    let notices = use_notices();
    let to = RwSignal::new(today());
    let from = RwSignal::new(format!("{}-01", &today()[..7]));
    let error = RwSignal::new(None::<(String, String)>);
    let id = wallet.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (f, t) = (from.get_untracked(), to.get_untracked());
        if f.len() != 10 || t.len() != 10 {
            error.set(Some(("dateFrom".into(), "Choose both days.".into())));
        } else if t < f {
            error.set(Some(("dateTo".into(), "The last day comes after the first.".into())));
        } else {
            download(id, ReportKind::Operations { from: f, to: t }, notices);
            on_close.run(());
        }
    };
    view! {
        <Modal title="Download Operations".to_string() on_close=on_close>
            <form on:submit=submit>
                <p>{format!("Operations of {} as CSV, oldest first.", wallet.title())}</p>
                <label class="field" for="operations-from">"From (included)"
                    <input id="operations-from" type="date" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev))/>
                </label>
                <label class="field" for="operations-to">"To (included)"
                    <input id="operations-to" type="date" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev))/>
                </label>
                {form_error(error)}
                <div class="form-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary">"Download CSV"</button>
                </div>
            </form>
        </Modal>
    }
}

/// "Create Beneficiary" (`existing` None: IBAN and BIC checked as typed) or "Edit
/// Beneficiary" (the IBAN and BIC stay: another account is another beneficiary).
#[component]
pub fn BeneficiaryDialog(
    user_id: i64,
    existing: Option<Beneficiary>,
    on_close: Callback<()>,
    on_done: Callback<()>,
) -> impl IntoView {
    let notices = use_notices();
    let editing = existing.clone();
    let name = RwSignal::new(existing.as_ref().map(|b| b.name.clone()).unwrap_or_default());
    let nick_name = RwSignal::new(existing.as_ref().map(|b| b.nick_name.clone()).unwrap_or_default());
    let address = RwSignal::new(existing.as_ref().map(|b| b.address.clone()).unwrap_or_default());
    let iban = RwSignal::new(String::new());
    let bic = RwSignal::new(String::new());
    let active = RwSignal::new(existing.as_ref().is_none_or(|b| b.is_active));
    let error = RwSignal::new(None::<(String, String)>);
    let pending = RwSignal::new(false);
    let id = existing.as_ref().map(|b| b.id);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if name.get_untracked().trim().is_empty() {
            error.set(Some(("name".into(), "The name is required.".into())));
            return;
        }
        if id.is_none() {
            if let Err(e) = Iban::parse(&iban.get_untracked()) {
                error.set(Some((e.field, e.message)));
                return;
            }
            if let Err(e) = check_bic(&bic.get_untracked()) {
                error.set(Some((e.field, e.message)));
                return;
            }
        }
        let form = BeneficiaryForm {
            name: name.get_untracked(),
            nick_name: nick_name.get_untracked(),
            address: address.get_untracked(),
            iban: iban.get_untracked(),
            bic: bic.get_untracked(),
            is_active: active.get_untracked(),
        };
        pending.set(true);
        spawn_local(async move {
            let result = api::save_beneficiary(user_id, id, form).await;
            pending.set(false);
            match result {
                Ok(b) => {
                    notices.success(format!("Beneficiary {} is saved.", b.name));
                    on_done.run(());
                }
                Err(e) => {
                    handle_session_end(&e);
                    error.set(Some(refusal(&e)));
                }
            }
        });
    };
    let title = if editing.is_some() { "Edit Beneficiary" } else { "Create Beneficiary" };
    view! {
        <Modal title=title.to_string() on_close=on_close>
            <form on:submit=submit>
                {text_field("beneficiary-name", "Name", name, error, "name", 70)}
                {text_field("beneficiary-nickname", "Nickname", nick_name, error, "nickName", 70)}
                {text_field("beneficiary-address", "Address", address, error, "address", 250)}
                {match editing.clone() {
                    None => view! {
                        {text_field("beneficiary-iban", "IBAN", iban, error, "iban", 42)}
                        {text_field("beneficiary-bic", "BIC", bic, error, "bic", 11)}
                    }.into_any(),
                    Some(b) => view! {
                        {super::facts(vec![("IBAN", grouped(&b.iban)), ("BIC", b.bic.clone()), ("Used", format!("{} times", b.usage_count))])}
                        <label class="checkbox"><input type="checkbox" prop:checked=move || active.get()
                            on:change=move |ev| active.set(event_target_checked(&ev))/>"Active (can receive payouts)"</label>
                    }.into_any(),
                }}
                {form_error(error)}
                <div class="form-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Saving…" } else { "Save beneficiary" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}
