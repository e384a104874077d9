//! All Users (filters, sorting and paging in the URL) and the toolbar's result list.

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use shared::View;
use shared::domain::EndUser;
use shared::dto::{UserList, UserLookup};
use shared::user_states::{UserStatus, UserType};

use super::profile_opener;
use crate::api;
use crate::components::{ListUrl, Loading, error_view, keyset_from_url, keyset_page_view, short_time};

const PAGE_SIZES: [i64; 3] = [20, 50, 100];
const DEFAULT_PAGE_SIZE: i64 = 20;
/// The URL parameters of All Users (the REST search's names), in the order the URL lists them.
const LIST_PARAMS: [&str; 9] = [
    "userTypeId",
    "userStatus",
    "createdDateFrom",
    "createdDateTo",
    "sortBy",
    "sortOrder",
    "pageCount",
    "before",
    "after",
];

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
    let param = move |name: &str| query.with(|q| q.get(name)).unwrap_or_default();
    let params = Memo::new(move |_| {
        LIST_PARAMS.iter().map(|k| (k.to_string(), param(k))).filter(|(_, v)| !v.is_empty()).collect::<Vec<_>>()
    });
    let page_size =
        move || param("pageCount").parse::<i64>().ok().filter(|n| PAGE_SIZES.contains(n)).unwrap_or(DEFAULT_PAGE_SIZE);
    let users = LocalResource::new(move || {
        let mut request = params.get();
        if !request.iter().any(|(k, _)| k == "pageCount") {
            request.push(("pageCount".into(), DEFAULT_PAGE_SIZE.to_string()));
        }
        async move { api::search_users(request).await }
    });

    // Every change goes through the URL: filters can be reloaded, bookmarked and shared; a
    // new filter or sort starts at the first page.
    let url = ListUrl::new(View::AllUsers.path(), &LIST_PARAMS, param);
    let filter = |key: &'static str| url.on_change(key);
    let (to_page, clear) = (url.pager(), url.clear());
    let sort = {
        let go = url.on_changes();
        Callback::new(move |key: &'static str| {
            let same = param("sortBy") == key || (param("sortBy").is_empty() && key == "createdDate");
            let descending_now = param("sortOrder") != "ASC";
            let order = if same && descending_now { "ASC" } else { "DESC" };
            go(vec![("sortBy", key.to_string()), ("sortOrder", order.to_string())]);
        })
    };

    let body = move || {
        users.get().map(|result| match result {
            Err(e) => error_view(e),
            Ok(page) => {
                let sort_by = Some(param("sortBy")).filter(|s| !s.is_empty()).unwrap_or_else(|| "createdDate".into());
                let descending = param("sortOrder") != "ASC";
                keyset_page_view(
                    page,
                    keyset_from_url(param),
                    "No user matches these filters.",
                    "users",
                    to_page,
                    move |users| view! { <UserTable users=users sort=(sort_by, descending) on_sort=sort/> }.into_any(),
                )
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
                        {if total.more || total.count > shown {
                            format!("{total} users match; the best {shown} are shown. Add fields to narrow the search.")
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
