//! Glue for rustls 0.23 (feature `rustls`): hardened configurations for attested
//! connections, and a blocking stream that runs the expat [`Session`] over a rustls
//! connection.
//!
//! Attested connections never resume and never send or accept 0-RTT
//! (draft-fossati-seat-expat-03 section 7): a resumed or early-data connection carries no
//! fresh key exchange for the exporter to bind. [`harden_client_config`] and
//! [`harden_server_config`] set that up; [`AttestedStream::establish`] refuses a connection
//! that is not TLS 1.3 or that resumed.
//!
//! The stream moves the session's actions through the caller's
//! [`AttestationHooks`] with [`Driver`], the one drive loop (see [`crate::hooks`]).
//!
//! A server whose session [wants it](Session::wants_server_flight) puts its hello and its
//! request for the client's attestation into the connection before the handshake starts;
//! rustls sends them right after the server's `Finished` when the configuration allows
//! 0.5-RTT data ([`harden_server_config_for`]), so the client's authenticator leaves with the
//! client's `Finished`. rustls sends no 0.5-RTT data to a client it asked for a TLS client
//! certificate: then the request waits in rustls for the client's `Finished` (the order
//! without the early request, one flight later). A client whose session
//! [wants it](Session::wants_client_flight) puts its hello and its request for the server's
//! attestation into the connection before the handshake too: rustls sends them right after
//! the client's `Finished`, in the same write. A client feeds its session what arrived with
//! the server's flight before its own `Finished` leaves.
//!
//! This module is one of the stack adapters: it touches the socket and the clock, which the
//! session itself never does.

use std::io::{self, BufRead, IoSlice, Read, Write};
use std::ops::DerefMut;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rustls::{
    ClientConfig, CommonState, ConnectionCommon, HandshakeKind, ProtocolVersion, ServerConfig,
};
use seat_binding::exporter::rustls_adapter::{RustlsConnection, RustlsExporter};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

use crate::chain::{CertificateError, ChainTrust, ChainVerifier};
use crate::error::Error;
use crate::hooks::{AttestationHooks, Driver, ReattestPending};
use crate::session::{ExchangeId, Input, Session, SessionConfig};

/// Turns off everything that would let an attested connection skip a fresh handshake:
/// resumption (tickets and session IDs) and early data.
pub fn harden_client_config(config: &mut ClientConfig) {
    config.resumption = rustls::client::Resumption::disabled();
    config.enable_early_data = false;
}

/// Turns off session tickets (stateless and stateful), the session cache, early data and
/// 0.5-RTT data. For a server that sends its request in its first flight, use
/// [`harden_server_config_for`].
pub fn harden_server_config(config: &mut ServerConfig) {
    config.send_tls13_tickets = 0;
    config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    config.max_early_data_size = 0;
    config.send_half_rtt_data = false;
}

/// [`harden_server_config`], then 0.5-RTT data (`send_half_rtt_data`) on exactly when
/// `session` [sends its request in the server's first
/// flight](SessionConfig::sends_first_flight_request). Tickets, the session cache and
/// client early data (0-RTT) stay off.
///
/// 0.5-RTT data is then what the session wrote before the client's `Finished`: the adapters
/// write only its hello and its request there (application data waits for the gate, which
/// opens after the handshake at the earliest). A caller that writes application data to the
/// connection itself before the handshake completes must not use this.
pub fn harden_server_config_for(config: &mut ServerConfig, session: &SessionConfig) {
    harden_server_config(config);
    config.send_half_rtt_data = session.sends_first_flight_request();
}

/// A rustls certificate verifier (of servers, for a client; of clients, for a server) that
/// validates the peer's chain in the TLS handshake with a seat [`ChainVerifier`], accepting
/// only [`ChainTrust::Anchored`] (the handshake's validation never rests on attestation), then
/// the server name (for a server's certificate) and the handshake signature with the rustls
/// provider's algorithms.
///
/// Give the same `Arc` to
/// [`SessionConfigBuilder::chain_verifier_shared_with_handshake`](crate::session::SessionConfigBuilder::chain_verifier_shared_with_handshake):
/// the session then takes an authenticator that carries the chain this handshake validated,
/// byte for byte, as validated (ARCHITECTURE.md, "Chain validation reused from the
/// handshake"). A client verifier offers no CA names to clients.
#[derive(Debug)]
pub struct TlsChainVerifier {
    chain: Arc<dyn ChainVerifier>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl TlsChainVerifier {
    /// Validates chains with `chain` and handshake signatures with `provider`'s algorithms.
    pub fn new(
        chain: Arc<dyn ChainVerifier>,
        provider: Arc<rustls::crypto::CryptoProvider>,
    ) -> Self {
        Self { chain, provider }
    }

    /// The seat chain verifier inside (the one to share with the session configuration).
    pub fn chain_verifier(&self) -> &Arc<dyn ChainVerifier> {
        &self.chain
    }

    fn validate(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), rustls::Error> {
        use rustls::CertificateError as E;
        let intermediates: Vec<&[u8]> = intermediates.iter().map(AsRef::as_ref).collect();
        match self
            .chain
            .verify_chain(end_entity.as_ref(), &intermediates, now.as_secs())
        {
            Ok(ChainTrust::Anchored) => Ok(()),
            Ok(_) => Err(rustls::Error::InvalidCertificate(E::UnknownIssuer)),
            Err(e) => Err(rustls::Error::InvalidCertificate(match e {
                CertificateError::Malformed => E::BadEncoding,
                CertificateError::UnknownIssuer => E::UnknownIssuer,
                CertificateError::Expired => E::Expired,
                CertificateError::NotValidYet => E::NotValidYet,
                CertificateError::BadSignature => E::BadSignature,
                CertificateError::InvalidPurpose => E::InvalidPurpose,
                _ => E::ApplicationVerificationFailure,
            })),
        }
    }
}

impl ServerCertVerifier for TlsChainVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.validate(end_entity, intermediates, now)?;
        let cert = webpki::EndEntityCert::try_from(end_entity).map_err(|_| {
            rustls::Error::InvalidCertificate(rustls::CertificateError::BadEncoding)
        })?;
        cert.verify_is_valid_for_subject_name(server_name)
            .map_err(|_| {
                rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName)
            })?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

impl ClientCertVerifier for TlsChainVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.validate(end_entity, intermediates, now)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        ServerCertVerifier::verify_tls12_signature(self, message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        ServerCertVerifier::verify_tls13_signature(self, message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        ServerCertVerifier::supported_verify_schemes(self)
    }
}

/// Seconds since the Unix epoch from the system clock.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The session's error as an [`io::Error`] of kind `Other` whose
/// [`get_ref`](io::Error::get_ref) downcasts to [`Error`]; its Display is the session error's
/// (for a rejection: the stage and the reason).
pub(crate) fn session_error(e: Error) -> io::Error {
    io::Error::other(e)
}

/// The TLS handshake is over: refuses anything but a full TLS 1.3 handshake.
pub(crate) fn check_handshake(conn: &CommonState) -> io::Result<()> {
    if conn.protocol_version() != Some(ProtocolVersion::TLSv1_3) {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "attested connections need TLS 1.3",
        ));
    }
    if conn.handshake_kind() == Some(HandshakeKind::Resumed) {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "attested connections never resume",
        ));
    }
    Ok(())
}

/// One thing to tell the session.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Step<'a> {
    Established,
    /// Plaintext the tokio adapter copied out of rustls (the blocking one feeds it through
    /// [`read_plaintext`]).
    #[cfg(feature = "tokio")]
    Received(&'a [u8]),
    Send(&'a [u8]),
    Timeout,
    PeerClosed,
}

/// What both stream adapters keep besides the TLS connection: the session, the drive loop,
/// the bytes it produced for TLS and the application bytes not yet read.
pub(crate) struct Core<H: AttestationHooks> {
    pub(crate) session: Session,
    pub(crate) driver: Driver<H>,
    pub(crate) outgoing: Vec<u8>,
    pub(crate) delivered: Vec<u8>,
    delivered_at: usize,
}

impl<H: AttestationHooks> Core<H> {
    pub(crate) fn new(session: Session, hooks: H) -> Self {
        Self {
            session,
            driver: Driver::new(hooks),
            outgoing: Vec::new(),
            delivered: Vec::new(),
            delivered_at: 0,
        }
    }

    /// Feeds one input through the driver, then tells the session the time if one of its
    /// deadlines has passed (so a peer that keeps talking cannot outlive a deadline).
    pub(crate) fn feed(
        &mut self,
        conn: &dyn RustlsConnection,
        step: Step<'_>,
    ) -> Result<(), Error> {
        let now = unix_now();
        let (session, out, app) = (&mut self.session, &mut self.outgoing, &mut self.delivered);
        match step {
            Step::Established => {
                if let Some(chain) = conn.common_state().peer_certificates() {
                    session.handshake_peer_chain(chain, now);
                }
                let exporter = RustlsExporter::new(conn)?;
                let input = Input::Established {
                    exporter: &exporter,
                    now,
                };
                self.driver.handle(session, input, now, out, app)?;
            }
            #[cfg(feature = "tokio")]
            Step::Received(bytes) => {
                let exporter = RustlsExporter::new(conn)?;
                let input = Input::Received {
                    bytes,
                    exporter: &exporter,
                    now,
                };
                self.driver.handle(session, input, now, out, app)?;
            }
            Step::Send(bytes) => self
                .driver
                .handle(session, Input::Send(bytes), now, out, app)?,
            Step::Timeout => self
                .driver
                .handle(session, Input::Timeout { now }, now, out, app)?,
            Step::PeerClosed => self
                .driver
                .handle(session, Input::PeerClosed, now, out, app)?,
        }
        if !matches!(step, Step::Timeout) && self.session.poll_timeout().is_some_and(|d| d <= now) {
            self.feed(conn, Step::Timeout)?;
        }
        Ok(())
    }

    /// What this side writes into its connection before the handshake, when its session
    /// wants it (empty otherwise), taken out of [`outgoing`](Self::outgoing): a server's
    /// hello and request for its first flight ([`Input::ServerFlight`]), a client's hello and
    /// request, which rustls sends right after its `Finished` ([`Input::ClientFlight`]).
    pub(crate) fn first_flight(&mut self) -> Result<Vec<u8>, Error> {
        let now = unix_now();
        let input = if self.session.wants_server_flight() {
            Input::ServerFlight { now }
        } else if self.session.wants_client_flight() {
            Input::ClientFlight { now }
        } else {
            return Ok(Vec::new());
        };
        let (session, out, app) = (&mut self.session, &mut self.outgoing, &mut self.delivered);
        self.driver.handle(session, input, now, out, app)?;
        Ok(core::mem::take(&mut self.outgoing))
    }

    /// Takes the data frames at the start of `chunk`, plaintext read in place from rustls
    /// ([`Driver::receive_data`]); how many bytes.
    #[cfg(feature = "tokio")]
    pub(crate) fn receive_data(&mut self, chunk: &[u8]) -> Result<usize, Error> {
        let now = unix_now();
        self.driver.receive_data(
            &mut self.session,
            chunk,
            now,
            &mut self.outgoing,
            &mut self.delivered,
        )
    }

    /// Starts a re-attestation.
    pub(crate) fn reattest(&mut self, conn: &dyn RustlsConnection) -> Result<ExchangeId, Error> {
        let now = unix_now();
        let exporter = RustlsExporter::new(conn)?;
        self.driver.reattest(
            &mut self.session,
            &exporter,
            now,
            &mut self.outgoing,
            &mut self.delivered,
        )
    }

    /// Application bytes delivered and not yet read.
    pub(crate) fn buffered(&self) -> usize {
        self.delivered.len().saturating_sub(self.delivered_at)
    }

    /// Copies delivered bytes into `out`; how many.
    pub(crate) fn take_delivered(&mut self, out: &mut [u8]) -> usize {
        let available = self.delivered.get(self.delivered_at..).unwrap_or_default();
        let n = available.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), available.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.delivered_at += n;
        if self.delivered_at == self.delivered.len() {
            self.delivered.clear();
            self.delivered_at = 0;
        }
        n
    }

    /// Waits (in the adapter's loop) for re-attestation `exchange`: its result once accepted,
    /// an error when more application data waits than the session's `max_early_data`.
    pub(crate) fn reattested(&mut self, exchange: ExchangeId) -> Option<io::Result<H::Accepted>> {
        if let Some(accepted) = self.driver.take_accepted(exchange) {
            return Some(Ok(accepted));
        }
        let buffered = self.buffered();
        (buffered >= self.session.config().max_early_data)
            .then(|| Err(io::Error::other(ReattestPending { exchange, buffered })))
    }
}

/// A rustls connection over a blocking socket whose application data flows only through an
/// attested [`Session`]; the stream exists only once the session's gate is open.
///
/// Deadlines: the session is told the time after every input, and an exchange past its
/// deadline fails the connection. A peer that sends nothing at all is noticed only when a read
/// returns, so give the socket a read timeout
/// ([`TcpStream::set_read_timeout`](std::net::TcpStream::set_read_timeout)): a read that times
/// out tells the session the time.
pub struct AttestedStream<C, S, H: AttestationHooks> {
    conn: C,
    sock: S,
    core: Core<H>,
}

impl<C, S, H: AttestationHooks> core::fmt::Debug for AttestedStream<C, S, H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AttestedStream")
            .field("session", &self.core.session)
            .field("peer_attestation", &self.core.driver.peer_attestation())
            .finish_non_exhaustive()
    }
}

impl<C, D, S, H> AttestedStream<C, S, H>
where
    C: DerefMut<Target = ConnectionCommon<D>>,
    ConnectionCommon<D>: RustlsConnection,
    S: Read + Write,
    H: AttestationHooks,
{
    /// Completes the TLS handshake on `sock`, then runs attestation until the session's gate
    /// opens.
    ///
    /// # Errors
    ///
    /// An I/O or TLS error, a connection that is not TLS 1.3 or that resumed, or the session's
    /// error (an [`io::Error`] of kind `Other` whose `get_ref` downcasts to [`Error`] and
    /// whose Display carries the rejection's stage and reason) after the error frame and
    /// `close_notify` were sent.
    ///
    /// A server whose session [wants it](Session::wants_server_flight) writes its hello and
    /// its request into `conn` first, for its first flight (with `send_half_rtt_data`, see
    /// [`harden_server_config_for`]); a client whose session
    /// [wants it](Session::wants_client_flight) writes its own, which leave with its
    /// `Finished`. `conn` must not have completed the handshake yet then.
    pub fn establish(mut conn: C, mut sock: S, session: Session, hooks: H) -> io::Result<Self> {
        let mut core = Core::new(session, hooks);
        let first_flight = core.first_flight().map_err(session_error)?;
        if !first_flight.is_empty() {
            conn.writer().write_all(&first_flight)?;
        }
        handshake(&mut *conn, &mut sock)?;
        check_handshake(&conn)?;
        let mut stream = Self { conn, sock, core };
        // What came with the peer's last flight (a server's request, sent with its first
        // flight) is answered before this side's `Finished` leaves: one flight, not two.
        let established = stream.core.feed(&*stream.conn, Step::Established);
        let result = established.and_then(|()| stream.feed_buffered());
        stream.settle(result)?;
        while !stream.core.session.is_open() {
            stream.read_once()?;
        }
        Ok(stream)
    }

    /// The typed result of the peer's latest accepted attestation (`None` when this side
    /// requires none).
    pub fn peer_attestation(&self) -> Option<&H::Accepted> {
        self.core.driver.peer_attestation()
    }

    /// The session, for inspection.
    pub fn session(&self) -> &Session {
        &self.core.session
    }

    /// The hooks.
    pub fn hooks(&self) -> &H {
        self.core.driver.hooks()
    }

    /// The socket and the TLS connection.
    pub fn get_ref(&self) -> (&S, &C) {
        (&self.sock, &self.conn)
    }

    /// The socket and the TLS connection, mutably (reading or writing them directly bypasses
    /// the session).
    pub fn get_mut(&mut self) -> (&mut S, &mut C) {
        (&mut self.sock, &mut self.conn)
    }

    /// Gives back the socket and the TLS connection. Application data the session delivered
    /// but nobody read is dropped.
    pub fn into_inner(self) -> (S, C) {
        (self.sock, self.conn)
    }

    /// Asks the peer to attest again with a fresh context, and waits for the appraisal.
    ///
    /// Application data the peer sends meanwhile is kept for later reads, up to the session's
    /// [`max_early_data`](crate::session::SessionConfig::max_early_data) bytes (plus at most
    /// one read). Beyond that the stream stops reading (the peer's writes back up) and returns
    /// [`ReattestPending`]: the exchange goes on; read the data, and its result becomes
    /// [`peer_attestation`](Self::peer_attestation) once accepted.
    ///
    /// # Errors
    ///
    /// As [`establish`](Self::establish), or [`ReattestPending`] (kind `Other`).
    pub fn reattest(&mut self) -> io::Result<H::Accepted> {
        let started = self.core.reattest(&*self.conn);
        let exchange = self.settle(started)?;
        loop {
            if let Some(result) = self.core.reattested(exchange) {
                return result;
            }
            self.read_once()?;
        }
    }

    /// Sends `close_notify` and flushes it.
    ///
    /// # Errors
    ///
    /// An I/O error.
    pub fn close(&mut self) -> io::Result<()> {
        self.conn.send_close_notify();
        self.flush_tls()
    }

    fn flush_tls(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            self.conn.write_tls(&mut self.sock)?;
        }
        self.sock.flush()
    }

    fn step(&mut self, step: Step<'_>) -> io::Result<()> {
        let result = self.core.feed(&*self.conn, step);
        self.settle(result)
    }

    /// Writes what the session produced, then turns a failure into an error after the error
    /// frame and `close_notify` went out.
    fn settle<T>(&mut self, result: Result<T, Error>) -> io::Result<T> {
        let written = if self.core.outgoing.is_empty() {
            // What rustls holds already goes too: this side's `Finished` after the handshake
            // (with the first flight written before it), or what it held until then.
            if self.conn.wants_write() {
                self.flush_tls()
            } else {
                Ok(())
            }
        } else {
            let w = self.write_outgoing();
            self.core.outgoing.clear();
            w.and_then(|()| self.flush_tls())
        };
        match result {
            Err(e) => {
                if self.core.session.is_failed() {
                    self.conn.send_close_notify();
                    let _ = self.flush_tls();
                }
                Err(session_error(e))
            }
            Ok(t) => written.map(|()| t),
        }
    }

    /// One [`read_plaintext`] of this connection into its session.
    fn read_plaintext(&mut self) -> io::Result<Plaintext> {
        let core = &mut self.core;
        read_plaintext(
            &mut self.conn,
            &mut core.session,
            &mut core.driver,
            unix_now(),
            &mut core.outgoing,
            &mut core.delivered,
        )
    }

    /// Feeds the session the plaintext the connection already holds, without reading the
    /// socket or writing.
    fn feed_buffered(&mut self) -> Result<(), Error> {
        loop {
            match self.read_plaintext() {
                Ok(Plaintext::Fed(result)) => result?,
                Ok(Plaintext::Closed) | Err(_) => return Ok(()),
            }
        }
    }

    /// Writes the session's bytes into rustls, sending TLS records to the socket whenever
    /// rustls's buffer is full.
    fn write_outgoing(&mut self) -> io::Result<()> {
        let mut at = 0;
        while let Some(rest) = self.core.outgoing.get(at..).filter(|r| !r.is_empty()) {
            let n = self.conn.writer().write(rest)?;
            if n == 0 {
                if !self.conn.wants_write() {
                    return Err(io::ErrorKind::WriteZero.into());
                }
                while self.conn.wants_write() {
                    self.conn.write_tls(&mut self.sock)?;
                }
            }
            at += n;
        }
        Ok(())
    }

    /// Reads what the connection has, feeds the session, and acts on it.
    fn read_once(&mut self) -> io::Result<()> {
        match self.read_plaintext() {
            Ok(Plaintext::Fed(result)) => self.settle(result),
            Ok(Plaintext::Closed) => self.peer_closed(),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.read_tls(),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => self.peer_closed(),
            Err(e) => Err(e),
        }
    }

    fn read_tls(&mut self) -> io::Result<()> {
        match self.conn.read_tls(&mut self.sock) {
            Ok(0) => self.peer_closed(),
            Ok(_) => {
                let processed = self.conn.process_new_packets();
                // Send the alert rustls queued for a TLS error, if any.
                let flushed = self.flush_tls();
                processed.map_err(io::Error::other)?;
                flushed
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                self.step(Step::Timeout)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn peer_closed(&mut self) -> io::Result<()> {
        self.step(Step::PeerClosed)?;
        Err(io::ErrorKind::UnexpectedEof.into())
    }
}

/// Runs the TLS handshake on `sock` until `conn` completes it, without writing what its last
/// step produced (a client's `Finished`): that leaves with what the session adds to it.
fn handshake<D, S: Read + Write>(conn: &mut ConnectionCommon<D>, sock: &mut S) -> io::Result<()> {
    while conn.is_handshaking() {
        while conn.wants_write() {
            if conn.write_tls(sock)? == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
        }
        sock.flush()?;
        match conn.read_tls(sock) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        if let Err(e) = conn.process_new_packets() {
            // Send the alert rustls queued, then fail.
            while conn.wants_write() {
                if conn.write_tls(sock).is_err() {
                    break;
                }
            }
            let _ = sock.flush();
            return Err(io::Error::new(io::ErrorKind::InvalidData, e));
        }
    }
    Ok(())
}

impl<C, D, S, H> Read for AttestedStream<C, S, H>
where
    C: DerefMut<Target = ConnectionCommon<D>>,
    ConnectionCommon<D>: RustlsConnection,
    S: Read + Write,
    H: AttestationHooks,
{
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        while self.core.buffered() == 0 {
            match self.read_once() {
                Ok(()) => {}
                Err(e)
                    if e.kind() == io::ErrorKind::UnexpectedEof
                        && !self.core.session.is_failed() =>
                {
                    return Ok(0);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(self.core.take_delivered(out))
    }
}

impl<C, D, S, H> Write for AttestedStream<C, S, H>
where
    C: DerefMut<Target = ConnectionCommon<D>>,
    ConnectionCommon<D>: RustlsConnection,
    S: Read + Write,
    H: AttestationHooks,
{
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        // The gate: refused unless every required attestation has succeeded.
        if self.core.outgoing.is_empty() {
            // Framed straight into rustls's records.
            let core = &mut self.core;
            let written = write_data(
                &core.session,
                &mut self.conn.writer(),
                data,
                &mut core.outgoing,
            );
            self.settle(written)?;
        } else {
            self.step(Step::Send(data))?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_tls()
    }
}

/// What [`read_plaintext`] found.
#[derive(Debug)]
#[non_exhaustive]
pub enum Plaintext {
    /// Plaintext was read and fed to the session: the session's result (as
    /// [`Driver::handle`]).
    Fed(Result<(), Error>),
    /// The peer closed the connection with `close_notify`, and everything before it was read.
    Closed,
}

/// One read of a rustls connection's application stream into its session, as both stream
/// adapters read it (and `cargo xtask bench` measures): the data frames at the start of
/// rustls's received plaintext are taken in place (`BufRead::fill_buf`,
/// [`Driver::receive_data`]), record after record while the next one starts with a whole data
/// frame, their payload copied once, into `deliver`; anything else (a
/// frame of another type, a header split across TLS records) is copied out, at most one TLS
/// record's plaintext, and fed as [`Input::Received`] with the connection's exporter. Bytes for
/// TLS are appended to `send`, to be written to the connection next.
///
/// # Errors
///
/// rustls's, as from its reader: [`io::ErrorKind::WouldBlock`] when it holds no plaintext
/// (read TLS records first), [`io::ErrorKind::UnexpectedEof`] when the peer closed without
/// `close_notify`.
pub fn read_plaintext<D, H: AttestationHooks>(
    conn: &mut ConnectionCommon<D>,
    session: &mut Session,
    driver: &mut Driver<H>,
    now: u64,
    send: &mut Vec<u8>,
    deliver: &mut Vec<u8>,
) -> io::Result<Plaintext>
where
    ConnectionCommon<D>: RustlsConnection,
{
    let mut reader = conn.reader();
    let chunk = reader.fill_buf()?;
    if chunk.is_empty() {
        return Ok(Plaintext::Closed);
    }
    let other = match driver.receive_data(session, chunk, now, send, deliver) {
        Ok(0) => chunk.to_vec(),
        Ok(taken) => {
            reader.consume(taken);
            let held = take_held_data(&mut reader, |chunk| {
                driver.receive_data(session, chunk, now, send, deliver)
            });
            return Ok(Plaintext::Fed(held));
        }
        Err(e) => {
            // Fed and refused, as a failed session refuses everything after.
            let len = chunk.len();
            reader.consume(len);
            return Ok(Plaintext::Fed(Err(e)));
        }
    };
    reader.consume(other.len());
    let exporter = match RustlsExporter::new(&*conn) {
        Ok(exporter) => exporter,
        Err(e) => return Ok(Plaintext::Fed(Err(e.into()))),
    };
    let input = Input::Received {
        bytes: &other,
        exporter: &exporter,
        now,
    };
    Ok(Plaintext::Fed(
        driver.handle(session, input, now, send, deliver),
    ))
}

/// After a record of data: the records `reader` (rustls's plaintext) already holds, while each
/// starts with whole data frames, each given to `receive` (which returns how many bytes it
/// took). One read takes a burst of small records, as rustls's own `read` copies across them;
/// a record that starts with any other frame, rustls's end of data and its errors wait for the
/// next read. A refused record is consumed whole, as a failed session refuses what follows.
pub(crate) fn take_held_data(
    reader: &mut rustls::Reader<'_>,
    mut receive: impl FnMut(&[u8]) -> Result<usize, Error>,
) -> Result<(), Error> {
    while let Ok(chunk) = reader.fill_buf() {
        match receive(chunk) {
            Ok(0) => break,
            Ok(taken) => reader.consume(taken),
            Err(e) => {
                let len = chunk.len();
                reader.consume(len);
                return Err(e);
            }
        }
    }
    Ok(())
}

/// The largest write [`write_data`] frames on the stack rather than with a vectored write.
const SMALL_WRITE: usize = 256;

/// How many data frames one vectored write into rustls carries.
const FRAMES_PER_WRITE: usize = 8;

/// Writes `data` through `session` into a rustls connection's plaintext `writer` as data frames
/// ([`Session::data_frames`]), without assembling them first: each frame's header and its
/// slice of `data` go into one vectored write, and rustls copies each byte once, into its
/// records (a write of at most 256 bytes is framed on the stack and written as one slice,
/// cheaper than gathering two). What rustls does not take (its buffer limit is full) is appended to `spill`, to be
/// written next, before anything else; everything the session queued before must have been
/// written already. This is the stream adapters' write path.
///
/// # Errors
///
/// As [`Session::data_frames`]: nothing is written while the gate is closed.
pub fn write_data(
    session: &Session,
    writer: &mut rustls::Writer<'_>,
    data: &[u8],
    spill: &mut Vec<u8>,
) -> Result<(), Error> {
    let mut frames = session.data_frames(data)?;
    if data.len() <= SMALL_WRITE {
        // One small frame: assembled on the stack and written as one slice, which costs less
        // than rustls's vectored path (it allocates to gather the slices).
        let mut frame = [0u8; 4 + SMALL_WRITE];
        let mut len = 0;
        if let Some((header, chunk)) = frames.next()
            && let Some(at) = frame.get_mut(..4 + chunk.len())
        {
            let (h, c) = at.split_at_mut(4);
            h.copy_from_slice(&header);
            c.copy_from_slice(chunk);
            len = at.len();
        }
        let frame = frame.get(..len).unwrap_or_default();
        let written = writer.write(frame).unwrap_or(0);
        spill.extend_from_slice(frame.get(written..).unwrap_or_default());
        return Ok(());
    }
    loop {
        let mut batch: [([u8; 4], &[u8]); FRAMES_PER_WRITE] = [([0; 4], &[]); FRAMES_PER_WRITE];
        let mut n = 0;
        for (slot, frame) in batch.iter_mut().zip(frames.by_ref()) {
            *slot = frame;
            n += 1;
        }
        let batch = batch.get(..n).unwrap_or_default();
        if batch.is_empty() {
            return Ok(());
        }
        let slices: [IoSlice<'_>; 2 * FRAMES_PER_WRITE] = core::array::from_fn(|i| {
            batch
                .get(i / 2)
                .map_or(IoSlice::new(&[]), |(header, chunk)| {
                    IoSlice::new(if i % 2 == 0 { header } else { chunk })
                })
        });
        let slices = slices.get(..2 * n).unwrap_or_default();
        let total: usize = slices.iter().map(|s| s.len()).sum();
        // An error of the connection's own is reported when the spill is written.
        let written = writer.write_vectored(slices).unwrap_or(0);
        if written < total {
            let mut skip = written;
            for slice in slices {
                let rest = slice.get(skip..).unwrap_or_default();
                skip = skip.saturating_sub(slice.len());
                spill.extend_from_slice(rest);
            }
            for (header, chunk) in frames {
                spill.extend_from_slice(&header);
                spill.extend_from_slice(chunk);
            }
            return Ok(());
        }
    }
}

/// Lets rustls release the receive buffer it grew for a large record, once it holds no
/// partial record: rustls shrinks that buffer back to its 4 KiB read size at the start of a
/// `read_tls` that finds nothing pending, and keeps it grown until then. A socket adapter
/// waiting for the peer is inside such a read; a connection driven by hand (TLS records moved
/// in memory) is not, so it calls this once it has read everything: one `read_tls` from a
/// source that has nothing yet (`WouldBlock`), which changes nothing else.
pub fn release_read_buffer<D>(conn: &mut ConnectionCommon<D>) {
    /// A source with nothing to read yet.
    struct NothingYet;

    impl Read for NothingYet {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::ErrorKind::WouldBlock.into())
        }
    }

    let _ = conn.read_tls(&mut NothingYet);
}
