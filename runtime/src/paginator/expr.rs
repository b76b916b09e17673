//! JMESPath, as paginators (and waiters) use it: expressions are compiled
//! once per program and evaluated on the JSON [view](crate::view) of a value.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jmespath::ast::Ast;
use jmespath::{Context, Expression, Rcvar, Variable, DEFAULT_RUNTIME};
use serde_json::Value as J;

/// Why an expression cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExprError {
    #[error("JMESPath expression {expression:?} does not parse: {message}")]
    Parse { expression: String, message: String },
    #[error("JMESPath expression {expression:?} calls unknown function {function}()")]
    UnknownFunction {
        expression: String,
        function: String,
    },
    #[error("evaluating JMESPath expression {expression:?}: {message}")]
    Eval { expression: String, message: String },
}

/// A compiled expression and the top-level fields it reads.
pub struct Compiled {
    expression: Expression<'static>,
    /// Fields of the root object the expression can read; `None` when it
    /// may read the whole document (`@`, for instance).
    roots: Option<Vec<String>>,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("expression", &self.expression.as_str())
            .field("roots", &self.roots)
            .finish()
    }
}

impl Compiled {
    pub fn as_str(&self) -> &str {
        self.expression.as_str()
    }

    /// The expression itself when it is a plain dotted path (`A.B`).
    pub fn as_path(&self) -> Option<&str> {
        is_dotted_path(self.as_str()).then(|| self.as_str())
    }

    /// The root object's fields this expression can read (`None`: any).
    pub fn roots(&self) -> Option<&[String]> {
        self.roots.as_deref()
    }

    /// Evaluates the expression on `data`.
    pub fn search(&self, data: &J) -> Result<J, ExprError> {
        let eval = |message: String| ExprError::Eval {
            expression: self.as_str().to_owned(),
            message,
        };
        let var = Variable::try_from(data).map_err(|e| eval(e.to_string()))?;
        let mut ctx = Context::new(self.expression.as_str(), &DEFAULT_RUNTIME);
        let found = jmespath::interpret(&Rcvar::new(var), self.expression.as_ast(), &mut ctx)
            .map_err(|e| eval(e.to_string()))?;
        serde_json::to_value(&*found).map_err(|e| eval(e.to_string()))
    }
}

/// Compiles `expression`, checking every function it calls exists.
pub fn compile(expression: &str) -> Result<Compiled, ExprError> {
    let compiled = jmespath::compile(expression).map_err(|e| ExprError::Parse {
        expression: expression.to_owned(),
        message: e.to_string(),
    })?;
    if let Some(function) = unknown_function(compiled.as_ast()) {
        return Err(ExprError::UnknownFunction {
            expression: expression.to_owned(),
            function,
        });
    }
    let mut roots = Some(Vec::new());
    root_fields(compiled.as_ast(), &mut roots);
    Ok(Compiled {
        expression: compiled,
        roots,
    })
}

/// `expression`, compiled on first use and kept for the life of the program
/// (expressions come from static tables, so the cache stays small).
pub fn cached(expression: &'static str) -> Result<Arc<Compiled>, ExprError> {
    type Cache = Mutex<HashMap<&'static str, Arc<Compiled>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(c) = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(expression)
    {
        return Ok(Arc::clone(c));
    }
    let compiled = Arc::new(compile(expression)?);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(expression, Arc::clone(&compiled));
    Ok(compiled)
}

/// Whether `expression` is `Name(.Name)*` with plain identifiers: the only
/// form botocore's `set_value_from_jmespath` accepts.
pub fn is_dotted_path(expression: &str) -> bool {
    expression.split('.').all(|part| {
        !part.is_empty()
            && !part.starts_with(|c: char| c.is_ascii_digit())
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Python's truth value of a parsed value, which botocore applies to tokens
/// and `more_results` (`0`, `""`, `[]`, `{}` are false).
pub fn truthy(value: &J) -> bool {
    match value {
        J::Null => false,
        J::Bool(b) => *b,
        J::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        J::String(s) => !s.is_empty(),
        J::Array(a) => !a.is_empty(),
        J::Object(o) => !o.is_empty(),
    }
}

fn unknown_function(ast: &Ast) -> Option<String> {
    let mut found = None;
    walk(ast, &mut |node| {
        if let Ast::Function { name, .. } = node {
            if found.is_none() && DEFAULT_RUNTIME.get_function(name).is_none() {
                found = Some(name.clone());
            }
        }
    });
    found
}

/// Calls `f` on every node of `ast`.
fn walk(ast: &Ast, f: &mut dyn FnMut(&Ast)) {
    f(ast);
    match ast {
        Ast::Comparison { lhs, rhs, .. }
        | Ast::And { lhs, rhs, .. }
        | Ast::Or { lhs, rhs, .. }
        | Ast::Subexpr { lhs, rhs, .. }
        | Ast::Projection { lhs, rhs, .. } => {
            walk(lhs, f);
            walk(rhs, f);
        }
        Ast::Condition {
            predicate, then, ..
        } => {
            walk(predicate, f);
            walk(then, f);
        }
        Ast::Expref { ast, .. } => walk(ast, f),
        Ast::Flatten { node, .. } | Ast::Not { node, .. } | Ast::ObjectValues { node, .. } => {
            walk(node, f)
        }
        Ast::Function { args, .. } => args.iter().for_each(|a| walk(a, f)),
        Ast::MultiList { elements, .. } => elements.iter().for_each(|a| walk(a, f)),
        Ast::MultiHash { elements, .. } => elements.iter().for_each(|kv| walk(&kv.value, f)),
        Ast::Identity { .. }
        | Ast::Field { .. }
        | Ast::Index { .. }
        | Ast::Literal { .. }
        | Ast::Slice { .. } => {}
    }
}

/// Adds the root fields `ast` reads, evaluated against the root, to `out`
/// (set to `None` when it may read the whole root).
fn root_fields(ast: &Ast, out: &mut Option<Vec<String>>) {
    match ast {
        Ast::Field { name, .. } => {
            if let Some(v) = out {
                if !v.contains(name) {
                    v.push(name.clone());
                }
            }
        }
        Ast::Identity { .. } => *out = None,
        // The right-hand side runs on what the left-hand side selected.
        Ast::Subexpr { lhs, .. } | Ast::Projection { lhs, .. } => root_fields(lhs, out),
        Ast::Flatten { node, .. } | Ast::Not { node, .. } | Ast::ObjectValues { node, .. } => {
            root_fields(node, out)
        }
        Ast::Comparison { lhs, rhs, .. } | Ast::And { lhs, rhs, .. } | Ast::Or { lhs, rhs, .. } => {
            root_fields(lhs, out);
            root_fields(rhs, out);
        }
        Ast::Condition {
            predicate, then, ..
        } => {
            root_fields(predicate, out);
            root_fields(then, out);
        }
        // An expression reference runs on elements its function picks, never the root.
        Ast::Function { args, .. } => args
            .iter()
            .filter(|a| !matches!(a, Ast::Expref { .. }))
            .for_each(|a| root_fields(a, out)),
        Ast::MultiList { elements, .. } => elements.iter().for_each(|a| root_fields(a, out)),
        Ast::MultiHash { elements, .. } => {
            elements.iter().for_each(|kv| root_fields(&kv.value, out))
        }
        Ast::Expref { .. } | Ast::Index { .. } | Ast::Literal { .. } | Ast::Slice { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn evaluates_botocore_token_expressions() {
        let c = compile("NextMarker || Contents[-1].Key").unwrap();
        assert_eq!(
            c.roots(),
            Some(&["NextMarker".to_owned(), "Contents".to_owned()][..])
        );
        let page = json!({"Contents": [{"Key": "a"}, {"Key": "b"}]});
        assert_eq!(c.search(&page).unwrap(), json!("b"));
        let page = json!({"NextMarker": "m", "Contents": [{"Key": "a"}]});
        assert_eq!(c.search(&page).unwrap(), json!("m"));
        assert_eq!(c.search(&json!({})).unwrap(), J::Null);
        let c =
            compile("length(Reservations[].Instances[?State.Name == 'running']) > `0`").unwrap();
        assert_eq!(c.roots(), Some(&["Reservations".to_owned()][..]));
        assert_eq!(compile("@.a").unwrap().roots(), None);
    }

    #[test]
    fn rejects_bad_syntax_and_unknown_functions() {
        assert!(matches!(compile("a[?"), Err(ExprError::Parse { .. })));
        assert!(matches!(
            compile("nope(a)"),
            Err(ExprError::UnknownFunction { function, .. }) if function == "nope"
        ));
    }

    #[test]
    fn python_truthiness() {
        for v in [
            json!(null),
            json!(false),
            json!(0),
            json!(""),
            json!([]),
            json!({}),
        ] {
            assert!(!truthy(&v), "{v}");
        }
        for v in [
            json!(true),
            json!(1),
            json!("x"),
            json!([0]),
            json!({"a": 1}),
        ] {
            assert!(truthy(&v), "{v}");
        }
    }
}
