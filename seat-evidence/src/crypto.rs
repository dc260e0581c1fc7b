//! COSE signing and verification through `seat-binding`'s crypto provider (RFC 9053 section 2).
//!
//! [`ProviderSigner`] and [`ProviderVerifier`] implement [`CoseSigner`] and [`CoseVerifier`]
//! over a [`CryptoProvider`], so this crate never calls a crypto library itself. ECDSA
//! signatures are the fixed-width `r || s` COSE uses ([`SignatureEncoding::Fixed`], RFC 9053
//! section 2.1), never DER; EdDSA is Ed25519 over the ToBeSigned bytes (RFC 9053 section 2.2).
//!
//! A verifier is bound to one key and therefore one algorithm: a message whose protected `alg`
//! names another algorithm is refused with [`Error::AlgorithmMismatch`] before any signature
//! check (RFC 9052 section 8.1, the key determines the algorithm).
//!
//! With `seat_binding`'s deterministic `RustCrypto` provider, ECDSA signatures follow RFC 6979
//! and are reproducible; with aws-lc-rs they are valid but randomized. Ed25519 is deterministic
//! with both.

use seat_binding::provider::{
    CryptoProvider, RandomSource, SignatureAlgorithm, SignatureEncoding, SigningKey,
};
use seat_binding::spki::{KeyType, parse_spki};

use crate::cose::{Algorithm, CoseSigner, CoseVerifier};
use crate::error::{Error, ProviderError};

/// The provider algorithm of a COSE algorithm (RFC 9053 sections 2.1 and 2.2, RFC 8230
/// section 2), `None` for every other algorithm. With [`cose_algorithm`] this is the project's
/// one map between the two registries; `seat-verify` uses it too.
pub const fn signature_algorithm(alg: Algorithm) -> Option<SignatureAlgorithm> {
    match alg.0 {
        -7 => Some(SignatureAlgorithm::EcdsaSecp256r1Sha256),
        -35 => Some(SignatureAlgorithm::EcdsaSecp384r1Sha384),
        -8 => Some(SignatureAlgorithm::Ed25519),
        -37 => Some(SignatureAlgorithm::RsaPssRsaeSha256),
        -38 => Some(SignatureAlgorithm::RsaPssRsaeSha384),
        -39 => Some(SignatureAlgorithm::RsaPssRsaeSha512),
        _ => None,
    }
}

/// The COSE algorithm of a provider algorithm (the inverse of [`signature_algorithm`]), `None`
/// for a provider algorithm COSE has no identifier for here: never a guess.
pub const fn cose_algorithm(alg: SignatureAlgorithm) -> Option<Algorithm> {
    match alg {
        SignatureAlgorithm::EcdsaSecp256r1Sha256 => Some(Algorithm::ES256),
        SignatureAlgorithm::EcdsaSecp384r1Sha384 => Some(Algorithm::ES384),
        SignatureAlgorithm::Ed25519 => Some(Algorithm::EDDSA),
        SignatureAlgorithm::RsaPssRsaeSha256 => Some(Algorithm::PS256),
        SignatureAlgorithm::RsaPssRsaeSha384 => Some(Algorithm::PS384),
        SignatureAlgorithm::RsaPssRsaeSha512 => Some(Algorithm::PS512),
        _ => None,
    }
}

/// The JWS `alg` names (RFC 7518 section 3.1, RFC 8037 section 3.1) of the signature
/// algorithms seat signs and verifies JWTs with: the one table, used for EAR JWTs here and
/// for the Verifier's signed results.
const JWS_ALGORITHMS: [(&str, SignatureAlgorithm); 6] = [
    ("ES256", SignatureAlgorithm::EcdsaSecp256r1Sha256),
    ("ES384", SignatureAlgorithm::EcdsaSecp384r1Sha384),
    ("EdDSA", SignatureAlgorithm::Ed25519),
    ("PS256", SignatureAlgorithm::RsaPssRsaeSha256),
    ("PS384", SignatureAlgorithm::RsaPssRsaeSha384),
    ("PS512", SignatureAlgorithm::RsaPssRsaeSha512),
];

/// The JWS `alg` name of a signature algorithm, if seat uses it for JWTs.
pub fn jws_name(alg: SignatureAlgorithm) -> Option<&'static str> {
    JWS_ALGORITHMS
        .iter()
        .find(|(_, a)| *a == alg)
        .map(|(name, _)| *name)
}

/// The signature algorithm of a JWS `alg` name; `none` and every other name are refused.
pub fn from_jws_name(name: &str) -> Option<SignatureAlgorithm> {
    JWS_ALGORITHMS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, a)| *a)
}

/// The error for a provider algorithm this crate cannot sign COSE with:
/// [`Error::UnsupportedAlgorithm`] naming its COSE identifier, or, for an algorithm without
/// one, the provider's [`seat_binding::Error::UnsupportedPublicKeyAlgorithm`].
pub(crate) const fn unsupported(alg: SignatureAlgorithm) -> Error {
    match cose_algorithm(alg) {
        Some(a) => Error::UnsupportedAlgorithm { alg: a.0 },
        None => Error::Provider(ProviderError(
            seat_binding::Error::UnsupportedPublicKeyAlgorithm,
        )),
    }
}

/// The provider algorithm behind a COSE algorithm that [`ProviderSigner`] and
/// [`ProviderVerifier`] take: ES256, ES384 and EdDSA (Ed25519).
///
/// RSASSA-PSS (PS256 and friends, RFC 8230) is refused: signing needs a random source for the
/// salt that COSE signing here does not take, and its signature length follows the key.
///
/// # Errors
///
/// [`Error::UnsupportedAlgorithm`] for any other algorithm, known or not.
const fn fixed_width_algorithm(alg: Algorithm) -> Result<SignatureAlgorithm, Error> {
    match signature_algorithm(alg) {
        Some(
            a @ (SignatureAlgorithm::EcdsaSecp256r1Sha256
            | SignatureAlgorithm::EcdsaSecp384r1Sha384
            | SignatureAlgorithm::Ed25519),
        ) => Ok(a),
        _ => Err(Error::UnsupportedAlgorithm { alg: alg.0 }),
    }
}

/// The COSE algorithm a public key is used with: ES256 for P-256, ES384 for P-384, EdDSA for
/// Ed25519 (RFC 9053 section 2.1: ES256 is ECDSA with P-256 and SHA-256, and so on).
///
/// # Errors
///
/// [`Error::Provider`] if the SubjectPublicKeyInfo does not parse or is RSA (no COSE signer
/// here uses RSA).
pub fn algorithm_for_spki(spki_der: &[u8]) -> Result<Algorithm, Error> {
    let info = parse_spki(spki_der).map_err(|e| Error::Provider(ProviderError(e)))?;
    match info.key_type {
        KeyType::EcP256 => Ok(Algorithm::ES256),
        KeyType::EcP384 => Ok(Algorithm::ES384),
        KeyType::Ed25519 => Ok(Algorithm::EDDSA),
        _ => Err(Error::Provider(ProviderError(
            seat_binding::Error::UnsupportedPublicKeyAlgorithm,
        ))),
    }
}

/// The length of a COSE signature for `alg` (RFC 9053: 64 for ES256 and EdDSA, 96 for ES384).
const fn signature_len(alg: SignatureAlgorithm) -> usize {
    match alg {
        SignatureAlgorithm::EcdsaSecp384r1Sha384 => 96,
        _ => 64,
    }
}

/// A random source that always fails: the algorithms signed here (ECDSA, Ed25519) take their
/// nonces from the provider (RFC 6979 or the backend's own generator), never from the caller,
/// so a provider that asked would be misconfigured.
pub(crate) struct NoRandom;

impl RandomSource for NoRandom {
    fn fill(&mut self, _dest: &mut [u8]) -> Result<(), seat_binding::Error> {
        Err(seat_binding::Error::RandomSourceFailed)
    }
}

/// A [`CoseSigner`] over a provider's signing key (RFC 9052 section 4.4).
#[derive(Debug)]
pub struct ProviderSigner {
    key: Box<dyn SigningKey>,
    alg: Algorithm,
}

impl ProviderSigner {
    /// A signer over a loaded key; the COSE algorithm follows from the key's algorithm.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedAlgorithm`] for an RSA key (RSASSA-PSS needs a salt source that
    /// COSE signing here does not take), [`Error::Provider`] for a key algorithm COSE has no
    /// identifier for.
    pub fn new(key: Box<dyn SigningKey>) -> Result<Self, Error> {
        let sig_alg = key.algorithm();
        let alg = cose_algorithm(sig_alg).ok_or(unsupported(sig_alg))?;
        fixed_width_algorithm(alg)?;
        Ok(Self { key, alg })
    }

    /// Loads a PKCS#8 private key for the COSE algorithm `alg` through `provider`.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedAlgorithm`] for an algorithm other than ES256, ES384 or EdDSA;
    /// [`Error::Provider`] if the key does not load for it.
    pub fn from_pkcs8(
        provider: &dyn CryptoProvider,
        alg: Algorithm,
        pkcs8_der: &[u8],
    ) -> Result<Self, Error> {
        let sig_alg = fixed_width_algorithm(alg)?;
        let key = provider
            .signing_key_from_pkcs8(sig_alg, pkcs8_der)
            .map_err(|e| Error::Provider(ProviderError(e)))?;
        Self::new(key)
    }

    /// The DER SubjectPublicKeyInfo of the signing key.
    pub fn public_key_spki(&self) -> Vec<u8> {
        self.key.public_key_spki()
    }

    /// The provider key.
    pub fn key(&self) -> &dyn SigningKey {
        self.key.as_ref()
    }
}

impl CoseSigner for ProviderSigner {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }

    fn sign(&self, tbs: &[u8]) -> Result<Vec<u8>, Error> {
        self.key
            .sign(tbs, SignatureEncoding::Fixed, &mut NoRandom)
            .map_err(|e| Error::Provider(ProviderError(e)))
    }
}

/// A [`CoseVerifier`] bound to one public key and the one algorithm it is used with
/// (RFC 9052 section 4.4, RFC 9053 section 2).
#[derive(Debug, Clone)]
pub struct ProviderVerifier {
    provider: &'static dyn CryptoProvider,
    alg: Algorithm,
    sig_alg: SignatureAlgorithm,
    spki: Vec<u8>,
}

impl ProviderVerifier {
    /// A verifier for `alg` with the key of the DER SubjectPublicKeyInfo `spki_der`.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedAlgorithm`] for an algorithm other than ES256, ES384 or EdDSA;
    /// [`Error::Provider`] for a key that does not parse or does not fit `alg`.
    pub fn new(
        provider: &'static dyn CryptoProvider,
        alg: Algorithm,
        spki_der: &[u8],
    ) -> Result<Self, Error> {
        let sig_alg = fixed_width_algorithm(alg)?;
        seat_binding::provider::public_key_for(sig_alg, spki_der)
            .map_err(|e| Error::Provider(ProviderError(e)))?;
        Ok(Self {
            provider,
            alg,
            sig_alg,
            spki: spki_der.to_vec(),
        })
    }

    /// A verifier whose algorithm follows from the key ([`algorithm_for_spki`]).
    ///
    /// # Errors
    ///
    /// As [`algorithm_for_spki`].
    pub fn for_spki(provider: &'static dyn CryptoProvider, spki_der: &[u8]) -> Result<Self, Error> {
        Self::new(provider, algorithm_for_spki(spki_der)?, spki_der)
    }

    /// The one algorithm this verifier accepts.
    pub const fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The verification key's DER SubjectPublicKeyInfo.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }
}

impl CoseVerifier for ProviderVerifier {
    fn verify(&self, alg: Algorithm, tbs: &[u8], signature: &[u8]) -> Result<(), Error> {
        if alg != self.alg {
            return Err(Error::AlgorithmMismatch { alg: alg.0 });
        }
        // A COSE signature has one length per algorithm; anything else cannot verify.
        if signature.len() != signature_len(self.sig_alg) {
            return Err(Error::BadSignature);
        }
        self.provider
            .verify(
                self.sig_alg,
                &self.spki,
                tbs,
                signature,
                SignatureEncoding::Fixed,
            )
            .map_err(|e| match e {
                seat_binding::Error::BadSignature | seat_binding::Error::MalformedSignature => {
                    Error::BadSignature
                }
                other => Error::Provider(ProviderError(other)),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cose::{CoseSign1, HeaderMap, Tagging};
    use seat_binding::provider::rust_crypto::RustCrypto;

    fn hx(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    // RFC 9052 Appendix C key "11" (rats-formats.md V-SIG-1), as PKCS#8 built by hand:
    // PrivateKeyInfo { 0, id-ecPublicKey/P-256, ECPrivateKey { 1, d } }.
    fn key11_pkcs8() -> Vec<u8> {
        let d = "57c92077664146e876760c9520d054aa93c3afb04e306705db6090308507b4d3";
        hx(&format!(
            "3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420{d}"
        ))
    }

    const VSIG3: &str = "d28443a10126a104423131583ba40a48948f8860d13a463e190100500198f50a4ff6c05861c8860d13a638ea190106f51901097475726e3a696574663a7266633a72666339373131584059695d41071136daf016f7a46c793de1d8834530d3e896141a5484fbcb74f8191d663d07a752a2d822e0494b9e547dab3da6ce1b1e6bed85cdd15c878c56e1f0";

    #[test]
    fn rustcrypto_reproduces_v_sig_3() {
        // rats-formats.md section 7.1 V-SIG-3: RFC 6979 ES256, byte-exact.
        let signer =
            ProviderSigner::from_pkcs8(&RustCrypto, Algorithm::ES256, &key11_pkcs8()).unwrap();
        let (expected, _) = CoseSign1::decode(&hx(VSIG3)).unwrap();
        let m = CoseSign1::sign(
            HeaderMap::new(),
            HeaderMap::new().with_kid(b"11".to_vec()),
            expected.payload().unwrap().to_vec(),
            &[],
            &signer,
        )
        .unwrap();
        assert_eq!(m.to_vec(Tagging::Tagged), hx(VSIG3));
        let v = ProviderVerifier::for_spki(&RustCrypto, &signer.public_key_spki()).unwrap();
        m.verify(&v, &[], None).unwrap();
    }

    #[test]
    fn verifier_refuses_other_algorithms_and_lengths() {
        let signer =
            ProviderSigner::from_pkcs8(&RustCrypto, Algorithm::ES256, &key11_pkcs8()).unwrap();
        let v = ProviderVerifier::for_spki(&RustCrypto, &signer.public_key_spki()).unwrap();
        let (m, _) = CoseSign1::decode(&hx(VSIG3)).unwrap();
        let tbs = m.tbs(&[], None).unwrap();
        assert_eq!(
            v.verify(Algorithm::ES384, &tbs, m.signature()),
            Err(Error::AlgorithmMismatch { alg: -35 })
        );
        assert_eq!(
            v.verify(Algorithm::EDDSA, &tbs, m.signature()),
            Err(Error::AlgorithmMismatch { alg: -8 })
        );
        // DER-encoded or truncated signatures are not COSE signatures.
        assert_eq!(
            v.verify(Algorithm::ES256, &tbs, &m.signature()[..63]),
            Err(Error::BadSignature)
        );
        let mut bad = m.signature().to_vec();
        bad[10] ^= 1;
        assert_eq!(
            v.verify(Algorithm::ES256, &tbs, &bad),
            Err(Error::BadSignature)
        );
        // A P-256 key cannot be bound to ES384 or EdDSA.
        assert!(matches!(
            ProviderVerifier::new(&RustCrypto, Algorithm::ES384, &signer.public_key_spki()),
            Err(Error::Provider(_))
        ));
        assert_eq!(
            ProviderVerifier::new(&RustCrypto, Algorithm::PS256, &signer.public_key_spki())
                .unwrap_err(),
            Error::UnsupportedAlgorithm { alg: -37 }
        );
    }

    #[test]
    fn one_map_both_ways_no_fallback() {
        // RFC 9053 section 2.1 (ES256 -7, ES384 -35), section 2.2 (EdDSA -8), RFC 8230
        // section 2 (PS256 -37, PS384 -38, PS512 -39).
        for (cose, sig) in [
            (-7, SignatureAlgorithm::EcdsaSecp256r1Sha256),
            (-35, SignatureAlgorithm::EcdsaSecp384r1Sha384),
            (-8, SignatureAlgorithm::Ed25519),
            (-37, SignatureAlgorithm::RsaPssRsaeSha256),
            (-38, SignatureAlgorithm::RsaPssRsaeSha384),
            (-39, SignatureAlgorithm::RsaPssRsaeSha512),
        ] {
            assert_eq!(signature_algorithm(Algorithm(cose)), Some(sig));
            assert_eq!(cose_algorithm(sig), Some(Algorithm(cose)));
        }
        for a in SignatureAlgorithm::ALL {
            assert_eq!(cose_algorithm(a).and_then(signature_algorithm), Some(a));
        }
        // ES512 (-36) has no provider algorithm; unknown values map to nothing.
        for cose in [-36, 0, 1, -257, i64::MIN] {
            assert_eq!(signature_algorithm(Algorithm(cose)), None);
        }
        // RSASSA-PSS is named, and refused, never replaced by another algorithm.
        assert_eq!(
            ProviderSigner::from_pkcs8(&RustCrypto, Algorithm::PS384, &key11_pkcs8()).unwrap_err(),
            Error::UnsupportedAlgorithm { alg: -38 }
        );
        assert_eq!(
            unsupported(SignatureAlgorithm::RsaPssRsaeSha512),
            Error::UnsupportedAlgorithm { alg: -39 }
        );
    }

    #[test]
    fn eddsa_reproduces_v_sig_4() {
        // rats-formats.md V-SIG-4: RFC 8032 section 7.1 test 1 key, PKCS#8 v1 (RFC 8410).
        let pkcs8 = hx("302e020100300506032b657004220420\
             9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        let signer = ProviderSigner::from_pkcs8(&RustCrypto, Algorithm::EDDSA, &pkcs8).unwrap();
        let (v3, _) = CoseSign1::decode(&hx(VSIG3)).unwrap();
        let m = CoseSign1::sign(
            HeaderMap::new(),
            HeaderMap::new(),
            v3.payload().unwrap().to_vec(),
            &[],
            &signer,
        )
        .unwrap();
        assert_eq!(
            hex::encode(m.signature()),
            "7794a5014aaaf9472a1c699098e258dea7f07b516e2b798f7df3d25951009e3ac5795e51e5192629c093c02f86b0dda9f52b9b136b7b6152c998f0f2a78da207"
        );
        let v = ProviderVerifier::for_spki(&RustCrypto, &signer.public_key_spki()).unwrap();
        assert_eq!(v.algorithm(), Algorithm::EDDSA);
        m.verify(&v, &[], None).unwrap();
    }
}
