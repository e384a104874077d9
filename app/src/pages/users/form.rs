//! The user form: Edit user information (a dialog on the profile) and Create a new User
//! (a page, also reached by "Add child user"). Fields, inputs and checks all come from
//! `shared::user_fields`, the table the server validates with; server refusals land on the
//! field they name.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_location;
use serde_json::{Map, Value};
use shared::codes;
use shared::domain::EndUser;
use shared::user_fields::{FIELDS, Kind, Mode, Settable, field, form_groups, label, user_input_errors};
use shared::user_states::{KycReview, UserType};

use super::profile_opener;
use crate::api;
use crate::components::{Modal, use_notices};
use crate::error::AppError;
use crate::shell::handle_session_end;

/// The groups of the form for a user type code (the field table's, `user_fields::form_groups`).
fn groups(user_type: i64) -> Vec<(&'static str, Vec<&'static str>)> {
    form_groups(UserType::from_code(user_type).unwrap_or(UserType::Physical))
}

/// The creation page's groups: those of the table, less what its "User" fieldset asks first.
fn create_groups(user_type: i64) -> Vec<(&'static str, Vec<&'static str>)> {
    groups(user_type)
        .into_iter()
        .map(|(title, names)| (title, names.into_iter().filter(|n| *n != "specifiedUSPerson").collect()))
        .collect()
}

/// The form's values, as typed, by field name.
type Values = RwSignal<BTreeMap<String, String>>;

/// Typed values as the API's JSON: integers parsed, empty text cleared (`""`).
fn to_json(name: &str, raw: &str) -> Result<Value, (String, String)> {
    let raw = raw.trim();
    let Some(f) = field(name) else { return Ok(Value::Null) };
    if f.is_integer() {
        if raw.is_empty() {
            return Ok(Value::Null);
        }
        return raw
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| (name.to_string(), format!("{} must be a whole number.", label(name))));
    }
    Ok(Value::String(raw.to_string()))
}

/// One input of the form, chosen by the field's kind.
fn field_input(name: &'static str, values: Values, errors: RwSignal<Vec<(String, String)>>) -> impl IntoView {
    let Some(f) = field(name) else {
        return view! { <p class="form-error">{format!("Unknown field {name}.")}</p> }.into_any();
    };
    let id = format!("user-field-{name}");
    let error_id = format!("{id}-error");
    let value = move || values.with(|v| v.get(name).cloned().unwrap_or_default());
    let set = move |ev: leptos::ev::Event| {
        let typed = event_target_value(&ev);
        values.update(|v| {
            v.insert(name.to_string(), typed);
        });
        errors.update(|e| e.retain(|(field, _)| field != name));
    };
    let error = move || errors.with(|e| e.iter().find(|(f, _)| f == name).map(|(_, m)| m.clone()));
    let invalid = move || error().is_some().to_string();
    let input = match f.kind {
        Kind::Choice(options) => view! {
            <select id=id.clone() prop:value=value on:change=set aria-invalid=invalid aria-describedby=error_id.clone()>
                <option value="">"—"</option>
                {options.iter().map(|o| view! { <option value=*o>{*o}</option> }).collect_view()}
            </select>
        }
        .into_any(),
        Kind::IntChoice(options) => {
            let is_bool = options == [0, 1];
            view! {
                <select id=id.clone() prop:value=value on:change=set aria-invalid=invalid aria-describedby=error_id.clone()>
                    <option value="">"—"</option>
                    {options.iter().map(|o| {
                        let shown = match (is_bool, o) { (true, 0) => "No".to_string(), (true, _) => "Yes".to_string(), _ => o.to_string() };
                        view! { <option value=o.to_string()>{shown}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        kind => {
            let (input_type, list) = match kind {
                Kind::Date => ("date", None),
                Kind::Email => ("email", None),
                Kind::Phone => ("tel", None),
                Kind::Count => ("number", None),
                Kind::Country => ("text", Some("country-codes")),
                Kind::Language => ("text", Some("language-codes")),
                Kind::Timezone => ("text", Some("timezone-names")),
                _ => ("text", None),
            };
            view! {
                <input id=id.clone() type=input_type list=list autocomplete="off" prop:value=value on:input=set
                    aria-invalid=invalid aria-describedby=error_id.clone()/>
            }
            .into_any()
        }
    };
    view! {
        <div class="form-field">
            <label for=id>{f.label}</label>
            {input}
            {move || error().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
        </div>
    }
    .into_any()
}

/// Suggestions for the code fields (the check is still the rule, not the list).
fn code_lists() -> impl IntoView {
    view! {
        <datalist id="country-codes">{codes::COUNTRIES.iter().map(|c| view! { <option value=*c/> }).collect_view()}</datalist>
        <datalist id="language-codes">{codes::LANGUAGES.iter().map(|c| view! { <option value=*c/> }).collect_view()}</datalist>
        <datalist id="timezone-names">{codes::TIMEZONES.iter().map(|c| view! { <option value=*c/> }).collect_view()}</datalist>
    }
}

fn group_fieldsets(
    groups: Vec<(&'static str, Vec<&'static str>)>,
    values: Values,
    errors: RwSignal<Vec<(String, String)>>,
    mode: Mode,
) -> impl IntoView {
    groups
        .into_iter()
        .map(|(title, names)| {
            let inputs = names
                .into_iter()
                .filter(|n| mode == Mode::Create || field(n).is_some_and(|f| f.settable == Settable::Always))
                .map(|n| field_input(n, values, errors))
                .collect_view();
            view! { <fieldset class="form-group"><legend>{title}</legend><div class="form-columns">{inputs}</div></fieldset> }
        })
        .collect_view()
}

/// The JSON to send and the problems the shared rules find, before any request.
fn collect(
    values: &BTreeMap<String, String>,
    original: Option<&EndUser>,
    mode: Mode,
) -> (Map<String, Value>, Vec<(String, String)>) {
    let mut input = Map::new();
    let mut problems = Vec::new();
    for (name, raw) in values {
        if let Some(before) = original {
            if before.text(name) == raw.trim() {
                continue;
            }
        } else if raw.trim().is_empty() {
            continue;
        }
        match to_json(name, raw) {
            Ok(v) => {
                input.insert(name.clone(), v);
            }
            Err(problem) => problems.push(problem),
        }
    }
    problems.extend(user_input_errors(&input, mode).into_iter().map(|e| (e.field, e.message)));
    (input, problems)
}

#[component]
pub fn EditUserDialog(user: EndUser, on_close: Callback<()>, on_saved: Callback<()>) -> impl IntoView {
    let notices = use_notices();
    let id = user.id;
    let user_type = user.user_type.code();
    let initial: BTreeMap<String, String> = FIELDS.iter().map(|f| (f.name.to_string(), user.text(f.name))).collect();
    let values = RwSignal::new(initial);
    let errors = RwSignal::new(Vec::<(String, String)>::new());
    let general = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let original = user.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (changes, problems) = values.with_untracked(|v| collect(v, Some(&original), Mode::Update));
        errors.set(problems.clone());
        general.set(None);
        if !problems.is_empty() {
            return;
        }
        if changes.is_empty() {
            on_close.run(());
            return;
        }
        pending.set(true);
        let was_validated = original.kyc_review == KycReview::Validated;
        spawn_local(async move {
            let result = api::update_user(id, changes).await;
            pending.set(false);
            match result {
                Ok(updated) => {
                    let review = if updated.kyc_review == KycReview::Pending && was_validated {
                        " Its KYC goes back to review."
                    } else {
                        ""
                    };
                    notices.success(format!("User #{id} was updated.{review}"));
                    on_saved.run(());
                }
                Err(AppError::Invalid { field, message }) => errors.set(vec![(field, message)]),
                Err(e) => {
                    handle_session_end(&e);
                    general.set(Some(e.to_string()));
                }
            }
        });
    };
    view! {
        <Modal title="Edit user information".to_string() on_close=on_close>
            <form class="form user-form" on:submit=submit novalidate>
                {code_lists()}
                {group_fieldsets(groups(user_type), values, errors, Mode::Update)}
                {move || general.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <div class="form-actions">
                    <button type="button" class="secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

/// Create a new User; `?parentUserId=N` (from "Add child user") presets the parent.
#[component]
pub fn CreateUserPage() -> impl IntoView {
    let notices = use_notices();
    let open = profile_opener();
    let query = use_location().query;
    let parent = Memo::new(move |_| query.with(|q| q.get("parentUserId")).filter(|p| !p.is_empty()));
    let user_type = RwSignal::new(1i64);
    let values = RwSignal::new(BTreeMap::<String, String>::new());
    let errors = RwSignal::new(Vec::<(String, String)>::new());
    let general = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut typed = values.get_untracked();
        // Only the fields of the chosen type's groups are sent.
        let shown: Vec<&str> = groups(user_type.get_untracked()).into_iter().flat_map(|(_, f)| f).collect();
        let parent_id = parent.get_untracked();
        typed.retain(|k, _| {
            shown.contains(&k.as_str()) || k == "specifiedUSPerson" || (k == "parentType" && parent_id.is_some())
        });
        typed.insert("userTypeId".into(), user_type.get_untracked().to_string());
        if let Some(p) = parent_id {
            typed.insert("parentUserId".into(), p);
        }
        let (input, problems) = collect(&typed, None, Mode::Create);
        errors.set(problems.clone());
        general.set(None);
        if !problems.is_empty() {
            return;
        }
        pending.set(true);
        let open = open.clone();
        spawn_local(async move {
            let result = api::create_user(input).await;
            pending.set(false);
            match result {
                Ok(created) => {
                    notices.success(format!("User #{} was created.", created.id));
                    open(created.id, created.tab_label());
                }
                Err(AppError::Invalid { field, message }) => errors.set(vec![(field, message)]),
                Err(e) => {
                    handle_session_end(&e);
                    general.set(Some(e.to_string()));
                }
            }
        });
    };
    let title = move || if parent.get().is_some() { "Add child user" } else { "Create a new User" };
    view! {
        <section>
            <h1>{title}</h1>
            <form class="form user-form page-form" on:submit=submit novalidate>
                {code_lists()}
                <fieldset class="form-group">
                    <legend>"User"</legend>
                    <div class="form-columns">
                        <div class="form-field">
                            <label for="user-field-userTypeId">"User type"</label>
                            <select id="user-field-userTypeId" prop:value=move || user_type.get().to_string()
                                on:change=move |ev| user_type.set(event_target_value(&ev).parse().unwrap_or(1))>
                                {UserType::ALL.map(|t| view! { <option value=t.code().to_string()>{t.label()}</option> }).collect_view()}
                            </select>
                        </div>
                        {field_input("specifiedUSPerson", values, errors)}
                        {move || parent.get().map(|p| view! {
                            <div class="form-field">
                                <label for="user-field-parentUserId">"Parent user id"</label>
                                <input id="user-field-parentUserId" type="text" readonly prop:value=p/>
                            </div>
                            {field_input("parentType", values, errors)}
                        })}
                    </div>
                </fieldset>
                {move || group_fieldsets(create_groups(user_type.get()), values, errors, Mode::Create)}
                // Problems of fields the form does not show (parent, type) are said here.
                {move || {
                    let shown: Vec<&str> = groups(user_type.get()).into_iter().flat_map(|(_, f)| f)
                        .chain(["specifiedUSPerson", "parentType"]).collect();
                    errors.with(|e| e.iter().find(|(f, _)| !shown.contains(&f.as_str())).map(|(_, m)| {
                        view! { <p class="form-error" role="alert">{m.clone()}</p> }
                    }))
                }}
                {move || general.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <div class="form-actions">
                    <button type="submit" class="primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Creating…" } else { "Create user" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changes_are_sent_and_rules_are_the_shared_ones() {
        let mut original = EndUser::blank(1, UserType::Physical);
        original.set_field("country", Some(shared::domain::FieldValue::Text("FR".into())));
        original.set_field("phone", Some(shared::domain::FieldValue::Text("+33612345678".into())));
        let mut values: BTreeMap<String, String> =
            [("country", "XX"), ("phone", "+33612345678"), ("legalShareCapital", "ten")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let (input, problems) = collect(&values, Some(&original), Mode::Update);
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert!(fields.contains(&"country") && fields.contains(&"legalShareCapital"), "{problems:?}");
        assert!(!input.contains_key("phone"), "unchanged fields are not sent");
        values.insert("country".into(), "DE".into());
        values.remove("legalShareCapital");
        let (input, problems) = collect(&values, Some(&original), Mode::Update);
        assert!(problems.is_empty());
        assert_eq!(input.get("country"), Some(&Value::String("DE".into())));
    }

    #[test]
    fn the_create_form_offers_the_fields_it_used_to_miss() {
        let physical: Vec<&str> = create_groups(1).into_iter().flat_map(|(_, f)| f).collect();
        assert!(!physical.contains(&"specifiedUSPerson"), "asked once, in the User fieldset");
        for name in ["userTag", "employeeType", "controllingPersonType", "legalForm", "legalName"] {
            assert!(physical.contains(&name), "{name}");
        }
        assert!(!physical.contains(&"position"), "position is for NGOs");
        let ngo: Vec<&str> = groups(3).into_iter().flat_map(|(_, f)| f).collect();
        assert!(ngo.contains(&"position"));
    }
}
