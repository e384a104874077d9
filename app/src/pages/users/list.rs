//! All Users (filters, sorting and paging in the URL) and the toolbar's result list.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use shared::View;
use shared::domain::EndUser;
use shared::dto::{UserList, UserLookup};
use shared::user_states::{UserStatus, UserType};

use super::{profile_opener, query_string};
use crate::api;
use crate::components::{Loading, Pager, error_view, short_time};

const PAGE_SIZES: [i64; 3] = [20, 50, 100];
const DEFAULT_PAGE_SIZE: i64 = 20;
/// The URL parameters of All Users (the REST search's names).
const LIST_PARAMS: [&str; 8] =
    ["userTypeId", "userStatus", "createdDateFrom", "createdDateTo", "sortBy", "sortOrder", "pageNumber", "pageCount"];

/// The users table; with `sort`, the Id and Created headers sort (server-side).
#[component]
fn UserTable(
    users: Vec<EndUser>,
    #[prop(optional)] sort: Option<(String, bool)>,
    #[prop(optional, into)] on_sort: Option<Callback<&'static str>>,
) -> impl IntoView {
    let open = profile_opener();
    let header = move |label: &'static str, key: Option<&'static str>| {
        let sorted = sort.as_ref().filter(|(by, _)| Some(by.as_str()) == key).map(|(_, desc)| *desc);
        let aria = match sorted {
            Some(true) => "descending",
            Some(false) => "ascending",
            None => "none",
        };
        match (key, on_sort) {
            (Some(key), Some(on_sort)) => view! {
                <th scope="col" aria-sort=aria>
                    <button type="button" class="sort" on:click=move |_| on_sort.run(key)>
                        {label}
                        {match sorted { Some(true) => " ▼", Some(false) => " ▲", None => "" }}
                    </button>
                </th>
            }
            .into_any(),
            _ => view! { <th scope="col">{label}</th> }.into_any(),
        }
    };
    view! {
        <table class="data-table clickable" aria-label="Users">
            <thead>
                <tr>
                    {header("Id", Some("userId"))}
                    {header("Name", None)}
                    {header("Email", None)}
                    {header("Type", None)}
                    {header("Status", None)}
                    {header("KYC level", None)}
                    {header("Created", Some("createdDate"))}
                </tr>
            </thead>
            <tbody>
                {users
                    .into_iter()
                    .map(|user| {
                        let id = user.id;
                        let label = user.tab_label();
                        let status = user.status;
                        let (open_row, open_name, label2) = (open.clone(), open.clone(), label.clone());
                        view! {
                            <tr data-user-id=id on:click=move |_| open_row(id, label.clone())>
                                <td>{id}</td>
                                <td>
                                    <button type="button" class="link-button"
                                        on:click=move |ev| { ev.stop_propagation(); open_name(id, label2.clone()) }>
                                        {user.display_name()}
                                    </button>
                                </td>
                                <td>{user.email.clone()}</td>
                                <td>{user.user_type.label()}</td>
                                <td><span class=format!("status status-{}", status.name().to_lowercase())>{status.label()}</span></td>
                                <td>{user.kyc_level.label()}</td>
                                <td>{short_time(&user.created_date)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn AllUsersPage() -> impl IntoView {
    let query = use_location().query;
    let navigate = use_navigate();
    let param = move |name: &str| query.with(|q| q.get(name)).unwrap_or_default();
    let params = Memo::new(move |_| {
        LIST_PARAMS.iter().map(|k| (k.to_string(), param(k))).filter(|(_, v)| !v.is_empty()).collect::<Vec<_>>()
    });
    let page_size =
        move || param("pageCount").parse::<i64>().ok().filter(|n| PAGE_SIZES.contains(n)).unwrap_or(DEFAULT_PAGE_SIZE);
    let page_number = move || param("pageNumber").parse::<i64>().ok().filter(|n| *n >= 1).unwrap_or(1);
    let users = LocalResource::new(move || {
        let mut request = params.get();
        if !request.iter().any(|(k, _)| k == "pageCount") {
            request.push(("pageCount".into(), DEFAULT_PAGE_SIZE.to_string()));
        }
        async move { api::search_users(request).await }
    });

    // Every change goes through the URL: filters can be reloaded, bookmarked and shared.
    let go = {
        let navigate = navigate.clone();
        move |changes: Vec<(&str, String)>| {
            let mut next = params.get_untracked();
            for (key, value) in changes {
                next.retain(|(k, _)| k != key);
                if key != "pageNumber" {
                    next.retain(|(k, _)| k != "pageNumber");
                }
                next.push((key.to_string(), value));
            }
            next.sort_by_key(|(k, _)| LIST_PARAMS.iter().position(|p| p == k));
            let qs = query_string(&next);
            let path = View::AllUsers.path();
            navigate(&if qs.is_empty() { path.to_string() } else { format!("{path}?{qs}") }, Default::default());
        }
    };
    let filter = {
        let go = go.clone();
        move |key: &'static str| {
            let go = go.clone();
            move |ev: leptos::ev::Event| go(vec![(key, event_target_value(&ev))])
        }
    };
    let clear = {
        let navigate = navigate.clone();
        move |_| navigate(View::AllUsers.path(), Default::default())
    };
    let sort = {
        let go = go.clone();
        Callback::new(move |key: &'static str| {
            let same = param("sortBy") == key || (param("sortBy").is_empty() && key == "createdDate");
            let descending_now = param("sortOrder") != "ASC";
            let order = if same && descending_now { "ASC" } else { "DESC" };
            go(vec![("sortBy", key.to_string()), ("sortOrder", order.to_string())]);
        })
    };
    let to_page = {
        let go = go.clone();
        move |n: i64| go(vec![("pageNumber", n.to_string())])
    };

    let body = move || {
        users.get().map(|result| match result {
            Err(e) => error_view(e),
            Ok(UserList { users, .. }) if users.is_empty() => {
                view! { <p class="empty">"No user matches these filters."</p> }.into_any()
            }
            Ok(UserList { users, total }) => {
                let size = page_size();
                let page = page_number();
                let sort_by = Some(param("sortBy")).filter(|s| !s.is_empty()).unwrap_or_else(|| "createdDate".into());
                let to_page = to_page.clone();
                view! {
                    <UserTable users=users sort=(sort_by, param("sortOrder") != "ASC") on_sort=sort/>
                    <Pager page=page page_size=size total=total noun="users" on_page=move |n| to_page(n)/>
                }
                .into_any()
            }
        })
    };

    view! {
        <section>
            <h1>"All Users"</h1>
            <form class="filters" aria-label="Filters" on:submit=|ev| ev.prevent_default()>
                <div>
                    <label for="filter-type">"User type"</label>
                    <select id="filter-type" prop:value=move || param("userTypeId") on:change=filter("userTypeId")>
                        <option value="">"All types"</option>
                        {UserType::ALL.map(|t| view! { <option value=t.code().to_string()>{t.label()}</option> }).collect_view()}
                    </select>
                </div>
                <fieldset class="date-range">
                    <legend>"Date range"</legend>
                    <label for="filter-from">"Created from"</label>
                    <input id="filter-from" type="date" prop:value=move || param("createdDateFrom")
                        on:change=filter("createdDateFrom")/>
                    <label for="filter-to">"Created to"</label>
                    <input id="filter-to" type="date" prop:value=move || param("createdDateTo")
                        on:change=filter("createdDateTo")/>
                </fieldset>
                <div>
                    <label for="filter-status">"User status"</label>
                    <select id="filter-status" prop:value=move || param("userStatus") on:change=filter("userStatus")>
                        <option value="">"All statuses"</option>
                        {UserStatus::ALL.map(|s| view! { <option value=s.name()>{s.label()}</option> }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="filter-size">"Rows per page"</label>
                    <select id="filter-size" prop:value=move || page_size().to_string() on:change=filter("pageCount")>
                        {PAGE_SIZES.map(|n| view! { <option value=n.to_string()>{n}</option> }).collect_view()}
                    </select>
                </div>
                <button type="button" class="secondary" on:click=clear>"Clear"</button>
            </form>
            <Transition fallback=|| view! { <Loading/> }>{body}</Transition>
        </section>
    }
}

/// The toolbar's results when several users match (the lookup is in the URL).
#[component]
pub fn SearchResultsPage() -> impl IntoView {
    let query = use_location().query;
    let lookup = Memo::new(move |_| query.with(|q| UserLookup::from_query(|k| q.get(k))));
    let results = LocalResource::new(move || {
        let lookup = lookup.get();
        async move { if lookup.is_empty() { Ok(None) } else { api::lookup_users(lookup).await.map(Some) } }
    });
    let body = move || {
        results.get().map(|result| match result {
            Err(e) => error_view(e),
            Ok(None) => view! { <p class="empty">"Use the search fields above to find users."</p> }.into_any(),
            Ok(Some(list)) if list.users.is_empty() => {
                view! { <p class="empty">"No user matches this search."</p> }.into_any()
            }
            Ok(Some(UserList { users, total })) => {
                let shown = users.len() as i64;
                view! {
                    <p class="muted" data-testid="result-count">
                        {if total > shown {
                            format!("{total} users match; the first {shown} are shown. Add fields to narrow the search.")
                        } else {
                            format!("{total} users match.")
                        }}
                    </p>
                    <UserTable users=users/>
                }
                .into_any()
            }
        })
    };
    view! {
        <section>
            <h1>"Search results"</h1>
            <Transition fallback=|| view! { <Loading/> }>{body}</Transition>
        </section>
    }
}
