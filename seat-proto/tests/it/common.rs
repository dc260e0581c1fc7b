//! Fixtures shared by the session and stream tests.

use std::sync::Arc;

use seat_binding::authenticator::Role;
use seat_binding::provider::{RandomSource, SignatureAlgorithm, default_provider};
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
