//! A format-faithful AMD SEV-SNP simulator: attestation reports (version 3, SEV-SNP firmware
//! ABI "ATTESTATION_REPORT") signed by a VCEK or a VLEK (ECDSA P-384 with SHA-384), with the
//! certificate chain AMD's Key Distribution Service would serve (ARK, ASK, VCEK; ARK, ASVK,
//! VLEK) and an ARK-signed CRL, all generated from a 32-byte seed.
//!
//! **Test roots only.** The ARK here is generated from the seed; a Verifier trusting AMD's real
//! ARKs refuses everything this simulator signs (`UntrustedRoot`). Give its
//! [`SimSnp::ark_der`] and [`SimSnp::ask_der`] to `seat_verify::snp::SnpFormat::with_root`
//! and its [`SimSnp::vcek_der`] to `Collateral::add_snp_vcek` to appraise its reports through
//! the same code as a real report's.
//!
//! # Determinism
//!
//! Every key comes from the seed (a ChaCha20 stream keyed by `SHA-512(label || seed)`, one
//! label per key); report signatures are deterministic ECDSA (RFC 6979) and the RSA-PSS salts
//! of the certificates and the CRL come from the same kind of stream, keyed by the seed and
//! the signed bytes. The same seed and configuration give the same bytes, so recorded sessions
//! replay byte for byte (with this crate's locked `rsa`, whose key generation is part of the
//! derivation).
//!
//! # Choices
//!
//! - ARK, ASK and ASVK are RSA **2048**-bit keys (AMD's are 4096-bit): the `sev` crate and
//!   `seat-verify` accept any RSA size, and 2048-bit generation is several times faster. The
//!   certificates are signed as AMD signs them, RSASSA-PSS with SHA-384, MGF1-SHA-384 and a
//!   48-byte salt (what `sev`'s chain verification requires).
//! - Subject and issuer names, validity style, VCEK extensions (structVersion, productName,
//!   the SPLs 1.3.6.1.4.1.3704.1.3.1 to .8 in AMD's order, hwID 1.3.6.1.4.1.3704.1.4) follow
//!   AMD's Milan VCEK (seat-verify's test sample); the VLEK carries the SPLs and a CSP id
//!   (1.3.6.1.4.1.3704.1.5) instead of a hwID (AMD VLEK specification).
//! - Serial numbers come from the seed (AMD issues VCEKs with serial 0; distinct serials let a
//!   CRL name one certificate).
//! - The report is version 3 with the CPUID of a Milan (family 0x19, model 0x01) or a Genoa
//!   (family 0x19, model 0x11), so `sev` picks the TCB layout from the CPUID.
//! - [`SimSnp`] is an [`Attester`]: its CMW is exactly the configfs-tsm Attester's
//!   ([`crate::configfs`]) for an SNP guest: a tsm-report record with provider `sev_guest`, the
//!   report as outblob and the host's certificate table as auxblob.

use core::fmt;
use core::str::FromStr as _;
use core::time::Duration;

use der::asn1::{BitString, Ia5String, ObjectIdentifier as Oid, OctetString, UtcTime};
use der::{Any, Decode as _};
use p384::ecdsa::signature::Signer as _;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore as _, SeedableRng as _};
use rsa::pkcs8::EncodePublicKey as _;
use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _};
use sha2::{Digest as _, Sha384, Sha512};
use spki::DynSignatureAlgorithmIdentifier as _;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::{Extension, Extensions};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, TbsCertificate, Version};
use zeroize::Zeroizing;

use crate::attester::{Attester, EvidenceRequest};
use crate::error::{Error, Item, ProviderError};
use crate::platform::{self, REPORT_DATA_LEN, SNP_PROVIDER, TsmReport};

/// Length of an attestation report (SEV-SNP firmware ABI).
pub const REPORT_LEN: usize = 1184;
/// The report bytes the signature covers.
const SIGNED_LEN: usize = 0x2a0;

/// RSA modulus size of the simulated ARK, ASK and ASVK (module documentation).
pub const SIM_RSA_BITS: usize = 2048;

/// Guest policy bit 16: SMT allowed.
pub const POLICY_SMT: u64 = 1 << 16;
/// Guest policy bit 17: reserved, must be one.
pub const POLICY_RESERVED_ONE: u64 = 1 << 17;
/// Guest policy bit 18: association with a migration agent allowed.
pub const POLICY_MIGRATE_MA: u64 = 1 << 18;
/// Guest policy bit 19: debugging allowed.
pub const POLICY_DEBUG: u64 = 1 << 19;

/// 2020-01-01T00:00:00Z: notBefore of the simulated ARK, ASK and ASVK.
pub const ROOT_NOT_BEFORE: u64 = 1_577_836_800;
/// 2045-01-01T00:00:00Z: notAfter of the simulated ARK, ASK and ASVK.
pub const ROOT_NOT_AFTER: u64 = 2_366_841_600;
/// 2024-01-01T00:00:00Z: default notBefore of the VCEK or VLEK.
pub const VEK_NOT_BEFORE: u64 = 1_704_067_200;
/// 2031-01-01T00:00:00Z: default notAfter of the VCEK or VLEK (AMD issues them for 7 years).
pub const VEK_NOT_AFTER: u64 = 1_924_992_000;

/// AMD's OIDs (VCEK and VLEK certificate specifications, chapter 3).
mod oid {
    use der::asn1::ObjectIdentifier as Oid;
    pub(super) const STRUCT_VERSION: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.1");
    pub(super) const PRODUCT_NAME: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.2");
    pub(super) const BL_SPL: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.3.1");
    pub(super) const TEE_SPL: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.3.2");
    pub(super) const SNP_SPL: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.3.3");
    pub(super) const SPL_4: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.3.4");
    pub(super) const SPL_5: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.3.5");
    pub(super) const SPL_6: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.3.6");
    pub(super) const SPL_7: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.3.7");
    pub(super) const UCODE_SPL: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.3.8");
    pub(super) const HW_ID: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.4");
    pub(super) const CSP_ID: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.5");
    pub(super) const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    pub(super) const SECP384R1: Oid = Oid::new_unwrap("1.3.132.0.34");
    pub(super) const BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
    pub(super) const KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
}

/// The certificate-table GUIDs of the GHCB specification (`SNP_GET_EXT_REPORT`), in the byte
/// order the `sev` crate reads them (the string order).
mod guid {
    pub(super) const ARK: [u8; 16] = hex16("c0b406a4a80349529743 3fb6014cd0ae");
    pub(super) const ASK: [u8; 16] = hex16("4ab7b379bbac4fe4a02f 05aef327c782");
    pub(super) const VCEK: [u8; 16] = hex16("63da758de6644564adc5 f4b93be8accd");
    pub(super) const VLEK: [u8; 16] = hex16("a8074bc2a25a483eaae6 39c045a0b8a1");

    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => 0,
        }
    }

    /// 32 hex digits (spaces skipped) to 16 bytes, at compile time.
    #[allow(clippy::indexing_slicing)]
    const fn hex16(s: &str) -> [u8; 16] {
        let s = s.as_bytes();
        let mut out = [0u8; 16];
        let (mut i, mut n) = (0, 0);
        while i < s.len() && n < 32 {
            if s[i] != b' ' {
                let v = nibble(s[i]);
                out[n / 2] |= if n % 2 == 0 { v << 4 } else { v };
                n += 1;
            }
            i += 1;
        }
        out
    }
}

/// A TCB level in the Milan and Genoa layout (bootloader, TEE, SNP and microcode SPLs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SimTcb {
    /// Bootloader SPL.
    pub bootloader: u8,
    /// PSP OS (TEE) SPL.
    pub tee: u8,
    /// SNP firmware SPL.
    pub snp: u8,
    /// Microcode SPL.
    pub microcode: u8,
}

impl SimTcb {
    /// The 64-bit TCB_VERSION: bootloader in byte 0, TEE in byte 1, SNP in byte 6, microcode
    /// in byte 7 (SEV-SNP firmware ABI, "TCB_VERSION", Milan and Genoa).
    pub const fn to_u64(self) -> u64 {
        u64::from_le_bytes([
            self.bootloader,
            self.tee,
            0,
            0,
            0,
            0,
            self.snp,
            self.microcode,
        ])
    }
}

/// The EPYC generation simulated.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SimProduct {
    /// Milan (family 0x19, model 0x01), product name `Milan-B0`.
    #[default]
    Milan,
    /// Genoa (family 0x19, model 0x11), product name `Genoa-B1`.
    Genoa,
}

impl SimProduct {
    /// The KDS product name (`Milan`, `Genoa`), as in the ARK's and ASK's names.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Milan => "Milan",
            Self::Genoa => "Genoa",
        }
    }

    const fn cpuid(self) -> (u8, u8, u8) {
        match self {
            Self::Milan => (0x19, 0x01, 0x01),
            Self::Genoa => (0x19, 0x11, 0x01),
        }
    }

    const fn stepping_name(self) -> &'static str {
        match self {
            Self::Milan => "Milan-B0",
            Self::Genoa => "Genoa-B1",
        }
    }
}

/// Which key signs the reports (the report's KEY_INFO.SIGNING_KEY).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SimSigningKey {
    /// The Versioned Chip Endorsement Key (SIGNING_KEY 0), chained ARK, ASK, VCEK.
    #[default]
    Vcek,
    /// The Versioned Loaded Endorsement Key (SIGNING_KEY 1), chained ARK, ASVK, VLEK.
    Vlek,
}

/// One certificate of the simulated chains, to name on a CRL.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SimCert {
    /// The ARK.
    Ark,
    /// The ASK.
    Ask,
    /// The ASVK.
    Asvk,
    /// The VCEK or VLEK, whichever signs.
    Vek,
}

/// What the simulated guest and platform report; every field is a knob for tests and demos.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimSnpConfig {
    /// The EPYC generation.
    pub product: SimProduct,
    /// The signing key.
    pub signing_key: SimSigningKey,
    /// MEASUREMENT (the launch digest).
    pub measurement: [u8; 48],
    /// HOST_DATA.
    pub host_data: [u8; 32],
    /// ID_KEY_DIGEST.
    pub id_key_digest: [u8; 48],
    /// AUTHOR_KEY_DIGEST.
    pub author_key_digest: [u8; 48],
    /// FAMILY_ID.
    pub family_id: [u8; 16],
    /// IMAGE_ID.
    pub image_id: [u8; 16],
    /// GUEST_SVN.
    pub guest_svn: u32,
    /// The guest policy ([`POLICY_SMT`], [`POLICY_MIGRATE_MA`], [`POLICY_DEBUG`], ...).
    pub policy: u64,
    /// VMPL of the requesting guest.
    pub vmpl: u32,
    /// The TCB the VCEK or VLEK certifies (its SPL extensions); also CURRENT, COMMITTED and
    /// LAUNCH TCB of the report.
    pub tcb: SimTcb,
    /// REPORTED_TCB, when it differs from [`SimSnpConfig::tcb`] (a report claiming a TCB its
    /// signing key does not certify).
    pub reported_tcb: Option<SimTcb>,
    /// notBefore and notAfter of the VCEK or VLEK, Unix seconds.
    pub vek_validity: (u64, u64),
}

impl Default for SimSnpConfig {
    /// A Milan guest signed by its VCEK, MEASUREMENT `0x11` repeated, HOST_DATA `0x22`
    /// repeated, policy ABI 0.0 with SMT allowed (no debug, no migration agent), VMPL 0, TCB
    /// bootloader 3, TEE 0, SNP 8, microcode 115 (the Milan sample's).
    fn default() -> Self {
        Self {
            product: SimProduct::Milan,
            signing_key: SimSigningKey::Vcek,
            measurement: [0x11; 48],
            host_data: [0x22; 32],
            id_key_digest: [0; 48],
            author_key_digest: [0; 48],
            family_id: [0; 16],
            image_id: [0; 16],
            guest_svn: 0,
            policy: POLICY_RESERVED_ONE | POLICY_SMT,
            vmpl: 0,
            tcb: SimTcb {
                bootloader: 3,
                tee: 0,
                snp: 8,
                microcode: 115,
            },
            reported_tcb: None,
            vek_validity: (VEK_NOT_BEFORE, VEK_NOT_AFTER),
        }
    }
}

impl SimSnpConfig {
    /// Sets or clears the debug bit of the guest policy.
    #[must_use]
    pub const fn debug(mut self, on: bool) -> Self {
        self.policy = set_bit(self.policy, POLICY_DEBUG, on);
        self
    }

    /// Sets or clears the migration-agent bit of the guest policy.
    #[must_use]
    pub const fn migration_agent(mut self, on: bool) -> Self {
        self.policy = set_bit(self.policy, POLICY_MIGRATE_MA, on);
        self
    }

    /// Sets or clears the SMT bit of the guest policy.
    #[must_use]
    pub const fn smt(mut self, on: bool) -> Self {
        self.policy = set_bit(self.policy, POLICY_SMT, on);
        self
    }

    /// REPORTED_TCB, as the report carries it.
    pub fn reported_tcb(&self) -> SimTcb {
        self.reported_tcb.unwrap_or(self.tcb)
    }
}

const fn set_bit(v: u64, bit: u64, on: bool) -> u64 {
    if on { v | bit } else { v & !bit }
}

/// The simulated AMD SEV-SNP platform (module documentation). Test roots only.
#[derive(Clone)]
pub struct SimSnp {
    seed: Zeroizing<[u8; 32]>,
    config: SimSnpConfig,
    ark: rsa::RsaPrivateKey,
    ask: rsa::RsaPrivateKey,
    asvk: rsa::RsaPrivateKey,
    vek: p384::ecdsa::SigningKey,
    chip_id: [u8; 64],
    report_id: [u8; 32],
    ark_der: Vec<u8>,
    ask_der: Vec<u8>,
    asvk_der: Vec<u8>,
    vek_der: Vec<u8>,
}

impl fmt::Debug for SimSnp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimSnp")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn key_err<E>(_: E) -> Error {
    Error::Provider(ProviderError(seat_binding::Error::MalformedPrivateKey))
}

fn der_err<E>(_: E) -> Error {
    Error::InvalidArgument {
        what: Item::CmwValue,
    }
}

/// A ChaCha20 stream keyed by `SHA-512(label || seed || extra)` (first 32 bytes).
fn stream(seed: &[u8; 32], label: &str, extra: &[u8]) -> ChaCha20Rng {
    let mut h = Sha512::new();
    h.update(label.as_bytes());
    h.update(seed);
    h.update(extra);
    let digest = h.finalize();
    let mut key = Zeroizing::new([0u8; 32]);
    for (k, d) in key.iter_mut().zip(digest.iter()) {
        *k = *d;
    }
    ChaCha20Rng::from_seed(*key)
}

fn bytes<const N: usize>(seed: &[u8; 32], label: &str) -> [u8; N] {
    let mut out = [0u8; N];
    stream(seed, label, &[]).fill_bytes(&mut out);
    out
}

/// A positive 16-byte serial number from the seed.
fn serial(seed: &[u8; 32], label: &str) -> Result<SerialNumber, Error> {
    let mut s: [u8; 16] = bytes(seed, label);
    if let Some(first) = s.first_mut() {
        *first = (*first & 0x7f) | 0x01;
    }
    SerialNumber::new(&s).map_err(der_err)
}

fn time(unix: u64) -> Result<Time, Error> {
    let d = Duration::from_secs(unix);
    if unix < 2_524_608_000 {
        Ok(Time::UtcTime(
            UtcTime::from_unix_duration(d).map_err(der_err)?,
        ))
    } else {
        Ok(Time::GeneralTime(
            der::asn1::GeneralizedTime::from_unix_duration(d).map_err(der_err)?,
        ))
    }
}

fn amd_name(cn: &str) -> Result<Name, Error> {
    // RFC 4514 order (last RDN first): AMD's names read OU, C, L, ST, O, CN.
    Name::from_str(&format!(
        "CN={cn},O=Advanced Micro Devices,ST=CA,L=Santa Clara,C=US,OU=Engineering"
    ))
    .map_err(der_err)
}

fn ext(id: Oid, critical: bool, value: Vec<u8>) -> Result<Extension, Error> {
    Ok(Extension {
        extn_id: id,
        critical,
        extn_value: OctetString::new(value).map_err(der_err)?,
    })
}

fn der_of<T: der::Encode>(v: &T) -> Result<Vec<u8>, Error> {
    v.to_der().map_err(der_err)
}

/// The CA extensions AMD's ARK and ASK carry: basicConstraints CA, keyUsage keyCertSign and
/// cRLSign.
fn ca_extensions() -> Result<Extensions, Error> {
    // BasicConstraints ::= SEQUENCE { cA BOOLEAN TRUE }; KeyUsage BIT STRING with bits 5
    // (keyCertSign) and 6 (cRLSign): one byte 0x06, one unused bit.
    Ok(vec![
        ext(
            oid::BASIC_CONSTRAINTS,
            true,
            vec![0x30, 0x03, 0x01, 0x01, 0xff],
        )?,
        ext(oid::KEY_USAGE, true, vec![0x03, 0x02, 0x01, 0x06])?,
    ])
}

fn rsa_spki(key: &rsa::RsaPrivateKey) -> Result<SubjectPublicKeyInfoOwned, Error> {
    let der = key.to_public_key().to_public_key_der().map_err(key_err)?;
    SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).map_err(der_err)
}

fn ec_spki(key: &p384::ecdsa::SigningKey) -> Result<SubjectPublicKeyInfoOwned, Error> {
    let point = key.verifying_key().to_encoded_point(false);
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: oid::EC_PUBLIC_KEY,
            parameters: Some(Any::from(oid::SECP384R1)),
        },
        subject_public_key: BitString::from_bytes(point.as_bytes()).map_err(der_err)?,
    })
}

/// RSASSA-PSS with SHA-384, MGF1-SHA-384, 48-byte salt, as AMD signs.
fn pss_signer(key: &rsa::RsaPrivateKey) -> rsa::pss::SigningKey<Sha384> {
    rsa::pss::SigningKey::<Sha384>::new(key.clone())
}

/// Signs `tbs` (DER) with RSA-PSS, the salt from the seed and the bytes signed.
fn pss_sign(
    seed: &[u8; 32],
    signer: &rsa::pss::SigningKey<Sha384>,
    tbs: &[u8],
) -> Result<BitString, Error> {
    let mut rng = stream(seed, "seat sim-snp pss salt", tbs);
    let sig = signer.try_sign_with_rng(&mut rng, tbs).map_err(key_err)?;
    BitString::from_bytes(&sig.to_bytes()).map_err(der_err)
}

struct Issue<'a> {
    serial: SerialNumber,
    issuer: Name,
    subject: Name,
    validity: (u64, u64),
    spki: SubjectPublicKeyInfoOwned,
    extensions: Extensions,
    signer: &'a rsa::RsaPrivateKey,
}

fn issue(seed: &[u8; 32], i: Issue<'_>) -> Result<Vec<u8>, Error> {
    let signer = pss_signer(i.signer);
    let alg = signer.signature_algorithm_identifier().map_err(der_err)?;
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: i.serial,
        signature: alg.clone(),
        issuer: i.issuer,
        validity: Validity {
            not_before: time(i.validity.0)?,
            not_after: time(i.validity.1)?,
        },
        subject: i.subject,
        subject_public_key_info: i.spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(i.extensions),
    };
    let tbs_der = der_of(&tbs)?;
    let signature = pss_sign(seed, &signer, &tbs_der)?;
    der_of(&Certificate {
        tbs_certificate: tbs,
        signature_algorithm: alg,
        signature,
    })
}

impl SimSnp {
    /// The platform of `seed` with `config`: generates the ARK, ASK, ASVK (RSA, slow: about a
    /// second in an unoptimised build), the VCEK or VLEK (P-384) and the chip id, and issues
    /// their certificates.
    ///
    /// # Errors
    ///
    /// [`Error::Provider`] if a key cannot be generated or used, [`Error::InvalidArgument`] if
    /// a certificate cannot be encoded (a validity outside 1950..9999).
    pub fn new(seed: [u8; 32], config: SimSnpConfig) -> Result<Self, Error> {
        let seed = Zeroizing::new(seed);
        let rsa_key = |label| {
            rsa::RsaPrivateKey::new(&mut stream(&seed, label, &[]), SIM_RSA_BITS).map_err(key_err)
        };
        let ark = rsa_key("seat sim-snp ark")?;
        let ask = rsa_key("seat sim-snp ask")?;
        let asvk = rsa_key("seat sim-snp asvk")?;
        let vek_label = match config.signing_key {
            SimSigningKey::Vcek => "seat sim-snp vcek",
            SimSigningKey::Vlek => "seat sim-snp vlek",
        };
        let vek = p384::ecdsa::SigningKey::random(&mut stream(&seed, vek_label, &[]));
        let mut chip_id: [u8; 64] = bytes(&seed, "seat sim-snp chip id");
        // A chip id whose last 56 bytes are zero reads as a Turin one (`sev`); never so here.
        if let Some(last) = chip_id.last_mut() {
            *last |= 1;
        }
        let report_id = bytes(&seed, "seat sim-snp report id");
        let product = config.product.name();
        let ark_name = amd_name(&format!("ARK-{product}"))?;
        let ark_der = issue(
            &seed,
            Issue {
                serial: serial(&seed, "seat sim-snp ark serial")?,
                issuer: ark_name.clone(),
                subject: ark_name.clone(),
                validity: (ROOT_NOT_BEFORE, ROOT_NOT_AFTER),
                spki: rsa_spki(&ark)?,
                extensions: ca_extensions()?,
                signer: &ark,
            },
        )?;
        let ask_name = amd_name(&format!("SEV-{product}"))?;
        let ask_der = issue(
            &seed,
            Issue {
                serial: serial(&seed, "seat sim-snp ask serial")?,
                issuer: ark_name.clone(),
                subject: ask_name.clone(),
                validity: (ROOT_NOT_BEFORE, ROOT_NOT_AFTER),
                spki: rsa_spki(&ask)?,
                extensions: ca_extensions()?,
                signer: &ark,
            },
        )?;
        let asvk_name = amd_name(&format!("SEV-VLEK-{product}"))?;
        let asvk_der = issue(
            &seed,
            Issue {
                serial: serial(&seed, "seat sim-snp asvk serial")?,
                issuer: ark_name,
                subject: asvk_name.clone(),
                validity: (ROOT_NOT_BEFORE, ROOT_NOT_AFTER),
                spki: rsa_spki(&asvk)?,
                extensions: ca_extensions()?,
                signer: &ark,
            },
        )?;
        let vek_der = Self::issue_vek(
            &seed, &config, &vek, &chip_id, &ask, &asvk, ask_name, asvk_name,
        )?;
        Ok(Self {
            seed,
            config,
            ark,
            ask,
            asvk,
            vek,
            chip_id,
            report_id,
            ark_der,
            ask_der,
            asvk_der,
            vek_der,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn issue_vek(
        seed: &[u8; 32],
        config: &SimSnpConfig,
        vek: &p384::ecdsa::SigningKey,
        chip_id: &[u8; 64],
        ask: &rsa::RsaPrivateKey,
        asvk: &rsa::RsaPrivateKey,
        ask_name: Name,
        asvk_name: Name,
    ) -> Result<Vec<u8>, Error> {
        let int = |v: u8| der_of(&v);
        let t = config.tcb;
        let product = Ia5String::new(config.product.stepping_name()).map_err(der_err)?;
        let mut extensions = vec![
            ext(oid::STRUCT_VERSION, false, int(0)?)?,
            ext(oid::PRODUCT_NAME, false, der_of(&product)?)?,
            ext(oid::BL_SPL, false, int(t.bootloader)?)?,
            ext(oid::TEE_SPL, false, int(t.tee)?)?,
        ];
        let (subject, issuer, signer, label) = match config.signing_key {
            SimSigningKey::Vcek => {
                for id in [oid::SPL_4, oid::SPL_5, oid::SPL_6, oid::SPL_7] {
                    extensions.push(ext(id, false, int(0)?)?);
                }
                extensions.push(ext(oid::SNP_SPL, false, int(t.snp)?)?);
                extensions.push(ext(oid::UCODE_SPL, false, int(t.microcode)?)?);
                // hwID: the 64 chip-id bytes themselves as the extension value (as AMD's).
                extensions.push(ext(oid::HW_ID, false, chip_id.to_vec())?);
                ("SEV-VCEK", ask_name, ask, "seat sim-snp vcek serial")
            }
            SimSigningKey::Vlek => {
                extensions.push(ext(oid::SNP_SPL, false, int(t.snp)?)?);
                extensions.push(ext(oid::UCODE_SPL, false, int(t.microcode)?)?);
                let csp = Ia5String::new("seat-test-csp").map_err(der_err)?;
                extensions.push(ext(oid::CSP_ID, false, der_of(&csp)?)?);
                ("SEV-VLEK", asvk_name, asvk, "seat sim-snp vlek serial")
            }
        };
        issue(
            seed,
            Issue {
                serial: serial(seed, label)?,
                issuer,
                subject: amd_name(subject)?,
                validity: config.vek_validity,
                spki: ec_spki(vek)?,
                extensions,
                signer,
            },
        )
    }

    /// The configuration.
    pub const fn config(&self) -> &SimSnpConfig {
        &self.config
    }

    /// The same platform (same keys, chip and roots) reporting with `config`; the VCEK or
    /// VLEK certificate is reissued for its TCB and validity. The signing key's kind must stay
    /// the same (it is a different key).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] with [`Item::CmwValue`] if `config` names another signing
    /// key; those of [`SimSnp::new`] for the certificate.
    pub fn reconfigure(&mut self, config: SimSnpConfig) -> Result<(), Error> {
        if config.signing_key != self.config.signing_key || config.product != self.config.product {
            return Err(der_err(()));
        }
        let product = config.product.name();
        self.vek_der = Self::issue_vek(
            &self.seed,
            &config,
            &self.vek,
            &self.chip_id,
            &self.ask,
            &self.asvk,
            amd_name(&format!("SEV-{product}"))?,
            amd_name(&format!("SEV-VLEK-{product}"))?,
        )?;
        self.config = config;
        Ok(())
    }

    /// The test ARK certificate (DER): the trust anchor, self-signed.
    pub fn ark_der(&self) -> &[u8] {
        &self.ark_der
    }

    /// The test ASK certificate (DER), signed by the ARK.
    pub fn ask_der(&self) -> &[u8] {
        &self.ask_der
    }

    /// The test ASVK certificate (DER), signed by the ARK: the VLEK's issuer.
    pub fn asvk_der(&self) -> &[u8] {
        &self.asvk_der
    }

    /// The VCEK (or, with [`SimSigningKey::Vlek`], VLEK) certificate (DER), signed by the ASK
    /// (ASVK).
    pub fn vek_der(&self) -> &[u8] {
        &self.vek_der
    }

    /// The VCEK certificate (DER); the same as [`SimSnp::vek_der`], named for
    /// `Collateral::add_snp_vcek`.
    pub fn vcek_der(&self) -> &[u8] {
        &self.vek_der
    }

    /// CHIP_ID (also the VCEK's hwID).
    pub const fn chip_id(&self) -> &[u8; 64] {
        &self.chip_id
    }

    /// The serial number of a certificate (big-endian, as on a CRL).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if the certificate does not decode (never for its own).
    pub fn serial_of(&self, which: SimCert) -> Result<Vec<u8>, Error> {
        let der = match which {
            SimCert::Ark => &self.ark_der,
            SimCert::Ask => &self.ask_der,
            SimCert::Asvk => &self.asvk_der,
            SimCert::Vek => &self.vek_der,
        };
        let c = Certificate::from_der(der).map_err(der_err)?;
        Ok(c.tbs_certificate.serial_number.as_bytes().to_vec())
    }

    /// A CRL of the ARK (DER, X.509 v2, RSA-PSS SHA-384, as AMD KDS serves
    /// `vcek/v1/{product}/crl`) revoking `revoked` at `this_update`, valid until
    /// `next_update` (Unix seconds).
    ///
    /// # Errors
    ///
    /// Those of [`SimSnp::new`].
    pub fn crl(
        &self,
        revoked: &[SimCert],
        this_update: u64,
        next_update: u64,
    ) -> Result<Vec<u8>, Error> {
        let signer = pss_signer(&self.ark);
        let alg = signer.signature_algorithm_identifier().map_err(der_err)?;
        let ark = Certificate::from_der(&self.ark_der).map_err(der_err)?;
        let mut entries = Vec::with_capacity(revoked.len());
        for which in revoked {
            entries.push(RevokedCert {
                serial_number: SerialNumber::new(&self.serial_of(*which)?).map_err(der_err)?,
                revocation_date: time(this_update)?,
                crl_entry_extensions: None,
            });
        }
        let tbs = TbsCertList {
            version: Version::V2,
            signature: alg.clone(),
            issuer: ark.tbs_certificate.subject,
            this_update: time(this_update)?,
            next_update: Some(time(next_update)?),
            revoked_certificates: (!entries.is_empty()).then_some(entries),
            crl_extensions: None,
        };
        let tbs_der = der_of(&tbs)?;
        let signature = pss_sign(&self.seed, &signer, &tbs_der)?;
        der_of(&CertificateList {
            tbs_cert_list: tbs,
            signature_algorithm: alg,
            signature,
        })
    }

    /// An attestation report (version 3, [`REPORT_LEN`] bytes) carrying `report_data`, signed
    /// by the VCEK or VLEK.
    ///
    /// # Errors
    ///
    /// [`Error::Provider`] if signing fails.
    pub fn report(&self, report_data: &[u8; REPORT_DATA_LEN]) -> Result<Vec<u8>, Error> {
        let c = &self.config;
        let mut r = vec![0u8; REPORT_LEN];
        let (family, model, stepping) = c.product.cpuid();
        let key_info: u32 = match c.signing_key {
            SimSigningKey::Vcek => 0,
            SimSigningKey::Vlek => 1 << 2,
        };
        let tcb = c.tcb.to_u64().to_le_bytes();
        // Firmware 1.55.21 (build, minor, major), as CURRENT and COMMITTED.
        let firmware = [21, 55, 1];
        let fields: [(usize, &[u8]); 25] = [
            (0x000, &3u32.to_le_bytes()),
            (0x004, &c.guest_svn.to_le_bytes()),
            (0x008, &c.policy.to_le_bytes()),
            (0x010, &c.family_id),
            (0x020, &c.image_id),
            (0x030, &c.vmpl.to_le_bytes()),
            // SIGNATURE_ALGO 1: ECDSA P-384 with SHA-384.
            (0x034, &1u32.to_le_bytes()),
            (0x038, &tcb),
            // PLATFORM_INFO: SMT_EN and TSME_EN.
            (0x040, &3u64.to_le_bytes()),
            (0x048, &key_info.to_le_bytes()),
            (0x050, report_data),
            (0x090, &c.measurement),
            (0x0c0, &c.host_data),
            (0x0e0, &c.id_key_digest),
            (0x110, &c.author_key_digest),
            (0x140, &self.report_id),
            // REPORT_ID_MA: all ones, no migration agent.
            (0x160, &[0xff; 32]),
            (0x180, &c.reported_tcb().to_u64().to_le_bytes()),
            (0x188, &[family, model, stepping]),
            (0x1a0, &self.chip_id),
            (0x1e0, &tcb),
            (0x1e8, &firmware),
            (0x1ec, &firmware),
            (0x1f0, &tcb),
            (0x1f8, &[]),
        ];
        for (at, value) in fields {
            r.get_mut(at..at + value.len())
                .ok_or_else(|| der_err(()))?
                .copy_from_slice(value);
        }
        let signed = r.get(..SIGNED_LEN).ok_or_else(|| der_err(()))?;
        let sig: p384::ecdsa::Signature = self.vek.try_sign(signed).map_err(key_err)?;
        let (sr, ss) = sig.split_bytes();
        // R and S little-endian in 72-byte fields (SEV-SNP firmware ABI, "ECDSA signature").
        for (at, be) in [(SIGNED_LEN, sr), (SIGNED_LEN + 72, ss)] {
            let field = r.get_mut(at..at + 48).ok_or_else(|| der_err(()))?;
            for (o, b) in field.iter_mut().zip(be.iter().rev()) {
                *o = *b;
            }
        }
        Ok(r)
    }

    /// The certificate table the host hands the guest with an extended report (GHCB
    /// specification, `SNP_GET_EXT_REPORT`; Linux configfs-tsm `auxblob`): entries of GUID,
    /// offset and length, an all-zero entry, then the certificates: ARK, ASK and VCEK, or ARK,
    /// ASVK (in the ASK entry) and VLEK.
    pub fn cert_table(&self) -> Vec<u8> {
        let vek_guid = match self.config.signing_key {
            SimSigningKey::Vcek => guid::VCEK,
            SimSigningKey::Vlek => guid::VLEK,
        };
        let ask = match self.config.signing_key {
            SimSigningKey::Vcek => &self.ask_der,
            SimSigningKey::Vlek => &self.asvk_der,
        };
        let certs: [(&[u8; 16], &[u8]); 3] = [
            (&guid::ARK, &self.ark_der),
            (&guid::ASK, ask),
            (&vek_guid, &self.vek_der),
        ];
        let mut table = Vec::new();
        let mut data = Vec::new();
        let mut offset = (certs.len() + 1) * 24;
        for (g, der) in certs {
            table.extend_from_slice(g);
            table.extend_from_slice(&u32::try_from(offset).unwrap_or(u32::MAX).to_le_bytes());
            table.extend_from_slice(&u32::try_from(der.len()).unwrap_or(u32::MAX).to_le_bytes());
            data.extend_from_slice(der);
            offset += der.len();
        }
        table.extend_from_slice(&[0; 24]);
        table.extend_from_slice(&data);
        table
    }

    /// The tsm-report configfs-tsm would return for `report_data`: provider `sev_guest`, the
    /// report as outblob, the certificate table as auxblob.
    ///
    /// # Errors
    ///
    /// Those of [`SimSnp::report`].
    pub fn tsm_report(&self, report_data: &[u8; REPORT_DATA_LEN]) -> Result<TsmReport, Error> {
        Ok(TsmReport {
            provider: SNP_PROVIDER.to_owned(),
            outblob: self.report(report_data)?,
            auxblob: Some(self.cert_table()),
        })
    }
}

impl Attester for SimSnp {
    /// A report whose report data is `SHA-512(binder || aik_pub_hash)`
    /// ([`crate::platform`]), in the CMW record the configfs-tsm Attester makes for an SNP
    /// guest.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a binder or AIK hash the binding rule refuses; those of
    /// [`SimSnp::report`].
    fn attest(&mut self, request: &EvidenceRequest<'_>) -> Result<Vec<u8>, Error> {
        let data = platform::report_data(request.binder, request.aik_pub_hash)?;
        crate::configfs::tsm_cmw(&self.tsm_report(&data)?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use p384::ecdsa::signature::Verifier as _;

    #[test]
    fn fields_sit_at_the_abi_offsets_and_the_vcek_signs() {
        let mut c = SimSnpConfig::default().debug(true);
        c.guest_svn = 7;
        c.vmpl = 1;
        let s = SimSnp::new([9; 32], c).unwrap();
        let r = s.report(&[0xab; 64]).unwrap();
        assert_eq!(r.len(), 1184);
        // Offsets from the SEV-SNP firmware ABI's ATTESTATION_REPORT table.
        assert_eq!(r[0x00..0x04], [3, 0, 0, 0]);
        assert_eq!(r[0x04..0x08], [7, 0, 0, 0]);
        // Policy: SMT (16), reserved (17), debug (19).
        assert_eq!(r[0x08..0x10], [0, 0, 0x0b, 0, 0, 0, 0, 0]);
        assert_eq!(r[0x30..0x34], [1, 0, 0, 0]);
        assert_eq!(r[0x34..0x38], [1, 0, 0, 0]);
        assert_eq!(r[0x50..0x90], [0xab; 64]);
        assert_eq!(r[0x90..0xc0], [0x11; 48]);
        assert_eq!(r[0xc0..0xe0], [0x22; 32]);
        assert_eq!(r[0x180..0x188], [3, 0, 0, 0, 0, 0, 8, 115]);
        assert_eq!(r[0x188..0x18b], [0x19, 0x01, 0x01]);
        assert_eq!(&r[0x1a0..0x1e0], s.chip_id());
        assert!(r[0x4a0 - 24..].iter().all(|b| *b == 0));
        // The signature: R and S little-endian, verified with p384 over the signed bytes and
        // the VCEK's public key from its certificate.
        let vcek = Certificate::from_der(s.vcek_der()).unwrap();
        let point = vcek
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes();
        let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(point).unwrap();
        let be = |at: usize| {
            let mut v: Vec<u8> = r[at..at + 48].to_vec();
            v.reverse();
            v
        };
        let sig = p384::ecdsa::Signature::from_scalars(
            <[u8; 48]>::try_from(be(0x2a0)).unwrap(),
            <[u8; 48]>::try_from(be(0x2e8)).unwrap(),
        )
        .unwrap();
        key.verify(&r[..0x2a0], &sig).unwrap();
        assert!(r[0x2a0 + 48..0x2a0 + 72].iter().all(|b| *b == 0));
    }

    #[test]
    fn the_certificate_table_points_at_the_certificates() {
        let s = SimSnp::new([9; 32], SimSnpConfig::default()).unwrap();
        let t = s.cert_table();
        // Entry: 16-byte GUID, 4-byte offset, 4-byte length (GHCB specification).
        assert_eq!(t[..16], guid::ARK);
        let off = u32::from_le_bytes(t[16..20].try_into().unwrap()) as usize;
        let len = u32::from_le_bytes(t[20..24].try_into().unwrap()) as usize;
        assert_eq!(&t[off..off + len], s.ark_der());
        assert_eq!(t[72..96], [0; 24]);
        // c0b406a4-a803-4952-9743-3fb6014cd0ae, in string order.
        assert_eq!(guid::ARK[..4], [0xc0, 0xb4, 0x06, 0xa4]);
        assert_eq!(guid::VLEK[12..], [0x45, 0xa0, 0xb8, 0xa1]);
    }
}
