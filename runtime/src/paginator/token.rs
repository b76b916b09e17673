//! Resume tokens in botocore's format, so a token made by boto3 resumes here
//! and the other way round: base64 of the JSON of every input token (plus
//! `boto_truncate_amount` after a stop mid-page, and `boto_encoded_keys`
//! listing the paths of binary values). The JSON is written the way Python's
//! `json.dumps` writes it, so the same state gives the same token text.

use base64::Engine;
use serde_json::{Map, Value as J};

/// The key botocore records a mid-page stop under.
pub const TRUNCATE_AMOUNT: &str = "boto_truncate_amount";
/// The key botocore lists base64-encoded binary values under.
pub const ENCODED_KEYS: &str = "boto_encoded_keys";

/// A decoded starting token: the input tokens, and how many items of the
/// first page were already seen.
#[derive(Debug, Clone, PartialEq)]
pub struct StartingToken {
    /// Each input token's value, keyed by input member name (null when absent).
    pub tokens: Map<String, J>,
    /// `boto_truncate_amount`: items of the first page to skip; 0 when absent.
    pub truncate_amount: usize,
}

/// Encodes `token` (input token values, in order, maybe with
/// `boto_truncate_amount`); `blob_paths` are paths of binary values, which the
/// view already holds as base64 text.
pub fn encode(token: &Map<String, J>, blob_paths: Vec<J>) -> String {
    let mut text = String::new();
    if blob_paths.is_empty() {
        dumps(&J::Object(token.clone()), &mut text);
    } else {
        let mut with_keys = token.clone();
        with_keys.insert(ENCODED_KEYS.to_owned(), J::Array(blob_paths));
        dumps(&J::Object(with_keys), &mut text);
    }
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Decodes a starting token for a paginator with `input_tokens`. Tokens that
/// are not botocore's JSON format are read as its older `a___b___3` form,
/// where a lone opaque service token is also accepted.
pub fn decode(token: &str, input_tokens: &[&str]) -> Result<StartingToken, String> {
    let (mut tokens, truncate_amount) = match decode_json(token) {
        Some(obj) => obj?,
        None => decode_deprecated(token, input_tokens)?,
    };
    if let Some(key) = tokens.keys().find(|k| !input_tokens.contains(&k.as_str())) {
        return Err(format!(
            "it holds {key:?}, which is not an input token of this paginator ({})",
            input_tokens.join(", ")
        ));
    }
    // botocore expects every input token in a resume state; absent means none.
    for name in input_tokens {
        if !tokens.contains_key(*name) {
            tokens.insert((*name).to_owned(), J::Null);
        }
    }
    Ok(StartingToken {
        tokens,
        truncate_amount,
    })
}

type Decoded = Result<(Map<String, J>, usize), String>;

/// `None` when `token` is not base64 of a JSON object.
fn decode_json(token: &str) -> Option<Decoded> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let J::Object(mut obj) = serde_json::from_str::<J>(&text).ok()? else {
        return None;
    };
    // Binary values are base64 text in the view already: nothing to undo.
    obj.shift_remove(ENCODED_KEYS);
    let amount = match obj.shift_remove(TRUNCATE_AMOUNT) {
        None => 0,
        Some(J::Number(n)) if n.as_u64().is_some() => n.as_u64().unwrap_or(0) as usize,
        Some(other) => {
            return Some(Err(format!(
                "{TRUNCATE_AMOUNT} must be a count of items, found {other}"
            )))
        }
    };
    Some(Ok((obj, amount)))
}

fn decode_deprecated(token: &str, input_tokens: &[&str]) -> Decoded {
    let mut parts: Vec<&str> = token.split("___").collect();
    let mut amount = 0;
    if parts.len() == input_tokens.len() + 1 {
        match parts.last().and_then(|p| p.parse::<usize>().ok()) {
            Some(n) => {
                amount = n;
                parts.pop();
            }
            // Not an old-style token after all: one opaque service token.
            None => parts = vec![token],
        }
    }
    if parts.len() > input_tokens.len() {
        return Err(format!(
            "it is neither botocore's base64 JSON nor {} `___`-separated values",
            input_tokens.len()
        ));
    }
    let mut tokens = Map::new();
    for (name, part) in input_tokens.iter().zip(parts) {
        let value = if part == "None" {
            J::Null
        } else {
            J::from(part)
        };
        tokens.insert((*name).to_owned(), value);
    }
    Ok((tokens, amount))
}

/// Writes `value` as Python's `json.dumps` does (`", "` and `": "`
/// separators, non-ASCII escaped as lowercase `\uXXXX`).
pub fn dumps(value: &J, out: &mut String) {
    match value {
        J::Null => out.push_str("null"),
        J::Bool(true) => out.push_str("true"),
        J::Bool(false) => out.push_str("false"),
        J::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => out.push_str(&i.to_string()),
            (_, Some(u), _) => out.push_str(&u.to_string()),
            (_, _, Some(f)) => out.push_str(&python_float(f)),
            _ => out.push_str(&n.to_string()),
        },
        J::String(s) => dumps_str(s, out),
        J::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                dumps(v, out);
            }
            out.push(']');
        }
        J::Object(obj) => {
            out.push('{');
            for (i, (k, v)) in obj.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                dumps_str(k, out);
                out.push_str(": ");
                dumps(v, out);
            }
            out.push('}');
        }
    }
}

fn dumps_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

/// Python's `repr` of a float: `1.0`, `1e+16`, `1e-05`.
fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exp),
        };
        return format!("{mantissa}e{sign}{digits:0>2}");
    }
    let s = format!("{f:?}");
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: J) -> Map<String, J> {
        match v {
            J::Object(o) => o,
            _ => unreachable!(),
        }
    }

    #[test]
    fn text_matches_python_json_dumps() {
        // json.dumps({"Marker": "é\"x", "boto_truncate_amount": 3, "n": [1.5, None, True]})
        let mut s = String::new();
        dumps(
            &json!({"Marker": "é\"x", "boto_truncate_amount": 3, "n": [1.5, null, true]}),
            &mut s,
        );
        assert_eq!(
            s,
            r#"{"Marker": "\u00e9\"x", "boto_truncate_amount": 3, "n": [1.5, null, true]}"#
        );
        let mut s = String::new();
        dumps(&json!(["😀", 1e16, 1e-5, 2.0]), &mut s);
        assert_eq!(s, r#"["\ud83d\ude00", 1e+16, 1e-05, 2.0]"#);
    }

    #[test]
    fn round_trip_with_truncation_and_blobs() {
        let state = obj(json!({"ExclusiveStartKey": {"pk": {"B": "AAE="}}, TRUNCATE_AMOUNT: 2}));
        let token = encode(&state, vec![json!(["ExclusiveStartKey", "pk", "B"])]);
        let text = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(&token)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            text,
            r#"{"ExclusiveStartKey": {"pk": {"B": "AAE="}}, "boto_truncate_amount": 2, "boto_encoded_keys": [["ExclusiveStartKey", "pk", "B"]]}"#
        );
        let decoded = decode(&token, &["ExclusiveStartKey"]).unwrap();
        assert_eq!(decoded.truncate_amount, 2);
        assert_eq!(
            J::Object(decoded.tokens),
            json!({"ExclusiveStartKey": {"pk": {"B": "AAE="}}})
        );
    }

    #[test]
    fn boto3_token_decodes() {
        // boto3: PageIterator(... MaxItems=3).resume_token for IAM ListUsers.
        let token = "eyJNYXJrZXIiOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAzfQ==";
        let d = decode(token, &["Marker"]).unwrap();
        assert_eq!(d.truncate_amount, 3);
        assert_eq!(J::Object(d.tokens), json!({"Marker": null}));
        assert_eq!(
            encode(&obj(json!({"Marker": null, TRUNCATE_AMOUNT: 3})), vec![]),
            token
        );
    }

    #[test]
    fn deprecated_and_opaque_tokens() {
        let d = decode("abc___None___4", &["KeyMarker", "VersionIdMarker"]).unwrap();
        assert_eq!(d.truncate_amount, 4);
        assert_eq!(
            J::Object(d.tokens),
            json!({"KeyMarker": "abc", "VersionIdMarker": null})
        );
        let d = decode("opaque-service-token", &["NextToken"]).unwrap();
        assert_eq!(
            J::Object(d.tokens),
            json!({"NextToken": "opaque-service-token"})
        );
        assert!(decode("a___b___c___d", &["A", "B"]).is_err());
        let foreign = encode(&obj(json!({"Other": "x"})), vec![]);
        assert!(decode(&foreign, &["NextToken"])
            .unwrap_err()
            .contains("Other"));
    }
}
