//! The end-user views (seed "Users"): the search toolbar, All Users and the search results,
//! the Profile Boards with their tabs, the edit / create form and the tax residences popup.

pub mod form;
pub mod list;
pub mod profile;
pub mod tax;
pub mod toolbar;

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use shared::View;

// Pages read the query string from the router's location (`use_location().query`), not
// `use_query_map()`: the latter follows the matched route's URL, which our single catch-all
// route does not update when moving between two pages.

/// The users opened in the Profile Boards (one tab each) and the one shown.
#[derive(Clone, Copy)]
pub struct OpenProfiles {
    pub tabs: RwSignal<Vec<(i64, String)>>,
    pub active: RwSignal<Option<i64>>,
}

impl OpenProfiles {
    pub fn new() -> Self {
        OpenProfiles { tabs: RwSignal::new(Vec::new()), active: RwSignal::new(None) }
    }

    /// Opens (or focuses) a user's tab without leaving the page.
    pub fn open(&self, id: i64, label: String) {
        self.tabs.update(|tabs| {
            if !tabs.iter().any(|(t, _)| *t == id) {
                tabs.push((id, label));
            }
        });
        self.active.set(Some(id));
    }

    pub fn close(&self, id: i64) {
        self.tabs.update(|tabs| tabs.retain(|(t, _)| *t != id));
        if self.active.get_untracked() == Some(id) {
            self.active.set(self.tabs.get_untracked().last().map(|(t, _)| *t));
        }
    }

    /// The label a tab shows, once the user's name is known.
    pub fn relabel(&self, id: i64, label: String) {
        self.tabs.update(|tabs| {
            if let Some(tab) = tabs.iter_mut().find(|(t, l)| *t == id && *l != label) {
                tab.1 = label;
            }
        });
    }
}

/// A function that opens a user in the Profile Boards and goes there. Call it while a
/// component is being set up (it reads the router), use it in event handlers.
pub fn profile_opener() -> impl Fn(i64, String) + Clone + Send + Sync + 'static {
    let profiles = expect_context::<OpenProfiles>();
    let navigate = use_navigate();
    move |id, label| {
        profiles.open(id, label);
        navigate(View::ProfilesBoard.path(), Default::default());
    }
}

/// `key=value&...` with values percent-encoded (RFC 3986 unreserved characters kept).
pub fn query_string(pairs: &[(String, String)]) -> String {
    let encode = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_encode_what_urls_cannot_hold() {
        let pairs = vec![
            ("email".to_string(), "a+b@x.io".to_string()),
            ("name".into(), "Le Roy".into()),
            ("x".into(), String::new()),
        ];
        assert_eq!(query_string(&pairs), "email=a%2Bb%40x.io&name=Le%20Roy");
    }
}
