//! JMESPath as paginators, waiters and resources use it, with botocore's
//! checks: compile once per process, search a JSON value.
//!
//! - [`compile`] parses an expression and checks that every function it calls
//!   exists (botocore fails on both when it loads a model), so a compiled
//!   expression can only fail on the data. It does not cache: it serves
//!   expressions built at run time.
//! - [`cached`] is [`compile`] behind one process-wide cache keyed by the
//!   expression's text. Generated code passes `&'static str`s from its static
//!   tables, so the cache stays as small as the models in use. Lookups take a
//!   read lock only; searching happens after the lock is released.
//! - [`Compiled::search`] evaluates on a [`serde_json::Value`] (the JSON
//!   [view](crate::view) of a value); [`Data`] converts a value once for
//!   several searches, as a waiter's acceptors do on one response.
//! - [`truthy`] is Python's truth value, which botocore applies to paging
//!   tokens and `more_results`.
//!
//! The external crate of the same name is `::jmespath` inside this crate.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use ::jmespath::ast::Ast;
use ::jmespath::{Context, Expression, Rcvar, Variable, DEFAULT_RUNTIME};
use serde_json::Value as J;

/// Why an expression cannot be compiled or evaluated. Each case names the
/// expression, except [`ExprError::Data`], which no expression caused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprError {
    /// Not JMESPath syntax.
    #[error("expression {expression:?} does not parse as JMESPath: {message}")]
    Parse {
        /// The expression's text.
        expression: String,
        /// The parser's message.
        message: String,
    },
    /// A call of a function the JMESPath runtime does not have.
    #[error("expression {expression:?} calls unknown function {function}()")]
    UnknownFunction {
        /// The expression's text.
        expression: String,
        /// The function's name.
        function: String,
    },
    /// Evaluation failed on the data (a function given the wrong type, say).
    #[error("evaluating expression {expression:?}: {message}")]
    Eval {
        /// The expression's text.
        expression: String,
        /// The interpreter's message.
        message: String,
    },
    /// A value could not be converted for JMESPath.
    #[error("converting a value for JMESPath: {message}")]
    Data {
        /// The conversion's message.
        message: String,
    },
}

/// A compiled expression and the top-level fields it reads.
pub struct Compiled {
    expression: Expression<'static>,
    /// Fields of the root object the expression can read; `None` when it
    /// may read the whole document (`@`, for instance).
    roots: Option<Vec<String>>,
}

impl fmt::Debug for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compiled")
            .field("expression", &self.expression.as_str())
            .field("roots", &self.roots)
            .finish()
    }
}

impl fmt::Display for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Compiled {
    /// The expression's text.
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
        self.search_data(&Data::from_ref(data)?)
    }

    /// Evaluates the expression on a value already converted.
    pub fn search_data(&self, data: &Data) -> Result<J, ExprError> {
        let eval = |message: String| ExprError::Eval {
            expression: self.as_str().to_owned(),
            message,
        };
        let mut ctx = Context::new(self.as_str(), &DEFAULT_RUNTIME);
        let found = ::jmespath::interpret(&data.0, self.expression.as_ast(), &mut ctx)
            .map_err(|e| eval(e.to_string()))?;
        serde_json::to_value(&*found).map_err(|e| eval(format!("result: {e}")))
    }
}

/// A JSON value converted for JMESPath once, searched any number of times;
/// cheap to clone.
#[derive(Clone, Debug)]
pub struct Data(Rcvar);

impl Data {
    /// Converts `value`, taking it by value.
    pub fn new(value: J) -> Result<Data, ExprError> {
        Variable::try_from(value)
            .map(|v| Data(Rcvar::new(v)))
            .map_err(data_error)
    }

    /// Converts a borrowed `value` (copying it into JMESPath's own tree).
    pub fn from_ref(value: &J) -> Result<Data, ExprError> {
        Variable::try_from(value)
            .map(|v| Data(Rcvar::new(v)))
            .map_err(data_error)
    }
}

fn data_error(e: ::jmespath::JmespathError) -> ExprError {
    ExprError::Data {
        message: e.to_string(),
    }
}

/// Compiles `expression`, checking every function it calls exists. Not
/// cached: for expressions known only at run time (see [`cached`]).
pub fn compile(expression: &str) -> Result<Compiled, ExprError> {
    let compiled = ::jmespath::compile(expression).map_err(|e| ExprError::Parse {
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

type Cache = RwLock<HashMap<&'static str, Result<Arc<Compiled>, ExprError>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// `expression`, compiled on first use and kept for the life of the process,
/// keyed by its text (a failure is kept too: the same text fails the same
/// way). Expressions come from static tables, so the cache stays small.
pub fn cached(expression: &'static str) -> Result<Arc<Compiled>, ExprError> {
    // A poisoned lock only means a thread panicked while holding it; every
    // entry in the map is complete, so the map is still good.
    if let Some(found) = cache()
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(expression)
    {
        return found.clone();
    }
    // Compiled without the lock; when two threads race, the first insert wins
    // and both return it.
    let compiled = compile(expression).map(Arc::new);
    cache()
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(expression)
        .or_insert(compiled)
        .clone()
}

/// Runs the [`cached`] `expression` on `data`.
pub fn search(expression: &'static str, data: &J) -> Result<J, ExprError> {
    cached(expression)?.search(data)
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
/// and `more_results` (`0`, `""`, `[]`, `{}` are false; JMESPath's own
/// truthiness holds `0` true).
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

/// The first function `ast` calls (in source order) that the runtime lacks.
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

/// Calls `f` on every node of `ast`, parents before children.
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
        assert_eq!(
            compile("sort_by(Items, &Name)").unwrap().roots(),
            Some(&["Items".to_owned()][..])
        );
    }

    #[test]
    fn rejects_bad_syntax_and_unknown_functions() {
        let e = compile("a[?").unwrap_err();
        assert!(matches!(&e, ExprError::Parse { expression, .. } if expression == "a[?"));
        assert!(e.to_string().starts_with("expression \"a[?\""), "{e}");
        let e = compile("nope(a)").unwrap_err();
        assert!(matches!(
            &e,
            ExprError::UnknownFunction { function, .. } if function == "nope"
        ));
        assert!(e.to_string().contains("unknown function nope()"), "{e}");
        // Calls inside arguments and expression references are checked too.
        for nested in [
            "length(a[?nope(b)])",
            "sort_by(a, &nope(b))",
            "{x: nope(a)}",
        ] {
            assert!(
                matches!(compile(nested), Err(ExprError::UnknownFunction { function, .. }) if function == "nope"),
                "{nested}"
            );
        }
        assert!(compile("length(a[?contains(b, 'x')])").is_ok());
    }

    #[test]
    fn evaluation_errors_name_the_expression() {
        let e = compile("length(a)")
            .unwrap()
            .search(&json!({"a": 1}))
            .unwrap_err();
        assert!(matches!(&e, ExprError::Eval { expression, .. } if expression == "length(a)"));
        assert!(e.to_string().contains("\"length(a)\""), "{e}");
    }

    #[test]
    fn data_is_converted_once_for_many_searches() {
        let data = Data::new(json!({"S": "on", "N": [1, 2]})).unwrap();
        assert_eq!(
            compile("S").unwrap().search_data(&data).unwrap(),
            json!("on")
        );
        assert_eq!(
            compile("length(N)")
                .unwrap()
                .search_data(&data.clone())
                .unwrap(),
            json!(2)
        );
    }

    #[test]
    fn cache_shares_one_compiled_expression_per_text() {
        static A: &str = "Cache.Test.Path";
        // The same text from another static string hits the same entry.
        let b: &'static str = Box::leak(String::from("Cache.Test.Path").into_boxed_str());
        let (x, y) = (cached(A).unwrap(), cached(b).unwrap());
        assert!(Arc::ptr_eq(&x, &y));
        assert_eq!(x.as_path(), Some("Cache.Test.Path"));
        // Failures are kept, and stay typed.
        assert!(matches!(
            cached("cache_nope(a)"),
            Err(ExprError::UnknownFunction { .. })
        ));
        assert_eq!(
            cached("cache_nope(a)").unwrap_err(),
            compile("cache_nope(a)").unwrap_err()
        );
        assert_eq!(search("a.b", &json!({"a": {"b": 3}})).unwrap(), json!(3));
    }

    #[test]
    fn cache_is_shared_across_threads() {
        let found: Vec<Arc<Compiled>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    s.spawn(move || {
                        let c = cached("Threads[?N > `1`].N").unwrap();
                        let data = json!({"Threads": [{"N": i}, {"N": 2}]});
                        // Searching (and compiling others) while holding an entry.
                        assert!(c.search(&data).unwrap().is_array());
                        assert!(cached("Threads[0]").is_ok());
                        c
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(found.windows(2).all(|w| Arc::ptr_eq(&w[0], &w[1])));
    }

    #[test]
    fn python_truthiness() {
        for v in [
            json!(null),
            json!(false),
            json!(0),
            json!(0.0),
            json!(""),
            json!([]),
            json!({}),
        ] {
            assert!(!truthy(&v), "{v}");
        }
        for v in [
            json!(true),
            json!(1),
            json!(-0.5),
            json!("x"),
            json!([0]),
            json!({"a": 1}),
        ] {
            assert!(truthy(&v), "{v}");
        }
    }

    #[test]
    fn dotted_paths() {
        assert!(is_dotted_path("A.B_c.D1"));
        for bad in ["", "A.", ".A", "A[0]", "1A", "A.B || C", "\"A\""] {
            assert!(!is_dotted_path(bad), "{bad}");
        }
    }
}
