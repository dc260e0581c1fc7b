//! Feeds arbitrary bytes to `seat inspect` as every kind, and to its detection: an answer
//! (explanation or input error), never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seat_cli::inspect::{Kind, Options, inspect};
use seat_proto::codepoints::CodePoints;

const KINDS: [Option<Kind>; 14] = [
    None,
    Some(Kind::Vector),
    Some(Kind::Cmw),
    Some(Kind::CoseSign1),
    Some(Kind::Eat),
    Some(Kind::Ear),
    Some(Kind::EarJwt),
    Some(Kind::Request),
    Some(Kind::Authenticator),
    Some(Kind::EarlyClientHello),
    Some(Kind::EarlyEncryptedExtensions),
    Some(Kind::EarlyCertificateRequest),
    Some(Kind::EarlyCertificate),
    Some(Kind::Frames),
];

fuzz_target!(|data: &[u8]| {
    for kind in KINDS {
        let options = Options {
            kind,
            codepoints: CodePoints::DEFAULT,
        };
        let _ = inspect(data, &options);
    }
});
