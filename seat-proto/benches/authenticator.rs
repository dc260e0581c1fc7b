//! Criterion benchmarks of whole authenticators: build and validate, next to their
//! cryptographic floor measured in the same run (one signature verification, one HMAC and two
//! hashes with the same key), so the report is a ratio rather than a timing.

// Benchmark set-up unwraps fixtures it controls.
// criterion_group! generates an undocumented function.
#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use criterion::{Criterion, criterion_group, criterion_main};
use seat_binding::Secret;
use seat_binding::authenticator::{AuthenticatorKeys, Role};
use seat_binding::exporter::RecordedExporter;
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::{
    CryptoProvider, HashAlgorithm, SignatureAlgorithm, SignatureEncoding, default_provider,
};
use seat_proto::authenticator::{self, SentRequest, Solicitation};
use seat_proto::chain::{ChainTrust, ChainVerifier, DangerousSelfSignedVerifier, Purpose};
use seat_proto::codepoints::CodePoints;

/// The derived expat example (expat digest section 6.5), as copied into the repository.
const VECTOR: &str = include_str!(
    "../../seat-conformance/vectors/external/ea-authenticator/expat-server-ed25519-json-cmw.json"
);

/// The example's Ed25519 attester key: PKCS#8 of the seed 0x40..0x5f (RFC 8410 section 7).
fn attester_pkcs8() -> Vec<u8> {
    let mut der = hex::decode("302e020100300506032b657004220420").unwrap();
    der.extend(0x40u8..0x60);
    der
}

/// Accepts every chain: isolates the authenticator's own work from path validation.
#[derive(Debug)]
struct AcceptAll;

impl ChainVerifier for AcceptAll {
    fn verify_chain(
        &self,
        _: &[u8],
        _: &[&[u8]],
        _: u64,
    ) -> Result<ChainTrust, seat_proto::chain::CertificateError> {
        Ok(ChainTrust::AttestationOnly)
    }
}

fn hx(v: &serde_json::Value, key: &str) -> Vec<u8> {
    hex::decode(v[key].as_str().unwrap()).unwrap()
}

fn bench(c: &mut Criterion) {
    let v: serde_json::Value = serde_json::from_str(VECTOR).unwrap();
    let p: &'static dyn CryptoProvider = default_provider();
    let cp = CodePoints::default()
        .with_cmw_attestation(CodePoints::REFERENCE_CMW_ATTESTATION)
        .unwrap();
    let exporter = RecordedExporter::new(
        p,
        HashAlgorithm::Sha256,
        Protocol::Tls13,
        Secret::new(hx(&v, "exporter_master_secret")),
    )
    .unwrap();
    let keys = AuthenticatorKeys::derive(p, &exporter, Role::Server).unwrap();
    let request = SentRequest::decode(&hx(&v, "request"), &cp).unwrap();
    let solicitation = Solicitation::Request(&request);
    let bytes = hx(&v, "authenticator");
    let spki = hx(&v, "leaf_spki");
    let now = 1_780_272_000;

    let mut group = c.benchmark_group("authenticator_ed25519");
    group.bench_function("validate", |b| {
        b.iter(|| {
            authenticator::validate(&keys, &solicitation, &bytes, &cp, &AcceptAll, now).unwrap()
        })
    });
    let self_signed = DangerousSelfSignedVerifier::dangerous_new(Purpose::Server);
    group.bench_function("validate_with_self_signed_chain_check", |b| {
        b.iter(|| {
            authenticator::validate(&keys, &solicitation, &bytes, &cp, &self_signed, now).unwrap()
        })
    });

    // The floor: what validation cannot avoid. One Ed25519 verification of a CertificateVerify
    // content (130 bytes), one HMAC, and the two transcript hashes over the same bytes.
    let content = keys.certificate_verify_content(Some(request.bytes()), &bytes[..540]);
    let cv = &bytes[540..612];
    let signature = &cv[8..];
    group.bench_function("floor_verify_hmac_two_hashes", |b| {
        b.iter(|| {
            let th1 = p.hash(
                HashAlgorithm::Sha256,
                &[
                    keys.handshake_context().expose(),
                    request.bytes(),
                    &bytes[..540],
                ],
            );
            p.verify(
                SignatureAlgorithm::Ed25519,
                &spki,
                &content,
                signature,
                SignatureEncoding::Tls,
            )
            .unwrap();
            let th2 = p.hash(
                HashAlgorithm::Sha256,
                &[
                    keys.handshake_context().expose(),
                    request.bytes(),
                    &bytes[..612],
                ],
            );
            let mac = p.hmac(
                HashAlgorithm::Sha256,
                keys.finished_key().expose(),
                &[th2.as_bytes()],
            );
            (th1, mac)
        })
    });

    let key = p
        .signing_key_from_pkcs8(SignatureAlgorithm::Ed25519, &attester_pkcs8())
        .unwrap();
    let cert_der = {
        let split = seat_proto::message::Authenticator::decode(&bytes, 32, &cp).unwrap();
        let seat_proto::message::Authenticator::Full { certificate, .. } = split else {
            unreachable!()
        };
        seat_proto::CertificateDer::from(certificate.entries()[0].cert_data.as_bytes().to_vec())
    };
    let cmw = hex::decode(v["expat"]["cmw"].as_str().unwrap()).unwrap();
    let mut rng = |d: &mut [u8]| d.fill(0);
    group.bench_function("build", |b| {
        b.iter(|| {
            authenticator::build(
                &keys,
                &solicitation,
                std::slice::from_ref(&cert_der),
                key.as_ref(),
                Some(&cmw),
                &cp,
                &mut rng,
            )
            .unwrap()
        })
    });
    group.bench_function("floor_sign_hmac_two_hashes", |b| {
        b.iter(|| {
            let th1 = p.hash(
                HashAlgorithm::Sha256,
                &[
                    keys.handshake_context().expose(),
                    request.bytes(),
                    &bytes[..540],
                ],
            );
            let sig = key
                .sign(&content, SignatureEncoding::Tls, &mut rng)
                .unwrap();
            let th2 = p.hash(
                HashAlgorithm::Sha256,
                &[
                    keys.handshake_context().expose(),
                    request.bytes(),
                    &bytes[..612],
                ],
            );
            let mac = p.hmac(
                HashAlgorithm::Sha256,
                keys.finished_key().expose(),
                &[th2.as_bytes()],
            );
            (th1, sig, mac)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
