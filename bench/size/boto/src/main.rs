//! A minimal S3 ListBuckets program on boto-s3, for its stripped size.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let session = boto_runtime::Session::new();
    let s3 = boto_s3::Client::new(&session);
    for bucket in s3.list_buckets().send().await?.buckets.unwrap_or_default() {
        println!("{}", bucket.name.unwrap_or_default());
    }
    Ok(())
}
