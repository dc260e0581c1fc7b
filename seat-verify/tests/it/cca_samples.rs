//! Arm CCA attestation tokens: the `ccatoken` crate's published samples with their CPAKs
//! (tests/data/cca/PROVENANCE.md), bad input typed by stage, and tokens the test builds with
//! its own CPAK and RAK to reach the binding and policy stages.
//!
//! Expected values come from outside seat: the claims from the published `.diag` files and
//! Python's `cbor2`; that the signatures verify and the RAK hashes to the platform challenge
//! was checked with Python's `cryptography` and `hashlib` when the samples were copied; here
//! `coset` (an independent COSE implementation) rebuilds the bytes each signature covers,
//! the `p256` and `p384` crates check the signatures, and `sha2` the RAK binding.

use base64::Engine as _;
use coset::CborSerializable as _;
use coset::TaggedCborSerializable as _;
use coset::cbor::value::Value as Cbor;
use p256::ecdsa::signature::Verifier as _;
use seat_evidence::cca::{CCA_MEDIA_TYPE, CCA_PLATFORM_LEGACY_PROFILE, CCA_PLATFORM_PROFILE};
use seat_evidence::cca::{CCA_REALM_PROFILE, CcaHash};
use seat_evidence::cmw::{Cmw, Ind, Record, RecordType};
use seat_verify::cca::{CcaCpak, CcaFormat, CcaPolicy, CcaRealmReference, VerifiedCcaToken};
use seat_verify::psa::PsaComponentReference;
use seat_verify::{
    AppraisalRequest, BindingLevel, Platform, Policy, Reason, ResultForm, Stage, TrustAnchor,
    Verifier,
};
use sha2::Digest as _;

use crate::support::{NOW, binder, minted, provider, rng};

const TOKEN_01: &[u8] = include_bytes!("../data/cca/cca-token-01.cbor");
const TOKEN_02: &[u8] = include_bytes!("../data/cca/cca-token-02.cbor");
const TOKEN_FFM: &[u8] = include_bytes!("../data/cca/cca-token-draft-ffm-00.cbor");
const BUG_33: &[u8] = include_bytes!("../data/cca/bug-33-repro.cbor");
const TA_TFA: &str = include_str!("../data/cca/ta-tfa.json");
const TA_02: &str = include_str!("../data/cca/ta-02-ok.json");
const RV: &str = include_str!("../data/cca/rv.json");

/// The three samples that verify, with the name of the CPAK each chains to.
const GOOD: [(&str, &[u8], &str); 3] = [
    ("cca-token-01", TOKEN_01, "ta-tfa"),
    ("cca-token-02", TOKEN_02, "ta-02"),
    ("cca-token-draft-ffm-00", TOKEN_FFM, "ta-tfa"),
];

fn b64(s: &serde_json::Value) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.as_str().unwrap())
        .unwrap()
}

/// A JWK's SPKI: the fixed SPKI prefix of its curve (RFC 5480) and the uncompressed point.
fn jwk_spki(jwk: &serde_json::Value) -> Vec<u8> {
    let prefix = match jwk["crv"].as_str().unwrap() {
        "P-256" => "3059301306072a8648ce3d020106082a8648ce3d030107034200",
        "P-384" => "3076301006072a8648ce3d020106052b81040022036200",
        c => panic!("curve {c}"),
    };
    let mut spki = hex::decode(prefix).unwrap();
    spki.push(0x04);
    spki.extend(b64(&jwk["x"]));
    spki.extend(b64(&jwk["y"]));
    spki
}

/// A `ccatoken` trust anchor store entry as a pinned CPAK (its key and instance ID).
fn cpak(name: &str, store: &str) -> CcaCpak {
    let v: serde_json::Value = serde_json::from_str(store).unwrap();
    let entry = &v[0];
    CcaCpak {
        anchor: TrustAnchor {
            name: name.into(),
            spki: jwk_spki(&entry["pkey"]),
        },
        instance_id: Some(hex::decode(entry["instance-id"].as_str().unwrap()).unwrap()),
    }
}

fn format() -> CcaFormat {
    CcaFormat::new(CcaPolicy::new(vec![
        cpak("ta-tfa", TA_TFA),
        cpak("ta-02", TA_02),
    ]))
}

/// The two COSE_Sign1 of a collection, as coset reads them.
fn parts(token: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let v: Cbor = coset::cbor::de::from_reader(token).unwrap();
    let Cbor::Tag(399, inner) = v else {
        panic!("not tag 399")
    };
    let map = inner.into_map().unwrap();
    let get = |k: i64| {
        map.iter()
            .find(|(key, _)| key.as_integer() == Some(k.into()))
            .unwrap()
            .1
            .as_bytes()
            .unwrap()
            .clone()
    };
    (get(44234), get(44241))
}

fn claim(payload: &[u8], key: i64) -> Cbor {
    let v: Cbor = coset::cbor::de::from_reader(payload).unwrap();
    v.into_map()
        .unwrap()
        .into_iter()
        .find(|(k, _)| k.as_integer() == Some(key.into()))
        .unwrap()
        .1
}

/// Verifies an ECDSA P-256 or P-384 signature over coset's ToBeSigned with the RustCrypto
/// crates.
fn rustcrypto_verify(spki: &[u8], msg: &coset::CoseSign1) {
    let tbs = msg.tbs_data(b"");
    let point = &spki[spki.len() - if spki.len() == 91 { 65 } else { 97 }..];
    if spki.len() == 91 {
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point).unwrap();
        let sig = p256::ecdsa::Signature::from_slice(&msg.signature).unwrap();
        key.verify(&tbs, &sig).unwrap();
    } else {
        let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(point).unwrap();
        let sig = p384::ecdsa::Signature::from_slice(&msg.signature).unwrap();
        key.verify(&tbs, &sig).unwrap();
    }
}

#[test]
fn the_samples_verify_with_their_pinned_cpaks() {
    let f = format();
    for (name, token, anchor) in GOOD {
        let t = f.verify_token(token, provider()).unwrap();
        assert_eq!(t.anchor, anchor, "{name}");
    }
}

#[test]
fn cca_token_01_has_the_claims_of_its_diag() {
    let t = format().verify_token(TOKEN_01, provider()).unwrap();
    let p = &t.platform;
    assert_eq!(p.profile, CCA_PLATFORM_LEGACY_PROFILE);
    assert_eq!(
        hex::encode(&p.challenge),
        "b5973cb68baa9fc55558786b7ec67f69e40df5ba5aa921cd0c27f40587a011ea"
    );
    assert_eq!(
        hex::encode(&p.implementation_id),
        "7f454c4602010100000000000000000003003e00010000005058000000000000"
    );
    assert_eq!(
        hex::encode(&p.instance_id),
        "0107060504030201000f0e0d0c0b0a090817161514131211101f1e1d1c1b1a1918"
    );
    assert_eq!(p.config, p.instance_id);
    assert_eq!(p.lifecycle, 0x3003);
    assert_eq!(p.hash_algo, "sha-256");
    assert_eq!(p.verification_service.as_deref(), Some("whatever.com"));
    let types: Vec<_> = p
        .software_components
        .iter()
        .map(|s| s.measurement_type.as_deref().unwrap())
        .collect();
    assert_eq!(types, ["BL", "M1", "M2", "M3"]);
    assert_eq!(p.software_components[0].version.as_deref(), Some("3.4.2"));
    let r = &t.realm;
    assert_eq!(r.profile, None);
    assert_eq!(r.challenge, [0xab; 64]);
    assert_eq!(
        r.personalization,
        b"The quick brown fox jumps over 13 lazy dogs.The quick brown fox "
    );
    assert_eq!(r.rim, [0; 32]);
    assert_eq!(r.rems, [[0; 32], [0; 32], [0; 32], [0; 32]].map(Vec::from));
    assert_eq!(r.hash_algo, "sha-256");
    assert_eq!(r.public_key_hash_algo, CcaHash::Sha256);
    assert_eq!(r.public_key.len(), 97);
    assert_eq!(hex::encode(&r.public_key[..4]), "0476f988");
}

#[test]
fn cca_token_02_and_the_ffm_token_have_the_claims_of_their_sources() {
    let f = format();
    let t = f.verify_token(TOKEN_02, provider()).unwrap();
    assert_eq!(t.platform.implementation_id, [0; 32]);
    assert_eq!(t.platform.lifecycle, 0x3000);
    assert_eq!(t.platform.config, [1, 2, 3]);
    assert_eq!(t.platform.software_components.len(), 1);
    assert_eq!(t.platform.software_components[0].measurement_type, None);
    assert_eq!(t.platform.software_components[0].measurement_value, [3; 32]);
    assert_eq!(t.realm.challenge, b"AB".repeat(32));
    assert_eq!(t.realm.personalization, b"AD".repeat(32));
    assert_eq!(t.realm.rim, [0x43; 64]);
    assert_eq!(t.realm.public_key_hash_algo, CcaHash::Sha512);
    assert_eq!(t.platform.challenge.len(), 64);

    // The RMM 1.0 profiles: a COSE_Key RAK (EC2, P-384), 13 platform components.
    let t = f.verify_token(TOKEN_FFM, provider()).unwrap();
    assert_eq!(t.platform.profile, CCA_PLATFORM_PROFILE);
    assert_eq!(t.realm.profile.as_deref(), Some(CCA_REALM_PROFILE));
    assert_eq!(t.platform.software_components.len(), 13);
    assert_eq!(
        t.platform.software_components[8]
            .measurement_type
            .as_deref(),
        Some("RMM")
    );
    assert_eq!(hex::encode(&t.realm.public_key[..6]), "a40102200221");
    assert_eq!(
        hex::encode(&t.realm.rim),
        "311314ab73620350cf758834ae5c65d9e8c2dc7febe6e7d9654bbe864e300d49"
    );
}

#[test]
fn coset_rustcrypto_and_sha2_agree_on_every_sample() {
    let f = format();
    for (name, token, _) in GOOD {
        let (platform, realm) = parts(token);
        let p = coset::CoseSign1::from_tagged_slice(&platform).unwrap();
        let r = coset::CoseSign1::from_tagged_slice(&realm).unwrap();
        let anchor = if name == "cca-token-02" {
            TA_02
        } else {
            TA_TFA
        };
        let v: serde_json::Value = serde_json::from_str(anchor).unwrap();
        rustcrypto_verify(&jwk_spki(&v[0]["pkey"]), &p);

        // The RAK from the realm claims, its signature, and its hash in the platform.
        let rp = r.payload.as_deref().unwrap();
        let rak = claim(rp, 44237).into_bytes().unwrap();
        let point = if rak.len() == 97 {
            rak.clone()
        } else {
            let key = coset::CoseKey::from_slice(&rak).unwrap();
            let param = |l: i64| {
                key.params
                    .iter()
                    .find(|(k, _)| *k == coset::Label::Int(l))
                    .unwrap()
                    .1
                    .as_bytes()
                    .unwrap()
                    .clone()
            };
            [vec![4], param(-2), param(-3)].concat()
        };
        let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(&point).unwrap();
        let sig = p384::ecdsa::Signature::from_slice(&r.signature).unwrap();
        key.verify(&r.tbs_data(b""), &sig).unwrap();
        let challenge = claim(p.payload.as_deref().unwrap(), 10)
            .into_bytes()
            .unwrap();
        let hashed = match claim(rp, 44240).as_text().unwrap() {
            "sha-256" => sha2::Sha256::digest(&rak).to_vec(),
            "sha-512" => sha2::Sha512::digest(&rak).to_vec(),
            other => panic!("{other}"),
        };
        assert_eq!(hashed, challenge, "{name}");

        // The digest seat keys replays on: SHA-256 of both ToBeSigned, platform first.
        let t = f.verify_token(token, provider()).unwrap();
        let mut h = sha2::Sha256::new();
        h.update(p.tbs_data(b""));
        h.update(r.tbs_data(b""));
        assert_eq!(t.digest, <[u8; 32]>::from(h.finalize()), "{name}");
    }
}

/// Where `needle` sits in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}

#[test]
fn every_one_byte_change_of_a_signed_part_is_refused_at_its_stage() {
    let f = format();
    for (name, token, _) in GOOD {
        let (platform, realm) = parts(token);
        let (p_at, r_at) = (find(token, &platform), find(token, &realm));
        let p = coset::CoseSign1::from_tagged_slice(&platform).unwrap();
        let r = coset::CoseSign1::from_tagged_slice(&realm).unwrap();
        let flip = |i: usize| {
            let mut t = token.to_vec();
            t[i] ^= 0x01;
            f.verify_token(&t, provider())
        };
        // The platform payload and signature: every byte, the signature stage.
        let pp = p.payload.as_deref().unwrap();
        let pp_at = p_at + find(&platform, pp);
        let ps_at = p_at + find(&platform, &p.signature);
        for i in (pp_at..pp_at + pp.len()).chain(ps_at..ps_at + p.signature.len()) {
            assert_eq!(
                flip(i),
                Err(Reason::BadEvidenceSignature),
                "{name} byte {i}"
            );
        }
        // The realm signature: every byte, the signature stage.
        let rs_at = r_at + find(&realm, &r.signature);
        for i in rs_at..rs_at + r.signature.len() {
            assert_eq!(
                flip(i),
                Err(Reason::BadEvidenceSignature),
                "{name} byte {i}"
            );
        }
        // The realm payload carries the RAK, so it is read before its signature is checked:
        // every byte is refused, a change of a claim value at the signature stage (the
        // signature or the RAK binding), a change of the structure or the profile at decode.
        let rp = r.payload.as_deref().unwrap();
        let rp_at = r_at + find(&realm, rp);
        let (mut signature, mut decode) = (0, 0);
        for i in rp_at..rp_at + rp.len() {
            let e = flip(i).unwrap_err();
            match e.stage() {
                Stage::Signature => signature += 1,
                Stage::Decode => decode += 1,
                s => panic!("{name} byte {i}: {e:?} at {s:?}"),
            }
        }
        eprintln!(
            "{name}: realm payload {} bytes: {signature} refused at signature, {decode} at decode",
            rp.len()
        );
        // Every byte inside a claim value (challenge, personalization value, RIM, REMs, the
        // RAK's coordinates) is among the signature-stage ones.
        assert!(
            signature >= 64 + 64 + 32 + 4 * 32 + 96,
            "{name}: {signature}"
        );
        assert!(decode < rp.len() / 4, "{name}: {decode} of {}", rp.len());
        // Protected headers: refused, at whatever stage the change lands.
        for at in [p_at, r_at] {
            for i in at + 1..at + 6 {
                assert!(flip(i).is_err(), "{name} byte {i}");
            }
        }
    }
}

fn cmw(token: &[u8]) -> Vec<u8> {
    Cmw::Record(
        Record::new(
            RecordType::MediaType(CCA_MEDIA_TYPE.into()),
            token.to_vec(),
            Some(Ind::EVIDENCE),
        )
        .unwrap(),
    )
    .to_vec()
}

fn verifier(f: CcaFormat) -> (Verifier, Vec<u8>) {
    let (spki, key) = minted(9);
    let v = Verifier::with_formats(
        Policy::default().verifier,
        key,
        provider(),
        vec![Box::new(f)],
    )
    .unwrap();
    (v, spki)
}

fn appraise(
    v: &Verifier,
    aik: &[u8],
    token: &[u8],
) -> Result<seat_verify::Report, seat_verify::Error> {
    let b = binder(1, b"ctx", aik);
    v.appraise(
        &AppraisalRequest {
            cmw: &cmw(token),
            binder: b.binding_value.as_bytes(),
            aik_pub_hash: b.aik_pub_hash.as_bytes(),
            now_unix_secs: NOW,
        },
        ResultForm::Cwt,
        BindingLevel::Exchange,
        &mut rng(),
    )
}

#[test]
fn the_binding_stage_refuses_the_samples_for_our_connection() {
    let (v, aik) = verifier(format());
    for (name, token, _) in GOOD {
        let e = appraise(&v, &aik, token).unwrap_err();
        assert_eq!(e.reason(), Some(Reason::BinderMismatch), "{name}");
        assert_eq!(e.stage(), Some(Stage::Binding));
    }
}

#[test]
fn the_published_token_whose_rak_is_not_bound_is_refused() {
    // ccatoken's regression sample for its issue 33: both signatures verify (Python
    // `cryptography`), but the platform challenge is not the SHA-256 of the RAK.
    let e = format().verify_token(BUG_33, provider()).unwrap_err();
    assert_eq!(e, Reason::RealmKeyNotBound);
    assert_eq!(e.stage(), Stage::Signature);
}

/// A deterministic P-384 key of the test's own: the RAK (or CPAK) no sample binds.
fn own_p384(seed: u8) -> p384::ecdsa::SigningKey {
    p384::ecdsa::SigningKey::from_slice(&[seed; 48]).unwrap()
}

fn own_p384_spki(key: &p384::ecdsa::SigningKey) -> Vec<u8> {
    let point = key.verifying_key().to_encoded_point(false);
    let mut spki = hex::decode("3076301006072a8648ce3d020106052b81040022036200").unwrap();
    spki.extend(point.as_bytes());
    spki
}

/// A tagged COSE_Sign1, ES384, built and signed by coset and p384.
fn sign_es384(key: &p384::ecdsa::SigningKey, payload: Vec<u8>) -> Vec<u8> {
    use p384::ecdsa::signature::Signer as _;
    coset::CoseSign1Builder::new()
        .protected(
            coset::HeaderBuilder::new()
                .algorithm(coset::iana::Algorithm::ES384)
                .build(),
        )
        .payload(payload)
        .create_signature(b"", |tbs| {
            let sig: p384::ecdsa::Signature = key.sign(tbs);
            sig.to_bytes().to_vec()
        })
        .build()
        .to_tagged_vec()
        .unwrap()
}

fn collection(platform: Vec<u8>, realm: Vec<u8>) -> Vec<u8> {
    let v = Cbor::Tag(
        399,
        Box::new(Cbor::Map(vec![
            (Cbor::Integer(44234.into()), Cbor::Bytes(platform)),
            (Cbor::Integer(44241.into()), Cbor::Bytes(realm)),
        ])),
    );
    let mut out = Vec::new();
    coset::cbor::ser::into_writer(&v, &mut out).unwrap();
    out
}

/// A claims-set with `edits` applied (a value replaced, or added when absent).
fn edit_claims(payload: &[u8], edits: &[(i64, Cbor)]) -> Vec<u8> {
    let v: Cbor = coset::cbor::de::from_reader(payload).unwrap();
    let mut map = v.into_map().unwrap();
    for (key, value) in edits {
        match map
            .iter_mut()
            .find(|(k, _)| k.as_integer() == Some((*key).into()))
        {
            Some(entry) => entry.1 = value.clone(),
            None => map.push((Cbor::Integer((*key).into()), value.clone())),
        }
    }
    let mut out = Vec::new();
    coset::cbor::ser::into_writer(&Cbor::Map(map), &mut out).unwrap();
    out
}

#[test]
fn a_realm_token_signed_by_another_rak_is_refused() {
    let (platform, realm) = parts(TOKEN_01);
    let r = coset::CoseSign1::from_tagged_slice(&realm).unwrap();
    let rak = own_p384(7);
    let point = rak
        .verifying_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec();
    // The same realm claims with our RAK, signed by it: the realm signature holds, the
    // platform (still signed by its CPAK) binds the sample's RAK.
    let payload = edit_claims(
        r.payload.as_deref().unwrap(),
        &[(44237, Cbor::Bytes(point))],
    );
    let token = collection(platform.clone(), sign_es384(&rak, payload));
    let e = format().verify_token(&token, provider()).unwrap_err();
    assert_eq!(e, Reason::RealmKeyNotBound);
    assert_eq!(e.stage(), Stage::Signature);
    // Keeping the sample's RAK claim but signing with ours: the realm signature fails.
    let token = collection(platform, sign_es384(&rak, r.payload.clone().unwrap()));
    assert_eq!(
        format().verify_token(&token, provider()),
        Err(Reason::BadEvidenceSignature)
    );
}

#[test]
fn bad_tokens_are_typed_by_stage() {
    let f = format();
    // Truncations: decode.
    for (name, token, _) in GOOD {
        for n in [0, 1, 2, 3, 10, token.len() / 2, token.len() - 1] {
            let e = f.verify_token(&token[..n], provider()).unwrap_err();
            assert!(
                matches!(e, Reason::MalformedEvidence(_)),
                "{name} {n}: {e:?}"
            );
            assert_eq!(e.stage(), Stage::Decode);
        }
    }
    // Another tag than 399 (0x19 0x01 0x8f): decode.
    let mut t = TOKEN_01.to_vec();
    assert_eq!(t[..3], [0xd9, 0x01, 0x8f]);
    t[2] = 0x90;
    assert!(matches!(
        f.verify_token(&t, provider()),
        Err(Reason::MalformedEvidence(_))
    ));
    // Another algorithm: ES512 (-36) for the platform and for the realm token of
    // cca-token-01 (both `A1 01 38 22`), EdDSA (-8) for cca-token-02's platform (`A1 01 26`).
    let (platform, realm) = parts(TOKEN_01);
    for at in [find(TOKEN_01, &platform), find(TOKEN_01, &realm)] {
        let mut t = TOKEN_01.to_vec();
        assert_eq!(t[at + 3..at + 7], [0xa1, 0x01, 0x38, 0x22]);
        t[at + 6] = 0x23;
        assert_eq!(
            f.verify_token(&t, provider()),
            Err(Reason::UnsupportedAlgorithm)
        );
    }
    let (platform, _) = parts(TOKEN_02);
    let at = find(TOKEN_02, &platform);
    let mut t = TOKEN_02.to_vec();
    assert_eq!(t[at + 3..at + 6], [0xa1, 0x01, 0x26]);
    t[at + 5] = 0x27;
    assert_eq!(
        f.verify_token(&t, provider()),
        Err(Reason::UnsupportedAlgorithm)
    );
    // An unknown RAK hash algorithm (the realm token re-signed by a RAK the platform does not
    // bind; the hash name is read first).
    let (platform, realm) = parts(TOKEN_01);
    let r = coset::CoseSign1::from_tagged_slice(&realm).unwrap();
    let payload = edit_claims(
        r.payload.as_deref().unwrap(),
        &[(44240, Cbor::Text("md5".into()))],
    );
    let token = collection(platform, sign_es384(&own_p384(7), payload));
    assert_eq!(
        f.verify_token(&token, provider()),
        Err(Reason::UnsupportedAlgorithm)
    );
    // No CPAK of the token's curve, or one pinned to another instance: untrusted.
    let only_p256 = CcaFormat::new(CcaPolicy::new(vec![cpak("ta-02", TA_02)]));
    assert_eq!(
        only_p256.verify_token(TOKEN_01, provider()),
        Err(Reason::UntrustedAttestationKey)
    );
    let mut other_instance = cpak("ta-tfa", TA_TFA);
    other_instance.instance_id = Some([&[0x01][..], &[0x09; 32]].concat());
    let pinned = CcaFormat::new(CcaPolicy::new(vec![other_instance]));
    assert_eq!(
        pinned.verify_token(TOKEN_01, provider()),
        Err(Reason::UntrustedAttestationKey)
    );
    // A CPAK of the right curve that did not sign: a bad signature.
    let wrong = CcaFormat::new(CcaPolicy::new(vec![CcaCpak {
        anchor: TrustAnchor {
            name: "own".into(),
            spki: own_p384_spki(&own_p384(3)),
        },
        instance_id: None,
    }]));
    assert_eq!(
        wrong.verify_token(TOKEN_01, provider()),
        Err(Reason::BadEvidenceSignature)
    );
}

/// `ccatoken`'s published reference values (`rv.json`) for cca-token-01 as a policy.
fn rv_policy() -> CcaPolicy {
    let rv: serde_json::Value = serde_json::from_str(RV).unwrap();
    let hexed = |v: &serde_json::Value| hex::decode(v.as_str().unwrap()).unwrap();
    let platform = &rv["platform"][1];
    let realm = &rv["realm"][0];
    let mut p = CcaPolicy::new(vec![cpak("ta-tfa", TA_TFA)]);
    p.implementation_ids = vec![hexed(&platform["implementation-id"])];
    p.reference_components = platform["sw-components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| PsaComponentReference {
            measurement_type: c["component-type"].as_str().unwrap().into(),
            measurement_value: hexed(&c["measurement-value"]),
        })
        .collect();
    let rems: Vec<Vec<u8>> = realm["extensible-measurements"]
        .as_array()
        .unwrap()
        .iter()
        .map(hexed)
        .collect();
    p.realms = vec![CcaRealmReference {
        rim: hexed(&realm["initial-measurement"]),
        rems: Some(rems.try_into().unwrap()),
        personalization: Some(hexed(&realm["personalization-value"])),
    }];
    p
}

#[test]
fn cca_token_01_meets_the_published_reference_values() {
    let f = CcaFormat::new(rv_policy());
    let t = f.verify_token(TOKEN_01, provider()).unwrap();
    let (findings, vector) = f.policy_findings(&t).unwrap();
    assert!(findings.is_empty(), "{findings:?}");
    // instance 2, configuration 2 (secured), executables 2, hardware 2.
    assert_eq!(
        vector.claims(),
        &[Some(2), Some(2), Some(2), None, Some(2), None, None, None]
    );

    let tampered = |edit: fn(&mut VerifiedCcaToken)| {
        let mut t = t.clone();
        edit(&mut t);
        f.policy_findings(&t).unwrap().0
    };
    assert_eq!(
        tampered(|t| t.realm.rems[3][0] ^= 1),
        [Reason::MeasurementMismatch]
    );
    assert_eq!(
        tampered(|t| t.platform.software_components[2].measurement_value[0] ^= 1),
        [Reason::MeasurementMismatch]
    );
    assert_eq!(
        tampered(|t| t.platform.lifecycle = 0x5000),
        [Reason::LifecycleNotAccepted]
    );
    assert_eq!(
        tampered(|t| t.platform.implementation_id[0] ^= 1),
        [Reason::UnknownImplementation]
    );
}

/// A whole token of the test's own: platform claims of cca-token-01 signed by our CPAK, realm
/// claims of cca-token-01 with our RAK (bound by SHA-256 in the platform challenge) and
/// `challenge`, signed by our RAK.
fn own_token(cpak: &p384::ecdsa::SigningKey, challenge: Vec<u8>, rim: Vec<u8>) -> Vec<u8> {
    let (platform, realm) = parts(TOKEN_01);
    let p = coset::CoseSign1::from_tagged_slice(&platform).unwrap();
    let r = coset::CoseSign1::from_tagged_slice(&realm).unwrap();
    let rak = own_p384(7);
    let point = rak
        .verifying_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec();
    let bound = sha2::Sha256::digest(&point).to_vec();
    let realm = edit_claims(
        r.payload.as_deref().unwrap(),
        &[
            (44237, Cbor::Bytes(point)),
            (10, Cbor::Bytes(challenge)),
            (44238, Cbor::Bytes(rim)),
        ],
    );
    let platform = edit_claims(p.payload.as_deref().unwrap(), &[(10, Cbor::Bytes(bound))]);
    collection(sign_es384(cpak, platform), sign_es384(&rak, realm))
}

#[test]
fn a_token_bound_to_our_connection_appraises_end_to_end() {
    let our_cpak = own_p384(5);
    let mut policy = rv_policy();
    policy.cpaks = vec![CcaCpak {
        anchor: TrustAnchor {
            name: "own-cpak".into(),
            spki: own_p384_spki(&our_cpak),
        },
        instance_id: None,
    }];
    let (v, aik) = verifier(CcaFormat::new(policy));
    // The binding rule, computed here: SHA-512(binder || aik_pub_hash).
    let b = binder(1, b"ctx", &aik);
    let mut h = sha2::Sha512::new();
    h.update(b.binding_value.as_bytes());
    h.update(b.aik_pub_hash.as_bytes());
    let challenge = h.finalize().to_vec();

    let report = appraise(
        &v,
        &aik,
        &own_token(&our_cpak, challenge.clone(), vec![0; 32]),
    )
    .unwrap();
    assert!(report.findings().is_empty(), "{:?}", report.findings());
    assert_eq!(report.status(), seat_evidence::ear::Tier::Affirming);
    let c = report.claims();
    assert_eq!(c.platform, Platform::Cca);
    assert_eq!(c.profile, CCA_PLATFORM_LEGACY_PROFILE);
    assert_eq!(c.nonce, challenge);
    assert_eq!(c.measurement("rim"), Some(&[0; 32][..]));
    assert_eq!(c.measurement("M2"), Some(&TOKEN_01_MEASUREMENT[..]));

    // Another realm (RIM): a finding at the policy stage, not Affirming.
    let report = appraise(&v, &aik, &own_token(&our_cpak, challenge, vec![0x99; 32])).unwrap();
    assert_eq!(report.findings(), [Reason::MeasurementMismatch]);
    assert_ne!(report.status(), seat_evidence::ear::Tier::Affirming);

    // Another connection's challenge: the binding stage.
    let e = appraise(&v, &aik, &own_token(&our_cpak, vec![0; 64], vec![0; 32])).unwrap_err();
    assert_eq!(e.reason(), Some(Reason::BinderMismatch));
}

/// The measurement of every component of cca-token-01 (its `.diag`).
const TOKEN_01_MEASUREMENT: [u8; 32] = [
    0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0x00, 0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0x09, 0x08,
    0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11, 0x10, 0x1f, 0x1e, 0x1d, 0x1c, 0x1b, 0x1a, 0x19, 0x18,
];
