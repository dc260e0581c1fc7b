//! Each attack of the brief (early-attestation section 5; DESIGN section 8) fails at the
//! expected stage with the expected reason.

use seat_binding::binder::ExpatBinder;
use seat_evidence::ear::Tier;
use seat_verify::{
    Background, BindingLevel, Expected, Reason, ReplayRecord, ResultForm, Stage, Verifier,
};

use crate::happy::{issue, issue_at};
use crate::support::*;

fn expected(b: &ExpatBinder) -> Expected<'_> {
    Expected {
        binder: b.binding_value.as_bytes(),
        aik_pub_hash: b.aik_pub_hash.as_bytes(),
    }
}

fn in_process(
    w: &World,
    record: &mut ReplayRecord,
    evidence: &[u8],
    b: &ExpatBinder,
) -> Result<seat_verify::Accepted, seat_verify::Error> {
    w.rp.background_check(
        record,
        Background::InProcess {
            evidence,
            verifier: &w.verifier,
            form: ResultForm::Cwt,
        },
        &expected(b),
        NOW,
        &mut rng(),
    )
}

/// The binder for exporter `ems` under context `ctx` and the world's AIK, and Evidence the
/// world's TEE signs for it at `NOW`.
fn attested(w: &mut World, ems: u8) -> (ExpatBinder, Vec<u8>) {
    let b = binder(ems, b"ctx", &w.aik_spki);
    let evidence = attest(&mut w.tee, &b, NOW);
    (b, evidence)
}

/// The relying party's answer to `passport` on a fresh connection expecting `b`, at `now`.
fn passport_at(
    w: &World,
    passport: &[u8],
    b: &ExpatBinder,
    now: u64,
) -> Result<seat_verify::Accepted, seat_verify::Error> {
    w.rp.passport(&mut ReplayRecord::new(), passport, &expected(b), now)
}

/// `verifier`'s appraisal of `evidence` for `b` at `NOW`, bound to the exchange.
fn appraise(
    verifier: &Verifier,
    evidence: &[u8],
    b: &ExpatBinder,
    form: ResultForm,
) -> Result<seat_verify::Report, seat_verify::Error> {
    verifier.appraise(
        &seat_verify::AppraisalRequest {
            cmw: evidence,
            binder: b.binding_value.as_bytes(),
            aik_pub_hash: b.aik_pub_hash.as_bytes(),
            now_unix_secs: NOW,
        },
        form,
        BindingLevel::Exchange,
        &mut rng(),
    )
}

#[test]
fn relay_evidence_for_another_connections_binder() {
    let mut w = world();
    // The attacker's own connection (exporter 0x21) got genuine Evidence...
    let theirs = binder(0x21, b"ctx", &w.aik_spki);
    let evidence = attest(&mut w.tee, &theirs, NOW);
    // ...and relays it into ours (exporter 0x22), same AIK, same context.
    let ours = binder(0x22, b"ctx", &w.aik_spki);
    assert_rejected(
        in_process(&w, &mut ReplayRecord::new(), &evidence, &ours),
        Stage::Binding,
        Reason::BinderMismatch,
    );
}

#[test]
fn key_substitution_evidence_binding_another_key() {
    let mut w = world();
    let (other_spki, _) = minted(9);
    // Evidence about a key held elsewhere, for this very connection's exporter.
    let substituted = binder(0x23, b"ctx", &other_spki);
    let evidence = attest(&mut w.tee, &substituted, NOW);
    let ours = binder(0x23, b"ctx", &w.aik_spki);
    assert_rejected(
        in_process(&w, &mut ReplayRecord::new(), &evidence, &ours),
        Stage::Binding,
        Reason::AikMismatch,
    );
}

#[test]
fn replay_same_evidence_twice_under_the_same_binder() {
    let mut w = world();
    // Early attestation, then re-attestation with an identical binder (or a reused Verifier
    // nonce): the binder check passes both times, the replay record catches the second.
    let (b, evidence) = attested(&mut w, 0x24);
    let mut record = ReplayRecord::new();
    in_process(&w, &mut record, &evidence, &b).unwrap();
    assert_rejected(
        in_process(&w, &mut record, &evidence, &b),
        Stage::Freshness,
        Reason::Replayed,
    );
    // Fresh Evidence under the same binder is a different token and is accepted.
    let fresh = attest(&mut w.tee, &b, NOW + 1);
    assert_ne!(fresh, evidence);
    in_process(&w, &mut record, &fresh, &b).unwrap();
    // A reused request context is caught before any Evidence is asked for.
    record.use_request_context(b"ctx").unwrap();
    assert_rejected(
        record.use_request_context(b"ctx"),
        Stage::Freshness,
        Reason::ReusedRequestContext,
    );
}

#[test]
fn stale_iat() {
    let mut w = world();
    let b = binder(0x25, b"ctx", &w.aik_spki);
    let evidence = attest(&mut w.tee, &b, NOW - 61);
    assert_rejected(
        in_process(&w, &mut ReplayRecord::new(), &evidence, &b),
        Stage::Freshness,
        Reason::StaleEvidence,
    );
    // Inside the window it passes; from the future (beyond the skew) it does not.
    let ok = attest(&mut w.tee, &b, NOW - 60);
    in_process(&w, &mut ReplayRecord::new(), &ok, &b).unwrap();
    let future = attest(&mut w.tee, &b, NOW + 6);
    assert_rejected(
        in_process(&w, &mut ReplayRecord::new(), &future, &b),
        Stage::Freshness,
        Reason::EvidenceFromFuture,
    );
}

#[test]
fn tampered_claim() {
    let mut w = world();
    let b = binder(0x26, b"ctx", &w.aik_spki);
    let mut evidence = attest(&mut w.tee, &b, NOW);
    // Rewrite swversion "1.0.0" to "9.9.9" inside the signed payload (same length).
    let at = evidence
        .windows(5)
        .position(|x| x == b"1.0.0")
        .expect("swversion in the token");
    evidence[at..at + 5].copy_from_slice(b"9.9.9");
    assert_rejected(
        in_process(&w, &mut ReplayRecord::new(), &evidence, &b),
        Stage::Signature,
        Reason::BadEvidenceSignature,
    );
}

#[test]
fn untrusted_attestation_key() {
    let w = world();
    let mut rogue = tee_with(|c| c.seed = [0x66; 32]);
    let b = binder(0x27, b"ctx", &w.aik_spki);
    let evidence = attest(&mut rogue, &b, NOW);
    assert_rejected(
        in_process(&w, &mut ReplayRecord::new(), &evidence, &b),
        Stage::Signature,
        Reason::UntrustedAttestationKey,
    );
}

#[test]
fn measurement_outside_the_reference_values() {
    let mut w = world();
    w.tee = tee_with(|c| c.measurements = vec![("firmware".into(), vec![0x5a; 32])]);
    let (b, evidence) = attested(&mut w, 0x28);
    assert_rejected(
        in_process(&w, &mut ReplayRecord::new(), &evidence, &b),
        Stage::Policy,
        Reason::MeasurementMismatch,
    );
    // The EAR explains it: executables 33 (unrecognised), status warning.
    let report = appraise(&w.verifier, &evidence, &b, ResultForm::Cwt).unwrap();
    assert_eq!(report.findings(), [Reason::MeasurementMismatch]);
    assert_eq!(report.status(), Tier::Warning);
    let tv = report.ear().submods[0].1.trust_vector.unwrap();
    assert_eq!(tv.get(2), Some(33));
}

#[test]
fn debug_on_when_forbidden() {
    let mut w = world();
    w.tee = tee_with(|c| c.dbgstat = 0);
    let (b, evidence) = attested(&mut w, 0x29);
    assert_rejected(
        in_process(&w, &mut ReplayRecord::new(), &evidence, &b),
        Stage::Policy,
        Reason::DebugEnabled,
    );
    // Secure boot off is a policy finding too.
    w.tee = tee_with(|c| c.secure_boot = false);
    let evidence = attest(&mut w.tee, &b, NOW);
    assert_rejected(
        in_process(&w, &mut ReplayRecord::new(), &evidence, &b),
        Stage::Policy,
        Reason::SecureBootDisabled,
    );
}

#[test]
fn ear_from_an_untrusted_verifier() {
    let mut w = world();
    let (b, evidence) = attested(&mut w, 0x2a);
    let (_, rogue_key) = minted(3);
    let rogue = Verifier::new(w.policy.verifier.clone(), rogue_key, provider()).unwrap();
    for form in [ResultForm::Cwt, ResultForm::Jwt] {
        let passport = appraise(&rogue, &evidence, &b, form)
            .unwrap()
            .result()
            .to_vec();
        assert_rejected(
            passport_at(&w, &passport, &b, NOW),
            Stage::Signature,
            Reason::UntrustedVerifier,
        );
    }
}

#[test]
fn ear_with_a_tampered_signature() {
    let mut w = world();
    let (b, evidence) = attested(&mut w, 0x2b);
    let mut passport = issue(&w, &evidence, &b, ResultForm::Cwt, BindingLevel::Exchange);
    // The record ends `..., bstr(COSE_Sign1), 8]`: the byte before the `ind` is the last
    // byte of the signature.
    let last = passport.len() - 2;
    passport[last] ^= 1;
    assert_rejected(
        passport_at(&w, &passport, &b, NOW),
        Stage::Signature,
        Reason::BadResultSignature,
    );
}

#[test]
fn ear_with_another_exchanges_binder() {
    let mut w = world();
    let old = binder(0x2c, b"ctx-1", &w.aik_spki);
    let evidence = attest(&mut w.tee, &old, NOW);
    let now = binder(0x2c, b"ctx-2", &w.aik_spki);
    for form in [ResultForm::Cwt, ResultForm::Jwt] {
        let passport = issue(&w, &evidence, &old, form, BindingLevel::Exchange);
        assert_rejected(
            passport_at(&w, &passport, &now, NOW),
            Stage::Binding,
            Reason::ResultBinderMismatch,
        );
    }
}

#[test]
fn expired_ear() {
    let mut w = world();
    let (b, evidence) = attested(&mut w, 0x2d);
    let passport = issue(&w, &evidence, &b, ResultForm::Cwt, BindingLevel::Exchange);
    // ear_validity_secs defaults to 300.
    assert_rejected(
        passport_at(&w, &passport, &b, NOW + 300),
        Stage::Freshness,
        Reason::ResultExpired,
    );
    passport_at(&w, &passport, &b, NOW + 299).unwrap();
    // An EAR from the future is refused too.
    let later = attest(&mut w.tee, &b, NOW + 60);
    let future = issue_at(
        &w,
        &later,
        &b,
        ResultForm::Cwt,
        BindingLevel::Exchange,
        NOW + 60,
    );
    assert_rejected(
        passport_at(&w, &future, &b, NOW),
        Stage::Freshness,
        Reason::ResultFromFuture,
    );
}

#[test]
fn status_below_the_required_tier() {
    let mut w = world();
    w.tee = tee_with(|c| c.dbgstat = 0);
    let (b, evidence) = attested(&mut w, 0x2e);
    let passport = issue(&w, &evidence, &b, ResultForm::Jwt, BindingLevel::Exchange);
    assert_rejected(
        passport_at(&w, &passport, &b, NOW),
        Stage::Policy,
        Reason::StatusBelowTier {
            status: Tier::Contraindicated,
            required: Tier::Affirming,
        },
    );
    // The same through a remote background check.
    assert_rejected(
        w.rp.background_check(
            &mut ReplayRecord::new(),
            Background::Remote {
                evidence: &evidence,
                result: &passport,
            },
            &expected(&b),
            NOW,
            &mut rng(),
        ),
        Stage::Policy,
        Reason::StatusBelowTier {
            status: Tier::Contraindicated,
            required: Tier::Affirming,
        },
    );
}

#[test]
fn cached_passport_when_the_policy_forbids_it() {
    let mut w = world();
    let (b, evidence) = attested(&mut w, 0x2f);
    for form in [ResultForm::Cwt, ResultForm::Jwt] {
        let passport = issue(&w, &evidence, &b, form, BindingLevel::KeyOnly);
        assert_rejected(
            passport_at(&w, &passport, &b, NOW),
            Stage::Binding,
            Reason::CachedPassportForbidden,
        );
    }
}

#[test]
fn a_passport_is_accepted_once_per_connection() {
    let mut w = world();
    let (b, evidence) = attested(&mut w, 0x30);
    let passport = issue(&w, &evidence, &b, ResultForm::Cwt, BindingLevel::Exchange);
    let mut record = ReplayRecord::new();
    w.rp.passport(&mut record, &passport, &expected(&b), NOW)
        .unwrap();
    assert_rejected(
        w.rp.passport(&mut record, &passport, &expected(&b), NOW),
        Stage::Freshness,
        Reason::Replayed,
    );
}

#[test]
fn evidence_in_place_of_a_result_and_garbage() {
    let mut w = world();
    let (b, evidence) = attested(&mut w, 0x31);
    assert_rejected(
        passport_at(&w, &evidence, &b, NOW),
        Stage::Decode,
        Reason::NotAttestationResult,
    );
    let passport = issue(&w, &evidence, &b, ResultForm::Cwt, BindingLevel::Exchange);
    assert_rejected(
        in_process(&w, &mut ReplayRecord::new(), &passport, &b),
        Stage::Decode,
        Reason::NotEvidence,
    );
    let r = in_process(&w, &mut ReplayRecord::new(), &[0xff, 0x00], &b).unwrap_err();
    assert_eq!(r.stage(), Some(Stage::Decode));
}
