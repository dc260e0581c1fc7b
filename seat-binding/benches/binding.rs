//! Criterion benchmarks: exporter derivation, RFC 9261 key material, the two binders, and the
//! crypto of validating one authenticator (one signature verification, one HMAC, two hashes).

// Benchmark set-up unwraps fixtures it controls.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::vec_init_then_push
)]

use criterion::{Criterion, criterion_main};
use seat_binding::Secret;
use seat_binding::authenticator::{AuthenticatorKeys, Role};
use seat_binding::binder::{
    ExpatLabel, PublicKeyEncoding, early_binder_from_messages, expat_binder_for_certificate,
};
use seat_binding::exporter::{Exporter, RecordedExporter};
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::{
    CryptoProvider, HashAlgorithm, SignatureAlgorithm, SignatureEncoding,
};

/// spec/expat.md section 6.5, as copied for the tests.
const EXPAT: &str = include_str!("../tests/data/expat-6.5.json");
/// RFC 8448 section 3 ClientHello and ServerHello, from the `early-binder` vector.
const EARLY: &str = include_str!("../tests/data/rfc8448-s3-server-binder.json");
/// OpenSSL-made test keys.
const KEYS: &str = include_str!("../tests/data/keys.json");

fn hx(v: &serde_json::Value, key: &str) -> Vec<u8> {
    hex::decode(v[key].as_str().unwrap()).unwrap()
}

fn providers() -> Vec<(&'static str, &'static dyn CryptoProvider)> {
    let mut out: Vec<(&'static str, &'static dyn CryptoProvider)> = Vec::new();
    #[cfg(feature = "aws-lc-rs")]
    out.push(("aws-lc-rs", &seat_binding::provider::aws_lc::AwsLcRs));
    #[cfg(feature = "rustcrypto")]
    out.push((
        "rustcrypto",
        &seat_binding::provider::rust_crypto::RustCrypto,
    ));
    out
}

fn bench(c: &mut Criterion) {
    let v: serde_json::Value = serde_json::from_str(EXPAT).unwrap();
    let early: serde_json::Value = serde_json::from_str(EARLY).unwrap();
    let keys: serde_json::Value = serde_json::from_str(KEYS).unwrap();
    let ctx = hx(&v, "certificate_request_context");
    let cert_der = hx(&v, "cert_der");
    let request = hx(&v, "request");
    let cert = hx(&v, "certificate");
    let cv = hx(&v, "certificate_verify");
    let fin = hx(&v, "finished");
    let spki = hx(&v, "spki");
    let transcript: Vec<Vec<u8>> = early["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| hex::decode(m.as_str().unwrap()).unwrap())
        .collect();
    let transcript: Vec<&[u8]> = transcript.iter().map(Vec::as_slice).collect();
    let early_spki = hx(&early, "spki");

    for (name, p) in providers() {
        let exp = RecordedExporter::new(
            p,
            HashAlgorithm::Sha256,
            Protocol::Tls13,
            Secret::new(hx(&v, "exporter_master_secret")),
        )
        .unwrap();
        c.bench_function(&format!("{name}/exporter_32"), |b| {
            b.iter(|| exp.export(b"Attestation", Some(&ctx), 32).unwrap())
        });
        c.bench_function(&format!("{name}/rfc9261_keys"), |b| {
            b.iter(|| AuthenticatorKeys::derive(p, &exp, Role::Server).unwrap())
        });
        c.bench_function(&format!("{name}/expat_binder"), |b| {
            b.iter(|| {
                expat_binder_for_certificate(
                    p,
                    &exp,
                    ExpatLabel::Attestation,
                    &ctx,
                    &cert_der,
                    PublicKeyEncoding::Spki,
                )
                .unwrap()
            })
        });
        c.bench_function(&format!("{name}/early_binder"), |b| {
            b.iter(|| {
                early_binder_from_messages(
                    p,
                    HashAlgorithm::Sha256,
                    Protocol::Tls13,
                    &transcript,
                    &early_spki,
                )
                .unwrap()
            })
        });

        // Validate-equivalent work: Hash for th_cv and the signature check, Hash for th_fin
        // and the HMAC, on keys derived once per connection.
        let keys_srv = AuthenticatorKeys::derive(p, &exp, Role::Server).unwrap();
        c.bench_function(&format!("{name}/validate_ed25519"), |b| {
            b.iter(|| {
                keys_srv
                    .verify_certificate_verify(
                        Some(&request),
                        &cert,
                        SignatureAlgorithm::Ed25519,
                        &spki,
                        &cv[8..],
                    )
                    .unwrap();
                keys_srv
                    .verify_finished(Some(&request), &cert, &cv, &fin[4..])
                    .unwrap();
            })
        });
        let p256 = p
            .signing_key_from_pkcs8(
                SignatureAlgorithm::EcdsaSecp256r1Sha256,
                &hx(&keys["p256"], "pkcs8"),
            )
            .unwrap();
        let p256_spki = hx(&keys["p256"], "spki");
        let sig = keys_srv
            .sign_certificate_verify(Some(&request), &cert, p256.as_ref(), &mut |_: &mut [u8]| {})
            .unwrap();
        let mac = keys_srv.finished_mac(Some(&request), &cert, &sig);
        c.bench_function(&format!("{name}/validate_p256"), |b| {
            b.iter(|| {
                keys_srv
                    .verify_certificate_verify(
                        Some(&request),
                        &cert,
                        SignatureAlgorithm::EcdsaSecp256r1Sha256,
                        &p256_spki,
                        &sig,
                    )
                    .unwrap();
                keys_srv
                    .verify_finished(Some(&request), &cert, &sig, mac.as_bytes())
                    .unwrap();
            })
        });
        let raw_sig = p256
            .sign(b"message", SignatureEncoding::Tls, &mut |_: &mut [u8]| {})
            .unwrap();
        c.bench_function(&format!("{name}/raw_verify_p256"), |b| {
            b.iter(|| {
                p.verify(
                    SignatureAlgorithm::EcdsaSecp256r1Sha256,
                    &p256_spki,
                    b"message",
                    &raw_sig,
                    SignatureEncoding::Tls,
                )
                .unwrap()
            })
        });
    }
}

// criterion_group! generates an undocumented public function.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::bench);
}
criterion_main!(group::benches);
