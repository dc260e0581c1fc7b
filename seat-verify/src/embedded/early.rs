//! Early (intra-handshake) attestation on OpenSSL with the embedded defaults (feature
//! `openssl`): the schemes the defaults speak, OpenSSL contexts built from a
//! [`testing::Identity`](super::testing::Identity) with `remoteAttestation` installed, anonymous
//! client keys minted in a simulated TEE, and, for tests and demos, an in-memory duplex with a
//! bounded handshake driver. [`EmbeddedHooks`](super::EmbeddedHooks) answers the negotiation's
//! Evidence and appraisal requests
//! ([`Mechanism::Early`](seat_proto::hooks::Mechanism::Early)).
//!
//! Early attestation's binder is public (relay-prone, CVE-2026-33697 class): where secrets
//! are released, follow it with an expat exchange
//! ([`seat_proto::openssl_glue::start_expat`]).

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};

use openssl::pkey::{PKey, Private};
use openssl::ssl::{
    HandshakeError, MidHandshakeSslStream, Ssl, SslContext, SslContextBuilder, SslMethod, SslRef,
    SslStream,
};
use openssl::x509::X509;
use seat_binding::provider::SignatureAlgorithm;
use seat_evidence::sim::MintedAik;
use seat_proto::codepoints::CodePoints;
use seat_proto::openssl_glue::install;
use seat_proto::remote_attestation::{
    AttestationScheme, EvidenceType, MediaType, VerifierIdentity,
};

use super::testing::Identity;
use super::{SetupError, Tee};

/// The most steps [`handshake`] takes before giving up: a TLS 1.3 handshake needs a handful,
/// so a stuck peer ends the loop instead of hanging the test.
pub const MAX_HANDSHAKE_STEPS: usize = 64;

/// The background-check scheme the examples use: Evidence as an EAT in a CMW.
///
/// # Errors
///
/// Never in practice (the media type is short); typed for the codec's constructor.
pub fn evidence_scheme() -> Result<AttestationScheme, SetupError> {
    Ok(AttestationScheme::Evidence(EvidenceType::MediaType(
        MediaType::new(b"application/eat+cwt".to_vec()).map_err(SetupError::from_display)?,
    )))
}

/// The passport scheme the examples use: Attestation Results from `verifier.example`.
///
/// # Errors
///
/// As [`evidence_scheme`].
pub fn passport_scheme() -> Result<AttestationScheme, SetupError> {
    Ok(AttestationScheme::Result(
        VerifierIdentity::new(b"verifier.example".to_vec()).map_err(SetupError::from_display)?,
    ))
}

/// One direction of the in-memory duplex.
type Queue = Arc<Mutex<VecDeque<u8>>>;

/// One end of an in-memory duplex: reads what the other end wrote, `WouldBlock` when empty.
#[derive(Debug)]
pub struct PipeEnd {
    rx: Queue,
    tx: Queue,
}

/// Two connected ends.
pub fn pipe() -> (PipeEnd, PipeEnd) {
    let a = Queue::default();
    let b = Queue::default();
    (
        PipeEnd {
            rx: a.clone(),
            tx: b.clone(),
        },
        PipeEnd { rx: b, tx: a },
    )
}

impl Read for PipeEnd {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut q = self
            .rx
            .lock()
            .map_err(|_| io::Error::other("poisoned pipe"))?;
        if q.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(q.len());
        for (slot, byte) in buf.iter_mut().zip(q.drain(..n)) {
            *slot = byte;
        }
        Ok(n)
    }
}

impl Write for PipeEnd {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tx
            .lock()
            .map_err(|_| io::Error::other("poisoned pipe"))?
            .extend(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Where one side of a handshake ended.
#[derive(Debug)]
pub enum Side {
    /// The handshake completed.
    Done(SslStream<PipeEnd>),
    /// It is still waiting for the peer (the step budget ran out).
    Waiting(MidHandshakeSslStream<PipeEnd>),
    /// It failed; the stream still holds the connection for inspection.
    Failed(MidHandshakeSslStream<PipeEnd>),
    /// It failed before a stream existed.
    SetupFailed(String),
}

impl Side {
    /// The connection, whatever happened.
    pub fn ssl(&self) -> Option<&openssl::ssl::SslRef> {
        match self {
            Self::Done(s) => Some(s.ssl()),
            Self::Waiting(m) | Self::Failed(m) => Some(m.ssl()),
            Self::SetupFailed(_) => None,
        }
    }

    /// Whether the handshake completed.
    pub fn is_done(&self) -> bool {
        matches!(self, Self::Done(_))
    }

    /// The TLS alert this side received from its peer, read from OpenSSL's error queue
    /// (OpenSSL reports a received alert as reason `1000 + alert`).
    pub fn received_alert(&self) -> Option<u8> {
        let Self::Failed(m) = self else { return None };
        m.error().ssl_error().and_then(|stack| {
            stack.errors().iter().find_map(|e| {
                let reason = e.code() & 0x7f_ffff;
                reason.checked_sub(1000).and_then(|a| u8::try_from(a).ok())
            })
        })
    }

    fn from_result(r: Result<SslStream<PipeEnd>, HandshakeError<PipeEnd>>) -> Self {
        match r {
            Ok(s) => Self::Done(s),
            Err(HandshakeError::WouldBlock(m)) => Self::Waiting(m),
            Err(HandshakeError::Failure(m)) => Self::Failed(m),
            Err(HandshakeError::SetupFailure(e)) => Self::SetupFailed(e.to_string()),
        }
    }

    fn step(self) -> Self {
        match self {
            Self::Waiting(m) => Self::from_result(m.handshake()),
            other => other,
        }
    }
}

/// Runs a TLS handshake between `client` and `server` over an in-memory duplex, at most
/// [`MAX_HANDSHAKE_STEPS`] steps per side; returns where each side ended.
pub fn handshake(client: Ssl, server: Ssl) -> (Side, Side) {
    let (a, b) = pipe();
    let mut c = Side::from_result(client.connect(a));
    let mut s = Side::from_result(server.accept(b));
    for _ in 0..MAX_HANDSHAKE_STEPS {
        if !matches!(c, Side::Waiting(_)) && !matches!(s, Side::Waiting(_)) {
            break;
        }
        s = s.step();
        c = c.step();
    }
    (c, s)
}

/// An OpenSSL context for `identity`, trusting `trusted` peers' certificates, with
/// `remoteAttestation` installed.
///
/// # Errors
///
/// An OpenSSL or glue failure, as text.
pub fn context(
    identity: &Identity,
    trusted: &[&Identity],
    code_points: &CodePoints,
) -> Result<SslContextBuilder, SetupError> {
    let mut b = anonymous_context(trusted, code_points)?;
    let (cert, key) = openssl_identity(identity)?;
    b.set_certificate(&cert).map_err(SetupError::from_display)?;
    b.set_private_key(&key).map_err(SetupError::from_display)?;
    Ok(b)
}

/// An OpenSSL context with no certificate of its own (an anonymous client's: each connection
/// presents a key its TEE minted, [`present_minted_aik`]), trusting `trusted` peers'
/// certificates, with `remoteAttestation` installed.
///
/// # Errors
///
/// An OpenSSL or glue failure, as text.
pub fn anonymous_context(
    trusted: &[&Identity],
    code_points: &CodePoints,
) -> Result<SslContextBuilder, SetupError> {
    let mut b = SslContext::builder(SslMethod::tls()).map_err(SetupError::from_display)?;
    for peer in trusted {
        let (cert, _) = openssl_identity(peer)?;
        b.cert_store_mut()
            .add_cert(cert)
            .map_err(SetupError::from_display)?;
    }
    install(&mut b, code_points).map_err(SetupError::from_display)?;
    Ok(b)
}

/// Anonymous client attestation, client side: mints an ephemeral P-256 attestation key in
/// `tee` (a self-signed certificate for `subject`, valid from shortly before `now`) and
/// presents it as `ssl`'s TLS client certificate and key. The server accepts it only with
/// `ServerConfig::dangerous_accept_anonymous_clients` and only if this client's early
/// attestation, bound to this key, succeeds. Returns the minted key (certificate, SPKI).
///
/// # Errors
///
/// The TEE's refusal, or a certificate or key OpenSSL does not take, as text.
pub fn present_minted_aik(
    ssl: &mut SslRef,
    tee: &Tee,
    subject: &str,
    now: u64,
) -> Result<MintedAik, SetupError> {
    let aik = tee
        .lock()
        .map_err(|_| SetupError::new("the TEE lock is poisoned"))?
        .mint_aik(SignatureAlgorithm::EcdsaSecp256r1Sha256, subject, now)
        .map_err(SetupError::from_display)?;
    let cert = X509::from_der(&aik.certificate_der).map_err(SetupError::from_display)?;
    let key = PKey::private_key_from_pkcs8(&aik.pkcs8_der).map_err(SetupError::from_display)?;
    ssl.set_certificate(&cert)
        .map_err(SetupError::from_display)?;
    ssl.set_private_key(&key)
        .map_err(SetupError::from_display)?;
    Ok(aik)
}

/// The identity's certificate and key as OpenSSL objects.
///
/// # Errors
///
/// A DER that OpenSSL does not parse, as text.
pub fn openssl_identity(identity: &Identity) -> Result<(X509, PKey<Private>), SetupError> {
    let cert = X509::from_der(identity.certificate()).map_err(SetupError::from_display)?;
    let key =
        PKey::private_key_from_pkcs8(identity.pkcs8_der()).map_err(SetupError::from_display)?;
    Ok((cert, key))
}
