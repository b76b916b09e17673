//! Roles: `role_arn` profiles (botocore's `AssumeRoleProvider`) and web
//! identity (`AssumeRoleWithWebIdentityProvider`, EKS IRSA).
//!
//! A role profile takes exactly one of `source_profile` (any chain of
//! profiles; a profile may name itself when it also holds static keys) or
//! `credential_source` (`Environment`, `Ec2InstanceMetadata`,
//! `EcsContainer`), plus `external_id`, `role_session_name`,
//! `duration_seconds` and `mfa_serial`. The plan (which provider gives the
//! source credentials) is worked out on first use and kept, so refreshing a
//! chained role reuses the source's held credentials as botocore does.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde_json::{json, Map, Value};

use super::cache::CachedProvider;
use super::services::{self, AuthContext, STS};
use super::{profile_providers, Credentials, CredentialsChain, ProvideCredentials};
use crate::config::Profile;
use crate::error::CredentialsError;
use crate::BoxFuture;

const PROVIDER: &str = "assume role";
const WEB_PROVIDER: &str = "web identity";

/// Credentials of the role a profile's `role_arn` names.
#[derive(Debug)]
pub struct AssumeRoleProvider {
    ctx: Arc<AuthContext>,
    profile: String,
    /// Profiles already on the way here (loop detection).
    visited: Vec<String>,
    plan: Mutex<Option<Arc<Plan>>>,
}

#[derive(Debug)]
struct Plan {
    role: RoleConfig,
    source: Arc<dyn ProvideCredentials>,
}

#[derive(Debug, Clone)]
struct RoleConfig {
    role_arn: String,
    external_id: Option<String>,
    mfa_serial: Option<String>,
    role_session_name: Option<String>,
    duration_seconds: Option<i64>,
}

impl AssumeRoleProvider {
    /// The provider for `profile` of the session `ctx` describes.
    pub fn new(ctx: Arc<AuthContext>, profile: impl Into<String>) -> AssumeRoleProvider {
        let profile = profile.into();
        AssumeRoleProvider {
            ctx,
            visited: vec![profile.clone()],
            profile,
            plan: Mutex::new(None),
        }
    }

    fn plan(&self) -> Result<Arc<Plan>, CredentialsError> {
        let mut held = self.plan.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(plan) = &*held {
            return Ok(plan.clone());
        }
        let plan = Arc::new(self.make_plan()?);
        *held = Some(plan.clone());
        Ok(plan)
    }

    fn make_plan(&self) -> Result<Plan, CredentialsError> {
        let shared = &self.ctx.shared;
        let profile = shared.profile(&self.profile);
        let invalid = |message: String| CredentialsError::InvalidProfile {
            profile: self.profile.clone(),
            message,
        };
        let role = RoleConfig {
            role_arn: profile.get("role_arn").unwrap_or_default().to_owned(),
            external_id: profile.get("external_id").map(str::to_owned),
            mfa_serial: profile.get("mfa_serial").map(str::to_owned),
            role_session_name: profile.get("role_session_name").map(str::to_owned),
            // botocore ignores a value that is not a whole number.
            duration_seconds: profile
                .get("duration_seconds")
                .and_then(|d| d.trim().parse().ok()),
        };
        let source = match (
            profile.get("source_profile"),
            profile.get("credential_source"),
        ) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "has both source_profile and credential_source; keep one".into(),
                ))
            }
            (None, None) => {
                return Err(invalid(
                    "has role_arn but neither source_profile nor credential_source".into(),
                ))
            }
            (None, Some(source)) => self.named_source(source)?,
            (Some(source), None) => self.source_profile(source)?,
        };
        Ok(Plan { role, source })
    }

    /// `credential_source`: botocore's `CanonicalNameCredentialSourcer`
    /// (names compared case-insensitively).
    fn named_source(&self, name: &str) -> Result<Arc<dyn ProvideCredentials>, CredentialsError> {
        let ctx = &self.ctx;
        let profile = ctx.shared.profile(&ctx.profile_name);
        let provider: Arc<dyn ProvideCredentials> = match name.to_ascii_lowercase().as_str() {
            "environment" => Arc::new(super::EnvProvider::new(ctx.env.clone())),
            "ec2instancemetadata" => Arc::new(super::imds::ImdsProvider::new(&ctx.env, &profile)),
            "ecscontainer" => Arc::new(super::container::ContainerProvider::new(&ctx.env)),
            _ => {
                return Err(CredentialsError::InvalidProfile {
                    profile: self.profile.clone(),
                    message: format!(
                        "credential_source `{name}` is not valid; use Environment, Ec2InstanceMetadata or EcsContainer"
                    ),
                })
            }
        };
        Ok(Arc::new(NamedSource {
            name: name.to_owned(),
            profile: self.profile.clone(),
            inner: Arc::new(CachedProvider::new(
                format!("credential_source {name}"),
                provider,
            )),
        }))
    }

    /// `source_profile`: botocore's `_validate_source_profile` and
    /// `_resolve_credentials_from_profile`.
    fn source_profile(
        &self,
        source: &str,
    ) -> Result<Arc<dyn ProvideCredentials>, CredentialsError> {
        let shared = &self.ctx.shared;
        if !shared.has_profile(source) {
            return Err(CredentialsError::InvalidProfile {
                profile: self.profile.clone(),
                message: format!("source_profile `{source}` does not exist"),
            });
        }
        let source_config = shared.profile(source);
        if self.visited.iter().any(|v| v == source)
            && (source != self.profile || !has_static_keys(&source_config))
        {
            let mut chain = self.visited.clone();
            chain.push(source.to_owned());
            return Err(CredentialsError::InvalidProfile {
                profile: self.profile.clone(),
                message: format!(
                    "source_profile `{source}` makes a loop: {}",
                    chain.join(" -> ")
                ),
            });
        }
        if has_static_keys(&source_config) || !has_role(&source_config) {
            let mut chain = CredentialsChain::new(source, shared.credentials_file.clone());
            for p in profile_providers(&self.ctx, source, true) {
                chain = chain.with(p);
            }
            return Ok(Arc::new(SourceProfile {
                name: source.to_owned(),
                inner: CachedProvider::new(format!("source_profile {source}"), Arc::new(chain)),
            }));
        }
        let mut next = AssumeRoleProvider::new(self.ctx.clone(), source);
        next.visited = self.visited.clone();
        next.visited.push(source.to_owned());
        // Validate the whole chain now, so a loop fails before any call.
        next.plan()?;
        Ok(Arc::new(CachedProvider::new(
            format!("role profile {source}"),
            Arc::new(next),
        )))
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let profile = self.ctx.shared.profile(&self.profile);
        if !has_role(&profile) {
            return Err(CredentialsError::Unavailable {
                provider: PROVIDER,
                reason: format!("profile `{}` has no role_arn", self.profile),
            });
        }
        let plan = self.plan()?;
        let source = plan.source.provide_credentials().await?;
        let role = &plan.role;
        let mut input = Map::new();
        input.insert("RoleArn".into(), json!(role.role_arn));
        input.insert(
            "RoleSessionName".into(),
            json!(role
                .role_session_name
                .clone()
                .unwrap_or_else(default_session_name)),
        );
        if let Some(id) = &role.external_id {
            input.insert("ExternalId".into(), json!(id));
        }
        if let Some(d) = role.duration_seconds {
            input.insert("DurationSeconds".into(), json!(d));
        }
        if let Some(serial) = &role.mfa_serial {
            let Some(ask) = &self.ctx.mfa else {
                return Err(CredentialsError::InvalidProfile {
                    profile: self.profile.clone(),
                    message: format!(
                        "mfa_serial {serial} needs a one-time code: give the session an MFA callback (SessionBuilder::mfa_token)"
                    ),
                });
            };
            let code = ask(serial).map_err(|message| CredentialsError::Retrieval {
                provider: PROVIDER,
                message: format!("the MFA callback failed: {message}"),
            })?;
            input.insert("SerialNumber".into(), json!(serial));
            input.insert("TokenCode".into(), json!(code));
        }
        let client = self.ctx.client(&STS, None, Some(source))?;
        tracing::debug!(profile = %self.profile, role_arn = %role.role_arn, "assuming role");
        let out = services::call(&client, PROVIDER, "AssumeRole", Value::Object(input)).await?;
        sts_credentials(&out, PROVIDER)
    }
}

impl ProvideCredentials for AssumeRoleProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.fetch())
    }
}

/// Source credentials from a `credential_source`; "none found" there is an
/// error, not a reason to go on (botocore's `CredentialRetrievalError`).
#[derive(Debug)]
struct NamedSource {
    name: String,
    profile: String,
    inner: Arc<CachedProvider>,
}

impl ProvideCredentials for NamedSource {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move {
            match self.inner.provide_credentials().await {
                Err(CredentialsError::Unavailable { reason, .. }) => {
                    Err(CredentialsError::Retrieval {
                        provider: PROVIDER,
                        message: format!(
                            "no credentials found in credential_source {} of profile `{}`: {reason}",
                            self.name, self.profile
                        ),
                    })
                }
                other => other,
            }
        })
    }
}

/// Source credentials from another profile's own providers.
#[derive(Debug)]
struct SourceProfile {
    name: String,
    inner: CachedProvider,
}

impl ProvideCredentials for SourceProfile {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move {
            match self.inner.provide_credentials().await {
                Err(CredentialsError::NotFound { tried, .. }) => {
                    Err(CredentialsError::InvalidProfile {
                        profile: self.name.clone(),
                        message: format!(
                            "is a source_profile and must have credentials (tried: {})",
                            tried.join("; ")
                        ),
                    })
                }
                other => other,
            }
        })
    }
}

/// Credentials from a web identity token file (`AWS_WEB_IDENTITY_TOKEN_FILE`,
/// `AWS_ROLE_ARN`, `AWS_ROLE_SESSION_NAME`, else the profile's
/// `web_identity_token_file`, `role_arn`, `role_session_name`).
#[derive(Debug)]
pub struct WebIdentityProvider {
    ctx: Arc<AuthContext>,
    profile: String,
    /// Whether the environment variables are ignored (an explicit profile).
    disable_env: bool,
}

impl WebIdentityProvider {
    /// The provider for `profile`; `disable_env` ignores the variables.
    pub fn new(ctx: Arc<AuthContext>, profile: impl Into<String>, disable_env: bool) -> Self {
        WebIdentityProvider {
            ctx,
            profile: profile.into(),
            disable_env,
        }
    }

    fn setting(&self, profile: &Profile, key: &str, var: &str) -> Option<String> {
        (!self.disable_env)
            .then(|| self.ctx.env.get(var))
            .flatten()
            .or_else(|| profile.get(key).map(str::to_owned))
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let profile = self.ctx.shared.profile(&self.profile);
        let Some(token_file) = self.setting(
            &profile,
            "web_identity_token_file",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
        ) else {
            return Err(CredentialsError::Unavailable {
                provider: WEB_PROVIDER,
                reason: "AWS_WEB_IDENTITY_TOKEN_FILE not set and no web_identity_token_file in the profile".into(),
            });
        };
        let Some(role_arn) = self.setting(&profile, "role_arn", "AWS_ROLE_ARN") else {
            return Err(CredentialsError::InvalidProfile {
                profile: self.profile.clone(),
                message: "a web identity token file is configured but no role ARN: set role_arn in the profile or AWS_ROLE_ARN".into(),
            });
        };
        let session_name = self
            .setting(&profile, "role_session_name", "AWS_ROLE_SESSION_NAME")
            .unwrap_or_else(default_session_name);
        // Read on every fetch: the token is rotated (EKS every hour).
        let path = self.ctx.env.expand_home(&token_file);
        let token = std::fs::read_to_string(&path).map_err(|e| CredentialsError::Retrieval {
            provider: WEB_PROVIDER,
            message: format!("cannot read the web identity token {}: {e}", path.display()),
        })?;
        let client = self.ctx.client(&STS, None, None)?;
        let input = json!({
            "RoleArn": role_arn,
            "RoleSessionName": session_name,
            "WebIdentityToken": token,
        });
        tracing::debug!(role_arn = %role_arn, "assuming role with web identity");
        let out = services::call(&client, WEB_PROVIDER, "AssumeRoleWithWebIdentity", input).await?;
        sts_credentials(&out, WEB_PROVIDER)
    }
}

impl ProvideCredentials for WebIdentityProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.fetch())
    }
}

/// The `Credentials` of an AssumeRole* output, with the account from
/// `AssumedRoleUser.Arn` (botocore's `_add_account_id_to_response`).
fn sts_credentials(out: &Value, provider: &'static str) -> Result<Credentials, CredentialsError> {
    let field = |name: &str| services::str_field(out, &["Credentials", name], provider);
    let expiry = out
        .pointer("/Credentials/Expiration")
        .and_then(Value::as_f64)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .and_then(|d| SystemTime::UNIX_EPOCH.checked_add(d))
        .ok_or_else(|| CredentialsError::Retrieval {
            provider,
            message: "the response has no Credentials.Expiration".into(),
        })?;
    let account_id = out
        .pointer("/AssumedRoleUser/Arn")
        .and_then(Value::as_str)
        .and_then(|arn| arn.split(':').nth(4))
        .filter(|a| !a.is_empty())
        .map(str::to_owned);
    Ok(Credentials {
        expiry: Some(expiry),
        account_id,
        ..Credentials::new(
            field("AccessKeyId")?,
            field("SecretAccessKey")?,
            Some(field("SessionToken")?),
        )
    })
}

/// botocore's `botocore-session-<epoch seconds>`, in our name.
fn default_session_name() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("boto-rs-session-{secs}")
}

pub(crate) fn has_static_keys(p: &Profile) -> bool {
    p.get("aws_access_key_id").is_some() || p.get("aws_secret_access_key").is_some()
}

/// botocore's `_has_assume_role_config_vars`: `role_arn`, and not a web identity profile.
pub(crate) fn has_role(p: &Profile) -> bool {
    p.get("role_arn").is_some() && p.get("web_identity_token_file").is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(expiration: Value) -> Value {
        json!({
            "Credentials": {
                "AccessKeyId": "AK", "SecretAccessKey": "SK", "SessionToken": "T",
                "Expiration": expiration,
            },
            "AssumedRoleUser": {"Arn": "arn:aws:sts::111122223333:assumed-role/r/s"},
        })
    }

    #[test]
    fn sts_output() {
        let c = sts_credentials(&output(json!(1_700_000_000)), PROVIDER).unwrap();
        assert_eq!(c.access_key_id, "AK");
        assert_eq!(c.account_id.as_deref(), Some("111122223333"));
        assert_eq!(
            c.expiry,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        );
        // An expiration no Duration or SystemTime holds is an error, not a panic.
        for bad in [json!(1e300), json!(-1), json!("tomorrow")] {
            let err = sts_credentials(&output(bad), PROVIDER).unwrap_err();
            assert!(err.to_string().contains("Credentials.Expiration"), "{err}");
        }
    }
}
