//! Appraises arbitrary bytes as an SEV-SNP report (sev's parser, the VCEK lookup, the
//! signature): every input ends in a typed reason, never a panic. Inputs are padded or cut to
//! the report length in a second pass so that the parser itself is exercised.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seat_binding::provider::default_provider;
use seat_verify::Collateral;
use seat_verify::snp::{REPORT_LEN, SnpFormat, SnpPolicy};

fuzz_target!(|data: &[u8]| {
    let Ok(f) = SnpFormat::amd(SnpPolicy::default()) else {
        return;
    };
    let c = Collateral::new();
    let _ = f.verify_report(data, &c, 1_767_225_600, default_provider());
    let mut r = data.to_vec();
    r.resize(REPORT_LEN, 0);
    let _ = f.verify_report(&r, &c, 1_767_225_600, default_provider());
});
