//! Evidence formats: one [`EvidenceFormat`] per kind of Evidence, chosen by the CMW media type.
//!
//! A format decodes its token, checks the signature against the configured attestation keys and
//! returns the claims the Verifier appraises, normalised into [`EvidenceClaims`]. The checks
//! every format shares (binder, AIK hash, freshness, reference values, debug and secure boot)
//! are done once, by the [`crate::verifier::Verifier`]. The simulated TEE
//! ([`SimTeeFormat`], sim-tee-profile.md) is the first format; real TEE formats come later as
//! more implementations of the trait.

use seat_binding::provider::CryptoProvider;
use seat_evidence::cbor::{self, Value};
use seat_evidence::cose::CoseSign1;
use seat_evidence::eat::{ClaimsSet, Confirmation, EatProfile};

use crate::crypto::{SpkiVerifier, key_id};
use crate::error::{Claim, Reason};
use crate::policy::TrustAnchor;
use crate::replay;

pub use seat_evidence::sim::{MAX_MEASUREMENTS, SIM_TEE_PROFILE};
use seat_evidence::sim::{MEASUREMENTS_CONTENT_FORMAT as CF_CBOR, SIM_TEE_MEDIA_TYPE};

/// What a format extracts from verified Evidence, in the shape the Verifier appraises.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceClaims {
    /// The `eat_profile` (the format's own profile).
    pub profile: String,
    /// `eat_nonce`: the binder the Attester was given.
    pub nonce: Vec<u8>,
    /// The `cnf` key id: the hash of the AIK's DER SPKI.
    pub aik_pub_hash: Vec<u8>,
    /// `iat`, whole seconds.
    pub iat: i64,
    /// `ueid`.
    pub ueid: Vec<u8>,
    /// `swname`.
    pub swname: String,
    /// `swversion`.
    pub swversion: String,
    /// Measurements by name.
    pub measurements: Vec<(String, Vec<u8>)>,
    /// `dbgstat` (0 enabled .. 4 disabled fully and permanently).
    pub dbgstat: u8,
    /// `oemboot`: secure boot on.
    pub secure_boot: bool,
}

/// Evidence whose signature chains to a trusted attestation key, with its claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedEvidence {
    /// The name of the attestation key that signed it.
    pub anchor: String,
    /// SHA-256 of what the signature covers: the same Evidence has the same digest however it
    /// is re-wrapped (the replay record keys on it).
    pub digest: [u8; 32],
    /// The claims.
    pub claims: EvidenceClaims,
}

/// One Evidence format (draft-ietf-rats-msg-wrap: the CMW media type selects it).
pub trait EvidenceFormat: Send + Sync + core::fmt::Debug {
    /// Whether this format handles a CMW record of media type `media_type`.
    fn handles(&self, media_type: &str) -> bool;

    /// Decodes `token`, verifies its signature against `anchors` and returns its claims.
    ///
    /// # Errors
    ///
    /// A [`Reason`] of stage decode or signature.
    fn verify(
        &self,
        provider: &dyn CryptoProvider,
        anchors: &[TrustAnchor],
        token: &[u8],
    ) -> Result<VerifiedEvidence, Reason>;
}

/// The simulated TEE's EAT profile v1 (sim-tee-profile.md): an ES256 CWT with the attestation
/// key's SPKI hash as `kid`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimTeeFormat;

impl SimTeeFormat {
    /// The media type of its CMW record:
    /// `application/eat+cwt; eat_profile="tag:seat.example,2026:sim-tee/1"`.
    pub const MEDIA_TYPE: &'static str = SIM_TEE_MEDIA_TYPE;
}

impl EvidenceFormat for SimTeeFormat {
    fn handles(&self, media_type: &str) -> bool {
        media_type == Self::MEDIA_TYPE
    }

    fn verify(
        &self,
        provider: &dyn CryptoProvider,
        anchors: &[TrustAnchor],
        token: &[u8],
    ) -> Result<VerifiedEvidence, Reason> {
        let (msg, _) = CoseSign1::decode(token).map_err(Reason::MalformedEvidence)?;
        let anchor = verify_with_anchors(provider, anchors, &msg, true)?;
        let tbs = msg.tbs(&[], None).map_err(Reason::MalformedEvidence)?;
        let payload = msg.payload().ok_or(Reason::MalformedEvidence(
            seat_evidence::Error::DetachedPayload,
        ))?;
        let claims = ClaimsSet::decode(payload).map_err(Reason::MalformedEvidence)?;
        let claims = sim_claims(claims)?;
        Ok(VerifiedEvidence {
            anchor: anchor.name.clone(),
            digest: replay::digest(provider, &[&tbs]),
            claims,
        })
    }
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

fn sim_claims(c: ClaimsSet) -> Result<EvidenceClaims, Reason> {
    let missing = Reason::MissingClaim;
    match c.profile {
        Some(EatProfile::Uri(p)) if p == SIM_TEE_PROFILE => {}
        Some(_) => return Err(Reason::UnknownProfile),
        None => return Err(missing(Claim::Profile)),
    }
    let nonce = match c.nonce.as_ref().map(|n| n.nonces()) {
        Some([one]) => one.clone(),
        _ => return Err(missing(Claim::Nonce)),
    };
    let aik_pub_hash = match c.cnf {
        Some(Confirmation::Kid(k)) => k,
        _ => return Err(missing(Claim::Cnf)),
    };
    let measurements = match c.measurements.as_slice() {
        [] => Vec::new(),
        [m] if m.content_format == CF_CBOR => measurement_map(&m.content)?,
        _ => return Err(missing(Claim::Measurements)),
    };
    Ok(EvidenceClaims {
        profile: SIM_TEE_PROFILE.to_owned(),
        nonce,
        aik_pub_hash,
        iat: c.iat.ok_or(missing(Claim::Iat))?,
        ueid: c
            .ueid
            .map(|u| u.as_bytes().to_vec())
            .ok_or(missing(Claim::Ueid))?,
        swname: c.swname.ok_or(missing(Claim::SwName))?,
        swversion: c
            .swversion
            .map(|v| v.version)
            .ok_or(missing(Claim::SwVersion))?,
        measurements,
        dbgstat: c
            .dbgstat
            .map(|d| d.to_u8())
            .ok_or(missing(Claim::DbgStat))?,
        secure_boot: c.oemboot.ok_or(missing(Claim::OemBoot))?,
    })
}

/// Reads `{name: digest, ...}` (sim-tee-profile.md, key 273).
fn measurement_map(content: &[u8]) -> Result<Vec<(String, Vec<u8>)>, Reason> {
    let bad = Reason::MissingClaim(Claim::Measurements);
    let Value::Map(entries) =
        cbor::decode_value(content, cbor::Profile::STRICT).map_err(Reason::MalformedEvidence)?
    else {
        return Err(bad);
    };
    if entries.len() > MAX_MEASUREMENTS {
        return Err(bad);
    }
    entries
        .into_iter()
        .map(|(k, v)| match (k, v) {
            (Value::Text(name), Value::Bytes(digest)) => Ok((name, digest)),
            _ => Err(bad),
        })
        .collect()
}
