//! draft-bft-rats-kat-06 (rats-formats.md sections 5 and 7.6): the KAT, PAT and CAB examples
//! decoded to their values, the PAT-KAT linkage recomputed with the independent `sha2` crate,
//! and a signed bundle built and verified end to end.

use seat_binding::provider::rust_crypto::RustCrypto;
use seat_evidence::cmw::Cmw;
use seat_evidence::cose::{Algorithm, CoseSign1};
use seat_evidence::crypto::{ProviderSigner, ProviderVerifier};
use seat_evidence::eat::{ClaimsSet, Nonce};
use seat_evidence::kat::{
    CAB_COLLECTION_TYPE, CRV_P256, CoseKey, KTY_EC2, Kat, cab, cab_tokens, sign_pat, verify_cab,
    verify_kat,
};
use seat_evidence::{Error, Item};
use sha2::Digest as _;

fn hx(s: &str) -> Vec<u8> {
    hex::decode(s.split_whitespace().collect::<String>()).unwrap()
}

/// KAT-1, map keys in the order the source writes them (draft-bft-rats-kat-06 section 6,
/// cddl2/kat/ex-1.diag).
const KAT_1: &str = "a30a5820b91b03129222973c214e42bf31d6872a3ef2dbdda401fbd1f725d48d
6bf9c8171909c4a401022001215820f0fffa7ba35e76e44ca1f5446d327c8382
a5a40e5f29745df948346c7c88a5d32258207cb4c4873cbb6f097562f61d5280
768cd2cfe35fba97e997280dbaaae3af92fe08a101a401022001215820d7cc07
2de2205bdc1537a543d53c60a6acb62eccd890c7fa27c9e354089bbe13225820
f95e1d4b851a2cc80fff87d8e23f22afb725d535e515d020731e79a3b4e47120";
/// KAT-1 in RFC 8949 section 4.2.1 order [derived in the digest].
const KAT_1_SORTED: &str = "a308a101a401022001215820d7cc072de2205bdc1537a543d53c60a6acb62ecc
d890c7fa27c9e354089bbe13225820f95e1d4b851a2cc80fff87d8e23f22afb7
25d535e515d020731e79a3b4e471200a5820b91b03129222973c214e42bf31d6
872a3ef2dbdda401fbd1f725d48d6bf9c8171909c4a401022001215820f0fffa
7ba35e76e44ca1f5446d327c8382a5a40e5f29745df948346c7c88a5d3225820
7cb4c4873cbb6f097562f61d5280768cd2cfe35fba97e997280dbaaae3af92fe";
/// KAT-2, the minimal PAT claims-set (cddl2/pat/ex-1.diag).
const KAT_2: &str = "a10a5820faf2bca754dfd3f309fced20791dc1173b1bf61cf549145a6edd4ad4
ce2dc4f2";
/// KAT-3, the CAB (cddl2/cab/ex-1.diag); its signatures are placeholders.
const KAT_3: &str = "a3636b617482736170706c69636174696f6e2f6561742b63777459010a8443a1
0126a058c0a30a5820b91b03129222973c214e42bf31d6872a3ef2dbdda401fb
d1f725d48d6bf9c8171909c4a401022001215820f0fffa7ba35e76e44ca1f544
6d327c8382a5a40e5f29745df948346c7c88a5d32258207cb4c4873cbb6f0975
62f61d5280768cd2cfe35fba97e997280dbaaae3af92fe08a101a40102200121
5820d7cc072de2205bdc1537a543d53c60a6acb62eccd890c7fa27c9e354089b
be13225820f95e1d4b851a2cc80fff87d8e23f22afb725d535e515d020731e79
a3b4e47120584056f50d131fa83979ae064e76e70dc75c070b6d991aec08adf9
f41cab7f1b7e2c47f67daca8bb49e3119b7bae77aec6c89162713e0cc6d0e732
7831e67f32841a6370617482736170706c69636174696f6e2f6561742b637774
586e8443a10126a05824a10a58205ca3750daf829c30c20797eddb7949b1fd02
8c5408f2dd8650ad732327e3fb645840f9f41cab7f1b7e2c47f67daca8bb49e3
119b7bae77aec6c89162713e0cc6d0e7327831e67f32841a56f50d131fa83979
ae064e76e70dc75c070b6d991aec08ad685f5f636d77635f7478207461673a69
6574662e6f72672c323032342d30322d32393a726174732f6b6174";
/// The `kak-pub` encoding inside KAT-1 (rats-formats.md section 5.3).
const KAK_PUB: &str = "a401022001215820f0fffa7ba35e76e44ca1f5446d327c8382a5a40e5f29745df948346c7c88a5d32258207cb4c4873cbb6f097562f61d5280768cd2cfe35fba97e997280dbaaae3af92fe";
/// The PAT nonce inside KAT-3: SHA-256 of `KAK_PUB` [verified in the digest].
const PAT_NONCE: &str = "5ca3750daf829c30c20797eddb7949b1fd028c5408f2dd8650ad732327e3fb64";

#[test]
fn kat_1_decodes_to_its_values() {
    let kat = Kat::decode(&hx(KAT_1)).unwrap();
    assert_eq!(
        hex::encode(kat.nonce()),
        "b91b03129222973c214e42bf31d6872a3ef2dbdda401fbd1f725d48d6bf9c817"
    );
    let kak = kat.kak_pub();
    assert_eq!((kak.kty, kak.crv), (KTY_EC2, CRV_P256));
    assert_eq!(
        hex::encode(&kak.x),
        "f0fffa7ba35e76e44ca1f5446d327c8382a5a40e5f29745df948346c7c88a5d3"
    );
    assert_eq!(
        hex::encode(kak.y.as_ref().unwrap()),
        "7cb4c4873cbb6f097562f61d5280768cd2cfe35fba97e997280dbaaae3af92fe"
    );
    let ik = kat.ik();
    assert_eq!(
        hex::encode(&ik.x),
        "d7cc072de2205bdc1537a543d53c60a6acb62eccd890c7fa27c9e354089bbe13"
    );
    assert_eq!(
        hex::encode(ik.y.as_ref().unwrap()),
        "f95e1d4b851a2cc80fff87d8e23f22afb725d535e515d020731e79a3b4e47120"
    );
    assert_eq!(hex::encode(kat.kak_pub_bytes()), KAK_PUB);
    // Our deterministic encoding is the digest's re-sorted twin, and decodes the same.
    assert_eq!(kat.to_vec(), hx(KAT_1_SORTED));
    assert_eq!(Kat::decode(&hx(KAT_1_SORTED)).unwrap(), kat);
    // Both keys are valid P-256 points (the provider parses the SPKI built from them).
    ProviderVerifier::for_spki(&RustCrypto, &kak.to_spki().unwrap()).unwrap();
    ProviderVerifier::for_spki(&RustCrypto, &ik.to_spki().unwrap()).unwrap();
}

#[test]
fn kat_2_is_a_pat_claims_set() {
    let pat = ClaimsSet::decode(&hx(KAT_2)).unwrap();
    assert_eq!(
        pat.nonce,
        Some(
            Nonce::new(hx(
                "faf2bca754dfd3f309fced20791dc1173b1bf61cf549145a6edd4ad4ce2dc4f2"
            ))
            .unwrap()
        )
    );
}

#[test]
fn kat_3_cab_decodes_links_and_has_placeholder_signatures() {
    let bytes = hx(KAT_3);
    let Cmw::Collection(c) = Cmw::decode(&bytes).unwrap() else {
        panic!("not a collection")
    };
    assert_eq!(c.collection_type(), Some(CAB_COLLECTION_TYPE));
    // Our deterministic encoding reproduces the draft's bytes.
    assert_eq!(Cmw::Collection(c).to_vec(), bytes);
    let (kat_token, pat_token) = cab_tokens(&bytes).unwrap();
    let (kat_msg, _) = CoseSign1::decode(&kat_token).unwrap();
    let kat = Kat::decode(kat_msg.payload().unwrap()).unwrap();
    assert_eq!(kat, Kat::decode(&hx(KAT_1)).unwrap());
    let (pat_msg, _) = CoseSign1::decode(&pat_token).unwrap();
    let pat = ClaimsSet::decode(pat_msg.payload().unwrap()).unwrap();
    let pat_nonce = pat.nonce.unwrap().nonces()[0].clone();
    assert_eq!(hex::encode(&pat_nonce), PAT_NONCE);
    // The linkage, recomputed with `sha2` and with the provider.
    assert_eq!(
        sha2::Sha256::digest(kat.kak_pub_bytes()).to_vec(),
        pat_nonce
    );
    assert_eq!(kat.pat_nonce(&RustCrypto), pat_nonce);
    // The draft's signatures are placeholders: the KAT does not verify under its kak-pub.
    assert_eq!(
        verify_kat(&kat_token, &RustCrypto).unwrap_err(),
        Error::BadSignature
    );
}

struct Party {
    signer: ProviderSigner,
    key: CoseKey,
}

fn party(d_hex: &str) -> Party {
    let pkcs8 = hx(&format!(
        "3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420{d_hex}"
    ));
    let signer = ProviderSigner::from_pkcs8(&RustCrypto, Algorithm::ES256, &pkcs8).unwrap();
    let key = CoseKey::from_spki(&signer.public_key_spki()).unwrap();
    Party { signer, key }
}

#[test]
fn signed_bundle_verifies_and_every_link_is_checked() {
    // RFC 9052 Appendix C key "11" as KAK, RFC 6979 A.2.5's key as PAK; the IK is just a key.
    let kak = party("57c92077664146e876760c9520d054aa93c3afb04e306705db6090308507b4d3");
    let pak = party("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
    let ik = party("0000000000000000000000000000000000000000000000000000000000000001").key;
    let challenge = vec![0x42; 32];
    let kat = Kat::new(challenge.clone(), kak.key.clone(), ik.clone()).unwrap();
    let kat_token = kat.sign(&kak.signer).unwrap();
    assert_eq!(verify_kat(&kat_token, &RustCrypto).unwrap(), kat);
    let pat = ClaimsSet {
        nonce: Some(Nonce::new(kat.pat_nonce(&RustCrypto)).unwrap()),
        oemboot: Some(true),
        ..ClaimsSet::default()
    };
    let pat_token = sign_pat(&pat, &pak.signer).unwrap();
    let bundle = cab(kat_token.clone(), pat_token.clone()).unwrap().to_vec();
    let anchor = ProviderVerifier::for_spki(&RustCrypto, &pak.signer.public_key_spki()).unwrap();

    let ok = verify_cab(&bundle, &anchor, &challenge, &RustCrypto).unwrap();
    assert_eq!(ok.kat.ik(), &ik);
    assert_eq!(ok.pat, pat);

    // Another challenge.
    assert_eq!(
        verify_cab(&bundle, &anchor, &[0x43; 32], &RustCrypto).unwrap_err(),
        Error::Mismatch {
            what: Item::EatNonce
        }
    );
    // A PAT from an untrusted platform key.
    let other = ProviderVerifier::for_spki(&RustCrypto, &kak.signer.public_key_spki()).unwrap();
    assert_eq!(
        verify_cab(&bundle, &other, &challenge, &RustCrypto).unwrap_err(),
        Error::BadSignature
    );
    // A KAT by another KAK than the PAT names: the linkage fails before the KAT signature.
    let rogue = party("0000000000000000000000000000000000000000000000000000000000000002");
    let rogue_kat = Kat::new(challenge.clone(), rogue.key.clone(), ik.clone())
        .unwrap()
        .sign(&rogue.signer)
        .unwrap();
    let swapped = cab(rogue_kat, pat_token.clone()).unwrap().to_vec();
    assert_eq!(
        verify_cab(&swapped, &anchor, &challenge, &RustCrypto).unwrap_err(),
        Error::Mismatch { what: Item::KakPub }
    );
    // A KAT claiming the trusted KAK but signed by another key.
    let forged = Kat::new(challenge.clone(), kak.key.clone(), rogue.key.clone())
        .unwrap()
        .sign(&rogue.signer)
        .unwrap();
    let forged = cab(forged, pat_token).unwrap().to_vec();
    assert_eq!(
        verify_cab(&forged, &anchor, &challenge, &RustCrypto).unwrap_err(),
        Error::BadSignature
    );
    // A PAT without a nonce cannot be signed.
    assert!(sign_pat(&ClaimsSet::default(), &pak.signer).is_err());
}

#[test]
fn cose_key_rules() {
    // PARSEC-CCA-KAT's COSE_Key carries a private `d` (-4): refused in a KAT.
    let with_d = hx(
        "a60102032620012158206b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296
         2258204fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5234101",
    );
    assert!(matches!(
        CoseKey::decode(&with_d),
        Err(Error::InvalidValue {
            what: Item::CoseKey,
            ..
        })
    ));
    // Without `d` it is a P-256 key with alg ES256 (3: -7).
    let without_d = hx(
        "a50102032620012158206b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296
         2258204fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
    );
    let k = CoseKey::decode(&without_d).unwrap();
    assert_eq!(k.alg, Some(-7));
    assert_eq!(k.to_vec(), without_d);
    // EC2 without y; duplicate label; trailing bytes.
    let no_y = hx(&format!("a301022001215820{}", "00".repeat(32)));
    assert!(matches!(
        CoseKey::decode(&no_y),
        Err(Error::Missing {
            what: Item::CoseKey,
            ..
        })
    ));
    assert!(matches!(
        CoseKey::decode(&hx("a201020102")),
        Err(Error::DuplicateKey { .. })
    ));
    let mut trailing = without_d.clone();
    trailing.push(0);
    assert!(matches!(
        CoseKey::decode(&trailing),
        Err(Error::TrailingBytes { .. })
    ));
    // The KAT requires all three claims and nothing else.
    let kat = hx(KAT_1_SORTED);
    assert!(matches!(
        Kat::decode(&kat[..kat.len() - 1]),
        Err(Error::UnexpectedEnd { .. })
    ));
    let mut extra = kat.clone();
    extra[0] = 0xa4;
    extra.extend_from_slice(&[0x01, 0x61, 0x78]);
    assert!(matches!(
        Kat::decode(&extra),
        Err(Error::InvalidValue {
            what: Item::Kat,
            ..
        })
    ));
}
