//! Property tests driven by a fixed-seed PRNG feeding `arbitrary::Unstructured`:
//! encode-then-decode is the identity for every wire type, encodings are RFC 8949 section
//! 4.2.1 deterministic, and no decoder panics on random or mutated input.

use arbitrary::{Arbitrary, Unstructured};
use seat_evidence::cbor::{self, Profile, Value};
use seat_evidence::cmw::{AnyCmw, Cmw, JsonCmw};
use seat_evidence::cose::{CoseSign1, Tagging};
use seat_evidence::ear::{self, Ear};
use seat_evidence::eat::ClaimsSet;

use crate::support::{Rng, hx};
use crate::vectors::*;

/// Cases per property and per decoder.
const CASES: usize = 10_000;

/// Runs `f` on `CASES` generated values; inputs the generator cannot use are skipped, and the
/// test fails if too many are.
fn for_each_arbitrary<T>(
    seed: u64,
    generate: impl Fn(&mut Unstructured<'_>) -> arbitrary::Result<T>,
    mut f: impl FnMut(T),
) {
    let mut rng = Rng::new(seed);
    let mut buf = vec![0u8; 1024];
    let mut ran = 0;
    for _ in 0..CASES {
        rng.fill(&mut buf);
        let mut u = Unstructured::new(&buf);
        if let Ok(v) = generate(&mut u) {
            f(v);
            ran += 1;
        }
    }
    assert!(ran > CASES * 9 / 10, "only {ran} cases ran");
}

fn arb<T: for<'a> Arbitrary<'a>>(u: &mut Unstructured<'_>) -> arbitrary::Result<T> {
    T::arbitrary(u)
}

#[test]
fn value_roundtrip() {
    for_each_arbitrary(1, arb::<Value>, |v| {
        let bytes = v.to_vec();
        cbor::check_deterministic(&bytes).unwrap_or_else(|e| panic!("{e}: {v:?}"));
        assert_eq!(cbor::decode_value(&bytes, Profile::STRICT).unwrap(), v);
        // minicbor, an independent decoder, agrees that the bytes are one well-formed item.
        let mut d = minicbor::Decoder::new(&bytes);
        d.skip().unwrap();
        assert_eq!(d.position(), bytes.len());
    });
}

#[test]
fn cmw_roundtrip() {
    for_each_arbitrary(2, arb::<Cmw>, |c| {
        let bytes = c.to_vec();
        cbor::check_deterministic(&bytes).unwrap();
        assert_eq!(Cmw::decode(&bytes).unwrap(), c);
        assert_eq!(AnyCmw::decode(&bytes).unwrap(), AnyCmw::Cbor(c));
    });
}

#[test]
fn json_cmw_roundtrip() {
    for_each_arbitrary(3, arb::<JsonCmw>, |c| {
        let text = c.to_json_string();
        assert_eq!(JsonCmw::decode(text.as_bytes()).unwrap(), c, "{text}");
        assert_eq!(AnyCmw::decode(text.as_bytes()).unwrap(), AnyCmw::Json(c));
    });
}

#[test]
fn cose_sign1_roundtrip() {
    let mut i = 0usize;
    for_each_arbitrary(4, arb::<CoseSign1>, |m| {
        let tagging = [Tagging::Untagged, Tagging::Tagged, Tagging::Cwt][i % 3];
        i += 1;
        let bytes = m.to_vec(tagging);
        cbor::check_deterministic(&bytes).unwrap();
        assert_eq!(CoseSign1::decode(&bytes).unwrap(), (m, tagging));
    });
}

#[test]
fn claims_set_roundtrip() {
    for_each_arbitrary(5, arb::<ClaimsSet>, |c| {
        let bytes = c.to_vec();
        cbor::check_deterministic(&bytes).unwrap();
        assert_eq!(ClaimsSet::decode(&bytes).unwrap(), c);
    });
}

#[test]
fn ear_cbor_roundtrip() {
    for_each_arbitrary(
        6,
        |u| ear::arbitrary_ear(u, true),
        |e| {
            let bytes = e.to_cbor();
            cbor::check_deterministic(&bytes).unwrap();
            assert_eq!(Ear::from_cbor(&bytes).unwrap(), e);
        },
    );
}

#[test]
fn ear_json_roundtrip() {
    for_each_arbitrary(
        7,
        |u| ear::arbitrary_ear(u, false),
        |e| {
            let text = e.to_json_string();
            assert_eq!(Ear::from_json(text.as_bytes()).unwrap(), e, "{text}");
        },
    );
}

/// Every decoder of the crate, applied to one input; each must return, never panic.
fn decode_everything(input: &[u8]) {
    let _ = cbor::decode_value(input, Profile::STRICT);
    let _ = cbor::decode_value(input, Profile::LENIENT);
    let _ = cbor::check_deterministic(input);
    let _ = Cmw::decode(input);
    let _ = Cmw::decode_with(input, Profile::LENIENT);
    let _ = JsonCmw::decode(input);
    let _ = AnyCmw::decode(input);
    let _ = CoseSign1::decode(input);
    let _ = ClaimsSet::decode(input);
    let _ = ClaimsSet::decode_with(input, Profile::LENIENT);
    let _ = Ear::from_cbor(input);
    let _ = Ear::from_cbor_with(input, Profile::LENIENT);
    let _ = Ear::from_json(input);
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng::new(8);
    for _ in 0..CASES {
        let input = rng.bytes(96);
        decode_everything(&input);
    }
}

#[test]
fn mutated_vectors_never_panic() {
    // Valid inputs with one to three bytes replaced, truncated or extended reach deep into
    // every decoder.
    let seeds: Vec<Vec<u8>> = [
        CMW_6, VCMW_1, VCMW_4, VSIG_2_MSG, VSIG_3_MSG, VSIG_4_CWT, EAT_3, EAT_5, EAT_8, EAT_12,
        EAT_15, EAR_1, EAR_3, EAR_CBOR_LEGACY,
    ]
    .iter()
    .map(|h| hx(h))
    .chain([
        br#"{"__cmwc_t":"tag:ietf.org,2024:X","a":["application/vnd.a","YQ",4]}"#.to_vec(),
        br#"{"eat_profile":"tag:ietf.org,2026:rats/ear#03","iat":1,"ear_verifier_id":{"developer":"d","build":"b"},"submods":{"x":{"ear_status":"warning","ear_trustworthiness_vector":{"hardware":40}}}}"#.to_vec(),
    ])
    .collect();
    let mut rng = Rng::new(9);
    for i in 0..CASES {
        let mut input = seeds[i % seeds.len()].clone();
        for _ in 0..=(rng.next_u64() % 3) {
            let pos = rng.below(input.len());
            match rng.next_u64() % 4 {
                0 => input.truncate(pos),
                1 => input.push(rng.next_u64().to_le_bytes()[0]),
                _ => {
                    if let Some(b) = input.get_mut(pos) {
                        *b = rng.next_u64().to_le_bytes()[0];
                    }
                }
            }
            if input.is_empty() {
                input.push(0);
            }
        }
        decode_everything(&input);
    }
}
