//! The paginators' names for the shared JMESPath module: everything lives in
//! [`crate::jmespath`], re-exported here for existing callers.

pub use crate::jmespath::{cached, compile, is_dotted_path, search, truthy, Compiled, ExprError};
