//! Real Intel TDX quotes (dcap-qvl 0.7.1's `sample/`, see tests/data/tdx/PROVENANCE.md)
//! appraised at fixed times inside and outside their collateral's validity.
//!
//! Expected values come from outside seat: the TCB status `UpToDate` of both samples with
//! their collateral is what dcap-qvl's own tests assert (`tests/verify_quote.rs`,
//! `could_parse_tdx_quote` and the td15ex test) and is also recomputed here by calling
//! dcap-qvl's one-shot `verify` directly; the FMSPC is the `fmspc` of the collateral's TCB
//! info; the PCK CA is the issuer of the PCK certificate as `openssl x509` prints it
//! ("Intel SGX PCK Platform CA").

use seat_evidence::cmw::{Cmw, Ind, Record, RecordType};
use seat_evidence::platform::{TDX_PROVIDER, TsmReport, tsm_media_type};
use seat_verify::collateral::PckCa;
use seat_verify::tdx::{TdxFormat, TdxPolicy};
use seat_verify::{
    AppraisalRequest, BindingLevel, Collateral, CollateralNeed, Policy, Reason, ResultForm, Stage,
    TcbStatus, Verifier,
};

use crate::support::{minted, provider, rng};

const V4_QUOTE: &[u8] = include_bytes!("../data/tdx/tdx_quote");
const V4_COLLATERAL: &[u8] = include_bytes!("../data/tdx/tdx_quote_collateral.json");
const V5_QUOTE: &[u8] = include_bytes!("../data/tdx/tdx_quote_td15ex");
const V5_COLLATERAL: &[u8] = include_bytes!("../data/tdx/tdx_quote_td15ex_collateral.json");

/// 2025-07-01T00:00:00Z: inside every window of the v4 sample's collateral (TCB info
/// 2025-06-19..2025-07-19, QE identity 2025-06-19..2025-07-19, PCK CRL 2025-06-19..2025-07-19,
/// root CA CRL 2025-03-20..2026-04-03; dates from the JSON and `openssl crl`).
const V4_TIME: u64 = 1_751_328_000;
/// 2025-08-01T00:00:00Z: after the v4 collateral's nextUpdate.
const V4_EXPIRED: u64 = 1_754_006_400;
/// 2026-10-15T00:00:00Z: inside the v5 sample's collateral (TCB info 2026-10-08..2026-11-07,
/// QE identity 2026-10-07..2026-11-06, PCK CRL 2026-10-08..2026-11-07).
const V5_TIME: u64 = 1_792_022_400;
/// 2026-12-01T00:00:00Z: after the v5 collateral's nextUpdate.
const V5_EXPIRED: u64 = 1_796_083_200;

/// The FMSPC of both samples' TCB info (`"fmspc": "B0C06F000000"`).
const FMSPC: [u8; 6] = [0xb0, 0xc0, 0x6f, 0x00, 0x00, 0x00];

fn collateral(json: &[u8]) -> Collateral {
    let mut c = Collateral::new();
    c.add_tdx_json(json).unwrap();
    c
}

fn oracle_status(quote: &[u8], json: &[u8], now: u64) -> String {
    let c: dcap_qvl::QuoteCollateralV3 = serde_json::from_slice(json).unwrap();
    dcap_qvl::verify::rustcrypto::verify(quote, &c, now)
        .unwrap()
        .status
}

fn cmw(quote: &[u8]) -> Vec<u8> {
    let report = TsmReport {
        provider: TDX_PROVIDER.into(),
        outblob: quote.to_vec(),
        auxblob: None,
    };
    Cmw::Record(
        Record::new(
            RecordType::MediaType(tsm_media_type(TDX_PROVIDER)),
            report.to_vec(),
            Some(Ind::EVIDENCE),
        )
        .unwrap(),
    )
    .to_vec()
}

fn verifier(collateral: Collateral) -> Verifier {
    let (_, key) = minted(0x71);
    Verifier::with_formats(
        Policy::default().verifier,
        key,
        provider(),
        vec![Box::new(TdxFormat::intel(TdxPolicy::default()))],
    )
    .unwrap()
    .with_collateral(collateral)
}

#[test]
fn both_samples_verify_up_to_date_as_dcap_qvl_says() {
    let f = TdxFormat::intel(TdxPolicy::default());
    for (quote, json, now, version) in [
        (V4_QUOTE, V4_COLLATERAL, V4_TIME, 4),
        (V5_QUOTE, V5_COLLATERAL, V5_TIME, 5),
    ] {
        let q = f
            .verify_quote(quote, &collateral(json), now, provider())
            .unwrap();
        assert_eq!(q.version, version);
        assert_eq!(q.tcb.status, TcbStatus::UpToDate);
        assert_eq!(oracle_status(quote, json, now), q.tcb.status.name());
        assert!(q.tcb.advisory_ids.is_empty());
        let names: Vec<&str> = q.measurements.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(&names[..5], ["mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3"]);
        assert!(q.measurements.iter().all(|(_, d)| d.len() == 48));
    }
}

#[test]
fn every_signed_byte_is_covered_by_the_signature() {
    let f = TdxFormat::intel(TdxPolicy::default());
    for (quote, json, now, signed_len) in [
        (V4_QUOTE, V4_COLLATERAL, V4_TIME, 48 + 584),
        (V5_QUOTE, V5_COLLATERAL, V5_TIME, 48 + 6 + 885),
    ] {
        let c = collateral(json);
        for i in 0..signed_len {
            let mut t = quote.to_vec();
            t[i] ^= 0x01;
            let r = f.verify_quote(&t, &c, now, provider()).unwrap_err();
            match i {
                // Version and attestation-key type decide the layout and the algorithm.
                0..2 => assert_eq!(r.stage(), Stage::Decode, "byte {i}: {r:?}"),
                2..4 => assert_eq!(r, Reason::UnsupportedAlgorithm, "byte {i}"),
                // The v5 body descriptor (type, size) decides the layout.
                48..54 if signed_len > 48 + 584 => {
                    assert_eq!(r.stage(), Stage::Decode, "byte {i}")
                }
                _ => assert_eq!(r, Reason::BadEvidenceSignature, "byte {i}"),
            }
        }
    }
}

#[test]
fn expired_collateral_fails_with_its_own_reason() {
    let f = TdxFormat::intel(TdxPolicy::default());
    for (quote, json, now) in [
        (V4_QUOTE, V4_COLLATERAL, V4_EXPIRED),
        (V5_QUOTE, V5_COLLATERAL, V5_EXPIRED),
    ] {
        let r = f
            .verify_quote(quote, &collateral(json), now, provider())
            .unwrap_err();
        assert_eq!(r, Reason::CollateralExpired);
        assert_eq!(r.stage(), Stage::Signature);
    }
}

#[test]
fn a_sample_is_not_bound_to_our_connection() {
    let v = verifier(collateral(V4_COLLATERAL));
    let err = v
        .appraise(
            &AppraisalRequest {
                cmw: &cmw(V4_QUOTE),
                binder: &[0x33; 32],
                aik_pub_hash: &[0x44; 32],
                now_unix_secs: V4_TIME,
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
fn missing_collateral_names_what_to_fetch() {
    let v = verifier(Collateral::new());
    let need = CollateralNeed::Tdx {
        fmspc: FMSPC,
        ca: PckCa::Platform,
    };
    assert_eq!(
        v.collateral_needed(&cmw(V4_QUOTE), &Collateral::new())
            .unwrap(),
        [need]
    );
    assert!(
        v.collateral_needed(&cmw(V4_QUOTE), &collateral(V4_COLLATERAL))
            .unwrap()
            .is_empty()
    );
    let err = v
        .appraise(
            &AppraisalRequest {
                cmw: &cmw(V5_QUOTE),
                binder: &[0x33; 32],
                aik_pub_hash: &[0x44; 32],
                now_unix_secs: V5_TIME,
            },
            ResultForm::Cwt,
            BindingLevel::Exchange,
            &mut rng(),
        )
        .unwrap_err();
    assert_eq!(err.reason(), Some(Reason::MissingCollateral(need)));
    assert_eq!(
        err.to_string(),
        "rejected at signature: missing collateral: tdx collateral for fmspc b0c06f000000 (pck ca platform)"
    );
}

#[test]
fn a_chain_to_another_root_is_untrusted() {
    // The AMD Milan ARK as the only TDX root: nothing Intel signed chains to it.
    let ark = pem_to_der(include_str!("../data/snp/milan_ark.pem"));
    let f = TdxFormat::with_root("not intel", ark, TdxPolicy::default());
    let r = f
        .verify_quote(V4_QUOTE, &collateral(V4_COLLATERAL), V4_TIME, provider())
        .unwrap_err();
    assert_eq!(r, Reason::UntrustedRoot);
}

#[test]
fn bad_input_is_typed_by_stage() {
    let f = TdxFormat::intel(TdxPolicy::default());
    let c = collateral(V4_COLLATERAL);
    // Every truncation: a typed decode error, never a panic.
    // The v4 sample ends with 70 zero bytes of padding after its 4,936-byte quote.
    for n in 0..4_936 {
        let r = f
            .verify_quote(&V4_QUOTE[..n], &c, V4_TIME, provider())
            .unwrap_err();
        assert_eq!(r.stage(), Stage::Decode, "prefix {n}: {r:?}");
    }
    let mut longer = V4_QUOTE.to_vec();
    longer.push(1);
    assert_eq!(
        f.verify_quote(&longer, &c, V4_TIME, provider()),
        Err(Reason::Truncated)
    );
    // Version 3 is an SGX quote layout.
    let mut v3 = V4_QUOTE.to_vec();
    v3[0] = 3;
    assert_eq!(
        f.verify_quote(&v3, &c, V4_TIME, provider()),
        Err(Reason::UnsupportedVersion)
    );
    // Attestation key type 3 (ECDSA-P384) is not what DCAP TDX quotes use.
    let mut alg = V4_QUOTE.to_vec();
    alg[2] = 3;
    assert_eq!(
        f.verify_quote(&alg, &c, V4_TIME, provider()),
        Err(Reason::UnsupportedAlgorithm)
    );
}

fn pem_to_der(pem: &str) -> Vec<u8> {
    use base64::Engine as _;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}
