//! All Card Transactions: newest first, filters (card, user, status, date range, amount
//! range) and keyset paging, all in the URL; and the table a card's details reuse.

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use shared::View;
use shared::cards::{CardTransaction, PaymentStatus};
use shared::dto::CardTransactionSearch;
use shared::money::{Currency, Money};

use crate::api;
use crate::components::{ListUrl, Loading, error_view, keyset_from_url, keyset_page_view, short_time};
use crate::pages::users::profile_opener;

const PAGE_SIZES: [i64; 3] = [20, 50, 100];
const DEFAULT_PAGE_SIZE: i64 = 20;
/// The URL parameters, in the order the URL lists them.
const PARAMS: [&str; 11] = [
    "cardId",
    "userId",
    "status",
    "dateFrom",
    "dateTo",
    "amountFrom",
    "amountTo",
    "currency",
    "pageCount",
    "before",
    "after",
];

/// The transactions, newest first; a row's user opens the profile.
#[component]
pub fn TransactionTable(transactions: Vec<CardTransaction>, #[prop(optional)] with_user: bool) -> impl IntoView {
    let open = profile_opener();
    view! {
        <table class="data-table" aria-label="Card transactions">
            <thead><tr>
                <th scope="col">"Date"</th><th scope="col">"Card"</th>
                {with_user.then(|| view! { <th scope="col">"User"</th> })}
                <th scope="col">"Merchant"</th><th scope="col">"MCC"</th><th scope="col">"Amount"</th>
                <th scope="col">"Status"</th><th scope="col">"Note"</th>
            </tr></thead>
            <tbody>
                {transactions.into_iter().map(|t| {
                    let (user, open) = (t.user_id, open.clone());
                    view! {
                        <tr data-transaction-id=t.id>
                            <td>{short_time(&t.date)}</td>
                            <td>{format!("#{}", t.card_id)}</td>
                            {with_user.then(|| view! {
                                <td><button type="button" class="link-button"
                                    on:click=move |_| open(user, format!("#{user}"))>{format!("User #{user}")}</button></td>
                            })}
                            <td>{format!("{} ({}, {})", t.merchant_name, t.merchant_city, t.merchant_country)}</td>
                            <td class="mono">{t.mcc.clone()}</td>
                            <td class="number">{t.amount.to_string()}</td>
                            <td>{t.status.label()}</td>
                            <td>{t.authorization_note.clone().unwrap_or_default()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The search the URL describes; a bad amount or date is left to the server, which names it.
fn search_from(param: impl Fn(&str) -> String) -> Result<CardTransactionSearch, String> {
    let text = |k: &str| Some(param(k)).filter(|v| !v.is_empty());
    let id = |k: &str| param(k).parse::<i64>().ok();
    let currency = Currency::parse(&text("currency").unwrap_or_else(|| "EUR".into()))
        .ok_or_else(|| "Choose a currency for the amounts.".to_string())?;
    let amount = |k: &str, label: &str| -> Result<Option<Money>, String> {
        text(k)
            .map(|raw| {
                Money::parse_decimal(&raw, currency.clone())
                    .ok_or_else(|| format!("{label}: an amount in {}, e.g. 12.50.", currency.code()))
            })
            .transpose()
    };
    Ok(CardTransactionSearch {
        card_id: id("cardId"),
        user_id: id("userId"),
        status: PaymentStatus::parse(&param("status")),
        date_from: text("dateFrom"),
        date_to: text("dateTo"),
        amount_from: amount("amountFrom", "Amount from")?,
        amount_to: amount("amountTo", "Amount to")?,
        at: keyset_from_url(&param),
        page_size: id("pageCount").filter(|n| PAGE_SIZES.contains(n)).unwrap_or(DEFAULT_PAGE_SIZE),
    })
}

#[component]
pub fn AllCardTransactionsPage() -> impl IntoView {
    let query = use_location().query;
    let param = move |name: &str| query.with(|q| q.get(name)).unwrap_or_default();
    let search = Memo::new(move |_| search_from(param));
    let transactions = LocalResource::new(move || {
        let search = search.get();
        async move {
            match search {
                Ok(s) => api::search_card_transactions(s).await.map_err(|e| e.to_string()),
                Err(message) => Err(message),
            }
        }
    });

    let url = ListUrl::new(View::AllCardTransactions.path(), &PARAMS, param);
    let on_change = |key: &'static str| url.on_change(key);
    let (to_page, clear) = (url.pager(), url.clear());
    let body = move || {
        transactions.get().map(|result| match result {
            Err(message) => view! { <p class="form-error" role="alert">{message}</p> }.into_any(),
            Ok(page) => keyset_page_view(
                page,
                search.get().map(|s| s.at).unwrap_or_default(),
                "No card transaction matches these filters.",
                "transactions",
                to_page,
                |items| view! { <TransactionTable transactions=items with_user=true/> }.into_any(),
            ),
        })
    };
    let text_filter = move |id: &'static str, label: &'static str, key: &'static str| {
        view! {
            <div>
                <label for=id>{label}</label>
                <input id=id prop:value=move || param(key) on:change=on_change(key)/>
            </div>
        }
    };
    view! {
        <section>
            <h1>"All Card Transactions"</h1>
            <form class="filters" aria-label="Filters" on:submit=|ev| ev.prevent_default()>
                {text_filter("filter-tx-card", "Card id", "cardId")}
                {text_filter("filter-tx-user", "User id", "userId")}
                <div>
                    <label for="filter-tx-status">"Status"</label>
                    <select id="filter-tx-status" prop:value=move || param("status") on:change=on_change("status")>
                        <option value="">"All statuses"</option>
                        {PaymentStatus::ALL.map(|s| view! { <option value=s.code()>{s.label()}</option> }).collect_view()}
                    </select>
                </div>
                <fieldset class="date-range">
                    <legend>"Date range"</legend>
                    <label for="filter-tx-from">"From"</label>
                    <input id="filter-tx-from" type="date" prop:value=move || param("dateFrom") on:change=on_change("dateFrom")/>
                    <label for="filter-tx-to">"To"</label>
                    <input id="filter-tx-to" type="date" prop:value=move || param("dateTo") on:change=on_change("dateTo")/>
                </fieldset>
                <fieldset class="date-range">
                    <legend>"Amount range"</legend>
                    <label for="filter-tx-amount-from">"Amount from"</label>
                    <input id="filter-tx-amount-from" inputmode="decimal" prop:value=move || param("amountFrom")
                        on:change=on_change("amountFrom")/>
                    <label for="filter-tx-amount-to">"Amount to"</label>
                    <input id="filter-tx-amount-to" inputmode="decimal" prop:value=move || param("amountTo")
                        on:change=on_change("amountTo")/>
                    <label for="filter-tx-currency">"Currency"</label>
                    <input id="filter-tx-currency" size="4" maxlength="3" placeholder="EUR"
                        prop:value=move || param("currency") on:change=on_change("currency")/>
                </fieldset>
                <div>
                    <label for="filter-tx-size">"Rows per page"</label>
                    <select id="filter-tx-size" prop:value=move || search.get().map(|s| s.page_size).unwrap_or(DEFAULT_PAGE_SIZE).to_string()
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

/// A card's last transactions (the Cards tab's details), with a link to all of them.
#[component]
pub fn CardTransactionsPreview(card_id: i64) -> impl IntoView {
    let last = LocalResource::new(move || {
        api::search_card_transactions(CardTransactionSearch {
            card_id: Some(card_id),
            page_size: 10,
            ..CardTransactionSearch::default()
        })
    });
    let all = format!("{}?cardId={card_id}", View::AllCardTransactions.path());
    let content = move || {
        last.get().map(|result| match result {
            Err(e) => error_view(e),
            Ok(page) if page.items.is_empty() => {
                view! { <p class="empty">"This card has no transaction yet."</p> }.into_any()
            }
            Ok(page) => view! {
                <p class="muted">{format!("The last {} of {} transactions.", page.items.len(), page.total)}</p>
                <TransactionTable transactions=page.items/>
            }
            .into_any(),
        })
    };
    view! {
        <Transition fallback=|| view! { <Loading/> }>{content}</Transition>
        <p><a href=all>"All transactions of this card"</a></p>
    }
}
