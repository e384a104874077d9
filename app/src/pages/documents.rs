//! KYC documents beyond one profile: the preview, the pre-review dialog (the document beside
//! the user's identity), User docs pending pre-review (the queue across users) and KYC
//! reviews (four-eyes decisions).

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use shared::View;
use shared::documents::{Document, DocumentType, KYC_REFUSAL_REASONS, KycDecision, KycReviewRequest};
use shared::dto::PreReviewSearch;

use crate::api;
use crate::components::{
    ListUrl, Loading, Modal, error_view, keyset_from_url, keyset_page_view, short_time, use_notices,
};
use crate::pages::users::profile_opener;
use crate::shell::handle_session_end;

/// A document's bytes, shown through a fresh signed link (an image, or a PDF in a frame).
#[component]
pub fn DocumentPreview(document: Document) -> impl IntoView {
    let id = document.id;
    let is_image = document.content.is_image();
    let title = format!("{} ({})", document.name, document.type_label());
    let link = LocalResource::new(move || api::document_link(id, true));
    view! {
        <div class="document-preview" data-testid="document-preview">
            <Transition fallback=|| view! { <Loading label="Loading the document…"/> }>
                {move || link.get().map(|result| match result {
                    Err(e) => error_view(e),
                    Ok(link) if is_image => view! { <img src=link.path alt=title.clone()/> }.into_any(),
                    Ok(link) => view! { <iframe src=link.path title=title.clone()></iframe> }.into_any(),
                })}
            </Transition>
        </div>
    }
}

/// The identity facts a reviewer compares a document with.
#[component]
fn IdentityFacts(user_id: i64) -> impl IntoView {
    let profile = LocalResource::new(move || api::load_user_profile(user_id));
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || profile.get().map(|result| match result {
                Err(e) => error_view(e),
                Ok(p) => {
                    let u = &p.user;
                    let rows = [
                        ("User", u.tab_label()),
                        ("Type", u.user_type.label().to_string()),
                        ("Birth date", u.text("birthday")),
                        ("Nationality", u.text("nationality")),
                        ("Address", [u.text("address1"), u.text("postcode"), u.text("city"), u.text("country")].join(" ")),
                        ("Email", u.email.clone()),
                        ("Registration number", u.text("legalRegistrationNumber")),
                    ];
                    view! {
                        <dl class="facts" aria-label="Identity">
                            {rows.into_iter().filter(|(_, v)| !v.trim().is_empty()).map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                        </dl>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// "Review document": the document beside the user's identity; accept, or refuse with a
/// comment (required). What was typed stays when the server refuses.
#[component]
pub fn ReviewDocumentDialog(
    document: Document,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_done: Callback<()>,
) -> impl IntoView {
    let notices = use_notices();
    let comment = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let (id, user_id) = (document.id, document.user_id);
    let decide = move |accept: bool| {
        let text = comment.get_untracked();
        if !accept && text.trim().is_empty() {
            error.set(Some(shared::documents::REFUSAL_NEEDS_COMMENT.into()));
            return;
        }
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = api::pre_review_document(id, accept, text).await;
            pending.set(false);
            match result {
                Ok(_) => {
                    notices.success(if accept { "The document was accepted." } else { "The document was refused." });
                    on_done.run(());
                }
                Err(e) => {
                    handle_session_end(&e);
                    error.set(Some(e.to_string()));
                }
            }
        });
    };
    let title = format!("Review document: {} ({})", document.type_label(), document.name);
    view! {
        <Modal title=title on_close=on_close>
            <div class="review-layout">
                <DocumentPreview document=document.clone()/>
                <div>
                    <IdentityFacts user_id=user_id/>
                    <label for="review-comment">"Comment (required to refuse)"</label>
                    <textarea id="review-comment" rows="3" maxlength=shared::documents::COMMENT_MAX_LEN.to_string()
                        prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                    {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                    <div class="form-actions">
                        <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                        <button type="button" class="danger" disabled=move || pending.get() on:click=move |_| decide(false)>"Refuse"</button>
                        <button type="button" class="primary" disabled=move || pending.get() on:click=move |_| decide(true)>"Accept"</button>
                    </div>
                </div>
            </div>
        </Modal>
    }
}

const PAGE_SIZE: i64 = 20;
const QUEUE_PARAMS: [&str; 6] = ["type", "userId", "from", "to", "before", "after"];

/// User docs pending pre-review: every user's documents waiting, oldest first.
#[component]
pub fn DocsPendingReviewPage() -> impl IntoView {
    let query = use_location().query;
    let param = move |name: &str| query.with(|q| q.get(name)).unwrap_or_default();
    let search = Memo::new(move |_| PreReviewSearch {
        type_id: param("type").parse().ok(),
        user_id: param("userId").parse().ok(),
        from: Some(param("from")).filter(|v| !v.is_empty()),
        to: Some(param("to")).filter(|v| !v.is_empty()),
        at: keyset_from_url(param),
        page_size: PAGE_SIZE,
        skip_total: false,
    });
    let reload = RwSignal::new(0u32);
    let queue = LocalResource::new(move || {
        reload.track();
        api::pre_review_queue(search.get())
    });
    let reviewing = RwSignal::new(None::<Document>);
    let open = profile_opener();
    let url = ListUrl::new(View::UserDocsPendingPreReview.path(), &QUEUE_PARAMS, param);
    let on_change = |key: &'static str| url.on_change(key);
    let (to_page, clear) = (url.pager(), url.clear());
    let body = move || {
        let open = open.clone();
        queue.get().map(move |result| match result {
            Err(e) => error_view(e),
            Ok(page) => keyset_page_view(page, search.get().at, "No document waits for its pre-review.", "documents", to_page, move |items| view! {
                <table class="data-table" aria-label="Documents pending pre-review">
                    <thead><tr>
                        <th scope="col">"Uploaded"</th><th scope="col">"User"</th><th scope="col">"Type"</th>
                        <th scope="col">"Name"</th><th scope="col">"Uploaded by"</th><th scope="col">"Actions"</th>
                    </tr></thead>
                    <tbody>
                        {items.into_iter().map(|q| {
                            let (user, label, open) = (q.document.user_id, format!("{} #{}", q.user_name, q.document.user_id), open.clone());
                            let document = q.document.clone();
                            view! {
                                <tr data-document-id=q.document.id>
                                    <td>{short_time(&q.document.created_date)}</td>
                                    <td><button type="button" class="link-button" on:click=move |_| open(user, format!("#{user}"))>{label}</button></td>
                                    <td>{q.document.type_label()}</td>
                                    <td>{q.document.name.clone()}</td>
                                    <td>{q.document.created_by.clone()}</td>
                                    <td><button type="button" class="primary" on:click=move |_| reviewing.set(Some(document.clone()))>"Review"</button></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any()),
        })
    };
    view! {
        <section>
            <h1>"User docs pending pre-review"</h1>
            <form class="filters" aria-label="Filters" on:submit=|ev| ev.prevent_default()>
                <div>
                    <label for="filter-doc-type">"Document type"</label>
                    <select id="filter-doc-type" prop:value=move || param("type") on:change=on_change("type")>
                        <option value="">"All types"</option>
                        {DocumentType::ALL.map(|t| view! { <option value=t.id.to_string()>{t.label}</option> }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="filter-doc-user">"User id"</label>
                    <input id="filter-doc-user" inputmode="numeric" prop:value=move || param("userId") on:change=on_change("userId")/>
                </div>
                <fieldset class="date-range">
                    <legend>"Uploaded"</legend>
                    <label for="filter-doc-from">"From"</label>
                    <input id="filter-doc-from" type="date" prop:value=move || param("from") on:change=on_change("from")/>
                    <label for="filter-doc-to">"To"</label>
                    <input id="filter-doc-to" type="date" prop:value=move || param("to") on:change=on_change("to")/>
                </fieldset>
                <button type="button" class="secondary" on:click=clear>"Clear"</button>
            </form>
            <Transition fallback=|| view! { <Loading/> }>{body}</Transition>
            {move || reviewing.get().map(|document| view! {
                <ReviewDocumentDialog document=document on_close=move || reviewing.set(None)
                    on_done=move || { reviewing.set(None); reload.update(|n| *n += 1) }/>
            })}
        </section>
    }
}

/// The documents a review covers, each openable (the decider sees what they validate).
#[component]
fn ReviewedDocuments(review_id: i64, user_id: i64) -> impl IntoView {
    let documents = LocalResource::new(move || api::user_documents(user_id));
    let open = RwSignal::new(None::<i64>);
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || documents.get().map(|result| match result {
                Err(e) => error_view(e),
                Ok(list) => {
                    let covered: Vec<Document> = list.into_iter().filter(|d| d.kyc_review_id == Some(review_id)).collect();
                    view! {
                        <ul class="reviewed-documents" aria-label="Documents of the review">
                            {covered.into_iter().map(|d| {
                                let (id, shown) = (d.id, d.clone());
                                view! {
                                    <li>
                                        {format!("{} ({})", d.type_label(), d.name)}
                                        " "
                                        <button type="button" class="link-button"
                                            on:click=move |_| open.update(|o| *o = if *o == Some(id) { None } else { Some(id) })>
                                            {move || if open.get() == Some(id) { "Hide" } else { "Open" }}
                                        </button>
                                        {move || (open.get() == Some(id)).then(|| view! { <DocumentPreview document=shown.clone()/> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// Validate or refuse one review: the refusal picks a reason and needs a comment.
#[component]
fn DecideDialog(
    review: KycReviewRequest,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_done: Callback<()>,
) -> impl IntoView {
    let notices = use_notices();
    let decision = RwSignal::new(KycDecision::Validate);
    let reason = RwSignal::new(String::new());
    let comment = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let id = review.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (d, r, c) = (decision.get_untracked(), reason.get_untracked(), comment.get_untracked());
        if d == KycDecision::Refuse && (r.is_empty() || c.trim().is_empty()) {
            error.set(Some("A refusal needs a reason and a comment.".into()));
            return;
        }
        pending.set(true);
        leptos::task::spawn_local(async move {
            let reason = (d == KycDecision::Refuse).then_some(r);
            let result = api::decide_kyc_review(id, d, reason, c).await;
            pending.set(false);
            match result {
                Ok(user) => {
                    notices.success(format!("{}: KYC {}.", user.tab_label(), user.kyc_review.label().to_lowercase()));
                    on_done.run(());
                }
                Err(e) => {
                    handle_session_end(&e);
                    error.set(Some(e.to_string()));
                }
            }
        });
    };
    let title = format!("Decide the KYC review of {} #{}", review.user_name, review.user_id);
    view! {
        <Modal title=title on_close=on_close>
            <form class="stacked" aria-label="KYC decision" on:submit=submit>
                <p>{format!("Submitted by {} on {}, {} document(s).", review.submitted_by, short_time(&review.submitted_date), review.document_count)}</p>
                <ReviewedDocuments review_id=id user_id=review.user_id/>
                <fieldset>
                    <legend>"Decision"</legend>
                    <label><input type="radio" name="decision" checked=true
                        on:change=move |_| decision.set(KycDecision::Validate)/>"Validate"</label>
                    <label><input type="radio" name="decision"
                        on:change=move |_| decision.set(KycDecision::Refuse)/>"Refuse"</label>
                </fieldset>
                {move || (decision.get() == KycDecision::Refuse).then(|| view! {
                    <label for="refusal-reason">"Reason"</label>
                    <select id="refusal-reason" prop:value=move || reason.get() on:change=move |ev| reason.set(event_target_value(&ev))>
                        <option value="">"Choose a reason"</option>
                        {KYC_REFUSAL_REASONS.map(|r| view! { <option value=r>{r}</option> }).collect_view()}
                    </select>
                })}
                <label for="decision-comment">"Comment (required to refuse)"</label>
                <textarea id="decision-comment" rows="3" maxlength=shared::documents::COMMENT_MAX_LEN.to_string()
                    prop:value=move || comment.get()
                    on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <div class="form-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || pending.get()>"Record the decision"</button>
                </div>
            </form>
        </Modal>
    }
}

const REVIEW_PARAMS: [&str; 3] = ["userId", "before", "after"];

/// KYC reviews: submissions waiting for a decision, oldest first.
#[component]
pub fn KycReviewsPage(me_id: i64) -> impl IntoView {
    let query = use_location().query;
    let param = move |name: &str| query.with(|q| q.get(name)).unwrap_or_default();
    let at = Memo::new(move |_| keyset_from_url(param));
    let user_id = Memo::new(move |_| param("userId").parse::<i64>().ok());
    let reload = RwSignal::new(0u32);
    let reviews = LocalResource::new(move || {
        reload.track();
        api::kyc_review_queue(user_id.get(), at.get(), PAGE_SIZE)
    });
    let deciding = RwSignal::new(None::<KycReviewRequest>);
    let open = profile_opener();
    let url = ListUrl::new(View::KycReviews.path(), &REVIEW_PARAMS, param);
    let (to_page, clear, on_user) = (url.pager(), url.clear(), url.on_change("userId"));
    let body = move || {
        let open = open.clone();
        reviews.get().map(move |result| match result {
            Err(e) => error_view(e),
            Ok(page) => keyset_page_view(page, at.get(), "No KYC review waits for a decision.", "reviews", to_page, move |items| view! {
                <table class="data-table" aria-label="KYC reviews">
                    <thead><tr>
                        <th scope="col">"Submitted"</th><th scope="col">"User"</th><th scope="col">"Type"</th>
                        <th scope="col">"Documents"</th><th scope="col">"Submitted by"</th><th scope="col">"Actions"</th>
                    </tr></thead>
                    <tbody>
                        {items.into_iter().map(|r| {
                            let (user, open, review) = (r.user_id, open.clone(), r.clone());
                            view! {
                                <tr data-review-id=r.id>
                                    <td>{short_time(&r.submitted_date)}</td>
                                    <td><button type="button" class="link-button" on:click=move |_| open(user, format!("#{user}"))>{format!("{} #{}", r.user_name, r.user_id)}</button></td>
                                    <td>{r.user_type.label()}</td>
                                    <td>{r.document_count}</td>
                                    <td>{r.submitted_by.clone()}</td>
                                    <td>{if r.submitted_by_operator == Some(me_id) {
                                        view! { <span class="hint">"Your submission: another operator decides"</span> }.into_any()
                                    } else {
                                        view! { <button type="button" class="primary" on:click=move |_| deciding.set(Some(review.clone()))>"Decide"</button> }.into_any()
                                    }}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any()),
        })
    };
    view! {
        <section>
            <h1>"KYC reviews"</h1>
            <p class="hint">"A review is decided by a legal operator other than the one who submitted it."</p>
            <form class="filters" aria-label="Filters" on:submit=|ev| ev.prevent_default()>
                <div>
                    <label for="filter-review-user">"User id"</label>
                    <input id="filter-review-user" inputmode="numeric" prop:value=move || param("userId") on:change=on_user/>
                </div>
                <button type="button" class="secondary" on:click=clear>"Clear"</button>
            </form>
            <Transition fallback=|| view! { <Loading/> }>{body}</Transition>
            {move || deciding.get().map(|review| view! {
                <DecideDialog review=review on_close=move || deciding.set(None)
                    on_done=move || { deciding.set(None); reload.update(|n| *n += 1) }/>
            })}
        </section>
    }
}
