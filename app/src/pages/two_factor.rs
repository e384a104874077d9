//! Two-factor authentication: the code step of a login, the set-up (password, QR code,
//! confirmation code, recovery codes), the page that asks for it when the role requires it,
//! and the account page (`PATH`).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dto::{Me, RecoveryCodes, TwoFactorEnrolment};

use crate::api;
use crate::components::{Loading, error_view, short_time, use_notices};
use crate::error::AppError;
use crate::shell::{Session, handle_session_end};

pub const PATH: &str = "/two-factor";

fn focus_by_id(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = document().get_element_by_id(id).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = el.focus();
    }
}

/// After a right password: the code from the authenticator app, or a recovery code.
#[component]
pub fn EnterCodePage(me: Me) -> impl IntoView {
    let session = expect_context::<Session>();
    let code = RwSignal::new(String::new());
    let recovery = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        error.set(None);
        let typed = code.get_untracked();
        spawn_local(async move {
            match api::verify_login_code(typed.into()).await {
                Ok(me) => session.0.set(Some(Some(me))),
                Err(e) => {
                    // The login waited too long or the account was blocked: start again.
                    handle_session_end(&e);
                    // Six digits are retyped from the app; a recovery code stays to correct.
                    if !recovery.get_untracked() {
                        code.set(String::new());
                    }
                    error.set(Some(e.to_string()));
                }
            }
            pending.set(false);
        });
    };
    let toggle = move |_| {
        recovery.update(|r| *r = !*r);
        code.set(String::new());
        error.set(None);
        // `autofocus` works on the first paint only: move the focus to the new field.
        request_animation_frame(|| focus_by_id("login-code"));
    };
    view! {
        <main class="login">
            <form class="card login-card" on:submit=submit aria-label="Two-factor authentication">
                <h1>"Two-factor authentication"</h1>
                <p class="muted">{format!("{}: one more step.", me.username)}</p>
                {move || if recovery.get() {
                    view! {
                        <label for="login-code">"Recovery code"</label>
                        <input id="login-code" type="text" autocomplete="off" autocapitalize="off"
                            spellcheck="false" required autofocus bind:value=code/>
                        <p class="hint">"One of the codes you saved when you set up two-factor authentication. Each works once."</p>
                    }
                    .into_any()
                } else {
                    view! {
                        <label for="login-code">"Code from your authenticator app"</label>
                        <input id="login-code" type="text" inputmode="numeric" autocomplete="one-time-code"
                            pattern="[0-9]{6}" maxlength="6" required autofocus bind:value=code/>
                        <p class="hint">"Six digits; a new code every 30 seconds."</p>
                    }
                    .into_any()
                }}
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <button type="submit" class="primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Checking…" } else { "Verify" }}
                </button>
                <button type="button" class="link-button" on:click=toggle>
                    {move || if recovery.get() { "Use the authenticator app" } else { "Use a recovery code" }}
                </button>
                <button type="button" class="link-button" on:click=move |_| session.log_out()>"Log out"</button>
            </form>
        </main>
    }
}

/// Where the set-up stands.
#[derive(Clone)]
enum SetupStep {
    Password,
    Scan(TwoFactorEnrolment),
    Saved(Me, RecoveryCodes),
}

/// Sets up two-factor authentication: the current password (and, `replacing` a set-up, a
/// code of the current one), then the QR code (or the secret as text) and a code from the
/// app, then the recovery codes, shown once. `on_done` gets the operator as they are after.
#[component]
pub fn TwoFactorSetup(
    username: String,
    #[prop(optional)] replacing: bool,
    #[prop(into)] on_done: Callback<Me>,
    #[prop(optional, into)] on_cancel: Option<Callback<()>>,
) -> impl IntoView {
    let step = RwSignal::new(SetupStep::Password);
    let password = RwSignal::new(String::new());
    let current_code = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<AppError>);
    let pending = RwSignal::new(false);

    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pending.set(true);
        error.set(None);
        let typed = password.get_untracked();
        let current = replacing.then(|| current_code.get_untracked().into());
        spawn_local(async move {
            let result = api::start_two_factor(typed.into(), current).await;
            pending.set(false);
            match result {
                Ok(enrolment) => {
                    password.set(String::new());
                    step.set(SetupStep::Scan(enrolment));
                }
                Err(e) => {
                    handle_session_end(&e);
                    // What was wrong is typed again; the rest stays.
                    match e.field() {
                        Some("currentPassword") => password.set(String::new()),
                        Some("currentCode") => current_code.set(String::new()),
                        _ => {}
                    }
                    error.set(Some(e));
                }
            }
        });
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pending.set(true);
        error.set(None);
        let typed = code.get_untracked();
        spawn_local(async move {
            let result = api::confirm_two_factor(typed).await;
            pending.set(false);
            match result {
                Ok((me, codes)) => step.set(SetupStep::Saved(me, codes)),
                Err(e) => {
                    handle_session_end(&e);
                    code.set(String::new());
                    error.set(Some(e));
                }
            }
        });
    };
    let error_line = move || error.get().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> });
    let cancel = move || {
        on_cancel.map(|cancel| {
            view! { <button type="button" class="secondary" on:click=move |_| cancel.run(())>"Cancel"</button> }
        })
    };

    move || {
        match step.get() {
        SetupStep::Password => view! {
            <form class="stacked" aria-label="Confirm your password" on:submit=start>
                <label for="two-factor-password">"Current password"</label>
                <input id="two-factor-password" type="password" autocomplete="current-password" required
                    bind:value=password/>
                <p class="hint">{format!("Confirm that you are {username} to set up two-factor authentication.")}</p>
                {replacing.then(|| view! {
                    <label for="two-factor-current-code">"Code from your current authenticator app (or a recovery code)"</label>
                    <input id="two-factor-current-code" type="text" autocomplete="one-time-code" required
                        bind:value=current_code/>
                })}
                {error_line}
                <div class="form-actions">
                    {cancel}
                    <button type="submit" class="primary" disabled=move || pending.get()>"Continue"</button>
                </div>
            </form>
        }
        .into_any(),
        SetupStep::Scan(enrolment) => view! {
            <form class="stacked" aria-label="Scan the QR code" on:submit=confirm>
                <p>"Scan this QR code with your authenticator app (e.g. FreeOTP, Google Authenticator, 1Password)."</p>
                <div class="qr-code" role="img" aria-label="QR code of the two-factor secret"
                    inner_html=enrolment.qr_svg.clone()></div>
                <p class="hint">"Cannot scan it? Enter this key in the app instead (time-based, 6 digits):"</p>
                <p><code data-testid="two-factor-secret">{enrolment.secret.expose().to_string()}</code></p>
                <label for="two-factor-code">"Code shown by the app"</label>
                <input id="two-factor-code" type="text" inputmode="numeric" autocomplete="one-time-code"
                    pattern="[0-9]{6}" maxlength="6" required autofocus bind:value=code/>
                {error_line}
                <div class="form-actions">
                    {cancel}
                    <button type="submit" class="primary" disabled=move || pending.get()>"Turn on"</button>
                </div>
            </form>
        }
        .into_any(),
        SetupStep::Saved(me, codes) => {
            let me = StoredValue::new(me);
            view! {
                <div class="stacked">
                    <p role="status">"Two-factor authentication is on."</p>
                    <p>
                        <strong>"Save these recovery codes now"</strong>
                        " (a password manager, or printed): each logs you in once if you lose your phone. They are not shown again."
                    </p>
                    <ul class="recovery-codes" aria-label="Recovery codes">
                        {codes.0.iter().map(|c| view! { <li><code>{c.expose().to_string()}</code></li> }).collect_view()}
                    </ul>
                    <div class="form-actions">
                        <button type="button" class="primary" autofocus
                            on:click=move |_| on_done.run(me.get_value())>"I have saved them"</button>
                    </div>
                </div>
            }
            .into_any()
        }
    }
    }
}

/// An operator whose role requires two-factor authentication sets it up before anything else.
#[component]
pub fn EnrolTwoFactorPage(me: Me) -> impl IntoView {
    let session = expect_context::<Session>();
    view! {
        <main class="login">
            <div class="card login-card">
                <h1>"Set up two-factor authentication"</h1>
                <p class="muted">
                    {format!("{}: your role requires a code from an authenticator app at each login.", me.username)}
                </p>
                <TwoFactorSetup username=me.username.clone() on_done=move |me| session.0.set(Some(Some(me)))/>
                <button type="button" class="link-button" on:click=move |_| session.log_out()>"Log out"</button>
            </div>
        </main>
    }
}

/// The account page: whether two-factor authentication is on, and setting it up (again).
#[component]
pub fn TwoFactorPage(username: String) -> impl IntoView {
    let notices = use_notices();
    let reload = RwSignal::new(0u32);
    let status = LocalResource::new(move || {
        reload.track();
        api::load_two_factor_status()
    });
    let setting_up = RwSignal::new(false);
    let enrolled = RwSignal::new(false);
    let username = StoredValue::new(username);
    let done = Callback::new(move |_: Me| {
        setting_up.set(false);
        reload.update(|n| *n += 1);
        notices.success("Two-factor authentication is on; your other sessions ended.");
    });
    let summary = move || {
        status.get().map(|result| match result {
            Err(e) => error_view(e),
            Ok(s) => {
                let line = match &s.enrolled_at {
                    Some(at) => format!(
                        "On since {}. Recovery codes left: {} of {}.",
                        short_time(at),
                        s.recovery_codes_left,
                        RecoveryCodes::COUNT
                    ),
                    None if s.required => "Off. Your role requires it.".to_string(),
                    None => "Off: a password alone logs you in.".to_string(),
                };
                let is_on = s.enrolled_at.is_some();
                view! {
                    <p data-testid="two-factor-status">{line}</p>
                    <button class="primary" on:click=move |_| {
                        enrolled.set(is_on);
                        setting_up.set(true);
                    }>
                        {if is_on { "Set up again (new phone, new recovery codes)" } else { "Set up" }}
                    </button>
                }
                .into_any()
            }
        })
    };
    view! {
        <section>
            <div class="page-header">
                <h1>"Two-factor authentication"</h1>
            </div>
            <p class="muted">
                "At login, a code from an authenticator app on your phone is asked after your password."
            </p>
            // Hidden during a set-up: it would still say "Off" beside the new recovery codes.
            {move || {
                if setting_up.get() {
                    return ().into_any();
                }
                summary().unwrap_or_else(|| view! { <Loading/> }.into_any())
            }}
            {move || setting_up.get().then(|| view! {
                <div class="panel two-factor-setup">
                    <TwoFactorSetup username=username.get_value() replacing=enrolled.get_untracked() on_done=done
                        on_cancel=move |_| setting_up.set(false)/>
                </div>
            })}
        </section>
    }
}
