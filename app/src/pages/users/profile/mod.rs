//! Profile Boards: one tab per opened user; inside, the tabs Profile, KYC, Wallets, Cards,
//! Beneficiaries and Children Users (one module each), and the actions the operator's role
//! and the user's state allow (`Role::may` and `EndUser::allows`, the server's own rules).

mod cards_tab;
mod children_tab;
mod dialogs;
mod kyc_tab;
mod kyc_upload;
mod money_dialogs;
mod profile_tab;
mod sca_section;
mod wallets_tab;

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use shared::domain::{Beneficiary, Card, EndUser, TaxResidence, Wallet};
use shared::dto::UserProfile;
use shared::sca::{ScaCommand, ScaDevice};
use shared::{Action, Role};

use super::OpenProfiles;
use super::form::EditUserDialog;
use super::tax::TaxResidencesDialog;
use crate::api;
use crate::components::{Loading, error_view};
use cards_tab::{BlockCardDialog, CardConfirmDialog, CardDetailsDialog, CardSettingsDialog};
use dialogs::{DeactivateDialog, ForgotPasswordDialog};
use money_dialogs::{
    BeneficiaryDialog, DeactivateWalletDialog, OperationsDialog, PayoutDialog, StatementDialog, TransferDialog,
    WalletDetailsDialog, WalletFormDialog,
};
use sca_section::{DeletedDevicesDialog, ScaConfirmDialog, SecureDialog};

#[component]
pub fn ProfilesBoardPage(role: Role) -> impl IntoView {
    let profiles = expect_context::<OpenProfiles>();
    // `/profiles?userId=N` opens that user (links and reloads).
    let query = use_location().query;
    Effect::new(move |_| {
        if let Some(id) = query.with(|q| q.get("userId")).and_then(|v| v.parse::<i64>().ok()) {
            profiles.open(id, format!("#{id}"));
        }
    });
    let tabs = move || {
        profiles
            .tabs
            .get()
            .into_iter()
            .map(|(id, label)| {
                let selected = move || profiles.active.get() == Some(id);
                let close_label = format!("Close {label}");
                view! {
                    <div class="user-tab" class:active=selected>
                        <button type="button" role="tab" id=format!("user-tab-{id}") aria-selected=move || selected().to_string()
                            aria-controls="user-board" on:click=move |_| profiles.active.set(Some(id))>
                            {label}
                        </button>
                        <button type="button" class="link close-tab" aria-label=close_label
                            on:click=move |_| profiles.close(id)>"×"</button>
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        <section>
            <h1>"Profiles Board"</h1>
            <Show when=move || !profiles.tabs.with(Vec::is_empty)
                fallback=|| view! { <p class="empty">"No user is open. Search for a user above, or pick one in All Users."</p> }>
                <div class="user-tabs" role="tablist" aria-label="Open users">{tabs}</div>
                <div id="user-board" role="tabpanel">
                    {move || profiles.active.get().map(|id| view! { <UserBoard id=id role=role/> })}
                </div>
            </Show>
        </section>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Profile,
    Kyc,
    Wallets,
    Cards,
    Beneficiaries,
    Children,
}

impl Tab {
    const ALL: [Tab; 6] = [Tab::Profile, Tab::Kyc, Tab::Wallets, Tab::Cards, Tab::Beneficiaries, Tab::Children];

    fn label(self) -> &'static str {
        match self {
            Tab::Profile => "Profile",
            Tab::Kyc => "KYC",
            Tab::Wallets => "Wallets",
            Tab::Cards => "Cards",
            Tab::Beneficiaries => "Beneficiaries",
            Tab::Children => "Children Users",
        }
    }
}

/// The dialog open over a board, if any.
#[derive(Clone)]
pub(super) enum Dialog {
    Edit(EndUser),
    Deactivate(EndUser),
    TaxResidences(EndUser, Vec<TaxResidence>),
    ForgotPassword(i64, String),
    ScaSecure(ScaDevice),
    ScaConfirm(ScaDevice, ScaCommand),
    /// The deleted devices of this user.
    ScaDeleted(i64),
    CardActivate(Card),
    CardUnlock(Card),
    CardBlock(Card),
    CardSettings(Card),
    CardDetails(Card),
    /// "Add Wallet" for this user.
    WalletAdd(i64),
    WalletEdit(Wallet),
    WalletDeactivate(Wallet),
    WalletDetails(Wallet),
    /// A transfer from one of these (the user's active wallets).
    WalletTransfer(Vec<Wallet>),
    WalletPayout(Wallet, Vec<Beneficiary>),
    WalletStatement(Wallet),
    WalletOperations(Wallet),
    /// Create (None) or edit a beneficiary of this user.
    BeneficiaryEdit(i64, Option<Beneficiary>),
}

/// One user's board. Reloads after each action.
#[component]
fn UserBoard(id: i64, role: Role) -> impl IntoView {
    let profiles = expect_context::<OpenProfiles>();
    let reload = RwSignal::new(0u32);
    let profile = LocalResource::new(move || {
        reload.track();
        api::load_user_profile(id)
    });
    // Read with each board: a change in System Configuration shows at once.
    let settings = LocalResource::new(api::load_system_settings);
    let tab = RwSignal::new(Tab::Profile);
    let dialog = RwSignal::new(None::<Dialog>);
    // From an action's success until the board shows the new data: the board is "busy" and
    // its buttons take no click, so that no dialog opens on what the action just changed.
    let refreshing = RwSignal::new(false);
    let refresh = Callback::new(move |_: ()| {
        dialog.set(None);
        refreshing.set(true);
        reload.update(|n| *n += 1);
    });
    Effect::new(move |_| {
        if profile.with(Option::is_some) {
            refreshing.set(false);
        }
    });

    let content = move || {
        profile.get().map(|result| match result {
            Err(e) => error_view(e),
            Ok(p) => {
                profiles.relabel(id, p.user.tab_label());
                let settings = settings.get().and_then(Result::ok).unwrap_or_default();
                view! {
                    <UserBoardContent profile=p role=role tab=tab dialog=dialog refresh=refresh
                        forgot_enabled=settings.send_forgot_password sca_enabled=settings.sca_devices_section/>
                }
                .into_any()
            }
        })
    };
    view! {
        <div class="board" aria-busy=move || refreshing.get().to_string()>
            <Transition fallback=|| view! { <Loading/> }>{content}</Transition>
        </div>
        {move || dialog.get().map(|d| {
            let close = Callback::new(move |_| dialog.set(None));
            match d {
                Dialog::Edit(user) => view! { <EditUserDialog user=user on_close=close on_saved=refresh/> }.into_any(),
                Dialog::Deactivate(user) => view! { <DeactivateDialog user=user on_close=close on_done=refresh/> }.into_any(),
                Dialog::ForgotPassword(user_id, email) => view! {
                    <ForgotPasswordDialog user_id=user_id email=email on_close=close/>
                }.into_any(),
                Dialog::TaxResidences(user, list) => view! {
                    <TaxResidencesDialog user=user residences=list on_close=close on_saved=refresh/>
                }.into_any(),
                Dialog::ScaSecure(device) => view! { <SecureDialog device=device on_close=close on_done=refresh/> }.into_any(),
                Dialog::ScaConfirm(device, command) => view! {
                    <ScaConfirmDialog device=device command=command on_close=close on_done=refresh/>
                }.into_any(),
                Dialog::ScaDeleted(user_id) => view! { <DeletedDevicesDialog user_id=user_id on_close=close/> }.into_any(),
                Dialog::CardActivate(card) => view! {
                    <CardConfirmDialog card=card unlock=false on_close=close on_done=refresh/>
                }.into_any(),
                Dialog::CardUnlock(card) => view! {
                    <CardConfirmDialog card=card unlock=true on_close=close on_done=refresh/>
                }.into_any(),
                Dialog::CardBlock(card) => view! { <BlockCardDialog card=card on_close=close on_done=refresh/> }.into_any(),
                Dialog::CardSettings(card) => view! { <CardSettingsDialog card=card on_close=close on_done=refresh/> }.into_any(),
                Dialog::CardDetails(card) => view! { <CardDetailsDialog card=card on_close=close/> }.into_any(),
                Dialog::WalletAdd(user_id) => view! {
                    <WalletFormDialog user_id=user_id wallet=None on_close=close on_done=refresh/>
                }.into_any(),
                Dialog::WalletEdit(wallet) => view! {
                    <WalletFormDialog user_id=wallet.user_id wallet=Some(wallet) on_close=close on_done=refresh/>
                }.into_any(),
                Dialog::WalletDeactivate(wallet) => view! {
                    <DeactivateWalletDialog wallet=wallet on_close=close on_done=refresh/>
                }.into_any(),
                Dialog::WalletDetails(wallet) => view! {
                    <WalletDetailsDialog wallet=wallet role=role on_close=close on_done=Callback::new(move |_| reload.update(|n| *n += 1))/>
                }.into_any(),
                Dialog::WalletTransfer(wallets) => view! { <TransferDialog wallets=wallets on_close=close on_done=refresh/> }.into_any(),
                Dialog::WalletPayout(wallet, beneficiaries) => view! {
                    <PayoutDialog wallet=wallet beneficiaries=beneficiaries on_close=close on_done=refresh/>
                }.into_any(),
                Dialog::WalletStatement(wallet) => view! { <StatementDialog wallet=wallet on_close=close/> }.into_any(),
                Dialog::WalletOperations(wallet) => view! { <OperationsDialog wallet=wallet on_close=close/> }.into_any(),
                Dialog::BeneficiaryEdit(user_id, existing) => view! {
                    <BeneficiaryDialog user_id=user_id existing=existing on_close=close on_done=refresh/>
                }.into_any(),
            }
        })}
    }
}

#[component]
fn UserBoardContent(
    profile: UserProfile,
    role: Role,
    tab: RwSignal<Tab>,
    dialog: RwSignal<Option<Dialog>>,
    refresh: Callback<()>,
    forgot_enabled: bool,
    sca_enabled: bool,
) -> impl IntoView {
    let user = profile.user.clone();
    let id = user.id;
    let email = user.email.clone();
    // What the role may do and the user's state allows: the same checks the server makes.
    let offers = |action: Action| role.may(action) && user.allows(action);
    let (may_edit, may_deactivate) = (offers(Action::EditUserInformation), offers(Action::DeactivateUser));
    let may_send_reset = forgot_enabled && offers(Action::SendForgotPassword) && !email.is_empty();
    let (for_edit, for_deactivate) = (user.clone(), user.clone());
    let tab_buttons = Tab::ALL
        .into_iter()
        .map(|t| {
            view! {
                <button type="button" role="tab" aria-selected=move || (tab.get() == t).to_string()
                    class:active=move || tab.get() == t on:click=move |_| tab.set(t)>
                    {t.label()}
                </button>
            }
        })
        .collect_view();
    let panel = move || match tab.get() {
        Tab::Profile => {
            view! { <profile_tab::ProfileTab profile=profile.clone() role=role dialog=dialog sca_enabled=sca_enabled/> }
                .into_any()
        }
        Tab::Kyc => view! { <kyc_tab::KycTab user=profile.user.clone() role=role refresh=refresh/> }.into_any(),
        Tab::Wallets => view! {
            <wallets_tab::WalletsTab wallets=profile.wallets.clone() beneficiaries=profile.beneficiaries.clone()
                user=profile.user.clone() role=role dialog=dialog/>
        }
        .into_any(),
        Tab::Cards => view! {
            <cards_tab::CardsTab cards=profile.cards.clone() user=profile.user.clone() role=role dialog=dialog/>
        }
        .into_any(),
        Tab::Beneficiaries => view! {
            <wallets_tab::BeneficiariesTab beneficiaries=profile.beneficiaries.clone() user=profile.user.clone()
                role=role dialog=dialog/>
        }
        .into_any(),
        Tab::Children => view! {
            <children_tab::ChildrenTab parent=profile.user.clone() children=profile.children.clone() role=role/>
        }
        .into_any(),
    };
    view! {
        <div class="board-header">
            <div>
                <h2>{user.display_name()} <span class="muted">{format!(" #{id}")}</span></h2>
                <span class=format!("status status-{}", user.status.name().to_lowercase()) data-testid="user-status">
                    {user.status.label()}
                </span>
            </div>
            <div class="row-actions">
                {may_edit.then(|| view! {
                    <button class="secondary" on:click=move |_| dialog.set(Some(Dialog::Edit(for_edit.clone())))>"Edit"</button>
                })}
                {may_send_reset.then(|| view! {
                    <button class="secondary" on:click=move |_| dialog.set(Some(Dialog::ForgotPassword(id, email.clone())))>
                        "Send forgot password"
                    </button>
                })}
                {may_deactivate.then(|| view! {
                    <button class="danger" on:click=move |_| dialog.set(Some(Dialog::Deactivate(for_deactivate.clone())))>
                        "Deactivate user"
                    </button>
                })}
            </div>
        </div>
        <div class="inner-tabs" role="tablist" aria-label="User sections">{tab_buttons}</div>
        <div class="tab-panel" role="tabpanel">{panel}</div>
    }
}

/// `(label, value)` rows, leaving out what is not set.
pub(super) fn facts(rows: Vec<(&'static str, String)>) -> impl IntoView {
    view! {
        <dl class="facts">
            {rows.into_iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
        </dl>
    }
}
