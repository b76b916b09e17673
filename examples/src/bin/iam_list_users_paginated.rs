//! boto3's IAM paginator example:
//!
//! ```python
//! iam = boto3.client('iam')
//! paginator = iam.get_paginator('list_users')
//! for page in paginator.paginate(PaginationConfig={'PageSize': 10}):
//!     for user in page['Users']:
//!         print(user['UserName'], user['Arn'])
//! ```
//!
//! Options: `--page-size N`, `--max-items N` (then the resume token is
//! printed), `--starting-token TOKEN` (a token from this program or from boto3).
//!
//! Run against moto: `AWS_ENDPOINT_URL=http://127.0.0.1:5000 cargo run -p boto-examples --bin iam_list_users_paginated -- --page-size 10`.

use boto_runtime::paginator::TryStreamExt;
use boto_runtime::Session;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut paginator = boto_iam::Client::new(&Session::new())
        .list_users()
        .into_paginator()
        .page_size(10);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        paginator = match arg.as_str() {
            "--page-size" => paginator.page_size(value()?.parse::<i32>()?),
            "--max-items" => paginator.max_items(value()?.parse()?),
            "--starting-token" => paginator.starting_token(value()?),
            other => return Err(format!("unknown argument {other}").into()),
        };
    }
    let mut pages = paginator.send();
    let mut number = 0;
    while let Some(page) = pages.try_next().await? {
        number += 1;
        println!("page {number}");
        for user in page.users.unwrap_or_default() {
            println!(
                "{}\t{}",
                user.user_name.unwrap_or_default(),
                user.arn.unwrap_or_default()
            );
        }
    }
    if let Some(token) = pages.resume_token() {
        println!("resume token: {token}");
    }
    Ok(())
}
