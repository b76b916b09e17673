//! Glacier: botocore's `inject_account_id`, `add_glacier_version` and
//! `add_glacier_checksums`.

use http::HeaderValue;
use sha2::{Digest, Sha256};

use super::{Call, Customization, Members, Overrides, Signing};
use crate::dynamic::DynValue;
use crate::protocol::{HttpRequest, SerializeError};

pub(super) struct Glacier;

/// Glacier's tree hash works on 1 MiB chunks.
const TREE_CHUNK: usize = 1024 * 1024;

impl Customization for Glacier {
    /// `accountId` defaults to `-`: the account of the credentials.
    fn before_serialize(
        &self,
        _call: &mut Call<'_>,
        input: &Members<'_>,
        set: &mut Overrides,
    ) -> Result<(), SerializeError> {
        if input.index("accountId").is_some() && input.get("accountId").is_none() {
            set.set_named(input, "accountId", DynValue::Str("-".into()));
        }
        Ok(())
    }

    fn after_serialize(
        &self,
        call: &Call<'_>,
        request: &mut HttpRequest,
    ) -> Result<(), SerializeError> {
        let version = call.service.metadata.api_version;
        if !version.is_empty() {
            let v = HeaderValue::from_str(version)
                .map_err(|_| call.serialize_error("", "invalid apiVersion"))?;
            request.headers.insert("x-amz-glacier-version", v);
        }
        if matches!(call.operation.name, "UploadArchive" | "UploadMultipartPart")
            && !request.headers.contains_key("x-amz-sha256-tree-hash")
        {
            let hash = tree_hash(&request.body);
            request.headers.insert(
                "x-amz-sha256-tree-hash",
                HeaderValue::from_str(&hash).expect("hex is a valid header value"),
            );
        }
        Ok(())
    }

    /// Uploads carry `x-amz-content-sha256` (the linear hash).
    fn signing(&self) -> Signing {
        Signing {
            s3_style: false,
            content_sha256_header: true,
            unsigned_payload_ok: false,
        }
    }
}

/// Glacier's SHA-256 tree hash, in hex: hashes of 1 MiB chunks, combined
/// pairwise until one remains (botocore's `calculate_tree_hash`).
pub fn tree_hash(body: &[u8]) -> String {
    let mut level: Vec<[u8; 32]> = body
        .chunks(TREE_CHUNK)
        .map(|c| Sha256::digest(c).into())
        .collect();
    if level.is_empty() {
        level.push(Sha256::digest(b"").into());
    }
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => {
                    let mut h = Sha256::new();
                    h.update(a);
                    h.update(b);
                    h.finalize().into()
                }
                [a] => *a,
                _ => unreachable!("chunks(2)"),
            })
            .collect();
    }
    #[allow(clippy::indexing_slicing)] // never empty: one hash for an empty body, pairs keep one
    let root = &level[0];
    crate::checksum::hex(root)
}
