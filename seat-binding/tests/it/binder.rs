//! The expat binder against the expat digest section 6.5, and the early-attestation binder
//! against the early-attestation digest sections 8.2 to 8.6 and the `early-binder` vectors.

use seat_binding::binder::{
    ExpatLabel, PublicKeyEncoding, aik_pub_hash, early_binder, early_binder_from_messages,
    expat_binder, expat_binder_for_certificate, expat_exported_value, public_key_bytes,
};
use seat_binding::exporter::RecordedExporter;
use seat_binding::key_schedule::{Protocol, hkdf_label};
use seat_binding::provider::{CryptoProvider, HashAlgorithm};
use seat_binding::{Error, Secret};

use crate::common::{hash_named, hx, json, protocol_named, unhex};

/// spec/expat.md section 6.5.
const EXPAT: &str = include_str!("../data/expat-6.5.json");
/// spec/early-attestation.md sections 8.2 to 8.6.
const EARLY: &str = include_str!("../data/early-binders.json");
/// seat-vectors/1 `early-binder` vectors (copied from seat-conformance/vectors/external).
const EARLY_VECTORS: [&str; 2] = [
    include_str!("../data/rfc8448-s3-server-binder.json"),
    include_str!("../data/rfc8448-s5-hrr-server-binder.json"),
];

fn messages(v: &serde_json::Value, key: &str) -> Vec<Vec<u8>> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| unhex(m.as_str().unwrap()))
        .collect()
}

/// expat digest section 6.5: exported values for both labels, binding_value and AIK_pub_hash
/// with the SPKI (default) and with the raw key, from the certificate's DER bytes.
fn expat_6_5_binders(p: &'static dyn CryptoProvider) {
    let v = json(EXPAT);
    let exp = RecordedExporter::new(
        p,
        HashAlgorithm::Sha256,
        Protocol::Tls13,
        Secret::new(hx(&v, "exporter_master_secret")),
    )
    .unwrap();
    let ctx = hx(&v, "certificate_request_context");
    let cert = hx(&v, "cert_der");
    assert!(
        expat_exported_value(&exp, ExpatLabel::default(), &ctx)
            .unwrap()
            .ct_eq_bytes(&hx(&v, "exported_attestation"))
    );
    assert!(
        expat_exported_value(&exp, ExpatLabel::AttestationBinding, &ctx)
            .unwrap()
            .ct_eq_bytes(&hx(&v, "exported_attestation_binding"))
    );
    assert_eq!(
        public_key_bytes(&cert, PublicKeyEncoding::Spki).unwrap(),
        hx(&v, "spki")
    );
    assert_eq!(
        public_key_bytes(&cert, PublicKeyEncoding::Raw).unwrap(),
        hx(&v, "raw_key")
    );

    let b = expat_binder_for_certificate(
        p,
        &exp,
        ExpatLabel::Attestation,
        &ctx,
        &cert,
        PublicKeyEncoding::default(),
    )
    .unwrap();
    assert_eq!(b.binding_value.as_bytes(), hx(&v, "binding_value"));
    assert_eq!(b.aik_pub_hash.as_bytes(), hx(&v, "aik_pub_hash"));
    let raw = expat_binder_for_certificate(
        p,
        &exp,
        ExpatLabel::Attestation,
        &ctx,
        &cert,
        PublicKeyEncoding::Raw,
    )
    .unwrap();
    assert_eq!(raw.binding_value.as_bytes(), hx(&v, "binding_value_raw"));
    assert_eq!(raw.aik_pub_hash.as_bytes(), hx(&v, "aik_pub_hash_raw"));
    assert_eq!(
        aik_pub_hash(p, HashAlgorithm::Sha256, &hx(&v, "spki")).as_bytes(),
        hx(&v, "aik_pub_hash")
    );

    // Another context, label or key gives another binder (relay and diversion checks rest
    // on this).
    let spki = hx(&v, "spki");
    let mut other_ctx = ctx.clone();
    other_ctx[31] ^= 1;
    let other = expat_binder(p, &exp, ExpatLabel::Attestation, &other_ctx, &spki).unwrap();
    assert_ne!(other.binding_value, b.binding_value);
    assert_eq!(other.aik_pub_hash, b.aik_pub_hash);
    let other = expat_binder(p, &exp, ExpatLabel::AttestationBinding, &ctx, &spki).unwrap();
    assert_ne!(other.binding_value, b.binding_value);
    assert_eq!(
        expat_exported_value(&exp, ExpatLabel::Attestation, &[0; 256]).unwrap_err(),
        Error::ContextTooLong
    );
    assert!(matches!(
        public_key_bytes(&cert[1..], PublicKeyEncoding::Spki),
        Err(Error::MalformedCertificate { .. })
    ));
}

/// Every binder table of the early-attestation digest: 8.2 (SHA-256 and the synthetic
/// SHA-384), 8.3 reading (c), 8.4 server and client, 8.5, 8.6 DTLS; with the HkdfLabels of 8.2.
fn early_digest_binders(p: &'static dyn CryptoProvider) {
    let v = json(EARLY);
    for case in v["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let hash = hash_named(case["hash"].as_str().unwrap());
        let protocol = protocol_named(case["protocol"].as_str().unwrap());
        let msgs = messages(case, "messages");
        let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
        let spki = hx(case, "spki");
        let th = seat_binding::key_schedule::handshake_transcript_hash(p, hash, &refs).unwrap();
        assert_eq!(th.as_bytes(), hx(case, "transcript_hash"), "{name}");
        if case.get("spki_hash").is_some() {
            assert_eq!(
                p.hash(hash, &[&spki]).as_bytes(),
                hx(case, "spki_hash"),
                "{name}"
            );
        }
        if case.get("hkdf_label_attest_base").is_some() {
            assert_eq!(
                hkdf_label(protocol, b"attestation base", th.as_bytes(), 32).unwrap(),
                hx(case, "hkdf_label_attest_base")
            );
            assert_eq!(
                hkdf_label(protocol, b"attestation", &hx(case, "spki_hash"), 32).unwrap(),
                hx(case, "hkdf_label_binder")
            );
        }
        let b = early_binder_from_messages(p, hash, protocol, &refs, &spki).unwrap();
        assert_eq!(b.attest_base.as_bytes(), hx(case, "attest_base"), "{name}");
        assert_eq!(b.binder.as_bytes(), hx(case, "binder"), "{name}");
        assert_eq!(b.binder.len(), hash.output_len());
    }
}

/// Ambiguity A1: the other three HRR readings of the digest's section 8.3 are reproduced when
/// their transcript hash is fed directly, and our message-based transcript yields none of them.
fn early_hrr_other_readings(p: &'static dyn CryptoProvider) {
    let v = json(EARLY);
    let ours = &v["cases"][2];
    let spki = hx(ours, "spki");
    for reading in v["hrr_other_readings"].as_array().unwrap() {
        let th = p.hash(
            HashAlgorithm::Sha256,
            &messages(reading, "messages")
                .iter()
                .map(Vec::as_slice)
                .collect::<Vec<_>>(),
        );
        assert_eq!(th.as_bytes(), hx(reading, "transcript_hash"));
        let b = early_binder(
            p,
            HashAlgorithm::Sha256,
            Protocol::Tls13,
            th.as_bytes(),
            &spki,
        )
        .unwrap();
        assert_eq!(b.attest_base.as_bytes(), hx(reading, "attest_base"));
        assert_eq!(b.binder.as_bytes(), hx(reading, "binder"));
        assert_ne!(b.binder.as_bytes(), hx(ours, "binder"));
    }
}

/// The seat-vectors/1 `early-binder` files.
fn early_binder_vectors(p: &'static dyn CryptoProvider) {
    for text in EARLY_VECTORS {
        let v = json(text);
        assert_eq!(v["hrr_reading"], "rfc8446-4.4.1");
        let hash = hash_named(v["hash"].as_str().unwrap());
        let protocol = protocol_named(v["protocol"].as_str().unwrap());
        let msgs = messages(&v, "transcript");
        let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
        let th = seat_binding::key_schedule::handshake_transcript_hash(p, hash, &refs).unwrap();
        assert_eq!(th.as_bytes(), hx(&v, "transcript_hash"));
        let b = early_binder_from_messages(p, hash, protocol, &refs, &hx(&v, "spki")).unwrap();
        assert_eq!(
            b.attest_base.as_bytes(),
            hx(&v, "attest_base"),
            "{}",
            v["name"]
        );
        assert_eq!(b.binder.as_bytes(), hx(&v, "binder"), "{}", v["name"]);
    }
}

/// A transcript must start with a ClientHello.
fn early_transcript_errors(p: &'static dyn CryptoProvider) {
    let spki = [0u8; 4];
    assert_eq!(
        early_binder_from_messages(p, HashAlgorithm::Sha256, Protocol::Tls13, &[], &spki),
        Err(Error::InvalidTranscript)
    );
    assert_eq!(
        early_binder_from_messages(
            p,
            HashAlgorithm::Sha256,
            Protocol::Tls13,
            &[&[2, 0, 0, 0]],
            &spki
        ),
        Err(Error::InvalidTranscript)
    );
}

per_provider!(
    expat_6_5_binders,
    early_digest_binders,
    early_hrr_other_readings,
    early_binder_vectors,
    early_transcript_errors,
);
