//! Small building blocks shared by the pages.

use leptos::prelude::*;

use crate::error::AppError;

/// A message at the top of the page: success or failure of the last action.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    Success(String),
    Failure(String),
}

/// The page's notice area; pages get it from the context.
#[derive(Clone, Copy)]
pub struct Notices(pub RwSignal<Option<Notice>>);

impl Notices {
    pub fn success(&self, message: impl Into<String>) {
        self.0.set(Some(Notice::Success(message.into())));
    }

    pub fn failure(&self, error: &AppError) {
        self.0.set(Some(Notice::Failure(error.to_string())));
    }

    /// A failure said in our own words (no request behind it, or an empty answer).
    pub fn failure_text(&self, message: impl Into<String>) {
        self.0.set(Some(Notice::Failure(message.into())));
    }

    pub fn clear(&self) {
        self.0.set(None);
    }
}

pub fn use_notices() -> Notices {
    expect_context::<Notices>()
}

#[component]
pub fn NoticeBar() -> impl IntoView {
    let notices = use_notices();
    move || {
        notices.0.get().map(|notice| {
            let (class, role, text) = match notice {
                Notice::Success(t) => ("notice notice-success", "status", t),
                Notice::Failure(t) => ("notice notice-error", "alert", t),
            };
            view! {
                <div class=class role=role>
                    <span>{text}</span>
                    <button class="link" aria-label="Dismiss" on:click=move |_| notices.0.set(None)>
                        "×"
                    </button>
                </div>
            }
        })
    }
}

#[component]
pub fn Loading(#[prop(default = "Loading…")] label: &'static str) -> impl IntoView {
    view! { <p class="loading" role="status" aria-live="polite">{label}</p> }
}

/// A modal dialog. Escape or the close button calls `on_close`; on opening, focus moves to
/// its first field so that it can be used from the keyboard alone.
#[component]
pub fn Modal(
    title: String,
    #[prop(into)] on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let title_id = "modal-title";
    let dialog_ref = NodeRef::<leptos::html::Div>::new();
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            on_close.run(());
        }
    });
    on_cleanup(move || escape.remove());
    Effect::new(move |_| {
        if let Some(dialog) = dialog_ref.get() {
            let first = dialog
                .query_selector("input, select, textarea, button[autofocus], .form-actions button")
                .ok()
                .flatten();
            if let Some(el) = first.and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok()) {
                let _ = el.focus();
            }
        }
    });
    view! {
        <div class="modal-backdrop">
            <div class="modal" role="dialog" aria-modal="true" aria-labelledby=title_id
                tabindex="-1" node_ref=dialog_ref>
                <header class="modal-header">
                    <h2 id=title_id>{title}</h2>
                    <button class="link" aria-label="Close" on:click=move |_| on_close.run(())>
                        "×"
                    </button>
                </header>
                {children()}
            </div>
        </div>
    }
}

/// Formats an RFC 3339 UTC timestamp as `YYYY-MM-DD HH:MM UTC`.
pub fn short_time(rfc3339: &str) -> String {
    if rfc3339.len() >= 16 {
        format!("{} {} UTC", &rfc3339[..10], &rfc3339[11..16])
    } else {
        rfc3339.to_string()
    }
}
