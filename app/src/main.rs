//! Browser entry point, built by `scripts/front.sh` with the `csr` feature.

fn main() {
    #[cfg(feature = "csr")]
    {
        console_error_panic_hook::set_once();
        leptos::mount::mount_to_body(app::App);
    }
}
