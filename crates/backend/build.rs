//! `sqlx::migrate!` embeds the migration files at compile time: rebuild when one is added
//! or changed, not only when a source file is.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
