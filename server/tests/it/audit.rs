//! Every mutation writes an audit row with before/after and no secret; the database
//! refuses to change or remove audit rows.

use serde_json::{Value, json};
use shared::Role;
use shared::dto::OperatorSummary;

use crate::harness::{Flavor, PASSWORD, browser, form, spawn_app};

crate::on_both_databases!(every_mutation_is_audited_without_secrets, audit_rows_cannot_be_changed);

#[derive(sqlx::FromRow, Debug)]
struct Row {
    actor_type: String,
    actor_label: String,
    action: String,
    target_id: Option<String>,
    before_json: Option<String>,
    after_json: Option<String>,
    request_id: String,
    client_ip: Option<String>,
    occurred_at: String,
}

async fn every_mutation_is_audited_without_secrets(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let (admin, _) = app.logged_in("root@example.com", Role::Administrator).await;
    let created: OperatorSummary =
        app.call(&admin, "operators/create", form("lee@example.com", Role::Support, PASSWORD)).await.unwrap();
    app.call::<OperatorSummary>(
        &admin,
        "operators/update",
        json!({"id": created.id, "form": {
        "username": "lee@example.com", "role": "Manager", "password": "another long password", "saml_key": ""}}),
    )
    .await
    .unwrap();
    for _ in 0..3 {
        app.login(&browser(), "lee@example.com", "wrong password!!").await.unwrap_err();
    }
    app.call::<OperatorSummary>(&admin, "operators/unblock", json!({"id": created.id})).await.unwrap();
    app.call::<()>(&admin, "operators/delete", json!({"id": created.id})).await.unwrap();
    app.call::<()>(&admin, "session/logout", json!({})).await.unwrap();

    let rows: Vec<Row> = sqlx::query_as(
        "SELECT actor_type, actor_label, action, target_id, before_json, after_json, request_id, \
         client_ip, occurred_at FROM audit_log ORDER BY id",
    )
    .fetch_all(&app.backend.db.pool)
    .await
    .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "operator.created", // root, by the command line
            "login.succeeded",
            "operator.created",
            "operator.updated",
            "login.failed",
            "login.failed",
            "login.failed",
            "operator.blocked",
            "operator.unblocked",
            "operator.deleted",
            "logout",
        ]
    );
    let by_action = |a: &str| rows.iter().find(|r| r.action == a).unwrap();
    let lee = created.id.to_string();

    let create = rows.iter().filter(|r| r.action == "operator.created").nth(1).unwrap();
    assert_eq!((create.actor_type.as_str(), create.actor_label.as_str()), ("operator", "root@example.com"));
    assert_eq!(create.target_id.as_deref(), Some(lee.as_str()));
    let after: Value = serde_json::from_str(create.after_json.as_ref().unwrap()).unwrap();
    assert_eq!(after["username"], "lee@example.com");
    assert_eq!(after["role"], "Support");
    assert!(create.before_json.is_none());

    let update = by_action("operator.updated");
    let before: Value = serde_json::from_str(update.before_json.as_ref().unwrap()).unwrap();
    let after: Value = serde_json::from_str(update.after_json.as_ref().unwrap()).unwrap();
    assert_eq!((before["role"].as_str(), after["role"].as_str()), (Some("Support"), Some("Manager")));
    assert_eq!(after["passwordChanged"], true);

    let unblock = by_action("operator.unblocked");
    assert!(unblock.before_json.as_ref().unwrap().contains("\"blocked\":true"));
    assert!(unblock.after_json.as_ref().unwrap().contains("\"blocked\":false"));
    let delete = by_action("operator.deleted");
    assert!(delete.before_json.as_ref().unwrap().contains("lee@example.com"));
    assert_eq!(by_action("login.failed").actor_type, "anonymous");

    for row in &rows {
        for json in [&row.before_json, &row.after_json].into_iter().flatten() {
            assert!(!json.contains(PASSWORD) && !json.contains("another long password"), "{json}");
            assert!(!json.contains("argon2") && !json.to_lowercase().contains("hash"), "{json}");
        }
        assert_eq!(row.request_id.len(), 36, "{row:?}");
        assert!(row.occurred_at.ends_with('Z'), "UTC: {row:?}");
    }
    let over_http = rows.iter().skip(1).collect::<Vec<_>>();
    assert!(over_http.iter().all(|r| r.client_ip.as_deref() == Some("127.0.0.1")), "{over_http:?}");
}

async fn audit_rows_cannot_be_changed(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.add_operator("root@example.com", Role::Administrator).await;
    let pool = &app.backend.db.pool;
    let count =
        || async { sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log").fetch_one(pool).await.unwrap() };
    assert_eq!(count().await, 1);
    let update = sqlx::query("UPDATE audit_log SET action = 'tampered'").execute(pool).await;
    assert!(update.is_err(), "UPDATE must be refused");
    let delete = sqlx::query("DELETE FROM audit_log").execute(pool).await;
    assert!(delete.is_err(), "DELETE must be refused");
    assert!(delete.unwrap_err().to_string().contains("immutable"));
    assert_eq!(count().await, 1);
    let action: String = sqlx::query_scalar("SELECT action FROM audit_log").fetch_one(pool).await.unwrap();
    assert_eq!(action, "operator.created");
}
