//! The AWS CLI's shorthand syntax for structures, maps and lists of
//! structures: `Key=a,Value=b`, `k1=v1,k2=v2`, `Names=[a,b]`,
//! `Config={Mode=fast,Size=3}`, `Values=a,b,c` (a value list without
//! brackets), quoted values (`Name='a,b'`, `"x=y"`) and `\` escapes.
//! Parsed to a tree of strings, then typed by the member's shape (numbers,
//! booleans, one-element lists), as the CLI's `ParamShorthandParser` does.

use boto_runtime::schema::{Service, ShapeId, ShapeKind};
use serde_json::{Map, Value};

/// A parsed shorthand value before typing.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Text(String),
    List(Vec<Node>),
    Hash(Vec<(String, Node)>),
}

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn fail<T>(&self, why: &str) -> Result<T, String> {
        Err(format!(
            "{why} at character {} of the shorthand",
            self.at + 1
        ))
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// `key=value(,key=value)*` up to `end` (`None`: the end of the text).
    fn pairs(&mut self, end: Option<u8>) -> Result<Vec<(String, Node)>, String> {
        let mut out: Vec<(String, Node)> = Vec::new();
        loop {
            let key = self.key()?;
            if !self.eat(b'=') {
                return self.fail("expected `=` after a key");
            }
            let mut value = self.value(true)?;
            // `Key=a,b,c`: words without `=` after a value extend it into a list.
            while self.peek() == Some(b',') && !self.next_is_key() {
                self.at += 1;
                let more = self.value(true)?;
                if more == Node::Text(String::new()) {
                    return self.fail("expected a value after `,`");
                }
                value = match value {
                    Node::List(mut items) if !items.is_empty() => {
                        items.push(more);
                        Node::List(items)
                    }
                    first => Node::List(vec![first, more]),
                };
            }
            out.push((key, value));
            match self.peek() {
                Some(b',') => self.at += 1,
                p if p == end => return Ok(out),
                None => return self.fail("unexpected end"),
                Some(_) => return self.fail("expected `,`"),
            }
        }
    }

    /// Whether the text after the next `,` is `key=`.
    fn next_is_key(&self) -> bool {
        let rest = self.text.get(self.at + 1..).unwrap_or_default();
        let key_len = rest.iter().take_while(|b| is_key_byte(**b)).count();
        key_len > 0 && rest.get(key_len) == Some(&b'=')
    }

    fn key(&mut self) -> Result<String, String> {
        let start = self.at;
        while self.peek().is_some_and(is_key_byte) {
            self.at += 1;
        }
        if self.at == start {
            return self.fail("expected a key");
        }
        Ok(String::from_utf8_lossy(&self.text[start..self.at])
            .trim()
            .to_owned())
    }

    /// A value: `[..]`, `{..}`, a quoted string, or plain text up to a delimiter.
    fn value(&mut self, in_pairs: bool) -> Result<Node, String> {
        match self.peek() {
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Ok(Node::List(items));
                }
                loop {
                    items.push(self.value(false)?);
                    if self.eat(b']') {
                        return Ok(Node::List(items));
                    }
                    if !self.eat(b',') {
                        return self.fail("expected `,` or `]`");
                    }
                }
            }
            Some(b'{') => {
                self.at += 1;
                if self.eat(b'}') {
                    return Ok(Node::Hash(Vec::new()));
                }
                let pairs = self.pairs(Some(b'}'))?;
                self.at += 1;
                Ok(Node::Hash(pairs))
            }
            Some(q @ (b'\'' | b'"')) => {
                self.at += 1;
                let start = self.at;
                while self.peek().is_some_and(|b| b != q) {
                    self.at += 1;
                }
                let text = String::from_utf8_lossy(&self.text[start..self.at]).into_owned();
                if !self.eat(q) {
                    return self.fail("unterminated quote");
                }
                Ok(Node::Text(text))
            }
            _ => {
                let mut text = Vec::new();
                while let Some(b) = self.peek() {
                    let stop = matches!(b, b',' | b']' | b'}') || (!in_pairs && b == b'=');
                    if stop || b == b'[' || b == b'{' {
                        break;
                    }
                    self.at += 1;
                    if b == b'\\' {
                        if let Some(escaped) = self.peek() {
                            text.push(escaped);
                            self.at += 1;
                            continue;
                        }
                    }
                    text.push(b);
                }
                Ok(Node::Text(String::from_utf8_lossy(&text).trim().to_owned()))
            }
        }
    }
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'#' | b'/' | b':' | b' ')
}

/// Whether a member of shape `shape` takes shorthand (structures, maps,
/// lists of structures), so that its words are parsed as such.
pub fn applies(service: &Service, shape: ShapeId) -> bool {
    match &service.shape(shape).kind {
        ShapeKind::Structure(st) => !st.document,
        ShapeKind::Map { .. } => true,
        ShapeKind::List { member } => matches!(
            service.shape(member.target).kind,
            ShapeKind::Structure(_) | ShapeKind::Map { .. }
        ),
        _ => false,
    }
}

/// The value of `words` (one per structure for a list of structures) for a
/// member of shape `shape`.
pub fn parse(service: &Service, shape: ShapeId, words: &[String]) -> Result<Value, String> {
    let parse_one = |word: &str| -> Result<Node, String> {
        let mut p = Parser {
            text: word.as_bytes(),
            at: 0,
        };
        let pairs = p.pairs(None)?;
        Ok(Node::Hash(pairs))
    };
    match &service.shape(shape).kind {
        ShapeKind::List { member } => words
            .iter()
            .map(|w| parse_one(w).and_then(|n| typed(service, member.target, &n)))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        _ => match words {
            [one] => typed(service, shape, &parse_one(one)?),
            _ => Err(format!("takes one value, got {}", words.len())),
        },
    }
}

/// `node` as the JSON the dynamic client takes for shape `shape`.
fn typed(service: &Service, shape: ShapeId, node: &Node) -> Result<Value, String> {
    let s = service.shape(shape);
    match (&s.kind, node) {
        (ShapeKind::Structure(st), Node::Hash(pairs)) if !st.document => {
            let mut out = Map::new();
            for (key, value) in pairs {
                let member = st
                    .members
                    .iter()
                    .find(|m| m.name == key)
                    .ok_or_else(|| format!("{} has no member {key:?}", s.name))?;
                out.insert(
                    member.name.to_owned(),
                    typed(service, member.target, value)?,
                );
            }
            Ok(Value::Object(out))
        }
        (ShapeKind::Map { value, .. }, Node::Hash(pairs)) => {
            let mut out = Map::new();
            for (key, v) in pairs {
                out.insert(key.clone(), typed(service, value.target, v)?);
            }
            Ok(Value::Object(out))
        }
        (ShapeKind::List { member }, Node::List(items)) => items
            .iter()
            .map(|i| typed(service, member.target, i))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        // One value where a list is expected: a list of one.
        (ShapeKind::List { member }, one) => {
            Ok(Value::Array(vec![typed(service, member.target, one)?]))
        }
        (ShapeKind::Boolean, Node::Text(t)) => match t.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("{t:?} is not true or false")),
        },
        (
            ShapeKind::Byte | ShapeKind::Short | ShapeKind::Integer | ShapeKind::Long,
            Node::Text(t),
        ) => t
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("{t:?} is not an integer")),
        (ShapeKind::Float | ShapeKind::Double, Node::Text(t)) => t
            .parse::<f64>()
            .map(Value::from)
            .map_err(|_| format!("{t:?} is not a number")),
        (ShapeKind::Timestamp, Node::Text(t)) => Ok(t
            .parse::<f64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(t.as_str()))),
        (_, Node::Text(t)) => Ok(Value::from(t.as_str())),
        (_, other) => Err(format!("{} cannot take {other:?}", s.name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(text: &str) -> Vec<(String, Node)> {
        let mut p = Parser {
            text: text.as_bytes(),
            at: 0,
        };
        p.pairs(None).unwrap()
    }

    fn t(s: &str) -> Node {
        Node::Text(s.into())
    }

    #[test]
    fn parses_the_aws_cli_forms() {
        assert_eq!(
            nodes("Key=a,Value=b"),
            [("Key".into(), t("a")), ("Value".into(), t("b"))]
        );
        assert_eq!(
            nodes("Values=a,b,c"),
            [("Values".into(), Node::List(vec![t("a"), t("b"), t("c")]))]
        );
        assert_eq!(
            nodes("Names=[a,b],Mode=x"),
            [
                ("Names".into(), Node::List(vec![t("a"), t("b")])),
                ("Mode".into(), t("x"))
            ]
        );
        assert_eq!(
            nodes("Config={Mode=fast,Size=3},Empty=[]"),
            [
                (
                    "Config".into(),
                    Node::Hash(vec![("Mode".into(), t("fast")), ("Size".into(), t("3"))])
                ),
                ("Empty".into(), Node::List(vec![])),
            ]
        );
        assert_eq!(
            nodes(r#"Name='a,b',Other="x=y""#),
            [("Name".into(), t("a,b")), ("Other".into(), t("x=y"))]
        );
        assert_eq!(nodes(r"Name=a\,b"), [("Name".into(), t("a,b"))]);
        assert_eq!(
            nodes("Url=http://x/y?a=b"),
            [("Url".into(), t("http://x/y?a=b"))]
        );
    }

    #[test]
    fn malformed_shorthand_is_an_error_not_a_panic() {
        for bad in [
            "", "=a", "Key", "Key=[a", "Key={A=b", "Key='a", "Key=a,", "Key=a]",
        ] {
            let mut p = Parser {
                text: bad.as_bytes(),
                at: 0,
            };
            assert!(p.pairs(None).is_err(), "{bad:?}");
        }
    }
}
