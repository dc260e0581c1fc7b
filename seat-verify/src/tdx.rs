//! Intel TDX quotes (DCAP quote versions 4 and 5, ECDSA-P256 attestation key) appraised
//! against the Intel SGX Root CA, with collateral the caller supplies (feature `tdx`).
//!
//! Stages, in order, each failure a typed [`Reason`]:
//!
//! | stage | check | reason |
//! | --- | --- | --- |
//! | decode | the tsm-report record (provider `tdx_guest`), the quote's lengths | [`Reason::MalformedEvidence`], [`Reason::Truncated`], [`Reason::MalformedPlatformEvidence`] |
//! | decode | version 4 or 5 | [`Reason::UnsupportedVersion`] |
//! | signature | attestation key type 2 (ECDSA-P256) | [`Reason::UnsupportedAlgorithm`] |
//! | signature | the quote signature over header and TD report by the attestation key | [`Reason::BadEvidenceSignature`] |
//! | decode | TEE type 0x81 (TDX), checked once the signature holds | [`Reason::WrongTeeType`] |
//! | signature | collateral for the PCK certificate's FMSPC is present | [`Reason::MissingCollateral`] |
//! | signature | PCK chain to the root, CRLs, TCB info and QE identity signatures and validity, QE report signature and its binding of the attestation key (dcap-qvl) | [`Reason::UntrustedRoot`], [`Reason::CertificateExpired`], [`Reason::CertificateRevoked`], [`Reason::CollateralExpired`], [`Reason::BadCollateralSignature`], [`Reason::BadQeReport`], [`Reason::CollateralMismatch`] |
//! | policy | a revoked TCB (dcap-qvl refuses it outright) | [`Reason::TcbNotAccepted`] |
//! | binding | `REPORTDATA` = the binding rule of [`seat_evidence::platform`] | [`Reason::BinderMismatch`] |
//! | policy | TCB status, debug, reference values of MRTD, RTMRs, MRCONFIGID, MROWNER... | findings |
//!
//! The chain, CRL, TCB-info and QE-identity checks are dcap-qvl's (pure Rust, RustCrypto
//! backend, no HTTP client); it reports them as text, so this module classifies its errors:
//! through the certificate library's typed error where there is one, by dcap-qvl's message
//! otherwise (the messages are listed in `classify`'s code; an unknown one is
//! [`Reason::UntrustedRoot`], never acceptance).

use dcap_qvl::QuoteCollateralV3;
use dcap_qvl::configs::RustCryptoConfig;
use dcap_qvl::quote::{Quote, Report};
use dcap_qvl::verify::QuoteVerifier;
use seat_binding::provider::{SignatureAlgorithm, SignatureEncoding};
use seat_evidence::platform::{self, TDX_PROVIDER, TsmReport};

use crate::claims::{EvidenceClaims, Platform, TcbReport, TcbStatus};
use crate::collateral::{Collateral, CollateralNeed, PckCa};
use crate::error::Reason;
use crate::format::{
    AppraisalContext, EvidenceFormat, FormatAppraisal, ar4si, reference_findings, trust_vector,
};

/// The Intel SGX Root CA certificate (DER), the trust anchor of every TDX quote
/// (`tests/data/tdx/PROVENANCE.md`: Intel's certificate as dcap-qvl 0.7.1 ships it).
pub const INTEL_SGX_ROOT_CA_DER: &[u8] = include_bytes!("../data/intel_sgx_root_ca.der");

/// The profile named in the EAR submodule of a TDX appraisal.
pub const TDX_PROFILE: &str = "tag:seat.example,2026:tdx-quote/1";

/// The EAR submodule name of a TDX appraisal.
pub const TDX_SUBMOD: &str = "tdx";

/// Longest quote accepted ([`platform::MAX_OUTBLOB_LEN`]).
pub const MAX_QUOTE_LEN: usize = platform::MAX_OUTBLOB_LEN;

/// Longest collateral document accepted (dcap-qvl's JSON with TCB info, QE identity, CRLs and
/// chains is about 20 KiB).
pub const MAX_COLLATERAL_LEN: usize = 256 * 1024;

const HEADER_LEN: usize = 48;
const TD10_LEN: usize = 584;
const TD15_LEN: usize = 648;
const TD15EX_LEN: usize = 885;
const V5_BODY_DESCRIPTOR_LEN: usize = 6;
const TEE_TYPE_TDX: u32 = 0x81;
const KEY_TYPE_ECDSA_P256: u16 = 2;
/// The DER SubjectPublicKeyInfo prefix of an uncompressed P-256 point (RFC 5480).
const P256_SPKI_PREFIX: [u8; 27] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
];

/// TDX collateral for one FMSPC, parsed (module [`crate::collateral`]).
#[derive(Clone, Debug)]
pub(crate) struct TdxCollateral {
    pub(crate) fmspc: [u8; 6],
    pub(crate) inner: QuoteCollateralV3,
}

impl Collateral {
    /// Adds TDX collateral in dcap-qvl's JSON form (`pck_crl_issuer_chain`, `root_ca_crl`,
    /// `pck_crl`, `tcb_info_issuer_chain`, `tcb_info`, `tcb_info_signature`,
    /// `qe_identity_issuer_chain`, `qe_identity`, `qe_identity_signature`: what Intel PCS or
    /// a PCCS serves), replacing collateral for the same FMSPC. Signatures and validity are
    /// checked at appraisal, against the time then.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Rejected`] with [`Reason::MalformedCollateral`] for a document that
    /// does not parse, is larger than [`MAX_COLLATERAL_LEN`], or whose TCB info names no
    /// 6-byte FMSPC.
    pub fn add_tdx_json(&mut self, json: &[u8]) -> Result<(), crate::Error> {
        let bad = crate::Error::Rejected(Reason::MalformedCollateral);
        if json.len() > MAX_COLLATERAL_LEN {
            return Err(bad);
        }
        let inner: QuoteCollateralV3 = serde_json::from_slice(json).map_err(|_| bad.clone())?;
        let tcb: serde_json::Value =
            serde_json::from_str(&inner.tcb_info).map_err(|_| bad.clone())?;
        let fmspc = tcb
            .get("fmspc")
            .and_then(serde_json::Value::as_str)
            .and_then(fmspc_from_hex)
            .ok_or(bad)?;
        self.tdx.retain(|c| c.fmspc != fmspc);
        self.tdx.push(TdxCollateral { fmspc, inner });
        Ok(())
    }

    fn tdx_for(&self, fmspc: &[u8; 6]) -> Option<&TdxCollateral> {
        self.tdx.iter().find(|c| &c.fmspc == fmspc)
    }
}

fn fmspc_from_hex(s: &str) -> Option<[u8; 6]> {
    if s.len() != 12 {
        return None;
    }
    let mut out = [0u8; 6];
    for (o, pair) in out.iter_mut().zip(s.as_bytes().chunks(2)) {
        let text = core::str::from_utf8(pair).ok()?;
        *o = u8::from_str_radix(text, 16).ok()?;
    }
    Some(out)
}

/// What a TDX policy requires (its part of the Verifier's policy).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TdxPolicy {
    /// Reference values by measurement name (`mrtd`, `rtmr0`..`rtmr3`, `mrconfigid`,
    /// `mrowner`, `mrownerconfig`, `mrseam`): each must be present and equal.
    pub reference_values: Vec<(String, Vec<u8>)>,
    /// The worst TCB status accepted without a finding.
    pub worst_tcb: TcbStatus,
    /// Whether a debuggable TD (TD attribute DEBUG) is acceptable.
    pub allow_debug: bool,
}

impl Default for TdxPolicy {
    /// No reference values, TCB up to date, no debug.
    fn default() -> Self {
        Self {
            reference_values: Vec::new(),
            worst_tcb: TcbStatus::UpToDate,
            allow_debug: false,
        }
    }
}

/// A quote whose signature, chain, collateral and TCB checked out, before binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedQuote {
    /// The quote version (4 or 5).
    pub version: u16,
    /// The TCB status (platform and QE converged, as Intel's QVL does).
    pub tcb: TcbReport,
    /// `REPORTDATA`.
    pub report_data: [u8; 64],
    /// The TD attributes (little-endian 64-bit).
    pub td_attributes: u64,
    /// The measurements by name (module [`crate::claims`]).
    pub measurements: Vec<(String, Vec<u8>)>,
    /// SHA-256 of the signed part (header and TD report).
    pub digest: [u8; 32],
}

/// The Intel TDX format.
#[derive(Clone, Debug)]
pub struct TdxFormat {
    root_name: String,
    root_der: Vec<u8>,
    policy: TdxPolicy,
}

impl TdxFormat {
    /// TDX quotes chained to the Intel SGX Root CA, appraised with `policy`.
    pub fn intel(policy: TdxPolicy) -> Self {
        Self::with_root("Intel SGX Root CA", INTEL_SGX_ROOT_CA_DER.to_vec(), policy)
    }

    /// TDX quotes chained to another root (a test root, for simulated quotes).
    pub fn with_root(name: impl Into<String>, root_der: Vec<u8>, policy: TdxPolicy) -> Self {
        Self {
            root_name: name.into(),
            root_der,
            policy,
        }
    }

    /// The policy.
    pub const fn policy(&self) -> &TdxPolicy {
        &self.policy
    }

    /// Decodes `quote` and checks its signature, its chain to the root, the collateral and
    /// the TCB, at `now_unix_secs`: everything but the binding and the policy.
    ///
    /// # Errors
    ///
    /// A [`Reason`] of stage decode or signature (module documentation); a revoked TCB as
    /// [`Reason::TcbNotAccepted`].
    pub fn verify_quote(
        &self,
        quote: &[u8],
        collateral: &Collateral,
        now_unix_secs: u64,
        provider: &dyn seat_binding::provider::CryptoProvider,
    ) -> Result<VerifiedQuote, Reason> {
        let layout = Layout::of(quote)?;
        let signed = quote.get(..layout.signed_len).ok_or(Reason::Truncated)?;
        // The quote signature, by the attestation key the quote carries (its binding to the
        // PCK is the QE report's, checked by dcap-qvl below), read from the raw bytes before
        // anything interprets the signed part: ECDSA signature then attestation key, 64 bytes
        // each, after the 4-byte signature-data length.
        let auth_at = layout.signed_len + 4;
        let sig = quote.get(auth_at..auth_at + 64).ok_or(Reason::Truncated)?;
        let key = quote
            .get(auth_at + 64..auth_at + 128)
            .ok_or(Reason::Truncated)?;
        let mut spki = P256_SPKI_PREFIX.to_vec();
        spki.extend_from_slice(key);
        provider
            .verify(
                SignatureAlgorithm::EcdsaSecp256r1Sha256,
                &spki,
                signed,
                sig,
                SignatureEncoding::Fixed,
            )
            .map_err(|_| Reason::BadEvidenceSignature)?;
        let tee_type = quote
            .get(4..8)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_le_bytes)
            .ok_or(Reason::Truncated)?;
        if tee_type != TEE_TYPE_TDX {
            return Err(Reason::WrongTeeType);
        }
        let parsed = Quote::parse(quote).map_err(|_| Reason::MalformedPlatformEvidence)?;
        if parsed.signed_length() != layout.signed_len {
            return Err(Reason::MalformedPlatformEvidence);
        }
        let need = need_of(&parsed)?;
        let CollateralNeed::Tdx { fmspc, .. } = need else {
            return Err(Reason::MalformedPlatformEvidence);
        };
        let c = collateral
            .tdx_for(&fmspc)
            .ok_or(Reason::MissingCollateral(need))?;
        let report = QuoteVerifier::<RustCryptoConfig>::new_with_config(self.root_der.clone())
            .allow_debug(true)
            .allow_service_td(true)
            .verify(quote, &c.inner, now_unix_secs)
            .map_err(|e| classify(&e))?;
        let status = TcbStatus::from_name(&report.status).ok_or(Reason::MalformedCollateral)?;
        let td = report
            .report
            .as_td10()
            .ok_or(Reason::MalformedPlatformEvidence)?;
        Ok(VerifiedQuote {
            version: parsed.header.version,
            tcb: TcbReport {
                status,
                advisory_ids: report.advisory_ids.clone(),
            },
            report_data: td.report_data,
            td_attributes: u64::from_le_bytes(td.td_attributes),
            measurements: measurements(&report.report),
            digest: crate::replay::digest(provider, &[signed]),
        })
    }

    fn findings(
        &self,
        q: &VerifiedQuote,
    ) -> Result<(Vec<Reason>, seat_evidence::ear::TrustVector), Reason> {
        let mut findings = Vec::new();
        let debug = q.td_attributes & 1 == 1;
        let mut configuration = ar4si::APPROVED_CONFIG;
        if debug && !self.policy.allow_debug {
            findings.push(Reason::DebugEnabled);
            configuration = ar4si::UNSUPPORTABLE_CONFIG;
        }
        let mut hardware = ar4si::GENUINE_HARDWARE;
        if q.tcb.status != TcbStatus::UpToDate {
            hardware = ar4si::VULNERABLE_HARDWARE;
        }
        if q.tcb.status > self.policy.worst_tcb {
            findings.push(Reason::TcbNotAccepted(q.tcb.status));
            configuration = configuration.max(ar4si::VULNERABLE_CONFIG);
        }
        let executables = reference_findings(
            &self.policy.reference_values,
            &q.measurements,
            &mut findings,
        );
        let vector = trust_vector(
            ar4si::TRUSTWORTHY_INSTANCE,
            Some(configuration),
            executables,
            Some(hardware),
            Some(ar4si::ENCRYPTED_RUNTIME),
        )?;
        Ok((findings, vector))
    }
}

fn measurements(report: &Report) -> Vec<(String, Vec<u8>)> {
    let Some(td) = report.as_td10() else {
        return Vec::new();
    };
    let mut m = vec![
        ("mrtd".to_owned(), td.mr_td.to_vec()),
        ("rtmr0".to_owned(), td.rt_mr0.to_vec()),
        ("rtmr1".to_owned(), td.rt_mr1.to_vec()),
        ("rtmr2".to_owned(), td.rt_mr2.to_vec()),
        ("rtmr3".to_owned(), td.rt_mr3.to_vec()),
        ("mrconfigid".to_owned(), td.mr_config_id.to_vec()),
        ("mrowner".to_owned(), td.mr_owner.to_vec()),
        ("mrownerconfig".to_owned(), td.mr_owner_config.to_vec()),
        ("mrseam".to_owned(), td.mr_seam.to_vec()),
    ];
    if let Some(td15) = report.as_td15() {
        m.push(("mrservicetd".to_owned(), td15.mr_service_td.to_vec()));
    }
    m
}

/// What collateral a parsed quote needs: the FMSPC of its PCK certificate and the CA that
/// issued it (a Platform CA PCK certificate carries the platform configuration flags; a
/// Processor CA one does not, per Intel's PCK certificate profile).
fn need_of(quote: &Quote) -> Result<CollateralNeed, Reason> {
    if quote.inner_cert_type() != 5 {
        return Err(Reason::MalformedPlatformEvidence);
    }
    let pem = quote
        .raw_cert_chain()
        .map_err(|_| Reason::MalformedPlatformEvidence)?;
    let ext = dcap_qvl::intel::parse_pck_extension_from_pem_with::<RustCryptoConfig>(pem)
        .map_err(|_| Reason::MalformedPlatformEvidence)?;
    let ca = if ext.dynamic_platform.is_some() {
        PckCa::Platform
    } else {
        PckCa::Processor
    };
    Ok(CollateralNeed::Tdx {
        fmspc: ext.fmspc,
        ca,
    })
}

/// The byte layout of a quote, read from its lengths alone (Intel TDX DCAP Quoting Library
/// API, quote format v4 and v5).
struct Layout {
    signed_len: usize,
}

impl Layout {
    fn of(quote: &[u8]) -> Result<Self, Reason> {
        if quote.len() > MAX_QUOTE_LEN {
            return Err(Reason::MalformedPlatformEvidence);
        }
        let u16_at = |at: usize| -> Result<u16, Reason> {
            let b = quote.get(at..at + 2).ok_or(Reason::Truncated)?;
            Ok(u16::from_le_bytes(
                b.try_into().map_err(|_| Reason::Truncated)?,
            ))
        };
        let u32_at = |at: usize| -> Result<u32, Reason> {
            let b = quote.get(at..at + 4).ok_or(Reason::Truncated)?;
            Ok(u32::from_le_bytes(
                b.try_into().map_err(|_| Reason::Truncated)?,
            ))
        };
        if quote.len() < HEADER_LEN {
            return Err(Reason::Truncated);
        }
        let version = u16_at(0)?;
        let body_end = match version {
            4 => HEADER_LEN + TD10_LEN,
            5 => {
                let body_type = u16_at(HEADER_LEN)?;
                let size = usize::try_from(u32_at(HEADER_LEN + 2)?)
                    .map_err(|_| Reason::MalformedPlatformEvidence)?;
                let expected = match body_type {
                    2 => TD10_LEN,
                    3 => TD15_LEN,
                    4 => TD15EX_LEN,
                    _ => return Err(Reason::MalformedPlatformEvidence),
                };
                if size != expected {
                    return Err(Reason::MalformedPlatformEvidence);
                }
                HEADER_LEN + V5_BODY_DESCRIPTOR_LEN + size
            }
            _ => return Err(Reason::UnsupportedVersion),
        };
        if u16_at(2)? != KEY_TYPE_ECDSA_P256 {
            return Err(Reason::UnsupportedAlgorithm);
        }
        let sig_len = usize::try_from(u32_at(body_end)?).map_err(|_| Reason::Truncated)?;
        let total = body_end
            .checked_add(4)
            .and_then(|n| n.checked_add(sig_len))
            .ok_or(Reason::Truncated)?;
        // Quote buffers from the quoting service come zero-padded (the v4 sample carries 70
        // zero bytes after its signature data): zeros after the quote are accepted, anything
        // else is not.
        let tail = quote.get(total..).ok_or(Reason::Truncated)?;
        if tail.iter().any(|b| *b != 0) {
            return Err(Reason::Truncated);
        }
        Ok(Self {
            signed_len: body_end,
        })
    }
}

/// The reason for a refusal by dcap-qvl: the certificate library's typed error where it
/// gives one, else dcap-qvl's message (dcap-qvl 0.7.1 `src/verify.rs`, `src/utils.rs`).
fn classify(e: &anyhow::Error) -> Reason {
    use webpki::Error as W;
    let text = format!("{e:#}");
    // The root CA CRL is verified under the configured root first: a CRL (and so a chain)
    // from another root fails there.
    if text.contains("Failed to load root ca") || text.contains("Failed to parse root CA CRL") {
        return Reason::UntrustedRoot;
    }
    if let Some(w) = e.downcast_ref::<W>() {
        return match w {
            W::CertExpired { .. } | W::CertNotValidYet { .. } | W::InvalidCertValidity => {
                Reason::CertificateExpired
            }
            W::CertRevoked => Reason::CertificateRevoked,
            W::CrlExpired { .. } => Reason::CollateralExpired,
            W::InvalidCrlSignatureForPublicKey | W::InvalidSignatureForPublicKey => {
                Reason::BadCollateralSignature
            }
            _ => Reason::UntrustedRoot,
        };
    }
    let has = |s: &str| text.contains(s);
    if has("TCBInfo expired") || has("QE Identity expired") {
        Reason::CollateralExpired
    } else if has("Revoked") {
        Reason::TcbNotAccepted(TcbStatus::Revoked)
    } else if has("qe_report") || has("QE report") || has("QE MRSIGNER") || has("QE ISV") {
        Reason::BadQeReport
    } else if has("Fmspc mismatch") || has("FMSPC") {
        Reason::CollateralMismatch
    } else if has("ignature") {
        Reason::BadCollateralSignature
    } else if has("Failed to parse") || has("Failed to decode") {
        Reason::MalformedCollateral
    } else {
        Reason::UntrustedRoot
    }
}

/// The tsm-report's quote, for a record of provider `tdx_guest`.
fn quote_of(token: &[u8]) -> Result<Vec<u8>, Reason> {
    let report = TsmReport::decode(token).map_err(Reason::MalformedEvidence)?;
    if report.provider != TDX_PROVIDER {
        return Err(Reason::MalformedPlatformEvidence);
    }
    Ok(report.outblob)
}

impl EvidenceFormat for TdxFormat {
    fn handles(&self, media_type: &str) -> bool {
        platform::tsm_provider(media_type) == Some(TDX_PROVIDER)
    }

    fn appraise(&self, cx: &AppraisalContext<'_>) -> Result<FormatAppraisal, Reason> {
        let quote = quote_of(cx.token)?;
        let q = self.verify_quote(&quote, cx.collateral, cx.now_unix_secs, cx.provider)?;
        cx.check_report_data(Some(&q.report_data))?;
        let (findings, vector) = self.findings(&q)?;
        let mut claims = EvidenceClaims::new(
            Platform::Tdx,
            TDX_PROFILE.to_owned(),
            q.report_data.to_vec(),
            cx.aik_pub_hash.to_vec(),
        );
        claims.measurements = q.measurements.clone();
        claims.debug = q.td_attributes & 1 == 1;
        claims.tcb = Some(q.tcb.clone());
        let mut a =
            FormatAppraisal::new(TDX_SUBMOD, self.root_name.clone(), q.digest, vector, claims);
        a.findings = findings;
        Ok(a)
    }

    fn collateral_needed(
        &self,
        token: &[u8],
        _media_type: &str,
        collateral: &Collateral,
    ) -> Result<Option<CollateralNeed>, Reason> {
        let quote = quote_of(token)?;
        Layout::of(&quote)?;
        let parsed = Quote::parse(&quote).map_err(|_| Reason::MalformedPlatformEvidence)?;
        let need = need_of(&parsed)?;
        Ok(match need {
            CollateralNeed::Tdx { fmspc, .. } if collateral.tdx_for(&fmspc).is_some() => None,
            other => Some(other),
        })
    }
}
