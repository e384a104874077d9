//! Dashboard Users through the server functions: who may do what, and the rules on
//! Administrators, self-deletion and sessions.

use app::error::AppError;
use serde_json::{Value, json};
use shared::Role;
use shared::dto::{OperatorSummary, Page};

use crate::harness::{Flavor, PASSWORD, browser, form, spawn_app};

crate::on_both_databases!(
    only_operator_managers_reach_the_operator_functions,
    managers_manage_operators_but_not_administrators,
    administrators_manage_administrators_within_the_rules,
    usernames_are_validated_and_unique,
    delete_and_role_change_end_sessions,
    two_administrators_removing_each_other_leave_one,
    a_password_set_by_someone_else_is_temporary,
    guessing_the_current_password_locks_out,
);

async fn only_operator_managers_reach_the_operator_functions(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let anonymous = browser();
    let refused = app.call::<Value>(&anonymous, "operators/list", json!({})).await;
    assert_eq!(refused, Err(AppError::Unauthenticated));

    for role in [Role::SupportReadOnly, Role::Support, Role::SupportLegal] {
        let (b, _) = app.logged_in(&format!("{}@example.com", role.as_str()), role).await;
        let created = app.call::<Value>(&b, "operators/create", form("new@example.com", Role::Support, PASSWORD)).await;
        assert!(matches!(created, Err(AppError::Forbidden(_))), "{role:?} create: {created:?}");
        let listed = app.call::<Value>(&b, "operators/list", json!({})).await;
        assert!(matches!(listed, Err(AppError::Forbidden(_))), "{role:?} list: {listed:?}");
        let audit = app.call::<Value>(&b, "audit/list", json!({"page": 1, "page_size": 10})).await;
        assert!(matches!(audit, Err(AppError::Forbidden(_))), "{role:?} audit: {audit:?}");
    }
    let ops = app.backend.list_operators(&backend::Actor::System).await.unwrap();
    assert!(!ops.iter().any(|o| o.username == "new@example.com"), "nothing was created");

    let (manager, _) = app.logged_in("manager@example.com", Role::Manager).await;
    let list: Vec<OperatorSummary> = app.call(&manager, "operators/list", json!({})).await.unwrap();
    assert_eq!(list.len(), 4);
    let audit: Page<shared::dto::AuditEntry> =
        app.call(&manager, "audit/list", json!({"page": 1, "page_size": 10})).await.unwrap();
    assert!(audit.total > 0);
}

async fn managers_manage_operators_but_not_administrators(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let admin_id = app.add_operator("root@example.com", Role::Administrator).await;
    let (manager, _) = app.logged_in("manager@example.com", Role::Manager).await;

    let created: OperatorSummary =
        app.call(&manager, "operators/create", form("ivy@example.com", Role::Support, PASSWORD)).await.unwrap();
    assert_eq!((created.role, created.blocked), (Role::Support, false));
    app.login(&browser(), "ivy@example.com", PASSWORD).await.unwrap();

    let updated: OperatorSummary = app
        .call(
            &manager,
            "operators/update",
            json!({"id": created.id, "form": {
            "username": "ivy@example.com", "role": "SupportLegal", "password": "", "saml_key": "saml-ivy"}}),
        )
        .await
        .unwrap();
    assert_eq!((updated.role, updated.saml_key.as_deref()), (Role::SupportLegal, Some("saml-ivy")));
    app.login(&browser(), "ivy@example.com", PASSWORD).await.expect("empty password keeps the old one");

    let forbidden = [
        app.call::<Value>(&manager, "operators/create", form("boss@example.com", Role::Administrator, PASSWORD)).await,
        app.call::<Value>(
            &manager,
            "operators/update",
            json!({"id": created.id, "form": {
            "username": "ivy@example.com", "role": "Administrator", "password": "", "saml_key": ""}}),
        )
        .await,
        app.call::<Value>(
            &manager,
            "operators/update",
            json!({"id": admin_id, "form": {
            "username": "root@example.com", "role": "Support", "password": "", "saml_key": ""}}),
        )
        .await,
        app.call::<Value>(&manager, "operators/delete", json!({"id": admin_id})).await,
    ];
    for result in forbidden {
        assert_eq!(result, Err(AppError::Forbidden("Only Administrators can manage Administrators.".into())));
    }
    let ops = app.backend.list_operators(&backend::Actor::System).await.unwrap();
    assert_eq!(ops.iter().filter(|o| o.role == Role::Administrator).count(), 1);

    app.call::<()>(&manager, "operators/delete", json!({"id": created.id})).await.unwrap();
    assert_eq!(app.login(&browser(), "ivy@example.com", PASSWORD).await, Err(AppError::InvalidCredentials));
}

async fn administrators_manage_administrators_within_the_rules(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let (admin, admin_id) = app.logged_in("root@example.com", Role::Administrator).await;

    let own = app.call::<Value>(&admin, "operators/delete", json!({"id": admin_id})).await;
    assert_eq!(own, Err(AppError::Conflict("You cannot delete yourself.".into())));
    let demote = app
        .call::<Value>(
            &admin,
            "operators/update",
            json!({"id": admin_id, "form": {
        "username": "root@example.com", "role": "Manager", "password": "", "saml_key": ""}}),
        )
        .await;
    assert_eq!(demote, Err(AppError::Conflict("The last Administrator cannot be demoted.".into())));

    let second: OperatorSummary =
        app.call(&admin, "operators/create", form("second@example.com", Role::Administrator, PASSWORD)).await.unwrap();
    assert_eq!(second.role, Role::Administrator);
    // With two Administrators, one may be demoted, and then deleted.
    let demoted: OperatorSummary = app
        .call(
            &admin,
            "operators/update",
            json!({"id": second.id, "form": {
        "username": "second@example.com", "role": "Manager", "password": "", "saml_key": ""}}),
        )
        .await
        .unwrap();
    assert_eq!(demoted.role, Role::Manager);
    app.call::<()>(&admin, "operators/delete", json!({"id": second.id})).await.unwrap();
    let missing = app.call::<Value>(&admin, "operators/delete", json!({"id": second.id})).await;
    assert_eq!(missing, Err(AppError::NotFound));
}

async fn usernames_are_validated_and_unique(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let (admin, _) = app.logged_in("root@example.com", Role::Administrator).await;
    let cases = [
        (form("not-an-email", Role::Support, PASSWORD), "username"),
        (form("Root@Example.com", Role::Support, PASSWORD), "username"),
        (form("ok@example.com", Role::Support, "short"), "password"),
        (json!({"form": {"username": "ok@example.com", "role": null, "password": PASSWORD, "saml_key": ""}}), "role"),
    ];
    for (args, field) in cases {
        let result = app.call::<Value>(&admin, "operators/create", args.clone()).await;
        match result {
            Err(AppError::Invalid { field: f, .. }) => assert_eq!(f, field, "{args}"),
            other => panic!("{args} should be refused on {field}: {other:?}"),
        }
    }
    let dup = app.call::<Value>(&admin, "operators/create", form("ROOT@example.com", Role::Support, PASSWORD)).await;
    assert_eq!(
        dup,
        Err(AppError::Invalid {
            field: "username".into(),
            message: "An operator with this username already exists.".into()
        })
    );
}

async fn delete_and_role_change_end_sessions(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let (admin, _) = app.logged_in("root@example.com", Role::Administrator).await;
    let (jane, jane_id) = app.logged_in("jane@example.com", Role::Support).await;
    let (kim, kim_id) = app.logged_in("kim@example.com", Role::Support).await;

    // An update that keeps the role keeps the session.
    app.call::<OperatorSummary>(
        &admin,
        "operators/update",
        json!({"id": jane_id, "form": {
        "username": "jane@example.com", "role": "Support", "password": "", "saml_key": "k"}}),
    )
    .await
    .unwrap();
    assert!(app.me(&jane).await.is_some());
    // A role change ends it.
    app.call::<OperatorSummary>(
        &admin,
        "operators/update",
        json!({"id": jane_id, "form": {
        "username": "jane@example.com", "role": "SupportReadOnly", "password": "", "saml_key": ""}}),
    )
    .await
    .unwrap();
    assert_eq!(app.me(&jane).await, None);
    assert_eq!(app.backend.session_count(jane_id).await.unwrap(), 0);
    // Deletion ends it.
    assert!(app.me(&kim).await.is_some());
    app.call::<()>(&admin, "operators/delete", json!({"id": kim_id})).await.unwrap();
    assert_eq!(app.me(&kim).await, None);
}

/// Two Administrators demote (then delete) each other at the same moment: one wins, the
/// other is refused, and an Administrator remains. Several rounds, to give the race room.
async fn two_administrators_removing_each_other_leave_one(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let admins = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM operators WHERE role = 'administrator'")
            .fetch_one(&app.backend.db.pool)
            .await
            .unwrap()
    };
    for round in 0..4 {
        let (a, a_id) = app.logged_in(&format!("a{round}@example.com"), Role::Administrator).await;
        let (b, b_id) = app.logged_in(&format!("b{round}@example.com"), Role::Administrator).await;
        // Only these two hold the role.
        sqlx::query("UPDATE operators SET role = 'manager' WHERE role = 'administrator' AND id NOT IN ($1, $2)")
            .bind(a_id)
            .bind(b_id)
            .execute(&app.backend.db.pool)
            .await
            .unwrap();
        let demote = |id: i64, name: &str| json!({"id": id, "form": {"username": name, "role": "Manager", "password": "", "saml_key": ""}});
        let (ra, rb) = if round % 2 == 0 {
            tokio::join!(
                app.call::<Value>(&a, "operators/update", demote(b_id, &format!("b{round}@example.com"))),
                app.call::<Value>(&b, "operators/update", demote(a_id, &format!("a{round}@example.com"))),
            )
        } else {
            tokio::join!(
                app.call::<Value>(&a, "operators/delete", json!({"id": b_id})),
                app.call::<Value>(&b, "operators/delete", json!({"id": a_id})),
            )
        };
        let refused = [&ra, &rb].iter().filter(|r| r.is_err()).count();
        assert_eq!(refused, 1, "round {round}: one wins, one is refused: {ra:?} {rb:?}");
        assert_eq!(admins().await, 1, "round {round}: an Administrator remains");
    }
}

/// A password a Manager sets (creating or updating an operator) is temporary: the operator's
/// sessions and tokens end, nothing but choosing their own works, and choosing it needs the
/// current one. The command line's operators (the harness's) are not concerned.
async fn a_password_set_by_someone_else_is_temporary(flavor: Flavor) {
    use backend::{Actor, RequestMeta};
    let app = spawn_app(flavor).await;
    let (manager, manager_id) = app.logged_in("manager@example.com", Role::Manager).await;
    assert!(!app.me(&manager).await.unwrap().must_change_password(), "the command line's password is kept");
    let created: OperatorSummary =
        app.call(&manager, "operators/create", form("agent@example.com", Role::Support, PASSWORD)).await.unwrap();

    let agent = browser();
    let me = app.login(&agent, "agent@example.com", PASSWORD).await.unwrap();
    assert!(me.must_change_password());
    let search = json!({"params": [["userId", "1"]]});
    let refused = app.call::<Value>(&agent, "users/search", search.clone()).await.unwrap_err();
    assert_eq!(refused, AppError::Forbidden(backend::auth::MUST_CHANGE_PASSWORD.into()));
    // The password grant refuses it too.
    let client =
        app.backend.create_api_client(&Actor::System, &RequestMeta::local(), "c", &shared::Scope::ALL).await.unwrap();
    let grant = browser()
        .post(format!("{}/oauth/token", app.base_url))
        .form(&[
            ("grant_type", "password"),
            ("client_id", client.client_id.as_str()),
            ("client_secret", client.client_secret.as_str()),
            ("username", "agent@example.com"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(grant.status(), 403);

    // Choosing one's own: the current password, a strong new one that differs.
    let change = |current: &str, new: &str| json!({"current": current, "new": new});
    for (args, field) in [
        (change("wrong current password", "a brand new pass phrase"), "currentPassword"),
        (change(PASSWORD, "short"), "newPassword"),
        (change(PASSWORD, PASSWORD), "newPassword"),
    ] {
        match app.call::<Value>(&agent, "session/change-password", args).await {
            Err(AppError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    let second = browser();
    app.login(&second, "agent@example.com", PASSWORD).await.unwrap();
    let me: shared::dto::Me =
        app.call(&agent, "session/change-password", change(PASSWORD, "a brand new pass phrase")).await.unwrap();
    assert!(!me.must_change_password());
    app.call::<Value>(&agent, "users/search", search.clone()).await.unwrap();
    assert!(app.me(&second).await.is_none(), "the other session ended");
    assert_eq!(app.backend.session_count(created.id).await.unwrap(), 1);

    // A Manager setting it again makes it temporary again and ends every session at once.
    let update = json!({"id": created.id, "form": {"username": "agent@example.com", "role": "Support", "password": "another pass phrase 2026", "saml_key": ""}});
    app.call::<Value>(&manager, "operators/update", update).await.unwrap();
    assert!(app.me(&agent).await.is_none());
    let me = app.login(&agent, "agent@example.com", "another pass phrase 2026").await.unwrap();
    assert!(me.must_change_password());
    // Nobody sets their own password through Dashboard Users.
    let own = json!({"id": manager_id, "form": {"username": "manager@example.com", "role": "Manager", "password": "my own new pass phrase", "saml_key": ""}});
    match app.call::<Value>(&manager, "operators/update", own).await {
        Err(AppError::Invalid { field, .. }) => assert_eq!(field, "password"),
        other => panic!("{other:?}"),
    }
    assert!(app.audit_actions().await.iter().any(|a| a == "operator.password_changed"));
}

/// Wrong current passwords in Change password count as failed logins: the third blocks the
/// operator and ends the session that guessed.
async fn guessing_the_current_password_locks_out(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let (b, id) = app.logged_in("guesser@example.com", Role::Support).await;
    for i in 0..3 {
        let args = json!({"current": format!("guess {i} of the password"), "new": "a brand new pass phrase"});
        let refused = app.call::<Value>(&b, "session/change-password", args).await.unwrap_err();
        assert!(matches!(refused, AppError::Invalid { ref field, .. } if field == "currentPassword"), "{refused:?}");
    }
    assert!(app.me(&b).await.is_none(), "the session ended with the block");
    let operators = app.backend.list_operators(&backend::Actor::System).await.unwrap();
    assert!(operators.iter().find(|o| o.id == id).unwrap().blocked);
    assert_eq!(app.login(&browser(), "guesser@example.com", PASSWORD).await, Err(AppError::InvalidCredentials));
}
