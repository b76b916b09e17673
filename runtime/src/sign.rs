//! SigV4 signing with the `aws-sigv4` crate, with S3's and Glacier's quirks.

use std::time::SystemTime;

use std::time::Duration;

use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest,
    SignatureLocation, SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
#[cfg(feature = "sigv4a")]
use aws_sigv4::sign::v4a;
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::credentials::Credentials;
use crate::error::CredentialsError;

/// How one request is signed.
#[derive(Debug, Clone)]
pub struct SigningParams<'a> {
    /// The region to sign for (`us-east-1` for global endpoints).
    pub region: &'a str,
    /// The SigV4 service name (`signingName`, else the endpoint prefix).
    pub name: &'a str,
    /// The signing time, written as `x-amz-date`.
    pub time: SystemTime,
    /// S3 signs the path as sent (single encoding, no normalization).
    pub s3_style: bool,
    /// Send `x-amz-content-sha256` (S3, Glacier, unsigned payloads).
    pub content_sha256_header: bool,
    /// `v4-unsigned-body`: sign `UNSIGNED-PAYLOAD` instead of the body hash.
    pub unsigned_payload: bool,
    /// The payload hash to sign, computed elsewhere (a streaming body's
    /// SHA-256, `STREAMING-UNSIGNED-PAYLOAD-TRAILER`); wins over `body`.
    pub payload_hash: Option<&'a str>,
    /// SigV4a: sign for this region set (`*`, `us-east-1,us-west-2`) instead of `region`.
    pub region_set: Option<&'a str>,
}

/// Adds the SigV4 headers (`authorization`, `x-amz-date`, and
/// `x-amz-security-token` / `x-amz-content-sha256` when needed) to `headers`.
pub fn sign_request(
    method: &str,
    url: &str,
    headers: &mut HeaderMap,
    body: &[u8],
    credentials: &Credentials,
    params: &SigningParams<'_>,
) -> Result<(), CredentialsError> {
    sign_with(method, url, headers, body, credentials, params, None).map(drop)
}

/// Query-string SigV4 (botocore's `SigV4QueryAuth`): `url` with the
/// `X-Amz-*` parameters appended, valid for `expires_in`. `headers` are
/// signed as they are (the caller must send them); none is added.
pub fn presign_url(
    method: &str,
    url: &str,
    headers: &mut HeaderMap,
    body: &[u8],
    credentials: &Credentials,
    params: &SigningParams<'_>,
    expires_in: Duration,
) -> Result<String, CredentialsError> {
    let added = sign_with(
        method,
        url,
        headers,
        body,
        credentials,
        params,
        Some(expires_in),
    )?;
    let mut url = url.to_owned();
    for (i, (name, value)) in added.iter().enumerate() {
        let sep = if i == 0 && !url.contains('?') {
            '?'
        } else {
            '&'
        };
        url.push(sep);
        url.push_str(&crate::protocol::rest::percent_encode(name, false));
        url.push('=');
        url.push_str(&crate::protocol::rest::percent_encode(value, false));
    }
    Ok(url)
}

/// Signs into `headers`, or with `presign` into the returned query parameters.
fn sign_with(
    method: &str,
    url: &str,
    headers: &mut HeaderMap,
    body: &[u8],
    credentials: &Credentials,
    params: &SigningParams<'_>,
    presign: Option<Duration>,
) -> Result<Vec<(String, String)>, CredentialsError> {
    let failed = |e: &dyn std::fmt::Display| CredentialsError::Signing(e.to_string());
    let mut settings = SigningSettings::default();
    if params.s3_style {
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    }
    if let Some(expires_in) = presign {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(expires_in);
    } else if params.content_sha256_header
        || params.unsigned_payload
        || params.payload_hash.is_some()
    {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    // botocore's `SIGNED_HEADERS_BLACKLIST` (auth.py): headers that change
    // between attempts or on the way, never signed.
    if let Some(excluded) = settings.excluded_headers.as_mut() {
        for name in ["expect", "amz-sdk-invocation-id", "amz-sdk-request"] {
            excluded.push(name.into());
        }
    }
    let identity = aws_credential_types::Credentials::new(
        credentials.access_key_id.clone(),
        credentials.secret_access_key.clone(),
        credentials.session_token.clone(),
        credentials.expiry,
        "boto-rs",
    )
    .into();
    let signing_params = match params.region_set {
        #[cfg(not(feature = "sigv4a"))]
        Some(_) => {
            return Err(CredentialsError::Signing(
                "this endpoint needs SigV4a signing: enable boto-runtime's `sigv4a` feature \
                 (crates of services whose endpoints use it enable it)"
                    .into(),
            ))
        }
        #[cfg(feature = "sigv4a")]
        Some(set) => v4a::SigningParams::builder()
            .identity(&identity)
            .region_set(set)
            .name(params.name)
            .time(params.time)
            .settings(settings)
            .build()
            .map_err(|e| failed(&e))?
            .into(),
        None => v4::SigningParams::builder()
            .identity(&identity)
            .region(params.region)
            .name(params.name)
            .time(params.time)
            .settings(settings)
            .build()
            .map_err(|e| failed(&e))?
            .into(),
    };

    let mut pairs = Vec::with_capacity(headers.len());
    for (name, value) in headers.iter() {
        let value = value.to_str().map_err(|_| {
            CredentialsError::Signing(format!("header `{name}` is not visible ASCII"))
        })?;
        pairs.push((name.as_str(), value));
    }
    let body = if let Some(hash) = params.payload_hash {
        SignableBody::Precomputed(hash.to_owned())
    } else if params.unsigned_payload {
        SignableBody::UnsignedPayload
    } else {
        SignableBody::Bytes(body)
    };
    let signable =
        SignableRequest::new(method, url, pairs.into_iter(), body).map_err(|e| failed(&e))?;
    let (instructions, _signature) = sign(signable, &signing_params)
        .map_err(|e| failed(&e))?
        .into_parts();
    let (new_headers, new_params) = instructions.into_parts();
    for header in new_headers {
        let name = HeaderName::from_static(header.name());
        let mut value = HeaderValue::from_str(header.value()).map_err(|e| failed(&e))?;
        value.set_sensitive(header.sensitive());
        headers.insert(name, value);
    }
    Ok(new_params
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.into_owned()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn params(s3: bool) -> SigningParams<'static> {
        SigningParams {
            region: "us-east-1",
            name: if s3 { "s3" } else { "iam" },
            // 2015-08-30T12:36:00Z, the SigV4 test suite's date
            time: UNIX_EPOCH + Duration::from_secs(1_440_938_160),
            s3_style: s3,
            content_sha256_header: s3,
            unsigned_payload: false,
            payload_hash: None,
            region_set: None,
        }
    }

    fn creds(token: Option<&str>) -> Credentials {
        Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token.map(str::to_owned),
        )
    }

    #[test]
    fn matches_sigv4_suite_get_vanilla() {
        // get-vanilla from the AWS SigV4 test suite.
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("example.amazonaws.com"));
        let mut p = params(false);
        p.name = "service";
        sign_request(
            "GET",
            "https://example.amazonaws.com/",
            &mut headers,
            b"",
            &creds(None),
            &p,
        )
        .unwrap();
        assert_eq!(
            headers["authorization"],
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(headers["x-amz-date"], "20150830T123600Z");
        assert!(!headers.contains_key("x-amz-content-sha256"));
    }

    #[test]
    fn s3_adds_content_sha_and_token() {
        let mut headers = HeaderMap::new();
        sign_request(
            "PUT",
            "https://b.s3.amazonaws.com/a%20b/../c",
            &mut headers,
            b"hello",
            &creds(Some("TOKEN")),
            &params(true),
        )
        .unwrap();
        assert_eq!(
            headers["x-amz-content-sha256"],
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(headers["x-amz-security-token"], "TOKEN");
        assert!(headers["x-amz-security-token"].is_sensitive());
        let auth = headers["authorization"].to_str().unwrap();
        assert!(auth.contains("/us-east-1/s3/aws4_request"), "{auth}");
    }

    #[test]
    fn unsigned_payload() {
        let mut headers = HeaderMap::new();
        let mut p = params(false);
        p.unsigned_payload = true;
        sign_request(
            "POST",
            "https://x.amazonaws.com/",
            &mut headers,
            b"body",
            &creds(None),
            &p,
        )
        .unwrap();
        assert_eq!(headers["x-amz-content-sha256"], "UNSIGNED-PAYLOAD");
    }

    #[test]
    fn retry_headers_are_not_signed() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("example.amazonaws.com"));
        headers.insert("amz-sdk-invocation-id", HeaderValue::from_static("x"));
        headers.insert(
            "amz-sdk-request",
            HeaderValue::from_static("attempt=1; max=3"),
        );
        headers.insert("user-agent", HeaderValue::from_static("boto-rs/0"));
        sign_request(
            "GET",
            "https://example.amazonaws.com/",
            &mut headers,
            b"",
            &creds(None),
            &params(false),
        )
        .unwrap();
        let auth = headers["authorization"].to_str().unwrap();
        assert!(auth.contains("SignedHeaders=host;x-amz-date,"), "{auth}");
    }
}
