//! System Configuration (admin): feature toggles, effective at once.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::Role;
use shared::dto::SystemSettings;

use crate::api;
use crate::components::{Loading, error_view, use_notices};
use crate::shell::handle_session_end;

#[component]
pub fn SystemConfigurationPage() -> impl IntoView {
    let notices = use_notices();
    let current = LocalResource::new(api::load_system_settings);
    let forgot = RwSignal::new(true);
    let sca = RwSignal::new(true);
    let four_eyes = RwSignal::new(false);
    let threshold = RwSignal::new(String::from("1000"));
    let two_factor_roles = RwSignal::new(Vec::<Role>::new());
    let pending = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(s)) = current.get() {
            forgot.set(s.send_forgot_password);
            sca.set(s.sca_devices_section);
            four_eyes.set(s.payout_approval_enabled);
            threshold.set(s.payout_approval_threshold.to_string());
            two_factor_roles.set(s.two_factor_required_roles);
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(limit) = threshold.get_untracked().trim().parse::<i64>() else {
            notices.failure_text("The payout approval threshold is a whole amount (e.g. 1000).");
            return;
        };
        pending.set(true);
        let settings = SystemSettings {
            send_forgot_password: forgot.get_untracked(),
            sca_devices_section: sca.get_untracked(),
            payout_approval_enabled: four_eyes.get_untracked(),
            payout_approval_threshold: limit,
            two_factor_required_roles: two_factor_roles.get_untracked(),
        };
        spawn_local(async move {
            let result = api::update_system_settings(settings).await;
            pending.set(false);
            match result {
                Ok(_) => notices.success("The configuration was saved."),
                Err(e) => {
                    handle_session_end(&e);
                    notices.failure(&e);
                }
            }
        });
    };
    view! {
        <section>
            <h1>"System Configuration"</h1>
            {move || match current.get() {
                None => view! { <Loading/> }.into_any(),
                Some(Err(e)) => error_view(e),
                Some(Ok(_)) => view! {
                    <form class="panel settings-form" on:submit=save>
                        <label class="toggle"><input type="checkbox" bind:checked=forgot/>
                            " Send forgot password enabled"</label>
                        <label class="toggle"><input type="checkbox" bind:checked=sca/>
                            " SCA devices section enabled"</label>
                        <label class="toggle"><input type="checkbox" bind:checked=four_eyes/>
                            " Payouts above the threshold need a second operator's approval"</label>
                        <label for="payout-threshold">"Payout approval threshold (whole units of the payout's currency)"</label>
                        <input id="payout-threshold" type="number" min="0" step="1" inputmode="numeric"
                            bind:value=threshold disabled=move || !four_eyes.get()/>
                        <fieldset>
                            <legend>"Two-factor authentication required for"</legend>
                            <p class="hint">
                                "Operators of a checked role without it set it up at once (their next step in the dashboard), before anything else; their password-grant tokens end."
                            </p>
                            {Role::ALL.into_iter().map(|role| view! {
                                <label class="toggle">
                                    <input type="checkbox" data-role=role.as_str()
                                        prop:checked=move || two_factor_roles.get().contains(&role)
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            two_factor_roles.update(|roles| {
                                                roles.retain(|r| *r != role);
                                                if on {
                                                    roles.push(role);
                                                }
                                            });
                                        }/>
                                    " " {role.label()}
                                </label>
                            }).collect_view()}
                        </fieldset>
                        <div class="form-actions">
                            <button type="submit" class="primary" disabled=move || pending.get()>
                                {move || if pending.get() { "Saving…" } else { "Save" }}
                            </button>
                        </div>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}
