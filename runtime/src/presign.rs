//! Presigned requests for any operation of any service, as boto3's
//! `generate_presigned_url` makes them: the request a call would send,
//! signed with query-string SigV4 instead of an `Authorization` header.
//!
//! S3 signs the payload as `UNSIGNED-PAYLOAD` (botocore's
//! `S3SigV4QueryAuth`), so a presigned `PutObject` accepts any body. Other
//! services sign the body they would send; a form-encoded body (query and
//! EC2 protocols) moves into the URL, so the URL alone makes the call. The
//! method is the operation's (`POST` for query protocols), as boto3 signs
//! it, unless [`PresignConfig::http_method`] says otherwise (`GET` for EKS
//! tokens from STS `GetCallerIdentity`).

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;

use crate::client::Client;
use crate::error::{CredentialsError, Error, RawServiceError};
use crate::schema::Operation;
use crate::sign::{presign_url, SigningParams};
use crate::value::Ser;

/// SigV4's limit on `X-Amz-Expires`: seven days.
pub const MAX_EXPIRES: Duration = Duration::from_secs(7 * 24 * 3600);

/// How long a presigned request stays valid, from when, and for which method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignConfig {
    /// Validity, at most [`MAX_EXPIRES`] (boto3's default is an hour).
    pub expires_in: Duration,
    /// The signing time; `None`: now (with the client's clock correction).
    pub start_time: Option<SystemTime>,
    /// The method to sign for (boto3's `HttpMethod`); `None`: the operation's.
    pub http_method: Option<http::Method>,
}

impl PresignConfig {
    /// Valid for `expires_in` from now.
    pub fn expires_in(expires_in: Duration) -> PresignConfig {
        PresignConfig {
            expires_in,
            start_time: None,
            http_method: None,
        }
    }

    /// The same, signed for `method` instead of the operation's own.
    pub fn http_method(mut self, method: http::Method) -> PresignConfig {
        self.http_method = Some(method);
        self
    }

    /// The same, signed as of `time` (tests, or URLs valid from later).
    pub fn start_time(mut self, time: SystemTime) -> PresignConfig {
        self.start_time = Some(time);
        self
    }
}

impl Default for PresignConfig {
    /// boto3's default: one hour.
    fn default() -> PresignConfig {
        PresignConfig::expires_in(Duration::from_secs(3600))
    }
}

/// A signed request anyone holding it can send until it expires.
///
/// It is a credential: `Debug` hides the signature and session token.
#[derive(Clone)]
pub struct PresignedRequest {
    method: http::Method,
    url: String,
    headers: http::HeaderMap,
    body: Bytes,
}

impl PresignedRequest {
    /// The HTTP method to use.
    pub fn method(&self) -> &http::Method {
        &self.method
    }

    /// The full URL, signature included.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Headers that were signed and must be sent as they are (often none
    /// but `content-type` or `content-md5`; `host` is in the URL).
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }

    /// The body that was signed (empty for S3 and for form bodies, which
    /// moved into the URL); send it unchanged.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The request as a `reqwest` request on `http`, ready to send.
    pub fn to_reqwest(&self, http: &reqwest::Client) -> reqwest::RequestBuilder {
        http.request(self.method.clone(), &self.url)
            .headers(self.headers.clone())
            .body(self.body.clone())
    }
}

impl fmt::Debug for PresignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresignedRequest")
            .field("method", &self.method)
            .field("url", &redact_url(&self.url))
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// SigV4's expiry bounds: 1 second to [`MAX_EXPIRES`].
fn check_expiry(config: &PresignConfig, what: &str) -> Result<(), Error<RawServiceError>> {
    if config.expires_in.is_zero() || config.expires_in > MAX_EXPIRES {
        return Err(Error::Credentials(CredentialsError::Signing(format!(
            "a presigned {what} must expire within 1 second to 7 days, not {:?}",
            config.expires_in
        ))));
    }
    Ok(())
}

/// The URL with the values of `X-Amz-Signature` and `X-Amz-Security-Token` hidden.
fn redact_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _))
                if k.eq_ignore_ascii_case("X-Amz-Signature")
                    || k.eq_ignore_ascii_case("X-Amz-Security-Token") =>
            {
                format!("{k}=** redacted **")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

/// What generated `presigned` methods return.
pub type PresignFuture =
    crate::BoxFuture<'static, Result<PresignedRequest, Error<RawServiceError>>>;

impl Client {
    /// [`Client::presign`] owning its input: the one non-generic function
    /// every generated `presigned` method calls.
    pub fn presign_owned(
        &self,
        operation: &'static Operation,
        input: Option<Box<dyn Ser + Send + Sync>>,
        config: PresignConfig,
    ) -> PresignFuture {
        let client = self.clone();
        Box::pin(async move {
            let input = input.as_deref().map(|i| i as &(dyn Ser + Sync));
            client.presign(operation, input, &config).await
        })
    }

    /// Presigns `operation` with `input`: everything a call would do up to
    /// signing (serialization hooks, endpoint rules, credentials), then
    /// query-string SigV4 valid for `config.expires_in`.
    pub async fn presign(
        &self,
        operation: &'static Operation,
        input: Option<&(dyn Ser + Sync)>,
        config: &PresignConfig,
    ) -> Result<PresignedRequest, Error<RawServiceError>> {
        let signing_error = |m: String| Error::Credentials(CredentialsError::Signing(m));
        check_expiry(config, "request")?;
        let planned = self.plan_for_presign(operation, input).await?;
        let (mut prepared, endpoint, credentials) = planned;
        let Some(credentials) = credentials else {
            return Err(signing_error(format!(
                "{} is not signed (auth type `{}`): there is nothing to presign",
                operation.name, operation.auth_type
            )));
        };
        if !matches!(endpoint.auth.kind, crate::endpoint::AuthKind::SigV4) {
            return Err(signing_error(format!(
                "presigning supports SigV4 endpoints; this one asks for {:?}",
                endpoint.auth.kind
            )));
        }
        // botocore's SigV4QueryAuth: a form body moves into the query.
        let form = prepared
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if form {
            let body = String::from_utf8_lossy(&prepared.body).into_owned();
            if !body.is_empty() {
                let sep = if prepared.url.contains('?') { '&' } else { '?' };
                prepared.url = format!("{}{sep}{body}", prepared.url);
            }
            prepared.body = Bytes::new();
            prepared.headers.remove(http::header::CONTENT_TYPE);
        }
        if let Some(method) = &config.http_method {
            prepared.method = method.clone();
        }
        // Sent by whoever uses the URL, not by us.
        for name in [
            http::header::USER_AGENT,
            http::header::CONTENT_LENGTH,
            http::header::EXPECT,
        ] {
            prepared.headers.remove(name);
        }
        let time = config
            .start_time
            .unwrap_or_else(|| self.retry_state().signing_time());
        let signing = crate::customize::for_service(self.service().name).signing();
        let params = SigningParams {
            region: &endpoint.auth.signing_region,
            name: &endpoint.auth.signing_name,
            time,
            s3_style: signing.s3_style || endpoint.auth.disable_double_encoding,
            content_sha256_header: false,
            unsigned_payload: signing.unsigned_payload_ok || prepared.unsigned_payload,
            payload_hash: None,
            region_set: None,
        };
        let url = presign_url(
            prepared.method.as_str(),
            &prepared.url,
            &mut prepared.headers,
            &prepared.body,
            &credentials,
            &params,
            config.expires_in,
        )
        .map_err(Error::Credentials)?;
        tracing::debug!(
            operation = operation.name,
            expires_in_secs = config.expires_in.as_secs(),
            "presigned"
        );
        Ok(PresignedRequest {
            method: prepared.method,
            url,
            headers: prepared.headers,
            body: prepared.body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_signature_and_token() {
        let p = PresignedRequest {
            method: http::Method::GET,
            url: "https://b.s3.amazonaws.com/k?X-Amz-Credential=AKID%2F1&X-Amz-Security-Token=TOKENVALUE&X-Amz-Signature=abcdef0123".into(),
            headers: http::HeaderMap::new(),
            body: Bytes::new(),
        };
        let shown = format!("{p:?}");
        assert!(
            !shown.contains("TOKENVALUE") && !shown.contains("abcdef0123"),
            "{shown}"
        );
        assert!(shown.contains("X-Amz-Credential=AKID"), "{shown}");
    }
}

/// An S3 browser-upload form (boto3's `generate_presigned_post`): where to
/// POST, and the form fields to send before the file.
#[derive(Clone)]
pub struct PresignedPost {
    /// The bucket's URL.
    pub url: String,
    /// The form fields, in order: the caller's, `key`, the `x-amz-*`
    /// signing fields, `policy`, `x-amz-signature`.
    pub fields: Vec<(String, String)>,
}

impl fmt::Debug for PresignedPost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields: Vec<(&str, &str)> = self
            .fields
            .iter()
            .map(|(k, v)| match k.as_str() {
                "x-amz-signature" | "x-amz-security-token" => (k.as_str(), "** redacted **"),
                _ => (k.as_str(), v.as_str()),
            })
            .collect();
        f.debug_struct("PresignedPost")
            .field("url", &self.url)
            .field("fields", &fields)
            .finish()
    }
}

/// What a presigned POST allows, beyond bucket and key.
#[derive(Debug, Clone, Default)]
pub struct PostPolicy {
    /// Form fields to include (`acl`, `Content-Type`, `x-amz-meta-*`, …);
    /// each needs a matching condition.
    pub fields: Vec<(String, String)>,
    /// Policy conditions (`{"acl": "public-read"}`,
    /// `["content-length-range", 10, 1024]`, `["starts-with", "$Content-Type", "image/"]`).
    pub conditions: Vec<serde_json::Value>,
    /// Validity and signing time ([`PresignConfig::http_method`] is ignored).
    pub config: PresignConfig,
}

impl Client {
    /// An S3 presigned POST for `key` in `bucket` (SigV4, botocore's
    /// `S3SigV4PostAuth`): a key ending in `${filename}` allows any name
    /// under its prefix. The URL is the one the endpoint rules give the
    /// bucket (`CreateBucket`'s, as botocore takes it).
    pub async fn presign_post(
        &self,
        bucket: &str,
        key: &str,
        policy: PostPolicy,
    ) -> Result<PresignedPost, Error<RawServiceError>> {
        let signing_error = |m: String| Error::Credentials(CredentialsError::Signing(m));
        let config = &policy.config;
        check_expiry(config, "POST")?;
        let service = self.service();
        let Some(operation) = service.operation("CreateBucket") else {
            return Err(signing_error(format!(
                "presigned POST is an S3 feature; {} has no buckets",
                service.name
            )));
        };
        let input = crate::dynamic::DynValue::from_json(
            service,
            operation.input.unwrap_or_default(),
            &serde_json::json!({ "Bucket": bucket }),
        )
        .map_err(|e| signing_error(format!("bucket `{bucket}`: {e}")))?;
        let (prepared, endpoint, credentials) = self
            .plan_for_presign(operation, Some(&input as &(dyn Ser + Sync)))
            .await?;
        let credentials = credentials.ok_or_else(|| signing_error("no credentials".into()))?;
        let time = config
            .start_time
            .unwrap_or_else(|| self.retry_state().signing_time());
        let stamp = crate::time::DateTime::from(time);
        let iso = stamp.to_iso8601();
        let iso = iso.split('.').next().unwrap_or(&iso).trim_end_matches('Z');
        let amz_date = format!("{}Z", iso.replace(['-', ':'], ""));
        let expiration = crate::time::DateTime::from(time + config.expires_in).to_iso8601();
        let region = &endpoint.auth.signing_region;
        let name = &endpoint.auth.signing_name;
        let credential = format!(
            "{}/{}/{region}/{name}/aws4_request",
            credentials.access_key_id,
            amz_date.get(..8).unwrap_or_default()
        );

        let mut conditions = policy.conditions.clone();
        conditions.push(serde_json::json!({ "bucket": bucket }));
        match key.strip_suffix("${filename}") {
            Some(prefix) => conditions.push(serde_json::json!(["starts-with", "$key", prefix])),
            None => conditions.push(serde_json::json!({ "key": key })),
        }
        let mut fields = policy.fields.clone();
        fields.push(("key".into(), key.into()));
        let mut signing_fields = vec![
            ("x-amz-algorithm", "AWS4-HMAC-SHA256".to_owned()),
            ("x-amz-credential", credential),
            ("x-amz-date", amz_date),
        ];
        if let Some(token) = &credentials.session_token {
            signing_fields.push(("x-amz-security-token", token.clone()));
        }
        for (k, v) in &signing_fields {
            conditions.push(serde_json::json!({ *k: v }));
            fields.push(((*k).to_owned(), v.clone()));
        }
        let document = serde_json::json!({ "expiration": expiration, "conditions": conditions });
        let policy_b64 = {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(python_json(&document))
        };
        let key_bytes = aws_sigv4::sign::v4::generate_signing_key(
            &credentials.secret_access_key,
            time,
            region,
            name,
        );
        let signature = aws_sigv4::sign::v4::calculate_signature(key_bytes, policy_b64.as_bytes());
        fields.push(("policy".into(), policy_b64));
        fields.push(("x-amz-signature".into(), signature));
        Ok(PresignedPost {
            url: prepared.url,
            fields,
        })
    }
}

/// JSON as Python's `json.dumps` writes it (`", "` and `": "` separators),
/// so the policy is byte for byte what botocore signs.
fn python_json(value: &serde_json::Value) -> Vec<u8> {
    struct PythonStyle;
    impl serde_json::ser::Formatter for PythonStyle {
        fn begin_array_value<W: ?Sized + std::io::Write>(
            &mut self,
            writer: &mut W,
            first: bool,
        ) -> std::io::Result<()> {
            separator(writer, first)
        }
        fn begin_object_key<W: ?Sized + std::io::Write>(
            &mut self,
            writer: &mut W,
            first: bool,
        ) -> std::io::Result<()> {
            separator(writer, first)
        }
        fn begin_object_value<W: ?Sized + std::io::Write>(
            &mut self,
            writer: &mut W,
        ) -> std::io::Result<()> {
            writer.write_all(b": ")
        }
    }
    fn separator<W: ?Sized + std::io::Write>(writer: &mut W, first: bool) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonStyle);
    // Serializing a `Value` into memory cannot fail.
    let _ = serde::Serialize::serialize(value, &mut ser);
    out
}

/// How long an RDS authentication token is valid (botocore's fixed 900 s).
pub const RDS_TOKEN_LIFETIME: Duration = Duration::from_secs(900);

/// An RDS IAM database authentication token (boto3's
/// `generate_db_auth_token`): a presigned `connect` URL for `username` on
/// `hostname:port`, scheme removed, valid for 15 minutes; use it as the
/// database password over TLS. `region` defaults to the session's;
/// `start_time` to now.
pub async fn rds_auth_token(
    session: &crate::Session,
    hostname: &str,
    port: u16,
    username: &str,
    region: Option<&str>,
    start_time: Option<SystemTime>,
) -> Result<String, CredentialsError> {
    let region = region
        .map(str::to_owned)
        .or_else(|| session.region())
        .ok_or_else(|| {
            CredentialsError::Signing(
                "an RDS auth token needs a region: pass one or set the session's".into(),
            )
        })?;
    let credentials = session.credentials().await?;
    let url = format!(
        "https://{hostname}:{port}/?Action=connect&DBUser={}",
        crate::protocol::rest::percent_encode(username, false)
    );
    let params = SigningParams {
        region: &region,
        name: "rds-db",
        time: start_time.unwrap_or_else(SystemTime::now),
        s3_style: false,
        content_sha256_header: false,
        unsigned_payload: false,
        payload_hash: None,
        region_set: None,
    };
    let signed = presign_url(
        "GET",
        &url,
        &mut http::HeaderMap::new(),
        b"",
        &credentials,
        &params,
        RDS_TOKEN_LIFETIME,
    )?;
    Ok(signed.trim_start_matches("https://").to_owned())
}
