//! The built-in endpoint parameters, computed from configuration the way
//! botocore's `compute_endpoint_resolver_builtin_defaults` does: client
//! settings, then environment variables, then the profile, then defaults.

use std::collections::BTreeMap;

use crate::client::ClientConfig;
use crate::config::{ConfiguredUrl, Profile};
use crate::env::Env;
use crate::error::ConfigError;
use crate::schema::Service;

use super::Value;

/// S3 addressing (`s3.addressing_style`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressingStyle {
    /// Virtual-hosted where the bucket name allows it (the default).
    Auto,
    /// Always `bucket.host`.
    Virtual,
    /// Always `host/bucket`.
    Path,
}

/// S3 settings: the profile's nested `s3 =` block, as fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Config {
    /// `addressing_style` (`auto`, `virtual`, `path`).
    pub addressing_style: Option<AddressingStyle>,
    /// `use_accelerate_endpoint`: S3 Transfer Acceleration.
    pub use_accelerate_endpoint: Option<bool>,
    /// `use_dualstack_endpoint`, for S3 only (else the general setting).
    pub use_dualstack_endpoint: Option<bool>,
    /// `use_arn_region` / `AWS_S3_USE_ARN_REGION`: call the region an ARN names
    /// (default true for S3, false for S3 Control).
    pub use_arn_region: Option<bool>,
    /// `us_east_1_regional_endpoint` / `AWS_S3_US_EAST_1_REGIONAL_ENDPOINT`:
    /// `Some(true)` for `regional` (`s3.us-east-1.amazonaws.com`), `Some(false)`
    /// for `legacy` (`s3.amazonaws.com`, the default).
    pub us_east_1_regional_endpoint: Option<bool>,
    /// `s3_disable_multiregion_access_points` / `AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS`.
    pub disable_multiregion_access_points: Option<bool>,
    /// `s3_disable_express_session_auth` / `AWS_S3_DISABLE_EXPRESS_SESSION_AUTH`:
    /// sign directory-bucket calls with the caller's credentials, no `CreateSession`.
    pub disable_express_session_auth: Option<bool>,
}

/// Every built-in botocore defines, with its type (`true` for boolean).
const KNOWN: &[(&str, bool)] = &[
    ("AWS::Region", false),
    ("AWS::UseFIPS", true),
    ("AWS::UseDualStack", true),
    ("SDK::Endpoint", false),
    ("AWS::Auth::AccountId", false),
    ("AWS::Auth::AccountIdEndpointMode", false),
    ("AWS::S3::ForcePathStyle", true),
    ("AWS::S3::Accelerate", true),
    ("AWS::S3::UseArnRegion", true),
    ("AWS::S3::UseGlobalEndpoint", true),
    ("AWS::S3::DisableMultiRegionAccessPoints", true),
    ("AWS::S3::DisableS3ExpressSessionAuth", true),
    ("AWS::S3Control::UseArnRegion", true),
    ("AWS::STS::UseGlobalEndpoint", true),
];

/// The values of the rules' `builtIn` parameters (`AWS::Region`,
/// `AWS::UseFIPS`, …); a built-in not set is unset for the rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Builtins(BTreeMap<&'static str, Value>);

impl Builtins {
    /// The value of built-in `name`, if set.
    pub fn get(&self, name: &str) -> Option<Value> {
        self.0.get(name).cloned()
    }

    /// Sets built-in `name`; `Err` names a built-in that does not exist or a
    /// value of the wrong type.
    pub fn set(&mut self, name: &str, value: Value) -> Result<(), String> {
        let Some((known, boolean)) = KNOWN.iter().find(|(n, _)| *n == name) else {
            return Err(format!("unknown built-in {name}"));
        };
        match (&value, boolean) {
            (Value::Bool(_), true) | (Value::Str(_), false) => {
                self.0.insert(known, value);
                Ok(())
            }
            _ => Err(format!("built-in {name} cannot take {value:?}")),
        }
    }

    /// These built-ins with `name` set to `value` (for tests and tables; an
    /// unknown name or a value of the wrong type is ignored).
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Builtins {
        let _ = self.set(name, value.into());
        self
    }

    /// `AWS::Region`.
    pub fn region(&self) -> Option<&str> {
        self.0.get("AWS::Region").and_then(Value::as_str)
    }

    /// `SDK::Endpoint`.
    pub fn endpoint(&self) -> Option<&str> {
        self.0.get("SDK::Endpoint").and_then(Value::as_str)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

/// Regions botocore sends to `sts.amazonaws.com` when `sts_regional_endpoints = legacy`.
const LEGACY_GLOBAL_STS_REGIONS: &[&str] = &[
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "aws-global",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// Where settings are read: the client's, the environment, the profile.
pub struct Sources<'a> {
    /// The client's settings.
    pub config: &'a ClientConfig,
    /// The environment.
    pub env: &'a Env,
    /// The active profile.
    pub profile: &'a Profile,
}

impl Sources<'_> {
    /// A setting: the client's value, else `env`, else the profile's `keys`
    /// (`s3.use_arn_region` names a key of the nested `s3` block).
    fn text(&self, env: Option<&str>, keys: &[&str]) -> Option<(String, String)> {
        if let Some(name) = env {
            if let Some(v) = self.env.get(name).filter(|v| !v.is_empty()) {
                return Some((v, name.to_owned()));
            }
        }
        keys.iter().find_map(|key| {
            let v = match key.split_once('.') {
                Some((section, k)) => self.profile.nested(section, k),
                None => self.profile.get(key),
            };
            v.map(|v| (v.to_owned(), format!("profile {key}")))
        })
    }

    /// A boolean setting, botocore's `ensure_boolean` (`true` in any case, else false).
    fn flag(&self, given: Option<bool>, env: Option<&str>, keys: &[&str]) -> Option<bool> {
        given.or_else(|| {
            self.text(env, keys)
                .map(|(v, _)| v.trim().eq_ignore_ascii_case("true"))
        })
    }

    /// A setting with a fixed set of values.
    fn choice(
        &self,
        given: Option<&str>,
        env: Option<&str>,
        keys: &[&str],
        allowed: &[&str],
    ) -> Result<Option<String>, ConfigError> {
        let found = match given {
            Some(v) => Some((v.to_owned(), "ClientConfig".to_owned())),
            None => self.text(env, keys),
        };
        match found {
            None => Ok(None),
            Some((v, source)) => {
                let lower = v.trim().to_ascii_lowercase();
                if allowed.contains(&lower.as_str()) {
                    Ok(Some(lower))
                } else {
                    Err(ConfigError::InvalidValue {
                        key: keys.first().copied().unwrap_or_default().to_owned(),
                        value: v,
                        source_name: source,
                        message: format!("expected one of {}", allowed.join(", ")),
                    })
                }
            }
        }
    }
}

/// The built-ins of a client of `service` in `region` (already validated),
/// with `endpoint_url` the configured endpoint, if any.
pub fn builtins(
    service: &Service,
    region: Option<&str>,
    endpoint_url: Option<&ConfiguredUrl>,
    src: &Sources<'_>,
) -> Result<Builtins, ConfigError> {
    let c = src.config;
    let s3 = &c.s3;
    let given_endpoint = endpoint_url.map(|u| u.url.clone());
    let custom = given_endpoint.is_some();

    let use_fips = src.flag(
        c.use_fips_endpoint,
        Some("AWS_USE_FIPS_ENDPOINT"),
        &["use_fips_endpoint"],
    );
    let is_s3 = matches!(service.metadata.endpoint_prefix, "s3" | "s3-control");
    let dual_s3 = if is_s3 {
        src.flag(
            s3.use_dualstack_endpoint,
            None,
            &["s3.use_dualstack_endpoint"],
        )
    } else {
        None
    };
    let use_dual_stack = dual_s3.or_else(|| {
        src.flag(
            c.use_dualstack_endpoint,
            Some("AWS_USE_DUALSTACK_ENDPOINT"),
            &["use_dualstack_endpoint"],
        )
    });

    let accelerate = src
        .flag(
            s3.use_accelerate_endpoint,
            None,
            &["s3.use_accelerate_endpoint"],
        )
        .unwrap_or(false);
    let style = match s3.addressing_style {
        Some(AddressingStyle::Auto) => Some("auto".to_owned()),
        Some(AddressingStyle::Virtual) => Some("virtual".to_owned()),
        Some(AddressingStyle::Path) => Some("path".to_owned()),
        None if c.force_path_style == Some(true) => Some("path".to_owned()),
        None => src.choice(
            None,
            None,
            &["s3.addressing_style"],
            &["auto", "virtual", "path"],
        )?,
    };
    // botocore: a custom endpoint (not an accelerate one) defaults to path style.
    let force_path_style = if accelerate {
        false
    } else if custom && !endpoint_url.is_some_and(|u| is_s3_accelerate_url(&u.url)) {
        style.as_deref() != Some("virtual")
    } else {
        style.as_deref() == Some("path")
    };

    let use_arn_region = src.flag(
        s3.use_arn_region,
        Some("AWS_S3_USE_ARN_REGION"),
        &["s3_use_arn_region", "s3.use_arn_region"],
    );
    let us_east_1 = match s3.us_east_1_regional_endpoint {
        Some(true) => Some("regional".to_owned()),
        Some(false) => Some("legacy".to_owned()),
        None => src.choice(
            None,
            Some("AWS_S3_US_EAST_1_REGIONAL_ENDPOINT"),
            &[
                "s3_us_east_1_regional_endpoint",
                "s3.us_east_1_regional_endpoint",
            ],
            &["legacy", "regional"],
        )?,
    };
    let sts_regional = src
        .choice(
            c.sts_regional_endpoints.as_deref(),
            Some("AWS_STS_REGIONAL_ENDPOINTS"),
            &["sts_regional_endpoints"],
            &["legacy", "regional"],
        )?
        .unwrap_or_else(|| "regional".to_owned());
    let account_id_endpoint_mode = src
        .choice(
            c.account_id_endpoint_mode.as_deref(),
            Some("AWS_ACCOUNT_ID_ENDPOINT_MODE"),
            &["account_id_endpoint_mode"],
            &["preferred", "disabled", "required"],
        )?
        .unwrap_or_else(|| "preferred".to_owned());
    let disable_express = match s3.disable_express_session_auth {
        Some(v) => Some(v),
        None => match src.text(
            Some("AWS_S3_DISABLE_EXPRESS_SESSION_AUTH"),
            &["s3_disable_express_session_auth"],
        ) {
            None => None,
            Some((v, source)) => match v.trim().to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => {
                    return Err(ConfigError::InvalidValue {
                        key: "s3_disable_express_session_auth".into(),
                        value: v,
                        source_name: source,
                        message: "expected true or false".into(),
                    })
                }
            },
        },
    };

    let mut b = Builtins::default()
        .with("AWS::UseFIPS", !custom && use_fips.unwrap_or(false))
        .with(
            "AWS::UseDualStack",
            !custom && use_dual_stack.unwrap_or(false),
        )
        .with("AWS::Auth::AccountIdEndpointMode", account_id_endpoint_mode)
        .with("AWS::S3::ForcePathStyle", force_path_style)
        .with("AWS::S3::Accelerate", accelerate)
        .with("AWS::S3::UseArnRegion", use_arn_region.unwrap_or(true))
        .with(
            "AWS::S3::UseGlobalEndpoint",
            us_east_1.as_deref().unwrap_or("legacy") == "legacy"
                && region.is_none_or(|r| r == "us-east-1"),
        )
        .with(
            "AWS::S3::DisableMultiRegionAccessPoints",
            src.flag(
                s3.disable_multiregion_access_points,
                Some("AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS"),
                &["s3.s3_disable_multiregion_access_points"],
            )
            .unwrap_or(false),
        )
        .with(
            "AWS::S3Control::UseArnRegion",
            use_arn_region.unwrap_or(false),
        )
        .with(
            "AWS::STS::UseGlobalEndpoint",
            !custom
                && sts_regional == "legacy"
                && region.is_some_and(|r| LEGACY_GLOBAL_STS_REGIONS.contains(&r)),
        );
    if let Some(r) = region {
        b = b.with("AWS::Region", r);
    }
    if let Some(url) = given_endpoint {
        b = b.with("SDK::Endpoint", url);
    }
    if let Some(v) = disable_express {
        b = b.with("AWS::S3::DisableS3ExpressSessionAuth", v);
    }
    Ok(b)
}

/// botocore's `is_s3_accelerate_url`: `s3-accelerate[.dualstack].amazonaws.com`.
fn is_s3_accelerate_url(url: &str) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else {
        return false;
    };
    let Some(host) = u.host_str() else {
        return false;
    };
    if !host.ends_with("amazonaws.com") || !matches!(u.scheme(), "http" | "https") {
        return false;
    }
    let parts: Vec<&str> = host.split('.').collect();
    // `s3-accelerate`, the features, then `amazonaws.com`.
    let ["s3-accelerate", features @ .., _, _] = parts.as_slice() else {
        return false;
    };
    let mut seen = std::collections::BTreeSet::new();
    features
        .iter()
        .all(|f| *f == "dualstack" && seen.insert(*f))
}

/// Whether operations' host prefixes (`data.`, `{AccountId}.`) are applied:
/// `ClientConfig::inject_host_prefix`, else not when
/// `AWS_DISABLE_HOST_PREFIX_INJECTION` / `disable_host_prefix_injection` is true.
pub fn inject_host_prefix(src: &Sources<'_>) -> bool {
    match src.config.inject_host_prefix {
        Some(v) => v,
        None => !src
            .flag(
                None,
                Some("AWS_DISABLE_HOST_PREFIX_INJECTION"),
                &["disable_host_prefix_injection"],
            )
            .unwrap_or(false),
    }
}
