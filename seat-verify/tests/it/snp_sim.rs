//! Simulated SEV-SNP reports (`seat_evidence::platform_sim::snp`) appraised through exactly
//! the path the real Milan sample takes (`SnpFormat::without_roots(..).with_root(..)`, VCEK as
//! collateral), with the simulator's test ARK and ASK as the roots.
//!
//! Expected values come from the construction (what the simulator was told to put in the
//! report, the binding rule's SHA-512 recomputed here with `sha2`) and from the `sev` crate,
//! an independent implementation that parses the report and checks the chain and signature.

use std::sync::OnceLock;

use seat_evidence::attester::{Attester, EvidenceRequest};
use seat_evidence::cmw::{AnyCmw, Cmw};
use seat_evidence::platform::{SNP_PROVIDER, TsmReport, tsm_media_type};
use seat_evidence::platform_sim::snp::{SimCert, SimSigningKey, SimSnp, SimSnpConfig, SimTcb};
use seat_verify::collateral::{SnpKey, SnpProduct};
use seat_verify::snp::{SnpFormat, SnpPolicy, SnpTcb};
use seat_verify::{
    AppraisalRequest, BindingLevel, Collateral, CollateralNeed, Policy, Reason, Report, ResultForm,
    Stage, Verifier,
};
use sha2::{Digest, Sha512};

use crate::support::{minted, provider, rng};

/// 2027-01-15: inside the simulated roots' (2020..2045) and VCEK's (2024..2031) validity.
const NOW: u64 = 1_800_000_000;
/// 2032-01-01: after the default VCEK notAfter (2031-01-01).
const AFTER_VEK: u64 = 1_956_528_000;
const BINDER: [u8; 32] = [0x5a; 32];
const AIK_HASH: [u8; 32] = [0xa5; 32];

/// The report data of the binding rule, computed here: SHA-512(binder || aik_pub_hash).
fn bound() -> [u8; 64] {
    let mut h = Sha512::new();
    h.update(BINDER);
    h.update(AIK_HASH);
    h.finalize().into()
}

fn sim(seed: u8) -> &'static SimSnp {
    static SIMS: OnceLock<[SimSnp; 2]> = OnceLock::new();
    let sims = SIMS.get_or_init(|| {
        [
            SimSnp::new([1; 32], SimSnpConfig::default()).unwrap(),
            SimSnp::new([2; 32], SimSnpConfig::default()).unwrap(),
        ]
    });
    &sims[usize::from(seed - 1)]
}

fn vlek_sim() -> &'static SimSnp {
    static SIM: OnceLock<SimSnp> = OnceLock::new();
    SIM.get_or_init(|| {
        let mut c = SimSnpConfig::default();
        c.signing_key = SimSigningKey::Vlek;
        SimSnp::new([3; 32], c).unwrap()
    })
}

/// The platform of seed 1 reporting with `f` applied to the default configuration.
fn configured(f: impl FnOnce(&mut SimSnpConfig)) -> SimSnp {
    let mut s = SimSnp::new([1; 32], SimSnpConfig::default()).unwrap();
    let mut c = s.config().clone();
    f(&mut c);
    s.reconfigure(c).unwrap();
    s
}

fn format_for(s: &SimSnp, policy: SnpPolicy) -> SnpFormat {
    SnpFormat::without_roots(policy)
        .with_root(SnpProduct::Milan, s.ark_der(), s.ask_der())
        .unwrap()
}

fn collateral_for(s: &SimSnp) -> Collateral {
    let mut c = Collateral::new();
    match s.config().signing_key {
        SimSigningKey::Vlek => {
            c.add_snp_vlek(s.vek_der()).unwrap();
            c.add_snp_asvk(s.asvk_der()).unwrap();
        }
        _ => c.add_snp_vcek(s.vcek_der()).unwrap(),
    }
    c
}

fn verifier(format: SnpFormat, collateral: Collateral) -> Verifier {
    let (_, key) = minted(0x73);
    Verifier::with_formats(
        Policy::default().verifier,
        key,
        provider(),
        vec![Box::new(format)],
    )
    .unwrap()
    .with_collateral(collateral)
}

/// The CMW the simulator's Attester makes for BINDER and AIK_HASH.
fn evidence(s: &SimSnp) -> Vec<u8> {
    s.clone()
        .attest(&EvidenceRequest {
            binder: &BINDER,
            aik_pub_hash: &AIK_HASH,
            now_unix_secs: NOW,
        })
        .unwrap()
}

fn appraise(v: &Verifier, cmw: &[u8], now: u64) -> Result<Report, seat_verify::Error> {
    v.appraise(
        &AppraisalRequest {
            cmw,
            binder: &BINDER,
            aik_pub_hash: &AIK_HASH,
            now_unix_secs: now,
        },
        ResultForm::Cwt,
        BindingLevel::Exchange,
        &mut rng(),
    )
}

fn refused(v: &Verifier, cmw: &[u8], now: u64) -> Reason {
    appraise(v, cmw, now).unwrap_err().reason().unwrap()
}

#[test]
fn a_simulated_report_verifies_and_binds_through_the_real_path() {
    let s = sim(1);
    let v = verifier(format_for(s, SnpPolicy::default()), collateral_for(s));
    let report = appraise(&v, &evidence(s), NOW).unwrap();
    assert!(report.findings().is_empty(), "{:?}", report.findings());
    let claims = report.claims();
    assert_eq!(claims.ueid.as_deref(), Some(&s.chip_id()[..]));
    let m = |name: &str| {
        claims
            .measurements
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d.clone())
            .unwrap()
    };
    // What the simulator was configured with (SimSnpConfig::default documents these).
    assert_eq!(m("measurement"), vec![0x11; 48]);
    assert_eq!(m("host_data"), vec![0x22; 32]);

    // Another binder: the same Evidence is refused at the binding stage.
    let err = v
        .appraise(
            &AppraisalRequest {
                cmw: &evidence(s),
                binder: &[0x5b; 32],
                aik_pub_hash: &AIK_HASH,
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
fn the_sev_crate_accepts_the_simulated_chain_and_report() {
    use sev::certs::snp::{Certificate, Chain, Verifiable, ca};
    use sev::parser::ByteParser;
    let s = sim(1);
    let report = s.report(&bound()).unwrap();
    let chain = Chain {
        ca: ca::Chain {
            ark: Certificate::from_der(s.ark_der()).unwrap(),
            ask: Certificate::from_der(s.ask_der()).unwrap(),
        },
        vek: Certificate::from_der(s.vcek_der()).unwrap(),
    };
    let parsed = sev::firmware::guest::AttestationReport::from_bytes(&report).unwrap();
    (&chain, &parsed).verify().unwrap();
    assert_eq!(parsed.version, 3);
    assert_eq!(parsed.report_data, bound());
    assert_eq!(parsed.measurement, [0x11; 48]);
    assert_eq!(parsed.host_data, [0x22; 32]);
    assert_eq!(parsed.chip_id, *s.chip_id());
    assert_eq!(parsed.cpuid_fam_id, Some(0x19));
    assert_eq!(parsed.reported_tcb.bootloader, 3);
    assert_eq!(parsed.reported_tcb.snp, 8);
    assert_eq!(parsed.reported_tcb.microcode, 115);
    // sev re-encodes what it parsed: the simulator leaves no byte sev does not model.
    assert_eq!(parsed.to_bytes().unwrap().to_vec(), report);
    // A chain to the other seed's ARK does not verify in sev either.
    let other = Chain {
        ca: ca::Chain {
            ark: Certificate::from_der(sim(2).ark_der()).unwrap(),
            ask: Certificate::from_der(sim(2).ask_der()).unwrap(),
        },
        vek: Certificate::from_der(s.vcek_der()).unwrap(),
    };
    assert!((&other, &parsed).verify().is_err());
}

#[test]
fn the_attester_makes_the_configfs_record_with_the_host_certificate_table() {
    use sev::firmware::host::{CertTableEntry, CertType};
    let s = sim(1);
    let cmw = evidence(s);
    let AnyCmw::Cbor(Cmw::Record(record)) = AnyCmw::decode(&cmw).unwrap() else {
        panic!("not a CBOR record")
    };
    assert_eq!(
        record.typ(),
        &seat_evidence::cmw::RecordType::MediaType(
            "application/vnd.veraison.tsm-report+cbor; provider=sev_guest".to_owned()
        )
    );
    assert_eq!(record.ind(), Some(seat_evidence::cmw::Ind::EVIDENCE));
    let tsm = TsmReport::decode(record.value()).unwrap();
    assert_eq!(tsm.provider, "sev_guest");
    assert_eq!(tsm.outblob, s.report(&bound()).unwrap());
    // The auxblob as `sev` reads a host certificate table.
    let mut aux = tsm.auxblob.unwrap();
    let table = CertTableEntry::vec_bytes_to_cert_table(&mut aux).unwrap();
    let find = |t: CertType| table.iter().find(|e| e.cert_type == t).unwrap().data();
    assert_eq!(find(CertType::ARK), s.ark_der());
    assert_eq!(find(CertType::ASK), s.ask_der());
    assert_eq!(find(CertType::VCEK), s.vcek_der());
}

#[test]
fn the_simulator_is_deterministic() {
    let a = SimSnp::new([1; 32], SimSnpConfig::default()).unwrap();
    let s = sim(1);
    assert_eq!(a.ark_der(), s.ark_der());
    assert_eq!(a.vcek_der(), s.vcek_der());
    assert_eq!(a.report(&[7; 64]).unwrap(), s.report(&[7; 64]).unwrap());
    assert_ne!(sim(2).ark_der(), s.ark_der());
}

#[test]
fn a_tampered_measurement_fails_policy_naming_the_field() {
    let s = configured(|c| c.measurement[0] ^= 1);
    let mut policy = SnpPolicy::default();
    policy.reference_values = vec![
        ("measurement".to_owned(), vec![0x11; 48]),
        ("host_data".to_owned(), vec![0x22; 32]),
    ];
    let v = verifier(format_for(&s, policy.clone()), collateral_for(&s));
    let report = appraise(&v, &evidence(&s), NOW).unwrap();
    assert_eq!(report.findings(), [Reason::MeasurementMismatch]);
    // The untampered platform meets the same policy.
    let good = sim(1);
    let v = verifier(format_for(good, policy), collateral_for(good));
    assert!(
        appraise(&v, &evidence(good), NOW)
            .unwrap()
            .findings()
            .is_empty()
    );
}

#[test]
fn guest_policy_bits_are_refused_where_the_policy_says() {
    let s = configured(|c| *c = c.clone().debug(true).migration_agent(true).smt(true));
    let v = verifier(format_for(&s, SnpPolicy::default()), collateral_for(&s));
    let report = appraise(&v, &evidence(&s), NOW).unwrap();
    assert_eq!(
        report.findings(),
        [Reason::DebugEnabled, Reason::MigrationAgentAllowed]
    );
    assert!(report.claims().debug);
    let mut strict = SnpPolicy::default();
    strict.allow_smt = false;
    let v = verifier(format_for(&s, strict), collateral_for(&s));
    let findings = appraise(&v, &evidence(&s), NOW)
        .unwrap()
        .findings()
        .to_vec();
    assert!(findings.contains(&Reason::SmtAllowed));
    let mut lax = SnpPolicy::default();
    lax.allow_debug = true;
    lax.allow_migration_agent = true;
    let v = verifier(format_for(&s, lax), collateral_for(&s));
    assert!(
        appraise(&v, &evidence(&s), NOW)
            .unwrap()
            .findings()
            .is_empty()
    );
}

#[test]
fn a_reported_tcb_above_the_vceks_is_a_collateral_mismatch() {
    let above = SimTcb {
        bootloader: 3,
        tee: 0,
        snp: 9,
        microcode: 115,
    };
    let s = configured(|c| c.reported_tcb = Some(above));
    let v = verifier(format_for(&s, SnpPolicy::default()), collateral_for(&s));
    let err = appraise(&v, &evidence(&s), NOW).unwrap_err();
    assert_eq!(err.reason(), Some(Reason::CollateralMismatch));
    assert_eq!(err.stage(), Some(Stage::Signature));
    // Without any VCEK the caller is told to fetch the one of the TCB the report claims.
    let v = verifier(format_for(&s, SnpPolicy::default()), Collateral::new());
    assert_eq!(
        refused(&v, &evidence(&s), NOW),
        Reason::MissingCollateral(CollateralNeed::SnpVcek {
            product: Some(SnpProduct::Milan),
            chip_id: *s.chip_id(),
            reported_tcb: u64::from_le_bytes([3, 0, 0, 0, 0, 0, 9, 115]),
        })
    );
}

#[test]
fn a_tcb_below_the_policy_minimum_is_a_finding() {
    let s = sim(1);
    let mut policy = SnpPolicy::default();
    policy.min_tcb = Some(SnpTcb {
        bootloader: 3,
        tee: 0,
        snp: 9,
        microcode: 0,
    });
    let v = verifier(format_for(s, policy), collateral_for(s));
    let report = appraise(&v, &evidence(s), NOW).unwrap();
    assert_eq!(report.findings(), [Reason::TcbBelowMinimum]);
}

#[test]
fn a_chain_to_another_test_ark_is_untrusted() {
    let s = sim(1);
    let v = verifier(format_for(sim(2), SnpPolicy::default()), collateral_for(s));
    let err = appraise(&v, &evidence(s), NOW).unwrap_err();
    assert_eq!(err.reason(), Some(Reason::UntrustedRoot));
    // And AMD's real roots do not trust the simulator either.
    let v = verifier(
        SnpFormat::amd(SnpPolicy::default()).unwrap(),
        collateral_for(s),
    );
    assert_eq!(refused(&v, &evidence(s), NOW), Reason::UntrustedRoot);
}

#[test]
fn an_expired_vcek_fails_with_its_own_reason() {
    let s = sim(1);
    let v = verifier(format_for(s, SnpPolicy::default()), collateral_for(s));
    assert_eq!(
        refused(&v, &evidence(s), AFTER_VEK),
        Reason::CertificateExpired
    );
    // A VCEK not yet valid (issued from 2028) at NOW.
    let early = configured(|c| c.vek_validity = (1_830_297_600, 2_000_000_000));
    let v = verifier(
        format_for(&early, SnpPolicy::default()),
        collateral_for(&early),
    );
    assert_eq!(
        refused(&v, &evidence(&early), NOW),
        Reason::CertificateExpired
    );
}

#[test]
fn a_report_for_another_binder_is_a_binder_mismatch() {
    let s = sim(1);
    let v = verifier(format_for(s, SnpPolicy::default()), collateral_for(s));
    // The report data of another connection's binder, signed by the right VCEK.
    let mut h = Sha512::new();
    h.update([0x5b; 32]);
    h.update(AIK_HASH);
    let other: [u8; 64] = h.finalize().into();
    let tsm = TsmReport {
        provider: SNP_PROVIDER.to_owned(),
        outblob: s.report(&other).unwrap(),
        auxblob: None,
    };
    let cmw = Cmw::Record(
        seat_evidence::cmw::Record::new(
            seat_evidence::cmw::RecordType::MediaType(tsm_media_type(SNP_PROVIDER)),
            tsm.to_vec(),
            Some(seat_evidence::cmw::Ind::EVIDENCE),
        )
        .unwrap(),
    )
    .to_vec();
    let err = appraise(&v, &cmw, NOW).unwrap_err();
    assert_eq!(err.reason(), Some(Reason::BinderMismatch));
    assert_eq!(err.stage(), Some(Stage::Binding));
}

#[test]
fn a_changed_signed_byte_fails_at_the_signature_stage() {
    let s = sim(1);
    let f = format_for(s, SnpPolicy::default());
    let c = collateral_for(s);
    let good = s.report(&bound()).unwrap();
    assert!(f.verify_report(&good, &c, NOW, provider()).is_ok());
    for at in [0x50, 0x90, 0xc0, 0x2a0, 0x2e8] {
        let mut bad = good.clone();
        bad[at] ^= 0x80;
        assert_eq!(
            f.verify_report(&bad, &c, NOW, provider()),
            Err(Reason::BadEvidenceSignature),
            "byte {at:#x}"
        );
    }
}

#[test]
fn a_vlek_signed_report_verifies_through_its_asvk() {
    let s = vlek_sim();
    let v = verifier(format_for(s, SnpPolicy::default()), collateral_for(s));
    let report = appraise(&v, &evidence(s), NOW).unwrap();
    assert!(report.findings().is_empty(), "{:?}", report.findings());
    let r = format_for(s, SnpPolicy::default())
        .verify_report(
            &s.report(&bound()).unwrap(),
            &collateral_for(s),
            NOW,
            provider(),
        )
        .unwrap();
    assert_eq!(r.signing_key, SnpKey::Vlek);
    // The oracle: sev checks ARK, ASVK (in the ASK slot), VLEK and the report.
    use sev::certs::snp::{Certificate, Chain, Verifiable, ca};
    use sev::parser::ByteParser;
    let chain = Chain {
        ca: ca::Chain {
            ark: Certificate::from_der(s.ark_der()).unwrap(),
            ask: Certificate::from_der(s.asvk_der()).unwrap(),
        },
        vek: Certificate::from_der(s.vek_der()).unwrap(),
    };
    let parsed =
        sev::firmware::guest::AttestationReport::from_bytes(&s.report(&bound()).unwrap()).unwrap();
    (&chain, &parsed).verify().unwrap();
    // KEY_INFO.SIGNING_KEY (bits 4:2) is 1, as the simulator was told.
    assert_eq!((parsed.key_info.0 >> 2) & 7, 1);
}

#[test]
fn a_vlek_report_names_what_to_fetch_and_refuses_other_chains() {
    let s = vlek_sim();
    let f = || format_for(s, SnpPolicy::default());
    let tcb = u64::from_le_bytes([3, 0, 0, 0, 0, 0, 8, 115]);
    let v = verifier(f(), Collateral::new());
    let vlek_need = CollateralNeed::SnpVlek {
        product: Some(SnpProduct::Milan),
        reported_tcb: tcb,
    };
    assert_eq!(
        v.collateral_needed(&evidence(s), &Collateral::new())
            .unwrap(),
        [vlek_need]
    );
    assert_eq!(
        refused(&v, &evidence(s), NOW),
        Reason::MissingCollateral(vlek_need)
    );
    let mut only_vlek = Collateral::new();
    only_vlek.add_snp_vlek(s.vek_der()).unwrap();
    let asvk_need = CollateralNeed::SnpAsvk {
        product: Some(SnpProduct::Milan),
    };
    assert_eq!(
        v.collateral_needed(&evidence(s), &only_vlek).unwrap(),
        [asvk_need]
    );
    let v = verifier(f(), only_vlek.clone());
    assert_eq!(
        refused(&v, &evidence(s), NOW),
        Reason::MissingCollateral(asvk_need)
    );
    // The ASVK of another test ARK: no chain.
    let mut wrong = only_vlek.clone();
    wrong.add_snp_asvk(sim(2).asvk_der()).unwrap();
    let v = verifier(f(), wrong);
    assert_eq!(refused(&v, &evidence(s), NOW), Reason::UntrustedRoot);
    // The ASK in place of the ASVK: the ASK did not sign the VLEK.
    let mut ask = only_vlek;
    ask.add_snp_asvk(s.ask_der()).unwrap();
    let v = verifier(f(), ask);
    assert_eq!(refused(&v, &evidence(s), NOW), Reason::UntrustedRoot);
    // A VLEK is not a VCEK and a VCEK is not a VLEK.
    assert!(Collateral::new().add_snp_vcek(s.vek_der()).is_err());
    assert!(Collateral::new().add_snp_vlek(sim(1).vcek_der()).is_err());
}

/// 2026-12-01 .. 2027-02-01: a CRL current at NOW.
const THIS_UPDATE: u64 = 1_796_083_200;
const NEXT_UPDATE: u64 = 1_801_440_000;

fn with_crl(s: &SimSnp, crl: &[u8]) -> Collateral {
    let mut c = collateral_for(s);
    c.add_snp_crl(crl).unwrap();
    c
}

#[test]
fn a_crl_of_the_ark_revokes_the_ask_the_asvk_the_vcek_and_the_vlek() {
    for (s, issuer) in [(sim(1), SimCert::Ask), (vlek_sim(), SimCert::Asvk)] {
        let f = || format_for(s, SnpPolicy::default());
        // A CRL revoking nothing of this chain (the ARK itself does not count) passes.
        let clean = s.crl(&[SimCert::Ark], THIS_UPDATE, NEXT_UPDATE).unwrap();
        let v = verifier(f(), with_crl(s, &clean));
        assert!(appraise(&v, &evidence(s), NOW).is_ok());
        for revoked in [issuer, SimCert::Vek] {
            let crl = s.crl(&[revoked], THIS_UPDATE, NEXT_UPDATE).unwrap();
            let v = verifier(f(), with_crl(s, &crl));
            let err = appraise(&v, &evidence(s), NOW).unwrap_err();
            assert_eq!(
                err.reason(),
                Some(Reason::CertificateRevoked),
                "{revoked:?}"
            );
            assert_eq!(err.stage(), Some(Stage::Signature));
        }
    }
}

#[test]
fn the_crl_is_checked_with_openssl_too() {
    // OpenSSL, an independent X.509 implementation, reads the simulator's CRL, finds it
    // signed by the ARK, and lists the ASK's serial.
    let s = sim(1);
    let dir = std::env::temp_dir().join(format!("seat-snp-crl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let crl = s.crl(&[SimCert::Ask], THIS_UPDATE, NEXT_UPDATE).unwrap();
    std::fs::write(dir.join("crl.der"), &crl).unwrap();
    std::fs::write(dir.join("ark.der"), s.ark_der()).unwrap();
    let ark_pem = std::process::Command::new("openssl")
        .args(["x509", "-inform", "DER", "-in"])
        .arg(dir.join("ark.der"))
        .args(["-out"])
        .arg(dir.join("ark.pem"))
        .status();
    let Ok(status) = ark_pem else {
        eprintln!("openssl not installed; skipping the OpenSSL cross-check");
        return;
    };
    assert!(status.success());
    let out = std::process::Command::new("openssl")
        .args(["crl", "-inform", "DER", "-noout", "-text", "-in"])
        .arg(dir.join("crl.der"))
        .arg("-CAfile")
        .arg(dir.join("ark.pem"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(out.status.success(), "{text}");
    assert!(text.contains("verify OK"), "{text}");
    assert!(
        text.contains("CN=ARK-Milan") || text.contains("CN = ARK-Milan"),
        "{text}"
    );
    let serial: String = s
        .serial_of(SimCert::Ask)
        .unwrap()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert!(text.contains(&serial), "{serial} not in {text}");
}

#[test]
fn a_crl_not_signed_by_the_ark_or_out_of_date_is_refused() {
    let s = sim(1);
    let f = || format_for(s, SnpPolicy::default());
    // The other seed's ARK bears the same name but another key.
    let forged = sim(2).crl(&[], THIS_UPDATE, NEXT_UPDATE).unwrap();
    let v = verifier(f(), with_crl(s, &forged));
    assert_eq!(
        refused(&v, &evidence(s), NOW),
        Reason::BadCollateralSignature
    );
    let stale = s.crl(&[], 1_700_000_000, 1_700_600_000).unwrap();
    let v = verifier(f(), with_crl(s, &stale));
    assert_eq!(refused(&v, &evidence(s), NOW), Reason::CollateralExpired);
    let future = s.crl(&[], NEXT_UPDATE, NEXT_UPDATE + 1000).unwrap();
    let v = verifier(f(), with_crl(s, &future));
    assert_eq!(refused(&v, &evidence(s), NOW), Reason::CollateralExpired);
    // One changed byte in the signed part.
    let mut bad = s.crl(&[], THIS_UPDATE, NEXT_UPDATE).unwrap();
    let at = bad.len() / 3;
    bad[at] ^= 0x01;
    let mut c = collateral_for(s);
    if c.add_snp_crl(&bad).is_ok() {
        let v = verifier(f(), c);
        let r = refused(&v, &evidence(s), NOW);
        assert!(matches!(r, Reason::BadCollateralSignature), "{r:?}");
    }
    assert!(
        Collateral::new()
            .add_snp_crl(&[0x30, 0x03, 0x02, 0x01, 0x01])
            .is_err()
    );
    assert!(Collateral::new().add_snp_crl(&vec![0; 70_000]).is_err());
}

#[test]
fn a_missing_crl_is_named_when_the_policy_requires_one() {
    for (s, key) in [(sim(1), SnpKey::Vcek), (vlek_sim(), SnpKey::Vlek)] {
        let mut policy = SnpPolicy::default();
        policy.require_crl = true;
        let need = CollateralNeed::SnpCrl {
            product: Some(SnpProduct::Milan),
            key,
        };
        let v = verifier(format_for(s, policy.clone()), collateral_for(s));
        assert_eq!(
            v.collateral_needed(&evidence(s), &collateral_for(s))
                .unwrap(),
            [need]
        );
        let err = appraise(&v, &evidence(s), NOW).unwrap_err();
        assert_eq!(err.reason(), Some(Reason::MissingCollateral(need)));
        let crl = s.crl(&[], THIS_UPDATE, NEXT_UPDATE).unwrap();
        let v = verifier(format_for(s, policy), with_crl(s, &crl));
        assert!(
            v.collateral_needed(&evidence(s), &with_crl(s, &crl))
                .unwrap()
                .is_empty()
        );
        assert!(appraise(&v, &evidence(s), NOW).is_ok());
    }
}
