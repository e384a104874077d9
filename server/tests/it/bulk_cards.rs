//! Bulk Cards: a CSV makes one virtual card per good line in a background job; bad lines are
//! reported with their reason; a resumed job makes no card twice; administrators only.

use std::time::Duration;

use app::error::AppError;
use serde_json::json;
use shared::Role;
use shared::dto::{BulkJob, BulkJobStatus, BulkRowStatus};

use crate::harness::{Flavor, TestApp, spawn_app};

crate::on_both_databases!(bulk_cards_make_good_lines_once_and_report_bad_ones);

async fn wait_done(app: &TestApp, browser: &reqwest::Client, id: i64) -> BulkJob {
    for _ in 0..100 {
        let job: BulkJob = app.call(browser, "bulk-cards/job", json!({"id": id})).await.unwrap();
        if job.status == BulkJobStatus::Done {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("bulk job {id} did not finish");
}

async fn cards_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM cards").fetch_one(&app.backend.db.pool).await.unwrap()
}

async fn bulk_cards_make_good_lines_once_and_report_bad_ones(flavor: Flavor) {
    let app = spawn_app(flavor).await;
    app.backend.seed_demo(12, |_| {}).await.unwrap();
    let (admin, _) = app.logged_in("admin@example.com", Role::Administrator).await;
    let (manager, _) = app.logged_in("manager@example.com", Role::Manager).await;
    let before = cards_count(&app).await;
    let csv = "userId,walletId,cardTag\n2,2,\"payroll, team A\"\n4,4,\n2,4,\nabc,1,\n99999,1,\n\n";

    let refused: Result<BulkJob, AppError> = app.call(&manager, "bulk-cards/start", json!({"csv": csv})).await;
    assert!(matches!(refused, Err(AppError::Forbidden(_))), "administrators only: {refused:?}");
    let bad_header: Result<BulkJob, AppError> =
        app.call(&admin, "bulk-cards/start", json!({"csv": "a,b\n1,2\n"})).await;
    assert!(matches!(&bad_header, Err(AppError::Invalid { field, .. }) if field == "csv"), "{bad_header:?}");

    let started: BulkJob = app.call(&admin, "bulk-cards/start", json!({"csv": csv})).await.unwrap();
    assert_eq!(started.total, 5, "the empty line is not a card");
    let job = wait_done(&app, &admin, started.id).await;
    assert_eq!((job.done, job.failed), (2, 3), "{job:?}");
    let by_line = |line: i64| job.rows.iter().find(|r| r.line == line).unwrap();
    assert_eq!(by_line(2).status, BulkRowStatus::Done);
    assert!(by_line(2).card_id.is_some() && by_line(3).card_id.is_some());
    assert!(by_line(4).error.as_deref().unwrap().contains("another user"), "{:?}", by_line(4));
    assert!(by_line(5).error.as_deref().unwrap().contains("userId must be a positive integer"));
    assert!(by_line(6).error.as_deref().unwrap().contains("names no user"));
    assert_eq!(cards_count(&app).await, before + 2);
    let tag: Option<String> = sqlx::query_scalar("SELECT card_tag FROM cards WHERE id = $1")
        .bind(by_line(2).card_id.unwrap())
        .fetch_one(&app.backend.db.pool)
        .await
        .unwrap();
    assert_eq!(tag.as_deref(), Some("payroll, team A"), "quoted CSV fields keep their commas");

    // A job resumed (as after a restart) makes no card twice.
    sqlx::query("UPDATE bulk_card_jobs SET status = 'RUNNING' WHERE id = $1")
        .bind(job.id)
        .execute(&app.backend.db.pool)
        .await
        .unwrap();
    app.backend.resume_bulk_jobs().await.unwrap();
    let again = wait_done(&app, &admin, job.id).await;
    assert_eq!((again.done, again.failed), (2, 3));
    assert_eq!(cards_count(&app).await, before + 2, "no card made twice");
    assert!(app.audit_actions().await.iter().any(|a| a == "bulk_cards.started"));
}
