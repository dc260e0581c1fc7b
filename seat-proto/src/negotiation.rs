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
//!
//! The contract is [`Session`](crate::session::Session)'s: `handle` returns
//! `Result<(), Error>`. An [`Error::ApiMisuse`] (Evidence or a verdict nobody asked for) leaves
//! the machine as it was; any other error is fatal: the machine queues [`Event::Failed`] with
//! the error (the alert to send is [`Error::alert`], the one place errors map to alerts), and
//! is terminal: every later `handle` returns the same error, and [`ClientNegotiation::error`]
//! returns it.
//!
//! Each machine's state is typed and named for what it waits for (the hello transcript, this
//! side's Evidence, the peer's CMW, the verdict, the end of the peer's Certificate); a
//! transition consumes the state it leaves, and the gate ([`ClientNegotiation::is_complete`])
//! is a match on those states.
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
use seat_binding::provider::{CryptoProvider, HashAlgorithm};
use seat_binding::spki::spki_from_certificate;

use std::collections::VecDeque;

use seat_binding::authenticator::Role;

use crate::codec::{DecodeError, DecodeErrorKind, Reader};
use crate::codepoints::{CodePoints, HandshakeType};
use crate::error::{ApiMisuse, AttestationError, Error, PeerIncompatible, PeerMisbehaved};
use crate::hooks::Rejection;
use crate::remote_attestation::{
    AttestationScheme, CmwPayload, RemoteAttestation, RemoteAttestationOffer,
};

/// The name of the HelloRetryRequest reading used for the transcript hash (ambiguity A1,
/// reading (c)): RFC 8446 section 4.4.1, ClientHello1 replaced by `message_hash`.
pub const HRR_READING: &str = "rfc8446-4.4.1";

/// The most handshake messages the transcript ClientHello..ServerHello can hold
/// (ClientHello, HelloRetryRequest, ClientHello, ServerHello).
const MAX_TRANSCRIPT_MESSAGES: usize = 4;

/// What the server does when it supports early attestation but can choose no scheme
/// (ambiguity A11). Closed: the digest's two readings.
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
#[non_exhaustive]
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
    /// A configuration offering the given lists, requiring nothing, on the default provider
    /// (feature `aws-lc-rs`).
    #[cfg(feature = "aws-lc-rs")]
    pub fn new(
        server_attester_schemes: Vec<AttestationScheme>,
        client_attester_schemes: Vec<AttestationScheme>,
    ) -> Self {
        Self::with_provider(
            seat_binding::provider::default_provider(),
            server_attester_schemes,
            client_attester_schemes,
        )
    }

    /// As [`new`](Self::new), on `provider` (any build).
    pub fn with_provider(
        provider: &'static dyn CryptoProvider,
        server_attester_schemes: Vec<AttestationScheme>,
        client_attester_schemes: Vec<AttestationScheme>,
    ) -> Self {
        Self {
            code_points: CodePoints::DEFAULT,
            protocol: Protocol::Tls13,
            provider,
            server_attester_schemes,
            client_attester_schemes,
            require_server_attestation: false,
            require_client_attestation: false,
        }
    }
}

/// The server's configuration: what it can attest with and what it accepts from clients.
#[non_exhaustive]
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
    /// accepted (`Input::Verdict(Ok(()))`) against a binder computed from exactly that leaf's
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
    /// A strict configuration with the given schemes, requiring nothing, on the default
    /// provider (feature `aws-lc-rs`).
    #[cfg(feature = "aws-lc-rs")]
    pub fn new(
        attest_with: Vec<AttestationScheme>,
        accept_from_client: Vec<AttestationScheme>,
    ) -> Self {
        Self::with_provider(
            seat_binding::provider::default_provider(),
            attest_with,
            accept_from_client,
        )
    }

    /// As [`new`](Self::new), on `provider` (any build).
    pub fn with_provider(
        provider: &'static dyn CryptoProvider,
        attest_with: Vec<AttestationScheme>,
        accept_from_client: Vec<AttestationScheme>,
    ) -> Self {
        Self {
            code_points: CodePoints::DEFAULT,
            protocol: Protocol::Tls13,
            provider,
            attest_with,
            accept_from_client,
            require_client_attestation: false,
            fallback: Fallback::Strict,
            dangerous_accept_anonymous_clients: false,
        }
    }
}

/// One input to a negotiation machine.
#[non_exhaustive]
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
    /// The decision on [`Action::Appraise`]: `Ok(())` accepted, or the [`Rejection`] (its
    /// stage and reason travel into [`AttestationError::Rejected`]). The typed result of an
    /// accepted appraisal stays with the caller (the OpenSSL adapter keeps it for
    /// `outcome`), as for [`Session`](crate::session::Session).
    Verdict(Result<(), Rejection>),
}

/// What the machine asks of its caller.
#[non_exhaustive]
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
#[non_exhaustive]
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
    /// The machine failed; it is terminal. The alert to send is
    /// [`Error::alert`] of `error` with the configured code points.
    Failed {
        /// What went wrong.
        error: Error,
    },
}

/// The hello phase: the transcript ClientHello..ServerHello the early binder hashes.
#[derive(Debug)]
enum Hellos {
    /// Waiting for the next ClientHello (after an even number of messages) or ServerHello
    /// (HelloRetryRequest included, after an odd number).
    ExpectHello { transcript: Vec<Vec<u8>> },
    /// The (non-HRR) ServerHello arrived: the transcript is complete and the cipher suite
    /// names the binder's hash.
    Complete {
        transcript: Vec<Vec<u8>>,
        hash: HashAlgorithm,
    },
}

impl Hellos {
    fn transcript(&self) -> &[Vec<u8>] {
        match self {
            Self::ExpectHello { transcript } | Self::Complete { transcript, .. } => transcript,
        }
    }

    fn hrr_seen(&self) -> bool {
        self.transcript()
            .get(1)
            .is_some_and(|m| is_hello_retry_request(m))
    }

    /// Records a handshake message of the hello phase (nothing once it is complete).
    fn message(self, bytes: &[u8]) -> Result<Self, Error> {
        let mut transcript = match self {
            Self::ExpectHello { transcript } => transcript,
            complete @ Self::Complete { .. } => return Ok(complete),
        };
        let ty = bytes.first().copied().map(HandshakeType);
        let expected = if transcript.len().is_multiple_of(2) {
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
        if transcript.len() >= MAX_TRANSCRIPT_MESSAGES {
            return Err(PeerMisbehaved::SecondHelloRetryRequest.into());
        }
        transcript.push(bytes.to_vec());
        if expected == HandshakeType::SERVER_HELLO && !is_hello_retry_request(bytes) {
            let hash = suite_hash(bytes)?;
            return Ok(Self::Complete { transcript, hash });
        }
        Ok(Self::ExpectHello { transcript })
    }

    /// The binder for `cert_der`'s SPKI and `Hash(SPKI)`.
    fn binder(
        &self,
        provider: &dyn CryptoProvider,
        protocol: Protocol,
        cert_der: &[u8],
    ) -> Result<(Vec<u8>, Vec<u8>), Error> {
        let Self::Complete { transcript, hash } = self else {
            return Err(ApiMisuse::NotEstablished.into());
        };
        let spki = spki_from_certificate(cert_der)
            .map_err(|_| Error::InvalidCertificate(crate::chain::CertificateError::Malformed))?;
        let messages: Vec<&[u8]> = transcript.iter().map(Vec::as_slice).collect();
        let binder = early_binder_from_messages(provider, *hash, protocol, &messages, spki)?;
        let spki_hash = provider.hash(*hash, &[spki]);
        Ok((
            binder.binder.as_bytes().to_vec(),
            spki_hash.as_bytes().to_vec(),
        ))
    }
}

/// The hash of the TLS 1.3 cipher suite in a ServerHello (RFC 8446 section 4.1.3).
///
/// # Errors
///
/// A decode error at the cipher suite's offset in the message: truncated, or a suite that is
/// not one of RFC 8446's.
fn suite_hash(server_hello: &[u8]) -> Result<HashAlgorithm, Error> {
    const WHAT: &str = "ServerHello.cipher_suite";
    // header 4, legacy_version 2, random 32, then legacy_session_id_echo<0..32>.
    let mut r = Reader::new(server_hello);
    r.take(4 + 2 + 32, "ServerHello")?;
    r.vec_u8("ServerHello.legacy_session_id_echo", 0, 32)?;
    let at = r.offset();
    let suite = r.u16(WHAT)?;
    match suite {
        0x1301 | 0x1303 | 0x1304 | 0x1305 => Ok(HashAlgorithm::Sha256),
        0x1302 => Ok(HashAlgorithm::Sha384),
        value => Err(DecodeError::new(WHAT, at, DecodeErrorKind::UnknownValue { value }).into()),
    }
}

/// This side's own attestation, named for what it waits for.
#[derive(Debug)]
enum Own {
    /// No scheme chosen for this side (not yet, or not at all): nothing to attest.
    NotChosen,
    /// A scheme was chosen: waiting to build the first CertificateEntry.
    ExpectCertificate { scheme: AttestationScheme },
    /// The binder went to the Attester: waiting for its CMW for `message`.
    ExpectEvidence {
        scheme: AttestationScheme,
        message: HandshakeType,
        binder: Vec<u8>,
    },
    /// The CMW went into the Certificate.
    Attested {
        scheme: AttestationScheme,
        binder: Vec<u8>,
    },
}

impl Own {
    fn scheme(&self) -> Option<&AttestationScheme> {
        match self {
            Self::NotChosen => None,
            Self::ExpectCertificate { scheme }
            | Self::ExpectEvidence { scheme, .. }
            | Self::Attested { scheme, .. } => Some(scheme),
        }
    }

    fn binder(&self) -> Option<&[u8]> {
        match self {
            Self::ExpectEvidence { binder, .. } | Self::Attested { binder, .. } => Some(binder),
            Self::NotChosen | Self::ExpectCertificate { .. } => None,
        }
    }

    /// Whether nothing is owed to the peer: no Evidence is outstanding.
    fn settled(&self) -> bool {
        !matches!(self, Self::ExpectEvidence { .. })
    }
}

/// The appraisal of the peer's attestation, named for what it waits for.
#[derive(Debug)]
enum Appraisal {
    /// No scheme chosen for the peer (not yet, or not at all): nothing to appraise.
    NotChosen,
    /// A scheme was chosen: waiting for the CMW in the peer's first CertificateEntry.
    ExpectCmw { scheme: AttestationScheme },
    /// The CMW went to the caller's Verifier: waiting for its verdict.
    ExpectVerdict {
        scheme: AttestationScheme,
        binder: Vec<u8>,
    },
    /// The verdict accepted it.
    Accepted {
        scheme: AttestationScheme,
        binder: Vec<u8>,
    },
}

impl Appraisal {
    fn scheme(&self) -> Option<&AttestationScheme> {
        match self {
            Self::NotChosen => None,
            Self::ExpectCmw { scheme }
            | Self::ExpectVerdict { scheme, .. }
            | Self::Accepted { scheme, .. } => Some(scheme),
        }
    }

    fn binder(&self) -> Option<&[u8]> {
        match self {
            Self::ExpectVerdict { binder, .. } | Self::Accepted { binder, .. } => Some(binder),
            Self::NotChosen | Self::ExpectCmw { .. } => None,
        }
    }
}

/// The peer's Certificate and the appraisal of what it carried.
#[derive(Debug)]
enum Peer {
    /// Waiting for the end of the peer's Certificate.
    ExpectCertificateEnd(Appraisal),
    /// The peer's Certificate has ended (a CMW, if one was due, was in it).
    CertificateEnded(Appraisal),
}

impl Peer {
    fn appraisal(&self) -> &Appraisal {
        match self {
            Self::ExpectCertificateEnd(a) | Self::CertificateEnded(a) => a,
        }
    }

    /// Whether the peer owes a CMW it has not had appraised yet (checked at its Finished).
    fn owes_cmw(&self) -> bool {
        matches!(
            self.appraisal(),
            Appraisal::ExpectCmw { .. } | Appraisal::ExpectVerdict { .. }
        )
    }
}

/// What both roles share: the hello transcript, the two attestations, the pending actions
/// and the terminal error.
#[derive(Debug)]
struct Core {
    role: Role,
    hellos: Hellos,
    own: Own,
    peer: Peer,
    actions: VecDeque<Action>,
    error: Option<Error>,
}

impl Core {
    fn new(role: Role) -> Self {
        Self {
            role,
            hellos: Hellos::ExpectHello {
                transcript: Vec::new(),
            },
            own: Own::NotChosen,
            peer: Peer::ExpectCertificateEnd(Appraisal::NotChosen),
            actions: VecDeque::new(),
            error: None,
        }
    }

    /// The contract of both machines' `handle`: a terminal machine returns its error; an
    /// [`Error::ApiMisuse`] leaves the machine as it was; any other error is fatal.
    fn handle(&mut self, step: impl FnOnce(&mut Self) -> Result<(), Error>) -> Result<(), Error> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        match step(self) {
            Ok(()) => Ok(()),
            Err(e @ Error::ApiMisuse(_)) => Err(e),
            Err(error) => {
                self.error = Some(error.clone());
                self.actions.clear();
                self.actions.push_back(Action::Event(Event::Failed {
                    error: error.clone(),
                }));
                Err(error)
            }
        }
    }

    fn message(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let hellos = core::mem::replace(
            &mut self.hellos,
            Hellos::ExpectHello {
                transcript: Vec::new(),
            },
        );
        self.hellos = hellos.message(bytes)?;
        Ok(())
    }

    /// A scheme was chosen for this side and one for the peer (either may be `None`).
    fn choose(&mut self, own: Option<AttestationScheme>, peer: Option<AttestationScheme>) {
        if let Some(scheme) = own {
            self.own = Own::ExpectCertificate { scheme };
        }
        if let Some(scheme) = peer {
            self.peer = Peer::ExpectCertificateEnd(Appraisal::ExpectCmw { scheme });
        }
    }

    /// The peer's Certificate entry carrying `remoteAttestation`.
    fn peer_cmw(
        &mut self,
        data: &[u8],
        entry: Option<(usize, Vec<u8>)>,
        provider: &dyn CryptoProvider,
        protocol: Protocol,
        cp: &CodePoints,
    ) -> Result<(), Error> {
        let Some((index, cert)) = entry else {
            return Err(ApiMisuse::UnknownExchange.into());
        };
        let scheme = match &self.peer {
            Peer::ExpectCertificateEnd(Appraisal::ExpectCmw { scheme }) => scheme.clone(),
            // RA in the client's Certificate although CertificateRequest chose no scheme: the
            // client's Certificate may only carry what CertificateRequest did (RFC 8446
            // section 4.4.2). The client machine catches the server's case before this.
            Peer::ExpectCertificateEnd(Appraisal::NotChosen)
            | Peer::CertificateEnded(Appraisal::NotChosen) => {
                return Err(PeerMisbehaved::UnsolicitedExtension(cp.remote_attestation()).into());
            }
            // A second CMW, or one after the Certificate ended.
            _ => return Err(PeerMisbehaved::AttestationNotOnFirstEntry.into()),
        };
        if index != 0 {
            return Err(PeerMisbehaved::AttestationNotOnFirstEntry.into());
        }
        let RemoteAttestation::Certificate(cmw) =
            RemoteAttestation::decode_data(HandshakeType::CERTIFICATE, data)?
        else {
            return Err(ApiMisuse::UnknownExchange.into());
        };
        let (binder, spki_hash) = self.hellos.binder(provider, protocol, &cert)?;
        self.actions.push_back(Action::Appraise {
            scheme: scheme.clone(),
            cmw: cmw.as_bytes().to_vec(),
            binder: binder.clone(),
            spki_hash,
        });
        self.peer = Peer::ExpectCertificateEnd(Appraisal::ExpectVerdict { scheme, binder });
        Ok(())
    }

    /// This side builds `message` (its Certificate) with `entry`: asks for Evidence if a
    /// scheme was chosen and this is the first entry.
    fn own_cmw_request(
        &mut self,
        message: HandshakeType,
        entry: Option<(usize, Vec<u8>)>,
        provider: &dyn CryptoProvider,
        protocol: Protocol,
    ) -> Result<(), Error> {
        let (Own::ExpectCertificate { scheme }, Some((0, cert))) = (&self.own, entry) else {
            return Ok(());
        };
        let scheme = scheme.clone();
        // This side's own certificate: a fault in it is the caller's, not the peer's.
        let (binder, spki_hash) =
            self.hellos
                .binder(provider, protocol, &cert)
                .map_err(|e| match e {
                    Error::InvalidCertificate(_) => ApiMisuse::BadCredential.into(),
                    other => other,
                })?;
        self.actions.push_back(Action::ProduceEvidence {
            scheme: scheme.clone(),
            binder: binder.clone(),
            spki_hash,
        });
        self.own = Own::ExpectEvidence {
            scheme,
            message,
            binder,
        };
        Ok(())
    }

    fn evidence(&mut self, cmw: Option<Vec<u8>>) -> Result<(), Error> {
        if !matches!(self.own, Own::ExpectEvidence { .. }) {
            return Err(ApiMisuse::UnknownExchange.into());
        }
        let cmw = cmw.ok_or(AttestationError::EvidenceFailed)?;
        let cmw = CmwPayload::new(cmw).map_err(Error::from)?;
        let Own::ExpectEvidence {
            scheme,
            message,
            binder,
        } = core::mem::replace(&mut self.own, Own::NotChosen)
        else {
            return Err(ApiMisuse::UnknownExchange.into());
        };
        self.actions.push_back(Action::Extension {
            message,
            data: RemoteAttestation::Certificate(cmw).to_data(),
        });
        self.own = Own::Attested { scheme, binder };
        Ok(())
    }

    fn verdict(&mut self, verdict: Result<(), Rejection>) -> Result<(), Error> {
        let (ended, scheme, binder) = match core::mem::replace(
            &mut self.peer,
            Peer::ExpectCertificateEnd(Appraisal::NotChosen),
        ) {
            Peer::ExpectCertificateEnd(Appraisal::ExpectVerdict { scheme, binder }) => {
                (false, scheme, binder)
            }
            Peer::CertificateEnded(Appraisal::ExpectVerdict { scheme, binder }) => {
                (true, scheme, binder)
            }
            other => {
                self.peer = other;
                return Err(ApiMisuse::UnknownExchange.into());
            }
        };
        let (appraisal, result) = match verdict {
            Ok(()) => (Appraisal::Accepted { scheme, binder }, Ok(())),
            // Terminal: the scheme and binder stay readable.
            Err(rejection) => (
                Appraisal::ExpectVerdict { scheme, binder },
                Err(AttestationError::Rejected(rejection).into()),
            ),
        };
        self.peer = if ended {
            Peer::CertificateEnded(appraisal)
        } else {
            Peer::ExpectCertificateEnd(appraisal)
        };
        if result.is_ok() {
            self.actions.push_back(Action::Event(Event::PeerAttested));
        }
        result
    }

    /// The peer's Certificate ended: a chosen scheme's CMW must have been in it.
    fn peer_certificate_end(&mut self) -> Result<(), Error> {
        match core::mem::replace(
            &mut self.peer,
            Peer::ExpectCertificateEnd(Appraisal::NotChosen),
        ) {
            Peer::ExpectCertificateEnd(a @ Appraisal::ExpectCmw { .. }) => {
                // Terminal: the chosen scheme stays readable.
                self.peer = Peer::CertificateEnded(a);
                Err(PeerMisbehaved::CmwMissing.into())
            }
            Peer::ExpectCertificateEnd(a) | Peer::CertificateEnded(a) => {
                self.peer = Peer::CertificateEnded(a);
                Ok(())
            }
        }
    }

    /// The peer's Finished arrived: a CMW it owed is missing.
    fn peer_finished(&self) -> Result<(), Error> {
        if self.peer.owes_cmw() {
            return Err(PeerMisbehaved::CmwMissing.into());
        }
        Ok(())
    }

    /// Reports the schemes chosen so far. Which attestation is whose depends on the role.
    fn negotiated(&mut self) {
        let (own, peer) = (
            self.own.scheme().cloned(),
            self.peer.appraisal().scheme().cloned(),
        );
        let (server, client) = match self.role {
            Role::Client => (peer, own),
            Role::Server => (own, peer),
        };
        self.actions
            .push_back(Action::Event(Event::Negotiated { server, client }));
    }
}

/// The client's side of the negotiation (digest section 4.1).
///
/// Driving contract: `handle` one [`Input`], then drain [`poll_action`](Self::poll_action).
#[derive(Debug)]
pub struct ClientNegotiation {
    config: ClientConfig,
    /// The `extension_data` of the ClientHello's `remoteAttestation`, once built (`None`:
    /// not offered, or not yet).
    offer: Option<Vec<u8>>,
    core: Core,
}

impl ClientNegotiation {
    /// A client machine with `config`.
    pub fn new(config: ClientConfig) -> Self {
        Self {
            config,
            offer: None,
            core: Core::new(Role::Client),
        }
    }

    /// Feeds one input; drain [`poll_action`](Self::poll_action) afterwards.
    ///
    /// # Errors
    ///
    /// [`Error::ApiMisuse`] for an input that makes no sense now (Evidence or a verdict
    /// nobody asked for, a Certificate extension without its entry); the machine stays
    /// usable. Any other error is fatal: [`Event::Failed`] is queued (the alert to send is
    /// [`Error::alert`]), and the machine is terminal: every later `handle` returns the same
    /// error.
    pub fn handle(&mut self, input: Input) -> Result<(), Error> {
        let (config, offer) = (&self.config, &mut self.offer);
        self.core
            .handle(|core| client_step(config, offer, core, input))
    }

    /// The next action, or `None` when the machine waits for input.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.core.actions.pop_front()
    }

    /// The code points this machine uses (for [`Error::alert`]).
    pub fn code_points(&self) -> CodePoints {
        self.config.code_points
    }

    /// The hash of the negotiated cipher suite, once the ServerHello is in.
    pub fn hash(&self) -> Option<HashAlgorithm> {
        match self.core.hellos {
            Hellos::Complete { hash, .. } => Some(hash),
            Hellos::ExpectHello { .. } => None,
        }
    }

    /// The fatal error, if the machine failed.
    pub fn error(&self) -> Option<&Error> {
        self.core.error.as_ref()
    }

    /// The scheme the server attests with (chosen in EncryptedExtensions), if any.
    pub fn chosen_server_scheme(&self) -> Option<&AttestationScheme> {
        self.core.peer.appraisal().scheme()
    }

    /// The scheme the client attests with (chosen in CertificateRequest), if any.
    pub fn chosen_client_scheme(&self) -> Option<&AttestationScheme> {
        self.core.own.scheme()
    }

    /// The binder this side computed for its own Evidence (`c_attest_binder`).
    pub fn own_binder(&self) -> Option<&[u8]> {
        self.core.own.binder()
    }

    /// The binder this side expects in the server's Evidence (`s_attest_binder`).
    pub fn peer_binder(&self) -> Option<&[u8]> {
        self.core.peer.appraisal().binder()
    }

    /// Whether the negotiation has succeeded so far and every attestation this side
    /// requires or was offered has been accepted: the gate for application data.
    pub fn is_complete(&self) -> bool {
        let core = &self.core;
        let peer_done = match &core.peer {
            Peer::CertificateEnded(Appraisal::Accepted { .. }) => true,
            Peer::CertificateEnded(Appraisal::NotChosen) => !self.config.require_server_attestation,
            _ => false,
        };
        core.error.is_none() && peer_done && core.own.settled()
    }
}

fn client_step(
    config: &ClientConfig,
    offer: &mut Option<Vec<u8>>,
    core: &mut Core,
    input: Input,
) -> Result<(), Error> {
    let cp = config.code_points;
    match input {
        Input::Message { sent, bytes } => {
            if let Hellos::ExpectHello { transcript } = &core.hellos {
                if sent != transcript.len().is_multiple_of(2) {
                    return Err(PeerMisbehaved::UnexpectedServerHello.into());
                }
                return core.message(&bytes);
            }
            if sent {
                return Ok(());
            }
            // The extension callbacks of a message run after the message is reported,
            // so each presence rule is checked at the next message.
            match bytes.first().copied().map(HandshakeType) {
                Some(HandshakeType::CERTIFICATE) => client_check_declined(config, core),
                Some(HandshakeType::CERTIFICATE_VERIFY) => core.peer_certificate_end(),
                Some(HandshakeType::FINISHED) => core.peer_finished(),
                _ => Ok(()),
            }
        }
        Input::Build { message, entry } => match message {
            HandshakeType::CLIENT_HELLO => {
                if let Some(data) = offer {
                    // Section 4.1.2 of RFC 8446: ClientHello2 repeats the extension.
                    core.actions.push_back(Action::Extension {
                        message,
                        data: data.clone(),
                    });
                    return Ok(());
                }
                if config.server_attester_schemes.is_empty()
                    && config.client_attester_schemes.is_empty()
                {
                    return Ok(());
                }
                let built = RemoteAttestationOffer::new(
                    config.server_attester_schemes.clone(),
                    config.client_attester_schemes.clone(),
                )?;
                let data = RemoteAttestation::ClientHello(built).to_data();
                *offer = Some(data.clone());
                core.actions.push_back(Action::Extension { message, data });
                Ok(())
            }
            HandshakeType::CERTIFICATE => {
                core.own_cmw_request(message, entry, config.provider, config.protocol)
            }
            _ => Ok(()),
        },
        Input::Extension {
            message,
            data,
            entry,
        } => {
            let unsolicited = || PeerMisbehaved::UnsolicitedExtension(cp.remote_attestation());
            if offer.is_none() {
                return Err(unsolicited().into());
            }
            match message {
                HandshakeType::ENCRYPTED_EXTENSIONS => {
                    let RemoteAttestation::EncryptedExtensions(s) =
                        RemoteAttestation::decode_data(message, &data)?
                    else {
                        return Err(PeerMisbehaved::UnexpectedServerHello.into());
                    };
                    match &core.peer {
                        Peer::ExpectCertificateEnd(Appraisal::NotChosen) => {}
                        Peer::ExpectCertificateEnd(_) => return Err(duplicate(&cp)),
                        Peer::CertificateEnded(_) => {
                            return Err(PeerMisbehaved::UnexpectedExtension(
                                cp.remote_attestation(),
                            )
                            .into());
                        }
                    }
                    if config.server_attester_schemes.is_empty() {
                        return Err(unsolicited().into());
                    }
                    if !config.server_attester_schemes.contains(&s) {
                        return Err(PeerMisbehaved::SchemeNotOffered.into());
                    }
                    core.choose(None, Some(s));
                    core.negotiated();
                    Ok(())
                }
                HandshakeType::CERTIFICATE_REQUEST => {
                    let RemoteAttestation::CertificateRequest(s) =
                        RemoteAttestation::decode_data(message, &data)?
                    else {
                        return Err(PeerMisbehaved::UnexpectedServerHello.into());
                    };
                    if !matches!(core.own, Own::NotChosen) {
                        return Err(duplicate(&cp));
                    }
                    if config.client_attester_schemes.is_empty() {
                        return Err(unsolicited().into());
                    }
                    if !config.client_attester_schemes.contains(&s) {
                        return Err(PeerMisbehaved::SchemeNotOffered.into());
                    }
                    core.choose(Some(s), None);
                    core.negotiated();
                    Ok(())
                }
                HandshakeType::CERTIFICATE => {
                    if core.peer.appraisal().scheme().is_none() {
                        // The ClientHello offered the extension, so it is not unsolicited
                        // (RFC 8446 section 4.4.2), but EncryptedExtensions chose no scheme:
                        // digest section 4.1, illegal_parameter.
                        return Err(
                            PeerMisbehaved::UnexpectedExtension(cp.remote_attestation()).into()
                        );
                    }
                    core.peer_cmw(&data, entry, config.provider, config.protocol, &cp)
                }
                // RFC 8446 section 4.2: a recognised extension in a message it is not
                // defined for (remoteAttestation lives in CH, EE, CR and CT).
                _ => Err(PeerMisbehaved::UnexpectedExtension(cp.remote_attestation()).into()),
            }
        }
        Input::PeerCertificateEnd => {
            client_check_declined(config, core)?;
            core.peer_certificate_end()
        }
        Input::Evidence(cmw) => core.evidence(cmw),
        Input::Verdict(v) => core.verdict(v),
    }
}

/// EncryptedExtensions and CertificateRequest are behind us: did the server decline a
/// role the client's policy requires (digest section 4.1, `attestation_required`)?
fn client_check_declined(config: &ClientConfig, core: &Core) -> Result<(), Error> {
    if config.require_server_attestation && core.peer.appraisal().scheme().is_none() {
        return Err(AttestationError::Unavailable.into());
    }
    if config.require_client_attestation && core.own.scheme().is_none() {
        return Err(AttestationError::Unavailable.into());
    }
    Ok(())
}

/// A second `remoteAttestation` choosing a scheme for the same role (in a second
/// EncryptedExtensions or CertificateRequest): no offset, as the repeat is in another message.
fn duplicate(cp: &CodePoints) -> Error {
    DecodeError::unlocated(
        "remoteAttestation",
        DecodeErrorKind::DuplicateExtension {
            extension_type: cp.remote_attestation().0,
        },
    )
    .into()
}

/// The ClientHello's `remoteAttestation` as the server saw it.
#[derive(Debug)]
enum ClientOffer {
    /// Waiting for ClientHello1's extension.
    Expect,
    /// ClientHello1 carried `data`: a ClientHello2 (after a HelloRetryRequest) must repeat
    /// it before the ServerHello.
    ExpectRepeat { data: Vec<u8> },
    /// ClientHello2 repeated it.
    Repeated { data: Vec<u8> },
}

/// The server's side of the negotiation (digest section 4.2).
///
/// Driving contract: `handle` one [`Input`], then drain [`poll_action`](Self::poll_action).
#[derive(Debug)]
pub struct ServerNegotiation {
    config: ServerConfig,
    offer: ClientOffer,
    core: Core,
}

impl ServerNegotiation {
    /// A server machine with `config`.
    pub fn new(config: ServerConfig) -> Self {
        Self {
            config,
            offer: ClientOffer::Expect,
            core: Core::new(Role::Server),
        }
    }

    /// Feeds one input; drain [`poll_action`](Self::poll_action) afterwards.
    ///
    /// # Errors
    ///
    /// As [`ClientNegotiation::handle`]: [`Error::ApiMisuse`] leaves the machine usable,
    /// any other error is fatal and terminal.
    pub fn handle(&mut self, input: Input) -> Result<(), Error> {
        let (config, offer) = (&self.config, &mut self.offer);
        self.core
            .handle(|core| server_step(config, offer, core, input))
    }

    /// The next action, or `None` when the machine waits for input.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.core.actions.pop_front()
    }

    /// The code points this machine uses (for [`Error::alert`]).
    pub fn code_points(&self) -> CodePoints {
        self.config.code_points
    }

    /// The hash of the negotiated cipher suite, once the ServerHello is in.
    pub fn hash(&self) -> Option<HashAlgorithm> {
        match self.core.hellos {
            Hellos::Complete { hash, .. } => Some(hash),
            Hellos::ExpectHello { .. } => None,
        }
    }

    /// The fatal error, if the machine failed.
    pub fn error(&self) -> Option<&Error> {
        self.core.error.as_ref()
    }

    /// The scheme the server attests with (chosen in EncryptedExtensions), if any.
    pub fn chosen_server_scheme(&self) -> Option<&AttestationScheme> {
        self.core.own.scheme()
    }

    /// The scheme the client attests with (chosen in CertificateRequest), if any.
    pub fn chosen_client_scheme(&self) -> Option<&AttestationScheme> {
        self.core.peer.appraisal().scheme()
    }

    /// The binder this side computed for its own Evidence (`s_attest_binder`).
    pub fn own_binder(&self) -> Option<&[u8]> {
        self.core.own.binder()
    }

    /// The binder this side expects in the client's Evidence (`c_attest_binder`).
    pub fn peer_binder(&self) -> Option<&[u8]> {
        self.core.peer.appraisal().binder()
    }

    /// Whether every attestation negotiated has succeeded: the gate for application data.
    pub fn is_complete(&self) -> bool {
        let core = &self.core;
        let peer_done = match &core.peer {
            Peer::CertificateEnded(Appraisal::Accepted { .. }) => true,
            Peer::ExpectCertificateEnd(Appraisal::NotChosen)
            | Peer::CertificateEnded(Appraisal::NotChosen) => {
                !self.config.require_client_attestation
            }
            _ => false,
        };
        core.error.is_none() && peer_done && core.own.settled()
    }
}

fn server_step(
    config: &ServerConfig,
    offer: &mut ClientOffer,
    core: &mut Core,
    input: Input,
) -> Result<(), Error> {
    let cp = config.code_points;
    match input {
        Input::Message { sent, bytes } => {
            if let Hellos::ExpectHello { transcript } = &core.hellos {
                if sent == transcript.len().is_multiple_of(2) {
                    return Err(PeerMisbehaved::UnexpectedClientHello.into());
                }
                // ServerHello after a HelloRetryRequest: ClientHello2 must have repeated
                // the extension of ClientHello1 (its parse came before this message).
                if sent
                    && !is_hello_retry_request(&bytes)
                    && core.hellos.hrr_seen()
                    && matches!(offer, ClientOffer::ExpectRepeat { .. })
                {
                    return Err(PeerMisbehaved::AttestationOfferChanged.into());
                }
                return core.message(&bytes);
            }
            if sent {
                return Ok(());
            }
            match bytes.first().copied().map(HandshakeType) {
                Some(HandshakeType::CERTIFICATE_VERIFY) => core.peer_certificate_end(),
                Some(HandshakeType::FINISHED) => core.peer_finished(),
                _ => Ok(()),
            }
        }
        Input::Extension {
            message,
            data,
            entry,
        } => match message {
            HandshakeType::CLIENT_HELLO => server_client_hello(config, offer, core, &data),
            HandshakeType::CERTIFICATE => {
                core.peer_cmw(&data, entry, config.provider, config.protocol, &cp)
            }
            // RFC 8446 section 4.2: not defined for this message.
            _ => Err(PeerMisbehaved::UnexpectedExtension(cp.remote_attestation()).into()),
        },
        Input::Build { message, entry } => {
            match message {
                HandshakeType::ENCRYPTED_EXTENSIONS => {
                    if let Some(s) = core.own.scheme() {
                        let data = RemoteAttestation::EncryptedExtensions(s.clone()).to_data();
                        core.actions.push_back(Action::Extension { message, data });
                    }
                }
                HandshakeType::CERTIFICATE_REQUEST => {
                    if matches!(offer, ClientOffer::Expect) && config.require_client_attestation {
                        // Digest section 4.2: the spec is silent; attestation_required.
                        return Err(AttestationError::Unavailable.into());
                    }
                    if let Some(s) = core.peer.appraisal().scheme() {
                        let data = RemoteAttestation::CertificateRequest(s.clone()).to_data();
                        core.actions.push_back(Action::Extension { message, data });
                    }
                }
                HandshakeType::CERTIFICATE => {
                    core.own_cmw_request(message, entry, config.provider, config.protocol)?;
                }
                _ => {}
            }
            Ok(())
        }
        Input::PeerCertificateEnd => core.peer_certificate_end(),
        Input::Evidence(cmw) => core.evidence(cmw),
        Input::Verdict(v) => core.verdict(v),
    }
}

fn server_client_hello(
    config: &ServerConfig,
    offer: &mut ClientOffer,
    core: &mut Core,
    data: &[u8],
) -> Result<(), Error> {
    match offer {
        // RFC 8446 section 4.1.2: ClientHello2 may change only what the HRR asked for.
        ClientOffer::ExpectRepeat { data: first } | ClientOffer::Repeated { data: first } => {
            if first.as_slice() != data {
                return Err(PeerMisbehaved::AttestationOfferChanged.into());
            }
            *offer = ClientOffer::Repeated {
                data: data.to_vec(),
            };
            return Ok(());
        }
        // ClientHello2 carries an extension ClientHello1 did not.
        ClientOffer::Expect if core.hellos.hrr_seen() => {
            return Err(PeerMisbehaved::AttestationOfferChanged.into());
        }
        ClientOffer::Expect => {}
    }
    let RemoteAttestation::ClientHello(received) =
        RemoteAttestation::decode_data(HandshakeType::CLIENT_HELLO, data)?
    else {
        return Err(PeerMisbehaved::UnexpectedClientHello.into());
    };
    *offer = ClientOffer::ExpectRepeat {
        data: data.to_vec(),
    };
    if received.is_empty() {
        return Err(PeerIncompatible::EmptyAttestationOffer.into());
    }
    // Ambiguity A14: the first scheme in the client's order that this side accepts.
    let server = received
        .server_attester_schemes()
        .iter()
        .find(|s| config.attest_with.contains(s))
        .cloned();
    let client = received
        .client_attester_schemes()
        .iter()
        .find(|s| config.accept_from_client.contains(s))
        .cloned();
    let nothing = server.is_none() && client.is_none();
    let client_missing = config.require_client_attestation && client.is_none();
    match config.fallback {
        Fallback::Strict if nothing || client_missing => {
            return Err(PeerIncompatible::NoCommonAttestationScheme.into());
        }
        Fallback::Lenient if client_missing => {
            return Err(AttestationError::Unavailable.into());
        }
        _ => {}
    }
    core.choose(server, client);
    core.negotiated();
    Ok(())
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
        assert_eq!(suite_hash(&sh), Ok(HashAlgorithm::Sha384));
        sh[39] = 0x13;
        sh[40] = 0x01;
        assert_eq!(suite_hash(&sh), Ok(HashAlgorithm::Sha256));
        assert!(suite_hash(&sh[..39]).is_err());
    }

    #[test]
    fn unknown_cipher_suite_is_reported_with_its_value_and_offset() {
        // A TLS 1.2 suite (0xc02f) in the ServerHello, after a 2-byte session id echo.
        let mut sh = vec![2, 0, 0, 0x46, 3, 3];
        sh.extend_from_slice(&[0xaa; 32]);
        sh.extend_from_slice(&[2, 0xbb, 0xbb]);
        sh.extend_from_slice(&[0xc0, 0x2f]);
        let Err(Error::InvalidMessage(e)) = suite_hash(&sh) else {
            panic!("{:?}", suite_hash(&sh))
        };
        assert_eq!(e.what(), "ServerHello.cipher_suite");
        assert_eq!(e.offset(), Some(41));
        assert_eq!(e.kind(), DecodeErrorKind::UnknownValue { value: 0xc02f });
    }

    #[test]
    fn a_second_scheme_choice_is_a_duplicate_remote_attestation_without_a_position() {
        let scheme =
            AttestationScheme::Evidence(crate::remote_attestation::EvidenceType::ContentFormat(60));
        let mut m = ClientNegotiation::new(ClientConfig::new(vec![scheme.clone()], vec![]));
        m.handle(Input::Build {
            message: HandshakeType::CLIENT_HELLO,
            entry: None,
        })
        .unwrap();
        let ee = Input::Extension {
            message: HandshakeType::ENCRYPTED_EXTENSIONS,
            data: RemoteAttestation::EncryptedExtensions(scheme).to_data(),
            entry: None,
        };
        m.handle(ee.clone()).unwrap();
        let Err(Error::InvalidMessage(e)) = m.handle(ee) else {
            panic!("{:?}", m.error())
        };
        assert_eq!(e.offset(), None);
        assert_eq!(
            e.kind(),
            DecodeErrorKind::DuplicateExtension {
                extension_type: CodePoints::DEFAULT.remote_attestation().0
            }
        );
    }
}
