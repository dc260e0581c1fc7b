//! Interop with independent implementations (rats-formats.md section 8.1): the Veraison `cmw`
//! crate (0.1.2), Google's `coset` (0.4.2) with the RustCrypto `p256` and `ed25519-dalek`
//! crates for the signatures, and the Veraison `ear` crate (0.6.0, COSE through `cose-rust`
//! and OpenSSL, JWT through `jsonwebtoken`).
//!
//! # What was found
//!
//! - `cmw` 0.1.2 round-trips records and tags byte-exactly both ways, but encodes a collection
//!   that has a `__cmwc_t` with a map header one entry short (`a2` over three pairs), which a
//!   strict decoder refuses as trailing bytes; and its collection decoder reads entries until
//!   the end of the input instead of honouring the map length, so a nested collection followed
//!   by a sibling swallows the sibling (rats-formats.md 8.1 (a) and (b), reproduced below).
//!   Its `ind` is a `u8` (bits above 7 cannot be carried) and names bit 4 "trust anchors"
//!   where RFC 9999 says "appraisal policy".
//! - `coset` 0.4.2 parses our tagged COSE_Sign1, and messages it builds (signed with `p256`
//!   or `ed25519-dalek`) verify with our provider-backed verifier; RFC 6979 makes the ES256
//!   bytes identical.
//! - `ear` 0.6.0 accepts our EARs as JWT and as CWT, and we accept its JWTs strictly; its
//!   CWTs carry indefinite-length maps (`bf ... ff`), so our strict profile refuses them and
//!   [`seat_evidence::cbor::Profile::LENIENT`] accepts them. Its COSE decoder panics on some
//!   malformed input instead of returning an error (rats-formats.md 8.1: `unwrap()` inside
//!   `from_cose`), reproduced below under `catch_unwind`. Its two DER signing entry points
//!   disagree on the EC key format: `sign_jwk_der` takes PKCS#8, `sign_cose_der` only the
//!   SEC1 `ECPrivateKey` with its curve parameters (a PKCS#8 key fails inside OpenSSL with
//!   "wrong tag", a SEC1 key without parameters with "EC lib").

use std::collections::BTreeMap;
use std::str::FromStr as _;

use coset::{CborSerializable as _, TaggedCborSerializable as _};
use ed25519_dalek::Signer as _;
use p256::ecdsa::signature::Verifier as _;
use seat_binding::provider::rust_crypto::RustCrypto;
use seat_binding::provider::{CryptoProvider, default_provider};
use seat_evidence::cbor::{Label, Profile};
use seat_evidence::cmw::{Cmw, Collection, Ind, Record, RecordType, TagCmw};
use seat_evidence::cose::{Algorithm, CoseSign1, HeaderMap, Tagging};
use seat_evidence::crypto::{ProviderSigner, ProviderVerifier};
use seat_evidence::ear::{
    self as our_ear, Appraisal, EAR_PROFILE_04, Ear, Tier, TrustVector, VerifierId,
};
use seat_evidence::eat::Nonce;
use seat_evidence::json::b64u_encode;
use seat_evidence::{Error, Item};

fn hx(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

// RFC 9052 Appendix C key "11" (rats-formats.md V-SIG-1).
const D11: &str = "57c92077664146e876760c9520d054aa93c3afb04e306705db6090308507b4d3";
const X11: &str = "bac5b11cad8f99f9c72b05cf4b9e26d244dc189f745228255a219a86d6a09eff";
const Y11: &str = "20138bf82dc1b6d562be0fa54ab7804a3a64b6d72ccfed6b6fb6ed28bbfc117e";
// RFC 8032 section 7.1 test 1.
const ED_SK: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

fn key11_pkcs8() -> Vec<u8> {
    hx(&format!(
        "3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420{D11}"
    ))
}

fn key11_pkcs8_with_public() -> Vec<u8> {
    // RFC 5915 ECPrivateKey with its public key: the form OpenSSL (the `ear` crate) expects.
    hx(&format!(
        "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420{D11}a144034200\
         04{X11}{Y11}"
    ))
}

/// The RFC 5915 ECPrivateKey alone (SEC1 DER): what `ear`'s `sign_cose_der` wants for EC keys
/// (OpenSSL `EcKey::private_key_from_der`), while its `sign_jwk_der` takes PKCS#8.
fn key11_sec1() -> Vec<u8> {
    // With the named-curve parameters [0]: OpenSSL cannot parse it standalone otherwise.
    hx(&format!(
        "30770201010420{D11}a00a06082a8648ce3d030107a14403420004{X11}{Y11}"
    ))
}

fn key11_jwk() -> String {
    format!(
        r#"{{"kty":"EC","crv":"P-256","x":"{}","y":"{}"}}"#,
        b64u_encode(&hx(X11)),
        b64u_encode(&hx(Y11))
    )
}

fn signer11() -> ProviderSigner {
    ProviderSigner::from_pkcs8(&RustCrypto, Algorithm::ES256, &key11_pkcs8()).unwrap()
}

fn providers() -> [&'static dyn CryptoProvider; 2] {
    [&RustCrypto, default_provider()]
}

// ---------------------------------------------------------------------------------------
// CMW

fn their_cmw(bytes: &[u8]) -> cmw::Monad {
    match cmw::CMW::deserialize(bytes).unwrap() {
        cmw::CMW::Monad(m) => m,
        cmw::CMW::Collection(_) => panic!("not a record or tag"),
    }
}

#[test]
fn cmw_records_we_encode_decode_with_the_cmw_crate() {
    let cases = [
        (
            RecordType::MediaType(seat_evidence::sim::SIM_TEE_MEDIA_TYPE.into()),
            vec![0xd2, 0x84],
            Some(Ind::EVIDENCE),
        ),
        (
            RecordType::MediaType("application/eat+jwt".into()),
            b"e30.e30.sig".to_vec(),
            Some(Ind::ATTESTATION_RESULTS),
        ),
        (RecordType::ContentFormat(30001), vec![1, 2, 3], None),
        (
            RecordType::MediaType("application/vnd.example.refvals".into()),
            vec![0; 300],
            Some(Ind::REFERENCE_VALUES | Ind::ENDORSEMENTS),
        ),
    ];
    for (typ, value, ind) in cases {
        let ours = Cmw::Record(Record::new(typ.clone(), value.clone(), ind).unwrap()).to_vec();
        let m = their_cmw(&ours);
        assert_eq!(m.value(), value);
        assert_eq!(
            m.indicator().map(|i| u32::from(i.bits())),
            ind.map(Ind::bits)
        );
        if let RecordType::MediaType(t) = &typ {
            assert_eq!(
                mime::Mime::from_str(&m.type_()).unwrap(),
                mime::Mime::from_str(t).unwrap()
            );
        }
        // Byte-exact both ways for records.
        assert_eq!(m.marshal_cbor().unwrap(), ours);
    }
}

#[test]
fn cmw_records_and_tags_the_cmw_crate_encodes_decode_with_us() {
    let mt = mime::Mime::from_str("application/eat+cwt; eat_profile=\"tag:x,2026:y\"").unwrap();
    let theirs = cmw::Monad::new_media_type(mt, vec![0xaa; 40], Some(cmw::Indicator::EVIDENCE))
        .unwrap()
        .marshal_cbor()
        .unwrap();
    let Cmw::Record(r) = Cmw::decode(&theirs).unwrap() else {
        panic!("not a record")
    };
    assert_eq!(r.value(), [0xaa; 40]);
    assert_eq!(r.ind(), Some(Ind::EVIDENCE));
    assert_eq!(
        r.typ(),
        &RecordType::MediaType("application/eat+cwt; eat_profile=\"tag:x,2026:y\"".into())
    );
    assert_eq!(Cmw::Record(r).to_vec(), theirs);

    let cf = cmw::Monad::new_cf(60, vec![0xa0], None)
        .unwrap()
        .marshal_cbor()
        .unwrap();
    let Cmw::Record(r) = Cmw::decode(&cf).unwrap() else {
        panic!("not a record")
    };
    assert_eq!(r.typ(), &RecordType::ContentFormat(60));
    assert_eq!(Cmw::Record(r).to_vec(), cf);

    // Tag CMW both ways: TN(30001) = 1668576818 + ... computed by each side independently.
    let ours = Cmw::Tag(TagCmw::new(30001, vec![5, 6, 7]).unwrap()).to_vec();
    let m = their_cmw(&ours);
    assert_eq!(m.value(), [5, 6, 7]);
    let Cmw::Tag(t) = Cmw::decode(&ours).unwrap() else {
        panic!("not a tag")
    };
    let mut tagged = cmw::Monad::new_tag(t.tag_number(), vec![5, 6, 7], None).unwrap();
    tagged.use_cbor_tag_format();
    assert_eq!(tagged.marshal_cbor().unwrap(), ours);
    assert_eq!(m.marshal_cbor().unwrap(), ours);
}

#[test]
fn cmw_crate_collection_bugs() {
    // (a) A collection with `__cmwc_t` gets a map header one entry short.
    let mut c = cmw::Collection::new(
        Some(cmw::collection::Type::new("tag:example.com,2026:c").unwrap()),
        None,
    )
    .unwrap();
    for l in ["a", "b"] {
        let m = cmw::Monad::new_cf(60, vec![0xa0], None).unwrap();
        c.add_item(cmw::collection::Label::Str(l.into()), cmw::CMW::Monad(m))
            .unwrap();
    }
    let theirs = c.marshal_cbor().unwrap();
    assert_eq!(theirs[0], 0xa2, "header counts two entries");
    assert!(matches!(
        Cmw::decode(&theirs),
        Err(Error::TrailingBytes { .. })
    ));
    // The same collection encoded by us has `a3`, and the cmw crate decodes it.
    let rec = || Cmw::Record(Record::new(RecordType::ContentFormat(60), vec![0xa0], None).unwrap());
    let ours = Cmw::Collection(
        Collection::new(
            Some("tag:example.com,2026:c".into()),
            vec![
                (Label::Text("a".into()), rec()),
                (Label::Text("b".into()), rec()),
            ],
        )
        .unwrap(),
    )
    .to_vec();
    assert_eq!(ours[0], 0xa3);
    let cmw::CMW::Collection(back) = cmw::CMW::deserialize(&ours).unwrap() else {
        panic!("not a collection")
    };
    assert_eq!(back.get_meta().len(), 2);

    // (b) A nested collection followed by a sibling: the nested decoder reads to the end of
    // the input and swallows the sibling into the nested collection.
    let inner =
        Cmw::Collection(Collection::new(None, vec![(Label::Text("x".into()), rec())]).unwrap());
    let nested = Cmw::Collection(
        Collection::new(
            None,
            vec![
                (Label::Text("a".into()), inner),
                (Label::Text("b".into()), rec()),
            ],
        )
        .unwrap(),
    )
    .to_vec();
    let ours_ok = Cmw::decode(&nested).unwrap();
    assert_eq!(ours_ok.to_vec(), nested);
    let cmw::CMW::Collection(c) = cmw::CMW::deserialize(&nested).unwrap() else {
        panic!("decoded as a record")
    };
    // The sibling "b" is gone from the top level: the nested collection swallowed it.
    assert!(
        c.get_item(&cmw::collection::Label::Str("b".into()))
            .is_none(),
        "sibling survived"
    );
    let Some(cmw::CMW::Collection(inner)) = c.get_item(&cmw::collection::Label::Str("a".into()))
    else {
        panic!("nested collection lost")
    };
    assert!(
        inner
            .get_item(&cmw::collection::Label::Str("b".into()))
            .is_some()
    );
}

// ---------------------------------------------------------------------------------------
// COSE

#[test]
fn cose_we_sign_parses_with_coset_and_verifies_with_rustcrypto_crates() {
    let payload = b"seat interop payload".to_vec();
    let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&hx(&format!("04{X11}{Y11}"))).unwrap();
    for provider in providers() {
        let signer =
            ProviderSigner::from_pkcs8(provider, Algorithm::ES256, &key11_pkcs8()).unwrap();
        let ours = CoseSign1::sign(
            HeaderMap::new(),
            HeaderMap::new().with_kid(b"11".to_vec()),
            payload.clone(),
            &[],
            &signer,
        )
        .unwrap()
        .to_vec(Tagging::Tagged);
        let msg = coset::CoseSign1::from_tagged_slice(&ours).unwrap();
        assert_eq!(msg.payload.as_deref(), Some(payload.as_slice()));
        assert_eq!(msg.unprotected.key_id, b"11");
        msg.verify_signature(b"", |sig, data| {
            vk.verify(data, &p256::ecdsa::Signature::from_slice(sig).unwrap())
        })
        .unwrap();
    }
    // EdDSA with ed25519-dalek.
    let sk = ed25519_dalek::SigningKey::from_bytes(&hx(ED_SK).try_into().unwrap());
    let pkcs8 = hx(&format!("302e020100300506032b657004220420{ED_SK}"));
    for provider in providers() {
        let signer = ProviderSigner::from_pkcs8(provider, Algorithm::EDDSA, &pkcs8).unwrap();
        let ours = CoseSign1::sign(
            HeaderMap::new(),
            HeaderMap::new(),
            payload.clone(),
            &[],
            &signer,
        )
        .unwrap()
        .to_vec(Tagging::Untagged);
        let msg = coset::CoseSign1::from_slice(&ours).unwrap();
        msg.verify_signature(b"", |sig, data| {
            sk.verifying_key()
                .verify_strict(data, &ed25519_dalek::Signature::from_slice(sig).unwrap())
        })
        .unwrap();
    }
}

#[test]
fn cose_coset_builds_verifies_with_us() {
    let sk = p256::ecdsa::SigningKey::from_slice(&hx(D11)).unwrap();
    let protected = coset::HeaderBuilder::new()
        .algorithm(coset::iana::Algorithm::ES256)
        .build();
    let theirs = coset::CoseSign1Builder::new()
        .protected(protected)
        .unprotected(coset::HeaderBuilder::new().key_id(b"11".to_vec()).build())
        .payload(b"built by coset".to_vec())
        .create_signature(b"", |data| {
            let s: p256::ecdsa::Signature = sk.sign(data);
            s.to_bytes().to_vec()
        })
        .build()
        .to_tagged_vec()
        .unwrap();
    let spki = signer11().public_key_spki();
    for provider in providers() {
        let v = ProviderVerifier::for_spki(provider, &spki).unwrap();
        let (m, t) = CoseSign1::decode(&theirs).unwrap();
        assert_eq!(t, Tagging::Tagged);
        m.verify(&v, &[], None).unwrap();
    }
    // RFC 6979 on both sides: our deterministic provider gives the same bytes.
    let ours = CoseSign1::sign(
        HeaderMap::new(),
        HeaderMap::new().with_kid(b"11".to_vec()),
        b"built by coset".to_vec(),
        &[],
        &signer11(),
    )
    .unwrap()
    .to_vec(Tagging::Tagged);
    assert_eq!(ours, theirs);

    // A coset message claiming ES384 over a P-256 key is refused before any crypto.
    let lying = coset::CoseSign1Builder::new()
        .protected(
            coset::HeaderBuilder::new()
                .algorithm(coset::iana::Algorithm::ES384)
                .build(),
        )
        .payload(b"x".to_vec())
        .signature(vec![0; 96])
        .build()
        .to_tagged_vec()
        .unwrap();
    let v = ProviderVerifier::for_spki(&RustCrypto, &spki).unwrap();
    let (m, _) = CoseSign1::decode(&lying).unwrap();
    assert_eq!(
        m.verify(&v, &[], None).unwrap_err(),
        Error::AlgorithmMismatch { alg: -35 }
    );

    // Ed25519 built by coset and ed25519-dalek.
    let sk = ed25519_dalek::SigningKey::from_bytes(&hx(ED_SK).try_into().unwrap());
    let theirs = coset::CoseSign1Builder::new()
        .protected(
            coset::HeaderBuilder::new()
                .algorithm(coset::iana::Algorithm::EdDSA)
                .build(),
        )
        .payload(b"ed".to_vec())
        .create_signature(b"", |data| sk.sign(data).to_bytes().to_vec())
        .build()
        .to_tagged_vec()
        .unwrap();
    let spki = sk.verifying_key().to_public_key_der_bytes();
    for provider in providers() {
        let v = ProviderVerifier::for_spki(provider, &spki).unwrap();
        CoseSign1::decode(&theirs)
            .unwrap()
            .0
            .verify(&v, &[], None)
            .unwrap();
    }
}

trait SpkiBytes {
    fn to_public_key_der_bytes(&self) -> Vec<u8>;
}

impl SpkiBytes for ed25519_dalek::VerifyingKey {
    fn to_public_key_der_bytes(&self) -> Vec<u8> {
        let mut v = hx("302a300506032b6570032100");
        v.extend_from_slice(self.as_bytes());
        v
    }
}

// ---------------------------------------------------------------------------------------
// EAR

fn our_ear() -> Ear {
    Ear {
        profile: EAR_PROFILE_04.into(),
        iat: 1_795_911_674,
        exp: None,
        verifier_id: VerifierId {
            developer: "https://seat.example".into(),
            build: "seat-verify 0.1.0".into(),
        },
        raw_evidence: None,
        submods: vec![(
            "sim-tee".into(),
            Appraisal {
                status: Tier::Affirming,
                trust_vector: Some(
                    TrustVector::new([Some(2), Some(2), Some(2), None, None, Some(2), None, None])
                        .unwrap(),
                ),
                policy_ids: vec![],
                nonce: Some(Nonce::new(vec![0x11; 32]).unwrap()),
                profile: None,
                extra: vec![],
            },
        )],
        nonce: None,
        status: None,
        extra: vec![],
    }
}

fn check_their_ear(e: &ear::Ear) {
    assert_eq!(e.profile, EAR_PROFILE_04);
    assert_eq!(e.iat, 1_795_911_674);
    assert_eq!(e.vid.developer, "https://seat.example");
    assert_eq!(e.vid.build, "seat-verify 0.1.0");
    let a = &e.submods["sim-tee"];
    assert_eq!(a.status, ear::TrustTier::Affirming);
    assert_eq!(a.trust_vector.instance_identity.get(), 2);
    assert_eq!(a.trust_vector.executables.get(), 2);
    assert!(!a.trust_vector.hardware.is_set());
    assert!(a.nonce.is_some());
}

#[test]
fn ear_we_issue_is_accepted_by_the_ear_crate() {
    for provider in providers() {
        let signer =
            ProviderSigner::from_pkcs8(provider, Algorithm::ES256, &key11_pkcs8()).unwrap();
        let jwt = our_ear::sign_jwt(&our_ear(), &signer).unwrap();
        let e =
            ear::Ear::from_jwt_jwk(&jwt, ear::Algorithm::ES256, key11_jwk().as_bytes()).unwrap();
        check_their_ear(&e);
        let cwt = our_ear::sign_cwt(&our_ear(), &signer).unwrap();
        let e =
            ear::Ear::from_cose_jwk(&cwt, ear::Algorithm::ES256, key11_jwk().as_bytes()).unwrap();
        check_their_ear(&e);
        // And by us.
        let v = ProviderVerifier::for_spki(provider, &signer.public_key_spki()).unwrap();
        assert_eq!(our_ear::verify_jwt(&jwt, &v).unwrap(), our_ear());
        assert_eq!(
            our_ear::verify_cwt(&cwt, &v, Profile::STRICT).unwrap(),
            our_ear()
        );
    }
}

fn their_ear() -> ear::Ear {
    let mut a = ear::Appraisal::new();
    a.status = ear::TrustTier::Affirming;
    a.trust_vector.instance_identity.set(2);
    a.trust_vector.executables.set(2);
    a.nonce = Some(ear::Nonce::try_from([0x11u8; 32].as_slice()).unwrap());
    ear::Ear {
        profile: ear::EAR_PROFILE.to_string(),
        iat: 1_795_911_674,
        exp: None,
        vid: ear::VerifierID {
            build: "seat-verify 0.1.0".into(),
            developer: "https://seat.example".into(),
        },
        raw_evidence: None,
        nonce: None,
        status: None,
        topology: None,
        submods: BTreeMap::from([("sim-tee".to_string(), a)]),
        extensions: ear::Extensions::new(),
    }
}

fn check_our_ear(e: &Ear) {
    assert_eq!(e.profile, EAR_PROFILE_04);
    assert_eq!(e.iat, 1_795_911_674);
    assert_eq!(e.verifier_id.build, "seat-verify 0.1.0");
    let (label, a) = &e.submods[0];
    assert_eq!(label, "sim-tee");
    assert_eq!(a.status, Tier::Affirming);
    let tv = a.trust_vector.unwrap();
    assert_eq!((tv.get(0), tv.get(2), tv.get(5)), (Some(2), Some(2), None));
    assert_eq!(a.nonce.as_ref().unwrap().nonces(), [vec![0x11; 32]]);
}

#[test]
fn ear_the_ear_crate_issues_is_accepted_by_us() {
    let jwt = their_ear()
        .sign_jwk_der(ear::Algorithm::ES256, &key11_pkcs8_with_public())
        .unwrap();
    let spki = signer11().public_key_spki();
    for provider in providers() {
        let v = ProviderVerifier::for_spki(provider, &spki).unwrap();
        check_our_ear(&our_ear::verify_jwt(&jwt, &v).unwrap());
    }
    let cwt = their_ear()
        .sign_cose_der(ear::Algorithm::ES256, &key11_sec1())
        .unwrap();
    for provider in providers() {
        let v = ProviderVerifier::for_spki(provider, &spki).unwrap();
        // Indefinite-length maps: refused strictly, accepted leniently.
        assert!(matches!(
            our_ear::verify_cwt(&cwt, &v, Profile::STRICT),
            Err(Error::Indefinite { .. })
        ));
        check_our_ear(&our_ear::verify_cwt(&cwt, &v, Profile::LENIENT).unwrap());
    }
    // A JWT whose header says "none" or another algorithm is refused.
    let v = ProviderVerifier::for_spki(&RustCrypto, &spki).unwrap();
    let (_, rest) = jwt.split_once('.').unwrap();
    let none = format!("{}.{rest}", b64u_encode(br#"{"alg":"none"}"#));
    assert_eq!(
        our_ear::verify_jwt(&none, &v).unwrap_err(),
        Error::UnsupportedAlgorithm { alg: 0 }
    );
    let es384 = format!("{}.{rest}", b64u_encode(br#"{"alg":"ES384"}"#));
    assert_eq!(
        our_ear::verify_jwt(&es384, &v).unwrap_err(),
        Error::AlgorithmMismatch { alg: -35 }
    );
    assert!(matches!(
        our_ear::verify_jwt("a.b", &v),
        Err(Error::Malformed {
            what: Item::Jws,
            ..
        })
    ));
}

#[test]
fn ear_crate_cose_decoder_panics_on_malformed_input() {
    // rats-formats.md 8.1: `from_cose` unwraps internally. Our decoder returns an error for
    // every one of these inputs; the `ear` crate panics on at least one of them.
    let inputs: [&[u8]; 4] = [&[], &[0xd2], &[0xd2, 0x84], &[0xd2, 0x84, 0x40, 0xa0, 0xf6]];
    let spki = signer11().public_key_spki();
    let v = ProviderVerifier::for_spki(&RustCrypto, &spki).unwrap();
    let mut panicked = 0;
    for input in inputs {
        assert!(our_ear::verify_cwt(input, &v, Profile::LENIENT).is_err());
        let jwk = key11_jwk();
        let r = std::panic::catch_unwind(|| {
            ear::Ear::from_cose_jwk(input, ear::Algorithm::ES256, jwk.as_bytes())
        });
        match r {
            Err(_) => panicked += 1,
            Ok(res) => assert!(res.is_err()),
        }
    }
    assert!(
        panicked > 0,
        "the ear crate no longer panics: update the doc comment"
    );
}
