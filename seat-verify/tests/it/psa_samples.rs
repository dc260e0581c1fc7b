//! PSA attestation tokens (RFC 9783): the draft's published Sign1 and Mac0 examples with the
//! TF-M example IAKs (tests/data/psa/PROVENANCE.md), bad input typed by stage, and the
//! simulated PSA RoT end to end.
//!
//! Expected values come from outside seat: the claims from the published `.diag` files; that
//! the signature and MAC verify was checked with OpenSSL's command line and Python's `hmac`;
//! `coset` (an independent COSE implementation) rebuilds the bytes each signature covers, and
//! the `p256` crate checks the signatures over them.

use base64::Engine as _;
use coset::TaggedCborSerializable as _;
use p256::ecdsa::signature::Verifier as _;
use seat_evidence::attester::{Attester, EvidenceRequest};
use seat_evidence::cmw::{Cmw, Ind, Record, RecordType};
use seat_evidence::platform_sim::psa::{SimPsaConfig, SimulatedPsa};
use seat_evidence::psa::{PSA_MEDIA_TYPE, PSA_PROFILE};
use seat_verify::psa::{PsaComponentReference, PsaFormat, PsaIak, PsaKey, PsaPolicy};
use seat_verify::{
    AppraisalRequest, BindingLevel, Platform, Policy, Reason, ResultForm, Stage, Verifier,
};

use crate::support::{NOW, binder, minted, provider, rng};

const SIGN1: &[u8] = include_bytes!("../data/psa/psa-sign1.cbor");
const MAC0: &[u8] = include_bytes!("../data/psa/psa-mac0.cbor");
const ES_IAK: &str = include_str!("../data/psa/tfm-es-iak.json");
const HS_IAK: &[u8] = include_bytes!("../data/psa/tfm-hs-iak.bin");

/// The IAK's SPKI from its JWK: the fixed P-256 SPKI prefix (RFC 5480) and the point.
fn es_iak_spki() -> Vec<u8> {
    let jwk: serde_json::Value = serde_json::from_str(ES_IAK).unwrap();
    let b64 = |k: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jwk[k].as_str().unwrap())
            .unwrap()
    };
    let mut spki = hex::decode("3059301306072a8648ce3d020106082a8648ce3d030107034200").unwrap();
    spki.push(0x04);
    spki.extend(b64("x"));
    spki.extend(b64("y"));
    spki
}

fn format() -> PsaFormat {
    PsaFormat::new(PsaPolicy::new(vec![
        PsaIak {
            name: "tfm-es-iak".into(),
            instance_id: None,
            key: PsaKey::Spki(es_iak_spki()),
        },
        PsaIak {
            name: "tfm-hs-iak".into(),
            instance_id: None,
            key: PsaKey::Hmac(HS_IAK.to_vec().into()),
        },
    ]))
}

#[test]
fn the_sign1_example_verifies_with_the_claims_of_its_diag() {
    let t = format().verify_token(SIGN1, provider()).unwrap();
    assert_eq!(t.anchor, "tfm-es-iak");
    assert!(!t.mac);
    let c = &t.claims;
    assert_eq!(c.nonce, [0x01; 32]);
    assert_eq!(c.instance_id, [&[0x01][..], &[0x02; 32]].concat());
    assert_eq!(c.implementation_id, [0x00; 32]);
    assert_eq!(c.client_id, 0x7fff_ffff);
    assert_eq!(c.lifecycle, 0x3000);
    assert_eq!(c.boot_seed.as_deref(), Some(&[0u8; 8][..]));
    assert_eq!(c.software_components.len(), 1);
    let sw = &c.software_components[0];
    assert_eq!(sw.measurement_type.as_deref(), Some("PRoT"));
    assert_eq!(sw.measurement_value, [0x03; 32]);
    assert_eq!(sw.signer_id, [0x04; 32]);
}

#[test]
fn coset_and_p256_agree_on_the_sign1_example() {
    let msg = coset::CoseSign1::from_tagged_slice(SIGN1).unwrap();
    let tbs = msg.tbs_data(b"");
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&es_iak_spki()[26..]).unwrap();
    let sig = p256::ecdsa::Signature::from_slice(&msg.signature).unwrap();
    key.verify(&tbs, &sig).unwrap();
    // The digest seat keys replays on is SHA-256 of the same bytes.
    use sha2::Digest as _;
    let t = format().verify_token(SIGN1, provider()).unwrap();
    assert_eq!(t.digest, <[u8; 32]>::from(sha2::Sha256::digest(&tbs)));
}

#[test]
fn the_mac0_example_verifies_with_the_symmetric_iak() {
    let t = format().verify_token(MAC0, provider()).unwrap();
    assert_eq!(t.anchor, "tfm-hs-iak");
    assert!(t.mac);
    assert_eq!(t.claims.nonce, [0x01; 32]);
    assert_eq!(t.claims.instance_id[..5], [0x01, 0xc5, 0x57, 0xbd, 0x4f]);
    // coset rebuilds the MAC_structure; SHA-256 of it is the replay digest.
    let msg = coset::CoseMac0::from_tagged_slice(MAC0).unwrap();
    use sha2::Digest as _;
    let tbm = coset::mac_structure_data(
        coset::MacContext::CoseMac0,
        msg.protected.clone(),
        b"",
        msg.payload.as_deref().unwrap(),
    );
    assert_eq!(t.digest, <[u8; 32]>::from(sha2::Sha256::digest(&tbm)));
}

/// The byte range of the payload's contents in an example token (`59 01 00` then 256 bytes).
fn payload_range(token: &[u8]) -> core::ops::Range<usize> {
    let at = token
        .windows(3)
        .position(|w| w == [0x59, 0x01, 0x00])
        .unwrap()
        + 3;
    at..at + 256
}

#[test]
fn every_one_byte_change_of_the_signed_part_fails_at_the_signature_stage() {
    let f = format();
    for token in [SIGN1, MAC0] {
        let range = payload_range(token);
        let sig_at = range.end + 2;
        for i in range.chain(sig_at..token.len()) {
            let mut t = token.to_vec();
            t[i] ^= 0x01;
            let e = f.verify_token(&t, provider()).unwrap_err();
            assert_eq!(e, Reason::BadEvidenceSignature, "byte {i}");
            assert_eq!(e.stage(), Stage::Signature);
        }
        // The protected bucket: refused, at whatever stage the change lands.
        for i in 3..6 {
            let mut t = token.to_vec();
            t[i] ^= 0x01;
            assert!(f.verify_token(&t, provider()).is_err(), "byte {i}");
        }
    }
}

#[test]
fn the_binding_stage_refuses_the_examples_for_our_connection() {
    let (spki, key) = minted(9);
    let v = Verifier::with_formats(
        Policy::default().verifier,
        key,
        provider(),
        vec![Box::new(format())],
    )
    .unwrap();
    let b = binder(1, b"ctx", &spki);
    for token in [SIGN1, MAC0] {
        let cmw = Cmw::Record(
            Record::new(
                RecordType::MediaType(PSA_MEDIA_TYPE.into()),
                token.to_vec(),
                Some(Ind::EVIDENCE),
            )
            .unwrap(),
        )
        .to_vec();
        let e = v
            .appraise(
                &AppraisalRequest {
                    cmw: &cmw,
                    binder: b.binding_value.as_bytes(),
                    aik_pub_hash: b.aik_pub_hash.as_bytes(),
                    now_unix_secs: NOW,
                },
                ResultForm::Cwt,
                BindingLevel::Exchange,
                &mut rng(),
            )
            .unwrap_err();
        assert_eq!(e.reason(), Some(Reason::BinderMismatch));
        assert_eq!(e.stage(), Some(Stage::Binding));
    }
}

#[test]
fn bad_tokens_are_typed_by_stage() {
    let f = format();
    // Truncations: decode.
    for token in [SIGN1, MAC0] {
        for n in [0, 1, 2, 10, token.len() / 2, token.len() - 1] {
            let e = f.verify_token(&token[..n], provider()).unwrap_err();
            assert!(matches!(e, Reason::MalformedEvidence(_)), "{n}: {e:?}");
            assert_eq!(e.stage(), Stage::Decode);
        }
    }
    // Another algorithm in the protected bucket: EdDSA (-8) for the Sign1, HMAC 256/64 (4)
    // for the Mac0.
    let mut t = SIGN1.to_vec();
    assert_eq!(t[3..6], [0xa1, 0x01, 0x26]);
    t[5] = 0x27;
    assert_eq!(
        f.verify_token(&t, provider()),
        Err(Reason::UnsupportedAlgorithm)
    );
    let mut t = MAC0.to_vec();
    assert_eq!(t[3..6], [0xa1, 0x01, 0x05]);
    t[5] = 0x04;
    assert_eq!(
        f.verify_token(&t, provider()),
        Err(Reason::UnsupportedAlgorithm)
    );
    // No IAK of the right kind: untrusted.
    let only_hmac = PsaFormat::new(PsaPolicy::new(vec![PsaIak {
        name: "hs".into(),
        instance_id: None,
        key: PsaKey::Hmac(HS_IAK.to_vec().into()),
    }]));
    assert_eq!(
        only_hmac.verify_token(SIGN1, provider()),
        Err(Reason::UntrustedAttestationKey)
    );
    // An IAK pinned to another instance: untrusted.
    let pinned = PsaFormat::new(PsaPolicy::new(vec![PsaIak {
        name: "es".into(),
        instance_id: Some([&[0x01][..], &[0x09; 32]].concat()),
        key: PsaKey::Spki(es_iak_spki()),
    }]));
    assert_eq!(
        pinned.verify_token(SIGN1, provider()),
        Err(Reason::UntrustedAttestationKey)
    );
    // Debug never prints a symmetric key.
    let debug = format!("{:?}", PsaKey::Hmac(HS_IAK.to_vec().into()));
    assert_eq!(debug, "Hmac(<redacted>)");
}

fn sim_setup(edit: impl FnOnce(&mut PsaPolicy)) -> (SimulatedPsa, Verifier, Vec<u8>) {
    let psa = SimulatedPsa::new(SimPsaConfig::default(), provider()).unwrap();
    let mut policy = PsaPolicy::new(vec![PsaIak {
        name: "sim-psa".into(),
        instance_id: Some(psa.instance_id()),
        key: PsaKey::Spki(psa.iak_spki()),
    }]);
    // The simulator's defaults as its documentation states them, written out here.
    policy.implementation_ids = vec![vec![0xaa; 32]];
    policy.reference_components = vec![
        PsaComponentReference {
            measurement_type: "BL".into(),
            measurement_value: vec![0x01; 32],
        },
        PsaComponentReference {
            measurement_type: "PRoT".into(),
            measurement_value: vec![0x02; 32],
        },
    ];
    edit(&mut policy);
    let (spki, key) = minted(9);
    let v = Verifier::with_formats(
        Policy::default().verifier,
        key,
        provider(),
        vec![Box::new(PsaFormat::new(policy))],
    )
    .unwrap();
    (psa, v, spki)
}

fn sim_appraise(
    psa: &mut SimulatedPsa,
    v: &Verifier,
    aik: &[u8],
) -> Result<seat_verify::Report, seat_verify::Error> {
    let b = binder(1, b"ctx", aik);
    let cmw = psa
        .attest(&EvidenceRequest {
            binder: b.binding_value.as_bytes(),
            aik_pub_hash: b.aik_pub_hash.as_bytes(),
            now_unix_secs: NOW,
        })
        .unwrap();
    v.appraise(
        &AppraisalRequest {
            cmw: &cmw,
            binder: b.binding_value.as_bytes(),
            aik_pub_hash: b.aik_pub_hash.as_bytes(),
            now_unix_secs: NOW,
        },
        ResultForm::Cwt,
        BindingLevel::Exchange,
        &mut rng(),
    )
}

#[test]
fn a_simulated_token_appraises_end_to_end_and_coset_reads_it() {
    let (mut psa, v, aik) = sim_setup(|_| {});
    let report = sim_appraise(&mut psa, &v, &aik).unwrap();
    assert!(report.findings().is_empty(), "{:?}", report.findings());
    let c = report.claims();
    assert_eq!(c.platform, Platform::Psa);
    assert_eq!(c.profile, PSA_PROFILE);
    assert_eq!(c.measurement("PRoT"), Some(&[0x02; 32][..]));
    assert_eq!(c.nonce.len(), 64);

    // The token as coset reads it, its signature checked by p256 over coset's Sig_structure.
    let b = binder(1, b"ctx", &aik);
    let cmw = psa
        .attest(&EvidenceRequest {
            binder: b.binding_value.as_bytes(),
            aik_pub_hash: b.aik_pub_hash.as_bytes(),
            now_unix_secs: NOW,
        })
        .unwrap();
    let Cmw::Record(rec) = Cmw::decode(&cmw).unwrap() else {
        panic!("not a record")
    };
    let msg = coset::CoseSign1::from_tagged_slice(rec.value()).unwrap();
    assert_eq!(
        msg.protected.header.alg,
        Some(coset::RegisteredLabelWithPrivate::Assigned(
            coset::iana::Algorithm::ES256
        ))
    );
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&psa.iak_spki()[26..]).unwrap();
    let sig = p256::ecdsa::Signature::from_slice(&msg.signature).unwrap();
    key.verify(&msg.tbs_data(b""), &sig).unwrap();
    let payload = nonce_by_coset(msg.payload.as_deref().unwrap());
    assert_eq!(payload, c.nonce);
}

/// The nonce (key 10) of a claims-set, read by coset's CBOR value type.
fn nonce_by_coset(payload: &[u8]) -> Vec<u8> {
    let v: coset::cbor::value::Value = coset::cbor::de::from_reader(payload).unwrap();
    let map = v.into_map().unwrap();
    map.into_iter()
        .find(|(k, _)| k.as_integer() == Some(10.into()))
        .unwrap()
        .1
        .into_bytes()
        .unwrap()
}

#[test]
fn a_tampered_measurement_lifecycle_or_implementation_is_a_finding() {
    let (mut psa, v, aik) = sim_setup(|_| {});
    psa.config_mut().components[1].measurement_value = vec![0x99; 32];
    let report = sim_appraise(&mut psa, &v, &aik).unwrap();
    assert_eq!(report.findings(), [Reason::MeasurementMismatch]);
    assert_ne!(report.status(), seat_evidence::ear::Tier::Affirming);

    let (mut psa, v, aik) = sim_setup(|_| {});
    psa.config_mut().lifecycle = 0x5000;
    let report = sim_appraise(&mut psa, &v, &aik).unwrap();
    assert_eq!(report.findings(), [Reason::LifecycleNotAccepted]);

    let (mut psa, v, aik) = sim_setup(|p| p.implementation_ids = vec![vec![0xab; 32]]);
    let report = sim_appraise(&mut psa, &v, &aik).unwrap();
    assert_eq!(report.findings(), [Reason::UnknownImplementation]);
}
