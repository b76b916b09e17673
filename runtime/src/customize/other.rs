//! Small handlers of services boto-rs does not vendor (they apply to any
//! crate generated from botocore's data, and to the dynamic client).

use base64::Engine;
use http::HeaderValue;

use super::{Call, Customization, Members, Overrides};
use crate::dynamic::DynValue;
use crate::protocol::{ErrorInfo, HttpRequest, HttpResponse, SerializeError};

/// `base64_encode_user_data` on `CreateLaunchConfiguration`, as on EC2's `RunInstances`.
pub(super) struct AutoScaling;

impl Customization for AutoScaling {
    fn before_serialize(
        &self,
        call: &mut Call<'_>,
        input: &Members<'_>,
        set: &mut Overrides,
    ) -> Result<(), SerializeError> {
        if call.operation.name == "CreateLaunchConfiguration" {
            base64_user_data(input, set);
        }
        Ok(())
    }
}

/// `UserData` given as text goes base64 encoded.
pub(super) fn base64_user_data(input: &Members<'_>, set: &mut Overrides) {
    if let Some(data) = input.blob("UserData") {
        let encoded = base64::engine::general_purpose::STANDARD.encode(data);
        set.set_named(input, "UserData", DynValue::Str(encoded));
    }
}

/// `add_accept_header`: API Gateway answers JSON when asked to.
pub(super) struct ApiGateway;

impl Customization for ApiGateway {
    fn after_serialize(
        &self,
        _call: &Call<'_>,
        request: &mut HttpRequest,
    ) -> Result<(), SerializeError> {
        if !request.headers.contains_key(http::header::ACCEPT) {
            request.headers.insert(
                http::header::ACCEPT,
                HeaderValue::from_static("application/json"),
            );
        }
        Ok(())
    }
}

/// `_map_oauth2_errors`: SSO OIDC's OAuth2 errors carry their message in
/// `error_description`.
pub(super) struct SsoOidc;

impl Customization for SsoOidc {
    fn error_info(&self, _call: &Call<'_>, info: &mut ErrorInfo, response: &HttpResponse) {
        if response.status < 400 || info.message.is_some() {
            return;
        }
        let body: Option<serde_json::Value> = serde_json::from_slice(&response.body).ok();
        if let Some(text) = body
            .as_ref()
            .and_then(|b| b.get("error_description"))
            .and_then(|d| d.as_str())
        {
            info.message = Some(text.to_owned());
        }
    }
}

/// `change_get_to_post`: a CloudSearch `Search` is sent as a form POST, so a
/// long query does not overflow the URL.
pub(super) struct CloudSearchDomain;

impl Customization for CloudSearchDomain {
    fn after_serialize(
        &self,
        call: &Call<'_>,
        request: &mut HttpRequest,
    ) -> Result<(), SerializeError> {
        if call.operation.name != "Search" || request.method != http::Method::GET {
            return Ok(());
        }
        let Some((path, query)) = request.uri.split_once('?') else {
            return Ok(());
        };
        request.body = bytes::Bytes::copy_from_slice(query.as_bytes());
        request.uri = path.to_owned();
        request.method = http::Method::POST;
        request.headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        Ok(())
    }
}

/// machinelearning: `switch_host_machinelearning`.
pub(super) struct MachineLearning;

impl Customization for MachineLearning {
    /// `Predict` is sent to the scheme and host of its `PredictEndpoint`.
    fn replace_endpoint(
        &self,
        call: &Call<'_>,
        input: &Members<'_>,
        endpoint: &crate::endpoint::Endpoint,
    ) -> Option<crate::endpoint::Endpoint> {
        if call.operation.name != "Predict" {
            return None;
        }
        let given = reqwest::Url::parse(input.str("PredictEndpoint")?).ok()?;
        let host = given.host_str()?;
        let authority = match given.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let path = endpoint
            .url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
            .unwrap_or("");
        Some(crate::endpoint::Endpoint {
            url: format!("{}://{authority}{path}", given.scheme()),
            ..endpoint.clone()
        })
    }
}
