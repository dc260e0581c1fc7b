//! The deterministic provider, on the RustCrypto crates.
//!
//! ECDSA is deterministic (RFC 6979, through `p256` and `p384`), Ed25519 is deterministic by
//! definition (RFC 8032), and RSA-PSS draws its salt from the caller's [`RandomSource`] only, so
//! a seeded source regenerates the same signatures. This is the provider the interop vectors
//! are generated with (DESIGN section 2).
//!
//! RSA signing here is not blinded and its timing depends on the key (the `rsa` crate's
//! known side channel, RUSTSEC-2023-0071): use it for vectors and tests, and the aws-lc-rs
//! provider for keys that matter.

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use p256::pkcs8::DecodePrivateKey;
use rsa::pkcs1::{DecodeRsaPublicKey, EncodeRsaPublicKey};
use rsa::signature::{RandomizedSigner, SignatureEncoding as _, Signer, Verifier};
use sha2::{Sha256, Sha384, Sha512};

use super::{
    CryptoProvider, HashAlgorithm, HashContext, RandomSource, SignatureAlgorithm,
    SignatureEncoding, SigningKey, check_expand, public_key_for,
};
use crate::spki::{KeyType, encode_spki};
use crate::{Digest, Error, Secret};

/// The RustCrypto crypto provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct RustCrypto;

/// The key bytes inside a well-formed SubjectPublicKeyInfo do not decode (bad point, bad
/// RSAPublicKey); offset 0 names the SubjectPublicKeyInfo as a whole.
fn bad_key<E>(_: E) -> Error {
    Error::MalformedPublicKey { offset: 0 }
}

/// The smallest RSA modulus accepted for verification, as AWS-LC's `RSA_PSS_2048_8192_*`.
const MIN_RSA_BITS: usize = 2048;

fn hash_parts<D: sha2::Digest>(parts: &[&[u8]]) -> Digest {
    let mut h = D::new();
    for p in parts {
        h.update(p);
    }
    Digest::from_output(&h.finalize())
}

/// A RustCrypto hash state; reading it finishes a clone.
struct Sha2Context<D>(D);

impl<D: sha2::Digest + Clone> HashContext for Sha2Context<D> {
    fn update(&mut self, data: &[u8]) {
        sha2::Digest::update(&mut self.0, data);
    }

    fn current(&self) -> Digest {
        Digest::from_output(&self.0.clone().finalize())
    }
}

/// HMAC over the concatenation of `parts`. HMAC takes keys of any length, so
/// `new_from_slice` cannot fail; an empty MAC (which never verifies) stands in should it ever.
macro_rules! hmac_parts {
    ($hash:ty, $key:expr, $parts:expr) => {
        match <Hmac<$hash> as Mac>::new_from_slice($key) {
            Ok(mut mac) => {
                for p in $parts {
                    mac.update(p);
                }
                Digest::from_output(&mac.finalize().into_bytes())
            }
            Err(_) => Digest::from_output(&[]),
        }
    };
}

/// HKDF-Expand with the `hkdf` crate, which refuses PRKs shorter than Hash.length.
macro_rules! expand {
    ($hash:ty, $prk:expr, $info:expr, $out_len:expr) => {{
        let hk = Hkdf::<$hash>::from_prk($prk).map_err(|_| Error::InvalidKeyLength)?;
        let mut out = vec![0u8; $out_len];
        hk.expand_multi_info($info, &mut out)
            .map_err(|_| Error::InvalidOutputLength)?;
        Ok(Secret::new(out))
    }};
}

impl CryptoProvider for RustCrypto {
    fn hash(&self, alg: HashAlgorithm, parts: &[&[u8]]) -> Digest {
        match alg {
            HashAlgorithm::Sha256 => hash_parts::<Sha256>(parts),
            HashAlgorithm::Sha384 => hash_parts::<Sha384>(parts),
        }
    }

    fn hash_context(&self, alg: HashAlgorithm) -> Box<dyn HashContext + '_> {
        match alg {
            HashAlgorithm::Sha256 => Box::new(Sha2Context(<Sha256 as sha2::Digest>::new())),
            HashAlgorithm::Sha384 => Box::new(Sha2Context(<Sha384 as sha2::Digest>::new())),
        }
    }

    fn hmac(&self, alg: HashAlgorithm, key: &[u8], parts: &[&[u8]]) -> Digest {
        match alg {
            HashAlgorithm::Sha256 => hmac_parts!(Sha256, key, parts),
            HashAlgorithm::Sha384 => hmac_parts!(Sha384, key, parts),
        }
    }

    fn hkdf_extract(&self, alg: HashAlgorithm, salt: &[u8], ikm: &[u8]) -> Secret {
        match alg {
            HashAlgorithm::Sha256 => {
                Secret::from_slice(&Hkdf::<Sha256>::extract(Some(salt), ikm).0)
            }
            HashAlgorithm::Sha384 => {
                Secret::from_slice(&Hkdf::<Sha384>::extract(Some(salt), ikm).0)
            }
        }
    }

    fn hkdf_expand(
        &self,
        alg: HashAlgorithm,
        prk: &[u8],
        info: &[&[u8]],
        out_len: usize,
    ) -> Result<Secret, Error> {
        check_expand(alg, prk, out_len)?;
        match alg {
            HashAlgorithm::Sha256 => expand!(Sha256, prk, info, out_len),
            HashAlgorithm::Sha384 => expand!(Sha384, prk, info, out_len),
        }
    }

    fn signing_key_from_pkcs8(
        &self,
        alg: SignatureAlgorithm,
        pkcs8_der: &[u8],
    ) -> Result<Box<dyn SigningKey>, Error> {
        let bad = |_| Error::MalformedPrivateKey;
        let inner = match alg {
            SignatureAlgorithm::EcdsaSecp256r1Sha256 => {
                Inner::P256(p256::ecdsa::SigningKey::from_pkcs8_der(pkcs8_der).map_err(bad)?)
            }
            SignatureAlgorithm::EcdsaSecp384r1Sha384 => {
                Inner::P384(p384::ecdsa::SigningKey::from_pkcs8_der(pkcs8_der).map_err(bad)?)
            }
            SignatureAlgorithm::Ed25519 => {
                Inner::Ed25519(ed25519_dalek::SigningKey::from_pkcs8_der(pkcs8_der).map_err(bad)?)
            }
            SignatureAlgorithm::RsaPssRsaeSha256
            | SignatureAlgorithm::RsaPssRsaeSha384
            | SignatureAlgorithm::RsaPssRsaeSha512 => {
                Inner::Rsa(rsa::RsaPrivateKey::from_pkcs8_der(pkcs8_der).map_err(bad)?)
            }
        };
        Ok(Box::new(RustCryptoSigningKey { alg, inner }))
    }

    fn verify(
        &self,
        alg: SignatureAlgorithm,
        spki_der: &[u8],
        message: &[u8],
        signature: &[u8],
        encoding: SignatureEncoding,
    ) -> Result<(), Error> {
        let key = public_key_for(alg, spki_der)?;
        let raw = key.raw_key;
        let fixed = encoding == SignatureEncoding::Fixed;
        match alg {
            SignatureAlgorithm::EcdsaSecp256r1Sha256 => {
                let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(raw).map_err(bad_key)?;
                let sig = if fixed {
                    p256::ecdsa::Signature::from_slice(signature)
                } else {
                    p256::ecdsa::Signature::from_der(signature)
                }
                .map_err(|_| Error::MalformedSignature)?;
                vk.verify(message, &sig).map_err(|_| Error::BadSignature)
            }
            SignatureAlgorithm::EcdsaSecp384r1Sha384 => {
                let vk = p384::ecdsa::VerifyingKey::from_sec1_bytes(raw).map_err(bad_key)?;
                let sig = if fixed {
                    p384::ecdsa::Signature::from_slice(signature)
                } else {
                    p384::ecdsa::Signature::from_der(signature)
                }
                .map_err(|_| Error::MalformedSignature)?;
                vk.verify(message, &sig).map_err(|_| Error::BadSignature)
            }
            SignatureAlgorithm::Ed25519 => {
                let raw: &[u8; 32] = raw
                    .try_into()
                    .map_err(|_| Error::MalformedPublicKey { offset: 0 })?;
                let vk = ed25519_dalek::VerifyingKey::from_bytes(raw).map_err(bad_key)?;
                let sig = ed25519_dalek::Signature::from_slice(signature)
                    .map_err(|_| Error::MalformedSignature)?;
                vk.verify_strict(message, &sig)
                    .map_err(|_| Error::BadSignature)
            }
            SignatureAlgorithm::RsaPssRsaeSha256
            | SignatureAlgorithm::RsaPssRsaeSha384
            | SignatureAlgorithm::RsaPssRsaeSha512 => {
                let pk = rsa::RsaPublicKey::from_pkcs1_der(raw).map_err(bad_key)?;
                if rsa::traits::PublicKeyParts::size(&pk) * 8 < MIN_RSA_BITS {
                    return Err(Error::BadSignature);
                }
                let sig = rsa::pss::Signature::try_from(signature)
                    .map_err(|_| Error::MalformedSignature)?;
                let res = match alg {
                    SignatureAlgorithm::RsaPssRsaeSha384 => {
                        rsa::pss::VerifyingKey::<Sha384>::new(pk).verify(message, &sig)
                    }
                    SignatureAlgorithm::RsaPssRsaeSha512 => {
                        rsa::pss::VerifyingKey::<Sha512>::new(pk).verify(message, &sig)
                    }
                    _ => rsa::pss::VerifyingKey::<Sha256>::new(pk).verify(message, &sig),
                };
                res.map_err(|_| Error::BadSignature)
            }
        }
    }
}

enum Inner {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
    Rsa(rsa::RsaPrivateKey),
}

/// A private key held by the RustCrypto crates.
struct RustCryptoSigningKey {
    alg: SignatureAlgorithm,
    inner: Inner,
}

impl core::fmt::Debug for RustCryptoSigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RustCryptoSigningKey")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

/// Adapts a [`RandomSource`] to `rand_core`; a failure is remembered and reported after use.
struct RngAdapter<'a> {
    source: &'a mut dyn RandomSource,
    failed: bool,
}

impl rand_core::RngCore for RngAdapter<'_> {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if self.source.fill(dest).is_err() {
            self.failed = true;
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for RngAdapter<'_> {}

impl SigningKey for RustCryptoSigningKey {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.alg
    }

    fn public_key_spki(&self) -> Vec<u8> {
        match &self.inner {
            Inner::P256(k) => encode_spki(
                KeyType::EcP256,
                k.verifying_key().to_encoded_point(false).as_bytes(),
            ),
            Inner::P384(k) => encode_spki(
                KeyType::EcP384,
                k.verifying_key().to_encoded_point(false).as_bytes(),
            ),
            Inner::Ed25519(k) => encode_spki(KeyType::Ed25519, k.verifying_key().as_bytes()),
            Inner::Rsa(k) => match k.to_public_key().to_pkcs1_der() {
                Ok(doc) => encode_spki(KeyType::Rsa, doc.as_bytes()),
                Err(_) => Vec::new(),
            },
        }
    }

    fn sign(
        &self,
        message: &[u8],
        encoding: SignatureEncoding,
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, Error> {
        let fixed = encoding == SignatureEncoding::Fixed;
        match &self.inner {
            Inner::P256(k) => {
                let sig: p256::ecdsa::Signature =
                    k.try_sign(message).map_err(|_| Error::CryptoFailure)?;
                Ok(if fixed {
                    sig.to_bytes().to_vec()
                } else {
                    sig.to_der().as_bytes().to_vec()
                })
            }
            Inner::P384(k) => {
                let sig: p384::ecdsa::Signature =
                    k.try_sign(message).map_err(|_| Error::CryptoFailure)?;
                Ok(if fixed {
                    sig.to_bytes().to_vec()
                } else {
                    sig.to_der().as_bytes().to_vec()
                })
            }
            Inner::Ed25519(k) => Ok(k.sign(message).to_bytes().to_vec()),
            Inner::Rsa(k) => {
                let mut rng = RngAdapter {
                    source: rng,
                    failed: false,
                };
                let k = k.clone();
                let sig = match self.alg {
                    SignatureAlgorithm::RsaPssRsaeSha384 => rsa::pss::SigningKey::<Sha384>::new(k)
                        .try_sign_with_rng(&mut rng, message)
                        .map(|s| s.to_vec()),
                    SignatureAlgorithm::RsaPssRsaeSha512 => rsa::pss::SigningKey::<Sha512>::new(k)
                        .try_sign_with_rng(&mut rng, message)
                        .map(|s| s.to_vec()),
                    _ => rsa::pss::SigningKey::<Sha256>::new(k)
                        .try_sign_with_rng(&mut rng, message)
                        .map(|s| s.to_vec()),
                }
                .map_err(|_| Error::CryptoFailure)?;
                if rng.failed {
                    return Err(Error::RandomSourceFailed);
                }
                Ok(sig)
            }
        }
    }
}
