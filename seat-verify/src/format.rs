//! Evidence formats: one [`EvidenceFormat`] per kind of Evidence, chosen by the CMW media type.
//!
//! A format appraises one token with an [`AppraisalContext`] (the token, the binder and AIK hash
//! the caller computed, `now`, the crypto provider, the collateral, the policy) and returns its
//! own [`FormatAppraisal`]: the EAR submodule name and profile, the digest the replay record
//! keys on, the issue time if the format has one, the AR4SI trust vector with the policy
//! findings behind it, and the [`EvidenceClaims`]. Each format owns its decoding, its chain to
//! its trust anchors, its binding check and its trust-vector mapping; the
//! [`crate::Verifier`] orchestrates CMW records and collections, checks freshness against
//! `iat` where a format reports one, and builds the EAR with one submodule per appraisal.
//!
//! | format | media type | module |
//! | --- | --- | --- |
//! | the simulated TEE | [`SimTeeFormat::MEDIA_TYPE`] | here |
//! | Intel TDX quotes (feature `tdx`) | `application/vnd.intel.tdx.quote` | `tdx` |
//! | AMD SEV-SNP reports (feature `snp`) | `application/vnd.amd.sev-snp.report` | `snp` |
//! | TPM 2.0 quotes (feature `tpm`) | `application/vnd.seat.tpm-quote+cbor` | `tpm` |
//! | AWS Nitro Enclaves documents (feature `nitro`) | `application/vnd.aws.nitro-enclaves.attestation-document` | `nitro` |
//! | PSA attestation tokens (feature `psa`) | `application/eat+cwt; eat_profile="tag:psacertified.org,2023:psa#tfm"` | `psa` |
//! | Arm CCA attestation tokens (feature `cca`) | `application/eat-collection; profile="http://arm.com/CCA-SSD/1.0.0"` | `cca` |

use seat_binding::provider::CryptoProvider;
use seat_evidence::ear::TrustVector;
use seat_evidence::sim::{SimEvidence, verify_sim_token};
use seat_evidence::{Error as EvidenceError, Item};

use crate::collateral::{Collateral, CollateralNeed};
use crate::crypto::{SpkiVerifier, key_id};
use crate::error::{Claim, Reason};
use crate::policy::{TrustAnchor, VerifierPolicy};
use seat_evidence::cose::CoseSign1;

pub use crate::claims::{EvidenceClaims, Platform, TcbReport, TcbStatus};
pub use seat_evidence::sim::{MAX_MEASUREMENTS, SIM_TEE_PROFILE};

/// AR4SI trustworthiness claim values the formats write (draft-ietf-rats-ar4si, rats-formats.md
/// section 4.2).
pub mod ar4si {
    /// `instance-identity` 2: recognised and not known compromised.
    pub const TRUSTWORTHY_INSTANCE: i8 = 2;
    /// `instance-identity` 96: the instance's identity is not trustworthy (a revoked TCB).
    pub const UNTRUSTWORTHY_INSTANCE: i8 = 96;
    /// `configuration` 2: known approved configuration.
    pub const APPROVED_CONFIG: i8 = 2;
    /// `configuration` 32: known configuration with vulnerabilities (a TCB that needs
    /// configuration or hardening).
    pub const VULNERABLE_CONFIG: i8 = 32;
    /// `configuration` 96: unsupportable (debug on, or secure boot off, against policy).
    pub const UNSUPPORTABLE_CONFIG: i8 = 96;
    /// `executables` 2: only approved executables.
    pub const APPROVED_RUNTIME: i8 = 2;
    /// `executables` 33: unrecognised objects (a measurement outside the reference values).
    pub const UNRECOGNIZED_RUNTIME: i8 = 33;
    /// `hardware` 2: genuine hardware of the vendor.
    pub const GENUINE_HARDWARE: i8 = 2;
    /// `hardware` 32: genuine, with known vulnerabilities (an out-of-date TCB).
    pub const VULNERABLE_HARDWARE: i8 = 32;
    /// `hardware` 96: recognised but contraindicated (a revoked TCB).
    pub const COMPROMISED_HARDWARE: i8 = 96;
    /// `hardware` 97: not recognised but should be (a PSA implementation ID outside the
    /// policy).
    pub const UNRECOGNIZED_HARDWARE: i8 = 97;
    /// `runtime-opaque` 2: the TEE's memory is encrypted and opaque to the host.
    pub const ENCRYPTED_RUNTIME: i8 = 2;
    /// `runtime-opaque` 32: isolated but not encrypted (a Nitro enclave).
    pub const ISOLATED_RUNTIME: i8 = 32;
}

/// Everything one format needs to appraise one token.
#[non_exhaustive]
#[derive(Clone, Copy, Debug)]
pub struct AppraisalContext<'a> {
    /// The token: the CMW record's value.
    pub token: &'a [u8],
    /// The CMW record's media type.
    pub media_type: &'a str,
    /// The binder the Relying Party computed from its own connection state.
    pub binder: &'a [u8],
    /// The hash of the DER SPKI of the key that signed the authenticator.
    pub aik_pub_hash: &'a [u8],
    /// The current time, whole seconds since the Unix epoch.
    pub now_unix_secs: u64,
    /// The crypto provider.
    pub provider: &'static dyn CryptoProvider,
    /// The collateral the caller supplied.
    pub collateral: &'a Collateral,
    /// The Verifier's policy (the shared part; platform formats also carry their own).
    pub policy: &'a VerifierPolicy,
}

impl<'a> AppraisalContext<'a> {
    /// A context (for formats appraised outside a [`crate::Verifier`], and for tests).
    #[allow(clippy::too_many_arguments)]
    pub const fn new(
        token: &'a [u8],
        media_type: &'a str,
        binder: &'a [u8],
        aik_pub_hash: &'a [u8],
        now_unix_secs: u64,
        provider: &'static dyn CryptoProvider,
        collateral: &'a Collateral,
        policy: &'a VerifierPolicy,
    ) -> Self {
        Self {
            token,
            media_type,
            binder,
            aik_pub_hash,
            now_unix_secs,
            provider,
            collateral,
            policy,
        }
    }

    /// The binding stage of the platform formats: `report_data` (a quote's or report's
    /// report-data field, a token's nonce or challenge) must equal
    /// [`seat_evidence::platform::report_data`] of this context's binder and AIK hash, compared
    /// in constant time. `None` (a document without the field) fails like a wrong value.
    ///
    /// # Errors
    ///
    /// [`Reason::BinderMismatch`], also for a binder or AIK hash the rule does not accept.
    pub fn check_report_data(&self, report_data: Option<&[u8]>) -> Result<(), Reason> {
        let expected = seat_evidence::platform::report_data(self.binder, self.aik_pub_hash)
            .map_err(|_| Reason::BinderMismatch)?;
        match report_data {
            Some(got) if crate::crypto::ct_eq(got, &expected) => Ok(()),
            _ => Err(Reason::BinderMismatch),
        }
    }
}

/// One format's appraisal of one token that passed decode, signature (chain) and binding.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatAppraisal {
    /// The EAR submodule name (`sim-tee`, `tdx`, `sev-snp`).
    pub submod: String,
    /// The profile the submodule's appraisal names (`eat_profile`).
    pub profile: String,
    /// The name of the trust anchor the Evidence chains to.
    pub anchor: String,
    /// SHA-256 of what the signature covers: the same Evidence has the same digest however it
    /// is re-wrapped (the replay record keys on it).
    pub digest: [u8; 32],
    /// When the Evidence was made, if the format says; the Verifier checks it against its
    /// freshness window.
    pub issued_at: Option<i64>,
    /// The AR4SI trust vector.
    pub trust_vector: TrustVector,
    /// Policy findings (stage policy), in check order; empty when every check passed.
    pub findings: Vec<Reason>,
    /// The claims.
    pub claims: EvidenceClaims,
}

impl FormatAppraisal {
    /// An appraisal with no findings and no issue time.
    pub fn new(
        submod: impl Into<String>,
        anchor: impl Into<String>,
        digest: [u8; 32],
        trust_vector: TrustVector,
        claims: EvidenceClaims,
    ) -> Self {
        Self {
            submod: submod.into(),
            profile: claims.profile.clone(),
            anchor: anchor.into(),
            digest,
            issued_at: claims.iat,
            trust_vector,
            findings: Vec::new(),
            claims,
        }
    }
}

/// One Evidence format (draft-ietf-rats-msg-wrap: the CMW media type selects it).
pub trait EvidenceFormat: Send + Sync + core::fmt::Debug {
    /// Whether this format handles a CMW record of media type `media_type`.
    fn handles(&self, media_type: &str) -> bool;

    /// Decodes `cx.token`, checks its signature and chain, its binding to `cx.binder` and
    /// `cx.aik_pub_hash`, and appraises it against the policy.
    ///
    /// # Errors
    ///
    /// A [`Reason`] of stage decode, signature or binding (policy findings go in the
    /// appraisal instead).
    fn appraise(&self, cx: &AppraisalContext<'_>) -> Result<FormatAppraisal, Reason>;

    /// What collateral appraising `token` needs that `collateral` lacks (module
    /// [`crate::collateral`]); `None` for formats that use none or when it is all there.
    ///
    /// # Errors
    ///
    /// A decode [`Reason`] for a token that does not decode far enough to say.
    fn collateral_needed(
        &self,
        token: &[u8],
        media_type: &str,
        collateral: &Collateral,
    ) -> Result<Option<CollateralNeed>, Reason> {
        let _ = (token, media_type, collateral);
        Ok(None)
    }
}

/// The simulated TEE's EAT profile v1 (sim-tee-profile.md): an ES256 CWT with the attestation
/// key's SPKI hash as `kid`, verified by [`seat_evidence::sim::verify_sim_token`], the one
/// strict check of that profile.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimTeeFormat;

impl SimTeeFormat {
    /// The media type of its CMW record:
    /// `application/eat+cwt; eat_profile="tag:seat.example,2026:sim-tee/1"`.
    pub const MEDIA_TYPE: &'static str = seat_evidence::sim::SIM_TEE_MEDIA_TYPE;

    /// The EAR submodule label of its appraisal (sim-tee-profile.md, "Wrapping").
    pub const SUBMOD: &'static str = "sim-tee";
}

impl EvidenceFormat for SimTeeFormat {
    fn handles(&self, media_type: &str) -> bool {
        seat_evidence::sim::is_sim_media_type(media_type)
    }

    fn appraise(&self, cx: &AppraisalContext<'_>) -> Result<FormatAppraisal, Reason> {
        let anchors: Vec<&[u8]> = cx
            .policy
            .attestation_keys
            .iter()
            .map(|a| a.spki.as_slice())
            .collect();
        let (index, ev) = verify_sim_token(cx.token, &anchors, cx.provider).map_err(sim_reason)?;
        let anchor = cx
            .policy
            .attestation_keys
            .get(index)
            .map(|a| a.name.clone())
            .unwrap_or_default();
        // Binding: the key first (key substitution), then the exchange (relay).
        if !crate::crypto::ct_eq(&ev.aik_pub_hash, cx.aik_pub_hash) {
            return Err(Reason::AikMismatch);
        }
        if !crate::crypto::ct_eq(&ev.nonce, cx.binder) {
            return Err(Reason::BinderMismatch);
        }
        let digest = sim_digest(cx)?;
        let claims = sim_claims(ev)?;
        let (findings, trust_vector) = sim_policy(cx.policy, &claims)?;
        let mut a = FormatAppraisal::new(Self::SUBMOD, anchor, digest, trust_vector, claims);
        a.findings = findings;
        Ok(a)
    }
}

/// SHA-256 of the token's `Sig_structure` (what its signature covers).
fn sim_digest(cx: &AppraisalContext<'_>) -> Result<[u8; 32], Reason> {
    let (msg, _) =
        seat_evidence::cose::CoseSign1::decode(cx.token).map_err(Reason::MalformedEvidence)?;
    let tbs = msg.tbs(&[], None).map_err(Reason::MalformedEvidence)?;
    Ok(crate::replay::digest(cx.provider, &[&tbs]))
}

/// The Verifier's reason for a refusal of [`verify_sim_token`].
fn sim_reason(e: EvidenceError) -> Reason {
    match e {
        EvidenceError::Mismatch {
            what: Item::CoseKid,
        } => Reason::UntrustedAttestationKey,
        EvidenceError::BadSignature => Reason::BadEvidenceSignature,
        EvidenceError::AlgorithmMismatch { .. }
        | EvidenceError::UnsupportedAlgorithm { .. }
        | EvidenceError::Provider(_) => Reason::UnsupportedAlgorithm,
        EvidenceError::InvalidValue {
            what: Item::EatProfile,
            ..
        } => Reason::UnknownProfile,
        EvidenceError::Missing { what, .. } | EvidenceError::InvalidValue { what, .. } => {
            match claim_of(what) {
                Some(c) => Reason::MissingClaim(c),
                None => Reason::MalformedEvidence(e),
            }
        }
        other => Reason::MalformedEvidence(other),
    }
}

const fn claim_of(item: Item) -> Option<Claim> {
    Some(match item {
        Item::EatProfile => Claim::Profile,
        Item::EatNonce => Claim::Nonce,
        Item::Cnf => Claim::Cnf,
        Item::Ueid => Claim::Ueid,
        Item::Time => Claim::Iat,
        Item::SwName => Claim::SwName,
        Item::SwVersion => Claim::SwVersion,
        Item::DbgStat => Claim::DbgStat,
        Item::OemBoot => Claim::OemBoot,
        Item::Measurements => Claim::Measurements,
        _ => return None,
    })
}

fn sim_claims(ev: SimEvidence) -> Result<EvidenceClaims, Reason> {
    let mut c = EvidenceClaims::new(
        Platform::SimTee,
        SIM_TEE_PROFILE.to_owned(),
        ev.nonce.clone(),
        ev.aik_pub_hash.clone(),
    );
    c.iat = Some(i64::try_from(ev.iat).map_err(|_| Reason::MissingClaim(Claim::Iat))?);
    c.ueid = Some(ev.ueid.clone());
    c.swname = Some(ev.swname.clone());
    c.swversion = Some(ev.swversion.clone());
    c.measurements = ev.measurements.clone();
    c.dbgstat = Some(ev.dbgstat);
    c.debug = ev.dbgstat == 0;
    c.secure_boot = Some(ev.secure_boot);
    Ok(c)
}

/// The simulated TEE's policy checks and its AR4SI mapping (ARCHITECTURE.md, "AR4SI per
/// platform"): reference measurements and software set `executables`; `dbgstat` and secure
/// boot set `configuration`; a trusted attestation key sets `instance-identity`.
fn sim_policy(
    policy: &VerifierPolicy,
    c: &EvidenceClaims,
) -> Result<(Vec<Reason>, TrustVector), Reason> {
    let mut findings = Vec::new();
    let rv = &policy.reference_values;
    let mut executables = ar4si::APPROVED_RUNTIME;
    for (name, digest) in &rv.measurements {
        match c.measurement(name) {
            None => findings.push(Reason::MeasurementMissing),
            Some(d) if d != digest.as_slice() => findings.push(Reason::MeasurementMismatch),
            Some(_) => continue,
        }
        executables = ar4si::UNRECOGNIZED_RUNTIME;
    }
    if rv
        .swname
        .as_ref()
        .is_some_and(|n| Some(n) != c.swname.as_ref())
        || rv
            .swversion
            .as_ref()
            .is_some_and(|v| Some(v) != c.swversion.as_ref())
    {
        findings.push(Reason::SoftwareMismatch);
        executables = ar4si::UNRECOGNIZED_RUNTIME;
    }
    let mut configuration = ar4si::APPROVED_CONFIG;
    if c.dbgstat.unwrap_or(0) < policy.min_dbgstat {
        findings.push(Reason::DebugEnabled);
        configuration = ar4si::UNSUPPORTABLE_CONFIG;
    }
    if policy.require_secure_boot && c.secure_boot != Some(true) {
        findings.push(Reason::SecureBootDisabled);
        configuration = ar4si::UNSUPPORTABLE_CONFIG;
    }
    let vector = trust_vector(
        ar4si::TRUSTWORTHY_INSTANCE,
        Some(configuration),
        Some(executables),
        None,
        None,
    )?;
    Ok((findings, vector))
}

/// An AR4SI trust vector (rats-formats.md section 4.2: 0 instance-identity, 1 configuration,
/// 2 executables, 3 file-system, 4 hardware, 5 runtime-opaque, 6 storage-opaque, 7
/// sourced-data) with the claims given and the others absent.
pub(crate) fn trust_vector(
    instance: i8,
    configuration: Option<i8>,
    executables: Option<i8>,
    hardware: Option<i8>,
    runtime_opaque: Option<i8>,
) -> Result<TrustVector, Reason> {
    TrustVector::new([
        Some(instance),
        configuration,
        executables,
        None,
        hardware,
        runtime_opaque,
        None,
        None,
    ])
    .map_err(Reason::MalformedResult)
}

/// Compares measurements with reference values: `executables` 2 when all match, 33 when one
/// is missing or differs, absent when the policy names none (nothing approved them).
#[cfg_attr(not(any(feature = "tdx", feature = "snp")), allow(dead_code))]
pub(crate) fn reference_findings(
    reference: &[(String, Vec<u8>)],
    measured: &[(String, Vec<u8>)],
    findings: &mut Vec<Reason>,
) -> Option<i8> {
    if reference.is_empty() {
        return None;
    }
    let mut executables = ar4si::APPROVED_RUNTIME;
    for (name, digest) in reference {
        match measured.iter().find(|(n, _)| n == name) {
            None => findings.push(Reason::MeasurementMissing),
            Some((_, d)) if d != digest => findings.push(Reason::MeasurementMismatch),
            Some(_) => continue,
        }
        executables = ar4si::UNRECOGNIZED_RUNTIME;
    }
    Some(executables)
}

/// Verifies a COSE_Sign1 with the anchor its `kid` names, or, without a `kid`, with the first
/// anchor under which it verifies. `evidence` picks the reasons (Evidence or Result).
pub(crate) fn verify_with_anchors<'a>(
    provider: &dyn CryptoProvider,
    anchors: &'a [TrustAnchor],
    msg: &CoseSign1,
    evidence: bool,
) -> Result<&'a TrustAnchor, Reason> {
    let (untrusted, bad) = if evidence {
        (
            Reason::UntrustedAttestationKey,
            Reason::BadEvidenceSignature,
        )
    } else {
        (Reason::UntrustedVerifier, Reason::BadResultSignature)
    };
    let kid = msg.protected().kid().or_else(|| msg.unprotected().kid());
    let check = |a: &TrustAnchor| {
        msg.verify(
            &SpkiVerifier {
                provider,
                spki: &a.spki,
            },
            &[],
            None,
        )
    };
    match kid {
        Some(kid) => {
            let a = anchors
                .iter()
                .find(|a| key_id(provider, &a.spki) == kid)
                .ok_or(untrusted)?;
            match check(a) {
                Ok(()) => Ok(a),
                Err(seat_evidence::Error::UnsupportedAlgorithm { .. }) => {
                    Err(Reason::UnsupportedAlgorithm)
                }
                Err(_) => Err(bad),
            }
        }
        None => anchors.iter().find(|a| check(a).is_ok()).ok_or(untrusted),
    }
}
