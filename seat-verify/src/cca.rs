//! Arm CCA attestation tokens appraised against the CCA Platform Attestation Keys the policy
//! pins (feature `cca`).
//!
//! The token is the tag-399 collection of [`seat_evidence::cca`]: a platform token signed by
//! the CPAK and a realm token signed by the RAK, the RAK bound into the platform token's
//! challenge. Trust in the CPAK comes from the policy: pinned keys, each optionally tied to one
//! instance ID, as the trust anchor store of Veraison's `ccatoken` keys CPAKs by instance ID.
//! Stages, in order:
//!
//! | stage | check | reason |
//! | --- | --- | --- |
//! | decode | the collection: tag 399, exactly the keys 44234 and 44241, byte strings | [`Reason::MalformedEvidence`] |
//! | decode | both tokens COSE_Sign1 (tag 18 or untagged), strict, payload attached | [`Reason::MalformedEvidence`] |
//! | signature | the platform token's `alg` is ES256 or ES384 | [`Reason::UnsupportedAlgorithm`] |
//! | signature | a CPAK of the policy (by `kid` when present) verifies the platform token | [`Reason::UntrustedAttestationKey`], [`Reason::BadEvidenceSignature`] |
//! | decode | the platform claims, strictly (only after the signature) | [`Reason::MalformedEvidence`] |
//! | signature | the instance ID is the one the CPAK is pinned to, when the policy pins one | [`Reason::UntrustedAttestationKey`] |
//! | decode | the realm claims, strictly, the RAK a P-384 key | [`Reason::MalformedEvidence`], [`Reason::UnsupportedAlgorithm`] (RAK hash) |
//! | signature | the realm token's `alg` is ES384 and the RAK verifies it | [`Reason::UnsupportedAlgorithm`], [`Reason::BadEvidenceSignature`] |
//! | signature | the platform challenge is the hash of the RAK claim | [`Reason::RealmKeyNotBound`] |
//! | binding | the realm challenge = [`seat_evidence::platform::report_data`] of the binder and AIK hash | [`Reason::BinderMismatch`] |
//! | policy | implementation ID, lifecycle, platform software components, realm RIM, REMs and personalization value against reference values | findings |
//!
//! The realm token carries its own verification key, so its claims are decoded before its
//! signature is checked: a change to the realm token's structure fails at decode, a change to
//! its values at signature. Nothing of the realm is believed before both signatures and the
//! RAK binding hold.
//!
//! # Trust vector
//!
//! | AR4SI claim | value |
//! | --- | --- |
//! | instance-identity | 2: the CPAK is pinned, both signatures and the RAK binding hold |
//! | configuration | 2 when the lifecycle is one the policy accepts, else 96 |
//! | executables | absent without reference values; 2 when every platform component, the RIM, and the REMs and personalization value a reference pins match; else 33 |
//! | hardware | absent without implementation IDs; 2 when the implementation ID is one of them, else 97 |
//! | runtime-opaque | absent: nothing in the token says whether realm memory is encrypted |

use seat_evidence::cca::{CcaPlatformClaims, CcaRealmClaims, CcaToken, is_cca_media_type};
use seat_evidence::cose::{Algorithm, CoseSign1};
use seat_evidence::psa::Lifecycle;

use seat_binding::provider::CryptoProvider;

use crate::claims::{EvidenceClaims, Platform};
use crate::crypto::{SpkiVerifier, ct_eq, key_id};
use crate::error::Reason;
use crate::format::{AppraisalContext, EvidenceFormat, FormatAppraisal, ar4si, trust_vector};
use crate::policy::TrustAnchor;
use crate::psa::PsaComponentReference;

/// The EAR submodule name of a CCA appraisal.
pub const CCA_SUBMOD: &str = "cca";

/// A CCA Platform Attestation Key the policy trusts, optionally pinned to one instance ID.
#[derive(Clone, Debug)]
pub struct CcaCpak {
    /// The key (name and DER SubjectPublicKeyInfo).
    pub anchor: TrustAnchor,
    /// The `cca-platform-instance-id` the key belongs to; tokens of another instance are
    /// refused.
    pub instance_id: Option<Vec<u8>>,
}

/// Reference values for one realm: its RIM, and optionally its REMs and personalization value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CcaRealmReference {
    /// The expected `cca-realm-initial-measurement`.
    pub rim: Vec<u8>,
    /// The expected `cca-realm-extensible-measurements`, when the policy pins them.
    pub rems: Option<[Vec<u8>; seat_evidence::cca::REM_COUNT]>,
    /// The expected `cca-realm-personalization-value`, when the policy pins it.
    pub personalization: Option<Vec<u8>>,
}

/// What a CCA policy requires (its part of the Verifier's policy).
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct CcaPolicy {
    /// The trusted CPAKs.
    pub cpaks: Vec<CcaCpak>,
    /// The implementation IDs accepted; empty accepts any (and claims nothing of hardware).
    pub implementation_ids: Vec<Vec<u8>>,
    /// Reference values of platform software components: each must be present and equal.
    pub reference_components: Vec<PsaComponentReference>,
    /// The realms accepted, by RIM; empty accepts any realm (and approves none).
    pub realms: Vec<CcaRealmReference>,
    /// The lifecycle states accepted without a finding.
    pub lifecycles: Vec<Lifecycle>,
}

impl CcaPolicy {
    /// A policy trusting `cpaks`, accepting the `secured` lifecycle only, with no reference
    /// values.
    pub fn new(cpaks: Vec<CcaCpak>) -> Self {
        Self {
            cpaks,
            implementation_ids: Vec::new(),
            reference_components: Vec::new(),
            realms: Vec::new(),
            lifecycles: vec![Lifecycle::Secured],
        }
    }
}

/// A token whose signatures and RAK binding checked out, before the connection binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCcaToken {
    /// The platform claims.
    pub platform: CcaPlatformClaims,
    /// The realm claims.
    pub realm: CcaRealmClaims,
    /// The name of the CPAK.
    pub anchor: String,
    /// SHA-256 over what both signatures cover (the platform's `Sig_structure`, then the
    /// realm's).
    pub digest: [u8; 32],
}

/// The CCA token format.
#[derive(Clone, Debug)]
pub struct CcaFormat {
    policy: CcaPolicy,
}

fn sign1(bytes: &[u8]) -> Result<(CoseSign1, Vec<u8>), Reason> {
    let (msg, _) = CoseSign1::decode(bytes).map_err(Reason::MalformedEvidence)?;
    let tbs = msg.tbs(&[], None).map_err(Reason::MalformedEvidence)?;
    Ok((msg, tbs))
}

fn claims_error(e: seat_evidence::Error) -> Reason {
    match e {
        seat_evidence::Error::UnsupportedAlgorithm { .. } => Reason::UnsupportedAlgorithm,
        e => Reason::MalformedEvidence(e),
    }
}

impl CcaFormat {
    /// CCA tokens appraised with `policy`.
    pub const fn new(policy: CcaPolicy) -> Self {
        Self { policy }
    }

    /// The policy.
    pub const fn policy(&self) -> &CcaPolicy {
        &self.policy
    }

    /// Decodes a token and checks both signatures and the RAK binding: everything but the
    /// connection binding and the policy.
    ///
    /// # Errors
    ///
    /// A [`Reason`] of stage decode or signature (module documentation).
    pub fn verify_token(
        &self,
        token: &[u8],
        provider: &dyn CryptoProvider,
    ) -> Result<VerifiedCcaToken, Reason> {
        let collection = CcaToken::decode(token).map_err(Reason::MalformedEvidence)?;
        let (platform_msg, platform_tbs) = sign1(&collection.platform)?;
        let (realm_msg, realm_tbs) = sign1(&collection.realm)?;

        // The platform token under a pinned CPAK.
        if !matches!(platform_msg.alg(), Algorithm::ES256 | Algorithm::ES384) {
            return Err(Reason::UnsupportedAlgorithm);
        }
        let kid = platform_msg
            .protected()
            .kid()
            .or_else(|| platform_msg.unprotected().kid());
        let cpak = self.pick(kid, provider, &platform_msg)?;
        let platform_claims = CcaPlatformClaims::decode(platform_msg.payload().unwrap_or_default())
            .map_err(Reason::MalformedEvidence)?;
        if cpak
            .instance_id
            .as_ref()
            .is_some_and(|id| *id != platform_claims.instance_id)
        {
            return Err(Reason::UntrustedAttestationKey);
        }

        // The realm token under the RAK it carries.
        let realm_claims = CcaRealmClaims::decode(realm_msg.payload().unwrap_or_default())
            .map_err(claims_error)?;
        if realm_msg.alg() != Algorithm::ES384 {
            return Err(Reason::UnsupportedAlgorithm);
        }
        let rak = SpkiVerifier {
            provider,
            spki: &realm_claims.public_key_spki,
        };
        match realm_msg.verify(&rak, &[], None) {
            Ok(()) => {}
            Err(seat_evidence::Error::UnsupportedAlgorithm { .. }) => {
                return Err(Reason::UnsupportedAlgorithm);
            }
            Err(_) => return Err(Reason::BadEvidenceSignature),
        }

        // The RAK is the key the platform vouches for.
        let rak_hash = realm_claims
            .public_key_hash_algo
            .digest(&realm_claims.public_key);
        if !ct_eq(&rak_hash, &platform_claims.challenge) {
            return Err(Reason::RealmKeyNotBound);
        }

        Ok(VerifiedCcaToken {
            platform: platform_claims,
            realm: realm_claims,
            anchor: cpak.anchor.name.clone(),
            digest: crate::replay::digest(provider, &[&platform_tbs, &realm_tbs]),
        })
    }

    /// The CPAK that verifies the platform token: by `kid` (SHA-256 of the SPKI) when present,
    /// else by trial. When exactly one CPAK of the token's curve fails, a bad signature;
    /// otherwise an untrusted key.
    fn pick(
        &self,
        kid: Option<&[u8]>,
        provider: &dyn CryptoProvider,
        msg: &CoseSign1,
    ) -> Result<&CcaCpak, Reason> {
        let mut candidates = 0;
        for cpak in &self.policy.cpaks {
            if kid.is_some_and(|kid| !ct_eq(&key_id(provider, &cpak.anchor.spki), kid)) {
                continue;
            }
            let v = SpkiVerifier {
                provider,
                spki: &cpak.anchor.spki,
            };
            match msg.verify(&v, &[], None) {
                Ok(()) => return Ok(cpak),
                // A key of another curve than the token's algorithm: not a candidate.
                Err(seat_evidence::Error::UnsupportedAlgorithm { .. }) => {}
                Err(_) => candidates += 1,
            }
        }
        if candidates == 1 {
            Err(Reason::BadEvidenceSignature)
        } else {
            Err(Reason::UntrustedAttestationKey)
        }
    }

    /// The policy stage of a verified token: the findings, in check order, and the trust
    /// vector (module documentation).
    ///
    /// # Errors
    ///
    /// [`Reason::MalformedResult`] only if the trust vector cannot be built.
    pub fn policy_findings(
        &self,
        t: &VerifiedCcaToken,
    ) -> Result<(Vec<Reason>, seat_evidence::ear::TrustVector), Reason> {
        let p = &self.policy;
        let (pc, rc) = (&t.platform, &t.realm);
        let mut findings = Vec::new();
        let (hardware, configuration) = crate::psa::platform_claims(
            &p.implementation_ids,
            &p.lifecycles,
            &pc.implementation_id,
            pc.lifecycle_state(),
            &mut findings,
        );
        let before = findings.len();
        crate::psa::component_findings(
            &p.reference_components,
            &pc.software_components,
            &mut findings,
        );
        if !p.realms.is_empty() {
            let realm_ok = p.realms.iter().any(|r| {
                r.rim == rc.rim
                    && r.rems.as_ref().is_none_or(|rems| *rems == rc.rems)
                    && r.personalization
                        .as_ref()
                        .is_none_or(|v| *v == rc.personalization)
            });
            if !realm_ok {
                findings.push(Reason::MeasurementMismatch);
            }
        }
        let executables = if p.reference_components.is_empty() && p.realms.is_empty() {
            None
        } else if findings.len() == before {
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

impl EvidenceFormat for CcaFormat {
    fn handles(&self, media_type: &str) -> bool {
        is_cca_media_type(media_type)
    }

    fn appraise(&self, cx: &AppraisalContext<'_>) -> Result<FormatAppraisal, Reason> {
        let t = self.verify_token(cx.token, cx.provider)?;
        cx.check_report_data(Some(&t.realm.challenge))?;
        let (findings, vector) = self.policy_findings(&t)?;
        let (pc, rc) = (&t.platform, &t.realm);
        let mut claims = EvidenceClaims::new(
            Platform::Cca,
            pc.profile.clone(),
            rc.challenge.clone(),
            cx.aik_pub_hash.to_vec(),
        );
        claims.ueid = Some(pc.instance_id.clone());
        claims.measurements = pc
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
        claims.measurements.push(("rim".into(), rc.rim.clone()));
        for (i, rem) in rc.rems.iter().enumerate() {
            claims.measurements.push((format!("rem{i}"), rem.clone()));
        }
        claims.debug = matches!(
            pc.lifecycle_state(),
            Some(Lifecycle::NonPsaRotDebug | Lifecycle::RecoverablePsaRotDebug)
        );
        let mut a = FormatAppraisal::new(CCA_SUBMOD, t.anchor.clone(), t.digest, vector, claims);
        a.findings = findings;
        Ok(a)
    }
}
