//! The Verifier: appraises Evidence and issues a signed EAR (DESIGN section 6).
//!
//! [`Verifier::appraise`] runs the stages in order: decode (the CMW and the token), signature
//! (to a configured attestation key), binding (the `cnf` key id against the AIK hash, then
//! `eat_nonce` against the binder the caller computed; early-attestation section 5, checklist
//! items 1-3; expat section 3.9 step 3b), freshness (`iat` inside the window around `now`),
//! then policy (reference measurements, software, debug, secure boot). A failure in the first
//! four stages is an [`Error::Rejected`]; policy findings lower the EAR's AR4SI trust vector
//! and status and are listed in the [`Report`], so a remote Relying Party learns them from the
//! EAR alone.

use core::cell::RefCell;

use seat_binding::provider::{CryptoProvider, RandomSource, SigningKey};
use seat_evidence::cbor::{Label, Value};
use seat_evidence::cmw::{AnyCmw, Cmw, Ind, JsonCmw, JsonRecord, Record, RecordType};
use seat_evidence::cose::{CoseSign1, HeaderMap, Tagging};
use seat_evidence::ear::{Appraisal, EAR_PROFILE_03, Ear, Tier, TrustVector};
use seat_evidence::eat::{self, EatProfile, Nonce};
use seat_evidence::json;

use crate::crypto::{KeySigner, key_id, sign_jwt};
use crate::error::{Error, Reason};
use crate::format::{EvidenceClaims, EvidenceFormat, SIM_TEE_PROFILE, SimTeeFormat};
use crate::policy::VerifierPolicy;
use crate::rp::BindingLevel;
use seat_evidence::crypto::cose_algorithm;

/// The EAR submodule label of the simulated TEE's appraisal (sim-tee-profile.md, "Wrapping").
pub const SIM_TEE_SUBMOD: &str = "sim-tee";

/// AR4SI trustworthiness claim values this Verifier writes (rats-formats.md section 4.2).
pub mod ar4si {
    /// `instance-identity` 2: recognised and not known compromised.
    pub const TRUSTWORTHY_INSTANCE: i8 = 2;
    /// `configuration` 2: known approved configuration.
    pub const APPROVED_CONFIG: i8 = 2;
    /// `configuration` 96: unsupportable (debug on, or secure boot off, against policy).
    pub const UNSUPPORTABLE_CONFIG: i8 = 96;
    /// `executables` 2: only approved executables.
    pub const APPROVED_RUNTIME: i8 = 2;
    /// `executables` 33: unrecognised objects (a measurement outside the reference values).
    pub const UNRECOGNIZED_RUNTIME: i8 = 33;
}

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
    anchor: String,
    evidence_digest: [u8; 32],
    claims: EvidenceClaims,
    findings: Vec<Reason>,
    ear: Ear,
    result: Vec<u8>,
}

impl Report {
    /// The name of the attestation key that signed the Evidence.
    pub fn anchor(&self) -> &str {
        &self.anchor
    }

    /// SHA-256 of the Evidence's signed content (for the replay record).
    pub const fn evidence_digest(&self) -> &[u8; 32] {
        &self.evidence_digest
    }

    /// The appraised claims.
    pub const fn claims(&self) -> &EvidenceClaims {
        &self.claims
    }

    /// Policy findings (stage policy), in check order; empty when every check passed.
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

/// The Verifier: trust anchors and reference values, its own signing key, and the Evidence
/// formats it understands.
#[derive(Debug)]
pub struct Verifier {
    policy: VerifierPolicy,
    formats: Vec<Box<dyn EvidenceFormat>>,
    key: Box<dyn SigningKey>,
    kid: Vec<u8>,
    provider: &'static dyn CryptoProvider,
}

impl Verifier {
    /// A Verifier for `policy`, signing EARs with `key`, understanding the simulated TEE.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `key`'s algorithm has no COSE and JWS name.
    pub fn new(
        policy: VerifierPolicy,
        key: Box<dyn SigningKey>,
        provider: &'static dyn CryptoProvider,
    ) -> Result<Self, Error> {
        if cose_algorithm(key.algorithm()).is_none() {
            return Err(Error::InvalidArgument);
        }
        let kid = key_id(provider, &key.public_key_spki());
        Ok(Self {
            policy,
            formats: vec![Box::new(SimTeeFormat)],
            key,
            kid,
            provider,
        })
    }

    /// Adds an Evidence format; the first format that handles a media type is used.
    #[must_use]
    pub fn with_format(mut self, format: Box<dyn EvidenceFormat>) -> Self {
        self.formats.push(format);
        self
    }

    /// The policy.
    pub const fn policy(&self) -> &VerifierPolicy {
        &self.policy
    }

    /// The DER SPKI of the key this Verifier signs EARs with (a Relying Party's trust anchor).
    pub fn public_key_spki(&self) -> Vec<u8> {
        self.key.public_key_spki()
    }

    /// Appraises Evidence and issues a signed EAR in `form`, bound as `binding` says.
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
        // Decode: the CMW must be a record of Evidence with a media type we handle.
        let cmw = AnyCmw::decode(request.cmw).map_err(Reason::MalformedCmw)?;
        let AnyCmw::Cbor(Cmw::Record(record)) = &cmw else {
            return Err(Reason::NotARecord.into());
        };
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

        // Decode and signature, by the format.
        let verified =
            format.verify(self.provider, &self.policy.attestation_keys, record.value())?;
        let claims = &verified.claims;

        // Binding: the key first (key substitution), then the exchange (relay).
        if !crate::crypto::ct_eq(&claims.aik_pub_hash, request.aik_pub_hash) {
            return Err(Reason::AikMismatch.into());
        }
        if !crate::crypto::ct_eq(&claims.nonce, request.binder) {
            return Err(Reason::BinderMismatch.into());
        }

        // Freshness.
        let now = i64::try_from(request.now_unix_secs).unwrap_or(i64::MAX);
        let skew = i64::try_from(self.policy.max_clock_skew_secs).unwrap_or(i64::MAX);
        let max_age = i64::try_from(self.policy.evidence_max_age_secs).unwrap_or(i64::MAX);
        if claims.iat > now.saturating_add(skew) {
            return Err(Reason::EvidenceFromFuture.into());
        }
        if now.saturating_sub(claims.iat) > max_age {
            return Err(Reason::StaleEvidence.into());
        }

        // Policy.
        let (findings, vector) = self.policy_findings(claims)?;
        let ear = self.build_ear(request, claims, vector, binding, now)?;
        let result = self.sign_ear(&ear, form, rng)?;
        Ok(Report {
            anchor: verified.anchor,
            evidence_digest: verified.digest,
            claims: verified.claims,
            findings,
            ear,
            result,
        })
    }

    fn policy_findings(&self, c: &EvidenceClaims) -> Result<(Vec<Reason>, TrustVector), Error> {
        let mut findings = Vec::new();
        let rv = &self.policy.reference_values;
        let mut executables = ar4si::APPROVED_RUNTIME;
        for (name, digest) in &rv.measurements {
            match c.measurements.iter().find(|(n, _)| n == name) {
                None => findings.push(Reason::MeasurementMissing),
                Some((_, d)) if d != digest => findings.push(Reason::MeasurementMismatch),
                Some(_) => continue,
            }
            executables = ar4si::UNRECOGNIZED_RUNTIME;
        }
        if rv.swname.as_ref().is_some_and(|n| *n != c.swname)
            || rv.swversion.as_ref().is_some_and(|v| *v != c.swversion)
        {
            findings.push(Reason::SoftwareMismatch);
            executables = ar4si::UNRECOGNIZED_RUNTIME;
        }
        let mut configuration = ar4si::APPROVED_CONFIG;
        if c.dbgstat < self.policy.min_dbgstat {
            findings.push(Reason::DebugEnabled);
            configuration = ar4si::UNSUPPORTABLE_CONFIG;
        }
        if self.policy.require_secure_boot && !c.secure_boot {
            findings.push(Reason::SecureBootDisabled);
            configuration = ar4si::UNSUPPORTABLE_CONFIG;
        }
        let claims = [
            Some(ar4si::TRUSTWORTHY_INSTANCE),
            Some(configuration),
            Some(executables),
            None,
            None,
            None,
            None,
            None,
        ];
        // Never empty: instance-identity is always set.
        let vector = TrustVector::new(claims).map_err(|_| Error::InvalidArgument)?;
        Ok((findings, vector))
    }

    fn build_ear(
        &self,
        request: &AppraisalRequest<'_>,
        claims: &EvidenceClaims,
        vector: TrustVector,
        binding: BindingLevel,
        now: i64,
    ) -> Result<Ear, Error> {
        let status = vector.worst_tier();
        let nonce = match binding {
            BindingLevel::Exchange => {
                Some(Nonce::new(request.binder.to_vec()).map_err(|_| Error::InvalidArgument)?)
            }
            BindingLevel::KeyOnly => None,
        };
        let cnf = Value::Map(vec![(
            Value::Uint(3),
            Value::Bytes(claims.aik_pub_hash.clone()),
        )]);
        let appraisal = Appraisal {
            status,
            trust_vector: Some(vector),
            policy_ids: vec![self.policy.policy_id.clone()],
            nonce,
            profile: Some(EatProfile::Uri(SIM_TEE_PROFILE.to_owned())),
            extra: vec![(Label::Int(eat::CNF), cnf)],
        };
        let validity = i64::try_from(self.policy.ear_validity_secs).unwrap_or(i64::MAX);
        Ok(Ear {
            profile: EAR_PROFILE_03.to_owned(),
            iat: now,
            exp: Some(now.saturating_add(validity)),
            verifier_id: self.policy.verifier_id.clone(),
            raw_evidence: None,
            submods: vec![(SIM_TEE_SUBMOD.to_owned(), appraisal)],
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
    v.to_string()
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
