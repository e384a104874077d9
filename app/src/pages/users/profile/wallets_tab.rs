//! The Wallets tab: the user's wallets, their balances (spendable, and booked with pending
//! payouts) and the actions the operator's role and each wallet's state allow (`Role::may`,
//! `EndUser::allows`, `Wallet::deactivation_refusal`: the server's own rules).

use leptos::prelude::*;
use shared::banking::{ReportKind, wallet_type_label};
use shared::domain::{Beneficiary, EndUser, Wallet, WalletStatus};
use shared::{Action, Role};

use super::Dialog;
use crate::api;
use crate::components::use_notices;

/// Downloads a report of a wallet (a PDF or the operations CSV) through its signed link.
pub(super) fn download(wallet_id: i64, kind: ReportKind, notices: crate::components::Notices) {
    crate::components::follow_signed_link(api::wallet_report_link(wallet_id, kind), notices);
}

#[component]
pub fn WalletsTab(
    wallets: Vec<Wallet>,
    beneficiaries: Vec<Beneficiary>,
    user: EndUser,
    role: Role,
    dialog: RwSignal<Option<Dialog>>,
) -> impl IntoView {
    let notices = use_notices();
    let offers = |action: Action| role.may(action) && user.allows(action);
    let user_id = user.id;
    let active: Vec<Wallet> = wallets.iter().filter(|w| w.is_active()).cloned().collect();
    let may_transfer = offers(Action::CreateWalletToWalletTransfer) && !active.is_empty();
    let header = view! {
        <div class="row-actions tab-actions">
            {offers(Action::AddWallet).then(|| view! {
                <button type="button" class="primary" on:click=move |_| dialog.set(Some(Dialog::WalletAdd(user_id)))>
                    "Add Wallet"
                </button>
            })}
            {may_transfer.then(|| {
                let active = active.clone();
                view! {
                    <button type="button" class="secondary"
                        on:click=move |_| dialog.set(Some(Dialog::WalletTransfer(active.clone())))>
                        "Create Wallet to Wallet Transfer"
                    </button>
                }
            })}
        </div>
    };
    if wallets.is_empty() {
        return view! { {header} <p class="empty">"This user has no wallet."</p> }.into_any();
    }
    let rows = wallets
        .into_iter()
        .map(|w| {
            let id = w.id;
            let is_active = w.is_active();
            let may_edit = is_active && offers(Action::EditWallet);
            let may_payout = is_active && offers(Action::MakePayout) && w.balance.minor > 0;
            let may_deactivate = role.may(Action::DeactivateWallet) && w.deactivation_refusal().is_none();
            let may_details = role.may(Action::GenerateAccountDetails);
            let may_statement = role.may(Action::GenerateStatement);
            let may_operations = role.may(Action::DownloadOperations);
            let (for_view, for_edit, for_payout, for_deactivate) = (w.clone(), w.clone(), w.clone(), w.clone());
            let (for_statement, for_operations) = (w.clone(), w.clone());
            let payees = beneficiaries.clone();
            let status_class = format!("status status-{}", w.status.name().to_lowercase());
            view! {
                <tr data-testid=format!("wallet-{id}")>
                    <td>{id}</td>
                    <td>{if w.name.is_empty() { "—".to_string() } else { w.name.clone() }}</td>
                    <td>{wallet_type_label(w.wallet_type_id)}</td>
                    <td><span class=status_class data-testid="wallet-status">{w.status.label()}</span></td>
                    <td>{w.balance.currency.code().to_string()}</td>
                    <td class="number" data-testid="wallet-balance">{w.balance.to_string()}</td>
                    <td class="number">{w.current_balance().to_string()}</td>
                    <td class="row-actions">
                        {role.may(Action::ViewWalletDetails).then(|| view! {
                            <button type="button" class="secondary"
                                on:click=move |_| dialog.set(Some(Dialog::WalletDetails(for_view.clone())))>
                                "View Wallet Details"
                            </button>
                        })}
                        {may_edit.then(|| view! {
                            <button type="button" class="secondary"
                                on:click=move |_| dialog.set(Some(Dialog::WalletEdit(for_edit.clone())))>"Edit Wallet"</button>
                        })}
                        {may_payout.then(|| view! {
                            <button type="button" class="secondary"
                                on:click=move |_| dialog.set(Some(Dialog::WalletPayout(for_payout.clone(), payees.clone())))>
                                "Make a Payout"
                            </button>
                        })}
                        {may_details.then(|| view! {
                            <button type="button" class="secondary"
                                on:click=move |_| download(id, ReportKind::AccountDetails, notices)>
                                "Generate Account details"
                            </button>
                        })}
                        {may_statement.then(|| view! {
                            <button type="button" class="secondary"
                                on:click=move |_| dialog.set(Some(Dialog::WalletStatement(for_statement.clone())))>
                                "Generate a Statement"
                            </button>
                        })}
                        {may_operations.then(|| view! {
                            <button type="button" class="secondary"
                                on:click=move |_| dialog.set(Some(Dialog::WalletOperations(for_operations.clone())))>
                                "Download Operations"
                            </button>
                        })}
                        {may_deactivate.then(|| view! {
                            <button type="button" class="danger"
                                on:click=move |_| dialog.set(Some(Dialog::WalletDeactivate(for_deactivate.clone())))>
                                "Deactivate Wallet"
                            </button>
                        })}
                        {(w.status == WalletStatus::Canceled).then(|| view! {
                            <span class="muted">"Deactivated: kept for the record"</span>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {header}
        <table class="data-table" aria-label="Wallets">
            <thead><tr><th scope="col">"Wallet id"</th><th scope="col">"Name"</th><th scope="col">"Type"</th>
                <th scope="col">"Status"</th><th scope="col">"Currency"</th><th scope="col">"Available"</th>
                <th scope="col">"Booked"</th><th scope="col">"Actions"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <p class="muted">"Available is what can be spent; booked adds the payouts still pending."</p>
    }
    .into_any()
}

#[component]
pub fn BeneficiariesTab(
    beneficiaries: Vec<Beneficiary>,
    user: EndUser,
    role: Role,
    dialog: RwSignal<Option<Dialog>>,
) -> impl IntoView {
    let user_id = user.id;
    let may_create = role.may(Action::CreateBeneficiary) && user.allows(Action::CreateBeneficiary);
    let may_edit = role.may(Action::EditBeneficiary) && user.allows(Action::EditBeneficiary);
    let header = may_create.then(|| view! {
        <div class="row-actions tab-actions">
            <button type="button" class="primary" on:click=move |_| dialog.set(Some(Dialog::BeneficiaryEdit(user_id, None)))>
                "Create Beneficiary"
            </button>
        </div>
    });
    if beneficiaries.is_empty() {
        return view! { {header} <p class="empty">"No beneficiary yet."</p> }.into_any();
    }
    view! {
        {header}
        <table class="data-table" aria-label="Beneficiaries">
            <thead><tr><th scope="col">"Name"</th><th scope="col">"IBAN"</th><th scope="col">"BIC"</th>
                <th scope="col">"Used"</th><th scope="col">"Active"</th><th scope="col">"Actions"</th></tr></thead>
            <tbody>
                {beneficiaries.into_iter().map(|b| {
                    let for_edit = b.clone();
                    view! { <tr>
                        <td>{b.name.clone()} {(!b.nick_name.is_empty()).then(|| view! { <span class="muted">{format!(" ({})", b.nick_name)}</span> })}</td>
                        <td class="mono">{shared::banking::grouped(&b.iban)}</td>
                        <td class="mono">{b.bic.clone()}</td>
                        <td class="number">{format!("{} times", b.usage_count)}</td>
                        <td>{if b.is_active { "Yes" } else { "No" }}</td>
                        <td class="row-actions">
                            {may_edit.then(|| view! {
                                <button type="button" class="secondary"
                                    on:click=move |_| dialog.set(Some(Dialog::BeneficiaryEdit(user_id, Some(for_edit.clone()))))>
                                    "Edit Beneficiary"
                                </button>
                            })}
                        </td>
                    </tr> }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
