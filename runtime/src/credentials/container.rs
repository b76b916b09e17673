//! Credentials from a container credentials endpoint (ECS task roles, EKS Pod
//! Identity, or any local HTTP endpoint), as botocore's `ContainerProvider` /
//! `ContainerMetadataFetcher` get them.
//!
//! `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is a path on the ECS agent at
//! `http://169.254.170.2`; otherwise `AWS_CONTAINER_CREDENTIALS_FULL_URI` is
//! a whole URL, which must be `https`, or `http` to a loopback address or
//! one of the ECS / EKS hosts. The `Authorization` header is the contents of
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (re-read at every fetch), else
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`. Each attempt has a 2 second timeout;
//! three attempts, one second apart.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::credentials::{Credentials, ProvideCredentials};
use crate::env::Env;
use crate::error::CredentialsError;
use crate::time::DateTime;
use crate::BoxFuture;

const PROVIDER: &str = "container";
/// The ECS agent, base of `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
pub const ECS_ENDPOINT: &str = "http://169.254.170.2";
const RELATIVE_URI: &str = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
const FULL_URI: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
const TOKEN: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
const TOKEN_FILE: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
/// botocore's `ContainerMetadataFetcher.TIMEOUT_SECONDS`.
const TIMEOUT: Duration = Duration::from_secs(2);
/// botocore's `RETRY_ATTEMPTS`.
const ATTEMPTS: u32 = 3;
/// botocore's `SLEEP_TIME`.
const RETRY_SLEEP: Duration = Duration::from_secs(1);
/// Hosts allowed over plain http besides loopback addresses (botocore's `_ALLOWED_HOSTS`).
const ALLOWED_HOSTS: &str = "169.254.170.2, 169.254.170.23, fd00:ec2::23, localhost";

/// Credentials from the container credentials endpoint named by the environment.
pub struct ContainerProvider {
    env: Env,
    client: Result<reqwest::Client, String>,
    /// Base URL of a relative URI.
    base: String,
    retry_sleep: Duration,
}

impl ContainerProvider {
    /// Reads the `AWS_CONTAINER_*` variables from `env` at each fetch.
    pub fn new(env: &Env) -> ContainerProvider {
        let client = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(TIMEOUT)
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| e.to_string());
        ContainerProvider {
            env: env.clone(),
            client,
            base: ECS_ENDPOINT.to_owned(),
            retry_sleep: RETRY_SLEEP,
        }
    }

    /// Resolves relative URIs against `base` instead of the ECS agent.
    #[cfg(test)]
    fn with_base(mut self, base: String) -> ContainerProvider {
        self.base = base;
        self
    }

    /// Waits `sleep` between attempts instead of a second.
    #[cfg(test)]
    fn with_retry_sleep(mut self, sleep: Duration) -> ContainerProvider {
        self.retry_sleep = sleep;
        self
    }

    /// The URL to ask, `None` when neither variable is set.
    fn url(&self) -> Result<Option<String>, CredentialsError> {
        if let Some(relative) = self.env.get(RELATIVE_URI) {
            return Ok(Some(format!("{}{relative}", self.base)));
        }
        let Some(full) = self.env.get(FULL_URI) else {
            return Ok(None);
        };
        check_full_uri(&full).map_err(|why| CredentialsError::Retrieval {
            provider: PROVIDER,
            message: format!("{FULL_URI} `{full}`: {why}"),
        })?;
        Ok(Some(full))
    }

    /// The `Authorization` header value, if a token is configured.
    fn authorization(&self) -> Result<Option<(HeaderValue, String)>, CredentialsError> {
        let retrieval = |message: String| CredentialsError::Retrieval {
            provider: PROVIDER,
            message,
        };
        let (token, source) = if let Some(path) = self.env.get(TOKEN_FILE) {
            let token = std::fs::read_to_string(&path)
                .map_err(|e| retrieval(format!("cannot read {TOKEN_FILE} `{path}`: {e}")))?;
            (token, format!("{TOKEN_FILE} `{path}`"))
        } else if let Some(token) = self.env.get(TOKEN) {
            (token, TOKEN.to_owned())
        } else {
            return Ok(None);
        };
        if token.contains(['\r', '\n']) {
            return Err(retrieval(format!(
                "the authorization token from {source} contains a line break (CR or LF) \
                 and cannot be sent as a header value"
            )));
        }
        let mut value = HeaderValue::from_str(&token).map_err(|_| {
            retrieval(format!(
                "the authorization token from {source} is not a legal header value"
            ))
        })?;
        value.set_sensitive(true);
        Ok(Some((value, token)))
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let Some(url) = self.url()? else {
            return Err(CredentialsError::Unavailable {
                provider: PROVIDER,
                reason: format!("neither {RELATIVE_URI} nor {FULL_URI} set"),
            });
        };
        let auth = self.authorization()?;
        let client = self
            .client
            .as_ref()
            .map_err(|e| CredentialsError::Retrieval {
                provider: PROVIDER,
                message: format!("cannot create the HTTP client: {e}"),
            })?;
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            let mut request = client.get(&url).header("accept", "application/json");
            if let Some((value, _)) = &auth {
                request = request.header("authorization", value.clone());
            }
            match attempt_once(request).await {
                Ok(json) => {
                    let creds = super::metadata_credentials(
                        &json,
                        PROVIDER,
                        &format!("the response of {url}"),
                    )?;
                    tracing::debug!(
                        access_key_id = %creds.access_key_id,
                        expiry = ?creds.expiry.map(DateTime::from),
                        "container: fetched credentials"
                    );
                    return Ok(creds);
                }
                Err(why) => {
                    // An endpoint echoing the request must not leak the token.
                    last = match &auth {
                        Some((_, token)) if !token.is_empty() => {
                            why.replace(token.as_str(), "** redacted **")
                        }
                        _ => why,
                    };
                    tracing::debug!(%url, attempt, "container credentials request failed: {last}");
                }
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(self.retry_sleep).await;
            }
        }
        Err(CredentialsError::Retrieval {
            provider: PROVIDER,
            message: format!("cannot get credentials from {url} ({ATTEMPTS} attempts): {last}"),
        })
    }
}

/// One GET: the JSON body of a 200, or why not.
async fn attempt_once(request: reqwest::RequestBuilder) -> Result<serde_json::Value, String> {
    let describe = |e: reqwest::Error| {
        let mut cause: &dyn std::error::Error = &e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        if e.is_timeout() {
            "timed out".to_owned()
        } else if e.is_connect() {
            format!("cannot connect: {cause}")
        } else {
            format!("connection failed: {cause}")
        }
    };
    let response = request.send().await.map_err(describe)?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(describe)?;
    if status != 200 {
        let mut shown: String = body.chars().take(256).collect();
        if shown.len() < body.len() {
            shown.push('…');
        }
        return Err(format!("HTTP {status}: {shown}"));
    }
    serde_json::from_str(&body).map_err(|_| "the body is not JSON".to_owned())
}

/// botocore's `_validate_allowed_url`: https anywhere; http only to loopback
/// addresses and the ECS / EKS hosts.
fn check_full_uri(full: &str) -> Result<(), String> {
    let url = reqwest::Url::parse(full).map_err(|e| format!("not a URL ({e})"))?;
    match url.scheme() {
        "https" => return Ok(()),
        "http" => {}
        other => return Err(format!("unsupported scheme `{other}`; use http or https")),
    }
    let host = url.host_str().unwrap_or("");
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let allowed = match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            ip.is_loopback()
                || ip == Ipv4Addr::new(169, 254, 170, 2)
                || ip == Ipv4Addr::new(169, 254, 170, 23)
        }
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23)
        }
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    };
    if allowed {
        Ok(())
    } else {
        Err(format!(
            "unsupported host `{host}`: over http, credentials can only be fetched from a \
             loopback address or one of these hosts: {ALLOWED_HOSTS} (or use https)"
        ))
    }
}

impl ProvideCredentials for ContainerProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<Credentials, CredentialsError>> {
        Box::pin(self.load())
    }
}

impl fmt::Debug for ContainerProvider {
    // The URIs are not secret; the token is only named by its source.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let token_source = if self.env.get(TOKEN_FILE).is_some() {
            Some(TOKEN_FILE)
        } else if self.env.get(TOKEN).is_some() {
            Some(TOKEN)
        } else {
            None
        };
        f.debug_struct("ContainerProvider")
            .field("relative_uri", &self.env.get(RELATIVE_URI))
            .field("full_uri", &self.env.get(FULL_URI))
            .field("token_from", &token_source)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_server::{Reply, TestServer};
    use std::path::PathBuf;

    fn creds() -> Reply {
        Reply::json(&serde_json::json!({
            "AccessKeyId": "ASIACONTAINER",
            "SecretAccessKey": "CONTAINERSECRET",
            "Token": "CONTAINERSESSION",
            "Expiration": "2099-01-01T00:00:00Z",
            "AccountId": "210987654321",
            "RoleArn": "arn:aws:iam::210987654321:role/task",
        }))
    }

    fn provider(server: &TestServer, vars: &[(&str, &str)]) -> ContainerProvider {
        ContainerProvider::new(&Env::from_vars(vars.iter().copied()))
            .with_base(server.url())
            .with_retry_sleep(Duration::ZERO)
    }

    fn token_file(name: &str, text: &str) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("boto-rs-container-{name}-{}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[tokio::test]
    async fn relative_uri() {
        let server = TestServer::start().await;
        server.route("GET", "/v2/credentials/abc", creds());
        let p = provider(&server, &[(RELATIVE_URI, "/v2/credentials/abc")]);
        let c = p.provide_credentials().await.unwrap();
        assert_eq!(c.access_key_id, "ASIACONTAINER");
        assert_eq!(c.secret_access_key, "CONTAINERSECRET");
        assert_eq!(c.session_token.as_deref(), Some("CONTAINERSESSION"));
        assert_eq!(c.account_id.as_deref(), Some("210987654321"));
        assert_eq!(
            c.expiry.map(DateTime::from),
            Some(DateTime::parse_lenient("2099-01-01T00:00:00Z").unwrap())
        );
        let reqs = server.requests();
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].header("accept"), Some("application/json"));
        assert_eq!(reqs[0].header("authorization"), None);

        assert_eq!(
            ContainerProvider::new(&Env::from_vars([(RELATIVE_URI, "/x")]))
                .url()
                .unwrap()
                .as_deref(),
            Some("http://169.254.170.2/x")
        );
    }

    #[tokio::test]
    async fn full_uri_with_token() {
        let server = TestServer::start().await;
        server.route("GET", "/creds", creds());
        let full = format!("{}/creds?x=1", server.url());
        let p = provider(&server, &[(FULL_URI, &full), (TOKEN, "Basic abc")]);
        let c = p.provide_credentials().await.unwrap();
        assert_eq!(c.access_key_id, "ASIACONTAINER");
        let reqs = server.requests();
        assert_eq!(reqs[0].path, "/creds?x=1");
        assert_eq!(reqs[0].header("authorization"), Some("Basic abc"));

        // The relative URI wins.
        let p = provider(
            &server,
            &[
                (RELATIVE_URI, "/creds"),
                (FULL_URI, "http://localhost:1/nope"),
            ],
        );
        p.provide_credentials().await.unwrap();
        assert_eq!(server.count("GET", "/creds"), 2);
    }

    #[tokio::test]
    async fn disallowed_host() {
        for full in [
            "http://169.254.169.254/latest/creds",
            "http://example.com/creds",
            "http://[fd00:ec2::24]/creds",
            "http://localhost.example.com/creds",
            "ftp://127.0.0.1/creds",
            "not a url",
        ] {
            let p = ContainerProvider::new(&Env::from_vars([(FULL_URI, full)]));
            let e = p.provide_credentials().await.unwrap_err();
            assert!(
                matches!(e, CredentialsError::Retrieval { .. }),
                "{full}: {e:?}"
            );
            assert!(e.to_string().contains(FULL_URI), "{e}");
        }
        let e = check_full_uri("http://10.0.0.1/x").unwrap_err();
        assert!(e.contains("169.254.170.23"), "{e}");
        assert!(e.contains("loopback"), "{e}");
        for ok in [
            "https://creds.example.com/x",
            "http://127.0.0.1:8080/x",
            "http://127.1.2.3/x",
            "http://[::1]/x",
            "http://LOCALHOST/x",
            "http://169.254.170.2/x",
            "http://169.254.170.23/v1/credentials",
            "http://[fd00:ec2::23]/v1/credentials",
        ] {
            assert_eq!(check_full_uri(ok), Ok(()), "{ok}");
        }
    }

    #[tokio::test]
    async fn token_file_is_reread_and_wins() {
        let server = TestServer::start().await;
        server.route("GET", "/creds", creds());
        let file = token_file("reread", "first-token");
        let p = provider(
            &server,
            &[
                (RELATIVE_URI, "/creds"),
                (TOKEN_FILE, file.to_str().unwrap()),
                (TOKEN, "env-token"),
            ],
        );
        p.provide_credentials().await.unwrap();
        std::fs::write(&file, "second-token").unwrap();
        p.provide_credentials().await.unwrap();
        let seen: Vec<_> = server
            .requests()
            .iter()
            .map(|r| r.header("authorization").unwrap_or("").to_owned())
            .collect();
        assert_eq!(seen, ["first-token", "second-token"]);

        std::fs::remove_file(&file).unwrap();
        let e = p.provide_credentials().await.unwrap_err();
        assert!(matches!(e, CredentialsError::Retrieval { .. }), "{e:?}");
        assert!(e.to_string().contains(TOKEN_FILE), "{e}");
    }

    #[tokio::test]
    async fn token_with_line_break_rejected() {
        let server = TestServer::start().await;
        server.route("GET", "/creds", creds());
        let file = token_file("crlf", "token\n");
        for vars in [
            vec![(RELATIVE_URI, "/creds"), (TOKEN, "abc\r\nX-Evil: 1")],
            vec![
                (RELATIVE_URI, "/creds"),
                (TOKEN_FILE, file.to_str().unwrap()),
            ],
        ] {
            let e = provider(&server, &vars)
                .provide_credentials()
                .await
                .unwrap_err();
            assert!(matches!(e, CredentialsError::Retrieval { .. }), "{e:?}");
            let msg = e.to_string();
            assert!(msg.contains("line break"), "{msg}");
            assert!(!msg.contains("abc") && !msg.contains("token\n"), "{msg}");
        }
        assert!(server.requests().is_empty());
        std::fs::remove_file(&file).unwrap();
    }

    #[tokio::test]
    async fn retries_three_times() {
        let server = TestServer::start().await;
        server.script(
            "GET",
            "/creds",
            [Reply::status(500, "busy"), Reply::ok("{not json"), creds()],
        );
        let p = provider(&server, &[(RELATIVE_URI, "/creds")]);
        p.provide_credentials().await.unwrap();
        assert_eq!(server.count("GET", "/creds"), 3);

        let server = TestServer::start().await;
        server.route("GET", "/creds", Reply::status(503, "echo secret-tok"));
        let p = provider(&server, &[(RELATIVE_URI, "/creds"), (TOKEN, "secret-tok")]);
        let e = p.provide_credentials().await.unwrap_err();
        assert!(matches!(e, CredentialsError::Retrieval { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains("3 attempts") && msg.contains("HTTP 503"),
            "{msg}"
        );
        assert!(!msg.contains("secret-tok"), "{msg}");
        assert_eq!(server.count("GET", "/creds"), 3);

        // Nothing listening: still an error (the variables say to use it).
        let full = format!("{}/creds", TestServer::closed_url().await);
        let p = ContainerProvider::new(&Env::from_vars([(FULL_URI, full.as_str())]))
            .with_retry_sleep(Duration::ZERO);
        let e = p.provide_credentials().await.unwrap_err();
        assert!(e.to_string().contains("cannot connect"), "{e}");
    }

    #[tokio::test]
    async fn not_configured_is_unavailable() {
        let p = ContainerProvider::new(&Env::from_vars([(TOKEN, "t")]));
        let e = p.provide_credentials().await.unwrap_err();
        assert!(matches!(e, CredentialsError::Unavailable { .. }), "{e:?}");
        assert!(e.to_string().contains(RELATIVE_URI), "{e}");
    }

    #[tokio::test]
    async fn missing_fields() {
        let server = TestServer::start().await;
        server.route(
            "GET",
            "/creds",
            Reply::json(&serde_json::json!({"AccessKeyId": "A", "Token": "T"})),
        );
        let p = provider(&server, &[(RELATIVE_URI, "/creds")]);
        let e = p.provide_credentials().await.unwrap_err();
        assert!(matches!(e, CredentialsError::Retrieval { .. }), "{e:?}");
        assert!(
            e.to_string().contains("lacks SecretAccessKey, Expiration"),
            "{e}"
        );
    }

    #[test]
    fn debug_shows_no_secret() {
        let p = ContainerProvider::new(&Env::from_vars([
            (RELATIVE_URI, "/v2/credentials/abc"),
            (TOKEN, "SUPERSECRETTOKEN"),
        ]));
        let shown = format!("{p:?} {p:#?}");
        assert!(shown.contains("/v2/credentials/abc"), "{shown}");
        assert!(shown.contains(TOKEN), "{shown}");
        assert!(!shown.contains("SUPERSECRETTOKEN"), "{shown}");
    }
}
