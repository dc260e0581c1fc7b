//! The expat session: post-handshake attestation of one TLS 1.3 connection with Exported
//! Authenticators carrying a CMW (RFC 9261, draft-fossati-seat-expat-03), over the
//! [shim framing](crate::shim).
//!
//! # Driving contract
//!
//! The session is sans-I/O. Feed it one [`Input`] at a time with [`Session::handle`], then
//! drain [`Session::poll_action`] until it returns `None` before the next `handle`:
//!
//! - [`Input::ServerFlight`] on a server, optionally, before the handshake completes, when
//!   [`Session::wants_server_flight`]: the hello and the request for the client's attestation
//!   go out in the server's first flight (TLS 0.5-RTT data), so that the client answers in
//!   the flight of its `Finished`;
//! - [`Input::ClientFlight`] on a client, optionally, before the handshake completes, when
//!   [`Session::wants_client_flight`]: its hello, and its request for the server's
//!   attestation if it requires one, go out right after its `Finished`, in the same flight;
//! - [`Input::Established`] once the TLS handshake is done, with the connection's exporter;
//! - [`Input::Received`] with the bytes read from the TLS stream;
//! - [`Input::Evidence`] with the CMW the caller's Attester produced for a
//!   [`Action::ProduceEvidence`];
//! - [`Input::Verdict`] with the decision the caller's Verifier and policy reached for an
//!   [`Action::Appraise`]: `Ok(())`, or the [`Rejection`] with its stage and reason, which
//!   becomes the session's error and the error frame's detail;
//! - [`Input::Send`] with application bytes, refused until the gate is open;
//! - [`Input::Reattest`] for a fresh exchange on the live connection (or
//!   [`Session::reattest`], which returns the [`ExchangeId`] it started; the exchange ends
//!   with [`Event::PeerAttested`], or [`Event::PeerRejected`] and [`Event::Failed`]),
//!   [`Input::Timeout`] when [`Session::poll_timeout`] is due, [`Input::PeerClosed`] when the
//!   peer closed.
//!
//! The gate ([`Session::is_open`]) stays closed until every attestation this side requires
//! has succeeded; application data is neither sent nor delivered before that. Data the peer
//! sends early is held (bounded) and delivered when the gate opens. A fatal error sends an
//! error frame with the mapped alert, reports [`Event::Failed`], and leaves the session
//! terminal: every later `handle` returns the same error. The caller then closes the TLS
//! connection with `close_notify`.
//!
//! Nothing here reads a clock or ambient randomness: `now` comes with the inputs, request
//! contexts from the caller's [`RandomSource`].

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use rustls_pki_types::CertificateDer;

use seat_binding::Secret;
use seat_binding::authenticator::{AuthenticatorKeys, Role};
use seat_binding::binder::{ExpatLabel, aik_pub_hash, expat_binding_value, expat_exported_value};
use seat_binding::exporter::Exporter;
use seat_binding::provider::{CryptoProvider, HashAlgorithm, RandomSource, SigningKey};
use seat_binding::spki::spki_from_own_certificate;

use crate::authenticator::{self, Outcome, SentRequest, Solicitation};
use crate::chain::{CertificateError, ChainTrust, ChainVerifier};
use crate::codepoints::{CodePoints, SignatureScheme};
use crate::error::{ApiMisuse, AttestationError, Error, PeerIncompatible, PeerMisbehaved};
use crate::hooks::{AppraisalRequest, Mechanism, Model, Rejection};
use crate::message::AuthenticatorRequest;
use crate::shim::{self, CmwForms, DataPiece, Deframer, Frame, Hello, Models, Piece};

/// The length of the request contexts this session draws: 32 random bytes (expat digest
/// section 3.3).
pub const CONTEXT_LEN: usize = 32;

/// The most exchanges this side may have waiting at once (each holds a context and a little
/// state); a [`Input::Reattest`] beyond it is refused. Completed exchanges are released, so
/// a connection may re-attest any number of times in sequence.
pub const MAX_EXCHANGES: usize = 1024;

/// The most exchanges the peer may have waiting for this side's Attester at once. Each costs
/// a TEE quote and a signature (in passport mode also an appraisal), so a peer that asks for
/// more while one is pending is refused: a peer without credentials cannot turn small
/// requests into many signatures. One is all the drafts need.
pub const MAX_INCOMING_PENDING: usize = 1;

/// How many request contexts (of both directions) a session remembers exactly after their
/// exchanges completed, besides the contexts of every exchange still waiting. See
/// ARCHITECTURE.md, "Long-lived connections", for why this window and the strictly
/// increasing exchange ids keep RFC 9261's uniqueness guarantee with bounded memory.
pub const CONTEXT_WINDOW: usize = 64;

/// How many exchange timeouts the gate may stay closed after the handshake: the first
/// exchange's authenticator and then its verdict each get one.
pub const GATE_TIMEOUT_EXCHANGES: u64 = 2;

/// How long after the TLS handshake validated the peer's certificate chain an authenticator
/// carrying the byte-identical chain is taken as validated by that handshake, in seconds
/// ([`SessionConfigBuilder::chain_verifier_shared_with_handshake`]): the first exchange of a
/// connection; a re-attestation later than that validates the chain in full again.
pub const MAX_HANDSHAKE_CHAIN_AGE_SECS: u64 = 60;

/// What each data frame held before the gate opens costs against
/// [`SessionConfig::max_early_data`] on top of its payload: its header, so that empty frames
/// are charged too.
pub const EARLY_FRAME_CHARGE: usize = 4;

/// What the session knows of this side's policy; built once and shared. Build it with
/// [`SessionConfig::builder`].
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct SessionConfig {
    /// The crypto provider.
    pub provider: &'static dyn CryptoProvider,
    /// The SEAT code points in use.
    pub code_points: CodePoints,
    /// The expat exporter label.
    pub label: ExpatLabel,
    /// The models this side can attest with when asked (empty: it refuses every request with
    /// an empty authenticator).
    pub attests: Models,
    /// The models this side requires of the peer (empty: the gate opens at once).
    pub requires: Models,
    /// The CMW serialisations this side accepts.
    pub cmw_forms: CmwForms,
    /// The signature schemes this side's requests offer, by preference.
    pub signature_schemes: Vec<SignatureScheme>,
    /// Certificate-path validation of the peer's authenticators.
    pub chain_verifier: Arc<dyn ChainVerifier>,
    /// The chain verifier the TLS handshake of every connection validates the peer's chain
    /// with, when the caller said so
    /// ([`SessionConfigBuilder::chain_verifier_shared_with_handshake`]). The handshake's
    /// validation is reused only while this is the very [`chain_verifier`](Self::chain_verifier)
    /// (the same object).
    pub handshake_chain_verifier: Option<Arc<dyn ChainVerifier>>,
    /// How long an exchange may wait for the peer or for the caller, in seconds.
    pub exchange_timeout_secs: u64,
    /// How many bytes of application data the peer may send before this side's gate opens,
    /// each data frame charged its payload plus [`EARLY_FRAME_CHARGE`] (and, in the stream
    /// adapters, how much they hold while a re-attestation waits).
    pub max_early_data: usize,
    /// Whether a server that requires the client's attestation sends its hello and its
    /// request in its first TLS flight ([`Input::ServerFlight`], which the adapters give it
    /// when [`Session::wants_server_flight`]), rather than after the client's `Finished`.
    /// A client with it on writes its hello, and its request for the server's attestation
    /// if it requires one, before the handshake completes ([`Input::ClientFlight`], see
    /// [`Session::wants_client_flight`]), so that they leave with its `Finished`.
    /// Default on; see [`SessionConfigBuilder::first_flight_request`].
    pub first_flight_request: bool,
}

/// The signature schemes a configuration offers unless told otherwise, by preference.
pub const DEFAULT_SIGNATURE_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::ECDSA_SECP256R1_SHA256,
    SignatureScheme::ED25519,
    SignatureScheme::ECDSA_SECP384R1_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
];

impl SessionConfig {
    /// A builder with the project's defaults: attests nothing, requires nothing, default code
    /// points, label `"Attestation"`, both CMW forms, [`DEFAULT_SIGNATURE_SCHEMES`], 30 seconds
    /// per exchange, 64 KiB of early data held.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// use seat_proto::session::SessionConfig;
    /// use seat_proto::shim::Models;
    ///
    /// // A server that attests when asked and requires nothing of the client: no chain
    /// // verifier is needed.
    /// let config = SessionConfig::builder(seat_binding::provider::default_provider())
    ///     .attests(Models::BACKGROUND_CHECK)
    ///     .build()?;
    /// assert!(config.requires.is_empty());
    /// # Ok::<(), seat_proto::session::ConfigError>(())
    /// ```
    pub fn builder(provider: &'static dyn CryptoProvider) -> SessionConfigBuilder {
        SessionConfigBuilder {
            provider,
            code_points: CodePoints::DEFAULT,
            label: ExpatLabel::Attestation,
            attests: Models::NONE,
            requires: Models::NONE,
            cmw_forms: CmwForms::BOTH,
            signature_schemes: DEFAULT_SIGNATURE_SCHEMES.to_vec(),
            chain_verifier: None,
            handshake_chain_verifier: None,
            exchange_timeout_secs: 30,
            max_early_data: 64 * 1024,
            first_flight_request: true,
        }
    }

    /// Whether a server of this configuration sends its request for the client's attestation
    /// in its first TLS flight: it requires something of the client and
    /// [`first_flight_request`](Self::first_flight_request) is on. A rustls server then needs
    /// `send_half_rtt_data` (see `rustls_glue::harden_server_config_for`).
    pub fn sends_first_flight_request(&self) -> bool {
        self.first_flight_request && !self.requires.is_empty()
    }

    fn hello(&self) -> Hello {
        Hello {
            version: shim::VERSION,
            attests: self.attests,
            requires: self.requires,
            cmw_forms: self.cmw_forms,
            cmw_attestation: self.code_points.cmw_attestation(),
            label: self.label.as_bytes().to_vec(),
        }
    }
}

/// Builds a [`SessionConfig`] with named settings; see [`SessionConfig::builder`].
#[must_use]
#[derive(Clone, Debug)]
pub struct SessionConfigBuilder {
    provider: &'static dyn CryptoProvider,
    code_points: CodePoints,
    label: ExpatLabel,
    attests: Models,
    requires: Models,
    cmw_forms: CmwForms,
    signature_schemes: Vec<SignatureScheme>,
    chain_verifier: Option<Arc<dyn ChainVerifier>>,
    handshake_chain_verifier: Option<Arc<dyn ChainVerifier>>,
    exchange_timeout_secs: u64,
    max_early_data: usize,
    first_flight_request: bool,
}

impl SessionConfigBuilder {
    /// The models this side attests with when the peer asks (default: none, every request
    /// is refused with an empty authenticator).
    pub fn attests(mut self, models: Models) -> Self {
        self.attests = models;
        self
    }

    /// The models this side requires of the peer (default: none, the gate opens at once).
    /// Requiring anything needs a [`chain_verifier`](Self::chain_verifier).
    pub fn requires(mut self, models: Models) -> Self {
        self.requires = models;
        self
    }

    /// Certificate-path validation of the peer's authenticators; needed only when this side
    /// [`requires`](Self::requires) attestation.
    pub fn chain_verifier(mut self, verifier: Arc<dyn ChainVerifier>) -> Self {
        self.chain_verifier = Some(verifier);
        self.handshake_chain_verifier = None;
        self
    }

    /// As [`chain_verifier`](Self::chain_verifier), for a verifier the TLS handshake of every
    /// connection of this configuration also validates the peer's certificate chain with,
    /// accepting only [`ChainTrust::Anchored`] (with rustls:
    /// `seat_proto::rustls_glue::TlsChainVerifier` around this same `Arc`). Then, once told
    /// the chain the handshake validated ([`Session::handshake_peer_chain`], which the stream
    /// adapters call), a session takes an authenticator of the peer carrying that
    /// byte-identical chain, within [`MAX_HANDSHAKE_CHAIN_AGE_SECS`] of the handshake, as
    /// validated, instead of validating it again; any other chain is validated in full.
    /// ARCHITECTURE.md, "Chain validation reused from the handshake", gives the argument.
    ///
    /// Only for a verifier the handshake really uses: a session told so wrongly would take a
    /// chain as anchored that nothing validated.
    pub fn chain_verifier_shared_with_handshake(
        mut self,
        verifier: Arc<dyn ChainVerifier>,
    ) -> Self {
        self.handshake_chain_verifier = Some(Arc::clone(&verifier));
        self.chain_verifier = Some(verifier);
        self
    }

    /// The SEAT code points (default: [`CodePoints::DEFAULT`]).
    pub fn code_points(mut self, code_points: CodePoints) -> Self {
        self.code_points = code_points;
        self
    }

    /// The expat exporter label (default: `"Attestation"`).
    pub fn label(mut self, label: ExpatLabel) -> Self {
        self.label = label;
        self
    }

    /// The CMW serialisations this side accepts (default: both).
    pub fn cmw_forms(mut self, forms: CmwForms) -> Self {
        self.cmw_forms = forms;
        self
    }

    /// The signature schemes this side's requests offer, by preference (default:
    /// [`DEFAULT_SIGNATURE_SCHEMES`]).
    pub fn signature_schemes(mut self, schemes: Vec<SignatureScheme>) -> Self {
        self.signature_schemes = schemes;
        self
    }

    /// How long an exchange may wait for the peer or for the caller, in seconds (default 30).
    pub fn exchange_timeout_secs(mut self, secs: u64) -> Self {
        self.exchange_timeout_secs = secs;
        self
    }

    /// How many bytes of application data the peer may send before the gate opens (default
    /// 64 KiB).
    pub fn max_early_data(mut self, bytes: usize) -> Self {
        self.max_early_data = bytes;
        self
    }

    /// Whether a server that requires the client's attestation sends its hello and its
    /// request in its first TLS flight, after its `Finished` and before the client's (TLS
    /// 0.5-RTT data, RFC 8446 section 4.4.4), so that the client's authenticator leaves with
    /// the client's `Finished` (default: on). Off, the request leaves after the client's
    /// `Finished` was verified, one flight later. Either way the server builds no
    /// authenticator and accepts no application data before the client's `Finished`; the
    /// request carries no secret. On a client it decides whether the client's hello, and its
    /// request for the server's attestation, are written before its handshake completes
    /// ([`Input::ClientFlight`]) and leave with its `Finished`, rather than right after it.
    /// Clients answer a request whenever it comes. ARCHITECTURE.md, "Round trips: the
    /// server's request in its first flight".
    pub fn first_flight_request(mut self, on: bool) -> Self {
        self.first_flight_request = on;
        self
    }

    /// The configuration.
    ///
    /// # Errors
    ///
    /// [`ConfigError::ChainVerifierRequired`] when something is required of the peer but no
    /// chain verifier was given; [`ConfigError::NoSignatureSchemes`] when requests would offer
    /// no scheme.
    pub fn build(self) -> Result<SessionConfig, ConfigError> {
        let chain_verifier = match self.chain_verifier {
            Some(v) => v,
            None if self.requires.is_empty() => Arc::new(NoPeerChains),
            None => return Err(ConfigError::ChainVerifierRequired),
        };
        if !self.requires.is_empty() && self.signature_schemes.is_empty() {
            return Err(ConfigError::NoSignatureSchemes);
        }
        Ok(SessionConfig {
            provider: self.provider,
            code_points: self.code_points,
            label: self.label,
            attests: self.attests,
            requires: self.requires,
            cmw_forms: self.cmw_forms,
            signature_schemes: self.signature_schemes,
            chain_verifier,
            handshake_chain_verifier: self.handshake_chain_verifier,
            exchange_timeout_secs: self.exchange_timeout_secs,
            max_early_data: self.max_early_data,
            first_flight_request: self.first_flight_request,
        })
    }
}

/// Why a [`SessionConfigBuilder`] refused to build.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// Attestation is required of the peer, whose authenticators then need certificate-path
    /// validation: give a chain verifier.
    ChainVerifierRequired,
    /// Attestation is required of the peer, but the requests would offer no signature scheme.
    NoSignatureSchemes,
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::ChainVerifierRequired => {
                "attestation is required of the peer: give a chain verifier for its authenticators"
            }
            Self::NoSignatureSchemes => {
                "attestation is required of the peer: give at least one signature scheme"
            }
        })
    }
}

impl core::error::Error for ConfigError {}

/// The chain verifier of a side that requires nothing of its peer: it never sends a request,
/// so never validates an authenticator; should it be asked, it refuses.
#[derive(Debug)]
struct NoPeerChains;

impl ChainVerifier for NoPeerChains {
    fn verify_chain(
        &self,
        _end_entity: &[u8],
        _intermediates: &[&[u8]],
        _now_unix_secs: u64,
    ) -> Result<ChainTrust, CertificateError> {
        Err(CertificateError::UnknownIssuer)
    }
}

/// The peer's certificate chain as the TLS handshake of this connection validated it: the
/// SHA-256 of the length-prefixed certificates, and when.
#[derive(Clone, Copy, Debug)]
struct HandshakeChain {
    digest: [u8; 32],
    validated_at: u64,
}

/// SHA-256 over each certificate of a chain, end entity first, each preceded by its length
/// (four bytes, big-endian), so that no two chains share a digest input.
fn chain_digest(
    provider: &'static dyn CryptoProvider,
    end_entity: &[u8],
    intermediates: &[&[u8]],
) -> [u8; 32] {
    let certs = core::iter::once(end_entity).chain(intermediates.iter().copied());
    let lengths: Vec<[u8; 4]> = certs
        .clone()
        .map(|c| u32::try_from(c.len()).unwrap_or(u32::MAX).to_be_bytes())
        .collect();
    let mut parts: Vec<&[u8]> = Vec::with_capacity(lengths.len() * 2);
    for (len, cert) in lengths.iter().zip(certs) {
        parts.push(len);
        parts.push(cert);
    }
    let digest = provider.hash(HashAlgorithm::Sha256, &parts);
    let mut out = [0u8; 32];
    if let Some(bytes) = digest.as_bytes().get(..32) {
        out.copy_from_slice(bytes);
    }
    out
}

/// The session's chain verifier, except for the chain the TLS handshake of this connection
/// validated with that same verifier moments ago: that one, byte-identical and within
/// [`MAX_HANDSHAKE_CHAIN_AGE_SECS`], is taken as anchored without validating it again.
#[derive(Debug)]
struct HandshakeValidated<'a> {
    inner: &'a dyn ChainVerifier,
    handshake: HandshakeChain,
    provider: &'static dyn CryptoProvider,
}

impl ChainVerifier for HandshakeValidated<'_> {
    fn verify_chain(
        &self,
        end_entity: &[u8],
        intermediates: &[&[u8]],
        now_unix_secs: u64,
    ) -> Result<ChainTrust, CertificateError> {
        let fresh = now_unix_secs
            .checked_sub(self.handshake.validated_at)
            .is_some_and(|age| age <= MAX_HANDSHAKE_CHAIN_AGE_SECS);
        if fresh && chain_digest(self.provider, end_entity, intermediates) == self.handshake.digest
        {
            return Ok(ChainTrust::Anchored);
        }
        self.inner
            .verify_chain(end_entity, intermediates, now_unix_secs)
    }
}

/// The certificate chain and key this side signs its authenticators with: the AIK, whose key
/// the Evidence binds (for anonymous client attestation, minted by the TEE under a
/// self-signed certificate).
#[derive(Clone, Debug)]
pub struct Credential {
    /// DER certificates, end entity first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The end entity's private key, shared: one credential may serve many connections.
    pub key: Arc<dyn SigningKey>,
}

/// Which exchange an action or input is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExchangeId {
    /// An exchange this side requested: the peer attests.
    Outgoing(u32),
    /// An exchange the peer requested: this side attests.
    Incoming(u32),
}

/// What the caller must appraise.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appraisal {
    /// The exchange.
    pub exchange: ExchangeId,
    /// The CMW the peer sent.
    pub cmw: Vec<u8>,
    /// The binder this side recomputed from its own exporter and the validated key:
    /// `Hash(SPKI || TLS-Exporter(label, context, 32))`. The Evidence must carry exactly this.
    pub binder: Vec<u8>,
    /// `Hash(SPKI)` of the key that signed the authenticator.
    pub aik_pub_hash: Vec<u8>,
    /// The hash the binder used.
    pub hash: HashAlgorithm,
    /// The authenticator's certificate chain, end entity first.
    pub chain: Vec<CertificateDer<'static>>,
    /// How far the chain verifier trusted that chain.
    pub trust: ChainTrust,
    /// The request context of the exchange.
    pub context: Vec<u8>,
    /// The models this side accepts.
    pub models: Models,
    /// The model this side asked the peer for ([`Model::choose`] over the two hellos, the
    /// rule the peer applies too): the CMW must be of this model.
    pub model: Model,
}

impl Appraisal {
    /// The request [`AttestationHooks::appraise`](crate::hooks::AttestationHooks::appraise)
    /// answers for this appraisal at time `now`.
    pub fn request(&self, now: u64) -> AppraisalRequest<'_> {
        let mut request = AppraisalRequest::new(
            Mechanism::Expat { model: self.model },
            Some(self.exchange),
            &self.cmw,
            &self.binder,
            &self.aik_pub_hash,
            self.hash,
            now,
        );
        request.chain = &self.chain;
        request.trust = Some(self.trust);
        request.context = &self.context;
        request.accepted_models = self.models;
        request
    }
}

/// Something that happened, for the caller to act on or log.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The peer attested and the caller accepted it: the exchange is complete.
    PeerAttested {
        /// The exchange.
        exchange: ExchangeId,
    },
    /// The caller rejected the peer's attestation; [`Event::Failed`] follows.
    PeerRejected {
        /// The exchange.
        exchange: ExchangeId,
        /// The stage and reason.
        rejection: Rejection,
    },
    /// This side answered the peer's request with an authenticator.
    Answered {
        /// The exchange.
        exchange: ExchangeId,
        /// Whether the answer carried a CMW (false: an empty authenticator, a refusal).
        attested: bool,
    },
    /// The gate opened: application data may flow.
    Open,
    /// The session failed; it is terminal.
    Failed {
        /// What went wrong.
        error: Error,
    },
}

/// What the caller must do next.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Write these bytes to the TLS connection.
    Send(Vec<u8>),
    /// Ask the Attester for a CMW whose Evidence carries `binder` as its nonce and
    /// `aik_pub_hash` as its key claim, then feed it back with [`Input::Evidence`] (or
    /// [`Input::Decline`]).
    ProduceEvidence {
        /// The exchange.
        exchange: ExchangeId,
        /// The binder of this exchange.
        binder: Vec<u8>,
        /// The hash of this side's AIK SPKI.
        aik_pub_hash: Vec<u8>,
        /// The model the peer wants: Evidence (background check) or an Attestation Result
        /// (passport).
        model: Model,
    },
    /// Appraise the peer's attestation and feed the decision back with [`Input::Verdict`].
    Appraise(Box<Appraisal>),
    /// Application bytes from the peer.
    Deliver(Vec<u8>),
    /// Something happened.
    Event(Event),
}

/// One input to the session.
#[non_exhaustive]
pub enum Input<'a> {
    /// A server's first TLS flight is being written: send the hello and the request for the
    /// client's attestation with it (valid once, on a server whose configuration
    /// [`sends_first_flight_request`](SessionConfig::sends_first_flight_request), before
    /// [`Input::Established`]; see [`Session::wants_server_flight`]). Nothing it sends needs
    /// the exporter or carries a secret; the request becomes this side's first exchange, its
    /// exporter value taken at [`Input::Established`].
    ServerFlight {
        /// The current time (the request's deadline runs from it).
        now: u64,
    },
    /// A client's TLS handshake has not completed yet, and what it writes now leaves right
    /// after its `Finished` (rustls holds it until then): send the hello and, when the
    /// configuration requires the server's attestation, the request for it (valid once, on a
    /// client whose configuration has
    /// [`first_flight_request`](SessionConfig::first_flight_request) on, before
    /// [`Input::Established`]; see [`Session::wants_client_flight`]). As for
    /// [`Input::ServerFlight`], nothing it sends needs the exporter or carries a secret.
    ClientFlight {
        /// The current time (the request's deadline runs from it).
        now: u64,
    },
    /// The TLS handshake completed.
    Established {
        /// The connection's exporter.
        exporter: &'a dyn Exporter,
        /// The current time, seconds since the Unix epoch.
        now: u64,
    },
    /// Bytes read from the TLS connection.
    Received {
        /// The bytes.
        bytes: &'a [u8],
        /// The connection's exporter.
        exporter: &'a dyn Exporter,
        /// The current time.
        now: u64,
    },
    /// The CMW for an [`Action::ProduceEvidence`].
    Evidence {
        /// The exchange.
        exchange: ExchangeId,
        /// The CMW bytes.
        cmw: Vec<u8>,
    },
    /// The caller will not attest for this exchange: answer with an empty authenticator.
    Decline {
        /// The exchange.
        exchange: ExchangeId,
    },
    /// The decision for an [`Action::Appraise`]: `Ok(())` to accept, or why not (the session
    /// then fails with [`AttestationError::Rejected`]).
    Verdict {
        /// The exchange.
        exchange: ExchangeId,
        /// The decision.
        verdict: Result<(), Rejection>,
    },
    /// Application bytes to send; refused while the gate is closed.
    Send(&'a [u8]),
    /// Ask the peer to attest again with a fresh context.
    Reattest {
        /// The connection's exporter.
        exporter: &'a dyn Exporter,
        /// The current time.
        now: u64,
    },
    /// Time passed; fails the session if an exchange is overdue.
    Timeout {
        /// The current time.
        now: u64,
    },
    /// The peer closed the connection.
    PeerClosed,
}

impl core::fmt::Debug for Input<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::ServerFlight { now } => write!(f, "ServerFlight {{ now: {now} }}"),
            Self::ClientFlight { now } => write!(f, "ClientFlight {{ now: {now} }}"),
            Self::Established { now, .. } => write!(f, "Established {{ now: {now} }}"),
            Self::Received { bytes, now, .. } => {
                write!(f, "Received {{ {} bytes, now: {now} }}", bytes.len())
            }
            Self::Evidence { exchange, cmw } => {
                write!(f, "Evidence {{ {exchange:?}, {} bytes }}", cmw.len())
            }
            Self::Decline { exchange } => write!(f, "Decline {{ {exchange:?} }}"),
            Self::Verdict { exchange, verdict } => {
                write!(f, "Verdict {{ {exchange:?}, {verdict:?} }}")
            }
            Self::Send(b) => write!(f, "Send({} bytes)", b.len()),
            Self::Reattest { now, .. } => write!(f, "Reattest {{ now: {now} }}"),
            Self::Timeout { now } => write!(f, "Timeout {{ now: {now} }}"),
            Self::PeerClosed => f.write_str("PeerClosed"),
        }
    }
}

/// Where application bytes from the peer go: queued as [`Action::Deliver`], or appended to a
/// buffer the caller lent ([`Session::handle_into`]).
enum Deliver<'a> {
    Queue,
    Lent(&'a mut Vec<u8>),
}

impl Deliver<'_> {
    /// Delivers a copy of `bytes` (not empty); queued, it joins a delivery queued last.
    fn copy(&mut self, actions: &mut VecDeque<Action>, bytes: &[u8]) {
        match self {
            Self::Lent(to) => to.extend_from_slice(bytes),
            Self::Queue => match actions.back_mut() {
                Some(Action::Deliver(last)) => last.extend_from_slice(bytes),
                _ => actions.push_back(Action::Deliver(bytes.to_vec())),
            },
        }
    }

    /// Delivers `bytes`, moved when it can be.
    fn take(&mut self, actions: &mut VecDeque<Action>, bytes: Vec<u8>) {
        match self {
            _ if bytes.is_empty() => {}
            Self::Lent(to) if to.is_empty() => **to = bytes,
            Self::Lent(to) => to.extend_from_slice(&bytes),
            Self::Queue => actions.push_back(Action::Deliver(bytes)),
        }
    }
}

/// The data frames carrying one write ([`Session::data_frames`]): each a header and a chunk
/// of the data, in order.
#[derive(Clone, Debug)]
pub struct DataFrames<'d> {
    chunks: core::slice::Chunks<'d, u8>,
}

impl<'d> Iterator for DataFrames<'d> {
    type Item = ([u8; 4], &'d [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let chunk = self.chunks.next()?;
        Some((shim::data_frame_header(chunk.len()), chunk))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

impl ExactSizeIterator for DataFrames<'_> {}

/// An exchange this side requested, waiting for the peer; released once complete.
#[derive(Debug)]
enum Outgoing {
    /// Request sent; waiting for the authenticator.
    ExpectAuthenticator {
        request: SentRequest,
        exported_value: Secret,
        deadline: u64,
    },
    /// Authenticator validated; waiting for the caller's verdict.
    ExpectVerdict { context: Vec<u8>, deadline: u64 },
}

impl Outgoing {
    fn deadline(&self) -> u64 {
        match self {
            Self::ExpectAuthenticator { deadline, .. } | Self::ExpectVerdict { deadline, .. } => {
                *deadline
            }
        }
    }

    fn context(&self) -> &[u8] {
        match self {
            Self::ExpectAuthenticator { request, .. } => request.request().context().as_bytes(),
            Self::ExpectVerdict { context, .. } => context,
        }
    }
}

/// An exchange the peer requested, waiting for this side's Attester; released once answered.
#[derive(Debug)]
struct Incoming {
    request: SentRequest,
    deadline: u64,
}

/// The request a server sent in its first TLS flight, before the handshake completed
/// ([`Input::ServerFlight`]); at [`Input::Established`] it becomes exchange
/// [`FIRST_EXCHANGE`], waiting for the client's authenticator.
#[derive(Debug)]
struct FirstFlightRequest {
    request: SentRequest,
    sent_at: u64,
}

/// The id of the first exchange each side starts; ids only grow from there.
const FIRST_EXCHANGE: u32 = 1;

/// The state after the handshake.
struct Running {
    /// This side's RFC 9261 keys, derived from the exporter when the peer's first request
    /// arrives (a side that is never asked never derives them).
    own_keys: Option<AuthenticatorKeys>,
    /// The peer's, derived when its first authenticator arrives.
    peer_keys: Option<AuthenticatorKeys>,
    hash: HashAlgorithm,
    own_spki: Option<Vec<u8>>,
    deframer: Deframer,
    peer_hello: Option<Hello>,
    /// The contexts of the last [`CONTEXT_WINDOW`] exchanges started, both directions.
    recent_contexts: VecDeque<Vec<u8>>,
    /// Exchanges this side requested that are still waiting.
    outgoing: BTreeMap<u32, Outgoing>,
    /// Exchanges the peer requested that are still waiting.
    incoming: BTreeMap<u32, Incoming>,
    /// The id of this side's next request; ids only grow.
    next_exchange: u32,
    /// The lowest id the peer's next request may carry; the peer's ids only grow.
    peer_next_exchange: u64,
    open: bool,
    /// When the gate must have opened; `None` once it has.
    gate_deadline: Option<u64>,
    /// Data held until the gate opens, and what it was charged.
    early_data: Vec<u8>,
    early_data_charged: usize,
}

impl Running {
    /// Whether `context` was used by an exchange still waiting, or by one of the last
    /// [`CONTEXT_WINDOW`] exchanges.
    fn context_seen(&self, context: &[u8]) -> bool {
        self.recent_contexts.iter().any(|c| c == context)
            || self.outgoing.values().any(|e| e.context() == context)
            || self
                .incoming
                .values()
                .any(|e| e.request.request().context().as_bytes() == context)
    }

    fn remember_context(&mut self, context: Vec<u8>) {
        if self.recent_contexts.len() >= CONTEXT_WINDOW {
            self.recent_contexts.pop_front();
        }
        self.recent_contexts.push_back(context);
    }

    /// Releases what an idle session does not need, once an exchange completed: a `BTreeMap`
    /// keeps its node (room for eleven exchanges, over a kilobyte) after its last exchange is
    /// removed.
    fn release_idle(&mut self) {
        if self.outgoing.is_empty() {
            self.outgoing = BTreeMap::new();
        }
        if self.incoming.is_empty() {
            self.incoming = BTreeMap::new();
        }
    }

    /// The earliest deadline: of a waiting exchange, or of the gate.
    fn next_deadline(&self) -> Option<u64> {
        let out = self.outgoing.values().map(Outgoing::deadline);
        let inc = self.incoming.values().map(|e| e.deadline);
        out.chain(inc).chain(self.gate_deadline).min()
    }

    /// Fails with the overdue exchange's error if a deadline passed at `now`.
    fn check_deadlines(&self, now: u64) -> Result<(), Error> {
        // Nothing waits on an open connection between exchanges (every received record of
        // data passes here).
        if self.outgoing.is_empty() && self.incoming.is_empty() && self.gate_deadline.is_none() {
            return Ok(());
        }
        for e in self.outgoing.values() {
            match e {
                Outgoing::ExpectAuthenticator { deadline, .. } if *deadline <= now => {
                    return Err(AttestationError::PeerTimeout.into());
                }
                Outgoing::ExpectVerdict { deadline, .. } if *deadline <= now => {
                    return Err(AttestationError::VerdictTimeout.into());
                }
                _ => {}
            }
        }
        if self.incoming.values().any(|e| e.deadline <= now) {
            return Err(AttestationError::EvidenceTimeout.into());
        }
        if self.gate_deadline.is_some_and(|d| d <= now) {
            return Err(AttestationError::PeerTimeout.into());
        }
        Ok(())
    }
}

enum State {
    /// Waiting for the TLS handshake.
    ExpectEstablished,
    /// Attesting and, once the gate opens, carrying data.
    Running(Box<Running>),
    /// Terminal.
    Failed(Error),
}

/// The expat session of one TLS 1.3 connection. See the [module documentation](self).
pub struct Session {
    config: Arc<SessionConfig>,
    role: Role,
    credential: Option<Credential>,
    rng: Box<dyn RandomSource + Send>,
    state: State,
    actions: VecDeque<Action>,
    /// The peer chain the TLS handshake validated with the session's own chain verifier.
    handshake_chain: Option<HandshakeChain>,
    /// The request sent in the server's first flight, until [`Input::Established`] adopts it
    /// (boxed: a session without one pays a pointer).
    first_flight: Option<Box<FirstFlightRequest>>,
    /// Whether [`Input::ServerFlight`] or [`Input::ClientFlight`] was accepted (it is
    /// accepted once): the hello went.
    first_flight_sent: bool,
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("role", &self.role)
            .field("open", &self.is_open())
            .field("failed", &matches!(self.state, State::Failed(_)))
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session for the TLS `role` of this side, before the handshake completes.
    ///
    /// `credential` is what this side signs its authenticators with (needed only if it
    /// attests); `rng` draws request contexts.
    pub fn new(
        config: Arc<SessionConfig>,
        role: Role,
        credential: Option<Credential>,
        rng: Box<dyn RandomSource + Send>,
    ) -> Self {
        Self {
            config,
            role,
            credential,
            rng,
            state: State::ExpectEstablished,
            actions: VecDeque::new(),
            handshake_chain: None,
            first_flight: None,
            first_flight_sent: false,
        }
    }

    /// Whether the adapter should give this session [`Input::ServerFlight`] while its TLS
    /// server writes its first flight: a server whose configuration
    /// [`sends_first_flight_request`](SessionConfig::sends_first_flight_request), before the
    /// handshake completed, that has not sent it yet.
    pub fn wants_server_flight(&self) -> bool {
        self.role == Role::Server
            && self.config.sends_first_flight_request()
            && matches!(self.state, State::ExpectEstablished)
            && !self.first_flight_sent
    }

    /// Whether the adapter should give this session [`Input::ClientFlight`] before its TLS
    /// client's handshake completes: a client whose configuration has
    /// [`first_flight_request`](SessionConfig::first_flight_request) on, before the
    /// handshake completed, that has not sent it yet.
    pub fn wants_client_flight(&self) -> bool {
        self.role == Role::Client
            && self.config.first_flight_request
            && matches!(self.state, State::ExpectEstablished)
            && !self.first_flight_sent
    }

    /// Tells the session the certificate chain (end entity first) that the TLS handshake of
    /// this connection validated for the peer at `now`, before [`Input::Established`] (with
    /// rustls: `peer_certificates()`; the stream adapters call this). It counts only when the
    /// configuration's chain verifier is the one the handshake validates with
    /// ([`SessionConfigBuilder::chain_verifier_shared_with_handshake`]); otherwise, and after
    /// the handshake was reported, it does nothing.
    pub fn handshake_peer_chain<C: AsRef<[u8]>>(&mut self, chain: &[C], now: u64) {
        let shared = self
            .config
            .handshake_chain_verifier
            .as_ref()
            .is_some_and(|h| {
                core::ptr::addr_eq(Arc::as_ptr(h), Arc::as_ptr(&self.config.chain_verifier))
            });
        if !shared || !matches!(self.state, State::ExpectEstablished) {
            return;
        }
        let Some((end_entity, rest)) = chain.split_first() else {
            return;
        };
        let intermediates: Vec<&[u8]> = rest.iter().map(AsRef::as_ref).collect();
        self.handshake_chain = Some(HandshakeChain {
            digest: chain_digest(self.config.provider, end_entity.as_ref(), &intermediates),
            validated_at: now,
        });
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Whether application data may flow: every attestation this side requires has
    /// succeeded, and the session has not failed.
    pub fn is_open(&self) -> bool {
        matches!(&self.state, State::Running(r) if r.open)
    }

    /// Whether the session has failed.
    pub fn is_failed(&self) -> bool {
        matches!(self.state, State::Failed(_))
    }

    /// The next action, or `None` when there is nothing to do until the next input.
    pub fn poll_action(&mut self) -> Option<Action> {
        let action = self.actions.pop_front();
        // Drained after a burst (an exchange queues several actions): an idle session keeps
        // no queue beyond the one or two slots the data path uses.
        if action.is_none() && self.actions.capacity() > 2 {
            self.actions = VecDeque::new();
        }
        action
    }

    /// The earliest deadline of a pending exchange, or of the gate while it is closed, for
    /// [`Input::Timeout`]. Every input that carries the time checks the deadlines too.
    pub fn poll_timeout(&self) -> Option<u64> {
        let State::Running(r) = &self.state else {
            return None;
        };
        r.next_deadline()
    }

    /// Feeds one input; drain [`poll_action`](Self::poll_action) afterwards.
    ///
    /// # Errors
    ///
    /// [`Error::ApiMisuse`] for an input that makes no sense now (data while the gate is
    /// closed, an unknown exchange); the session stays usable. Any other error is fatal: the
    /// error frame and [`Event::Failed`] are queued, and the session is terminal.
    pub fn handle(&mut self, input: Input<'_>) -> Result<(), Error> {
        self.guarded(|s| s.dispatch(input, &mut Deliver::Queue))
    }

    /// As [`handle`](Self::handle), with the application bytes this input releases appended
    /// to `deliver`, a buffer the caller lends (quinn's `poll_transmit(&mut Vec<u8>)` shape),
    /// instead of queued as [`Action::Deliver`]: data frames are decoded straight from the
    /// received bytes and their payload copied once, into `deliver`; only a partial header or
    /// a partial frame of another type is buffered. Bytes the peer sent before the gate opened
    /// are held as with [`handle`](Self::handle) and appended once it opens.
    ///
    /// # Errors
    ///
    /// As [`handle`](Self::handle).
    pub fn handle_into(&mut self, input: Input<'_>, deliver: &mut Vec<u8>) -> Result<(), Error> {
        self.guarded(|s| s.dispatch(input, &mut Deliver::Lent(deliver)))
    }

    /// Takes the data frames at the start of `bytes`, received from the peer, without an
    /// exporter: their payload is appended to `deliver` (held, bounded, while the gate is
    /// closed, as for [`Input::Received`]). Stops before a frame of another type, or when a
    /// partial frame is buffered, and returns how many bytes of `bytes` it took; feed the rest
    /// with [`Input::Received`]. The stream adapters read rustls's plaintext in place with it.
    /// It queues actions only when it fails (the error frame and [`Event::Failed`]).
    ///
    /// # Errors
    ///
    /// As [`handle`](Self::handle) for [`Input::Received`] (a fatal error queues the error
    /// frame and [`Event::Failed`]: drain [`poll_action`](Self::poll_action)).
    pub fn receive_data(
        &mut self,
        bytes: &[u8],
        now: u64,
        deliver: &mut Vec<u8>,
    ) -> Result<usize, Error> {
        self.guarded(|s| s.take_data(bytes, now, &mut Deliver::Lent(deliver)))
    }

    /// The data frames that carry `data`, for a caller that writes them itself: each item is a
    /// frame's header and its payload, a chunk of `data` of at most
    /// [`MAX_DATA_CHUNK`](shim::MAX_DATA_CHUNK) bytes (none for empty `data`). Written in order,
    /// the headers and chunks are exactly what [`Input::Send`] would queue, without copying
    /// `data` into a frame first (for example one vectored write into the TLS connection).
    /// Everything the session queued before must be written first.
    ///
    /// # Errors
    ///
    /// [`ApiMisuse::GateClosed`] while the gate is closed (before the handshake too, as for
    /// [`Input::Send`]), the session's error once it failed.
    pub fn data_frames<'d>(&self, data: &'d [u8]) -> Result<DataFrames<'d>, Error> {
        match &self.state {
            State::Failed(e) => Err(e.clone()),
            State::Running(r) if r.open => Ok(DataFrames {
                chunks: data.chunks(shim::MAX_DATA_CHUNK),
            }),
            State::Running(_) | State::ExpectEstablished => Err(ApiMisuse::GateClosed.into()),
        }
    }

    /// Asks the peer to attest again with a fresh context (expat-03 section 7), like
    /// [`Input::Reattest`], and returns the exchange it started. The exchange ends with
    /// [`Event::PeerAttested`] carrying this id, or with [`Event::PeerRejected`] and
    /// [`Event::Failed`]; drain [`poll_action`](Self::poll_action) afterwards.
    ///
    /// # Errors
    ///
    /// As [`handle`](Self::handle); [`ApiMisuse::NothingToReattest`] when this side requires
    /// nothing of the peer or the peer's hello has not arrived.
    pub fn reattest(&mut self, exporter: &dyn Exporter, now: u64) -> Result<ExchangeId, Error> {
        self.guarded(|s| s.start_reattest(exporter, now))
    }

    /// Runs `f` unless the session has failed, and makes any error but API misuse fatal.
    fn guarded<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, Error>) -> Result<T, Error> {
        if let State::Failed(e) = &self.state {
            return Err(e.clone());
        }
        match f(self) {
            Ok(t) => Ok(t),
            Err(e @ Error::ApiMisuse(_)) => Err(e),
            Err(e) => {
                self.fail(e.clone());
                Err(e)
            }
        }
    }

    fn start_reattest(&mut self, exporter: &dyn Exporter, now: u64) -> Result<ExchangeId, Error> {
        let r = self.running()?;
        r.check_deadlines(now)?;
        if r.peer_hello.is_none() || self.config.requires.is_empty() {
            return Err(ApiMisuse::NothingToReattest.into());
        }
        self.send_request(exporter, now)
    }

    fn fail(&mut self, error: Error) {
        if !matches!(
            error,
            Error::PeerAborted { .. } | Error::Attestation(AttestationError::PeerClosed)
        ) {
            let frame = Frame::Error {
                alert: error.alert(&self.config.code_points),
                reason: error.reason_code(),
                detail: error.to_string(),
            };
            if let Ok(bytes) = frame.to_vec() {
                self.actions.push_back(Action::Send(bytes));
            }
        }
        self.actions.push_back(Action::Event(Event::Failed {
            error: error.clone(),
        }));
        self.state = State::Failed(error);
    }

    fn running(&mut self) -> Result<&mut Running, Error> {
        match &mut self.state {
            State::Running(r) => Ok(r),
            _ => Err(ApiMisuse::NotEstablished.into()),
        }
    }

    fn send_frame(&mut self, frame: &Frame) -> Result<(), Error> {
        let bytes = frame.to_vec()?;
        self.actions.push_back(Action::Send(bytes));
        Ok(())
    }

    fn dispatch(&mut self, input: Input<'_>, deliver: &mut Deliver<'_>) -> Result<(), Error> {
        match input {
            Input::ServerFlight { now } => self.handle_server_flight(now),
            Input::ClientFlight { now } => self.handle_client_flight(now),
            Input::Established { exporter, now } => self.handle_established(exporter, now),
            Input::Received {
                bytes,
                exporter,
                now,
            } => self.handle_received(bytes, exporter, now, deliver),
            Input::Evidence { exchange, cmw } => self.answer(exchange, Some(&cmw)),
            Input::Decline { exchange } => self.answer(exchange, None),
            Input::Verdict { exchange, verdict } => self.handle_verdict(exchange, verdict, deliver),
            Input::Send(bytes) => self.handle_send(bytes),
            Input::Reattest { exporter, now } => self.start_reattest(exporter, now).map(|_| ()),
            Input::Timeout { now } => self.handle_timeout(now),
            Input::PeerClosed => self.handle_peer_closed(),
        }
    }

    /// The hello and the request for the client's attestation, in the server's first flight.
    /// The context is drawn and the request encoded exactly as [`send_request`]'s; only its
    /// exporter value waits for [`Input::Established`].
    ///
    /// [`send_request`]: Self::send_request
    fn handle_server_flight(&mut self, now: u64) -> Result<(), Error> {
        if !matches!(self.state, State::ExpectEstablished) {
            return Err(ApiMisuse::AlreadyEstablished.into());
        }
        if !self.wants_server_flight() {
            return Err(ApiMisuse::NoServerFlight.into());
        }
        self.queue_first_flight(now)
    }

    /// The hello and, when something is required of the server, the request for its
    /// attestation, ahead of [`Input::Established`]; as [`handle_server_flight`], only the
    /// request's exporter value waits for it.
    ///
    /// [`handle_server_flight`]: Self::handle_server_flight
    fn handle_client_flight(&mut self, now: u64) -> Result<(), Error> {
        if !matches!(self.state, State::ExpectEstablished) {
            return Err(ApiMisuse::AlreadyEstablished.into());
        }
        if !self.wants_client_flight() {
            return Err(ApiMisuse::NoClientFlight.into());
        }
        self.queue_first_flight(now)
    }

    /// Queues this side's first flight: the hello and, when the configuration requires
    /// something of the peer, the request for it (exchange [`FIRST_EXCHANGE`]), its context
    /// drawn and the request encoded exactly as [`send_request`](Self::send_request)'s.
    fn queue_first_flight(&mut self, now: u64) -> Result<(), Error> {
        let config = Arc::clone(&self.config);
        let hello = Frame::Hello(config.hello()).to_vec()?;
        let ask = if config.requires.is_empty() {
            None
        } else {
            let mut context = vec![0u8; CONTEXT_LEN];
            self.rng.fill(&mut context)?;
            let request = Self::new_request(self.role, &config, context)?;
            let ask = Frame::Request {
                exchange: FIRST_EXCHANGE,
                message: request.bytes().to_vec(),
            }
            .to_vec()?;
            Some((request, ask))
        };
        self.first_flight_sent = true;
        self.actions.push_back(Action::Send(hello));
        if let Some((request, ask)) = ask {
            self.first_flight = Some(Box::new(FirstFlightRequest {
                request,
                sent_at: now,
            }));
            self.actions.push_back(Action::Send(ask));
        }
        Ok(())
    }

    /// A request of `role` with `context`: a server's `CertificateRequest`, a client's
    /// `ClientCertificateRequest` (RFC 9261 section 4).
    fn new_request(
        role: Role,
        config: &SessionConfig,
        context: Vec<u8>,
    ) -> Result<SentRequest, Error> {
        let cp = &config.code_points;
        Ok(match role {
            Role::Server => {
                SentRequest::server_request(context, &config.signature_schemes, true, cp)?
            }
            Role::Client => {
                SentRequest::client_request(context, &config.signature_schemes, true, cp)?
            }
        })
    }

    fn handle_established(&mut self, exporter: &dyn Exporter, now: u64) -> Result<(), Error> {
        if !matches!(self.state, State::ExpectEstablished) {
            return Err(ApiMisuse::AlreadyEstablished.into());
        }
        let own_spki = match &self.credential {
            Some(c) => Some(
                c.chain
                    .first()
                    .ok_or(ApiMisuse::EmptyChain)
                    .and_then(|leaf| {
                        spki_from_own_certificate(leaf.as_ref())
                            .map_err(|_| ApiMisuse::BadCredential)
                    })?
                    .to_vec(),
            ),
            None => None,
        };
        let open = self.config.requires.is_empty();
        let gate_deadline = (!open).then(|| {
            now.saturating_add(
                self.config
                    .exchange_timeout_secs
                    .saturating_mul(GATE_TIMEOUT_EXCHANGES),
            )
        });
        self.state = State::Running(Box::new(Running {
            hash: exporter.hash_algorithm(),
            own_keys: None,
            peer_keys: None,
            own_spki,
            deframer: Deframer::new(),
            peer_hello: None,
            recent_contexts: VecDeque::new(),
            outgoing: BTreeMap::new(),
            incoming: BTreeMap::new(),
            next_exchange: FIRST_EXCHANGE,
            peer_next_exchange: 0,
            open,
            gate_deadline,
            early_data: Vec::new(),
            early_data_charged: 0,
        }));
        if let Some(first) = self.first_flight.take() {
            // The hello and the request already went out with this side's first flight.
            return self.adopt_first_flight_request(*first, exporter);
        }
        // A client's first flight without a request: its hello went.
        if !self.first_flight_sent {
            self.send_frame(&Frame::Hello(self.config.hello()))?;
        }
        if open {
            self.actions.push_back(Action::Event(Event::Open));
        } else {
            self.send_request(exporter, now)?;
        }
        Ok(())
    }

    /// Makes the request sent in the server's first flight exchange [`FIRST_EXCHANGE`], as
    /// [`send_request`](Self::send_request) would have: its context remembered, its exporter
    /// value taken now that the exporter exists, its deadline counted from when it was sent.
    fn adopt_first_flight_request(
        &mut self,
        first: FirstFlightRequest,
        exporter: &dyn Exporter,
    ) -> Result<(), Error> {
        let config = Arc::clone(&self.config);
        let r = self.running()?;
        let context = first.request.request().context().as_bytes().to_vec();
        let exported_value = expat_exported_value(exporter, config.label, &context)?;
        let next = FIRST_EXCHANGE
            .checked_add(1)
            .ok_or(ApiMisuse::TooManyExchanges)?;
        r.next_exchange = next;
        r.remember_context(context);
        r.outgoing.insert(
            FIRST_EXCHANGE,
            Outgoing::ExpectAuthenticator {
                request: first.request,
                exported_value,
                deadline: first.sent_at.saturating_add(config.exchange_timeout_secs),
            },
        );
        Ok(())
    }

    /// Sends a request with a fresh context (expat-03 section 7: re-attestation uses a new
    /// context, hence a new exporter value and binder).
    fn send_request(&mut self, exporter: &dyn Exporter, now: u64) -> Result<ExchangeId, Error> {
        let mut context = vec![0u8; CONTEXT_LEN];
        self.rng.fill(&mut context)?;
        let config = Arc::clone(&self.config);
        let role = self.role;
        let r = self.running()?;
        if r.outgoing.len() >= MAX_EXCHANGES {
            return Err(ApiMisuse::TooManyExchanges.into());
        }
        // Ids only grow; after 2^32 - 1 requests the connection has none left.
        let exchange = r.next_exchange;
        let Some(next) = exchange.checked_add(1) else {
            return Err(ApiMisuse::TooManyExchanges.into());
        };
        if r.context_seen(&context) {
            // A repeated 32-byte random context means the random source is broken.
            return Err(ApiMisuse::ContextCollision.into());
        }
        let request = Self::new_request(role, &config, context.clone())?;
        let exported_value = expat_exported_value(exporter, config.label, &context)?;
        r.next_exchange = next;
        r.remember_context(context);
        let frame = Frame::Request {
            exchange,
            message: request.bytes().to_vec(),
        };
        r.outgoing.insert(
            exchange,
            Outgoing::ExpectAuthenticator {
                request,
                exported_value,
                deadline: now.saturating_add(config.exchange_timeout_secs),
            },
        );
        self.send_frame(&frame)?;
        Ok(ExchangeId::Outgoing(exchange))
    }

    fn handle_received(
        &mut self,
        bytes: &[u8],
        exporter: &dyn Exporter,
        now: u64,
        deliver: &mut Deliver<'_>,
    ) -> Result<(), Error> {
        let r = self.running()?;
        r.check_deadlines(now)?;
        // The deframer leaves the session while its pieces are handled (they may borrow it).
        let mut deframer = core::mem::take(&mut r.deframer);
        let mut input = bytes;
        let result = loop {
            let piece = match deframer.next_piece(&mut input) {
                Ok(Some(piece)) => piece,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e.into()),
            };
            let handled = match piece {
                Piece::Data(piece) => self.handle_data_piece(piece, deliver),
                Piece::Frame(frame) => self.handle_frame(frame, exporter, now, deliver),
            };
            if let Err(e) = handled {
                break Err(e);
            }
        };
        if let State::Running(r) = &mut self.state {
            r.deframer = deframer;
        }
        result
    }

    fn take_data(
        &mut self,
        bytes: &[u8],
        now: u64,
        deliver: &mut Deliver<'_>,
    ) -> Result<usize, Error> {
        let State::Running(r) = &mut self.state else {
            return Err(ApiMisuse::NotEstablished.into());
        };
        r.check_deadlines(now)?;
        let mut input = bytes;
        if r.open && r.peer_hello.is_some() {
            // Whole data frames, the gate open: straight to the caller's buffer.
            while let Some(payload) = r.deframer.next_whole_data(&mut input) {
                if !payload.is_empty() {
                    deliver.copy(&mut self.actions, payload);
                }
            }
            if input.is_empty() {
                return Ok(bytes.len());
            }
        }
        let mut deframer = core::mem::take(&mut r.deframer);
        let result = loop {
            let piece = match deframer.next_data_piece(&mut input) {
                Ok(Some(piece)) => piece,
                Ok(None) => break Ok(bytes.len() - input.len()),
                Err(e) => break Err(e.into()),
            };
            if let Err(e) = self.handle_data_piece(piece, deliver) {
                break Err(e);
            }
        };
        if let State::Running(r) = &mut self.state {
            r.deframer = deframer;
        }
        result
    }

    fn handle_frame(
        &mut self,
        frame: Frame,
        exporter: &dyn Exporter,
        now: u64,
        deliver: &mut Deliver<'_>,
    ) -> Result<(), Error> {
        let r = self.running()?;
        if r.peer_hello.is_none() && !matches!(frame, Frame::Hello(_) | Frame::Error { .. }) {
            return Err(PeerMisbehaved::UnexpectedFrame.into());
        }
        match frame {
            Frame::Hello(hello) => self.handle_hello(hello),
            Frame::Request { exchange, message } => {
                self.handle_request(exchange, &message, exporter, now)
            }
            Frame::Authenticator { exchange, message } => {
                self.handle_authenticator(exchange, &message, exporter, now)
            }
            Frame::Error {
                alert,
                reason,
                detail,
            } => Err(Error::PeerAborted {
                alert,
                reason,
                detail,
            }),
            Frame::Data(bytes) => {
                self.handle_data_piece(DataPiece::Header { len: bytes.len() }, deliver)?;
                if bytes.is_empty() {
                    return Ok(());
                }
                self.handle_data_piece(DataPiece::Payload(&bytes), deliver)
            }
        }
    }

    fn handle_hello(&mut self, hello: Hello) -> Result<(), Error> {
        let config = Arc::clone(&self.config);
        let r = self.running()?;
        if r.peer_hello.is_some() {
            return Err(PeerMisbehaved::UnexpectedFrame.into());
        }
        if hello.version != shim::VERSION {
            return Err(PeerIncompatible::ShimVersion(hello.version).into());
        }
        if hello.cmw_attestation != config.code_points.cmw_attestation()
            || hello.label != config.label.as_bytes()
        {
            return Err(PeerIncompatible::ShimParameters.into());
        }
        if !config.requires.is_empty() && hello.attests.intersection(config.requires).is_empty() {
            return Err(AttestationError::Unavailable.into());
        }
        r.peer_hello = Some(hello);
        Ok(())
    }

    fn handle_request(
        &mut self,
        exchange: u32,
        message: &[u8],
        exporter: &dyn Exporter,
        now: u64,
    ) -> Result<(), Error> {
        let config = Arc::clone(&self.config);
        let role = self.role;
        let request = SentRequest::decode(message, &config.code_points)?;
        // RFC 9261 section 5.2.2: the scheme comes from the request's signature_algorithms;
        // when this side's key can use none of them, the answer is the empty authenticator
        // (section 6), without asking the Attester for Evidence that could not be sent.
        let can_sign = self
            .credential
            .as_ref()
            .is_some_and(|c| Solicitation::Request(&request).accepts_key(c.key.as_ref()));
        let r = self.running()?;
        // A server answers ClientCertificateRequest, a client CertificateRequest (RFC 9261
        // section 4).
        let expected = match role {
            Role::Server => matches!(
                request.request(),
                AuthenticatorRequest::ClientCertificateRequest(_)
            ),
            Role::Client => matches!(
                request.request(),
                AuthenticatorRequest::CertificateRequest(_)
            ),
        };
        if !expected {
            return Err(PeerMisbehaved::WrongRequestType.into());
        }
        // The peer's exchange ids only grow (shim framing), so a repeated or stale id is
        // refused without remembering completed exchanges.
        if u64::from(exchange) < r.peer_next_exchange {
            return Err(PeerMisbehaved::DuplicateExchange.into());
        }
        // RFC 9261 section 4: contexts are unique per connection across both request types.
        let context = request.request().context().as_bytes().to_vec();
        if r.context_seen(&context) {
            return Err(PeerMisbehaved::ContextReused.into());
        }
        if r.incoming.len() >= MAX_INCOMING_PENDING {
            return Err(PeerMisbehaved::TooManyExchanges.into());
        }
        if r.own_keys.is_none() {
            r.own_keys = Some(AuthenticatorKeys::derive(config.provider, exporter, role)?);
        }
        r.peer_next_exchange = u64::from(exchange) + 1;
        r.remember_context(context.clone());
        let peer_requires = r
            .peer_hello
            .as_ref()
            .map(|h| h.requires)
            .unwrap_or_default();
        let model = Model::choose(peer_requires, config.attests);
        let offers = request.request().extensions().offers_cmw_attestation();
        r.incoming.insert(
            exchange,
            Incoming {
                request,
                deadline: now.saturating_add(config.exchange_timeout_secs),
            },
        );
        let id = ExchangeId::Incoming(exchange);
        match (model, offers, can_sign, &r.own_spki) {
            (Some(model), true, true, Some(spki)) => {
                let exported = expat_exported_value(exporter, config.label, &context)?;
                let binder = expat_binding_value(config.provider, r.hash, spki, &exported);
                let aik = aik_pub_hash(config.provider, r.hash, spki);
                self.actions.push_back(Action::ProduceEvidence {
                    exchange: id,
                    binder: binder.as_bytes().to_vec(),
                    aik_pub_hash: aik.as_bytes().to_vec(),
                    model,
                });
                Ok(())
            }
            // Nothing this side can attest or sign with: refuse, authenticated (RFC 9261
            // section 6).
            _ => self.answer(id, None),
        }
    }

    /// Answers an incoming exchange: an authenticator with `cmw`, or an empty one.
    fn answer(&mut self, exchange: ExchangeId, cmw: Option<&[u8]>) -> Result<(), Error> {
        let ExchangeId::Incoming(id) = exchange else {
            return Err(ApiMisuse::UnknownExchange.into());
        };
        let config = Arc::clone(&self.config);
        let State::Running(r) = &mut self.state else {
            return Err(ApiMisuse::NotEstablished.into());
        };
        let Some(Incoming { request, .. }) = r.incoming.get(&id) else {
            return Err(ApiMisuse::UnknownExchange.into());
        };
        // Derived when the request arrived.
        let own_keys = r.own_keys.as_ref().ok_or(ApiMisuse::UnknownExchange)?;
        let solicitation = Solicitation::Request(request);
        let bytes = match (cmw, &self.credential) {
            (Some(cmw), Some(credential)) => authenticator::build(
                own_keys,
                &solicitation,
                &credential.chain,
                credential.key.as_ref(),
                Some(cmw),
                &config.code_points,
                self.rng.as_mut(),
            )?,
            _ => authenticator::build_empty(own_keys, &solicitation)?,
        };
        r.incoming.remove(&id);
        r.release_idle();
        self.send_frame(&Frame::Authenticator {
            exchange: id,
            message: bytes,
        })?;
        self.actions.push_back(Action::Event(Event::Answered {
            exchange,
            attested: cmw.is_some() && self.credential.is_some(),
        }));
        Ok(())
    }

    fn handle_authenticator(
        &mut self,
        exchange: u32,
        message: &[u8],
        exporter: &dyn Exporter,
        now: u64,
    ) -> Result<(), Error> {
        let config = Arc::clone(&self.config);
        let handshake = self.handshake_chain;
        let peer = self.role.peer();
        let r = self.running()?;
        let Some(Outgoing::ExpectAuthenticator {
            request,
            exported_value,
            ..
        }) = r.outgoing.get(&exchange)
        else {
            return Err(PeerMisbehaved::UnexpectedAuthenticator.into());
        };
        let reuse = handshake.map(|handshake| HandshakeValidated {
            inner: config.chain_verifier.as_ref(),
            handshake,
            provider: config.provider,
        });
        let chain_verifier: &dyn ChainVerifier = match &reuse {
            Some(v) => v,
            None => config.chain_verifier.as_ref(),
        };
        let peer_keys = match &mut r.peer_keys {
            Some(keys) => keys,
            empty => empty.insert(AuthenticatorKeys::derive(config.provider, exporter, peer)?),
        };
        let outcome = authenticator::validate(
            peer_keys,
            &Solicitation::Request(request),
            message,
            &config.code_points,
            chain_verifier,
            now,
        )?;
        let validated = match outcome {
            Outcome::Refused => return Err(AttestationError::Refused.into()),
            Outcome::Authenticated(v) => v,
        };
        let Some(cmw) = validated.cmw() else {
            return Err(AttestationError::Missing.into());
        };
        let binder = expat_binding_value(
            config.provider,
            r.hash,
            validated.leaf_spki(),
            exported_value,
        );
        let aik = aik_pub_hash(config.provider, r.hash, validated.leaf_spki());
        let peer_attests = r.peer_hello.as_ref().map(|h| h.attests).unwrap_or_default();
        // The hello check guarantees a common model whenever something is required; a request
        // is only sent then.
        let model =
            Model::choose(config.requires, peer_attests).ok_or(AttestationError::Unavailable)?;
        let appraisal = Appraisal {
            exchange: ExchangeId::Outgoing(exchange),
            cmw: cmw.to_vec(),
            binder: binder.as_bytes().to_vec(),
            aik_pub_hash: aik.as_bytes().to_vec(),
            hash: r.hash,
            chain: validated
                .chain()
                .into_iter()
                .map(|c| CertificateDer::from(c.to_vec()))
                .collect(),
            trust: validated.trust(),
            context: request.request().context().as_bytes().to_vec(),
            models: config.requires,
            model,
        };
        r.outgoing.insert(
            exchange,
            Outgoing::ExpectVerdict {
                context: appraisal.context.clone(),
                deadline: now.saturating_add(config.exchange_timeout_secs),
            },
        );
        self.actions
            .push_back(Action::Appraise(Box::new(appraisal)));
        Ok(())
    }

    fn handle_verdict(
        &mut self,
        exchange: ExchangeId,
        verdict: Result<(), Rejection>,
        deliver: &mut Deliver<'_>,
    ) -> Result<(), Error> {
        let ExchangeId::Outgoing(id) = exchange else {
            return Err(ApiMisuse::UnknownExchange.into());
        };
        let r = self.running()?;
        if !matches!(r.outgoing.get(&id), Some(Outgoing::ExpectVerdict { .. })) {
            return Err(ApiMisuse::UnknownExchange.into());
        }
        match verdict {
            Err(rejection) => {
                self.actions.push_back(Action::Event(Event::PeerRejected {
                    exchange,
                    rejection: rejection.clone(),
                }));
                Err(AttestationError::Rejected(rejection).into())
            }
            Ok(()) => {
                r.outgoing.remove(&id);
                r.release_idle();
                let opening = !r.open;
                r.open = true;
                r.gate_deadline = None;
                let early = core::mem::take(&mut r.early_data);
                r.early_data_charged = 0;
                self.actions
                    .push_back(Action::Event(Event::PeerAttested { exchange }));
                if opening {
                    self.actions.push_back(Action::Event(Event::Open));
                    deliver.take(&mut self.actions, early);
                }
                Ok(())
            }
        }
    }

    /// A data frame's header or payload bytes, as they arrive.
    fn handle_data_piece(
        &mut self,
        piece: DataPiece<'_>,
        deliver: &mut Deliver<'_>,
    ) -> Result<(), Error> {
        let max = self.config.max_early_data;
        let r = self.running()?;
        if r.peer_hello.is_none() {
            return Err(PeerMisbehaved::UnexpectedFrame.into());
        }
        match piece {
            DataPiece::Payload(bytes) if r.open => deliver.copy(&mut self.actions, bytes),
            // Held, not delivered, until the gate opens: the header charged the payload.
            DataPiece::Payload(bytes) => r.early_data.extend_from_slice(bytes),
            DataPiece::Header { .. } if r.open => {}
            // Every frame is charged when its header arrives, its payload plus its header, so
            // that empty frames count too; the held bytes are one buffer, so memory before the
            // gate stays under `max`.
            DataPiece::Header { len } => {
                r.early_data_charged = r
                    .early_data_charged
                    .saturating_add(len.saturating_add(EARLY_FRAME_CHARGE));
                if r.early_data_charged > max {
                    return Err(PeerMisbehaved::TooMuchEarlyData.into());
                }
            }
        }
        Ok(())
    }

    fn handle_send(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if !self.is_open() {
            return Err(ApiMisuse::GateClosed.into());
        }
        // Every chunk's frame in one buffer, each byte copied once.
        let chunks = bytes.len().div_ceil(shim::MAX_DATA_CHUNK);
        let mut out = Vec::with_capacity(bytes.len().saturating_add(chunks.saturating_mul(4)));
        for chunk in bytes.chunks(shim::MAX_DATA_CHUNK) {
            shim::encode_data_frame(chunk, &mut out)?;
        }
        if !out.is_empty() {
            self.actions.push_back(Action::Send(out));
        }
        Ok(())
    }

    fn handle_timeout(&mut self, now: u64) -> Result<(), Error> {
        self.running()?.check_deadlines(now)
    }

    fn handle_peer_closed(&mut self) -> Result<(), Error> {
        let r = self.running()?;
        let pending = !r.outgoing.is_empty() || !r.incoming.is_empty();
        if pending || !r.open {
            return Err(AttestationError::PeerClosed.into());
        }
        Ok(())
    }
}
