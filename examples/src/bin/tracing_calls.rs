//! What a call does, as `tracing` events: the `call` span (`service`,
//! `operation`, `region`), one `attempt` span per attempt (`attempt`,
//! `status`, `request_id`, `latency_ms`, `retry_reason`), and the events for
//! endpoint resolution, retries and clock skew corrections. No field ever
//! holds a credential, token or signature.
//!
//! ```text
//! RUST_LOG=boto_runtime=debug AWS_ENDPOINT_URL=http://127.0.0.1:5000 \
//!     cargo run -p boto-examples --bin tracing_calls
//! ```
//!
//! `RUST_LOG` defaults to `boto_runtime=debug`.

use boto_runtime::Session;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("boto_runtime=debug"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // A line per closed span, with its fields (status, latency_ms, …).
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .init();

    let session = Session::new();
    let iam = boto_iam::Client::new(&session);
    let page = iam.list_users().send().await?;
    println!("{} user(s)", page.users.unwrap_or_default().len());
    Ok(())
}
