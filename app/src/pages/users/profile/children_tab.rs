//! The Children Users tab: the tree of children; a child opens in its own tab.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use shared::domain::EndUser;
use shared::dto::ChildNode;
use shared::{Action, Role, View};

use crate::pages::users::OpenProfiles;

fn branch(nodes: Vec<ChildNode>, profiles: OpenProfiles) -> AnyView {
    view! {
        <ul class="tree">
            {nodes.into_iter().map(|c| {
                let label = format!("{} #{}", c.name, c.user_id);
                let id = c.user_id;
                let open_label = label.clone();
                let parent_type = c.parent_type.clone().unwrap_or_else(|| "no parent type".into());
                view! {
                    <li>
                        <button type="button" class="tree-node" on:click=move |_| profiles.open(id, open_label.clone())>
                            {label}
                        </button>
                        <span class="muted">{format!(" {parent_type} · {}", c.user_status.label())}</span>
                        {(!c.children.is_empty()).then(|| branch(c.children.clone(), profiles))}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
pub fn ChildrenTab(parent: EndUser, children: Vec<ChildNode>, role: Role) -> impl IntoView {
    let profiles = expect_context::<OpenProfiles>();
    let navigate = use_navigate();
    let parent_id = parent.id;
    let add_child = move |_| {
        navigate(&format!("{}?parentUserId={parent_id}", View::CreateUser.path()), Default::default());
    };
    let may_add = role.may(Action::AddChildUser) && parent.allows(Action::AddChildUser);
    view! {
        <section class="panel">
            <div class="panel-header">
                <h3>"Children Users"</h3>
                {may_add.then(|| view! {
                    <button class="secondary" on:click=add_child.clone()>"Add child user"</button>
                })}
            </div>
            {if children.is_empty() {
                view! { <p class="empty">"This user has no children users."</p> }.into_any()
            } else {
                view! { <div class="tree-root"><strong>{format!("#{parent_id}")}</strong>{branch(children, profiles)}</div> }.into_any()
            }}
        </section>
    }
}
