//! The Wallets and Beneficiaries tabs (read-only tables; the Cards tab is `cards_tab`).

use leptos::prelude::*;
use shared::domain::{Beneficiary, Wallet};

pub fn wallets_tab(wallets: &[Wallet]) -> AnyView {
    if wallets.is_empty() {
        return view! { <p class="empty">"This user has no wallet."</p> }.into_any();
    }
    view! {
        <table class="data-table" aria-label="Wallets">
            <thead><tr><th scope="col">"Wallet id"</th><th scope="col">"Type"</th><th scope="col">"Status"</th>
                <th scope="col">"Currency"</th><th scope="col">"Balance"</th></tr></thead>
            <tbody>
                {wallets.iter().map(|w| view! { <tr>
                    <td>{w.id}</td>
                    <td>{w.wallet_type_id}</td>
                    <td>{w.status.label()}</td>
                    <td>{w.balance.currency.code().to_string()}</td>
                    <td class="number" data-testid="wallet-balance">{w.balance.to_string()}</td>
                </tr> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

pub fn beneficiaries_tab(beneficiaries: &[Beneficiary]) -> AnyView {
    if beneficiaries.is_empty() {
        return view! { <p class="empty">"No beneficiary yet."</p> }.into_any();
    }
    view! {
        <table class="data-table" aria-label="Beneficiaries">
            <thead><tr><th scope="col">"Name"</th><th scope="col">"IBAN"</th><th scope="col">"BIC"</th>
                <th scope="col">"Used"</th></tr></thead>
            <tbody>
                {beneficiaries.iter().map(|b| view! { <tr>
                    <td>{b.name.clone()}</td>
                    <td class="mono">{b.iban.clone()}</td>
                    <td class="mono">{b.bic.clone()}</td>
                    <td class="number">{format!("{} times", b.usage_count)}</td>
                </tr> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
