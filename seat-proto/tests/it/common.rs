//! Fixtures shared by the session and stream tests.

use std::sync::Arc;

use seat_binding::Secret;
use seat_binding::authenticator::Role;
use seat_binding::exporter::RecordedExporter;
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::{HashAlgorithm, RandomSource, SignatureAlgorithm, default_provider};
use seat_proto::chain::{DangerousSelfSignedVerifier, Purpose};
use seat_proto::session::{Credential, Session, SessionConfig};
use seat_proto::shim::Models;

/// A fresh self-signed P-256 credential for `tee.example`.
pub(crate) fn credential() -> Credential {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["tee.example".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    Credential {
        chain: vec![cert.der().clone()],
        key: default_provider()
            .signing_key_from_pkcs8(
                SignatureAlgorithm::EcdsaSecp256r1Sha256,
                &key.serialize_der(),
            )
            .unwrap()
            .into(),
    }
}

/// The chain verifier a side in `role` uses for its peer's self-signed credential.
pub(crate) fn peer_verifier(role: Role) -> Arc<DangerousSelfSignedVerifier> {
    let purpose = if role == Role::Server {
        Purpose::Client
    } else {
        Purpose::Server
    };
    Arc::new(DangerousSelfSignedVerifier::dangerous_new(purpose))
}

/// A session in `role` that attests `attests` (with a fresh [`credential`] when it attests
/// anything) and requires `requires` of a peer with a self-signed credential.
pub(crate) fn session_for(
    role: Role,
    attests: Models,
    requires: Models,
    rng: Box<dyn RandomSource + Send>,
) -> Session {
    let config = SessionConfig::builder(default_provider())
        .attests(attests)
        .requires(requires)
        .chain_verifier(peer_verifier(role))
        .build()
        .unwrap();
    let credential = (!attests.is_empty()).then(credential);
    Session::new(Arc::new(config), role, credential, rng)
}

/// A random source that fills every request with one byte, `seed + 1`, then `seed + 2`, ...
/// (the sessions' contexts differ and are reproducible).
pub(crate) fn counter_rng(seed: u8) -> Box<dyn RandomSource + Send> {
    let mut n = seed;
    Box::new(move |d: &mut [u8]| {
        n = n.wrapping_add(1);
        d.fill(n);
    })
}

/// A recorded SHA-256 TLS 1.3 exporter whose secret is 32 bytes of `fill`.
pub(crate) fn exporter(fill: u8) -> RecordedExporter {
    RecordedExporter::new(
        default_provider(),
        HashAlgorithm::Sha256,
        Protocol::Tls13,
        Secret::from_slice(&[fill; 32]),
    )
    .unwrap()
}
