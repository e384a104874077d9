//! All Cards: every card, newest first, with filters (status, user id, last 4 digits or
//! public token, expiry months) and keyset paging, all in the URL. A row opens its user.

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use shared::View;
use shared::domain::CardStatus;
use shared::dto::CardSearch;

use crate::api;
use crate::components::{ListUrl, Loading, error_view, keyset_from_url, keyset_page_view};
use crate::pages::users::profile_opener;

const PAGE_SIZES: [i64; 3] = [20, 50, 100];
const DEFAULT_PAGE_SIZE: i64 = 20;
/// The URL parameters, in the order the URL lists them.
const PARAMS: [&str; 8] = ["status", "userId", "card", "expiryFrom", "expiryTo", "pageCount", "before", "after"];

/// The search the URL describes (a bad value is left to the server, which names it).
fn search_from(param: impl Fn(&str) -> String) -> CardSearch {
    let text = |k: &str| Some(param(k)).filter(|v| !v.is_empty());
    let id = |k: &str| param(k).parse::<i64>().ok();
    CardSearch {
        status: CardStatus::parse(&param("status")),
        user_id: id("userId"),
        card: text("card"),
        expiry_from: text("expiryFrom"),
        expiry_to: text("expiryTo"),
        at: keyset_from_url(&param),
        page_size: id("pageCount").filter(|n| PAGE_SIZES.contains(n)).unwrap_or(DEFAULT_PAGE_SIZE),
    }
}

#[component]
pub fn AllCardsPage() -> impl IntoView {
    let query = use_location().query;
    let param = move |name: &str| query.with(|q| q.get(name)).unwrap_or_default();
    let search = Memo::new(move |_| search_from(param));
    let cards = LocalResource::new(move || api::search_cards(search.get()));
    let open = profile_opener();

    let url = ListUrl::new(View::AllCards.path(), &PARAMS, param);
    let on_change = |key: &'static str| url.on_change(key);
    let (to_page, clear) = (url.pager(), url.clear());
    let body = move || {
        cards.get().map(|result| match result {
            Err(e) => error_view(e),
            Ok(page) => {
                let open = open.clone();
                keyset_page_view(page, search.get().at, "No card matches these filters.", "cards", to_page, move |items| view! {
                    <table class="data-table clickable" aria-label="Cards">
                        <thead><tr>
                            <th scope="col">"Card id"</th><th scope="col">"User"</th><th scope="col">"Masked PAN"</th>
                            <th scope="col">"Status"</th><th scope="col">"Activated"</th>
                            <th scope="col">"Public token"</th><th scope="col">"Expires"</th>
                        </tr></thead>
                        <tbody>
                            {items.into_iter().map(|c| {
                                let (user, open_row, open_link) = (c.user_id, open.clone(), open.clone());
                                view! {
                                    <tr data-card-id=c.id on:click=move |_| open_row(user, format!("#{user}"))>
                                        <td>{c.id}</td>
                                        <td>
                                            <button type="button" class="link-button"
                                                on:click=move |ev| { ev.stop_propagation(); open_link(user, format!("#{user}")) }>
                                                {format!("User #{user}")}
                                            </button>
                                        </td>
                                        <td class="mono">{c.masked_pan.clone()}</td>
                                        <td>{c.status.label()}</td>
                                        <td>{if c.is_live { "Yes" } else { "No" }}</td>
                                        <td class="mono">{c.public_token.clone()}</td>
                                        <td>{c.expiry_date.clone()}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any())
            }
        })
    };

    view! {
        <section>
            <h1>"All Cards"</h1>
            <form class="filters" aria-label="Filters" on:submit=|ev| ev.prevent_default()>
                <div>
                    <label for="filter-card-status">"Status"</label>
                    <select id="filter-card-status" prop:value=move || param("status") on:change=on_change("status")>
                        <option value="">"All statuses"</option>
                        {CardStatus::ALL.map(|s| view! { <option value=s.name()>{s.label()}</option> }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="filter-card-user">"User id"</label>
                    <input id="filter-card-user" inputmode="numeric" prop:value=move || param("userId")
                        on:change=on_change("userId")/>
                </div>
                <div>
                    <label for="filter-card">"Last 4 digits or public token"</label>
                    <input id="filter-card" prop:value=move || param("card") on:change=on_change("card")/>
                </div>
                <fieldset class="date-range">
                    <legend>"Expiry"</legend>
                    <label for="filter-expiry-from">"Expires from"</label>
                    <input id="filter-expiry-from" type="month" prop:value=move || param("expiryFrom")
                        on:change=on_change("expiryFrom")/>
                    <label for="filter-expiry-to">"Expires to"</label>
                    <input id="filter-expiry-to" type="month" prop:value=move || param("expiryTo")
                        on:change=on_change("expiryTo")/>
                </fieldset>
                <div>
                    <label for="filter-card-size">"Rows per page"</label>
                    <select id="filter-card-size" prop:value=move || search.get().page_size.to_string()
                        on:change=on_change("pageCount")>
                        {PAGE_SIZES.map(|n| view! { <option value=n.to_string()>{n}</option> }).collect_view()}
                    </select>
                </div>
                <button type="button" class="secondary" on:click=clear>"Clear"</button>
            </form>
            <Transition fallback=|| view! { <Loading/> }>{body}</Transition>
        </section>
    }
}
