//! A real AWS Nitro Enclaves attestation document from the `nitro_attest` crate 0.2.0
//! (tests/data/nitro/PROVENANCE.md), appraised against the AWS Nitro root G1.
//!
//! Expected values come from outside seat: nitro_attest's own test of this fixture (module id,
//! five non-zero SHA-384 PCRs, a public key, no user data, no nonce, valid at its timestamp, expired
//! now).

use seat_evidence::cmw::{Cmw, Ind, Record, RecordType};
use seat_verify::nitro::{NITRO_MEDIA_TYPE, NitroFormat, NitroPolicy};
use seat_verify::{AppraisalRequest, BindingLevel, Policy, Reason, ResultForm, Stage, Verifier};

use crate::support::{binder, minted, provider, rng};

const DOC: &[u8] = include_bytes!("../data/nitro/attestation.cose");
/// The document's timestamp, 2025-01-06T16:07:05Z: inside every certificate's validity.
const TIME: u64 = 1_736_179_625;
/// 2026-01-01: after the end-entity certificate's notAfter.
const LATER: u64 = 1_767_225_600;

fn aws() -> NitroFormat {
    NitroFormat::aws(NitroPolicy::default())
}

#[test]
fn the_sample_verifies_as_nitro_attest_says() {
    let v = aws().verify_document(DOC, TIME, provider()).unwrap();
    let d = &v.document;
    assert_eq!(d.module_id, "i-0bee92034f3d60691-enc01943c5eaab3ad6a");
    assert_eq!(d.timestamp_ms / 1000, TIME);
    // Sixteen PCRs of 48 bytes, indices 0 to 15; nitro_attest drops the all-zero ones and
    // counts five (0 to 4).
    assert_eq!(d.pcrs.len(), 16);
    for (i, (index, value)) in d.pcrs.iter().enumerate() {
        assert_eq!(usize::from(*index), i);
        assert_eq!(value.len(), 48);
        assert_eq!(value.iter().any(|b| *b != 0), i < 5, "pcr {i}");
    }
    assert!(d.public_key.is_some());
    assert!(d.user_data.is_none());
    assert!(d.nonce.is_none());
}

#[test]
fn expired_and_foreign_chains_fail_with_their_reason() {
    assert_eq!(
        aws().verify_document(DOC, LATER, provider()),
        Err(Reason::CertificateExpired)
    );
    let other = NitroFormat::with_root(
        include_bytes!("../data/snp/vcek_milan.der"),
        NitroPolicy::default(),
    );
    let e = other.verify_document(DOC, TIME, provider()).unwrap_err();
    assert_eq!(e, Reason::UntrustedRoot);
    assert_eq!(e.stage(), Stage::Signature);
}

#[test]
fn the_binding_stage_refuses_the_sample_for_our_connection() {
    let (spki, key) = minted(9);
    let mut policy = Policy::default().verifier;
    policy.evidence_max_age_secs = 3600;
    let v = Verifier::with_formats(policy, key, provider(), vec![Box::new(aws())]).unwrap();
    let b = binder(1, b"ctx", &spki);
    let cmw = Cmw::Record(
        Record::new(
            RecordType::MediaType(NITRO_MEDIA_TYPE.into()),
            DOC.to_vec(),
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
                now_unix_secs: TIME,
            },
            ResultForm::Cwt,
            BindingLevel::Exchange,
            &mut rng(),
        )
        .unwrap_err();
    assert_eq!(e.reason(), Some(Reason::BinderMismatch));
}

#[test]
fn every_one_byte_change_of_the_signed_part_fails() {
    let f = aws();
    // Untagged array: 84, protected 44 a1 01 38 22, unprotected a0, payload 59 xx xx.
    assert_eq!(
        DOC[..9],
        [0x84, 0x44, 0xa1, 0x01, 0x38, 0x22, 0xa0, 0x59, 0x12]
    );
    let len = usize::from(u16::from_be_bytes([DOC[8], DOC[9]]));
    let payload = 10..10 + len;
    let signature = payload.end + 2..DOC.len();
    for i in payload.clone().step_by(7).chain(signature.clone()) {
        let mut t = DOC.to_vec();
        t[i] ^= 0x01;
        let e = f.verify_document(&t, TIME, provider()).unwrap_err();
        if signature.contains(&i) {
            assert_eq!(e, Reason::BadEvidenceSignature, "byte {i}");
        }
        assert!(
            matches!(e.stage(), Stage::Decode | Stage::Signature),
            "byte {i}: {e:?}"
        );
    }
}

#[test]
fn bad_documents_are_typed_by_stage() {
    let f = aws();
    for n in [0, 1, 5, 100, DOC.len() - 1] {
        let e = f.verify_document(&DOC[..n], TIME, provider()).unwrap_err();
        assert_eq!(e.stage(), Stage::Decode, "{n}: {e:?}");
    }
    // ES512 (-36) claimed in place of ES384 (-35).
    let mut t = DOC.to_vec();
    t[5] = 0x23;
    assert_eq!(
        f.verify_document(&t, TIME, provider()),
        Err(Reason::UnsupportedAlgorithm)
    );
}
