//! CMW (RFC 9999) against the examples of rats-formats.md section 7.2 and the external vectors.

use seat_evidence::cbor::{self, Profile, Value};
use seat_evidence::cmw::{
    AnyCmw, Cmw, Collection, Form, Ind, JsonCmw, JsonCollection, JsonRecord, Label, Record,
    RecordType, TagCmw, cf, tn,
};
use seat_evidence::json;
use seat_evidence::{Error, Item};

use crate::support::{hx, vector};
use crate::vectors::*;

fn record(c: &Cmw) -> &Record {
    match c {
        Cmw::Record(r) => r,
        other => panic!("not a record: {other:?}"),
    }
}

fn tag(c: &Cmw) -> &TagCmw {
    match c {
        Cmw::Tag(t) => t,
        other => panic!("not a tag: {other:?}"),
    }
}

fn collection(c: &Cmw) -> &Collection {
    match c {
        Cmw::Collection(c) => c,
        other => panic!("not a collection: {other:?}"),
    }
}

fn media(s: &str) -> RecordType {
    RecordType::MediaType(s.to_owned())
}

/// Decodes, checks the form the demultiplexer sees, and re-encodes.
fn roundtrip(hex: &str, form: Form) -> Cmw {
    let bytes = hx(hex);
    assert_eq!(Form::sniff(bytes[0]), Some(form));
    let c = Cmw::decode(&bytes).unwrap();
    assert_eq!(AnyCmw::decode(&bytes).unwrap(), AnyCmw::Cbor(c.clone()));
    c
}

#[test]
fn cmw_1_record_with_content_format() {
    // rats-formats.md 7.2 CMW-1 (draft-ietf-rats-msg-wrap-23 section 5.2).
    let c = roundtrip(CMW_1, Form::CborRecord);
    let r = record(&c);
    assert_eq!(r.typ(), &RecordType::ContentFormat(64999));
    assert_eq!(r.value(), hx("2347da55"));
    assert_eq!(r.ind(), None);
    assert_eq!(c.to_vec(), hx(CMW_1));
}

#[test]
fn cmw_2_record_with_media_type() {
    // rats-formats.md 7.2 CMW-2.
    let c = roundtrip(CMW_2, Form::CborRecord);
    let r = record(&c);
    assert_eq!(
        r.typ(),
        &media("application/vnd.example.rats-conceptual-msg")
    );
    assert_eq!(r.value(), hx("2347da55"));
    assert_eq!(c.to_vec(), hx(CMW_2));
}

#[test]
fn cmw_3_record_with_ind() {
    // rats-formats.md 7.2 CMW-3: ind = 3, reference values + endorsements.
    let c = roundtrip(CMW_3, Form::CborRecord);
    let r = record(&c);
    assert_eq!(r.typ(), &media("application/rim+cose"));
    assert_eq!(r.value(), hx("d28440a044d901f5a040"));
    assert_eq!(r.ind(), Some(Ind::REFERENCE_VALUES | Ind::ENDORSEMENTS));
    assert_eq!(c.to_vec(), hx(CMW_3));
}

#[test]
fn cmw_4_tag_non_cbor() {
    // rats-formats.md 7.2 CMW-4: TN(64999) = 1668612070.
    let c = roundtrip(CMW_4, Form::CborTag);
    let t = tag(&c);
    assert_eq!(t.content_format(), 64999);
    assert_eq!(t.tag_number(), 1_668_612_070);
    assert_eq!(t.value(), hx("2347da55"));
    assert_eq!(c.to_vec(), hx(CMW_4));
}

#[test]
fn cmw_5_tag_with_embedded_cbor() {
    // rats-formats.md 7.2 CMW-5: 1668612069(<< {10: h'a7c76d8424a96fb4'} >>).
    let c = roundtrip(CMW_5, Form::CborTag);
    let t = tag(&c);
    assert_eq!(t.content_format(), 64998);
    let inner = cbor::decode_value(t.value(), Profile::STRICT).unwrap();
    assert_eq!(
        inner,
        Value::Map(vec![(
            Value::Uint(10),
            Value::Bytes(hx("a7c76d8424a96fb4"))
        )])
    );
    assert_eq!(c.to_vec(), hx(CMW_5));
}

fn check_cmw_6_7(c: &Cmw, attester_c: &str) {
    let col = collection(c);
    assert_eq!(
        col.collection_type(),
        Some("tag:example.com,2024:composite-attester")
    );
    assert_eq!(col.items().len(), 3);
    let a = record(col.get(&Label::Int(0)).unwrap());
    assert_eq!(a.typ(), &RecordType::ContentFormat(64999));
    assert_eq!(a.value(), hx("2347da55"));
    assert_eq!(a.ind(), Some(Ind::EVIDENCE));
    let b = tag(col.get(&Label::Int(1)).unwrap());
    assert_eq!(b.tag_number(), 1_668_612_070);
    assert_eq!(b.value(), hx("2347da55"));
    let cc = record(col.get(&Label::Int(2)).unwrap());
    assert_eq!(cc.typ(), &media("application/eat+jwt"));
    assert_eq!(cc.value(), hx(attester_c));
    assert_eq!(cc.ind(), Some(Ind::ATTESTATION_RESULTS));
}

#[test]
fn cmw_6_collection_encodes_to_sorted_twin() {
    // rats-formats.md 7.2 CMW-6: the source order is not deterministic; we accept it and emit
    // the RFC 8949 section 4.2.1 twin.
    let c = roundtrip(CMW_6, Form::CborCollection);
    check_cmw_6_7(&c, "4c693475");
    assert_eq!(c.to_vec(), hx(CMW_6_SORTED));
    assert_eq!(Cmw::decode(&hx(CMW_6_SORTED)).unwrap(), c);
    assert!(cbor::check_deterministic(&hx(CMW_6)).is_err());
    cbor::check_deterministic(&hx(CMW_6_SORTED)).unwrap();
}

#[test]
fn cmw_7_collection_encodes_to_sorted_twin() {
    // rats-formats.md 7.2 CMW-7 (the one printed in the draft).
    let c = roundtrip(CMW_7, Form::CborCollection);
    check_cmw_6_7(&c, "2e2e2e");
    assert_eq!(c.to_vec(), hx(CMW_7_SORTED));
    // 9.3: "CMW-7 as printed -> map keys unsorted".
    assert_eq!(
        cbor::check_deterministic(&hx(CMW_7)).unwrap_err(),
        Error::InvalidValue {
            what: Item::MapKey,
            at: 51
        }
    );
}

#[test]
fn vcmw_1_mixed_collection() {
    // rats-formats.md 7.2 VCMW-1 (veraison/cmw testdata/collection-cbor-ok).
    let c = roundtrip(VCMW_1, Form::CborCollection);
    let col = collection(&c);
    assert_eq!(col.collection_type(), None);
    let one = record(col.get(&Label::Int(1)).unwrap());
    assert_eq!(one.typ(), &media("application/signed-corim+cbor"));
    assert_eq!(one.value(), hx("d28443a10126a1"));
    assert_eq!(one.ind().map(Ind::bits), Some(3));
    let two = tag(col.get(&Label::Int(2)).unwrap());
    assert_eq!(two.tag_number(), 1_668_576_818);
    assert_eq!(two.content_format(), 29884);
    let s = record(col.get(&Label::Text("s".into())).unwrap());
    assert_eq!(s.typ(), &RecordType::ContentFormat(30001));
    assert_eq!(c.to_vec(), hx(VCMW_1));
}

#[test]
fn vcmw_2_single_entry() {
    // rats-formats.md 7.2 VCMW-2.
    let c = roundtrip(VCMW_2, Form::CborCollection);
    let one = record(collection(&c).get(&Label::Int(1)).unwrap());
    assert_eq!(one.typ(), &media("application/vnd.1"));
    assert_eq!(one.value(), hx("deadbeef"));
    assert_eq!(c.to_vec(), hx(VCMW_2));
}

#[test]
fn vcmw_3_text_and_uint_labels() {
    // rats-formats.md 7.2 VCMW-3: "string" -> record C-F 0; 1024 -> TN(0).
    let c = roundtrip(VCMW_3, Form::CborCollection);
    let col = collection(&c);
    let s = record(col.get(&Label::Text("string".into())).unwrap());
    assert_eq!(s.typ(), &RecordType::ContentFormat(0));
    assert_eq!(s.value(), [0xff]);
    let t = tag(col.get(&Label::Int(1024)).unwrap());
    assert_eq!(t.tag_number(), 1_668_546_817);
    assert_eq!(t.value(), [0xaa]);
    assert_eq!(c.to_vec(), hx(VCMW_3_SORTED));
}

fn vcmw_4_expected() -> Cmw {
    let rec = |t: &str, v: &[u8], i: Option<u32>| {
        Cmw::Record(Record::new(media(t), v.to_vec(), i.and_then(Ind::new)).unwrap())
    };
    let inner = Collection::new(
        Some("tag:ietf.org,2024:Y".into()),
        vec![(
            Label::Text("polyscopic".into()),
            rec("application/eat-ucs+json", b"{\"eat_nonce\": ...}", Some(8)),
        )],
    )
    .unwrap();
    Cmw::Collection(
        Collection::new(
            Some("tag:ietf.org,2024:X".into()),
            vec![
                (Label::Text("murmurless".into()), Cmw::Collection(inner)),
                (
                    Label::Text("bretwaldadom".into()),
                    rec("application/eat-ucs+cbor", &[0xa1, 0x0a], None),
                ),
                (
                    Label::Text("photoelectrograph".into()),
                    rec("application/eat-ucs+cbor", &[0x82, 0x78, 0x18], Some(3)),
                ),
            ],
        )
        .unwrap(),
    )
}

#[test]
fn vcmw_4_nested_collection_is_byte_exact() {
    // rats-formats.md 7.2 VCMW-4: Veraison's Core Deterministic encoding; we build it from its
    // EDN and must produce the same bytes.
    let built = vcmw_4_expected();
    assert_eq!(built.to_vec(), hx(VCMW_4));
    let c = roundtrip(VCMW_4, Form::CborCollection);
    assert_eq!(c.to_vec(), hx(VCMW_4));
    cbor::check_deterministic(&hx(VCMW_4)).unwrap();
}

#[test]
fn vcmw_4_json_is_byte_exact() {
    // rats-formats.md 7.2 VCMW-4, JSON form (Go MarshalJSON: sorted keys, unpadded base64url).
    const JSON: &str = r#"{"__cmwc_t":"tag:ietf.org,2024:X","bretwaldadom":["application/eat-ucs+cbor","oQo"],"murmurless":{"__cmwc_t":"tag:ietf.org,2024:Y","polyscopic":["application/eat-ucs+json","eyJlYXRfbm9uY2UiOiAuLi59",8]},"photoelectrograph":["application/eat-ucs+cbor","gngY",3]}"#;
    let j = JsonCmw::decode(JSON.as_bytes()).unwrap();
    assert_eq!(j.to_json_string(), JSON);
    let JsonCmw::Collection(col) = &j else {
        panic!()
    };
    assert_eq!(col.collection_type(), Some("tag:ietf.org,2024:X"));
    let JsonCmw::Record(r) = col.get("photoelectrograph").unwrap() else {
        panic!()
    };
    assert_eq!(r.value(), [0x82, 0x78, 0x18]);
    assert_eq!(r.ind().map(Ind::bits), Some(3));
    let JsonCmw::Collection(inner) = col.get("murmurless").unwrap() else {
        panic!()
    };
    let JsonCmw::Record(p) = inner.get("polyscopic").unwrap() else {
        panic!()
    };
    assert_eq!(p.value(), b"{\"eat_nonce\": ...}");
    assert_eq!(Form::sniff(b'{'), Some(Form::JsonCollection));
}

#[test]
fn vcmw_5_unit_vectors() {
    // rats-formats.md 7.2 VCMW-5 (veraison/cmw monad_test.go, cmw_test.go).
    let dead = hx("deadbeef");
    let rec = |t: RecordType, i: Option<u32>| {
        Cmw::Record(Record::new(t, dead.clone(), i.and_then(Ind::new)).unwrap())
    };
    let cases = [
        (
            rec(RecordType::ContentFormat(10000), Some(19)),
            "8319271044deadbeef13",
        ),
        (
            rec(RecordType::ContentFormat(10000), None),
            "8219271044deadbeef",
        ),
        (
            rec(RecordType::ContentFormat(10001), Some(8)),
            "8319271144deadbeef08",
        ),
        (
            rec(RecordType::ContentFormat(30001), None),
            "8219753144deadbeef",
        ),
        (
            rec(media("application/vnd.intel.sgx"), None),
            "8278196170706c69636174696f6e2f766e642e696e74656c2e73677844deadbeef",
        ),
        (
            Cmw::Tag(TagCmw::new(50000, dead.clone()).unwrap()),
            "da6374c51544deadbeef",
        ),
        (
            Cmw::Tag(TagCmw::new(50001, dead.clone()).unwrap()),
            "da6374c51644deadbeef",
        ),
        (
            Cmw::Tag(TagCmw::new(50002, dead.clone()).unwrap()),
            "da6374c51744deadbeef",
        ),
        (
            Cmw::Tag(TagCmw::new(29884, dead.clone()).unwrap()),
            "da6374763244deadbeef",
        ),
        (
            Cmw::Record(
                Record::new(
                    media("application/signed-corim+cbor"),
                    hx("d901f6d28440a044d901f5a040"),
                    Ind::new(3),
                )
                .unwrap(),
            ),
            "83781d6170706c69636174696f6e2f7369676e65642d636f72696d2b63626f724dd901f6d28440a044d901f5a04003",
        ),
    ];
    for (cmw, h) in cases {
        assert_eq!(cmw.to_vec(), hx(h), "{h}");
        assert_eq!(Cmw::decode(&hx(h)).unwrap(), cmw, "{h}");
    }
}

#[test]
fn vcmw_5_negative_cbor() {
    // rats-formats.md 7.2 VCMW-5 negative CBOR inputs, each with the error we report.
    let cases = [
        (
            "80",
            Error::BadLength {
                what: Item::CmwRecord,
                at: 0,
            },
        ),
        (
            "81192710",
            Error::BadLength {
                what: Item::CmwRecord,
                at: 0,
            },
        ),
        (
            "841903e844deadbeef01f4",
            Error::BadLength {
                what: Item::CmwRecord,
                at: 0,
            },
        ),
        (
            "82fb408f41d70a3d70a444deadbeef",
            Error::UnexpectedType {
                what: Item::CmwType,
                at: 1,
            },
        ),
        (
            "821a0001000044deadbeef",
            Error::InvalidValue {
                what: Item::CmwType,
                at: 1,
            },
        ),
        (
            "8219fffffb3ff3333333333333",
            Error::UnexpectedType {
                what: Item::CmwValue,
                at: 4,
            },
        ),
        (
            "da63740101",
            Error::UnexpectedEnd {
                what: Item::CmwValue,
                at: 5,
            },
        ),
        (
            "da6374010101",
            Error::UnexpectedType {
                what: Item::CmwValue,
                at: 5,
            },
        ),
        (
            "a100",
            Error::BadLength {
                what: Item::CmwCollection,
                at: 0,
            },
        ),
        (
            "00",
            Error::UnexpectedType {
                what: Item::Cmw,
                at: 0,
            },
        ),
    ];
    for (h, e) in cases {
        assert_eq!(Cmw::decode(&hx(h)).unwrap_err(), e, "{h}");
    }
}

#[test]
fn strictness_of_cbor_forms() {
    // ind must be non-zero and fit 32 bits (rats-formats.md 2.3).
    assert_eq!(
        Cmw::decode(&hx("8319fde7442347da5500")).unwrap_err(),
        Error::InvalidValue {
            what: Item::CmwInd,
            at: 9
        }
    );
    assert_eq!(
        Cmw::decode(&hx("8319fde7442347da551b0000000100000000")).unwrap_err(),
        Error::InvalidValue {
            what: Item::CmwInd,
            at: 9
        }
    );
    // Tags outside the RFC 9277 range, or on a 0xff low byte, are not CMWs.
    assert_eq!(
        Cmw::decode(&hx("da637401004100")).unwrap_err(),
        Error::InvalidValue {
            what: Item::CmwTag,
            at: 0
        }
    );
    assert_eq!(
        Cmw::decode(&hx("da637402004100")).unwrap_err(),
        Error::InvalidValue {
            what: Item::CmwTag,
            at: 0
        }
    );
    // Tag 765, the dropped generic CMW tag, is refused too.
    assert!(Cmw::decode(&hx("d902fd8219fde7442347da55")).is_err());
    // Indefinite record (the 0x9f row of the demux table): only under a lenient profile.
    let indef = hx("9f19fde7442347da55ff");
    assert_eq!(Form::sniff(indef[0]), Some(Form::CborRecord));
    assert_eq!(
        Cmw::decode(&indef).unwrap_err(),
        Error::Indefinite {
            what: Item::CmwRecord,
            at: 0
        }
    );
    assert_eq!(
        Cmw::decode_with(&indef, Profile::LENIENT).unwrap().to_vec(),
        hx(CMW_1)
    );
    // Non-preferred type head.
    assert_eq!(
        Cmw::decode(&hx("821a0000fde7442347da55")).unwrap_err(),
        Error::NonPreferred {
            what: Item::CmwType,
            at: 1
        }
    );
    // Trailing bytes.
    assert_eq!(
        Cmw::decode(&hx("8219fde7442347da5500")).unwrap_err(),
        Error::TrailingBytes {
            what: Item::Cmw,
            at: 9
        }
    );
    // Empty collection, a collection with only its type, a duplicate label, a bad type.
    assert_eq!(
        Cmw::decode(&hx("a0")).unwrap_err(),
        Error::Missing {
            what: Item::CmwCollection,
            at: 0
        }
    );
    assert_eq!(
        Cmw::decode(&hx("a1685f5f636d77635f7463743a78")).unwrap_err(),
        Error::Missing {
            what: Item::CmwCollection,
            at: 0
        }
    );
    assert_eq!(
        Cmw::decode(&hx("a2018219fde7442347da55018219fde7442347da55")).unwrap_err(),
        Error::DuplicateKey {
            what: Item::CmwCollection,
            at: 11
        }
    );
    assert_eq!(
        Cmw::decode(&hx("a2685f5f636d77635f74646e6f7065018219fde7442347da55")).unwrap_err(),
        Error::InvalidValue {
            what: Item::CmwCollectionType,
            at: 10
        }
    );
    // Collections nested beyond MAX_DEPTH.
    let mut deep = Vec::new();
    for _ in 0..=cbor::MAX_DEPTH {
        deep.extend([0xa1, 0x00]);
    }
    deep.extend(hx(CMW_1));
    assert!(matches!(
        Cmw::decode(&deep).unwrap_err(),
        Error::TooDeep { .. }
    ));
}

#[test]
fn tn_function_of_the_digest() {
    // rats-formats.md 2.4: tag head bytes for a few Content-Formats.
    assert_eq!(tn(0).map(u64::to_be_bytes).unwrap()[4..], hx("63740101"));
    assert_eq!(tn(60).unwrap(), 1_668_546_877);
    assert_eq!(cf(1_668_597_013), Some(50000));
}

#[test]
fn json_examples_of_the_draft() {
    // rats-formats.md 7.2 "CMW JSON examples": draft-23 section 5.1 record.
    let r = JsonCmw::decode(
        br#"[
  "application/vnd.example.rats-conceptual-msg",
  "I0faVQ"
]"#,
    )
    .unwrap();
    let JsonCmw::Record(rec) = &r else { panic!() };
    assert_eq!(
        rec.media_type(),
        "application/vnd.example.rats-conceptual-msg"
    );
    assert_eq!(rec.value(), hx("2347da55"));
    assert_eq!(rec.ind(), None);
    // The repo-only parameterised media type.
    let r = JsonCmw::decode(
        br#"["application/eat+cwt; eat_profile=\"tag:psacertified.org,2023:psa#tfm\"", "I0faVQ"]"#,
    )
    .unwrap();
    let JsonCmw::Record(rec) = &r else { panic!() };
    assert_eq!(
        rec.media_type(),
        "application/eat+cwt; eat_profile=\"tag:psacertified.org,2023:psa#tfm\""
    );
    // Section 5.6 collection.
    let text = br#"{
  "__cmwc_t": "tag:example.com,2024:another-composite-attester",
  "attester A": [
    "application/eat-ucs+json",
    "e30K",
    4
  ],
  "attester B": [
    "application/eat-ucs+cbor",
    "oA",
    4
  ]
}"#;
    let JsonCmw::Collection(c) = JsonCmw::decode(text).unwrap() else {
        panic!()
    };
    assert_eq!(
        c.collection_type(),
        Some("tag:example.com,2024:another-composite-attester")
    );
    let JsonCmw::Record(a) = c.get("attester A").unwrap() else {
        panic!()
    };
    assert_eq!(a.value(), b"{}\n");
    assert_eq!(a.ind(), Some(Ind::EVIDENCE));
    let JsonCmw::Record(b) = c.get("attester B").unwrap() else {
        panic!()
    };
    assert_eq!(b.value(), [0xa0]);
    // veraison/cmw testdata/collection-ok.json.
    let JsonCmw::Collection(c) = JsonCmw::decode(
        br#"{ "a": [ "application/vnd.a", "YQ" ], "b": [ "application/vnd.b", "Yg" ] }"#,
    )
    .unwrap() else {
        panic!()
    };
    assert_eq!(c.items().len(), 2);
    assert_eq!(c.collection_type(), None);
    // Section 5.7: a "cmw" claim inside a JWT claims-set.
    let claims = json::parse(
        br#"{"cmw": {"__cmwc_t": "tag:example.com,2024:another-composite-attester",
            "attester A": ["application/eat-ucs+json", "e30K", 4],
            "attester B": ["application/eat-ucs+cbor", "oA", 4]},
            "iss": "evidence collection daemon", "exp": 1300819380}"#,
    )
    .unwrap();
    let cmw = claims
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k == "cmw")
        .unwrap();
    let JsonCmw::Collection(c) = JsonCmw::from_json_value(&cmw.1).unwrap() else {
        panic!()
    };
    assert_eq!(c.items().len(), 2);
}

#[test]
fn json_record_unit_vectors() {
    // rats-formats.md 7.2 VCMW-5 JSON record unit vectors.
    let dead = hx("deadbeef");
    for (text, t, ind) in [
        (
            r#"[ "application/corim+signed", "3q2-7w", 19 ]"#,
            "application/corim+signed",
            Some(19),
        ),
        (
            r#"[ "application/eat+cwt; eat_profile=\"tag:github.com,2023:veraison/ear\"", "3q2-7w" ]"#,
            "application/eat+cwt; eat_profile=\"tag:github.com,2023:veraison/ear\"",
            None,
        ),
        (
            r#"[ "application/eat+cwt", "3q2-7w", 8 ]"#,
            "application/eat+cwt",
            Some(8),
        ),
    ] {
        let JsonCmw::Record(r) = JsonCmw::decode(text.as_bytes()).unwrap() else {
            panic!()
        };
        assert_eq!(
            r,
            JsonRecord::new(t.into(), dead.clone(), ind.and_then(Ind::new)).unwrap()
        );
    }
    let JsonCmw::Record(r) =
        JsonCmw::decode(br#"[ "application/vnd.example.rats-conceptual-msg", "I0faVQ", 3 ]"#)
            .unwrap()
    else {
        panic!()
    };
    assert_eq!(r.value(), hx("2347da55"));
    assert_eq!(r.ind(), Some(Ind::REFERENCE_VALUES | Ind::ENDORSEMENTS));
    assert_eq!(
        JsonCmw::Record(r).to_json_string(),
        r#"["application/vnd.example.rats-conceptual-msg","I0faVQ",3]"#
    );
}

#[test]
fn json_negative_inputs() {
    // rats-formats.md 7.2 VCMW-5 negative JSON inputs; C-F numbers are not JSON record types.
    let cases: [(&str, Error); 13] = [
        (
            "[]",
            Error::BadLength {
                what: Item::CmwRecord,
                at: 0,
            },
        ),
        (
            "[10000]",
            Error::BadLength {
                what: Item::CmwRecord,
                at: 0,
            },
        ),
        (
            r#"[10000, "3q2-7w", 1, "EXTRA"]"#,
            Error::BadLength {
                what: Item::CmwRecord,
                at: 0,
            },
        ),
        (
            r#"[10000.23, "3q2-7w"]"#,
            Error::UnexpectedType {
                what: Item::CmwType,
                at: 0,
            },
        ),
        (
            "[10000, 1.2]",
            Error::UnexpectedType {
                what: Item::CmwType,
                at: 0,
            },
        ),
        (
            r#"[10000, "3q2-7w=="]"#,
            Error::UnexpectedType {
                what: Item::CmwType,
                at: 0,
            },
        ),
        (
            r#"{"type": 10000}"#,
            Error::UnexpectedType {
                what: Item::Cmw,
                at: 0,
            },
        ),
        (
            r#"[10000, "3q2-7w", "Evidence"]"#,
            Error::UnexpectedType {
                what: Item::CmwType,
                at: 0,
            },
        ),
        // The same checks with a valid media type, so each later field is reached.
        (
            r#"["application/vnd.a", "3q2-7w=="]"#,
            Error::Base64 {
                what: Item::CmwValue,
            },
        ),
        (
            r#"["application/vnd.a", 1.2]"#,
            Error::UnexpectedType {
                what: Item::CmwValue,
                at: 0,
            },
        ),
        (
            r#"["application/vnd.a", "3q2-7w", "Evidence"]"#,
            Error::UnexpectedType {
                what: Item::CmwInd,
                at: 0,
            },
        ),
        (
            r#"["application/vnd.a", "3q2-7w", 0]"#,
            Error::InvalidValue {
                what: Item::CmwInd,
                at: 0,
            },
        ),
        (
            r#"["application/vnd.a", ""]"#,
            Error::BadLength {
                what: Item::CmwValue,
                at: 0,
            },
        ),
    ];
    for (text, e) in cases {
        assert_eq!(JsonCmw::decode(text.as_bytes()).unwrap_err(), e, "{text}");
    }
    // Duplicate members smuggle entries.
    assert!(matches!(
        JsonCmw::decode(br#"{"a": ["application/vnd.a", "YQ"], "a": ["application/vnd.a", "Yg"]}"#),
        Err(Error::Json { .. })
    ));
    // An object with only its type, a bad type, a reserved label in the builder.
    assert!(JsonCmw::decode(br#"{"__cmwc_t": "tag:x"}"#).is_err());
    assert!(JsonCmw::decode(br#"{"__cmwc_t": "nope", "a": ["application/vnd.a", "YQ"]}"#).is_err());
    assert!(JsonCollection::new(None, vec![]).is_err());
}

#[test]
fn external_vectors() {
    // seat-conformance/vectors/external/cmw (RFC 9999 example 1), copied to tests/data.
    let v = vector("cmw-cbor-record-example");
    let bytes = hx(v["encoded"].as_str().unwrap());
    let AnyCmw::Cbor(Cmw::Record(r)) = AnyCmw::decode(&bytes).unwrap() else {
        panic!()
    };
    assert_eq!(
        r.typ(),
        &RecordType::ContentFormat(u16::try_from(v["decoded"]["type"].as_u64().unwrap()).unwrap())
    );
    assert_eq!(r.value(), hx(v["decoded"]["value"].as_str().unwrap()));
    assert!(v["decoded"]["ind"].is_null() && r.ind().is_none());
    assert_eq!(AnyCmw::Cbor(Cmw::Record(r)).to_vec(), bytes);

    let v = vector("cmw-json-record-example");
    let bytes = hx(v["encoded"].as_str().unwrap());
    let AnyCmw::Json(JsonCmw::Record(r)) = AnyCmw::decode(&bytes).unwrap() else {
        panic!()
    };
    assert_eq!(r.media_type(), v["decoded"]["type"].as_str().unwrap());
    assert_eq!(r.value(), hx(v["decoded"]["value"].as_str().unwrap()));
    assert!(v["decoded"]["ind"].is_null() && r.ind().is_none());
}

#[test]
fn demux_rejects_unknown_first_bytes() {
    assert_eq!(
        AnyCmw::decode(&[]).unwrap_err(),
        Error::UnexpectedEnd {
            what: Item::Cmw,
            at: 0
        }
    );
    // JSON with leading whitespace defeats one-byte sniffing (RFC 9999: the demux is informative).
    assert_eq!(
        AnyCmw::decode(b" [\"application/vnd.a\", \"YQ\"]").unwrap_err(),
        Error::UnexpectedType {
            what: Item::Cmw,
            at: 0
        }
    );
}

#[test]
fn x509_3_embedded_collection() {
    // rats-formats.md 7.3 X509-3: the id-pe-cmw extension of veraison/cmw's test certificate;
    // its OCTET STRING (04 37) holds a CBOR collection whose record type differs from VCMW-1.
    let ext = hx(
        "304506082b0601050507012304390437a30183746170706c69636174696f6e2f72696d2b636f736547d28443a10126a10302da63747632442347da55617382197531442347da55",
    );
    let cmw = &ext[16..];
    assert_eq!(Form::sniff(cmw[0]), Some(Form::CborCollection));
    let c = Cmw::decode(cmw).unwrap();
    let one = record(collection(&c).get(&Label::Int(1)).unwrap());
    assert_eq!(one.typ(), &media("application/rim+cose"));
    assert_eq!(one.ind().map(Ind::bits), Some(3));
    assert_eq!(c.to_vec(), cmw);
}

#[test]
fn x509_4_json_collection_with_whitespace() {
    // rats-formats.md 7.3 X509-4: the UTF8String of the JSON alternative, whitespace preserved.
    let ext = hx(
        "305806082b06010505070123044c0c4a7b202261223a205b20226170706c69636174696f6e2f766e642e61222c2022595122205d2c202262223a205b20226170706c69636174696f6e2f766e642e62222c2022596722205d207d",
    );
    let text = &ext[16..];
    assert_eq!(text[0], b'{');
    let JsonCmw::Collection(c) = JsonCmw::decode(text).unwrap() else {
        panic!()
    };
    let JsonCmw::Record(a) = c.get("a").unwrap() else {
        panic!()
    };
    assert_eq!(
        (a.media_type(), a.value()),
        ("application/vnd.a", &b"a"[..])
    );
    let JsonCmw::Record(b) = c.get("b").unwrap() else {
        panic!()
    };
    assert_eq!(
        (b.media_type(), b.value()),
        ("application/vnd.b", &b"b"[..])
    );
}

#[test]
fn kat_3_cab_is_a_cmw_collection() {
    // rats-formats.md 7.6 KAT-3: the KAT/PAT bundle is a CMW collection of two records whose
    // values are untagged COSE_Sign1 messages (placeholder signatures: structure only).
    use seat_evidence::cose::{CoseSign1, Tagging};
    use seat_evidence::eat::{ClaimsSet, Confirmation};
    let bytes = hx(KAT_3);
    let c = Cmw::decode(&bytes).unwrap();
    let col = collection(&c);
    assert_eq!(
        col.collection_type(),
        Some("tag:ietf.org,2024-02-29:rats/kat")
    );
    let kat = record(col.get(&Label::Text("kat".into())).unwrap());
    assert_eq!(kat.typ(), &media("application/eat+cwt"));
    assert_eq!(kat.ind(), None);
    let (kat_msg, t) = CoseSign1::decode(kat.value()).unwrap();
    assert_eq!(t, Tagging::Untagged);
    let claims = ClaimsSet::decode(kat_msg.payload().unwrap()).unwrap();
    assert_eq!(
        claims.nonce.unwrap().nonces(),
        [hx(
            "b91b03129222973c214e42bf31d6872a3ef2dbdda401fbd1f725d48d6bf9c817"
        )]
    );
    assert!(matches!(claims.cnf, Some(Confirmation::CoseKey(ref k)) if k.len() == 4));
    // kak-pub (2500) is not an RFC 9711 claim: it is kept, encoded exactly as in the draft.
    let kak = claims.extra.get(&Label::Int(2500)).unwrap();
    assert_eq!(
        kak.to_vec(),
        hx(
            "a401022001215820f0fffa7ba35e76e44ca1f5446d327c8382a5a40e5f29745df948346c7c88a5d32258207cb4c4873cbb6f097562f61d5280768cd2cfe35fba97e997280dbaaae3af92fe"
        )
    );
    let pat = record(col.get(&Label::Text("pat".into())).unwrap());
    let (pat_msg, _) = CoseSign1::decode(pat.value()).unwrap();
    let pat_claims = ClaimsSet::decode(pat_msg.payload().unwrap()).unwrap();
    assert_eq!(
        pat_claims.nonce.unwrap().nonces(),
        [hx(
            "5ca3750daf829c30c20797eddb7949b1fd028c5408f2dd8650ad732327e3fb64"
        )]
    );
    // Re-encoded in deterministic order: "kat", "pat", then "__cmwc_t" (longer text key).
    assert_eq!(c.to_vec(), bytes);
}
