//! Credentials of the EC2 instance's IAM role, from the instance metadata
//! service (IMDS), as botocore's `InstanceMetadataProvider` /
//! `InstanceMetadataFetcher` get them.
//!
//! One fetch: `PUT /latest/api/token` for an IMDSv2 session token (403, 404,
//! 405 or a read timeout fall back to IMDSv1 unless it is disabled), then
//! `GET /latest/meta-data/iam/security-credentials/` for the role name and
//! `GET …/<role>` for the credentials. Connection errors, timeouts, non-200
//! answers and empty or non-JSON bodies are retried up to
//! `metadata_service_num_attempts` times, without a pause.
//!
//! Static stability: IMDS may keep serving credentials that are expired or
//! about to expire while its backend is unavailable; their expiry is then
//! moved to 12–20 minutes from now (botocore's `_evaluate_expiration`), and a
//! provider that cannot reach IMDS at all returns its last credentials,
//! likewise extended.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use crate::config::Profile;
use crate::credentials::{Credentials, ProvideCredentials};
use crate::env::Env;
use crate::error::{ConfigError, CredentialsError};
use crate::time::DateTime;
use crate::BoxFuture;

const PROVIDER: &str = "IMDS";
/// IMDS over IPv4 (`ec2_metadata_service_endpoint_mode = IPv4`, the default).
pub const ENDPOINT_IPV4: &str = "http://169.254.169.254";
/// IMDS over IPv6 (`ec2_metadata_service_endpoint_mode = IPv6`).
pub const ENDPOINT_IPV6: &str = "http://[fd00:ec2::254]";
const TOKEN_PATH: &str = "latest/api/token";
const CREDENTIALS_PATH: &str = "latest/meta-data/iam/security-credentials/";
const TOKEN_TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_TTL_SECONDS: &str = "21600";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
/// botocore's `ec2_credential_refresh_window` default.
const REFRESH_WINDOW_SECS: u64 = 10 * 60;
/// botocore's jitter added to the refresh window (2 to 10 minutes).
const JITTER_SECS: std::ops::RangeInclusive<u64> = 120..=600;

/// How to reach IMDS; see [`ImdsConfig::from_settings`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImdsConfig {
    /// `AWS_EC2_METADATA_DISABLED=true`: never contact IMDS.
    pub disabled: bool,
    /// Base URL, without the `/latest/…` path.
    pub endpoint: String,
    /// Refuse IMDSv1: without a session token, fail.
    pub v1_disabled: bool,
    /// Connect and request timeout of each attempt.
    pub timeout: Duration,
    /// Attempts per request (at least 1).
    pub num_attempts: u32,
    /// Extend expired credentials and keep the last ones during an outage.
    pub static_stability: bool,
}

impl Default for ImdsConfig {
    /// botocore's defaults: IPv4 endpoint, 1 s timeout, 1 attempt, v1 allowed.
    fn default() -> ImdsConfig {
        ImdsConfig {
            disabled: false,
            endpoint: ENDPOINT_IPV4.to_owned(),
            v1_disabled: false,
            timeout: Duration::from_secs(1),
            num_attempts: 1,
            static_stability: true,
        }
    }
}

impl ImdsConfig {
    /// Reads the settings as botocore does, environment before profile:
    ///
    /// - `AWS_EC2_METADATA_DISABLED` (environment only): `true` in any case
    ///   disables IMDS, any other value does not;
    /// - `AWS_EC2_METADATA_SERVICE_ENDPOINT` / `ec2_metadata_service_endpoint`:
    ///   an `http` or `https` URL, which wins over the mode;
    /// - `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE` /
    ///   `ec2_metadata_service_endpoint_mode`: `IPv4` or `IPv6` (any case);
    ///   unset, `AWS_IMDS_USE_IPV6` / `imds_use_ipv6 = true` means IPv6;
    /// - `AWS_EC2_METADATA_V1_DISABLED` / `ec2_metadata_v1_disabled`: `true`
    ///   (any case) disables IMDSv1;
    /// - `AWS_METADATA_SERVICE_TIMEOUT` / `metadata_service_timeout`: seconds
    ///   (default 1; fractions allowed);
    /// - `AWS_METADATA_SERVICE_NUM_ATTEMPTS` / `metadata_service_num_attempts`:
    ///   a whole number of at least 1 (default 1).
    pub fn from_settings(env: &Env, profile: &Profile) -> Result<ImdsConfig, ConfigError> {
        let mut config = ImdsConfig {
            disabled: env
                .get("AWS_EC2_METADATA_DISABLED")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            ..ImdsConfig::default()
        };

        let mode = setting(
            env,
            profile,
            "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
            "ec2_metadata_service_endpoint_mode",
        );
        let ipv6 = match mode {
            Some(s) if s.value.eq_ignore_ascii_case("ipv4") => false,
            Some(s) if s.value.eq_ignore_ascii_case("ipv6") => true,
            Some(s) => return Err(s.invalid("expected IPv4 or IPv6")),
            None => setting(env, profile, "AWS_IMDS_USE_IPV6", "imds_use_ipv6")
                .is_some_and(|s| s.is_true()),
        };
        if ipv6 {
            config.endpoint = ENDPOINT_IPV6.to_owned();
        }
        if let Some(s) = setting(
            env,
            profile,
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            "ec2_metadata_service_endpoint",
        ) {
            let url = s.value.trim();
            match reqwest::Url::parse(url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                    config.endpoint = url.to_owned();
                }
                _ => {
                    return Err(
                        s.invalid("expected an http or https URL such as http://169.254.169.254")
                    )
                }
            }
        }

        config.v1_disabled = setting(
            env,
            profile,
            "AWS_EC2_METADATA_V1_DISABLED",
            "ec2_metadata_v1_disabled",
        )
        .is_some_and(|s| s.is_true());

        if let Some(s) = setting(
            env,
            profile,
            "AWS_METADATA_SERVICE_TIMEOUT",
            "metadata_service_timeout",
        ) {
            config.timeout = match s.value.trim().parse::<f64>() {
                Ok(secs) if secs.is_finite() && secs > 0.0 && secs < 86_400.0 => {
                    Duration::from_secs_f64(secs)
                }
                _ => return Err(s.invalid("expected a number of seconds greater than 0")),
            };
        }
        if let Some(s) = setting(
            env,
            profile,
            "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
            "metadata_service_num_attempts",
        ) {
            config.num_attempts = match s.value.trim().parse::<u32>() {
                Ok(n) if n >= 1 => n,
                _ => return Err(s.invalid("expected a whole number of at least 1")),
            };
        }
        Ok(config)
    }
}

/// A setting's value and where it came from.
struct Setting {
    key: &'static str,
    value: String,
    source_name: String,
}

impl Setting {
    fn invalid(self, message: &str) -> ConfigError {
        ConfigError::InvalidValue {
            key: self.key.to_owned(),
            value: self.value,
            source_name: self.source_name,
            message: message.to_owned(),
        }
    }

    /// botocore's `ensure_boolean` on a string: `true` in any case.
    fn is_true(&self) -> bool {
        self.value.trim().eq_ignore_ascii_case("true")
    }
}

fn setting(env: &Env, profile: &Profile, var: &'static str, key: &'static str) -> Option<Setting> {
    if let Some(value) = env.get(var) {
        return Some(Setting {
            key,
            value,
            source_name: var.to_owned(),
        });
    }
    profile.get(key).map(|value| Setting {
        key,
        value: value.to_owned(),
        source_name: format!("profile {key}"),
    })
}

/// Credentials of the instance's IAM role, from IMDS.
pub struct ImdsProvider {
    config: Result<ImdsConfig, ConfigError>,
    client: Result<reqwest::Client, String>,
    /// The last credentials fetched, for static stability.
    last: Mutex<Option<Credentials>>,
}

impl ImdsProvider {
    /// Reads the settings with [`ImdsConfig::from_settings`]; an invalid
    /// setting is reported (as [`CredentialsError::Retrieval`]) when
    /// credentials are asked for.
    pub fn new(env: &Env, profile: &Profile) -> ImdsProvider {
        ImdsProvider::build(ImdsConfig::from_settings(env, profile))
    }

    /// Uses `config` as given.
    pub fn with_config(config: ImdsConfig) -> ImdsProvider {
        ImdsProvider::build(Ok(config))
    }

    fn build(config: Result<ImdsConfig, ConfigError>) -> ImdsProvider {
        let timeout = config
            .as_ref()
            .map_or(Duration::from_secs(1), |c| c.timeout);
        let client = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(timeout)
            .timeout(timeout)
            .build()
            .map_err(|e| e.to_string());
        ImdsProvider {
            config,
            client,
            last: Mutex::new(None),
        }
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let config = self
            .config
            .as_ref()
            .map_err(|e| CredentialsError::Retrieval {
                provider: PROVIDER,
                message: e.to_string(),
            })?;
        if config.disabled {
            return Err(CredentialsError::Unavailable {
                provider: PROVIDER,
                reason: "disabled by AWS_EC2_METADATA_DISABLED=true".into(),
            });
        }
        let client = self
            .client
            .as_ref()
            .map_err(|e| CredentialsError::Retrieval {
                provider: PROVIDER,
                message: format!("cannot create the HTTP client: {e}"),
            })?;
        let mut fetch = Fetch {
            config,
            client,
            token: None,
            retokened: false,
        };
        match fetch.credentials().await {
            Ok(mut creds) => {
                if config.static_stability {
                    extend_if_expiring(&mut creds, SystemTime::now());
                }
                tracing::debug!(
                    access_key_id = %creds.access_key_id,
                    expiry = ?creds.expiry.map(DateTime::from),
                    "IMDS: fetched credentials"
                );
                *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(creds.clone());
                Ok(creds)
            }
            Err(e) => {
                if !config.static_stability {
                    return Err(e);
                }
                let last = self.last.lock().unwrap_or_else(|p| p.into_inner()).clone();
                let Some(mut creds) = last else {
                    return Err(e);
                };
                let now = SystemTime::now();
                let offset = refresh_offset();
                let extended = now + offset;
                if creds.expiry.is_some_and(|x| x < extended) {
                    creds.expiry = Some(extended);
                }
                tracing::warn!(
                    access_key_id = %creds.access_key_id,
                    error = %e,
                    "IMDS: refreshing credentials failed; using the previous credentials, \
                     which will be refreshed again within {} minutes",
                    offset.as_secs().div_ceil(60)
                );
                Ok(creds)
            }
        }
    }
}

/// The refresh window plus jitter: 12 to 20 minutes.
fn refresh_offset() -> Duration {
    Duration::from_secs(REFRESH_WINDOW_SECS + fastrand::u64(JITTER_SECS))
}

/// botocore's `_evaluate_expiration`: credentials expiring within the refresh
/// window plus jitter (or already expired) get an expiry that far from now.
fn extend_if_expiring(creds: &mut Credentials, now: SystemTime) {
    let Some(expiry) = creds.expiry else { return };
    let offset = refresh_offset();
    if now + offset >= expiry {
        creds.expiry = Some(now + offset);
        tracing::warn!(
            access_key_id = %creds.access_key_id,
            "IMDS returned credentials that are expired or expire within {} minutes (its \
             credential service may be unavailable); using them as if they expired in {} \
             minutes, when a refresh will be attempted again",
            offset.as_secs() / 60,
            offset.as_secs().div_ceil(60)
        );
    }
}

impl ProvideCredentials for ImdsProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.load())
    }
}

impl fmt::Debug for ImdsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last = self
            .last
            .lock()
            .ok()
            .and_then(|l| l.as_ref().map(|c| c.access_key_id.clone()));
        f.debug_struct("ImdsProvider")
            .field("config", &self.config)
            .field("last_access_key_id", &last)
            .finish_non_exhaustive()
    }
}

/// Why one attempt failed.
#[derive(Debug, Clone)]
enum Failure {
    /// Could not connect (refused, unreachable, connect timeout).
    Connect(String),
    /// Connected, but no answer in time.
    Timeout,
    /// The connection broke before a whole answer arrived.
    Broken(String),
    Status(u16),
    EmptyBody,
    InvalidJson,
}

impl Failure {
    fn from_reqwest(e: &reqwest::Error) -> Failure {
        // Only the innermost cause: the outer text repeats the URL.
        let mut cause: &dyn std::error::Error = e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        if e.is_connect() {
            Failure::Connect(cause.to_string())
        } else if e.is_timeout() {
            Failure::Timeout
        } else {
            Failure::Broken(cause.to_string())
        }
    }

    fn unreachable(&self) -> bool {
        matches!(
            self,
            Failure::Connect(_) | Failure::Timeout | Failure::Broken(_)
        )
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Connect(e) => write!(f, "cannot connect: {e}"),
            Failure::Timeout => f.write_str("timed out"),
            Failure::Broken(e) => write!(f, "connection failed: {e}"),
            Failure::Status(s) => write!(f, "HTTP {s}"),
            Failure::EmptyBody => f.write_str("an empty body"),
            Failure::InvalidJson => f.write_str("a body that is not JSON"),
        }
    }
}

enum TokenOutcome {
    Got(String),
    /// No token: use IMDSv1 (why, for the log).
    Fallback(Failure),
    /// 400: botocore gives up on IMDS.
    BadRequest,
}

/// One credentials fetch: the token it uses and whether it renewed it.
struct Fetch<'a> {
    config: &'a ImdsConfig,
    client: &'a reqwest::Client,
    token: Option<String>,
    retokened: bool,
}

impl Fetch<'_> {
    fn attempts(&self) -> u32 {
        self.config.num_attempts.max(1)
    }

    fn url(&self, path: &str) -> String {
        let base = &self.config.endpoint;
        if base.ends_with('/') {
            format!("{base}{path}")
        } else {
            format!("{base}/{path}")
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<(u16, String), Failure> {
        let response = request
            .send()
            .await
            .map_err(|e| Failure::from_reqwest(&e))?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|e| Failure::from_reqwest(&e))?;
        Ok((status, body))
    }

    /// botocore's `_fetch_metadata_token`.
    async fn fetch_token(&self) -> TokenOutcome {
        let url = self.url(TOKEN_PATH);
        let mut last = Failure::Timeout;
        for _ in 0..self.attempts() {
            let request = self
                .client
                .put(&url)
                .header(TOKEN_TTL_HEADER, TOKEN_TTL_SECONDS);
            match self.send(request).await {
                Ok((200, token)) if !token.is_empty() => return TokenOutcome::Got(token),
                Ok((200, _)) => return TokenOutcome::Fallback(Failure::EmptyBody),
                // 403, 404, 405: IMDSv2 not available or not allowed here.
                Ok((status @ (403..=405), _)) => {
                    return TokenOutcome::Fallback(Failure::Status(status))
                }
                Ok((400, _)) => return TokenOutcome::BadRequest,
                Ok((status, _)) => last = Failure::Status(status),
                // A read timeout is what a container behind a hop limit of 1
                // sees: botocore goes straight to IMDSv1.
                Err(Failure::Timeout) => return TokenOutcome::Fallback(Failure::Timeout),
                Err(f) => {
                    tracing::debug!(url = %url, "IMDS token request failed: {f}");
                    last = f;
                }
            }
        }
        TokenOutcome::Fallback(last)
    }

    fn unreachable(&self, failure: &Failure) -> CredentialsError {
        CredentialsError::Unavailable {
            provider: PROVIDER,
            reason: format!(
                "no instance metadata service reachable at {} ({failure}; {} attempt{})",
                self.config.endpoint,
                self.attempts(),
                if self.attempts() == 1 { "" } else { "s" }
            ),
        }
    }

    async fn credentials(&mut self) -> Result<Credentials, CredentialsError> {
        tracing::debug!(endpoint = %self.config.endpoint, "IMDS: fetching a session token");
        match self.fetch_token().await {
            TokenOutcome::Got(t) => {
                tracing::debug!("IMDS: got an IMDSv2 session token");
                self.token = Some(t);
            }
            TokenOutcome::BadRequest => {
                return Err(CredentialsError::Unavailable {
                    provider: PROVIDER,
                    reason: format!(
                        "IMDS at {} answered 400 Bad Request to the token request",
                        self.config.endpoint
                    ),
                })
            }
            TokenOutcome::Fallback(why) if self.config.v1_disabled => {
                if matches!(why, Failure::Connect(_)) {
                    return Err(self.unreachable(&why));
                }
                return Err(CredentialsError::Retrieval {
                    provider: PROVIDER,
                    message: format!(
                        "cannot get an IMDSv2 session token from {} ({why}) and IMDSv1 is \
                         disabled (AWS_EC2_METADATA_V1_DISABLED / ec2_metadata_v1_disabled)",
                        self.config.endpoint
                    ),
                });
            }
            TokenOutcome::Fallback(why) => {
                tracing::debug!("IMDS: no session token ({why}); falling back to IMDSv1");
            }
        }

        let roles = self.get(CREDENTIALS_PATH, false).await?;
        let role = roles.lines().next().unwrap_or("").trim().to_owned();
        let path = format!("{CREDENTIALS_PATH}{role}");
        let body = self.get(&path, true).await?;
        parse_credentials(&role, &body)
    }

    /// botocore's `_get_request`: retries non-200, empty and (with `json`)
    /// non-JSON answers and connection failures; a 401 with a token renews
    /// the token once.
    async fn get(&mut self, path: &str, json: bool) -> Result<String, CredentialsError> {
        let url = self.url(path);
        let mut last = Failure::Timeout;
        let mut attempt = 0;
        while attempt < self.attempts() {
            let mut request = self.client.get(&url);
            if let Some(token) = &self.token {
                request = request.header(TOKEN_HEADER, token);
            }
            match self.send(request).await {
                Ok((200, body)) if body.is_empty() => last = Failure::EmptyBody,
                Ok((200, body))
                    if json && serde_json::from_str::<serde_json::Value>(&body).is_err() =>
                {
                    last = Failure::InvalidJson
                }
                Ok((200, body)) => return Ok(body),
                Ok((401, _)) if self.token.is_some() && !self.retokened => {
                    self.retokened = true;
                    tracing::debug!(
                        "IMDS: 401 to GET /{path}; the token expired, fetching another"
                    );
                    if let TokenOutcome::Got(t) = self.fetch_token().await {
                        self.token = Some(t);
                        continue;
                    }
                    last = Failure::Status(401);
                }
                Ok((status, _)) => last = Failure::Status(status),
                Err(f) => last = f,
            }
            tracing::debug!("IMDS: GET /{path} failed: {last}");
            attempt += 1;
        }
        if last.unreachable() {
            return Err(self.unreachable(&last));
        }
        let reason = match (&last, path == CREDENTIALS_PATH) {
            (Failure::Status(404), true) => format!(
                "no IAM role is attached to the instance (IMDS at {} answered 404 to GET /{path})",
                self.config.endpoint
            ),
            _ => format!(
                "IMDS at {} answered GET /{path} with {last} ({} attempt{})",
                self.config.endpoint,
                self.attempts(),
                if self.attempts() == 1 { "" } else { "s" }
            ),
        };
        Err(CredentialsError::Unavailable {
            provider: PROVIDER,
            reason,
        })
    }
}

fn parse_credentials(role: &str, body: &str) -> Result<Credentials, CredentialsError> {
    let retrieval = |message: String| CredentialsError::Retrieval {
        provider: PROVIDER,
        message,
    };
    let value: serde_json::Value = serde_json::from_str(body)
        .map_err(|_| retrieval(format!("credentials of role `{role}` are not JSON")))?;
    let obj = value.as_object().ok_or_else(|| {
        retrieval(format!(
            "credentials of role `{role}` are not a JSON object"
        ))
    })?;
    let text = |k: &str| obj.get(k).and_then(|v| v.as_str());
    if let Some(code) = text("Code").filter(|c| *c != "Success") {
        return Err(retrieval(format!(
            "IMDS answered `{code}` for role `{role}`: {}",
            text("Message").unwrap_or("(no message)")
        )));
    }
    super::metadata_credentials(
        &value,
        PROVIDER,
        &format!("the credentials of role `{role}`"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{IniFile, SharedConfig};
    use crate::test_server::{Reply, TestServer};
    use std::path::Path;
    use std::time::Instant;

    const TOKEN: &str = "/latest/api/token";
    const ROLES: &str = "/latest/meta-data/iam/security-credentials/";
    const ROLE: &str = "/latest/meta-data/iam/security-credentials/my-role";

    fn config(url: &str) -> ImdsConfig {
        ImdsConfig {
            endpoint: url.to_owned(),
            timeout: Duration::from_secs(2),
            ..ImdsConfig::default()
        }
    }

    fn creds_json(expires_in: i64) -> Reply {
        let now = SystemTime::now();
        let at = if expires_in >= 0 {
            now + Duration::from_secs(expires_in as u64)
        } else {
            now - Duration::from_secs(expires_in.unsigned_abs())
        };
        Reply::json(&serde_json::json!({
            "Code": "Success",
            "LastUpdated": "2024-01-01T00:00:00Z",
            "Type": "AWS-HMAC",
            "AccessKeyId": "ASIAIMDSKEY",
            "SecretAccessKey": "IMDSSECRET",
            "Token": "IMDSSESSIONTOKEN",
            "Expiration": DateTime::from(at).to_iso8601(),
            "AccountId": "123456789012",
        }))
    }

    /// A server answering IMDSv2 with token `tok`, role `my-role` and
    /// credentials expiring in `expires_in` seconds.
    async fn imds(expires_in: i64) -> TestServer {
        let server = TestServer::start().await;
        server
            .route("PUT", TOKEN, Reply::ok("tok"))
            .route("GET", ROLES, Reply::ok("my-role"))
            .route("GET", ROLE, creds_json(expires_in));
        server
    }

    fn secs_from_now(t: SystemTime) -> i64 {
        match t.duration_since(SystemTime::now()) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs() as i64),
        }
    }

    fn profile(text: &str) -> Profile {
        SharedConfig::from_files(
            IniFile::default(),
            IniFile::parse(text, Path::new("creds")).unwrap(),
            "cfg".into(),
            "creds".into(),
        )
        .profile("default")
    }

    #[tokio::test]
    async fn imdsv2_happy_path() {
        let server = imds(6 * 3600).await;
        let p = ImdsProvider::with_config(config(&server.url()));
        let c = p.provide_credentials().await.unwrap();
        assert_eq!(c.access_key_id, "ASIAIMDSKEY");
        assert_eq!(c.secret_access_key, "IMDSSECRET");
        assert_eq!(c.session_token.as_deref(), Some("IMDSSESSIONTOKEN"));
        assert_eq!(c.account_id.as_deref(), Some("123456789012"));
        let left = secs_from_now(c.expiry.unwrap());
        assert!((6 * 3600 - 5..=6 * 3600).contains(&left), "{left}");

        let reqs = server.requests();
        assert_eq!(reqs.len(), 3, "{reqs:?}");
        assert_eq!(
            (reqs[0].method.as_str(), reqs[0].path.as_str()),
            ("PUT", TOKEN)
        );
        assert_eq!(reqs[0].header(TOKEN_TTL_HEADER), Some("21600"));
        assert_eq!(reqs[1].path, ROLES);
        assert_eq!(reqs[2].path, ROLE);
        for r in &reqs[1..] {
            assert_eq!(r.method, "GET");
            assert_eq!(r.header(TOKEN_HEADER), Some("tok"));
        }
    }

    #[tokio::test]
    async fn falls_back_to_v1_on_403_404_405() {
        for status in [403, 404, 405] {
            let server = imds(3600).await;
            server.route("PUT", TOKEN, Reply::status(status, ""));
            let p = ImdsProvider::with_config(config(&server.url()));
            let c = p.provide_credentials().await.unwrap();
            assert_eq!(c.access_key_id, "ASIAIMDSKEY");
            let reqs = server.requests();
            assert_eq!(reqs.len(), 3, "{status}: {reqs:?}");
            assert!(reqs[1..].iter().all(|r| r.header(TOKEN_HEADER).is_none()));
        }
    }

    #[tokio::test]
    async fn v1_disabled_is_an_error() {
        let server = imds(3600).await;
        server.route("PUT", TOKEN, Reply::status(403, ""));
        let p = ImdsProvider::with_config(ImdsConfig {
            v1_disabled: true,
            ..config(&server.url())
        });
        let e = p.provide_credentials().await.unwrap_err();
        assert!(matches!(e, CredentialsError::Retrieval { .. }), "{e:?}");
        assert!(e.to_string().contains("IMDSv1 is disabled"), "{e}");
        assert_eq!(server.count("GET", ROLES), 0);

        // Nothing listening at all: not an error, the chain moves on.
        let p = ImdsProvider::with_config(ImdsConfig {
            v1_disabled: true,
            ..config(&TestServer::closed_url().await)
        });
        let e = p.provide_credentials().await.unwrap_err();
        assert!(matches!(e, CredentialsError::Unavailable { .. }), "{e:?}");
    }

    #[tokio::test]
    async fn token_refetched_once_on_401() {
        let server = imds(3600).await;
        server
            .script("PUT", TOKEN, [Reply::ok("old"), Reply::ok("new")])
            .script("GET", ROLES, [Reply::status(401, ""), Reply::ok("my-role")]);
        let p = ImdsProvider::with_config(config(&server.url()));
        p.provide_credentials().await.unwrap();
        assert_eq!(server.count("PUT", TOKEN), 2);
        let gets: Vec<_> = server
            .requests()
            .into_iter()
            .filter(|r| r.method == "GET")
            .map(|r| r.header(TOKEN_HEADER).unwrap_or("").to_owned())
            .collect();
        assert_eq!(gets, ["old", "new", "new"]);

        // A second 401 is not renewed again: it is an ordinary failure.
        let server = imds(3600).await;
        server.route("GET", ROLES, Reply::status(401, ""));
        let p = ImdsProvider::with_config(config(&server.url()));
        let e = p.provide_credentials().await.unwrap_err();
        assert!(matches!(e, CredentialsError::Unavailable { .. }), "{e:?}");
        assert!(e.to_string().contains("HTTP 401"), "{e}");
        assert_eq!(server.count("PUT", TOKEN), 2);
    }

    #[tokio::test]
    async fn retries_up_to_num_attempts() {
        let server = imds(3600).await;
        server.route("GET", ROLES, Reply::status(500, "oops"));
        let p = ImdsProvider::with_config(ImdsConfig {
            num_attempts: 3,
            ..config(&server.url())
        });
        let e = p.provide_credentials().await.unwrap_err();
        assert!(matches!(e, CredentialsError::Unavailable { .. }), "{e:?}");
        assert!(e.to_string().contains("HTTP 500 (3 attempts)"), "{e}");
        assert_eq!(server.count("GET", ROLES), 3);

        // Two failures (500, then an empty body), then success.
        let server = imds(3600).await;
        server
            .script("PUT", TOKEN, [Reply::status(503, ""), Reply::ok("tok")])
            .script(
                "GET",
                ROLES,
                [Reply::status(500, ""), Reply::ok(""), Reply::ok("my-role")],
            )
            .script("GET", ROLE, [Reply::ok("{not json"), creds_json(3600)]);
        let p = ImdsProvider::with_config(ImdsConfig {
            num_attempts: 3,
            ..config(&server.url())
        });
        let c = p.provide_credentials().await.unwrap();
        assert_eq!(c.access_key_id, "ASIAIMDSKEY");
        assert_eq!(server.count("PUT", TOKEN), 2);
        assert_eq!(server.count("GET", ROLES), 3);
        assert_eq!(server.count("GET", ROLE), 2);
    }

    #[tokio::test]
    async fn hanging_server_times_out() {
        let server = TestServer::start().await;
        server
            .route("PUT", TOKEN, Reply::Hang)
            .route("GET", ROLES, Reply::Hang);
        let p = ImdsProvider::with_config(ImdsConfig {
            timeout: Duration::from_millis(200),
            num_attempts: 2,
            ..config(&server.url())
        });
        let start = Instant::now();
        let e = p.provide_credentials().await.unwrap_err();
        let took = start.elapsed();
        assert!(matches!(e, CredentialsError::Unavailable { .. }), "{e:?}");
        assert!(
            e.to_string()
                .contains("no instance metadata service reachable"),
            "{e}"
        );
        assert!(e.to_string().contains("timed out"), "{e}");
        // A token timeout goes straight to IMDSv1 (botocore), whose GET is retried.
        assert_eq!(server.count("PUT", TOKEN), 1);
        assert_eq!(server.count("GET", ROLES), 2);
        assert!(took < Duration::from_secs(3), "{took:?}");
    }

    #[tokio::test]
    async fn connection_refused_is_unavailable() {
        let p = ImdsProvider::with_config(config(&TestServer::closed_url().await));
        let e = p.provide_credentials().await.unwrap_err();
        assert!(matches!(e, CredentialsError::Unavailable { .. }), "{e:?}");
        assert!(
            e.to_string()
                .contains("no instance metadata service reachable at http://127.0.0.1:"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn disabled_by_env() {
        let server = imds(3600).await;
        let env = Env::from_vars([
            ("AWS_EC2_METADATA_DISABLED", "TRUE"),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url().as_str()),
        ]);
        let p = ImdsProvider::new(&env, &Profile::default());
        let e = p.provide_credentials().await.unwrap_err();
        assert!(matches!(e, CredentialsError::Unavailable { .. }), "{e:?}");
        assert!(e.to_string().contains("AWS_EC2_METADATA_DISABLED"), "{e}");
        assert!(server.requests().is_empty());
    }

    #[tokio::test]
    async fn invalid_settings_fail_at_fetch() {
        let env = Env::from_vars([("AWS_METADATA_SERVICE_TIMEOUT", "soon")]);
        let p = ImdsProvider::new(&env, &Profile::default());
        let e = p.provide_credentials().await.unwrap_err();
        assert!(matches!(e, CredentialsError::Retrieval { .. }), "{e:?}");
        assert!(
            e.to_string().contains("AWS_METADATA_SERVICE_TIMEOUT"),
            "{e}"
        );
    }

    #[test]
    fn settings() {
        let none = Env::from_vars::<&str, &str>([]);
        let c = ImdsConfig::from_settings(&none, &Profile::default()).unwrap();
        assert_eq!(c, ImdsConfig::default());
        assert_eq!(c.endpoint, "http://169.254.169.254");
        assert_eq!((c.timeout, c.num_attempts), (Duration::from_secs(1), 1));
        assert!(!c.disabled && !c.v1_disabled && c.static_stability);

        let env = Env::from_vars([
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"),
            ("AWS_EC2_METADATA_V1_DISABLED", "True"),
            ("AWS_METADATA_SERVICE_TIMEOUT", "5"),
            ("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3"),
            ("AWS_EC2_METADATA_DISABLED", "yes"),
        ]);
        let c = ImdsConfig::from_settings(&env, &Profile::default()).unwrap();
        assert_eq!(c.endpoint, "http://[fd00:ec2::254]");
        assert!(c.v1_disabled);
        assert!(!c.disabled, "only `true` disables");
        assert_eq!((c.timeout, c.num_attempts), (Duration::from_secs(5), 3));

        // Profile values; the environment wins; an explicit endpoint beats the mode.
        let p = profile(
            "[default]\nec2_metadata_service_endpoint_mode = ipv6\n\
             ec2_metadata_service_endpoint = http://10.0.0.1:1338/\n\
             metadata_service_timeout = 0.5\nmetadata_service_num_attempts = 4\n\
             ec2_metadata_v1_disabled = true\n",
        );
        let c = ImdsConfig::from_settings(&none, &p).unwrap();
        assert_eq!(c.endpoint, "http://10.0.0.1:1338/");
        assert_eq!(c.timeout, Duration::from_millis(500));
        assert_eq!(c.num_attempts, 4);
        assert!(c.v1_disabled);
        let env = Env::from_vars([
            ("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2"),
            ("AWS_EC2_METADATA_V1_DISABLED", "false"),
        ]);
        let c = ImdsConfig::from_settings(&env, &p).unwrap();
        assert_eq!(c.num_attempts, 2);
        assert!(!c.v1_disabled);

        // Legacy imds_use_ipv6 when no mode is set.
        let c = ImdsConfig::from_settings(&none, &profile("[default]\nimds_use_ipv6 = true\n"))
            .unwrap();
        assert_eq!(c.endpoint, ENDPOINT_IPV6);

        let bad = |vars: &[(&str, &str)], text: &str| {
            let env = Env::from_vars(vars.iter().copied());
            match ImdsConfig::from_settings(&env, &profile(text)).unwrap_err() {
                ConfigError::InvalidValue {
                    key, source_name, ..
                } => (key, source_name),
                e => panic!("{e:?}"),
            }
        };
        assert_eq!(
            bad(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv5")], ""),
            (
                "ec2_metadata_service_endpoint_mode".into(),
                "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE".into()
            )
        );
        assert_eq!(
            bad(&[], "[default]\nmetadata_service_num_attempts = 0\n"),
            (
                "metadata_service_num_attempts".into(),
                "profile metadata_service_num_attempts".into()
            )
        );
        assert_eq!(
            bad(&[("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "two")], ""),
            (
                "metadata_service_num_attempts".into(),
                "AWS_METADATA_SERVICE_NUM_ATTEMPTS".into()
            )
        );
        assert_eq!(
            bad(&[("AWS_METADATA_SERVICE_TIMEOUT", "-1")], ""),
            (
                "metadata_service_timeout".into(),
                "AWS_METADATA_SERVICE_TIMEOUT".into()
            )
        );
        assert_eq!(
            bad(
                &[],
                "[default]\nec2_metadata_service_endpoint = 169.254.169.254\n"
            ),
            (
                "ec2_metadata_service_endpoint".into(),
                "profile ec2_metadata_service_endpoint".into()
            )
        );
        let e = ImdsConfig::from_settings(
            &Env::from_vars([("AWS_METADATA_SERVICE_TIMEOUT", "x")]),
            &Profile::default(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value `x` for metadata_service_timeout (from AWS_METADATA_SERVICE_TIMEOUT): \
             expected a number of seconds greater than 0"
        );
    }

    #[tokio::test]
    async fn invalid_responses_are_errors() {
        let server = imds(3600).await;
        server.route(
            "GET",
            ROLE,
            Reply::json(&serde_json::json!({"Code": "AssumeRoleUnauthorizedAccess",
                "Message": "EC2 cannot assume the role my-role"})),
        );
        let p = ImdsProvider::with_config(config(&server.url()));
        let e = p.provide_credentials().await.unwrap_err();
        assert!(matches!(e, CredentialsError::Retrieval { .. }), "{e:?}");
        assert!(
            e.to_string().contains("AssumeRoleUnauthorizedAccess"),
            "{e}"
        );
        assert!(e.to_string().contains("cannot assume"), "{e}");

        server.route(
            "GET",
            ROLE,
            Reply::json(&serde_json::json!({"AccessKeyId": "A", "SecretAccessKey": "S"})),
        );
        let e = p.provide_credentials().await.unwrap_err();
        assert!(matches!(e, CredentialsError::Retrieval { .. }), "{e:?}");
        assert!(e.to_string().contains("lacks Token, Expiration"), "{e}");

        // No role attached.
        server.route("GET", ROLES, Reply::status(404, ""));
        let e = p.provide_credentials().await.unwrap_err();
        assert!(matches!(e, CredentialsError::Unavailable { .. }), "{e:?}");
        assert!(e.to_string().contains("no IAM role"), "{e}");
    }

    #[tokio::test]
    async fn expired_credentials_are_extended() {
        let server = imds(-3600).await;
        let p = ImdsProvider::with_config(config(&server.url()));
        let c = p.provide_credentials().await.unwrap();
        let left = secs_from_now(c.expiry.unwrap());
        assert!((12 * 60 - 5..=20 * 60).contains(&left), "{left}");

        // Also when about to expire (within the 12–20 minute window).
        let server = imds(5 * 60).await;
        let p = ImdsProvider::with_config(config(&server.url()));
        let left = secs_from_now(p.provide_credentials().await.unwrap().expiry.unwrap());
        assert!((12 * 60 - 5..=20 * 60).contains(&left), "{left}");

        // Without static stability the expiry is IMDS's.
        let server = imds(-3600).await;
        let p = ImdsProvider::with_config(ImdsConfig {
            static_stability: false,
            ..config(&server.url())
        });
        let left = secs_from_now(p.provide_credentials().await.unwrap().expiry.unwrap());
        assert!((-3605..=-3595).contains(&left), "{left}");
    }

    #[tokio::test]
    async fn static_stability_during_outage() {
        let server = imds(60).await;
        let p = ImdsProvider::with_config(config(&server.url()));
        let first = p.provide_credentials().await.unwrap();
        server.stop().await;
        let second = p.provide_credentials().await.unwrap();
        assert_eq!(second.access_key_id, first.access_key_id);
        assert_eq!(second.secret_access_key, first.secret_access_key);
        let left = secs_from_now(second.expiry.unwrap());
        assert!((12 * 60 - 5..=20 * 60).contains(&left), "{left}");

        // Long-lived previous credentials keep their own expiry.
        let server = imds(6 * 3600).await;
        let p = ImdsProvider::with_config(config(&server.url()));
        let first = p.provide_credentials().await.unwrap();
        server.stop().await;
        assert_eq!(p.provide_credentials().await.unwrap().expiry, first.expiry);

        // Without static stability the outage is reported.
        let server = imds(60).await;
        let p = ImdsProvider::with_config(ImdsConfig {
            static_stability: false,
            ..config(&server.url())
        });
        p.provide_credentials().await.unwrap();
        server.stop().await;
        let e = p.provide_credentials().await.unwrap_err();
        assert!(matches!(e, CredentialsError::Unavailable { .. }), "{e:?}");
    }

    #[tokio::test]
    async fn debug_and_errors_hold_no_secret() {
        let server = imds(3600).await;
        let p = ImdsProvider::with_config(config(&server.url()));
        p.provide_credentials().await.unwrap();
        let shown = format!("{p:?} {p:#?}");
        assert!(shown.contains("ASIAIMDSKEY"), "{shown}");
        for secret in ["IMDSSECRET", "IMDSSESSIONTOKEN", "tok\""] {
            assert!(!shown.contains(secret), "{shown}");
        }

        server.route("GET", ROLE, Reply::status(500, ""));
        let p = ImdsProvider::with_config(config(&server.url()));
        let e = p.provide_credentials().await.unwrap_err().to_string();
        assert!(!e.contains("tok"), "{e}");
    }
}
