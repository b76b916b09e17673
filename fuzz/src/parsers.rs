//! Targets for the runtime's other parsers of untrusted text: timestamps
//! (servers send them), config and credentials files, paginator starting
//! tokens (programs pass them back from earlier runs), and the endpoint
//! rules' ARN, URL and host-label parsing of request parameters.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use boto_runtime::client::ClientConfig;
use boto_runtime::config::{configured_endpoint_url, IniFile, SharedConfig};
use boto_runtime::endpoint::settings::{AddressingStyle, S3Config};
use boto_runtime::env::Env;
use boto_runtime::schema::TimestampFormat;
use boto_runtime::DateTime;

use crate::responses::{answer, config, consume, session};

/// Every timestamp parser, then every format of what one parsed.
pub fn timestamps(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let parsed = [
        DateTime::parse_iso8601(&text),
        DateTime::parse_http_date(&text),
        DateTime::parse_epoch(&text),
        DateTime::parse_lenient(&text),
        DateTime::parse(TimestampFormat::Iso8601, &text),
        DateTime::parse(TimestampFormat::Rfc822, &text),
        DateTime::parse(TimestampFormat::UnixTimestamp, &text),
    ];
    for t in parsed.into_iter().flatten() {
        black_box((t.to_iso8601(), t.to_wire_iso8601(), t.to_http_date()));
        black_box((t.to_epoch_string(), t.as_secs_f64(), format!("{t:?}")));
        for format in [
            TimestampFormat::Iso8601,
            TimestampFormat::Rfc822,
            TimestampFormat::UnixTimestamp,
        ] {
            black_box(t.format(format));
        }
    }
}

/// A config file and a credentials file (split at the first NUL byte),
/// sorted into profiles, every profile and section looked up, and the
/// configured endpoint URL found for a few services.
pub fn config_file(data: &[u8]) {
    let (config_text, credentials_text) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let parse = |bytes: &[u8], name: &str| {
        let text = String::from_utf8_lossy(bytes);
        match IniFile::parse(&text, Path::new(name)) {
            Ok(file) => Some(file),
            Err(e) => {
                black_box(e.to_string());
                None
            }
        }
    };
    let (Some(config), Some(credentials)) = (
        parse(config_text, "config"),
        parse(credentials_text, "credentials"),
    ) else {
        return;
    };
    let names: Vec<String> = config
        .sections
        .iter()
        .chain(&credentials.sections)
        .map(|(header, _)| header.clone())
        .collect();
    let shared = SharedConfig::from_files(
        config,
        credentials,
        PathBuf::from("config"),
        PathBuf::from("credentials"),
    );
    let env = Env::from_vars::<&str, &str>([]);
    for header in names.iter().map(String::as_str).chain(["default"]) {
        let name = header
            .strip_prefix("profile ")
            .or_else(|| header.strip_prefix("services "))
            .or_else(|| header.strip_prefix("sso-session "))
            .unwrap_or(header)
            .trim();
        let profile = shared.profile(name);
        let entries: Vec<_> = profile.entries().collect();
        for (key, _) in &entries {
            black_box(profile.get(key));
            black_box(profile.nested(key, "endpoint_url"));
        }
        black_box((shared.has_profile(name), shared.services(name)));
        black_box((
            shared.sso_session(name),
            shared.credentials_file_profile(name),
        ));
        for service_id in ["S3", "DynamoDB", "Secrets Manager", "sso-oidc"] {
            black_box(configured_endpoint_url(&env, &profile, &shared, service_id));
        }
    }
}

/// The starting-token decoder, with the input tokens of S3's and DynamoDB's
/// paginators (several tokens, one token).
pub fn paginator_token(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for tokens in [
        &["KeyMarker", "VersionIdMarker"][..],
        &["ExclusiveStartKey"],
        &["NextToken"],
    ] {
        if let Ok(t) = boto_runtime::paginator::token::decode(&text, tokens) {
            // What a paginator does with a decoded token: encode it again.
            black_box(boto_runtime::paginator::token::encode(
                &t.tokens,
                Vec::new(),
            ));
        }
    }
}

/// A bucket, key, region and endpoint URL (fields split at NUL bytes after a
/// settings byte), resolved by S3's endpoint rules and serialized into a
/// request (answered with an empty 200).
pub fn endpoint_s3(data: &[u8]) {
    let (flags, rest) = data.split_first().unwrap_or((&0, &[]));
    let ops = rest.first().copied().unwrap_or(0);
    let rest = rest.get(1..).unwrap_or_default();
    let mut fields = rest.split(|&b| b == 0).map(String::from_utf8_lossy);
    let bucket = fields.next().unwrap_or_default().into_owned();
    let key = fields.next().unwrap_or_default().into_owned();
    let region = fields.next().map(|r| r.into_owned());
    let endpoint_url = fields.next().map(|u| u.into_owned());
    let bit = |n: u8| flags & (1 << n) != 0;
    let client_config = ClientConfig {
        region: region.filter(|r| !r.is_empty()),
        endpoint_url: endpoint_url.filter(|_| bit(7)),
        force_path_style: Some(bit(0)),
        use_fips_endpoint: Some(bit(1)),
        use_dualstack_endpoint: Some(bit(2)),
        s3: S3Config {
            use_accelerate_endpoint: Some(bit(3)),
            use_arn_region: Some(bit(4)),
            disable_multiregion_access_points: Some(bit(5)),
            us_east_1_regional_endpoint: Some(bit(6)),
            addressing_style: match ops >> 4 {
                1 => Some(AddressingStyle::Virtual),
                2 => Some(AddressingStyle::Path),
                _ => None,
            },
            ..S3Config::default()
        },
        ..config()
    };
    let s3 = boto_s3::Client::with_config(session(), client_config);
    answer(None, async {
        match ops % 4 {
            0 => consume(s3.get_object().bucket(bucket).key(key).send().await),
            1 => consume(s3.list_objects_v2().bucket(bucket).send().await),
            2 => consume(
                s3.write_get_object_response()
                    .request_route(bucket)
                    .request_token(key)
                    .send()
                    .await,
            ),
            _ => consume(s3.put_object().bucket(bucket).key(key).send().await),
        }
    });
}
