//! A simulated TPM 2.0 that answers `TPM2_Quote` with a format-faithful `TPMS_ATTEST`, signed
//! by an ECDSA P-256 attestation key derived from a seed, in the record of [`crate::tpm`].
//!
//! What it produces, byte for byte as TPM 2.0 Part 2 lays it out (big-endian):
//!
//! | field | value |
//! | --- | --- |
//! | `magic` | `TPM_GENERATED_VALUE` 0xff544347 |
//! | `type` | `TPM_ST_ATTEST_QUOTE` 0x8018 |
//! | `qualifiedSigner` | `TPM2B_NAME`: nameAlg SHA-256 (0x000b) and SHA-256 of the AK's SPKI (a real TPM hashes the AK's `TPMT_PUBLIC`) |
//! | `extraData` | the binding rule of [`crate::tpm::extra_data`] (32 bytes) |
//! | `clockInfo` | clock (ms, advancing 1000 per quote), reset and restart counts, `safe` = 1 |
//! | `firmwareVersion` | from the configuration |
//! | `attested.quote` | one `TPMS_PCR_SELECTION` of the SHA-256 bank with the configured PCRs, and the SHA-256 of their values in index order |
//!
//! and the `TPMT_SIGNATURE` `{TPM_ALG_ECDSA 0x0018, TPM_ALG_SHA256 0x000b, r, s}` over the
//! `TPMS_ATTEST` bytes. The key comes from the seed through HKDF-SHA256 in the provider, as the
//! simulated TEE's does; with `seat_binding`'s `RustCrypto` provider (RFC 6979) the signatures
//! repeat byte for byte.
//!
//! Honesty as for the simulated TEE: the only way to a quote is [`Attester::attest`] with a
//! binder; nothing signs caller bytes with the AK.

use core::fmt;

use seat_binding::Secret;
use seat_binding::provider::{
    CryptoProvider, HashAlgorithm, SignatureAlgorithm, SignatureEncoding, SigningKey,
};
use zeroize::Zeroize;

use crate::attester::{Attester, EvidenceRequest};
use crate::cmw::{Cmw, Ind, Record, RecordType};
use crate::crypto::NoRandom;
use crate::error::{Error, Item};
use crate::sim::{derive_ec_key, provider_err};
use crate::tpm::{TPM_QUOTE_MEDIA_TYPE, TpmQuoteRecord, extra_data};

/// `TPM_GENERATED_VALUE`.
const MAGIC: u32 = 0xff54_4347;
/// `TPM_ST_ATTEST_QUOTE`.
const ST_ATTEST_QUOTE: u16 = 0x8018;
/// `TPM_ALG_SHA256`.
const ALG_SHA256: u16 = 0x000b;
/// `TPM_ALG_ECDSA`.
const ALG_ECDSA: u16 = 0x0018;
/// PCRs of a PC-client TPM.
pub const PCR_COUNT: u8 = 24;

/// HKDF salt separating the simulated TPM's derivations from every other use of a seed.
const KDF_SALT: &[u8] = b"seat sim-tpm v1";

/// The published test seed of [`SimTpmConfig::default`]: SHA-256("seat sim-tpm default seed").
const DEFAULT_SEED: [u8; 32] = [
    0x7f, 0x7d, 0x08, 0x55, 0x90, 0x31, 0x2e, 0xff, 0xe3, 0x26, 0xa2, 0xdc, 0x9a, 0x55, 0xb1, 0x8a,
    0xd3, 0x63, 0xef, 0xf1, 0xed, 0xf4, 0x0a, 0x84, 0x7d, 0xa8, 0xff, 0xd0, 0x24, 0x5a, 0x69, 0x59,
];

/// How the simulated TPM is set up.
#[derive(Clone, PartialEq, Eq)]
pub struct SimTpmConfig {
    /// The secret seed the AK is derived from.
    pub seed: [u8; 32],
    /// The SHA-256 bank's PCRs that quotes select, by index (below [`PCR_COUNT`], each once),
    /// with their values.
    pub pcrs: Vec<(u8, [u8; 32])>,
    /// `firmwareVersion`.
    pub firmware_version: u64,
    /// `clockInfo.clock` of the first quote, in milliseconds.
    pub clock_ms: u64,
    /// `clockInfo.resetCount`.
    pub reset_count: u32,
    /// `clockInfo.restartCount`.
    pub restart_count: u32,
}

impl Default for SimTpmConfig {
    /// The published test seed, PCRs 0 to 7, PCR `i` holding 32 bytes of
    /// `0x10 + i`, firmware version 0x0001_0002_0003_0004. Never use the default seed
    /// outside tests and demos.
    fn default() -> Self {
        Self {
            seed: DEFAULT_SEED,
            pcrs: (0u8..8).map(|i| (i, [0x10 + i; 32])).collect(),
            firmware_version: 0x0001_0002_0003_0004,
            clock_ms: 1_000_000,
            reset_count: 3,
            restart_count: 0,
        }
    }
}

impl fmt::Debug for SimTpmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimTpmConfig")
            .field("seed", &"<redacted>")
            .field("pcrs", &self.pcrs.len())
            .field("firmware_version", &self.firmware_version)
            .finish_non_exhaustive()
    }
}

impl Drop for SimTpmConfig {
    fn drop(&mut self) {
        self.seed.zeroize();
    }
}

/// The simulated TPM (module documentation).
pub struct SimulatedTpm {
    provider: &'static dyn CryptoProvider,
    config: SimTpmConfig,
    key: Box<dyn SigningKey>,
    spki: Vec<u8>,
    kid: Vec<u8>,
    quotes: u64,
}

impl fmt::Debug for SimulatedTpm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatedTpm")
            .field("config", &self.config)
            .field("quotes", &self.quotes)
            .finish_non_exhaustive()
    }
}

impl SimulatedTpm {
    /// A simulated TPM whose P-256 AK is derived from `config.seed`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] with [`Item::Measurements`] for no PCRs, an index at or
    /// above [`PCR_COUNT`] or one given twice; [`Error::Provider`] if the provider cannot load
    /// the key.
    pub fn new(
        mut config: SimTpmConfig,
        provider: &'static dyn CryptoProvider,
    ) -> Result<Self, Error> {
        let bad = Error::InvalidArgument {
            what: Item::Measurements,
        };
        config.pcrs.sort_by_key(|(i, _)| *i);
        if config.pcrs.is_empty()
            || config.pcrs.iter().any(|(i, _)| *i >= PCR_COUNT)
            || config
                .pcrs
                .windows(2)
                .any(|w| w.first().map(|p| p.0) == w.get(1).map(|p| p.0))
        {
            return Err(bad);
        }
        let prk: Secret = provider.hkdf_extract(HashAlgorithm::Sha256, KDF_SALT, &config.seed);
        let (pkcs8, spki) = derive_ec_key(
            provider,
            &prk,
            b"attestation key",
            SignatureAlgorithm::EcdsaSecp256r1Sha256,
        )?;
        let key = provider
            .signing_key_from_pkcs8(SignatureAlgorithm::EcdsaSecp256r1Sha256, &pkcs8)
            .map_err(provider_err)?;
        let kid = provider
            .hash(HashAlgorithm::Sha256, &[&spki])
            .as_bytes()
            .to_vec();
        Ok(Self {
            provider,
            config,
            key,
            spki,
            kid,
            quotes: 0,
        })
    }

    /// The AK's DER SubjectPublicKeyInfo: what a Verifier pins.
    pub fn attestation_key_spki(&self) -> Vec<u8> {
        self.spki.clone()
    }

    /// The value of PCR `index` of the SHA-256 bank, if quotes select it.
    pub fn pcr(&self, index: u8) -> Option<[u8; 32]> {
        self.config
            .pcrs
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, v)| *v)
    }

    /// `TPM2_PCR_Extend` of PCR `index` of the SHA-256 bank with `digest`:
    /// `PCR := SHA-256(PCR || digest)` (TPM 2.0 Part 1, "Extend of a PCR").
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] with [`Item::Measurements`] for a PCR quotes do not select.
    pub fn extend(&mut self, index: u8, digest: &[u8; 32]) -> Result<(), Error> {
        let provider = self.provider;
        let (_, value) = self
            .config
            .pcrs
            .iter_mut()
            .find(|(i, _)| *i == index)
            .ok_or(Error::InvalidArgument {
                what: Item::Measurements,
            })?;
        let next = provider.hash(HashAlgorithm::Sha256, &[&value[..], digest]);
        value.copy_from_slice(next.as_bytes());
        Ok(())
    }

    /// The `TPMS_ATTEST` of a quote over the configured PCRs with `extra`.
    fn attest_bytes(&self, extra: &[u8]) -> Result<Vec<u8>, Error> {
        let mut name = ALG_SHA256.to_be_bytes().to_vec();
        name.extend_from_slice(&self.kid);
        let values: Vec<&[u8]> = self.config.pcrs.iter().map(|(_, v)| &v[..]).collect();
        let pcr_digest = self.provider.hash(HashAlgorithm::Sha256, &values);
        let mut select = [0u8; 3];
        for (i, _) in &self.config.pcrs {
            if let Some(b) = select.get_mut(usize::from(*i / 8)) {
                *b |= 1 << (*i % 8);
            }
        }
        let clock = self
            .config
            .clock_ms
            .saturating_add(self.quotes.saturating_mul(1000));
        let mut out = Vec::with_capacity(160);
        out.extend_from_slice(&MAGIC.to_be_bytes());
        out.extend_from_slice(&ST_ATTEST_QUOTE.to_be_bytes());
        tpm2b(&mut out, &name)?;
        tpm2b(&mut out, extra)?;
        out.extend_from_slice(&clock.to_be_bytes());
        out.extend_from_slice(&self.config.reset_count.to_be_bytes());
        out.extend_from_slice(&self.config.restart_count.to_be_bytes());
        out.push(1); // safe
        out.extend_from_slice(&self.config.firmware_version.to_be_bytes());
        out.extend_from_slice(&1u32.to_be_bytes()); // one bank
        out.extend_from_slice(&ALG_SHA256.to_be_bytes());
        out.push(3);
        out.extend_from_slice(&select);
        tpm2b(&mut out, pcr_digest.as_bytes())?;
        Ok(out)
    }
}

/// Appends a `TPM2B`: a big-endian u16 size, then the bytes.
fn tpm2b(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), Error> {
    let len = u16::try_from(bytes.len()).map_err(|_| Error::InvalidArgument {
        what: Item::CmwValue,
    })?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}

impl Attester for SimulatedTpm {
    /// A quote whose `extraData` is [`extra_data`]`(binder, aik_pub_hash)`, as a CMW record
    /// of media type [`TPM_QUOTE_MEDIA_TYPE`].
    fn attest(&mut self, request: &EvidenceRequest<'_>) -> Result<Vec<u8>, Error> {
        let extra = extra_data(request.binder, request.aik_pub_hash)?;
        let attest = self.attest_bytes(&extra)?;
        let rs = self
            .key
            .sign(&attest, SignatureEncoding::Fixed, &mut NoRandom)
            .map_err(provider_err)?;
        let (r, s) = rs.split_at(rs.len() / 2);
        let mut signature = Vec::with_capacity(8 + rs.len());
        signature.extend_from_slice(&ALG_ECDSA.to_be_bytes());
        signature.extend_from_slice(&ALG_SHA256.to_be_bytes());
        tpm2b(&mut signature, r)?;
        tpm2b(&mut signature, s)?;
        self.quotes = self.quotes.saturating_add(1);
        let record = TpmQuoteRecord {
            kid: Some(self.kid.clone()),
            signature,
            pcrs: self.config.pcrs.iter().map(|(_, v)| v.to_vec()).collect(),
            attest,
        };
        let cmw = Cmw::Record(Record::new(
            RecordType::MediaType(TPM_QUOTE_MEDIA_TYPE.into()),
            record.to_vec(),
            Some(Ind::EVIDENCE),
        )?);
        Ok(cmw.to_vec())
    }
}
