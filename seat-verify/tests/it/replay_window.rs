//! Issue 14: the replay record is bounded by sliding windows for exchange-bound Evidence and
//! Results, and exact for cached passports while they are valid. A replay inside the window is
//! still refused; an exchange-bound replay past it fails the later exchange's binder check; a
//! cached passport is refused as a replay however many exchanges came between.

use seat_verify::{
    Background, BindingLevel, Expected, MAX_RECENT_CONTEXTS, MAX_RECENT_DIGESTS, Reason,
    ReplayRecord, ResultForm,
};

use seat_binding::binder::ExpatBinder;

use crate::happy::issue;
use crate::support::*;

fn ctx(i: usize) -> Vec<u8> {
    format!("ctx-{i}").into_bytes()
}

/// A background check in process of `evidence` for the exchange of binder `b`.
fn check(
    w: &World,
    record: &mut ReplayRecord,
    evidence: &[u8],
    b: &ExpatBinder,
) -> Result<(), seat_verify::Error> {
    w.rp.background_check(
        record,
        Background::InProcess {
            evidence,
            verifier: &w.verifier,
            form: ResultForm::Cwt,
        },
        &Expected {
            binder: b.binding_value.as_bytes(),
            aik_pub_hash: b.aik_pub_hash.as_bytes(),
        },
        NOW,
        &mut rng(),
    )
    .map(|_| ())
}

/// One exchange-bound background check in process: a fresh binder, fresh Evidence.
fn exchange(w: &mut World, record: &mut ReplayRecord, i: usize) {
    let b = binder(0x50, &ctx(i), &w.aik_spki);
    let evidence = attest(&mut w.tee, &b, NOW);
    check(w, record, &evidence, &b).unwrap_or_else(|e| panic!("exchange {i}: {e}"));
}

#[test]
fn exchange_bound_replay_inside_the_window_and_past_it() {
    let mut w = world();
    let mut record = ReplayRecord::new();
    let b = binder(0x50, b"first", &w.aik_spki);
    let evidence = attest(&mut w.tee, &b, NOW);
    check(&w, &mut record, &evidence, &b).unwrap();
    // The most recent others still leave it inside the window: under the same binder it is
    // refused as a replay.
    for i in 0..MAX_RECENT_DIGESTS - 1 {
        exchange(&mut w, &mut record, i);
    }
    let err = check(&w, &mut record, &evidence, &b).unwrap_err();
    assert_eq!(err.reason(), Some(Reason::Replayed));
    // Past the window it is forgotten, and a later exchange's binder refuses it first.
    for i in MAX_RECENT_DIGESTS..2 * MAX_RECENT_DIGESTS {
        exchange(&mut w, &mut record, i);
    }
    let later = binder(0x50, b"later", &w.aik_spki);
    let err = check(&w, &mut record, &evidence, &later).unwrap_err();
    assert_eq!(err.reason(), Some(Reason::BinderMismatch), "{err}");
    assert!(record.len() <= MAX_RECENT_DIGESTS);
}

#[test]
fn request_context_reused_inside_the_window() {
    let mut record = ReplayRecord::new();
    for i in 0..10 * MAX_RECENT_CONTEXTS {
        record.use_request_context(&ctx(i)).unwrap();
        // The one used MAX_RECENT_CONTEXTS - 1 contexts ago is still refused.
        let back = i.saturating_sub(MAX_RECENT_CONTEXTS - 1);
        assert_eq!(
            record.use_request_context(&ctx(back)).unwrap_err().reason(),
            Some(Reason::ReusedRequestContext),
            "{i}"
        );
    }
    assert_eq!(record.len(), MAX_RECENT_CONTEXTS);
}

#[test]
fn cached_passport_is_refused_again_however_many_exchanges_came_between() {
    let mut w = world_with(|p| p.relying_party.dangerous_allow_cached_passport = true);
    let first = binder(0x14, b"ctx-a", &w.aik_spki);
    let evidence = attest(&mut w.tee, &first, NOW);
    let passport = issue(
        &w,
        &evidence,
        &first,
        ResultForm::Cwt,
        BindingLevel::KeyOnly,
    );
    let later = binder(0x15, b"ctx-b", &w.aik_spki);
    let expected = Expected {
        binder: later.binding_value.as_bytes(),
        aik_pub_hash: later.aik_pub_hash.as_bytes(),
    };
    let mut record = ReplayRecord::new();
    let ok =
        w.rp.passport(&mut record, &passport, &expected, NOW + 10)
            .unwrap();
    assert_eq!(ok.binding, BindingLevel::KeyOnly);
    for i in 0..2 * MAX_RECENT_DIGESTS {
        exchange(&mut w, &mut record, i);
    }
    let err =
        w.rp.passport(&mut record, &passport, &expected, NOW + 20)
            .unwrap_err();
    assert_eq!(err.reason(), Some(Reason::Replayed));
    // Once no longer valid the freshness check refuses it, whatever the record holds.
    let age = w.policy.relying_party.result_max_age_secs;
    let err =
        w.rp.passport(&mut record, &passport, &expected, NOW + age + 1)
            .unwrap_err();
    assert!(
        matches!(
            err.reason(),
            Some(Reason::StaleResult | Reason::ResultExpired)
        ),
        "{err}"
    );
}
