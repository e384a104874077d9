//! Small building blocks shared by the pages.

use leptos::prelude::*;

mod keyset;
pub use keyset::{ListUrl, keyset_from_url};

use std::future::Future;

use leptos::task::spawn_local;

use crate::error::AppError;
use crate::shell::handle_session_end;

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

/// Follows a signed link once it is had: the server answers it as an attachment, so the
/// browser downloads the file and stays on the page. A refusal goes to the notices.
pub fn follow_signed_link(
    link: impl Future<Output = Result<shared::documents::SignedLink, AppError>> + 'static,
    notices: Notices,
) {
    spawn_local(async move {
        match link.await {
            Ok(link) => {
                if let Some(window) = web_sys::window() {
                    let _ = window.location().assign(&link.path);
                }
            }
            Err(e) => {
                handle_session_end(&e);
                notices.failure(&e);
            }
        }
    });
}

#[component]
pub fn Loading(#[prop(default = "Loading…")] label: &'static str) -> impl IntoView {
    view! { <p class="loading" role="status" aria-live="polite">{label}</p> }
}

/// A modal dialog. Escape or the close button calls `on_close`; on opening, focus moves to
/// its first field so that it can be used from the keyboard alone.
#[component]
pub fn Modal(title: String, #[prop(into)] on_close: Callback<()>, children: Children) -> impl IntoView {
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

/// A failed request, in place of what it should have shown. An ended session also sends
/// the operator back to the login page.
pub fn error_view(error: AppError) -> AnyView {
    handle_session_end(&error);
    view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any()
}

/// Asks before an action. `run` does it and answers the success message; a refusal stays in
/// the dialog. `Cancel` has the focus, so Enter never confirms by accident.
#[component]
pub fn ConfirmDialog<F, Fut>(
    title: &'static str,
    confirm_label: &'static str,
    /// The confirm button is red (irreversible actions).
    #[prop(optional)]
    danger: bool,
    run: F,
    #[prop(into)] on_close: Callback<()>,
    /// Called after success (defaults to closing).
    #[prop(optional, into)]
    on_done: Option<Callback<()>>,
    children: Children,
) -> impl IntoView
where
    F: Fn() -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<String, AppError>> + 'static,
{
    let notices = use_notices();
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let confirm = move |_| {
        pending.set(true);
        spawn_local(async move {
            let result = run().await;
            pending.set(false);
            match result {
                Ok(message) => {
                    notices.success(message);
                    on_done.unwrap_or(on_close).run(());
                }
                Err(e) => {
                    handle_session_end(&e);
                    error.set(Some(e.to_string()));
                }
            }
        });
    };
    view! {
        <Modal title=title.to_string() on_close=on_close>
            {children()}
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <div class="form-actions">
                <button type="button" class="secondary" autofocus on:click=move |_| on_close.run(())>"Cancel"</button>
                <button type="button" class=if danger { "danger" } else { "primary" }
                    disabled=move || pending.get() on:click=confirm>{confirm_label}</button>
            </div>
        </Modal>
    }
}

/// Previous / "Page x of y (n things)" / Next, under a paged table.
#[component]
pub fn Pager(
    page: i64,
    page_size: i64,
    total: i64,
    /// What is counted, plural ("users", "entries").
    noun: &'static str,
    #[prop(into)] on_page: Callback<i64>,
) -> impl IntoView {
    let last = last_page(total, page_size);
    view! {
        <div class="pager">
            <button class="secondary" disabled={page <= 1} on:click=move |_| on_page.run(page - 1)>"Previous"</button>
            <span data-testid="pager-status">{format!("Page {page} of {last} ({total} {noun})")}</span>
            <button class="secondary" disabled={page >= last} on:click=move |_| on_page.run(page + 1)>"Next"</button>
        </div>
    }
}

/// Previous / "n things" / Next under a keyset list (`shared::dto::KeysetPage`): the
/// cursors lead to the neighbouring pages; the total is exact up to its cap.
#[component]
pub fn KeysetPager(
    total: shared::dto::Total,
    newer: Option<shared::dto::Keyset>,
    older: Option<shared::dto::Keyset>,
    /// What is counted, plural ("cards").
    noun: &'static str,
    #[prop(into)] on_page: Callback<shared::dto::Keyset>,
) -> impl IntoView {
    let (first, last) = (newer.is_none(), older.is_none());
    view! {
        <div class="pager">
            <button class="secondary" disabled=first
                on:click=move |_| if let Some(at) = newer.clone() { on_page.run(at) }>"Previous"</button>
            <span data-testid="pager-status">{format!("{total} {noun}")}</span>
            <button class="secondary" disabled=last
                on:click=move |_| if let Some(at) = older.clone() { on_page.run(at) }>"Next"</button>
        </div>
    }
}

/// One page of a keyset list: its rows (drawn by `rows`) and the pager, or, when empty,
/// `empty` and the way back to the first page.
pub fn keyset_page_view<T>(
    page: shared::dto::KeysetPage<T>,
    at: shared::dto::Keyset,
    empty: &'static str,
    noun: &'static str,
    on_page: Callback<shared::dto::Keyset>,
    rows: impl FnOnce(Vec<T>) -> AnyView,
) -> AnyView {
    let shared::dto::KeysetPage { items, total, newer, older } = page;
    if items.is_empty() {
        view! {
            <p class="empty">{empty}</p>
            <FirstPageLink at=at on_page=on_page/>
        }
        .into_any()
    } else {
        view! {
            {rows(items)}
            <KeysetPager total=total newer=newer older=older noun=noun on_page=on_page/>
        }
        .into_any()
    }
}

/// Under an empty keyset page reached by a cursor: the way back to the first page.
#[component]
pub fn FirstPageLink(at: shared::dto::Keyset, #[prop(into)] on_page: Callback<shared::dto::Keyset>) -> impl IntoView {
    (at != shared::dto::Keyset::First).then(|| {
        view! {
            <button type="button" class="secondary" on:click=move |_| on_page.run(shared::dto::Keyset::First)>
                "Back to the first page"
            </button>
        }
    })
}

/// The number of pages (at least one) of `total` rows shown `page_size` at a time.
pub fn last_page(total: i64, page_size: i64) -> i64 {
    ((total + page_size - 1) / page_size.max(1)).max(1)
}

/// Formats an RFC 3339 UTC timestamp as `YYYY-MM-DD HH:MM UTC`.
pub fn short_time(rfc3339: &str) -> String {
    if rfc3339.len() >= 16 { format!("{} {} UTC", &rfc3339[..10], &rfc3339[11..16]) } else { rfc3339.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_round_up_and_never_drop_to_zero() {
        assert_eq!(last_page(0, 20), 1);
        assert_eq!(last_page(40, 20), 2);
        assert_eq!(last_page(41, 20), 3);
        assert_eq!(short_time("2026-11-23T18:55:00.914Z"), "2026-11-23 18:55 UTC");
    }
}
