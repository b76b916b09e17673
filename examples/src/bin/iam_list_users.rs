//! boto3's "list all users" example:
//!
//! ```python
//! iam = boto3.client('iam')
//! for user in iam.list_users()['Users']:
//!     print(user['UserName'], user['Arn'])
//! ```
//!
//! Run against moto: `AWS_ENDPOINT_URL=http://127.0.0.1:5000 cargo run -p boto-examples --bin iam_list_users`.

use boto_runtime::Session;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let session = Session::new();
    let iam = boto_iam::Client::new(&session);
    let page = iam.list_users().send().await?;
    for user in page.users.unwrap_or_default() {
        println!(
            "{}\t{}\t{}",
            user.user_name.unwrap_or_default(),
            user.arn.unwrap_or_default(),
            user.create_date.map(|d| d.to_string()).unwrap_or_default()
        );
    }
    if page.is_truncated == Some(true) {
        println!("(more users: pass marker {:?})", page.marker);
    }
    Ok(())
}
