//! Profile Boards: one tab per opened user; inside, the tabs Profile, KYC, Wallets, Cards,
//! Beneficiaries and Children Users, and the actions the operator's role allows.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_location, use_navigate};
use serde_json::{Map, Value};
use shared::dto::{ChildNode, UserProfile};
use shared::user_states::{KycReview, STATUS_CANCELED};
use shared::{Action, Role, View};

use super::form::EditUserDialog;
use super::tax::TaxResidencesDialog;
use super::{OpenProfiles, kyc_review_label, money, status_label, tab_label, text, user_type_label};
use crate::api;
use crate::components::{ConfirmDialog, Loading, error_view, short_time, use_notices};
use crate::shell::handle_session_end;

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

#[derive(Clone)]
enum Dialog {
    Edit(Map<String, Value>),
    Deactivate(Map<String, Value>),
    TaxResidences(i64, Vec<Value>, Option<String>),
    ForgotPassword(i64, String),
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
    let refresh = Callback::new(move |_: ()| {
        dialog.set(None);
        reload.update(|n| *n += 1);
    });

    let content = move || {
        profile.get().map(|result| match result {
            Err(e) => error_view(e),
            Ok(p) => {
                profiles.relabel(id, tab_label(&p.user));
                let forgot_enabled = settings.get().and_then(Result::ok).is_some_and(|s| s.send_forgot_password);
                view! {
                    <UserBoardContent profile=p role=role tab=tab dialog=dialog refresh=refresh
                        forgot_enabled=forgot_enabled/>
                }
                .into_any()
            }
        })
    };
    view! {
        <Transition fallback=|| view! { <Loading/> }>{content}</Transition>
        {move || dialog.get().map(|d| {
            let close = Callback::new(move |_| dialog.set(None));
            match d {
                Dialog::Edit(user) => view! { <EditUserDialog user=user on_close=close on_saved=refresh/> }.into_any(),
                Dialog::Deactivate(user) => view! { <DeactivateDialog user=user on_close=close on_done=refresh/> }.into_any(),
                Dialog::ForgotPassword(user_id, email) => view! {
                    <ForgotPasswordDialog user_id=user_id email=email on_close=close/>
                }.into_any(),
                Dialog::TaxResidences(user_id, list, distribution) => view! {
                    <TaxResidencesDialog user_id=user_id residences=list distribution_country=distribution
                        on_close=close on_saved=refresh/>
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
) -> impl IntoView {
    let user = profile.user.clone();
    let email = text(&user, "email");
    let id = user["userId"].as_i64().unwrap_or_default();
    let status = text(&user, "userStatus");
    let canceled = status == STATUS_CANCELED;
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
        Tab::Profile => view! { <ProfileTab profile=profile.clone() role=role dialog=dialog/> }.into_any(),
        Tab::Kyc => view! { <KycTab user=profile.user.clone() role=role refresh=refresh/> }.into_any(),
        Tab::Wallets => wallets_tab(&profile.wallets),
        Tab::Cards => cards_tab(&profile.cards),
        Tab::Beneficiaries => beneficiaries_tab(&profile.beneficiaries),
        Tab::Children => view! { <ChildrenTab parent=id children=profile.children.clone() role=role/> }.into_any(),
    };
    view! {
        <div class="board-header">
            <div>
                <h2>{shared::dto::user_display_name(&user)} <span class="muted">{format!(" #{id}")}</span></h2>
                <span class=format!("status status-{}", status.to_lowercase()) data-testid="user-status">
                    {status_label(&status)}
                </span>
            </div>
            <div class="row-actions">
                {(role.may(Action::EditUserInformation) && !canceled).then(|| view! {
                    <button class="secondary" on:click=move |_| dialog.set(Some(Dialog::Edit(for_edit.clone())))>"Edit"</button>
                })}
                {(forgot_enabled && role.may(Action::SendForgotPassword) && !canceled && !email.is_empty()).then(|| view! {
                    <button class="secondary" on:click=move |_| dialog.set(Some(Dialog::ForgotPassword(id, email.clone())))>
                        "Send forgot password"
                    </button>
                })}
                {(role.may(Action::DeactivateUser) && !canceled).then(|| view! {
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
fn facts(rows: Vec<(&'static str, String)>) -> impl IntoView {
    view! {
        <dl class="facts">
            {rows.into_iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
        </dl>
    }
}

#[component]
fn ProfileTab(profile: UserProfile, role: Role, dialog: RwSignal<Option<Dialog>>) -> impl IntoView {
    let u = &profile.user;
    let t = |k: &str| text(u, k);
    let is_person = u["userTypeId"].as_i64() == Some(1);
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    for w in &profile.wallets {
        *totals.entry(w["currency"].as_str().unwrap_or_default().to_string()).or_default() +=
            w["balanceMinorUnits"].as_i64().unwrap_or_default();
    }
    let balance = totals.iter().map(|(c, v)| money(*v, c)).collect::<Vec<_>>().join(", ");
    let identity = if is_person {
        vec![
            ("Type", user_type_label(1).to_string()),
            ("Title", t("title")),
            ("First name", t("firstname")),
            ("Last name", t("lastname")),
            ("Birthday", t("birthday")),
            ("Place of birth", t("placeOfBirth")),
            ("Nationality", t("nationality")),
            ("Occupation", t("occupation")),
        ]
    } else {
        vec![
            ("Type", user_type_label(u["userTypeId"].as_i64().unwrap_or_default()).to_string()),
            ("Legal name", t("legalName")),
            ("Legal form", t("legalForm")),
            ("Registration number", t("legalRegistrationNumber")),
            ("Registration date", t("legalRegistrationDate")),
            ("VAT number", t("legalTvaNumber")),
            ("Representative", format!("{} {}", t("firstname"), t("lastname")).trim().to_string()),
        ]
    };
    let address = [t("address1"), t("address2"), t("address3"), format!("{} {}", t("postcode"), t("city")).trim().to_string(), t("state"), t("country")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let residences = profile.tax_residences.clone();
    let user_id = u["userId"].as_i64().unwrap_or_default();
    let menu_open = RwSignal::new(false);
    let distribution = Some(t("distributionCountry")).filter(|d| !d.is_empty());
    let may_edit_tax = role.may(Action::ManageTaxResidences) && t("userStatus") != STATUS_CANCELED;
    view! {
        <div class="profile-grid">
            <section class="panel"><h3>"Identity"</h3>{facts(identity)}</section>
            <section class="panel"><h3>"Contact"</h3>{facts(vec![
                ("Email", t("email")), ("Phone", t("phone")), ("Mobile", t("mobile")),
                ("Language", t("language")), ("Timezone", t("timezone")), ("Address", address),
            ])}</section>
            <section class="panel"><h3>"Status"</h3>{facts(vec![
                ("User status", status_label(&t("userStatus")).to_string()),
                ("KYC level", t("kycLevel")),
                ("KYC review", kyc_review_label(u["kycReview"].as_i64().unwrap_or_default()).to_string()),
                ("Frozen", if u["isFrozen"] == 1 { "Yes (assets frozen)".to_string() } else { "No".to_string() }),
                ("User tag", t("userTag")),
                ("Created", short_time(&t("createdDate"))),
                ("Modified", short_time(&t("modifiedDate"))),
            ])}</section>
            <section class="panel"><h3>"Financial data"</h3>{facts(vec![
                ("Wallets", t("walletCount")),
                ("Total balance", if balance.is_empty() { "No wallet".to_string() } else { balance }),
            ])}</section>
            <section class="panel tax-section">
                <div class="panel-header">
                    <h3>"Tax residences"</h3>
                    {may_edit_tax.then(|| view! {
                        <div class="menu">
                            <button type="button" class="secondary" aria-haspopup="menu" aria-expanded=move || menu_open.get().to_string()
                                on:click=move |_| menu_open.update(|o| *o = !*o)>"More"</button>
                            <Show when=move || menu_open.get()>
                                <div class="menu-items" role="menu">
                                    <button type="button" role="menuitem" on:click={
                                        let (residences, distribution) = (residences.clone(), distribution.clone());
                                        move |_| {
                                            menu_open.set(false);
                                            dialog.set(Some(Dialog::TaxResidences(user_id, residences.clone(), distribution.clone())));
                                        }
                                    }>"Edit tax residences"</button>
                                </div>
                            </Show>
                        </div>
                    })}
                </div>
                {if profile.tax_residences.is_empty() {
                    view! { <p class="empty">"No tax residence."</p> }.into_any()
                } else {
                    view! {
                        <ul class="plain" data-testid="tax-residences">
                            {profile.tax_residences.iter().map(|r| {
                                let tin = r["taxPayerId"].as_str().unwrap_or_default().to_string();
                                view! { <li>{r["country"].as_str().unwrap_or_default().to_string()} " — "
                                    {if tin.is_empty() { "no TIN (liability waiver)".to_string() } else { format!("TIN {tin}") }}</li> }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        </div>
    }
}

#[component]
fn KycTab(user: Map<String, Value>, role: Role, refresh: Callback<()>) -> impl IntoView {
    let notices = use_notices();
    let id = user["userId"].as_i64().unwrap_or_default();
    let review = user["kycReview"].as_i64().unwrap_or_default();
    let pending = RwSignal::new(false);
    let history = text(&user, "kycReviewComment");
    let may_request = role.may(Action::SubmitKycReview)
        && KycReview::from_code(review) != Some(KycReview::Pending)
        && text(&user, "userStatus") != STATUS_CANCELED;
    let request = move |_| {
        pending.set(true);
        spawn_local(async move {
            let result = api::request_kyc_review(id).await;
            pending.set(false);
            match result {
                Ok(_) => {
                    notices.success("The KYC review was requested.");
                    refresh.run(());
                }
                Err(e) => {
                    handle_session_end(&e);
                    notices.failure(&e);
                }
            }
        });
    };
    view! {
        <section class="panel">
            {facts(vec![
                ("KYC level", text(&user, "kycLevel")),
                ("KYC review", kyc_review_label(review).to_string()),
            ])}
            <h3>"Review history"</h3>
            {if history.is_empty() {
                view! { <p class="empty">"No review yet."</p> }.into_any()
            } else {
                view! { <pre class="history" data-testid="kyc-history">{history}</pre> }.into_any()
            }}
            {may_request.then(|| view! {
                <button class="primary" disabled=move || pending.get() on:click=request>"Request review"</button>
            })}
        </section>
    }
}

fn wallets_tab(wallets: &[Value]) -> AnyView {
    if wallets.is_empty() {
        return view! { <p class="empty">"This user has no wallet."</p> }.into_any();
    }
    view! {
        <table class="data-table" aria-label="Wallets">
            <thead><tr><th scope="col">"Wallet id"</th><th scope="col">"Type"</th><th scope="col">"Status"</th>
                <th scope="col">"Currency"</th><th scope="col">"Balance"</th></tr></thead>
            <tbody>
                {wallets.iter().map(|w| {
                    let currency = w["currency"].as_str().unwrap_or_default().to_string();
                    view! { <tr>
                        <td>{w["walletId"].to_string()}</td>
                        <td>{w["walletTypeId"].to_string()}</td>
                        <td>{w["walletStatus"].as_str().unwrap_or_default().to_string()}</td>
                        <td>{currency.clone()}</td>
                        <td class="number">{money(w["balanceMinorUnits"].as_i64().unwrap_or_default(), &currency)}</td>
                    </tr> }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

fn cards_tab(cards: &[Value]) -> AnyView {
    if cards.is_empty() {
        return view! { <p class="empty">"This user has no card."</p> }.into_any();
    }
    view! {
        <table class="data-table" aria-label="Cards">
            <thead><tr><th scope="col">"Card id"</th><th scope="col">"Masked PAN"</th><th scope="col">"Status"</th>
                <th scope="col">"Public token"</th><th scope="col">"Wallet"</th></tr></thead>
            <tbody>
                {cards.iter().map(|c| view! { <tr>
                    <td>{c["cardId"].to_string()}</td>
                    <td class="mono">{c["maskedPan"].as_str().unwrap_or_default().to_string()}</td>
                    <td>{c["statusCode"].as_str().unwrap_or_default().to_string()}</td>
                    <td class="mono">{c["publicToken"].as_str().unwrap_or_default().to_string()}</td>
                    <td>{c["walletId"].to_string()}</td>
                </tr> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

fn beneficiaries_tab(beneficiaries: &[Value]) -> AnyView {
    if beneficiaries.is_empty() {
        return view! { <p class="empty">"No beneficiary yet."</p> }.into_any();
    }
    view! {
        <table class="data-table" aria-label="Beneficiaries">
            <thead><tr><th scope="col">"Name"</th><th scope="col">"IBAN"</th><th scope="col">"BIC"</th>
                <th scope="col">"Used"</th></tr></thead>
            <tbody>
                {beneficiaries.iter().map(|b| view! { <tr>
                    <td>{b["name"].as_str().unwrap_or_default().to_string()}</td>
                    <td class="mono">{b["iban"].as_str().unwrap_or_default().to_string()}</td>
                    <td class="mono">{b["bic"].as_str().unwrap_or_default().to_string()}</td>
                    <td class="number">{format!("{} times", b["usageCount"])}</td>
                </tr> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The children as a tree; a child opens in its own tab.
#[component]
fn ChildrenTab(parent: i64, children: Vec<ChildNode>, role: Role) -> impl IntoView {
    let profiles = expect_context::<OpenProfiles>();
    let navigate = use_navigate();
    fn branch(nodes: Vec<ChildNode>, profiles: OpenProfiles) -> AnyView {
        view! {
            <ul class="tree">
                {nodes.into_iter().map(|c| {
                    let label = format!("{} #{}", c.name, c.user_id);
                    let id = c.user_id;
                    let open_label = label.clone();
                    view! {
                        <li>
                            <button type="button" class="tree-node" on:click=move |_| profiles.open(id, open_label.clone())>
                                {label}
                            </button>
                            <span class="muted">{format!(" {} · {}", c.parent_type.clone().unwrap_or_else(|| "no parent type".into()), status_label(&c.user_status))}</span>
                            {(!c.children.is_empty()).then(|| branch(c.children.clone(), profiles))}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any()
    }
    let add_child = move |_| {
        navigate(&format!("{}?parentUserId={parent}", View::CreateUser.path()), Default::default());
    };
    view! {
        <section class="panel">
            <div class="panel-header">
                <h3>"Children Users"</h3>
                {role.may(Action::AddChildUser).then(|| view! {
                    <button class="secondary" on:click=add_child.clone()>"Add child user"</button>
                })}
            </div>
            {if children.is_empty() {
                view! { <p class="empty">"This user has no children users."</p> }.into_any()
            } else {
                view! { <div class="tree-root"><strong>{format!("#{parent}")}</strong>{branch(children, profiles)}</div> }.into_any()
            }}
        </section>
    }
}

#[component]
fn DeactivateDialog(user: Map<String, Value>, on_close: Callback<()>, on_done: Callback<()>) -> impl IntoView {
    let id = user["userId"].as_i64().unwrap_or_default();
    let run = move || async move {
        api::deactivate_user(id).await.map(|_| format!("User #{id} was deactivated: its status is Canceled."))
    };
    view! {
        <ConfirmDialog title="Deactivate user" confirm_label="Deactivate" danger=true run=run
            on_close=on_close on_done=on_done>
            <p>"Deactivate " <strong>{shared::dto::user_display_name(&user)}</strong> {format!(" (#{id})")} "? "
               "This is irreversible: the user becomes Canceled for good. It stays in every list with that status."</p>
        </ConfirmDialog>
    }
}

#[component]
fn ForgotPasswordDialog(user_id: i64, email: String, on_close: Callback<()>) -> impl IntoView {
    let run = move || async move {
        api::send_forgot_password(user_id).await.map(|to| format!("A password reset email was sent to {to}."))
    };
    view! {
        <ConfirmDialog title="Send forgot password" confirm_label="Send" run=run on_close=on_close>
            <p>"Send a password reset link to " <strong data-testid="reset-email">{email}</strong> "? "
               "The link works once, for one hour."</p>
        </ConfirmDialog>
    }
}
