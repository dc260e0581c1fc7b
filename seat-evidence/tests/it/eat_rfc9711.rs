//! EAT claims-sets (RFC 9711) against rats-formats.md section 7.4 and the external eat vector.

use seat_evidence::cbor::{self, Label, Profile, Value};
use seat_evidence::cose::{CoseSign1, Tagging};
use seat_evidence::eat::{
    self, ClaimsSet, Confirmation, DebugStatus, EatProfile, HwModel, Measurement, Nonce, OemId,
    Submodule, Ueid, Version, verify_cwt,
};
use seat_evidence::{Error, Item};

use crate::support::*;
use crate::vectors::*;

fn sub<'a>(c: &'a ClaimsSet, label: &str) -> &'a Submodule {
    &c.submods.iter().find(|(l, _)| l == label).unwrap().1
}

fn sub_claims<'a>(c: &'a ClaimsSet, label: &str) -> &'a ClaimsSet {
    match sub(c, label) {
        Submodule::Claims(c) => c,
        other => panic!("{label}: {other:?}"),
    }
}

fn v(major_version: &str, scheme: i64) -> Version {
    Version {
        version: major_version.into(),
        scheme: Some(scheme),
    }
}

#[test]
fn external_eat_vector_claims() {
    // seat-conformance/vectors/external/eat/eat-cdsp-es256.json (= V-SIG-3), copied to tests/data.
    let vec = vector("eat-eat-cdsp-es256");
    let key = P256Verifier::from_spki_der(&hx(vec["public_key"].as_str().unwrap()));
    let (claims, msg, tagging) = verify_cwt(&hx(vec["token"].as_str().unwrap()), &key).unwrap();
    assert_eq!(tagging, Tagging::Tagged);
    assert_eq!(msg.unprotected().kid(), Some(&b"11"[..]));
    let want = &vec["claims"];
    assert_eq!(want.as_object().unwrap().len(), 4);
    assert_eq!(
        claims.nonce.unwrap().nonces(),
        [hx(want["eat_nonce"].as_str().unwrap())]
    );
    assert_eq!(
        claims.ueid.unwrap().as_bytes(),
        hx(want["ueid"].as_str().unwrap())
    );
    assert_eq!(
        claims.profile,
        Some(EatProfile::Uri(
            want["eat_profile"].as_str().unwrap().into()
        ))
    );
    assert_eq!(claims.oemboot, want["oemboot"].as_bool());
    // Nothing else was in the token.
    assert!(claims.extra.iter().next().is_none());
    assert!(claims.submods.is_empty() && claims.iat.is_none() && claims.dbgstat.is_none());
}

#[test]
fn v_sig_3_claims_built_from_types_are_byte_exact() {
    // rats-formats.md 6.3 / 7.1 V-SIG-3 claims-set, deterministic order.
    let c = ClaimsSet {
        nonce: Some(Nonce::new(hx("948f8860d13a463e")).unwrap()),
        ueid: Some(Ueid::new(hx("0198f50a4ff6c05861c8860d13a638ea")).unwrap()),
        oemboot: Some(true),
        profile: Some(EatProfile::Uri(eat::CONSTRAINED_DEVICE_PROFILE.into())),
        ..ClaimsSet::default()
    };
    assert_eq!(c.to_vec(), hx(VSIG_3_CLAIMS));
    assert_eq!(ClaimsSet::decode(&hx(VSIG_3_CLAIMS)).unwrap(), c);
}

#[test]
fn v_sig_3_token_rejects_a_bad_signature() {
    // seat-conformance external cose-sign1/eat-cdsp-es256-bad-signature.json.
    let vec = vector("cose-sign1-eat-cdsp-es256-bad-signature");
    let key = P256Verifier::from_spki_der(&hx(vec["public_key"].as_str().unwrap()));
    assert_eq!(
        verify_cwt(&hx(vec["cose_sign1"].as_str().unwrap()), &key).unwrap_err(),
        Error::BadSignature
    );
}

#[test]
fn eat_1_tee_claims() {
    // rats-formats.md 7.4 EAT-1 (RFC 9711 A.1.1): manifests (272) is kept as an extra claim.
    let c = ClaimsSet::decode(&hx(EAT_1)).unwrap();
    assert_eq!(
        c.nonce.as_ref().unwrap().nonces(),
        [hx("48df7b172d70b5a18935d0460a73dd71")]
    );
    assert_eq!(c.oemboot, Some(true));
    assert_eq!(c.dbgstat, Some(DebugStatus::DisabledSinceBoot));
    let Some(Value::Array(manifests)) = c.extra.get(&Label::Int(272)) else {
        panic!()
    };
    let Value::Array(m0) = &manifests[0] else {
        panic!()
    };
    assert_eq!(m0[0], Value::Uint(258));
    // EAT-1 is already in deterministic order.
    assert_eq!(c.to_vec(), hx(EAT_1));
}

#[test]
fn eat_3_submodules() {
    // rats-formats.md 7.4 EAT-3 (RFC 9711 A.1.2).
    let c = ClaimsSet::decode(&hx(EAT_3)).unwrap();
    assert_eq!(
        c.nonce.as_ref().unwrap().nonces(),
        [hx("e253cabedc9eec24ac4e25bcbeaf7765")]
    );
    assert_eq!(
        c.ueid.as_ref().unwrap().as_bytes(),
        hx("0198f50a4ff6c05861c8860d13a638ea")
    );
    assert_eq!(c.oemid, Some(OemId::Ieee([0x89, 0x48, 0x23])));
    assert_eq!(
        c.hwmodel.as_ref().unwrap().as_bytes(),
        hx("549dcecc8b987c737b44e40f7c635ce8")
    );
    assert_eq!(c.hwversion, Some(v("1.3.4", 1)));
    assert_eq!(c.swname.as_deref(), Some("Acme OS"));
    assert_eq!(c.swversion, Some(v("3.5.5", 1)));
    assert_eq!(c.oemboot, Some(true));
    assert_eq!(c.dbgstat, Some(DebugStatus::DisabledPermanently));
    assert_eq!(c.iat, Some(1_526_542_894));
    let board = sub_claims(&c, "board");
    assert_eq!(
        board.oemid,
        Some(OemId::Random(
            hx("9bef8787eba13e2c8f6e7cb4b1f4619a").try_into().unwrap()
        ))
    );
    assert_eq!(
        board.hwmodel,
        Some(HwModel::new(hx("ee80f5a66c1fb9742999a8fdab930893")).unwrap())
    );
    assert_eq!(board.hwversion, Some(v("2.0a", 2)));
    let device = sub_claims(&c, "device");
    assert_eq!(device.oemid, Some(OemId::Pen(61234)));
    assert_eq!(device.hwversion, Some(v("4.0", 1)));
    assert_eq!(c.to_vec(), hx(EAT_3_SORTED));
    assert_eq!(
        ClaimsSet::decode(&hx(EAT_3_SORTED)).unwrap().to_vec(),
        hx(EAT_3_SORTED)
    );
}

#[test]
fn eat_4_hw_block() {
    // rats-formats.md 7.4 EAT-4 (RFC 9711 A.1.3).
    let c = ClaimsSet::decode(&hx(EAT_4)).unwrap();
    assert_eq!(
        c.nonce.as_ref().unwrap().nonces(),
        [hx("d79b964ddd5471c1393c8888")]
    );
    assert_eq!(c.oemid, Some(OemId::Pen(64242)));
    assert_eq!(c.hwversion, Some(v("3.1", 1)));
    assert_eq!(c.dbgstat, Some(DebugStatus::DisabledPermanently));
    assert_eq!(c.to_vec(), hx(EAT_4_SORTED));
}

#[test]
fn eat_5_key_store_with_private_claims() {
    // rats-formats.md 7.4 EAT-5 (RFC 9711 A.1.4): -80000 and -80001 round-trip as extras.
    let c = ClaimsSet::decode(&hx(EAT_5)).unwrap();
    assert_eq!(c.exp, Some(1_634_324_274));
    assert_eq!(c.iat, Some(1_634_317_080));
    assert_eq!(c.nonce.as_ref().unwrap().nonces()[0].len(), 24);
    assert_eq!(
        c.extra.get(&Label::Int(-80000)),
        Some(&Value::Text("fingerprint".into()))
    );
    let Some(Value::Map(key)) = c.extra.get(&Label::Int(-80001)) else {
        panic!()
    };
    assert_eq!(key[0], (Value::Uint(1), Value::Uint(2)));
    assert_eq!(key.len(), 5);
    let hlos = sub_claims(&c, "HLOS");
    assert_eq!(
        hlos.nonce.as_ref().unwrap().nonces(),
        [hx("8b0b28782a23d3f6")]
    );
    assert_eq!(c.to_vec(), hx(EAT_5_SORTED));
}

#[test]
fn eat_8_measurements_in_a_submodule() {
    // rats-formats.md 7.4 EAT-8 (RFC 9711 A.1.5).
    let c = ClaimsSet::decode(&hx(EAT_8)).unwrap();
    assert_eq!(c.oemid, Some(OemId::Ieee([0x89, 0x45, 0xad])));
    let os = sub_claims(&c, "OS");
    assert_eq!(os.oemboot, Some(true));
    assert_eq!(os.dbgstat, Some(DebugStatus::DisabledSinceBoot));
    assert_eq!(os.measurements.len(), 1);
    assert_eq!(os.measurements[0].content_format, 258);
    assert!(
        os.measurements[0]
            .content
            .starts_with(&hx("a600663463613234350c"))
    );
    assert_eq!(c.to_vec(), hx(EAT_8_SORTED));
}

#[test]
fn eat_10_and_11() {
    // rats-formats.md 7.4 EAT-10 (minimal) and EAT-11 (iss and iat).
    let c = ClaimsSet::decode(&hx(EAT_10)).unwrap();
    assert_eq!(c.nonce.as_ref().unwrap().nonces(), [hx("948f8860d13a463e")]);
    assert_eq!(c.to_vec(), hx(EAT_10));
    let c = ClaimsSet::decode(&hx(EAT_11)).unwrap();
    assert_eq!(c.iss.as_deref(), Some("joe"));
    assert_eq!(c.iat, Some(1_526_542_894));
    assert_eq!(c.oemid, Some(OemId::Ieee([0x88, 0x12, 0x4e])));
    assert_eq!(c.to_vec(), hx(EAT_11_SORTED));
}

#[test]
fn eat_12_is_broken_in_the_source() {
    // rats-formats.md 7.4 EAT-12: the CBOR source labels key 271 "swname", but 271 is
    // swversion (an array) in RFC 9711; its JSON twin uses "swname". A strict decoder must
    // refuse a text swversion, so this example does not decode, and the test says so.
    let bytes = hx(EAT_12);
    assert_eq!(
        ClaimsSet::decode(&bytes).unwrap_err(),
        Error::UnexpectedType {
            what: Item::SwVersion,
            at: 77
        }
    );
    assert!(matches!(
        ClaimsSet::decode(&hx(EAT_12_SORTED)).unwrap_err(),
        Error::UnexpectedType {
            what: Item::SwVersion,
            ..
        }
    ));
    // Its structure is still well-formed CBOR, and the nested CWT in "Secure Element Eat" is
    // a COSE_Sign1 whose payload is a valid claims-set.
    let Value::Map(top) = cbor::decode_value(&bytes, Profile::STRICT).unwrap() else {
        panic!()
    };
    let (_, Value::Map(submods)) = top.iter().find(|(k, _)| *k == Value::Uint(266)).unwrap() else {
        panic!()
    };
    let (_, Value::Bytes(nested)) = submods
        .iter()
        .find(|(k, _)| *k == Value::Text("Secure Element Eat".into()))
        .unwrap()
    else {
        panic!()
    };
    let (msg, tagging) = CoseSign1::decode(nested).unwrap();
    assert_eq!(tagging, Tagging::Cwt);
    let inner = ClaimsSet::decode(msg.payload().unwrap()).unwrap();
    assert_eq!(inner.oemid, Some(OemId::Pen(64242)));
    assert!(matches!(sub(&inner, "TEE"), Submodule::Digest { .. }));
}

#[test]
fn eat_13_cwt_carries_eat_4() {
    // rats-formats.md 7.4 EAT-13 (RFC 9711 A.2.1): the payload is byte-identical to EAT-4.
    // The verification key is not published, so only the structure is checked.
    let (m, t) = CoseSign1::decode(&hx(EAT_13)).unwrap();
    assert_eq!(t, Tagging::Cwt);
    assert!(m.unprotected().is_empty());
    assert_eq!(m.payload(), Some(&hx(EAT_4)[..]));
    assert_eq!(m.to_vec(Tagging::Cwt), hx(EAT_13));
}

#[test]
fn eat_14_15_detached_bundle() {
    // rats-formats.md 7.4 EAT-14 (RFC 9711 A.2.2): 602([main-token, {"TEE": bstr}]); the main
    // token's payload is EAT-15, whose "TEE" submodule is a detached SHA-256 digest, and the
    // detached claims-set is EAT-1.
    let Value::Tag(602, deb) = cbor::decode_value(&hx(EAT_14), Profile::STRICT).unwrap() else {
        panic!()
    };
    let Value::Array(parts) = *deb else { panic!() };
    let Value::Bytes(main) = &parts[0] else {
        panic!()
    };
    let (m, _) = CoseSign1::decode(main).unwrap();
    assert_eq!(m.payload(), Some(&hx(EAT_15)[..]));
    let c = ClaimsSet::decode(&hx(EAT_15)).unwrap();
    let Submodule::Digest { alg, digest } = sub(&c, "TEE") else {
        panic!()
    };
    assert_eq!(alg, &Label::Int(-16));
    assert_eq!(
        digest,
        &hx("ab86f765643aabfd09c84eebe150b7f61bc24804cee75e90c5f99cb850fe808f")
    );
    assert_eq!(c.to_vec(), hx(EAT_15_SORTED));
    let Value::Map(detached) = &parts[1] else {
        panic!()
    };
    assert_eq!(
        detached[0],
        (Value::Text("TEE".into()), Value::Bytes(hx(EAT_1)))
    );
}

#[test]
fn strict_claim_rules() {
    let cases = [
        // A float iat is an error (RFC 9711 4.3.1; rats-formats.md 9.2 item 19).
        (
            "a106fb41d8d4e5a8000000",
            Error::InvalidValue {
                what: Item::Time,
                at: 2,
            },
        ),
        // A tagged (tag 1) time is not ~time.
        (
            "a106c11a5afd322e",
            Error::UnexpectedType {
                what: Item::Time,
                at: 2,
            },
        ),
        // Nonces of 7 and 65 bytes.
        (
            "a10a4701020304050607",
            Error::BadLength {
                what: Item::EatNonce,
                at: 2,
            },
        ),
        // A one-element nonce array.
        (
            "a10a8148948f8860d13a463e",
            Error::BadLength {
                what: Item::EatNonce,
                at: 2,
            },
        ),
        // A text nonce (the Parsec KAT vectors do this).
        (
            "a10a686e6f6e6365212121",
            Error::UnexpectedType {
                what: Item::EatNonce,
                at: 2,
            },
        ),
        // dbgstat 5.
        (
            "a119010705",
            Error::InvalidValue {
                what: Item::DbgStat,
                at: 4,
            },
        ),
        // A six-byte UEID.
        (
            "a119010046010203040506",
            Error::BadLength {
                what: Item::Ueid,
                at: 4,
            },
        ),
        // A two-byte oemid.
        (
            "a11901024201 02".trim(),
            Error::BadLength {
                what: Item::OemId,
                at: 4,
            },
        ),
        // Duplicate eat_nonce: claim smuggling (rats-formats.md 9.1 item 7).
        (
            "a20a48948f8860d13a463e0a48948f8860d13a463e",
            Error::DuplicateKey {
                what: Item::ClaimsSet,
                at: 11,
            },
        ),
        // cnf with two members.
        (
            "a108a20341010341 02".trim(),
            Error::BadLength {
                what: Item::Cnf,
                at: 2,
            },
        ),
        // Indefinite-length map (forbidden by the constrained device profile).
        (
            "bf0a48948f8860d13a463eff",
            Error::Indefinite {
                what: Item::ClaimsSet,
                at: 0,
            },
        ),
        // Empty submods and measurements.
        (
            "a119010aa0",
            Error::BadLength {
                what: Item::Submods,
                at: 4,
            },
        ),
        (
            "a119011180",
            Error::BadLength {
                what: Item::Measurements,
                at: 4,
            },
        ),
    ];
    for (h, e) in cases {
        let h = h.replace(' ', "");
        assert_eq!(ClaimsSet::decode(&hx(&h)).unwrap_err(), e, "{h}");
    }
    let mut long = hx("a10a5841");
    long.extend([0; 65]);
    assert_eq!(
        ClaimsSet::decode(&long).unwrap_err(),
        Error::BadLength {
            what: Item::EatNonce,
            at: 2
        }
    );
    // Indefinite lengths pass under a lenient profile and re-encode deterministically.
    let c = ClaimsSet::decode_with(&hx("bf0a48948f8860d13a463eff"), Profile::LENIENT).unwrap();
    assert_eq!(c.to_vec(), hx("a10a48948f8860d13a463e"));
}

#[test]
fn unknown_claims_round_trip() {
    // Pre-RFC 9711 keys (11 was ueid in old drafts) and text labels are just unknown claims.
    let mut c = ClaimsSet {
        nonce: Some(Nonce::many(vec![vec![1; 8], vec![2; 64]]).unwrap()),
        cnf: Some(Confirmation::Kid(vec![0xaa; 32])),
        measurements: vec![Measurement {
            content_format: 258,
            content: vec![0xa0],
        }],
        ..ClaimsSet::default()
    };
    c.extra
        .insert(Label::Int(11), Value::Bytes(vec![1, 2, 3]))
        .unwrap();
    c.extra
        .insert(Label::Text("x-vendor".into()), Value::Bool(true))
        .unwrap();
    assert!(c.extra.insert(Label::Int(10), Value::Null).is_err());
    assert!(c.extra.insert(Label::Int(11), Value::Null).is_err());
    let bytes = c.to_vec();
    cbor::check_deterministic(&bytes).unwrap();
    assert_eq!(ClaimsSet::decode(&bytes).unwrap(), c);
    // The constructors refuse what the wire forbids.
    assert!(Nonce::new(vec![0; 7]).is_err());
    assert!(Nonce::new(vec![0; 65]).is_err());
    assert!(Ueid::new(vec![0; 34]).is_err());
    assert!(HwModel::new(vec![]).is_err());
}

/// Found by the `cbor` fuzz target: an unknown claim whose value is a map out of
/// deterministic order (`{0: {-16: 0, 0: 0}}`; RFC 8949 section 4.2.1 puts `00` before `2f`).
/// Maps are sets, so the claims-set decoded from it equals the one decoded from its
/// re-encoding, which writes the map sorted.
#[test]
fn unknown_claim_map_in_any_order_round_trips() {
    let input = [0xa1, 0x00, 0xa2, 0x2f, 0x00, 0x00, 0x00];
    let claims = ClaimsSet::decode(&input).unwrap();
    let again = claims.to_vec();
    assert_eq!(again, [0xa1, 0x00, 0xa2, 0x00, 0x00, 0x2f, 0x00]);
    assert_eq!(ClaimsSet::decode(&again).unwrap(), claims);
}

/// Found by the `cbor` fuzz target: a `cnf` COSE_Key whose map holds members out of
/// deterministic order (`{8: {1: {-1: 1, 1: 1}}}`, RFC 8949 section 4.2.1 puts `01` before
/// `20`) decodes to the claims-set its re-encoding decodes to.
#[test]
fn confirmation_key_in_any_order_round_trips() {
    let input = [0xa1, 0x08, 0xa1, 0x01, 0xa2, 0x20, 0x01, 0x01, 0x01];
    let claims = ClaimsSet::decode(&input).unwrap();
    let again = claims.to_vec();
    assert_eq!(
        again,
        [0xa1, 0x08, 0xa1, 0x01, 0xa2, 0x01, 0x01, 0x20, 0x01]
    );
    assert_eq!(ClaimsSet::decode(&again).unwrap(), claims);
}

/// Found by the `cbor` fuzz target: `submods` whose labels come out of deterministic order
/// (`{266: {"bb": "x", "a": "y"}}`; RFC 8949 section 4.2.1 puts the shorter `61 61` before
/// `62 62 62`). A map is a set, so the claims-set decoded from it equals the one decoded from
/// its re-encoding, which writes the labels sorted.
#[test]
fn submods_in_any_order_round_trip() {
    let input = [
        0xa1, 0x19, 0x01, 0x0a, 0xa2, 0x62, 0x62, 0x62, 0x61, 0x78, 0x61, 0x61, 0x61, 0x79,
    ];
    let claims = ClaimsSet::decode(&input).unwrap();
    let again = claims.to_vec();
    assert_eq!(
        again,
        [
            0xa1, 0x19, 0x01, 0x0a, 0xa2, 0x61, 0x61, 0x61, 0x79, 0x62, 0x62, 0x62, 0x61, 0x78
        ]
    );
    assert_eq!(ClaimsSet::decode(&again).unwrap(), claims);
}
