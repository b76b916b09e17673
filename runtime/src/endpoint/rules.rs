//! Endpoint rule sets (`endpoint-rule-set-1.json`): compiled once into a tree
//! of conditions, templates and slots, then evaluated per set of parameters.
//!
//! Semantics follow botocore's `endpoint_provider.py`: a condition whose
//! function returns unset or `false` fails its rule; `assign` binds a result
//! for the rest of the rule and its sub-rules only; the first rule that yields
//! an endpoint or an error wins.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value as Json;

use super::stdlib;
use super::Partitions;

/// A value inside rule evaluation: parameters, function results, records.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// An integer literal (`substring` bounds).
    Int(i64),
    /// A string.
    Str(String),
    /// A list (`stringArray` parameters, an ARN's `resourceId`).
    Array(Vec<Value>),
    /// A record (`aws.partition`, `aws.parseArn`, `parseURL` results).
    Record(BTreeMap<String, Value>),
}

impl Value {
    /// Python's truthiness, which botocore's `not` applies.
    pub(super) fn truthy(v: Option<&Value>) -> bool {
        match v {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(Value::Int(i)) => *i != 0,
            Some(Value::Str(s)) => !s.is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::Record(r)) => !r.is_empty(),
        }
    }

    /// The value as a string, when it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value of a JSON literal (`null` and non-integer numbers have none).
    pub(super) fn from_json(json: &Json) -> Option<Value> {
        Some(match json {
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Int(n.as_i64()?),
            Json::String(s) => Value::Str(s.clone()),
            Json::Array(a) => Value::Array(a.iter().map(Value::from_json).collect::<Option<_>>()?),
            Json::Object(o) => Value::Record(
                o.iter()
                    .map(|(k, v)| Some((k.clone(), Value::from_json(v)?)))
                    .collect::<Option<_>>()?,
            ),
            Json::Null => return None,
        })
    }

    /// The value as JSON (for endpoint properties).
    pub fn to_json(&self) -> Json {
        match self {
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            Value::Str(s) => Json::String(s.clone()),
            Value::Array(a) => Json::Array(a.iter().map(Value::to_json).collect()),
            Value::Record(r) => {
                Json::Object(r.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }

    /// The text a template inserts (Python's `str()` of the value).
    fn render(&self, out: &mut String) {
        match self {
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Str(s) => out.push_str(s),
            other => out.push_str(&other.to_json().to_string()),
        }
    }
}

/// The type of a rule-set parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// `string`.
    String,
    /// `boolean`.
    Boolean,
    /// `stringArray`.
    StringArray,
}

impl ParamType {
    fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (ParamType::String, Value::Str(_)) | (ParamType::Boolean, Value::Bool(_)) => true,
            (ParamType::StringArray, Value::Array(items)) => {
                items.iter().all(|i| matches!(i, Value::Str(_)))
            }
            _ => false,
        }
    }
}

/// One declared parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// Its name (`Region`, `Bucket`).
    pub name: String,
    /// Its type.
    pub ty: ParamType,
    /// The built-in that supplies it (`AWS::Region`), if any.
    pub builtin: Option<String>,
    /// Its default, applied when no value is bound.
    pub default: Option<Value>,
    /// Whether resolution fails without a value (after the default).
    pub required: bool,
}

/// Why a rule set could not be compiled.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid endpoint rule set: {0}")]
pub struct RuleSetError(pub String);

/// Why evaluation stopped without an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// An error rule matched: its message.
    Rule(String),
    /// Bad input or a function misused: botocore's message.
    Invalid(String),
}

/// An endpoint as a rule yields it, before any interpretation.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleEndpoint {
    /// The URL.
    pub url: String,
    /// Header names with their values, in the rule's order.
    pub headers: Vec<(String, Vec<String>)>,
    /// `properties` (`authSchemes` and others), templates filled in.
    pub properties: serde_json::Map<String, Json>,
}

/// A compiled rule set.
#[derive(Debug)]
pub struct RuleSet {
    params: Vec<Param>,
    rules: Vec<Rule>,
    slots: usize,
    /// Per parameter: whether any rule reads it (cache keys use only these).
    reads: Vec<bool>,
}

#[derive(Debug)]
enum Rule {
    Endpoint(Vec<Call>, Box<EndpointSpec>),
    Error(Vec<Call>, Expr),
    Tree(Vec<Call>, Vec<Rule>),
}

#[derive(Debug)]
struct EndpointSpec {
    url: Expr,
    properties: Vec<(String, Prop)>,
    headers: Vec<(String, Vec<Expr>)>,
}

#[derive(Debug)]
enum Prop {
    Json(Json),
    Template(Template),
    Array(Vec<Prop>),
    Object(Vec<(String, Prop)>),
}

#[derive(Debug)]
enum Expr {
    Lit(Option<Value>),
    Template(Template),
    Ref(usize),
    Call(Box<Call>),
}

#[derive(Debug)]
struct Call {
    func: Func,
    args: Vec<Expr>,
    assign: Option<usize>,
}

/// The standard library of rule sets (botocore's `RuleSetStandardLibrary`).
#[derive(Debug, Clone)]
enum Func {
    IsSet,
    Not,
    GetAttr(Option<Vec<PathPart>>),
    StringEquals,
    BooleanEquals,
    Substring,
    UriEncode,
    ParseUrl,
    IsValidHostLabel,
    AwsPartition,
    AwsParseArn,
    AwsIsVirtualHostableS3Bucket,
}

/// One step of a `getAttr` path: `name`, `name[2]` or `[2]`.
#[derive(Debug, Clone)]
struct PathPart {
    key: Option<String>,
    index: Option<usize>,
}

#[derive(Debug)]
struct Template(Vec<Part>);

#[derive(Debug)]
enum Part {
    Lit(String),
    Var(usize, Vec<String>),
}

struct Compiler {
    names: HashMap<String, usize>,
    reads: Vec<bool>,
}

impl RuleSet {
    /// Compiles the JSON text of an `endpoint-rule-set-1.json`.
    pub fn parse(text: &str) -> Result<RuleSet, RuleSetError> {
        let json: Json =
            serde_json::from_str(text).map_err(|e| RuleSetError(format!("not JSON: {e}")))?;
        RuleSet::from_json(&json)
    }

    /// Compiles a parsed `endpoint-rule-set-1.json`.
    pub fn from_json(json: &Json) -> Result<RuleSet, RuleSetError> {
        let bad = |m: &str| RuleSetError(m.to_owned());
        let params_json = json
            .get("parameters")
            .and_then(Json::as_object)
            .ok_or_else(|| bad("no `parameters` object"))?;
        let mut params = Vec::with_capacity(params_json.len());
        for (name, spec) in params_json {
            let ty = match spec
                .get("type")
                .and_then(Json::as_str)
                .map(str::to_ascii_lowercase)
            {
                Some(t) if t == "string" => ParamType::String,
                Some(t) if t == "boolean" => ParamType::Boolean,
                Some(t) if t == "stringarray" => ParamType::StringArray,
                other => {
                    return Err(RuleSetError(format!(
                        "parameter `{name}` has unknown type {other:?}"
                    )))
                }
            };
            let default = spec.get("default").and_then(Value::from_json);
            params.push(Param {
                name: name.clone(),
                ty,
                builtin: spec
                    .get("builtIn")
                    .and_then(Json::as_str)
                    .map(str::to_owned),
                default,
                required: spec
                    .get("required")
                    .and_then(Json::as_bool)
                    .unwrap_or(false),
            });
        }
        let mut compiler = Compiler {
            names: params
                .iter()
                .enumerate()
                .map(|(i, p)| (p.name.clone(), i))
                .collect(),
            reads: vec![false; params.len()],
        };
        let rules = json
            .get("rules")
            .and_then(Json::as_array)
            .ok_or_else(|| bad("no `rules` list"))?
            .iter()
            .map(|r| compiler.rule(r))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RuleSet {
            params,
            rules,
            slots: compiler.names.len(),
            reads: compiler.reads,
        })
    }

    /// A rule set without parameters or rules.
    pub fn empty() -> RuleSet {
        RuleSet {
            params: Vec::new(),
            rules: Vec::new(),
            slots: 0,
            reads: Vec::new(),
        }
    }

    /// The declared parameters, in the rule set's order (slot order).
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// The slot of the parameter called `name`.
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| p.name == name)
    }

    /// Whether any rule reads parameter `index`; a cache key needs no others.
    pub fn reads(&self, index: usize) -> bool {
        self.reads.get(index).copied().unwrap_or(false)
    }

    /// Evaluates the rules for `values` (one per parameter, in slot order).
    pub fn evaluate(
        &self,
        values: &[Option<Value>],
        partitions: &Partitions,
    ) -> Result<RuleEndpoint, Outcome> {
        let mut scope: Vec<Option<Value>> = Vec::with_capacity(self.slots);
        for (i, param) in self.params.iter().enumerate() {
            let value = match values.get(i).cloned().flatten() {
                Some(v) if !param.ty.accepts(&v) => {
                    return Err(Outcome::Invalid(format!(
                        "Value ({}) is the wrong type. Must be {:?}.",
                        param.name, param.ty
                    )))
                }
                Some(v) => Some(v),
                None if param.default.is_some() => param.default.clone(),
                None if param.required => {
                    return Err(Outcome::Invalid(format!(
                        "Cannot find value for required parameter {}",
                        param.name
                    )))
                }
                None => None,
            };
            scope.push(value);
        }
        scope.resize(self.slots, None);
        let eval = Eval { partitions };
        for rule in &self.rules {
            if let Some(endpoint) = eval.rule(rule, &mut scope)? {
                return Ok(endpoint);
            }
        }
        let mut described = String::new();
        for (param, value) in self.params.iter().zip(&scope) {
            if let Some(v) = value {
                described.push('\n');
                described.push_str(&param.name);
                described.push_str(": ");
                v.render(&mut described);
            }
        }
        Err(Outcome::Invalid(format!(
            "No endpoint found for parameters:{described}"
        )))
    }
}

impl Compiler {
    fn slot(&mut self, name: &str) -> usize {
        let next = self.names.len();
        let slot = *self.names.entry(name.to_owned()).or_insert(next);
        if let Some(read) = self.reads.get_mut(slot) {
            *read = true;
        }
        slot
    }

    fn rule(&mut self, json: &Json) -> Result<Rule, RuleSetError> {
        let conditions = match json.get("conditions") {
            None => Vec::new(),
            Some(c) => c
                .as_array()
                .ok_or_else(|| RuleSetError("`conditions` is not a list".into()))?
                .iter()
                .map(|c| self.call(c))
                .collect::<Result<_, _>>()?,
        };
        match json.get("type").and_then(Json::as_str) {
            Some("endpoint") => {
                let e = json
                    .get("endpoint")
                    .ok_or_else(|| RuleSetError("an endpoint rule without `endpoint`".into()))?;
                let url = self.expr(
                    e.get("url")
                        .ok_or_else(|| RuleSetError("an endpoint without `url`".into()))?,
                )?;
                let properties = match e.get("properties").and_then(Json::as_object) {
                    Some(p) => p
                        .iter()
                        .map(|(k, v)| Ok((k.clone(), self.prop(v))))
                        .collect::<Result<_, RuleSetError>>()?,
                    None => Vec::new(),
                };
                let mut headers = Vec::new();
                if let Some(h) = e.get("headers").and_then(Json::as_object) {
                    for (name, values) in h {
                        let values = values
                            .as_array()
                            .ok_or_else(|| RuleSetError(format!("header `{name}` is not a list")))?
                            .iter()
                            .map(|v| self.expr(v))
                            .collect::<Result<_, _>>()?;
                        headers.push((name.clone(), values));
                    }
                }
                Ok(Rule::Endpoint(
                    conditions,
                    Box::new(EndpointSpec {
                        url,
                        properties,
                        headers,
                    }),
                ))
            }
            Some("error") => {
                let e = json
                    .get("error")
                    .ok_or_else(|| RuleSetError("an error rule without `error`".into()))?;
                Ok(Rule::Error(conditions, self.expr(e)?))
            }
            Some("tree") => {
                let rules = json
                    .get("rules")
                    .and_then(Json::as_array)
                    .ok_or_else(|| RuleSetError("a tree rule without `rules`".into()))?
                    .iter()
                    .map(|r| self.rule(r))
                    .collect::<Result<_, _>>()?;
                Ok(Rule::Tree(conditions, rules))
            }
            other => Err(RuleSetError(format!(
                "unknown rule type {other:?}: a rule is tree, endpoint or error"
            ))),
        }
    }

    fn call(&mut self, json: &Json) -> Result<Call, RuleSetError> {
        let name = json
            .get("fn")
            .and_then(Json::as_str)
            .ok_or_else(|| RuleSetError(format!("not a function call: {json}")))?;
        let argv = json
            .get("argv")
            .and_then(Json::as_array)
            .ok_or_else(|| RuleSetError(format!("`{name}` without `argv`")))?;
        let args = argv
            .iter()
            .map(|a| self.expr(a))
            .collect::<Result<Vec<_>, _>>()?;
        let func = match name {
            "isSet" => Func::IsSet,
            "not" => Func::Not,
            "getAttr" => Func::GetAttr(match argv.get(1).and_then(Json::as_str) {
                Some(path) if !is_template(path) => Some(parse_path(path)?),
                _ => None,
            }),
            "stringEquals" => Func::StringEquals,
            "booleanEquals" => Func::BooleanEquals,
            "substring" => Func::Substring,
            "uriEncode" => Func::UriEncode,
            "parseURL" => Func::ParseUrl,
            "isValidHostLabel" => Func::IsValidHostLabel,
            "aws.partition" => Func::AwsPartition,
            "aws.parseArn" => Func::AwsParseArn,
            "aws.isVirtualHostableS3Bucket" => Func::AwsIsVirtualHostableS3Bucket,
            other => return Err(RuleSetError(format!("unknown function `{other}`"))),
        };
        let arity = match func {
            Func::IsSet | Func::Not | Func::UriEncode | Func::ParseUrl => 1,
            Func::AwsPartition | Func::AwsParseArn => 1,
            Func::Substring => 4,
            _ => 2,
        };
        if args.len() != arity {
            return Err(RuleSetError(format!(
                "`{name}` takes {arity} argument(s), got {}",
                args.len()
            )));
        }
        let assign = match json.get("assign").and_then(Json::as_str) {
            Some(var) => {
                let next = self.names.len();
                Some(*self.names.entry(var.to_owned()).or_insert(next))
            }
            None => None,
        };
        Ok(Call { func, args, assign })
    }

    fn expr(&mut self, json: &Json) -> Result<Expr, RuleSetError> {
        Ok(match json {
            Json::Object(o) if o.contains_key("fn") => Expr::Call(Box::new(self.call(json)?)),
            Json::Object(o) if o.contains_key("ref") => {
                let name = o
                    .get("ref")
                    .and_then(Json::as_str)
                    .ok_or_else(|| RuleSetError("`ref` is not a string".into()))?;
                Expr::Ref(self.slot(name))
            }
            Json::String(s) if is_template(s) => Expr::Template(self.template(s)?),
            other => Expr::Lit(Value::from_json(other)),
        })
    }

    fn prop(&mut self, json: &Json) -> Prop {
        match json {
            Json::Array(a) => Prop::Array(a.iter().map(|v| self.prop(v)).collect()),
            Json::Object(o) => {
                Prop::Object(o.iter().map(|(k, v)| (k.clone(), self.prop(v))).collect())
            }
            Json::String(s) if is_template(s) => match self.template(s) {
                Ok(t) => Prop::Template(t),
                Err(_) => Prop::Json(json.clone()),
            },
            other => Prop::Json(other.clone()),
        }
    }

    /// Python's `str.format` syntax: `{name}`, `{name#attr}`, `{{` and `}}`.
    fn template(&mut self, text: &str) -> Result<Template, RuleSetError> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|p| p.1) == Some('{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek().map(|p| p.1) == Some('}') => {
                    chars.next();
                    lit.push('}');
                }
                '{' => {
                    let rest = &text[i + 1..];
                    let end = rest
                        .find('}')
                        .ok_or_else(|| RuleSetError(format!("unclosed `{{` in {text:?}")))?;
                    let mut names = rest[..end].split('#');
                    let var = names.next().unwrap_or_default();
                    let path = names.map(str::to_owned).collect();
                    if !lit.is_empty() {
                        parts.push(Part::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(Part::Var(self.slot(var), path));
                    let close = i + 1 + end;
                    while chars.next_if(|&(j, _)| j <= close).is_some() {}
                }
                '}' => return Err(RuleSetError(format!("single `}}` in {text:?}"))),
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Lit(lit));
        }
        Ok(Template(parts))
    }
}

/// botocore's `TEMPLATE_STRING_RE` (`\{[a-zA-Z#]+\}`): only such strings are templates.
fn is_template(s: &str) -> bool {
    // What follows each `{`.
    s.split('{').skip(1).any(|after| {
        let body = after
            .bytes()
            .take_while(|c| c.is_ascii_alphabetic() || *c == b'#')
            .count();
        body > 0 && after.as_bytes().get(body) == Some(&b'}')
    })
}

/// `a.b[0]`: keys separated by dots, an optional index ending a part (botocore's `GET_ATTR_RE`).
fn parse_path(path: &str) -> Result<Vec<PathPart>, RuleSetError> {
    path.split('.')
        .map(|part| match part.find('[') {
            Some(open) if part.ends_with(']') => {
                let index = part[open + 1..part.len() - 1]
                    .parse()
                    .map_err(|_| RuleSetError(format!("bad index in getAttr path {path:?}")))?;
                Ok(PathPart {
                    key: (open > 0).then(|| part[..open].to_owned()),
                    index: Some(index),
                })
            }
            _ => Ok(PathPart {
                key: Some(part.to_owned()),
                index: None,
            }),
        })
        .collect()
}

fn get_attr(value: Option<Value>, path: &[PathPart]) -> Option<Value> {
    let mut value = value?;
    for part in path {
        if let Some(key) = &part.key {
            value = match value {
                Value::Record(mut r) => r.remove(key)?,
                _ => return None,
            };
        }
        if let Some(index) = part.index {
            // An index ends the path, as in botocore.
            return match value {
                Value::Array(mut a) if index < a.len() => Some(a.swap_remove(index)),
                _ => None,
            };
        }
    }
    Some(value)
}

struct Eval<'p> {
    partitions: &'p Partitions,
}

impl Eval<'_> {
    fn rule(
        &self,
        rule: &Rule,
        scope: &mut Vec<Option<Value>>,
    ) -> Result<Option<RuleEndpoint>, Outcome> {
        let conditions = match rule {
            Rule::Endpoint(c, _) | Rule::Error(c, _) | Rule::Tree(c, _) => c,
        };
        let mut result = Ok(None);
        let mut assigned = 0;
        if self.conditions(conditions, scope, &mut assigned)? {
            result = match rule {
                Rule::Endpoint(_, spec) => self.endpoint(spec, scope).map(Some),
                Rule::Error(_, message) => Err(Outcome::Rule(self.string(message, scope)?)),
                Rule::Tree(_, rules) => {
                    let mut found = Ok(None);
                    for rule in rules {
                        found = self.rule(rule, scope);
                        if !matches!(found, Ok(None)) {
                            break;
                        }
                    }
                    found
                }
            };
        }
        // Assignments are scoped to the rule: undo them for its siblings.
        for call in conditions.iter().take(assigned) {
            if let Some(slot) = call.assign.and_then(|slot| scope.get_mut(slot)) {
                *slot = None;
            }
        }
        result
    }

    fn conditions(
        &self,
        conditions: &[Call],
        scope: &mut [Option<Value>],
        assigned: &mut usize,
    ) -> Result<bool, Outcome> {
        for call in conditions {
            let value = self.call(call, scope)?;
            *assigned += 1;
            let passed = !matches!(value, None | Some(Value::Bool(false)));
            if let Some(slot) = call.assign.and_then(|slot| scope.get_mut(slot)) {
                *slot = value;
            }
            if !passed {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn endpoint(
        &self,
        spec: &EndpointSpec,
        scope: &[Option<Value>],
    ) -> Result<RuleEndpoint, Outcome> {
        let url = self.string(&spec.url, scope)?;
        let mut properties = serde_json::Map::new();
        for (k, v) in &spec.properties {
            properties.insert(k.clone(), self.prop(v, scope)?);
        }
        let mut headers = Vec::with_capacity(spec.headers.len());
        for (name, values) in &spec.headers {
            let values = values
                .iter()
                .map(|v| self.string(v, scope))
                .collect::<Result<_, _>>()?;
            headers.push((name.clone(), values));
        }
        Ok(RuleEndpoint {
            url,
            headers,
            properties,
        })
    }

    fn prop(&self, prop: &Prop, scope: &[Option<Value>]) -> Result<Json, Outcome> {
        Ok(match prop {
            Prop::Json(j) => j.clone(),
            Prop::Template(t) => Json::String(self.template(t, scope)?),
            Prop::Array(a) => Json::Array(
                a.iter()
                    .map(|p| self.prop(p, scope))
                    .collect::<Result<_, _>>()?,
            ),
            Prop::Object(o) => Json::Object(
                o.iter()
                    .map(|(k, p)| Ok((k.clone(), self.prop(p, scope)?)))
                    .collect::<Result<_, Outcome>>()?,
            ),
        })
    }

    fn string(&self, expr: &Expr, scope: &[Option<Value>]) -> Result<String, Outcome> {
        match self.expr(expr, scope)? {
            Some(Value::Str(s)) => Ok(s),
            other => Err(Outcome::Invalid(format!(
                "expected a string in an endpoint or error rule, found {other:?}"
            ))),
        }
    }

    fn template(&self, t: &Template, scope: &[Option<Value>]) -> Result<String, Outcome> {
        let mut out = String::new();
        for part in &t.0 {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Var(slot, path) => {
                    let mut value = scope.get(*slot).and_then(Option::as_ref);
                    for key in path {
                        value = match value {
                            Some(Value::Record(r)) => r.get(key),
                            _ => None,
                        };
                    }
                    match value {
                        Some(v) => v.render(&mut out),
                        None => {
                            return Err(Outcome::Invalid(
                                "a template names a value that is not set".into(),
                            ))
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    fn expr(&self, expr: &Expr, scope: &[Option<Value>]) -> Result<Option<Value>, Outcome> {
        match expr {
            Expr::Lit(v) => Ok(v.clone()),
            Expr::Template(t) => self.template(t, scope).map(|s| Some(Value::Str(s))),
            Expr::Ref(slot) => Ok(scope.get(*slot).cloned().flatten()),
            Expr::Call(call) => self.call(call, scope),
        }
    }

    fn call(&self, call: &Call, scope: &[Option<Value>]) -> Result<Option<Value>, Outcome> {
        let mut args = Vec::with_capacity(call.args.len());
        for a in &call.args {
            args.push(self.expr(a, scope)?);
        }
        let mut args = args.into_iter();
        let mut next = || args.next().flatten();
        let invalid = |m: String| Err(Outcome::Invalid(m));
        Ok(match &call.func {
            Func::IsSet => Some(Value::Bool(next().is_some())),
            Func::Not => Some(Value::Bool(!Value::truthy(next().as_ref()))),
            Func::GetAttr(path) => {
                let value = next();
                match (path, next()) {
                    (Some(path), _) => get_attr(value, path),
                    (None, Some(Value::Str(p))) => {
                        get_attr(value, &parse_path(&p).map_err(|e| Outcome::Invalid(e.0))?)
                    }
                    _ => return invalid("getAttr needs a string path".into()),
                }
            }
            Func::StringEquals => match (next(), next()) {
                (Some(Value::Str(a)), Some(Value::Str(b))) => Some(Value::Bool(a == b)),
                (a, b) => {
                    return invalid(format!("Both values must be strings, not {a:?} and {b:?}."))
                }
            },
            Func::BooleanEquals => match (next(), next()) {
                (Some(Value::Bool(a)), Some(Value::Bool(b))) => Some(Value::Bool(a == b)),
                (a, b) => {
                    return invalid(format!(
                        "Both arguments must be bools, not {a:?} and {b:?}."
                    ))
                }
            },
            Func::Substring => match (next(), next(), next(), next()) {
                (Some(Value::Str(s)), Some(Value::Int(start)), Some(Value::Int(stop)), reverse) => {
                    stdlib::substring(&s, start, stop, reverse == Some(Value::Bool(true)))
                        .map(Value::Str)
                }
                (s, ..) => return invalid(format!("Input must be a string, not {s:?}.")),
            },
            Func::UriEncode => match next() {
                Some(Value::Str(s)) => Some(Value::Str(stdlib::uri_encode(&s))),
                _ => None,
            },
            Func::ParseUrl => match next() {
                Some(Value::Str(s)) => stdlib::parse_url(&s),
                _ => None,
            },
            Func::IsValidHostLabel => {
                let value = next();
                let allow = next() == Some(Value::Bool(true));
                Some(Value::Bool(match value {
                    Some(Value::Str(s)) => stdlib::is_valid_host_label(&s, allow),
                    _ => false,
                }))
            }
            Func::AwsPartition => {
                let region = next();
                Some(
                    self.partitions
                        .lookup(region.as_ref().and_then(Value::as_str)),
                )
            }
            Func::AwsParseArn => match next() {
                Some(Value::Str(s)) => stdlib::parse_arn(&s),
                _ => None,
            },
            Func::AwsIsVirtualHostableS3Bucket => {
                let value = next();
                let allow = next() == Some(Value::Bool(true));
                Some(Value::Bool(match value {
                    Some(Value::Str(s)) => stdlib::is_virtual_hostable_s3_bucket(&s, allow),
                    _ => false,
                }))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_and_paths() {
        assert!(is_template("https://{Region}.x"));
        assert!(is_template("{PartitionResult#dnsSuffix}"));
        assert!(!is_template("{}"));
        assert!(!is_template("no braces"));
        assert!(!is_template("{a_b}"));
        let p = parse_path("resourceId[1]").unwrap();
        assert_eq!(p[0].key.as_deref(), Some("resourceId"));
        assert_eq!(p[0].index, Some(1));
        let rec = Value::Record(BTreeMap::from([(
            "resourceId".to_owned(),
            Value::Array(vec![Value::Str("a".into()), Value::Str("b".into())]),
        )]));
        assert_eq!(
            get_attr(Some(rec.clone()), &p),
            Some(Value::Str("b".into()))
        );
        assert_eq!(
            get_attr(Some(rec), &parse_path("resourceId[5]").unwrap()),
            None
        );
    }

    #[test]
    fn scoped_assignments_and_errors() {
        let rules = r#"{
          "version": "1.0",
          "parameters": {
            "Region": {"type": "string", "builtIn": "AWS::Region"},
            "UseFIPS": {"type": "boolean", "default": false, "required": true}
          },
          "rules": [
            {"type": "tree", "conditions": [{"fn": "isSet", "argv": [{"ref": "Region"}]}],
             "rules": [
               {"type": "endpoint",
                "conditions": [{"fn": "aws.partition", "argv": [{"ref": "Region"}], "assign": "P"},
                               {"fn": "booleanEquals", "argv": [{"ref": "UseFIPS"}, true]}],
                "endpoint": {"url": "https://x-fips.{Region}.{P#dnsSuffix}"}},
               {"type": "endpoint", "conditions": [],
                "endpoint": {"url": "https://x.{Region}.amazonaws.com",
                             "properties": {"authSchemes": [{"name": "sigv4", "signingRegion": "{Region}"}]},
                             "headers": {"h": ["{Region}"]}}}
             ]},
            {"type": "error", "conditions": [], "error": "Invalid Configuration: Missing Region"}
          ]
        }"#;
        let set = RuleSet::parse(rules).unwrap();
        let parts = Partitions::builtin();
        assert!(set.reads(0) && set.reads(1));
        let e = set
            .evaluate(&[Some(Value::Str("eu-west-1".into())), None], parts)
            .unwrap();
        assert_eq!(e.url, "https://x.eu-west-1.amazonaws.com");
        assert_eq!(
            e.headers,
            vec![("h".to_owned(), vec!["eu-west-1".to_owned()])]
        );
        assert_eq!(
            e.properties["authSchemes"][0]["signingRegion"],
            Json::String("eu-west-1".into())
        );
        let e = set
            .evaluate(
                &[
                    Some(Value::Str("cn-north-1".into())),
                    Some(Value::Bool(true)),
                ],
                parts,
            )
            .unwrap();
        assert_eq!(e.url, "https://x-fips.cn-north-1.amazonaws.com.cn");
        assert_eq!(
            set.evaluate(&[None, None], parts),
            Err(Outcome::Rule(
                "Invalid Configuration: Missing Region".into()
            ))
        );
        assert!(matches!(
            set.evaluate(&[Some(Value::Bool(true)), None], parts),
            Err(Outcome::Invalid(m)) if m.contains("wrong type")
        ));
    }
}
