//! Simulated Intel TDX quotes (`seat_evidence::platform_sim::tdx`, test roots) appraised
//! through exactly the path real quotes take (`TdxFormat::with_root` with the simulator's
//! root, collateral through `Collateral::add_tdx_json`, the Verifier).
//!
//! Every expected value comes from the construction: the measurements, FMSPC, PCE SVN and
//! revocation the test put into the simulator's configuration, the validity window it chose,
//! and dcap-qvl's own one-shot verifier called directly as an independent oracle for the
//! quotes that should verify.

use seat_evidence::Attester as _;
use seat_evidence::EvidenceRequest;
use seat_evidence::platform::report_data;
use seat_evidence::platform_sim::tdx::{SIM_ADVISORY, SimTdx, SimTdxConfig};
use seat_verify::collateral::PckCa;
use seat_verify::tdx::{TdxFormat, TdxPolicy};
use seat_verify::{
    AppraisalRequest, BindingLevel, Collateral, CollateralNeed, Policy, Reason, ResultForm, Stage,
    TcbStatus, Verifier,
};

use crate::support::{minted, provider, rng};

/// 2026-05-28T20:26:40Z: when the simulated collateral is issued.
const ISSUED: u64 = 1_780_000_000;
/// A day later: inside every validity window (collateral 30 days, certificates from a day
/// before issue).
const NOW: u64 = ISSUED + 86_400;
/// 31 days after issue: the collateral's nextUpdate (30 days) has passed.
const EXPIRED: u64 = ISSUED + 31 * 86_400;
const BINDER: [u8; 32] = [0x33; 32];
const AIK_HASH: [u8; 32] = [0x44; 32];

fn config() -> SimTdxConfig {
    SimTdxConfig::new([0x5e; 32], ISSUED)
}

fn sim(c: SimTdxConfig) -> SimTdx {
    SimTdx::new(c).unwrap()
}

fn collateral(s: &SimTdx) -> Collateral {
    let mut c = Collateral::new();
    c.add_tdx_json(s.collateral_json()).unwrap();
    c
}

/// The format trusting `root`'s simulator, with the reference measurements of [`config`].
fn format(root: &SimTdx) -> TdxFormat {
    let mut policy = TdxPolicy::default();
    policy.reference_values = config().reference_measurements();
    TdxFormat::with_root("sim-tdx", root.root_der().to_vec(), policy)
}

fn verifier(root: &SimTdx, collateral: Collateral) -> Verifier {
    let (_, key) = minted(0x71);
    Verifier::with_formats(
        Policy::default().verifier,
        key,
        provider(),
        vec![Box::new(format(root))],
    )
    .unwrap()
    .with_collateral(collateral)
}

/// The CMW `s` attests with for `binder` (the Attester, as a session would call it).
fn cmw(s: &mut SimTdx, binder: &[u8]) -> Vec<u8> {
    s.attest(&EvidenceRequest {
        binder,
        aik_pub_hash: &AIK_HASH,
        now_unix_secs: NOW,
    })
    .unwrap()
}

fn appraise(
    v: &Verifier,
    cmw: &[u8],
    binder: &[u8],
    now: u64,
) -> Result<seat_verify::Report, seat_verify::Error> {
    v.appraise(
        &AppraisalRequest {
            cmw,
            binder,
            aik_pub_hash: &AIK_HASH,
            now_unix_secs: now,
        },
        ResultForm::Cwt,
        BindingLevel::Exchange,
        &mut rng(),
    )
}

fn quote(s: &SimTdx) -> Vec<u8> {
    s.quote(&report_data(&BINDER, &AIK_HASH).unwrap())
}

#[test]
fn simulated_quotes_verify_up_to_date_and_bound_to_the_binder() {
    for version in [4, 5] {
        let mut c = config();
        c.version = version;
        let mut s = sim(c.clone());
        let v = verifier(&s, collateral(&s));
        let report = appraise(&v, &cmw(&mut s, &BINDER), &BINDER, NOW).unwrap();
        assert!(
            report.findings().is_empty(),
            "v{version}: {:?}",
            report.findings()
        );
        assert_eq!(report.status(), seat_evidence::ear::Tier::Affirming);
        let claims = report.claims();
        assert_eq!(claims.tcb.as_ref().unwrap().status, TcbStatus::UpToDate);
        assert!(claims.tcb.as_ref().unwrap().advisory_ids.is_empty());
        assert!(!claims.debug);
        for (name, value) in c.reference_measurements() {
            let got = claims
                .measurements
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap();
            assert_eq!(got.1, value, "v{version} {name}");
        }
        let q = format(&s)
            .verify_quote(&quote(&s), &collateral(&s), NOW, provider())
            .unwrap();
        assert_eq!(q.version, version);
        assert_eq!(q.report_data, report_data(&BINDER, &AIK_HASH).unwrap());
    }
}

#[test]
fn dcap_qvl_accepts_simulated_quotes_on_its_own() {
    // dcap-qvl's verifier called directly (no seat code between), with the simulator's root.
    use dcap_qvl::configs::RustCryptoConfig;
    use dcap_qvl::verify::QuoteVerifier;
    for version in [4, 5] {
        let mut c = config();
        c.version = version;
        let s = sim(c.clone());
        let json: dcap_qvl::QuoteCollateralV3 =
            serde_json::from_slice(s.collateral_json()).unwrap();
        let verified = QuoteVerifier::<RustCryptoConfig>::new_with_config(s.root_der().to_vec())
            .verify(&quote(&s), &json, NOW)
            .unwrap();
        assert_eq!(verified.status, "UpToDate");
        let td = verified.report.as_td10().unwrap();
        assert_eq!(td.report_data, report_data(&BINDER, &AIK_HASH).unwrap());
        assert_eq!(td.mr_td, c.mr_td);
        assert_eq!(td.rt_mr3, c.rtmr[3]);
        assert_eq!(version == 5, verified.report.as_td15().is_some());
        // Intel's production root does not anchor the simulator's chain.
        assert!(
            QuoteVerifier::<RustCryptoConfig>::new_with_config(
                seat_verify::tdx::INTEL_SGX_ROOT_CA_DER.to_vec()
            )
            .verify(&quote(&s), &json, NOW)
            .is_err()
        );
    }
}

#[test]
fn a_tampered_measurement_fails_policy_naming_the_field() {
    for (field, tamper) in [
        (
            "mrtd",
            (|c: &mut SimTdxConfig| c.mr_td[0] ^= 1) as fn(&mut SimTdxConfig),
        ),
        ("rtmr2", |c: &mut SimTdxConfig| c.rtmr[2][47] ^= 1),
    ] {
        let mut c = config();
        tamper(&mut c);
        let mut s = sim(c);
        let v = verifier(&s, collateral(&s));
        let report = appraise(&v, &cmw(&mut s, &BINDER), &BINDER, NOW).unwrap();
        assert_eq!(report.findings(), [Reason::MeasurementMismatch], "{field}");
        assert_eq!(Reason::MeasurementMismatch.stage(), Stage::Policy);
        assert_ne!(report.status(), seat_evidence::ear::Tier::Affirming);
        // The claims name the field that differs from the reference, and only that one.
        let differing: Vec<&str> = config()
            .reference_measurements()
            .iter()
            .filter(|(n, v)| {
                report
                    .claims()
                    .measurements
                    .iter()
                    .any(|(m, w)| m == n && w != v)
            })
            .map(|(n, _)| match n.as_str() {
                "mrtd" => "mrtd",
                "rtmr2" => "rtmr2",
                _ => "other",
            })
            .collect();
        assert_eq!(differing, [field]);
    }
}

#[test]
fn a_revoked_pck_certificate_is_refused() {
    let mut c = config();
    c.pck_revoked = true;
    let s = sim(c);
    let r = format(&s)
        .verify_quote(&quote(&s), &collateral(&s), NOW, provider())
        .unwrap_err();
    assert_eq!(r, Reason::CertificateRevoked);
    assert_eq!(r.stage(), Stage::Signature);
}

#[test]
fn tcb_info_for_another_fmspc_is_missing_collateral_for_the_quotes_fmspc() {
    let s = sim(config());
    let mut other = config();
    other.fmspc = [0x00, 0xa0, 0x6d, 0x08, 0x00, 0x00];
    let wrong = collateral(&sim(other));
    let r = format(&s)
        .verify_quote(&quote(&s), &wrong, NOW, provider())
        .unwrap_err();
    assert_eq!(
        r,
        Reason::MissingCollateral(CollateralNeed::Tdx {
            fmspc: config().fmspc,
            ca: PckCa::Platform,
        })
    );
    assert_eq!(r.stage(), Stage::Signature);
}

#[test]
fn a_tee_type_other_than_tdx_is_refused() {
    let mut c = config();
    c.tee_type = 0; // SGX
    let s = sim(c);
    let r = format(&s)
        .verify_quote(&quote(&s), &collateral(&s), NOW, provider())
        .unwrap_err();
    assert_eq!(r, Reason::WrongTeeType);
    assert_eq!(r.stage(), Stage::Decode);
}

#[test]
fn expired_collateral_is_refused() {
    let s = sim(config());
    let r = format(&s)
        .verify_quote(&quote(&s), &collateral(&s), EXPIRED, provider())
        .unwrap_err();
    assert_eq!(r, Reason::CollateralExpired);
    assert_eq!(r.stage(), Stage::Signature);
}

#[test]
fn a_chain_to_another_test_root_is_untrusted() {
    let s = sim(config());
    let mut c = config();
    c.pki_seed = [0x6f; 32];
    let other_root = sim(c);
    let r = format(&other_root)
        .verify_quote(&quote(&s), &collateral(&s), NOW, provider())
        .unwrap_err();
    assert_eq!(r, Reason::UntrustedRoot);
    assert_eq!(r.stage(), Stage::Signature);
}

#[test]
fn platforms_sharing_a_pki_seed_share_root_and_collateral() {
    let a = sim(config());
    let mut c = config();
    c.seed = [0x6f; 32];
    let b = sim(c);
    assert_eq!(a.root_der(), b.root_der());
    assert_eq!(a.collateral_json(), b.collateral_json());
    assert_ne!(a.attestation_key_spki(), b.attestation_key_spki());
    assert_ne!(a.pck_spki(), b.pck_spki());
    // b's quote verifies with a's root and collateral.
    format(&a)
        .verify_quote(&quote(&b), &collateral(&a), NOW, provider())
        .unwrap();
}

#[test]
fn report_data_for_another_binder_is_a_binder_mismatch() {
    let mut s = sim(config());
    let v = verifier(&s, collateral(&s));
    let err = appraise(&v, &cmw(&mut s, &BINDER), &[0x34; 32], NOW).unwrap_err();
    assert_eq!(err.reason(), Some(Reason::BinderMismatch));
    assert_eq!(err.stage(), Some(Stage::Binding));
}

#[test]
fn an_out_of_date_platform_and_a_debug_td_are_findings() {
    // PCE SVN 6: below the up-to-date level (13), at or above the out-of-date one (5).
    let mut c = config();
    c.pce_svn = 6;
    let mut s = sim(c);
    let v = verifier(&s, collateral(&s));
    let report = appraise(&v, &cmw(&mut s, &BINDER), &BINDER, NOW).unwrap();
    let tcb = report.claims().tcb.clone().unwrap();
    assert_eq!(tcb.status, TcbStatus::OutOfDate);
    assert_eq!(tcb.advisory_ids, [SIM_ADVISORY]);
    assert_eq!(
        report.findings(),
        [Reason::TcbNotAccepted(TcbStatus::OutOfDate)]
    );

    let mut c = config();
    c.debug = true;
    let mut s = sim(c);
    let v = verifier(&s, collateral(&s));
    let report = appraise(&v, &cmw(&mut s, &BINDER), &BINDER, NOW).unwrap();
    assert!(report.claims().debug);
    assert_eq!(report.findings(), [Reason::DebugEnabled]);
}
