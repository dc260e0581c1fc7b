//! The default provider, on AWS-LC through aws-lc-rs.
//!
//! Signing draws its randomness (ECDSA nonces, RSA-PSS salts) from AWS-LC's own DRBG and ignores
//! the caller's [`RandomSource`]: aws-lc-rs offers no way to inject it. Use
//! the `RustCrypto` provider (feature `rustcrypto`) where signatures must be reproducible.

use aws_lc_rs::signature::{self as sig, KeyPair};
use aws_lc_rs::{digest, hkdf, hmac, rand};

use super::{
    CryptoProvider, HashAlgorithm, HashContext, RandomSource, SignatureAlgorithm,
    SignatureEncoding, SigningKey, check_expand, public_key_for,
};
use crate::spki::{KeyType, encode_spki};
use crate::{Digest, Error, Secret};

/// The operating system's randomness through AWS-LC, for callers (examples, stack adapters)
/// that must hand a [`RandomSource`] to protocol code.
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsLcRandom;

impl RandomSource for AwsLcRandom {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        rand::fill(dest).map_err(|_| Error::RandomSourceFailed)
    }
}

/// The aws-lc-rs crypto provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsLcRs;

fn digest_alg(alg: HashAlgorithm) -> &'static digest::Algorithm {
    match alg {
        HashAlgorithm::Sha256 => &digest::SHA256,
        HashAlgorithm::Sha384 => &digest::SHA384,
    }
}

fn hmac_alg(alg: HashAlgorithm) -> hmac::Algorithm {
    match alg {
        HashAlgorithm::Sha256 => hmac::HMAC_SHA256,
        HashAlgorithm::Sha384 => hmac::HMAC_SHA384,
    }
}

fn hkdf_alg(alg: HashAlgorithm) -> hkdf::Algorithm {
    match alg {
        HashAlgorithm::Sha256 => hkdf::HKDF_SHA256,
        HashAlgorithm::Sha384 => hkdf::HKDF_SHA384,
    }
}

/// aws-lc-rs's hash state; reading it finishes a clone.
struct AwsLcHash(digest::Context);

impl HashContext for AwsLcHash {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    fn current(&self) -> Digest {
        Digest::from_output(self.0.clone().finish().as_ref())
    }
}

/// An output length for aws-lc-rs's HKDF.
struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

impl CryptoProvider for AwsLcRs {
    fn hash(&self, alg: HashAlgorithm, parts: &[&[u8]]) -> Digest {
        let mut ctx = digest::Context::new(digest_alg(alg));
        for p in parts {
            ctx.update(p);
        }
        Digest::from_output(ctx.finish().as_ref())
    }

    fn hash_context(&self, alg: HashAlgorithm) -> Box<dyn HashContext + '_> {
        Box::new(AwsLcHash(digest::Context::new(digest_alg(alg))))
    }

    fn hmac(&self, alg: HashAlgorithm, key: &[u8], parts: &[&[u8]]) -> Digest {
        let key = hmac::Key::new(hmac_alg(alg), key);
        let mut ctx = hmac::Context::with_key(&key);
        for p in parts {
            ctx.update(p);
        }
        Digest::from_output(ctx.sign().as_ref())
    }

    fn hkdf_extract(&self, alg: HashAlgorithm, salt: &[u8], ikm: &[u8]) -> Secret {
        // HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 section 2.2); aws-lc-rs does
        // not hand out the PRK bytes, so compute it as the HMAC it is.
        Secret::from_slice(self.hmac(alg, salt, &[ikm]).as_bytes())
    }

    fn hkdf_expand(
        &self,
        alg: HashAlgorithm,
        prk: &[u8],
        info: &[&[u8]],
        out_len: usize,
    ) -> Result<Secret, Error> {
        check_expand(alg, prk, out_len)?;
        let prk = hkdf::Prk::new_less_safe(hkdf_alg(alg), prk);
        let okm = prk
            .expand(info, Len(out_len))
            .map_err(|_| Error::InvalidOutputLength)?;
        let mut out = vec![0u8; out_len];
        okm.fill(&mut out).map_err(|_| Error::CryptoFailure)?;
        Ok(Secret::new(out))
    }

    fn signing_key_from_pkcs8(
        &self,
        alg: SignatureAlgorithm,
        pkcs8_der: &[u8],
    ) -> Result<Box<dyn SigningKey>, Error> {
        let inner = match alg {
            SignatureAlgorithm::EcdsaSecp256r1Sha256 | SignatureAlgorithm::EcdsaSecp384r1Sha384 => {
                let (asn1, fixed) = if alg == SignatureAlgorithm::EcdsaSecp256r1Sha256 {
                    (
                        &sig::ECDSA_P256_SHA256_ASN1_SIGNING,
                        &sig::ECDSA_P256_SHA256_FIXED_SIGNING,
                    )
                } else {
                    (
                        &sig::ECDSA_P384_SHA384_ASN1_SIGNING,
                        &sig::ECDSA_P384_SHA384_FIXED_SIGNING,
                    )
                };
                let der = sig::EcdsaKeyPair::from_pkcs8(asn1, pkcs8_der)
                    .map_err(|_| Error::MalformedPrivateKey)?;
                let fixed = sig::EcdsaKeyPair::from_pkcs8(fixed, pkcs8_der)
                    .map_err(|_| Error::MalformedPrivateKey)?;
                Inner::Ecdsa { der, fixed }
            }
            SignatureAlgorithm::Ed25519 => Inner::Ed25519(
                sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8_der)
                    .map_err(|_| Error::MalformedPrivateKey)?,
            ),
            SignatureAlgorithm::RsaPssRsaeSha256
            | SignatureAlgorithm::RsaPssRsaeSha384
            | SignatureAlgorithm::RsaPssRsaeSha512 => Inner::Rsa(
                sig::RsaKeyPair::from_pkcs8(pkcs8_der).map_err(|_| Error::MalformedPrivateKey)?,
            ),
        };
        Ok(Box::new(AwsLcSigningKey { alg, inner }))
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
        let fixed = encoding == SignatureEncoding::Fixed;
        let params: &'static dyn sig::VerificationAlgorithm = match alg {
            SignatureAlgorithm::EcdsaSecp256r1Sha256 if fixed => &sig::ECDSA_P256_SHA256_FIXED,
            SignatureAlgorithm::EcdsaSecp256r1Sha256 => &sig::ECDSA_P256_SHA256_ASN1,
            SignatureAlgorithm::EcdsaSecp384r1Sha384 if fixed => &sig::ECDSA_P384_SHA384_FIXED,
            SignatureAlgorithm::EcdsaSecp384r1Sha384 => &sig::ECDSA_P384_SHA384_ASN1,
            SignatureAlgorithm::Ed25519 => &sig::ED25519,
            SignatureAlgorithm::RsaPssRsaeSha256 => &sig::RSA_PSS_2048_8192_SHA256,
            SignatureAlgorithm::RsaPssRsaeSha384 => &sig::RSA_PSS_2048_8192_SHA384,
            SignatureAlgorithm::RsaPssRsaeSha512 => &sig::RSA_PSS_2048_8192_SHA512,
        };
        sig::UnparsedPublicKey::new(params, key.raw_key)
            .verify(message, signature)
            .map_err(|_| Error::BadSignature)
    }
}

enum Inner {
    Ecdsa {
        der: sig::EcdsaKeyPair,
        fixed: sig::EcdsaKeyPair,
    },
    Ed25519(sig::Ed25519KeyPair),
    Rsa(sig::RsaKeyPair),
}

/// A private key held by aws-lc-rs.
struct AwsLcSigningKey {
    alg: SignatureAlgorithm,
    inner: Inner,
}

impl core::fmt::Debug for AwsLcSigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AwsLcSigningKey")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl SigningKey for AwsLcSigningKey {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.alg
    }

    fn public_key_spki(&self) -> Vec<u8> {
        match &self.inner {
            Inner::Ecdsa { der, .. } => encode_spki(self.alg.key_type(), der.public_key().as_ref()),
            Inner::Ed25519(kp) => encode_spki(KeyType::Ed25519, kp.public_key().as_ref()),
            Inner::Rsa(kp) => encode_spki(KeyType::Rsa, kp.public_key().as_ref()),
        }
    }

    fn sign(
        &self,
        message: &[u8],
        encoding: SignatureEncoding,
        _rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, Error> {
        let rng = rand::SystemRandom::new();
        match &self.inner {
            Inner::Ecdsa { der, fixed } => {
                let kp = if encoding == SignatureEncoding::Fixed {
                    fixed
                } else {
                    der
                };
                kp.sign(&rng, message)
                    .map(|s| s.as_ref().to_vec())
                    .map_err(|_| Error::CryptoFailure)
            }
            Inner::Ed25519(kp) => Ok(kp.sign(message).as_ref().to_vec()),
            Inner::Rsa(kp) => {
                let padding: &'static dyn sig::RsaEncoding = match self.alg {
                    SignatureAlgorithm::RsaPssRsaeSha384 => &sig::RSA_PSS_SHA384,
                    SignatureAlgorithm::RsaPssRsaeSha512 => &sig::RSA_PSS_SHA512,
                    _ => &sig::RSA_PSS_SHA256,
                };
                let mut out = vec![0u8; kp.public_modulus_len()];
                kp.sign(padding, &rng, message, &mut out)
                    .map_err(|_| Error::CryptoFailure)?;
                Ok(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_random_fills() {
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        AwsLcRandom.fill(&mut a).unwrap();
        AwsLcRandom.fill(&mut b).unwrap();
        assert_ne!(a, b);
    }
}
