//! Benchmarks of seat-evidence next to independent implementations in the same run: EAT
//! signing and verification (against `coset` + `p256`), CMW decoding (against the Veraison
//! `cmw` crate) and EAR verification (against the Veraison `ear` crate).
//!
//! The `codec` group measures decoding and encoding alone (CMW, COSE_Sign1, EAT, EAR).
//!
//! Run briefly with
//! `cargo bench -p seat-evidence --bench evidence -- --warm-up-time 1 --measurement-time 3`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use coset::TaggedCborSerializable as _;
use criterion::{Criterion, criterion_group, criterion_main};
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use seat_binding::provider::rust_crypto::RustCrypto;
use seat_binding::provider::{CryptoProvider, default_provider};
use seat_evidence::cbor::Profile;
use seat_evidence::cmw::Cmw;
use seat_evidence::cose::{Algorithm, CoseSign1, HeaderMap, Tagging};
use seat_evidence::crypto::{ProviderSigner, ProviderVerifier};
use seat_evidence::ear::{self as our_ear, Appraisal, EAR_PROFILE_04, Ear, Tier, VerifierId};
use seat_evidence::eat::ClaimsSet;
use seat_evidence::sim::{SimTeeConfig, SimulatedTee, verify_sim_evidence};
use seat_evidence::{Attester as _, EvidenceRequest};

const D11: &str = "57c92077664146e876760c9520d054aa93c3afb04e306705db6090308507b4d3";
const X11: &str = "bac5b11cad8f99f9c72b05cf4b9e26d244dc189f745228255a219a86d6a09eff";
const Y11: &str = "20138bf82dc1b6d562be0fa54ab7804a3a64b6d72ccfed6b6fb6ed28bbfc117e";

fn hx(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn pkcs8() -> Vec<u8> {
    hx(&format!(
        "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420{D11}a144034200\
         04{X11}{Y11}"
    ))
}

fn jwk() -> String {
    use seat_evidence::json::b64u_encode;
    format!(
        r#"{{"kty":"EC","crv":"P-256","x":"{}","y":"{}"}}"#,
        b64u_encode(&hx(X11)),
        b64u_encode(&hx(Y11))
    )
}

fn request() -> EvidenceRequest<'static> {
    EvidenceRequest {
        binder: &[0x11; 32],
        aik_pub_hash: &[0x22; 32],
        now_unix_secs: 1_795_911_674,
    }
}

fn providers() -> [(&'static str, &'static dyn CryptoProvider); 2] {
    [("aws_lc", default_provider()), ("rustcrypto", &RustCrypto)]
}

fn eat(c: &mut Criterion) {
    let mut g = c.benchmark_group("eat_sign");
    for (name, p) in providers() {
        let mut tee = SimulatedTee::new(SimTeeConfig::default(), p).unwrap();
        g.bench_function(format!("seat_sim_tee_attest_{name}"), |b| {
            b.iter(|| tee.attest(black_box(&request())).unwrap())
        });
    }
    // The same claims-set, signed through coset with the p256 crate (RFC 6979).
    let mut tee = SimulatedTee::new(SimTeeConfig::default(), &RustCrypto).unwrap();
    let cmw = tee.attest(&request()).unwrap();
    let Cmw::Record(r) = Cmw::decode(&cmw).unwrap() else {
        unreachable!()
    };
    let (msg, _) = CoseSign1::decode(r.value()).unwrap();
    let claims = msg.payload().unwrap().to_vec();
    let sk = p256::ecdsa::SigningKey::from_slice(&hx(D11)).unwrap();
    let signer = ProviderSigner::from_pkcs8(&RustCrypto, Algorithm::ES256, &pkcs8()).unwrap();
    g.bench_function("seat_cose_sign1_rustcrypto", |b| {
        b.iter(|| {
            CoseSign1::sign(
                HeaderMap::new(),
                HeaderMap::new().with_kid(vec![1; 32]),
                black_box(claims.clone()),
                &[],
                &signer,
            )
            .unwrap()
            .to_vec(Tagging::Tagged)
        })
    });
    g.bench_function("coset_p256", |b| {
        b.iter(|| {
            coset::CoseSign1Builder::new()
                .protected(
                    coset::HeaderBuilder::new()
                        .algorithm(coset::iana::Algorithm::ES256)
                        .build(),
                )
                .unprotected(coset::HeaderBuilder::new().key_id(vec![1; 32]).build())
                .payload(black_box(claims.clone()))
                .create_signature(b"", |d| {
                    let s: p256::ecdsa::Signature = sk.sign(d);
                    s.to_bytes().to_vec()
                })
                .build()
                .to_tagged_vec()
                .unwrap()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("eat_verify");
    let spki = tee.attestation_key_spki();
    for (name, p) in providers() {
        g.bench_function(format!("seat_verify_sim_evidence_{name}"), |b| {
            b.iter(|| verify_sim_evidence(black_box(&cmw), &spki, p).unwrap())
        });
    }
    let token = r.value().to_vec();
    let v = ProviderVerifier::for_spki(&RustCrypto, &spki).unwrap();
    g.bench_function("seat_cose_sign1_verify_rustcrypto", |b| {
        b.iter(|| {
            let (m, _) = CoseSign1::decode(black_box(&token)).unwrap();
            m.verify(&v, &[], None).unwrap();
        })
    });
    let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(
        seat_binding::spki::parse_spki(&spki).unwrap().raw_key,
    )
    .unwrap();
    g.bench_function("coset_p256", |b| {
        b.iter(|| {
            let m = coset::CoseSign1::from_tagged_slice(black_box(&token)).unwrap();
            m.verify_signature(b"", |s, d| {
                vk.verify(d, &p256::ecdsa::Signature::from_slice(s).unwrap())
            })
            .unwrap();
        })
    });
    g.finish();

    let mut g = c.benchmark_group("cmw_decode");
    g.bench_function("seat_record", |b| {
        b.iter(|| Cmw::decode(black_box(&cmw)).unwrap())
    });
    g.bench_function("cmw_crate_record", |b| {
        b.iter(|| cmw::CMW::deserialize(black_box(&cmw)).unwrap())
    });
    let cab = hx(KAT_3_CAB);
    g.bench_function("seat_collection", |b| {
        b.iter(|| Cmw::decode(black_box(&cab)).unwrap())
    });
    g.bench_function("cmw_crate_collection", |b| {
        b.iter(|| cmw::CMW::deserialize(black_box(&cab)).unwrap())
    });
    g.finish();
}

fn ear_claims() -> Ear {
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
                trust_vector: None,
                policy_ids: vec![],
                nonce: None,
                profile: None,
                extra: vec![],
            },
        )],
        nonce: None,
        status: None,
        extra: vec![],
    }
}

fn ear(c: &mut Criterion) {
    let signer = ProviderSigner::from_pkcs8(&RustCrypto, Algorithm::ES256, &pkcs8()).unwrap();
    let jwt = our_ear::sign_jwt(&ear_claims(), &signer).unwrap();
    let cwt = our_ear::sign_cwt(&ear_claims(), &signer).unwrap();
    let spki = signer.public_key_spki();
    let jwk = jwk();
    let mut g = c.benchmark_group("ear_verify");
    for (name, p) in providers() {
        let v = ProviderVerifier::for_spki(p, &spki).unwrap();
        g.bench_function(format!("seat_jwt_{name}"), |b| {
            b.iter(|| our_ear::verify_jwt(black_box(&jwt), &v).unwrap())
        });
        g.bench_function(format!("seat_cwt_{name}"), |b| {
            b.iter(|| our_ear::verify_cwt(black_box(&cwt), &v, Profile::STRICT).unwrap())
        });
    }
    g.bench_function("ear_crate_jwt", |b| {
        b.iter(|| {
            ear::Ear::from_jwt_jwk(black_box(&jwt), ear::Algorithm::ES256, jwk.as_bytes()).unwrap()
        })
    });
    g.bench_function("ear_crate_cwt", |b| {
        b.iter(|| {
            ear::Ear::from_cose_jwk(black_box(&cwt), ear::Algorithm::ES256, jwk.as_bytes()).unwrap()
        })
    });
    g.finish();
}

/// rats-formats.md 7.6 KAT-3 (draft-bft-rats-kat-06 section 6): a CMW collection.
const KAT_3_CAB: &str = "a3636b617482736170706c69636174696f6e2f6561742b63777459010a8443a10126a058c0a30a5820b91b03129222973c214e42bf31d6872a3ef2dbdda401fbd1f725d48d6bf9c8171909c4a401022001215820f0fffa7ba35e76e44ca1f5446d327c8382a5a40e5f29745df948346c7c88a5d32258207cb4c4873cbb6f097562f61d5280768cd2cfe35fba97e997280dbaaae3af92fe08a101a401022001215820d7cc072de2205bdc1537a543d53c60a6acb62eccd890c7fa27c9e354089bbe13225820f95e1d4b851a2cc80fff87d8e23f22afb725d535e515d020731e79a3b4e47120584056f50d131fa83979ae064e76e70dc75c070b6d991aec08adf9f41cab7f1b7e2c47f67daca8bb49e3119b7bae77aec6c89162713e0cc6d0e7327831e67f32841a6370617482736170706c69636174696f6e2f6561742b637774586e8443a10126a05824a10a58205ca3750daf829c30c20797eddb7949b1fd028c5408f2dd8650ad732327e3fb645840f9f41cab7f1b7e2c47f67daca8bb49e3119b7bae77aec6c89162713e0cc6d0e7327831e67f32841a56f50d131fa83979ae064e76e70dc75c070b6d991aec08ad685f5f636d77635f7478207461673a696574662e6f72672c323032342d30322d32393a726174732f6b6174";

/// The codec alone, without signatures: decoding and encoding a CMW (a record and a
/// collection), an EAT claims-set and an EAR claims-set (CBOR and JSON).
fn codec(c: &mut Criterion) {
    let mut tee = SimulatedTee::new(SimTeeConfig::default(), &RustCrypto).unwrap();
    let cmw_bytes = tee.attest(&request()).unwrap();
    let record = Cmw::decode(&cmw_bytes).unwrap();
    let cab = hx(KAT_3_CAB);
    let collection = Cmw::decode(&cab).unwrap();
    let Cmw::Record(r) = &record else {
        unreachable!()
    };
    let (msg, _) = CoseSign1::decode(r.value()).unwrap();
    let eat_bytes = msg.payload().unwrap().to_vec();
    let claims = ClaimsSet::decode(&eat_bytes).unwrap();
    let ear_value = ear_claims();
    let ear_cbor = ear_value.to_cbor();
    let ear_json = ear_value.to_json_string();

    let mut g = c.benchmark_group("codec");
    g.bench_function("cmw_record_decode", |b| {
        b.iter(|| Cmw::decode(black_box(&cmw_bytes)).unwrap())
    });
    g.bench_function("cmw_record_encode", |b| {
        b.iter(|| black_box(&record).to_vec())
    });
    g.bench_function("cmw_collection_decode", |b| {
        b.iter(|| Cmw::decode(black_box(&cab)).unwrap())
    });
    g.bench_function("cmw_collection_encode", |b| {
        b.iter(|| black_box(&collection).to_vec())
    });
    g.bench_function("cose_sign1_decode", |b| {
        b.iter(|| CoseSign1::decode(black_box(r.value())).unwrap())
    });
    g.bench_function("cose_sign1_encode", |b| {
        b.iter(|| black_box(&msg).to_vec(Tagging::Tagged))
    });
    g.bench_function("eat_decode", |b| {
        b.iter(|| ClaimsSet::decode(black_box(&eat_bytes)).unwrap())
    });
    g.bench_function("eat_encode", |b| b.iter(|| black_box(&claims).to_vec()));
    g.bench_function("ear_cbor_decode", |b| {
        b.iter(|| Ear::from_cbor(black_box(&ear_cbor)).unwrap())
    });
    g.bench_function("ear_cbor_encode", |b| {
        b.iter(|| black_box(&ear_value).to_cbor())
    });
    g.bench_function("ear_json_decode", |b| {
        b.iter(|| Ear::from_json(black_box(ear_json.as_bytes())).unwrap())
    });
    g.bench_function("ear_json_encode", |b| {
        b.iter(|| black_box(&ear_value).to_json_string())
    });
    g.finish();
}

criterion_group!(benches, codec, eat, ear);
criterion_main!(benches);
