//! The simulated TEE: an honest software Attester with its own attestation key (spec
//! sim-tee-profile v1), and the strict check of the Evidence it produces.
//!
//! # Evidence
//!
//! [`SimulatedTee::attest`] signs an EAT (RFC 9711) as a CWT: COSE_Sign1 with tag 18,
//! protected `{1: -7}` (ES256), unprotected `{4: kid}` where `kid` is the SHA-256 of the
//! attestation key's DER SubjectPublicKeyInfo, and this claims-set, encoded deterministically
//! (RFC 8949 section 4.2.1):
//!
//! | key | claim | value |
//! | --- | --- | --- |
//! | 6 | `iat` | the request's `now`, whole seconds |
//! | 8 | `cnf` | `{3: aik_pub_hash}` (RFC 8747 key id) |
//! | 10 | `eat_nonce` | the binder, 32 or 48 bytes |
//! | 256 | `ueid` | `0x01` followed by the 32-byte instance id |
//! | 262 | `oemboot` | secure boot on or off |
//! | 263 | `dbgstat` | 0 to 4 |
//! | 265 | `eat_profile` | [`SIM_TEE_PROFILE`] |
//! | 270 | `swname` | text |
//! | 271 | `swversion` | `[text]` |
//! | 273 | `measurements` | `[[60, bstr .cbor {name: digest, ...}]]` |
//!
//! The token travels as a CMW CBOR record `[SIM_TEE_MEDIA_TYPE, bstr(token), 4]` (RFC 9999
//! section 3.1, `ind` 4 = Evidence).
//!
//! ```
//! use seat_binding::provider::default_provider;
//! use seat_evidence::sim::{SimTeeConfig, SimulatedTee, verify_sim_evidence};
//! use seat_evidence::{Attester, EvidenceRequest};
//!
//! let mut tee = SimulatedTee::new(SimTeeConfig::default(), default_provider())?;
//! let request = EvidenceRequest {
//!     binder: &[7; 32],
//!     aik_pub_hash: &[9; 32],
//!     now_unix_secs: 1_800_000_000,
//! };
//! let cmw = tee.attest(&request)?;
//! // The Verifier holds the attestation key's SPKI as its trust anchor.
//! let evidence = verify_sim_evidence(&cmw, &tee.attestation_key_spki(), default_provider())?;
//! assert_eq!(evidence.nonce, [7; 32]);
//! assert_eq!(evidence.aik_pub_hash, [9; 32]);
//! # Ok::<(), seat_evidence::Error>(())
//! ```
//!
//! # Honesty
//!
//! The only way to get Evidence is [`Attester::attest`] with a binder: no API takes a
//! pre-made claims-set or signs caller bytes with the attestation key, and the key never
//! leaves the simulated TEE (only its public key, [`SimulatedTee::attestation_key_spki`]).
//!
//! # Determinism
//!
//! The attestation key (P-256) and every AIK come from the seed through HKDF-SHA256 in the
//! provider (RFC 5869): the same seed gives the same keys with any provider. Signatures are
//! reproducible byte for byte with `seat_binding`'s deterministic `RustCrypto` provider
//! (RFC 6979 ECDSA; Ed25519); with aws-lc-rs the ECDSA signatures are valid but randomized,
//! so only the keys, claims and certificate bodies repeat. The seed is a secret of the
//! simulated platform: [`SimTeeConfig::default`] uses a published test seed, for demos and
//! tests only.

use core::fmt;

use seat_binding::Secret;
use seat_binding::provider::{
    CryptoProvider, HashAlgorithm, SignatureAlgorithm, SignatureEncoding,
};
use seat_binding::spki::{KeyType, parse_spki};
use zeroize::{Zeroize, Zeroizing};

use crate::attester::{Attester, EvidenceRequest, Hex};
use crate::cbor::{self, KeySet, MapBuilder, Profile, Reader, Value};
use crate::cmw::{Cmw, Ind, Record, RecordType};
use crate::cose::{Algorithm, CoseSign1, HeaderMap, Tagging};
use crate::crypto::{NoRandom, ProviderSigner, ProviderVerifier, unsupported};
use crate::der;
use crate::eat::{
    ClaimsSet, Confirmation, DebugStatus, EatProfile, Measurement, Nonce, Ueid, Version,
};
use crate::error::{Error, Item, ProviderError};

/// The `eat_profile` of the simulated TEE's Evidence, version 1 (spec sim-tee-profile v1).
pub const SIM_TEE_PROFILE: &str = "tag:seat.example,2026:sim-tee/1";

/// The CMW record type of the simulated TEE's Evidence (RFC 9782 `application/eat+cwt` with
/// the RFC 9711 section 9.1 `eat_profile` parameter).
pub const SIM_TEE_MEDIA_TYPE: &str =
    "application/eat+cwt; eat_profile=\"tag:seat.example,2026:sim-tee/1\"";

/// The CoAP Content-Format of the `measurements` entry: 60, `application/cbor` (RFC 7049).
pub const MEASUREMENTS_CONTENT_FORMAT: u16 = 60;

/// Most measurements one simulated TEE carries: a platform measures few components, and the
/// bound keeps Evidence well inside one authenticator.
pub const MAX_MEASUREMENTS: usize = 64;
/// Longest measurement name in bytes.
pub const MAX_MEASUREMENT_NAME_LEN: usize = 64;
/// Longest measurement digest in bytes (SHA-512).
pub const MAX_DIGEST_LEN: usize = 64;
/// Longest `swname` or `swversion` in bytes.
pub const MAX_SW_TEXT_LEN: usize = 256;
/// Longest AIK certificate subject common name (RFC 5280 appendix A `ub-common-name`).
pub const MAX_COMMON_NAME_LEN: usize = 64;

/// How long before `now` a minted AIK certificate becomes valid, to absorb clock skew between
/// the attester and the relying party.
pub const AIK_NOT_BEFORE_SKEW_SECS: u64 = 300;
/// How long after `now` a minted AIK certificate stays valid: an AIK is ephemeral.
pub const AIK_VALIDITY_SECS: u64 = 86_400;

/// The binder and AIK-hash lengths the profile allows: SHA-256 and SHA-384 outputs.
const HASH_LENS: [usize; 2] = [32, 48];

/// HKDF salt separating the simulated TEE's derivations from every other use of a seed.
const KDF_SALT: &[u8] = b"seat sim-tee v1";

/// The published test seed of [`SimTeeConfig::default`]: SHA-256("seat sim-tee default seed").
const DEFAULT_SEED: [u8; 32] = [
    0x21, 0xb4, 0x53, 0x99, 0xf0, 0x4f, 0xb7, 0xc8, 0xa9, 0xa9, 0xb6, 0x71, 0xc8, 0xde, 0x04, 0x21,
    0x53, 0x83, 0xe3, 0x55, 0x13, 0xb1, 0xa3, 0x4a, 0x7e, 0x10, 0x60, 0x0c, 0xdb, 0x9a, 0xbe, 0x2c,
];

/// How the simulated TEE is set up: its secret seed, identity, and the platform state it
/// reports.
#[derive(Clone, PartialEq, Eq)]
pub struct SimTeeConfig {
    /// The secret every key is derived from (HKDF-SHA256 input keying material).
    pub seed: [u8; 32],
    /// The instance id; the `ueid` is `0x01` (RAND type, RFC 9711 section 4.2.1.1) followed by
    /// these bytes.
    pub instance_id: [u8; 32],
    /// `swname` (RFC 9711 section 4.2.6).
    pub swname: String,
    /// `swversion` (RFC 9711 section 4.2.7), without a version scheme.
    pub swversion: String,
    /// Named digests of the measured components (RFC 9711 section 4.2.16); names unique.
    pub measurements: Vec<(String, Vec<u8>)>,
    /// `dbgstat` (RFC 9711 section 4.2.9), 0 to 4.
    pub dbgstat: u8,
    /// `oemboot`: whether secure boot is on (RFC 9711 section 4.2.8).
    pub secure_boot: bool,
}

impl Default for SimTeeConfig {
    /// A demo platform: the published test seed, instance id `0x01..=0x20`, software
    /// `seat-sim-tee` 1.0.0, one firmware measurement, debug disabled permanently (3), secure
    /// boot on. Never use the default seed outside tests and demos.
    fn default() -> Self {
        let mut instance_id = [0u8; 32];
        for (i, b) in (1u8..).zip(instance_id.iter_mut()) {
            *b = i;
        }
        Self {
            seed: DEFAULT_SEED,
            instance_id,
            swname: "seat-sim-tee".into(),
            swversion: "1.0.0".into(),
            measurements: vec![("firmware".into(), vec![0xa5; 32])],
            dbgstat: 3,
            secure_boot: true,
        }
    }
}

impl fmt::Debug for SimTeeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimTeeConfig")
            .field("seed", &"<redacted>")
            .field("instance_id", &Hex(&self.instance_id))
            .field("swname", &self.swname)
            .field("swversion", &self.swversion)
            .field("measurements", &self.measurements.len())
            .field("dbgstat", &self.dbgstat)
            .field("secure_boot", &self.secure_boot)
            .finish()
    }
}

/// An ephemeral AIK made inside the simulated TEE: a key pair and a self-signed certificate
/// for anonymous client attestation (spec sim-tee-profile v1, "Keys and trust").
///
/// The private key is zeroized on drop and not printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct MintedAik {
    /// A self-signed X.509 v3 end-entity certificate, DER (RFC 5280 section 4.1).
    pub certificate_der: Vec<u8>,
    /// The private key as PKCS#8 with its public key (RFC 5958; RFC 5915 for EC keys,
    /// RFC 8410 for Ed25519).
    pub pkcs8_der: Vec<u8>,
    /// The DER SubjectPublicKeyInfo, as it appears in the certificate.
    pub spki_der: Vec<u8>,
}

impl fmt::Debug for MintedAik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MintedAik")
            .field("certificate_der", &Hex(&self.certificate_der))
            .field("pkcs8_der", &"<redacted>")
            .field("spki_der", &Hex(&self.spki_der))
            .finish()
    }
}

impl Drop for MintedAik {
    fn drop(&mut self) {
        self.pkcs8_der.zeroize();
    }
}

/// The simulated TEE (spec sim-tee-profile v1).
pub struct SimulatedTee {
    provider: &'static dyn CryptoProvider,
    config: SimTeeConfig,
    /// The measurements map, encoded once (`bstr .cbor {name: digest}`).
    measurements: Vec<u8>,
    signer: ProviderSigner,
    spki: Vec<u8>,
    kid: Vec<u8>,
    /// HKDF pseudorandom key from the seed.
    prk: Secret,
    /// How many AIKs were minted; each takes the next derivation.
    aik_counter: u64,
}

impl Drop for SimulatedTee {
    fn drop(&mut self) {
        self.config.seed.zeroize();
    }
}

impl fmt::Debug for SimulatedTee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatedTee")
            .field("config", &self.config)
            .field("kid", &Hex(&self.kid))
            .field("aik_counter", &self.aik_counter)
            .finish_non_exhaustive()
    }
}

pub(crate) fn provider_err(e: seat_binding::Error) -> Error {
    Error::Provider(ProviderError(e))
}

/// The order n of the P-256 group (SEC 2 section 2.4.2), big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];
/// The order n of the P-384 group (SEC 2 section 2.5.1), big-endian.
const P384_ORDER: [u8; 48] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
    0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
];

/// Whether `0 < k < order` for big-endian numbers of equal length.
fn is_valid_scalar(k: &[u8], order: &[u8]) -> bool {
    k.iter().any(|b| *b != 0) && k < order
}

fn check_config(config: &SimTeeConfig) -> Result<Vec<u8>, Error> {
    let bad = |what| Error::InvalidArgument { what };
    if DebugStatus::from_u64(u64::from(config.dbgstat)).is_none() {
        return Err(bad(Item::DbgStat));
    }
    if config.swname.is_empty() || config.swname.len() > MAX_SW_TEXT_LEN {
        return Err(bad(Item::SwName));
    }
    if config.swversion.is_empty() || config.swversion.len() > MAX_SW_TEXT_LEN {
        return Err(bad(Item::SwVersion));
    }
    if config.measurements.is_empty() || config.measurements.len() > MAX_MEASUREMENTS {
        return Err(bad(Item::Measurements));
    }
    let mut m = MapBuilder::new();
    let mut keys = KeySet::new();
    for (name, digest) in &config.measurements {
        if !measurement_fits(name, digest)
            || keys
                .insert(Value::Text(name.clone()), Item::Measurements, 0)
                .is_err()
        {
            return Err(bad(Item::Measurements));
        }
        m.text_key(name, Value::Bytes(digest.clone()).to_vec());
    }
    Ok(m.into_vec())
}

/// Whether a measurement's name and digest are non-empty and within
/// [`MAX_MEASUREMENT_NAME_LEN`] and [`MAX_DIGEST_LEN`].
const fn measurement_fits(name: &str, digest: &[u8]) -> bool {
    !name.is_empty()
        && name.len() <= MAX_MEASUREMENT_NAME_LEN
        && !digest.is_empty()
        && digest.len() <= MAX_DIGEST_LEN
}

impl SimulatedTee {
    /// A simulated TEE whose P-256 attestation key is derived from `config.seed`
    /// (HKDF-SHA256 through `provider`, RFC 5869; a candidate scalar outside `[1, n-1]` is
    /// skipped, as in FIPS 186-5 appendix A.2.2).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a configuration the profile cannot carry (`dbgstat`
    /// above 4, empty or overlong software texts, no measurements, more than
    /// [`MAX_MEASUREMENTS`], an empty or repeated name, an empty or overlong digest);
    /// [`Error::Provider`] if the provider cannot load the key.
    pub fn new(config: SimTeeConfig, provider: &'static dyn CryptoProvider) -> Result<Self, Error> {
        let measurements = check_config(&config)?;
        let prk = provider.hkdf_extract(HashAlgorithm::Sha256, KDF_SALT, &config.seed);
        let (pkcs8, _) = derive_ec_key(
            provider,
            &prk,
            b"attestation key",
            SignatureAlgorithm::EcdsaSecp256r1Sha256,
        )?;
        let signer = ProviderSigner::from_pkcs8(provider, Algorithm::ES256, &pkcs8)?;
        let spki = signer.public_key_spki();
        let kid = provider
            .hash(HashAlgorithm::Sha256, &[&spki])
            .as_bytes()
            .to_vec();
        Ok(Self {
            provider,
            config,
            measurements,
            signer,
            spki,
            kid,
            prk,
            aik_counter: 0,
        })
    }

    /// The attestation key's DER SubjectPublicKeyInfo: the Verifier's trust anchor for this
    /// simulated TEE (spec sim-tee-profile v1, "Keys and trust").
    pub fn attestation_key_spki(&self) -> Vec<u8> {
        self.spki.clone()
    }

    /// The COSE `kid` of the Evidence: SHA-256 of [`Self::attestation_key_spki`].
    pub fn attestation_key_id(&self) -> Vec<u8> {
        self.kid.clone()
    }

    /// The configuration.
    pub const fn config(&self) -> &SimTeeConfig {
        &self.config
    }

    /// Mints an ephemeral AIK: a key pair for `alg` derived from the seed and a counter, and a
    /// self-signed X.509 v3 end-entity certificate for it (RFC 5280 section 4.1), subject and
    /// issuer `CN=subject_cn`, valid from `now - AIK_NOT_BEFORE_SKEW_SECS` to
    /// `now + AIK_VALIDITY_SECS`, with a critical keyUsage `digitalSignature`, an
    /// extendedKeyUsage of serverAuth and clientAuth, a subjectKeyIdentifier (RFC 7093
    /// section 2 method 1) and no basicConstraints (an end entity, never a CA).
    ///
    /// Each call gives a new key; with the same seed the sequence of keys repeats.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedAlgorithm`] for RSA-PSS (no deterministic RSA key generation here);
    /// [`Error::InvalidArgument`] for an empty or overlong `subject_cn` or a validity past
    /// 9999; [`Error::Provider`] if the provider cannot load or sign.
    pub fn mint_aik(
        &mut self,
        alg: SignatureAlgorithm,
        subject_cn: &str,
        now_unix_secs: u64,
    ) -> Result<MintedAik, Error> {
        if subject_cn.is_empty() || subject_cn.chars().count() > MAX_COMMON_NAME_LEN {
            return Err(Error::InvalidArgument {
                what: Item::Certificate,
            });
        }
        let not_after = now_unix_secs
            .checked_add(AIK_VALIDITY_SECS)
            .filter(|t| *t <= der::MAX_TIME)
            .ok_or(Error::InvalidArgument {
                what: Item::Certificate,
            })?;
        let not_before = der::time(now_unix_secs.saturating_sub(AIK_NOT_BEFORE_SKEW_SECS))?;
        let not_after = der::time(not_after)?;

        let mut label = b"aik".to_vec();
        label.extend_from_slice(&alg.tls_scheme().to_be_bytes());
        label.extend_from_slice(&self.aik_counter.to_be_bytes());
        let sig_alg_id = der::signature_algorithm_id(alg).ok_or_else(|| unsupported(alg))?;
        let pkcs8 = match alg {
            SignatureAlgorithm::EcdsaSecp256r1Sha256 | SignatureAlgorithm::EcdsaSecp384r1Sha384 => {
                derive_ec_key(self.provider, &self.prk, &label, alg)?.0
            }
            SignatureAlgorithm::Ed25519 => {
                let seed = self
                    .provider
                    .hkdf_expand(HashAlgorithm::Sha256, self.prk.expose(), &[&label], 32)
                    .map_err(provider_err)?;
                let v1 = der::ed25519_pkcs8(seed.expose(), None)?;
                let key = self
                    .provider
                    .signing_key_from_pkcs8(alg, &v1)
                    .map_err(provider_err)?;
                let spki = key.public_key_spki();
                let info = parse_spki(&spki).map_err(provider_err)?;
                der::ed25519_pkcs8(seed.expose(), Some(info.raw_key))?
            }
            other => return Err(unsupported(other)),
        };
        self.aik_counter = self.aik_counter.wrapping_add(1);
        let key = self
            .provider
            .signing_key_from_pkcs8(alg, &pkcs8)
            .map_err(provider_err)?;
        let spki = key.public_key_spki();
        let info = parse_spki(&spki).map_err(provider_err)?;

        // A positive serial of 16 bytes whose first byte is in 0x40..=0x7f: minimal DER and
        // at most 20 octets (RFC 5280 section 4.1.2.2).
        let mut serial_label = label.clone();
        serial_label.extend_from_slice(b" serial");
        let serial = self
            .provider
            .hkdf_expand(
                HashAlgorithm::Sha256,
                self.prk.expose(),
                &[&serial_label],
                16,
            )
            .map_err(provider_err)?;
        let mut serial = serial.expose().to_vec();
        if let Some(first) = serial.first_mut() {
            *first = (*first & 0x3f) | 0x40;
        }

        let ski = self.provider.hash(HashAlgorithm::Sha256, &[info.raw_key]);
        let (tbs, tbs_der) = der::AikTemplate {
            serial: &serial,
            subject_cn,
            not_before,
            not_after,
            spki: &spki,
            ski: ski.as_bytes().get(..20).unwrap_or_default(),
            signature: sig_alg_id,
        }
        .tbs()?;
        let signature = key
            .sign(&tbs_der, SignatureEncoding::Tls, &mut NoRandom)
            .map_err(provider_err)?;
        let certificate_der = der::certificate(tbs, &signature)?;
        Ok(MintedAik {
            certificate_der,
            pkcs8_der: pkcs8.to_vec(),
            spki_der: spki,
        })
    }

    fn claims(&self, request: &EvidenceRequest<'_>) -> Result<ClaimsSet, Error> {
        if !HASH_LENS.contains(&request.binder.len()) {
            return Err(Error::InvalidArgument {
                what: Item::EatNonce,
            });
        }
        // The AIK hash uses the binder's hash (spec sim-tee-profile v1, `cnf`).
        if request.aik_pub_hash.len() != request.binder.len() {
            return Err(Error::InvalidArgument { what: Item::Cnf });
        }
        let iat = i64::try_from(request.now_unix_secs)
            .map_err(|_| Error::InvalidArgument { what: Item::Time })?;
        let mut ueid = Vec::with_capacity(33);
        ueid.push(0x01);
        ueid.extend_from_slice(&self.config.instance_id);
        Ok(ClaimsSet {
            iat: Some(iat),
            cnf: Some(Confirmation::Kid(request.aik_pub_hash.to_vec())),
            nonce: Some(Nonce::new(request.binder.to_vec())?),
            ueid: Some(Ueid::new(ueid)?),
            oemboot: Some(self.config.secure_boot),
            dbgstat: DebugStatus::from_u64(u64::from(self.config.dbgstat)),
            profile: Some(EatProfile::Uri(SIM_TEE_PROFILE.into())),
            swname: Some(self.config.swname.clone()),
            swversion: Some(Version {
                version: self.config.swversion.clone(),
                scheme: None,
            }),
            measurements: vec![Measurement {
                content_format: MEASUREMENTS_CONTENT_FORMAT,
                content: self.measurements.clone(),
            }],
            ..ClaimsSet::default()
        })
    }
}

/// Derives an EC private key for `alg` (P-256 or P-384) from `prk` and `label`, trying the
/// counters 0, 1, ... until the candidate is a valid scalar; returns the PKCS#8 with its
/// public key and the SPKI.
pub(crate) fn derive_ec_key(
    provider: &dyn CryptoProvider,
    prk: &Secret,
    label: &[u8],
    alg: SignatureAlgorithm,
) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), Error> {
    let (curve, order): (_, &[u8]) = match alg {
        SignatureAlgorithm::EcdsaSecp384r1Sha384 => (der::OID_P384, &P384_ORDER),
        _ => (der::OID_P256, &P256_ORDER),
    };
    // Each candidate is out of range with probability below 2^-32; 256 tries never all fail
    // in practice, and the loop is bounded either way.
    for counter in 0u8..=255 {
        let k = provider
            .hkdf_expand(
                HashAlgorithm::Sha256,
                prk.expose(),
                &[label, &[counter]],
                order.len(),
            )
            .map_err(provider_err)?;
        if !is_valid_scalar(k.expose(), order) {
            continue;
        }
        let bare = der::ec_pkcs8(curve, k.expose(), None)?;
        let key = provider
            .signing_key_from_pkcs8(alg, &bare)
            .map_err(provider_err)?;
        let spki = key.public_key_spki();
        let info = parse_spki(&spki).map_err(provider_err)?;
        let expected = if alg == SignatureAlgorithm::EcdsaSecp384r1Sha384 {
            KeyType::EcP384
        } else {
            KeyType::EcP256
        };
        if info.key_type != expected {
            return Err(provider_err(seat_binding::Error::KeyMismatch));
        }
        let full = der::ec_pkcs8(curve, k.expose(), Some(info.raw_key))?;
        return Ok((full, spki));
    }
    Err(provider_err(seat_binding::Error::CryptoFailure))
}

impl Attester for SimulatedTee {
    /// Produces the simulated TEE's Evidence for the request (module documentation).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] with [`Item::EatNonce`] for a binder that is not 32 or 48
    /// bytes, with [`Item::Cnf`] for an AIK hash of another length than the binder, with
    /// [`Item::Time`] for a time past `i64::MAX`; [`Error::Provider`] if signing fails.
    fn attest(&mut self, request: &EvidenceRequest<'_>) -> Result<Vec<u8>, Error> {
        let claims = self.claims(request)?;
        let msg = CoseSign1::sign(
            HeaderMap::new(),
            HeaderMap::new().with_kid(self.kid.clone()),
            claims.to_vec(),
            &[],
            &self.signer,
        )?;
        let record = Record::new(
            RecordType::MediaType(SIM_TEE_MEDIA_TYPE.into()),
            msg.to_vec(Tagging::Tagged),
            Some(Ind::EVIDENCE),
        )?;
        Ok(Cmw::Record(record).to_vec())
    }
}

/// The simulated TEE's Evidence, decoded and verified by [`verify_sim_evidence`].
///
/// It says what the platform claims; the caller still compares the nonce with the binder it
/// computed, the AIK hash with the authenticator's key, `iat` with its window, and the
/// measurements with reference values (DESIGN section 6).
#[derive(Clone, PartialEq, Eq)]
pub struct SimEvidence {
    /// `eat_nonce`: the binder the Attester was given (32 or 48 bytes).
    pub nonce: Vec<u8>,
    /// `cnf` key id: the AIK public-key hash (same length as the nonce).
    pub aik_pub_hash: Vec<u8>,
    /// `ueid`: `0x01` followed by the 32-byte instance id.
    pub ueid: Vec<u8>,
    /// `iat`, seconds since the Unix epoch.
    pub iat: u64,
    /// `swname`.
    pub swname: String,
    /// `swversion`.
    pub swversion: String,
    /// The measurements, in the order of the encoded map (RFC 8949 section 4.2.1 key order:
    /// shorter names first, then bytewise).
    pub measurements: Vec<(String, Vec<u8>)>,
    /// `dbgstat`, 0 to 4.
    pub dbgstat: u8,
    /// `oemboot`.
    pub secure_boot: bool,
}

impl fmt::Debug for SimEvidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimEvidence")
            .field("nonce", &Hex(&self.nonce))
            .field("aik_pub_hash", &Hex(&self.aik_pub_hash))
            .field("ueid", &Hex(&self.ueid))
            .field("iat", &self.iat)
            .field("swname", &self.swname)
            .field("swversion", &self.swversion)
            .field("measurements", &self.measurements.len())
            .field("dbgstat", &self.dbgstat)
            .field("secure_boot", &self.secure_boot)
            .finish()
    }
}

/// The length of a CBOR head with argument `n` in preferred serialization.
const fn head_len(n: usize) -> usize {
    if n < 24 {
        1
    } else if n <= 0xff {
        2
    } else if n <= 0xffff {
        3
    } else if n <= 0xffff_ffff {
        5
    } else {
        9
    }
}

/// Whether a media type is `application/eat+cwt` with exactly the parameter
/// `eat_profile=SIM_TEE_PROFILE` (quoted or not; type, subtype and parameter name compared
/// case-insensitively; optional whitespace around `;` and before `=` refused as RFC 9110
/// section 5.6.6 does not allow it there; rats-formats.md 9.2 item 15).
pub fn is_sim_media_type(m: &str) -> bool {
    crate::cmw::media_type_parameter(m, "application/eat+cwt", "eat_profile")
        == Some(SIM_TEE_PROFILE)
}

/// Decodes the measurements map `{name: digest}` strictly.
fn decode_measurement_map(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, Error> {
    cbor::decode_all(
        bytes,
        Profile::STRICT,
        Item::Measurements,
        |r: &mut Reader<'_>| {
            let what = Item::Measurements;
            let at = r.position();
            let mut out = Vec::new();
            r.text_map(what, |r, name, _, vat| {
                let digest = r.bytes(what)?.into_owned();
                if !measurement_fits(&name, &digest) {
                    return Err(Error::BadLength { what, at: vat });
                }
                out.push((name, digest));
                Ok(())
            })?;
            if out.is_empty() || out.len() > MAX_MEASUREMENTS {
                return Err(Error::BadLength { what, at });
            }
            Ok(out)
        },
    )
}

/// Decodes a CMW holding the simulated TEE's Evidence, checks its media type and profile,
/// verifies the signature with the trusted attestation key, then decodes the claims strictly
/// (spec sim-tee-profile v1, "What the Verifier checks": the signature and profile part).
///
/// Checks, in order: a CBOR CMW record (RFC 9999 section 3.1) typed [`SIM_TEE_MEDIA_TYPE`]
/// (parameters parsed) with `ind` exactly Evidence (4); a COSE_Sign1 with tag 18 whose
/// protected bucket holds only `alg` ES256 and whose unprotected bucket holds only `kid`,
/// equal to SHA-256 of `trusted_attestation_spki`; the ES256 signature under that key; then
/// a claims-set with exactly the profile's claims, each of its profile type and size.
///
/// Binder, AIK hash, freshness and reference values are the caller's checks: it has the
/// values to compare with.
///
/// # Errors
///
/// Decode errors with their offset in `cmw` (CMW, COSE and claims-set errors alike);
/// [`Error::InvalidValue`] for a wrong media type ([`Item::CmwType`]), `ind`
/// ([`Item::CmwInd`]), tagging ([`Item::CoseSign1`]), header ([`Item::CoseProtected`],
/// [`Item::CoseUnprotected`]), profile ([`Item::EatProfile`]), a claim outside the profile
/// ([`Item::ClaimsSet`]) or a bad claim value; [`Error::Missing`] for an absent claim;
/// [`Error::Mismatch`] with [`Item::CoseKid`] for a `kid` of another key;
/// [`Error::AlgorithmMismatch`] for an `alg` other than ES256; [`Error::BadSignature`];
/// [`Error::Provider`] if the trusted key is not a P-256 SubjectPublicKeyInfo.
pub fn verify_sim_evidence(
    cmw: &[u8],
    trusted_attestation_spki: &[u8],
    provider: &'static dyn CryptoProvider,
) -> Result<SimEvidence, Error> {
    // The key is checked before anything is read, as the profile's one trust anchor.
    ProviderVerifier::new(provider, Algorithm::ES256, trusted_attestation_spki)?;
    let record = match Cmw::decode(cmw)? {
        Cmw::Record(r) => r,
        _ => {
            return Err(Error::UnexpectedType {
                what: Item::CmwRecord,
                at: 0,
            });
        }
    };
    // Offsets of the record's fields, exact because the strict decoder accepted only
    // preferred (shortest) heads: `83 <type> <bstr head> <value> <ind>`.
    let type_at = 1;
    match record.typ() {
        RecordType::MediaType(m) if is_sim_media_type(m) => {}
        _ => {
            return Err(Error::InvalidValue {
                what: Item::CmwType,
                at: type_at,
            });
        }
    }
    let ind_at = cmw.len().saturating_sub(1);
    match record.ind() {
        Some(i) if i == Ind::EVIDENCE => {}
        Some(_) => {
            return Err(Error::InvalidValue {
                what: Item::CmwInd,
                at: ind_at,
            });
        }
        None => {
            return Err(Error::Missing {
                what: Item::CmwInd,
                at: 0,
            });
        }
    }
    let token = record.value();
    let token_at = ind_at.saturating_sub(token.len());
    verify_sim_token(token, &[trusted_attestation_spki], provider)
        .map(|(_, evidence)| evidence)
        .map_err(|e| e.nested(token_at))
}

/// Verifies the simulated TEE's token itself (the COSE_Sign1 a CMW record carries) against
/// the trusted attestation keys `anchors`, and decodes its claims strictly: the one check of
/// the profile's token, shared by [`verify_sim_evidence`] and `seat-verify`'s format.
///
/// The token's `kid` picks the anchor (SHA-256 of its DER SubjectPublicKeyInfo); returns that
/// anchor's index with the Evidence. Checks, in order: a COSE_Sign1 with tag 18 whose
/// protected bucket holds only `alg` ES256 and whose unprotected bucket holds only `kid`; a
/// `kid` naming one of `anchors`; the ES256 signature under that key; then a claims-set with
/// exactly the profile's claims, each of its profile type and size. Offsets are in `token`.
///
/// # Errors
///
/// As [`verify_sim_evidence`] for the token's part; [`Error::Mismatch`] with
/// [`Item::CoseKid`] when the `kid` names none of `anchors`.
pub fn verify_sim_token(
    token: &[u8],
    anchors: &[&[u8]],
    provider: &'static dyn CryptoProvider,
) -> Result<(usize, SimEvidence), Error> {
    let token_at = 0;
    let (msg, tagging) = CoseSign1::decode(token).map_err(|e| e.nested(token_at))?;
    if tagging != Tagging::Tagged {
        return Err(Error::InvalidValue {
            what: Item::CoseSign1,
            at: token_at,
        });
    }
    // Protected `{1: -7}` only (the alg itself is checked by the verifier).
    let p = msg.protected();
    if !p.crit().is_empty() || p.content_type().is_some() || p.kid().is_some() {
        return Err(Error::InvalidValue {
            what: Item::CoseProtected,
            at: token_at + 2,
        });
    }
    let u = msg.unprotected();
    let unprotected_at = token_at + 2 + msg.protected_bytes().len();
    if !p.other().is_empty()
        || !u.crit().is_empty()
        || u.content_type().is_some()
        || u.alg().is_some()
        || !u.other().is_empty()
    {
        return Err(Error::InvalidValue {
            what: Item::CoseUnprotected,
            at: unprotected_at,
        });
    }
    let kid = u.kid().ok_or(Error::Missing {
        what: Item::CoseKid,
        at: unprotected_at,
    })?;
    let (index, spki) = anchors
        .iter()
        .enumerate()
        .find(|(_, spki)| {
            provider
                .hash(HashAlgorithm::Sha256, &[spki])
                .ct_eq_bytes(kid)
        })
        .ok_or(Error::Mismatch {
            what: Item::CoseKid,
        })?;
    let verifier = ProviderVerifier::new(provider, Algorithm::ES256, spki)?;
    msg.verify(&verifier, &[], None)?;

    let payload = msg.payload().ok_or(Error::DetachedPayload)?;
    let sig_len = msg.signature().len();
    let payload_at = (token_at + token.len())
        .saturating_sub(head_len(sig_len) + sig_len)
        .saturating_sub(payload.len());
    let claims = ClaimsSet::decode(payload).map_err(|e| e.nested(payload_at))?;
    Ok((index, evidence_from_claims(claims, payload_at)?))
}

fn evidence_from_claims(c: ClaimsSet, at: usize) -> Result<SimEvidence, Error> {
    let missing = |what| Error::Missing { what, at };
    let invalid = |what| Error::InvalidValue { what, at };
    // Claims outside the profile are refused: this is a closed profile.
    if c.iss.is_some()
        || c.sub.is_some()
        || c.exp.is_some()
        || c.nbf.is_some()
        || c.oemid.is_some()
        || c.hwmodel.is_some()
        || c.hwversion.is_some()
        || !c.submods.is_empty()
        || c.extra.iter().next().is_some()
    {
        return Err(invalid(Item::ClaimsSet));
    }
    match c.profile {
        Some(EatProfile::Uri(ref u)) if u == SIM_TEE_PROFILE => {}
        Some(_) => return Err(invalid(Item::EatProfile)),
        None => return Err(missing(Item::EatProfile)),
    }
    let nonce = match c.nonce.as_ref().map(Nonce::nonces) {
        Some([one]) if HASH_LENS.contains(&one.len()) => one.clone(),
        Some(_) => return Err(invalid(Item::EatNonce)),
        None => return Err(missing(Item::EatNonce)),
    };
    let aik_pub_hash = match c.cnf {
        Some(Confirmation::Kid(k)) if k.len() == nonce.len() => k,
        Some(_) => return Err(invalid(Item::Cnf)),
        None => return Err(missing(Item::Cnf)),
    };
    let ueid = match c.ueid {
        Some(u) if u.as_bytes().len() == 33 && u.as_bytes().first() == Some(&0x01) => {
            u.as_bytes().to_vec()
        }
        Some(_) => return Err(invalid(Item::Ueid)),
        None => return Err(missing(Item::Ueid)),
    };
    let iat = match c.iat {
        Some(t) => u64::try_from(t).map_err(|_| invalid(Item::Time))?,
        None => return Err(missing(Item::Time)),
    };
    let swname = c.swname.ok_or(missing(Item::SwName))?;
    if swname.is_empty() || swname.len() > MAX_SW_TEXT_LEN {
        return Err(invalid(Item::SwName));
    }
    let swversion = match c.swversion {
        Some(Version {
            version,
            scheme: None,
        }) if !version.is_empty() && version.len() <= MAX_SW_TEXT_LEN => version,
        Some(_) => return Err(invalid(Item::SwVersion)),
        None => return Err(missing(Item::SwVersion)),
    };
    let dbgstat = c.dbgstat.ok_or(missing(Item::DbgStat))?.to_u8();
    let secure_boot = c.oemboot.ok_or(missing(Item::OemBoot))?;
    let measurements = match c.measurements.as_slice() {
        [one] if one.content_format == MEASUREMENTS_CONTENT_FORMAT => {
            decode_measurement_map(&one.content).map_err(|_| invalid(Item::Measurements))?
        }
        [] => return Err(missing(Item::Measurements)),
        _ => return Err(invalid(Item::Measurements)),
    };
    Ok(SimEvidence {
        nonce,
        aik_pub_hash,
        ueid,
        iat,
        swname,
        swversion,
        measurements,
        dbgstat,
        secure_boot,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_type_constant_names_the_profile() {
        assert_eq!(
            SIM_TEE_MEDIA_TYPE,
            format!("application/eat+cwt; eat_profile=\"{SIM_TEE_PROFILE}\"")
        );
        assert!(is_sim_media_type(SIM_TEE_MEDIA_TYPE));
        assert!(is_sim_media_type(
            "Application/EAT+CWT;EAT_PROFILE=tag:seat.example,2026:sim-tee/1"
        ));
        for bad in [
            "application/eat+cwt",
            "application/eat+jwt; eat_profile=\"tag:seat.example,2026:sim-tee/1\"",
            "application/eat+cwt; eat_profile=\"tag:seat.example,2026:sim-tee/2\"",
            "application/eat+cwt; eat_profile=\"tag:seat.example,2026:sim-tee/1\"; x=y",
            "application/eat+cwt; eat_profile=\"tag:seat.example,2026:sim-tee/1\"; eat_profile=\"tag:seat.example,2026:sim-tee/1\"",
        ] {
            assert!(!is_sim_media_type(bad), "{bad}");
        }
    }

    #[test]
    fn scalar_range() {
        assert!(!is_valid_scalar(&[0; 32], &P256_ORDER));
        assert!(!is_valid_scalar(&P256_ORDER, &P256_ORDER));
        let mut below = P256_ORDER;
        below[31] -= 1;
        assert!(is_valid_scalar(&below, &P256_ORDER));
        assert!(!is_valid_scalar(&[0xff; 32], &P256_ORDER));
    }

    #[test]
    fn head_lengths() {
        assert_eq!(head_len(23), 1);
        assert_eq!(head_len(24), 2);
        assert_eq!(head_len(255), 2);
        assert_eq!(head_len(256), 3);
        assert_eq!(head_len(65_536), 5);
    }
}
