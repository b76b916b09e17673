//! Every libFuzzer binary of this package: the boto-fuzz target of the
//! binary's own name.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| boto_fuzz::run(env!("CARGO_BIN_NAME"), data));
