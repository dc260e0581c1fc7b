//! Intra-handshake ("early") attestation: the scheme negotiation and CMW placement rules of
//! draft-fossati-seat-early-attestation (EA-05 and later, sections 4 to 7), as two sans-I/O
//! state machines, [`ClientNegotiation`] and [`ServerNegotiation`].
//!
//! # Binding level: read this before relying on early attestation
//!
//! The early binder is `HKDF-Expand-Label(attest_base, "attestation", Hash(SPKI))` with
//! `attest_base` derived from `Transcript-Hash(ClientHello..ServerHello)` (section 6.3 of the
//! digest). Those messages travel in the clear: the binder is **public**. It proves that the
//! Evidence was produced after this ClientHello/ServerHello pair and names the key that signs
//! CertificateVerify, but nothing ties it to the traffic secrets. An attacker who controls a
//! genuine TEE can relay a victim's binder to it and present the resulting Evidence (the
//! relay attack class of CVE-2026-33697; ambiguity A20: replay resistance and key binding
//! under an honest-TEE-key assumption, nothing more). Where the relying party releases
//! secrets after attestation, follow early attestation with one post-handshake ("expat")
//! exchange on the same connection, whose binder comes from the TLS exporter and so from the
//! connection's secrets: [`crate::session::Session`] with a policy that requires attestation.
//! The OpenSSL adapter's `openssl_glue::start_expat` (feature `openssl`) chains into it.
//!
//! # Driving contract
//!
//! Both machines follow the crate's contract (see [`crate::session`]): feed one [`Input`]
//! with `handle`, then drain `poll_action` until it returns `None` before the next input.
//! The caller reports every handshake message it sees in either direction up to ServerHello
//! ([`Input::Message`]; 4-byte header and body, reassembled), each `remoteAttestation`
//! extension it receives ([`Input::Extension`]), each extension it is about to build
//! ([`Input::Build`]), and the end of the peer's Certificate ([`Input::PeerCertificateEnd`]).
//! The machines ask for Evidence ([`Action::ProduceEvidence`]) and for appraisal
//! ([`Action::Appraise`]); the caller answers with [`Input::Evidence`] and [`Input::Verdict`].
//! After a fatal error a machine is terminal: every later input yields the same
//! [`Event::Failed`], and [`ClientNegotiation::error`] returns it.
//!
//! # Decisions on the digest's ambiguities
//!
//! - A1: the transcript hash follows RFC 8446 section 4.4.1 (a HelloRetryRequest replaces
//!   ClientHello1 with `message_hash`), through `seat_binding`'s
//!   `early_binder_from_messages`; [`HRR_READING`] names it.
//! - A2: [`Protocol::Dtls13`] in the configuration selects the `"dtls13"` label prefix.
//! - A4: the SPKI is the exact DER from the first CertificateEntry's certificate.
//! - A10: the CMW is at most 65 532 bytes (the codec's limit).
//! - A11: [`Fallback::Strict`] (the default) aborts with `unsupported_attestation_schemes`
//!   when no scheme can be chosen; [`Fallback::Lenient`] omits the extension and lets the
//!   client decide (`attestation_required`).
//! - A12: a chosen scheme that was not offered is `illegal_parameter`.
//! - A13: a missing CMW where a scheme was chosen is `attestation_failed`.
//! - A14: the server picks the first scheme in the client's order that it accepts.
//! - A16: the OpenSSL adapter turns tickets and the session cache off.
//! - A19: schemes compare byte-exactly, media types are not normalised.
//! - TEE failure while building the Certificate: `internal_error` (section 4.1 of the digest).

use seat_binding::binder::early_binder_from_messages;
use seat_binding::key_schedule::{Protocol, is_hello_retry_request};
use seat_binding::provider::{CryptoProvider, HashAlgorithm, default_provider};
use seat_binding::spki::spki_from_certificate;

use crate::codec::{DecodeError, DecodeErrorKind};
use crate::codepoints::{AlertDescription, CodePoints, HandshakeType};
use crate::error::{AttestationError, Error, PeerIncompatible, PeerMisbehaved};
use crate::remote_attestation::{
    AttestationScheme, CmwPayload, RemoteAttestation, RemoteAttestationOffer,
};
use crate::session::Verdict;

/// The name of the HelloRetryRequest reading used for the transcript hash (ambiguity A1,
/// reading (c)): RFC 8446 section 4.4.1, ClientHello1 replaced by `message_hash`.
pub const HRR_READING: &str = "rfc8446-4.4.1";

/// The most handshake messages the transcript ClientHello..ServerHello can hold
/// (ClientHello, HelloRetryRequest, ClientHello, ServerHello).
const MAX_TRANSCRIPT_MESSAGES: usize = 4;

/// What the server does when it supports early attestation but can choose no scheme
/// (ambiguity A11).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fallback {
    /// Abort with `unsupported_attestation_schemes` (draft section 6).
    #[default]
    Strict,
    /// Omit `remoteAttestation` from EncryptedExtensions and CertificateRequest and let the
    /// client's policy decide (`attestation_required` if it insists).
    Lenient,
}

/// The client's configuration: what it offers and what it insists on.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The code points (extension type and the three SEAT alerts).
    pub code_points: CodePoints,
    /// TLS 1.3 or DTLS 1.3 label prefix for the binder (ambiguity A2).
    pub protocol: Protocol,
    /// The crypto provider for the binder.
    pub provider: &'static dyn CryptoProvider,
    /// Schemes the client accepts from an attesting server, most preferred first.
    pub server_attester_schemes: Vec<AttestationScheme>,
    /// Schemes the client can attest with, most preferred first.
    pub client_attester_schemes: Vec<AttestationScheme>,
    /// Abort with `attestation_required` if the server does not attest.
    pub require_server_attestation: bool,
    /// Abort with `attestation_required` if the server does not ask the client to attest.
    pub require_client_attestation: bool,
}

impl ClientConfig {
    /// A configuration offering the given lists, requiring nothing.
    pub fn new(
        server_attester_schemes: Vec<AttestationScheme>,
        client_attester_schemes: Vec<AttestationScheme>,
    ) -> Self {
        Self {
            code_points: CodePoints::DEFAULT,
            protocol: Protocol::Tls13,
            provider: default_provider(),
            server_attester_schemes,
            client_attester_schemes,
            require_server_attestation: false,
            require_client_attestation: false,
        }
    }
}

/// The server's configuration: what it can attest with and what it accepts from clients.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The code points (extension type and the three SEAT alerts).
    pub code_points: CodePoints,
    /// TLS 1.3 or DTLS 1.3 label prefix for the binder (ambiguity A2).
    pub protocol: Protocol,
    /// The crypto provider for the binder.
    pub provider: &'static dyn CryptoProvider,
    /// Schemes the server can attest with (empty: the server does not attest).
    pub attest_with: Vec<AttestationScheme>,
    /// Schemes the server accepts from an attesting client (empty: it does not ask).
    pub accept_from_client: Vec<AttestationScheme>,
    /// Abort with `attestation_required` if the client cannot attest.
    pub require_client_attestation: bool,
    /// What to do when no scheme can be chosen (ambiguity A11).
    pub fallback: Fallback,
    /// Anonymous client attestation (off by default; read by the OpenSSL adapter,
    /// `openssl_glue::attach_server`): accept a client whose TLS certificate is one
    /// self-signed leaf with no path to the trust store, **only if** that client's early
    /// attestation succeeded on this connection, its CMW in the first CertificateEntry
    /// appraised [`Verdict::Accepted`] against a binder computed from exactly that leaf's
    /// SPKI. Every other certificate error still fails the handshake, and an anchored
    /// client certificate is verified as usual.
    ///
    /// The client's TLS identity then rests on attestation alone: the leaf names whatever
    /// key the client's TEE minted, not a party; the outcome reports it as
    /// [`ChainTrust::AttestationOnly`](crate::chain::ChainTrust::AttestationOnly). This is
    /// outside draft-fossati-seat-early-attestation (EA-05+ section 2 requires an attesting
    /// client to authenticate with a certificate; digest F6, "pragmatic" reading), forfeits
    /// compound authentication, and the early binder is public (relay-prone, see the module
    /// documentation): use it where the server admits a workload for what it runs, not for
    /// who it is, and follow with a post-handshake attestation before releasing secrets.
    /// It has no effect when `accept_from_client` is empty (no client certificate is
    /// requested). Named `dangerous_` as [`DangerousSelfSignedVerifier`](crate::chain::DangerousSelfSignedVerifier)
    /// is, its counterpart for expat.
    pub dangerous_accept_anonymous_clients: bool,
}

impl ServerConfig {
    /// A strict configuration with the given schemes, requiring nothing.
    pub fn new(
        attest_with: Vec<AttestationScheme>,
        accept_from_client: Vec<AttestationScheme>,
    ) -> Self {
        Self {
            code_points: CodePoints::DEFAULT,
            protocol: Protocol::Tls13,
            provider: default_provider(),
            attest_with,
            accept_from_client,
            require_client_attestation: false,
            fallback: Fallback::Strict,
            dangerous_accept_anonymous_clients: false,
        }
    }
}

/// One input to a negotiation machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A full handshake message (4-byte header and body) sent (`sent`) or received, in order.
    /// Messages after ServerHello are used for the presence checks only.
    Message {
        /// Whether this side sent it.
        sent: bool,
        /// The message bytes.
        bytes: Vec<u8>,
    },
    /// A `remoteAttestation` extension received from the peer.
    Extension {
        /// The handshake message that carried it.
        message: HandshakeType,
        /// `extension_data`.
        data: Vec<u8>,
        /// For Certificate: the entry index and that entry's DER certificate.
        entry: Option<(usize, Vec<u8>)>,
    },
    /// The caller is building `message` and asks for this side's `remoteAttestation`.
    Build {
        /// The handshake message being built.
        message: HandshakeType,
        /// For Certificate: the entry index and that entry's DER certificate.
        entry: Option<(usize, Vec<u8>)>,
    },
    /// The peer's Certificate message has been processed (all its entries seen).
    PeerCertificateEnd,
    /// The CMW the caller produced for [`Action::ProduceEvidence`], or `None` if it could not.
    Evidence(Option<Vec<u8>>),
    /// The verdict on [`Action::Appraise`].
    Verdict(Verdict),
}

/// What the machine asks of its caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Put this `extension_data` into the message being built.
    Extension {
        /// The message it belongs to.
        message: HandshakeType,
        /// The `extension_data` bytes.
        data: Vec<u8>,
    },
    /// Produce Evidence (or, for a result scheme, an Attestation Result) bound to `binder`.
    ProduceEvidence {
        /// The chosen scheme.
        scheme: AttestationScheme,
        /// The early binder (section 6.3), the Evidence's nonce.
        binder: Vec<u8>,
        /// `Hash(SPKI)` of the attesting key, for the key-binding claim.
        spki_hash: Vec<u8>,
    },
    /// Appraise the peer's CMW against the binder recomputed from this side's transcript.
    Appraise {
        /// The chosen scheme.
        scheme: AttestationScheme,
        /// The peer's CMW.
        cmw: Vec<u8>,
        /// The expected binder (never taken from the peer).
        binder: Vec<u8>,
        /// `Hash(SPKI)` of the peer's end-entity key.
        spki_hash: Vec<u8>,
    },
    /// Something happened.
    Event(Event),
}

/// Events the machines report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The schemes are known (client: after EncryptedExtensions/CertificateRequest; server:
    /// after ClientHello).
    Negotiated {
        /// The scheme the server attests with, if any.
        server: Option<AttestationScheme>,
        /// The scheme the client attests with, if any.
        client: Option<AttestationScheme>,
    },
    /// The peer's attestation was accepted.
    PeerAttested,
    /// A fatal error, with the alert to send.
    Failed {
        /// The error.
        error: Error,
        /// The alert it calls for (with the configured SEAT alert values).
        alert: AlertDescription,
    },
}

/// Shared bookkeeping of both roles: the transcript and the pending actions.
#[derive(Debug, Default)]
struct Common {
    /// ClientHello..ServerHello, in order.
    transcript: Vec<Vec<u8>>,
    /// Whether the (non-HRR) ServerHello was seen.
    have_server_hello: bool,
    hash: Option<HashAlgorithm>,
    actions: std::collections::VecDeque<Action>,
    error: Option<Error>,
    /// Binder and scheme while waiting for Evidence.
    pending_evidence: Option<HandshakeType>,
    /// Waiting for a verdict.
    pending_verdict: bool,
    /// The peer's CMW was seen (for the presence check).
    peer_cmw_seen: bool,
    peer_attested: bool,
    /// The binders this side computed: (own, peer's).
    own_binder: Option<Vec<u8>>,
    peer_binder: Option<Vec<u8>>,
}

/// The hash of the TLS 1.3 cipher suite in a ServerHello (RFC 8446 section 4.1.3).
fn suite_hash(server_hello: &[u8]) -> Option<HashAlgorithm> {
    // header 4, legacy_version 2, random 32, then legacy_session_id_echo<0..32>.
    let sid_len = usize::from(*server_hello.get(38)?);
    let at = 39usize.checked_add(sid_len)?;
    let suite = server_hello.get(at..at.checked_add(2)?)?;
    match suite {
        [0x13, 0x01 | 0x03 | 0x04 | 0x05] => Some(HashAlgorithm::Sha256),
        [0x13, 0x02] => Some(HashAlgorithm::Sha384),
        _ => None,
    }
}

impl Common {
    fn fail(&mut self, error: Error, cp: &CodePoints) {
        if self.error.is_none() {
            let alert = error.alert(cp);
            self.error = Some(error.clone());
            self.actions.clear();
            self.actions
                .push_back(Action::Event(Event::Failed { error, alert }));
        }
    }

    fn terminal(&mut self, cp: &CodePoints) -> bool {
        if let Some(error) = self.error.clone() {
            let alert = error.alert(cp);
            self.actions
                .push_back(Action::Event(Event::Failed { error, alert }));
            true
        } else {
            false
        }
    }

    /// Records a handshake message of the hello phase. Returns `Ok(true)` for a ClientHello
    /// after a HelloRetryRequest.
    fn message(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if self.have_server_hello {
            return Ok(());
        }
        let ty = bytes.first().copied().map(HandshakeType);
        let expected = if self.transcript.len().is_multiple_of(2) {
            HandshakeType::CLIENT_HELLO
        } else {
            HandshakeType::SERVER_HELLO
        };
        if ty != Some(expected) {
            return Err(PeerMisbehaved::UnexpectedHandshakeMessage {
                expected,
                found: ty.unwrap_or(HandshakeType(0)),
            }
            .into());
        }
        if self.transcript.len() >= MAX_TRANSCRIPT_MESSAGES {
            return Err(PeerMisbehaved::SecondHelloRetryRequest.into());
        }
        if expected == HandshakeType::SERVER_HELLO && !is_hello_retry_request(bytes) {
            self.hash = Some(suite_hash(bytes).ok_or_else(|| {
                Error::from(DecodeError::new(
                    "ServerHello.cipher_suite",
                    0,
                    DecodeErrorKind::UnknownValue { value: 0 },
                ))
            })?);
            self.have_server_hello = true;
        }
        self.transcript.push(bytes.to_vec());
        Ok(())
    }

    fn hrr_seen(&self) -> bool {
        self.transcript
            .get(1)
            .is_some_and(|m| is_hello_retry_request(m))
    }

    /// The binder for `cert_der`'s SPKI and `Hash(SPKI)`.
    fn binder(
        &self,
        provider: &dyn CryptoProvider,
        protocol: Protocol,
        cert_der: &[u8],
    ) -> Result<(Vec<u8>, Vec<u8>), Error> {
        let hash = match (self.have_server_hello, self.hash) {
            (true, Some(h)) => h,
            _ => return Err(crate::error::ApiMisuse::NotEstablished.into()),
        };
        let spki = spki_from_certificate(cert_der)
            .map_err(|_| Error::InvalidCertificate(crate::chain::CertificateError::Malformed))?;
        let messages: Vec<&[u8]> = self.transcript.iter().map(Vec::as_slice).collect();
        let binder = early_binder_from_messages(provider, hash, protocol, &messages, spki)?;
        let spki_hash = provider.hash(hash, &[spki]);
        Ok((
            binder.binder.as_bytes().to_vec(),
            spki_hash.as_bytes().to_vec(),
        ))
    }

    /// The peer's Certificate entry carrying `remoteAttestation`.
    #[allow(clippy::too_many_arguments)]
    fn peer_cmw(
        &mut self,
        chosen: Option<&AttestationScheme>,
        data: &[u8],
        entry: Option<(usize, Vec<u8>)>,
        provider: &dyn CryptoProvider,
        protocol: Protocol,
        cp: &CodePoints,
    ) -> Result<(), Error> {
        let Some(scheme) = chosen else {
            // RA in the client's Certificate although CertificateRequest chose no scheme: the
            // client's Certificate may only carry what CertificateRequest did (RFC 8446
            // section 4.4.2). The client machine catches the server's case before this.
            return Err(PeerMisbehaved::UnsolicitedExtension(cp.remote_attestation()).into());
        };
        let Some((index, cert)) = entry else {
            return Err(crate::error::ApiMisuse::UnknownExchange.into());
        };
        if index != 0 {
            return Err(PeerMisbehaved::AttestationNotOnFirstEntry.into());
        }
        if self.peer_cmw_seen {
            return Err(PeerMisbehaved::AttestationNotOnFirstEntry.into());
        }
        let cmw = match RemoteAttestation::decode_data(HandshakeType::CERTIFICATE, data)? {
            RemoteAttestation::Certificate(c) => c,
            _ => return Err(crate::error::ApiMisuse::UnknownExchange.into()),
        };
        self.peer_cmw_seen = true;
        let (binder, spki_hash) = self.binder(provider, protocol, &cert)?;
        self.peer_binder = Some(binder.clone());
        self.pending_verdict = true;
        self.actions.push_back(Action::Appraise {
            scheme: scheme.clone(),
            cmw: cmw.as_bytes().to_vec(),
            binder,
            spki_hash,
        });
        Ok(())
    }

    fn own_cmw_request(
        &mut self,
        chosen: Option<&AttestationScheme>,
        message: HandshakeType,
        entry: Option<(usize, Vec<u8>)>,
        provider: &dyn CryptoProvider,
        protocol: Protocol,
    ) -> Result<(), Error> {
        let (Some(scheme), Some((0, cert))) = (chosen, entry) else {
            return Ok(());
        };
        let (binder, spki_hash) = self.binder(provider, protocol, &cert)?;
        self.own_binder = Some(binder.clone());
        self.pending_evidence = Some(message);
        self.actions.push_back(Action::ProduceEvidence {
            scheme: scheme.clone(),
            binder,
            spki_hash,
        });
        Ok(())
    }

    fn evidence(&mut self, cmw: Option<Vec<u8>>) -> Result<(), Error> {
        let Some(message) = self.pending_evidence.take() else {
            return Err(crate::error::ApiMisuse::UnknownExchange.into());
        };
        let cmw = cmw.ok_or(AttestationError::EvidenceFailed)?;
        let cmw = CmwPayload::new(cmw).map_err(Error::from)?;
        self.actions.push_back(Action::Extension {
            message,
            data: RemoteAttestation::Certificate(cmw).to_data(),
        });
        Ok(())
    }

    fn verdict(&mut self, verdict: Verdict) -> Result<(), Error> {
        if !self.pending_verdict {
            return Err(crate::error::ApiMisuse::UnknownExchange.into());
        }
        self.pending_verdict = false;
        match verdict {
            Verdict::Accepted { .. } => {
                self.peer_attested = true;
                self.actions.push_back(Action::Event(Event::PeerAttested));
                Ok(())
            }
            Verdict::Rejected { explanation } => Err(AttestationError::Rejected(
                crate::hooks::Rejection::new(crate::hooks::Stage::Other, explanation),
            )
            .into()),
        }
    }

    fn peer_certificate_end(&mut self, chosen: bool) -> Result<(), Error> {
        if chosen && !self.peer_cmw_seen {
            return Err(PeerMisbehaved::CmwMissing.into());
        }
        Ok(())
    }
}

/// The driving entry points and read accessors both machines share (they differ only in the
/// binder names their documentation gives); `step` is each machine's own.
macro_rules! machine_accessors {
    (own = $own:literal, peer = $peer:literal, peer_role = $peer_role:literal) => {
        /// Feeds one input. Errors surface as [`Event::Failed`] from `poll_action`.
        pub fn handle(&mut self, input: Input) {
            let cp = self.config.code_points;
            if self.common.terminal(&cp) {
                return;
            }
            if let Err(e) = self.step(input) {
                self.common.fail(e, &cp);
            }
        }

        /// The next action, or `None` when the machine waits for input.
        pub fn poll_action(&mut self) -> Option<Action> {
            self.common.actions.pop_front()
        }

        /// The fatal error, if the machine failed.
        pub fn error(&self) -> Option<&Error> {
            self.common.error.as_ref()
        }

        /// The scheme the server attests with (chosen in EncryptedExtensions), if any.
        pub fn chosen_server_scheme(&self) -> Option<&AttestationScheme> {
            self.chosen_server.as_ref()
        }

        /// The scheme the client attests with (chosen in CertificateRequest), if any.
        pub fn chosen_client_scheme(&self) -> Option<&AttestationScheme> {
            self.chosen_client.as_ref()
        }

        #[doc = concat!("The binder this side computed for its own Evidence (`", $own, "`).")]
        pub fn own_binder(&self) -> Option<&[u8]> {
            self.common.own_binder.as_deref()
        }

        #[doc = concat!("The binder this side expects in the ", $peer_role, "'s Evidence (`", $peer, "`).")]
        pub fn peer_binder(&self) -> Option<&[u8]> {
            self.common.peer_binder.as_deref()
        }
    };
}

/// The client's side of the negotiation (digest section 4.1).
///
/// Driving contract: `handle` one [`Input`], then drain [`poll_action`](Self::poll_action).
#[derive(Debug)]
pub struct ClientNegotiation {
    config: ClientConfig,
    common: Common,
    offer: Option<Vec<u8>>,
    chosen_server: Option<AttestationScheme>,
    chosen_client: Option<AttestationScheme>,
    server_certificate_done: bool,
}

impl ClientNegotiation {
    /// A client machine with `config`.
    pub fn new(config: ClientConfig) -> Self {
        Self {
            config,
            common: Common::default(),
            offer: None,
            chosen_server: None,
            chosen_client: None,
            server_certificate_done: false,
        }
    }

    machine_accessors!(
        own = "c_attest_binder",
        peer = "s_attest_binder",
        peer_role = "server"
    );

    /// Whether the negotiation has succeeded so far and every attestation this side
    /// requires or was offered has been accepted: the gate for application data.
    pub fn is_complete(&self) -> bool {
        self.common.error.is_none()
            && self.server_certificate_done
            && (self.chosen_server.is_none() || self.common.peer_attested)
            && (!self.config.require_server_attestation || self.common.peer_attested)
            && self.common.pending_evidence.is_none()
    }

    fn offered(&self) -> bool {
        self.offer.is_some()
    }

    fn step(&mut self, input: Input) -> Result<(), Error> {
        let cp = self.config.code_points;
        match input {
            Input::Message { sent, bytes } => {
                let ty = bytes.first().copied().map(HandshakeType);
                if !self.common.have_server_hello {
                    if sent != self.common.transcript.len().is_multiple_of(2) {
                        return Err(PeerMisbehaved::UnexpectedServerHello.into());
                    }
                    return self.common.message(&bytes);
                }
                if sent {
                    return Ok(());
                }
                // The extension callbacks of a message run after the message is reported,
                // so each presence rule is checked at the next message.
                match ty {
                    Some(HandshakeType::CERTIFICATE) => self.check_declined(),
                    Some(HandshakeType::CERTIFICATE_VERIFY) => self.server_certificate_end(),
                    Some(HandshakeType::FINISHED)
                        if self.chosen_server.is_some() && !self.common.peer_attested =>
                    {
                        Err(PeerMisbehaved::CmwMissing.into())
                    }
                    _ => Ok(()),
                }
            }
            Input::Build { message, entry } => match message {
                HandshakeType::CLIENT_HELLO => {
                    if let Some(offer) = &self.offer {
                        // Section 4.1.2 of RFC 8446: ClientHello2 repeats the extension.
                        self.common.actions.push_back(Action::Extension {
                            message,
                            data: offer.clone(),
                        });
                        return Ok(());
                    }
                    if self.config.server_attester_schemes.is_empty()
                        && self.config.client_attester_schemes.is_empty()
                    {
                        return Ok(());
                    }
                    let offer = RemoteAttestationOffer::new(
                        self.config.server_attester_schemes.clone(),
                        self.config.client_attester_schemes.clone(),
                    )?;
                    let data = RemoteAttestation::ClientHello(offer).to_data();
                    self.offer = Some(data.clone());
                    self.common
                        .actions
                        .push_back(Action::Extension { message, data });
                    Ok(())
                }
                HandshakeType::CERTIFICATE => {
                    let chosen = self.chosen_client.clone();
                    self.common.own_cmw_request(
                        chosen.as_ref(),
                        message,
                        entry,
                        self.config.provider,
                        self.config.protocol,
                    )
                }
                _ => Ok(()),
            },
            Input::Extension {
                message,
                data,
                entry,
            } => {
                if !self.offered() {
                    return Err(
                        PeerMisbehaved::UnsolicitedExtension(cp.remote_attestation()).into(),
                    );
                }
                match message {
                    HandshakeType::ENCRYPTED_EXTENSIONS => {
                        let RemoteAttestation::EncryptedExtensions(s) =
                            RemoteAttestation::decode_data(message, &data)?
                        else {
                            return Err(PeerMisbehaved::UnexpectedServerHello.into());
                        };
                        if self.chosen_server.is_some() {
                            return Err(duplicate(message));
                        }
                        if self.config.server_attester_schemes.is_empty() {
                            return Err(PeerMisbehaved::UnsolicitedExtension(
                                cp.remote_attestation(),
                            )
                            .into());
                        }
                        if !self.config.server_attester_schemes.contains(&s) {
                            return Err(PeerMisbehaved::SchemeNotOffered.into());
                        }
                        self.chosen_server = Some(s);
                        self.negotiated();
                        Ok(())
                    }
                    HandshakeType::CERTIFICATE_REQUEST => {
                        let RemoteAttestation::CertificateRequest(s) =
                            RemoteAttestation::decode_data(message, &data)?
                        else {
                            return Err(PeerMisbehaved::UnexpectedServerHello.into());
                        };
                        if self.chosen_client.is_some() {
                            return Err(duplicate(message));
                        }
                        if self.config.client_attester_schemes.is_empty() {
                            return Err(PeerMisbehaved::UnsolicitedExtension(
                                cp.remote_attestation(),
                            )
                            .into());
                        }
                        if !self.config.client_attester_schemes.contains(&s) {
                            return Err(PeerMisbehaved::SchemeNotOffered.into());
                        }
                        self.chosen_client = Some(s);
                        self.negotiated();
                        Ok(())
                    }
                    HandshakeType::CERTIFICATE => {
                        let chosen = self.chosen_server.clone();
                        if chosen.is_none() {
                            // The ClientHello offered the extension, so it is not unsolicited
                            // (RFC 8446 section 4.4.2), but EncryptedExtensions chose no scheme:
                            // digest section 4.1, illegal_parameter.
                            return Err(PeerMisbehaved::UnexpectedExtension(
                                cp.remote_attestation(),
                            )
                            .into());
                        }
                        self.common.peer_cmw(
                            chosen.as_ref(),
                            &data,
                            entry,
                            self.config.provider,
                            self.config.protocol,
                            &cp,
                        )
                    }
                    // RFC 8446 section 4.2: a recognised extension in a message it is not
                    // defined for (remoteAttestation lives in CH, EE, CR and CT).
                    _ => Err(PeerMisbehaved::UnexpectedExtension(cp.remote_attestation()).into()),
                }
            }
            Input::PeerCertificateEnd => {
                self.check_declined()?;
                self.server_certificate_end()
            }
            Input::Evidence(cmw) => self.common.evidence(cmw),
            Input::Verdict(v) => self.common.verdict(v),
        }
    }

    fn negotiated(&mut self) {
        self.common
            .actions
            .push_back(Action::Event(Event::Negotiated {
                server: self.chosen_server.clone(),
                client: self.chosen_client.clone(),
            }));
    }

    /// EncryptedExtensions and CertificateRequest are behind us: did the server decline a
    /// role the client's policy requires (digest section 4.1, `attestation_required`)?
    fn check_declined(&self) -> Result<(), Error> {
        if self.config.require_server_attestation && self.chosen_server.is_none() {
            return Err(AttestationError::Unavailable.into());
        }
        if self.config.require_client_attestation && self.chosen_client.is_none() {
            return Err(AttestationError::Unavailable.into());
        }
        Ok(())
    }

    fn server_certificate_end(&mut self) -> Result<(), Error> {
        self.server_certificate_done = true;
        self.common
            .peer_certificate_end(self.chosen_server.is_some())
    }
}

fn duplicate(message: HandshakeType) -> Error {
    DecodeError::new(
        "remoteAttestation",
        0,
        DecodeErrorKind::DuplicateExtension {
            extension_type: u16::from(message.0),
        },
    )
    .into()
}

/// The server's side of the negotiation (digest section 4.2).
///
/// Driving contract: `handle` one [`Input`], then drain [`poll_action`](Self::poll_action).
#[derive(Debug)]
pub struct ServerNegotiation {
    config: ServerConfig,
    common: Common,
    /// The `extension_data` of ClientHello1's `remoteAttestation`.
    first_offer: Option<Vec<u8>>,
    offers_seen: usize,
    chosen_server: Option<AttestationScheme>,
    chosen_client: Option<AttestationScheme>,
    client_certificate_done: bool,
}

impl ServerNegotiation {
    /// A server machine with `config`.
    pub fn new(config: ServerConfig) -> Self {
        Self {
            config,
            common: Common::default(),
            first_offer: None,
            offers_seen: 0,
            chosen_server: None,
            chosen_client: None,
            client_certificate_done: false,
        }
    }

    machine_accessors!(
        own = "s_attest_binder",
        peer = "c_attest_binder",
        peer_role = "client"
    );

    /// Whether every attestation negotiated has succeeded: the gate for application data.
    pub fn is_complete(&self) -> bool {
        self.common.error.is_none()
            && (self.chosen_client.is_none()
                || (self.client_certificate_done && self.common.peer_attested))
            && (!self.config.require_client_attestation || self.common.peer_attested)
            && self.common.pending_evidence.is_none()
    }

    fn step(&mut self, input: Input) -> Result<(), Error> {
        let cp = self.config.code_points;
        match input {
            Input::Message { sent, bytes } => {
                let ty = bytes.first().copied().map(HandshakeType);
                if !self.common.have_server_hello {
                    if sent == self.common.transcript.len().is_multiple_of(2) {
                        return Err(PeerMisbehaved::UnexpectedClientHello.into());
                    }
                    // ServerHello after a HelloRetryRequest: ClientHello2 must have repeated
                    // the extension of ClientHello1 (its parse came before this message).
                    if sent
                        && !is_hello_retry_request(&bytes)
                        && self.common.hrr_seen()
                        && self.first_offer.is_some()
                        && self.offers_seen < 2
                    {
                        return Err(PeerMisbehaved::AttestationOfferChanged.into());
                    }
                    return self.common.message(&bytes);
                }
                if sent {
                    return Ok(());
                }
                match ty {
                    Some(HandshakeType::CERTIFICATE_VERIFY) => self.client_certificate_end(),
                    Some(HandshakeType::FINISHED)
                        if self.chosen_client.is_some() && !self.common.peer_attested =>
                    {
                        Err(PeerMisbehaved::CmwMissing.into())
                    }
                    _ => Ok(()),
                }
            }
            Input::Extension {
                message,
                data,
                entry,
            } => match message {
                HandshakeType::CLIENT_HELLO => self.client_hello(&data),
                HandshakeType::CERTIFICATE => {
                    let chosen = self.chosen_client.clone();
                    self.common.peer_cmw(
                        chosen.as_ref(),
                        &data,
                        entry,
                        self.config.provider,
                        self.config.protocol,
                        &cp,
                    )
                }
                // RFC 8446 section 4.2: not defined for this message.
                _ => Err(PeerMisbehaved::UnexpectedExtension(cp.remote_attestation()).into()),
            },
            Input::Build { message, entry } => {
                match message {
                    HandshakeType::ENCRYPTED_EXTENSIONS => {
                        if let Some(s) = &self.chosen_server {
                            self.common.actions.push_back(Action::Extension {
                                message,
                                data: RemoteAttestation::EncryptedExtensions(s.clone()).to_data(),
                            });
                        }
                    }
                    HandshakeType::CERTIFICATE_REQUEST => {
                        if self.first_offer.is_none() && self.config.require_client_attestation {
                            // Digest section 4.2: the spec is silent; attestation_required.
                            return Err(AttestationError::Unavailable.into());
                        }
                        if let Some(s) = &self.chosen_client {
                            self.common.actions.push_back(Action::Extension {
                                message,
                                data: RemoteAttestation::CertificateRequest(s.clone()).to_data(),
                            });
                        }
                    }
                    HandshakeType::CERTIFICATE => {
                        let chosen = self.chosen_server.clone();
                        self.common.own_cmw_request(
                            chosen.as_ref(),
                            message,
                            entry,
                            self.config.provider,
                            self.config.protocol,
                        )?;
                    }
                    _ => {}
                }
                Ok(())
            }
            Input::PeerCertificateEnd => self.client_certificate_end(),
            Input::Evidence(cmw) => self.common.evidence(cmw),
            Input::Verdict(v) => self.common.verdict(v),
        }
    }

    fn client_certificate_end(&mut self) -> Result<(), Error> {
        self.client_certificate_done = true;
        self.common
            .peer_certificate_end(self.chosen_client.is_some())
    }

    fn client_hello(&mut self, data: &[u8]) -> Result<(), Error> {
        self.offers_seen = self.offers_seen.saturating_add(1);
        if self.offers_seen > 1 || self.common.hrr_seen() {
            // RFC 8446 section 4.1.2: ClientHello2 may change only what the HRR asked for.
            if self.first_offer.as_deref() != Some(data) {
                return Err(PeerMisbehaved::AttestationOfferChanged.into());
            }
            return Ok(());
        }
        let RemoteAttestation::ClientHello(offer) =
            RemoteAttestation::decode_data(HandshakeType::CLIENT_HELLO, data)?
        else {
            return Err(PeerMisbehaved::UnexpectedClientHello.into());
        };
        self.first_offer = Some(data.to_vec());
        if offer.is_empty() {
            return Err(PeerIncompatible::EmptyAttestationOffer.into());
        }
        // Ambiguity A14: the first scheme in the client's order that this side accepts.
        self.chosen_server = offer
            .server_attester_schemes()
            .iter()
            .find(|s| self.config.attest_with.contains(s))
            .cloned();
        self.chosen_client = offer
            .client_attester_schemes()
            .iter()
            .find(|s| self.config.accept_from_client.contains(s))
            .cloned();
        let nothing = self.chosen_server.is_none() && self.chosen_client.is_none();
        let client_missing = self.config.require_client_attestation && self.chosen_client.is_none();
        match self.config.fallback {
            Fallback::Strict if nothing || client_missing => {
                return Err(PeerIncompatible::NoCommonAttestationScheme.into());
            }
            Fallback::Lenient if client_missing => {
                return Err(AttestationError::Unavailable.into());
            }
            _ => {}
        }
        self.common
            .actions
            .push_back(Action::Event(Event::Negotiated {
                server: self.chosen_server.clone(),
                client: self.chosen_client.clone(),
            }));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_hash_reads_the_cipher_suite() {
        let mut sh = vec![2, 0, 0, 0x46, 3, 3];
        sh.extend_from_slice(&[0xaa; 32]);
        sh.push(0);
        sh.extend_from_slice(&[0x13, 0x02]);
        assert_eq!(suite_hash(&sh), Some(HashAlgorithm::Sha384));
        sh[39] = 0x13;
        sh[40] = 0x01;
        assert_eq!(suite_hash(&sh), Some(HashAlgorithm::Sha256));
        assert_eq!(suite_hash(&sh[..39]), None);
    }
}
