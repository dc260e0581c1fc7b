//! A simulated PSA root of trust that signs RFC 9783 attestation tokens with an ES256 IAK
//! derived from a seed.
//!
//! The token is what a TF-M initial attestation service returns: a COSE_Sign1 with tag 18,
//! protected `{1: -7}`, an empty unprotected bucket and the claims of
//! [`crate::psa::PsaClaims`], whose `psa-nonce` is the binding rule of [`crate::psa`] (64
//! bytes) and whose `psa-instance-id` is `0x01 || SHA-256(IAK SubjectPublicKeyInfo)` (TF-M
//! hashes the IAK public key the same way; the exact input is an implementation's choice). It
//! travels as a CMW record of media type [`PSA_MEDIA_TYPE`]. With the `RustCrypto` provider the
//! signatures repeat byte for byte (RFC 6979).

use core::fmt;

use seat_binding::provider::{CryptoProvider, HashAlgorithm, SignatureAlgorithm};
use zeroize::Zeroize;

use crate::attester::{Attester, EvidenceRequest};
use crate::cmw::{Cmw, Ind, Record, RecordType};
use crate::cose::{Algorithm, CoseSign1, HeaderMap, Tagging};
use crate::crypto::ProviderSigner;
use crate::error::{Error, Item};
use crate::platform;
use crate::psa::{Lifecycle, MAX_SW_COMPONENTS, PSA_MEDIA_TYPE, PsaClaims, SwComponent};
use crate::sim::derive_ec_key;

/// HKDF salt separating the simulated PSA RoT's derivations from every other use of a seed.
const KDF_SALT: &[u8] = b"seat sim-psa v1";

/// The published test seed of [`SimPsaConfig::default`]: SHA-256("seat sim-psa default seed").
const DEFAULT_SEED: [u8; 32] = [
    0x5c, 0xdb, 0x70, 0x8f, 0xd1, 0x6f, 0x67, 0xb3, 0xad, 0x3e, 0x59, 0x1b, 0xb7, 0x42, 0x28, 0x2d,
    0xea, 0xaa, 0xba, 0x0c, 0x00, 0xbb, 0xb8, 0x0b, 0xaf, 0xe7, 0x42, 0xb1, 0x89, 0xa1, 0x09, 0x3a,
];

/// How the simulated PSA RoT is set up.
#[derive(Clone, PartialEq, Eq)]
pub struct SimPsaConfig {
    /// The secret seed the IAK is derived from.
    pub seed: [u8; 32],
    /// `psa-implementation-id`.
    pub implementation_id: [u8; 32],
    /// `psa-client-id`.
    pub client_id: i64,
    /// `psa-security-lifecycle`.
    pub lifecycle: u16,
    /// `psa-boot-seed`.
    pub boot_seed: [u8; 32],
    /// `psa-software-components`.
    pub components: Vec<SwComponent>,
}

impl Default for SimPsaConfig {
    /// The published test seed, implementation ID `[0xaa; 32]`, client ID 1, lifecycle
    /// `secured` (0x3000), and three components, `BL`, `PRoT` and `ARoT`, measured as
    /// `[0x01; 32]`, `[0x02; 32]` and `[0x03; 32]`, signer `[0x04; 32]`, version `1.0.0`,
    /// description `sha-256`. Never use the default seed outside tests and demos.
    fn default() -> Self {
        let component = |ty: &str, v: u8| SwComponent {
            measurement_type: Some(ty.into()),
            measurement_value: vec![v; 32],
            version: Some("1.0.0".into()),
            signer_id: vec![0x04; 32],
            description: Some("sha-256".into()),
        };
        Self {
            seed: DEFAULT_SEED,
            implementation_id: [0xaa; 32],
            client_id: 1,
            lifecycle: 0x3000,
            boot_seed: [0xbb; 32],
            components: vec![
                component("BL", 0x01),
                component("PRoT", 0x02),
                component("ARoT", 0x03),
            ],
        }
    }
}

impl fmt::Debug for SimPsaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimPsaConfig")
            .field("seed", &"<redacted>")
            .field("lifecycle", &self.lifecycle)
            .field("components", &self.components.len())
            .finish_non_exhaustive()
    }
}

impl Drop for SimPsaConfig {
    fn drop(&mut self) {
        self.seed.zeroize();
    }
}

/// The simulated PSA root of trust (module documentation).
pub struct SimulatedPsa {
    config: SimPsaConfig,
    signer: ProviderSigner,
    spki: Vec<u8>,
    instance_id: Vec<u8>,
}

impl fmt::Debug for SimulatedPsa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatedPsa")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SimulatedPsa {
    /// A simulated PSA RoT whose P-256 IAK is derived from `config.seed`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] with [`Item::Measurements`] for no components or more than
    /// [`MAX_SW_COMPONENTS`], with [`Item::ClaimsSet`] for a lifecycle outside RFC 9783's
    /// states; [`Error::Provider`] if the provider cannot load the key.
    pub fn new(config: SimPsaConfig, provider: &'static dyn CryptoProvider) -> Result<Self, Error> {
        if config.components.is_empty() || config.components.len() > MAX_SW_COMPONENTS {
            return Err(Error::InvalidArgument {
                what: Item::Measurements,
            });
        }
        if Lifecycle::from_claim(config.lifecycle).is_none() {
            return Err(Error::InvalidArgument {
                what: Item::ClaimsSet,
            });
        }
        let prk = provider.hkdf_extract(HashAlgorithm::Sha256, KDF_SALT, &config.seed);
        let (pkcs8, spki) = derive_ec_key(
            provider,
            &prk,
            b"initial attestation key",
            SignatureAlgorithm::EcdsaSecp256r1Sha256,
        )?;
        let signer = ProviderSigner::from_pkcs8(provider, Algorithm::ES256, &pkcs8)?;
        let mut instance_id = vec![0x01];
        instance_id.extend_from_slice(provider.hash(HashAlgorithm::Sha256, &[&spki]).as_bytes());
        Ok(Self {
            config,
            signer,
            spki,
            instance_id,
        })
    }

    /// The IAK's DER SubjectPublicKeyInfo: what a Verifier pins.
    pub fn iak_spki(&self) -> Vec<u8> {
        self.spki.clone()
    }

    /// `psa-instance-id`.
    pub fn instance_id(&self) -> Vec<u8> {
        self.instance_id.clone()
    }

    /// The configuration, to change the platform state between tokens (a tampered
    /// measurement in tests and demos).
    pub const fn config_mut(&mut self) -> &mut SimPsaConfig {
        &mut self.config
    }
}

impl Attester for SimulatedPsa {
    /// A token whose `psa-nonce` is [`platform::report_data`]`(binder, aik_pub_hash)`, as a CMW
    /// record of media type [`PSA_MEDIA_TYPE`].
    fn attest(&mut self, request: &EvidenceRequest<'_>) -> Result<Vec<u8>, Error> {
        let nonce = platform::report_data(request.binder, request.aik_pub_hash)?;
        let claims = PsaClaims {
            nonce: nonce.to_vec(),
            instance_id: self.instance_id.clone(),
            implementation_id: self.config.implementation_id.to_vec(),
            client_id: self.config.client_id,
            lifecycle: self.config.lifecycle,
            boot_seed: Some(self.config.boot_seed.to_vec()),
            certification_reference: None,
            software_components: self.config.components.clone(),
            verification_service: None,
        };
        let token = CoseSign1::sign(
            HeaderMap::new(),
            HeaderMap::new(),
            claims.to_vec(),
            &[],
            &self.signer,
        )?;
        let cmw = Cmw::Record(Record::new(
            RecordType::MediaType(PSA_MEDIA_TYPE.into()),
            token.to_vec(Tagging::Tagged),
            Some(Ind::EVIDENCE),
        )?);
        Ok(cmw.to_vec())
    }
}
