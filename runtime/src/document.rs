//! Untyped documents (`document: true` shapes): a JSON value.

/// A protocol-agnostic document value, as smithy's `document` type.
pub type Document = serde_json::Value;
