//! The published embedded defaults as an [`AttestationHooks`] implementation: the model comes
//! from what the peer sent, refusals carry the Verifier's stage and reason, and the typed
//! result says what was appraised.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use seat_binding::provider::HashAlgorithm;
use seat_evidence::ear::Tier;
use seat_proto::hooks::{
    AppraisalRequest, AttestationHooks, EvidenceRequest, Mechanism, Model as Asked, Stage,
};
use seat_proto::shim::Models;
use seat_verify::embedded::{
    Embedded, EmbeddedHooks, Tee, reference_measurements, reference_tee, sent_model, tampered_tee,
};
use seat_verify::{BindingLevel, Model};

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

struct World {
    honest: Tee,
    tampered: Tee,
    trust: Arc<Embedded>,
}

fn world() -> World {
    let honest = reference_tee(0x11).unwrap();
    let tampered = tampered_tee(0x22).unwrap();
    let trust = Embedded::trusting(&[&honest, &tampered]).unwrap();
    World {
        honest,
        tampered,
        trust,
    }
}

const BINDER: [u8; 32] = [0xb1; 32];
const AIK: [u8; 32] = [0xa1; 32];

/// What the attesting side sends when asked for `model`.
fn produce(hooks: &mut EmbeddedHooks, model: Asked, binder: &[u8], now: u64) -> Vec<u8> {
    let request = EvidenceRequest::new(Mechanism::Expat { model }, None, binder, &AIK, now);
    hooks.produce_evidence(&request).expect("the TEE attests")
}

/// The relying side's appraisal, having asked for `asked` and accepting `accepted`.
fn appraise(
    hooks: &mut EmbeddedHooks,
    cmw: &[u8],
    asked: Asked,
    accepted: Models,
    binder: &[u8],
    now: u64,
) -> Result<seat_verify::embedded::PeerAttestation, seat_proto::hooks::Rejection> {
    let mut request = AppraisalRequest::new(
        Mechanism::Expat { model: asked },
        None,
        cmw,
        binder,
        &AIK,
        HashAlgorithm::Sha256,
        now,
    );
    request.accepted_models = accepted;
    hooks.appraise(&request)
}

#[test]
fn a_relying_party_accepting_both_models_appraises_each_as_what_was_sent() {
    let w = world();
    let now = now();
    let mut attester = EmbeddedHooks::attester(&w.trust, &w.honest);
    let mut relying = EmbeddedHooks::relying(&w.trust);
    // Both sides accept both models, so the relying party asked for a background check
    // (Model::choose prefers it); the attester may still present a passport.
    let asked = Asked::choose(Models::BOTH, Models::BOTH).unwrap();
    assert_eq!(asked, Asked::BackgroundCheck);

    let passport = produce(&mut attester, Asked::Passport, &BINDER, now);
    assert_eq!(sent_model(&passport).unwrap(), Model::Passport);
    let got = appraise(&mut relying, &passport, asked, Models::BOTH, &BINDER, now).unwrap();
    assert_eq!(got.model, Model::Passport);
    assert_eq!(got.binding, BindingLevel::Exchange);
    assert_eq!(got.status, Tier::Affirming);
    assert_eq!(got.verifier, "embedded-verifier");
    assert!(got.claims.is_none(), "a passport carries only the result");
    assert!(got.trust_vector.is_some());

    let binder2 = [0xb2; 32];
    let evidence = produce(&mut attester, Asked::BackgroundCheck, &binder2, now);
    assert_eq!(sent_model(&evidence).unwrap(), Model::BackgroundCheck);
    let got = appraise(&mut relying, &evidence, asked, Models::BOTH, &binder2, now).unwrap();
    assert_eq!(got.model, Model::BackgroundCheck);
    assert_eq!(got.verifier, "in-process");
    assert_eq!(got.status, Tier::Affirming);
    let claims = got
        .claims
        .as_ref()
        .expect("background check keeps the claims");
    assert_eq!(claims.nonce, binder2);
    // The measurements the TEE was configured with (their encoding orders the map keys).
    let mut measured = claims.measurements.clone();
    let mut reference = reference_measurements();
    measured.sort();
    reference.sort();
    assert_eq!(measured, reference);
    assert!(
        got.to_string()
            .starts_with("background check, status affirming")
    );
}

#[test]
fn a_model_this_side_does_not_accept_is_refused_by_policy() {
    let w = world();
    let now = now();
    let mut attester = EmbeddedHooks::attester(&w.trust, &w.honest);
    let mut relying = EmbeddedHooks::relying(&w.trust);
    let passport = produce(&mut attester, Asked::Passport, &BINDER, now);
    let err = appraise(
        &mut relying,
        &passport,
        Asked::BackgroundCheck,
        Models::BACKGROUND_CHECK,
        &BINDER,
        now,
    )
    .unwrap_err();
    assert_eq!(err.stage, Stage::Policy);
    assert!(err.reason.contains("passport"), "{err}");
}

#[test]
fn a_tampered_platform_is_refused_with_the_verifiers_reason() {
    let w = world();
    let now = now();
    let mut attester = EmbeddedHooks::attester(&w.trust, &w.tampered);
    let mut relying = EmbeddedHooks::relying(&w.trust).named("client");
    let account = relying.account();
    for model in [Asked::BackgroundCheck, Asked::Passport] {
        let cmw = produce(&mut attester, model, &BINDER, now);
        let err = appraise(&mut relying, &cmw, model, Models::BOTH, &BINDER, now).unwrap_err();
        assert_eq!(err.stage, Stage::Policy, "{model}: {err}");
        match model {
            Asked::BackgroundCheck => assert_eq!(
                err.reason, "a measurement is outside the reference values",
                "{err}"
            ),
            // The passport's Verifier lowered the status; the relying party's tier refuses.
            _ => assert!(
                err.reason.contains("does not reach the required tier"),
                "{err}"
            ),
        }
    }
    let lines = account.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("client: peer attestation rejected: policy stage")),
        "{lines:?}"
    );
}

#[test]
fn a_relayed_binder_and_a_replay_are_refused_at_their_stages() {
    let w = world();
    let now = now();
    let mut attester = EmbeddedHooks::attester(&w.trust, &w.honest);
    let mut relying = EmbeddedHooks::relying(&w.trust);
    let cmw = produce(&mut attester, Asked::BackgroundCheck, &BINDER, now);
    let other = [0xee; 32];
    let err = appraise(
        &mut relying,
        &cmw,
        Asked::BackgroundCheck,
        Models::BOTH,
        &other,
        now,
    )
    .unwrap_err();
    assert_eq!(err.stage, Stage::Binding, "{err}");
    appraise(
        &mut relying,
        &cmw,
        Asked::BackgroundCheck,
        Models::BOTH,
        &BINDER,
        now,
    )
    .unwrap();
    let err = appraise(
        &mut relying,
        &cmw,
        Asked::BackgroundCheck,
        Models::BOTH,
        &BINDER,
        now,
    )
    .unwrap_err();
    assert_eq!(err.stage, Stage::Replay, "{err}");
}

#[test]
fn a_side_without_a_tee_declines_and_garbage_is_a_decode_refusal() {
    let w = world();
    let now = now();
    let mut relying = EmbeddedHooks::relying(&w.trust);
    let request = EvidenceRequest::new(
        Mechanism::Expat {
            model: Asked::BackgroundCheck,
        },
        None,
        &BINDER,
        &AIK,
        now,
    );
    assert!(relying.produce_evidence(&request).is_none());
    let err = appraise(
        &mut relying,
        &[0xff, 0x00],
        Asked::BackgroundCheck,
        Models::BOTH,
        &BINDER,
        now,
    )
    .unwrap_err();
    assert_eq!(err.stage, Stage::Decode, "{err}");
}
