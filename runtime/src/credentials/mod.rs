//! AWS credentials and the providers that find them.
//!
//! A provider is anything implementing [`ProvideCredentials`]; the session
//! asks a [`CredentialsChain`] of them, first answer wins. Today's chain is
//! explicit > environment > shared profile; SSO, assume-role, IMDS and
//! `credential_process` providers slot into the same chain later.

pub mod container;
pub mod imds;
#[cfg(test)]
mod test_server;

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use crate::config::SharedConfig;
use crate::env::Env;
use crate::error::CredentialsError;
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

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
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
        .map(|c| Credentials {
            account_id: self.env.get("AWS_ACCOUNT_ID").filter(|a| !a.is_empty()),
            ..c
        })
    }
}

impl ProvideCredentials for EnvProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        let result = self.load();
        Box::pin(async move { result })
    }
}

/// Static keys of a profile in the shared files.
#[derive(Debug, Clone)]
pub struct ProfileProvider {
    profile: String,
    shared: Arc<SharedConfig>,
}

impl ProfileProvider {
    /// Reads profile `profile`'s `aws_access_key_id`, `aws_secret_access_key` and
    /// `aws_session_token` from the already loaded `shared` files.
    pub fn new(profile: impl Into<String>, shared: Arc<SharedConfig>) -> ProfileProvider {
        ProfileProvider {
            profile: profile.into(),
            shared,
        }
    }

    fn load(&self) -> Result<Credentials, CredentialsError> {
        let p = self.shared.profile(&self.profile);
        let get = |k: &str| p.get(k).map(str::to_owned);
        let source = format!("profile `{}`", self.profile);
        match from_parts(
            "shared profile",
            "aws_access_key_id",
            "aws_secret_access_key",
            get("aws_access_key_id"),
            get("aws_secret_access_key"),
            get("aws_session_token").or_else(|| get("aws_security_token")),
        )
        .map(|c| Credentials {
            account_id: get("aws_account_id"),
            ..c
        }) {
            Err(CredentialsError::Incomplete {
                present, missing, ..
            }) => Err(CredentialsError::Incomplete {
                provider: source,
                present,
                missing,
            }),
            Err(CredentialsError::Unavailable { .. }) => {
                let reason = if p.get("role_arn").is_some()
                    || p.get("sso_session").is_some()
                    || p.get("sso_start_url").is_some()
                    || p.get("credential_process").is_some()
                {
                    format!("{source} uses role/SSO/process credentials, which boto-rs does not support yet")
                } else {
                    format!(
                        "{source} has no aws_access_key_id in {} or {}",
                        self.shared.credentials_file.display(),
                        self.shared.config_file.display()
                    )
                };
                Err(CredentialsError::Unavailable {
                    provider: "shared profile",
                    reason,
                })
            }
            other => other,
        }
    }
}

impl ProvideCredentials for ProfileProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        let result = self.load();
        Box::pin(async move { result })
    }
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

/// Asks providers in order; the first to answer wins.
#[derive(Debug, Clone)]
pub struct CredentialsChain {
    providers: Vec<Arc<dyn ProvideCredentials>>,
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
            let mut tried = Vec::new();
            for p in &self.providers {
                match p.provide_credentials().await {
                    Ok(c) => return Ok(c),
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
    use crate::config::IniFile;
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
                .with(Arc::new(ProfileProvider::new("default", files.clone())))
        };
        let c = block(chain(env).provide_credentials()).unwrap();
        assert_eq!(c.access_key_id, "ENVKEY");
        let c = block(chain(Env::from_vars::<&str, &str>([])).provide_credentials()).unwrap();
        assert_eq!(c.access_key_id, "FILEKEY");

        let empty = CredentialsChain::new("dev", "creds".into())
            .with(Arc::new(EnvProvider::new(Env::from_vars::<&str, &str>([]))))
            .with(Arc::new(ProfileProvider::new("dev", shared(""))));
        let e = block(empty.provide_credentials()).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("AWS_ACCESS_KEY_ID not set"), "{msg}");
        assert!(msg.contains("profile `dev`"), "{msg}");
        assert!(msg.contains("AWS_PROFILE"), "{msg}");
    }

    #[test]
    fn profile_with_role_says_unsupported() {
        let files = shared("[r]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\n");
        let e = block(ProfileProvider::new("r", files).provide_credentials()).unwrap_err();
        assert!(e.to_string().contains("not support yet"), "{e}");
    }
}
