//! The simulated TEE (spec sim-tee-profile v1): known answers, round trips, honesty of the
//! request checks, strictness of `verify_sim_evidence`, and the minted AIK certificate.
//!
//! Known answers come from `tests/data/sim-tee-known-answers.py`, an independent
//! recomputation with Python `cryptography` 48 (HKDF from `hmac`/`hashlib`, RFC 6979 ECDSA with
//! `deterministic_signing=True`) and a hand-written CBOR encoder; the script is not run by the
//! tests, its output is copied here.

use p256::ecdsa::signature::Verifier as _;
use p256::pkcs8::DecodePublicKey as _;
use seat_binding::provider::rust_crypto::RustCrypto;
use seat_binding::provider::{SignatureAlgorithm, default_provider};
use seat_evidence::cmw::{Cmw, Ind, Record, RecordType};
use seat_evidence::cose::{Algorithm, CoseSign1, HeaderMap, Tagging};
use seat_evidence::crypto::ProviderSigner;
use seat_evidence::eat::{ClaimsSet, Confirmation, DebugStatus, EatProfile, Measurement, Nonce};
use seat_evidence::eat::{Ueid, Version};
use seat_evidence::sim::{
    SIM_TEE_MEDIA_TYPE, SIM_TEE_PROFILE, SimTeeConfig, SimulatedTee, verify_sim_evidence,
};
use seat_evidence::{Attester, Error, EvidenceRequest, Item};

fn hx(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// From the script: SPKI of the attestation key derived from the default seed.
const AK_SPKI: &str = "3059301306072a8648ce3d020106082a8648ce3d030107034200047b57b2774ac1f0e360b00b78d7b9fdd93a5d1345d5eafe4abb4a516596be8a7463dd3ca70799ac88fd308b964548fb5935569806baa925f9e6c9b6685df2ade6";
/// From the script: SHA-256 of `AK_SPKI`.
const AK_KID: &str = "8cb4eead844cd3a9d531f43b018fe025e90a9f3ed0f5226066fc1e24764779de";
/// From the script: the whole CMW for binder 0x11 * 32, AIK hash 0x22 * 32, now 1795911674.
const CMW: &str = "8378426170706c69636174696f6e2f6561742b6377743b206561745f70726f66696c653d227461673a736561742e6578616d706c652c323032363a73696d2d7465652f312259015ed28443a10126a10458208cb4eead844cd3a9d531f43b018fe025e90a9f3ed0f5226066fc1e24764779de58f0aa061a6b0b6ffa08a103582022222222222222222222222222222222222222222222222222222222222222220a582011111111111111111111111111111111111111111111111111111111111111111901005821010102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20190106f519010703190109781f7461673a736561742e6578616d706c652c323032363a73696d2d7465652f3119010e6c736561742d73696d2d74656519010f8165312e302e301901118182183c582ca1686669726d776172655820a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a558403dc129a01d305796b7387facdeb7241f194649aaa6debb0eff6effe2742256b9cad19ff433a8802e13d265d52cee69c9d5a8cc7ea1658956ecb7bc243f34685304";
/// From the script: the first ES256 and Ed25519 AIKs of the default seed.
const AIK0_P256_SPKI: &str = "3059301306072a8648ce3d020106082a8648ce3d03010703420004aee9a71f173cc2403c36dacb3da392f01839a49f7ea3e06b2f69aaaff2b7470fa043fa5dc32fc78384aed568b55371b0a31d383d54f59e10bebc10062e442d54";
const AIK0_ED25519_SPKI: &str =
    "302a300506032b6570032100196316afd60f35fdefcd80b17627520076d1a264f62503c06ae4924b04131005";

const NOW: u64 = 1_795_911_674;

fn request<'a>(binder: &'a [u8], aik: &'a [u8]) -> EvidenceRequest<'a> {
    EvidenceRequest {
        binder,
        aik_pub_hash: aik,
        now_unix_secs: NOW,
    }
}

fn tee() -> SimulatedTee {
    SimulatedTee::new(SimTeeConfig::default(), &RustCrypto).unwrap()
}

#[test]
fn known_answer_rustcrypto_is_byte_exact() {
    let mut t = tee();
    assert_eq!(hex::encode(t.attestation_key_spki()), AK_SPKI);
    assert_eq!(hex::encode(t.attestation_key_id()), AK_KID);
    let cmw = t.attest(&request(&[0x11; 32], &[0x22; 32])).unwrap();
    assert_eq!(hex::encode(&cmw), CMW);
}

#[test]
fn aws_lc_derives_the_same_key_and_verifiable_evidence() {
    // With aws-lc-rs the key is the same; the ECDSA signature is randomized.
    let mut t = SimulatedTee::new(SimTeeConfig::default(), default_provider()).unwrap();
    assert_eq!(hex::encode(t.attestation_key_spki()), AK_SPKI);
    let a = t.attest(&request(&[0x11; 32], &[0x22; 32])).unwrap();
    let b = t.attest(&request(&[0x11; 32], &[0x22; 32])).unwrap();
    assert_eq!(a.len(), b.len());
    // Everything but the 64 signature bytes (and the trailing ind) repeats the known answer.
    let known = hx(CMW);
    assert_eq!(a[..a.len() - 65], known[..known.len() - 65]);
    for cmw in [&a, &b, &known] {
        for p in [default_provider(), &RustCrypto] {
            let ev = verify_sim_evidence(cmw, &hx(AK_SPKI), p).unwrap();
            assert_eq!(ev.nonce, [0x11; 32]);
        }
    }
}

#[test]
fn verified_evidence_carries_the_request_and_config() {
    let mut config = SimTeeConfig {
        swname: "enclave".into(),
        swversion: "2.3".into(),
        measurements: vec![
            ("kernel".into(), vec![1; 48]),
            ("bl".into(), vec![2; 32]),
            ("initrd".into(), vec![3; 32]),
        ],
        dbgstat: 0,
        secure_boot: false,
        ..SimTeeConfig::default()
    };
    config.instance_id = [9; 32];
    let mut t = SimulatedTee::new(config, &RustCrypto).unwrap();
    let cmw = t.attest(&request(&[0xab; 48], &[0xcd; 48])).unwrap();
    let ev = verify_sim_evidence(&cmw, &t.attestation_key_spki(), &RustCrypto).unwrap();
    assert_eq!(ev.nonce, [0xab; 48]);
    assert_eq!(ev.aik_pub_hash, [0xcd; 48]);
    let mut ueid = vec![1];
    ueid.extend_from_slice(&[9; 32]);
    assert_eq!(ev.ueid, ueid);
    assert_eq!(ev.iat, NOW);
    assert_eq!(
        (ev.swname.as_str(), ev.swversion.as_str()),
        ("enclave", "2.3")
    );
    assert_eq!((ev.dbgstat, ev.secure_boot), (0, false));
    // Deterministic map order: shorter names first, then bytewise.
    let names: Vec<_> = ev.measurements.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["bl", "initrd", "kernel"]);
    assert_eq!(ev.measurements[2].1, vec![1; 48]);
}

#[test]
fn same_seed_same_bytes_other_seed_other_key() {
    let r = request(&[7; 32], &[8; 32]);
    let a = tee().attest(&r).unwrap();
    let b = tee().attest(&r).unwrap();
    assert_eq!(a, b);
    let other = SimulatedTee::new(
        SimTeeConfig {
            seed: [1; 32],
            ..SimTeeConfig::default()
        },
        &RustCrypto,
    )
    .unwrap();
    assert_ne!(other.attestation_key_spki(), tee().attestation_key_spki());
    // Evidence of one simulated TEE does not verify under another's key.
    assert_eq!(
        verify_sim_evidence(&a, &other.attestation_key_spki(), &RustCrypto).unwrap_err(),
        Error::Mismatch {
            what: Item::CoseKid
        }
    );
}

#[test]
fn request_lengths_are_checked() {
    let mut t = tee();
    for n in [0, 8, 31, 33, 47, 49, 64] {
        assert_eq!(
            t.attest(&request(&vec![1; n], &vec![2; n])).unwrap_err(),
            Error::InvalidArgument {
                what: Item::EatNonce
            },
            "binder of {n} bytes"
        );
    }
    for (b, a) in [(32, 48), (48, 32), (32, 31), (32, 0)] {
        assert_eq!(
            t.attest(&request(&vec![1; b], &vec![2; a])).unwrap_err(),
            Error::InvalidArgument { what: Item::Cnf }
        );
    }
    let far = EvidenceRequest {
        binder: &[1; 32],
        aik_pub_hash: &[2; 32],
        now_unix_secs: u64::MAX,
    };
    assert_eq!(
        t.attest(&far).unwrap_err(),
        Error::InvalidArgument { what: Item::Time }
    );
}

#[test]
fn config_is_checked() {
    let cases = [
        (
            SimTeeConfig {
                dbgstat: 5,
                ..SimTeeConfig::default()
            },
            Item::DbgStat,
        ),
        (
            SimTeeConfig {
                swname: String::new(),
                ..SimTeeConfig::default()
            },
            Item::SwName,
        ),
        (
            SimTeeConfig {
                swversion: "v".repeat(257),
                ..SimTeeConfig::default()
            },
            Item::SwVersion,
        ),
        (
            SimTeeConfig {
                measurements: vec![],
                ..SimTeeConfig::default()
            },
            Item::Measurements,
        ),
        (
            SimTeeConfig {
                measurements: vec![("a".into(), vec![1]), ("a".into(), vec![2])],
                ..SimTeeConfig::default()
            },
            Item::Measurements,
        ),
        (
            SimTeeConfig {
                measurements: vec![("a".into(), vec![])],
                ..SimTeeConfig::default()
            },
            Item::Measurements,
        ),
    ];
    for (config, what) in cases {
        assert_eq!(
            SimulatedTee::new(config, &RustCrypto).unwrap_err(),
            Error::InvalidArgument { what }
        );
    }
}

#[test]
fn debug_output_redacts_the_seed() {
    let t = tee();
    let s = format!("{t:?} {:?}", SimTeeConfig::default());
    assert!(s.contains("<redacted>"));
    assert!(!s.contains("21b4"), "{s}");
    assert!(!s.contains("33, 180"), "{s}");
}

/// Decodes the known-answer CMW with the independent `cmw` and `coset` crates and checks the
/// ES256 signature with the RustCrypto `p256` crate, not the provider.
#[test]
fn independent_crates_accept_the_evidence() {
    let bytes = hx(CMW);
    let cmw = cmw::CMW::deserialize(&bytes).unwrap();
    let cmw::CMW::Monad(m) = cmw else {
        panic!("not a record")
    };
    assert_eq!(m.indicator().unwrap().bits(), 4);
    let token = m.value();
    let msg =
        <coset::CoseSign1 as coset::TaggedCborSerializable>::from_tagged_slice(&token).unwrap();
    assert_eq!(
        msg.protected.header.alg,
        Some(coset::iana::Algorithm::ES256.into())
    );
    assert_eq!(msg.unprotected.key_id, hx(AK_KID));
    let vk = p256::ecdsa::VerifyingKey::from_public_key_der(&hx(AK_SPKI)).unwrap();
    msg.verify_signature(b"", |sig, data| {
        let sig = p256::ecdsa::Signature::from_slice(sig).unwrap();
        vk.verify(data, &sig)
    })
    .unwrap();
    // The payload is deterministic CBOR.
    seat_evidence::cbor::check_deterministic(msg.payload.as_deref().unwrap()).unwrap();
}

/// A signer standing in for a (misbehaving) attestation key, to build Evidence the simulated
/// TEE would never produce and check that the verifier refuses it.
fn crafted(
    claims: &ClaimsSet,
    media_type: &str,
    ind: Option<Ind>,
    tagging: Tagging,
    kid: Option<Vec<u8>>,
) -> (Vec<u8>, Vec<u8>) {
    // RFC 9052 Appendix C key "11" as PKCS#8.
    let pkcs8 = hx(
        "3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420\
         57c92077664146e876760c9520d054aa93c3afb04e306705db6090308507b4d3",
    );
    let signer = ProviderSigner::from_pkcs8(&RustCrypto, Algorithm::ES256, &pkcs8).unwrap();
    let spki = signer.public_key_spki();
    let kid = kid.unwrap_or_else(|| {
        use sha2::Digest as _;
        sha2::Sha256::digest(&spki).to_vec()
    });
    let msg = CoseSign1::sign(
        HeaderMap::new(),
        HeaderMap::new().with_kid(kid),
        claims.to_vec(),
        &[],
        &signer,
    )
    .unwrap();
    let rec = Record::new(
        RecordType::MediaType(media_type.into()),
        msg.to_vec(tagging),
        ind,
    )
    .unwrap();
    (Cmw::Record(rec).to_vec(), spki)
}

fn good_claims() -> ClaimsSet {
    let mut ueid = vec![1];
    ueid.extend_from_slice(&[5; 32]);
    ClaimsSet {
        iat: Some(NOW as i64),
        cnf: Some(Confirmation::Kid(vec![2; 32])),
        nonce: Some(Nonce::new(vec![1; 32]).unwrap()),
        ueid: Some(Ueid::new(ueid).unwrap()),
        oemboot: Some(true),
        dbgstat: Some(DebugStatus::DisabledPermanently),
        profile: Some(EatProfile::Uri(SIM_TEE_PROFILE.into())),
        swname: Some("x".into()),
        swversion: Some(Version {
            version: "1".into(),
            scheme: None,
        }),
        measurements: vec![Measurement {
            content_format: 60,
            content: hx(
                "a1616158200000000000000000000000000000000000000000000000000000000000000000",
            ),
        }],
        ..ClaimsSet::default()
    }
}

#[test]
fn verifier_accepts_a_well_formed_crafted_token() {
    let (cmw, spki) = crafted(
        &good_claims(),
        SIM_TEE_MEDIA_TYPE,
        Some(Ind::EVIDENCE),
        Tagging::Tagged,
        None,
    );
    let ev = verify_sim_evidence(&cmw, &spki, &RustCrypto).unwrap();
    assert_eq!(ev.measurements, vec![("a".to_string(), vec![0; 32])]);
}

#[test]
fn verifier_refuses_what_the_profile_does_not_allow() {
    let base = good_claims();
    let with = |f: &dyn Fn(&mut ClaimsSet)| {
        let mut c = base.clone();
        f(&mut c);
        c
    };
    let check = |claims: &ClaimsSet, expect: (bool, Item)| {
        let (cmw, spki) = crafted(
            claims,
            SIM_TEE_MEDIA_TYPE,
            Some(Ind::EVIDENCE),
            Tagging::Tagged,
            None,
        );
        let e = verify_sim_evidence(&cmw, &spki, &RustCrypto).unwrap_err();
        let got = match e {
            Error::InvalidValue { what, .. } => (false, what),
            Error::Missing { what, .. } => (true, what),
            other => panic!("{other:?} for {claims:?}"),
        };
        assert_eq!(got, expect, "{e:?} for {claims:?}");
    };
    let invalid = |w: Item| (false, w);
    let missing = |w: Item| (true, w);
    check(
        &with(&|c| c.iss = Some("me".into())),
        invalid(Item::ClaimsSet),
    );
    check(
        &with(&|c| c.profile = Some(EatProfile::Uri("urn:ietf:rfc:rfc9711".into()))),
        invalid(Item::EatProfile),
    );
    check(&with(&|c| c.profile = None), missing(Item::EatProfile));
    check(&with(&|c| c.nonce = None), missing(Item::EatNonce));
    check(
        &with(&|c| c.nonce = Some(Nonce::new(vec![1; 16]).unwrap())),
        invalid(Item::EatNonce),
    );
    check(
        &with(&|c| c.nonce = Some(Nonce::many(vec![vec![1; 32], vec![2; 32]]).unwrap())),
        invalid(Item::EatNonce),
    );
    check(
        &with(&|c| c.cnf = Some(Confirmation::Kid(vec![2; 48]))),
        invalid(Item::Cnf),
    );
    check(&with(&|c| c.cnf = None), missing(Item::Cnf));
    check(
        &with(&|c| c.ueid = Some(Ueid::new(vec![2; 33]).unwrap())),
        invalid(Item::Ueid),
    );
    check(&with(&|c| c.iat = Some(-1)), invalid(Item::Time));
    check(&with(&|c| c.iat = None), missing(Item::Time));
    check(&with(&|c| c.oemboot = None), missing(Item::OemBoot));
    check(&with(&|c| c.dbgstat = None), missing(Item::DbgStat));
    check(
        &with(&|c| {
            c.swversion = Some(Version {
                version: "1".into(),
                scheme: Some(1),
            })
        }),
        invalid(Item::SwVersion),
    );
    check(
        &with(&|c| c.measurements[0].content_format = 0),
        invalid(Item::Measurements),
    );
    check(
        &with(&|c| c.measurements[0].content = hx("a26161410161614102")),
        invalid(Item::Measurements),
    );
    check(
        &with(&|c| c.measurements.push(c.measurements[0].clone())),
        invalid(Item::Measurements),
    );
}

#[test]
fn verifier_refuses_wrong_wrapping() {
    let c = good_claims();
    let (cmw, spki) = crafted(
        &c,
        "application/eat+cwt",
        Some(Ind::EVIDENCE),
        Tagging::Tagged,
        None,
    );
    assert!(matches!(
        verify_sim_evidence(&cmw, &spki, &RustCrypto),
        Err(Error::InvalidValue {
            what: Item::CmwType,
            at: 1
        })
    ));
    let (cmw, spki) = crafted(
        &c,
        SIM_TEE_MEDIA_TYPE,
        Some(Ind::ATTESTATION_RESULTS),
        Tagging::Tagged,
        None,
    );
    assert_eq!(
        verify_sim_evidence(&cmw, &spki, &RustCrypto).unwrap_err(),
        Error::InvalidValue {
            what: Item::CmwInd,
            at: cmw.len() - 1
        }
    );
    let (cmw, spki) = crafted(&c, SIM_TEE_MEDIA_TYPE, None, Tagging::Tagged, None);
    assert!(matches!(
        verify_sim_evidence(&cmw, &spki, &RustCrypto),
        Err(Error::Missing {
            what: Item::CmwInd,
            ..
        })
    ));
    for tagging in [Tagging::Untagged, Tagging::Cwt] {
        let (cmw, spki) = crafted(&c, SIM_TEE_MEDIA_TYPE, Some(Ind::EVIDENCE), tagging, None);
        assert!(matches!(
            verify_sim_evidence(&cmw, &spki, &RustCrypto),
            Err(Error::InvalidValue {
                what: Item::CoseSign1,
                ..
            })
        ));
    }
    let (cmw, spki) = crafted(
        &c,
        SIM_TEE_MEDIA_TYPE,
        Some(Ind::EVIDENCE),
        Tagging::Tagged,
        Some(vec![0; 32]),
    );
    assert_eq!(
        verify_sim_evidence(&cmw, &spki, &RustCrypto).unwrap_err(),
        Error::Mismatch {
            what: Item::CoseKid
        }
    );
    // The trust anchor must be a P-256 key.
    let ed = hx(AIK0_ED25519_SPKI);
    assert!(matches!(
        verify_sim_evidence(&hx(CMW), &ed, &RustCrypto),
        Err(Error::Provider(_))
    ));
}

#[test]
fn tampering_and_truncation_fail_without_panic() {
    let good = hx(CMW);
    let spki = hx(AK_SPKI);
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x01;
        assert!(
            verify_sim_evidence(&bad, &spki, &RustCrypto).is_err(),
            "byte {i}"
        );
        assert!(verify_sim_evidence(&good[..i], &spki, &RustCrypto).is_err());
    }
    // A flipped claims byte is a bad signature, reported before the claims are read.
    let mut bad = good.clone();
    let at = good.len() - 70;
    bad[at] ^= 0x01;
    assert_eq!(
        verify_sim_evidence(&bad, &spki, &RustCrypto).unwrap_err(),
        Error::BadSignature
    );
}

fn webpki_accepts(cert: &[u8], at: u64) -> Result<(), webpki::Error> {
    use rustls_pki_types::{CertificateDer, UnixTime};
    let der = CertificateDer::from(cert.to_vec());
    let anchor = webpki::anchor_from_trusted_cert(&der)?.to_owned();
    let ee = webpki::EndEntityCert::try_from(&der)?;
    ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &[anchor],
        &[],
        UnixTime::since_unix_epoch(core::time::Duration::from_secs(at)),
        webpki::KeyUsage::client_auth(),
        None,
        None,
    )
    .map(|_| ())
}

#[test]
fn minted_aik_is_a_self_signed_end_entity_webpki_accepts() {
    for provider in [
        &RustCrypto as &'static dyn seat_binding::provider::CryptoProvider,
        default_provider(),
    ] {
        let mut t = SimulatedTee::new(SimTeeConfig::default(), provider).unwrap();
        for alg in [
            SignatureAlgorithm::EcdsaSecp256r1Sha256,
            SignatureAlgorithm::EcdsaSecp384r1Sha384,
            SignatureAlgorithm::Ed25519,
        ] {
            let aik = t.mint_aik(alg, "seat anonymous client", NOW).unwrap();
            webpki_accepts(&aik.certificate_der, NOW).unwrap();
            webpki_accepts(&aik.certificate_der, NOW - 299).unwrap();
            assert!(webpki_accepts(&aik.certificate_der, NOW - 301).is_err());
            assert!(webpki_accepts(&aik.certificate_der, NOW + 86_401).is_err());
            assert_eq!(
                seat_binding::spki::spki_from_certificate(&aik.certificate_der).unwrap(),
                aik.spki_der.as_slice()
            );
            // The PKCS#8 loads in the provider and its public key is the certificate's.
            let key = provider
                .signing_key_from_pkcs8(alg, &aik.pkcs8_der)
                .unwrap();
            assert_eq!(key.public_key_spki(), aik.spki_der);
            assert!(!format!("{aik:?}").contains(&hex::encode(&aik.pkcs8_der)));
        }
    }
}

#[test]
fn minted_aiks_follow_the_seed() {
    let mut a = tee();
    let mut b = tee();
    let first = a
        .mint_aik(SignatureAlgorithm::EcdsaSecp256r1Sha256, "x", NOW)
        .unwrap();
    assert_eq!(hex::encode(&first.spki_der), AIK0_P256_SPKI);
    let second = a
        .mint_aik(SignatureAlgorithm::EcdsaSecp256r1Sha256, "x", NOW)
        .unwrap();
    assert_ne!(first.spki_der, second.spki_der);
    // Same seed, same sequence, byte for byte (RFC 6979 signatures).
    let again = b
        .mint_aik(SignatureAlgorithm::EcdsaSecp256r1Sha256, "x", NOW)
        .unwrap();
    assert_eq!(first, again);
    let ed = tee()
        .mint_aik(SignatureAlgorithm::Ed25519, "x", NOW)
        .unwrap();
    assert_eq!(hex::encode(&ed.spki_der), AIK0_ED25519_SPKI);
    // The PKCS#8 is independent-crate readable: p256 derives the same public key.
    use p256::elliptic_curve::sec1::ToEncodedPoint as _;
    use p256::pkcs8::DecodePrivateKey as _;
    let sk = p256::SecretKey::from_pkcs8_der(&first.pkcs8_der).unwrap();
    assert_eq!(
        sk.public_key().to_encoded_point(false).as_bytes(),
        seat_binding::spki::parse_spki(&first.spki_der)
            .unwrap()
            .raw_key
    );
}

#[test]
fn mint_aik_refuses_what_it_cannot_make() {
    let mut t = tee();
    assert_eq!(
        t.mint_aik(SignatureAlgorithm::RsaPssRsaeSha256, "x", NOW)
            .unwrap_err(),
        Error::UnsupportedAlgorithm { alg: -37 }
    );
    for cn in [String::new(), "c".repeat(65)] {
        assert_eq!(
            t.mint_aik(SignatureAlgorithm::Ed25519, &cn, NOW)
                .unwrap_err(),
            Error::InvalidArgument {
                what: Item::Certificate
            }
        );
    }
    assert!(
        t.mint_aik(SignatureAlgorithm::Ed25519, "x", u64::MAX)
            .is_err()
    );
    // UTCTime until 2049, GeneralizedTime after: both accepted by webpki.
    let late = 2_600_000_000;
    let aik = t.mint_aik(SignatureAlgorithm::Ed25519, "x", late).unwrap();
    webpki_accepts(&aik.certificate_der, late).unwrap();
}
