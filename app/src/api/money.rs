//! Server functions of the Wallets and Beneficiaries tabs. The backend checks every role and
//! rule (`shared::banking`); amounts travel as the decimal text the operator typed.

use leptos::prelude::*;
use server_fn::codec::Json;
use shared::banking::{BeneficiaryForm, Payout, ReportKind, Transfer, WalletDetails, WalletForm, WalletSummary};
use shared::documents::SignedLink;
use shared::domain::{Beneficiary, Wallet};

use crate::client::AppClient;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::ssr::with_actor;

/// "View Wallet Details".
#[server(endpoint = "wallets/details", input = Json, client = AppClient)]
pub async fn load_wallet_details(id: i64) -> Result<WalletDetails, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.wallet_details(&actor, id).await }).await
}

/// Any wallet and its holder (a transfer's receiving side, before confirming).
#[server(endpoint = "wallets/summary", input = Json, client = AppClient)]
pub async fn load_wallet_summary(id: i64) -> Result<WalletSummary, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.wallet_summary(&actor, id).await }).await
}

/// "Add Wallet".
#[server(endpoint = "wallets/add", input = Json, client = AppClient)]
pub async fn add_wallet(user_id: i64, form: WalletForm) -> Result<Wallet, AppError> {
    use backend::money::wallets::NewWallet;
    with_actor(|ctx, actor| async move {
        let new = NewWallet {
            user_id: Some(user_id),
            wallet_type_id: Some(form.wallet_type_id),
            currency: Some(form.currency),
            name: Some(form.name),
            tag: Some(form.tag),
            description: Some(form.description),
            ..NewWallet::default()
        };
        ctx.backend.create_wallet(&actor, &ctx.meta, new).await
    })
    .await
}

/// "Edit Wallet": name, tag, description.
#[server(endpoint = "wallets/edit", input = Json, client = AppClient)]
pub async fn edit_wallet(id: i64, form: WalletForm) -> Result<Wallet, AppError> {
    use backend::money::wallets::WalletPatch;
    with_actor(|ctx, actor| async move {
        let patch = WalletPatch { name: Some(form.name), tag: Some(form.tag), description: Some(form.description) };
        ctx.backend.update_wallet(&actor, &ctx.meta, id, patch).await
    })
    .await
}

/// "Deactivate Wallet" (balance 0; irreversible).
#[server(endpoint = "wallets/deactivate", input = Json, client = AppClient)]
pub async fn deactivate_wallet(id: i64) -> Result<Wallet, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.deactivate_wallet(&actor, &ctx.meta, id).await }).await
}

/// "Create Wallet to Wallet Transfer". `access_tag` is made when the dialog opens, so that a
/// double submit or a retry after a lost answer moves the money once.
#[server(endpoint = "transfers/create", input = Json, client = AppClient)]
pub async fn make_transfer(
    from: i64,
    to: i64,
    amount: String,
    currency: String,
    label: String,
    access_tag: String,
) -> Result<Transfer, AppError> {
    use backend::money::transfers::NewTransfer;
    with_actor(|ctx, actor| async move {
        let new = NewTransfer {
            wallet_id: Some(from),
            beneficiary_wallet_id: Some(to),
            amount: Some(amount),
            currency: Some(currency),
            label: Some(label),
            access_tag: Some(access_tag),
            ..NewTransfer::default()
        };
        ctx.backend.create_transfer(&actor, &ctx.meta, new).await
    })
    .await
}

/// "Make a Payout" (idempotent by `access_tag`, as transfers).
#[server(endpoint = "payouts/create", input = Json, client = AppClient)]
pub async fn make_payout(
    wallet_id: i64,
    beneficiary_id: i64,
    amount: String,
    currency: String,
    label: String,
    access_tag: String,
) -> Result<Payout, AppError> {
    use backend::money::payouts::NewPayout;
    with_actor(|ctx, actor| async move {
        let new = NewPayout {
            wallet_id: Some(wallet_id),
            beneficiary_id: Some(beneficiary_id),
            amount: Some(amount),
            currency: Some(currency),
            label: Some(label),
            access_tag: Some(access_tag),
            ..NewPayout::default()
        };
        ctx.backend.create_payout(&actor, &ctx.meta, new).await
    })
    .await
}

/// Cancels a pending payout (its money goes back).
#[server(endpoint = "payouts/cancel", input = Json, client = AppClient)]
pub async fn cancel_payout(id: i64) -> Result<Payout, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.cancel_payout(&actor, &ctx.meta, id).await }).await
}

/// Four-eyes: approves a payout that waits for a second operator.
#[server(endpoint = "payouts/approve", input = Json, client = AppClient)]
pub async fn approve_payout(id: i64) -> Result<Payout, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.approve_payout(&actor, &ctx.meta, id).await }).await
}

/// Payouts waiting for a second operator, oldest first.
#[server(endpoint = "payouts/awaiting-approval", input = Json, client = AppClient)]
pub async fn payouts_awaiting_approval() -> Result<Vec<Payout>, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.payouts_awaiting_approval(&actor, 100).await }).await
}

/// "Create Beneficiary" (`id` None) or "Edit Beneficiary".
#[server(endpoint = "beneficiaries/save", input = Json, client = AppClient)]
pub async fn save_beneficiary(user_id: i64, id: Option<i64>, form: BeneficiaryForm) -> Result<Beneficiary, AppError> {
    use backend::money::beneficiaries::{BeneficiaryPatch, NewBeneficiary};
    with_actor(|ctx, actor| async move {
        match id {
            None => {
                let new = NewBeneficiary {
                    user_id: Some(user_id),
                    name: Some(form.name),
                    nick_name: Some(form.nick_name),
                    address: Some(form.address),
                    iban: Some(form.iban),
                    bic: Some(form.bic),
                    ..NewBeneficiary::default()
                };
                ctx.backend.create_beneficiary(&actor, &ctx.meta, new).await
            }
            Some(id) => {
                let patch = BeneficiaryPatch {
                    name: Some(form.name),
                    nick_name: Some(form.nick_name),
                    address: Some(form.address),
                    is_active: Some(form.is_active),
                    ..BeneficiaryPatch::default()
                };
                ctx.backend.update_beneficiary(&actor, &ctx.meta, id, patch).await
            }
        }
    })
    .await
}

/// A signed link to a statement, the account details or an operations CSV of a wallet.
#[server(endpoint = "wallets/report-link", input = Json, client = AppClient)]
pub async fn wallet_report_link(wallet_id: i64, kind: ReportKind) -> Result<SignedLink, AppError> {
    with_actor(|ctx, actor| async move { ctx.backend.report_link(&actor, wallet_id, kind).await }).await
}
