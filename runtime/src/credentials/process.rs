//! `credential_process`: botocore's `ProcessProvider`. The command is split
//! like a POSIX shell splits it but run without a shell; it prints JSON
//! (`Version` 1, `AccessKeyId`, `SecretAccessKey`, optional `SessionToken`,
//! `Expiration`, `AccountId`). With an `Expiration`, the credentials are
//! refreshed by running the command again.

use std::process::Stdio;
use std::sync::Arc;

use serde_json::Value;

use super::services::AuthContext;
use super::{Credentials, ProvideCredentials};
use crate::error::CredentialsError;
use crate::time::DateTime;
use crate::BoxFuture;

const PROVIDER: &str = "credential_process";

/// Runs a profile's `credential_process`.
#[derive(Debug)]
pub struct ProcessProvider {
    ctx: Arc<AuthContext>,
    profile: String,
}

impl ProcessProvider {
    /// The provider for `profile`.
    pub fn new(ctx: Arc<AuthContext>, profile: impl Into<String>) -> ProcessProvider {
        ProcessProvider {
            ctx,
            profile: profile.into(),
        }
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let profile = self.ctx.shared.profile(&self.profile);
        let Some(command) = profile.get("credential_process") else {
            return Err(CredentialsError::Unavailable {
                provider: PROVIDER,
                reason: format!("profile `{}` has no credential_process", self.profile),
            });
        };
        let fail = |message: String| CredentialsError::Retrieval {
            provider: PROVIDER,
            message,
        };
        let argv = shlex::split(command).unwrap_or_default();
        let Some((program, args)) = argv.split_first() else {
            return Err(fail(format!(
                "profile `{}`: credential_process has unbalanced quotes or is empty",
                self.profile
            )));
        };
        let output = tokio::process::Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|e| fail(format!("cannot run `{program}`: {e}")))?;
        if !output.status.success() {
            return Err(fail(format!(
                "`{program}` exited with {}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        let parsed: Value = serde_json::from_slice(&output.stdout)
            .map_err(|e| fail(format!("`{program}` did not print JSON: {e}")))?;
        parse(&parsed, profile.get("aws_account_id")).map_err(fail)
    }
}

/// The process's JSON, checked the way botocore checks it.
fn parse(parsed: &Value, profile_account: Option<&str>) -> Result<Credentials, String> {
    match parsed.get("Version") {
        Some(v) if v.as_i64() == Some(1) => {}
        Some(v) => {
            return Err(format!(
                "unsupported Version {v} from the credential process; supported versions: 1"
            ))
        }
        None => {
            return Err("the credential process printed no Version; supported versions: 1".into())
        }
    }
    let string = |key: &str| -> Result<Option<String>, String> {
        match parsed.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("{key} from the credential process is not a string")),
        }
    };
    let required =
        |key: &str| string(key)?.ok_or_else(|| format!("the credential process printed no {key}"));
    let expiry = match string("Expiration")? {
        None => None,
        Some(text) => Some(
            DateTime::parse_lenient(&text)
                .map_err(|_| {
                    format!("Expiration `{text}` from the credential process is not a timestamp")
                })?
                .into(),
        ),
    };
    Ok(Credentials {
        expiry,
        account_id: string("AccountId")?.or_else(|| profile_account.map(str::to_owned)),
        ..Credentials::new(
            required("AccessKeyId")?,
            required("SecretAccessKey")?,
            string("SessionToken")?,
        )
    })
}

impl ProvideCredentials for ProcessProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.fetch())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn output_validation() {
        let ok = json!({"Version": 1, "AccessKeyId": "AK", "SecretAccessKey": "SK",
                        "SessionToken": "T", "Expiration": "2030-01-01T00:00:00Z"});
        let c = parse(&ok, Some("111122223333")).unwrap();
        assert_eq!(c.access_key_id, "AK");
        assert_eq!(c.session_token.as_deref(), Some("T"));
        assert!(c.expiry.is_some());
        assert_eq!(c.account_id.as_deref(), Some("111122223333"));

        let e = parse(
            &json!({"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "S"}),
            None,
        );
        assert!(e.unwrap_err().contains("Version 2"));
        assert!(parse(&json!({"AccessKeyId": "A"}), None)
            .unwrap_err()
            .contains("no Version"));
        let e = parse(&json!({"Version": 1, "AccessKeyId": "A"}), None).unwrap_err();
        assert!(e.contains("SecretAccessKey"), "{e}");
        let e = parse(
            &json!({"Version": 1, "AccessKeyId": 5, "SecretAccessKey": "S"}),
            None,
        );
        assert!(e.unwrap_err().contains("not a string"));
        let e = parse(
            &json!({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S", "Expiration": "later"}),
            None,
        );
        assert!(e.unwrap_err().contains("not a timestamp"));
    }
}
