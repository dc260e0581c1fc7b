//! Signing and verification through each provider, against OpenSSL-made keys and signatures,
//! RFC 6979 (deterministic ECDSA) and the expat digest's Ed25519 CertificateVerify.

use seat_binding::Error;
use seat_binding::Secret;
use seat_binding::authenticator::{AuthenticatorKeys, Role};
use seat_binding::exporter::RecordedExporter;
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::{
    CryptoProvider, HashAlgorithm, SignatureAlgorithm, SignatureEncoding, SigningKey,
};

use crate::common::{hx, json};

/// Keys and signatures made with the OpenSSL command line; RFC 6979 values (see `source`).
const KEYS: &str = include_str!("../data/keys.json");

fn key_name(alg: SignatureAlgorithm) -> &'static str {
    match alg {
        SignatureAlgorithm::EcdsaSecp256r1Sha256 => "p256",
        SignatureAlgorithm::EcdsaSecp384r1Sha384 => "p384",
        SignatureAlgorithm::Ed25519 => "ed25519",
        _ => "rsa",
    }
}

pub(crate) fn load_key(
    p: &'static dyn CryptoProvider,
    alg: SignatureAlgorithm,
) -> Box<dyn SigningKey> {
    let v = json(KEYS);
    p.signing_key_from_pkcs8(alg, &hx(&v[key_name(alg)], "pkcs8"))
        .unwrap()
}

fn spki(alg: SignatureAlgorithm) -> Vec<u8> {
    hx(&json(KEYS)[key_name(alg)], "spki")
}

/// A reproducible byte stream for tests (a counter, not a CSPRNG).
pub(crate) fn counter_rng(seed: u8) -> impl FnMut(&mut [u8]) {
    let mut n = seed;
    move |out: &mut [u8]| {
        for b in out {
            *b = n;
            n = n.wrapping_mul(31).wrapping_add(7);
        }
    }
}

/// OpenSSL's signatures verify; a changed message does not.
fn openssl_signatures_verify(p: &'static dyn CryptoProvider) {
    let v = json(KEYS);
    let msg = v["message_ascii"].as_str().unwrap().as_bytes();
    let cases = [
        (
            SignatureAlgorithm::EcdsaSecp256r1Sha256,
            hx(&v["p256"], "openssl_signature_der"),
        ),
        (
            SignatureAlgorithm::EcdsaSecp384r1Sha384,
            hx(&v["p384"], "openssl_signature_der"),
        ),
        (
            SignatureAlgorithm::Ed25519,
            hx(&v["ed25519"], "openssl_signature"),
        ),
        (
            SignatureAlgorithm::RsaPssRsaeSha256,
            hx(&v["rsa"], "openssl_pss_sha256"),
        ),
        (
            SignatureAlgorithm::RsaPssRsaeSha384,
            hx(&v["rsa"], "openssl_pss_sha384"),
        ),
        (
            SignatureAlgorithm::RsaPssRsaeSha512,
            hx(&v["rsa"], "openssl_pss_sha512"),
        ),
    ];
    for (alg, sig) in cases {
        p.verify(alg, &spki(alg), msg, &sig, SignatureEncoding::Tls)
            .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
        assert_eq!(
            p.verify(alg, &spki(alg), b"other", &sig, SignatureEncoding::Tls),
            Err(Error::BadSignature),
            "{alg:?}"
        );
    }
    // RSA-PSS with SHA-256 is not RSA-PSS with SHA-384.
    assert_eq!(
        p.verify(
            SignatureAlgorithm::RsaPssRsaeSha384,
            &spki(SignatureAlgorithm::RsaPssRsaeSha384),
            msg,
            &hx(&v["rsa"], "openssl_pss_sha256"),
            SignatureEncoding::Tls
        ),
        Err(Error::BadSignature)
    );
}

/// Every algorithm signs and verifies in both encodings; the SPKI the key reports is
/// OpenSSL's; ECDSA fixed signatures are 2 * field size.
fn sign_verify_round_trip(p: &'static dyn CryptoProvider) {
    for alg in SignatureAlgorithm::ALL {
        let key = load_key(p, alg);
        assert_eq!(key.algorithm(), alg);
        assert_eq!(key.public_key_spki(), spki(alg), "{alg:?}");
        for enc in [SignatureEncoding::Tls, SignatureEncoding::Fixed] {
            let sig = key.sign(b"hello", enc, &mut counter_rng(3)).unwrap();
            p.verify(alg, &spki(alg), b"hello", &sig, enc)
                .unwrap_or_else(|e| panic!("{alg:?} {enc:?}: {e}"));
            if alg.is_ecdsa() {
                let other = if enc == SignatureEncoding::Tls {
                    SignatureEncoding::Fixed
                } else {
                    SignatureEncoding::Tls
                };
                assert!(p.verify(alg, &spki(alg), b"hello", &sig, other).is_err());
            }
            match (alg, enc) {
                (SignatureAlgorithm::EcdsaSecp256r1Sha256, SignatureEncoding::Fixed) => {
                    assert_eq!(sig.len(), 64)
                }
                (SignatureAlgorithm::EcdsaSecp384r1Sha384, SignatureEncoding::Fixed) => {
                    assert_eq!(sig.len(), 96)
                }
                (SignatureAlgorithm::Ed25519, _) => assert_eq!(sig.len(), 64),
                (a, _) if a.key_type() == seat_binding::spki::KeyType::Rsa => {
                    assert_eq!(sig.len(), 256)
                }
                _ => assert_eq!(sig[0], 0x30),
            }
        }
    }
}

/// A key whose type does not fit the scheme is a typed error, for verification and loading.
fn key_mismatch(p: &'static dyn CryptoProvider) {
    let rsa = spki(SignatureAlgorithm::RsaPssRsaeSha256);
    let p256 = spki(SignatureAlgorithm::EcdsaSecp256r1Sha256);
    assert_eq!(
        p.verify(
            SignatureAlgorithm::EcdsaSecp256r1Sha256,
            &rsa,
            b"m",
            &[0; 64],
            SignatureEncoding::Tls
        ),
        Err(Error::KeyMismatch)
    );
    assert_eq!(
        p.verify(
            SignatureAlgorithm::EcdsaSecp384r1Sha384,
            &p256,
            b"m",
            &[0; 64],
            SignatureEncoding::Tls
        ),
        Err(Error::KeyMismatch)
    );
    assert_eq!(
        p.verify(
            SignatureAlgorithm::RsaPssRsaeSha256,
            &p256,
            b"m",
            &[0; 64],
            SignatureEncoding::Tls
        ),
        Err(Error::KeyMismatch)
    );
    assert!(matches!(
        p.verify(
            SignatureAlgorithm::Ed25519,
            &p256[..40],
            b"m",
            &[0; 64],
            SignatureEncoding::Tls
        ),
        Err(Error::MalformedPublicKey { .. })
    ));
    let v = json(KEYS);
    assert_eq!(
        p.signing_key_from_pkcs8(
            SignatureAlgorithm::EcdsaSecp384r1Sha384,
            &hx(&v["p256"], "pkcs8")
        )
        .unwrap_err(),
        Error::MalformedPrivateKey
    );
    assert_eq!(
        p.signing_key_from_pkcs8(SignatureAlgorithm::Ed25519, &hx(&v["rsa"], "pkcs8"))
            .unwrap_err(),
        Error::MalformedPrivateKey
    );
    assert_eq!(
        p.signing_key_from_pkcs8(SignatureAlgorithm::RsaPssRsaeSha256, b"junk")
            .unwrap_err(),
        Error::MalformedPrivateKey
    );
}

/// Ed25519 is deterministic: signing the CertificateVerify content of the expat digest
/// section 6.5 with its attester key (seed 0x40..0x5f) reproduces the published signature.
fn ed25519_reproduces_expat_certificate_verify(p: &'static dyn CryptoProvider) {
    let v = json(include_str!("../data/expat-6.5.json"));
    let exp = RecordedExporter::new(
        p,
        HashAlgorithm::Sha256,
        Protocol::Tls13,
        Secret::new(hx(&v, "exporter_master_secret")),
    )
    .unwrap();
    let keys = AuthenticatorKeys::derive(p, &exp, Role::Server).unwrap();
    let key = load_key(p, SignatureAlgorithm::Ed25519);
    assert_eq!(key.public_key_spki(), hx(&v, "spki"));
    let sig = keys
        .sign_certificate_verify(
            Some(&hx(&v, "request")),
            &hx(&v, "certificate"),
            key.as_ref(),
            &mut counter_rng(0),
        )
        .unwrap();
    assert_eq!(sig, hx(&v, "certificate_verify")[8..]);
}

per_provider!(
    openssl_signatures_verify,
    sign_verify_round_trip,
    key_mismatch,
    ed25519_reproduces_expat_certificate_verify,
);

/// The RustCrypto provider is deterministic: RFC 6979 known answers for ECDSA, and RSA-PSS
/// salts come only from the caller's source.
#[cfg(feature = "rustcrypto")]
mod deterministic {
    use super::*;
    use seat_binding::provider::rust_crypto::RustCrypto;

    #[test]
    fn rfc6979_known_answers() {
        let v = json(KEYS);
        let p = &RustCrypto;
        for (alg, name) in [
            (SignatureAlgorithm::EcdsaSecp256r1Sha256, "p256_sample"),
            (SignatureAlgorithm::EcdsaSecp384r1Sha384, "p384_sample"),
        ] {
            let key = load_key(p, alg);
            let sig = key
                .sign(b"sample", SignatureEncoding::Fixed, &mut counter_rng(9))
                .unwrap();
            assert_eq!(sig, hx(&v["rfc6979"], name), "{alg:?}");
        }
    }

    #[test]
    fn rsa_pss_salt_comes_from_the_caller() {
        let key = load_key(&RustCrypto, SignatureAlgorithm::RsaPssRsaeSha256);
        let a = key
            .sign(b"m", SignatureEncoding::Tls, &mut counter_rng(1))
            .unwrap();
        let b = key
            .sign(b"m", SignatureEncoding::Tls, &mut counter_rng(1))
            .unwrap();
        let c = key
            .sign(b"m", SignatureEncoding::Tls, &mut counter_rng(2))
            .unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        struct Failing;
        impl seat_binding::provider::RandomSource for Failing {
            fn fill(&mut self, _: &mut [u8]) -> Result<(), Error> {
                Err(Error::RandomSourceFailed)
            }
        }
        assert_eq!(
            key.sign(b"m", SignatureEncoding::Tls, &mut Failing),
            Err(Error::RandomSourceFailed)
        );
    }
}

/// Signatures of one provider verify under the other.
#[cfg(all(feature = "rustcrypto", feature = "aws-lc-rs"))]
#[test]
fn cross_provider() {
    use seat_binding::provider::aws_lc::AwsLcRs;
    use seat_binding::provider::rust_crypto::RustCrypto;
    let providers: [&'static dyn CryptoProvider; 2] = [&AwsLcRs, &RustCrypto];
    for alg in SignatureAlgorithm::ALL {
        for (signer, verifier) in [(0, 1), (1, 0)] {
            for enc in [SignatureEncoding::Tls, SignatureEncoding::Fixed] {
                let key = load_key(providers[signer], alg);
                let sig = key.sign(b"cross", enc, &mut counter_rng(5)).unwrap();
                providers[verifier]
                    .verify(alg, &spki(alg), b"cross", &sig, enc)
                    .unwrap_or_else(|e| panic!("{alg:?} {signer}->{verifier}: {e}"));
            }
        }
    }
}
