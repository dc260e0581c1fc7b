//! A format-faithful Intel TDX simulator: DCAP quotes (version 4, or version 5 with a TD 1.5
//! body) signed through a complete test PKI shaped like Intel's, with the collateral a
//! Verifier appraises them against. **Test roots only** (module [`super`]).
//!
//! What [`SimTdx`] makes, each as Intel defines it (Intel TDX DCAP Quoting Library API,
//! appendix "Quote Format"; Intel SGX PCK Certificate and CRL Profile; Intel PCS API for TCB
//! info and QE identity), and as dcap-qvl 0.7.1 reads it:
//!
//! | item | content |
//! | --- | --- |
//! | root CA | self-signed P-256 CA, `pathlen:1`, keyCertSign and cRLSign (Intel SGX Root CA's shape) |
//! | PCK Platform CA | issued by the root, `pathlen:0`; its issuer name says "Platform" |
//! | PCK certificate | issued by the Platform CA, with the SGX extension `1.2.840.113741.1.13.1`: PPID, TCB (16 component SVNs, PCESVN, CPUSVN), PCE-ID, FMSPC, SGX type, platform instance id, configuration flags |
//! | TCB signing certificate | issued by the root; signs TCB info and QE identity |
//! | root CA CRL | by the root, CRL number and authority key id |
//! | PCK CRL | by the Platform CA; lists the PCK certificate if [`SimTdxConfig::pck_revoked`] |
//! | TCB info | `{"id":"TDX","version":3,...}` for the FMSPC, with the TDX module identity, signed (raw `r‖s`, ECDSA P-256 with SHA-256 over the exact JSON text) |
//! | QE identity | `{"id":"TD_QE","version":2,...}`, signed the same way |
//! | QE report | an SGX report body whose `REPORTDATA` is `SHA-256(attestation key ‖ QE auth data) ‖ 0^32`, signed by the PCK key |
//! | quote | header and TD report (MRTD, RTMR0-3, MRCONFIGID, MROWNER, attributes, `REPORTDATA`) signed by the attestation key, then the attestation key, the QE report certification data and the PEM PCK chain |
//!
//! The collateral is dcap-qvl's `QuoteCollateralV3` JSON ([`SimTdx::collateral_json`]), which
//! `seat_verify::Collateral::add_tdx_json` reads.

use core::fmt;

use der::asn1::{BitString, Ia5String, ObjectIdentifier, OctetString};
use der::{Any, Encode, Tag};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints, CrlNumber, KeyUsage,
    KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use crate::attester::{Attester, EvidenceRequest};
use crate::cmw::{Cmw, Ind, Record, RecordType};
use crate::error::{Error, Item};
use crate::platform::{self, REPORT_DATA_LEN, TDX_PROVIDER, TsmReport};

/// The TEE type of TDX in a quote header.
pub const TEE_TYPE_TDX: u32 = 0x81;

/// The QE vendor id of Intel's quoting enclave (the only one dcap-qvl accepts).
pub const INTEL_QE_VENDOR_ID: [u8; 16] = [
    0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
];

/// Length of an MRTD, RTMR, MRCONFIGID, MROWNER or MROWNERCONFIG.
pub const MEASUREMENT_LEN: usize = 48;

/// The organisation every simulated certificate names: not Intel.
pub const TEST_ORGANIZATION: &str = "seat simulated platform (test keys, not Intel)";

const DAY: u64 = 86_400;
const HEADER_LEN: usize = 48;
const TD10_LEN: usize = 584;
const TD15_LEN: usize = 648;
const QE_REPORT_LEN: usize = 384;
const QE_AUTH_DATA_LEN: usize = 32;
/// Certification data type 6: QE report certification data; type 5: PCK certificate chain.
const CERT_TYPE_QE_REPORT: u16 = 6;
const CERT_TYPE_PCK_CHAIN: u16 = 5;
/// TD attributes: SEPT_VE_DISABLE (bit 28), which dcap-qvl requires, and DEBUG (bit 0).
const TD_ATTR_SEPT_VE_DISABLE: u64 = 1 << 28;
const TD_ATTR_DEBUG: u64 = 1;
/// The TDX module version byte of `TEE_TCB_SVN` (module identity `TDX_01`).
const TDX_MODULE_VERSION: u8 = 1;
/// The QE identity: product id 2 (TD_QE), SVN 4, attributes INIT|MODE64BIT.
const QE_ISVPRODID: u16 = 2;
const QE_ISVSVN: u16 = 4;
const QE_ATTRIBUTES: [u8; 16] = [0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
/// TCB evaluation data number of the simulated collateral.
const TCB_EVALUATION_DATA_NUMBER: u32 = 17;
/// The PCE SVN, CPU SVN components and TDX components of the up-to-date TCB level.
const UP_TO_DATE_PCESVN: u16 = 13;
const UP_TO_DATE_CPUSVN: [u8; 16] = [3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0];
const UP_TO_DATE_TDX_SVN: [u8; 16] = [
    6,
    TDX_MODULE_VERSION,
    3,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
];
/// The out-of-date level below it (lower PCE SVN), with the advisory it names.
const OUT_OF_DATE_PCESVN: u16 = 5;
/// The advisory id the simulated out-of-date TCB level names (not an Intel advisory).
pub const SIM_ADVISORY: &str = "SEAT-SIM-SA-00001";

const OID_SGX: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113741.1.13.1");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const OID_L: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.7");
const OID_ST: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.8");
const OID_C: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
const OID_AKI: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
const OID_SKI: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const OID_KU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const OID_BC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const OID_CRLDP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.31");
const OID_CRL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.20");
const OID_CRL_REASON: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.21");

/// The SGX extension's arc (Intel SGX PCK Certificate and CRL Profile, section 1.5).
fn sgx_oid(suffix: &str) -> Result<ObjectIdentifier, Error> {
    ObjectIdentifier::new(&format!("1.2.840.113741.1.13.1.{suffix}")).map_err(|_| {
        Error::InvalidArgument {
            what: Item::Certificate,
        }
    })
}

fn build_err(_: der::Error) -> Error {
    Error::InvalidArgument {
        what: Item::Certificate,
    }
}

/// What a simulated TDX platform and its TD look like.
#[non_exhaustive]
#[derive(Clone, PartialEq, Eq)]
pub struct SimTdxConfig {
    /// The platform's keys and identifiers (PCK key, attestation key, quoting enclave, PPID)
    /// are derived from this seed.
    pub seed: [u8; 32],
    /// The test PKI (root CA, PCK Platform CA, TCB signing key) is derived from this seed:
    /// platforms sharing it chain to the same root and share collateral, as every Intel
    /// platform chains to the Intel SGX Root CA.
    pub pki_seed: [u8; 32],
    /// When the collateral (TCB info, QE identity, CRLs) was issued, in seconds since the
    /// Unix epoch; certificates become valid a day earlier.
    pub issued_at: u64,
    /// How long the collateral stays valid after `issued_at` (Intel: 30 days).
    pub collateral_validity_secs: u64,
    /// The quote version: 4 (TD report 1.0) or 5 (TD report 1.5 body).
    pub version: u16,
    /// The TEE type in the quote header ([`TEE_TYPE_TDX`]; anything else for tests).
    pub tee_type: u32,
    /// The platform's FMSPC (in the PCK certificate and the TCB info).
    pub fmspc: [u8; 6],
    /// The platform's PCE SVN: [`SimTdxConfig::new`]'s (13) is up to date; below 13 the
    /// platform is `OutOfDate` with advisory [`SIM_ADVISORY`]; below 5 no TCB level matches.
    pub pce_svn: u16,
    /// Puts the PCK certificate on the PCK CRL.
    pub pck_revoked: bool,
    /// The TD's MRTD.
    pub mr_td: [u8; MEASUREMENT_LEN],
    /// RTMR0 to RTMR3.
    pub rtmr: [[u8; MEASUREMENT_LEN]; 4],
    /// MRCONFIGID.
    pub mr_config_id: [u8; MEASUREMENT_LEN],
    /// MROWNER.
    pub mr_owner: [u8; MEASUREMENT_LEN],
    /// MROWNERCONFIG.
    pub mr_owner_config: [u8; MEASUREMENT_LEN],
    /// TD attribute DEBUG.
    pub debug: bool,
}

impl SimTdxConfig {
    /// A reference TD on an up-to-date platform, platform keys and test PKI both from `seed`,
    /// collateral issued at `issued_at` and valid for 30 days, quote version 4.
    pub fn new(seed: [u8; 32], issued_at: u64) -> Self {
        Self {
            seed,
            pki_seed: seed,
            issued_at,
            collateral_validity_secs: 30 * DAY,
            version: 4,
            tee_type: TEE_TYPE_TDX,
            fmspc: [0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00],
            pce_svn: UP_TO_DATE_PCESVN,
            pck_revoked: false,
            mr_td: [0x7d; MEASUREMENT_LEN],
            rtmr: [
                [0xa0; MEASUREMENT_LEN],
                [0xa1; MEASUREMENT_LEN],
                [0xa2; MEASUREMENT_LEN],
                [0xa3; MEASUREMENT_LEN],
            ],
            mr_config_id: [0; MEASUREMENT_LEN],
            mr_owner: [0; MEASUREMENT_LEN],
            mr_owner_config: [0; MEASUREMENT_LEN],
            debug: false,
        }
    }

    /// The measurements by the names `seat-verify`'s TDX format gives them (`mrtd`,
    /// `rtmr0`..`rtmr3`), for a policy's reference values.
    pub fn reference_measurements(&self) -> Vec<(String, Vec<u8>)> {
        let mut m = vec![("mrtd".to_owned(), self.mr_td.to_vec())];
        for (i, r) in self.rtmr.iter().enumerate() {
            m.push((format!("rtmr{i}"), r.to_vec()));
        }
        m
    }
}

impl fmt::Debug for SimTdxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimTdxConfig")
            .field("seed", &"<redacted>")
            .field("pki_seed", &"<redacted>")
            .field("issued_at", &self.issued_at)
            .field("version", &self.version)
            .field("tee_type", &self.tee_type)
            .field("fmspc", &Hex(&self.fmspc))
            .field("pce_svn", &self.pce_svn)
            .field("pck_revoked", &self.pck_revoked)
            .field("mr_td", &Hex(&self.mr_td))
            .field("debug", &self.debug)
            .finish_non_exhaustive()
    }
}

struct Hex<'a>(&'a [u8]);

impl fmt::Debug for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex_lower(self.0))
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// One key of the simulated PKI: the signing key, its uncompressed point and DER SPKI.
struct SimKey {
    key: SigningKey,
    point: Vec<u8>,
    spki: Vec<u8>,
    key_id: [u8; 20],
}

impl SimKey {
    /// A P-256 key whose scalar is `SHA-256("seat platform-sim tdx" ‖ seed ‖ label ‖ i)` for
    /// the first `i` that gives a valid scalar.
    fn derive(seed: &[u8; 32], label: &str) -> Result<Self, Error> {
        for i in 0u8..=255 {
            let scalar = Sha256::new()
                .chain_update(b"seat platform-sim tdx")
                .chain_update(seed)
                .chain_update(label.as_bytes())
                .chain_update([i])
                .finalize();
            if let Ok(key) = SigningKey::from_slice(&scalar) {
                let point = key
                    .verifying_key()
                    .to_encoded_point(false)
                    .as_bytes()
                    .to_vec();
                // RFC 5480: id-ecPublicKey with prime256v1, then the uncompressed point.
                let mut spki = vec![
                    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
                    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
                ];
                spki.extend_from_slice(&point);
                let digest = Sha256::digest(&point);
                let mut key_id = [0u8; 20];
                for (o, d) in key_id.iter_mut().zip(digest.iter()) {
                    *o = *d;
                }
                return Ok(Self {
                    key,
                    point,
                    spki,
                    key_id,
                });
            }
        }
        Err(Error::InvalidArgument {
            what: Item::CoseKey,
        })
    }

    /// ECDSA P-256 with SHA-256, RFC 6979 deterministic, as raw `r ‖ s`.
    fn sign_raw(&self, msg: &[u8]) -> Vec<u8> {
        let sig: Signature = self.key.sign(msg);
        sig.to_bytes().to_vec()
    }

    /// The same signature, DER (`Ecdsa-Sig-Value`), for certificates and CRLs.
    fn sign_der(&self, msg: &[u8]) -> Vec<u8> {
        let sig: Signature = self.key.sign(msg);
        sig.to_der().as_bytes().to_vec()
    }

    /// The attestation-key form: the point without its `04` prefix (x ‖ y).
    fn raw_xy(&self) -> &[u8] {
        self.point.get(1..).unwrap_or_default()
    }
}

/// A name in Intel's shape: CN, O, L, ST (UTF8String), C (PrintableString).
fn name(cn: &str) -> Result<Name, Error> {
    let utf8 = |oid, v: &str| -> Result<RelativeDistinguishedName, Error> {
        let atv = AttributeTypeAndValue {
            oid,
            value: Any::new(Tag::Utf8String, v.as_bytes()).map_err(build_err)?,
        };
        Ok(RelativeDistinguishedName(
            der::asn1::SetOfVec::try_from(vec![atv]).map_err(build_err)?,
        ))
    };
    let c = AttributeTypeAndValue {
        oid: OID_C,
        value: Any::new(Tag::PrintableString, b"US".as_slice()).map_err(build_err)?,
    };
    Ok(RdnSequence(vec![
        utf8(OID_CN, cn)?,
        utf8(OID_O, TEST_ORGANIZATION)?,
        utf8(OID_L, "Santa Clara")?,
        utf8(OID_ST, "CA")?,
        RelativeDistinguishedName(der::asn1::SetOfVec::try_from(vec![c]).map_err(build_err)?),
    ]))
}

fn extension(
    extn_id: ObjectIdentifier,
    critical: bool,
    value: Vec<u8>,
) -> Result<Extension, Error> {
    Ok(Extension {
        extn_id,
        critical,
        extn_value: OctetString::new(value).map_err(build_err)?,
    })
}

fn ecdsa_sha256() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: OID_ECDSA_SHA256,
        parameters: None,
    }
}

/// A positive 20-byte serial derived from `label` (first byte in 0x01..=0x7f).
fn serial(seed: &[u8; 32], label: &str) -> Vec<u8> {
    let d = Sha256::new()
        .chain_update(b"seat platform-sim tdx serial")
        .chain_update(seed)
        .chain_update(label.as_bytes())
        .finalize();
    let mut s: Vec<u8> = d.iter().take(20).copied().collect();
    if let Some(first) = s.first_mut() {
        *first = (*first & 0x7f) | 0x01;
    }
    s
}

/// What one certificate of the PKI says.
struct CertSpec<'a> {
    serial: &'a [u8],
    issuer: &'a str,
    issuer_key: &'a SimKey,
    subject: &'a str,
    subject_key: &'a SimKey,
    not_before: u64,
    not_after: u64,
    /// `Some(path length)` for a CA.
    ca: Option<u8>,
    crl_uri: &'a str,
    /// The SGX extension (DER), for the PCK certificate.
    sgx: Option<Vec<u8>>,
}

fn certificate(spec: &CertSpec<'_>) -> Result<Vec<u8>, Error> {
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(spec.issuer_key.key_id).map_err(build_err)?),
        ..AuthorityKeyIdentifier::default()
    };
    let crldp = CrlDistributionPoints(vec![DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![
            GeneralName::UniformResourceIdentifier(
                Ia5String::new(spec.crl_uri).map_err(build_err)?,
            ),
        ])),
        reasons: None,
        crl_issuer: None,
    }]);
    let ski = SubjectKeyIdentifier(OctetString::new(spec.subject_key.key_id).map_err(build_err)?);
    let (usage, bc) = match spec.ca {
        Some(path_len) => (
            KeyUsages::KeyCertSign | KeyUsages::CRLSign,
            BasicConstraints {
                ca: true,
                path_len_constraint: Some(path_len),
            },
        ),
        None => (
            KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
            BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
        ),
    };
    let mut extensions = vec![
        extension(OID_AKI, false, aki.to_der().map_err(build_err)?)?,
        extension(OID_CRLDP, false, crldp.to_der().map_err(build_err)?)?,
        extension(OID_SKI, false, ski.to_der().map_err(build_err)?)?,
        extension(OID_KU, true, KeyUsage(usage).to_der().map_err(build_err)?)?,
        extension(OID_BC, true, bc.to_der().map_err(build_err)?)?,
    ];
    if let Some(sgx) = &spec.sgx {
        extensions.push(extension(OID_SGX, false, sgx.clone())?);
    }
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(spec.serial).map_err(build_err)?,
        signature: ecdsa_sha256(),
        issuer: name(spec.issuer)?,
        validity: Validity {
            not_before: crate::der::time(spec.not_before)?,
            not_after: crate::der::time(spec.not_after)?,
        },
        subject: name(spec.subject)?,
        subject_public_key_info: SubjectPublicKeyInfoOwned::try_from(
            spec.subject_key.spki.as_slice(),
        )
        .map_err(|_| Error::InvalidArgument {
            what: Item::Certificate,
        })?,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let signature = spec.issuer_key.sign_der(&tbs.to_der().map_err(build_err)?);
    Certificate {
        tbs_certificate: tbs,
        signature_algorithm: ecdsa_sha256(),
        signature: BitString::from_bytes(&signature).map_err(build_err)?,
    }
    .to_der()
    .map_err(build_err)
}

/// A CRL by `issuer` (v2, CRL number 1 and the authority key id, as Intel's), listing
/// `revoked` serials with reason keyCompromise.
fn crl(
    issuer: &str,
    issuer_key: &SimKey,
    this_update: u64,
    next_update: u64,
    revoked: &[&[u8]],
) -> Result<Vec<u8>, Error> {
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(issuer_key.key_id).map_err(build_err)?),
        ..AuthorityKeyIdentifier::default()
    };
    let key_compromise = Any::new(Tag::Enumerated, [1u8].as_slice())
        .and_then(|a| a.to_der())
        .map_err(build_err)?;
    let mut entries = Vec::with_capacity(revoked.len());
    for s in revoked {
        entries.push(RevokedCert {
            serial_number: SerialNumber::new(s).map_err(build_err)?,
            revocation_date: crate::der::time(this_update)?,
            crl_entry_extensions: Some(vec![extension(
                OID_CRL_REASON,
                false,
                key_compromise.clone(),
            )?]),
        });
    }
    let number = CrlNumber(der::asn1::Uint::new(&[1]).map_err(build_err)?);
    let tbs = TbsCertList {
        version: Version::V2,
        signature: ecdsa_sha256(),
        issuer: name(issuer)?,
        this_update: crate::der::time(this_update)?,
        next_update: Some(crate::der::time(next_update)?),
        revoked_certificates: (!entries.is_empty()).then_some(entries),
        crl_extensions: Some(vec![
            extension(OID_CRL_NUMBER, false, number.to_der().map_err(build_err)?)?,
            extension(OID_AKI, false, aki.to_der().map_err(build_err)?)?,
        ]),
    };
    let signature = issuer_key.sign_der(&tbs.to_der().map_err(build_err)?);
    CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: ecdsa_sha256(),
        signature: BitString::from_bytes(&signature).map_err(build_err)?,
    }
    .to_der()
    .map_err(build_err)
}

/// DER `SEQUENCE` of already-encoded parts.
fn seq(parts: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
    Any::new(Tag::Sequence, parts.concat())
        .and_then(|a| a.to_der())
        .map_err(build_err)
}

/// One `SEQUENCE { OID, value }` entry of the SGX extension.
fn entry(oid: ObjectIdentifier, value: Vec<u8>) -> Result<Vec<u8>, Error> {
    seq(&[oid.to_der().map_err(build_err)?, value])
}

fn octets(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    OctetString::new(bytes)
        .and_then(|o| o.to_der())
        .map_err(build_err)
}

/// The SGX extension of a PCK certificate (Intel SGX PCK Certificate and CRL Profile,
/// section 1.5; the layout dcap-qvl's `intel::parse_pck_extension` reads).
fn sgx_extension(
    seed: &[u8; 32],
    cpusvn: &[u8; 16],
    pce_svn: u16,
    fmspc: &[u8; 6],
) -> Result<Vec<u8>, Error> {
    let derived = |label: &str| -> Vec<u8> {
        Sha256::new()
            .chain_update(b"seat platform-sim tdx id")
            .chain_update(seed)
            .chain_update(label.as_bytes())
            .finalize()
            .iter()
            .take(16)
            .copied()
            .collect()
    };
    let mut tcb = Vec::with_capacity(18);
    for (i, svn) in (1u8..).zip(cpusvn.iter()) {
        tcb.push(entry(
            sgx_oid(&format!("2.{i}"))?,
            svn.to_der().map_err(build_err)?,
        )?);
    }
    tcb.push(entry(
        sgx_oid("2.17")?,
        pce_svn.to_der().map_err(build_err)?,
    )?);
    tcb.push(entry(sgx_oid("2.18")?, octets(cpusvn)?)?);
    let boolean = |b: bool| -> Result<Vec<u8>, Error> { b.to_der().map_err(build_err) };
    let sgx_type_scalable = Any::new(Tag::Enumerated, [1u8].as_slice())
        .and_then(|a| a.to_der())
        .map_err(build_err)?;
    seq(&[
        entry(sgx_oid("1")?, octets(&derived("ppid"))?)?,
        entry(sgx_oid("2")?, seq(&tcb)?)?,
        entry(sgx_oid("3")?, octets(&[0, 0])?)?,
        entry(sgx_oid("4")?, octets(fmspc)?)?,
        entry(sgx_oid("5")?, sgx_type_scalable)?,
        entry(sgx_oid("6")?, octets(&derived("platform instance"))?)?,
        entry(
            sgx_oid("7")?,
            seq(&[
                entry(sgx_oid("7.1")?, boolean(false)?)?,
                entry(sgx_oid("7.2")?, boolean(true)?)?,
                entry(sgx_oid("7.3")?, boolean(true)?)?,
            ])?,
        )?,
    ])
}

fn pem(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(core::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch (proleptic Gregorian, UTC).
pub fn rfc3339(unix_secs: u64) -> String {
    let days = unix_secs / DAY;
    let rem = unix_secs % DAY;
    // Civil date from days since 1970-01-01 (the era-based algorithm of H. Hinnant,
    // "chrono-Compatible Low-Level Date Algorithms").
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A simulated Intel TDX platform with one TD (module documentation). **Test roots only.**
pub struct SimTdx {
    config: SimTdxConfig,
    attestation_key: SimKey,
    pck_key: SimKey,
    root_der: Vec<u8>,
    /// PEM: PCK certificate, Platform CA, root (the quote's certification data).
    pck_chain_pem: String,
    collateral_json: String,
    qe_report: Vec<u8>,
    qe_report_signature: Vec<u8>,
    qe_auth_data: [u8; QE_AUTH_DATA_LEN],
}

impl fmt::Debug for SimTdx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimTdx")
            .field("config", &self.config)
            .field("root_der", &self.root_der.len())
            .finish_non_exhaustive()
    }
}

impl SimTdx {
    /// The platform `config` describes: its PKI, collateral and quoting enclave, all derived
    /// from its seed.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a version other than 4 or 5, or times a certificate
    /// cannot carry (after 9999).
    pub fn new(config: SimTdxConfig) -> Result<Self, Error> {
        if ![4, 5].contains(&config.version) {
            return Err(Error::InvalidArgument {
                what: Item::RawEvidence,
            });
        }
        let seed = &config.seed;
        let pki = &config.pki_seed;
        let root = SimKey::derive(pki, "root ca")?;
        let pck_ca = SimKey::derive(pki, "pck platform ca")?;
        let tcb_signer = SimKey::derive(pki, "tcb signing")?;
        let pck_key = SimKey::derive(seed, "pck")?;
        let attestation_key = SimKey::derive(seed, "attestation key")?;

        let t = config.issued_at;
        let next_update = t
            .checked_add(config.collateral_validity_secs)
            .ok_or(Error::InvalidArgument { what: Item::Time })?;
        let not_before = t.saturating_sub(DAY);
        let years = |n: u64| t.saturating_add(n * 365 * DAY);
        let (root_cn, ca_cn) = ("Simulated SGX Root CA", "Simulated SGX PCK Platform CA");
        let root_crl_uri = "https://example.invalid/seat-sim/sgx/root-ca.crl";
        let pck_crl_uri = "https://example.invalid/seat-sim/sgx/pckcrl?ca=platform";
        let root_serial = serial(pki, "root ca");
        let root_der = certificate(&CertSpec {
            serial: &root_serial,
            issuer: root_cn,
            issuer_key: &root,
            subject: root_cn,
            subject_key: &root,
            not_before,
            not_after: years(30),
            ca: Some(1),
            crl_uri: root_crl_uri,
            sgx: None,
        })?;
        let ca_serial = serial(pki, "pck platform ca");
        let ca_der = certificate(&CertSpec {
            serial: &ca_serial,
            issuer: root_cn,
            issuer_key: &root,
            subject: ca_cn,
            subject_key: &pck_ca,
            not_before,
            not_after: years(15),
            ca: Some(0),
            crl_uri: root_crl_uri,
            sgx: None,
        })?;
        let pck_serial = serial(seed, "pck");
        let cpusvn = UP_TO_DATE_CPUSVN;
        let pck_der = certificate(&CertSpec {
            serial: &pck_serial,
            issuer: ca_cn,
            issuer_key: &pck_ca,
            subject: "Simulated SGX PCK Certificate",
            subject_key: &pck_key,
            not_before,
            not_after: years(7),
            ca: None,
            crl_uri: pck_crl_uri,
            sgx: Some(sgx_extension(seed, &cpusvn, config.pce_svn, &config.fmspc)?),
        })?;
        let tcb_serial = serial(pki, "tcb signing");
        let tcb_der = certificate(&CertSpec {
            serial: &tcb_serial,
            issuer: root_cn,
            issuer_key: &root,
            subject: "Simulated SGX TCB Signing",
            subject_key: &tcb_signer,
            not_before,
            not_after: years(7),
            ca: None,
            crl_uri: root_crl_uri,
            sgx: None,
        })?;
        let root_crl = crl(root_cn, &root, t, next_update, &[])?;
        let revoked: &[&[u8]] = if config.pck_revoked {
            &[&pck_serial]
        } else {
            &[]
        };
        let pck_crl = crl(ca_cn, &pck_ca, t, next_update, revoked)?;

        let qe_mrsigner: Vec<u8> = Sha256::new()
            .chain_update(b"seat platform-sim tdx qe mrsigner")
            .chain_update(pki)
            .finalize()
            .to_vec();
        let tcb_info = tcb_info_json(&config, t, next_update);
        let qe_identity = qe_identity_json(&qe_mrsigner, t, next_update);
        let root_pem = pem(&root_der);
        let ca_chain = format!("{}{root_pem}", pem(&ca_der));
        let tcb_chain = format!("{}{root_pem}", pem(&tcb_der));
        let collateral_json = collateral_json(&Collateral {
            pck_crl_issuer_chain: &ca_chain,
            root_ca_crl: &root_crl,
            pck_crl: &pck_crl,
            tcb_info_issuer_chain: &tcb_chain,
            tcb_info: &tcb_info,
            tcb_info_signature: &tcb_signer.sign_raw(tcb_info.as_bytes()),
            qe_identity: &qe_identity,
            qe_identity_signature: &tcb_signer.sign_raw(qe_identity.as_bytes()),
        })?;

        // The QE report: an SGX report body (Intel SGX DCAP ECDSA quote library API,
        // "Enclave Report Body") binding the attestation key and the QE auth data.
        let mut qe_auth_data = [0u8; QE_AUTH_DATA_LEN];
        let auth = Sha256::new()
            .chain_update(b"seat platform-sim tdx qe auth data")
            .chain_update(seed)
            .finalize();
        for (o, a) in qe_auth_data.iter_mut().zip(auth.iter()) {
            *o = *a;
        }
        let mut qe_report = Vec::with_capacity(QE_REPORT_LEN);
        qe_report.extend_from_slice(&cpusvn); // CPUSVN
        qe_report.extend_from_slice(&0u32.to_le_bytes()); // MISCSELECT
        qe_report.extend_from_slice(&[0; 28]); // reserved
        qe_report.extend_from_slice(&QE_ATTRIBUTES); // ATTRIBUTES
        qe_report.extend_from_slice(
            &Sha256::new()
                .chain_update(b"seat platform-sim tdx qe mrenclave")
                .chain_update(pki)
                .finalize(),
        ); // MRENCLAVE
        qe_report.extend_from_slice(&[0; 32]); // reserved
        qe_report.extend_from_slice(&qe_mrsigner); // MRSIGNER
        qe_report.extend_from_slice(&[0; 96]); // reserved
        qe_report.extend_from_slice(&QE_ISVPRODID.to_le_bytes());
        qe_report.extend_from_slice(&QE_ISVSVN.to_le_bytes());
        qe_report.extend_from_slice(&[0; 60]); // reserved
        qe_report.extend_from_slice(
            &Sha256::new()
                .chain_update(attestation_key.raw_xy())
                .chain_update(qe_auth_data)
                .finalize(),
        );
        qe_report.extend_from_slice(&[0; 32]); // REPORTDATA, second half
        let qe_report_signature = pck_key.sign_raw(&qe_report);

        Ok(Self {
            attestation_key,
            pck_key,
            root_der,
            pck_chain_pem: format!("{}{}{root_pem}", pem(&pck_der), pem(&ca_der)),
            collateral_json,
            qe_report,
            qe_report_signature,
            qe_auth_data,
            config,
        })
    }

    /// The configuration.
    pub const fn config(&self) -> &SimTdxConfig {
        &self.config
    }

    /// The test root CA certificate (DER): the trust anchor to give
    /// `seat_verify::tdx::TdxFormat::with_root`.
    pub fn root_der(&self) -> &[u8] {
        &self.root_der
    }

    /// The collateral in dcap-qvl's `QuoteCollateralV3` JSON (hex CRLs and signatures, PEM
    /// chains, TCB info and QE identity as their signed JSON text), for
    /// `seat_verify::Collateral::add_tdx_json`.
    pub fn collateral_json(&self) -> &[u8] {
        self.collateral_json.as_bytes()
    }

    /// The PCK certificate chain (PEM: PCK certificate, Platform CA, root).
    pub fn pck_chain_pem(&self) -> &str {
        &self.pck_chain_pem
    }

    /// The TD report (TDX module ABI `TDREPORT` body as a quote carries it, 584 bytes; with
    /// the TD 1.5 fields for a version 5 quote, 648 bytes) for `report_data`.
    fn td_report(&self, report_data: &[u8; REPORT_DATA_LEN]) -> Vec<u8> {
        let c = &self.config;
        let mut tee_tcb_svn = UP_TO_DATE_TDX_SVN;
        if let Some(module_version) = tee_tcb_svn.get_mut(1) {
            *module_version = TDX_MODULE_VERSION;
        }
        let mut attributes = TD_ATTR_SEPT_VE_DISABLE;
        if c.debug {
            attributes |= TD_ATTR_DEBUG;
        }
        let mr_seam = Sha256::new()
            .chain_update(b"seat platform-sim tdx mrseam")
            .chain_update(c.seed)
            .finalize();
        let mut r = Vec::with_capacity(if c.version == 5 { TD15_LEN } else { TD10_LEN });
        r.extend_from_slice(&tee_tcb_svn); // TEE_TCB_SVN
        r.extend_from_slice(&mr_seam); // MRSEAM (48 bytes: digest and zeros)
        r.extend_from_slice(&[0; 16]);
        r.extend_from_slice(&[0; 48]); // MRSIGNERSEAM: Intel's module
        r.extend_from_slice(&[0; 8]); // SEAMATTRIBUTES
        r.extend_from_slice(&attributes.to_le_bytes()); // TDATTRIBUTES
        r.extend_from_slice(&0x0000_0000_0006_02e7u64.to_le_bytes()); // XFAM
        r.extend_from_slice(&c.mr_td);
        r.extend_from_slice(&c.mr_config_id);
        r.extend_from_slice(&c.mr_owner);
        r.extend_from_slice(&c.mr_owner_config);
        for rtmr in &c.rtmr {
            r.extend_from_slice(rtmr);
        }
        r.extend_from_slice(report_data);
        if c.version == 5 {
            r.extend_from_slice(&tee_tcb_svn); // TEE_TCB_SVN2: no module update since launch
            r.extend_from_slice(&[0; 48]); // MRSERVICETD: no service TD
        }
        r
    }

    /// A quote (version and body of the configuration) whose `REPORTDATA` is `report_data`,
    /// signed by the attestation key, with the QE report certification data and the PCK
    /// chain. Deterministic: the same configuration and report data give the same bytes.
    pub fn quote(&self, report_data: &[u8; REPORT_DATA_LEN]) -> Vec<u8> {
        let c = &self.config;
        let mut q = Vec::with_capacity(HEADER_LEN + 6 + TD15_LEN + 4 + 4096);
        // Header.
        q.extend_from_slice(&c.version.to_le_bytes());
        q.extend_from_slice(&2u16.to_le_bytes()); // attestation key type: ECDSA-256-with-P-256
        q.extend_from_slice(&c.tee_type.to_le_bytes());
        q.extend_from_slice(&[0; 4]); // reserved
        q.extend_from_slice(&INTEL_QE_VENDOR_ID);
        let qe_id = Sha256::new()
            .chain_update(b"seat platform-sim tdx qe id")
            .chain_update(c.seed)
            .finalize();
        q.extend_from_slice(qe_id.get(..16).unwrap_or_default()); // user data: QE id
        q.extend_from_slice(&[0; 4]);
        let body = self.td_report(report_data);
        if c.version == 5 {
            q.extend_from_slice(&3u16.to_le_bytes()); // body type: TD report 1.5
            q.extend_from_slice(&u32_len(body.len()).to_le_bytes());
        }
        q.extend_from_slice(&body);
        let signature = self.attestation_key.sign_raw(&q);

        let mut chain = self.pck_chain_pem.as_bytes().to_vec();
        chain.push(0); // the quoting library's NUL terminator
        let mut qe_cert_data = Vec::with_capacity(QE_REPORT_LEN + 64 + 2 + 32 + 6 + chain.len());
        qe_cert_data.extend_from_slice(&self.qe_report);
        qe_cert_data.extend_from_slice(&self.qe_report_signature);
        qe_cert_data.extend_from_slice(&u16_len(QE_AUTH_DATA_LEN).to_le_bytes());
        qe_cert_data.extend_from_slice(&self.qe_auth_data);
        qe_cert_data.extend_from_slice(&CERT_TYPE_PCK_CHAIN.to_le_bytes());
        qe_cert_data.extend_from_slice(&u32_len(chain.len()).to_le_bytes());
        qe_cert_data.extend_from_slice(&chain);

        let mut sig_data = Vec::with_capacity(128 + 6 + qe_cert_data.len());
        sig_data.extend_from_slice(&signature);
        sig_data.extend_from_slice(self.attestation_key.raw_xy());
        sig_data.extend_from_slice(&CERT_TYPE_QE_REPORT.to_le_bytes());
        sig_data.extend_from_slice(&u32_len(qe_cert_data.len()).to_le_bytes());
        sig_data.extend_from_slice(&qe_cert_data);

        q.extend_from_slice(&u32_len(sig_data.len()).to_le_bytes());
        q.extend_from_slice(&sig_data);
        q
    }

    /// The attestation key's DER SubjectPublicKeyInfo.
    pub fn attestation_key_spki(&self) -> &[u8] {
        &self.attestation_key.spki
    }

    /// The PCK key's DER SubjectPublicKeyInfo.
    pub fn pck_spki(&self) -> &[u8] {
        &self.pck_key.spki
    }
}

/// Lengths inside a quote are at most a few KiB (the chain of three certificates).
fn u32_len(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn u16_len(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

fn svn_list(svns: &[u8]) -> String {
    let items: Vec<String> = svns.iter().map(|s| format!("{{\"svn\":{s}}}")).collect();
    format!("[{}]", items.join(","))
}

/// TCB info v3 for TDX (Intel PCS `GET /tdx/certification/v4/tcb`, the `tcbInfo` member):
/// an up-to-date level, an out-of-date level with a lower PCE SVN, and the TDX module
/// identity `TDX_01`.
fn tcb_info_json(c: &SimTdxConfig, issued: u64, next_update: u64) -> String {
    let zeros48 = "0".repeat(96);
    let module = format!(
        "\"mrsigner\":\"{zeros48}\",\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\""
    );
    let date = rfc3339(issued.saturating_sub(90 * DAY));
    let old_date = rfc3339(issued.saturating_sub(900 * DAY));
    let level = |pcesvn: u16, date: &str, status: &str, advisories: &str| {
        format!(
            "{{\"tcb\":{{\"sgxtcbcomponents\":{},\"pcesvn\":{pcesvn},\"tdxtcbcomponents\":{}}},\"tcbDate\":\"{date}\",\"tcbStatus\":\"{status}\"{advisories}}}",
            svn_list(&UP_TO_DATE_CPUSVN),
            svn_list(&UP_TO_DATE_TDX_SVN),
        )
    };
    format!(
        "{{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"{}\",\"nextUpdate\":\"{}\",\"fmspc\":\"{}\",\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":{TCB_EVALUATION_DATA_NUMBER},\"tdxModule\":{{{module}}},\"tdxModuleIdentities\":[{{\"id\":\"TDX_{TDX_MODULE_VERSION:02X}\",{module},\"tcbLevels\":[{{\"tcb\":{{\"isvsvn\":{}}},\"tcbDate\":\"{date}\",\"tcbStatus\":\"UpToDate\"}}]}}],\"tcbLevels\":[{},{}]}}",
        rfc3339(issued),
        rfc3339(next_update),
        hex_upper(&c.fmspc),
        UP_TO_DATE_TDX_SVN.first().copied().unwrap_or_default(),
        level(UP_TO_DATE_PCESVN, &date, "UpToDate", ""),
        level(
            OUT_OF_DATE_PCESVN,
            &old_date,
            "OutOfDate",
            &format!(",\"advisoryIDs\":[\"{SIM_ADVISORY}\"]")
        ),
    )
}

/// QE identity v2 of the TD quoting enclave (Intel PCS `GET /tdx/certification/v4/qe/identity`,
/// the `enclaveIdentity` member).
fn qe_identity_json(mrsigner: &[u8], issued: u64, next_update: u64) -> String {
    format!(
        "{{\"id\":\"TD_QE\",\"version\":2,\"issueDate\":\"{}\",\"nextUpdate\":\"{}\",\"tcbEvaluationDataNumber\":{TCB_EVALUATION_DATA_NUMBER},\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\",\"attributes\":\"{}\",\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\",\"mrsigner\":\"{}\",\"isvprodid\":{QE_ISVPRODID},\"tcbLevels\":[{{\"tcb\":{{\"isvsvn\":{QE_ISVSVN}}},\"tcbDate\":\"{}\",\"tcbStatus\":\"UpToDate\"}}]}}",
        rfc3339(issued),
        rfc3339(next_update),
        hex_upper(&QE_ATTRIBUTES),
        hex_upper(mrsigner),
        rfc3339(issued.saturating_sub(90 * DAY)),
    )
}

struct Collateral<'a> {
    pck_crl_issuer_chain: &'a str,
    root_ca_crl: &'a [u8],
    pck_crl: &'a [u8],
    tcb_info_issuer_chain: &'a str,
    tcb_info: &'a str,
    tcb_info_signature: &'a [u8],
    qe_identity: &'a str,
    qe_identity_signature: &'a [u8],
}

/// dcap-qvl's `QuoteCollateralV3` in JSON, members in its declaration order.
fn collateral_json(c: &Collateral<'_>) -> Result<String, Error> {
    let s = |v: &str| {
        serde_json::to_string(v).map_err(|_| Error::InvalidArgument {
            what: Item::JsonValue,
        })
    };
    Ok(format!(
        "{{\"pck_crl_issuer_chain\":{},\"root_ca_crl\":\"{}\",\"pck_crl\":\"{}\",\"tcb_info_issuer_chain\":{},\"tcb_info\":{},\"tcb_info_signature\":\"{}\",\"qe_identity_issuer_chain\":{},\"qe_identity\":{},\"qe_identity_signature\":\"{}\"}}",
        s(c.pck_crl_issuer_chain)?,
        hex_lower(c.root_ca_crl),
        hex_lower(c.pck_crl),
        s(c.tcb_info_issuer_chain)?,
        s(c.tcb_info)?,
        hex_lower(c.tcb_info_signature),
        s(c.tcb_info_issuer_chain)?,
        s(c.qe_identity)?,
        hex_lower(c.qe_identity_signature),
    ))
}

impl Attester for SimTdx {
    /// A quote whose `REPORTDATA` is `SHA-512(binder ‖ aik_pub_hash)`, in the CMW the
    /// configfs-tsm Attester produces on a TDX guest: a record of media type
    /// `application/vnd.veraison.tsm-report+cbor; provider=tdx_guest` with `ind` 4 whose value
    /// is the tsm-report map (`outblob` the quote, no `auxblob`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a binder or AIK hash the binding rule refuses.
    fn attest(&mut self, request: &EvidenceRequest<'_>) -> Result<Vec<u8>, Error> {
        let data = platform::report_data(request.binder, request.aik_pub_hash)?;
        let report = TsmReport {
            provider: TDX_PROVIDER.to_owned(),
            outblob: self.quote(&data),
            auxblob: None,
        };
        let record = Record::new(
            RecordType::MediaType(platform::tsm_media_type(TDX_PROVIDER)),
            report.to_vec(),
            Some(Ind::EVIDENCE),
        )?;
        Ok(Cmw::Record(record).to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        // `date -u -d @1751328000 +%FT%TZ` and `date -u -d @951782400 +%FT%TZ` (a leap day).
        assert_eq!(rfc3339(1_751_328_000), "2025-07-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_083_199), "2026-11-30T23:59:59Z");
    }

    #[test]
    fn quotes_are_deterministic_and_sized_as_intel_lays_them_out() {
        let sim = SimTdx::new(SimTdxConfig::new([7; 32], 1_751_328_000)).unwrap();
        let a = sim.quote(&[1; 64]);
        assert_eq!(a, sim.quote(&[1; 64]));
        assert_ne!(a, sim.quote(&[2; 64]));
        // Header 48, TD report 584, then the signature-data length.
        let sig_len = u32::from_le_bytes(a[632..636].try_into().unwrap()) as usize;
        assert_eq!(a.len(), 636 + sig_len);
        let mut v5 = SimTdxConfig::new([7; 32], 1_751_328_000);
        v5.version = 5;
        let b = SimTdx::new(v5).unwrap().quote(&[1; 64]);
        assert_eq!(&b[48..54], &[3, 0, 0x88, 0x02, 0, 0]); // body type 3, size 648
    }
}
