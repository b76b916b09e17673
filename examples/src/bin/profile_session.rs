//! boto3's session example: a session per profile, and clients made from it.
//!
//! ```python
//! session = boto3.Session(profile_name='dev')
//! dev_s3_client = session.client('s3')
//! ```
//!
//! Usage: `profile_session [PROFILE]` (default: the `AWS_PROFILE` variable, else `default`).

use boto_runtime::Session;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = Session::builder();
    if let Some(profile) = std::env::args().nth(1) {
        builder = builder.profile_name(profile);
    }
    let session = builder.build()?;
    println!(
        "profile {} in region {}",
        session.profile_name().unwrap_or_else(|| "default".into()),
        session.region().unwrap_or_else(|| "(none)".into())
    );
    let s3 = boto_s3::Client::new(&session);
    let buckets = s3.list_buckets().send().await?;
    for bucket in buckets.buckets.unwrap_or_default() {
        println!("{}", bucket.name.unwrap_or_default());
    }
    Ok(())
}
