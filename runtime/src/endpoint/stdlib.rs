//! The functions of the rules language, as botocore's
//! `RuleSetStandardLibrary` computes them, and `partitions.json`.

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv6Addr;
use std::sync::OnceLock;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value as Json;

use super::rules::{RuleSetError, Value};

/// Characters `uriEncode` leaves alone: botocore's `SAFE_CHARS` (`-._~`).
const URI_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What Python's `urllib.parse.quote` leaves alone (`/` and the unreserved set).
const QUOTE_PATH: &AsciiSet = &URI_ENCODE.remove(b'/');

/// `uriEncode`: percent-encodes all but letters, digits and `-._~`.
pub fn uri_encode(s: &str) -> String {
    utf8_percent_encode(s, URI_ENCODE).to_string()
}

/// `substring(value, start, stop, reverse)`: `None` when out of range or not ASCII.
pub fn substring(s: &str, start: i64, stop: i64, reverse: bool) -> Option<String> {
    let len = s.len() as i64;
    if start < 0 || start >= stop || len < stop || !s.is_ascii() {
        return None;
    }
    let (from, to) = if reverse {
        (len - stop, len - start)
    } else {
        (start, stop)
    };
    s.get(from as usize..to as usize).map(str::to_owned)
}

/// `isValidHostLabel`: RFC 1123 labels of 1–63 letters, digits and hyphens,
/// not starting or ending with a hyphen; each dot-separated label when `allow_subdomains`.
pub fn is_valid_host_label(s: &str, allow_subdomains: bool) -> bool {
    if allow_subdomains {
        return s.split('.').all(|label| is_valid_host_label(label, false));
    }
    (1..=63).contains(&s.len())
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// botocore's `IPV4_RE`: four dot-separated groups of 1–3 digits.
fn is_ipv4_like(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()))
}

/// `aws.isVirtualHostableS3Bucket`: at least 3 characters, lower case, not an
/// IPv4 address, and valid host label(s).
pub fn is_virtual_hostable_s3_bucket(s: &str, allow_subdomains: bool) -> bool {
    s.len() >= 3
        && s.to_lowercase() == s
        && !is_ipv4_like(s)
        && is_valid_host_label(s, allow_subdomains)
}

/// `aws.parseArn`: `arn:partition:service:region:account:resource`, the
/// resource split on `:` and `/` into `resourceId`.
pub fn parse_arn(s: &str) -> Option<Value> {
    if !s.starts_with("arn:") {
        return None;
    }
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let [_, partition, service, region, account, resource] = parts[..] else {
        return None;
    };
    if partition.is_empty() || service.is_empty() || resource.is_empty() {
        return None;
    }
    let str = |s: &str| Value::Str(s.to_owned());
    Some(Value::Record(BTreeMap::from([
        ("partition".to_owned(), str(partition)),
        ("service".to_owned(), str(service)),
        ("region".to_owned(), str(region)),
        ("accountId".to_owned(), str(account)),
        (
            "resourceId".to_owned(),
            Value::Array(resource.split([':', '/']).map(str).collect()),
        ),
    ])))
}

/// `parseURL`, as botocore computes it with Python's `urlparse`: `None` for a
/// scheme other than http(s), a query, or a bad port.
pub fn parse_url(input: &str) -> Option<Value> {
    // urlsplit drops tabs and newlines and leading control characters or spaces.
    let cleaned: String = input
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let url = cleaned.trim_start_matches(|c: char| c <= ' ');
    let (scheme, rest) = match url.find(':') {
        Some(i)
            if i > 0
                && url.starts_with(|c: char| c.is_ascii_alphabetic())
                && url[..i]
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')) =>
        {
            (url[..i].to_ascii_lowercase(), &url[i + 1..])
        }
        _ => (String::new(), url),
    };
    let (netloc, rest) = match rest.strip_prefix("//") {
        Some(after) => {
            let end = after.find(['/', '?', '#']).unwrap_or(after.len());
            (&after[..end], &after[end..])
        }
        None => ("", rest),
    };
    let rest = rest.split('#').next().unwrap_or_default();
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, q),
        None => (rest, ""),
    };
    // urlparse splits `;params` off the last path segment for http(s).
    let path = match path.rfind('/').map_or(path.find(';'), |slash| {
        path[slash..].find(';').map(|i| slash + i)
    }) {
        Some(i) => &path[..i],
        None => path,
    };
    if !matches!(scheme.as_str(), "http" | "https") || !query.is_empty() {
        return None;
    }
    let hostinfo = netloc.rsplit('@').next().unwrap_or_default();
    // Where Python's parser is lenient (or raises), a URL without a usable
    // host is no endpoint: an empty host, a bracketed host that is not an
    // IPv6 address, a second `:` (as the other SDKs' parsers decide).
    let (host, port, v6) = match hostinfo.strip_prefix('[') {
        Some(bracketed) => {
            let (host, after) = bracketed.split_once(']')?;
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':')?),
            };
            let bare = host.split('%').next().unwrap_or_default();
            bare.parse::<Ipv6Addr>().ok()?;
            (host, port, true)
        }
        None => match hostinfo.rsplit_once(':') {
            Some((h, p)) => (h, Some(p), false),
            None => (hostinfo, None, false),
        },
    };
    if host.is_empty()
        || (!v6 && host.contains([':', '[', ']']))
        || host.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return None;
    }
    if let Some(port) = port.filter(|p| !p.is_empty()) {
        if !port.bytes().all(|c| c.is_ascii_digit()) || port.parse::<u32>().ok()? > 65_535 {
            return None;
        }
    }
    let host = host.to_ascii_lowercase();
    let is_ip = v6 || is_ipv4_like(&host);
    let mut normalized = utf8_percent_encode(&remove_dot_segments(path), QUOTE_PATH).to_string();
    if !normalized.ends_with('/') {
        normalized.push('/');
    }
    let str = |s: &str| Value::Str(s.to_owned());
    Some(Value::Record(BTreeMap::from([
        ("scheme".to_owned(), str(&scheme)),
        ("authority".to_owned(), str(netloc)),
        ("path".to_owned(), str(path)),
        ("normalizedPath".to_owned(), Value::Str(normalized)),
        ("isIp".to_owned(), Value::Bool(is_ip)),
    ])))
}

/// RFC 3986 dot-segment removal, also collapsing empty segments (botocore's `remove_dot_segments`).
fn remove_dot_segments(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let first = if path.starts_with('/') { "/" } else { "" };
    let last = if path.ends_with('/') && !out.is_empty() {
        "/"
    } else {
        ""
    };
    format!("{first}{}{last}", out.join("/"))
}

/// The partitions of `partitions.json`, for `aws.partition`.
#[derive(Debug)]
pub struct Partitions {
    partitions: Vec<Partition>,
    by_region: HashMap<String, usize>,
}

#[derive(Debug)]
struct Partition {
    regex: regex_lite::Regex,
    outputs: Value,
}

impl Partitions {
    /// The `partitions.json` of the botocore release the models come from.
    pub fn builtin() -> &'static Partitions {
        static BUILTIN: OnceLock<Partitions> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            // The vendored file is checked by tests; a failure here is a build defect.
            Partitions::parse(include_str!("partitions.json"))
                .unwrap_or_else(|e| panic!("the bundled partitions.json is invalid: {e}"))
        })
    }

    /// Parses a `partitions.json` text.
    pub fn parse(text: &str) -> Result<Partitions, RuleSetError> {
        let bad = |m: String| RuleSetError(format!("partitions.json: {m}"));
        let json: Json = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let list = json
            .get("partitions")
            .and_then(Json::as_array)
            .filter(|l| !l.is_empty())
            .ok_or_else(|| bad("no `partitions` list".into()))?;
        let mut partitions = Vec::with_capacity(list.len());
        let mut by_region = HashMap::new();
        for (i, p) in list.iter().enumerate() {
            let id = p
                .get("id")
                .and_then(Json::as_str)
                .ok_or_else(|| bad(format!("partition {i} has no id")))?;
            let regex = p.get("regionRegex").and_then(Json::as_str).unwrap_or("^$");
            let regex = regex_lite::Regex::new(regex)
                .map_err(|e| bad(format!("partition {id}: regionRegex: {e}")))?;
            let mut outputs = match p.get("outputs").and_then(Value::from_json) {
                Some(Value::Record(r)) => r,
                _ => return Err(bad(format!("partition {id} has no outputs"))),
            };
            outputs.insert("name".to_owned(), Value::Str(id.to_owned()));
            if let Some(regions) = p.get("regions").and_then(Json::as_object) {
                for region in regions.keys() {
                    by_region.entry(region.clone()).or_insert(i);
                }
            }
            partitions.push(Partition {
                regex,
                outputs: Value::Record(outputs),
            });
        }
        Ok(Partitions {
            partitions,
            by_region,
        })
    }

    /// `aws.partition`: the partition listing `region`, else the first whose
    /// `regionRegex` matches, else the first (`aws`).
    pub fn lookup(&self, region: Option<&str>) -> Value {
        let index = region
            .and_then(|r| {
                self.by_region
                    .get(r)
                    .copied()
                    .or_else(|| self.partitions.iter().position(|p| p.regex.is_match(r)))
            })
            .unwrap_or(0);
        #[allow(clippy::indexing_slicing)] // `parse` refuses an empty list; indices are its own
        let partition = &self.partitions[index];
        partition.outputs.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(v: &Value, key: &str) -> Value {
        match v {
            Value::Record(r) => r[key].clone(),
            _ => panic!("not a record"),
        }
    }

    #[test]
    fn urls() {
        let u = parse_url("https://example.com:8443/a/./b/../c").unwrap();
        assert_eq!(
            field(&u, "authority"),
            Value::Str("example.com:8443".into())
        );
        assert_eq!(field(&u, "path"), Value::Str("/a/./b/../c".into()));
        assert_eq!(field(&u, "normalizedPath"), Value::Str("/a/c/".into()));
        assert_eq!(field(&u, "isIp"), Value::Bool(false));
        let u = parse_url("http://127.0.0.1:5000").unwrap();
        assert_eq!(field(&u, "isIp"), Value::Bool(true));
        assert_eq!(field(&u, "normalizedPath"), Value::Str("/".into()));
        assert_eq!(
            field(&parse_url("http://[::1]:80/").unwrap(), "isIp"),
            Value::Bool(true)
        );
        assert!(parse_url("https://example.com/?q=1").is_none());
        assert!(parse_url("ftp://example.com").is_none());
        assert!(parse_url("https://example.com:port").is_none());
        assert!(parse_url("https://example.com:70000").is_none());
        assert!(parse_url("not a url").is_none());
        for bad in [
            "https://",
            "http://",
            "https://:443",
            "https://user@",
            "https:/example.com",
            "https:///example.com",
            "https://[]",
            "https://[zz::1]",
            "https://[::1",
            "https://[1.2.3.4]",
            "https://x:80:80",
        ] {
            assert!(parse_url(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn labels_buckets_arns() {
        assert!(is_valid_host_label("a-b", false));
        assert!(!is_valid_host_label("a.b", false));
        assert!(is_valid_host_label("a.b", true));
        assert!(!is_valid_host_label("-a", false));
        assert!(!is_valid_host_label("", false));
        assert!(is_virtual_hostable_s3_bucket("my-bucket", false));
        assert!(!is_virtual_hostable_s3_bucket("My-bucket", false));
        assert!(!is_virtual_hostable_s3_bucket("ab", false));
        assert!(!is_virtual_hostable_s3_bucket("1.2.3.4", true));
        let arn = parse_arn("arn:aws:s3:us-west-2:123456789012:accesspoint:myendpoint").unwrap();
        assert_eq!(
            field(&arn, "resourceId"),
            Value::Array(vec![
                Value::Str("accesspoint".into()),
                Value::Str("myendpoint".into())
            ])
        );
        assert!(parse_arn("arn:aws:s3").is_none());
        assert!(parse_arn("arn::s3:r:a:res").is_none());
        assert_eq!(substring("abcdef", 0, 3, false).as_deref(), Some("abc"));
        assert_eq!(substring("abcdef", 0, 3, true).as_deref(), Some("def"));
        assert_eq!(substring("ab", 0, 3, false), None);
        assert_eq!(substring("é-abc", 0, 2, false), None);
        assert_eq!(uri_encode("a b/c~"), "a%20b%2Fc~");
    }

    #[test]
    fn partitions() {
        let p = Partitions::builtin();
        assert_eq!(
            field(&p.lookup(Some("eu-west-1")), "name"),
            Value::Str("aws".into())
        );
        assert_eq!(
            field(&p.lookup(Some("cn-north-1")), "name"),
            Value::Str("aws-cn".into())
        );
        assert_eq!(
            field(&p.lookup(Some("us-gov-west-1")), "name"),
            Value::Str("aws-us-gov".into())
        );
        assert_eq!(
            field(&p.lookup(Some("us-isob-east-1")), "dnsSuffix"),
            Value::Str("sc2s.sgov.gov".into())
        );
        // unknown but pattern-matching, and not matching at all
        assert_eq!(
            field(&p.lookup(Some("us-gov-north-9")), "name"),
            Value::Str("aws-us-gov".into())
        );
        assert_eq!(
            field(&p.lookup(Some("mars-east-1")), "name"),
            Value::Str("aws".into())
        );
    }
}
