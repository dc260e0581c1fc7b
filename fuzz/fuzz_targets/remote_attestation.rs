//! Decodes arbitrary bytes as `remoteAttestation` extension data; the first byte picks the
//! carrying message. Whatever decodes must re-encode to exactly the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seat_proto::codepoints::HandshakeType;
use seat_proto::remote_attestation::RemoteAttestation;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let message = [
        HandshakeType::CLIENT_HELLO,
        HandshakeType::ENCRYPTED_EXTENSIONS,
        HandshakeType::CERTIFICATE_REQUEST,
        HandshakeType::CERTIFICATE,
    ][usize::from(selector % 4)];
    if let Ok(ra) = RemoteAttestation::decode_data(message, rest) {
        assert_eq!(ra.to_data(), rest);
    }
});
