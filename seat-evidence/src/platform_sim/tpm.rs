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
//! With [`SimTpmConfig::ak_certificate`] set, the simulated TPM also has an AK certificate
//! issued by a test CA whose P-256 key comes from the CA's own seed
//! ([`SimAkCertificate::ca_seed`], by default a published test seed, so that every simulated
//! TPM is certified by the same test CA, as a vendor's CA certifies many TPMs), and puts it in
//! the record's `x5c` (leaf only: the Verifier holds the CA certificate as its root):
//!
//! | certificate | subject | extensions |
//! | --- | --- | --- |
//! | test CA (self-signed, 2020-01-01 to 2100-01-01) | `CN=seat sim-tpm test AK CA, O=seat test` | basicConstraints CA (critical), keyUsage keyCertSign and cRLSign (critical), subjectKeyIdentifier |
//! | AK (validity from the configuration) | `CN=seat sim-tpm AK, O=seat test` | basicConstraints not CA (critical), keyUsage digitalSignature (critical), extKeyUsage tcg-kp-AIKCertificate 2.23.133.8.3, subject and authority key identifiers |
//!
//! both signed ECDSA P-256 with SHA-256 (RFC 5758). The extensions follow the WebAuthn TPM
//! attestation certificate requirements (Web Authentication Level 2, 8.3.1: not a CA, the
//! tcg-kp-AIKCertificate key purpose) without their empty subject and TCG directory-name
//! subject alternative name, which no check here reads.
//!
//! Honesty as for the simulated TEE: the only way to a quote is [`Attester::attest`] with a
//! binder; nothing signs caller bytes with the AK.

use core::fmt;
use core::str::FromStr;

use der::Encode;
use der::asn1::{ObjectIdentifier, OctetString};
use seat_binding::Secret;
use seat_binding::provider::{
    CryptoProvider, HashAlgorithm, SignatureAlgorithm, SignatureEncoding, SigningKey,
};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;
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

/// ecdsa-with-SHA256 (RFC 5758 section 3.2).
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// id-ce-subjectKeyIdentifier, keyUsage, basicConstraints, extKeyUsage,
/// authorityKeyIdentifier (RFC 5280 section 4.2.1).
const OID_SKI: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const OID_KU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const OID_BC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const OID_EKU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const OID_AKI: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
/// tcg-kp-AIKCertificate (TCG; WebAuthn Level 2, 8.3.1).
pub const OID_TCG_KP_AIK_CERTIFICATE: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.23.133.8.3");

/// The test CA's subject.
pub const TEST_AK_CA_SUBJECT: &str = "CN=seat sim-tpm test AK CA,O=seat test";
/// The AK certificate's subject.
pub const TEST_AK_SUBJECT: &str = "CN=seat sim-tpm AK,O=seat test";
/// The test CA's validity: 2020-01-01T00:00:00Z to 2100-01-01T00:00:00Z.
pub const TEST_AK_CA_VALIDITY: (u64, u64) = (1_577_836_800, 4_102_444_800);

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
    /// Whether the AK has a certificate from the seed's test CA, and its validity (module
    /// documentation); `None` (the default) for a bare AK a Verifier pins.
    pub ak_certificate: Option<SimAkCertificate>,
}

/// The simulated AK certificate: its validity (seconds since the Unix epoch) and the secret
/// seed of the test CA that issues it.
#[derive(Clone, PartialEq, Eq)]
pub struct SimAkCertificate {
    /// `notBefore`.
    pub not_before: u64,
    /// `notAfter`.
    pub not_after: u64,
    /// The seed the test CA's key is derived from.
    pub ca_seed: [u8; 32],
}

/// The published test CA seed of [`SimAkCertificate::default`]:
/// SHA-256("seat sim-tpm test AK CA seed").
const DEFAULT_CA_SEED: [u8; 32] = [
    0x5f, 0x50, 0xae, 0xa3, 0xe4, 0x21, 0xaf, 0xe4, 0x93, 0x61, 0xb1, 0x2b, 0x05, 0x80, 0xa7, 0xc1,
    0x6b, 0x5a, 0x45, 0x07, 0x61, 0x53, 0x8f, 0x1f, 0x77, 0x85, 0x95, 0x8f, 0x55, 0xc1, 0x37, 0x6d,
];

/// HKDF salt of the test CA's derivations.
const CA_KDF_SALT: &[u8] = b"seat sim-tpm test ak ca v1";

impl Default for SimAkCertificate {
    /// The test CA's own validity, 2020 to 2100, and the published test CA seed. Never use
    /// the default CA seed outside tests and demos.
    fn default() -> Self {
        Self {
            not_before: TEST_AK_CA_VALIDITY.0,
            not_after: TEST_AK_CA_VALIDITY.1,
            ca_seed: DEFAULT_CA_SEED,
        }
    }
}

impl fmt::Debug for SimAkCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimAkCertificate")
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("ca_seed", &"<redacted>")
            .finish()
    }
}

impl Drop for SimAkCertificate {
    fn drop(&mut self) {
        self.ca_seed.zeroize();
    }
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
            ak_certificate: None,
        }
    }
}

impl fmt::Debug for SimTpmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimTpmConfig")
            .field("seed", &"<redacted>")
            .field("pcrs", &self.pcrs.len())
            .field("firmware_version", &self.firmware_version)
            .field("ak_certificate", &self.ak_certificate)
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
    /// The test CA certificate and the AK certificate, with an AK certificate.
    certificates: Option<(Vec<u8>, Vec<u8>)>,
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
    /// above [`PCR_COUNT`] or one given twice; [`Error::InvalidArgument`] with
    /// [`Item::Certificate`] for an AK certificate validity that does not encode (after 9999);
    /// [`Error::Provider`] if the provider cannot load or use a key.
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
        let certificates = match &config.ak_certificate {
            Some(c) => Some(issue_certificates(provider, &spki, &kid, c)?),
            None => None,
        };
        Ok(Self {
            provider,
            config,
            key,
            spki,
            kid,
            certificates,
            quotes: 0,
        })
    }

    /// The AK's DER SubjectPublicKeyInfo: what a Verifier pins.
    pub fn attestation_key_spki(&self) -> Vec<u8> {
        self.spki.clone()
    }

    /// The test CA certificate (DER, self-signed): what a Verifier trusts as the AK root, when
    /// the configuration asks for an AK certificate.
    pub fn ak_ca_certificate_der(&self) -> Option<&[u8]> {
        self.certificates.as_ref().map(|(ca, _)| ca.as_slice())
    }

    /// The AK certificate (DER), issued by the test CA, when the configuration asks for one.
    pub fn ak_certificate_der(&self) -> Option<&[u8]> {
        self.certificates.as_ref().map(|(_, ak)| ak.as_slice())
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

fn cert_err<E>(_: E) -> Error {
    Error::InvalidArgument {
        what: Item::Certificate,
    }
}

fn extension<T: Encode>(
    id: ObjectIdentifier,
    critical: bool,
    value: &T,
) -> Result<Extension, Error> {
    Ok(Extension {
        extn_id: id,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(cert_err)?).map_err(cert_err)?,
    })
}

/// A positive 16-byte serial from the seed (first byte in 0x40..=0x7f).
fn serial(
    provider: &dyn CryptoProvider,
    prk: &Secret,
    label: &[u8],
) -> Result<SerialNumber, Error> {
    let s = provider
        .hkdf_expand(HashAlgorithm::Sha256, prk.expose(), &[label], 16)
        .map_err(provider_err)?;
    let mut s = s.expose().to_vec();
    if let Some(first) = s.first_mut() {
        *first = (*first & 0x3f) | 0x40;
    }
    SerialNumber::new(&s).map_err(cert_err)
}

/// The first 20 bytes of SHA-256 of the key's subjectPublicKey bits (RFC 7093 section 2,
/// method 1).
fn key_id(provider: &dyn CryptoProvider, spki: &[u8]) -> Result<OctetString, Error> {
    let info = seat_binding::spki::parse_spki(spki).map_err(provider_err)?;
    let digest = provider.hash(HashAlgorithm::Sha256, &[info.raw_key]);
    OctetString::new(digest.as_bytes().get(..20).unwrap_or_default()).map_err(cert_err)
}

/// The test CA certificate and the AK certificate (module documentation).
fn issue_certificates(
    provider: &dyn CryptoProvider,
    ak_spki: &[u8],
    ak_kid: &[u8],
    c: &SimAkCertificate,
) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let alg = SignatureAlgorithm::EcdsaSecp256r1Sha256;
    let prk: Secret = provider.hkdf_extract(HashAlgorithm::Sha256, CA_KDF_SALT, &c.ca_seed);
    let prk = &prk;
    let (ca_pkcs8, ca_spki) = derive_ec_key(provider, prk, b"ca key", alg)?;
    let ca_key = provider
        .signing_key_from_pkcs8(alg, &ca_pkcs8)
        .map_err(provider_err)?;
    let ca_name = Name::from_str(TEST_AK_CA_SUBJECT).map_err(cert_err)?;
    let ca_id = key_id(provider, &ca_spki)?;
    let sign = |tbs: TbsCertificate| -> Result<Vec<u8>, Error> {
        let tbs_der = tbs.to_der().map_err(cert_err)?;
        let signature = ca_key
            .sign(&tbs_der, SignatureEncoding::Tls, &mut NoRandom)
            .map_err(provider_err)?;
        crate::der::certificate(tbs, &signature)
    };
    let tbs = |serial, subject, (not_before, not_after), spki: &[u8], extensions| {
        Ok::<_, Error>(TbsCertificate {
            version: Version::V3,
            serial_number: serial,
            signature: AlgorithmIdentifierOwned {
                oid: OID_ECDSA_SHA256,
                parameters: None,
            },
            issuer: ca_name.clone(),
            validity: Validity {
                not_before: crate::der::time(not_before)?,
                not_after: crate::der::time(not_after)?,
            },
            subject,
            subject_public_key_info: SubjectPublicKeyInfoOwned::try_from(spki).map_err(cert_err)?,
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(extensions),
        })
    };
    let ca = sign(tbs(
        serial(provider, prk, b"ca serial")?,
        ca_name.clone(),
        TEST_AK_CA_VALIDITY,
        &ca_spki,
        vec![
            extension(
                OID_BC,
                true,
                &BasicConstraints {
                    ca: true,
                    path_len_constraint: Some(0),
                },
            )?,
            extension(
                OID_KU,
                true,
                &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
            )?,
            extension(OID_SKI, false, &SubjectKeyIdentifier(ca_id.clone()))?,
        ],
    )?)?;
    let ak = sign(tbs(
        serial(provider, prk, &[b"ak serial".as_slice(), ak_kid].concat())?,
        Name::from_str(TEST_AK_SUBJECT).map_err(cert_err)?,
        (c.not_before, c.not_after),
        ak_spki,
        vec![
            extension(
                OID_BC,
                true,
                &BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                },
            )?,
            extension(OID_KU, true, &KeyUsage(KeyUsages::DigitalSignature.into()))?,
            extension(
                OID_EKU,
                false,
                &ExtendedKeyUsage(vec![OID_TCG_KP_AIK_CERTIFICATE]),
            )?,
            extension(
                OID_SKI,
                false,
                &SubjectKeyIdentifier(key_id(provider, ak_spki)?),
            )?,
            extension(
                OID_AKI,
                false,
                &AuthorityKeyIdentifier {
                    key_identifier: Some(ca_id),
                    ..AuthorityKeyIdentifier::default()
                },
            )?,
        ],
    )?)?;
    Ok((ca, ak))
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
            ak_certs: self
                .ak_certificate_der()
                .map(|c| vec![c.to_vec()])
                .unwrap_or_default(),
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
