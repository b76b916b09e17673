//! Rust names for model names: fields, methods, types and enum variants.
//!
//! All naming decisions live here so that the emitters agree with each other.
//! Words are split botocore-style (`DBInstanceIdentifier` -> `db`, `instance`,
//! `identifier`), with two refinements botocore lacks: a plural acronym stays
//! one word (`ARNs` -> `arns`) and so does a versioned one (`IPv6` -> `ipv6`).

use std::collections::BTreeSet;

use heck::ToUpperCamelCase;

/// Keywords that can be written as raw identifiers (`r#type`).
const RAW_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "union", "unsafe", "unsized",
    "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers: these get a trailing `_`.
const NON_RAW_KEYWORDS: &[&str] = &["crate", "self", "Self", "super", "_"];

/// Type names a generated type must not take: the std prelude, and the names
/// generated modules import or define themselves.
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "AsMut",
    "AsRef",
    "BTreeMap",
    "Box",
    "Bytes",
    "Clone",
    "Copy",
    "DateTime",
    "De",
    "DeError",
    "Debug",
    "Default",
    "Display",
    "Document",
    "DoubleEndedIterator",
    "Drop",
    "Eq",
    "Err",
    "ExactSizeIterator",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "FromIterator",
    "Hash",
    "Into",
    "IntoIterator",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Scalar",
    "Self",
    "Send",
    "Ser",
    "Sized",
    "Some",
    "String",
    "StructSer",
    "Sync",
    "ToOwned",
    "ToString",
    "TryFrom",
    "TryInto",
    "Unpin",
    "ValueRef",
    "Vec",
];

/// Splits a model name into lowercase words.
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !c.is_ascii_alphanumeric() {
            flush(&mut cur, &mut words);
            i += 1;
            continue;
        }
        if c.is_ascii_uppercase() {
            // A run of capitals: an acronym, or the first letter of a word.
            let start = i;
            let mut end = i;
            while end < chars.len() && chars[end].is_ascii_uppercase() {
                end += 1;
            }
            let run = end - start;
            let next = chars.get(end).copied();
            let after = chars.get(end + 1).copied();
            if run >= 2 && next == Some('s') && !after.is_some_and(|a| a.is_ascii_lowercase()) {
                // `ARNs`, `VPCs`: a plural acronym.
                flush(&mut cur, &mut words);
                cur.extend(chars[start..=end].iter());
                i = end + 1;
                continue;
            }
            if run >= 2 && next == Some('v') && after.is_some_and(|a| a.is_ascii_digit()) {
                // `IPv6`, `TLSv1`: a versioned acronym.
                flush(&mut cur, &mut words);
                cur.extend(chars[start..=end].iter());
                i = end + 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    cur.push(chars[i]);
                    i += 1;
                }
                continue;
            }
            flush(&mut cur, &mut words);
            if run >= 2 && next.is_some_and(|n| n.is_ascii_lowercase()) {
                // `DBInstance`: the last capital starts the next word.
                cur.extend(chars[start..end - 1].iter());
                flush(&mut cur, &mut words);
                cur.push(chars[end - 1]);
            } else {
                cur.extend(chars[start..end].iter());
            }
            i = end;
            continue;
        }
        // Lowercase letters and digits extend the current word (`EC2`, `S3`, `md5`).
        cur.push(c);
        i += 1;
    }
    flush(&mut cur, &mut words);
    words
}

fn flush(cur: &mut String, words: &mut Vec<String>) {
    if !cur.is_empty() {
        words.push(cur.to_ascii_lowercase());
        cur.clear();
    }
}

/// `DBInstanceIdentifier` -> `db_instance_identifier`, as a plain string
/// (not yet escaped for keywords). Never empty, never starts with a digit.
pub fn snake(name: &str) -> String {
    let s = words(name).join("_");
    if s.is_empty() {
        return "value".to_owned();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("n{s}");
    }
    s
}

/// `list-users`, `DBInstance` -> `DbInstance`. Never empty, never starts with a digit.
pub fn camel(name: &str) -> String {
    let s = words(name)
        .iter()
        .map(|w| w.to_upper_camel_case())
        .collect::<Vec<_>>()
        .join("");
    if s.is_empty() {
        return "Value".to_owned();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("V{s}");
    }
    s
}

/// An identifier as it must be written in Rust source: `r#type` for keywords
/// that allow it, `self_` for those that do not.
pub fn ident_text(name: &str) -> String {
    if NON_RAW_KEYWORDS.contains(&name) {
        format!("{name}_")
    } else if RAW_KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_owned()
    }
}

/// A `proc_macro2::Ident` for a name produced by this module.
pub fn ident(name: &str) -> proc_macro2::Ident {
    let span = proc_macro2::Span::call_site();
    if NON_RAW_KEYWORDS.contains(&name) {
        proc_macro2::Ident::new(&format!("{name}_"), span)
    } else if RAW_KEYWORDS.contains(&name) {
        proc_macro2::Ident::new_raw(name, span)
    } else {
        proc_macro2::Ident::new(name, span)
    }
}

/// The variant name of an enum value: `t2.micro` -> `T2Micro`, `1.0` -> `V1_0`,
/// `*` -> `Star`, `` -> `Empty`.
pub fn enum_variant(value: &str) -> String {
    if value.is_empty() {
        return "Empty".to_owned();
    }
    let ws = words(value);
    if ws.is_empty() {
        // Only punctuation: spell it out.
        let mut s = String::new();
        for c in value.chars() {
            s.push_str(&match c {
                '*' => "Star".to_owned(),
                '-' => "Dash".to_owned(),
                '/' => "Slash".to_owned(),
                '+' => "Plus".to_owned(),
                '.' => "Dot".to_owned(),
                ' ' => "Space".to_owned(),
                other => format!("U{:X}", other as u32),
            });
        }
        return s;
    }
    let mut s = String::new();
    for w in &ws {
        let w = w.to_upper_camel_case();
        // Keep `1.0` and `10` apart.
        if s.ends_with(|c: char| c.is_ascii_digit()) && w.starts_with(|c: char| c.is_ascii_digit())
        {
            s.push('_');
        }
        s.push_str(&w);
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'V');
    }
    if s == "Self" {
        s.push('_');
    }
    s
}

/// Hands out unique names: a name already taken gets a suffix (`name_2`, or
/// `Name2` in camel style). Reserved names count as taken from the start.
#[derive(Debug, Default, Clone)]
pub struct Namer {
    taken: BTreeSet<String>,
}

impl Namer {
    pub fn new(reserved: &[&str]) -> Namer {
        Namer {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Reserves `base`, or `base` with the first free suffix.
    pub fn claim(&mut self, base: &str, snake_style: bool) -> String {
        if self.taken.insert(base.to_owned()) {
            return base.to_owned();
        }
        for n in 2.. {
            let candidate = if snake_style {
                format!("{base}_{n}")
            } else {
                format!("{base}{n}")
            };
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
        }
        unreachable!("an unbounded range always yields a free name")
    }

    /// A type name: renamed with a `Value` suffix when it would shadow a
    /// prelude or imported name.
    pub fn claim_type(&mut self, base: &str) -> String {
        if RESERVED_TYPE_NAMES.contains(&base) {
            return self.claim(&format!("{base}Value"), false);
        }
        self.claim(base, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_names_from_real_models() {
        let cases = [
            ("DBInstanceIdentifier", "db_instance_identifier"),
            ("SSEKMSKeyId", "ssekms_key_id"),
            ("ListUsers", "list_users"),
            (
                "CopySourceSSECustomerKeyMD5",
                "copy_source_sse_customer_key_md5",
            ),
            ("IPv6Address", "ipv6_address"),
            ("Ipv6CidrBlock", "ipv6_cidr_block"),
            ("EC2SecurityGroups", "ec2_security_groups"),
            ("S3Key", "s3_key"),
            ("VPCs", "vpcs"),
            ("ARNs", "arns"),
            ("PublicIPs", "public_ips"),
            ("CACertificateIdentifier", "ca_certificate_identifier"),
            ("HTTPHeaders", "http_headers"),
            ("ETag", "e_tag"),
            ("X509Certificate", "x509_certificate"),
            ("TLSv1", "tlsv1"),
            ("OS", "os"),
            ("Type", "type"),
            ("DNSName", "dns_name"),
            ("__string", "string"),
            ("x-amz-meta", "x_amz_meta"),
            ("3DSecure", "n3_d_secure"),
            ("", "value"),
            ("nextToken", "next_token"),
            ("ACLs", "acls"),
            ("VpcIds", "vpc_ids"),
        ];
        for (name, want) in cases {
            assert_eq!(snake(name), want, "snake({name:?})");
        }
    }

    #[test]
    fn keywords_are_escaped() {
        assert_eq!(ident_text(&snake("Type")), "r#type");
        assert_eq!(ident_text(&snake("Self")), "self_");
        assert_eq!(ident_text(&snake("Crate")), "crate_");
        assert_eq!(ident_text(&snake("Super")), "super_");
        assert_eq!(ident_text(&snake("Match")), "r#match");
        assert_eq!(ident_text(&snake("Async")), "r#async");
        assert_eq!(ident(&snake("Type")).to_string(), "r#type");
        assert_eq!(ident(&snake("Self")).to_string(), "self_");
        assert_eq!(ident_text(&camel("self")), "Self_");
    }

    #[test]
    fn type_names() {
        assert_eq!(camel("DBInstance"), "DbInstance");
        assert_eq!(camel("__listOfString"), "ListOfString");
        assert_eq!(camel("3DSettings"), "V3DSettings");
        let mut namer = Namer::new(RESERVED_TYPE_NAMES);
        assert_eq!(namer.claim_type("Result"), "ResultValue");
        assert_eq!(namer.claim_type("Option"), "OptionValue");
        assert_eq!(namer.claim_type("User"), "User");
        assert_eq!(namer.claim_type("User"), "User2");
    }

    #[test]
    fn enum_variants() {
        let cases = [
            ("t2.micro", "T2Micro"),
            ("ap-south-1", "ApSouth1"),
            ("1.0", "V1_0"),
            ("10", "V10"),
            ("", "Empty"),
            ("*", "Star"),
            ("ACTIVE", "Active"),
            ("Self", "Self_"),
            ("application/json", "ApplicationJson"),
            ("m5.24xlarge", "M5_24xlarge"),
            ("i3en.metal-2tb", "I3enMetal2tb"),
        ];
        for (value, want) in cases {
            assert_eq!(enum_variant(value), want, "enum_variant({value:?})");
        }
    }

    #[test]
    fn collisions_get_suffixes() {
        let mut namer = Namer::new(&["send"]);
        assert_eq!(namer.claim("send", true), "send_2");
        assert_eq!(namer.claim("user_name", true), "user_name");
        assert_eq!(namer.claim("user_name", true), "user_name_2");
        // Values differing only in case.
        let mut variants = Namer::new(&["Unknown"]);
        assert_eq!(variants.claim(&enum_variant("abc"), false), "Abc");
        assert_eq!(variants.claim(&enum_variant("ABC"), false), "Abc2");
        assert_eq!(variants.claim(&enum_variant("UNKNOWN"), false), "Unknown2");
    }
}
