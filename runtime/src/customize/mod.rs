//! Every service-specific behaviour, in one seam.
//!
//! botocore keeps its service quirks in one table of event handlers
//! (`BUILTIN_HANDLERS` in `handlers.py`); boto-rs keeps them here: one
//! [`Customization`] per service, chosen by name from the static
//! [`REGISTRY`], with hooks at the points of a call where botocore's
//! handlers run. The generic path (`client.rs`, the codecs, the lowering)
//! asks [`for_service`] and never compares service names itself.
//!
//! Hooks, in call order:
//! - [`Customization::patch_model`]: model changes both lowerings see
//!   (generated and dynamic schemas stay one value).
//! - [`Customization::before_serialize`]: input members to send instead of
//!   the caller's ([`Overrides`]), as botocore's `before-parameter-build`.
//! - [`Customization::after_serialize`]: the serialized request (headers,
//!   body), as `before-call` / `request-created`.
//! - [`Customization::default_region`], [`Customization::endpoint_params`],
//!   [`Customization::replace_endpoint`]: endpoint parameters and the rare
//!   per-call endpoint (the rules engine in [`crate::endpoint`] does the
//!   rest); [`Customization::signing`]: SigV4 traits.
//! - [`Customization::is_error`], [`Customization::error_info`]: errors
//!   (`before-parse`, `after-call` on errors).
//! - [`Customization::after_parse`]: the parsed output, as `after-call`;
//!   only for operations [`Customization::changes_output`] names, which are
//!   parsed into a [`DynValue`] first and then copied into the typed output.

mod all;
mod ec2;
mod glacier;
mod iam;
mod other;
mod route53;
mod s3;

use std::borrow::Cow;

use crate::dynamic::DynValue;
use crate::endpoint::{Resolver, Value as EndpointValue};
use crate::env::Env;
use crate::model::ServiceModel;
use crate::protocol::{
    Codec, DeserializeError, ErrorInfo, HttpRequest, HttpResponse, SerializeError,
    SerializeOptions, TextDecode,
};
use crate::schema::{Operation, Service, ShapeKind, StructureShape};
use crate::value::{Ser, StructSer, ValueRef};

/// One service's customizations. Every hook defaults to doing nothing.
pub trait Customization: Sync {
    /// The model as it is lowered (for the generator and the dynamic path
    /// alike), when this customization changes it. Must be idempotent.
    fn patch_model(&self, model: &ServiceModel) -> Option<ServiceModel> {
        let _ = model;
        None
    }

    /// Input members to send instead of the caller's (top-level members).
    fn before_serialize(
        &self,
        call: &mut Call<'_>,
        input: &Members<'_>,
        set: &mut Overrides,
    ) -> Result<(), SerializeError> {
        let _ = (call, input, set);
        Ok(())
    }

    /// Changes the serialized request before the endpoint and signing.
    fn after_serialize(
        &self,
        call: &Call<'_>,
        request: &mut HttpRequest,
    ) -> Result<(), SerializeError> {
        let _ = (call, request);
        Ok(())
    }

    /// How requests are signed.
    fn signing(&self) -> Signing {
        Signing::default()
    }

    /// The region endpoint rules get when none is configured (`aws-global`
    /// for S3, as botocore's legacy resolution gives).
    fn default_region(&self) -> Option<&'static str> {
        None
    }

    /// An endpoint to use instead of the resolved one for this call
    /// (machinelearning's `Predict` goes to the `PredictEndpoint` it is given).
    fn replace_endpoint(
        &self,
        call: &Call<'_>,
        input: &Members<'_>,
        endpoint: &crate::endpoint::Endpoint,
    ) -> Option<crate::endpoint::Endpoint> {
        let _ = (call, input, endpoint);
        None
    }

    /// Adjusts the endpoint parameters of one call after binding
    /// (botocore's `before-endpoint-resolution` handlers).
    fn endpoint_params(
        &self,
        call: &Call<'_>,
        resolver: &Resolver,
        params: &mut [Option<EndpointValue>],
    ) {
        let _ = (call, resolver, params);
    }

    /// Overrides the codec's verdict on whether a response is an error.
    fn is_error(&self, call: &Call<'_>, response: &HttpResponse) -> Option<bool> {
        let _ = (call, response);
        None
    }

    /// Changes what an error response says (code, message).
    fn error_info(&self, call: &Call<'_>, info: &mut ErrorInfo, response: &HttpResponse) {
        let _ = (call, info, response);
    }

    /// Whether [`Customization::after_parse`] changes this operation's output.
    ///
    /// Asked once the response is in, so a hook can skip responses it would
    /// not change (the slower path copies the parsed value).
    fn changes_output(
        &self,
        service: &Service,
        operation: &Operation,
        response: &HttpResponse,
    ) -> bool {
        let _ = (service, operation, response);
        false
    }

    /// Texts of the output to decode as they are read, so that an output
    /// [`Customization::changes_output`] names takes the typed path after
    /// all; `None` keeps the slower path (as does a codec that cannot).
    fn decode_output(&self, call: &Call<'_>, response: &HttpResponse) -> Option<TextDecode> {
        let _ = (call, response);
        None
    }

    /// Changes the parsed output of an operation [`Customization::changes_output`] names.
    fn after_parse(
        &self,
        call: &Call<'_>,
        output: &mut DynValue,
        response: &HttpResponse,
    ) -> Result<(), DeserializeError> {
        let _ = (call, output, response);
        Ok(())
    }
}

/// How a service's requests are signed (SigV4 variants).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signing {
    /// S3's SigV4: no double URI encoding, no path normalization.
    pub s3_style: bool,
    /// Send `x-amz-content-sha256` with the payload hash.
    pub content_sha256_header: bool,
    /// The service takes `UNSIGNED-PAYLOAD`: presigned requests sign it
    /// (botocore's `S3SigV4QueryAuth`), and streaming bodies are sent with it
    /// (or aws-chunked with a trailing checksum) instead of being read for
    /// their hash first (botocore's `S3SigV4Auth` over TLS).
    pub unsigned_payload_ok: bool,
}

/// No customizations.
struct Plain;
impl Customization for Plain {}

/// Service name → customization. Services not listed get none.
pub static REGISTRY: &[(&str, &dyn Customization)] = &[
    ("apigateway", &other::ApiGateway),
    ("autoscaling", &other::AutoScaling),
    ("cloudsearchdomain", &other::CloudSearchDomain),
    ("ec2", &ec2::Ec2),
    ("glacier", &glacier::Glacier),
    ("machinelearning", &other::MachineLearning),
    ("iam", &iam::Iam),
    ("route53", &route53::Route53),
    ("s3", &s3::S3),
    ("s3control", &s3::S3Control),
    ("sso-oidc", &other::SsoOidc),
];

/// The customization of `service` (botocore's folder name).
pub fn for_service(service: &str) -> &'static dyn Customization {
    REGISTRY
        .iter()
        .find(|(name, _)| *name == service)
        .map(|(_, c)| *c)
        .unwrap_or(&Plain)
}

/// The customizations every service gets, before its own (botocore's
/// handlers registered without a service name).
pub fn common() -> &'static dyn Customization {
    &all::All
}

/// `model` as `service`'s customization changes it before lowering.
pub fn patch_model<'m>(service: &str, model: &'m ServiceModel) -> Cow<'m, ServiceModel> {
    match for_service(service).patch_model(model) {
        Some(patched) => Cow::Owned(patched),
        None => Cow::Borrowed(model),
    }
}

/// Resolves the endpoint of `call` as a client does: binds the parameters,
/// lets the common and the service's hooks adjust them, then evaluates the
/// rules (or finds the answer in the resolver's cache).
pub fn resolve_endpoint(
    call: &Call<'_>,
    resolver: &Resolver,
    input: Option<&dyn Ser>,
    account_id: Option<&str>,
) -> Result<std::sync::Arc<crate::endpoint::Endpoint>, crate::error::EndpointError> {
    let mut params = resolver.bind(call.operation, input, account_id);
    let hooks = [common(), for_service(call.service.name)];
    for c in hooks {
        c.endpoint_params(call, resolver, &mut params);
    }
    let mut endpoint = resolver.resolve(params)?;
    let members = Members::new(call.service, call.operation, input);
    for c in hooks {
        if let Some(replaced) = c.replace_endpoint(call, &members, &endpoint) {
            endpoint = std::sync::Arc::new(replaced);
        }
    }
    Ok(endpoint)
}

/// Serializes `input` as a client does: the common and the service's
/// `before_serialize` hooks, the codec, then the `after_serialize` hooks.
pub fn serialize_request(
    codec: &dyn Codec,
    call: &mut Call<'_>,
    input: Option<&dyn Ser>,
    options: &SerializeOptions<'_>,
) -> Result<HttpRequest, SerializeError> {
    let (service, operation) = (call.service, call.operation);
    let hooks = [common(), for_service(service.name)];
    let members = Members::new(service, operation, input);
    let mut set = Overrides::default();
    for c in hooks {
        c.before_serialize(call, &members, &mut set)?;
    }
    let overlay = set.over(input);
    let input = if set.is_empty() {
        input
    } else {
        Some(&overlay as &dyn Ser)
    };
    if call.validate {
        crate::validate::check(service, operation, input)
            .map_err(|e| e.context(service.name, operation.name))?;
    }
    let mut request = crate::protocol::serialize(codec, service, operation, input, options)?;
    for c in hooks {
        c.after_serialize(call, &mut request)?;
    }
    Ok(request)
}

/// What a hook knows about the call it runs in.
pub struct Call<'a> {
    /// The service being called.
    pub service: &'static Service,
    /// The operation being called.
    pub operation: &'static Operation,
    /// The session's environment (`_X_AMZN_TRACE_ID`, …).
    pub env: &'a Env,
    /// Facts a hook records for a later one (`encoding-type auto-set`).
    notes: Vec<&'static str>,
    /// Check the input's required members before serializing ([`crate::validate`]).
    pub validate: bool,
}

impl<'a> Call<'a> {
    /// The context of one call of `operation`, with no notes yet.
    pub fn new(service: &'static Service, operation: &'static Operation, env: &'a Env) -> Call<'a> {
        Call {
            service,
            operation,
            env,
            notes: Vec::new(),
            validate: false,
        }
    }

    /// Records `note` for later hooks of this call.
    pub fn note(&mut self, note: &'static str) {
        self.notes.push(note);
    }

    /// Whether an earlier hook of this call recorded `note`.
    pub fn noted(&self, note: &str) -> bool {
        self.notes.contains(&note)
    }

    /// A serialize error naming this operation.
    pub fn serialize_error(&self, member: &str, message: impl Into<String>) -> SerializeError {
        let shape = self
            .operation
            .input
            .map_or("", |i| self.service.shape(i).name);
        SerializeError::new(shape, member, message).context(self.service.name, self.operation.name)
    }
}

/// The caller's top-level input members, by model name.
pub struct Members<'a> {
    /// The input structure, when the operation has one.
    pub shape: Option<&'static StructureShape>,
    value: Option<&'a dyn StructSer>,
}

impl<'a> Members<'a> {
    /// Reads `input` (the caller's value) as members of `operation`'s input.
    pub fn new(
        service: &'static Service,
        operation: &Operation,
        input: Option<&'a dyn Ser>,
    ) -> Members<'a> {
        let shape = operation.input.and_then(|i| service.shape(i).structure());
        let value = match input.map(|v| v.value()) {
            Some(ValueRef::Struct(s)) => Some(s),
            _ => None,
        };
        Members { shape, value }
    }

    /// The index of member `name`, if the input has one.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.shape.and_then(|s| s.member_index(name))
    }

    /// The value of member `name`, when the caller set it.
    pub fn get(&self, name: &str) -> Option<&'a dyn Ser> {
        let i = self.index(name)?;
        self.value.and_then(|v| v.member(i))
    }

    /// The value of member `name` when the caller set it to a string.
    pub fn str(&self, name: &str) -> Option<&'a str> {
        match self.get(name)?.value() {
            ValueRef::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value of member `name` when the caller set it to a blob (or a string, as its bytes).
    pub fn blob(&self, name: &str) -> Option<&'a [u8]> {
        match self.get(name)?.value() {
            ValueRef::Blob(b) => Some(b),
            ValueRef::Str(s) => Some(s.as_bytes()),
            _ => None,
        }
    }
}

/// Input members a hook sends instead of the caller's.
#[derive(Debug, Default)]
pub struct Overrides {
    members: Vec<(usize, DynValue)>,
}

impl Overrides {
    /// Sends `value` as member `index`.
    pub fn set(&mut self, index: usize, value: DynValue) {
        match self.members.iter_mut().find(|(i, _)| *i == index) {
            Some(slot) => slot.1 = value,
            None => self.members.push((index, value)),
        }
    }

    /// Sends `value` as member `name`, when the input has that member.
    pub fn set_named(&mut self, input: &Members<'_>, name: &str, value: DynValue) {
        if let Some(i) = input.index(name) {
            self.set(i, value);
        }
    }

    /// Whether no member is overridden.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The caller's input with these members laid over it.
    pub fn over<'a>(&'a self, base: Option<&'a dyn Ser>) -> Overlay<'a> {
        let base = match base.map(|b| b.value()) {
            Some(ValueRef::Struct(s)) => Some(s),
            _ => None,
        };
        Overlay { base, over: self }
    }
}

/// An input structure with some members replaced.
pub struct Overlay<'a> {
    base: Option<&'a dyn StructSer>,
    over: &'a Overrides,
}

impl Ser for Overlay<'_> {
    fn value(&self) -> ValueRef<'_> {
        ValueRef::Struct(self)
    }
}

impl StructSer for Overlay<'_> {
    fn member(&self, index: usize) -> Option<&dyn Ser> {
        match self.over.members.iter().find(|(i, _)| *i == index) {
            Some((_, v)) => Some(v),
            None => self.base.and_then(|b| b.member(index)),
        }
    }
}

/// The member `name` of a parsed structure `output` (of the operation's output shape).
pub fn output_member<'v>(
    call: &Call<'_>,
    output: &'v mut DynValue,
    name: &str,
) -> Option<&'v mut DynValue> {
    let st = call
        .operation
        .output
        .and_then(|o| call.service.shape(o).structure())?;
    struct_member(st, output, name)
}

/// The member `name` of `value`, a structure of shape `st`.
pub fn struct_member<'v>(
    st: &StructureShape,
    value: &'v mut DynValue,
    name: &str,
) -> Option<&'v mut DynValue> {
    let i = st.member_index(name)?;
    match value {
        DynValue::Struct(members) => members.get_mut(i).and_then(|m| m.as_mut()),
        _ => None,
    }
}

/// Sets the member `name` of `value`, a structure of shape `st`.
pub fn set_struct_member(st: &StructureShape, value: &mut DynValue, name: &str, v: DynValue) {
    let Some(i) = st.member_index(name) else {
        return;
    };
    if !matches!(value, DynValue::Struct(_)) {
        *value = DynValue::Struct(Vec::new());
    }
    if let DynValue::Struct(members) = value {
        if members.len() <= i {
            members.resize(st.members.len().max(i + 1), None);
        }
        if let Some(slot) = members.get_mut(i) {
            *slot = Some(v);
        }
    }
}

/// Calls `f` on every string held (at any depth) in a member whose target
/// shape is named `shape_name`.
pub fn for_each_string_of_shape(
    service: &Service,
    shape: u32,
    value: &mut DynValue,
    shape_name: &str,
    f: &mut dyn FnMut(&mut String),
) {
    fn walk(
        service: &Service,
        shape: u32,
        value: &mut DynValue,
        shape_name: &str,
        f: &mut dyn FnMut(&mut String),
        depth: usize,
    ) {
        if depth > 64 {
            return;
        }
        let s = service.shape(shape);
        if s.name == shape_name {
            if let DynValue::Str(text) = value {
                f(text);
            }
            return;
        }
        match (&s.kind, value) {
            (ShapeKind::Structure(st), DynValue::Struct(members)) => {
                for (m, v) in st.members.iter().zip(members.iter_mut()) {
                    if let Some(v) = v {
                        walk(service, m.target, v, shape_name, f, depth + 1);
                    }
                }
            }
            (ShapeKind::List { member }, DynValue::List(items)) => {
                for v in items {
                    walk(service, member.target, v, shape_name, f, depth + 1);
                }
            }
            (ShapeKind::Map { value: vm, .. }, DynValue::Map(entries)) => {
                for (_, v) in entries {
                    walk(service, vm.target, v, shape_name, f, depth + 1);
                }
            }
            _ => {}
        }
    }
    walk(service, shape, value, shape_name, f, 0)
}

/// Percent-decodes `text` as Python's `urllib.parse.unquote` does (invalid
/// escapes stay as they are; bytes that are not UTF-8 become U+FFFD).
pub fn unquote(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests;
