//! One appraisal of simulated-TEE Evidence with its EAR issued and signed, as for a remote
//! Relying Party or a passport (`RelyingParty::in_process`; the in-process background check
//! itself signs nothing), next to its cryptographic floor: one verify of the Evidence signature
//! plus one signature of an EAR-sized message with the same key types (ES256 both).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use criterion::{Criterion, criterion_group, criterion_main};
use seat_binding::Secret;
use seat_binding::binder::{ExpatLabel, expat_binder};
use seat_binding::exporter::RecordedExporter;
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::{
    HashAlgorithm, SignatureAlgorithm, SignatureEncoding, default_provider,
};
use seat_evidence::attester::{Attester, EvidenceRequest};
use seat_evidence::cmw::Cmw;
use seat_evidence::cose::{CoseSign1, sig_structure1};
use seat_evidence::sim::{SimTeeConfig, SimulatedTee};
use seat_verify::{
    AppraisalRequest, Expected, Policy, RelyingParty, ReplayRecord, ResultForm, TrustAnchor,
    Verifier,
};

const NOW: u64 = 1_800_000_000;

fn bench(c: &mut Criterion) {
    let provider = default_provider();
    let mut tee = SimulatedTee::new(SimTeeConfig::default(), provider).unwrap();
    let aik = tee
        .mint_aik(SignatureAlgorithm::EcdsaSecp256r1Sha256, "aik", NOW)
        .unwrap();
    let vkey_src = SimulatedTee::new(
        SimTeeConfig {
            seed: [2; 32],
            ..SimTeeConfig::default()
        },
        provider,
    )
    .unwrap()
    .mint_aik(SignatureAlgorithm::EcdsaSecp256r1Sha256, "verifier", NOW)
    .unwrap();
    let exporter = RecordedExporter::new(
        provider,
        HashAlgorithm::Sha256,
        Protocol::Tls13,
        Secret::from_slice(&[0x11; 32]),
    )
    .unwrap();
    let b = expat_binder(
        provider,
        &exporter,
        ExpatLabel::Attestation,
        b"ctx",
        &aik.spki_der,
    )
    .unwrap();
    let evidence = tee
        .attest(&EvidenceRequest {
            binder: b.binding_value.as_bytes(),
            aik_pub_hash: b.aik_pub_hash.as_bytes(),
            now_unix_secs: NOW,
        })
        .unwrap();

    let mut policy = Policy::default();
    policy.verifier.attestation_keys = vec![TrustAnchor {
        name: "sim-tee".into(),
        spki: tee.attestation_key_spki(),
    }];
    policy.verifier.reference_values.measurements = vec![("firmware".into(), vec![0xa5; 32])];
    let key = provider
        .signing_key_from_pkcs8(
            SignatureAlgorithm::EcdsaSecp256r1Sha256,
            &vkey_src.pkcs8_der,
        )
        .unwrap();
    let verifier = Verifier::new(policy.verifier.clone(), key, provider).unwrap();
    let rp = RelyingParty::new(policy.relying_party.clone(), provider);
    let expected = Expected {
        binder: b.binding_value.as_bytes(),
        aik_pub_hash: b.aik_pub_hash.as_bytes(),
    };
    let mut rng = |d: &mut [u8]| d.fill(0x42);

    // What the floor signs and verifies: the same Evidence ToBeSigned, and an EAR-sized
    // message (the ToBeSigned of an EAR this Verifier issued).
    let Cmw::Record(record) = Cmw::decode(&evidence).unwrap() else {
        panic!("not a record")
    };
    let (msg, _) = CoseSign1::decode(record.value()).unwrap();
    let evidence_tbs = msg.tbs(&[], None).unwrap();
    let report = verifier
        .appraise(
            &AppraisalRequest {
                cmw: &evidence,
                binder: expected.binder,
                aik_pub_hash: expected.aik_pub_hash,
                now_unix_secs: NOW,
            },
            ResultForm::Cwt,
            seat_verify::BindingLevel::Exchange,
            &mut rng,
        )
        .unwrap();
    let ear_tbs = sig_structure1(&[0xa1, 0x01, 0x26], &[], &report.ear().to_cbor());
    let attestation_spki = tee.attestation_key_spki();
    let floor_key = provider
        .signing_key_from_pkcs8(
            SignatureAlgorithm::EcdsaSecp256r1Sha256,
            &vkey_src.pkcs8_der,
        )
        .unwrap();

    let mut g = c.benchmark_group("background_check");
    g.bench_function("appraisal", |bn| {
        bn.iter(|| {
            let mut record = ReplayRecord::new();
            rp.in_process(
                &mut record,
                &evidence,
                &verifier,
                ResultForm::Cwt,
                &expected,
                NOW,
                &mut rng,
            )
            .unwrap()
        });
    });
    g.bench_function("crypto_floor", |bn| {
        bn.iter(|| {
            provider
                .verify(
                    SignatureAlgorithm::EcdsaSecp256r1Sha256,
                    &attestation_spki,
                    &evidence_tbs,
                    msg.signature(),
                    SignatureEncoding::Fixed,
                )
                .unwrap();
            floor_key
                .sign(&ear_tbs, SignatureEncoding::Fixed, &mut rng)
                .unwrap()
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
