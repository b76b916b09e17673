//! IAM Identity Center (SSO) credentials: botocore's `SSOProvider`,
//! `SSOCredentialFetcher`, `SSOTokenLoader` and `SSOTokenProvider`.
//!
//! A profile with `sso_account_id` / `sso_role_name` gets role credentials
//! from the portal's `GetRoleCredentials`, with the access token that
//! `aws sso login` left in `~/.aws/sso/cache/<sha1>.json`. Legacy profiles
//! name `sso_start_url` and `sso_region` themselves (cache file named after
//! the start URL, no refresh); `sso_session` profiles point at an
//! `[sso-session NAME]` section (cache file named after the session), and
//! their token is refreshed through SSO OIDC `CreateToken` when less than
//! 15 minutes remain, the cache file written back.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};
use sha1::{Digest, Sha1};

use super::services::{self, AuthContext, CallError, SSO, SSO_OIDC};
use super::{Credentials, ProvideCredentials};
use crate::config::Profile;
use crate::error::CredentialsError;
use crate::time::DateTime;
use crate::BoxFuture;

const PROVIDER: &str = "sso";

/// botocore's `SSOTokenProvider._REFRESH_WINDOW`.
const TOKEN_REFRESH_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Role credentials through the SSO portal.
#[derive(Debug)]
pub struct SsoProvider {
    ctx: Arc<AuthContext>,
    profile: String,
}

/// A profile's resolved SSO settings.
#[derive(Debug, Clone)]
struct SsoConfig {
    start_url: String,
    region: String,
    account_id: String,
    role_name: String,
    /// `sso_session` profiles; `None` for legacy ones.
    session: Option<String>,
}

impl SsoProvider {
    /// The provider for `profile`.
    pub fn new(ctx: Arc<AuthContext>, profile: impl Into<String>) -> SsoProvider {
        SsoProvider {
            ctx,
            profile: profile.into(),
        }
    }

    fn invalid(&self, message: String) -> CredentialsError {
        CredentialsError::InvalidProfile {
            profile: self.profile.clone(),
            message,
        }
    }

    /// botocore's `_load_sso_config` and `_resolve_sso_session_reference`.
    fn config(&self) -> Result<Option<SsoConfig>, CredentialsError> {
        let profile = self.ctx.shared.profile(&self.profile);
        if profile.get("sso_account_id").is_none() && profile.get("sso_role_name").is_none() {
            return Ok(None);
        }
        let mut merged: Profile = profile.clone();
        let session = profile.get("sso_session").map(str::to_owned);
        if let Some(name) = &session {
            let Some(section) = self.ctx.shared.sso_session(name) else {
                return Err(self.invalid(format!(
                    "sso_session `{name}` has no [sso-session {name}] section in {}",
                    self.ctx.shared.config_file.display()
                )));
            };
            for (key, value) in section.entries() {
                if let Some(own) = profile.get(key) {
                    if own != value {
                        return Err(self.invalid(format!(
                            "{key} is `{own}` in the profile but `{value}` in sso-session {name}"
                        )));
                    }
                }
                merged.set(key, value);
            }
        }
        let mut missing = Vec::new();
        let mut take = |key: &'static str| {
            let v = merged.get(key).map(str::to_owned);
            if v.is_none() {
                missing.push(key);
            }
            v.unwrap_or_default()
        };
        let config = SsoConfig {
            role_name: take("sso_role_name"),
            account_id: take("sso_account_id"),
            start_url: take("sso_start_url"),
            region: take("sso_region"),
            session,
        };
        if !missing.is_empty() {
            return Err(self.invalid(format!(
                "is configured for SSO but is missing {}",
                missing.join(", ")
            )));
        }
        Ok(Some(config))
    }

    fn login_hint(&self, config: &SsoConfig) -> String {
        match &config.session {
            Some(s) => format!("run `aws sso login --sso-session {s}`"),
            None => format!("run `aws sso login --profile {}`", self.profile),
        }
    }

    async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let Some(config) = self.config()? else {
            return Err(CredentialsError::Unavailable {
                provider: PROVIDER,
                reason: format!(
                    "profile `{}` has no sso_account_id or sso_role_name",
                    self.profile
                ),
            });
        };
        let cache = TokenCache::new(&self.ctx, &config);
        let mut token = cache.load().map_err(|m| self.token_error(&config, m))?;
        if config.session.is_some() {
            // SSOTokenProvider: refresh inside the window; a failed refresh keeps the old token.
            if token.remaining() < TOKEN_REFRESH_WINDOW {
                match self.refresh_token(&config, &token).await {
                    Ok(Some(fresh)) => {
                        if let Err(e) = cache.save(&fresh) {
                            tracing::warn!(error = %e, "could not write the refreshed SSO token back");
                        }
                        token = fresh;
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "SSO token refresh failed"),
                }
            }
        }
        if token.remaining() == Duration::ZERO {
            return Err(self.token_error(&config, "the cached SSO token has expired".into()));
        }

        let client = self.ctx.client(&SSO, Some(&config.region), None)?;
        let input = json!({
            "roleName": config.role_name,
            "accountId": config.account_id,
            "accessToken": token.access_token,
        });
        let out = match services::call(&client, PROVIDER, "GetRoleCredentials", input).await {
            Err(CallError::Call {
                code: Some(code), ..
            }) if code == "UnauthorizedException" => {
                return Err(self.token_error(
                    &config,
                    "the SSO session has expired or is otherwise invalid".into(),
                ))
            }
            other => other?,
        };
        let field = |name: &str| services::str_field(&out, &["roleCredentials", name], PROVIDER);
        let expiry = out
            .pointer("/roleCredentials/expiration")
            .and_then(Value::as_i64)
            .filter(|ms| *ms >= 0)
            .map(|ms| SystemTime::UNIX_EPOCH + Duration::from_millis(ms as u64))
            .ok_or_else(|| CredentialsError::Retrieval {
                provider: PROVIDER,
                message: "the response has no roleCredentials.expiration".into(),
            })?;
        Ok(Credentials {
            expiry: Some(expiry),
            account_id: Some(config.account_id.clone()),
            ..Credentials::new(
                field("accessKeyId")?,
                field("secretAccessKey")?,
                Some(field("sessionToken")?),
            )
        })
    }

    fn token_error(&self, config: &SsoConfig, message: String) -> CredentialsError {
        CredentialsError::Retrieval {
            provider: PROVIDER,
            message: format!("{message}; {}", self.login_hint(config)),
        }
    }

    /// botocore's `_refresh_access_token`: `None` when the cached token
    /// cannot be refreshed (no refresh token, registration expired).
    async fn refresh_token(
        &self,
        config: &SsoConfig,
        token: &Token,
    ) -> Result<Option<Token>, CredentialsError> {
        let raw = &token.raw;
        let (Some(refresh), Some(client_id), Some(secret), Some(registration)) = (
            raw["refreshToken"].as_str(),
            raw["clientId"].as_str(),
            raw["clientSecret"].as_str(),
            raw["registrationExpiresAt"].as_str(),
        ) else {
            tracing::info!("the cached SSO token has no refresh token or registration");
            return Ok(None);
        };
        let registered_until = parse_time(registration).unwrap_or(SystemTime::UNIX_EPOCH);
        if registered_until <= SystemTime::now() {
            tracing::info!("the SSO client registration has expired");
            return Ok(None);
        }
        let client = self.ctx.client(&SSO_OIDC, Some(&config.region), None)?;
        let input = json!({
            "grantType": "refresh_token",
            "clientId": client_id,
            "clientSecret": secret,
            "refreshToken": refresh,
        });
        let out = services::call(&client, "sso oidc", "CreateToken", input).await?;
        let access = services::str_field(&out, &["accessToken"], "sso oidc")?;
        let expires_at = refreshed_expiry(&out, SystemTime::now())?;
        let next_refresh = out
            .get("refreshToken")
            .and_then(Value::as_str)
            .unwrap_or(refresh);
        let fresh = json!({
            "startUrl": config.start_url,
            "region": config.region,
            "accessToken": access,
            "expiresAt": format_time(expires_at),
            "clientId": client_id,
            "clientSecret": secret,
            "registrationExpiresAt": registration,
            "refreshToken": next_refresh,
        });
        tracing::info!("SSO token refreshed");
        Ok(Some(Token {
            access_token: access,
            expires_at,
            raw: fresh,
        }))
    }
}

/// When a token CreateToken answered at `now` expires (`expiresIn` seconds later).
fn refreshed_expiry(out: &Value, now: SystemTime) -> Result<SystemTime, CredentialsError> {
    let expires_in = out
        .get("expiresIn")
        .and_then(Value::as_i64)
        .unwrap_or(0)
        .max(0) as u64;
    now.checked_add(Duration::from_secs(expires_in))
        .ok_or_else(|| CredentialsError::Retrieval {
            provider: "sso oidc",
            message: format!("CreateToken returned an out-of-range expiresIn ({expires_in})"),
        })
}

impl ProvideCredentials for SsoProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.fetch())
    }
}

/// A cached SSO access token; `Debug` never shows it.
struct Token {
    access_token: String,
    expires_at: SystemTime,
    /// The whole cache entry (client registration, refresh token).
    raw: Value,
}

impl Token {
    fn remaining(&self) -> Duration {
        self.expires_at
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    }
}

/// `~/.aws/sso/cache/<sha1 of the session name or start URL>.json`.
struct TokenCache {
    path: PathBuf,
    /// What the key was made from, for messages.
    name: String,
}

impl TokenCache {
    fn new(ctx: &AuthContext, config: &SsoConfig) -> TokenCache {
        let name = config
            .session
            .clone()
            .unwrap_or_else(|| config.start_url.clone());
        TokenCache {
            path: ctx
                .env
                .expand_home("~/.aws/sso/cache")
                .join(format!("{}.json", cache_key(&name))),
            name,
        }
    }

    /// botocore's `SSOTokenLoader.__call__`.
    fn load(&self) -> Result<Token, String> {
        let text = std::fs::read_to_string(&self.path).map_err(|_| {
            format!(
                "no SSO token for {} ({} cannot be read)",
                self.name,
                self.path.display()
            )
        })?;
        let raw: Value = serde_json::from_str(&text)
            .map_err(|_| format!("the SSO token cache {} is not JSON", self.path.display()))?;
        let (Some(access), Some(expires)) = (
            raw.get("accessToken").and_then(Value::as_str),
            raw.get("expiresAt").and_then(Value::as_str),
        ) else {
            return Err(format!(
                "the SSO token for {} in {} has no accessToken or expiresAt",
                self.name,
                self.path.display()
            ));
        };
        let expires_at = parse_time(expires).ok_or_else(|| {
            format!(
                "the SSO token in {} has an unreadable expiresAt",
                self.path.display()
            )
        })?;
        Ok(Token {
            access_token: access.to_owned(),
            expires_at,
            raw,
        })
    }

    /// Writes through a temporary file and a rename (botocore's `JSONFileCache`),
    /// readable by the owner only.
    fn save(&self, token: &Token) -> std::io::Result<()> {
        let Some(dir) = self.path.parent() else {
            return Err(std::io::Error::other("the SSO cache path has no folder"));
        };
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            self.path.file_name().unwrap_or_default().to_string_lossy(),
            std::process::id()
        ));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp)?;
        std::io::Write::write_all(&mut file, token.raw.to_string().as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, &self.path)
    }
}

/// botocore's `SSOTokenLoader._generate_cache_key`.
fn cache_key(name: &str) -> String {
    crate::checksum::hex(&Sha1::digest(name.as_bytes()))
}

fn parse_time(text: &str) -> Option<SystemTime> {
    // `aws sso login` writes `2026-01-01T00:00:00Z`; older CLIs `...UTC`.
    let text = text.trim();
    let text = text
        .strip_suffix("UTC")
        .map_or(text.to_owned(), |t| format!("{t}Z"));
    DateTime::parse_lenient(&text).ok().map(SystemTime::from)
}

/// `%Y-%m-%dT%H:%M:%SZ`, as botocore writes `expiresAt`.
fn format_time(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    DateTime::from_secs_and_nanos(secs, 0).to_iso8601()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_keys_are_botocores() {
        // python3 -c "import hashlib; print(hashlib.sha1(b'...').hexdigest())"
        assert_eq!(
            cache_key("https://d-abc123.awsapps.com/start"),
            "40a89917e3175433e361b710a9d43528d7f1890a"
        );
        assert_eq!(
            cache_key("my-sso"),
            "0ad374308c5a4e22f723adf10145eafad7c4031c"
        );
    }

    #[test]
    fn times() {
        let t = parse_time("2026-12-02T10:00:00Z").unwrap();
        assert_eq!(format_time(t), "2026-12-02T10:00:00Z");
        assert_eq!(parse_time("2026-12-02T10:00:00UTC"), Some(t));
        assert_eq!(parse_time("soon"), None);
    }

    #[test]
    fn refreshed_expiry_is_checked() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let out = json!({"accessToken": "t", "expiresIn": 28800});
        assert_eq!(
            refreshed_expiry(&out, now).unwrap(),
            now + Duration::from_secs(28800)
        );
        assert_eq!(refreshed_expiry(&json!({}), now).unwrap(), now);
        // Past what a SystemTime holds: an error, not an overflow panic.
        let out = json!({"accessToken": "t", "expiresIn": i64::MAX});
        let err = refreshed_expiry(&out, now).unwrap_err().to_string();
        assert!(err.contains("out-of-range expiresIn"), "{err}");
    }
}
