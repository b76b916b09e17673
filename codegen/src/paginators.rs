//! `paginators-1.json`: reading it, and checking every paginator against the
//! service model before anything is emitted. Every expression is compiled
//! with the runtime's JMESPath engine, so an expression the runtime could not
//! evaluate is a generator error naming service, operation and expression.

use boto_runtime::paginator::expr;

use crate::error::{CodegenError, Result};
use crate::ir::{Ir, Kind};

pub use boto_runtime::model::{OneOrMany, PaginatorConfig, PaginatorsModel};

/// A checked paginator.
#[derive(Debug, Clone)]
pub struct IrPaginator {
    /// Index into [`Ir::ops`].
    pub op: usize,
    pub input_tokens: Vec<String>,
    pub output_tokens: Vec<String>,
    pub more_results: Option<String>,
    pub limit_key: Option<String>,
    pub result_keys: Vec<ResultKey>,
    pub non_aggregate_keys: Vec<String>,
}

/// A `result_key` resolved through the output's members.
#[derive(Debug, Clone)]
pub struct ResultKey {
    pub path: String,
    /// Each member on the way: (structure shape id, member index).
    pub steps: Vec<(u32, usize)>,
    /// The shape of the value at the end of the path.
    pub target: u32,
}

/// Checks every paginator against the lowered model, in operation order.
pub fn lower(ir: &Ir<'_>, model: Option<&PaginatorsModel>) -> Result<Vec<IrPaginator>> {
    let Some(model) = model else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (name, config) in &model.pagination {
        out.push(lower_one(ir, name, config)?);
    }
    out.sort_by_key(|p| p.op);
    Ok(out)
}

fn lower_one(ir: &Ir<'_>, op_name: &str, config: &PaginatorConfig) -> Result<IrPaginator> {
    let fail = |shape: Option<u32>, what: String| {
        CodegenError::model(
            &ir.service,
            shape.map(|s| ir.shape(s).name),
            None,
            format!("paginator of operation {op_name}: {what}"),
        )
    };
    let op = ir
        .ops
        .iter()
        .position(|o| o.name == op_name)
        .ok_or_else(|| fail(None, "the model has no such operation".into()))?;
    let (Some(input), Some(output)) = (ir.ops[op].input, ir.ops[op].output) else {
        return Err(fail(
            None,
            "a paginated operation needs an input and an output".into(),
        ));
    };
    let member_of =
        |shape: u32, name: &str| ir.shape(shape).members.iter().position(|m| m.name == name);

    let input_tokens = config.input_token.to_vec();
    let output_tokens = config.output_token.to_vec();
    if input_tokens.len() != output_tokens.len() || input_tokens.is_empty() {
        return Err(fail(
            None,
            format!(
                "{} input_token(s) {input_tokens:?} but {} output_token(s) {output_tokens:?}",
                input_tokens.len(),
                output_tokens.len()
            ),
        ));
    }
    for token in &input_tokens {
        if member_of(input, token).is_none() {
            return Err(fail(
                Some(input),
                format!("input_token {token:?} is not an input member"),
            ));
        }
    }
    // Expressions evaluated on the output: they must compile and read members that exist.
    let check_expr = |field: &str, e: &str| -> Result<()> {
        let compiled =
            expr::compile(e).map_err(|err| fail(Some(output), format!("{field} {e:?}: {err}")))?;
        for root in compiled.roots().unwrap_or_default() {
            if member_of(output, root).is_none() {
                return Err(fail(
                    Some(output),
                    format!("{field} {e:?} reads {root:?}, which is not an output member"),
                ));
            }
        }
        Ok(())
    };
    for token in &output_tokens {
        check_expr("output_token", token)?;
    }
    if let Some(more) = &config.more_results {
        check_expr("more_results", more)?;
    }
    if let Some(limit) = &config.limit_key {
        let Some(i) = member_of(input, limit) else {
            return Err(fail(
                Some(input),
                format!("limit_key {limit:?} is not an input member"),
            ));
        };
        let kind = ir.shape(ir.shape(input).members[i].target).kind;
        if !matches!(
            kind,
            Kind::Integer | Kind::Long | Kind::Short | Kind::Byte | Kind::String
        ) {
            return Err(fail(
                Some(input),
                format!("limit_key {limit:?} is a {kind:?}, not an integer or string"),
            ));
        }
    }
    let result_keys = config
        .result_key
        .as_ref()
        .ok_or_else(|| fail(None, "no result_key".into()))?
        .to_vec()
        .iter()
        .map(|key| {
            resolve_path(ir, output, key)
                .map_err(|why| fail(Some(output), format!("result_key {key:?}: {why}")))
        })
        .collect::<Result<Vec<_>>>()?;
    for key in &config.non_aggregate_keys {
        resolve_path(ir, output, key)
            .map_err(|why| fail(Some(output), format!("non_aggregate_keys {key:?}: {why}")))?;
    }
    Ok(IrPaginator {
        op,
        input_tokens,
        output_tokens,
        more_results: config.more_results.clone(),
        limit_key: config.limit_key.clone(),
        result_keys,
        non_aggregate_keys: config.non_aggregate_keys.clone(),
    })
}

/// Follows a dotted path (`StreamDescription.Shards`) through structure members.
fn resolve_path(ir: &Ir<'_>, shape: u32, path: &str) -> Result<ResultKey, String> {
    if !expr::is_dotted_path(path) {
        // botocore sets these with `set_value_from_jmespath`, which only knows dotted paths.
        expr::compile(path).map_err(|e| e.to_string())?;
        return Err("only dotted member paths are supported here".into());
    }
    let mut steps = Vec::new();
    let mut current = shape;
    for part in path.split('.') {
        let s = ir.shape(current);
        if s.kind != Kind::Structure {
            return Err(format!(
                "{part:?} is looked up in {}, a {:?}, not a structure",
                s.name, s.kind
            ));
        }
        let index = s
            .members
            .iter()
            .position(|m| m.name == part)
            .ok_or_else(|| format!("{} has no member {part:?}", s.name))?;
        steps.push((current, index));
        current = s.members[index].target;
    }
    Ok(ResultKey {
        path: path.to_owned(),
        steps,
        target: current,
    })
}
