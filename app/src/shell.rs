//! The app shell: who is logged in, the login page, the navigation and the page for the
//! current URL. Deep links work because the URL is never changed by the login step.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::path;
use shared::dto::{Me, PendingStep};
use shared::permissions::Section;
use shared::{Role, View};

use crate::api;
use crate::components::{Loading, NoticeBar, Notices};
use crate::error::AppError;
use crate::pages;

/// The session as the browser knows it: `None` while asking the server.
#[derive(Clone, Copy)]
pub struct Session(pub RwSignal<Option<Option<Me>>>);

impl Session {
    /// Forgets the operator (logout, or the server said the session ended).
    pub fn end(&self) {
        self.0.set(Some(None));
    }

    /// Logs out: the server ends the session, the browser shows the login page (even if the
    /// server could not be reached: the cookie is then useless to this page anyway).
    pub fn log_out(self) {
        spawn_local(async move {
            let _ = api::logout().await;
            self.end();
        });
    }
}

/// Call after a failed request: an ended session sends the operator back to login.
pub fn handle_session_end(error: &AppError) {
    if matches!(error, AppError::Unauthenticated)
        && let Some(session) = use_context::<Session>()
    {
        session.end();
    }
}

#[component]
pub fn App() -> impl IntoView {
    let session = Session(RwSignal::new(None));
    provide_context(session);
    provide_context(Notices(RwSignal::new(None)));
    spawn_local(async move {
        // A failure to ask is treated as "not logged in": the login page says more.
        let me = api::current_operator().await.unwrap_or(None);
        session.0.set(Some(me));
    });

    view! {
        <Router>
            <SessionOrPublic session=session/>
        </Router>
    }
}

/// The public pages of end users need no operator; everything else does.
#[component]
fn SessionOrPublic(session: Session) -> impl IntoView {
    let location = use_location();
    // A memo, so that moving between operator pages does not rebuild the layout.
    let public = Memo::new(move |_| pages::public::is_public(&location.pathname.get()));
    view! {
        {move || {
            if public.get() {
                let path = location.pathname.get_untracked();
                return view! { <pages::public::PublicPage path=path/> }.into_any();
            }
            match session.0.get() {
                None => view! { <Loading label="Starting…"/> }.into_any(),
                Some(None) => view! { <LoginPage/> }.into_any(),
                Some(Some(me)) => match me.pending {
                    Some(PendingStep::EnterCode) => view! { <pages::two_factor::EnterCodePage me=me/> }.into_any(),
                    Some(PendingStep::ChangePassword) => {
                        view! { <pages::password::ChooseOwnPasswordPage me=me/> }.into_any()
                    }
                    Some(PendingStep::EnrolTwoFactor) => {
                        view! { <pages::two_factor::EnrolTwoFactorPage me=me/> }.into_any()
                    }
                    None => view! { <Layout me=me/> }.into_any(),
                },
            }
        }}
    }
}

#[component]
fn LoginPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        error.set(None);
        let (u, p) = (username.get_untracked(), password.get_untracked());
        spawn_local(async move {
            match api::login(u, p.into()).await {
                Ok(me) => session.0.set(Some(Some(me))),
                Err(e) => {
                    password.set(String::new());
                    error.set(Some(e.to_string()));
                }
            }
            pending.set(false);
        });
    };

    view! {
        <main class="login">
            <form class="card login-card" on:submit=submit>
                <h1>"Back office"</h1>
                <p class="muted">"Sign in with your operator account."</p>
                <label for="login-username">"Username"</label>
                <input id="login-username" type="email" autocomplete="username" required
                    autofocus bind:value=username/>
                <label for="login-password">"Password"</label>
                <input id="login-password" type="password" autocomplete="current-password"
                    required bind:value=password/>
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <button type="submit" class="primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Logging in…" } else { "Log in" }}
                </button>
            </form>
        </main>
    }
}

#[component]
fn Layout(me: Me) -> impl IntoView {
    let session = expect_context::<Session>();
    provide_context(pages::users::OpenProfiles::new());
    let role = me.role;
    let me_id = me.id;
    let changing_password = RwSignal::new(false);
    let username = me.username.clone();
    let username_for_pages = StoredValue::new(me.username.clone());
    let logout = move |_| session.log_out();
    let section_links = move |section: Section| {
        View::ALL
            .into_iter()
            .filter(move |v| v.section() == section && v.is_built() && role.may_view(*v))
            .map(|v| view! { <li><A href=v.path()>{v.title()}</A></li> })
            .collect_view()
    };
    let has_admin_section =
        View::ALL.iter().any(|v| v.section() == Section::Administration && v.is_built() && role.may_view(*v));

    view! {
        <div class="layout">
            <nav class="sidebar" aria-label="Main">
                <div class="brand">"Back office"</div>
                <h2 class="nav-heading">"Users"</h2>
                <ul>{section_links(Section::Users)}</ul>
                <Show when=move || has_admin_section>
                    <h2 class="nav-heading">"Administration"</h2>
                    <ul>{section_links(Section::Administration)}</ul>
                </Show>
            </nav>
            <div class="main-column">
                <header class="topbar">
                    <pages::users::toolbar::SearchToolbar/>
                    <span class="spacer"></span>
                    <span class="whoami">
                        <strong data-testid="operator-name">{me.username.clone()}</strong>
                        <span class="role-badge" data-testid="operator-role">{role.label()}</span>
                    </span>
                    <A href=pages::my_sessions::PATH attr:class="button secondary">"My sessions"</A>
                    <A href=pages::two_factor::PATH attr:class="button secondary">"Two-factor"</A>
                    <button class="secondary" on:click=move |_| changing_password.set(true)>"Change password"</button>
                    <button class="secondary" on:click=logout>"Log out"</button>
                </header>
                {move || changing_password.get().then(|| view! {
                    <pages::password::ChangePasswordDialog username=username.clone()
                        on_close=move || changing_password.set(false)/>
                })}
                <NoticeBar/>
                <main class="content">
                    // <Routes> completes each navigation (it updates the address bar once the
                    // new page is ready); CurrentPage then picks the page for the path.
                    <Routes fallback=|| view! { <p>"Page not found."</p> }>
                        <Route path=path!("/") view=move || view! { <CurrentPage role=role me_id=me_id username=username_for_pages.get_value()/> }/>
                        <Route path=path!("/*any") view=move || view! { <CurrentPage role=role me_id=me_id username=username_for_pages.get_value()/> }/>
                    </Routes>
                </main>
            </div>
        </div>
    }
}

/// Picks the page for the current path and checks that the role may see it. (One match on
/// the view table rather than one `<Route>` per view: Leptos 0.8's routes are a statically
/// typed tuple, each path its own type, so they cannot be generated from the table.)
#[component]
fn CurrentPage(role: Role, me_id: i64, username: String) -> impl IntoView {
    let location = use_location();
    move || {
        let path = location.pathname.get();
        // The account's own pages: every operator's, whatever the role.
        match path.trim_end_matches('/') {
            pages::my_sessions::PATH => return lazily(lazy_pages::my_sessions()),
            pages::two_factor::PATH => return lazily(lazy_pages::two_factor(username.clone())),
            _ => {}
        }
        // The home page is the first view the role may see (no redirect: a redirect racing
        // with the first click would undo it).
        let view = if path == "/" || path.is_empty() {
            View::ALL.into_iter().find(|v| v.is_built() && role.may_view(*v))
        } else {
            View::from_path(&path).filter(|v| v.is_built())
        };
        match view {
            None => view! {
                <section>
                    <h1>"Page not found"</h1>
                    <p>"There is no page at this address."</p>
                </section>
            }
            .into_any(),
            Some(view) if !role.may_view(view) => view! {
                <section>
                    <h1>"Access denied"</h1>
                    <p>"Your role does not give access to " {view.title()} "."</p>
                </section>
            }
            .into_any(),
            Some(View::DashboardUsers) => lazily(lazy_pages::dashboard_users(role, me_id)),
            Some(View::AuditLog) => lazily(lazy_pages::audit_log()),
            Some(View::SearchUsers) => lazily(lazy_pages::search_results()),
            Some(View::AllUsers) => lazily(lazy_pages::all_users()),
            Some(View::AllCards) => lazily(lazy_pages::all_cards()),
            Some(View::AllCardTransactions) => lazily(lazy_pages::all_card_transactions()),
            Some(View::ProfilesBoard) => lazily(lazy_pages::profiles_board(role)),
            Some(View::CreateUser) => lazily(lazy_pages::create_user()),
            Some(View::OnboardingUsers) => lazily(lazy_pages::onboarding_users()),
            Some(View::BulkCards) => lazily(lazy_pages::bulk_cards()),
            Some(View::UserDocsPendingPreReview) => lazily(lazy_pages::docs_pending_review()),
            Some(View::KycReviews) => lazily(lazy_pages::kyc_reviews(me_id)),
            Some(View::PayoutApprovals) => lazily(lazy_pages::payout_approvals(me_id)),
            Some(View::PredefRestrictionGroups) => lazily(lazy_pages::restriction_groups()),
            Some(View::ApiClients) => lazily(lazy_pages::api_clients(role)),
            Some(View::SystemConfiguration) => lazily(lazy_pages::system_configuration()),
            // `is_built` lists exactly the views matched above.
            Some(view) => view! {
                <section>
                    <h1>"Page not found"</h1>
                    <p>{view.title()} " is not available."</p>
                </section>
            }
            .into_any(),
        }
    }
}

/// A page whose module is fetched when it is first shown: "Loading…" until it is there.
fn lazily(page: impl std::future::Future<Output = AnyView> + Send + 'static) -> AnyView {
    let (fetched, set_fetched) = signal(false);
    let page = Suspend::new(async move {
        let view = page.await;
        set_fetched.set(true);
        view
    });
    view! {
        <Show when=move || !fetched.get()>
            <Loading label="Loading the page…"/>
        </Show>
        {page}
    }
    .into_any()
}

/// Every page, each a wasm module of its own (`scripts/front.sh` splits them off) that the
/// browser fetches when the page is first opened: the login form needs only the shell.
mod lazy_pages {
    use leptos::lazy;
    use leptos::prelude::*;
    use shared::Role;

    use crate::pages;

    #[lazy]
    pub fn dashboard_users(role: Role, me_id: i64) -> AnyView {
        view! { <pages::dashboard_users::DashboardUsersPage role=role me_id=me_id/> }.into_any()
    }
    #[lazy]
    pub fn my_sessions() -> AnyView {
        view! { <pages::my_sessions::MySessionsPage/> }.into_any()
    }
    #[lazy]
    pub fn two_factor(username: String) -> AnyView {
        view! { <pages::two_factor::TwoFactorPage username=username/> }.into_any()
    }
    #[lazy]
    pub fn search_results() -> AnyView {
        view! { <pages::users::list::SearchResultsPage/> }.into_any()
    }
    #[lazy]
    pub fn all_users() -> AnyView {
        view! { <pages::users::list::AllUsersPage/> }.into_any()
    }
    #[lazy]
    pub fn audit_log() -> AnyView {
        view! { <pages::audit_log::AuditLogPage/> }.into_any()
    }
    #[lazy]
    pub fn all_cards() -> AnyView {
        view! { <pages::all_cards::AllCardsPage/> }.into_any()
    }
    #[lazy]
    pub fn all_card_transactions() -> AnyView {
        view! { <pages::card_transactions::AllCardTransactionsPage/> }.into_any()
    }
    #[lazy]
    pub fn profiles_board(role: Role) -> AnyView {
        view! { <pages::users::profile::ProfilesBoardPage role=role/> }.into_any()
    }
    #[lazy]
    pub fn create_user() -> AnyView {
        view! { <pages::users::form::CreateUserPage/> }.into_any()
    }
    #[lazy]
    pub fn onboarding_users() -> AnyView {
        view! { <pages::onboarding::OnboardingUsersPage/> }.into_any()
    }
    #[lazy]
    pub fn bulk_cards() -> AnyView {
        view! { <pages::bulk_cards::BulkCardsPage/> }.into_any()
    }
    #[lazy]
    pub fn docs_pending_review() -> AnyView {
        view! { <pages::documents::DocsPendingReviewPage/> }.into_any()
    }
    #[lazy]
    pub fn kyc_reviews(me_id: i64) -> AnyView {
        view! { <pages::documents::KycReviewsPage me_id=me_id/> }.into_any()
    }
    #[lazy]
    pub fn payout_approvals(me_id: i64) -> AnyView {
        view! { <pages::payout_approvals::PayoutApprovalsPage me_id=me_id/> }.into_any()
    }
    #[lazy]
    pub fn restriction_groups() -> AnyView {
        view! { <pages::restriction_groups::RestrictionGroupsPage/> }.into_any()
    }
    #[lazy]
    pub fn api_clients(role: Role) -> AnyView {
        view! { <pages::api_clients::ApiClientsPage role=role/> }.into_any()
    }
    #[lazy]
    pub fn system_configuration() -> AnyView {
        view! { <pages::system_configuration::SystemConfigurationPage/> }.into_any()
    }
}
