//! "Add KYC document": a type, a file (chooser or drag and drop), checks before the upload
//! (size and content, by the same rule as the server: `shared::documents::content_refusal`
//! on the first bytes), then the upload through a pre-signed form with its progress.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::documents::{DocumentType, UploadForm};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::api;
use crate::components::{Modal, use_notices};
use crate::shell::handle_session_end;

/// What is wrong with a chosen file, before anything is sent: `shared::documents::file_refusal`
/// on its size and first bytes (the server applies it to all of them).
async fn file_refusal(file: &web_sys::File) -> Option<String> {
    let head = file.slice_with_i32_and_i32(0, 16).ok()?;
    let buffer = wasm_bindgen_futures::JsFuture::from(head.array_buffer()).await.ok()?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    shared::documents::file_refusal(file.size() as usize, &bytes).err()
}

/// The message of a REST error envelope, if the body is one.
fn envelope_message(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value["errors"][0]["message"].as_str().map(str::to_string)
}

/// Posts the file to the form with XMLHttpRequest (fetch reports no upload progress),
/// setting `progress` (0 to 100) as it goes.
async fn post_to_form(form: &UploadForm, file: &web_sys::File, progress: RwSignal<Option<u32>>) -> Result<(), String> {
    let failed = |_| "The upload could not start.".to_string();
    let data = web_sys::FormData::new().map_err(failed)?;
    for (name, value) in &form.fields {
        data.append_with_str(name, value).map_err(failed)?;
    }
    data.append_with_blob_and_filename("file", file, &file.name()).map_err(failed)?;
    let xhr = web_sys::XmlHttpRequest::new().map_err(failed)?;
    xhr.open_with_async("POST", &form.action, true).map_err(failed)?;
    let on_progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
        if ev.length_computable() && ev.total() > 0.0 {
            progress.set(Some((ev.loaded() / ev.total() * 100.0).round() as u32));
        }
    });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    let (done_tx, done_rx) = futures::channel::oneshot::channel::<()>();
    let done_tx = std::rc::Rc::new(std::cell::RefCell::new(Some(done_tx)));
    let finish = {
        let done_tx = done_tx.clone();
        Closure::<dyn FnMut()>::new(move || {
            if let Some(tx) = done_tx.borrow_mut().take() {
                let _ = tx.send(());
            }
        })
    };
    xhr.set_onloadend(Some(finish.as_ref().unchecked_ref()));
    xhr.send_with_opt_form_data(Some(&data)).map_err(failed)?;
    let _ = done_rx.await;
    // The closures live until the request ended.
    drop((on_progress, finish));
    match xhr.status().unwrap_or(0) {
        200..=299 => Ok(()),
        0 => Err("The upload was interrupted (network error). Nothing was stored; try again.".into()),
        _ => {
            let body = xhr.response_text().ok().flatten().unwrap_or_default();
            Err(envelope_message(&body).unwrap_or_else(|| "The server refused the file.".into()))
        }
    }
}

/// The types a file can be uploaded as here (tax statements name a tax residence: the API
/// takes them with `residenceId`).
fn uploadable_types() -> Vec<DocumentType> {
    DocumentType::ALL.into_iter().filter(|t| !t.needs_residence()).collect()
}

#[component]
pub fn UploadDialog(
    user_id: i64,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_done: Callback<()>,
) -> impl IntoView {
    let notices = use_notices();
    let type_id = RwSignal::new(String::new());
    let file = RwSignal::new_local(None::<web_sys::File>);
    let error = RwSignal::new(None::<String>);
    let progress = RwSignal::new(None::<u32>);
    let dragging = RwSignal::new(false);

    let choose = move |chosen: Option<web_sys::File>| {
        error.set(None);
        let Some(chosen) = chosen else { return };
        spawn_local(async move {
            match file_refusal(&chosen).await {
                Some(refusal) => {
                    file.set(None);
                    error.set(Some(format!("{}: {refusal}", chosen.name())));
                }
                None => file.set(Some(chosen)),
            }
        });
    };
    let on_input = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        choose(input.files().and_then(|list| list.get(0)));
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        choose(ev.data_transfer().and_then(|d| d.files()).and_then(|list| list.get(0)));
    };
    let upload = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(type_id) = type_id.get_untracked().parse::<i64>() else {
            error.set(Some("Choose the document type.".into()));
            return;
        };
        let Some(chosen) = file.get_untracked() else {
            error.set(Some("Choose a file (PDF, JPEG or PNG).".into()));
            return;
        };
        error.set(None);
        progress.set(Some(0));
        spawn_local(async move {
            let result = match api::document_upload_form(user_id, type_id).await {
                Err(e) => {
                    handle_session_end(&e);
                    Err(e.to_string())
                }
                Ok(form) => post_to_form(&form, &chosen, progress).await,
            };
            progress.set(None);
            match result {
                Ok(()) => {
                    notices.success(format!("{} was uploaded: it waits for its pre-review.", chosen.name()));
                    on_done.run(());
                }
                // The type and the file stay chosen: the operator can try again.
                Err(message) => error.set(Some(message)),
            }
        });
    };
    view! {
        <Modal title="Add KYC document".to_string() on_close=on_close>
            <form class="stacked" aria-label="Add KYC document" on:submit=upload>
                <label for="document-type">"Document type"</label>
                <select id="document-type" required prop:value=move || type_id.get()
                    on:change=move |ev| type_id.set(event_target_value(&ev))>
                    <option value="">"Choose a type"</option>
                    {uploadable_types().into_iter().map(|t| view! { <option value=t.id.to_string()>{t.label}</option> }).collect_view()}
                </select>
                <label for="document-file">"File (PDF, JPEG or PNG, at most 10 MB)"</label>
                <div class="drop-zone" class:dragging=move || dragging.get()
                    on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true) }
                    on:dragleave=move |_| dragging.set(false)
                    on:drop=on_drop>
                    <input id="document-file" type="file" accept="application/pdf,image/jpeg,image/png" on:change=on_input/>
                    <p>{move || file.with(|f| match f {
                        Some(f) => format!("Chosen: {} ({} KB)", f.name(), (f.size() / 1024.0).ceil()),
                        None => "Or drop a file here.".to_string(),
                    })}</p>
                </div>
                {move || progress.get().map(|p| view! {
                    <label for="upload-progress">"Uploading"</label>
                    <progress id="upload-progress" max="100" value=p.to_string() aria-valuetext=format!("{p} %")></progress>
                })}
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <div class="form-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || progress.get().is_some()>"Upload"</button>
                </div>
            </form>
        </Modal>
    }
}
