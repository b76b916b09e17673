//! Shared helpers for boto-rs integration tests (the test files live in `tests/tests/`).

pub mod alloc;
pub mod cbor_proxy;
pub mod files;
pub mod moto;

/// Python that turns a boto3 result into the dynamic client's JSON style
/// (`plain(value)`: no `ResponseMetadata`, UTC isoformat timestamps, base64
/// blobs), for tests that compare the two; prepend it to a script.
pub const BOTO3_PLAIN: &str = r#"
import base64, datetime
def plain(v):
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items() if k != "ResponseMetadata"}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, datetime.datetime):
        return v.astimezone(datetime.timezone.utc).isoformat()
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    return v
"#;

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
