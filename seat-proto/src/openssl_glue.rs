//! Early attestation over OpenSSL 3 (feature `openssl`): the `remoteAttestation` extension
//! through OpenSSL's custom-extension callbacks, wired to the
//! [`negotiation`](crate::negotiation) machines.
//!
//! OpenSSL builds the server's EncryptedExtensions and Certificate before any byte of that
//! flight reaches the socket, and its callbacks cannot wait. So the adapter learns
//! ClientHello..ServerHello from OpenSSL's message callback, and asks the caller's
//! [`AttestationHooks`] (the one hooks trait of every adapter, with
//! [`Mechanism::Early`]) synchronously, inside the callbacks, for Evidence and appraisals.
//! The typed result of an accepted appraisal ([`AttestationHooks::Accepted`]) comes back
//! from [`outcome`] as [`EarlyOutcome::peer_attestation`].
//!
//! # Binding level
//!
//! The early binder is computed from public handshake messages: it is relay-prone (the
//! CVE-2026-33697 class, see [`crate::negotiation`]). Before releasing secrets, run one
//! post-handshake attestation on the same connection: [`start_expat`] hands the connection's
//! exporter to an expat [`Session`].
//!
//! # Use
//!
//! 1. [`install`] on each [`SslContextBuilder`] (TLS 1.3 only, tickets and session cache off,
//!    the extension and message callbacks registered).
//! 2. [`attach_client`] or [`attach_server`] on each [`Ssl`] before the handshake.
//! 3. After the handshake, [`outcome`] (typed with the hooks' `Accepted`): an error unless
//!    every attestation negotiated succeeded. A failed handshake's cause is in [`failure`].
//!
//! # Anonymous client attestation
//!
//! A client with no certificate the server trusts can attest with a key minted inside its
//! TEE, presented as its TLS client certificate under a self-signed certificate. A server
//! accepts such a leaf only with [`ServerConfig::dangerous_accept_anonymous_clients`] set
//! (off by default), and then only if this connection's client attestation succeeded for a
//! binder computed from that very leaf's SPKI; every other certificate error still fails the
//! handshake (the invariant is spelled out on the adapter's verify callback). [`outcome`]
//! then reports [`ChainTrust::AttestationOnly`] in [`EarlyOutcome::peer_trust`], and
//! [`SslRef::verify_result`] keeps OpenSSL's `X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT`. A
//! post-handshake expat session on such a connection verifies the client's chain with
//! [`DangerousSelfSignedVerifier`](crate::chain::DangerousSelfSignedVerifier).
//!
//! Alerts: a rule broken inside an extension callback aborts with the alert
//! [`Error::alert`] names, as far as OpenSSL can send it. OpenSSL 3 sends only the alerts
//! it knows (`tls13_alert_code` returns -1 for any other value, and then no alert is sent
//! at all), so the three SEAT alerts, which have no IANA value yet, go on the wire as the
//! closest RFC 8446 alert ([`openssl_wire_alert`]); [`failure`] keeps the SEAT alert. A CMW missing from the peer's first
//! CertificateEntry can only be seen after OpenSSL parsed the whole Certificate, in the
//! certificate-verify callback, where OpenSSL sends its own alert for a verification failure
//! (`handshake_failure` or `bad_certificate`); [`failure`] still returns the typed error.
//! A fault found when no callback of the current flight is left to run (a second
//! ClientHello that drops the extension: OpenSSL then calls no extension callback of the
//! server's flight) cannot abort OpenSSL's handshake; [`outcome`] refuses the connection,
//! and the caller must close it without sending application data.

use std::any::{Any, TypeId};
use std::sync::{Mutex, OnceLock};

use openssl::ssl::{
    ExtensionContext, Ssl, SslContextBuilder, SslOptions, SslRef, SslSessionCacheMode,
    SslVerifyMode, SslVersion,
};
use openssl::x509::{X509Ref, X509StoreContext, X509StoreContextRef, X509VerifyResult};
use seat_binding::exporter::openssl_adapter::OpensslExporter;

use crate::chain::ChainTrust;
use crate::codepoints::{AlertDescription, CodePoints, HandshakeType};
use crate::error::{ApiMisuse, Error};
use crate::hooks::{AppraisalRequest, AttestationHooks, EvidenceRequest, Mechanism, Rejection};
use crate::negotiation::{
    Action, ClientConfig, ClientNegotiation, Event, Input, ServerConfig, ServerNegotiation,
};
use crate::remote_attestation::AttestationScheme;
use crate::session::{self, Session};
use crate::shim::Models;
use seat_binding::provider::HashAlgorithm;

/// The caller's hooks with their `Accepted` type erased: OpenSSL's callbacks find the
/// connection's state through ex_data, whose type cannot depend on the caller's hooks.
trait ErasedHooks: Send {
    fn produce_evidence(&mut self, request: &EvidenceRequest<'_>) -> Option<Vec<u8>>;
    fn appraise(&mut self, request: &AppraisalRequest<'_>) -> Result<Accepted, Rejection>;
}

/// An accepted appraisal's typed result, erased ([`AttestationHooks::Accepted`]).
type Accepted = Box<dyn Any + Send + Sync>;

impl<H: AttestationHooks> ErasedHooks for H {
    fn produce_evidence(&mut self, request: &EvidenceRequest<'_>) -> Option<Vec<u8>> {
        AttestationHooks::produce_evidence(self, request)
    }

    fn appraise(&mut self, request: &AppraisalRequest<'_>) -> Result<Accepted, Rejection> {
        AttestationHooks::appraise(self, request).map(|a| Box::new(a) as Accepted)
    }
}

/// Seconds since the Unix epoch, for the hooks' requests (the adapter, not the machines,
/// reads the clock).
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The model a scheme asks for: a Verifier identity is a passport (an Attestation Result),
/// an Evidence type a background check.
fn model_of(scheme: &AttestationScheme) -> Models {
    match scheme {
        AttestationScheme::Result(_) => Models::PASSPORT,
        AttestationScheme::Evidence(_) => Models::BACKGROUND_CHECK,
    }
}

/// Why the adapter could not be set up.
#[non_exhaustive]
#[derive(Debug)]
pub enum GlueError {
    /// OpenSSL refused a setting.
    OpenSsl(openssl::error::ErrorStack),
    /// OpenSSL refused to register the extension type.
    Extension,
}

impl core::fmt::Display for GlueError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::OpenSsl(e) => write!(f, "openssl: {e}"),
            Self::Extension => f.write_str("openssl refused the remoteAttestation extension"),
        }
    }
}

impl core::error::Error for GlueError {}

impl From<openssl::error::ErrorStack> for GlueError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        Self::OpenSsl(e)
    }
}

/// Makes `builder` able to carry `remoteAttestation` (code point from `code_points`):
/// TLS 1.3 only, no tickets, no session cache (ambiguity A16: PSK resumption has no
/// Certificate to carry a CMW), the extension in ClientHello, EncryptedExtensions,
/// CertificateRequest and Certificate, and the message callback that records the
/// transcript.
///
/// # Errors
///
/// [`GlueError`] if OpenSSL refuses a setting.
pub fn install(builder: &mut SslContextBuilder, code_points: &CodePoints) -> Result<(), GlueError> {
    builder.set_min_proto_version(Some(SslVersion::TLS1_3))?;
    builder.set_max_proto_version(Some(SslVersion::TLS1_3))?;
    builder.set_options(SslOptions::NO_TICKET);
    builder.set_num_tickets(0)?;
    builder.set_session_cache_mode(SslSessionCacheMode::OFF);
    let context = ExtensionContext::TLS_ONLY
        | ExtensionContext::TLS1_3_ONLY
        | ExtensionContext::CLIENT_HELLO
        | ExtensionContext::TLS1_3_ENCRYPTED_EXTENSIONS
        | ExtensionContext::TLS1_3_CERTIFICATE_REQUEST
        | ExtensionContext::TLS1_3_CERTIFICATE;
    if crate::ffi::install(builder, code_points.remote_attestation().0, context.bits()) {
        Ok(())
    } else {
        Err(GlueError::Extension)
    }
}

/// The alert descriptions OpenSSL 3 puts on the wire (`tls1_alert_code` in `ssl/t1_enc.c`
/// plus the two TLS 1.3 additions); any other value makes it send no alert.
const OPENSSL_SENDABLE: [u8; 34] = [
    0, 10, 20, 21, 22, 30, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 60, 70, 71, 80, 86, 90,
    100, 109, 110, 111, 112, 113, 114, 115, 116, 120,
];

/// The alert the adapter hands OpenSSL for `alert`: itself if OpenSSL can send it, else the
/// closest RFC 8446 alert. For the SEAT alerts configured in `code_points` (unless
/// configured to a value OpenSSL knows):
/// `unsupported_attestation_schemes` goes out as `handshake_failure` (no acceptable
/// parameters), `attestation_required` as `missing_extension` (a required extension is
/// absent) and `attestation_failed` as `access_denied` (valid handshake, access refused).
pub fn openssl_wire_alert(alert: AlertDescription, code_points: &CodePoints) -> AlertDescription {
    if OPENSSL_SENDABLE.contains(&alert.0) {
        return alert;
    }
    // The three SEAT alerts as configured; any other unknown value (and
    // unsupported_attestation_schemes) becomes handshake_failure.
    let cp = code_points;
    if alert == cp.attestation_required() {
        AlertDescription::MISSING_EXTENSION
    } else if alert == cp.attestation_failed() {
        AlertDescription::ACCESS_DENIED
    } else {
        AlertDescription::HANDSHAKE_FAILURE
    }
}

/// Either machine.
#[derive(Debug)]
enum Machine {
    Client(ClientNegotiation),
    Server(ServerNegotiation),
}

impl Machine {
    fn handle(&mut self, input: Input) -> Result<(), Error> {
        match self {
            Self::Client(m) => m.handle(input),
            Self::Server(m) => m.handle(input),
        }
    }

    fn poll_action(&mut self) -> Option<Action> {
        match self {
            Self::Client(m) => m.poll_action(),
            Self::Server(m) => m.poll_action(),
        }
    }

    fn hash(&self) -> Option<HashAlgorithm> {
        match self {
            Self::Client(m) => m.hash(),
            Self::Server(m) => m.hash(),
        }
    }
}

/// The most handshake messages the adapter records per connection. A full TLS 1.3
/// handshake has at most 13 (ClientHello, HelloRetryRequest, ClientHello, ServerHello,
/// EncryptedExtensions, CertificateRequest, Certificate, CertificateVerify, Finished, and the
/// client's Certificate, CertificateVerify, Finished); recording stops once both Finished
/// messages were seen, so post-handshake KeyUpdate and NewSessionTicket messages are neither
/// stored nor fed to the machine, and this bound caps a peer that never finishes.
pub const MAX_RECORDED_MESSAGES: usize = 16;

/// What one connection carries in its ex_data.
struct ConnState {
    machine: Machine,
    hooks: Box<dyn ErasedHooks>,
    /// `TypeId` of the hooks' `Accepted`, which [`outcome`] must be asked for.
    accepted_type: TypeId,
    /// The typed result of the peer's accepted appraisal.
    accepted: Option<Accepted>,
    code_points: CodePoints,
    failure: Option<(Error, AlertDescription)>,
    events: Vec<Event>,
    /// Every handshake message of the handshake, with `true` for sent ones; nothing after
    /// both Finished messages (see [`MAX_RECORDED_MESSAGES`]).
    messages: Vec<(bool, Vec<u8>)>,
    /// Finished messages seen (sent and received): at two the handshake is over and the
    /// message callback records and feeds nothing more.
    finished: u8,
    /// Server only: [`ServerConfig::dangerous_accept_anonymous_clients`].
    dangerous_anonymous: bool,
    /// The DER of the peer's first CertificateEntry whose CMW was appraised `Accepted`: the
    /// certificate whose SPKI the binder was computed from.
    attested_leaf: Option<Vec<u8>>,
    /// How the peer's certificate was trusted, once the verify callback accepted its leaf.
    peer_trust: Option<ChainTrust>,
}

type Shared = Mutex<ConnState>;

fn index() -> Option<openssl::ex_data::Index<Ssl, Shared>> {
    static INDEX: OnceLock<Option<openssl::ex_data::Index<Ssl, Shared>>> = OnceLock::new();
    *INDEX.get_or_init(|| Ssl::new_ex_index::<Shared>().ok())
}

impl ConnState {
    /// Condition 5 of [`verify_callback`]'s invariant for the self-signed `leaf` (DER):
    /// records [`ChainTrust::AttestationOnly`] and returns `true` if it holds.
    fn accept_anonymous(&mut self, leaf: &[u8]) -> bool {
        let attested = self.dangerous_anonymous
            && self.failure.is_none()
            && matches!(&self.machine, Machine::Server(m) if m.chosen_client_scheme().is_some())
            && self.events.contains(&Event::PeerAttested)
            && self.attested_leaf.as_deref() == Some(leaf);
        if attested {
            self.peer_trust = Some(ChainTrust::AttestationOnly);
        }
        attested
    }

    /// Keeps the first error, with the alert [`Error::alert`] names for it.
    fn fail(&mut self, error: Error) {
        if self.failure.is_none() {
            let alert = error.alert(&self.code_points);
            self.failure = Some((error, alert));
        }
    }

    /// Feeds one input and answers the machine's requests with the hooks until it waits.
    /// Returns the extension data produced, or the alert to abort with.
    fn drive(&mut self, input: Input) -> Result<Option<Vec<u8>>, u8> {
        let mut inputs = std::collections::VecDeque::from([input]);
        let mut data = None;
        while let Some(input) = inputs.pop_front() {
            // A fatal error also comes as `Event::Failed`; a misuse (the adapter's own
            // mistake) fails the handshake all the same.
            if let Err(error) = self.machine.handle(input) {
                self.fail(error);
            }
            while let Some(action) = self.machine.poll_action() {
                match action {
                    Action::Extension { data: d, .. } => data = Some(d),
                    Action::ProduceEvidence {
                        scheme,
                        binder,
                        spki_hash,
                    } => inputs.push_back(Input::Evidence(self.hooks.produce_evidence(
                        &EvidenceRequest {
                            mechanism: Mechanism::Early { scheme: &scheme },
                            exchange: None,
                            binder: &binder,
                            aik_pub_hash: &spki_hash,
                            now: unix_now(),
                        },
                    ))),
                    Action::Appraise {
                        scheme,
                        cmw,
                        binder,
                        spki_hash,
                    } => {
                        let Some(hash) = self.machine.hash() else {
                            self.fail(ApiMisuse::NotEstablished.into());
                            continue;
                        };
                        let appraised = self.hooks.appraise(&AppraisalRequest {
                            mechanism: Mechanism::Early { scheme: &scheme },
                            exchange: None,
                            cmw: &cmw,
                            binder: &binder,
                            aik_pub_hash: &spki_hash,
                            hash,
                            chain: &[],
                            trust: None,
                            context: &[],
                            accepted_models: model_of(&scheme),
                            now: unix_now(),
                        });
                        let verdict = match appraised {
                            Ok(accepted) => {
                                self.accepted = Some(accepted);
                                Ok(())
                            }
                            Err(rejection) => Err(rejection),
                        };
                        inputs.push_back(Input::Verdict(verdict));
                    }
                    Action::Event(Event::Failed { error }) => self.fail(error),
                    Action::Event(e) => self.events.push(e),
                }
            }
            if let Some((_, alert)) = &self.failure {
                return Err(openssl_wire_alert(*alert, &self.code_points).0);
            }
        }
        Ok(data)
    }
}

fn attach(ssl: &mut SslRef, state: ConnState) -> Result<(), Error> {
    let idx = index().ok_or(ApiMisuse::NotEstablished)?;
    ssl.set_ex_data(idx, Mutex::new(state));
    Ok(())
}

/// Attaches a client machine to `ssl` (before the handshake), with certificate
/// verification on: the peer's chain must verify against the context's trust store.
///
/// # Errors
///
/// [`Error::ApiMisuse`] if OpenSSL could not allocate the ex_data index.
pub fn attach_client<H: AttestationHooks + 'static>(
    ssl: &mut SslRef,
    config: ClientConfig,
    hooks: H,
) -> Result<(), Error> {
    let code_points = config.code_points;
    attach(
        ssl,
        ConnState {
            machine: Machine::Client(ClientNegotiation::new(config)),
            hooks: Box::new(hooks),
            accepted_type: TypeId::of::<H::Accepted>(),
            accepted: None,
            code_points,
            failure: None,
            events: Vec::new(),
            messages: Vec::new(),
            finished: 0,
            dangerous_anonymous: false,
            attested_leaf: None,
            peer_trust: None,
        },
    )?;
    ssl.set_verify_callback(SslVerifyMode::PEER, verify_callback);
    Ok(())
}

/// Attaches a server machine to `ssl` (before the handshake). If the configuration accepts
/// client attestation the server requests a client certificate (and requires one when
/// `require_client_attestation` is set), verified against the context's trust store, or,
/// with [`ServerConfig::dangerous_accept_anonymous_clients`], a self-signed one that the
/// client's attestation on this connection binds (see the module documentation).
///
/// # Errors
///
/// [`Error::ApiMisuse`] if OpenSSL could not allocate the ex_data index.
pub fn attach_server<H: AttestationHooks + 'static>(
    ssl: &mut SslRef,
    config: ServerConfig,
    hooks: H,
) -> Result<(), Error> {
    let code_points = config.code_points;
    let dangerous_anonymous = config.dangerous_accept_anonymous_clients;
    let mode = if config.require_client_attestation {
        SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT
    } else if config.accept_from_client.is_empty() {
        SslVerifyMode::NONE
    } else {
        SslVerifyMode::PEER
    };
    attach(
        ssl,
        ConnState {
            machine: Machine::Server(ServerNegotiation::new(config)),
            hooks: Box::new(hooks),
            accepted_type: TypeId::of::<H::Accepted>(),
            accepted: None,
            code_points,
            failure: None,
            events: Vec::new(),
            messages: Vec::new(),
            finished: 0,
            dangerous_anonymous,
            attested_leaf: None,
            peer_trust: None,
        },
    )?;
    if mode != SslVerifyMode::NONE {
        ssl.set_verify_callback(mode, verify_callback);
    }
    Ok(())
}

/// The one verification error anonymous client attestation overrides:
/// `X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT`, OpenSSL's "the leaf is its own issuer and is not
/// in the trust store". OpenSSL 3.0 reports it for a TEE-minted leaf (key usage
/// digitalSignature only) as for one with no key usage (observed in
/// `seat-examples/tests/early.rs`). `UNABLE_TO_GET_ISSUER_CERT_LOCALLY` and
/// `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, which an OpenSSL that does not deem the leaf
/// self-issued reports, are deliberately not overridden: such a leaf fails closed.
const SELF_SIGNED_LEAF: core::ffi::c_int = openssl_sys::X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;

/// Called by OpenSSL for each certificate of the peer's chain, after it parsed every
/// CertificateEntry's extensions: at depth 0 the peer's Certificate is complete.
///
/// OpenSSL calls it with `preverify_ok` set once per certificate that passed, and with
/// `preverify_ok` clear once per error it finds, the error in `ctx`. Returning `true` for an
/// error makes OpenSSL go on checking (every further error comes back here); returning
/// `false` ends the handshake with the alert OpenSSL maps the error to.
///
/// Invariant (anonymous client attestation): an error is overridden only if all of these
/// hold, and every other error keeps OpenSSL's verdict:
/// 1. the connection is a server's with
///    [`ServerConfig::dangerous_accept_anonymous_clients`] set;
/// 2. the error is at depth 0 and the chain OpenSSL built is that one certificate (a chain
///    of two or more that fails is refused, at whatever depth);
/// 3. the error is [`SELF_SIGNED_LEAF`] (never an expired or not-yet-valid leaf, a wrong
///    key usage or purpose, a weak key, an unknown issuer);
/// 4. the leaf is self-signed: issuer equals subject and its signature verifies under its own
///    public key (OpenSSL's `DEPTH_ZERO_SELF_SIGNED_CERT` rests on names and key
///    identifiers only: a leaf issued by another key under the same name gets it too);
/// 5. the negotiation has not failed, a client scheme was chosen, and the client's CMW was
///    appraised `Accepted` for a binder computed from a certificate whose DER equals this
///    leaf's (the certificate OpenSSL handed the extension callback for entry 0 is the one it
///    verifies here; the DER comparison makes sure).
///
/// OpenSSL's error code then stays set ([`SslRef::verify_result`] reports it) and [`outcome`]
/// reports [`ChainTrust::AttestationOnly`].
fn verify_callback(preverify_ok: bool, ctx: &mut X509StoreContextRef) -> bool {
    if ctx.error_depth() != 0 {
        return preverify_ok;
    }
    let verdict = with_state_ref(ctx, |state| {
        let anonymous = if preverify_ok {
            None
        } else if state.dangerous_anonymous
            && let Some(der) = lone_self_signed_leaf(ctx)
        {
            Some(der)
        } else {
            // Any other error: OpenSSL's verdict, and the machine is left as it was.
            return Ok(false);
        };
        state.drive(Input::PeerCertificateEnd).map_err(|_| ())?;
        Ok(match anonymous {
            None => {
                state.peer_trust.get_or_insert(ChainTrust::Anchored);
                true
            }
            Some(der) => state.accept_anonymous(&der),
        })
    });
    match verdict {
        Some(Ok(ok)) => ok,
        Some(Err(())) => {
            ctx.set_error(X509VerifyResult::APPLICATION_VERIFICATION);
            false
        }
        None => preverify_ok,
    }
}

/// The DER of the certificate `ctx` reports an error for, if the error is
/// [`SELF_SIGNED_LEAF`] at depth 0, the chain OpenSSL built is that certificate alone, and
/// it is self-signed (issuer equals subject, signature verifies under its own key).
fn lone_self_signed_leaf(ctx: &X509StoreContextRef) -> Option<Vec<u8>> {
    if ctx.error_depth() != 0 || ctx.error().as_raw() != SELF_SIGNED_LEAF {
        return None;
    }
    let chain = ctx.chain()?;
    if chain.len() != 1 {
        return None;
    }
    let leaf = ctx.current_cert()?;
    let der = leaf.to_der().ok()?;
    if chain.get(0)?.to_der().ok()? != der {
        return None;
    }
    let self_issued =
        leaf.issuer_name().try_cmp(leaf.subject_name()).ok()? == core::cmp::Ordering::Equal;
    let key = leaf.public_key().ok()?;
    let self_signed = leaf.verify(&key).ok()?;
    (self_issued && self_signed).then_some(der)
}

fn with_state_ref<R>(ctx: &X509StoreContextRef, f: impl FnOnce(&mut ConnState) -> R) -> Option<R> {
    let ssl_idx = X509StoreContext::ssl_idx().ok()?;
    let ssl = ctx.ex_data(ssl_idx)?;
    let shared = ssl.ex_data(index()?)?;
    let mut state = shared.lock().ok()?;
    Some(f(&mut state))
}

fn with_state<R>(ssl: &SslRef, f: impl FnOnce(&mut ConnState) -> R) -> Option<R> {
    let shared = ssl.ex_data(index()?)?;
    let mut state = shared.lock().ok()?;
    Some(f(&mut state))
}

/// The handshake message an OpenSSL extension context stands for.
fn message_of(context: u32) -> Option<HandshakeType> {
    let ctx = ExtensionContext::from_bits_truncate(context);
    if ctx.contains(ExtensionContext::CLIENT_HELLO) {
        Some(HandshakeType::CLIENT_HELLO)
    } else if ctx.contains(ExtensionContext::TLS1_3_ENCRYPTED_EXTENSIONS) {
        Some(HandshakeType::ENCRYPTED_EXTENSIONS)
    } else if ctx.contains(ExtensionContext::TLS1_3_CERTIFICATE_REQUEST) {
        Some(HandshakeType::CERTIFICATE_REQUEST)
    } else if ctx.contains(ExtensionContext::TLS1_3_CERTIFICATE) {
        Some(HandshakeType::CERTIFICATE)
    } else {
        None
    }
}

fn entry_of(entry: Option<(usize, &X509Ref)>) -> Result<Option<(usize, Vec<u8>)>, u8> {
    match entry {
        None => Ok(None),
        Some((i, x)) => x
            .to_der()
            .map(|der| Some((i, der)))
            .map_err(|_| AlertDescription::INTERNAL_ERROR.0),
    }
}

/// The safe side of the FFI trampolines (see `ffi`).
pub(crate) mod callbacks {
    use super::*;

    /// A handshake message was written (`sent`) or read.
    pub(crate) fn on_message(ssl: &mut SslRef, sent: bool, bytes: &[u8]) {
        with_state(ssl, |state| {
            // The binder's transcript and every presence rule lie inside the handshake.
            if state.finished >= 2 {
                return;
            }
            if bytes.first() == Some(&HandshakeType::FINISHED.0) {
                state.finished += 1;
            }
            if state.messages.len() < MAX_RECORDED_MESSAGES {
                state.messages.push((sent, bytes.to_vec()));
            }
            let _ = state.drive(Input::Message {
                sent,
                bytes: bytes.to_vec(),
            });
        });
    }

    /// OpenSSL builds a message and asks for the extension.
    pub(crate) fn on_add(
        ssl: &mut SslRef,
        context: u32,
        entry: Option<(usize, &X509Ref)>,
    ) -> Result<Option<Vec<u8>>, u8> {
        let Some(message) = message_of(context) else {
            return Ok(None);
        };
        let entry = entry_of(entry)?;
        with_state(ssl, |state| state.drive(Input::Build { message, entry })).unwrap_or(Ok(None))
    }

    /// OpenSSL received the extension.
    pub(crate) fn on_parse(
        ssl: &mut SslRef,
        context: u32,
        data: &[u8],
        entry: Option<(usize, &X509Ref)>,
    ) -> Result<(), u8> {
        let Some(message) = message_of(context) else {
            return Err(AlertDescription::ILLEGAL_PARAMETER.0);
        };
        let entry = entry_of(entry)?;
        // The first entry's certificate: the one whose SPKI the machine hashes into the
        // binder it appraises the CMW against.
        let first = match (&message, &entry) {
            (&HandshakeType::CERTIFICATE, Some((0, der))) => Some(der.clone()),
            _ => None,
        };
        let unsolicited = AlertDescription::UNSUPPORTED_EXTENSION.0;
        with_state(ssl, |state| {
            state.drive(Input::Extension {
                message,
                data: data.to_vec(),
                entry,
            })?;
            if state.attested_leaf.is_none() && state.events.contains(&Event::PeerAttested) {
                state.attested_leaf = first;
            }
            Ok(())
        })
        .unwrap_or(Err(unsolicited))
    }
}

/// What early attestation established on a connection.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EarlyOutcome<A> {
    /// The scheme the server attested with, if any.
    pub server_scheme: Option<AttestationScheme>,
    /// The scheme the client attested with, if any.
    pub client_scheme: Option<AttestationScheme>,
    /// The binder this side's own Evidence was bound to.
    pub own_binder: Option<Vec<u8>>,
    /// The binder this side checked the peer's Evidence against.
    pub peer_binder: Option<Vec<u8>>,
    /// Whether the peer's attestation was accepted.
    pub peer_attested: bool,
    /// What the hooks' appraisal of the peer's attestation yielded
    /// ([`AttestationHooks::Accepted`]), if it was accepted.
    pub peer_attestation: Option<A>,
    /// How the peer's certificate was trusted: [`ChainTrust::Anchored`] when it verified
    /// against the context's trust store; [`ChainTrust::AttestationOnly`] when a server with
    /// [`ServerConfig::dangerous_accept_anonymous_clients`] accepted a self-signed client leaf
    /// only because the client's early attestation bound its key (the client's identity is
    /// then whatever its TEE minted); `None` when the peer sent no certificate.
    pub peer_trust: Option<ChainTrust>,
    /// Every handshake message the message callback reported (`true`: sent), from the first
    /// ClientHello to the last Finished, for recomputation and logs.
    pub messages: Vec<(bool, Vec<u8>)>,
}

/// The outcome after a completed handshake: the gate for application data. `A` is the
/// attached hooks' [`AttestationHooks::Accepted`].
///
/// # Errors
///
/// The negotiation's error if it failed; [`AttestationError::Missing`](crate::AttestationError::Missing)
/// if an attestation negotiated or required did not complete; [`ApiMisuse::NotEstablished`]
/// if no machine is attached; [`ApiMisuse::AcceptedType`] if `A` is not the hooks'
/// `Accepted`.
pub fn outcome<A: Clone + 'static>(ssl: &SslRef) -> Result<EarlyOutcome<A>, Error> {
    with_state(ssl, |state| {
        if let Some((e, _)) = &state.failure {
            return Err(e.clone());
        }
        if state.accepted_type != TypeId::of::<A>() {
            return Err(ApiMisuse::AcceptedType.into());
        }
        let peer_attestation = state
            .accepted
            .as_ref()
            .and_then(|a| a.downcast_ref::<A>())
            .cloned();
        let (complete, server_scheme, client_scheme, own, peer) = match &state.machine {
            Machine::Client(m) => (
                m.is_complete(),
                m.chosen_server_scheme().cloned(),
                m.chosen_client_scheme().cloned(),
                m.own_binder().map(<[u8]>::to_vec),
                m.peer_binder().map(<[u8]>::to_vec),
            ),
            Machine::Server(m) => (
                m.is_complete(),
                m.chosen_server_scheme().cloned(),
                m.chosen_client_scheme().cloned(),
                m.own_binder().map(<[u8]>::to_vec),
                m.peer_binder().map(<[u8]>::to_vec),
            ),
        };
        if !complete {
            return Err(crate::AttestationError::Missing.into());
        }
        Ok(EarlyOutcome {
            server_scheme,
            client_scheme,
            own_binder: own,
            peer_binder: peer,
            peer_attested: state.events.contains(&Event::PeerAttested),
            peer_attestation,
            peer_trust: state.peer_trust,
            messages: state.messages.clone(),
        })
    })
    .unwrap_or(Err(ApiMisuse::NotEstablished.into()))
}

/// The error that failed the negotiation, with the alert it called for, if any.
pub fn failure(ssl: &SslRef) -> Option<(Error, AlertDescription)> {
    with_state(ssl, |state| state.failure.clone()).flatten()
}

/// The code points the connection's machine uses, if one is attached.
pub fn code_points(ssl: &SslRef) -> Option<CodePoints> {
    with_state(ssl, |state| state.code_points)
}

/// The recommended mode: after early attestation succeeded, hand the connection's exporter
/// to an expat [`Session`] on the same connection ([`session::Input::Established`]), so that a
/// post-handshake attestation bound to the connection's secrets follows before any secret is
/// released. The caller then drives `session` as usual over the OpenSSL stream.
///
/// # Errors
///
/// [`outcome`]'s errors (early attestation must have succeeded first); the exporter's and
/// the session's errors.
pub fn start_expat<A: Clone + 'static>(
    ssl: &SslRef,
    session: &mut Session,
    now: u64,
) -> Result<EarlyOutcome<A>, Error> {
    let early = outcome(ssl)?;
    let exporter = OpensslExporter::new(ssl)?;
    session.handle(session::Input::Established {
        exporter: &exporter,
        now,
    })?;
    Ok(early)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use openssl::ssl::{SslContextBuilder, SslMethod};

    use super::*;

    struct Declines;

    impl crate::hooks::AttestationHooks for Declines {
        type Accepted = ();

        fn produce_evidence(&mut self, _: &crate::hooks::EvidenceRequest<'_>) -> Option<Vec<u8>> {
            None
        }

        fn appraise(
            &mut self,
            _: &crate::hooks::AppraisalRequest<'_>,
        ) -> Result<(), crate::hooks::Rejection> {
            Err(crate::hooks::Rejection {
                stage: crate::hooks::Stage::Policy,
                reason: "test".into(),
            })
        }
    }

    /// Security review, defect 4: after the handshake, a peer's KeyUpdate and
    /// NewSessionTicket messages were stored for the connection's life (5,000 KeyUpdates
    /// left 5,007 stored messages). Recording now stops at the second Finished.
    #[test]
    fn post_handshake_messages_are_not_recorded() {
        let cp = CodePoints::DEFAULT;
        let mut b = SslContextBuilder::new(SslMethod::tls()).unwrap();
        install(&mut b, &cp).unwrap();
        let ctx = b.build();
        let mut ssl = Ssl::new(&ctx).unwrap();
        attach_client(&mut ssl, ClientConfig::new(vec![], vec![]), Declines).unwrap();
        // Message shapes only: the type byte is what the recorder looks at.
        let handshake: [(bool, u8); 7] = [
            (true, 1),   // ClientHello
            (false, 2),  // ServerHello
            (false, 8),  // EncryptedExtensions
            (false, 11), // Certificate
            (false, 15), // CertificateVerify
            (false, 20), // Finished
            (true, 20),  // Finished
        ];
        for (sent, ty) in handshake {
            callbacks::on_message(&mut ssl, sent, &[ty, 0, 0, 1, 0]);
        }
        let big = [[4u8, 0x01, 0xff, 0xfc].as_slice(), &[0u8; 0x1fffc]].concat();
        for i in 0..5_000 {
            let msg: &[u8] = if i % 2 == 0 { &[24, 0, 0, 1, 0] } else { &big };
            callbacks::on_message(&mut ssl, false, msg);
        }
        let recorded = with_state(&ssl, |s| s.messages.len()).unwrap();
        assert_eq!(recorded, handshake.len());
        // A peer that never finishes cannot grow the record either.
        let mut ssl = Ssl::new(&ctx).unwrap();
        attach_client(&mut ssl, ClientConfig::new(vec![], vec![]), Declines).unwrap();
        for _ in 0..5_000 {
            callbacks::on_message(&mut ssl, false, &[24, 0, 0, 1, 0]);
        }
        let recorded = with_state(&ssl, |s| s.messages.len()).unwrap();
        assert_eq!(recorded, MAX_RECORDED_MESSAGES);
    }
}
