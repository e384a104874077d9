//! The KYC tab: level and review, the user's documents (type, state, dates; opening one
//! needs the legal scope), Add KYC document, Review / Delete document, Submit KYC (with what
//! is still missing shown first) and the review history.

use leptos::prelude::*;
use shared::documents::{ContentKind, Document};
use shared::domain::EndUser;
use shared::{Action, Role};

use super::facts;
use super::kyc_upload::UploadDialog;
use crate::api;
use crate::components::{ConfirmDialog, Loading, error_view, short_time, use_notices};
use crate::pages::documents::{DocumentPreview, ReviewDocumentDialog};

/// What an operator may do with one document: the rules of `shared::documents::Document`
/// (the server decides again).
fn may_open(role: Role, d: &Document) -> bool {
    role.may(d.read_action()) && !d.is_deleted()
}

fn may_delete(role: Role, d: &Document) -> bool {
    role.may(d.delete_action()) && d.delete_refusal().is_none()
}

/// The file's kind as a small badge (PDF, JPG, PNG): no picture of the bytes, which only
/// legal may see.
fn kind_badge(kind: ContentKind) -> impl IntoView {
    view! { <span class="file-kind">{kind.extension().to_uppercase()}</span> }
}

#[derive(Clone)]
enum Dialog {
    Upload,
    Review(Document),
    Open(Document),
    Delete(Document),
    Submit,
}

#[component]
pub fn KycTab(user: EndUser, role: Role, refresh: Callback<()>) -> impl IntoView {
    let notices = use_notices();
    let id = user.id;
    let reload = RwSignal::new(0u32);
    let documents = LocalResource::new(move || {
        reload.track();
        api::user_documents(id)
    });
    let missing = LocalResource::new(move || {
        reload.track();
        api::kyc_submission_refusals(id)
    });
    let dialog = RwSignal::new(None::<Dialog>);
    let done = Callback::new(move |_| {
        dialog.set(None);
        reload.update(|n| *n += 1);
        refresh.run(());
    });
    let close = Callback::new(move |_| dialog.set(None));
    let history = user.kyc_review_comment.clone().unwrap_or_default();
    let may_add = role.may(Action::AddKycDocument) && user.allows(Action::AddKycDocument);
    let may_submit = role.may(Action::SubmitKycReview) && user.allows(Action::SubmitKycReview);

    let table = move || {
        documents.get().map(|result| match result {
            Err(e) => error_view(e),
            Ok(list) if list.is_empty() => view! { <p class="empty">"No document yet."</p> }.into_any(),
            Ok(list) => view! {
                <table class="data-table" aria-label="KYC documents">
                    <thead><tr>
                        <th scope="col"><span class="visually-hidden">"Kind"</span></th>
                        <th scope="col">"Type"</th><th scope="col">"Name"</th><th scope="col">"State"</th>
                        <th scope="col">"Uploaded"</th><th scope="col">"Comment"</th><th scope="col">"Actions"</th>
                    </tr></thead>
                    <tbody>
                        {list.into_iter().map(|d| {
                            let (review, open, delete) = (d.clone(), d.clone(), d.clone());
                            let reviewable = role.may(Action::ReviewKycDocument) && d.pre_review_refusal().is_none();
                            view! {
                                <tr data-document-id=d.id>
                                    <td>{kind_badge(d.content)}</td>
                                    <td>{d.type_label()}</td>
                                    <td>{d.name.clone()}</td>
                                    <td data-testid="document-state">{d.state_label()}</td>
                                    <td>{short_time(&d.created_date)}</td>
                                    <td>{d.pre_review_comment.clone().unwrap_or_default()}</td>
                                    <td class="row-actions">
                                        {reviewable.then(|| view! {
                                            <button type="button" class="primary" on:click=move |_| dialog.set(Some(Dialog::Review(review.clone())))>"Review document"</button>
                                        })}
                                        {may_open(role, &d).then(|| view! {
                                            <button type="button" class="secondary" on:click=move |_| dialog.set(Some(Dialog::Open(open.clone())))>"Open"</button>
                                        })}
                                        {may_delete(role, &d).then(|| view! {
                                            <button type="button" class="danger" on:click=move |_| dialog.set(Some(Dialog::Delete(delete.clone())))>"Delete document"</button>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any(),
        })
    };
    let submit_panel = move || {
        may_submit.then(|| {
            missing.get().map(|result| match result {
                Err(e) => error_view(e),
                Ok(missing) if missing.is_empty() => view! {
                    <p class="hint">"Every required document is accepted: the review can be submitted."</p>
                    <button type="button" class="primary" on:click=move |_| dialog.set(Some(Dialog::Submit))>"Submit KYC"</button>
                }
                .into_any(),
                Ok(missing) => view! {
                    <p class="hint">"Before Submit KYC:"</p>
                    <ul data-testid="kyc-missing">{missing.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                    <button type="button" class="primary" disabled=true>"Submit KYC"</button>
                }
                .into_any(),
            })
        })
    };
    let dialogs = move || {
        dialog.get().map(|d| match d {
            Dialog::Upload => view! { <UploadDialog user_id=id on_close=close on_done=done/> }.into_any(),
            Dialog::Review(document) => view! { <ReviewDocumentDialog document=document on_close=close on_done=done/> }.into_any(),
            Dialog::Open(document) => {
                let download_id = document.id;
                let download =
                    move |_| crate::components::follow_signed_link(api::document_link(download_id, false), notices);
                view! {
                    <crate::components::Modal title=format!("{} ({})", document.type_label(), document.name) on_close=close>
                        <DocumentPreview document=document.clone()/>
                        <div class="form-actions">
                            <button type="button" class="secondary" on:click=move |_| close.run(())>"Close"</button>
                            <button type="button" class="primary" on:click=download>"Download"</button>
                        </div>
                    </crate::components::Modal>
                }
                .into_any()
            }
            Dialog::Delete(document) => {
                let doc_id = document.id;
                view! {
                    <ConfirmDialog title="Delete document" confirm_label="Delete document" danger=true
                        run=move || async move { api::delete_document(doc_id).await.map(|_| "The document was deleted.".to_string()) }
                        on_close=close on_done=done>
                        <p>{format!("Delete {} ({})? Its file is removed for good; the record stays, with the deletion date.", document.name, document.type_label())}</p>
                    </ConfirmDialog>
                }
                .into_any()
            }
            Dialog::Submit => view! {
                <ConfirmDialog title="Submit KYC" confirm_label="Submit KYC"
                    run=move || async move { api::request_kyc_review(id).await.map(|_| "The KYC review was submitted.".to_string()) }
                    on_close=close on_done=done>
                    <p>"The accepted documents go to KYC review. Another legal operator will validate or refuse it."</p>
                </ConfirmDialog>
            }
            .into_any(),
        })
    };
    view! {
        <section class="panel">
            {facts(vec![
                ("KYC level", user.kyc_level.label().to_string()),
                ("KYC review", user.kyc_review.label().to_string()),
                ("User status", user.status.label().to_string()),
            ])}
            <h3>"Documents"</h3>
            {may_add.then(|| view! {
                <button type="button" class="primary" on:click=move |_| dialog.set(Some(Dialog::Upload))>"Add KYC document"</button>
            })}
            <Transition fallback=|| view! { <Loading/> }>{table}</Transition>
            <Transition fallback=|| view! { <Loading/> }>{submit_panel}</Transition>
            <h3>"Review history"</h3>
            {if history.is_empty() {
                view! { <p class="empty">"No review yet."</p> }.into_any()
            } else {
                view! { <pre class="history" data-testid="kyc-history">{history}</pre> }.into_any()
            }}
            {dialogs}
        </section>
    }
}
