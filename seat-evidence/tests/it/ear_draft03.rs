//! EAR (draft-ietf-rats-ear-03) and AR4SI against rats-formats.md section 7.5.

use seat_evidence::cbor::{Label, Profile, Value};
use seat_evidence::cose::{Algorithm, CoseVerifier};
use seat_evidence::ear::{
    Appraisal, EAR_PROFILE_03, Ear, RawEvidence, Tier, TrustVector, VerifierId,
};
use seat_evidence::json::b64u_decode;
use seat_evidence::{Error, Item};

use crate::support::*;
use crate::vectors::*;

fn appraisal<'a>(e: &'a Ear, label: &str) -> &'a Appraisal {
    &e.submods.iter().find(|(l, _)| l == label).unwrap().1
}

fn veraison() -> VerifierId {
    VerifierId {
        developer: "https://veraison-project.org".into(),
        build: "vts 0.0.1".into(),
    }
}

const POLICY: &str = "https://veraison.example/policy/1/60a0068d";

#[test]
fn ear_1_contraindicated_psa() {
    // rats-formats.md 7.5 EAR-1 (draft-ietf-rats-ear-03 section 3.3.1).
    let e = Ear::from_cbor(&hx(EAR_1)).unwrap();
    assert_eq!(e.profile, EAR_PROFILE_03);
    assert_eq!(e.iat, 1_666_529_184);
    assert_eq!(e.verifier_id, veraison());
    assert_eq!(
        e.raw_evidence,
        Some(RawEvidence::Bytes(b"lifeboatman".to_vec()))
    );
    let psa = appraisal(&e, "PSA");
    assert_eq!(psa.status, Tier::Contraindicated);
    let tv = psa.trust_vector.unwrap();
    assert_eq!(
        tv.claims(),
        &[Some(2), None, Some(96), None, Some(2), None, None, None]
    );
    assert_eq!(tv.worst_tier(), Tier::Contraindicated);
    assert_eq!(psa.policy_ids, [POLICY]);
    assert_eq!(e.to_cbor(), hx(EAR_1_SORTED));
    assert_eq!(Ear::from_cbor(&hx(EAR_1_SORTED)).unwrap(), e);
}

#[test]
fn ear_2_teep_extension() {
    // rats-formats.md 7.5 EAR-2 (-03 section 4.4.2): status none over an affirming vector is
    // allowed; the TEEP claims (65000) round-trip as an extension.
    let e = Ear::from_cbor(&hx(EAR_2)).unwrap();
    let psa = appraisal(&e, "PSA");
    assert_eq!(psa.status, Tier::None);
    assert_eq!(psa.trust_vector.unwrap().worst_tier(), Tier::Affirming);
    let (label, Value::Map(teep)) = &psa.extra[0] else {
        panic!()
    };
    assert_eq!(label, &Label::Int(65000));
    assert_eq!(teep.len(), 5);
    assert_eq!(e.to_cbor(), hx(EAR_2_SORTED));
}

#[test]
fn ear_3_veraison_extensions() {
    // rats-formats.md 7.5 EAR-3 (-03 section 4.5.2): -70000/-70001 maps are re-sorted too.
    let e = Ear::from_cbor(&hx(EAR_3)).unwrap();
    let psa = appraisal(&e, "PSA_IOT");
    let labels: Vec<_> = psa.extra.iter().map(|(l, _)| l.clone()).collect();
    assert_eq!(labels, [Label::Int(-70000), Label::Int(-70001)]);
    assert_eq!(e.to_cbor(), hx(EAR_3_SORTED));
}

#[test]
fn json_claims_sets_of_draft_03() {
    // rats-formats.md 7.5 "EAR JSON claims-sets (draft -03)", section 3.2.1 first example.
    let e = Ear::from_json(
        br#"{
  "eat_profile": "tag:ietf.org,2026:rats/ear#03",
  "iat": 1666529184,
  "ear_verifier_id": {
    "developer": "https://veraison-project.org",
    "build": "vts 0.0.1"
  },
  "ear_raw_evidence": "NzQ3MjY5NzM2NTYzNzQK",
  "submods": {
    "PSA": {
      "ear_status": "contraindicated",
      "ear_trustworthiness_vector": {
        "instance-identity": 2,
        "executables": 96,
        "hardware": 2
      },
      "ear_appraisal_policy_ids":
        [ "https://veraison.example/policy/1/60a0068d" ]
    }
  }
}"#,
    )
    .unwrap();
    assert_eq!(
        e.raw_evidence,
        Some(RawEvidence::Bytes(b"74726973656374\n".to_vec()))
    );
    let psa = appraisal(&e, "PSA");
    assert_eq!(psa.status, Tier::Contraindicated);
    assert_eq!(
        psa.trust_vector,
        Some(TrustVector::new([Some(2), None, Some(96), None, Some(2), None, None, None]).unwrap())
    );
    // The JSON twin carries the same appraisal as EAR-1's CBOR.
    let cbor = Ear::from_cbor(&hx(EAR_1)).unwrap();
    assert_eq!(appraisal(&cbor, "PSA"), psa);
    assert_eq!(Ear::from_json(e.to_json_string().as_bytes()).unwrap(), e);

    // Composite CCA platform + realm.
    let e = Ear::from_json(
        br#"{"eat_profile": "tag:ietf.org,2026:rats/ear#03", "iat": 1666529300,
  "ear_verifier_id": {"developer": "https://veraison-project.org", "build": "vts 0.0.1"},
  "ear_raw_evidence": "NzQ3MjY5NzM2NTYzNzQKNzQ3MjY5NzM2NTYzNzQK",
  "submods": {
    "CCA Platform": {"ear_status": "affirming",
      "ear_trustworthiness_vector": {"instance-identity": 2, "executables": 2, "hardware": 2},
      "ear_appraisal_policy_ids": [ "https://veraison.example/policy/1/60a0068d" ]},
    "CCA Realm": {"ear_status": "affirming",
      "ear_trustworthiness_vector": {"instance-identity": 2},
      "ear_appraisal_policy_ids": [ "https://veraison.example/policy/1/60a0068d" ]}}}"#,
    )
    .unwrap();
    assert_eq!(e.submods.len(), 2);
    assert_eq!(appraisal(&e, "CCA Realm").status, Tier::Affirming);

    // TEEP and key-attestation extensions: unknown JSON members are ignored.
    for ext in [
        r#""ear_teep_claims": {"eat_nonce": "80FH7byS7VjfARIq0_KLqu6B9j-F79QtV6p", "ueid": "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAh", "oemid": "Av8B", "hwmodel": "fJYq", "hwversion": ["1.2.5", 16384]}"#,
        r#""ear_veraison_key_attestation": {"akpub": "MFkwEwYHKoZIzj0CAQYIKoZIz___"}"#,
    ] {
        let text = format!(
            r#"{{"eat_profile": "tag:ietf.org,2026:rats/ear#03", "iat": 1666529184,
  "ear_verifier_id": {{"developer": "https://veraison-project.org", "build": "vts 0.0.1"}},
  "ear_raw_evidence": "NzQ3MjY5NzM2NTYzNzQK",
  "submods": {{"PSA": {{"ear_status": "contraindicated",
      "ear_trustworthiness_vector": {{"instance-identity": 2, "executables": 96, "hardware": 2}},
      "ear_appraisal_policy_ids": [ "https://veraison.example/policy/1/60a0068d" ], {ext}}}}}}}"#
        );
        let e = Ear::from_json(text.as_bytes()).unwrap();
        assert_eq!(appraisal(&e, "PSA").status, Tier::Contraindicated);
    }
}

#[test]
fn ear_jwt_1_signature_valid_claims_invalid() {
    // rats-formats.md 7.5 EAR-JWT-1: ES256 over the JWS signing input verifies with the V-SIG-1
    // key, but the claims-set is legacy (dotted names, old profile) and has a float iat, so a
    // strict decoder refuses it (rats-formats.md 9.2 item 19).
    const JWT: &str = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJlYXIucmF3LWV2aWRlbmNlIjoiTnpRM01qWTVOek0yTlRZek56UUsiLCJlYXIudmVyaWZpZXItaWQiOnsiYnVpbGQiOiJ2dHMgMC4wLjEiLCJkZXZlbG9wZXIiOiJodHRwczovL3ZlcmFpc29uLXByb2plY3Qub3JnIn0sImVhdF9wcm9maWxlIjoidGFnOmdpdGh1Yi5jb20sMjAyMzp2ZXJhaXNvbi9lYXIiLCJpYXQiOjEuNjY2NTI5MTg0ZSswOSwianRpIjoiNTViOGIzZmFkOGRkMWQ4ZWFjNGU0OGYxMTdmZTUwOGIxMWY4NDRkOWYwMTg5YmZlZDliODc1MTVhNjc1NDI2NCIsIm5iZiI6MTY3NzI0Nzg3OSwic3VibW9kcyI6eyJQQVJTRUNfVFBNIjp7ImVhci5hcHByYWlzYWwtcG9saWN5LWlkIjoiaHR0cHM6Ly92ZXJhaXNvbi5leGFtcGxlL3BvbGljeS8xLzYwYTAwNjhkIiwiZWFyLnN0YXR1cyI6ImFmZmlybWluZyIsImVhci50cnVzdHdvcnRoaW5lc3MtdmVjdG9yIjp7ImV4ZWN1dGFibGVzIjoyLCJoYXJkd2FyZSI6MiwiaW5zdGFuY2UtaWRlbnRpdHkiOjJ9LCJlYXIudmVyYWlzb24ua2V5LWF0dGVzdGF0aW9uIjp7ImFrcHViIjoiTUZrd0V3WUhLb1pJemowQ0FRWUlLb1pJemowREFRY0RRZ0FFY2pTcDhfTVdNM2d5OFR1Z1dPMVRwUVNqX3ZJa3NMcEMtZzhsNVMzbHBHYjdQV1dHb0NBakVQOF9BNTlWWndMWGd3b1p6TjBXeHVCUGpwYVdpV3NmQ1EifX19fQ.3Ym-f1LEgamxePUM7h6Y2RJDGh9eeL0xKor0n1wE9jdAnLNwm3rTKFV2S2LbqVFoDtK9QGalT2t5RnUdfwZNmg";
    let (input, sig) = JWT.rsplit_once('.').unwrap();
    let sig = b64u_decode(sig, Item::Base64Url).unwrap();
    let key = P256Verifier::from_xy(KEY11_X, KEY11_Y);
    key.verify(Algorithm::ES256, input.as_bytes(), &sig)
        .unwrap();
    let payload = b64u_decode(input.split_once('.').unwrap().1, Item::Base64Url).unwrap();
    assert!(String::from_utf8_lossy(&payload).contains(r#""iat":1.666529184e+09"#));
    assert_eq!(
        Ear::from_json(&payload).unwrap_err(),
        Error::InvalidValue {
            what: Item::EatProfile,
            at: 0
        }
    );
    // The float iat alone is refused under the -03 profile.
    let float_iat = br#"{"eat_profile": "tag:ietf.org,2026:rats/ear#03", "iat": 1.666529184e+09,
        "ear_verifier_id": {"developer": "d", "build": "b"},
        "submods": {"x": {"ear_status": "none"}}}"#;
    assert_eq!(
        Ear::from_json(float_iat).unwrap_err(),
        Error::InvalidValue {
            what: Item::Time,
            at: 0
        }
    );
}

#[test]
fn ear_cbor_legacy_is_refused() {
    // rats-formats.md 7.5 EAR-CBOR-LEGACY: indefinite-length maps (refused under the strict
    // profile) and the legacy Veraison profile (not accepted by this crate at all).
    let bytes = hx(EAR_CBOR_LEGACY);
    assert_eq!(
        Ear::from_cbor(&bytes).unwrap_err(),
        Error::Indefinite {
            what: Item::Ear,
            at: 0
        }
    );
    assert_eq!(
        Ear::from_cbor_with(&bytes, Profile::LENIENT).unwrap_err(),
        Error::InvalidValue {
            what: Item::EatProfile,
            at: 4
        }
    );
}

#[test]
fn status_and_vector_rules() {
    let base = |status: &str, vector: &str| {
        format!(
            r#"{{"eat_profile": "tag:ietf.org,2026:rats/ear#03", "iat": 1,
            "ear_verifier_id": {{"developer": "d", "build": "b"}},
            "submods": {{"x": {{"ear_status": "{status}", "ear_trustworthiness_vector": {vector}}}}}}}"#
        )
    };
    // An affirming status over a contraindicated claim is more trustworthy than its claims.
    assert_eq!(
        Ear::from_json(base("affirming", r#"{"hardware": 97}"#).as_bytes()).unwrap_err(),
        Error::InvalidValue {
            what: Item::EarStatus,
            at: 0
        }
    );
    Ear::from_json(base("warning", r#"{"hardware": 32}"#).as_bytes()).unwrap();
    Ear::from_json(base("contraindicated", r#"{"hardware": 2}"#).as_bytes()).unwrap();
    // Unknown tier names, claim names, out-of-range values and empty vectors.
    assert!(Ear::from_json(base("good", r#"{"hardware": 2}"#).as_bytes()).is_err());
    assert!(Ear::from_json(base("none", r#"{"firmware": 2}"#).as_bytes()).is_err());
    assert!(Ear::from_json(base("none", r#"{"hardware": 128}"#).as_bytes()).is_err());
    assert!(Ear::from_json(base("none", "{}").as_bytes()).is_err());

    // CBOR: status 1 is no tier; vector key 8 is unknown; the top-level status must not be
    // more trustworthy than the worst appraisal (EAR-1 has a contraindicated PSA).
    let mut e = Ear::from_cbor(&hx(EAR_1)).unwrap();
    e.status = Some(Tier::Affirming);
    assert_eq!(
        Ear::from_cbor(&e.to_cbor()).unwrap_err(),
        Error::InvalidValue {
            what: Item::EarStatus,
            at: 0
        }
    );
    assert!(e.check_status().is_err());
    e.status = Some(Tier::Contraindicated);
    assert_eq!(Ear::from_cbor(&e.to_cbor()).unwrap(), e);
    let psa = hx("a11903e801");
    assert!(matches!(
        Ear::from_cbor(&with_appraisal(&psa)).unwrap_err(),
        Error::InvalidValue {
            what: Item::EarStatus,
            ..
        }
    ));
    let psa = hx("a21903e8001903e9a10802");
    assert!(matches!(
        Ear::from_cbor(&with_appraisal(&psa)).unwrap_err(),
        Error::InvalidValue {
            what: Item::TrustVector,
            ..
        }
    ));
    // Missing required claims.
    assert!(matches!(
        Ear::from_cbor(&hx("a1061a635537a0")).unwrap_err(),
        Error::Missing {
            what: Item::EatProfile,
            ..
        }
    ));
}

/// A minimal -03 EAR around one encoded appraisal map.
fn with_appraisal(appraisal: &[u8]) -> Vec<u8> {
    let mut w = seat_evidence::cbor::Writer::new();
    w.map(4)
        .uint(6)
        .uint(1)
        .uint(265)
        .text(EAR_PROFILE_03)
        .uint(266)
        .map(1)
        .text("x")
        .raw(appraisal)
        .uint(1004)
        .map(2)
        .uint(0)
        .text("d")
        .uint(1)
        .text("b");
    w.into_vec()
}

#[test]
fn ear_jwt_2_legacy_token_is_refused() {
    // rats-formats.md 7.5 EAR-JWT-2 (veraison/rust-ear README): the ES256 signature verifies
    // with the published JWK, but the claims use profile "test" and legacy dotted names, which
    // this crate does not accept.
    const JWT: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJlYXRfcHJvZmlsZSI6InRlc3QiLCJpYXQiOjEsImVhci52ZXJpZmllci1pZCI6eyJkZXZlbG9wZXIiOiJodHRwczovL3ZlcmFpc29uLXByb2plY3Qub3JnIiwiYnVpbGQiOiJ2c3RzIDAuMC4xIn0sInN1Ym1vZHMiOnsidGVzdCI6eyJlYXIuc3RhdHVzIjoibm9uZSJ9fX0.G25v0j0NDQhSOcK3Jtfq5vqVxnoWuWf-Q0DCNkCwpyB03DGr25ZDJ3IDSAHVPZrr6TVMwj8RcGEzQnCrucem4Q";
    let x = b64u_decode(
        "G8fAud93NgCg8C_0bY1YqVZ5zNlkb-cNsGTQia7m0is",
        Item::Base64Url,
    )
    .unwrap();
    let y = b64u_decode(
        "RK1gonvUKKQOCSHDwz3SiN9EijCqmXS4sDeRbc8RnL0",
        Item::Base64Url,
    )
    .unwrap();
    let key = P256Verifier::from_xy(&hex::encode(x), &hex::encode(y));
    let (input, sig) = JWT.rsplit_once('.').unwrap();
    let sig = b64u_decode(sig, Item::Base64Url).unwrap();
    key.verify(Algorithm::ES256, input.as_bytes(), &sig)
        .unwrap();
    let payload = b64u_decode(input.split_once('.').unwrap().1, Item::Base64Url).unwrap();
    assert_eq!(
        Ear::from_json(&payload).unwrap_err(),
        Error::InvalidValue {
            what: Item::EatProfile,
            at: 0
        }
    );
}

/// `submods` members in any order decode to one EAR: a JSON object is unordered, whatever order
/// serde_json's map keeps (with `preserve_order`, which the all-features build turns on, it
/// keeps the sender's).
#[test]
fn json_submods_in_any_order_decode_alike() {
    let ear = |members: &str| {
        Ear::from_json(
            format!(
                r#"{{"eat_profile": "tag:ietf.org,2026:rats/ear#03", "iat": 1666529300,
  "ear_verifier_id": {{"developer": "https://veraison-project.org", "build": "vts 0.0.1"}},
  "submods": {{{members}}}}}"#
            )
            .as_bytes(),
        )
        .unwrap()
    };
    let a = r#""a": {"ear_status": "affirming"}"#;
    let b = r#""bb": {"ear_status": "warning"}"#;
    let forward = ear(&format!("{a}, {b}"));
    let backward = ear(&format!("{b}, {a}"));
    assert_eq!(forward, backward);
    assert_eq!(
        Ear::from_json(backward.to_json_string().as_bytes()).unwrap(),
        backward
    );
}
