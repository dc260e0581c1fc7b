//! Both RATS models end to end: simulated TEE Evidence, binders from a RecordedExporter and an
//! SPKI through seat-binding, appraisal, EAR, decision.

use seat_evidence::ear::Tier;
use seat_verify::{
    AppraisalRequest, Background, BindingLevel, Expected, Model, ReplayRecord, ResultForm,
};

use crate::support::*;

#[test]
fn background_check_in_process_accepts_honest_evidence() {
    let mut w = world();
    let b = binder(0x11, b"ctx-1", &w.aik_spki);
    let evidence = attest(&mut w.tee, &b, NOW);
    let mut record = ReplayRecord::new();
    record.use_request_context(b"ctx-1").unwrap();
    let expected = Expected {
        binder: b.binding_value.as_bytes(),
        aik_pub_hash: b.aik_pub_hash.as_bytes(),
    };
    for form in [ResultForm::Cwt, ResultForm::Jwt] {
        let mut record = record.clone();
        let ok =
            w.rp.background_check(
                &mut record,
                Background::InProcess {
                    evidence: &evidence,
                    verifier: &w.verifier,
                    form,
                },
                &expected,
                NOW + 1,
                &mut rng(),
            )
            .unwrap();
        assert_eq!(ok.model, Model::BackgroundCheck);
        assert_eq!(ok.binding, BindingLevel::Exchange);
        assert_eq!(ok.status, Tier::Affirming);
        assert!(!ok.is_weaker());
        assert_eq!(
            ok.to_string(),
            "accepted (background check, verifier in-process): status affirming, bound to this exchange"
        );
        // The EAR explains each dimension: instance, configuration, executables affirming.
        let (label, appraisal) = &ok.ear.submods[0];
        assert_eq!(label, "sim-tee");
        assert_eq!(
            appraisal.trust_vector.unwrap().claims()[..3],
            [Some(2), Some(2), Some(2)]
        );
        assert_eq!(
            appraisal.nonce.as_ref().unwrap().nonces(),
            [b.binding_value.as_bytes().to_vec()]
        );
    }
}

#[test]
fn background_check_with_a_remote_verifier() {
    let mut w = world();
    let b = binder(0x12, b"ctx-r", &w.aik_spki);
    let evidence = attest(&mut w.tee, &b, NOW);
    // The caller's action: send Evidence and binder to "the remote Verifier", get an EAR.
    let report = w
        .verifier
        .appraise(
            &AppraisalRequest {
                cmw: &evidence,
                binder: b.binding_value.as_bytes(),
                aik_pub_hash: b.aik_pub_hash.as_bytes(),
                now_unix_secs: NOW,
            },
            ResultForm::Jwt,
            BindingLevel::Exchange,
            &mut rng(),
        )
        .unwrap();
    assert!(report.findings().is_empty());
    let ok =
        w.rp.background_check(
            &mut ReplayRecord::new(),
            Background::Remote {
                evidence: &evidence,
                result: report.result(),
            },
            &Expected {
                binder: b.binding_value.as_bytes(),
                aik_pub_hash: b.aik_pub_hash.as_bytes(),
            },
            NOW + 2,
            &mut rng(),
        )
        .unwrap();
    assert_eq!(ok.verifier, "verifier-1");
    assert_eq!(ok.status, Tier::Affirming);
}

#[test]
fn passport_cwt_and_jwt_are_accepted_when_they_echo_the_binder() {
    let mut w = world();
    let b = binder(0x13, b"ctx-p", &w.aik_spki);
    let evidence = attest(&mut w.tee, &b, NOW);
    for form in [ResultForm::Cwt, ResultForm::Jwt] {
        let passport = issue(&w, &evidence, &b, form, BindingLevel::Exchange);
        let ok =
            w.rp.passport(
                &mut ReplayRecord::new(),
                &passport,
                &Expected {
                    binder: b.binding_value.as_bytes(),
                    aik_pub_hash: b.aik_pub_hash.as_bytes(),
                },
                NOW + 10,
            )
            .unwrap();
        assert_eq!(ok.model, Model::Passport);
        assert_eq!(ok.binding, BindingLevel::Exchange);
        assert_eq!(
            ok.to_string(),
            "accepted (passport, verifier verifier-1): status affirming, bound to this exchange"
        );
    }
}

#[test]
fn cached_passport_is_accepted_only_when_allowed_and_flagged_weaker() {
    let mut w = world_with(|p| p.relying_party.dangerous_allow_cached_passport = true);
    let first = binder(0x14, b"ctx-a", &w.aik_spki);
    let evidence = attest(&mut w.tee, &first, NOW);
    // A later connection with the same AIK: another binder, same AIK hash.
    let later = binder(0x15, b"ctx-b", &w.aik_spki);
    for form in [ResultForm::Cwt, ResultForm::Jwt] {
        let passport = issue(&w, &evidence, &first, form, BindingLevel::KeyOnly);
        let ok =
            w.rp.passport(
                &mut ReplayRecord::new(),
                &passport,
                &Expected {
                    binder: later.binding_value.as_bytes(),
                    aik_pub_hash: later.aik_pub_hash.as_bytes(),
                },
                NOW + 10,
            )
            .unwrap();
        assert_eq!(ok.binding, BindingLevel::KeyOnly);
        assert!(ok.is_weaker());
        assert!(ok.to_string().contains("weaker"), "{ok}");
        // Bound to the AIK hash: another key's connection still refuses it.
        let (other_spki, _) = minted(7);
        let other = binder(0x15, b"ctx-b", &other_spki);
        assert_rejected(
            w.rp.passport(
                &mut ReplayRecord::new(),
                &passport,
                &Expected {
                    binder: other.binding_value.as_bytes(),
                    aik_pub_hash: other.aik_pub_hash.as_bytes(),
                },
                NOW + 10,
            ),
            seat_verify::Stage::Binding,
            seat_verify::Reason::AikMismatch,
        );
    }
}

#[test]
fn policy_file_drives_the_verifier() {
    // The same trust set as `world()`, but from TOML text.
    let w = world();
    let hex = |b: &[u8]| hex::encode(b);
    let text = format!(
        "[verifier]\nmin_dbgstat = 1\n[[verifier.attestation_keys]]\nname = \"sim-tee\"\nspki_hex = \"{}\"\n\
         [verifier.reference_values.measurements]\nfirmware = \"{}\"\n\
         [[relying_party.verifier_keys]]\nname = \"verifier-1\"\nspki_hex = \"{}\"\n",
        hex(&w.tee.attestation_key_spki()),
        hex(&FIRMWARE),
        hex(&w.verifier.public_key_spki()),
    );
    let p = seat_verify::Policy::from_toml(&text).unwrap();
    assert_eq!(p, w.policy);
}

pub(crate) fn issue(
    w: &World,
    evidence: &[u8],
    b: &seat_binding::binder::ExpatBinder,
    form: ResultForm,
    binding: BindingLevel,
) -> Vec<u8> {
    issue_at(w, evidence, b, form, binding, NOW)
}

pub(crate) fn issue_at(
    w: &World,
    evidence: &[u8],
    b: &seat_binding::binder::ExpatBinder,
    form: ResultForm,
    binding: BindingLevel,
    now: u64,
) -> Vec<u8> {
    w.verifier
        .appraise(
            &AppraisalRequest {
                cmw: evidence,
                binder: b.binding_value.as_bytes(),
                aik_pub_hash: b.aik_pub_hash.as_bytes(),
                now_unix_secs: now,
            },
            form,
            binding,
            &mut rng(),
        )
        .unwrap()
        .result()
        .to_vec()
}

#[test]
fn sim_tee_format_reads_what_seat_evidence_reads() {
    use seat_verify::format::{AppraisalContext, EvidenceFormat, SimTeeFormat};
    use seat_verify::{Collateral, Platform};
    let mut w = world();
    let b = binder(0x16, b"ctx", &w.aik_spki);
    let evidence = attest(&mut w.tee, &b, NOW);
    let theirs = seat_evidence::sim::verify_sim_evidence(
        &evidence,
        &w.tee.attestation_key_spki(),
        provider(),
    )
    .unwrap();
    let seat_evidence::cmw::Cmw::Record(record) =
        seat_evidence::cmw::Cmw::decode(&evidence).unwrap()
    else {
        panic!("not a record")
    };
    let collateral = Collateral::new();
    let ours = SimTeeFormat
        .appraise(&AppraisalContext::new(
            record.value(),
            SimTeeFormat::MEDIA_TYPE,
            b.binding_value.as_bytes(),
            b.aik_pub_hash.as_bytes(),
            NOW,
            provider(),
            &collateral,
            &w.policy.verifier,
        ))
        .unwrap();
    let c = ours.claims;
    assert_eq!(c.platform, Platform::SimTee);
    assert_eq!(c.nonce, theirs.nonce);
    assert_eq!(c.aik_pub_hash, theirs.aik_pub_hash);
    assert_eq!(c.ueid, Some(theirs.ueid));
    assert_eq!(c.iat, Some(i64::try_from(theirs.iat).unwrap()));
    assert_eq!(ours.issued_at, c.iat);
    assert_eq!(c.swname, Some(theirs.swname));
    assert_eq!(c.swversion, Some(theirs.swversion));
    assert_eq!(c.measurements, theirs.measurements);
    assert_eq!(c.dbgstat, Some(theirs.dbgstat));
    assert_eq!(c.secure_boot, Some(theirs.secure_boot));
    assert_eq!(ours.anchor, "sim-tee");
    assert_eq!(ours.submod, "sim-tee");
}
