//! Condition expressions from typed builders, like boto3's
//! `boto3.dynamodb.conditions` (`Key`, `Attr`): no expression strings, name
//! placeholders or value maps by hand.
//!
//! ```no_run
//! # use boto_dynamodb::{Attr, Key};
//! # async fn example(client: boto_dynamodb::Client) -> Result<(), Box<dyn std::error::Error>> {
//! let songs = client
//!     .query()
//!     .table_name("music")
//!     .key_condition(Key::new("artist").eq("Nina") & Key::new("year").between(&1960, &1969))?
//!     .filter(Attr::new("title").begins_with("S") | Attr::new("live").not_exists())?
//!     .send()
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! Each expression gets placeholders of its own (`#k0`/`:k0` for key
//! conditions, `#f0`/`:f0` for filters, `#c0`/`:c0` for conditions), merged
//! into the request's `ExpressionAttributeNames` and `ExpressionAttributeValues`.

use std::collections::BTreeMap;
use std::ops::{BitAnd, BitOr, Not};

use serde::Serialize;

use super::attribute_value::{to_attribute_value, ConversionError};
use crate::types::AttributeValue;

/// A value given to a condition: converted when the condition is made, the
/// error kept until the expression is built.
type Value = Result<AttributeValue, ConversionError>;

fn value<T: Serialize + ?Sized>(v: &T) -> Value {
    to_attribute_value(v)
}

/// A condition on a key attribute (for `KeyConditionExpression`).
#[derive(Debug, Clone, PartialEq)]
pub struct Key(String);

/// A condition on any attribute (for filter and condition expressions). The
/// name is a document path: `a.b`, `list[0].c`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr(String);

/// A built or combined condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Compare(String, &'static str, Value),
    Between(String, Value, Value),
    BeginsWith(String, Value),
    In(String, Vec<Value>),
    Exists(String),
    NotExists(String),
    Type(String, Value),
    Contains(String, Value),
    SizeCompare(String, &'static str, Value),
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
    Not(Box<Condition>),
}

macro_rules! comparisons {
    ($($method:ident => $op:literal: $doc:literal),* $(,)?) => {
        $(
            #[doc = $doc]
            pub fn $method<T: Serialize + ?Sized>(&self, v: &T) -> Condition {
                Condition::Compare(self.0.clone(), $op, value(v))
            }
        )*
    };
}

impl Key {
    pub fn new(name: impl Into<String>) -> Key {
        Key(name.into())
    }
    comparisons! {
        eq => "=": "`name = v`",
        lt => "<": "`name < v`",
        lte => "<=": "`name <= v`",
        gt => ">": "`name > v`",
        gte => ">=": "`name >= v`",
    }
    /// `name BETWEEN low AND high`
    pub fn between<T: Serialize + ?Sized, U: Serialize + ?Sized>(
        &self,
        low: &T,
        high: &U,
    ) -> Condition {
        Condition::Between(self.0.clone(), value(low), value(high))
    }
    /// `begins_with(name, prefix)`
    pub fn begins_with<T: Serialize + ?Sized>(&self, prefix: &T) -> Condition {
        Condition::BeginsWith(self.0.clone(), value(prefix))
    }
}

impl Attr {
    pub fn new(name: impl Into<String>) -> Attr {
        Attr(name.into())
    }
    comparisons! {
        eq => "=": "`name = v`",
        ne => "<>": "`name <> v`",
        lt => "<": "`name < v`",
        lte => "<=": "`name <= v`",
        gt => ">": "`name > v`",
        gte => ">=": "`name >= v`",
    }
    /// `name BETWEEN low AND high`
    pub fn between<T: Serialize + ?Sized, U: Serialize + ?Sized>(
        &self,
        low: &T,
        high: &U,
    ) -> Condition {
        Condition::Between(self.0.clone(), value(low), value(high))
    }
    /// `begins_with(name, prefix)`
    pub fn begins_with<T: Serialize + ?Sized>(&self, prefix: &T) -> Condition {
        Condition::BeginsWith(self.0.clone(), value(prefix))
    }
    /// `name IN (v, ...)`
    pub fn is_in<T: Serialize>(&self, values: impl IntoIterator<Item = T>) -> Condition {
        Condition::In(
            self.0.clone(),
            values.into_iter().map(|v| value(&v)).collect(),
        )
    }
    /// `attribute_exists(name)`
    pub fn exists(&self) -> Condition {
        Condition::Exists(self.0.clone())
    }
    /// `attribute_not_exists(name)`
    pub fn not_exists(&self) -> Condition {
        Condition::NotExists(self.0.clone())
    }
    /// `attribute_type(name, type)`, the type a DynamoDB type code (`"S"`, `"N"`, `"L"`, …).
    pub fn attribute_type(&self, type_code: &str) -> Condition {
        Condition::Type(self.0.clone(), value(type_code))
    }
    /// `contains(name, v)`
    pub fn contains<T: Serialize + ?Sized>(&self, v: &T) -> Condition {
        Condition::Contains(self.0.clone(), value(v))
    }
    /// `size(name) <op> n`, the operator one of `=`, `<>`, `<`, `<=`, `>`, `>=`.
    pub fn size(&self, op: &'static str, n: u64) -> Condition {
        Condition::SizeCompare(self.0.clone(), op, value(&n))
    }
}

impl BitAnd for Condition {
    type Output = Condition;
    fn bitand(self, rhs: Condition) -> Condition {
        Condition::And(Box::new(self), Box::new(rhs))
    }
}
impl BitOr for Condition {
    type Output = Condition;
    fn bitor(self, rhs: Condition) -> Condition {
        Condition::Or(Box::new(self), Box::new(rhs))
    }
}
impl Not for Condition {
    type Output = Condition;
    fn not(self) -> Condition {
        Condition::Not(Box::new(self))
    }
}

/// An expression with its placeholders.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expression {
    pub expression: String,
    pub names: BTreeMap<String, String>,
    pub values: BTreeMap<String, AttributeValue>,
}

struct Builder<'a> {
    prefix: &'a str,
    out: Expression,
}

impl Builder<'_> {
    /// `a.b[0].c` -> `#p0.#p1[0].#p2`, one placeholder per distinct name.
    fn path(&mut self, path: &str) -> String {
        path.split('.')
            .map(|part| {
                let (name, index) = part.split_at(part.find('[').unwrap_or(part.len()));
                let existing = self
                    .out
                    .names
                    .iter()
                    .find(|(_, n)| *n == name)
                    .map(|(k, _)| k.clone());
                let key = existing.unwrap_or_else(|| {
                    let key = format!("#{}{}", self.prefix, self.out.names.len());
                    self.out.names.insert(key.clone(), name.to_owned());
                    key
                });
                format!("{key}{index}")
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    fn value(&mut self, v: &Value) -> Result<String, ConversionError> {
        let key = format!(":{}{}", self.prefix, self.out.values.len());
        self.out.values.insert(key.clone(), v.clone()?);
        Ok(key)
    }

    fn build(&mut self, c: &Condition) -> Result<String, ConversionError> {
        Ok(match c {
            Condition::Compare(p, op, v) => format!("{} {op} {}", self.path(p), self.value(v)?),
            Condition::Between(p, lo, hi) => {
                format!(
                    "{} BETWEEN {} AND {}",
                    self.path(p),
                    self.value(lo)?,
                    self.value(hi)?
                )
            }
            Condition::BeginsWith(p, v) => {
                format!("begins_with({}, {})", self.path(p), self.value(v)?)
            }
            Condition::In(p, vs) => {
                let path = self.path(p);
                let vs = vs
                    .iter()
                    .map(|v| self.value(v))
                    .collect::<Result<Vec<_>, _>>()?;
                format!("{path} IN ({})", vs.join(", "))
            }
            Condition::Exists(p) => format!("attribute_exists({})", self.path(p)),
            Condition::NotExists(p) => format!("attribute_not_exists({})", self.path(p)),
            Condition::Type(p, v) => {
                format!("attribute_type({}, {})", self.path(p), self.value(v)?)
            }
            Condition::Contains(p, v) => format!("contains({}, {})", self.path(p), self.value(v)?),
            Condition::SizeCompare(p, op, v) => {
                format!("size({}) {op} {}", self.path(p), self.value(v)?)
            }
            Condition::And(a, b) => format!("({} AND {})", self.build(a)?, self.build(b)?),
            Condition::Or(a, b) => format!("({} OR {})", self.build(a)?, self.build(b)?),
            Condition::Not(a) => format!("(NOT {})", self.build(a)?),
        })
    }
}

impl Condition {
    /// The expression, its names (`#<prefix>N`) and values (`:<prefix>N`);
    /// the first value that could not be converted is the error.
    pub fn build(&self, prefix: &str) -> Result<Expression, ConversionError> {
        let mut b = Builder {
            prefix,
            out: Expression::default(),
        };
        b.out.expression = b.build(self)?;
        Ok(b.out)
    }
}

/// Merges an expression's placeholders into a request's maps.
fn merge(
    e: Expression,
    names: &mut Option<BTreeMap<String, String>>,
    values: &mut Option<BTreeMap<String, AttributeValue>>,
) -> String {
    if !e.names.is_empty() {
        names.get_or_insert_with(BTreeMap::new).extend(e.names);
    }
    if !e.values.is_empty() {
        values.get_or_insert_with(BTreeMap::new).extend(e.values);
    }
    e.expression
}

macro_rules! with_conditions {
    ($op:ident { $($method:ident => $member:ident, $prefix:literal: $doc:literal;)* }) => {
        impl<M> crate::operation::$op<M> {
            $(
                #[doc = $doc]
                pub fn $method(mut self, condition: Condition) -> Result<Self, ConversionError> {
                    let e = condition.build($prefix)?;
                    let input = &mut self.input;
                    let expression = merge(
                        e,
                        &mut input.expression_attribute_names,
                        &mut input.expression_attribute_values,
                    );
                    input.$member = Some(expression);
                    Ok(self)
                }
            )*
        }
    };
}

with_conditions!(Query {
    key_condition => key_condition_expression, "k": "Sets `KeyConditionExpression` from [`Key`] conditions.";
    filter => filter_expression, "f": "Sets `FilterExpression` from [`Attr`] conditions.";
});
with_conditions!(Scan {
    filter => filter_expression, "f": "Sets `FilterExpression` from [`Attr`] conditions.";
});
with_conditions!(PutItem {
    condition => condition_expression, "c": "Sets `ConditionExpression` from [`Attr`] conditions.";
});
with_conditions!(DeleteItem {
    condition => condition_expression, "c": "Sets `ConditionExpression` from [`Attr`] conditions.";
});
with_conditions!(UpdateItem {
    condition => condition_expression, "c": "Sets `ConditionExpression` from [`Attr`] conditions.";
});

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> AttributeValue {
        AttributeValue {
            s: Some(v.into()),
            ..Default::default()
        }
    }

    #[test]
    fn builds_expressions_with_placeholders() {
        let c = Key::new("artist").eq("Nina") & Key::new("year").between(&1960, &1969);
        let e = c.build("k").unwrap();
        assert_eq!(e.expression, "(#k0 = :k0 AND #k1 BETWEEN :k1 AND :k2)");
        assert_eq!(e.names["#k0"], "artist");
        assert_eq!(e.names["#k1"], "year");
        assert_eq!(e.values[":k0"], s("Nina"));
        assert_eq!(e.values[":k2"].n.as_deref(), Some("1969"));

        let f = !(Attr::new("a.b[0].c").ne("x") | Attr::new("a").not_exists())
            & Attr::new("tags").is_in(["p", "q"]);
        let e = f.build("f").unwrap();
        assert_eq!(
            e.expression,
            "((NOT (#f0.#f1[0].#f2 <> :f0 OR attribute_not_exists(#f0))) AND #f3 IN (:f1, :f2))"
        );
        assert_eq!(e.names.len(), 4);
    }

    #[test]
    fn a_value_that_cannot_convert_is_an_error_when_built() {
        let c = Attr::new("x").eq(&f64::NAN);
        assert!(c.build("c").is_err());
    }
}
