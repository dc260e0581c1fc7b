//! Decodes arbitrary bytes as an authenticator request, framed (RFC 9261) and bare (as early
//! implementations sent it); whatever decodes must re-encode to exactly the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seat_proto::codepoints::CodePoints;
use seat_proto::message::{AuthenticatorRequest, CertificateRequest};

fuzz_target!(|data: &[u8]| {
    let cp = CodePoints::DEFAULT;
    if let Ok(request) = AuthenticatorRequest::decode(data, &cp) {
        assert_eq!(request.to_vec(), data);
    }
    if let Ok(body) = CertificateRequest::decode_body(data, &cp) {
        let mut out = Vec::new();
        body.encode_body(&mut out);
        assert_eq!(out, data);
    }
});
