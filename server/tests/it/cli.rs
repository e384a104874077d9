//! The `server operator create` command: a stable contract for scripts.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::harness::{Flavor, PASSWORD, TestDb};

crate::on_both_databases!(operator_create_succeeds_and_refuses_clearly);

fn create(url: &str, username: &str, role: &str, password: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["operator", "create", "--username", username, "--role", role, "--password-stdin"])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

async fn operator_create_succeeds_and_refuses_clearly(flavor: Flavor) {
    let db = TestDb::new(flavor).await;
    let (ok, out) = create(&db.url, "ops@example.com", "administrator", PASSWORD);
    assert!(ok, "{out}");
    assert!(out.contains("ops@example.com") && !out.contains(PASSWORD), "{out}");

    let (ok, out) = create(&db.url, "OPS@example.com", "support", PASSWORD);
    assert!(!ok);
    assert!(out.contains("already exists"), "{out}");
    let (ok, out) = create(&db.url, "new@example.com", "root", PASSWORD);
    assert!(!ok);
    assert!(out.contains("unknown role") && out.contains("support-read-only"), "{out}");
    let (ok, out) = create(&db.url, "new@example.com", "support", "weak");
    assert!(!ok);
    assert!(out.contains("at least 12"), "{out}");
    assert!(!out.contains("weak\n"), "the password is not echoed");

    // The created Administrator can log in, with the password given on standard input.
    let backend = backend::Backend::connect(&db.url, Default::default()).await.unwrap();
    let (me, _) = backend.login("ops@example.com", PASSWORD.into(), &backend::RequestMeta::local()).await.unwrap();
    assert_eq!(me.role, shared::Role::Administrator);
    backend.db.close().await;
}
