//! The `ear` crate (0.6, Veraison) as an independent oracle: it must accept, and read back the
//! same values from, the EARs this Verifier issues, as CWT and as JWT.

use ear::{Algorithm, TrustTier};
use seat_evidence::cmw::{AnyCmw, Cmw, JsonCmw};
use seat_verify::{AppraisalRequest, BindingLevel, ResultForm};

use crate::support::*;

/// A time after the real clock: the `ear` crate checks `exp` against the system time.
const LATER: u64 = 4_000_000_000;

/// The JWK of a P-256 SPKI (the last 64 bytes are the point's x and y).
fn jwk(spki: &[u8]) -> Vec<u8> {
    let point = &spki[spki.len() - 64..];
    let x = seat_evidence::json::b64u_encode(&point[..32]);
    let y = seat_evidence::json::b64u_encode(&point[32..]);
    format!(r#"{{"kty":"EC","crv":"P-256","x":"{x}","y":"{y}"}}"#).into_bytes()
}

#[test]
fn ear_crate_accepts_our_cwt_and_jwt() {
    let mut w = world();
    let b = binder(0x41, b"ctx", &w.aik_spki);
    let evidence = attest(&mut w.tee, &b, LATER);
    let key = jwk(&w.verifier.public_key_spki());
    for form in [ResultForm::Cwt, ResultForm::Jwt] {
        let report = w
            .verifier
            .appraise(
                &AppraisalRequest {
                    cmw: &evidence,
                    binder: b.binding_value.as_bytes(),
                    aik_pub_hash: b.aik_pub_hash.as_bytes(),
                    now_unix_secs: LATER,
                },
                form,
                BindingLevel::Exchange,
                &mut rng(),
            )
            .unwrap();
        let theirs = match AnyCmw::decode(report.result()).unwrap() {
            AnyCmw::Cbor(Cmw::Record(r)) => {
                ear::Ear::from_cose_jwk(r.value(), Algorithm::ES256, &key).unwrap()
            }
            AnyCmw::Json(JsonCmw::Record(r)) => ear::Ear::from_jwt_jwk(
                core::str::from_utf8(r.value()).unwrap(),
                Algorithm::ES256,
                &key,
            )
            .unwrap(),
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(theirs.profile, "tag:ietf.org,2026:rats/ear#03");
        assert_eq!(theirs.iat, LATER as i64);
        assert_eq!(theirs.exp, Some(LATER as i64 + 300));
        assert_eq!(theirs.status, Some(TrustTier::Affirming));
        let a = &theirs.submods["sim-tee"];
        assert_eq!(a.status, TrustTier::Affirming);
        assert_eq!(
            a.profile.as_deref(),
            Some("tag:seat.example,2026:sim-tee/1")
        );
        assert_eq!(a.policy_ids, ["tag:seat.example,2026:policy/default"]);
        assert_eq!(a.trust_vector.instance_identity.get(), 2);
        assert_eq!(a.trust_vector.configuration.get(), 2);
        assert_eq!(a.trust_vector.executables.get(), 2);
        let nonce = a.nonce.as_ref().unwrap();
        assert_eq!(
            serde_json::to_value(nonce).unwrap(),
            serde_json::Value::String(seat_evidence::json::b64u_encode(b.binding_value.as_bytes()))
        );
    }
}
