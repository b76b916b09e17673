//! boto3's EC2 `instance_running` waiter example:
//!
//! ```python
//! ec2 = boto3.client('ec2')
//! waiter = ec2.get_waiter('instance_running')
//! waiter.wait(InstanceIds=[instance_id], WaiterConfig={'Delay': 5, 'MaxAttempts': 40})
//! print(f'{instance_id} is running')
//! ```
//!
//! Run against moto: `AWS_ENDPOINT_URL=http://127.0.0.1:5000 cargo run -p boto-examples
//! --bin ec2_instance_running -- i-0123456789abcdef0`.

use std::time::Duration;

use boto_ec2::waiters::WaiterError;
use boto_runtime::Session;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ids: Vec<String> = std::env::args().skip(1).collect();
    if ids.is_empty() {
        return Err("usage: ec2_instance_running INSTANCE_ID...".into());
    }
    let session = Session::new();
    let ec2 = boto_ec2::Client::new(&session);
    let waited = ec2
        .wait_until_instance_running()
        .instance_ids(ids.clone())
        .delay(Duration::from_secs(5))
        .max_attempts(40)
        .wait()
        .await;
    match waited {
        Ok(output) => {
            let instances = output
                .and_then(|o| o.reservations)
                .unwrap_or_default()
                .into_iter()
                .flat_map(|r| r.instances.unwrap_or_default());
            for instance in instances {
                let state = instance.state.and_then(|s| s.name);
                println!(
                    "{} is {}",
                    instance.instance_id.unwrap_or_default(),
                    state.as_ref().map_or("unknown", |s| s.as_str())
                );
            }
            Ok(())
        }
        // An instance is in a state it cannot get out of to running.
        Err(e @ WaiterError::FailureState { .. }) => {
            Err(format!("an instance will not run: {e}").into())
        }
        Err(e) => Err(e.into()),
    }
}
