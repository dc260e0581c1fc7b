//! Decodes arbitrary bytes as a tsm-report map; whatever decodes must re-encode to exactly the
//! input, since strict decoding accepts one encoding per value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seat_evidence::platform::TsmReport;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = TsmReport::decode(data) {
        assert_eq!(r.to_vec(), data);
    }
});
