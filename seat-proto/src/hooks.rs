//! The attestation boundary: the one trait through which every adapter (the blocking rustls
//! stream, the tokio adapter, OpenSSL early attestation, the conformance drivers) obtains
//! this side's Evidence and its verdicts on the peer's.
//!
//! A protocol machine ([`Session`] for post-handshake attestation,
//! the negotiation machines for early attestation) never reads Evidence: it asks for a CMW
//! bound to a binder it computed itself, and asks for a decision on the CMW the peer sent,
//! handing over the binder it recomputed locally (never the peer's). Implementations of
//! [`AttestationHooks`] answer those questions; `seat_evidence::Attester` stays the
//! platform-level producer of Evidence that such implementations use.
//!
//! An accepted appraisal yields a typed [`AttestationHooks::Accepted`] value (for the
//! embedded defaults, the Verifier's appraisal: trust vector, claims, model, binding level)
//! that the adapters keep and expose as `peer_attestation()`. A refused one yields a
//! [`Rejection`] whose [`Stage`] and reason travel into the session's error, the error
//! frame's detail and the adapters' `io::Error`.
//!
//! [`drive`] is the one loop that moves a session's actions through the hooks; [`Driver`]
//! adds the bookkeeping of typed results (the peer's latest accepted attestation, and the
//! result of each re-attestation it started). Every adapter and test driver uses them.
//!
//! # Notes on the agreed shape (issue 12)
//!
//! - [`Mechanism`] is `Copy`; [`EvidenceRequest::new`] and [`AppraisalRequest::new`] build
//!   the `#[non_exhaustive]` requests from other crates (set the remaining public fields after).
//! - In an [`AppraisalRequest`] for expat, [`Mechanism::Expat`] carries the model this side
//!   asked the peer for ([`Model::choose`] over both hellos, the rule the attester applies
//!   too), and `accepted_models` the set this side accepts: appraise the CMW as that model,
//!   never by testing the accepted set.
//! - The session adds [`Event::PeerRejected`] before [`Event::Failed`];
//!   [`Error::PeerAborted`] carries the peer's error-frame
//!   detail, so the rejected side sees the reason too.
//! - The early-attestation negotiation machines take the same `Result<(), Rejection>`
//!   ([`negotiation::Input::Verdict`](crate::negotiation::Input::Verdict)); the OpenSSL
//!   adapter calls this trait with [`Mechanism::Early`] and keeps the typed result.
//! - A re-attestation that cannot finish because the peer's data filled the adapter's bound
//!   is reported as [`ReattestPending`], without failing the connection.

use core::fmt;

use rustls_pki_types::CertificateDer;
use seat_binding::provider::HashAlgorithm;

use seat_binding::exporter::Exporter;

use crate::chain::ChainTrust;
use crate::error::Error;
use crate::remote_attestation::AttestationScheme;
use crate::session::{Action, Event, ExchangeId, Input, Session};
use crate::shim::Models;

/// One attestation model, as opposed to [`Models`], the set a side accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Model {
    /// Background check: the attester sends Evidence that the relying party's Verifier
    /// appraises (CMW `ind` 4).
    BackgroundCheck,
    /// Passport: the attester sends an Attestation Result from its Verifier (CMW `ind` 8).
    Passport,
}

impl Model {
    /// The one-model set.
    pub const fn models(self) -> Models {
        match self {
            Self::BackgroundCheck => Models::BACKGROUND_CHECK,
            Self::Passport => Models::PASSPORT,
        }
    }

    /// The model both sides of an expat connection settle on, given what the relying party
    /// requires and what the attester can do: background check when both allow it, else
    /// passport, else none. Both sides apply this same rule to the two hellos, so the relying
    /// party knows which model the attester was asked for.
    pub fn choose(required: Models, attestable: Models) -> Option<Self> {
        [Self::BackgroundCheck, Self::Passport]
            .into_iter()
            .find(|m| required.contains(m.models()) && attestable.contains(m.models()))
    }
}

impl From<Model> for Models {
    fn from(m: Model) -> Self {
        m.models()
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BackgroundCheck => "background check",
            Self::Passport => "passport",
        })
    }
}

/// Which mechanism asks, with what it needs.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mechanism<'a> {
    /// Post-handshake attestation (expat). In an [`EvidenceRequest`], the model the peer asked
    /// for (background check: Evidence; passport: an Attestation Result). In an
    /// [`AppraisalRequest`], the model this side asked the peer for ([`Model::choose`] over the
    /// two hellos): the CMW must be of that model, and the appraisal must check that it is.
    Expat {
        /// The model.
        model: Model,
    },
    /// Intra-handshake (early) attestation: the negotiated scheme.
    Early {
        /// The scheme the handshake chose.
        scheme: &'a AttestationScheme,
    },
}

/// A request for this side's attestation.
#[non_exhaustive]
#[derive(Clone, Copy, Debug)]
pub struct EvidenceRequest<'a> {
    /// The mechanism and model.
    pub mechanism: Mechanism<'a>,
    /// The exchange (`None` for early attestation).
    pub exchange: Option<ExchangeId>,
    /// The binder the Evidence must carry as its nonce, computed by this side.
    pub binder: &'a [u8],
    /// `Hash(SPKI)` of the key that signs this side's authenticator or Certificate.
    pub aik_pub_hash: &'a [u8],
    /// The current time, seconds since the Unix epoch.
    pub now: u64,
}

impl<'a> EvidenceRequest<'a> {
    /// A request (for machines outside this crate and for tests).
    pub fn new(
        mechanism: Mechanism<'a>,
        exchange: Option<ExchangeId>,
        binder: &'a [u8],
        aik_pub_hash: &'a [u8],
        now: u64,
    ) -> Self {
        Self {
            mechanism,
            exchange,
            binder,
            aik_pub_hash,
            now,
        }
    }
}

/// A request for a decision on the peer's attestation.
#[non_exhaustive]
#[derive(Clone, Copy, Debug)]
pub struct AppraisalRequest<'a> {
    /// The mechanism, and the model or scheme the peer was asked for.
    pub mechanism: Mechanism<'a>,
    /// The exchange (`None` for early attestation).
    pub exchange: Option<ExchangeId>,
    /// The CMW the peer sent.
    pub cmw: &'a [u8],
    /// The binder this side recomputed from its own exporter or transcript and the validated
    /// key, never the peer's: the Evidence must carry exactly this.
    pub binder: &'a [u8],
    /// `Hash(SPKI)` of the key that signed the peer's authenticator or Certificate.
    pub aik_pub_hash: &'a [u8],
    /// The hash the binder used.
    pub hash: HashAlgorithm,
    /// The peer's certificate chain, end entity first (may be empty for early attestation).
    pub chain: &'a [CertificateDer<'static>],
    /// How far the chain verifier trusted that chain (`None` when the TLS stack validated it).
    pub trust: Option<ChainTrust>,
    /// The request context of the exchange (empty for early attestation).
    pub context: &'a [u8],
    /// The models this side accepts.
    pub accepted_models: Models,
    /// The current time, seconds since the Unix epoch.
    pub now: u64,
}

impl<'a> AppraisalRequest<'a> {
    /// A request with an empty chain, no chain trust and no context, accepting both models
    /// (for machines outside this crate and for tests); set the other fields after.
    pub fn new(
        mechanism: Mechanism<'a>,
        exchange: Option<ExchangeId>,
        cmw: &'a [u8],
        binder: &'a [u8],
        aik_pub_hash: &'a [u8],
        hash: HashAlgorithm,
        now: u64,
    ) -> Self {
        Self {
            mechanism,
            exchange,
            cmw,
            binder,
            aik_pub_hash,
            hash,
            chain: &[],
            trust: None,
            context: &[],
            accepted_models: Models::BOTH,
            now,
        }
    }
}

/// The stage of appraisal that refused an attestation.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    /// The CMW, Evidence or Attestation Result does not decode.
    Decode,
    /// A certificate chain (endorsement, attestation key, Verifier) does not validate.
    Chain,
    /// A signature over Evidence or a result does not verify.
    Signature,
    /// The nonce or key claim is not this connection's binder or key.
    Binding,
    /// Too old, not yet valid, or expired.
    Freshness,
    /// Endorsements, reference values or other collateral are missing or refuse.
    Collateral,
    /// The relying party's policy refuses what was appraised.
    Policy,
    /// The attestation was already used.
    Replay,
    /// Anything else.
    Other,
}

impl Stage {
    /// The stage's stable snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Decode => "decode",
            Self::Chain => "chain",
            Self::Signature => "signature",
            Self::Binding => "binding",
            Self::Freshness => "freshness",
            Self::Collateral => "collateral",
            Self::Policy => "policy",
            Self::Replay => "replay",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an appraisal was refused: the stage and the Verifier's or policy's reason. Carried into
/// the session's error ([`AttestationError::Rejected`](crate::AttestationError::Rejected)),
/// the error frame's detail and the adapters' `io::Error`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rejection {
    /// The stage that refused.
    pub stage: Stage,
    /// The reason, in words (for example "a measurement is outside the reference values").
    pub reason: String,
}

impl Rejection {
    /// A rejection at `stage` for `reason`.
    pub fn new(stage: Stage, reason: impl Into<String>) -> Self {
        Self {
            stage,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} stage: {}", self.stage, self.reason)
    }
}

impl core::error::Error for Rejection {}

/// The caller's side of attestation: the Attester (for this side's Evidence) and the
/// Verifier with its policy (for the peer's). Every adapter calls it synchronously.
pub trait AttestationHooks: Send {
    /// What an accepted appraisal yields to the connection (for the embedded defaults,
    /// `seat_verify`'s typed result: trust vector, claims, model, binding level).
    type Accepted: Clone + Send + Sync + fmt::Debug + 'static;

    /// A CMW bound to `request.binder` and `request.aik_pub_hash` (Evidence, or an Attestation
    /// Result for [`Model::Passport`]), or `None` to decline: an empty authenticator for
    /// expat; for early attestation, the handshake fails.
    fn produce_evidence(&mut self, request: &EvidenceRequest<'_>) -> Option<Vec<u8>>;

    /// Appraises the peer's attestation against `request.binder` and this side's policy.
    ///
    /// # Errors
    ///
    /// The [`Rejection`] when the attestation does not meet the policy; the session fails
    /// with it.
    fn appraise(&mut self, request: &AppraisalRequest<'_>) -> Result<Self::Accepted, Rejection>;

    /// Observes an event (for logs); does nothing by default.
    fn event(&mut self, event: &Event) {
        let _ = event;
    }
}

impl<H: AttestationHooks + ?Sized> AttestationHooks for &mut H {
    type Accepted = H::Accepted;

    fn produce_evidence(&mut self, request: &EvidenceRequest<'_>) -> Option<Vec<u8>> {
        (**self).produce_evidence(request)
    }

    fn appraise(&mut self, request: &AppraisalRequest<'_>) -> Result<Self::Accepted, Rejection> {
        (**self).appraise(request)
    }

    fn event(&mut self, event: &Event) {
        (**self).event(event);
    }
}

impl<H: AttestationHooks + ?Sized> AttestationHooks for Box<H> {
    type Accepted = H::Accepted;

    fn produce_evidence(&mut self, request: &EvidenceRequest<'_>) -> Option<Vec<u8>> {
        (**self).produce_evidence(request)
    }

    fn appraise(&mut self, request: &AppraisalRequest<'_>) -> Result<Self::Accepted, Rejection> {
        (**self).appraise(request)
    }

    fn event(&mut self, event: &Event) {
        (**self).event(event);
    }
}

/// The one drive loop: answers every pending action of `session` through `hooks` until none
/// is left. Bytes for the TLS connection are appended to `send`, application bytes from the
/// peer to `deliver`; every event goes to [`AttestationHooks::event`]. Returns the typed
/// results of the peer exchanges accepted on the way, in order.
///
/// Call it after every [`Session::handle`] (or use [`Driver`], which does both and keeps the
/// results). Once the session has failed, the hooks are not asked anything more; the error
/// frame is still appended to `send`.
///
/// # Errors
///
/// The first error the session returned for an input this loop fed it (Evidence, a decline,
/// a verdict); when it is fatal, the session has failed and `send` ends with its error frame.
pub fn drive<H: AttestationHooks + ?Sized>(
    session: &mut Session,
    hooks: &mut H,
    now: u64,
    send: &mut Vec<u8>,
    deliver: &mut Vec<u8>,
) -> Result<Vec<(ExchangeId, H::Accepted)>, Error> {
    let mut accepted = Vec::new();
    let mut first_error = None;
    while let Some(action) = session.poll_action() {
        let input = match action {
            // Moved, not copied, into an empty buffer.
            Action::Send(bytes) => {
                append(send, bytes);
                continue;
            }
            Action::Deliver(bytes) => {
                append(deliver, bytes);
                continue;
            }
            Action::Event(event) => {
                hooks.event(&event);
                continue;
            }
            _ if session.is_failed() => continue,
            Action::ProduceEvidence {
                exchange,
                binder,
                aik_pub_hash,
                model,
            } => {
                let request = EvidenceRequest::new(
                    Mechanism::Expat { model },
                    Some(exchange),
                    &binder,
                    &aik_pub_hash,
                    now,
                );
                match hooks.produce_evidence(&request) {
                    Some(cmw) => Input::Evidence { exchange, cmw },
                    None => Input::Decline { exchange },
                }
            }
            Action::Appraise(appraisal) => {
                let exchange = appraisal.exchange;
                let (verdict, result) = match hooks.appraise(&appraisal.request(now)) {
                    Ok(a) => (Ok(()), Some(a)),
                    Err(rejection) => (Err(rejection), None),
                };
                match session.handle_into(Input::Verdict { exchange, verdict }, deliver) {
                    Ok(()) => accepted.extend(result.map(|a| (exchange, a))),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
                continue;
            }
        };
        if let Err(e) = session.handle_into(input, deliver) {
            first_error.get_or_insert(e);
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(accepted),
    }
}

/// Appends `bytes` to `to`, taking the vector itself when `to` is empty.
fn append(to: &mut Vec<u8>, bytes: Vec<u8>) {
    if to.is_empty() {
        *to = bytes;
    } else {
        to.extend_from_slice(&bytes);
    }
}

/// The largest number of re-attestations whose typed results a [`Driver`] holds until
/// [`Driver::take_accepted`] collects them; older ones are dropped.
pub const MAX_UNCOLLECTED: usize = 64;

/// [`drive`] with state: feeds inputs, drives the hooks, and keeps the typed result of the
/// peer's latest accepted attestation ([`peer_attestation`](Self::peer_attestation)) and of
/// each re-attestation it started until collected ([`take_accepted`](Self::take_accepted)).
///
/// Every adapter (the blocking and tokio rustls streams) and test driver is built on this.
pub struct Driver<H: AttestationHooks> {
    hooks: H,
    latest: Option<(ExchangeId, H::Accepted)>,
    waiting: Vec<ExchangeId>,
    collected: Vec<(ExchangeId, H::Accepted)>,
}

impl<H: AttestationHooks> fmt::Debug for Driver<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("latest", &self.latest)
            .field("waiting", &self.waiting)
            .finish_non_exhaustive()
    }
}

impl<H: AttestationHooks> Driver<H> {
    /// A driver answering through `hooks`.
    pub fn new(hooks: H) -> Self {
        Self {
            hooks,
            latest: None,
            waiting: Vec::new(),
            collected: Vec::new(),
        }
    }

    /// The hooks.
    pub fn hooks(&self) -> &H {
        &self.hooks
    }

    /// The hooks, mutably.
    pub fn hooks_mut(&mut self) -> &mut H {
        &mut self.hooks
    }

    /// Gives the hooks back.
    pub fn into_hooks(self) -> H {
        self.hooks
    }

    /// The typed result of the peer's latest accepted attestation, if any.
    pub fn peer_attestation(&self) -> Option<&H::Accepted> {
        self.latest.as_ref().map(|(_, a)| a)
    }

    /// The exchange of the peer's latest accepted attestation, if any.
    pub fn peer_exchange(&self) -> Option<ExchangeId> {
        self.latest.as_ref().map(|(e, _)| *e)
    }

    /// Feeds `input` to `session` ([`Session::handle_into`]: application data is appended
    /// straight to `deliver`), then [`drive`]s its actions (see there for `send` and
    /// `deliver`).
    ///
    /// # Errors
    ///
    /// The session's error for `input`, or the first one while driving. An
    /// [`Error::ApiMisuse`] for `input` leaves the session usable.
    pub fn handle(
        &mut self,
        session: &mut Session,
        input: Input<'_>,
        now: u64,
        send: &mut Vec<u8>,
        deliver: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let fed = session.handle_into(input, deliver);
        let driven = self.drain(session, now, send, deliver);
        fed.and(driven)
    }

    /// Takes the data frames at the start of `bytes` ([`Session::receive_data`]), appending
    /// their payload to `deliver`; when the peer's data was refused, [`drive`]s what that
    /// produced (the error frame and the failure; taking data produces nothing else). Returns
    /// how many bytes it took.
    ///
    /// # Errors
    ///
    /// As [`handle`](Self::handle).
    pub fn receive_data(
        &mut self,
        session: &mut Session,
        bytes: &[u8],
        now: u64,
        send: &mut Vec<u8>,
        deliver: &mut Vec<u8>,
    ) -> Result<usize, Error> {
        match session.receive_data(bytes, now, deliver) {
            Ok(taken) => Ok(taken),
            Err(e) => {
                let _ = self.drain(session, now, send, deliver);
                Err(e)
            }
        }
    }

    /// Starts a re-attestation ([`Session::reattest`]) and drives what it produced. Its typed
    /// result is kept for [`take_accepted`](Self::take_accepted) once the peer's answer is
    /// accepted.
    ///
    /// # Errors
    ///
    /// As [`Session::reattest`].
    pub fn reattest(
        &mut self,
        session: &mut Session,
        exporter: &dyn Exporter,
        now: u64,
        send: &mut Vec<u8>,
        deliver: &mut Vec<u8>,
    ) -> Result<ExchangeId, Error> {
        let started = session.reattest(exporter, now);
        let driven = self.drain(session, now, send, deliver);
        let exchange = started?;
        driven?;
        if self.waiting.len() >= MAX_UNCOLLECTED {
            self.waiting.remove(0);
        }
        self.waiting.push(exchange);
        Ok(exchange)
    }

    /// The typed result of re-attestation `exchange` once accepted (each is returned once).
    pub fn take_accepted(&mut self, exchange: ExchangeId) -> Option<H::Accepted> {
        let at = self.collected.iter().position(|(e, _)| *e == exchange)?;
        Some(self.collected.remove(at).1)
    }

    /// [`drive`]s the pending actions of `session` without a new input.
    ///
    /// # Errors
    ///
    /// As [`drive`].
    pub fn drain(
        &mut self,
        session: &mut Session,
        now: u64,
        send: &mut Vec<u8>,
        deliver: &mut Vec<u8>,
    ) -> Result<(), Error> {
        for (exchange, accepted) in drive(session, &mut self.hooks, now, send, deliver)? {
            if let Some(at) = self.waiting.iter().position(|e| *e == exchange) {
                self.waiting.remove(at);
                self.collected.push((exchange, accepted.clone()));
            }
            self.latest = Some((exchange, accepted));
        }
        Ok(())
    }
}

/// A re-attestation that could not finish because the peer's application data, which arrives
/// before its answer, filled the bound an adapter holds while waiting. The exchange goes on:
/// read the data, and its result becomes the adapter's `peer_attestation()` once accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReattestPending {
    /// The exchange still under way.
    pub exchange: ExchangeId,
    /// The application bytes waiting to be read.
    pub buffered: usize,
}

impl fmt::Display for ReattestPending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "re-attestation {:?} still under way: read the {} bytes of application data that \
             arrived first",
            self.exchange, self.buffered
        )
    }
}

impl core::error::Error for ReattestPending {}
