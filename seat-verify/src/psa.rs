//! PSA attestation tokens (RFC 9783) appraised against the Initial Attestation Keys the policy
//! pins (feature `psa`).
//!
//! The token is a COSE_Sign1 signed by the IAK (ES256 or ES384, through the crypto provider)
//! or a COSE_Mac0 under a symmetric IAK (HMAC 256/256 or 384/384), both decoded by
//! `seat_evidence::cose`; the claims are [`seat_evidence::psa::PsaClaims`]. Stages, in order:
//!
//! | stage | check | reason |
//! | --- | --- | --- |
//! | decode | COSE_Sign1 (tag 18) or COSE_Mac0 (tag 17), strict, payload attached | [`Reason::MalformedEvidence`] |
//! | signature | the protected `alg` is one the IAK kind supports | [`Reason::UnsupportedAlgorithm`] |
//! | signature | an IAK of the policy (by `kid` when present) verifies the signature or MAC | [`Reason::UntrustedAttestationKey`], [`Reason::BadEvidenceSignature`] |
//! | decode | the claims of the profile, strictly (only after the signature) | [`Reason::MalformedEvidence`] |
//! | signature | the instance ID is the one the IAK is pinned to, when the policy pins one | [`Reason::UntrustedAttestationKey`] |
//! | binding | `psa-nonce` = [`seat_evidence::platform::report_data`] of the binder and AIK hash | [`Reason::BinderMismatch`] |
//! | policy | implementation ID, lifecycle, software components against reference values | findings |
//!
//! Without a `kid`, the signature is tried under each IAK of the right kind; when the policy
//! holds exactly one such IAK, a failure is a bad signature, otherwise an untrusted key.

use core::fmt;

use seat_binding::provider::{CryptoProvider, HashAlgorithm};
use seat_evidence::cose::{Algorithm, CoseMac0, CoseSign1};
use seat_evidence::psa::{Lifecycle, PSA_PROFILE, PsaClaims, SwComponent, is_psa_media_type};
use zeroize::Zeroizing;

use crate::claims::{EvidenceClaims, Platform};
use crate::crypto::{SpkiVerifier, ct_eq, key_id};
use crate::error::Reason;
use crate::format::{AppraisalContext, EvidenceFormat, FormatAppraisal, ar4si, trust_vector};

/// The EAR submodule name of a PSA appraisal.
pub const PSA_SUBMOD: &str = "psa";

/// COSE algorithm 5, HMAC 256/256 (RFC 9053 section 3.1).
pub const HMAC_256_256: Algorithm = Algorithm(5);
/// COSE algorithm 6, HMAC 384/384.
pub const HMAC_384_384: Algorithm = Algorithm(6);

/// Longest symmetric IAK accepted.
pub const MAX_HMAC_KEY_LEN: usize = 128;

/// An Initial Attestation Key.
#[non_exhaustive]
#[derive(Clone)]
pub enum PsaKey {
    /// An asymmetric IAK as a DER SubjectPublicKeyInfo (COSE_Sign1 tokens).
    Spki(Vec<u8>),
    /// A symmetric IAK (COSE_Mac0 tokens); zeroized on drop, redacted in `Debug`.
    Hmac(Zeroizing<Vec<u8>>),
}

impl fmt::Debug for PsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Spki(s) => f.debug_tuple("Spki").field(&s.len()).finish(),
            Self::Hmac(_) => f.write_str("Hmac(<redacted>)"),
        }
    }
}

/// An IAK the policy trusts, optionally pinned to one instance ID.
#[derive(Clone, Debug)]
pub struct PsaIak {
    /// A name for logs and the EAR.
    pub name: String,
    /// The `psa-instance-id` the key belongs to; tokens of another instance are refused.
    pub instance_id: Option<Vec<u8>>,
    /// The key.
    pub key: PsaKey,
}

/// A reference value for one software component, matched by measurement type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PsaComponentReference {
    /// The measurement type (`BL`, `PRoT`, `ARoT`, `App`, ...).
    pub measurement_type: String,
    /// The expected measurement value.
    pub measurement_value: Vec<u8>,
}

/// What a PSA policy requires (its part of the Verifier's policy).
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct PsaPolicy {
    /// The trusted IAKs.
    pub iaks: Vec<PsaIak>,
    /// The implementation IDs accepted; empty accepts any (and claims nothing of hardware).
    pub implementation_ids: Vec<Vec<u8>>,
    /// Reference values of software components: each must be present and equal.
    pub reference_components: Vec<PsaComponentReference>,
    /// The lifecycle states accepted without a finding.
    pub lifecycles: Vec<Lifecycle>,
}

impl PsaPolicy {
    /// A policy trusting `iaks`, accepting the `secured` lifecycle only, with no reference
    /// values.
    pub fn new(iaks: Vec<PsaIak>) -> Self {
        Self {
            iaks,
            implementation_ids: Vec::new(),
            reference_components: Vec::new(),
            lifecycles: vec![Lifecycle::Secured],
        }
    }
}

/// A token whose signature (or MAC) checked out, before binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedToken {
    /// The claims.
    pub claims: PsaClaims,
    /// The name of the IAK.
    pub anchor: String,
    /// Whether it was a COSE_Mac0.
    pub mac: bool,
    /// SHA-256 of what the signature or MAC covers.
    pub digest: [u8; 32],
}

/// The PSA token format.
#[derive(Clone, Debug)]
pub struct PsaFormat {
    policy: PsaPolicy,
}

impl PsaFormat {
    /// PSA tokens appraised with `policy`.
    pub const fn new(policy: PsaPolicy) -> Self {
        Self { policy }
    }

    /// The policy.
    pub const fn policy(&self) -> &PsaPolicy {
        &self.policy
    }

    /// Decodes a token and checks its signature or MAC: everything but the binding and the
    /// policy.
    ///
    /// # Errors
    ///
    /// A [`Reason`] of stage decode or signature (module documentation).
    pub fn verify_token(
        &self,
        token: &[u8],
        provider: &dyn CryptoProvider,
    ) -> Result<VerifiedToken, Reason> {
        let (anchor, payload, tbs, mac) = if token.first() == Some(&0xd1) {
            let msg = CoseMac0::decode(token).map_err(Reason::MalformedEvidence)?;
            let tbm = msg.to_be_maced(&[]).map_err(Reason::MalformedEvidence)?;
            let hash = match msg.alg() {
                HMAC_256_256 => HashAlgorithm::Sha256,
                HMAC_384_384 => HashAlgorithm::Sha384,
                _ => return Err(Reason::UnsupportedAlgorithm),
            };
            let kid = msg.protected().kid().or_else(|| msg.unprotected().kid());
            let check = |k: &[u8]| {
                let t = provider.hmac(hash, k, &[&tbm]);
                ct_eq(t.as_bytes(), msg.tag())
            };
            let anchor = self.pick(kid, provider, |key| match key {
                PsaKey::Hmac(k) => Some(check(k)),
                PsaKey::Spki(_) => None,
            })?;
            let payload = msg.payload().unwrap_or_default().to_vec();
            (anchor, payload, tbm, true)
        } else {
            let (msg, _) = CoseSign1::decode(token).map_err(Reason::MalformedEvidence)?;
            let tbs = msg.tbs(&[], None).map_err(Reason::MalformedEvidence)?;
            if !matches!(msg.alg(), Algorithm::ES256 | Algorithm::ES384) {
                return Err(Reason::UnsupportedAlgorithm);
            }
            let kid = msg.protected().kid().or_else(|| msg.unprotected().kid());
            let mut unsupported = false;
            let anchor = self.pick(kid, provider, |key| match key {
                PsaKey::Spki(spki) => {
                    match msg.verify(&SpkiVerifier { provider, spki }, &[], None) {
                        Ok(()) => Some(true),
                        Err(seat_evidence::Error::UnsupportedAlgorithm { .. }) => {
                            unsupported = true;
                            Some(false)
                        }
                        Err(_) => Some(false),
                    }
                }
                PsaKey::Hmac(_) => None,
            });
            let anchor = match anchor {
                Err(Reason::BadEvidenceSignature) if unsupported => {
                    return Err(Reason::UnsupportedAlgorithm);
                }
                other => other?,
            };
            let payload = msg.payload().unwrap_or_default().to_vec();
            (anchor, payload, tbs, false)
        };
        let claims = PsaClaims::decode(&payload).map_err(Reason::MalformedEvidence)?;
        if anchor
            .instance_id
            .as_ref()
            .is_some_and(|id| *id != claims.instance_id)
        {
            return Err(Reason::UntrustedAttestationKey);
        }
        Ok(VerifiedToken {
            claims,
            anchor: anchor.name.clone(),
            mac,
            digest: crate::replay::digest(provider, &[&tbs]),
        })
    }

    /// The IAK that verifies: by `kid` (SHA-256 of the SPKI, or of the symmetric key) when
    /// present, else by trial. `check` says `None` for a key of the wrong kind.
    fn pick(
        &self,
        kid: Option<&[u8]>,
        provider: &dyn CryptoProvider,
        mut check: impl FnMut(&PsaKey) -> Option<bool>,
    ) -> Result<&PsaIak, Reason> {
        let named = |iak: &&PsaIak| {
            kid.is_none_or(|kid| {
                let material: &[u8] = match &iak.key {
                    PsaKey::Spki(s) => s,
                    PsaKey::Hmac(k) => k,
                };
                ct_eq(&key_id(provider, material), kid)
            })
        };
        let mut candidates = 0;
        for iak in self.policy.iaks.iter().filter(named) {
            match check(&iak.key) {
                None => {}
                Some(true) => return Ok(iak),
                Some(false) => candidates += 1,
            }
        }
        if candidates == 1 {
            Err(Reason::BadEvidenceSignature)
        } else {
            Err(Reason::UntrustedAttestationKey)
        }
    }

    fn findings(
        &self,
        c: &PsaClaims,
    ) -> Result<(Vec<Reason>, seat_evidence::ear::TrustVector), Reason> {
        let p = &self.policy;
        let mut findings = Vec::new();
        let (hardware, configuration) = platform_claims(
            &p.implementation_ids,
            &p.lifecycles,
            &c.implementation_id,
            c.lifecycle_state(),
            &mut findings,
        );
        let executables = if p.reference_components.is_empty() {
            None
        } else if component_findings(
            &p.reference_components,
            &c.software_components,
            &mut findings,
        ) {
            Some(ar4si::APPROVED_RUNTIME)
        } else {
            Some(ar4si::UNRECOGNIZED_RUNTIME)
        };
        let vector = trust_vector(
            ar4si::TRUSTWORTHY_INSTANCE,
            Some(configuration),
            executables,
            hardware,
            None,
        )?;
        Ok((findings, vector))
    }
}

impl EvidenceFormat for PsaFormat {
    fn handles(&self, media_type: &str) -> bool {
        is_psa_media_type(media_type)
    }

    fn appraise(&self, cx: &AppraisalContext<'_>) -> Result<FormatAppraisal, Reason> {
        let t = self.verify_token(cx.token, cx.provider)?;
        cx.check_report_data(Some(&t.claims.nonce))?;
        let (findings, vector) = self.findings(&t.claims)?;
        let c = &t.claims;
        let mut claims = EvidenceClaims::new(
            Platform::Psa,
            PSA_PROFILE.to_owned(),
            c.nonce.clone(),
            cx.aik_pub_hash.to_vec(),
        );
        claims.ueid = Some(c.instance_id.clone());
        claims.measurements = c
            .software_components
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let name = s
                    .measurement_type
                    .clone()
                    .unwrap_or_else(|| format!("component{i}"));
                (name, s.measurement_value.clone())
            })
            .collect();
        claims.debug = matches!(
            c.lifecycle_state(),
            Some(Lifecycle::NonPsaRotDebug | Lifecycle::RecoverablePsaRotDebug)
        );
        let mut a = FormatAppraisal::new(PSA_SUBMOD, t.anchor, t.digest, vector, claims);
        a.findings = findings;
        Ok(a)
    }
}

/// The PSA platform rules, shared with the CCA platform token (which uses the PSA claims):
/// the implementation ID against `implementation_ids` (the AR4SI hardware claim; none when the
/// policy names no implementation) and the lifecycle state against `lifecycles` (the
/// configuration claim). A miss pushes its finding.
pub(crate) fn platform_claims(
    implementation_ids: &[Vec<u8>],
    lifecycles: &[Lifecycle],
    implementation_id: &[u8],
    lifecycle: Option<Lifecycle>,
    findings: &mut Vec<Reason>,
) -> (Option<i8>, i8) {
    let hardware = if implementation_ids.is_empty() {
        None
    } else if implementation_ids
        .iter()
        .any(|i| i.as_slice() == implementation_id)
    {
        Some(ar4si::GENUINE_HARDWARE)
    } else {
        findings.push(Reason::UnknownImplementation);
        Some(ar4si::UNRECOGNIZED_HARDWARE)
    };
    let configuration = match lifecycle {
        Some(l) if lifecycles.contains(&l) => ar4si::APPROVED_CONFIG,
        _ => {
            findings.push(Reason::LifecycleNotAccepted);
            ar4si::UNSUPPORTABLE_CONFIG
        }
    };
    (hardware, configuration)
}

/// Each reference component must be reported (by measurement type) with its value: pushes
/// [`Reason::MeasurementMissing`] or [`Reason::MeasurementMismatch`] per miss and says whether
/// all matched.
pub(crate) fn component_findings(
    references: &[PsaComponentReference],
    components: &[SwComponent],
    findings: &mut Vec<Reason>,
) -> bool {
    let before = findings.len();
    for r in references {
        match components
            .iter()
            .find(|s| s.measurement_type.as_deref() == Some(r.measurement_type.as_str()))
        {
            None => findings.push(Reason::MeasurementMissing),
            Some(s) if s.measurement_value != r.measurement_value => {
                findings.push(Reason::MeasurementMismatch);
            }
            Some(_) => {}
        }
    }
    findings.len() == before
}
