//! The same program on aws-sdk-s3 and aws-config, for its stripped size.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = aws_config::load_from_env().await;
    let s3 = aws_sdk_s3::Client::new(&config);
    for bucket in s3.list_buckets().send().await?.buckets() {
        println!("{}", bucket.name().unwrap_or_default());
    }
    Ok(())
}
