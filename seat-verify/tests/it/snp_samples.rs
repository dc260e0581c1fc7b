//! A real AMD SEV-SNP report (Milan) with its VCEK, from the `sev` crate 8.0.0's tests (see
//! tests/data/snp/PROVENANCE.md), appraised against AMD's Milan ARK and ASK.
//!
//! Expected values come from outside seat: that the report verifies under the VCEK and the
//! VCEK under the Milan ASK and ARK is what `sev`'s own test `milan_report` asserts, and is
//! rechecked here by calling `sev` directly; the chip id and TCB are the VCEK's hwID and SPL
//! extensions as `openssl asn1parse` prints them (blSPL 3, teeSPL 0, snpSPL 8, ucodeSPL 0x73).

use seat_evidence::cmw::{Cmw, Ind, Record, RecordType};
use seat_evidence::platform::SNP_REPORT_MEDIA_TYPE;
use seat_verify::collateral::SnpProduct;
use seat_verify::snp::{SnpFormat, SnpPolicy, SnpTcb};
use seat_verify::{
    AppraisalRequest, BindingLevel, Collateral, CollateralNeed, Policy, Reason, ResultForm, Stage,
    Verifier,
};

use crate::support::{minted, provider, rng};

const REPORT_HEX: &str = include_str!("../data/snp/report_milan.hex");
const VCEK: &[u8] = include_bytes!("../data/snp/vcek_milan.der");

/// 2026-01-01T00:00:00Z: inside the VCEK's validity (2023-04-03..2030-04-03) and the ARK's
/// and ASK's.
const TIME: u64 = 1_767_225_600;
/// 2031-01-01T00:00:00Z: after the VCEK's notAfter.
const EXPIRED: u64 = 1_924_992_000;

/// The VCEK's hwID extension (1.3.6.1.4.1.3704.1.4), from `openssl asn1parse`.
const CHIP_ID: &str = "d49554ec717f4e5b0fe6b143bcf0405bd7ae304727edf46603f2a76aef6a3abc\
                       15d7af38db757039029f0efacfd08e244324884738c72b082e2f87a44d541eb6";

fn report() -> Vec<u8> {
    hex::decode(REPORT_HEX.trim()).unwrap()
}

fn collateral() -> Collateral {
    let mut c = Collateral::new();
    c.add_snp_vcek(VCEK).unwrap();
    c
}

fn amd() -> SnpFormat {
    SnpFormat::amd(SnpPolicy::default()).unwrap()
}

#[test]
fn the_milan_sample_verifies_as_sev_says() {
    let r = amd()
        .verify_report(&report(), &collateral(), TIME, provider())
        .unwrap();
    assert_eq!(r.product, SnpProduct::Milan);
    assert_eq!(r.version, 2);
    assert_eq!(
        r.reported_tcb,
        SnpTcb {
            bootloader: 3,
            tee: 0,
            snp: 8,
            microcode: 0x73
        }
    );
    assert_eq!(hex::encode(r.chip_id), CHIP_ID);
    // The oracle: sev's own chain and report check on the same bytes.
    use sev::certs::snp::{Certificate, Chain, Verifiable, builtin::milan, ca};
    use sev::parser::ByteParser;
    let chain = Chain {
        ca: ca::Chain {
            ark: milan::ark().unwrap(),
            ask: milan::ask().unwrap(),
        },
        vek: Certificate::from_der(VCEK).unwrap(),
    };
    let parsed = sev::firmware::guest::AttestationReport::from_bytes(&report()).unwrap();
    assert!((&chain, &parsed).verify().is_ok());
    assert_eq!(parsed.report_data, r.report_data);
}

#[test]
fn every_signed_byte_is_covered_by_the_signature() {
    let f = amd();
    let c = collateral();
    let good = report();
    for i in 0..0x2a0 {
        let mut t = good.clone();
        t[i] ^= 0x01;
        let r = f.verify_report(&t, &c, TIME, provider()).unwrap_err();
        match i {
            // REPORT_DATA, MEASUREMENT, HOST_DATA, ID and author key digests, report ids:
            // only the signature can tell.
            0x50..0x180 => assert_eq!(r, Reason::BadEvidenceSignature, "byte {i}"),
            // Elsewhere sev's parser refuses some values (VERSION, reserved fields), a decode
            // failure; the rest fails at the signature stage (signature, VCEK lookup by chip
            // id and reported TCB, algorithm).
            _ => assert!(
                matches!(r.stage(), Stage::Signature | Stage::Decode),
                "byte {i}: {r:?}"
            ),
        }
    }
}

#[test]
fn an_expired_vcek_fails_with_its_own_reason() {
    let r = amd()
        .verify_report(&report(), &collateral(), EXPIRED, provider())
        .unwrap_err();
    assert_eq!(r, Reason::CertificateExpired);
    assert_eq!(r.stage(), Stage::Signature);
}

#[test]
fn a_vcek_under_another_root_is_untrusted() {
    use sev::certs::snp::{Certificate, builtin::genoa};
    let der = |pem| Certificate::from_pem(pem).unwrap().to_der().unwrap();
    let f = SnpFormat::without_roots(SnpPolicy::default())
        .with_root(SnpProduct::Genoa, &der(genoa::ARK), &der(genoa::ASK))
        .unwrap();
    assert_eq!(
        f.verify_report(&report(), &collateral(), TIME, provider()),
        Err(Reason::UntrustedRoot)
    );
}

fn cmw(report: &[u8]) -> Vec<u8> {
    Cmw::Record(
        Record::new(
            RecordType::MediaType(SNP_REPORT_MEDIA_TYPE.into()),
            report.to_vec(),
            Some(Ind::EVIDENCE),
        )
        .unwrap(),
    )
    .to_vec()
}

fn appraise(v: &Verifier, cmw: &[u8]) -> seat_verify::Error {
    v.appraise(
        &AppraisalRequest {
            cmw,
            binder: &[0x33; 32],
            aik_pub_hash: &[0x44; 32],
            now_unix_secs: TIME,
        },
        ResultForm::Cwt,
        BindingLevel::Exchange,
        &mut rng(),
    )
    .unwrap_err()
}

#[test]
fn the_sample_is_not_bound_to_our_connection_and_missing_vceks_are_named() {
    let (_, key) = minted(0x72);
    let v = Verifier::with_formats(
        Policy::default().verifier,
        key,
        provider(),
        vec![Box::new(amd())],
    )
    .unwrap();
    let need = CollateralNeed::SnpVcek {
        product: None,
        chip_id: hex::decode(CHIP_ID).unwrap().try_into().unwrap(),
        reported_tcb: u64::from_le_bytes([3, 0, 0, 0, 0, 0, 8, 0x73]),
    };
    assert_eq!(
        v.collateral_needed(&cmw(&report()), &Collateral::new())
            .unwrap(),
        [need]
    );
    assert_eq!(
        appraise(&v, &cmw(&report())).reason(),
        Some(Reason::MissingCollateral(need))
    );
    let v = v.with_collateral(collateral());
    let err = appraise(&v, &cmw(&report()));
    assert_eq!(err.reason(), Some(Reason::BinderMismatch));
    assert_eq!(err.stage(), Some(Stage::Binding));
}

#[test]
fn bad_input_is_typed_by_stage() {
    let f = amd();
    let c = collateral();
    let good = report();
    for n in [0, 1, 4, 0x2a0, good.len() - 1] {
        assert_eq!(
            f.verify_report(&good[..n], &c, TIME, provider()),
            Err(Reason::Truncated)
        );
    }
    let mut v1 = good.clone();
    v1[0] = 1;
    assert_eq!(
        f.verify_report(&v1, &c, TIME, provider()),
        Err(Reason::UnsupportedVersion)
    );
    let mut alg = good.clone();
    alg[0x34] = 2;
    assert_eq!(
        f.verify_report(&alg, &c, TIME, provider()),
        Err(Reason::UnsupportedAlgorithm)
    );
}
