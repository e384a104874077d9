//! Public pages for end users, reached without an operator login: sign-up, the activation
//! link and the password-reset link of the emails.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_location;

use crate::api;

/// The paths served by these pages.
pub const PUBLIC_PATHS: [&str; 3] = ["/signup", "/activate", "/reset-password"];

pub fn is_public(path: &str) -> bool {
    PUBLIC_PATHS.contains(&path.trim_end_matches('/'))
}

#[component]
pub fn PublicPage(path: String) -> impl IntoView {
    let page = match path.trim_end_matches('/') {
        "/signup" => view! { <SignUpPage/> }.into_any(),
        "/activate" => view! { <ActivatePage/> }.into_any(),
        _ => view! { <ResetPasswordPage/> }.into_any(),
    };
    view! { <main class="login">{page}</main> }
}

#[component]
fn SignUpPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let sent = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pending.set(true);
        error.set(None);
        let (e, p) = (email.get_untracked(), password.get_untracked());
        spawn_local(async move {
            match api::sign_up(e, p.into()).await {
                Ok(()) => sent.set(true),
                Err(err) => error.set(Some(err.to_string())),
            }
            pending.set(false);
        });
    };
    view! {
        <Show when=move || !sent.get()
            fallback=move || view! {
                <div class="card login-card" role="status">
                    <h1>"Check your inbox"</h1>
                    <p>"We sent an email to " <strong>{email.get_untracked()}</strong>
                       ". Open the link in it to complete your sign-up."</p>
                </div>
            }>
            <form class="card login-card" on:submit=submit>
                <h1>"Create your account"</h1>
                <label for="signup-email">"Email"</label>
                <input id="signup-email" type="email" autocomplete="email" required autofocus bind:value=email/>
                <label for="signup-password">"Password"</label>
                <input id="signup-password" type="password" autocomplete="new-password" required bind:value=password/>
                <p class="muted">"At least 12 characters."</p>
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <button type="submit" class="primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Signing up…" } else { "Sign up" }}
                </button>
            </form>
        </Show>
    }
}

/// The token of an emailed link: in the fragment (`#token=...`, never sent to any server),
/// or in the query for links sent before tokens moved there.
fn token_from_url() -> Memo<String> {
    let location = use_location();
    let (query, hash) = (location.query, location.hash);
    Memo::new(move |_| {
        let fragment = hash.get();
        let from_fragment = fragment
            .trim_start_matches('#')
            .split('&')
            .find_map(|pair| pair.strip_prefix("token="))
            .map(str::to_string);
        from_fragment.or_else(|| query.with(|q| q.get("token"))).unwrap_or_default()
    })
}

/// Activation waits for a click: a mail scanner that opens links does not spend the token.
#[component]
fn ActivatePage() -> impl IntoView {
    let token = token_from_url();
    let pending = RwSignal::new(false);
    let result = RwSignal::new(None::<Result<i64, String>>);
    let activate = move |_| {
        pending.set(true);
        let t = token.get_untracked();
        spawn_local(async move {
            let outcome = api::activate_account(t.into()).await.map_err(|e| e.to_string());
            pending.set(false);
            result.set(Some(outcome));
        });
    };
    view! {
        <div class="card login-card">
            <h1>"Account activation"</h1>
            {move || match result.get() {
                None => view! {
                    <p>"Complete your sign-up to open your account."</p>
                    <button type="button" class="primary" disabled=move || pending.get() on:click=activate>
                        {move || if pending.get() { "Activating…" } else { "Activate my account" }}
                    </button>
                }.into_any(),
                Some(Ok(id)) => view! {
                    <p role="status">"Your account is active. Welcome! Your customer number is " <strong>{id}</strong> "."</p>
                }.into_any(),
                Some(Err(e)) => view! { <p class="form-error" role="alert">{e}</p> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn ResetPasswordPage() -> impl IntoView {
    let token = token_from_url();
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let done = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if password.get_untracked() != confirm.get_untracked() {
            error.set(Some("The two passwords differ.".into()));
            return;
        }
        pending.set(true);
        error.set(None);
        let (t, p) = (token.get_untracked(), password.get_untracked());
        spawn_local(async move {
            match api::reset_password(t.into(), p.into()).await {
                Ok(()) => done.set(true),
                Err(e) => error.set(Some(e.to_string())),
            }
            pending.set(false);
        });
    };
    view! {
        <Show when=move || !done.get()
            fallback=|| view! {
                <div class="card login-card" role="status">
                    <h1>"Password changed"</h1>
                    <p>"Your new password is set. You can close this page."</p>
                </div>
            }>
            <form class="card login-card" on:submit=submit>
                <h1>"Choose a new password"</h1>
                <label for="reset-password">"New password"</label>
                <input id="reset-password" type="password" autocomplete="new-password" required autofocus bind:value=password/>
                <label for="reset-confirm">"Repeat the new password"</label>
                <input id="reset-confirm" type="password" autocomplete="new-password" required bind:value=confirm/>
                <p class="muted">"At least 12 characters."</p>
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <button type="submit" class="primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Set password" }}
                </button>
            </form>
        </Show>
    }
}
