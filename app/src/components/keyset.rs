//! The URL side of keyset lists (All Users, All Cards, All Card Transactions): filters and the page's
//! cursor live in the URL, so a list can be reloaded, bookmarked and shared.

use leptos_router::hooks::use_navigate;
use shared::dto::{Cursor, Keyset};

use crate::pages::users::query_string;

/// The page the URL's `before` / `after` cursor names (the first page without one).
pub fn keyset_from_url(param: impl Fn(&str) -> String) -> Keyset {
    match (Cursor::from_param(&param("before")), Cursor::from_param(&param("after"))) {
        (Some(before), _) => Keyset::Before(before),
        (None, Some(after)) => Keyset::After(after),
        _ => Keyset::First,
    }
}

/// A keyset list's URL: its path and parameters, and the changes its filters, its pager
/// and its Clear button make. The cursor is dropped unless a change sets it: a new filter
/// starts at the first page.
#[derive(Clone)]
pub struct ListUrl<P> {
    path: &'static str,
    params: &'static [&'static str],
    /// Reads one parameter of the current URL.
    param: P,
}

impl<P: Fn(&str) -> String + Clone + Send + Sync + 'static> ListUrl<P> {
    pub fn new(path: &'static str, params: &'static [&'static str], param: P) -> Self {
        ListUrl { path, params, param }
    }

    /// A navigation to this list with each `(key, value)` changed.
    fn go(&self) -> impl Fn(Vec<(&str, String)>) + Clone + Send + Sync + 'static + use<P> {
        let (path, params, param) = (self.path, self.params, self.param.clone());
        let navigate = use_navigate();
        move |changes: Vec<(&str, String)>| {
            let mut next: Vec<(String, String)> = params
                .iter()
                .filter(|k| **k != "before" && **k != "after")
                .map(|k| (k.to_string(), param(k)))
                .collect();
            for (key, value) in changes {
                next.retain(|(k, _)| k != key);
                next.push((key.to_string(), value));
            }
            next.sort_by_key(|(k, _)| params.iter().position(|p| p == k));
            let qs = query_string(&next);
            navigate(&if qs.is_empty() { path.to_string() } else { format!("{path}?{qs}") }, Default::default());
        }
    }

    /// A navigation with several parameters changed at once (e.g. a sort and its order).
    pub fn on_changes(&self) -> impl Fn(Vec<(&str, String)>) + Clone + Send + Sync + 'static + use<P> {
        self.go()
    }

    /// The `on:change` of the filter bound to `key`.
    pub fn on_change(&self, key: &'static str) -> impl Fn(leptos::ev::Event) + Clone + 'static + use<P> {
        let go = self.go();
        move |ev| go(vec![(key, leptos::prelude::event_target_value(&ev))])
    }

    /// What the `KeysetPager` calls.
    pub fn pager(&self) -> leptos::prelude::Callback<Keyset> {
        let go = self.go();
        leptos::prelude::Callback::new(move |at: Keyset| go(keyset_change(&at)))
    }

    /// The Clear button's `on:click`: every filter off, first page.
    pub fn clear(&self) -> impl Fn(leptos::ev::MouseEvent) + Clone + 'static + use<P> {
        let go = self.go();
        let params = self.params;
        move |_| go(params.iter().map(|k| (*k, String::new())).collect())
    }
}

/// The URL change to the page `at`.
fn keyset_change(at: &Keyset) -> Vec<(&'static str, String)> {
    match at {
        Keyset::Before(c) => vec![("before", c.to_param())],
        Keyset::After(c) => vec![("after", c.to_param())],
        Keyset::First => vec![],
    }
}
