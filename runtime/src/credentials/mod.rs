//! AWS credentials and the providers that find them.
//!
//! A provider is anything implementing [`ProvideCredentials`]. A session asks
//! botocore's default chain ([`default_chain`]), first answer wins:
//!
//! 1. credentials given to the session builder;
//! 2. the environment (`AWS_ACCESS_KEY_ID`, …), unless a profile was named
//!    explicitly ([`SessionBuilder::profile_name`](crate::SessionBuilder::profile_name));
//! 3. a `role_arn` profile ([`assume_role::AssumeRoleProvider`]);
//! 4. the profile's own providers: web identity, SSO, static keys in the
//!    credentials file, `credential_process`, static keys in the config file;
//! 5. the container endpoint (ECS, EKS Pod Identity);
//! 6. EC2 instance metadata (IMDS).
//!
//! The provider that answers first is kept: later calls ask it alone, through
//! a [`cache::CachedProvider`] that refreshes before expiry. Providers that
//! do not apply say why, so "no credentials found" lists what was tried.

pub mod assume_role;
pub mod cache;
pub mod container;
pub mod imds;
pub mod process;
pub mod services;
pub mod sso;

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

pub use services::{AuthContext, MfaCallback};

use crate::config::Profile;
use crate::env::Env;
use crate::error::CredentialsError;
use crate::time::DateTime;
use crate::BoxFuture;

/// An access key pair, optionally temporary.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The access key id (`AKIA…`, `ASIA…` when temporary); shown by `Debug`.
    pub access_key_id: String,
    /// The secret key; never shown by `Debug`.
    pub secret_access_key: String,
    /// The session token of temporary credentials; never shown by `Debug`.
    pub session_token: Option<String>,
    /// When temporary credentials stop working.
    pub expiry: Option<SystemTime>,
    /// The account the credentials belong to, when known (`AWS_ACCOUNT_ID`,
    /// `aws_account_id`): account-based endpoints (DynamoDB) use it.
    pub account_id: Option<String>,
}

impl Credentials {
    /// Long-term (no expiry) credentials, or temporary ones with `session_token`.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
    ) -> Credentials {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token,
            expiry: None,
            account_id: None,
        }
    }

    /// These credentials with the account id `account_id`.
    pub fn with_account_id(mut self, account_id: impl Into<String>) -> Credentials {
        self.account_id = Some(account_id.into());
        self
    }
}

impl fmt::Debug for Credentials {
    // The access key id identifies an account and is fine to show (AWS logs it
    // too); the secret and the session token never are.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .field("expiry", &self.expiry)
            .field("account_id", &self.account_id)
            .finish()
    }
}

/// A source of credentials.
///
/// Return [`CredentialsError::Unavailable`] when this source simply has none,
/// so a chain moves on; any other error stops the chain.
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// Looks for credentials; the client asks once per call, before signing.
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>>;
}

/// Credentials given in code.
#[derive(Debug, Clone)]
pub struct StaticProvider(pub Credentials);

impl ProvideCredentials for StaticProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        let creds = self.0.clone();
        Box::pin(async move { Ok(creds) })
    }
}

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
/// `AWS_CREDENTIAL_EXPIRATION` (makes them refreshable: read again when they
/// near expiry), `AWS_ACCOUNT_ID`.
#[derive(Debug, Clone)]
pub struct EnvProvider {
    env: Env,
}

impl EnvProvider {
    /// Reads the variables from `env` (`AWS_SECURITY_TOKEN` is accepted for the token).
    pub fn new(env: Env) -> EnvProvider {
        EnvProvider { env }
    }

    fn load(&self) -> Result<Credentials, CredentialsError> {
        let key = self.env.get("AWS_ACCESS_KEY_ID");
        let secret = self.env.get("AWS_SECRET_ACCESS_KEY");
        let token = self
            .env
            .get("AWS_SESSION_TOKEN")
            .or_else(|| self.env.get("AWS_SECURITY_TOKEN"));
        from_parts(
            "the environment",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            key,
            secret,
            token,
        )
        .and_then(|c| {
            let expiry = match self.env.get("AWS_CREDENTIAL_EXPIRATION") {
                None => None,
                Some(text) => Some(
                    DateTime::parse_lenient(&text)
                        .map_err(|_| CredentialsError::Retrieval {
                            provider: "environment",
                            message: format!(
                                "AWS_CREDENTIAL_EXPIRATION `{text}` is not an ISO 8601 timestamp"
                            ),
                        })?
                        .into(),
                ),
            };
            Ok(Credentials {
                expiry,
                account_id: self.env.get("AWS_ACCOUNT_ID"),
                ..c
            })
        })
    }
}

impl ProvideCredentials for EnvProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        let result = self.load();
        Box::pin(async move { result })
    }
}

/// Which shared file a [`ProfileKeysProvider`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileFile {
    /// `~/.aws/credentials` (botocore's `SharedCredentialProvider`).
    Credentials,
    /// `~/.aws/config` (botocore's `ConfigProvider`).
    Config,
}

/// Static keys of a profile in one of the shared files:
/// `aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`
/// (or `aws_security_token`), `aws_account_id`.
#[derive(Debug, Clone)]
pub struct ProfileKeysProvider {
    profile: String,
    file: ProfileFile,
    shared: Arc<crate::config::SharedConfig>,
}

impl ProfileKeysProvider {
    /// Reads profile `profile` of `file` from the already loaded `shared` files.
    pub fn new(
        profile: impl Into<String>,
        file: ProfileFile,
        shared: Arc<crate::config::SharedConfig>,
    ) -> ProfileKeysProvider {
        ProfileKeysProvider {
            profile: profile.into(),
            file,
            shared,
        }
    }

    fn load(&self) -> Result<Credentials, CredentialsError> {
        let (section, path, provider) = match self.file {
            ProfileFile::Credentials => (
                self.shared.credentials_file_profile(&self.profile),
                &self.shared.credentials_file,
                "shared credentials file",
            ),
            ProfileFile::Config => (
                self.shared.config_file_profile(&self.profile),
                &self.shared.config_file,
                "shared config file",
            ),
        };
        let empty = Profile::default();
        let p = section.unwrap_or(&empty);
        let get = |k: &str| p.get(k).map(str::to_owned);
        match from_parts(
            provider,
            "aws_access_key_id",
            "aws_secret_access_key",
            get("aws_access_key_id"),
            get("aws_secret_access_key"),
            get("aws_security_token").or_else(|| get("aws_session_token")),
        ) {
            Ok(c) => Ok(Credentials {
                account_id: get("aws_account_id"),
                ..c
            }),
            Err(CredentialsError::Incomplete {
                present, missing, ..
            }) => Err(CredentialsError::Incomplete {
                provider: format!("profile `{}` in {}", self.profile, path.display()),
                present,
                missing,
            }),
            Err(CredentialsError::Unavailable { provider, .. }) => {
                Err(CredentialsError::Unavailable {
                    provider,
                    reason: format!(
                        "profile `{}` has no aws_access_key_id in {}",
                        self.profile,
                        path.display()
                    ),
                })
            }
            Err(other) => Err(other),
        }
    }
}

impl ProvideCredentials for ProfileKeysProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        let result = self.load();
        Box::pin(async move { result })
    }
}

/// The credentials document IMDS and the container endpoint both answer
/// with: `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration`, optional
/// `AccountId`. `source` names it in errors (never its values).
pub(crate) fn metadata_credentials(
    json: &serde_json::Value,
    provider: &'static str,
    source: &str,
) -> Result<Credentials, CredentialsError> {
    let retrieval = |message: String| CredentialsError::Retrieval { provider, message };
    let text = |k: &str| json.get(k).and_then(|v| v.as_str());
    let missing: Vec<&str> = ["AccessKeyId", "SecretAccessKey", "Token", "Expiration"]
        .into_iter()
        .filter(|k| text(k).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(retrieval(format!("{source} lacks {}", missing.join(", "))));
    }
    let expiration = text("Expiration").unwrap_or_default();
    let expiry = DateTime::parse_lenient(expiration).map_err(|_| {
        retrieval(format!(
            "{source} has an unreadable Expiration `{expiration}`"
        ))
    })?;
    Ok(Credentials {
        access_key_id: text("AccessKeyId").unwrap_or_default().to_owned(),
        secret_access_key: text("SecretAccessKey").unwrap_or_default().to_owned(),
        session_token: text("Token").map(str::to_owned),
        expiry: Some(expiry.into()),
        account_id: text("AccountId")
            .filter(|a| !a.is_empty())
            .map(str::to_owned),
    })
}

fn from_parts(
    provider: &'static str,
    key_name: &'static str,
    secret_name: &'static str,
    key: Option<String>,
    secret: Option<String>,
    token: Option<String>,
) -> Result<Credentials, CredentialsError> {
    match (key, secret) {
        (Some(k), Some(s)) => Ok(Credentials::new(k, s, token)),
        (None, None) => Err(CredentialsError::Unavailable {
            provider,
            reason: format!("{key_name} not set"),
        }),
        (Some(_), None) => Err(CredentialsError::Incomplete {
            provider: provider.to_owned(),
            present: key_name,
            missing: secret_name,
        }),
        (None, Some(_)) => Err(CredentialsError::Incomplete {
            provider: provider.to_owned(),
            present: secret_name,
            missing: key_name,
        }),
    }
}

/// The providers of one profile, in botocore's `ProfileProviderBuilder`
/// order: web identity, SSO, static keys in the credentials file,
/// `credential_process`, static keys in the config file. `disable_env`
/// makes web identity ignore its environment variables (an explicit
/// profile, or a `source_profile`).
pub fn profile_providers(
    ctx: &Arc<AuthContext>,
    profile: &str,
    disable_env: bool,
) -> Vec<Arc<dyn ProvideCredentials>> {
    vec![
        Arc::new(assume_role::WebIdentityProvider::new(
            ctx.clone(),
            profile,
            disable_env,
        )),
        Arc::new(sso::SsoProvider::new(ctx.clone(), profile)),
        Arc::new(ProfileKeysProvider::new(
            profile,
            ProfileFile::Credentials,
            ctx.shared.clone(),
        )),
        Arc::new(process::ProcessProvider::new(ctx.clone(), profile)),
        Arc::new(ProfileKeysProvider::new(
            profile,
            ProfileFile::Config,
            ctx.shared.clone(),
        )),
    ]
}

/// botocore's default chain (`create_credential_resolver`) for the session
/// `ctx` describes, behind one refreshing cache. `explicit` credentials come
/// first; `explicit_profile` (a profile named in code) drops the environment
/// provider, as botocore does.
pub fn default_chain(
    ctx: &Arc<AuthContext>,
    explicit_profile: bool,
    explicit: Option<Credentials>,
) -> Arc<dyn ProvideCredentials> {
    let profile = ctx.profile_name.as_str();
    let mut chain = CredentialsChain::new(profile, ctx.shared.credentials_file.clone());
    if let Some(c) = explicit {
        chain = chain.with(Arc::new(StaticProvider(c)));
    }
    if !explicit_profile {
        chain = chain.with(Arc::new(EnvProvider::new(ctx.env.clone())));
    }
    chain = chain.with(Arc::new(assume_role::AssumeRoleProvider::new(
        ctx.clone(),
        profile,
    )));
    for p in profile_providers(ctx, profile, explicit_profile) {
        chain = chain.with(p);
    }
    let session_profile = ctx.shared.profile(profile);
    chain = chain
        .with(Arc::new(container::ContainerProvider::new(&ctx.env)))
        .with(Arc::new(imds::ImdsProvider::new(
            &ctx.env,
            &session_profile,
        )));
    Arc::new(cache::CachedProvider::new(
        "credential chain",
        Arc::new(chain),
    ))
}

/// Asks providers in order; the first to answer wins and is the only one
/// asked from then on (botocore keeps the credentials the resolver found and
/// refreshes them through the same provider).
#[derive(Debug)]
pub struct CredentialsChain {
    providers: Vec<Arc<dyn ProvideCredentials>>,
    /// The index of the provider that answered.
    chosen: OnceLock<usize>,
    /// For the "not found" message: the profile and file the user can edit.
    profile: String,
    credentials_file: std::path::PathBuf,
}

impl CredentialsChain {
    /// An empty chain; `profile` and `credentials_file` only name what to fix
    /// in the [`CredentialsError::NotFound`] message.
    pub fn new(
        profile: impl Into<String>,
        credentials_file: std::path::PathBuf,
    ) -> CredentialsChain {
        CredentialsChain {
            providers: Vec::new(),
            chosen: OnceLock::new(),
            profile: profile.into(),
            credentials_file,
        }
    }

    /// Appends `provider`, asked after those already in the chain.
    pub fn with(mut self, provider: Arc<dyn ProvideCredentials>) -> CredentialsChain {
        self.providers.push(provider);
        self
    }
}

impl ProvideCredentials for CredentialsChain {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(async move {
            if let Some(chosen) = self.chosen.get().and_then(|&i| self.providers.get(i)) {
                return chosen.provide_credentials().await;
            }
            let mut tried = Vec::new();
            for (i, p) in self.providers.iter().enumerate() {
                match p.provide_credentials().await {
                    Ok(c) => {
                        let _ = self.chosen.set(i);
                        tracing::debug!(provider = ?p, access_key_id = %c.access_key_id, "found credentials");
                        return Ok(c);
                    }
                    Err(CredentialsError::Unavailable { provider, reason }) => {
                        tried.push(format!("{provider}: {reason}"))
                    }
                    Err(e) => return Err(e),
                }
            }
            Err(CredentialsError::NotFound {
                tried,
                profile: self.profile.clone(),
                credentials_file: self.credentials_file.clone(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{IniFile, SharedConfig};
    use std::path::Path;

    fn block<T>(f: BoxFuture<'_, T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn shared(credentials: &str) -> Arc<SharedConfig> {
        Arc::new(SharedConfig::from_files(
            IniFile::default(),
            IniFile::parse(credentials, Path::new("creds")).unwrap(),
            "cfg".into(),
            "creds".into(),
        ))
    }

    #[test]
    fn debug_redacts_secret_and_token() {
        let c = Credentials::new(
            "AKIDEXAMPLE",
            "SECRETVALUE123",
            Some("TOKENVALUE456".into()),
        );
        let shown = format!("{c:?} {c:#?}");
        assert!(shown.contains("AKIDEXAMPLE"));
        assert!(!shown.contains("SECRETVALUE123"), "{shown}");
        assert!(!shown.contains("TOKENVALUE456"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn env_provider() {
        let env = Env::from_vars([
            ("AWS_ACCESS_KEY_ID", "AK"),
            ("AWS_SECRET_ACCESS_KEY", "SK"),
            ("AWS_SESSION_TOKEN", "TK"),
        ]);
        let c = block(EnvProvider::new(env).provide_credentials()).unwrap();
        assert_eq!(c, Credentials::new("AK", "SK", Some("TK".into())));

        let partial = Env::from_vars([("AWS_ACCESS_KEY_ID", "AK")]);
        let e = block(EnvProvider::new(partial).provide_credentials()).unwrap_err();
        assert!(matches!(e, CredentialsError::Incomplete { .. }), "{e}");
        assert!(e.to_string().contains("AWS_SECRET_ACCESS_KEY"));
    }

    #[test]
    fn chain_order_and_not_found_message() {
        let env = Env::from_vars([
            ("AWS_ACCESS_KEY_ID", "ENVKEY"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ]);
        let files = shared("[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = f\n");
        let chain = |env: Env| {
            CredentialsChain::new("default", "creds".into())
                .with(Arc::new(EnvProvider::new(env)))
                .with(Arc::new(ProfileKeysProvider::new(
                    "default",
                    ProfileFile::Credentials,
                    files.clone(),
                )))
        };
        let c = block(chain(env).provide_credentials()).unwrap();
        assert_eq!(c.access_key_id, "ENVKEY");
        let c = block(chain(Env::from_vars::<&str, &str>([])).provide_credentials()).unwrap();
        assert_eq!(c.access_key_id, "FILEKEY");

        let empty = CredentialsChain::new("dev", "creds".into())
            .with(Arc::new(EnvProvider::new(Env::from_vars::<&str, &str>([]))))
            .with(Arc::new(ProfileKeysProvider::new(
                "dev",
                ProfileFile::Credentials,
                shared(""),
            )));
        let e = block(empty.provide_credentials()).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("AWS_ACCESS_KEY_ID not set"), "{msg}");
        assert!(msg.contains("profile `dev`"), "{msg}");
        assert!(msg.contains("AWS_PROFILE"), "{msg}");
    }
}
