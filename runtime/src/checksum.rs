//! Flexible checksums (botocore 1.36+ `httpchecksum.py`) for operations
//! with the `httpChecksum` trait: CRC32, CRC32C, CRC64NVME, SHA1, SHA256.
//!
//! - Requests: the algorithm the caller named in the `requestAlgorithmMember`
//!   is used; else, when the operation requires a checksum or
//!   `request_checksum_calculation` is `when_supported` (the default) and it
//!   has an algorithm member, CRC32, with the member's header set to `CRC32`.
//!   A checksum header the caller set is kept. Presigned requests get none.
//! - Responses: when `response_checksum_validation` is `when_supported`
//!   (the default) the `requestValidationModeMember` is set to `ENABLED`;
//!   with it set, the first `x-amz-checksum-*` header of the operation's
//!   `responseAlgorithms` (botocore's priority order) is checked against the
//!   body. Composite multipart checksums (`…-N`) are skipped, as botocore
//!   skips them. A mismatch is [`ChecksumMismatch`].

use base64::Engine;
use http::{HeaderMap, HeaderValue};
use sha1::Digest;

use crate::client::ClientConfig;
use crate::config::Profile;
use crate::env::Env;
use crate::error::ConfigError;
use crate::schema::{Location, Operation, Service};

/// A checksum algorithm S3 (and others) accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// CRC32 (ISO-HDLC), botocore's default.
    Crc32,
    /// CRC32C (Castagnoli).
    Crc32c,
    /// CRC64/NVME.
    Crc64Nvme,
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
}

/// botocore's `_ALGORITHMS_PRIORITY_LIST`, restricted to what is supported.
const PRIORITY: [Algorithm; 5] = [
    Algorithm::Crc64Nvme,
    Algorithm::Crc32c,
    Algorithm::Crc32,
    Algorithm::Sha1,
    Algorithm::Sha256,
];

impl Algorithm {
    /// The algorithm named `name` (`CRC32`, `crc64nvme`, any case).
    pub fn parse(name: &str) -> Option<Algorithm> {
        PRIORITY
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }

    /// The lower-case name (`crc32c`), as in `x-amz-checksum-crc32c`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Crc32 => "crc32",
            Algorithm::Crc32c => "crc32c",
            Algorithm::Crc64Nvme => "crc64nvme",
            Algorithm::Sha1 => "sha1",
            Algorithm::Sha256 => "sha256",
        }
    }

    /// The header carrying this checksum.
    pub fn header(self) -> String {
        format!("x-amz-checksum-{}", self.name())
    }

    /// A running checksum of this algorithm.
    pub fn hasher(self) -> Hasher {
        match self {
            Algorithm::Crc32 => Hasher::Crc32(crc32fast::Hasher::new()),
            Algorithm::Crc32c => Hasher::Crc32c(0),
            Algorithm::Crc64Nvme => Hasher::Crc64(crc64fast_nvme::Digest::new()),
            Algorithm::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
            Algorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
        }
    }

    /// The base64 checksum of `data`, as the header carries it.
    pub fn checksum(self, data: &[u8]) -> String {
        let mut h = self.hasher();
        h.update(data);
        h.finish_base64()
    }
}

/// A checksum being computed, fed in pieces (streaming bodies feed it as
/// they go).
pub enum Hasher {
    /// CRC32.
    Crc32(crc32fast::Hasher),
    /// CRC32C: the running value.
    Crc32c(u32),
    /// CRC64/NVME.
    Crc64(crc64fast_nvme::Digest),
    /// SHA-1.
    Sha1(sha1::Sha1),
    /// SHA-256.
    Sha256(sha2::Sha256),
}

impl Hasher {
    /// Adds `data`.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Crc32(h) => h.update(data),
            Hasher::Crc32c(v) => *v = crc32c::crc32c_append(*v, data),
            Hasher::Crc64(h) => h.write(data),
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
        }
    }

    /// The big-endian digest, base64-encoded.
    pub fn finish_base64(self) -> String {
        let bytes: Vec<u8> = match self {
            Hasher::Crc32(h) => h.finalize().to_be_bytes().to_vec(),
            Hasher::Crc32c(v) => v.to_be_bytes().to_vec(),
            Hasher::Crc64(h) => h.sum64().to_be_bytes().to_vec(),
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
        };
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }
}

/// `request_checksum_calculation` / `response_checksum_validation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum When {
    /// Whenever the operation supports it (botocore's default).
    #[default]
    Supported,
    /// Only when the operation requires it (or the caller asked).
    Required,
}

impl When {
    fn parse(value: &str, key: &str, source: &str) -> Result<When, ConfigError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "when_supported" => Ok(When::Supported),
            "when_required" => Ok(When::Required),
            _ => Err(ConfigError::InvalidValue {
                key: key.into(),
                value: value.into(),
                source_name: source.into(),
                message: "expected when_supported or when_required".into(),
            }),
        }
    }
}

/// The two settings for one client: `ClientConfig`, else the environment,
/// else the profile, else `when_supported`.
pub fn settings(
    config: &ClientConfig,
    env: &Env,
    profile: &Profile,
) -> Result<(When, When), ConfigError> {
    let one = |given: Option<When>, key: &str, var: &str| -> Result<When, ConfigError> {
        if let Some(w) = given {
            return Ok(w);
        }
        if let Some(v) = env.get(var) {
            return When::parse(&v, key, var);
        }
        if let Some(v) = profile.get(key) {
            return When::parse(v, key, &format!("profile {key}"));
        }
        Ok(When::Supported)
    };
    Ok((
        one(
            config.request_checksum_calculation,
            "request_checksum_calculation",
            "AWS_REQUEST_CHECKSUM_CALCULATION",
        )?,
        one(
            config.response_checksum_validation,
            "response_checksum_validation",
            "AWS_RESPONSE_CHECKSUM_VALIDATION",
        )?,
    ))
}

/// The header an input member is sent in, if it is a header member.
fn member_header(service: &Service, operation: &Operation, member: &str) -> Option<&'static str> {
    let crate::schema::ShapeKind::Structure(input) = &service.shape(operation.input?).kind else {
        return None;
    };
    input
        .members
        .iter()
        .find(|m| m.name == member && m.location == Location::Header)
        .and_then(|m| m.location_name)
}

/// Adds the request checksum and the validation-mode header to a prepared
/// request, as botocore's `resolve_checksum_context` and
/// `apply_request_checksum` do. `body` is `None` for a streaming body not
/// held in memory: the algorithm is returned instead, for the caller to send
/// the checksum as an aws-chunked trailer computed while streaming.
/// Returns an error message for an algorithm the caller named that is not supported.
pub fn apply_request(
    service: &Service,
    operation: &Operation,
    headers: &mut HeaderMap,
    body: Option<&[u8]>,
    (calculation, validation): (When, When),
    presign: bool,
) -> Result<Option<Algorithm>, String> {
    let Some(trait_) = operation.http_checksum else {
        return Ok(None);
    };
    // Presigned requests get no default (botocore leaves them alone).
    if let (Some(member), When::Supported, false) =
        (trait_.request_validation_mode_member, validation, presign)
    {
        if let Some(name) = member_header(service, operation, member) {
            if !headers.contains_key(name) {
                headers.insert(name, HeaderValue::from_static("ENABLED"));
            }
        }
    }
    if headers
        .keys()
        .any(|k| k.as_str().starts_with("x-amz-checksum-") && k.as_str() != "x-amz-checksum-mode")
    {
        return Ok(None); // the caller's own checksum
    }
    let algorithm_header = trait_
        .request_algorithm_member
        .and_then(|m| member_header(service, operation, m));
    let named = algorithm_header
        .and_then(|h| headers.get(h))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let algorithm = match named {
        Some(name) => Algorithm::parse(&name)
            .ok_or_else(|| format!("unsupported checksum algorithm `{name}`"))?,
        None => {
            let wanted = operation.checksum_required
                || (trait_.request_algorithm_member.is_some() && calculation == When::Supported);
            if !wanted || presign {
                return Ok(None);
            }
            if let Some(h) = algorithm_header {
                headers.insert(h, HeaderValue::from_static("CRC32"));
            }
            Algorithm::Crc32
        }
    };
    let Some(body) = body else {
        return Ok(Some(algorithm));
    };
    let value = HeaderValue::from_str(&algorithm.checksum(body)).map_err(|e| e.to_string())?;
    headers.insert(
        http::HeaderName::try_from(algorithm.header()).map_err(|e| e.to_string())?,
        value,
    );
    Ok(None)
}

/// Lower-case hex, as SigV4 and cache keys spell digests.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A response body whose checksum is not the one its header gives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the response body's {algorithm} checksum is {computed}, but the x-amz-checksum-{algorithm} header says {expected}")]
pub struct ChecksumMismatch {
    /// `crc32`, `sha256`, …
    pub algorithm: &'static str,
    /// What the header said.
    pub expected: String,
    /// What the body hashes to.
    pub computed: String,
}

/// The algorithm a response is validated with: the first of the operation's
/// `responseAlgorithms` (in botocore's priority) whose header is present and
/// not a composite (`…-N`) checksum, when validation was asked for
/// (`request_headers` hold the validation-mode member).
pub fn response_algorithm(
    service: &Service,
    operation: &Operation,
    request_headers: &HeaderMap,
    response_headers: &HeaderMap,
) -> Option<(Algorithm, String)> {
    let trait_ = operation.http_checksum?;
    let member = trait_.request_validation_mode_member?;
    let name = member_header(service, operation, member)?;
    request_headers.get(name)?;
    PRIORITY
        .into_iter()
        .filter(|a| {
            trait_
                .response_algorithms
                .iter()
                .any(|r| r.eq_ignore_ascii_case(a.name()))
        })
        .find_map(|a| {
            let value = response_headers.get(a.header())?.to_str().ok()?;
            (!value.contains('-')).then(|| (a, value.to_owned()))
        })
}

/// Checks a whole response body against `expected` (the header's value).
pub fn validate(algorithm: Algorithm, expected: &str, body: &[u8]) -> Result<(), ChecksumMismatch> {
    let computed = algorithm.checksum(body);
    if computed == expected.trim() {
        Ok(())
    } else {
        Err(ChecksumMismatch {
            algorithm: algorithm.name(),
            expected: expected.to_owned(),
            computed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_botocore() {
        // CRC32, SHA1, SHA256: botocore 1.43.11 over b"Hello world"; CRC32C and
        // CRC64NVME: the catalogue definitions (check values e3069283,
        // ae8b14860a799888), computed bit by bit.
        let data = b"Hello world";
        assert_eq!(Algorithm::Crc32.checksum(data), "i9aeUg==");
        assert_eq!(Algorithm::Crc32c.checksum(data), "crUfeA==");
        assert_eq!(Algorithm::Crc64Nvme.checksum(data), "OOJZ0D8xKts=");
        assert_eq!(
            Algorithm::Sha1.checksum(data),
            "e1AsOh9IyGCa4hLN+2Od7jlnP14="
        );
        assert_eq!(
            Algorithm::Sha256.checksum(data),
            "ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw="
        );
        assert_eq!(Algorithm::parse("CRC64NVME"), Some(Algorithm::Crc64Nvme));
        assert_eq!(Algorithm::parse("md5"), None);
    }

    #[test]
    fn validate_reports_both_values() {
        let e = validate(Algorithm::Crc32, "AAAAAA==", b"Hello world").unwrap_err();
        assert_eq!(e.computed, "i9aeUg==");
        assert!(e.to_string().contains("AAAAAA=="), "{e}");
        validate(Algorithm::Crc32, "i9aeUg==", b"Hello world").unwrap();
    }
}
