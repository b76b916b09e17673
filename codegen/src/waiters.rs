//! Waiters: reading `waiters-2.json` and lowering each waiter onto the IR's
//! operations, checked so that emitting cannot fail on a model problem.

use crate::error::{CodegenError, Result};
use crate::ir::Ir;
use crate::naming;

pub use boto_runtime::model::{AcceptorModel, WaiterModel, WaitersModel};

/// A waiter ready to emit.
#[derive(Debug, Clone)]
pub struct IrWaiter {
    /// The model's name (`InstanceRunning`).
    pub name: String,
    /// The client method (`wait_until_instance_running`).
    pub method: String,
    /// Index of the polled operation in `Ir::ops` (= `schema::OPERATIONS`).
    pub op: usize,
    pub delay_ms: u64,
    pub max_attempts: u32,
    pub description: Option<String>,
    pub acceptors: Vec<IrAcceptor>,
}

#[derive(Debug, Clone)]
pub struct IrAcceptor {
    /// `Success`, `Failure` or `Retry`: a `boto_runtime::waiter::State` variant.
    pub state: &'static str,
    /// `Path`, `PathAll`, `PathAny`, `Status` or `Error`: a `Matcher` variant.
    pub matcher: &'static str,
    pub argument: Option<String>,
    /// `expected` as JSON text.
    pub expected: String,
}

/// Methods of a builder in wait mode that input setters must not shadow.
pub const WAIT_METHODS: &[&str] = &["wait", "delay", "max_attempts", "deadline", "waiter"];

/// Checks every waiter against the IR and settles its names.
pub fn lower(ir: &Ir<'_>, model: &WaitersModel) -> Result<Vec<IrWaiter>> {
    let err = |waiter: &str, msg: String| {
        CodegenError::model(&ir.service, None, None, format!("waiter {waiter}: {msg}"))
    };
    if model.version != 2 {
        return Err(CodegenError::model(
            &ir.service,
            None,
            None,
            format!(
                "waiters-2.json has version {}, only version 2 is supported",
                model.version
            ),
        ));
    }
    let mut out: Vec<IrWaiter> = Vec::new();
    for (name, w) in &model.waiters {
        let op = ir
            .ops
            .iter()
            .position(|o| o.name == w.operation)
            .ok_or_else(|| err(name, format!("operation {} does not exist", w.operation)))?;
        let ir_op = &ir.ops[op];
        if ir_op.output.is_none() {
            return Err(err(
                name,
                format!("operation {} has no output to wait on", w.operation),
            ));
        }
        if let Some(setter) = ir_op
            .setters
            .iter()
            .find(|s| WAIT_METHODS.contains(&s.as_str()))
        {
            return Err(err(
                name,
                format!(
                    "input setter `{setter}` of {} would clash with the waiter's method",
                    w.operation
                ),
            ));
        }
        if !(w.delay.is_finite() && w.delay >= 0.0) {
            return Err(err(name, format!("delay {} is not a duration", w.delay)));
        }
        let method = format!("wait_until_{}", naming::snake(name));
        if let Some(o) = ir.ops.iter().find(|o| o.method == method) {
            return Err(err(
                name,
                format!("method {method} clashes with operation {}", o.name),
            ));
        }
        if let Some(other) = out.iter().find(|o| o.method == method) {
            return Err(err(
                name,
                format!("method {method} clashes with waiter {}", other.name),
            ));
        }
        let acceptors = w
            .acceptors
            .iter()
            .enumerate()
            .map(|(i, a)| lower_acceptor(a).map_err(|m| err(name, format!("acceptor #{i}: {m}"))))
            .collect::<Result<Vec<_>>>()?;
        out.push(IrWaiter {
            name: name.clone(),
            method,
            op,
            delay_ms: (w.delay * 1000.0).round() as u64,
            max_attempts: w.max_attempts,
            description: w.description.clone(),
            acceptors,
        });
    }
    Ok(out)
}

fn lower_acceptor(a: &AcceptorModel) -> std::result::Result<IrAcceptor, String> {
    let (state, matcher) = boto_runtime::waiter::check_acceptor(a)?;
    Ok(IrAcceptor {
        state: state.name(),
        matcher: matcher.name(),
        argument: a.argument.clone(),
        expected: a.expected.to_string(),
    })
}
