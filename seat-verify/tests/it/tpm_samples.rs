//! TPM 2.0 quotes: a real Azure vTPM quote with its AK (tests/data/tpm/PROVENANCE.md),
//! signatures made by OpenSSL's command line, bad input typed by stage, and the simulated TPM
//! end to end.
//!
//! Expected values come from outside seat: that the Azure quote's signature verifies under
//! `akpub.pem` was checked with `openssl dgst -verify`; its `extraData` ("challenge"), PCR
//! selection (SHA-256, PCRs 0 to 23) and PCR digest are what az-cvm-vtpm's own tests
//! (`test_quote_validation`, `test_pcr_values`) assert of it; the OpenSSL signatures were made
//! by OpenSSL.

use base64::Engine as _;
use seat_binding::provider::{SignatureEncoding, SigningKey};
use seat_evidence::attester::{Attester, EvidenceRequest};
use seat_evidence::cmw::{Cmw, Ind, Record, RecordType};
use seat_evidence::platform_sim::tpm::{SimTpmConfig, SimulatedTpm};
use seat_evidence::tpm::{TPM_QUOTE_MEDIA_TYPE, TpmQuoteRecord};
use seat_verify::tpm::{PcrReference, TpmFormat, TpmHash, TpmPolicy, TpmQuote, TpmSignature};
use seat_verify::{
    AppraisalRequest, BindingLevel, Platform, Policy, Reason, ResultForm, Stage, TrustAnchor,
    Verifier,
};

use crate::support::{NOW, binder, minted, provider, rng};

const QUOTE_BIN: &[u8] = include_bytes!("../data/tpm/quote.bin");
const AKPUB_PEM: &str = include_str!("../data/tpm/akpub.pem");

fn pem_der(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap()
}

/// az-cvm-vtpm's bincode `Quote { signature, message, pcrs }` (PROVENANCE.md).
fn azure_parts() -> (Vec<u8>, Vec<u8>, Vec<Vec<u8>>) {
    let mut at = 0;
    let u64le = |at: &mut usize| {
        let v = u64::from_le_bytes(QUOTE_BIN[*at..*at + 8].try_into().unwrap());
        *at += 8;
        usize::try_from(v).unwrap()
    };
    let n = u64le(&mut at);
    let sig = QUOTE_BIN[at..at + n].to_vec();
    at += n;
    let n = u64le(&mut at);
    let attest = QUOTE_BIN[at..at + n].to_vec();
    at += n;
    let count = u64le(&mut at);
    let pcrs: Vec<Vec<u8>> = QUOTE_BIN[at..].chunks(32).map(<[u8]>::to_vec).collect();
    assert_eq!(pcrs.len(), count);
    (sig, attest, pcrs)
}

/// A `TPMT_SIGNATURE` of an RSA scheme (TPM 2.0 Part 2, 11.3.4).
fn rsa_signature(alg: u16, hash: u16, sig: &[u8]) -> Vec<u8> {
    let mut out = alg.to_be_bytes().to_vec();
    out.extend_from_slice(&hash.to_be_bytes());
    out.extend_from_slice(&u16::try_from(sig.len()).unwrap().to_be_bytes());
    out.extend_from_slice(sig);
    out
}

fn ecdsa_signature(hash: u16, r: &[u8], s: &[u8]) -> Vec<u8> {
    let mut out = 0x0018u16.to_be_bytes().to_vec();
    out.extend_from_slice(&hash.to_be_bytes());
    for v in [r, s] {
        out.extend_from_slice(&u16::try_from(v.len()).unwrap().to_be_bytes());
        out.extend_from_slice(v);
    }
    out
}

fn azure_record() -> TpmQuoteRecord {
    let (sig, attest, pcrs) = azure_parts();
    TpmQuoteRecord {
        kid: None,
        signature: rsa_signature(0x0014, 0x000b, &sig),
        ak_certs: Vec::new(),
        pcrs,
        attest,
    }
}

fn pinned(spki: Vec<u8>) -> TpmFormat {
    TpmFormat::new(TpmPolicy::new(vec![TrustAnchor {
        name: "azure-ak".into(),
        spki,
    }]))
}

fn azure() -> TpmFormat {
    pinned(pem_der(AKPUB_PEM))
}

fn cmw(record: &TpmQuoteRecord) -> Vec<u8> {
    Cmw::Record(
        Record::new(
            RecordType::MediaType(TPM_QUOTE_MEDIA_TYPE.into()),
            record.to_vec(),
            Some(Ind::EVIDENCE),
        )
        .unwrap(),
    )
    .to_vec()
}

#[test]
fn the_azure_quote_verifies_through_the_signature_stage() {
    let q = azure().verify_quote(&azure_record().to_vec(), NOW).unwrap();
    assert_eq!(q.anchor, "azure-ak");
    assert_eq!(q.quote.extra_data, b"challenge");
    assert_eq!(q.quote.selection.len(), 1);
    assert_eq!(q.quote.selection[0].hash, TpmHash::Sha256);
    assert_eq!(q.quote.selection[0].pcrs, (0u8..24).collect::<Vec<_>>());
    assert_eq!(q.pcrs.len(), 24);
    // qualifiedSigner: a TPM2B_NAME of nameAlg SHA-256 (0x000b) and a 32-byte digest.
    assert_eq!(q.quote.qualified_signer.len(), 34);
    assert_eq!(q.quote.qualified_signer[..2], [0x00, 0x0b]);
    // The same record with the AK named by kid (SHA-256 of its SPKI, computed by sha2 here).
    use sha2::Digest as _;
    let mut named = azure_record();
    named.kid = Some(sha2::Sha256::digest(pem_der(AKPUB_PEM)).to_vec());
    assert!(azure().verify_quote(&named.to_vec(), NOW).is_ok());
}

#[test]
fn the_binding_stage_refuses_the_azure_quote_for_our_connection() {
    let (spki, key) = minted(9);
    let v = Verifier::with_formats(
        Policy::default().verifier,
        key,
        provider(),
        vec![Box::new(azure())],
    )
    .unwrap();
    let b = binder(1, b"ctx", &spki);
    let err = v
        .appraise(
            &AppraisalRequest {
                cmw: &cmw(&azure_record()),
                binder: b.binding_value.as_bytes(),
                aik_pub_hash: b.aik_pub_hash.as_bytes(),
                now_unix_secs: NOW,
            },
            ResultForm::Cwt,
            BindingLevel::Exchange,
            &mut rng(),
        )
        .unwrap_err();
    assert_eq!(err.reason(), Some(Reason::BinderMismatch));
    assert_eq!(err.stage(), Some(Stage::Binding));
}

#[test]
fn every_one_byte_change_of_the_signed_part_fails_at_the_signature_stage() {
    let f = azure();
    let good = azure_record();
    for i in 0..good.attest.len() {
        let mut r = good.clone();
        r.attest[i] ^= 0x01;
        let e = f.verify_quote(&r.to_vec(), NOW).unwrap_err();
        assert_eq!(e, Reason::BadEvidenceSignature, "byte {i}");
        assert_eq!(e.stage(), Stage::Signature);
    }
    // And the signature itself.
    for i in [6, 100, 261] {
        let mut r = good.clone();
        r.signature[i] ^= 0x80;
        assert_eq!(
            f.verify_quote(&r.to_vec(), NOW).unwrap_err(),
            Reason::BadEvidenceSignature
        );
    }
}

#[test]
fn another_key_is_not_trusted() {
    let (other, _) = minted(3);
    let (third, _) = minted(4);
    let two = TpmFormat::new(TpmPolicy::new(vec![
        TrustAnchor {
            name: "a".into(),
            spki: other.clone(),
        },
        TrustAnchor {
            name: "b".into(),
            spki: third,
        },
    ]));
    assert_eq!(
        two.verify_quote(&azure_record().to_vec(), NOW),
        Err(Reason::UntrustedAttestationKey)
    );
    // One pinned EC key: the RSASSA scheme does not fit it.
    assert_eq!(
        pinned(other).verify_quote(&azure_record().to_vec(), NOW),
        Err(Reason::UnsupportedAlgorithm)
    );
    let mut r = azure_record();
    r.kid = Some(vec![0; 32]);
    assert_eq!(
        azure().verify_quote(&r.to_vec(), NOW),
        Err(Reason::UntrustedAttestationKey)
    );
}

#[test]
fn rsa_pss_and_ecdsa_p384_signatures_made_by_openssl_verify() {
    let (_, attest, _) = azure_parts();
    let rsa = pem_der(include_str!("../data/tpm/openssl-rsa-pub.pem"));
    for sig in [
        &include_bytes!("../data/tpm/openssl-pss-salt32.sig")[..],
        &include_bytes!("../data/tpm/openssl-pss-saltmax.sig")[..],
    ] {
        let s = TpmSignature::decode(&rsa_signature(0x0016, 0x000b, sig)).unwrap();
        assert!(matches!(s, TpmSignature::RsaPss { .. }));
        s.verify(&rsa, &attest).unwrap();
        let mut changed = attest.clone();
        changed[40] ^= 1;
        assert_eq!(s.verify(&rsa, &changed), Err(Reason::BadEvidenceSignature));
        // The same bytes claimed as RSASSA do not verify.
        let s = TpmSignature::decode(&rsa_signature(0x0014, 0x000b, sig)).unwrap();
        assert_eq!(s.verify(&rsa, &attest), Err(Reason::BadEvidenceSignature));
    }
    let p384 = pem_der(include_str!("../data/tpm/openssl-p384-pub.pem"));
    let rs: Vec<Vec<u8>> = include_str!("../data/tpm/openssl-p384-rs.hex")
        .lines()
        .map(|l| hex::decode(l).unwrap())
        .collect();
    let s = TpmSignature::decode(&ecdsa_signature(0x000c, &rs[0], &rs[1])).unwrap();
    s.verify(&p384, &attest).unwrap();
    let mut changed = attest.clone();
    changed[0] ^= 1;
    assert_eq!(s.verify(&p384, &changed), Err(Reason::BadEvidenceSignature));
    // ECDSA with SHA-256 on a P-384 key: refused as an algorithm that does not fit the key.
    let s = TpmSignature::decode(&ecdsa_signature(0x000b, &rs[0], &rs[1])).unwrap();
    assert_eq!(s.verify(&p384, &attest), Err(Reason::UnsupportedAlgorithm));
    // An RSA scheme with an EC key.
    let s = TpmSignature::decode(&rsa_signature(0x0014, 0x000c, &rs[0])).unwrap();
    assert_eq!(s.verify(&p384, &attest), Err(Reason::UnsupportedAlgorithm));
}

/// A quote signed by a test P-256 key, with whatever `TPMS_ATTEST` the test builds: the way
/// to reach the checks after the signature.
struct TestSigner {
    spki: Vec<u8>,
    key: Box<dyn SigningKey>,
}

impl TestSigner {
    fn new() -> Self {
        let (spki, key) = minted(5);
        Self { spki, key }
    }

    fn format(&self) -> TpmFormat {
        pinned(self.spki.clone())
    }

    fn record(&self, attest: Vec<u8>, pcrs: Vec<Vec<u8>>) -> Vec<u8> {
        let rs = self
            .key
            .sign(&attest, SignatureEncoding::Fixed, &mut rng())
            .unwrap();
        TpmQuoteRecord {
            kid: None,
            signature: ecdsa_signature(0x000b, &rs[..32], &rs[32..]),
            ak_certs: Vec::new(),
            pcrs,
            attest,
        }
        .to_vec()
    }
}

/// A `TPMS_ATTEST` written out field by field from TPM 2.0 Part 2 (not by the simulator).
fn attest(magic: u32, typ: u16, select: &[u8], pcr_digest: &[u8]) -> Vec<u8> {
    let mut a = magic.to_be_bytes().to_vec();
    a.extend_from_slice(&typ.to_be_bytes());
    a.extend_from_slice(&[0, 2, 0, 0x0b]); // qualifiedSigner: a bare nameAlg
    a.extend_from_slice(&[0, 4, 1, 2, 3, 4]); // extraData
    a.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0x10, 0]); // clock
    a.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 1]); // resetCount, restartCount, safe
    a.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 7]); // firmwareVersion
    a.extend_from_slice(&[0, 0, 0, 1, 0, 0x0b, u8::try_from(select.len()).unwrap()]);
    a.extend_from_slice(select);
    a.extend_from_slice(&u16::try_from(pcr_digest.len()).unwrap().to_be_bytes());
    a.extend_from_slice(pcr_digest);
    a
}

fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().to_vec()
}

#[test]
fn signed_but_wrong_structures_are_typed_by_stage() {
    let t = TestSigner::new();
    let f = t.format();
    let pcr1 = vec![0x11; 32];
    let pcr3 = vec![0x33; 32];
    let digest = sha256(&[&pcr1, &pcr3]);
    let good = attest(0xff54_4347, 0x8018, &[0b1010, 0, 0], &digest);
    let q = f
        .verify_quote(
            &t.record(good.clone(), vec![pcr1.clone(), pcr3.clone()]),
            NOW,
        )
        .unwrap();
    assert_eq!(q.quote.selection[0].pcrs, [1, 3]);
    assert_eq!(q.quote.firmware_version, 7);
    assert!(q.quote.clock_info.safe);
    assert_eq!(q.quote.extra_data, [1, 2, 3, 4]);

    let cases: Vec<(Vec<u8>, Vec<Vec<u8>>, Reason)> = vec![
        (
            attest(0xff54_4348, 0x8018, &[0b1010, 0, 0], &digest),
            vec![pcr1.clone(), pcr3.clone()],
            Reason::BadMagic,
        ),
        (
            // TPM_ST_ATTEST_CERTIFY.
            attest(0xff54_4347, 0x8017, &[0b1010, 0, 0], &digest),
            vec![pcr1.clone(), pcr3.clone()],
            Reason::WrongAttestationType,
        ),
        (
            good[..good.len() - 1].to_vec(),
            vec![pcr1.clone(), pcr3.clone()],
            Reason::Truncated,
        ),
        (
            [&good[..], &[0]].concat(),
            vec![pcr1.clone(), pcr3.clone()],
            Reason::Truncated,
        ),
        (
            good[..20].to_vec(),
            vec![pcr1.clone(), pcr3.clone()],
            Reason::Truncated,
        ),
        (
            // Three PCRs selected, two values sent.
            attest(0xff54_4347, 0x8018, &[0b1011, 0, 0], &digest),
            vec![pcr1.clone(), pcr3.clone()],
            Reason::PcrSelectionMismatch,
        ),
        (
            good.clone(),
            vec![pcr1.clone(), pcr3[..20].to_vec()],
            Reason::PcrSelectionMismatch,
        ),
        (
            // A tampered PCR value: the digest no longer matches.
            good.clone(),
            vec![pcr1.clone(), vec![0x34; 32]],
            Reason::PcrDigestMismatch,
        ),
        (
            // The values in another order.
            good.clone(),
            vec![pcr3.clone(), pcr1.clone()],
            Reason::PcrDigestMismatch,
        ),
        (
            // sizeofSelect 5: more than 32 PCRs.
            attest(0xff54_4347, 0x8018, &[0b1010, 0, 0, 0, 0], &digest),
            vec![pcr1.clone(), pcr3.clone()],
            Reason::MalformedPlatformEvidence,
        ),
    ];
    for (a, pcrs, reason) in cases {
        let e = f.verify_quote(&t.record(a, pcrs), NOW).unwrap_err();
        assert_eq!(e, reason);
        let stage = match reason {
            Reason::PcrDigestMismatch => Stage::Signature,
            _ => Stage::Decode,
        };
        assert_eq!(e.stage(), stage);
    }
}

#[test]
fn bad_signatures_and_records_are_typed() {
    let f = azure();
    let good = azure_record();
    let (sig, _, _) = azure_parts();
    let mut cases = vec![
        // TPM_ALG_ECDAA, TPM_ALG_SM2: schemes not verified here.
        (
            rsa_signature(0x001a, 0x000b, &sig),
            Reason::UnsupportedAlgorithm,
        ),
        (
            rsa_signature(0x001b, 0x000b, &sig),
            Reason::UnsupportedAlgorithm,
        ),
        // SHA-1, and an unknown hash.
        (
            rsa_signature(0x0014, 0x0004, &sig),
            Reason::UnsupportedAlgorithm,
        ),
        (
            rsa_signature(0x0014, 0x0099, &sig),
            Reason::UnsupportedAlgorithm,
        ),
        // RSA-PSS where the TPM signed RSASSA.
        (
            rsa_signature(0x0016, 0x000b, &sig),
            Reason::BadEvidenceSignature,
        ),
        // SHA-384 claimed.
        (
            rsa_signature(0x0014, 0x000c, &sig),
            Reason::BadEvidenceSignature,
        ),
    ];
    let whole = rsa_signature(0x0014, 0x000b, &sig);
    for n in [1, 3, 5, whole.len() - 1] {
        cases.push((whole[..n].to_vec(), Reason::Truncated));
    }
    cases.push(([&whole[..], &[0]].concat(), Reason::Truncated));
    for (signature, reason) in cases {
        let r = TpmQuoteRecord {
            signature,
            ..good.clone()
        };
        let e = f.verify_quote(&r.to_vec(), NOW).unwrap_err();
        assert_eq!(e, reason);
        assert_eq!(e.stage(), reason.stage());
    }
    // Not a record at all, or one cut short: decode.
    let bytes = good.to_vec();
    for n in [0, 1, 10, bytes.len() - 1] {
        let e = f.verify_quote(&bytes[..n], NOW).unwrap_err();
        assert!(matches!(e, Reason::MalformedEvidence(_)), "{n}: {e:?}");
        assert_eq!(e.stage(), Stage::Decode);
    }
    // The structure parser alone, on every prefix of the real quote: typed, never a panic.
    let (_, attest, _) = azure_parts();
    for n in 0..attest.len() {
        assert_eq!(TpmQuote::decode(&attest[..n]), Err(Reason::Truncated));
    }
}

/// The simulated TPM's default PCRs as its documentation states them, written out here:
/// PCR `i` of the SHA-256 bank holds 32 bytes of `0x10 + i`, for `i` in 0..8.
fn reference(index: u8, value: u8) -> PcrReference {
    PcrReference {
        bank: TpmHash::Sha256,
        index,
        value: vec![value; 32],
    }
}

fn sim_verifier(tpm: &SimulatedTpm, references: Vec<PcrReference>) -> (Verifier, Vec<u8>) {
    let mut policy = TpmPolicy::new(vec![TrustAnchor {
        name: "sim-tpm".into(),
        spki: tpm.attestation_key_spki(),
    }]);
    policy.reference_pcrs = references;
    let (spki, key) = minted(9);
    let v = Verifier::with_formats(
        Policy::default().verifier,
        key,
        provider(),
        vec![Box::new(TpmFormat::new(policy))],
    )
    .unwrap();
    (v, spki)
}

fn appraise(
    v: &Verifier,
    aik: &[u8],
    cmw: &[u8],
) -> Result<seat_verify::Report, seat_verify::Error> {
    let b = binder(1, b"ctx", aik);
    v.appraise(
        &AppraisalRequest {
            cmw,
            binder: b.binding_value.as_bytes(),
            aik_pub_hash: b.aik_pub_hash.as_bytes(),
            now_unix_secs: NOW,
        },
        ResultForm::Cwt,
        BindingLevel::Exchange,
        &mut rng(),
    )
}

fn sim_quote(tpm: &mut SimulatedTpm, aik: &[u8]) -> Vec<u8> {
    let b = binder(1, b"ctx", aik);
    tpm.attest(&EvidenceRequest {
        binder: b.binding_value.as_bytes(),
        aik_pub_hash: b.aik_pub_hash.as_bytes(),
        now_unix_secs: NOW,
    })
    .unwrap()
}

#[test]
fn a_simulated_quote_appraises_end_to_end() {
    let mut tpm = SimulatedTpm::new(SimTpmConfig::default(), provider()).unwrap();
    let references = vec![reference(0, 0x10), reference(7, 0x17)];
    let (v, aik) = sim_verifier(&tpm, references);
    let cmw = sim_quote(&mut tpm, &aik);
    let report = appraise(&v, &aik, &cmw).unwrap();
    assert!(report.findings().is_empty(), "{:?}", report.findings());
    let claims = report.claims();
    assert_eq!(claims.platform, Platform::Tpm);
    assert_eq!(claims.measurement("sha256:pcr7"), Some(&[0x17; 32][..]));
    assert_eq!(claims.nonce.len(), 32);
    assert_eq!(report.appraisals()[0].submod, "tpm");
    // The same quote for another connection: refused at binding.
    let other = binder(2, b"ctx", &aik);
    let e = v
        .appraise(
            &AppraisalRequest {
                cmw: &cmw,
                binder: other.binding_value.as_bytes(),
                aik_pub_hash: other.aik_pub_hash.as_bytes(),
                now_unix_secs: NOW,
            },
            ResultForm::Cwt,
            BindingLevel::Exchange,
            &mut rng(),
        )
        .unwrap_err();
    assert_eq!(e.reason(), Some(Reason::BinderMismatch));
}

#[test]
fn a_tampered_pcr_is_refused_with_the_pcr_named() {
    let mut tpm = SimulatedTpm::new(SimTpmConfig::default(), provider()).unwrap();
    let (v, aik) = sim_verifier(&tpm, vec![reference(7, 0x17)]);

    // A PCR value changed on the wire: the signed digest no longer matches.
    let cmw = sim_quote(&mut tpm, &aik);
    let Cmw::Record(rec) = Cmw::decode(&cmw).unwrap() else {
        panic!("not a record")
    };
    let mut quote = TpmQuoteRecord::decode(rec.value()).unwrap();
    quote.pcrs[7][0] ^= 1;
    let e = appraise(&v, &aik, &cmw_of(&quote)).unwrap_err();
    assert_eq!(e.reason(), Some(Reason::PcrDigestMismatch));
    assert_eq!(e.stage(), Some(Stage::Signature));

    // A platform that measured something else into PCR 7: an honest quote, a policy finding
    // that names PCR 7.
    tpm.extend(7, &[0xee; 32]).unwrap();
    let report = appraise(&v, &aik, &sim_quote(&mut tpm, &aik)).unwrap();
    assert_eq!(report.findings(), [Reason::PcrMismatch(7)]);
    assert_eq!(Reason::PcrMismatch(7).stage(), Stage::Policy);
    assert_eq!(
        Reason::PcrMismatch(7).to_string(),
        "pcr 7 differs from its reference value"
    );
    assert_ne!(report.status(), seat_evidence::ear::Tier::Affirming);
}

fn cmw_of(r: &TpmQuoteRecord) -> Vec<u8> {
    cmw(r)
}

#[test]
fn the_simulated_quote_is_read_and_checked_by_hand() {
    // Field by field from TPM 2.0 Part 2, and the signature by the p256 crate (not the
    // provider that made it, not seat's parser).
    let mut tpm = SimulatedTpm::new(SimTpmConfig::default(), provider()).unwrap();
    let (_, aik) = sim_verifier(&tpm, vec![]);
    let cmw = sim_quote(&mut tpm, &aik);
    let Cmw::Record(rec) = Cmw::decode(&cmw).unwrap() else {
        panic!("not a record")
    };
    let q = TpmQuoteRecord::decode(rec.value()).unwrap();
    let a = &q.attest;
    assert_eq!(a[..6], [0xff, 0x54, 0x43, 0x47, 0x80, 0x18]);
    assert_eq!(a[6..10], [0x00, 0x22, 0x00, 0x0b]); // a 34-byte name, nameAlg SHA-256
    assert_eq!(a[42..44], [0x00, 0x20]); // 32 bytes of extraData
    let end = a.len();
    // One SHA-256 bank, PCRs 0..7 (0xff, 0, 0), then a 32-byte digest of the eight values.
    assert_eq!(
        a[end - 44..end - 34],
        [0, 0, 0, 1, 0x00, 0x0b, 3, 0xff, 0x00, 0x00]
    );
    let values: Vec<&[u8]> = q.pcrs.iter().map(Vec::as_slice).collect();
    assert_eq!(a[end - 34..end - 32], [0x00, 0x20]);
    assert_eq!(a[end - 32..], sha256(&values)[..]);
    for (i, v) in q.pcrs.iter().enumerate() {
        assert_eq!(*v, vec![0x10 + u8::try_from(i).unwrap(); 32]);
    }
    let s = &q.signature;
    assert_eq!(s[..6], [0x00, 0x18, 0x00, 0x0b, 0x00, 0x20]);
    assert_eq!(s[38..40], [0x00, 0x20]);
    let sig = p256::ecdsa::Signature::from_scalars(
        <[u8; 32]>::try_from(&s[6..38]).unwrap(),
        <[u8; 32]>::try_from(&s[40..72]).unwrap(),
    )
    .unwrap();
    let spki = tpm.attestation_key_spki();
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&spki[26..]).unwrap();
    use p256::ecdsa::signature::Verifier as _;
    key.verify(a, &sig).unwrap();
}
