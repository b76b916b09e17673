//! Shared helpers for boto-rs integration tests (the test files live in `tests/tests/`).

pub mod alloc;
pub mod cbor_proxy;
pub mod files;
pub mod moto;
