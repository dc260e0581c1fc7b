//! Relying-Party policy for both RATS models (DESIGN section 6; expat section 3.9).
//!
//! - **Background check**: the Relying Party hands the Evidence and the binder *it* computed to
//!   a Verifier and decides on the EAR that comes back. The Verifier runs in process by default
//!   ([`Background::InProcess`]); a remote Verifier is a caller action: the caller sends the
//!   Evidence and binder wherever it likes and hands the returned EAR in as
//!   [`Background::Remote`] (expat section 3.9 step 3b; checklist item 11).
//! - **Passport**: the Attester presents an EAR (a CMW with `ind` 8) that a trusted Verifier
//!   signed; it must be fresh, echo this exchange's binder and reach the required tier
//!   (checklist item 10). A cached passport, bound only to the AIK hash, is accepted only when
//!   the policy says `dangerous_allow_cached_passport`, and the verdict says it is weaker.
//!
//! Every path ends in the connection's [`ReplayRecord`]: the same Evidence or Result is not
//! accepted twice on one connection, even under an identical binder (checklist item 7), among
//! the recent exchange-bound ones (older ones cannot pass a later binder check) and among every
//! cached passport still valid (see [`crate::replay`]).

use core::fmt;

use seat_binding::provider::{CryptoProvider, RandomSource};
use seat_evidence::cmw::{AnyCmw, Cmw, Ind, JsonCmw};
use seat_evidence::cose::CoseSign1;
use seat_evidence::ear::{Ear, Tier};
use seat_evidence::json::{self, Json};

use crate::crypto::{Jws, ct_eq, key_id};
use crate::error::{Error, Reason};
use crate::format::verify_with_anchors;
use crate::policy::{RelyingPartyPolicy, TrustAnchor};
use crate::replay::{self, ReplayRecord};
use crate::verifier::{AppraisalRequest, Report, ResultForm, Verifier, appraisal_cnf};

/// What this Relying Party computed for the exchange, from its own connection state
/// (seat-binding's `expat_binder` or `early_binder`); never taken from the peer.
#[derive(Clone, Copy, Debug)]
pub struct Expected<'a> {
    /// The binder of this exchange.
    pub binder: &'a [u8],
    /// The hash of the DER SPKI of the key that signed the authenticator.
    pub aik_pub_hash: &'a [u8],
}

/// The RATS model a decision was made in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Model {
    /// Evidence appraised by a Verifier for this Relying Party.
    BackgroundCheck,
    /// A Verifier-signed Result presented by the Attester.
    Passport,
}

/// How tightly an attestation is bound (early-attestation section 5, DESIGN section 6): what a
/// Verifier binds the EAR it issues to ([`Verifier::appraise`]), and what an accepted decision
/// rests on ([`Accepted::binding`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum BindingLevel {
    /// Bound to this exchange's binder and to the AIK: the appraisal echoes the binder
    /// (`eat_nonce`) and the AIK hash.
    #[default]
    Exchange,
    /// A cached passport: bound only to the AIK hash, no binder. Whoever holds the AIK can
    /// replay it on another connection while it is valid; weaker than
    /// [`BindingLevel::Exchange`], so Relying Parties accept it only when their policy allows
    /// cached passports, and flag it.
    KeyOnly,
}

/// A positive decision.
#[derive(Clone, Debug)]
pub struct Accepted {
    /// The model.
    pub model: Model,
    /// The binding level.
    pub binding: BindingLevel,
    /// The overall status of the Result.
    pub status: Tier,
    /// The trust anchor that vouched: the Verifier key's name (or `"in-process"`).
    pub verifier: String,
    /// The Result the decision rests on.
    pub ear: Ear,
}

impl Accepted {
    /// Whether the decision is weaker than exchange-bound (a cached passport).
    pub fn is_weaker(&self) -> bool {
        self.binding == BindingLevel::KeyOnly
    }
}

impl fmt::Display for Accepted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let model = match self.model {
            Model::BackgroundCheck => "background check",
            Model::Passport => "passport",
        };
        write!(
            f,
            "accepted ({model}, verifier {}): status {}, ",
            self.verifier,
            self.status.name()
        )?;
        match self.binding {
            BindingLevel::Exchange => f.write_str("bound to this exchange"),
            BindingLevel::KeyOnly => {
                f.write_str("cached passport bound only to the key (weaker, replayable)")
            }
        }
    }
}

/// Where the background-check appraisal happens.
#[derive(Debug)]
pub enum Background<'a> {
    /// Appraise here, with this Verifier, which builds an EAR. The decision trusts the
    /// in-process appraisal itself, and the EAR never leaves the process, so it is not signed
    /// ([`Verifier::appraise_unsigned`]); for a signed Result, use
    /// [`RelyingParty::in_process`].
    InProcess {
        /// The Evidence CMW from the peer.
        evidence: &'a [u8],
        /// The Verifier.
        verifier: &'a Verifier,
        /// The form an EAR would be signed in (kept for callers; this decision signs none).
        form: ResultForm,
    },
    /// The caller obtained `result` (an EAR CMW) from a remote Verifier for `evidence`.
    Remote {
        /// The Evidence CMW from the peer, as sent to the Verifier.
        evidence: &'a [u8],
        /// The EAR CMW the Verifier returned.
        result: &'a [u8],
    },
}

/// A verified Result: signature checked, claims decoded.
struct VerifiedResult {
    ear: Ear,
    /// Each appraisal's `cnf` key id, by submodule label.
    cnf: Vec<(String, Option<Vec<u8>>)>,
    digest: [u8; 32],
    verifier: String,
}

/// The Relying Party's decisions under one [`RelyingPartyPolicy`].
#[derive(Debug)]
pub struct RelyingParty {
    policy: RelyingPartyPolicy,
    provider: &'static dyn CryptoProvider,
}

impl RelyingParty {
    /// A Relying Party deciding under `policy`.
    pub const fn new(policy: RelyingPartyPolicy, provider: &'static dyn CryptoProvider) -> Self {
        Self { policy, provider }
    }

    /// The policy.
    pub const fn policy(&self) -> &RelyingPartyPolicy {
        &self.policy
    }

    /// Background-check model: appraise the peer's Evidence (in process, or via the Result the
    /// caller got from a remote Verifier), then decide (expat section 3.9 step 3).
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] with the stage and reason; [`Error::InvalidArgument`] from an
    /// in-process Verifier. (`rng` is no longer used: the in-process EAR is not signed.)
    pub fn background_check(
        &self,
        record: &mut ReplayRecord,
        input: Background<'_>,
        expected: &Expected<'_>,
        now_unix_secs: u64,
        rng: &mut dyn RandomSource,
    ) -> Result<Accepted, Error> {
        let _ = rng;
        match input {
            Background::InProcess {
                evidence, verifier, ..
            } => self
                .in_process_unsigned(record, evidence, verifier, expected, now_unix_secs)
                .map(|(accepted, _)| accepted),
            Background::Remote { evidence, result } => {
                let vr = self.verify_result(result)?;
                let binding = self.check_result(&vr, expected, now_unix_secs, false)?;
                record.accept_digest(evidence_content_digest(self.provider, evidence))?;
                let status = overall_status(&vr.ear);
                self.check_tier(status)?;
                Ok(Accepted {
                    model: Model::BackgroundCheck,
                    binding,
                    status,
                    verifier: vr.verifier,
                    ear: vr.ear,
                })
            }
        }
    }

    /// Background check with an in-process Verifier, as [`Self::background_check`] with
    /// [`Background::InProcess`] decides it, also returning the Verifier's [`Report`] (the
    /// appraised claims and the issued Result).
    ///
    /// # Errors
    ///
    /// As [`Self::background_check`].
    #[allow(clippy::too_many_arguments)]
    pub fn in_process(
        &self,
        record: &mut ReplayRecord,
        evidence: &[u8],
        verifier: &Verifier,
        form: ResultForm,
        expected: &Expected<'_>,
        now_unix_secs: u64,
        rng: &mut dyn RandomSource,
    ) -> Result<(Accepted, Report), Error> {
        let report = verifier.appraise(
            &AppraisalRequest {
                cmw: evidence,
                binder: expected.binder,
                aik_pub_hash: expected.aik_pub_hash,
                now_unix_secs,
            },
            form,
            BindingLevel::Exchange,
            rng,
        )?;
        self.decide_in_process(record, report)
    }

    /// Background check with an in-process Verifier whose EAR is not signed
    /// ([`Verifier::appraise_unsigned`]): the Relying Party trusts its own in-process
    /// Verifier, and the Result never leaves the process. The same decision as
    /// [`Self::in_process`], one signature fewer; the report's
    /// [`signed_result`](Report::signed_result) is `None`.
    ///
    /// # Errors
    ///
    /// As [`Self::background_check`].
    pub fn in_process_unsigned(
        &self,
        record: &mut ReplayRecord,
        evidence: &[u8],
        verifier: &Verifier,
        expected: &Expected<'_>,
        now_unix_secs: u64,
    ) -> Result<(Accepted, Report), Error> {
        let report = verifier.appraise_unsigned(
            &AppraisalRequest {
                cmw: evidence,
                binder: expected.binder,
                aik_pub_hash: expected.aik_pub_hash,
                now_unix_secs,
            },
            BindingLevel::Exchange,
        )?;
        self.decide_in_process(record, report)
    }

    fn decide_in_process(
        &self,
        record: &mut ReplayRecord,
        report: Report,
    ) -> Result<(Accepted, Report), Error> {
        record.accept_digest(*report.evidence_digest())?;
        if let Some(finding) = report.findings().first() {
            return Err((*finding).into());
        }
        let status = report.status();
        self.check_tier(status)?;
        let accepted = Accepted {
            model: Model::BackgroundCheck,
            binding: BindingLevel::Exchange,
            status,
            verifier: "in-process".into(),
            ear: report.ear().clone(),
        };
        Ok((accepted, report))
    }

    /// Passport model: decide on an EAR CMW the Attester presented (checklist item 10).
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] with the stage and reason.
    pub fn passport(
        &self,
        record: &mut ReplayRecord,
        result: &[u8],
        expected: &Expected<'_>,
        now_unix_secs: u64,
    ) -> Result<Accepted, Error> {
        let vr = self.verify_result(result)?;
        let binding = self.check_result(
            &vr,
            expected,
            now_unix_secs,
            self.policy.dangerous_allow_cached_passport,
        )?;
        match binding {
            // No binder: kept exactly for as long as `check_result` could accept it again.
            BindingLevel::KeyOnly => {
                let now = i64::try_from(now_unix_secs).unwrap_or(i64::MAX);
                let max_age = i64::try_from(self.policy.result_max_age_secs).unwrap_or(i64::MAX);
                let mut last_valid = vr.ear.iat.saturating_add(max_age);
                if let Some(exp) = vr.ear.exp {
                    last_valid = last_valid.min(exp.saturating_sub(1));
                }
                record.accept_key_only(vr.digest, now, last_valid)?;
            }
            BindingLevel::Exchange => record.accept_digest(vr.digest)?,
        }
        let status = overall_status(&vr.ear);
        self.check_tier(status)?;
        Ok(Accepted {
            model: Model::Passport,
            binding,
            status,
            verifier: vr.verifier,
            ear: vr.ear,
        })
    }

    fn check_tier(&self, status: Tier) -> Result<(), Error> {
        let required = self.policy.required_tier;
        if status == Tier::None || status > required {
            return Err(Reason::StatusBelowTier { status, required }.into());
        }
        Ok(())
    }

    /// Decode and signature of an EAR CMW (CWT or JWT) against the trusted Verifier keys.
    fn verify_result(&self, cmw: &[u8]) -> Result<VerifiedResult, Error> {
        let anchors = &self.policy.verifier_keys;
        match AnyCmw::decode(cmw).map_err(Reason::MalformedCmw)? {
            AnyCmw::Cbor(Cmw::Record(r)) => {
                if !r
                    .ind()
                    .is_some_and(|i| i.contains(Ind::ATTESTATION_RESULTS))
                {
                    return Err(Reason::NotAttestationResult.into());
                }
                match r.typ() {
                    seat_evidence::cmw::RecordType::MediaType(m)
                        if m.starts_with("application/eat+cwt") =>
                    {
                        self.verify_cwt(anchors, r.value())
                    }
                    _ => Err(Reason::UnsupportedMediaType.into()),
                }
            }
            AnyCmw::Json(JsonCmw::Record(r)) => {
                if !r
                    .ind()
                    .is_some_and(|i| i.contains(Ind::ATTESTATION_RESULTS))
                {
                    return Err(Reason::NotAttestationResult.into());
                }
                if !r.media_type().starts_with("application/eat+jwt") {
                    return Err(Reason::UnsupportedMediaType.into());
                }
                self.verify_jwt(anchors, r.value())
            }
            _ => Err(Reason::NotARecord.into()),
        }
    }

    fn verify_cwt(&self, anchors: &[TrustAnchor], token: &[u8]) -> Result<VerifiedResult, Error> {
        let (msg, _) = CoseSign1::decode(token).map_err(Reason::MalformedResult)?;
        let anchor = verify_with_anchors(self.provider, anchors, &msg, false)?;
        let tbs = msg.tbs(&[], None).map_err(Reason::MalformedResult)?;
        let payload = msg.payload().ok_or(Reason::MalformedResult(
            seat_evidence::Error::DetachedPayload,
        ))?;
        let ear = Ear::from_cbor(payload).map_err(Reason::MalformedResult)?;
        ear.check_status().map_err(Reason::MalformedResult)?;
        let cnf = ear
            .submods
            .iter()
            .map(|(l, a)| (l.clone(), appraisal_cnf(a).map(<[u8]>::to_vec)))
            .collect();
        Ok(VerifiedResult {
            ear,
            cnf,
            digest: replay::digest(self.provider, &[&tbs]),
            verifier: anchor.name.clone(),
        })
    }

    fn verify_jwt(&self, anchors: &[TrustAnchor], token: &[u8]) -> Result<VerifiedResult, Error> {
        let jws = Jws::parse(token)?;
        let verify = |a: &TrustAnchor| {
            self.provider.verify(
                jws.alg,
                &a.spki,
                jws.signing_input,
                &jws.signature,
                seat_binding::provider::SignatureEncoding::Fixed,
            )
        };
        let anchor = match &jws.kid {
            Some(kid) => {
                let a = anchors
                    .iter()
                    .find(|a| key_id(self.provider, &a.spki) == *kid)
                    .ok_or(Reason::UntrustedVerifier)?;
                match verify(a) {
                    Ok(()) => a,
                    Err(seat_binding::Error::KeyMismatch) => {
                        return Err(Reason::UnsupportedAlgorithm.into());
                    }
                    Err(_) => return Err(Reason::BadResultSignature.into()),
                }
            }
            None => anchors
                .iter()
                .find(|a| verify(a).is_ok())
                .ok_or(Reason::UntrustedVerifier)?,
        };
        let ear = Ear::from_json(&jws.payload).map_err(Reason::MalformedResult)?;
        ear.check_status().map_err(Reason::MalformedResult)?;
        let parsed = json::parse(&jws.payload).map_err(Reason::MalformedResult)?;
        let cnf = ear
            .submods
            .iter()
            .map(|(l, _)| (l.clone(), json_cnf(&parsed, l)))
            .collect();
        Ok(VerifiedResult {
            ear,
            cnf,
            digest: replay::digest(self.provider, &[jws.signing_input]),
            verifier: anchor.name.clone(),
        })
    }

    /// Binding then freshness of a verified Result.
    fn check_result(
        &self,
        vr: &VerifiedResult,
        expected: &Expected<'_>,
        now_unix_secs: u64,
        allow_cached: bool,
    ) -> Result<BindingLevel, Error> {
        let ear = &vr.ear;
        let cnf_of = |label: &str| {
            vr.cnf
                .iter()
                .find(|(l, _)| l == label)
                .and_then(|(_, k)| k.as_deref())
        };
        // Binding: an appraisal that echoes this exchange's binder.
        let bound = ear.submods.iter().find(|(_, a)| {
            a.nonce
                .as_ref()
                .is_some_and(|n| n.nonces().iter().any(|b| ct_eq(b, expected.binder)))
        });
        let binding = match bound {
            Some((label, _)) => {
                if cnf_of(label).is_some_and(|k| !ct_eq(k, expected.aik_pub_hash)) {
                    return Err(Reason::AikMismatch.into());
                }
                BindingLevel::Exchange
            }
            None if ear.submods.iter().any(|(_, a)| a.nonce.is_some()) => {
                return Err(Reason::ResultBinderMismatch.into());
            }
            None if !allow_cached => return Err(Reason::CachedPassportForbidden.into()),
            None => {
                if !ear
                    .submods
                    .iter()
                    .any(|(l, _)| cnf_of(l).is_some_and(|k| ct_eq(k, expected.aik_pub_hash)))
                {
                    return Err(Reason::AikMismatch.into());
                }
                BindingLevel::KeyOnly
            }
        };
        // Freshness.
        let now = i64::try_from(now_unix_secs).unwrap_or(i64::MAX);
        let skew = i64::try_from(self.policy.max_clock_skew_secs).unwrap_or(i64::MAX);
        let max_age = i64::try_from(self.policy.result_max_age_secs).unwrap_or(i64::MAX);
        if ear.exp.is_some_and(|exp| now >= exp) {
            return Err(Reason::ResultExpired.into());
        }
        if ear.iat > now.saturating_add(skew) {
            return Err(Reason::ResultFromFuture.into());
        }
        if now.saturating_sub(ear.iat) > max_age {
            return Err(Reason::StaleResult.into());
        }
        Ok(binding)
    }
}

/// The EAR's overall status: its `ear_status`, else the worst appraisal status.
fn overall_status(ear: &Ear) -> Tier {
    ear.status
        .unwrap_or_else(|| Tier::worst(ear.submods.iter().map(|(_, a)| a.status)))
}

/// `submods.<label>.cnf.kid` of JWT claims, base64url-decoded.
fn json_cnf(claims: &Json, label: &str) -> Option<Vec<u8>> {
    let member = |v: &Json, name: &str| -> Option<Json> {
        v.as_object()?
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let submods = member(claims, "submods")?;
    let appraisal = member(&submods, label)?;
    let cnf = member(&appraisal, "cnf")?;
    let kid = member(&cnf, "kid")?;
    json::b64u_decode(kid.as_str()?, seat_evidence::Item::Cnf).ok()
}

/// The replay key of Evidence the Relying Party did not verify itself (remote background
/// check): SHA-256 of what its signature covers, as the in-process Verifier keys it
/// ([`crate::format::VerifiedEvidence::digest`]), so the same Evidence re-wrapped (a CBOR
/// record, an RFC 9277 tag, a JSON record) is the same entry of the [`ReplayRecord`].
///
/// The token inside the CMW is a COSE_Sign1 (key: its `Sig_structure`), a JWS (key: its
/// signing input), or anything else the remote Verifier understood (key: the token's bytes,
/// unwrapped from the CMW). A CMW that does not decode as a record or tag is keyed on its
/// bytes; the Verifier's Result already vouched for it.
fn evidence_content_digest(provider: &dyn CryptoProvider, evidence: &[u8]) -> [u8; 32] {
    let token = match AnyCmw::decode(evidence) {
        Ok(AnyCmw::Cbor(Cmw::Record(r))) => r.value().to_vec(),
        Ok(AnyCmw::Cbor(Cmw::Tag(t))) => t.value().to_vec(),
        Ok(AnyCmw::Json(JsonCmw::Record(r))) => r.value().to_vec(),
        _ => return replay::digest(provider, &[evidence]),
    };
    if let Ok((msg, _)) = CoseSign1::decode(&token)
        && let Ok(tbs) = msg.tbs(&[], None)
    {
        return replay::digest(provider, &[&tbs]);
    }
    if let Ok(jws) = Jws::parse(&token) {
        return replay::digest(provider, &[jws.signing_input]);
    }
    replay::digest(provider, &[&token])
}
