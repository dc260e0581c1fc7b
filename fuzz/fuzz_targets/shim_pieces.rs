//! See `seat_fuzz::shim_pieces` (fuzz/src/targets.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| seat_fuzz::shim_pieces(data));
