//! Shared helpers for boto-rs integration tests (the test files live in `tests/tests/`).

pub mod alloc;
pub mod cbor_proxy;
pub mod files;
pub mod moto;

/// A session for a local test server at `url`: region `us-east-1`, fixed
/// keys, no environment (so the machine's AWS settings cannot leak in).
pub fn local_session(url: &str) -> boto_runtime::Session {
    boto_runtime::Session::builder()
        .env(boto_runtime::env::Env::from_vars::<&str, &str>([]))
        .region("us-east-1")
        .credentials(boto_runtime::Credentials::new("AKID", "SECRET", None))
        .endpoint_url(url)
        .build()
        .expect("a session with fixed settings builds")
}
