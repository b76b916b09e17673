//! S3 and S3 Control: botocore's S3 handlers that change the wire or what a
//! caller gets back. Bucket addressing and `s3_style` signing stay here until
//! the endpoint rules engine owns them.

use base64::Engine;
use md5::{Digest, Md5};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::{
    set_struct_member, struct_member, unquote, Call, Customization, Members, Overrides, Signing,
};
use crate::dynamic::DynValue;
use crate::endpoint::{Resolver, Value as EndpointValue};
use crate::model::{ModelMember, ModelShape, ServiceModel};
use crate::protocol::rest::{payload, Payload};
use crate::protocol::{DeserializeError, ErrorInfo, HttpResponse, SerializeError, TextDecode};
use crate::schema::{Member, Operation, Service, ShapeKind};
use crate::time::DateTime;

pub(super) struct S3;
pub(super) struct S3Control;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Recorded when the client asked for `encoding-type=url` itself.
const ENCODING_AUTO: &str = "s3:encoding-type-auto-set";

/// Operations taking an SSE-C key (`sse_md5` in botocore).
const SSE_C: &[&str] = &[
    "HeadObject",
    "GetObject",
    "PutObject",
    "CopyObject",
    "CreateMultipartUpload",
    "UploadPart",
    "UploadPartCopy",
    "CompleteMultipartUpload",
    "SelectObjectContent",
];

/// What `percent_encode(v, safe='-._~/')` leaves unescaped besides letters and digits.
const COPY_SOURCE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// The listings whose keys are requested URL-encoded and decoded again:
/// (operation, top-level members, (list, item member) pairs).
type Decoded = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);
const LISTINGS: &[Decoded] = &[
    (
        "ListObjects",
        &["Delimiter", "Marker", "NextMarker"],
        &[("Contents", "Key"), ("CommonPrefixes", "Prefix")],
    ),
    (
        "ListObjectsV2",
        &["Delimiter", "Prefix", "StartAfter"],
        &[("Contents", "Key"), ("CommonPrefixes", "Prefix")],
    ),
    (
        "ListObjectVersions",
        &["KeyMarker", "NextKeyMarker", "Prefix", "Delimiter"],
        &[
            ("Versions", "Key"),
            ("DeleteMarkers", "Key"),
            ("CommonPrefixes", "Prefix"),
        ],
    ),
];

/// The path prefix of bucket operations in the S3 model.
const BUCKET_PATH: &str = "/{Bucket}";

/// Outputs with an `Expires` header that botocore also gives as `ExpiresString`.
const EXPIRES_OUTPUTS: &[&str] = &["GetObjectOutput", "HeadObjectOutput"];

impl Customization for S3 {
    /// `handle_expires_header`: the raw `Expires` header is `ExpiresString`,
    /// and `Expires` is set only when it parses, so an odd value set by an
    /// uploader does not fail the call. The model's `Expires` is unbound from
    /// the header; [`Customization::after_parse`] fills it.
    fn patch_model(&self, model: &ServiceModel) -> Option<ServiceModel> {
        let bucket_paths = model.operations.values().any(|o| {
            o.http
                .request_uri
                .as_deref()
                .is_some_and(|u| u.starts_with(BUCKET_PATH))
        });
        let expires = EXPIRES_OUTPUTS.iter().any(|o| {
            model.shapes.get(*o).is_some_and(|s| {
                s.members
                    .get("Expires")
                    .is_some_and(|m| m.location.is_some())
                    && !s.members.contains_key("ExpiresString")
            })
        });
        if !bucket_paths && !expires {
            return None;
        }
        let mut model = model.clone();
        // `remove_bucket_from_url_paths_from_model`: the endpoint rules put
        // the bucket in the host or the path, so the model's path must not.
        for op in model.operations.values_mut() {
            if let Some(uri) = op.http.request_uri.as_mut() {
                if let Some(rest) = uri.strip_prefix(BUCKET_PATH) {
                    *uri = rest.to_owned();
                }
            }
        }
        if !expires {
            return Some(model);
        }
        model
            .shapes
            .entry("ExpiresString".into())
            .or_insert_with(|| ModelShape {
                shape_type: "string".into(),
                ..Default::default()
            });
        for o in EXPIRES_OUTPUTS {
            let Some(shape) = model.shapes.get_mut(*o) else {
                continue;
            };
            let Some(expires) = shape.members.get_mut("Expires") else {
                continue;
            };
            expires.location = None;
            expires.location_name = None;
            shape.members.insert(
                "ExpiresString".into(),
                ModelMember {
                    shape: "ExpiresString".into(),
                    location: Some("header".into()),
                    location_name: Some("Expires".into()),
                    documentation: Some(
                        "<p>The raw <code>Expires</code> header, also when it is not a valid date.</p>"
                            .into(),
                    ),
                    ..Default::default()
                },
            );
        }
        Some(model)
    }

    fn before_serialize(
        &self,
        call: &mut Call<'_>,
        input: &Members<'_>,
        set: &mut Overrides,
    ) -> Result<(), SerializeError> {
        let op = call.operation.name;
        if let Some(bucket) = input.str("Bucket") {
            validate_bucket_name(bucket).map_err(|m| call.serialize_error("Bucket", m))?;
        }
        if SSE_C.contains(&op) {
            sse_customer_key(input, set, "SSECustomer");
        }
        if matches!(op, "CopyObject" | "UploadPartCopy") {
            sse_customer_key(input, set, "CopySourceSSECustomer");
            if let Some(source) = input.str("CopySource") {
                set.set_named(
                    input,
                    "CopySource",
                    DynValue::Str(quote_copy_source(source)),
                );
            }
        }
        if matches!(op, "PutObject" | "CopyObject" | "CreateMultipartUpload") {
            validate_ascii_metadata(input).map_err(|m| call.serialize_error("Metadata", m))?;
        }
        if LISTINGS.iter().any(|(o, ..)| *o == op)
            && input.index("EncodingType").is_some()
            && input.get("EncodingType").is_none()
        {
            call.note(ENCODING_AUTO);
            set.set_named(input, "EncodingType", DynValue::Str("url".into()));
        }
        Ok(())
    }

    fn signing(&self) -> Signing {
        Signing {
            s3_style: true,
            content_sha256_header: true,
            unsigned_payload_ok: true,
        }
    }

    fn default_region(&self) -> Option<&'static str> {
        Some("aws-global")
    }

    /// `customize_endpoint_resolver_builtins`: `GetBucketLocation` always
    /// path-style (its answer is the region the caller does not know yet), an
    /// ARN bucket not by the custom-endpoint default.
    fn endpoint_params(
        &self,
        call: &Call<'_>,
        resolver: &Resolver,
        params: &mut [Option<EndpointValue>],
    ) {
        let bucket_is_arn = resolver
            .get(params, "Bucket")
            .and_then(EndpointValue::as_str)
            .is_some_and(|b| b.starts_with("arn:") && b.splitn(6, ':').count() == 6);
        if call.operation.name == "GetBucketLocation" {
            resolver.set(params, "ForcePathStyle", EndpointValue::Bool(true));
        } else if bucket_is_arn && resolver.get(params, "Endpoint").is_some() {
            // Path style is only the custom-endpoint default here; one asked
            // for explicitly stays, and the rules reject it for an ARN.
            resolver.set(params, "ForcePathStyle", EndpointValue::Bool(false));
        }
    }

    /// `_handle_200_error`: a 200 whose body is an `<Error>` document, or is
    /// cut short, is an error (and retried as a 500), except for operations
    /// whose output is a raw payload or has no shape.
    fn is_error(&self, call: &Call<'_>, response: &HttpResponse) -> Option<bool> {
        if response.status != 200 || response.body.is_empty() || !checks_200_body(call) {
            return None;
        }
        let root = crate::protocol::rest_xml::root_name(&response.body);
        Some(root == Some("Error") || !looks_complete(&response.body, root))
    }

    fn error_info(&self, _call: &Call<'_>, info: &mut ErrorInfo, response: &HttpResponse) {
        if response.status == 200 {
            // botocore rewrites the status, which makes the error retryable.
            info.status = 500;
        }
    }

    fn changes_output(
        &self,
        _service: &Service,
        operation: &Operation,
        response: &HttpResponse,
    ) -> bool {
        // GetObject's body is copied on the slower path: take it only when
        // there is an `Expires` header to read.
        LISTINGS.iter().any(|(o, ..)| *o == operation.name)
            || (matches!(operation.name, "GetObject" | "HeadObject")
                && response.headers.contains_key(http::header::EXPIRES))
    }

    /// The listings' keys decoded as they are read, when the body settles
    /// botocore's condition without parsing: no `EncodingType` at all (no
    /// decoding), or the result's `<EncodingType>url</EncodingType>`
    /// (S3's exact form; an element of that name only sits at the top).
    /// Any other spelling takes the untyped path, which reads it exactly.
    fn decode_output(&self, call: &Call<'_>, response: &HttpResponse) -> Option<TextDecode> {
        let (_, top, nested) = LISTINGS.iter().find(|(o, ..)| *o == call.operation.name)?;
        let none = TextDecode {
            members: Vec::new(),
            decode: unquote,
        };
        if !call.noted(ENCODING_AUTO) {
            return Some(none);
        }
        let body = &response.body[..];
        if memchr::memmem::find(body, b"<EncodingType>url</EncodingType>").is_none() {
            return memchr::memmem::find(body, b"EncodingType")
                .is_none()
                .then_some(none);
        }
        let st = call.service.shape(call.operation.output?).structure()?;
        let mut members: Vec<&'static Member> = (top.iter())
            .filter_map(|name| st.member_named(name).map(|(_, m)| m))
            .collect();
        for (list, item) in *nested {
            let Some((_, list_member)) = st.member_named(list) else {
                continue;
            };
            if let ShapeKind::List { member } = &call.service.shape(list_member.target).kind {
                let item_st = call.service.shape(member.target).structure();
                members.extend(item_st.and_then(|s| s.member_named(item)).map(|(_, m)| m));
            }
        }
        Some(TextDecode {
            members,
            decode: unquote,
        })
    }

    fn after_parse(
        &self,
        call: &Call<'_>,
        output: &mut DynValue,
        _response: &HttpResponse,
    ) -> Result<(), DeserializeError> {
        let Some(st) = call
            .operation
            .output
            .and_then(|o| call.service.shape(o).structure())
        else {
            return Ok(());
        };
        if let Some((_, top, nested)) = LISTINGS.iter().find(|(o, ..)| *o == call.operation.name) {
            let url_encoded = matches!(
                struct_member(st, output, "EncodingType"),
                Some(DynValue::Str(e)) if e == "url"
            );
            if !(url_encoded && call.noted(ENCODING_AUTO)) {
                return Ok(());
            }
            for name in *top {
                if let Some(DynValue::Str(v)) = struct_member(st, output, name) {
                    *v = unquote(v);
                }
            }
            for (list, item) in *nested {
                let Some((_, list_member)) = st.member_named(list) else {
                    continue;
                };
                let item_shape = match &call.service.shape(list_member.target).kind {
                    crate::schema::ShapeKind::List { member } => {
                        call.service.shape(member.target).structure()
                    }
                    _ => None,
                };
                let (Some(item_st), Some(DynValue::List(items))) =
                    (item_shape, struct_member(st, output, list))
                else {
                    continue;
                };
                for entry in items {
                    if let Some(DynValue::Str(v)) = struct_member(item_st, entry, item) {
                        *v = unquote(v);
                    }
                }
            }
        } else if let Some(DynValue::Str(raw)) = struct_member(st, output, "ExpiresString") {
            if let Ok(t) = DateTime::parse_http_date(raw).or_else(|_| DateTime::parse_iso8601(raw))
            {
                set_struct_member(st, output, "Expires", DynValue::Timestamp(t));
            } else {
                tracing::warn!(
                    value = %raw,
                    "the Expires header is not a timestamp; its text is in ExpiresString"
                );
            }
        }
        Ok(())
    }
}

impl Customization for S3Control {
    /// `remove_accid_host_prefix_from_model`: the rules put the account id
    /// in the host for operations with the `RequiresAccountId` parameter.
    fn patch_model(&self, model: &ServiceModel) -> Option<ServiceModel> {
        let prefixed = |o: &crate::model::ModelOperation| {
            o.endpoint.as_ref().and_then(|e| e.host_prefix.as_deref()) == Some("{AccountId}.")
                && o.static_context_params
                    .get("RequiresAccountId")
                    .is_some_and(|p| p.value == serde_json::Value::Bool(true))
        };
        if !model.operations.values().any(prefixed) {
            return None;
        }
        let mut model = model.clone();
        for op in model.operations.values_mut() {
            if prefixed(op) {
                op.endpoint = None;
            }
        }
        Some(model)
    }

    fn signing(&self) -> Signing {
        Signing {
            s3_style: true,
            content_sha256_header: true,
            unsigned_payload_ok: true,
        }
    }
}

/// botocore's `_should_handle_200_error`: operations with an output shape
/// that is not a raw (blob or string) payload.
fn checks_200_body(call: &Call<'_>) -> bool {
    let Some(st) = call
        .operation
        .output
        .and_then(|o| call.service.shape(o).structure())
    else {
        return false;
    };
    let event_stream = st.members.iter().any(|m| {
        call.service
            .shape(m.target)
            .structure()
            .is_some_and(|s| s.event_stream)
    });
    !event_stream && !matches!(payload(call.service, st), Payload::Raw(_))
}

/// Whether an XML body ends with its root's closing tag (a body cut short by
/// the network does not).
fn looks_complete(body: &[u8], root: Option<&str>) -> bool {
    let Some(root) = root else {
        return false;
    };
    let end = body.trim_ascii_end();
    end.ends_with(format!("</{root}>").as_bytes()) || end.ends_with(b"/>")
}

/// `sse_md5`: an SSE-C key given without its MD5 is sent base64 encoded,
/// with the base64 MD5 of the raw key.
fn sse_customer_key(input: &Members<'_>, set: &mut Overrides, prefix: &str) {
    let key_member = format!("{prefix}Key");
    let md5_member = format!("{prefix}KeyMD5");
    let Some(key) = input.blob(&key_member) else {
        return;
    };
    if input.get(&md5_member).is_some() {
        return;
    }
    let md5 = B64.encode(Md5::digest(key));
    let key = B64.encode(key);
    set.set_named(input, &key_member, DynValue::Str(key));
    set.set_named(input, &md5_member, DynValue::Str(md5));
}

/// `_quote_source_header`: `bucket/key` percent-encoded (`/` kept), a
/// trailing `?versionId=...` kept as it is.
pub fn quote_copy_source(source: &str) -> String {
    let version = source.match_indices("?versionId=").find(|(i, m)| {
        let rest = &source[i + m.len()..];
        !rest.is_empty() && !rest.chars().any(char::is_whitespace)
    });
    match version {
        Some((i, _)) => format!(
            "{}{}",
            utf8_percent_encode(&source[..i], COPY_SOURCE),
            &source[i..]
        ),
        None => utf8_percent_encode(source, COPY_SOURCE).to_string(),
    }
}

/// botocore's `validate_bucket_name`: `^[a-zA-Z0-9.\-_]{1,255}$`, or an
/// access point or outposts access point ARN.
pub fn validate_bucket_name(bucket: &str) -> Result<(), String> {
    let plain = (1..=255).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if plain || is_access_point_arn(bucket) {
        return Ok(());
    }
    Err(format!(
        "invalid bucket name {bucket:?}: a bucket name has 1 to 255 letters, digits, `.`, `-` \
         and `_`, or is an access point ARN"
    ))
}

fn is_access_point_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [head, partition, service, region, account, resource] = parts[..] else {
        return false;
    };
    let label = |s: &str, dots: bool| {
        (1..=63).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || (dots && b == b'.'))
    };
    let region_ok = region
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    if head != "arn" || !partition.starts_with("aws") || !region_ok || !account_ok {
        return false;
    }
    let split = |s: &str| -> Vec<String> { s.split(['/', ':']).map(str::to_owned).collect() };
    match service {
        "s3" | "s3-object-lambda" => {
            let r = resource
                .strip_prefix("accesspoint/")
                .or_else(|| resource.strip_prefix("accesspoint:"));
            r.is_some_and(|name| label(name, true))
        }
        "s3-outposts" if !region.is_empty() => {
            matches!(
                split(resource).as_slice(),
                [outpost, id, accesspoint, name]
                    if outpost == "outpost"
                        && label(id, false)
                        && accesspoint == "accesspoint"
                        && label(name, false)
            )
        }
        _ => false,
    }
}

/// `validate_ascii_metadata`: S3 metadata must be US-ASCII.
fn validate_ascii_metadata(input: &Members<'_>) -> Result<(), String> {
    let Some(metadata) = input.get("Metadata") else {
        return Ok(());
    };
    let crate::value::ValueRef::Map(map) = metadata.value() else {
        return Ok(());
    };
    let mut bad = None;
    map.for_each(&mut |k, v| {
        let value = match v.value() {
            crate::value::ValueRef::Str(s) => s,
            _ => "",
        };
        if bad.is_none() && (!k.is_ascii() || !value.is_ascii()) {
            bad = Some(format!(
                "non-ASCII characters in S3 metadata key {k:?}, value {value:?}: S3 metadata \
                 can only hold ASCII characters"
            ));
        }
    });
    bad.map_or(Ok(()), Err)
}
