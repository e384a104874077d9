//! SCA devices: enrolment, Secure / Unlock / Reset PIN / Delete with their scopes per door,
//! every refusal (nothing changed, nothing audited), deleted devices kept, the contract's
//! shape, and the dashboard's server functions per role.

use app::error::AppError;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::Role;
use shared::Scope;
use shared::sca::ScaDevice;

use crate::harness::{Flavor, TestApp, spawn_app};
use crate::spec::assert_matches_schema;

crate::on_both_databases!(
    devices_follow_their_lifecycle_over_rest,
    refusals_change_nothing_and_record_nothing,
    operators_act_on_devices_per_their_role,
    two_racing_locks_lock_once
);

async fn new_user(app: &TestApp, token: &str) -> i64 {
    let body = json!({"userTypeId": 1, "specifiedUSPerson": 0, "email": format!("{}@example.com", uuid::Uuid::new_v4().simple())});
    let (status, res) = app.rest(Method::POST, "/v1/users", token, Some(body)).await;
    assert_eq!(status, 200, "{res}");
    res["users"][0]["userId"].as_i64().unwrap()
}

const PHONE: &str = r#"{"os": "iOS", "osVersion": "18.1", "brand": "Apple", "productModel": "iPhone 15"}"#;

/// Enrols a device over REST and answers its id; `mobile` enrols a phone.
async fn enrol(app: &TestApp, token: &str, user: i64, mobile: bool) -> String {
    let mut body = json!({"userId": user.to_string(), "scaWalletTag": "tag", "authMethod": ["OTP SMS"]});
    if mobile {
        body["mobileWallet"] = serde_json::from_str(PHONE).unwrap();
    }
    let (status, res) = app.rest(Method::POST, "/core-connect/sca/scawallets", token, Some(body)).await;
    assert_eq!(status, 200, "{res}");
    assert_matches_schema("ScaWalletObject", &res, false);
    res["scaWallets"][0]["id"].as_str().unwrap().to_string()
}

fn device(body: &Value) -> &Value {
    &body["scaWallets"][0]
}

async fn audit_rows(app: &TestApp) -> usize {
    app.audit_actions().await.len()
}

async fn devices_follow_their_lifecycle_over_rest(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let all = app.bearer(&Scope::ALL).await;
    let read_write = app.bearer(&[Scope::ReadOnly, Scope::ReadWrite]).await;
    let user = new_user(&app, &all).await;
    let phone = enrol(&app, &read_write, user, true).await;
    let web = enrol(&app, &read_write, user, false).await;
    let url = |id: &str, command: &str| format!("/core-connect/sca/scawallets/{id}{command}");

    let (status, got) = app.rest(Method::GET, &url(&phone, ""), &read_write, None).await;
    assert_eq!(status, 200, "{got}");
    let d = device(&got);
    assert_eq!((d["status"].as_str(), d["passcodeStatus"].as_str()), (Some("CREATED"), Some("NOT_SET")));
    assert_eq!(d["userId"], user.to_string());
    assert_eq!(d["mobileWallet"]["brand"], "Apple");
    assert_eq!(d["locked"], false);
    let (_, got) = app.rest(Method::GET, &url(&web, ""), &read_write, None).await;
    assert!(device(&got).get("mobileWallet").is_none(), "a web device has no phone: {got}");
    assert_eq!(device(&got)["settingsProfile"], "webauthn");

    // Secure with a reason and a message (read_write, the spec's scope).
    let lock = json!({"lockReason": "STOLEN_DEVICE", "lockMessage": "  Customer called at 9:00  "});
    let (status, locked) = app.rest(Method::PUT, &url(&phone, "/lock"), &read_write, Some(lock)).await;
    assert_eq!(status, 200, "{locked}");
    assert_matches_schema("ScaWalletObject", &locked, false);
    let d = device(&locked);
    assert_eq!(d["locked"], true);
    assert_eq!(d["lockReasons"], json!(["STOLEN_DEVICE"]));
    assert_eq!(d["lockMessage"], "Customer called at 9:00", "trimmed");
    assert!(d["lockDate"].is_string());

    // Unlock: an API client needs read_write (the spec); the reason goes with the lock.
    let (status, unlocked) = app.rest(Method::PUT, &url(&phone, "/unlock"), &read_write, None).await;
    assert_eq!(status, 200, "{unlocked}");
    let d = device(&unlocked);
    assert_eq!((d["locked"].as_bool(), d["lockReasons"].clone()), (Some(false), json!([])));
    assert!(d["unlockDate"].is_string());

    // Reset PIN needs legal (the spec) and a mobile device.
    let (status, _) = app.rest(Method::PUT, &url(&phone, "/resetPin"), &read_write, None).await;
    assert_eq!(status, 403);
    let legal = app.bearer(&[Scope::ReadOnly, Scope::Legal]).await;
    let (status, reset) = app.rest(Method::PUT, &url(&phone, "/resetPin"), &legal, None).await;
    assert_eq!(status, 200, "{reset}");
    assert_eq!(device(&reset)["passcodeStatus"], "TO_BE_CHANGED");
    assert!(device(&reset)["resetPinDate"].is_string());

    // Delete: kept, marked, with its date; listed only on request.
    let (status, deleted) = app.rest(Method::DELETE, &url(&web, ""), &read_write, None).await;
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(device(&deleted)["status"], "DELETED");
    assert!(device(&deleted)["deletionDate"].is_string());
    let list = format!("/core-connect/sca/scawallets?userId={user}");
    let (status, live) = app.rest(Method::GET, &list, &read_write, None).await;
    assert_eq!(status, 200);
    assert_matches_schema("ScaWalletObject", &live, false);
    let ids: Vec<&str> = live["scaWallets"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [phone.as_str()]);
    let (_, everything) = app.rest(Method::GET, &format!("{list}&includeDeleted=true"), &read_write, None).await;
    assert_eq!(everything["scaWallets"].as_array().unwrap().len(), 2);
    let (status, still) = app.rest(Method::GET, &url(&web, ""), &read_write, None).await;
    assert_eq!((status, device(&still)["status"].as_str()), (StatusCode::OK, Some("DELETED")));

    // The database itself refuses to erase a device.
    let erased = sqlx::query("DELETE FROM sca_devices").execute(&app.backend.db.pool).await;
    assert!(erased.is_err(), "SCA devices are never erased");

    let actions = app.audit_actions().await;
    for expected in
        ["sca_device.created", "sca_device.locked", "sca_device.unlocked", "sca_device.pin_reset", "sca_device.deleted"]
    {
        assert!(actions.iter().any(|a| a == expected), "{expected} is audited: {actions:?}");
    }
}

async fn refusals_change_nothing_and_record_nothing(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let all = app.bearer(&Scope::ALL).await;
    let user = new_user(&app, &all).await;
    let phone = enrol(&app, &all, user, true).await;
    let web = enrol(&app, &all, user, false).await;
    let put = |id: &str, command: &str, body: Option<Value>| {
        let (app, all) = (&app, &all);
        let path = format!("/core-connect/sca/scawallets/{id}{command}");
        async move { app.rest(Method::PUT, &path, all, body).await }
    };
    let message = |body: &Value| body["errors"][0]["message"].as_str().unwrap_or_default().to_string();
    let before = audit_rows(&app).await;
    let (_, snapshot) = app.rest(Method::GET, &format!("/core-connect/sca/scawallets?userId={user}"), &all, None).await;

    let (status, body) = put(&phone, "/lock", Some(json!({"lockMessage": "no reason"}))).await;
    assert_eq!(status, 400, "the reason is required: {body}");
    assert!(message(&body).contains("lockReason"), "{body}");
    let (status, body) = put(&phone, "/lock", Some(json!({"lockReason": "BORED"}))).await;
    assert_eq!(status, 400, "{body}");
    assert!(message(&body).contains("LOST_DEVICE"), "the message lists the reasons: {body}");
    let (status, body) = put(&phone, "/unlock", None).await;
    assert_eq!(status, 409, "an unlocked device cannot be unlocked: {body}");
    let (status, body) = put(&web, "/resetPin", None).await;
    assert_eq!(status, 409, "{body}");
    assert!(message(&body).contains("mobile"), "the refusal says why: {body}");
    let (status, body) =
        app.rest(Method::POST, "/core-connect/sca/scawallets", &all, Some(json!({"userId": "99999999"}))).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = app
        .rest(
            Method::POST,
            "/core-connect/sca/scawallets",
            &all,
            Some(json!({"userId": "1", "authMethod": ["PIGEON"]})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = put("999999", "/unlock", None).await;
    assert_eq!(status, 404);
    let (_, after) = app.rest(Method::GET, &format!("/core-connect/sca/scawallets?userId={user}"), &all, None).await;
    assert_eq!(after, snapshot, "nothing changed");
    assert_eq!(audit_rows(&app).await, before, "nothing audited");

    // A locked device cannot be locked again; a deleted one refuses everything.
    let lost = Some(json!({"lockReason": "LOST_DEVICE"}));
    assert_eq!(put(&phone, "/lock", lost.clone()).await.0, 200);
    let (status, body) = put(&phone, "/lock", lost.clone()).await;
    assert_eq!(status, 409, "{body}");
    assert!(message(&body).contains("already locked"), "{body}");
    let path = format!("/core-connect/sca/scawallets/{phone}");
    assert_eq!(app.rest(Method::DELETE, &path, &all, None).await.0, 200);
    let before = audit_rows(&app).await;
    for (command, body) in [("/lock", lost.clone()), ("/unlock", None), ("/resetPin", None)] {
        let (status, answer) = put(&phone, command, body).await;
        assert_eq!(status, 409, "{command} on a deleted device: {answer}");
        assert!(message(&answer).contains("deleted"), "{answer}");
    }
    assert_eq!(app.rest(Method::DELETE, &path, &all, None).await.0, 409, "deleted once");
    assert_eq!(audit_rows(&app).await, before, "no refusal is audited");

    // A canceled user's device can still be secured, not unlocked.
    let (status, _) = app.rest(Method::DELETE, &format!("/v1/users/{user}?origin=OPERATOR"), &all, None).await;
    assert_eq!(status, 200);
    assert_eq!(put(&web, "/lock", lost).await.0, 200, "securing protects, even a canceled user");
    let (status, body) = put(&web, "/unlock", None).await;
    assert_eq!(status, 409, "{body}");
    let (status, _) =
        app.rest(Method::POST, "/core-connect/sca/scawallets", &all, Some(json!({"userId": user.to_string()}))).await;
    assert_eq!(status, 409, "no new device for a canceled user");
}

async fn operators_act_on_devices_per_their_role(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let all = app.bearer(&Scope::ALL).await;
    let user = new_user(&app, &all).await;
    let phone: i64 = enrol(&app, &all, user, true).await.parse().unwrap();
    let web: i64 = enrol(&app, &all, user, false).await.parse().unwrap();
    let (reader, _) = app.logged_in("ro@example.com", Role::SupportReadOnly).await;
    let (support, _) = app.logged_in("support@example.com", Role::Support).await;
    let (legal, _) = app.logged_in("legal@example.com", Role::SupportLegal).await;
    let secure = json!({"id": phone, "reason": "StolenDevice", "message": "called"});
    let command = |id: i64, command: &str| json!({"id": id, "command": command});

    let refused: Result<ScaDevice, AppError> = app.call(&reader, "sca/secure", secure.clone()).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    let locked: ScaDevice = app.call(&support, "sca/secure", secure).await.unwrap();
    assert_eq!((locked.locked, locked.lock_message.as_deref()), (true, Some("called")));
    // Unlocking needs legal for an operator, even though an API client needs read_write.
    let refused: Result<ScaDevice, AppError> = app.call(&support, "sca/command", command(phone, "Unlock")).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    let refused: Result<ScaDevice, AppError> = app.call(&support, "sca/command", command(web, "Delete")).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "{refused:?}");
    let unlocked: ScaDevice = app.call(&legal, "sca/command", command(phone, "Unlock")).await.unwrap();
    assert!(!unlocked.locked);
    let _: ScaDevice = app.call(&legal, "sca/command", command(web, "Delete")).await.unwrap();
    let deleted: Vec<ScaDevice> = app.call(&reader, "sca/deleted", json!({"user_id": user})).await.unwrap();
    assert_eq!(deleted.iter().map(|d| d.id).collect::<Vec<_>>(), [web], "readers see deleted devices");
    // The profile carries the live devices only.
    let profile: shared::dto::UserProfile = app.call(&reader, "users/profile", json!({"id": user})).await.unwrap();
    assert_eq!(profile.sca_devices.iter().map(|d| d.id).collect::<Vec<_>>(), [phone]);

    // With the section turned off in System Configuration, the dashboard's commands are off too.
    let off =
        shared::dto::SystemSettings { sca_devices_section: false, send_forgot_password: true, ..Default::default() };
    app.backend.update_system_settings(&backend::Actor::System, &backend::RequestMeta::local(), off).await.unwrap();
    let refused: Result<ScaDevice, AppError> = app.call(&legal, "sca/command", command(phone, "Delete")).await;
    assert!(matches!(&refused, Err(AppError::Forbidden(m)) if m.contains("System Configuration")), "{refused:?}");

    // An operator's password-grant token meets the role table too: support cannot unlock.
    let token = app.password_grant("support@example.com", Some("read_only read_write")).await;
    let lost = Some(json!({"lockReason": "LOST_DEVICE"}));
    let path = format!("/core-connect/sca/scawallets/{phone}");
    assert_eq!(app.rest(Method::PUT, &format!("{path}/lock"), &token, lost).await.0, 200);
    assert_eq!(app.rest(Method::PUT, &format!("{path}/unlock"), &token, None).await.0, 403);
}

async fn two_racing_locks_lock_once(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    let all = app.bearer(&Scope::ALL).await;
    let user = new_user(&app, &all).await;
    let phone = enrol(&app, &all, user, true).await;
    let path = format!("/core-connect/sca/scawallets/{phone}/lock");
    let body = || Some(json!({"lockReason": "LOST_DEVICE"}));
    let (a, b) = tokio::join!(app.rest(Method::PUT, &path, &all, body()), app.rest(Method::PUT, &path, &all, body()));
    let mut statuses = [a.0.as_u16(), b.0.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let locks = app.audit_actions().await.iter().filter(|a| *a == "sca_device.locked").count();
    assert_eq!(locks, 1);
}
