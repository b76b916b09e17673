//! The HTTP client of a session (or of a client with its own timeouts):
//! connect and read timeouts, a custom CA bundle, proxies and TCP keepalive,
//! read as botocore reads them (`config.py`, `configprovider.py`,
//! `httpsession.py`, `utils.get_environ_proxies`).
//!
//! Proxies come from the session's [`Env`], never the process environment
//! behind its back, so a session built with a fixed `Env` sees exactly the
//! variables it was given.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::Profile;
use crate::env::Env;
use crate::error::ConfigError;

/// botocore's `connect_timeout` default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(60);
/// botocore's `read_timeout` default: the longest wait for the response or
/// its next bytes.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// The idle time before keepalive probes when `tcp_keepalive` is on.
pub const TCP_KEEPALIVE_IDLE: Duration = Duration::from_secs(15);

/// HTTP settings given in code; unset ones come from the environment and
/// profile, then the defaults.
#[derive(Debug, Clone, Default)]
pub struct HttpOverrides {
    /// Time limit of a TCP/TLS connect (default 60 s).
    pub connect_timeout: Option<Duration>,
    /// Longest wait for the response or its next bytes (default 60 s).
    pub read_timeout: Option<Duration>,
    /// A PEM file of root certificates to trust instead of the built-in ones
    /// (else `AWS_CA_BUNDLE`, else the profile's `ca_bundle`).
    pub ca_bundle: Option<PathBuf>,
    /// TCP keepalive (else `BOTOCORE_TCP_KEEPALIVE`, else the profile's
    /// `tcp_keepalive`; default off, as botocore).
    pub tcp_keepalive: Option<bool>,
}

impl HttpOverrides {
    /// The connect timeout in effect.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT)
    }

    /// The read timeout in effect.
    pub fn read_timeout(&self) -> Duration {
        self.read_timeout.unwrap_or(DEFAULT_READ_TIMEOUT)
    }
}

/// Builds the reqwest client for these settings: HTTP/1.1 only, as
/// botocore speaks, unless `http2` (for operations that send event streams,
/// which AWS takes over HTTP/2 only; with the `http2` feature, HTTP/2 is
/// then offered over TLS and used when the server picks it).
pub(crate) fn build_http_client(
    env: &Env,
    profile: &Profile,
    overrides: &HttpOverrides,
    http2: bool,
) -> Result<reqwest::Client, ConfigError> {
    let builder = reqwest::Client::builder();
    #[cfg(feature = "http2")]
    let builder = if http2 { builder } else { builder.http1_only() };
    #[cfg(not(feature = "http2"))]
    let _ = http2;
    let mut builder = builder
        .connect_timeout(overrides.connect_timeout())
        .read_timeout(overrides.read_timeout())
        // AWS answers redirects only with errors worth seeing (S3 301 PermanentRedirect).
        .redirect(reqwest::redirect::Policy::none())
        // Proxies are the session's to decide (below), not reqwest's from the process env.
        .no_proxy();

    let keepalive = match overrides.tcp_keepalive {
        Some(on) => on,
        None => tcp_keepalive_setting(env, profile)?,
    };
    builder = builder.tcp_keepalive(keepalive.then_some(TCP_KEEPALIVE_IDLE));

    if let Some((path, source)) = ca_bundle_setting(env, profile, overrides) {
        let invalid = |message: String| ConfigError::InvalidValue {
            key: "ca_bundle".into(),
            value: path.display().to_string(),
            source_name: source.into(),
            message,
        };
        let pem = std::fs::read(&path)
            .map_err(|e| invalid(format!("cannot read the CA bundle file: {e}")))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| invalid(format!("not a PEM file of certificates: {e}")))?;
        if certs.is_empty() {
            return Err(invalid(
                "the file holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)".into(),
            ));
        }
        // As botocore's `verify=<bundle>`: the bundle replaces the default roots.
        builder = builder.tls_built_in_root_certs(false);
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
        return finish(builder, env, Some(&path));
    }
    finish(builder, env, None)
}

fn finish(
    mut builder: reqwest::ClientBuilder,
    env: &Env,
    ca_bundle: Option<&std::path::Path>,
) -> Result<reqwest::Client, ConfigError> {
    for proxy in proxies(env)? {
        builder = builder.proxy(proxy);
    }
    builder.build().map_err(|e| match ca_bundle {
        Some(path) => ConfigError::Http(format!(
            "{e} (with the CA bundle {}: is every certificate in it valid?)",
            path.display()
        )),
        None => ConfigError::Http(e.to_string()),
    })
}

/// The CA bundle and where it was set.
fn ca_bundle_setting(
    env: &Env,
    profile: &Profile,
    overrides: &HttpOverrides,
) -> Option<(PathBuf, &'static str)> {
    if let Some(path) = &overrides.ca_bundle {
        return Some((path.clone(), "SessionBuilder::ca_bundle"));
    }
    if let Some(path) = env.get("AWS_CA_BUNDLE") {
        return Some((env.expand_home(&path), "AWS_CA_BUNDLE"));
    }
    profile
        .get("ca_bundle")
        .map(|path| (env.expand_home(path), "profile ca_bundle"))
}

/// `BOTOCORE_TCP_KEEPALIVE`, else the profile's `tcp_keepalive`, else off.
fn tcp_keepalive_setting(env: &Env, profile: &Profile) -> Result<bool, ConfigError> {
    let (value, source) = match env.get("BOTOCORE_TCP_KEEPALIVE") {
        Some(v) => (v, "BOTOCORE_TCP_KEEPALIVE"),
        None => match profile.get("tcp_keepalive") {
            Some(v) => (v.to_owned(), "profile tcp_keepalive"),
            None => return Ok(false),
        },
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ConfigError::InvalidValue {
            key: "tcp_keepalive".into(),
            value,
            source_name: source.into(),
            message: "expected true or false".into(),
        }),
    }
}

/// The first of `names` that is set, and its name. Lowercase comes first,
/// as in Python's `urllib.request.getproxies`, which botocore uses.
fn first_set(env: &Env, names: &[&'static str]) -> Option<(String, &'static str)> {
    names
        .iter()
        .find_map(|name| env.get(name).map(|v| (v, *name)))
}

/// `https_proxy` / `HTTPS_PROXY` for https URLs, `http_proxy` / `HTTP_PROXY`
/// for http URLs, both skipping the hosts `no_proxy` / `NO_PROXY` lists.
fn proxies(env: &Env) -> Result<Vec<reqwest::Proxy>, ConfigError> {
    let no_proxy = first_set(env, &["no_proxy", "NO_PROXY"])
        .and_then(|(list, _)| reqwest::NoProxy::from_string(&list));
    let mut out = Vec::new();
    for (names, https) in [
        (&["https_proxy", "HTTPS_PROXY"][..], true),
        (&["http_proxy", "HTTP_PROXY"][..], false),
    ] {
        let Some((url, source)) = first_set(env, names) else {
            continue;
        };
        // botocore (urllib3) takes a proxy without a scheme as http://.
        let full = if url.contains("://") {
            url.clone()
        } else {
            format!("http://{url}")
        };
        let invalid = |message: String| ConfigError::InvalidValue {
            key: "proxy".into(),
            value: redact_userinfo(&url),
            source_name: source.into(),
            message,
        };
        let parsed = reqwest::Url::parse(&full).map_err(|e| invalid(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(invalid(
                "expected http://host:port or https://host:port".into(),
            ));
        }
        let proxy = if https {
            reqwest::Proxy::https(parsed)
        } else {
            reqwest::Proxy::http(parsed)
        }
        .map_err(|e| invalid(e.to_string()))?;
        out.push(proxy.no_proxy(no_proxy.clone()));
    }
    Ok(out)
}

/// A proxy URL without its password, for error messages.
fn redact_userinfo(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        (None, Some(at)) => format!("***@{}", &url[at + 1..]),
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        crate::config::SharedConfig::empty(&Env::from_vars::<&str, &str>([])).profile("default")
    }

    #[test]
    fn defaults_build() {
        let env = Env::from_vars::<&str, &str>([]);
        build_http_client(&env, &profile(), &HttpOverrides::default(), false).unwrap();
        assert_eq!(
            HttpOverrides::default().connect_timeout(),
            DEFAULT_CONNECT_TIMEOUT
        );
        assert_eq!(
            HttpOverrides::default().read_timeout(),
            DEFAULT_READ_TIMEOUT
        );
    }

    #[test]
    fn bad_settings_name_their_source() {
        let env = Env::from_vars([("BOTOCORE_TCP_KEEPALIVE", "maybe")]);
        let e = build_http_client(&env, &profile(), &HttpOverrides::default(), false).unwrap_err();
        assert!(e.to_string().contains("BOTOCORE_TCP_KEEPALIVE"), "{e}");

        let env = Env::from_vars([("HTTPS_PROXY", "ftp://user:pw@proxy:1")]);
        let e = build_http_client(&env, &profile(), &HttpOverrides::default(), false).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("HTTPS_PROXY") && !text.contains("pw"),
            "{text}"
        );

        let env = Env::from_vars([("AWS_CA_BUNDLE", "/nonexistent/ca.pem")]);
        let e = build_http_client(&env, &profile(), &HttpOverrides::default(), false).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("/nonexistent/ca.pem") && text.contains("AWS_CA_BUNDLE"),
            "{text}"
        );
    }

    #[test]
    fn lowercase_proxy_variables_win() {
        let env = Env::from_vars([("https_proxy", "http://a:1"), ("HTTPS_PROXY", "http://b:2")]);
        assert_eq!(
            first_set(&env, &["https_proxy", "HTTPS_PROXY"]),
            Some(("http://a:1".into(), "https_proxy"))
        );
        assert_eq!(proxies(&env).unwrap().len(), 1);
        assert_eq!(redact_userinfo("http://u:p@h:1"), "http://***@h:1");
    }
}
