//! Shared helpers: hex, JSON known answers, handshake-message splitting, the per-provider macro.

use seat_binding::key_schedule::Protocol;
use seat_binding::provider::HashAlgorithm;

/// Instantiates each named `fn(&'static dyn CryptoProvider)` of the enclosing module once per
/// enabled provider.
macro_rules! per_provider {
    ($($name:ident),* $(,)?) => {
        #[cfg(feature = "aws-lc-rs")]
        mod aws_lc_rs {
            $(
                #[test]
                fn $name() {
                    super::$name(&seat_binding::provider::aws_lc::AwsLcRs)
                }
            )*
        }
        #[cfg(feature = "rustcrypto")]
        mod rust_crypto {
            $(
                #[test]
                fn $name() {
                    super::$name(&seat_binding::provider::rust_crypto::RustCrypto)
                }
            )*
        }
    };
}

pub(crate) fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

pub(crate) fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

/// The hex string field `key` of `v`, decoded.
pub(crate) fn hx(v: &serde_json::Value, key: &str) -> Vec<u8> {
    unhex(v[key].as_str().unwrap_or_else(|| panic!("field {key}")))
}

pub(crate) fn hash_named(name: &str) -> HashAlgorithm {
    match name {
        "sha256" => HashAlgorithm::Sha256,
        "sha384" => HashAlgorithm::Sha384,
        other => panic!("hash {other}"),
    }
}

pub(crate) fn protocol_named(name: &str) -> Protocol {
    match name {
        "tls13" => Protocol::Tls13,
        "dtls13" => Protocol::Dtls13,
        other => panic!("protocol {other}"),
    }
}

/// Splits concatenated handshake messages by their 4-byte headers.
pub(crate) fn split_messages(mut bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let len = usize::from(bytes[1]) << 16 | usize::from(bytes[2]) << 8 | usize::from(bytes[3]);
        let (msg, rest) = bytes.split_at(4 + len);
        out.push(msg);
        bytes = rest;
    }
    out
}
