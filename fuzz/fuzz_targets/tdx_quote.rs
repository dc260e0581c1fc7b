//! Appraises arbitrary bytes as a TDX quote (the layout walk, dcap-qvl's parser, the signature
//! check): every input ends in a typed reason, never a panic. A second pass gives the input the
//! sample quote's first 48 bytes (a valid v4 header) so the fuzzer reaches past the header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seat_binding::provider::default_provider;
use seat_verify::Collateral;
use seat_verify::tdx::{TdxFormat, TdxPolicy};

const SAMPLE: &[u8] = include_bytes!("../../seat-verify/tests/data/tdx/tdx_quote");

fuzz_target!(|data: &[u8]| {
    let f = TdxFormat::intel(TdxPolicy::default());
    let c = Collateral::new();
    let _ = f.verify_quote(data, &c, 1_751_328_000, default_provider());
    let mut q = SAMPLE[..48].to_vec();
    q.extend_from_slice(data);
    let _ = f.verify_quote(&q, &c, 1_751_328_000, default_provider());
});
