//! [`VerifierBuilder`]: a [`Verifier`] from named settings, its signing key generated when none
//! is given (so nobody matches a key's algorithm to the Verifier by hand).

use seat_binding::provider::{CryptoProvider, RandomSource, SignatureAlgorithm, SigningKey};
use zeroize::Zeroizing;

use crate::error::Error;
use crate::format::EvidenceFormat;
use crate::policy::{ReferenceValues, TrustAnchor, VerifierPolicy};
use crate::verifier::Verifier;

/// The order `n` of the P-256 group (SEC 2 version 2, section 2.4.2), big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// The DER of a PKCS#8 `PrivateKeyInfo` (RFC 5208) for a P-256 key up to its 32-byte private
/// scalar: version 0, algorithm id-ecPublicKey with prime256v1, and an RFC 5915
/// `ECPrivateKey` (version 1) without parameters or public key. The scalar follows.
const P256_PKCS8_PREFIX: [u8; 35] = [
    0x30, 0x41, // SEQUENCE, 65 bytes
    0x02, 0x01, 0x00, // version 0
    0x30, 0x13, // AlgorithmIdentifier
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, // id-ecPublicKey
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, // prime256v1
    0x04, 0x27, // OCTET STRING, 39 bytes
    0x30, 0x25, // ECPrivateKey
    0x02, 0x01, 0x01, // version 1
    0x04, 0x20, // privateKey, 32 bytes
];

/// How many candidate scalars [`generate_signing_key`] draws before it gives up. A uniformly
/// random 32-byte string is outside `[1, n-1]` with probability below 2^-32, so 64 draws all
/// failing means the random source is broken.
pub const MAX_KEYGEN_ATTEMPTS: usize = 64;

/// Generates a fresh P-256 (ECDSA with SHA-256) signing key through `provider`, drawing its
/// private scalar from `rng` (rejection sampling into `[1, n-1]`, as FIPS 186-5 appendix
/// A.2.2 describes). The scalar never leaves zeroized memory.
///
/// # Errors
///
/// [`Error::Signing`] with the random source's failure, with
/// [`seat_binding::Error::CryptoFailure`] if [`MAX_KEYGEN_ATTEMPTS`] draws were all out of
/// range, or with the provider's refusal to load the key.
pub fn generate_signing_key(
    provider: &dyn CryptoProvider,
    rng: &mut dyn RandomSource,
) -> Result<Box<dyn SigningKey>, Error> {
    let mut pkcs8 = Zeroizing::new([0u8; 67]);
    let (prefix, scalar) = pkcs8.split_at_mut(P256_PKCS8_PREFIX.len());
    prefix.copy_from_slice(&P256_PKCS8_PREFIX);
    for _ in 0..MAX_KEYGEN_ATTEMPTS {
        rng.fill(scalar).map_err(Error::Signing)?;
        if scalar.iter().any(|b| *b != 0) && *scalar < P256_ORDER[..] {
            return provider
                .signing_key_from_pkcs8(SignatureAlgorithm::EcdsaSecp256r1Sha256, &pkcs8[..])
                .map_err(Error::Signing);
        }
    }
    Err(Error::Signing(seat_binding::Error::CryptoFailure))
}

/// Named settings for a [`Verifier`]; see [`Verifier::builder`].
///
/// ```
/// use seat_binding::provider::aws_lc::AwsLcRandom;
/// use seat_binding::provider::default_provider;
/// use seat_verify::{ReferenceValues, Verifier};
///
/// let verifier = Verifier::builder(default_provider())
///     .trust_attestation_key("sim-tee", vec![0x30, 0x59 /* the TEE's DER SPKI */])
///     .reference_values(ReferenceValues {
///         measurements: vec![("kernel".into(), vec![0x6b; 32])],
///         ..ReferenceValues::default()
///     })
///     .build(&mut AwsLcRandom)?; // no signing key given: a fresh P-256 key
/// // What a Relying Party trusts for this Verifier's results:
/// let spki = verifier.public_key_spki();
/// # assert!(!spki.is_empty());
/// # Ok::<(), seat_verify::Error>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct VerifierBuilder {
    provider: &'static dyn CryptoProvider,
    policy: VerifierPolicy,
    key: Option<Box<dyn SigningKey>>,
    formats: Vec<Box<dyn EvidenceFormat>>,
}

impl Verifier {
    /// Starts a Verifier on `provider` with the default [`VerifierPolicy`] (which trusts no
    /// attestation key yet), the simulated TEE's format, and a signing key generated at
    /// [`VerifierBuilder::build`] unless [`VerifierBuilder::signing_key`] gives one.
    pub fn builder(provider: &'static dyn CryptoProvider) -> VerifierBuilder {
        VerifierBuilder {
            provider,
            policy: VerifierPolicy::default(),
            key: None,
            formats: Vec::new(),
        }
    }
}

impl VerifierBuilder {
    /// Replaces the whole policy (for example one read from a policy file with
    /// [`Policy::from_toml`](crate::Policy::from_toml)).
    pub fn policy(mut self, policy: VerifierPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Trusts Evidence signed by the attestation key with DER SubjectPublicKeyInfo `spki`,
    /// named `name` in results and logs.
    pub fn trust_attestation_key(mut self, name: impl Into<String>, spki: Vec<u8>) -> Self {
        self.policy.attestation_keys.push(TrustAnchor {
            name: name.into(),
            spki,
        });
        self
    }

    /// The reference values Evidence is appraised against.
    pub fn reference_values(mut self, values: ReferenceValues) -> Self {
        self.policy.reference_values = values;
        self
    }

    /// Signs results with `key` instead of a generated one; its algorithm must have a COSE
    /// and JWS name (ECDSA P-256 or P-384, Ed25519, RSA-PSS).
    pub fn signing_key(mut self, key: Box<dyn SigningKey>) -> Self {
        self.key = Some(key);
        self
    }

    /// Also understands `format` (after the formats already added; the first that handles a
    /// media type is used).
    pub fn format(mut self, format: Box<dyn EvidenceFormat>) -> Self {
        self.formats.push(format);
        self
    }

    /// The Verifier; without a [`signing_key`](Self::signing_key), a fresh P-256 key from
    /// `rng` ([`generate_signing_key`]).
    ///
    /// # Errors
    ///
    /// [`Error::Signing`] if no key can be generated; [`Error::InvalidArgument`] for a given
    /// key whose algorithm has no COSE and JWS name.
    pub fn build(self, rng: &mut dyn RandomSource) -> Result<Verifier, Error> {
        let key = match self.key {
            Some(key) => key,
            None => generate_signing_key(self.provider, rng)?,
        };
        let mut verifier = Verifier::new(self.policy, key, self.provider)?;
        for format in self.formats {
            verifier = verifier.with_format(format);
        }
        Ok(verifier)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use seat_binding::provider::aws_lc::AwsLcRandom;
    use seat_binding::provider::default_provider;
    use seat_binding::spki::{KeyType, parse_spki};

    use super::*;

    /// RFC 6979 appendix A.2.5: the P-256 private key `x` and the x and y coordinates of its
    /// public key `U` (an independent known answer for the PKCS#8 this module writes).
    const RFC6979_X: &str = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
    const RFC6979_UX: &str = "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6";
    const RFC6979_UY: &str = "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";

    #[test]
    fn generated_key_from_a_known_scalar_has_the_rfc6979_public_key() {
        let x = hex::decode(RFC6979_X).unwrap();
        let mut rng = |dest: &mut [u8]| dest.copy_from_slice(&x);
        let key = generate_signing_key(default_provider(), &mut rng).unwrap();
        assert_eq!(key.algorithm(), SignatureAlgorithm::EcdsaSecp256r1Sha256);
        let spki = key.public_key_spki();
        let info = parse_spki(&spki).unwrap();
        assert_eq!(info.key_type, KeyType::EcP256);
        let expected = hex::decode(format!("04{RFC6979_UX}{RFC6979_UY}")).unwrap();
        assert_eq!(info.raw_key, &expected[..]);
    }

    #[test]
    fn out_of_range_scalars_are_redrawn_and_a_stuck_source_fails() {
        // Zero, then the group order itself (both outside [1, n-1]), then the known scalar.
        let x = hex::decode(RFC6979_X).unwrap();
        let mut draws = vec![vec![0u8; 32], P256_ORDER.to_vec(), x].into_iter();
        let mut rng = |dest: &mut [u8]| dest.copy_from_slice(&draws.next().unwrap());
        let key = generate_signing_key(default_provider(), &mut rng).unwrap();
        let spki = key.public_key_spki();
        assert!(hex::encode(spki).contains(RFC6979_UX));

        let mut stuck = |dest: &mut [u8]| dest.fill(0xff);
        assert_eq!(
            generate_signing_key(default_provider(), &mut stuck).unwrap_err(),
            Error::Signing(seat_binding::Error::CryptoFailure)
        );
    }

    #[test]
    fn builder_without_a_key_generates_a_fresh_one_each_time() {
        let a = Verifier::builder(default_provider())
            .build(&mut AwsLcRandom)
            .unwrap();
        let b = Verifier::builder(default_provider())
            .build(&mut AwsLcRandom)
            .unwrap();
        assert_ne!(a.public_key_spki(), b.public_key_spki());
        assert_eq!(
            parse_spki(&a.public_key_spki()).unwrap().key_type,
            KeyType::EcP256
        );
    }

    #[test]
    fn builder_settings_reach_the_policy() {
        let v = Verifier::builder(default_provider())
            .trust_attestation_key("tee-a", vec![1, 2, 3])
            .reference_values(ReferenceValues {
                swname: Some("app".into()),
                ..ReferenceValues::default()
            })
            .build(&mut AwsLcRandom)
            .unwrap();
        assert_eq!(v.policy().attestation_keys.len(), 1);
        assert_eq!(v.policy().attestation_keys[0].name, "tee-a");
        assert_eq!(v.policy().reference_values.swname.as_deref(), Some("app"));
    }
}
