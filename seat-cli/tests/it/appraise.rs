//! `seat appraise` on Evidence from the simulated TEE (the real Attester of seat-evidence):
//! accepted, and refused at each stage, with the stage named.

use seat_binding::provider::default_provider;
use seat_evidence::attester::{Attester, EvidenceRequest};
use seat_evidence::sim::{SimTeeConfig, SimulatedTee};

use crate::{scratch, seat};

const NOW: u64 = 1_800_000_000;
const BINDER: [u8; 32] = [0x42; 32];
const AIK: [u8; 32] = [0x17; 32];

fn tee() -> SimulatedTee {
    let config = SimTeeConfig {
        seed: [7; 32],
        instance_id: [9; 32],
        swname: "seat-demo".into(),
        swversion: "1.0.0".into(),
        measurements: vec![
            ("firmware".into(), vec![0xf1; 32]),
            ("kernel".into(), vec![0x6b; 32]),
        ],
        dbgstat: 2,
        secure_boot: true,
    };
    SimulatedTee::new(config, default_provider()).expect("tee")
}

struct Files {
    evidence: String,
    policy: String,
}

fn files(test: &str, kernel: &str) -> Files {
    let mut tee = tee();
    let evidence = tee
        .attest(&EvidenceRequest {
            binder: &BINDER,
            aik_pub_hash: &AIK,
            now_unix_secs: NOW,
        })
        .expect("evidence");
    let dir = scratch(test);
    let evidence_path = dir.join("evidence.cmw");
    std::fs::write(&evidence_path, &evidence).expect("write");
    let policy = format!(
        "[verifier]\n\
         [[verifier.attestation_keys]]\n\
         name = \"sim-tee\"\n\
         spki_hex = \"{}\"\n\
         [verifier.reference_values]\n\
         swname = \"seat-demo\"\n\
         [verifier.reference_values.measurements]\n\
         firmware = \"{}\"\n\
         kernel = \"{kernel}\"\n",
        hex::encode(tee.attestation_key_spki()),
        hex::encode([0xf1; 32]),
    );
    let policy_path = dir.join("policy.toml");
    std::fs::write(&policy_path, policy).expect("write");
    Files {
        evidence: evidence_path.display().to_string(),
        policy: policy_path.display().to_string(),
    }
}

fn appraise(f: &Files, binder: &[u8], aik: Option<&[u8]>, now: u64) -> crate::Output {
    let binder = hex::encode(binder);
    let now = now.to_string();
    let aik = aik.map(hex::encode);
    let mut args = vec![
        "appraise", "--policy", &f.policy, "--binder", &binder, "--now", &now,
    ];
    if let Some(a) = &aik {
        args.extend(["--aik-hash", a.as_str()]);
    }
    args.push(&f.evidence);
    seat(&args)
}

#[test]
fn matching_evidence_is_accepted_and_the_ear_is_explained() {
    let f = files("appraise-ok", &hex::encode([0x6b; 32]));
    let out = appraise(&f, &BINDER, Some(&AIK), NOW + 1);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    for expect in [
        "verdict: accepted (status affirming)",
        "ear_status (1000): 2 (affirming)",
        "instance-identity (0): 2 (affirming)",
        "executables (2): 2 (affirming)",
        "eat_nonce (10): 4242424242424242424242424242424242424242424242424242424242424242",
        "kernel: 6b6b",
    ] {
        assert!(out.stdout.contains(expect), "{expect}\n{}", out.stdout);
    }
}

#[test]
fn another_binder_is_refused_at_binding() {
    let f = files("appraise-binder", &hex::encode([0x6b; 32]));
    let out = appraise(&f, &[0x43; 32], Some(&AIK), NOW + 1);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("finding: stage binding"),
        "{}",
        out.stdout
    );
}

#[test]
fn another_key_is_refused_at_binding() {
    let f = files("appraise-aik", &hex::encode([0x6b; 32]));
    let out = appraise(&f, &BINDER, Some(&[0x18; 32]), NOW + 1);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("finding: stage binding"),
        "{}",
        out.stdout
    );
}

#[test]
fn old_evidence_is_refused_at_freshness() {
    let f = files("appraise-stale", &hex::encode([0x6b; 32]));
    let out = appraise(&f, &BINDER, Some(&AIK), NOW + 3600);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("finding: stage freshness"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_measurement_off_the_reference_is_a_policy_finding() {
    let f = files("appraise-measurement", &hex::encode([0x66; 32]));
    let out = appraise(&f, &BINDER, Some(&AIK), NOW + 1);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("finding: stage policy"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("executables (2): 33 (warning)"),
        "{}",
        out.stdout
    );
}

#[test]
fn without_aik_hash_the_output_says_the_key_was_not_checked() {
    let f = files("appraise-no-aik", &hex::encode([0x6b; 32]));
    let out = appraise(&f, &BINDER, None, NOW + 1);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("NOT checked"), "{}", out.stdout);
}

#[test]
fn bad_inputs_exit_2() {
    let f = files("appraise-bad", &hex::encode([0x6b; 32]));
    let bad_policy = scratch("appraise-bad-policy").join("p.toml");
    std::fs::write(&bad_policy, "[relying_party]\nrequired_tier = \"none\"\n").expect("write");
    let out = seat(&[
        "appraise",
        "--policy",
        &bad_policy.display().to_string(),
        "--binder",
        &hex::encode(BINDER),
        &f.evidence,
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("relying_party.required_tier"),
        "{}",
        out.stderr
    );
    let out = seat(&[
        "appraise",
        "--policy",
        &f.policy,
        "--binder",
        "zz",
        &f.evidence,
    ]);
    assert_eq!(out.code, 2);
    let out = seat(&[
        "appraise",
        "--policy",
        &f.policy,
        "--binder",
        "0011",
        &f.evidence,
    ]);
    assert_eq!(out.code, 2, "a 2-byte binder");
}
