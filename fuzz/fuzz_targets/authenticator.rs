//! Decodes arbitrary bytes as an authenticator; whatever decodes must re-encode to exactly the
//! input, since strict decoding accepts one encoding per value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seat_proto::codepoints::CodePoints;
use seat_proto::message::Authenticator;

fuzz_target!(|data: &[u8]| {
    let cp = CodePoints::DEFAULT;
    for hash_len in [32, 48] {
        if let Ok(auth) = Authenticator::decode(data, hash_len, &cp) {
            assert_eq!(auth.to_vec(), data);
        }
    }
});
