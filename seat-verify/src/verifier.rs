//! The Verifier: appraises Evidence and issues a signed EAR (DESIGN section 6).
//!
//! [`Verifier::appraise`] runs the stages in order: decode (the CMW; each record's token, by
//! its [`EvidenceFormat`]), signature (to a configured trust anchor, with the chain and
//! collateral of platform formats), binding (the format's check of the AIK hash and the
//! binder the caller computed; early-attestation section 5, checklist items 1-3; expat section
//! 3.9 step 3b), freshness (`iat` inside the window around `now`, for formats that carry one),
//! then policy (each format's reference values and platform state). A failure in the first
//! four stages is an [`Error::Rejected`]; policy findings lower the EAR's AR4SI trust vector
//! and status and are listed in the [`Report`], so a remote Relying Party learns them from the
//! EAR alone.

use core::cell::RefCell;

use seat_binding::provider::{CryptoProvider, RandomSource, SigningKey};
use seat_evidence::cbor::{Label, Value};
use seat_evidence::cmw::{AnyCmw, Cmw, Ind, JsonCmw, JsonRecord, Record, RecordType};
use seat_evidence::cose::{CoseSign1, HeaderMap, Tagging};
use seat_evidence::ear::{Appraisal, EAR_PROFILE_03, Ear, Tier};
use seat_evidence::eat::{self, EatProfile, Nonce};
use seat_evidence::json;

use crate::collateral::{Collateral, CollateralNeed};
use crate::crypto::{KeySigner, key_id, sign_jwt};
use crate::error::{Error, Reason};
use crate::format::{
    AppraisalContext, EvidenceClaims, EvidenceFormat, FormatAppraisal, SimTeeFormat,
};
use crate::policy::VerifierPolicy;
use crate::rp::BindingLevel;
use seat_evidence::crypto::cose_algorithm;

pub use crate::format::ar4si;

/// The EAR submodule label of the simulated TEE's appraisal (sim-tee-profile.md, "Wrapping").
pub const SIM_TEE_SUBMOD: &str = SimTeeFormat::SUBMOD;

/// The most members a CMW collection of Evidence may have (a platform quote, an event log, a
/// few more): far above what one attester sends, small enough to bound the work.
pub const MAX_COLLECTION_MEMBERS: usize = 8;

/// The media type of a CWT EAR as a CMW record (rats-formats.md section 4.4).
pub fn ear_cwt_media_type(profile: &str) -> String {
    format!("application/eat+cwt; eat_profile=\"{profile}\"")
}

/// The media type of a JWT EAR as a CMW record (rats-formats.md section 4.4).
pub fn ear_jwt_media_type(profile: &str) -> String {
    format!("application/eat+jwt; eat_profile=\"{profile}\"")
}

/// How the EAR is serialised and signed (rats-formats.md section 4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ResultForm {
    /// A CWT: COSE_Sign1 (tag 18) over the CBOR claims, in a CBOR CMW record with `ind` 8.
    #[default]
    Cwt,
    /// A JWT (JWS compact), in a JSON CMW record with `ind` 8.
    Jwt,
}

/// One appraisal request: the Evidence and what the Relying Party computed for this exchange
/// (expat section 3.9 step 3b: the binder travels with the Evidence to the Verifier).
#[derive(Clone, Copy, Debug)]
pub struct AppraisalRequest<'a> {
    /// The Evidence as a CMW (record with `ind` 4).
    pub cmw: &'a [u8],
    /// The binder the Relying Party computed from its own connection state.
    pub binder: &'a [u8],
    /// The hash of the DER SPKI of the key that signed the authenticator.
    pub aik_pub_hash: &'a [u8],
    /// The current time, whole seconds since the Unix epoch.
    pub now_unix_secs: u64,
}

/// The outcome of an appraisal that passed decode, signature, binding and freshness.
#[derive(Clone, Debug)]
pub struct Report {
    appraisals: Vec<FormatAppraisal>,
    evidence_digest: [u8; 32],
    findings: Vec<Reason>,
    ear: Ear,
    result: Vec<u8>,
}

impl Report {
    /// The name of the trust anchor the (first) Evidence chains to.
    pub fn anchor(&self) -> &str {
        self.appraisals.first().map_or("", |a| a.anchor.as_str())
    }

    /// SHA-256 of the Evidence's signed content (for the replay record): the one record's
    /// digest, or for a collection the SHA-256 over each member's label and digest.
    pub const fn evidence_digest(&self) -> &[u8; 32] {
        &self.evidence_digest
    }

    /// The appraised claims of the (first) Evidence.
    ///
    /// # Panics
    ///
    /// Never: a report holds at least one appraisal.
    pub fn claims(&self) -> &EvidenceClaims {
        #[allow(clippy::indexing_slicing)]
        &self.appraisals[0].claims
    }

    /// Each format's appraisal, one per EAR submodule, in order.
    pub fn appraisals(&self) -> &[FormatAppraisal] {
        &self.appraisals
    }

    /// Policy findings (stage policy) of every appraisal, in check order; empty when every
    /// check passed.
    pub fn findings(&self) -> &[Reason] {
        &self.findings
    }

    /// The EAR as issued.
    pub const fn ear(&self) -> &Ear {
        &self.ear
    }

    /// The overall status of the EAR.
    pub fn status(&self) -> Tier {
        self.ear.status.unwrap_or(Tier::None)
    }

    /// The signed EAR in a CMW record with `ind` 8, ready to send or to present as a passport.
    pub fn result(&self) -> &[u8] {
        &self.result
    }
}

/// The Verifier: trust anchors and reference values, its own signing key, the Evidence
/// formats it accepts and the collateral it holds.
#[derive(Debug)]
pub struct Verifier {
    policy: VerifierPolicy,
    formats: Vec<Box<dyn EvidenceFormat>>,
    collateral: Collateral,
    key: Box<dyn SigningKey>,
    kid: Vec<u8>,
    provider: &'static dyn CryptoProvider,
}

impl Verifier {
    /// A Verifier for `policy`, signing EARs with `key`, accepting the simulated TEE's
    /// Evidence ([`SimTeeFormat`]): the same as [`Verifier::with_formats`] with that one
    /// format.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `key`'s algorithm has no COSE and JWS name.
    pub fn new(
        policy: VerifierPolicy,
        key: Box<dyn SigningKey>,
        provider: &'static dyn CryptoProvider,
    ) -> Result<Self, Error> {
        Self::with_formats(policy, key, provider, vec![Box::new(SimTeeFormat)])
    }

    /// A Verifier that accepts exactly `formats` (the first that handles a media type is
    /// used); no format is added behind the caller's back.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `key`'s algorithm has no COSE and JWS name.
    pub fn with_formats(
        policy: VerifierPolicy,
        key: Box<dyn SigningKey>,
        provider: &'static dyn CryptoProvider,
        formats: Vec<Box<dyn EvidenceFormat>>,
    ) -> Result<Self, Error> {
        if cose_algorithm(key.algorithm()).is_none() {
            return Err(Error::InvalidArgument);
        }
        let kid = key_id(provider, &key.public_key_spki());
        Ok(Self {
            policy,
            formats,
            collateral: Collateral::default(),
            key,
            kid,
            provider,
        })
    }

    /// Adds an Evidence format after the ones already accepted.
    #[must_use]
    pub fn with_format(mut self, format: Box<dyn EvidenceFormat>) -> Self {
        self.formats.push(format);
        self
    }

    /// Replaces the collateral this Verifier appraises with (warm collateral for every
    /// appraisal, including in-process background checks).
    #[must_use]
    pub fn with_collateral(mut self, collateral: Collateral) -> Self {
        self.collateral = collateral;
        self
    }

    /// The collateral, to add to it.
    pub const fn collateral_mut(&mut self) -> &mut Collateral {
        &mut self.collateral
    }

    /// The collateral.
    pub const fn collateral(&self) -> &Collateral {
        &self.collateral
    }

    /// The policy.
    pub const fn policy(&self) -> &VerifierPolicy {
        &self.policy
    }

    /// The DER SPKI of the key this Verifier signs EARs with (a Relying Party's trust anchor).
    pub fn public_key_spki(&self) -> Vec<u8> {
        self.key.public_key_spki()
    }

    /// Appraises Evidence and issues a signed EAR in `form`, bound as `binding` says, with
    /// this Verifier's own collateral.
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] with a reason of stage decode, signature, binding or freshness;
    /// [`Error::InvalidArgument`] for a binder outside 8..=64 bytes; [`Error::Signing`] if the
    /// Verifier's key fails.
    pub fn appraise(
        &self,
        request: &AppraisalRequest<'_>,
        form: ResultForm,
        binding: BindingLevel,
        rng: &mut dyn RandomSource,
    ) -> Result<Report, Error> {
        self.appraise_with(request, &self.collateral, form, binding, rng)
    }

    /// [`Verifier::appraise`] with `collateral` in place of the Verifier's own.
    ///
    /// The CMW is one Evidence record, or a collection of at most
    /// [`MAX_COLLECTION_MEMBERS`] Evidence records (RFC 9999 section 3.3; each member
    /// appraised by its format and bound to the same binder and AIK hash, since a collection
    /// binds nothing by itself), each becoming one EAR submodule named by the format for a
    /// record, by the member's label in a collection.
    ///
    /// # Errors
    ///
    /// As [`Verifier::appraise`].
    pub fn appraise_with(
        &self,
        request: &AppraisalRequest<'_>,
        collateral: &Collateral,
        form: ResultForm,
        binding: BindingLevel,
        rng: &mut dyn RandomSource,
    ) -> Result<Report, Error> {
        let members = evidence_members(request.cmw)?;
        let mut appraisals = Vec::with_capacity(members.len());
        for (label, record) in &members {
            let (format, media_type) = self.format_of(record)?;
            let cx = AppraisalContext::new(
                record.value(),
                media_type,
                request.binder,
                request.aik_pub_hash,
                request.now_unix_secs,
                self.provider,
                collateral,
                &self.policy,
            );
            let mut a = format.appraise(&cx)?;
            if let Some(label) = label {
                a.submod.clone_from(label);
            }
            appraisals.push(a);
        }

        // Freshness, for formats that say when their Evidence was made.
        let now = i64::try_from(request.now_unix_secs).unwrap_or(i64::MAX);
        let skew = i64::try_from(self.policy.max_clock_skew_secs).unwrap_or(i64::MAX);
        let max_age = i64::try_from(self.policy.evidence_max_age_secs).unwrap_or(i64::MAX);
        for iat in appraisals.iter().filter_map(|a| a.issued_at) {
            if iat > now.saturating_add(skew) {
                return Err(Reason::EvidenceFromFuture.into());
            }
            if now.saturating_sub(iat) > max_age {
                return Err(Reason::StaleEvidence.into());
            }
        }

        let evidence_digest = match (appraisals.as_slice(), members.first()) {
            ([one], Some((None, _))) => one.digest,
            (all, _) => {
                let mut parts: Vec<&[u8]> = Vec::with_capacity(all.len() * 2);
                for a in all {
                    parts.push(a.submod.as_bytes());
                    parts.push(&a.digest);
                }
                crate::replay::digest(self.provider, &parts)
            }
        };
        let findings = appraisals
            .iter()
            .flat_map(|a| a.findings.iter().copied())
            .collect();
        let ear = self.build_ear(request, &appraisals, binding, now)?;
        let result = self.sign_ear(&ear, form, rng)?;
        Ok(Report {
            appraisals,
            evidence_digest,
            findings,
            ear,
            result,
        })
    }

    /// What collateral appraising `cmw` needs that `collateral` lacks, for the caller to fetch
    /// (empty when it has everything, or when no member's format uses collateral). Decodes
    /// the Evidence but verifies nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] with a decode reason for Evidence that does not decode.
    pub fn collateral_needed(
        &self,
        cmw: &[u8],
        collateral: &Collateral,
    ) -> Result<Vec<CollateralNeed>, Error> {
        let mut needs = Vec::new();
        for (_, record) in evidence_members(cmw)? {
            let (format, media_type) = self.format_of(&record)?;
            if let Some(need) = format.collateral_needed(record.value(), media_type, collateral)? {
                needs.push(need);
            }
        }
        Ok(needs)
    }

    fn format_of<'r>(&self, record: &'r Record) -> Result<(&dyn EvidenceFormat, &'r str), Error> {
        if !record.ind().is_some_and(|i| i.contains(Ind::EVIDENCE)) {
            return Err(Reason::NotEvidence.into());
        }
        let RecordType::MediaType(media_type) = record.typ() else {
            return Err(Reason::UnsupportedMediaType.into());
        };
        let format = self
            .formats
            .iter()
            .find(|f| f.handles(media_type))
            .ok_or(Reason::UnsupportedMediaType)?;
        Ok((format.as_ref(), media_type.as_str()))
    }

    fn build_ear(
        &self,
        request: &AppraisalRequest<'_>,
        appraisals: &[FormatAppraisal],
        binding: BindingLevel,
        now: i64,
    ) -> Result<Ear, Error> {
        let nonce = match binding {
            BindingLevel::Exchange => {
                Some(Nonce::new(request.binder.to_vec()).map_err(|_| Error::InvalidArgument)?)
            }
            BindingLevel::KeyOnly => None,
        };
        let mut submods = Vec::with_capacity(appraisals.len());
        for a in appraisals {
            let status = a.trust_vector.worst_tier();
            let cnf = Value::Map(vec![(
                Value::Uint(3),
                Value::Bytes(a.claims.aik_pub_hash.clone()),
            )]);
            submods.push((
                a.submod.clone(),
                Appraisal {
                    status,
                    trust_vector: Some(a.trust_vector),
                    policy_ids: vec![self.policy.policy_id.clone()],
                    nonce: nonce.clone(),
                    profile: Some(EatProfile::Uri(a.profile.clone())),
                    extra: vec![(Label::Int(eat::CNF), cnf)],
                },
            ));
        }
        let status = Tier::worst(submods.iter().map(|(_, a)| a.status));
        let validity = i64::try_from(self.policy.ear_validity_secs).unwrap_or(i64::MAX);
        Ok(Ear {
            profile: EAR_PROFILE_03.to_owned(),
            iat: now,
            exp: Some(now.saturating_add(validity)),
            verifier_id: self.policy.verifier_id.clone(),
            raw_evidence: None,
            submods,
            nonce: None,
            status: Some(status),
            extra: Vec::new(),
        })
    }

    /// Signs `ear` with the Verifier's key as a CWT or JWT, wrapped in a CMW record with
    /// `ind` 8 (sim-tee-profile.md, "Wrapping"). The COSE `kid` and JWS `kid` are the SHA-256
    /// of the Verifier's SPKI. An appraisal `cnf` claim (`{3: kid}`, RFC 8747) is written as
    /// `"cnf": {"kid": base64url}` in a JWT.
    ///
    /// # Errors
    ///
    /// [`Error::Signing`] if the key fails; [`Error::InvalidArgument`] for an EAR the CMW
    /// record cannot carry.
    pub fn sign_ear(
        &self,
        ear: &Ear,
        form: ResultForm,
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, Error> {
        match form {
            ResultForm::Cwt => {
                let alg = cose_algorithm(self.key.algorithm()).ok_or(Error::InvalidArgument)?;
                let signer = KeySigner {
                    key: self.key.as_ref(),
                    alg,
                    rng: RefCell::new(rng),
                    failure: RefCell::new(None),
                };
                let msg = CoseSign1::sign(
                    HeaderMap::new(),
                    HeaderMap::new().with_kid(self.kid.clone()),
                    ear.to_cbor(),
                    &[],
                    &signer,
                )
                .map_err(|_| match signer.failure.take() {
                    Some(e) => Error::Signing(e),
                    None => Error::InvalidArgument,
                })?;
                let record = Record::new(
                    RecordType::MediaType(ear_cwt_media_type(&ear.profile)),
                    msg.to_vec(Tagging::Tagged),
                    Some(Ind::ATTESTATION_RESULTS),
                )
                .map_err(|_| Error::InvalidArgument)?;
                Ok(Cmw::Record(record).to_vec())
            }
            ResultForm::Jwt => {
                let claims = jwt_claims(ear);
                let jwt = sign_jwt(self.key.as_ref(), &self.kid, &claims, rng)?;
                let record = JsonRecord::new(
                    ear_jwt_media_type(&ear.profile),
                    jwt.into_bytes(),
                    Some(Ind::ATTESTATION_RESULTS),
                )
                .map_err(|_| Error::InvalidArgument)?;
                Ok(JsonCmw::Record(record).to_json_string().into_bytes())
            }
        }
    }
}

/// The JWT claims of `ear`, with each appraisal's `cnf` key id (which seat-evidence's JSON
/// form leaves out as a CBOR-only extension) added as `"cnf": {"kid": ..}` (RFC 7800).
fn jwt_claims(ear: &Ear) -> String {
    let text = ear.to_json_string();
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&text) else {
        return text;
    };
    for (label, appraisal) in &ear.submods {
        if let Some(kid) = appraisal_cnf(appraisal)
            && let Some(obj) = v
                .get_mut("submods")
                .and_then(|s| s.get_mut(label))
                .and_then(serde_json::Value::as_object_mut)
        {
            obj.insert(
                "cnf".into(),
                serde_json::json!({ "kid": json::b64u_encode(kid) }),
            );
        }
    }
    json::to_sorted_string(&v)
}

/// The `cnf` key id of an appraisal (`8: {3: kid}`), if it carries one.
pub(crate) fn appraisal_cnf(a: &Appraisal) -> Option<&[u8]> {
    a.extra.iter().find_map(|(l, v)| match (l, v) {
        (Label::Int(eat::CNF), Value::Map(m)) => match m.as_slice() {
            [(Value::Uint(3), Value::Bytes(k))] => Some(k.as_slice()),
            _ => None,
        },
        _ => None,
    })
}

/// The Evidence records of a CMW: the one record (no label), or each member of a collection
/// with its label as text. JSON CMWs and tag CMWs are refused: Evidence travels as CBOR
/// records.
fn evidence_members(cmw: &[u8]) -> Result<Vec<(Option<String>, Record)>, Error> {
    let cmw = AnyCmw::decode(cmw).map_err(Reason::MalformedCmw)?;
    match cmw {
        AnyCmw::Cbor(Cmw::Record(record)) => Ok(vec![(None, record)]),
        AnyCmw::Cbor(Cmw::Collection(c)) => {
            if c.items().len() > MAX_COLLECTION_MEMBERS {
                return Err(Reason::BadCollection.into());
            }
            c.items()
                .iter()
                .map(|(label, member)| match member {
                    Cmw::Record(r) => Ok((Some(label_text(label)), r.clone())),
                    _ => Err(Reason::BadCollection.into()),
                })
                .collect()
        }
        _ => Err(Reason::NotARecord.into()),
    }
}

fn label_text(label: &seat_evidence::cmw::Label) -> String {
    match label {
        seat_evidence::cmw::Label::Text(t) => t.clone(),
        seat_evidence::cmw::Label::Int(i) => i.to_string(),
    }
}
