//! STS, SSO and SSO OIDC, as credential providers call them: through the
//! same schema-driven [`Client`] as every generated crate (codecs, endpoint
//! rules, signing, retries), from cut-down models embedded in the runtime.
//!
//! The models in `models/` are written by `cargo xtask codegen` from the
//! vendored ones (only the operations used here, no documentation), so the
//! runtime depends on no generated crate and there is no dependency cycle.
//! Each is lowered once per process, on first use.

use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::{Credentials, StaticProvider};
use crate::client::{Client, ClientConfig};
use crate::config::SharedConfig;
use crate::dynamic::DynValue;
use crate::env::Env;
use crate::error::CredentialsError;
use crate::model::ServiceModel;
use crate::schema::Service;
use crate::session::Session;

/// One embedded model and its lowered schema.
pub(crate) struct Embedded {
    name: &'static str,
    model: &'static str,
    rules: &'static str,
    lowered: OnceLock<Result<&'static Service, String>>,
}

impl Embedded {
    const fn new(name: &'static str, model: &'static str, rules: &'static str) -> Embedded {
        Embedded {
            name,
            model,
            rules,
            lowered: OnceLock::new(),
        }
    }

    /// The schema, lowered on first use.
    pub(crate) fn service(&'static self) -> Result<&'static Service, CredentialsError> {
        self.lowered
            .get_or_init(|| {
                let mut model = ServiceModel::from_json(self.model).map_err(|e| e.to_string())?;
                model.endpoint_rules = Some(self.rules.to_owned());
                crate::lower::lower(self.name, &model).map_err(|e| e.to_string())
            })
            .clone()
            .map_err(|message| CredentialsError::Retrieval {
                provider: "embedded models",
                message: format!("the embedded {} model does not lower: {message}", self.name),
            })
    }
}

pub(crate) static STS: Embedded = Embedded::new(
    "sts",
    include_str!("models/sts.json"),
    include_str!("models/sts.rules.json"),
);
pub(crate) static SSO: Embedded = Embedded::new(
    "sso",
    include_str!("models/sso.json"),
    include_str!("models/sso.rules.json"),
);
pub(crate) static SSO_OIDC: Embedded = Embedded::new(
    "sso-oidc",
    include_str!("models/sso-oidc.json"),
    include_str!("models/sso-oidc.rules.json"),
);

/// What providers need to make clients: the session's environment, files,
/// profile and connection pool. Built by the session before its chain.
#[derive(Clone)]
pub struct AuthContext {
    pub(crate) env: Env,
    pub(crate) shared: Arc<SharedConfig>,
    pub(crate) profile_name: String,
    pub(crate) region: Option<String>,
    pub(crate) mfa: Option<MfaCallback>,
    /// The session whose settings nested clients copy.
    pub(crate) session: std::sync::Weak<crate::session::SessionInner>,
}

/// Asked for a one-time code when a role profile has `mfa_serial`; gets the
/// serial (the MFA device ARN), returns the code.
pub type MfaCallback = Arc<dyn Fn(&str) -> Result<String, String> + Send + Sync>;

impl std::fmt::Debug for AuthContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthContext")
            .field("profile_name", &self.profile_name)
            .field("region", &self.region)
            .field("mfa", &self.mfa.is_some())
            .finish_non_exhaustive()
    }
}

impl AuthContext {
    /// A client of `service` in `region` (else the session's, else
    /// `us-east-1` as botocore's STS falls back to), signing with
    /// `credentials` when given (unsigned operations need none).
    pub(crate) fn client(
        &self,
        service: &'static Embedded,
        region: Option<&str>,
        credentials: Option<Credentials>,
    ) -> Result<Client, CredentialsError> {
        let schema = service.service()?;
        let session = Session::nested(
            self,
            credentials.map(|c| Arc::new(StaticProvider(c)) as Arc<_>),
        )?;
        let region = region
            .map(str::to_owned)
            .or_else(|| self.region.clone())
            .unwrap_or_else(|| "us-east-1".to_owned());
        Ok(Client::with_config(
            &session,
            schema,
            ClientConfig {
                region: Some(region),
                ..ClientConfig::default()
            },
        ))
    }
}

/// Calls `operation` with boto3-style JSON `input`, returns the output as
/// JSON; any failure is a [`CredentialsError::Retrieval`] of `provider`.
pub(crate) async fn call(
    client: &Client,
    provider: &'static str,
    operation: &str,
    input: Value,
) -> Result<Value, CallError> {
    let service = client.service();
    let op = service
        .operations
        .iter()
        .find(|o| o.name == operation)
        .ok_or_else(|| {
            CallError::Other(CredentialsError::Retrieval {
                provider,
                message: format!("the embedded {} model has no {operation}", service.name),
            })
        })?;
    let input_value = match op.input {
        Some(shape) => Some(DynValue::from_json(service, shape, &input).map_err(|e| {
            CallError::Other(CredentialsError::Retrieval {
                provider,
                message: format!("building {operation}: {e}"),
            })
        })?),
        None => None,
    };
    let mut out = DynValue::Empty;
    client
        .call(
            op,
            input_value
                .as_ref()
                .map(|v| v as &(dyn crate::value::Ser + Sync)),
            &mut out,
        )
        .await
        .map_err(|e| CallError::Call {
            code: e.code().map(str::to_owned),
            error: CredentialsError::Retrieval {
                provider,
                message: format!("{operation} failed: {e}"),
            },
        })?;
    Ok(match op.output {
        Some(shape) => out.to_json(service, shape),
        None => Value::Null,
    })
}

/// Why [`call`] failed: the service's error code when it answered with one.
#[derive(Debug)]
pub(crate) enum CallError {
    /// The call was made and failed.
    Call {
        /// The service's error code (`UnauthorizedException`).
        code: Option<String>,
        /// The error to report.
        error: CredentialsError,
    },
    /// The call could not be made.
    Other(CredentialsError),
}

impl From<CallError> for CredentialsError {
    fn from(e: CallError) -> CredentialsError {
        match e {
            CallError::Call { error, .. } | CallError::Other(error) => error,
        }
    }
}

/// A required string member of a JSON output.
pub(crate) fn str_field(
    value: &Value,
    path: &[&str],
    provider: &'static str,
) -> Result<String, CredentialsError> {
    let mut v = value;
    for key in path {
        v = v.get(key).unwrap_or(&Value::Null);
    }
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| CredentialsError::Retrieval {
            provider,
            message: format!("the response has no {}", path.join(".")),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_models_lower_and_have_their_operations() {
        for (m, ops) in [
            (&STS, &["AssumeRole", "AssumeRoleWithWebIdentity"][..]),
            (&SSO, &["GetRoleCredentials"][..]),
            (&SSO_OIDC, &["CreateToken"][..]),
        ] {
            let s = m.service().unwrap();
            for op in ops {
                assert!(s.operations.iter().any(|o| o.name == *op), "{op}");
            }
            assert!(s.endpoint_rules.is_some());
        }
    }
}
