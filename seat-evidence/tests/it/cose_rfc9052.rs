//! COSE_Sign1 (RFC 9052) against V-SIG-1..5 of rats-formats.md section 7.1 and the external
//! cose-sign1 vectors. Signatures are checked with the RustCrypto crates (test-only).

use seat_evidence::cmw::Cmw;
use seat_evidence::cose::{Algorithm, ContentType, CoseSign1, HeaderMap, Tagging, sig_structure1};
use seat_evidence::{Error, Item};

use crate::support::*;
use crate::vectors::*;

fn key11() -> P256Verifier {
    P256Verifier::from_xy(KEY11_X, KEY11_Y)
}

#[test]
fn v_sig_1_rfc9052_c21() {
    // rats-formats.md 7.1 V-SIG-1 (RFC 9052 Appendix C.2.1).
    let bytes = hx(VSIG_1_MSG);
    let (m, t) = CoseSign1::decode(&bytes).unwrap();
    assert_eq!(t, Tagging::Tagged);
    assert_eq!(m.protected_bytes(), hx("a10126"));
    assert_eq!(m.alg(), Algorithm::ES256);
    assert_eq!(m.unprotected().kid(), Some(&b"11"[..]));
    assert_eq!(m.payload(), Some(&b"This is the content."[..]));
    assert_eq!(m.tbs(&[], None).unwrap(), hx(VSIG_1_TBS));
    m.verify(&key11(), &[], None).unwrap();
    assert_eq!(m.to_vec(Tagging::Tagged), bytes);
}

#[test]
fn sig_structure_with_external_aad() {
    // rats-formats.md 7.1 V-SIG-1 related vector cose-wg sign1-tests/sign-pass-02.json.
    assert_eq!(
        sig_structure1(
            &hx("a10126"),
            &hx("11aa22bb33cc44dd55006699"),
            b"This is the content."
        ),
        hx(
            "846a5369676e61747572653143a101264c11aa22bb33cc44dd5500669954546869732069732074686520636f6e74656e742e"
        )
    );
}

#[test]
fn v_sig_2_signed_cbor_cmw() {
    // rats-formats.md 7.1 V-SIG-2 (veraison/cmw signed_cbor_test.go, restored signature).
    let bytes = hx(VSIG_2_MSG);
    let veraison = P256Verifier::from_xy(VERAISON_X, VERAISON_Y);
    let (m, t) = CoseSign1::decode(&bytes).unwrap();
    assert_eq!(t, Tagging::Tagged);
    assert_eq!(m.alg(), Algorithm::ES256);
    assert_eq!(
        m.protected().content_type(),
        Some(&ContentType::MediaType("application/cmw+cbor".into()))
    );
    assert!(m.unprotected().is_empty());
    assert_eq!(m.payload(), Some(&hx(VCMW_4)[..]));
    assert_eq!(m.tbs(&[], None).unwrap(), hx(VSIG_2_TBS));
    m.verify(&veraison, &[], None).unwrap();
    // Only after the signature: the payload is the VCMW-4 collection.
    let cmw = Cmw::decode(m.payload().unwrap()).unwrap();
    assert_eq!(cmw.to_vec(), hx(VCMW_4));
    assert_eq!(m.to_vec(Tagging::Tagged), bytes);
}

/// Rebuilds the V-SIG-2 message with another protected bucket or payload.
fn v_sig_2_variant(protected: &[u8], payload: &[u8], last_sig_byte: Option<u8>) -> Vec<u8> {
    let (m, _) = CoseSign1::decode(&hx(VSIG_2_MSG)).unwrap();
    let mut sig = m.signature().to_vec();
    if let Some(b) = last_sig_byte {
        *sig.last_mut().unwrap() = b;
    }
    let mut w = seat_evidence::cbor::Writer::new();
    w.tag(18)
        .array(4)
        .bytes(protected)
        .map(0)
        .bytes(payload)
        .bytes(&sig);
    w.into_vec()
}

#[test]
fn v_sig_2_negative_variants() {
    // rats-formats.md 7.1 V-SIG-2 negative variants: all must be rejected.
    let veraison = P256Verifier::from_xy(VERAISON_X, VERAISON_Y);
    let payload = hx(VCMW_4);
    // Protected header without alg: {3: "application/cmw+cbor"} (57 a1 03 74 ...).
    let no_alg = hx("a103746170706c69636174696f6e2f636d772b63626f72");
    let msg = v_sig_2_variant(&no_alg, &payload, None);
    assert_eq!(&msg[2..4], &[0x57, 0xa1]);
    assert_eq!(
        CoseSign1::decode(&msg).unwrap_err(),
        Error::MissingAlgorithm { at: 2 }
    );
    // Protected a1 01 26 without cty, and cty "application/something+else": well-formed,
    // but the signature no longer covers these protected bytes.
    for protected in [
        hx("a10126"),
        hx("a2012603781a6170706c69636174696f6e2f736f6d657468696e672b656c7365"),
    ] {
        let (m, _) = CoseSign1::decode(&v_sig_2_variant(&protected, &payload, None)).unwrap();
        assert_ne!(
            m.protected().content_type(),
            Some(&ContentType::MediaType("application/cmw+cbor".into()))
        );
        assert_eq!(
            m.verify(&veraison, &[], None).unwrap_err(),
            Error::BadSignature
        );
    }
    // Last signature byte ff.
    let good_protected = hx("a2012603746170706c69636174696f6e2f636d772b63626f72");
    let (m, _) =
        CoseSign1::decode(&v_sig_2_variant(&good_protected, &payload, Some(0xff))).unwrap();
    assert_eq!(
        m.verify(&veraison, &[], None).unwrap_err(),
        Error::BadSignature
    );
    // Truncated message.
    assert_eq!(
        CoseSign1::decode(&hx("d2845819a20126037461")).unwrap_err(),
        Error::UnexpectedEnd {
            what: Item::CoseProtected,
            at: 2
        }
    );
    // Payload 41 ff: a lone break byte is no CMW, and the signature fails too.
    let (m, _) = CoseSign1::decode(&v_sig_2_variant(&good_protected, &[0xff], None)).unwrap();
    assert_eq!(
        m.verify(&veraison, &[], None).unwrap_err(),
        Error::BadSignature
    );
    assert_eq!(
        Cmw::decode(m.payload().unwrap()).unwrap_err(),
        Error::UnexpectedType {
            what: Item::Cmw,
            at: 0
        }
    );
}

#[test]
fn v_sig_3_es256_is_reproduced_byte_for_byte() {
    // rats-formats.md 6.3 / 7.1 V-SIG-3: RFC 6979 makes ES256 deterministic.
    let bytes = hx(VSIG_3_MSG);
    let (m, t) = CoseSign1::decode(&bytes).unwrap();
    assert_eq!(t, Tagging::Tagged);
    assert_eq!(m.payload(), Some(&hx(VSIG_3_CLAIMS)[..]));
    assert_eq!(m.tbs(&[], None).unwrap(), hx(VSIG_3_TBS));
    assert_eq!(m.signature(), hx(VSIG_3_SIG));
    m.verify(&key11(), &[], None).unwrap();

    let d: [u8; 32] = hx(KEY11_D).try_into().unwrap();
    let signer = P256Signer(p256::ecdsa::SigningKey::from_bytes(&d.into()).unwrap());
    let signed = CoseSign1::sign(
        HeaderMap::new(),
        HeaderMap::new().with_kid(b"11".to_vec()),
        hx(VSIG_3_CLAIMS),
        &[],
        &signer,
    )
    .unwrap();
    assert_eq!(signed.to_vec(Tagging::Tagged), bytes);
    // Untagged form: drop the leading d2.
    let (u, t) = CoseSign1::decode(&bytes[1..]).unwrap();
    assert_eq!(t, Tagging::Untagged);
    assert_eq!(u, m);
    assert_eq!(u.to_vec(Tagging::Untagged), bytes[1..]);
}

#[test]
fn v_sig_4_eddsa_cwt() {
    // rats-formats.md 7.1 V-SIG-4: Ed25519, CWT 61(18([...])).
    let bytes = hx(VSIG_4_CWT);
    let (m, t) = CoseSign1::decode(&bytes).unwrap();
    assert_eq!(t, Tagging::Cwt);
    assert_eq!(m.alg(), Algorithm::EDDSA);
    assert_eq!(m.tbs(&[], None).unwrap(), hx(VSIG_4_TBS));
    assert_eq!(m.signature(), hx(VSIG_4_SIG));
    let public: [u8; 32] = hx(ED_PUBLIC).try_into().unwrap();
    let verifier = Ed25519Verifier(ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap());
    m.verify(&verifier, &[], None).unwrap();
    // An ES256 verifier refuses the algorithm.
    assert_eq!(
        m.verify(&key11(), &[], None).unwrap_err(),
        Error::UnsupportedAlgorithm { alg: -8 }
    );
    let secret: [u8; 32] = hx(ED_SECRET).try_into().unwrap();
    let signer = Ed25519Signer(ed25519_dalek::SigningKey::from_bytes(&secret));
    let signed = CoseSign1::sign(
        HeaderMap::new(),
        HeaderMap::new(),
        hx(VSIG_3_CLAIMS),
        &[],
        &signer,
    )
    .unwrap();
    assert_eq!(signed.to_vec(Tagging::Cwt), bytes);
}

#[test]
fn v_sig_5_high_s_is_a_verifier_decision() {
    // rats-formats.md 7.1 V-SIG-5: the structure layer is neutral; the RustCrypto p256 test
    // verifier accepts the high-S twin, as the digest reports. seat-binding's provider decides
    // for production.
    let (m, _) = CoseSign1::decode(&hx(VSIG_3_MSG)).unwrap();
    let twin = CoseSign1::new(
        m.protected().clone(),
        m.unprotected().clone(),
        m.payload().map(<[u8]>::to_vec),
        hx(VSIG_5_SIG),
    )
    .unwrap();
    twin.verify(&key11(), &[], None).unwrap();
}

#[test]
fn external_cose_sign1_vectors() {
    // seat-conformance/vectors/external/cose-sign1, copied to tests/data.
    for (name, valid) in [
        ("cose-sign1-eat-cdsp-es256", true),
        ("cose-sign1-eat-cdsp-es256-bad-signature", false),
    ] {
        let v = vector(name);
        assert_eq!(v["alg"], "ES256");
        let key = P256Verifier::from_spki_der(&hx(v["public_key"].as_str().unwrap()));
        let (m, _) = CoseSign1::decode(&hx(v["cose_sign1"].as_str().unwrap())).unwrap();
        assert_eq!(m.payload(), Some(&hx(v["payload"].as_str().unwrap())[..]));
        let aad = hx(v["external_aad"].as_str().unwrap());
        let r = m.verify(&key, &aad, None);
        assert_eq!(r.is_ok(), valid, "{name}");
        assert_eq!(v["valid"].as_bool(), Some(valid));
        if !valid {
            assert_eq!(r.unwrap_err(), Error::BadSignature);
            assert_eq!(v["error"], "bad_signature");
        }
    }
}

#[test]
fn detached_payload_needs_bytes() {
    // RFC 9052 section 2: a nil payload is detached and must be supplied out of band.
    let (m, _) = CoseSign1::decode(&hx(VSIG_3_MSG)).unwrap();
    let detached = CoseSign1::new(
        m.protected().clone(),
        m.unprotected().clone(),
        None,
        m.signature().to_vec(),
    )
    .unwrap();
    assert_eq!(
        detached.verify(&key11(), &[], None).unwrap_err(),
        Error::DetachedPayload
    );
    detached
        .verify(&key11(), &[], Some(&hx(VSIG_3_CLAIMS)))
        .unwrap();
}

#[test]
fn signed_cbor_cmw_checks_content_type_before_signature() {
    // rats-formats.md 2.9 and 7.1 V-SIG-2: the valid message, then its variants without cty
    // and with cty "application/something+else", refused on the header before any crypto.
    use seat_evidence::cmw::{
        CMW_CBOR_CONTENT_FORMAT_UNCONFIRMED, sign_cbor_cmw, verify_signed_cbor_cmw,
    };
    let veraison = P256Verifier::from_xy(VERAISON_X, VERAISON_Y);
    let (cmw, _) = verify_signed_cbor_cmw(&hx(VSIG_2_MSG), &veraison, None).unwrap();
    assert_eq!(cmw.to_vec(), hx(VCMW_4));
    let payload = hx(VCMW_4);
    assert_eq!(
        verify_signed_cbor_cmw(
            &v_sig_2_variant(&hx("a10126"), &payload, None),
            &veraison,
            None
        )
        .unwrap_err(),
        Error::Missing {
            what: Item::CoseContentType,
            at: 0
        }
    );
    let other = hx("a2012603781a6170706c69636174696f6e2f736f6d657468696e672b656c7365");
    assert_eq!(
        verify_signed_cbor_cmw(&v_sig_2_variant(&other, &payload, None), &veraison, None)
            .unwrap_err(),
        Error::InvalidValue {
            what: Item::CoseContentType,
            at: 0
        }
    );
    // A signed CMW we make verifies; an integer content type only when configured.
    let d: [u8; 32] = hx(KEY11_D).try_into().unwrap();
    let signer = P256Signer(p256::ecdsa::SigningKey::from_bytes(&d.into()).unwrap());
    let signed = sign_cbor_cmw(&cmw, HeaderMap::new(), &signer).unwrap();
    let bytes = signed.to_vec(Tagging::Tagged);
    assert_eq!(
        verify_signed_cbor_cmw(&bytes, &key11(), None).unwrap().0,
        cmw
    );
    let cf = CoseSign1::sign(
        HeaderMap::new().with_content_type(ContentType::ContentFormat(273)),
        HeaderMap::new(),
        cmw.to_vec(),
        &[],
        &signer,
    )
    .unwrap()
    .to_vec(Tagging::Untagged);
    assert!(verify_signed_cbor_cmw(&cf, &key11(), None).is_err());
    verify_signed_cbor_cmw(&cf, &key11(), Some(CMW_CBOR_CONTENT_FORMAT_UNCONFIRMED)).unwrap();
}
