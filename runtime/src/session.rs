//! A session: one resolved profile, region, credential chain and HTTP
//! connection pool, shared by every client made from it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{Profile, SharedConfig};
use crate::credentials::{
    default_chain, AuthContext, Credentials, MfaCallback, ProvideCredentials,
};
use crate::env::Env;
use crate::error::ConfigError;

/// Settings and connections shared by clients. Cheap to clone.
#[derive(Clone)]
pub struct Session {
    pub(crate) inner: Arc<SessionInner>,
}

#[derive(Clone)]
pub(crate) struct SessionInner {
    pub env: Env,
    pub profile_name: String,
    pub profile: Profile,
    pub shared: Arc<SharedConfig>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub max_attempts: Option<u32>,
    pub credentials: Arc<dyn ProvideCredentials>,
    pub http: Option<reqwest::Client>,
    /// A configuration problem [`Session::new`] could not report; every call
    /// made with this session fails with it.
    pub deferred: Option<ConfigError>,
    /// The builder's, else `AWS_RETRY_MODE`, the profile's `retry_mode`, `standard`.
    pub retry_mode: crate::retry::RetryMode,
    /// The builder's, else `AWS_SDK_UA_APP_ID`, the profile's `sdk_ua_app_id`.
    pub app_id: Option<String>,
    /// The HTTP settings given in code (clients with their own timeouts build on them).
    pub http_overrides: crate::http_settings::HttpOverrides,
}

impl Session {
    /// A session from the environment and the shared config files. Never
    /// fails: a broken config file or unknown profile surfaces as an error on
    /// the first call. Use [`Session::builder`] to see such errors up front.
    pub fn new() -> Session {
        SessionBuilder::default().build_lenient().0
    }

    /// A builder to set region, profile, credentials and more, and to see configuration errors up front.
    pub fn builder() -> SessionBuilder {
        SessionBuilder::default()
    }

    /// The region clients use unless their [`ClientConfig`](crate::ClientConfig) sets one.
    pub fn region(&self) -> Option<String> {
        self.inner.region.clone()
    }

    /// The profile in use: the builder's, else `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, else `default`.
    pub fn profile_name(&self) -> Option<String> {
        Some(self.inner.profile_name.clone())
    }

    /// The configuration error this session defers to call time, if any.
    pub fn config_error(&self) -> Option<&ConfigError> {
        self.inner.deferred.as_ref()
    }

    /// Resolves credentials now, through the session's provider chain.
    pub async fn credentials(&self) -> Result<Credentials, crate::error::CredentialsError> {
        if let Some(e) = &self.inner.deferred {
            return Err(e.clone().into());
        }
        self.inner.credentials.provide_credentials().await
    }
}

impl Session {
    /// The session credential providers make their STS, SSO and SSO OIDC
    /// clients from: the settings of the session `ctx` belongs to (endpoint
    /// URLs, retries, connection pool), signing with `credentials` (none:
    /// every signed call fails with "no credentials").
    pub(crate) fn nested(
        ctx: &AuthContext,
        credentials: Option<Arc<dyn ProvideCredentials>>,
    ) -> Result<Session, crate::error::CredentialsError> {
        let base =
            ctx.session
                .upgrade()
                .ok_or_else(|| crate::error::CredentialsError::Retrieval {
                    provider: "session",
                    message: "the session that owns this credential provider was dropped".into(),
                })?;
        let credentials = credentials.unwrap_or_else(|| Arc::new(NoCredentials));
        Ok(Session {
            inner: Arc::new(SessionInner {
                credentials,
                deferred: None,
                ..(*base).clone()
            }),
        })
    }
}

/// The credentials of a nested session that calls only unsigned operations.
#[derive(Debug)]
struct NoCredentials;

impl ProvideCredentials for NoCredentials {
    fn provide_credentials(
        &self,
    ) -> crate::BoxFuture<'_, Result<Credentials, crate::error::CredentialsError>> {
        Box::pin(async {
            Err(crate::error::CredentialsError::Unavailable {
                provider: "nested session",
                reason: "this client makes only unsigned calls".into(),
            })
        })
    }
}

impl Default for Session {
    fn default() -> Session {
        Session::new()
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.inner;
        f.debug_struct("Session")
            .field("profile_name", &s.profile_name)
            .field("region", &s.region)
            .field("endpoint_url", &s.endpoint_url)
            .field("credentials", &s.credentials)
            .field("deferred", &s.deferred)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Session`]; every setting left out comes from the environment
/// or the shared config files.
#[derive(Default)]
pub struct SessionBuilder {
    profile_name: Option<String>,
    region: Option<String>,
    credentials: Option<Credentials>,
    provider: Option<Arc<dyn ProvideCredentials>>,
    endpoint_url: Option<String>,
    env: Option<Env>,
    connect_timeout: Option<Duration>,
    mfa: Option<MfaCallback>,
    read_timeout: Option<Duration>,
    ca_bundle: Option<std::path::PathBuf>,
    tcp_keepalive: Option<bool>,
    retry_mode: Option<crate::retry::RetryMode>,
    app_id: Option<String>,
}

impl SessionBuilder {
    /// The profile to use (else `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, `default`).
    pub fn profile_name(mut self, name: impl Into<String>) -> Self {
        self.profile_name = Some(name.into());
        self
    }

    /// The region (else `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Fixed credentials, used before any other source.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Asked for a one-time MFA code when a role profile has `mfa_serial`:
    /// gets the serial (the MFA device ARN), returns the code. Asked again
    /// on each refresh of the role's credentials.
    pub fn mfa_token(
        mut self,
        callback: impl Fn(&str) -> Result<String, String> + Send + Sync + 'static,
    ) -> Self {
        self.mfa = Some(Arc::new(callback));
        self
    }

    /// Replaces the whole credential chain with a custom provider.
    pub fn credentials_provider(mut self, provider: Arc<dyn ProvideCredentials>) -> Self {
        self.provider = Some(provider);
        self
    }

    /// An endpoint URL for every client of this session (e.g. `http://localhost:5000` for moto).
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Reads settings from `env` instead of the process environment.
    pub fn env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }

    /// How long to wait for a TCP/TLS connection (default 60 s, as botocore).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The longest wait for the response or its next bytes (default 60 s, as botocore).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }

    /// A PEM file of root certificates to trust instead of the built-in ones
    /// (else `AWS_CA_BUNDLE`, else the profile's `ca_bundle`).
    pub fn ca_bundle(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.ca_bundle = Some(path.into());
        self
    }

    /// TCP keepalive on connections (else `BOTOCORE_TCP_KEEPALIVE`, else the
    /// profile's `tcp_keepalive`; default off, as botocore).
    pub fn tcp_keepalive(mut self, on: bool) -> Self {
        self.tcp_keepalive = Some(on);
        self
    }

    /// How calls retry (else `AWS_RETRY_MODE`, else the profile's
    /// `retry_mode`, else `standard`).
    pub fn retry_mode(mut self, mode: crate::retry::RetryMode) -> Self {
        self.retry_mode = Some(mode);
        self
    }

    /// An application id for the `User-Agent` header (`app/<id>`; else
    /// `AWS_SDK_UA_APP_ID`, else the profile's `sdk_ua_app_id`).
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
        self
    }

    /// Builds the session, failing on the first configuration problem
    /// (an unreadable or invalid file, an unknown profile, a bad setting).
    pub fn build(self) -> Result<Session, ConfigError> {
        match self.build_lenient() {
            (_, Some(e)) => Err(e),
            (session, None) => Ok(session),
        }
    }

    /// What [`Session::new`] does: never fails, defers the first problem.
    #[cfg(test)]
    pub(crate) fn build_lenient_for_tests(self) -> Session {
        self.build_lenient().0
    }

    /// Builds with whatever could be loaded, plus the first problem found.
    fn build_lenient(self) -> (Session, Option<ConfigError>) {
        let env = self.env.unwrap_or_else(Env::process);
        let mut problem = None;
        let shared = match SharedConfig::load(&env) {
            Ok(shared) => shared,
            Err(e) => {
                problem.get_or_insert(e);
                SharedConfig::empty(&env)
            }
        };
        let shared = Arc::new(shared);

        let explicit_profile = self.profile_name.is_some();
        let chosen = self
            .profile_name
            .or_else(|| env.get("AWS_PROFILE"))
            .or_else(|| env.get("AWS_DEFAULT_PROFILE"));
        let profile_name = chosen.clone().unwrap_or_else(|| "default".to_owned());
        // A profile asked for by name must exist; the implicit `default` need not.
        if chosen.is_some() && problem.is_none() && !shared.has_profile(&profile_name) {
            problem = Some(ConfigError::ProfileNotFound {
                profile: profile_name.clone(),
                config_file: shared.config_file.clone(),
                credentials_file: shared.credentials_file.clone(),
            });
        }
        let profile = shared.profile(&profile_name);

        let region = self
            .region
            .or_else(|| env.get("AWS_REGION"))
            .or_else(|| env.get("AWS_DEFAULT_REGION"))
            .or_else(|| profile.get("region").map(str::to_owned));

        let max_attempts = match max_attempts(&env, &profile) {
            Ok(n) => n,
            Err(e) => {
                problem.get_or_insert(e);
                None
            }
        };

        let http_overrides = crate::http_settings::HttpOverrides {
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            ca_bundle: self.ca_bundle,
            tcp_keepalive: self.tcp_keepalive,
        };
        let http = crate::http_settings::build_http_client(&env, &profile, &http_overrides, false);
        let retry_mode = match self.retry_mode {
            Some(mode) => mode,
            None => crate::retry::retry_mode_setting(&env, &profile)
                .unwrap_or_else(|e| {
                    problem.get_or_insert(e);
                    None
                })
                .unwrap_or_default(),
        };
        let app_id = self
            .app_id
            .or_else(|| crate::useragent::app_id_setting(&env, &profile));
        let http = match http {
            Ok(c) => Some(c),
            Err(e) => {
                problem.get_or_insert(e);
                None
            }
        };

        let (provider, explicit, mfa) = (self.provider, self.credentials, self.mfa);
        let inner = Arc::new_cyclic(|session| {
            let credentials: Arc<dyn ProvideCredentials> = match provider {
                Some(p) => p,
                None => {
                    let ctx = Arc::new(AuthContext {
                        env: env.clone(),
                        shared: shared.clone(),
                        profile_name: profile_name.clone(),
                        region: region.clone(),
                        mfa,
                        session: session.clone(),
                    });
                    default_chain(&ctx, explicit_profile, explicit)
                }
            };
            SessionInner {
                env,
                profile_name,
                profile,
                shared,
                region,
                endpoint_url: self.endpoint_url,
                max_attempts,
                credentials,
                http,
                deferred: problem.clone(),
                retry_mode,
                app_id,
                http_overrides,
            }
        });
        (Session { inner }, problem)
    }
}

/// `AWS_MAX_ATTEMPTS`, else the profile's `max_attempts`.
fn max_attempts(env: &Env, profile: &Profile) -> Result<Option<u32>, ConfigError> {
    let (value, source) = match env.get("AWS_MAX_ATTEMPTS") {
        Some(v) => (v, "AWS_MAX_ATTEMPTS"),
        None => match profile.get("max_attempts") {
            Some(v) => (v.to_owned(), "profile max_attempts"),
            None => return Ok(None),
        },
    };
    match value.trim().parse::<u32>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(ConfigError::InvalidValue {
            key: "max_attempts".into(),
            value,
            source_name: source.into(),
            message: "expected a whole number of at least 1".into(),
        }),
    }
}

impl fmt::Debug for SessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionBuilder")
            .field("profile_name", &self.profile_name)
            .field("region", &self.region)
            .field("credentials", &self.credentials)
            .field("endpoint_url", &self.endpoint_url)
            .field("mfa", &self.mfa.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn tmp_dir(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("boto-rs-session-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write(dir: &std::path::Path, file: &str, text: &str) -> String {
        let path = dir.join(file);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        path.to_string_lossy().into_owned()
    }

    fn env_with_files(name: &str, config: &str, creds: &str, extra: &[(&str, &str)]) -> Env {
        let dir = tmp_dir(name);
        let mut vars = vec![
            ("AWS_CONFIG_FILE".to_owned(), write(&dir, "config", config)),
            (
                "AWS_SHARED_CREDENTIALS_FILE".to_owned(),
                write(&dir, "credentials", creds),
            ),
        ];
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Env::from_vars(vars)
    }

    const CONFIG: &str =
        "[default]\nregion = us-west-1\n[profile dev]\nregion = eu-central-1\nmax_attempts = 7\n";

    #[test]
    fn region_precedence() {
        let env = env_with_files("region", CONFIG, "", &[]);
        let s = Session::builder().env(env.clone()).build().unwrap();
        assert_eq!(s.region().as_deref(), Some("us-west-1"));
        assert_eq!(s.profile_name().as_deref(), Some("default"));

        let s = Session::builder()
            .env(env.clone())
            .profile_name("dev")
            .build()
            .unwrap();
        assert_eq!(s.region().as_deref(), Some("eu-central-1"));
        assert_eq!(s.inner.max_attempts, Some(7));

        let env = env_with_files(
            "region2",
            CONFIG,
            "",
            &[("AWS_DEFAULT_REGION", "ap-south-1"), ("AWS_PROFILE", "dev")],
        );
        let s = Session::builder().env(env.clone()).build().unwrap();
        assert_eq!(s.region().as_deref(), Some("ap-south-1"));
        assert_eq!(s.profile_name().as_deref(), Some("dev"));

        let env = env_with_files(
            "region3",
            CONFIG,
            "",
            &[
                ("AWS_DEFAULT_REGION", "ap-south-1"),
                ("AWS_REGION", "sa-east-1"),
            ],
        );
        let s = Session::builder().env(env.clone()).build().unwrap();
        assert_eq!(s.region().as_deref(), Some("sa-east-1"));
        let s = Session::builder()
            .env(env)
            .region("us-east-2")
            .build()
            .unwrap();
        assert_eq!(s.region().as_deref(), Some("us-east-2"));
    }

    #[test]
    fn unknown_profile_is_an_error_but_new_never_panics() {
        let env = env_with_files("missing", CONFIG, "", &[("AWS_PROFILE", "nope")]);
        let e = Session::builder().env(env.clone()).build().unwrap_err();
        assert!(matches!(e, ConfigError::ProfileNotFound { .. }), "{e}");
        assert!(e.to_string().contains("`nope`"), "{e}");
        let (s, problem) = Session::builder().env(env).build_lenient();
        assert!(problem.is_some());
        assert!(s.config_error().is_some());
    }

    #[test]
    fn broken_file_is_reported() {
        let env = env_with_files("broken", "[default]\nthis is not ini\n", "", &[]);
        let e = Session::builder().env(env).build().unwrap_err();
        assert!(e.to_string().contains(":2:"), "{e}");
    }

    #[test]
    fn bad_max_attempts() {
        let env = env_with_files("attempts", CONFIG, "", &[("AWS_MAX_ATTEMPTS", "zero")]);
        let e = Session::builder().env(env).build().unwrap_err();
        assert!(e.to_string().contains("AWS_MAX_ATTEMPTS"), "{e}");
    }

    #[tokio::test]
    async fn credentials_precedence() {
        let creds = "[default]\naws_access_key_id = FILE\naws_secret_access_key = f\n";
        let env = env_with_files(
            "creds",
            CONFIG,
            creds,
            &[("AWS_ACCESS_KEY_ID", "ENV"), ("AWS_SECRET_ACCESS_KEY", "e")],
        );
        let s = Session::builder().env(env.clone()).build().unwrap();
        assert_eq!(s.credentials().await.unwrap().access_key_id, "ENV");
        let s = Session::builder()
            .env(env)
            .credentials(Credentials::new("CODE", "c", None))
            .build()
            .unwrap();
        assert_eq!(s.credentials().await.unwrap().access_key_id, "CODE");
        let env = env_with_files("creds2", CONFIG, creds, &[]);
        let s = Session::builder().env(env).build().unwrap();
        assert_eq!(s.credentials().await.unwrap().access_key_id, "FILE");
    }

    #[test]
    fn debug_shows_no_secret() {
        let s = Session::builder()
            .env(Env::from_vars::<&str, &str>([]))
            .credentials(Credentials::new(
                "AKID",
                "SUPERSECRET",
                Some("SESSIONTOKEN".into()),
            ))
            .build()
            .unwrap();
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("SUPERSECRET") && !shown.contains("SESSIONTOKEN"),
            "{shown}"
        );
    }
}
