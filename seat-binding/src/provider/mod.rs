//! The crypto provider interface: hashes, HMAC, HKDF, signing and verification.
//!
//! Modelled on rustls's `CryptoProvider`: the rest of the workspace never calls a crypto
//! library directly, only a `&dyn CryptoProvider`. Two implementations exist:
//! `aws_lc::AwsLcRs` (feature `aws-lc-rs`, the default) and the deterministic
//! `rust_crypto::RustCrypto` (feature `rustcrypto`) that regenerates interop vectors
//! byte-for-byte.

use core::fmt;

use crate::spki::{KeyType, PublicKeyInfo, parse_spki};
use crate::{Digest, Error, Secret};

#[cfg(feature = "aws-lc-rs")]
pub mod aws_lc;
#[cfg(feature = "rustcrypto")]
pub mod rust_crypto;

/// The hash functions of the TLS 1.3 cipher suites this crate supports.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-256 (TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256).
    Sha256,
    /// SHA-384 (TLS_AES_256_GCM_SHA384).
    Sha384,
}

impl HashAlgorithm {
    /// Hash.length in bytes (RFC 8446 section 7.1).
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }
}

/// The TLS 1.3 signature schemes this crate signs and verifies with (RFC 8446 section 4.2.3).
///
/// These are exactly the schemes RFC 9261 allows in an authenticator that the project supports;
/// `seat-proto` keeps the open `SignatureScheme` registry and converts with
/// [`SignatureAlgorithm::from_tls_scheme`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// ecdsa_secp256r1_sha256 (0x0403).
    EcdsaSecp256r1Sha256,
    /// ecdsa_secp384r1_sha384 (0x0503).
    EcdsaSecp384r1Sha384,
    /// ed25519 (0x0807).
    Ed25519,
    /// rsa_pss_rsae_sha256 (0x0804).
    RsaPssRsaeSha256,
    /// rsa_pss_rsae_sha384 (0x0805).
    RsaPssRsaeSha384,
    /// rsa_pss_rsae_sha512 (0x0806).
    RsaPssRsaeSha512,
}

impl SignatureAlgorithm {
    /// Every supported algorithm, for iteration in tests and capability lists.
    pub const ALL: [Self; 6] = [
        Self::EcdsaSecp256r1Sha256,
        Self::EcdsaSecp384r1Sha384,
        Self::Ed25519,
        Self::RsaPssRsaeSha256,
        Self::RsaPssRsaeSha384,
        Self::RsaPssRsaeSha512,
    ];

    /// Maps a TLS SignatureScheme code point to the algorithm, if supported.
    pub const fn from_tls_scheme(scheme: u16) -> Option<Self> {
        Some(match scheme {
            0x0403 => Self::EcdsaSecp256r1Sha256,
            0x0503 => Self::EcdsaSecp384r1Sha384,
            0x0807 => Self::Ed25519,
            0x0804 => Self::RsaPssRsaeSha256,
            0x0805 => Self::RsaPssRsaeSha384,
            0x0806 => Self::RsaPssRsaeSha512,
            _ => return None,
        })
    }

    /// The TLS SignatureScheme code point (RFC 8446 section 4.2.3).
    pub const fn tls_scheme(self) -> u16 {
        match self {
            Self::EcdsaSecp256r1Sha256 => 0x0403,
            Self::EcdsaSecp384r1Sha384 => 0x0503,
            Self::Ed25519 => 0x0807,
            Self::RsaPssRsaeSha256 => 0x0804,
            Self::RsaPssRsaeSha384 => 0x0805,
            Self::RsaPssRsaeSha512 => 0x0806,
        }
    }

    /// The key type the scheme requires.
    pub const fn key_type(self) -> KeyType {
        match self {
            Self::EcdsaSecp256r1Sha256 => KeyType::EcP256,
            Self::EcdsaSecp384r1Sha384 => KeyType::EcP384,
            Self::Ed25519 => KeyType::Ed25519,
            Self::RsaPssRsaeSha256 | Self::RsaPssRsaeSha384 | Self::RsaPssRsaeSha512 => {
                KeyType::Rsa
            }
        }
    }

    /// Whether this is an ECDSA scheme, the only kind with two signature encodings.
    pub const fn is_ecdsa(self) -> bool {
        matches!(
            self,
            Self::EcdsaSecp256r1Sha256 | Self::EcdsaSecp384r1Sha384
        )
    }
}

impl TryFrom<u16> for SignatureAlgorithm {
    type Error = Error;

    /// As [`SignatureAlgorithm::from_tls_scheme`], with a typed error.
    fn try_from(scheme: u16) -> Result<Self, Error> {
        Self::from_tls_scheme(scheme).ok_or(Error::UnsupportedSignatureScheme(scheme))
    }
}

/// How a signature is encoded.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureEncoding {
    /// As in a TLS CertificateVerify: ECDSA as a DER `ECDSA-Sig-Value` (RFC 8446
    /// section 4.2.3); Ed25519 and RSA-PSS in their only form.
    Tls,
    /// ECDSA as the fixed-width `r || s` concatenation that COSE uses (RFC 9053 section 2.1);
    /// identical to [`SignatureEncoding::Tls`] for Ed25519 and RSA-PSS.
    Fixed,
}

/// A caller-supplied source of random bytes.
///
/// Protocol crates take randomness as an argument (DESIGN section 3); the deterministic provider
/// draws RSA-PSS salts only from here, so a seeded source gives reproducible signatures.
pub trait RandomSource {
    /// Fills `dest` with random bytes.
    ///
    /// # Errors
    ///
    /// [`Error::RandomSourceFailed`] if no randomness is available.
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), Error>;
}

impl<F: FnMut(&mut [u8])> RandomSource for F {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), Error> {
        self(dest);
        Ok(())
    }
}

/// A private key loaded by a provider, able to sign with one [`SignatureAlgorithm`].
pub trait SigningKey: Send + Sync + fmt::Debug {
    /// The algorithm this key signs with.
    fn algorithm(&self) -> SignatureAlgorithm;

    /// The DER SubjectPublicKeyInfo of the matching public key.
    fn public_key_spki(&self) -> Vec<u8>;

    /// Signs `message` (hashing it with the scheme's hash where the scheme has one).
    ///
    /// RSA-PSS uses a salt as long as the hash (RFC 8446 section 4.2.3); Ed25519 and the
    /// RustCrypto ECDSA (RFC 6979) are deterministic. Whether `rng` is used depends on the
    /// provider; see its documentation.
    ///
    /// # Errors
    ///
    /// [`Error::RandomSourceFailed`] if `rng` fails; [`Error::CryptoFailure`] if the backend
    /// fails.
    fn sign(
        &self,
        message: &[u8],
        encoding: SignatureEncoding,
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, Error>;
}

/// A running hash: bytes go in with [`update`](Self::update), and
/// [`current`](Self::current) reads the hash of everything so far without ending it. An RFC
/// 9261 authenticator hashes `HC || request || Certificate` for its CertificateVerify, then the
/// same bytes and the CertificateVerify for its Finished: one context reads both.
pub trait HashContext {
    /// Adds `data`.
    fn update(&mut self, data: &[u8]);

    /// The hash of everything added so far; the context can take more.
    fn current(&self) -> Digest;
}

/// The [`HashContext`] a provider gets by default: it keeps the bytes and hashes them with
/// [`CryptoProvider::hash`] on each [`current`](HashContext::current).
struct BufferedHash<'a, P: ?Sized> {
    provider: &'a P,
    alg: HashAlgorithm,
    bytes: Vec<u8>,
}

impl<P: CryptoProvider + ?Sized> HashContext for BufferedHash<'_, P> {
    fn update(&mut self, data: &[u8]) {
        self.bytes.extend_from_slice(data);
    }

    fn current(&self) -> Digest {
        self.provider.hash(self.alg, &[&self.bytes])
    }
}

/// The crypto operations the seat crates need, behind one object-safe interface.
pub trait CryptoProvider: Send + Sync + fmt::Debug {
    /// Hashes the concatenation of `parts`.
    fn hash(&self, alg: HashAlgorithm, parts: &[&[u8]]) -> Digest;

    /// A running hash with `alg`. The default keeps the bytes and calls [`hash`](Self::hash);
    /// a provider with a cloneable hash state hashes each byte once.
    fn hash_context(&self, alg: HashAlgorithm) -> Box<dyn HashContext + '_> {
        Box::new(BufferedHash {
            provider: self,
            alg,
            bytes: Vec::new(),
        })
    }

    /// HMAC (RFC 2104) with `alg` over the concatenation of `parts`.
    fn hmac(&self, alg: HashAlgorithm, key: &[u8], parts: &[&[u8]]) -> Digest;

    /// HKDF-Extract (RFC 5869 section 2.2).
    fn hkdf_extract(&self, alg: HashAlgorithm, salt: &[u8], ikm: &[u8]) -> Secret;

    /// HKDF-Expand (RFC 5869 section 2.3) of `prk` with the concatenation of `info`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKeyLength`] if `prk` is shorter than Hash.length;
    /// [`Error::InvalidOutputLength`] if `out_len` is zero or above 255 * Hash.length.
    fn hkdf_expand(
        &self,
        alg: HashAlgorithm,
        prk: &[u8],
        info: &[&[u8]],
        out_len: usize,
    ) -> Result<Secret, Error>;

    /// Loads a PKCS#8 (RFC 5208 / RFC 5958) private key for `alg`.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedPrivateKey`] if the key does not parse or is not of `alg`'s key type.
    fn signing_key_from_pkcs8(
        &self,
        alg: SignatureAlgorithm,
        pkcs8_der: &[u8],
    ) -> Result<Box<dyn SigningKey>, Error>;

    /// Verifies `signature` over `message` with the key of the DER SubjectPublicKeyInfo.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedPublicKey`] or [`Error::UnsupportedPublicKeyAlgorithm`] for a bad
    /// key; [`Error::KeyMismatch`] if its type does not fit `alg`;
    /// [`Error::MalformedSignature`] or [`Error::BadSignature`] if the signature fails.
    fn verify(
        &self,
        alg: SignatureAlgorithm,
        spki_der: &[u8],
        message: &[u8],
        signature: &[u8],
        encoding: SignatureEncoding,
    ) -> Result<(), Error>;
}

/// Parses `spki_der` and checks that its key type is the one `alg` requires.
///
/// # Errors
///
/// As [`parse_spki`], plus [`Error::KeyMismatch`].
pub fn public_key_for(
    alg: SignatureAlgorithm,
    spki_der: &[u8],
) -> Result<PublicKeyInfo<'_>, Error> {
    let info = parse_spki(spki_der)?;
    if info.key_type == alg.key_type() {
        Ok(info)
    } else {
        Err(Error::KeyMismatch)
    }
}

/// Checks an HKDF-Expand request against RFC 5869's limits, identically for every provider.
#[cfg_attr(
    not(any(feature = "aws-lc-rs", feature = "rustcrypto")),
    allow(dead_code)
)]
pub(crate) fn check_expand(alg: HashAlgorithm, prk: &[u8], out_len: usize) -> Result<(), Error> {
    if prk.len() < alg.output_len() {
        return Err(Error::InvalidKeyLength);
    }
    if out_len == 0 || out_len > 255 * alg.output_len() {
        return Err(Error::InvalidOutputLength);
    }
    Ok(())
}

/// The default provider: AWS-LC through aws-lc-rs.
#[cfg(feature = "aws-lc-rs")]
pub fn default_provider() -> &'static dyn CryptoProvider {
    &aws_lc::AwsLcRs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_numbers_round_trip() {
        for alg in SignatureAlgorithm::ALL {
            assert_eq!(
                SignatureAlgorithm::from_tls_scheme(alg.tls_scheme()),
                Some(alg)
            );
        }
        // RFC 8446 section 4.2.3 values; PKCS#1 v1.5 (0x0401) is not allowed in EAs.
        assert_eq!(SignatureAlgorithm::Ed25519.tls_scheme(), 0x0807);
        assert_eq!(SignatureAlgorithm::from_tls_scheme(0x0401), None);
        assert_eq!(SignatureAlgorithm::from_tls_scheme(0x0809), None);
        assert_eq!(
            SignatureAlgorithm::try_from(0x0603),
            Err(Error::UnsupportedSignatureScheme(0x0603))
        );
        assert_eq!(
            SignatureAlgorithm::try_from(0x0503),
            Ok(SignatureAlgorithm::EcdsaSecp384r1Sha384)
        );
    }
}
