//! Where a request goes and how it is signed: the endpoint rules engine.
//!
//! Every service's `endpoint-rule-set-1.json` is data ([`Rules`], compiled
//! on first use); [`rules`] evaluates it with the standard library of
//! [`stdlib`]'s functions and `partitions.json`. Parameters are bound as
//! botocore binds them ([`Resolver::resolve`]): an operation's static context
//! parameters, then input members (`contextParam`), then JMESPath over the
//! input (`operationContextParams`), then client context parameters, then
//! built-ins from configuration ([`Builtins`], computed by [`settings`]).
//! Resolutions are cached per client, keyed on the parameters the rules read.

pub mod rules;
pub mod settings;
mod stdlib;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock, RwLock};

use reqwest::Url;
use serde_json::Value as Json;

pub use rules::{Outcome, Param, ParamType, RuleEndpoint, RuleSet, RuleSetError, Value};
pub use settings::{AddressingStyle, Builtins, S3Config};
pub use stdlib::Partitions;

use crate::error::EndpointError;
use crate::schema::{ContextValue, Operation, Service, ShapeKind};
use crate::value::{Ser, ValueRef};

/// A service's rule set as generated crates embed it: the JSON text, compiled
/// once per process on first use.
pub struct Rules {
    json: &'static str,
    compiled: OnceLock<Result<RuleSet, RuleSetError>>,
}

impl Rules {
    /// Rules from the text of an `endpoint-rule-set-1.json`.
    pub const fn new(json: &'static str) -> Rules {
        Rules {
            json,
            compiled: OnceLock::new(),
        }
    }

    /// The JSON text.
    pub fn json(&self) -> &'static str {
        self.json
    }

    /// The compiled rule set (compiled on the first call).
    pub fn get(&self) -> Result<&RuleSet, &RuleSetError> {
        self.compiled
            .get_or_init(|| RuleSet::parse(self.json))
            .as_ref()
    }
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rules({} bytes)", self.json.len())
    }
}

impl PartialEq for Rules {
    fn eq(&self, other: &Rules) -> bool {
        self.json == other.json
    }
}

/// A resolved endpoint: where to send the request and how to sign it.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// `scheme://host[:port][/path]` as the rules gave it.
    pub url: String,
    /// Headers the rules add (the first value of each, as botocore sends).
    pub headers: Vec<(String, String)>,
    /// How to sign: the first auth scheme of `authSchemes` the runtime supports.
    pub auth: AuthScheme,
    /// All `properties` of the endpoint (`authSchemes`, `backend`, …).
    pub properties: serde_json::Map<String, Json>,
}

impl Endpoint {
    /// The region to sign for (SigV4), or the first of the region set (SigV4a).
    pub fn signing_region(&self) -> &str {
        &self.auth.signing_region
    }

    /// The SigV4 service name.
    pub fn signing_name(&self) -> &str {
        &self.auth.signing_name
    }
}

/// The kinds of signing an endpoint can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// `sigv4`.
    SigV4,
    /// `sigv4a`: asymmetric, for a set of regions (Multi-Region Access Points).
    SigV4a,
    /// `sigv4-s3express`: SigV4 with S3 Express session credentials (directory buckets).
    SigV4S3Express,
}

/// An endpoint's chosen auth scheme with its signing properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthScheme {
    /// Which signer.
    pub kind: AuthKind,
    /// `signingName`, else the service's signing name.
    pub signing_name: String,
    /// `signingRegion`, else the first of `signingRegionSet`, else the configured region.
    pub signing_region: String,
    /// `signingRegionSet` (SigV4a); empty otherwise.
    pub region_set: Vec<String>,
    /// `disableDoubleEncoding`: sign the path as sent (S3).
    pub disable_double_encoding: bool,
}

/// The signing name of a service without an endpoint saying otherwise:
/// `signingName`, else `endpointPrefix`, else the service name.
pub fn signing_name(service: &Service) -> &'static str {
    [
        service.metadata.signing_name,
        service.metadata.endpoint_prefix,
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .unwrap_or(service.name)
}

/// The region used to sign when neither the endpoint nor the configuration names one.
const FALLBACK_SIGNING_REGION: &str = "us-east-1";

/// The rule set of services that have none (no parameters, no rules).
static EMPTY: std::sync::LazyLock<RuleSet> = std::sync::LazyLock::new(RuleSet::empty);

/// The maximum number of resolutions a client keeps.
const CACHE_SIZE: usize = 256;

/// A client's endpoint resolver: its rule set, the parameters its
/// configuration gives, and a cache of resolutions.
pub struct Resolver {
    service: &'static Service,
    rules: &'static RuleSet,
    partitions: &'static Partitions,
    /// Built-ins overlaid with client context parameters, one per rule-set parameter.
    base: Vec<Option<Value>>,
    account_id_slot: Option<usize>,
    /// The endpoint of a service without rules: the configured URL.
    fixed: Option<Arc<Endpoint>>,
    cache: RwLock<HashMap<Vec<Option<Value>>, Arc<Endpoint>>>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("service", &self.service.name)
            .field("base", &self.base)
            .finish()
    }
}

impl Resolver {
    /// A resolver for `service` with `builtins` and client context parameters
    /// (`(name, value)`, the rule-set parameter name or its snake_case form).
    pub fn new(
        service: &'static Service,
        builtins: &Builtins,
        client_params: &[(String, Value)],
    ) -> Result<Resolver, EndpointError> {
        Resolver::with_partitions(service, builtins, client_params, Partitions::builtin())
    }

    /// [`Resolver::new`] with another `partitions.json` (the conformance runner's).
    pub fn with_partitions(
        service: &'static Service,
        builtins: &Builtins,
        client_params: &[(String, Value)],
        partitions: &'static Partitions,
    ) -> Result<Resolver, EndpointError> {
        let Some(rules) = service.endpoint_rules else {
            // Without rules (a hand-made schema) only an explicit endpoint works.
            let url =
                builtins
                    .endpoint()
                    .map(str::to_owned)
                    .ok_or_else(|| EndpointError::NoRuleSet {
                        service: service.name.to_owned(),
                    })?;
            let found = RuleEndpoint {
                url,
                headers: Vec::new(),
                properties: serde_json::Map::new(),
            };
            let fixed = endpoint_from_rule(service, found, builtins.region())?;
            return Ok(Resolver {
                service,
                rules: &EMPTY,
                partitions,
                base: Vec::new(),
                account_id_slot: None,
                fixed: Some(Arc::new(fixed)),
                cache: RwLock::new(HashMap::new()),
            });
        };
        let rules = rules.get().map_err(|e| EndpointError::InvalidRuleSet {
            service: service.name.to_owned(),
            message: e.0.clone(),
        })?;
        let mut base: Vec<Option<Value>> = rules
            .params()
            .iter()
            .map(|p| p.builtin.as_deref().and_then(|b| builtins.get(b)))
            .collect();
        for (name, value) in client_params {
            let slot = param_slot(rules.params(), &mut base, |p| {
                p.name == *name || snake(&p.name) == *name
            })
            .ok_or_else(|| EndpointError::UnknownClientParam {
                service: service.name.to_owned(),
                name: name.clone(),
                known: rules.params().iter().map(|p| p.name.clone()).collect(),
            })?;
            *slot = Some(value.clone());
        }
        let account_id_slot = rules
            .params()
            .iter()
            .position(|p| p.builtin.as_deref() == Some("AWS::Auth::AccountId"));
        Ok(Resolver {
            service,
            rules,
            partitions,
            base,
            account_id_slot,
            fixed: None,
            cache: RwLock::new(HashMap::new()),
        })
    }

    /// Whether the rules take the account id of the credentials (`AWS::Auth::AccountId`).
    pub fn wants_account_id(&self) -> bool {
        self.account_id_slot.is_some()
    }

    /// The parameter values for one call, botocore's order: static context
    /// parameters, input members, JMESPath over the input, then the client's.
    pub fn bind(
        &self,
        operation: &Operation,
        input: Option<&dyn Ser>,
        account_id: Option<&str>,
    ) -> Vec<Option<Value>> {
        let mut values = self.base.clone();
        let account_slot = self.account_id_slot.and_then(|i| values.get_mut(i));
        if let (Some(slot), Some(id)) = (account_slot, account_id) {
            slot.get_or_insert_with(|| Value::Str(id.to_owned()));
        }
        let params = self.rules.params();
        for (name, path) in operation.operation_context_params.iter().rev() {
            let slot = param_slot(params, &mut values, |p| p.name == *name);
            if let (Some(slot), Some(input)) = (slot, input) {
                if let Some(v) = self.search_input(operation, input, path) {
                    *slot = Some(v);
                }
            }
        }
        if let (Some(input), Some(shape)) = (input, operation.input) {
            if let (ShapeKind::Structure(st), ValueRef::Struct(s)) =
                (&self.service.shape(shape).kind, input.value())
            {
                for (index, member) in st.members.iter().enumerate() {
                    let Some(name) = member.context_param else {
                        continue;
                    };
                    let Some(slot) = param_slot(params, &mut values, |p| p.name == *name) else {
                        continue;
                    };
                    if let Some(v) = s.member(index).and_then(|v| param_value(v.value())) {
                        *slot = Some(v);
                    }
                }
            }
        }
        for (name, value) in operation.static_context_params {
            if let Some(slot) = param_slot(params, &mut values, |p| p.name == *name) {
                *slot = Some(match value {
                    ContextValue::Bool(b) => Value::Bool(*b),
                    ContextValue::String(s) => Value::Str((*s).to_owned()),
                    ContextValue::Strings(list) => {
                        Value::Array(list.iter().map(|s| Value::Str((*s).to_owned())).collect())
                    }
                });
            }
        }
        values
    }

    fn search_input(&self, operation: &Operation, input: &dyn Ser, path: &str) -> Option<Value> {
        let json = crate::view::to_json(self.service, operation.input?, input);
        let found = crate::jmespath::compile(path).ok()?.search(&json).ok()?;
        match found {
            Json::String(s) => Some(Value::Str(s)),
            Json::Bool(b) => Some(Value::Bool(b)),
            Json::Array(items) => Some(Value::Array(
                items
                    .into_iter()
                    .filter_map(|i| match i {
                        Json::String(s) => Some(Value::Str(s)),
                        _ => None,
                    })
                    .collect(),
            )),
            _ => None,
        }
    }

    /// The value bound to parameter `name` in `values`.
    pub fn get<'v>(&self, values: &'v [Option<Value>], name: &str) -> Option<&'v Value> {
        values.get(self.rules.param_index(name)?)?.as_ref()
    }

    /// Sets parameter `name` in `values` (customizations adjust built-ins per call).
    pub fn set(&self, values: &mut [Option<Value>], name: &str, value: Value) {
        if let Some(slot) = self.rules.param_index(name).and_then(|i| values.get_mut(i)) {
            *slot = Some(value);
        }
    }

    /// The endpoint for `values` (from [`Resolver::bind`]), from the cache when
    /// the parameters the rules read were seen before.
    pub fn resolve(&self, mut values: Vec<Option<Value>>) -> Result<Arc<Endpoint>, EndpointError> {
        if let Some(fixed) = &self.fixed {
            return Ok(fixed.clone());
        }
        for (i, v) in values.iter_mut().enumerate() {
            if !self.rules.reads(i) {
                *v = None;
            }
        }
        if let Some(hit) = self.cache.read().ok().and_then(|c| c.get(&values).cloned()) {
            return Ok(hit);
        }
        let endpoint = Arc::new(self.evaluate(&values)?);
        if let Ok(mut cache) = self.cache.write() {
            if cache.len() >= CACHE_SIZE {
                cache.clear();
            }
            cache.insert(values, endpoint.clone());
        }
        Ok(endpoint)
    }

    fn evaluate(&self, values: &[Option<Value>]) -> Result<Endpoint, EndpointError> {
        let service = self.service.name.to_owned();
        let region = self
            .get(values, "Region")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let found = self
            .rules
            .evaluate(values, self.partitions)
            .map_err(|e| match e {
                Outcome::Rule(m) if region.is_none() && m.contains("Missing Region") => {
                    EndpointError::NoRegion {
                        service: service.clone(),
                    }
                }
                Outcome::Rule(message) => EndpointError::Rule {
                    service: service.clone(),
                    message,
                },
                Outcome::Invalid(message) => EndpointError::Resolution {
                    service: service.clone(),
                    message,
                },
            })?;
        endpoint_from_rule(self.service, found, region.as_deref())
    }
}

/// Interprets a rule's endpoint: the auth scheme botocore would choose and
/// the first value of each header.
pub fn endpoint_from_rule(
    service: &Service,
    found: RuleEndpoint,
    region: Option<&str>,
) -> Result<Endpoint, EndpointError> {
    let mut auth = AuthScheme {
        kind: AuthKind::SigV4,
        signing_name: signing_name(service).to_owned(),
        signing_region: region
            .filter(|r| *r != "aws-global")
            .unwrap_or(FALLBACK_SIGNING_REGION)
            .to_owned(),
        region_set: Vec::new(),
        disable_double_encoding: false,
    };
    if let Some(schemes) = found.properties.get("authSchemes").and_then(Json::as_array) {
        let chosen = schemes.iter().find_map(|s| {
            let kind = match s.get("name").and_then(Json::as_str)? {
                "sigv4" => AuthKind::SigV4,
                "sigv4a" => AuthKind::SigV4a,
                "sigv4-s3express" => AuthKind::SigV4S3Express,
                _ => return None,
            };
            Some((kind, s))
        });
        let Some((kind, scheme)) = chosen else {
            return Err(EndpointError::UnsupportedAuth {
                service: service.name.to_owned(),
                schemes: schemes
                    .iter()
                    .filter_map(|s| s.get("name").and_then(Json::as_str).map(str::to_owned))
                    .collect(),
            });
        };
        auth.kind = kind;
        if let Some(name) = scheme.get("signingName").and_then(Json::as_str) {
            auth.signing_name = name.to_owned();
        }
        if let Some(set) = scheme.get("signingRegionSet").and_then(Json::as_array) {
            auth.region_set = set
                .iter()
                .filter_map(Json::as_str)
                .map(str::to_owned)
                .collect();
            if let Some(first) = auth.region_set.first() {
                auth.signing_region = first.clone();
            }
        }
        if let Some(r) = scheme.get("signingRegion").and_then(Json::as_str) {
            auth.signing_region = r.to_owned();
        }
        auth.disable_double_encoding = scheme
            .get("disableDoubleEncoding")
            .and_then(Json::as_bool)
            .unwrap_or(false);
    }
    let invalid = |reason: String| EndpointError::InvalidUrl {
        url: found.url.clone(),
        source_name: format!("the {} endpoint rules", service.name),
        reason,
    };
    // URL parsers drop tabs and line breaks silently; what is sent must be what was checked.
    if found
        .url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid(
            "it contains whitespace or control characters".into(),
        ));
    }
    let parsed = Url::parse(&found.url).map_err(|e| invalid(e.to_string()))?;
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no usable host".into()));
    }
    Ok(Endpoint {
        url: found.url,
        headers: found
            .headers
            .into_iter()
            .filter_map(|(k, mut v)| (!v.is_empty()).then(|| (k, v.swap_remove(0))))
            .collect(),
        auth,
        properties: found.properties,
    })
}

/// An input member's value as an endpoint parameter: strings (and enums), booleans, lists of strings.
fn param_value(v: ValueRef<'_>) -> Option<Value> {
    match v {
        ValueRef::Str(s) => Some(Value::Str(s.to_owned())),
        ValueRef::Bool(b) => Some(Value::Bool(b)),
        ValueRef::List(l) => Some(Value::Array(
            (0..l.len())
                .filter_map(|i| match l.get(i).value() {
                    ValueRef::Str(s) => Some(Value::Str(s.to_owned())),
                    _ => None,
                })
                .collect(),
        )),
        _ => None,
    }
}

/// The value of the first parameter `matches` accepts (`values` holds one
/// per parameter, in slot order).
fn param_slot<'v>(
    params: &[Param],
    values: &'v mut [Option<Value>],
    matches: impl Fn(&Param) -> bool,
) -> Option<&'v mut Option<Value>> {
    params
        .iter()
        .zip(values.iter_mut())
        .find(|(p, _)| matches(p))
        .map(|(_, v)| v)
}

/// botocore's `xform_name` for parameter names: `DisableS3ExpressSessionAuth` → `disable_s3_express_session_auth`.
fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let previous = i.checked_sub(1).and_then(|p| chars.get(p));
        let boundary = c.is_ascii_uppercase()
            && previous.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase())
            });
        if boundary {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Joins an endpoint URL and a request's `path?query`, with an optional host
/// prefix (`data.`) before the host: the endpoint's path, then the request's
/// (one `/` where both have one). An empty request path (S3 bucket operations,
/// whose bucket the rules placed) keeps the endpoint's path as it is. Unlike
/// botocore's `_urljoin`, a request path of `/` is kept (`/custom/`), as the
/// protocol suites' `HostWithPath` cases expect.
pub fn join_url(endpoint: &str, request: &str, host_prefix: Option<&str>) -> String {
    let (scheme, rest) = endpoint.split_once("://").unwrap_or(("https", endpoint));
    let (authority, base_path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (path, query) = match request.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (request, None),
    };
    let mut url = String::with_capacity(endpoint.len() + request.len() + 8);
    url.push_str(scheme);
    url.push_str("://");
    if let Some(prefix) = host_prefix {
        url.push_str(prefix);
    }
    url.push_str(authority);
    if path.is_empty() {
        url.push_str(if base_path.is_empty() { "/" } else { base_path });
    } else if base_path.ends_with('/') && path.starts_with('/') {
        url.push_str(&base_path[..base_path.len() - 1]);
        url.push_str(path);
    } else {
        url.push_str(base_path);
        url.push_str(path);
    }
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

/// Whether `url`'s host is an IP address or `localhost`: such endpoints get
/// no host prefix (moto, LocalStack, MinIO serve every operation on one host).
pub fn is_local_host(url: &str) -> bool {
    let Ok(url) = Url::parse(url) else {
        return false;
    };
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || host.ends_with(".localhost") || bare.parse::<IpAddr>().is_ok()
}

#[cfg(test)]
mod tests;
