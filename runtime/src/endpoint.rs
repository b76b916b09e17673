//! Where a request goes and how it is signed.
//!
//! [`resolve_endpoint`] is the one seam: today it knows the standard
//! `https://{prefix}.{region}.{dnsSuffix}` pattern plus the handful of global
//! services; the endpoint rules engine will replace its body later.

use std::net::IpAddr;

use reqwest::Url;

use crate::config::ConfiguredUrl;
use crate::error::EndpointError;
use crate::schema::Service;

/// A resolved endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `scheme://host[:port][/path]`, no trailing slash.
    pub url: String,
    /// The region to sign for (`us-east-1` for a global endpoint).
    pub signing_region: String,
    /// The SigV4 service name (`signingName`, else the endpoint prefix).
    pub signing_name: String,
}

/// Endpoint settings beyond the region.
#[derive(Debug, Clone, Default)]
pub struct EndpointConfig {
    /// An explicit endpoint (client config, session, env or config file).
    pub endpoint_url: Option<ConfiguredUrl>,
}

/// The region used to sign requests to global endpoints.
const GLOBAL_SIGNING_REGION: &str = "us-east-1";

/// The endpoint of `service` in `region`: the configured URL if any, else the
/// service's global endpoint (in the `aws` partition), else `https://{prefix}.{region}.{dnsSuffix}`.
pub fn resolve_endpoint(
    service: &Service,
    region: Option<&str>,
    config: &EndpointConfig,
) -> Result<Endpoint, EndpointError> {
    let signing_name = signing_name(service).to_owned();
    if let Some(region) = region {
        if region.is_empty()
            || !region
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(EndpointError::InvalidRegion {
                region: region.to_owned(),
            });
        }
    }
    let global = service
        .metadata
        .global_endpoint
        .filter(|_| !crate::customize::for_service(service.name).regional_despite_global())
        .filter(|_| {
            region
                .is_none_or(|r| partition_suffix(r) == "amazonaws.com" && !r.starts_with("us-gov-"))
        });

    if let Some(custom) = &config.endpoint_url {
        let url = normalize_url(custom)?;
        let signing_region = match (region, global) {
            (Some(r), _) => r.to_owned(),
            (None, Some(_)) => GLOBAL_SIGNING_REGION.to_owned(),
            (None, None) => {
                return Err(EndpointError::NoRegion {
                    service: service.name.to_owned(),
                })
            }
        };
        return Ok(Endpoint {
            url,
            signing_region,
            signing_name,
        });
    }

    if let Some(host) = global {
        return Ok(Endpoint {
            url: format!("https://{host}"),
            signing_region: GLOBAL_SIGNING_REGION.to_owned(),
            signing_name,
        });
    }
    let region = region.ok_or_else(|| EndpointError::NoRegion {
        service: service.name.to_owned(),
    })?;
    let prefix = if service.metadata.endpoint_prefix.is_empty() {
        service.name
    } else {
        service.metadata.endpoint_prefix
    };
    Ok(Endpoint {
        url: format!("https://{prefix}.{region}.{}", partition_suffix(region)),
        signing_region: region.to_owned(),
        signing_name,
    })
}

/// The name requests are signed with: `signingName`, else `endpointPrefix`.
pub fn signing_name(service: &Service) -> &'static str {
    [
        service.metadata.signing_name,
        service.metadata.endpoint_prefix,
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .unwrap_or(service.name)
}

fn partition_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else if region.starts_with("us-isob-") {
        "sc2s.sgov.gov"
    } else if region.starts_with("us-iso-") {
        "c2s.ic.gov"
    } else {
        "amazonaws.com"
    }
}

fn normalize_url(custom: &ConfiguredUrl) -> Result<String, EndpointError> {
    let invalid = |reason: &str| EndpointError::InvalidUrl {
        url: custom.url.clone(),
        source_name: custom.source.clone(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(&custom.url).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("there is no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("an endpoint URL cannot have a query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Whether `url`'s host is an IP address or `localhost`: such endpoints get
/// no host prefix and no virtual-hosted buckets (moto, LocalStack, MinIO).
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

/// Prepends a host prefix (`data.`) to the endpoint's host.
pub fn with_host_prefix(url: &str, prefix: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{prefix}{rest}"),
        None => url.to_owned(),
    }
}

/// A bucket name usable as a DNS label under TLS: 3–63 lowercase letters,
/// digits and hyphens, starting and ending alphanumeric, not an IP. Dotted
/// names go path-style since they break wildcard certificates.
pub fn is_virtual_hostable_bucket(bucket: &str) -> bool {
    let b = bucket.as_bytes();
    (3..=63).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && bucket.parse::<IpAddr>().is_err()
}

/// S3 addressing: turns path-style `(https://s3.r.amazonaws.com, /bucket/key?q)`
/// into virtual-hosted `(https://bucket.s3.r.amazonaws.com, /key?q)` unless
/// `force_path_style`, the endpoint is local, or the bucket is not hostable.
pub fn s3_address(url: &str, uri: &str, force_path_style: bool) -> (String, String) {
    let unchanged = || (url.to_owned(), uri.to_owned());
    if force_path_style || is_local_host(url) {
        return unchanged();
    }
    let Some(path) = uri.strip_prefix('/') else {
        return unchanged();
    };
    let end = path.find(['/', '?']).unwrap_or(path.len());
    let bucket = &path[..end];
    if bucket.is_empty() || !is_virtual_hostable_bucket(bucket) {
        return unchanged();
    }
    let rest = &path[end..];
    let rest = if rest.starts_with('/') {
        rest.to_owned()
    } else {
        format!("/{rest}")
    };
    (with_host_prefix(url, &format!("{bucket}.")), rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Metadata;

    const fn service(
        name: &'static str,
        prefix: &'static str,
        global: Option<&'static str>,
    ) -> Service {
        Service {
            name,
            metadata: Metadata {
                endpoint_prefix: prefix,
                global_endpoint: global,
                ..Metadata::DEFAULT
            },
            shapes: &[],
            operations: &[],
        }
    }

    static DDB: Service = service("dynamodb", "dynamodb", None);
    static IAM: Service = service("iam", "iam", Some("iam.amazonaws.com"));
    static STS: Service = service("sts", "sts", Some("sts.amazonaws.com"));
    static ROUTE53: Service = service("route53", "route53", Some("route53.amazonaws.com"));

    fn resolve(
        s: &Service,
        region: Option<&str>,
        url: Option<&str>,
    ) -> Result<Endpoint, EndpointError> {
        let config = EndpointConfig {
            endpoint_url: url.map(|u| ConfiguredUrl {
                url: u.into(),
                source: "test".into(),
            }),
        };
        resolve_endpoint(s, region, &config)
    }

    #[test]
    fn regional_and_china() {
        let e = resolve(&DDB, Some("eu-west-1"), None).unwrap();
        assert_eq!(e.url, "https://dynamodb.eu-west-1.amazonaws.com");
        assert_eq!(e.signing_region, "eu-west-1");
        assert_eq!(e.signing_name, "dynamodb");
        let e = resolve(&DDB, Some("cn-north-1"), None).unwrap();
        assert_eq!(e.url, "https://dynamodb.cn-north-1.amazonaws.com.cn");
    }

    #[test]
    fn global_services() {
        let e = resolve(&IAM, Some("eu-west-1"), None).unwrap();
        assert_eq!(e.url, "https://iam.amazonaws.com");
        assert_eq!(e.signing_region, "us-east-1");
        let e = resolve(&IAM, None, None).unwrap();
        assert_eq!(e.url, "https://iam.amazonaws.com");
        let e = resolve(&ROUTE53, Some("ap-south-1"), None).unwrap();
        assert_eq!(e.url, "https://route53.amazonaws.com");
        // sts is regional
        let e = resolve(&STS, Some("eu-west-1"), None).unwrap();
        assert_eq!(e.url, "https://sts.eu-west-1.amazonaws.com");
        assert_eq!(e.signing_region, "eu-west-1");
        // iam in China is regional
        let e = resolve(&IAM, Some("cn-north-1"), None).unwrap();
        assert_eq!(e.url, "https://iam.cn-north-1.amazonaws.com.cn");
    }

    #[test]
    fn region_errors() {
        let e = resolve(&DDB, None, None).unwrap_err();
        assert!(matches!(e, EndpointError::NoRegion { .. }));
        assert!(e.to_string().contains("AWS_REGION"), "{e}");
        let e = resolve(&DDB, Some("evil.com/x"), None).unwrap_err();
        assert!(matches!(e, EndpointError::InvalidRegion { .. }));
    }

    #[test]
    fn custom_endpoint() {
        let e = resolve(&DDB, Some("us-west-2"), Some("http://127.0.0.1:5000/")).unwrap();
        assert_eq!(e.url, "http://127.0.0.1:5000");
        assert_eq!(e.signing_region, "us-west-2");
        let e = resolve(&IAM, None, Some("http://localhost:5000")).unwrap();
        assert_eq!(e.signing_region, "us-east-1");
        let e = resolve(&DDB, Some("us-west-2"), Some("ftp://x")).unwrap_err();
        assert!(e.to_string().contains("http or https"), "{e}");
        let e = resolve(&DDB, Some("us-west-2"), Some("not a url")).unwrap_err();
        assert!(e.to_string().contains("from test"), "{e}");
    }

    #[test]
    fn s3_addressing() {
        let aws = "https://s3.us-west-2.amazonaws.com";
        assert_eq!(
            s3_address(aws, "/my-bucket/a/b.txt?x=1", false),
            (
                "https://my-bucket.s3.us-west-2.amazonaws.com".into(),
                "/a/b.txt?x=1".into()
            )
        );
        assert_eq!(
            s3_address(aws, "/my-bucket?location", false),
            (
                "https://my-bucket.s3.us-west-2.amazonaws.com".into(),
                "/?location".into()
            )
        );
        assert_eq!(
            s3_address(aws, "/my-bucket", false),
            (
                "https://my-bucket.s3.us-west-2.amazonaws.com".into(),
                "/".into()
            )
        );
        // path style: forced, dotted/uppercase names, local endpoints, no bucket
        for (url, uri, force) in [
            (aws, "/my-bucket/k", true),
            (aws, "/my.bucket/k", false),
            (aws, "/My_Bucket/k", false),
            (aws, "/", false),
            ("http://127.0.0.1:5000", "/my-bucket/k", false),
            ("http://localhost:4566", "/my-bucket/k", false),
            ("http://[::1]:4566", "/my-bucket/k", false),
        ] {
            assert_eq!(
                s3_address(url, uri, force),
                (url.into(), uri.into()),
                "{url} {uri}"
            );
        }
        // custom DNS endpoints stay virtual-hosted, keeping the port
        assert_eq!(
            s3_address("http://minio.internal:9000", "/b-1/k", false).0,
            "http://b-1.minio.internal:9000"
        );
    }

    #[test]
    fn hostable_buckets() {
        assert!(is_virtual_hostable_bucket("abc"));
        assert!(!is_virtual_hostable_bucket("ab"));
        assert!(!is_virtual_hostable_bucket("-abc"));
        assert!(!is_virtual_hostable_bucket("abc-"));
        assert!(!is_virtual_hostable_bucket(&"a".repeat(64)));
    }

    #[test]
    fn host_prefix() {
        assert_eq!(
            with_host_prefix("https://servicediscovery.us-east-1.amazonaws.com", "data-"),
            "https://data-servicediscovery.us-east-1.amazonaws.com"
        );
    }
}
