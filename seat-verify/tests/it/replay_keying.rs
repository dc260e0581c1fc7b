//! Security review, defect 7: on the remote background-check path the replay record keyed
//! on the raw CMW bytes, while the in-process path keys on the signed content; the same
//! Evidence re-wrapped (a CBOR record as a JSON record) evaded it. Both paths key on what the
//! Evidence's signature covers now.

use seat_evidence::cmw::{AnyCmw, Cmw, JsonCmw, JsonRecord, RecordType};
use seat_verify::{
    AppraisalRequest, Background, BindingLevel, Expected, Reason, ReplayRecord, ResultForm,
};

use crate::support::*;

/// The same Evidence in a JSON CMW record.
fn as_json(evidence: &[u8]) -> Vec<u8> {
    let AnyCmw::Cbor(Cmw::Record(r)) = AnyCmw::decode(evidence).unwrap() else {
        panic!("the simulated TEE emits a CBOR record");
    };
    let RecordType::MediaType(m) = r.typ() else {
        panic!("a media type");
    };
    let json = JsonRecord::new(m.clone(), r.value().to_vec(), r.ind()).unwrap();
    JsonCmw::Record(json).to_json_string().into_bytes()
}

#[test]
fn rewrapped_evidence_is_a_replay_on_the_remote_path() {
    let mut w = world();
    let b = binder(0x41, b"ctx-rw", &w.aik_spki);
    let evidence = attest(&mut w.tee, &b, NOW);
    let rewrapped = as_json(&evidence);
    assert_ne!(evidence, rewrapped);
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
    let expected = Expected {
        binder: b.binding_value.as_bytes(),
        aik_pub_hash: b.aik_pub_hash.as_bytes(),
    };
    let mut record = ReplayRecord::new();
    let result = report.result();
    w.rp.background_check(
        &mut record,
        remote(&evidence, result),
        &expected,
        NOW,
        &mut rng(),
    )
    .unwrap();
    let err =
        w.rp.background_check(
            &mut record,
            remote(&rewrapped, result),
            &expected,
            NOW,
            &mut rng(),
        )
        .unwrap_err();
    assert_eq!(err.reason(), Some(Reason::Replayed));

    // And across paths: Evidence accepted in process is a replay when it comes back,
    // re-wrapped, through a remote Verifier's Result.
    let mut record = ReplayRecord::new();
    w.rp.background_check(
        &mut record,
        Background::InProcess {
            evidence: &evidence,
            verifier: &w.verifier,
            form: ResultForm::Cwt,
        },
        &expected,
        NOW,
        &mut rng(),
    )
    .unwrap();
    let err =
        w.rp.background_check(
            &mut record,
            remote(&rewrapped, result),
            &expected,
            NOW,
            &mut rng(),
        )
        .unwrap_err();
    assert_eq!(err.reason(), Some(Reason::Replayed));
}

fn remote<'a>(evidence: &'a [u8], result: &'a [u8]) -> Background<'a> {
    Background::Remote { evidence, result }
}
