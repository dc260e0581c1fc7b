//! Runs arbitrary bytes through seat-evidence's strict CBOR layer (minicbor underneath) and
//! every CBOR decoder of the RATS formats: none may panic or hang, and whatever is in core
//! deterministic encoding must decode and re-encode to exactly the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seat_evidence::cbor::{self, Profile};
use seat_evidence::cmw::{AnyCmw, Cmw};
use seat_evidence::cose::{CoseSign1, Tagging};
use seat_evidence::ear::Ear;
use seat_evidence::eat::ClaimsSet;

fuzz_target!(|data: &[u8]| {
    let strict = cbor::decode_value(data, Profile::STRICT);
    let lenient = cbor::decode_value(data, Profile::LENIENT);
    // Strict is a restriction of lenient: what strict accepts, lenient accepts the same.
    if let Ok(v) = &strict {
        assert_eq!(lenient.as_ref().ok(), Some(v));
    }
    if cbor::check_deterministic(data).is_ok() {
        let v = strict.expect("deterministic CBOR decodes strictly");
        assert_eq!(v.to_vec(), data);
    }
    if let Ok(cmw) = Cmw::decode(data) {
        // A decoded CMW re-encodes to a CMW that decodes to the same value.
        assert_eq!(Cmw::decode(&cmw.to_vec()).ok().as_ref(), Some(&cmw));
    }
    let _ = AnyCmw::decode(data);
    if let Ok((msg, _)) = CoseSign1::decode(data) {
        let again = msg.to_vec(Tagging::Tagged);
        assert!(CoseSign1::decode(&again).is_ok());
    }
    if let Ok(claims) = ClaimsSet::decode(data) {
        assert_eq!(ClaimsSet::decode(&claims.to_vec()).ok().as_ref(), Some(&claims));
    }
    if let Ok(ear) = Ear::from_cbor(data) {
        assert_eq!(Ear::from_cbor(&ear.to_cbor()).ok().as_ref(), Some(&ear));
    }
});
