//! Runs arbitrary bytes through seat-binding's DER readers (x509-cert, der and spki
//! underneath): the SubjectPublicKeyInfo taken from a certificate must be a sub-slice of it
//! that parses as a SubjectPublicKeyInfo (the own-certificate walk finding the same bytes),
//! and a parsed key must re-encode to its input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seat_binding::spki::{
    encode_spki, parse_spki, spki_from_certificate, spki_from_own_certificate,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(spki) = spki_from_certificate(data) {
        let start = spki.as_ptr() as usize - data.as_ptr() as usize;
        assert!(start + spki.len() <= data.len());
        let _ = parse_spki(spki);
        // The light walk for an own certificate finds the same bytes.
        assert_eq!(spki_from_own_certificate(data).ok(), Some(spki));
    }
    // It never reads outside its input, whatever the input.
    if let Ok(spki) = spki_from_own_certificate(data) {
        let start = spki.as_ptr() as usize - data.as_ptr() as usize;
        assert!(start + spki.len() <= data.len());
    }
    if let Ok(info) = parse_spki(data) {
        assert_eq!(encode_spki(info.key_type, info.raw_key), data);
    }
});
