//! See `seat_fuzz::cca_token` (fuzz/src/targets.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| seat_fuzz::cca_token(data));
