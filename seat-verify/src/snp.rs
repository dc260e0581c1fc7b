//! AMD SEV-SNP attestation reports appraised against AMD's roots (ARK, ASK) through the VCEK
//! the caller supplies (feature `snp`).
//!
//! Stages, in order, each failure a typed [`Reason`]:
//!
//! | stage | check | reason |
//! | --- | --- | --- |
//! | decode | the record (tsm-report with provider `sev_guest`, or a bare report), exactly 1184 bytes | [`Reason::MalformedEvidence`], [`Reason::Truncated`] |
//! | decode | version 2 or later (`sev` reads 2 to 5) | [`Reason::UnsupportedVersion`], [`Reason::MalformedPlatformEvidence`] |
//! | signature | `SIGNATURE_ALGO` 1 (ECDSA P-384 with SHA-384); KEY_INFO.SIGNING_KEY 0 (VCEK) or 1 (VLEK) | [`Reason::UnsupportedAlgorithm`] |
//! | signature | a VCEK for the report's CHIP_ID and REPORTED_TCB (a VLEK for its REPORTED_TCB) is in the collateral | [`Reason::MissingCollateral`] |
//! | signature | no VCEK (VLEK) certifying another TCB signs the report: a report claiming a TCB its key does not certify | [`Reason::CollateralMismatch`] |
//! | signature | a VLEK's ASVK is in the collateral | [`Reason::MissingCollateral`] |
//! | signature | VCEK issued (issuer name) and signed by the ASK of a configured root (ARK and ASK, checked when added); VLEK issued and signed by an ASVK of the collateral, itself issued and signed by a configured ARK (RSA-PSS with SHA-384) | [`Reason::UntrustedRoot`] |
//! | signature | VCEK (VLEK), ASK (ASVK) and ARK inside their validity at `now` | [`Reason::CertificateExpired`] |
//! | signature | the ARK's CRL, when supplied (or required by [`SnpPolicy::require_crl`]) | [`Reason::MissingCollateral`] |
//! | signature | the CRL signed by the ARK (RSA-PSS SHA-384) | [`Reason::BadCollateralSignature`] |
//! | signature | the CRL inside thisUpdate..nextUpdate at `now` | [`Reason::CollateralExpired`] |
//! | signature | neither the ASK (ASVK) nor the VCEK (VLEK) serial on the CRL | [`Reason::CertificateRevoked`] |
//! | signature | the report signature over bytes 0x000..0x2A0 by the VCEK (VLEK) | [`Reason::BadEvidenceSignature`] |
//! | binding | `REPORT_DATA` = the binding rule of [`seat_evidence::platform`] | [`Reason::BinderMismatch`] |
//! | policy | debug, migration agent, SMT, minimum TCB, reference values of MEASUREMENT, HOST_DATA, ID block digests | findings |
//!
//! The report signature is checked here over the report's own bytes, not by `sev`: `sev`
//! re-encodes the parsed report before it verifies, so a byte in a reserved field is
//! rewritten as zero and a change there would go unseen (and a report with a non-zero
//! reserved byte would not verify at all). `sev` parses the fields and checks the ARK's
//! self-signature and its signature over the ASK once, when the roots are added.
//!
//! **Warm collateral.** What is derived from collateral is derived once, when it is added:
//! a VCEK's (VLEK's) P-384 key is decoded then, and its signed part (`tbsCertificate`
//! re-encoded from what `x509-cert` decoded, as `sev` re-encodes it for its own check), its
//! signature algorithm and signature are kept; the ARK's, ASK's and ASVK's RSA keys are
//! decoded once. Every signature is still checked at every appraisal (the ASK's or ASVK's
//! over the VCEK or VLEK, the ARK's over the ASVK and the CRLs, the VCEK's over the report,
//! once), and every validity period against that appraisal's `now`.
//!
//! AMD's CRL (KDS `vcek/v1/{product}/crl`, `vlek/v1/{product}/crl`) is an X.509 v2 CRL issued
//! and signed by the ARK, decoded with `x509-cert` and checked here with `rsa`. By X.509 rules
//! it revokes certificates the ARK issued (the ASK, the ASVK); as go-sev-guest does, the
//! VCEK's or VLEK's serial is looked up on it too, so a CRL naming either refuses the report.

use der::Decode;
use p384::ecdsa::signature::Verifier as _;
use seat_evidence::platform::{self, SNP_PROVIDER, SNP_REPORT_MEDIA_TYPE, TsmReport};
use sev::certs::snp::{Certificate, Verifiable, ca};
use sev::firmware::guest::AttestationReport;
use sev::parser::ByteParser;

use crate::claims::{EvidenceClaims, Platform, TcbReport, TcbStatus};
use crate::collateral::{Collateral, CollateralNeed, SnpKey, SnpProduct};
use crate::error::Reason;
use crate::format::{
    AppraisalContext, EvidenceFormat, FormatAppraisal, ar4si, reference_findings, trust_vector,
};

/// The length of an SEV-SNP attestation report (SEV-SNP firmware ABI, ATTESTATION_REPORT).
pub const REPORT_LEN: usize = 1184;
/// Where the signature starts: bytes before it are signed.
const SIGNED_LEN: usize = 0x2a0;
/// `SIGNATURE_ALGO` 1: ECDSA P-384 with SHA-384.
const SIG_ALGO_ECDSA_P384_SHA384: u32 = 1;

/// The profile named in the EAR submodule of an SNP appraisal.
pub const SNP_PROFILE: &str = "tag:seat.example,2026:sev-snp-report/1";

/// The EAR submodule name of an SNP appraisal.
pub const SNP_SUBMOD: &str = "sev-snp";

/// Longest VCEK, VLEK or ASVK certificate accepted.
pub const MAX_VCEK_LEN: usize = 4096;

/// Longest CRL accepted (AMD's are about 1 KiB; a revoked entry takes about 40 bytes).
pub const MAX_CRL_LEN: usize = 64 * 1024;

/// id-RSASSA-PSS (RFC 4055), the signature algorithm of AMD's certificates and CRLs.
const RSASSA_PSS: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");

/// AMD's VCEK extension OIDs (VCEK certificate and KDS interface specification, chapter 3).
mod oid {
    use der::asn1::ObjectIdentifier as Oid;
    pub(super) const BL_SPL: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.3.1");
    pub(super) const TEE_SPL: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.3.2");
    pub(super) const SNP_SPL: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.3.3");
    pub(super) const UCODE_SPL: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.3.8");
    pub(super) const HW_ID: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.4");
    pub(super) const CSP_ID: Oid = Oid::new_unwrap("1.3.6.1.4.1.3704.1.5");
}

/// An SEV-SNP TCB level (Milan and Genoa layout: bootloader, TEE, SNP, microcode SPLs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct SnpTcb {
    /// Bootloader SPL.
    pub bootloader: u8,
    /// PSP OS (TEE) SPL.
    pub tee: u8,
    /// SNP firmware SPL.
    pub snp: u8,
    /// Microcode SPL.
    pub microcode: u8,
}

impl SnpTcb {
    /// The 64-bit TCB_VERSION (Milan, Genoa): bootloader in byte 0, TEE in byte 1, SNP in
    /// byte 6, microcode in byte 7.
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

    /// Whether every component is at least `min`'s.
    pub const fn at_least(self, min: Self) -> bool {
        self.bootloader >= min.bootloader
            && self.tee >= min.tee
            && self.snp >= min.snp
            && self.microcode >= min.microcode
    }
}

/// The RSA-PSS (SHA-384) verifying key of an ARK, ASK or ASVK, prepared once.
type PssKey = rsa::pss::VerifyingKey<sha2::Sha384>;

/// What a certificate's issuer signed, kept from the certificate when it is added: the DER of
/// its `tbsCertificate` (re-encoded once from what `x509-cert` decoded, as `sev` re-encodes it
/// at each of its checks), the signature algorithm and the signature. Checked against an
/// issuer's prepared key at every appraisal.
#[derive(Clone, Debug)]
struct SignedPart {
    issuer: x509_cert::name::Name,
    tbs_der: Vec<u8>,
    algorithm: der::asn1::ObjectIdentifier,
    signature: Vec<u8>,
}

impl SignedPart {
    fn of(x: &x509_cert::Certificate) -> Option<Self> {
        Some(Self {
            issuer: x.tbs_certificate.issuer.clone(),
            tbs_der: der::Encode::to_der(&x.tbs_certificate).ok()?,
            algorithm: x.signature_algorithm.oid,
            signature: x.signature.as_bytes()?.to_vec(),
        })
    }

    /// Whether the certificate names `subject` as its issuer and `key` signs it (RSA-PSS with
    /// SHA-384, AMD's only algorithm).
    fn signed_by(&self, subject: &x509_cert::name::Name, key: &PssKey) -> bool {
        self.issuer == *subject
            && self.algorithm == RSASSA_PSS
            && rsa::pss::Signature::try_from(self.signature.as_slice())
                .is_ok_and(|s| rsa::signature::Verifier::verify(key, &self.tbs_der, &s).is_ok())
    }
}

/// The RSA public key of a certificate, prepared for RSA-PSS with SHA-384.
fn pss_key(x: &x509_cert::Certificate) -> Option<PssKey> {
    let spki = der::Encode::to_der(&x.tbs_certificate.subject_public_key_info).ok()?;
    let key: rsa::RsaPublicKey = rsa::pkcs8::DecodePublicKey::from_public_key_der(&spki).ok()?;
    Some(PssKey::new(key))
}

/// A VCEK or VLEK certificate, parsed once (module [`crate::collateral`]): its P-384 key
/// prepared, its signed part kept for the issuer's check at each appraisal.
#[derive(Clone, Debug)]
pub(crate) struct Vek {
    /// The hwID (VCEK only).
    chip_id: Option<[u8; 64]>,
    tcb: SnpTcb,
    key: p384::ecdsa::VerifyingKey,
    signed: SignedPart,
    validity: (u64, u64),
    serial: Vec<u8>,
}

/// An ASVK certificate (a VLEK's issuer), parsed once; it must chain to a configured ARK.
#[derive(Clone, Debug)]
pub(crate) struct CaCert {
    subject: x509_cert::name::Name,
    key: PssKey,
    signed: SignedPart,
    validity: (u64, u64),
    serial: Vec<u8>,
}

/// An ARK's CRL, parsed once; its signature is checked against the ARK at appraisal.
#[derive(Clone, Debug)]
pub(crate) struct Crl {
    issuer: x509_cert::name::Name,
    tbs_der: Vec<u8>,
    algorithm: der::asn1::ObjectIdentifier,
    signature: Vec<u8>,
    this_update: u64,
    next_update: Option<u64>,
    revoked: Vec<Vec<u8>>,
}

fn serial_of(x: &x509_cert::Certificate) -> Vec<u8> {
    x.tbs_certificate.serial_number.as_bytes().to_vec()
}

impl Collateral {
    /// Adds a VCEK certificate (DER, as AMD KDS serves it), indexed by the chip id and TCB
    /// its extensions name; it still has to chain to a configured ARK at appraisal.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Rejected`] with [`Reason::MalformedCollateral`] for a certificate that
    /// does not parse, is larger than [`MAX_VCEK_LEN`], lacks the hwID or SPL extensions, or
    /// does not carry a P-384 key.
    pub fn add_snp_vcek(&mut self, der: &[u8]) -> Result<(), crate::Error> {
        let bad = crate::Error::Rejected(Reason::MalformedCollateral);
        let x = bounded_cert(der)?;
        let tcb = vek_tcb(&x).ok_or_else(|| bad.clone())?;
        let chip_id = vcek_chip_id(&x).ok_or_else(|| bad.clone())?;
        let vek = Vek::of(&x, Some(chip_id), tcb).ok_or(bad)?;
        self.snp_vceks
            .retain(|v| !(v.chip_id == Some(chip_id) && v.tcb == tcb));
        self.snp_vceks.push(vek);
        Ok(())
    }

    /// Adds a VLEK certificate (DER, from the host's certificate table: a cloud provider's
    /// key, not served publicly by AMD), indexed by the TCB its extensions name; it has to
    /// chain to an ASVK of the collateral and a configured ARK at appraisal.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Rejected`] with [`Reason::MalformedCollateral`] for a certificate that
    /// does not parse, is larger than [`MAX_VCEK_LEN`], lacks the SPL or CSP id extensions,
    /// carries a hwID (a VCEK), or does not carry a P-384 key.
    pub fn add_snp_vlek(&mut self, der: &[u8]) -> Result<(), crate::Error> {
        let bad = crate::Error::Rejected(Reason::MalformedCollateral);
        let x = bounded_cert(der)?;
        let tcb = vek_tcb(&x).ok_or_else(|| bad.clone())?;
        if vcek_chip_id(&x).is_some() || extension(&x, oid::CSP_ID).is_none() {
            return Err(bad);
        }
        let vek = Vek::of(&x, None, tcb).ok_or(bad)?;
        self.snp_vleks.retain(|v| v.serial != vek.serial);
        self.snp_vleks.push(vek);
        Ok(())
    }

    /// Adds an ASVK certificate (DER, AMD KDS `vlek/v1/{product}/cert_chain`), the issuer of
    /// VLEKs; it has to be signed by a configured ARK at appraisal.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Rejected`] with [`Reason::MalformedCollateral`] for a certificate that
    /// does not parse, is larger than [`MAX_VCEK_LEN`] or does not carry an RSA key.
    pub fn add_snp_asvk(&mut self, der: &[u8]) -> Result<(), crate::Error> {
        let bad = || crate::Error::Rejected(Reason::MalformedCollateral);
        let x = bounded_cert(der)?;
        let serial = serial_of(&x);
        let asvk = CaCert {
            subject: x.tbs_certificate.subject.clone(),
            key: pss_key(&x).ok_or_else(bad)?,
            signed: SignedPart::of(&x).ok_or_else(bad)?,
            validity: validity(&x),
            serial,
        };
        self.snp_asvks.retain(|a| a.serial != asvk.serial);
        self.snp_asvks.push(asvk);
        Ok(())
    }

    /// Adds an ARK's CRL (DER, AMD KDS `vcek/v1/{product}/crl` or `vlek/v1/{product}/crl`):
    /// decoded here, its signature checked against the ARK of the chain at appraisal.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Rejected`] with [`Reason::MalformedCollateral`] for a CRL larger than
    /// [`MAX_CRL_LEN`] or that `x509-cert` does not decode (strict DER).
    pub fn add_snp_crl(&mut self, der: &[u8]) -> Result<(), crate::Error> {
        let bad = || crate::Error::Rejected(Reason::MalformedCollateral);
        if der.len() > MAX_CRL_LEN {
            return Err(bad());
        }
        let crl = x509_cert::crl::CertificateList::from_der(der).map_err(|_| bad())?;
        let tbs = &crl.tbs_cert_list;
        let signature = crl.signature.as_bytes().ok_or_else(bad)?.to_vec();
        let parsed = Crl {
            issuer: tbs.issuer.clone(),
            tbs_der: der::Encode::to_der(tbs).map_err(|_| bad())?,
            algorithm: crl.signature_algorithm.oid,
            signature,
            this_update: tbs.this_update.to_unix_duration().as_secs(),
            next_update: tbs.next_update.map(|t| t.to_unix_duration().as_secs()),
            revoked: tbs
                .revoked_certificates
                .iter()
                .flatten()
                .map(|r| r.serial_number.as_bytes().to_vec())
                .collect(),
        };
        self.snp_crls.retain(|c| c.tbs_der != parsed.tbs_der);
        self.snp_crls.push(parsed);
        Ok(())
    }
}

impl Vek {
    fn of(x: &x509_cert::Certificate, chip_id: Option<[u8; 64]>, tcb: SnpTcb) -> Option<Self> {
        let point = x
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .as_bytes()?;
        Some(Self {
            chip_id,
            tcb,
            key: p384::ecdsa::VerifyingKey::from_sec1_bytes(point).ok()?,
            signed: SignedPart::of(x)?,
            validity: validity(x),
            serial: serial_of(x),
        })
    }
}

fn bounded_cert(der: &[u8]) -> Result<x509_cert::Certificate, crate::Error> {
    let bad = crate::Error::Rejected(Reason::MalformedCollateral);
    if der.len() > MAX_VCEK_LEN {
        return Err(bad);
    }
    x509_cert::Certificate::from_der(der).map_err(|_| bad)
}

fn validity(x: &x509_cert::Certificate) -> (u64, u64) {
    let v = &x.tbs_certificate.validity;
    (
        v.not_before.to_unix_duration().as_secs(),
        v.not_after.to_unix_duration().as_secs(),
    )
}

fn extension(x: &x509_cert::Certificate, id: der::asn1::ObjectIdentifier) -> Option<&[u8]> {
    x.tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == id)
        .map(|e| e.extn_value.as_bytes())
}

/// The hwID a VCEK's extension certifies (the 64 bytes themselves, as AMD encodes it).
fn vcek_chip_id(x: &x509_cert::Certificate) -> Option<[u8; 64]> {
    <[u8; 64]>::try_from(extension(x, oid::HW_ID)?).ok()
}

/// The TCB a VCEK's or VLEK's SPL extensions certify (each a DER INTEGER).
fn vek_tcb(x: &x509_cert::Certificate) -> Option<SnpTcb> {
    let spl = |id| extension(x, id).and_then(|v| u8::from_der(v).ok());
    Some(SnpTcb {
        bootloader: spl(oid::BL_SPL)?,
        tee: spl(oid::TEE_SPL)?,
        snp: spl(oid::SNP_SPL)?,
        microcode: spl(oid::UCODE_SPL)?,
    })
}

/// What an SNP policy requires (its part of the Verifier's policy).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnpPolicy {
    /// Reference values by name (`measurement`, `host_data`, `id_key_digest`,
    /// `author_key_digest`, `family_id`, `image_id`): each must be present and equal.
    pub reference_values: Vec<(String, Vec<u8>)>,
    /// The lowest REPORTED_TCB accepted without a finding, when the policy names one.
    pub min_tcb: Option<SnpTcb>,
    /// Whether a guest policy allowing debug is acceptable.
    pub allow_debug: bool,
    /// Whether a guest policy allowing a migration agent is acceptable.
    pub allow_migration_agent: bool,
    /// Whether a guest policy allowing SMT is acceptable.
    pub allow_smt: bool,
    /// Whether the ARK's CRL must be supplied: without it an appraisal fails with
    /// [`Reason::MissingCollateral`] naming [`CollateralNeed::SnpCrl`]. A CRL supplied is
    /// checked either way.
    pub require_crl: bool,
}

impl Default for SnpPolicy {
    /// No reference values, no minimum TCB, no debug, no migration agent, SMT allowed (most
    /// hosts run with SMT on), CRL checked when supplied but not required.
    fn default() -> Self {
        Self {
            reference_values: Vec::new(),
            min_tcb: None,
            allow_debug: false,
            allow_migration_agent: false,
            allow_smt: true,
            require_crl: false,
        }
    }
}

/// A report whose signature and chain checked out, before binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedReport {
    /// The report version.
    pub version: u32,
    /// The product whose ARK the chain ends at.
    pub product: SnpProduct,
    /// The key that signed the report (VCEK or VLEK).
    pub signing_key: SnpKey,
    /// REPORT_DATA.
    pub report_data: [u8; 64],
    /// The guest policy.
    pub policy: u64,
    /// REPORTED_TCB.
    pub reported_tcb: SnpTcb,
    /// CHIP_ID.
    pub chip_id: [u8; 64],
    /// The measurements by name (module [`crate::claims`]).
    pub measurements: Vec<(String, Vec<u8>)>,
    /// SHA-256 of the signed part.
    pub digest: [u8; 32],
}

/// One product's roots, checked when added (the ARK signs itself and the ASK), their keys
/// prepared for the VCEK's, ASVK's and CRL's checks at each appraisal.
#[derive(Clone, Debug)]
struct Roots {
    product: SnpProduct,
    validity: [(u64, u64); 2],
    ark_subject: x509_cert::name::Name,
    ark_key: PssKey,
    ask_subject: x509_cert::name::Name,
    ask_key: PssKey,
    ask_serial: Vec<u8>,
}

/// The AMD SEV-SNP format.
#[derive(Clone, Debug)]
pub struct SnpFormat {
    roots: Vec<Roots>,
    policy: SnpPolicy,
}

impl SnpFormat {
    /// SNP reports chained to AMD's ARK and ASK of Milan, Genoa and Turin (as the `sev`
    /// crate 8.0.0 ships them), appraised with `policy`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Rejected`] with [`Reason::MalformedCollateral`] if a built-in root
    /// does not parse.
    pub fn amd(policy: SnpPolicy) -> Result<Self, crate::Error> {
        use sev::certs::snp::builtin::{genoa, milan, turin};
        let bad = crate::Error::Rejected(Reason::MalformedCollateral);
        let mut f = Self {
            roots: Vec::new(),
            policy,
        };
        for (product, ark, ask) in [
            (SnpProduct::Milan, milan::ARK, milan::ASK),
            (SnpProduct::Genoa, genoa::ARK, genoa::ASK),
            (SnpProduct::Turin, turin::ARK, turin::ASK),
        ] {
            let ark = Certificate::from_pem(ark).map_err(|_| bad.clone())?;
            let ask = Certificate::from_pem(ask).map_err(|_| bad.clone())?;
            let ark = ark.to_der().map_err(|_| bad.clone())?;
            let ask = ask.to_der().map_err(|_| bad.clone())?;
            f = f.with_root(product, &ark, &ask)?;
        }
        Ok(f)
    }

    /// No roots yet; add them with [`SnpFormat::with_root`] (a test ARK and ASK, for
    /// simulated reports).
    pub const fn without_roots(policy: SnpPolicy) -> Self {
        Self {
            roots: Vec::new(),
            policy,
        }
    }

    /// Adds the ARK and ASK (DER) of `product`; the ARK must sign itself and the ASK.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Rejected`] with [`Reason::MalformedCollateral`] for certificates that
    /// do not parse, [`Reason::UntrustedRoot`] if the ARK does not sign itself and the ASK.
    pub fn with_root(
        mut self,
        product: SnpProduct,
        ark_der: &[u8],
        ask_der: &[u8],
    ) -> Result<Self, crate::Error> {
        let bad = crate::Error::Rejected(Reason::MalformedCollateral);
        let ark_x = x509_cert::Certificate::from_der(ark_der).map_err(|_| bad.clone())?;
        let ask_x = x509_cert::Certificate::from_der(ask_der).map_err(|_| bad.clone())?;
        let untrusted = || crate::Error::Rejected(Reason::UntrustedRoot);
        let roots = Roots {
            product,
            validity: [validity(&ark_x), validity(&ask_x)],
            ark_subject: ark_x.tbs_certificate.subject.clone(),
            ark_key: pss_key(&ark_x).ok_or_else(untrusted)?,
            ask_subject: ask_x.tbs_certificate.subject.clone(),
            ask_key: pss_key(&ask_x).ok_or_else(untrusted)?,
            ask_serial: serial_of(&ask_x),
        };
        let chain = ca::Chain {
            ark: Certificate::from(ark_x),
            ask: Certificate::from(ask_x),
        };
        (&chain).verify().map_err(|_| untrusted())?;
        self.roots.push(roots);
        Ok(self)
    }

    /// The policy.
    pub const fn policy(&self) -> &SnpPolicy {
        &self.policy
    }

    /// Decodes `report` and checks its signature and chain at `now_unix_secs`: everything
    /// but the binding and the policy.
    ///
    /// # Errors
    ///
    /// A [`Reason`] of stage decode or signature (module documentation).
    pub fn verify_report(
        &self,
        report: &[u8],
        collateral: &Collateral,
        now_unix_secs: u64,
        provider: &dyn seat_binding::provider::CryptoProvider,
    ) -> Result<VerifiedReport, Reason> {
        let (parsed, need, key) = parse(report)?;
        let signed = report.get(..SIGNED_LEN).ok_or(Reason::Truncated)?;
        let signature = signature_of(report)?;
        let (vek, report_signed) = select_vek(collateral, need, key, signed, &signature)?;
        let inside = |(from, to): (u64, u64)| from <= now_unix_secs && now_unix_secs <= to;
        // The chain: VCEK, ASK, ARK or VLEK, ASVK, ARK; the issuer's validity and serial.
        let (root, issuer_validity, issuer_serial) = match key {
            SnpKey::Vcek => {
                let root = self
                    .roots
                    .iter()
                    .find(|r| vek.signed.signed_by(&r.ask_subject, &r.ask_key))
                    .ok_or(Reason::UntrustedRoot)?;
                (root, root.validity[1], root.ask_serial.as_slice())
            }
            _ => {
                if collateral.snp_asvks.is_empty() {
                    return Err(Reason::MissingCollateral(CollateralNeed::SnpAsvk {
                        product: report_product(&parsed),
                    }));
                }
                let (asvk, root) = collateral
                    .snp_asvks
                    .iter()
                    .filter(|a| vek.signed.signed_by(&a.subject, &a.key))
                    .find_map(|a| {
                        self.roots
                            .iter()
                            .find(|r| a.signed.signed_by(&r.ark_subject, &r.ark_key))
                            .map(|r| (a, r))
                    })
                    .ok_or(Reason::UntrustedRoot)?;
                (root, asvk.validity, asvk.serial.as_slice())
            }
        };
        if !inside(vek.validity) || !inside(issuer_validity) || !inside(root.validity[0]) {
            return Err(Reason::CertificateExpired);
        }
        self.check_crls(
            root,
            collateral,
            key,
            &[issuer_serial, &vek.serial],
            now_unix_secs,
        )?;
        // Checked once, when the VCEK (VLEK) was selected; reported here, after the chain.
        if !report_signed {
            return Err(Reason::BadEvidenceSignature);
        }
        let chip_id = parsed.chip_id;
        Ok(VerifiedReport {
            version: parsed.version,
            product: root.product,
            signing_key: key,
            report_data: parsed.report_data,
            policy: report
                .get(0x08..0x10)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_le_bytes)
                .ok_or(Reason::Truncated)?,
            reported_tcb: vek.tcb,
            chip_id,
            measurements: measurements(&parsed),
            digest: crate::replay::digest(provider, &[signed]),
        })
    }

    /// The CRLs of `root`'s ARK in the collateral: each must be signed by the ARK and current,
    /// and name none of `serials`; none at all is an error only if the policy requires one.
    fn check_crls(
        &self,
        root: &Roots,
        collateral: &Collateral,
        key: SnpKey,
        serials: &[&[u8]],
        now_unix_secs: u64,
    ) -> Result<(), Reason> {
        let mut any = false;
        for crl in collateral
            .snp_crls
            .iter()
            .filter(|c| c.issuer == root.ark_subject)
        {
            any = true;
            let sig = rsa::pss::Signature::try_from(crl.signature.as_slice())
                .map_err(|_| Reason::BadCollateralSignature)?;
            if crl.algorithm != RSASSA_PSS
                || rsa::signature::Verifier::verify(&root.ark_key, &crl.tbs_der, &sig).is_err()
            {
                return Err(Reason::BadCollateralSignature);
            }
            if crl.this_update > now_unix_secs || crl.next_update.is_some_and(|n| n < now_unix_secs)
            {
                return Err(Reason::CollateralExpired);
            }
            if crl.revoked.iter().any(|r| serials.contains(&r.as_slice())) {
                return Err(Reason::CertificateRevoked);
            }
        }
        if !any && self.policy.require_crl {
            return Err(Reason::MissingCollateral(CollateralNeed::SnpCrl {
                product: Some(root.product),
                key,
            }));
        }
        Ok(())
    }

    fn findings(
        &self,
        r: &VerifiedReport,
    ) -> Result<
        (
            Vec<Reason>,
            Option<TcbReport>,
            seat_evidence::ear::TrustVector,
        ),
        Reason,
    > {
        let mut findings = Vec::new();
        let mut configuration = ar4si::APPROVED_CONFIG;
        let bit = |n: u32| (r.policy >> n) & 1 == 1;
        if bit(19) && !self.policy.allow_debug {
            findings.push(Reason::DebugEnabled);
            configuration = ar4si::UNSUPPORTABLE_CONFIG;
        }
        if bit(18) && !self.policy.allow_migration_agent {
            findings.push(Reason::MigrationAgentAllowed);
            configuration = ar4si::UNSUPPORTABLE_CONFIG;
        }
        if bit(16) && !self.policy.allow_smt {
            findings.push(Reason::SmtAllowed);
            configuration = configuration.max(ar4si::VULNERABLE_CONFIG);
        }
        let mut hardware = ar4si::GENUINE_HARDWARE;
        let tcb = self.policy.min_tcb.map(|min| {
            let ok = r.reported_tcb.at_least(min);
            if !ok {
                findings.push(Reason::TcbBelowMinimum);
                hardware = ar4si::VULNERABLE_HARDWARE;
            }
            TcbReport {
                status: if ok {
                    TcbStatus::UpToDate
                } else {
                    TcbStatus::OutOfDate
                },
                advisory_ids: Vec::new(),
            }
        });
        let executables = reference_findings(
            &self.policy.reference_values,
            &r.measurements,
            &mut findings,
        );
        let vector = trust_vector(
            ar4si::TRUSTWORTHY_INSTANCE,
            Some(configuration),
            executables,
            Some(hardware),
            Some(ar4si::ENCRYPTED_RUNTIME),
        )?;
        Ok((findings, tcb, vector))
    }
}

/// The product a version 3 or later report names by its CPUID.
fn report_product(parsed: &AttestationReport) -> Option<SnpProduct> {
    match (parsed.cpuid_fam_id, parsed.cpuid_mod_id) {
        (Some(0x19), Some(m)) if m < 0x10 => Some(SnpProduct::Milan),
        (Some(0x19), Some(_)) => Some(SnpProduct::Genoa),
        (Some(0x1a), Some(_)) => Some(SnpProduct::Turin),
        _ => None,
    }
}

/// Parses a report and says which key signed it and which certificate it needs.
fn parse(report: &[u8]) -> Result<(AttestationReport, CollateralNeed, SnpKey), Reason> {
    if report.len() != REPORT_LEN {
        return Err(Reason::Truncated);
    }
    let version = report
        .get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes)
        .ok_or(Reason::Truncated)?;
    if !(2..=5).contains(&version) {
        return Err(Reason::UnsupportedVersion);
    }
    let parsed =
        AttestationReport::from_bytes(report).map_err(|_| Reason::MalformedPlatformEvidence)?;
    if parsed.sig_algo != SIG_ALGO_ECDSA_P384_SHA384 {
        return Err(Reason::UnsupportedAlgorithm);
    }
    // KEY_INFO bits 4:2, SIGNING_KEY: 0 VCEK, 1 VLEK, 7 none.
    let key_info = report
        .get(0x48..0x4c)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes)
        .ok_or(Reason::Truncated)?;
    let key = match (key_info >> 2) & 0b111 {
        0 => SnpKey::Vcek,
        1 => SnpKey::Vlek,
        _ => return Err(Reason::UnsupportedAlgorithm),
    };
    let product = report_product(&parsed);
    let t = parsed.reported_tcb;
    let reported_tcb = SnpTcb {
        bootloader: t.bootloader,
        tee: t.tee,
        snp: t.snp,
        microcode: t.microcode,
    }
    .to_u64();
    let need = match key {
        SnpKey::Vcek => CollateralNeed::SnpVcek {
            product,
            chip_id: parsed.chip_id,
            reported_tcb,
        },
        _ => CollateralNeed::SnpVlek {
            product,
            reported_tcb,
        },
    };
    Ok((parsed, need, key))
}

/// The VCEK (VLEK) of the collateral for the report, and whether its key signs the report:
/// the one certifying its chip (VCEK) and REPORTED_TCB whose key signs the report, else the
/// first certifying them (`false`: the signature check fails, after the chain's); if none
/// certifies the REPORTED_TCB but one of another TCB signs the report, the report claims a
/// TCB its key does not certify. With one VCEK for the report, its signature is verified once.
fn select_vek<'c>(
    collateral: &'c Collateral,
    need: CollateralNeed,
    key: SnpKey,
    signed: &[u8],
    signature: &p384::ecdsa::Signature,
) -> Result<(&'c Vek, bool), Reason> {
    let (pool, chip_id, reported_tcb) = match (key, need) {
        (
            SnpKey::Vcek,
            CollateralNeed::SnpVcek {
                chip_id,
                reported_tcb,
                ..
            },
        ) => (&collateral.snp_vceks, Some(chip_id), reported_tcb),
        (_, CollateralNeed::SnpVlek { reported_tcb, .. }) => {
            (&collateral.snp_vleks, None, reported_tcb)
        }
        _ => return Err(Reason::MalformedPlatformEvidence),
    };
    let signs = |v: &Vek| v.key.verify(signed, signature).is_ok();
    let ours = || pool.iter().filter(|v| v.chip_id == chip_id);
    let mut exact = ours().filter(|v| v.tcb.to_u64() == reported_tcb).peekable();
    if let Some(first) = exact.peek().copied() {
        return Ok(exact
            .find(|v| signs(v))
            .map_or((first, false), |v| (v, true)));
    }
    if ours().any(signs) {
        return Err(Reason::CollateralMismatch);
    }
    Err(Reason::MissingCollateral(need))
}

/// The report's ECDSA signature: R and S as 72-byte little-endian numbers whose top 24 bytes
/// must be zero (SEV-SNP firmware ABI, "ECDSA signature format").
fn signature_of(report: &[u8]) -> Result<p384::ecdsa::Signature, Reason> {
    let be = |at: usize| -> Result<[u8; 48], Reason> {
        let le = report.get(at..at + 72).ok_or(Reason::Truncated)?;
        let (low, high) = le.split_at(48);
        if high.iter().any(|b| *b != 0) {
            return Err(Reason::BadEvidenceSignature);
        }
        let mut out = [0u8; 48];
        for (o, b) in out.iter_mut().zip(low.iter().rev()) {
            *o = *b;
        }
        Ok(out)
    };
    let r = be(SIGNED_LEN)?;
    let s = be(SIGNED_LEN + 72)?;
    p384::ecdsa::Signature::from_scalars(r, s).map_err(|_| Reason::BadEvidenceSignature)
}

fn measurements(r: &AttestationReport) -> Vec<(String, Vec<u8>)> {
    vec![
        ("measurement".to_owned(), r.measurement.to_vec()),
        ("host_data".to_owned(), r.host_data.to_vec()),
        ("id_key_digest".to_owned(), r.id_key_digest.to_vec()),
        ("author_key_digest".to_owned(), r.author_key_digest.to_vec()),
        ("family_id".to_owned(), r.family_id.to_vec()),
        ("image_id".to_owned(), r.image_id.to_vec()),
    ]
}

/// The report a record carries: a tsm-report's outblob (provider `sev_guest`) or the bare
/// report.
fn report_of(token: &[u8], media_type: &str) -> Result<Vec<u8>, Reason> {
    if platform::tsm_provider(media_type) == Some(SNP_PROVIDER) {
        let r = TsmReport::decode(token).map_err(Reason::MalformedEvidence)?;
        if r.provider != SNP_PROVIDER {
            return Err(Reason::MalformedPlatformEvidence);
        }
        Ok(r.outblob)
    } else {
        Ok(token.to_vec())
    }
}

impl EvidenceFormat for SnpFormat {
    fn handles(&self, media_type: &str) -> bool {
        platform::tsm_provider(media_type) == Some(SNP_PROVIDER)
            || media_type
                .trim()
                .eq_ignore_ascii_case(SNP_REPORT_MEDIA_TYPE)
    }

    fn appraise(&self, cx: &AppraisalContext<'_>) -> Result<FormatAppraisal, Reason> {
        let report = report_of(cx.token, cx.media_type)?;
        let r = self.verify_report(&report, cx.collateral, cx.now_unix_secs, cx.provider)?;
        cx.check_report_data(Some(&r.report_data))?;
        let (findings, tcb, vector) = self.findings(&r)?;
        let mut claims = EvidenceClaims::new(
            Platform::SevSnp,
            SNP_PROFILE.to_owned(),
            r.report_data.to_vec(),
            cx.aik_pub_hash.to_vec(),
        );
        claims.ueid = Some(r.chip_id.to_vec());
        claims.measurements = r.measurements.clone();
        claims.debug = (r.policy >> 19) & 1 == 1;
        claims.tcb = tcb;
        let mut a = FormatAppraisal::new(SNP_SUBMOD, r.product.name(), r.digest, vector, claims);
        a.findings = findings;
        Ok(a)
    }

    fn collateral_needed(
        &self,
        token: &[u8],
        media_type: &str,
        collateral: &Collateral,
    ) -> Result<Option<CollateralNeed>, Reason> {
        let report = report_of(token, media_type)?;
        let (parsed, need, key) = parse(&report)?;
        let product = report_product(&parsed);
        let have = match need {
            CollateralNeed::SnpVcek {
                chip_id,
                reported_tcb,
                ..
            } => collateral
                .snp_vceks
                .iter()
                .any(|v| v.chip_id == Some(chip_id) && v.tcb.to_u64() == reported_tcb),
            CollateralNeed::SnpVlek { reported_tcb, .. } => collateral
                .snp_vleks
                .iter()
                .any(|v| v.tcb.to_u64() == reported_tcb),
            _ => false,
        };
        if !have {
            return Ok(Some(need));
        }
        if key == SnpKey::Vlek && collateral.snp_asvks.is_empty() {
            return Ok(Some(CollateralNeed::SnpAsvk { product }));
        }
        let crl_of = |r: &Roots| {
            collateral
                .snp_crls
                .iter()
                .any(|c| c.issuer == r.ark_subject)
        };
        let have_crl = self
            .roots
            .iter()
            .filter(|r| product.is_none_or(|p| p == r.product))
            .any(crl_of);
        Ok((self.policy.require_crl && !have_crl)
            .then_some(CollateralNeed::SnpCrl { product, key }))
    }
}
