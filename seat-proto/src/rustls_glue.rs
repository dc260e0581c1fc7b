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
//! This module is one of the stack adapters: it touches the socket and the clock, which the
//! session itself never does.

use std::io::{self, Read, Write};
use std::ops::DerefMut;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rustls::{ClientConfig, ConnectionCommon, HandshakeKind, ProtocolVersion, ServerConfig};
use seat_binding::exporter::rustls_adapter::RustlsExporter;

use crate::error::Error;
use crate::session::{Action, Appraisal, Event, ExchangeId, Input, Session, Verdict};
use crate::shim::Models;

/// Turns off everything that would let an attested connection skip a fresh handshake:
/// resumption (tickets and session IDs) and early data.
pub fn harden_client_config(config: &mut ClientConfig) {
    config.resumption = rustls::client::Resumption::disabled();
    config.enable_early_data = false;
}

/// Turns off session tickets (stateless and stateful), the session cache and early data.
pub fn harden_server_config(config: &mut ServerConfig) {
    config.send_tls13_tickets = 0;
    config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    config.max_early_data_size = 0;
    config.send_half_rtt_data = false;
}

/// The caller's side of attestation, which the blocking adapter calls synchronously: the
/// Attester (for this side's Evidence) and the Verifier with its policy (for the peer's).
pub trait AttestationHooks {
    /// Returns a CMW whose Evidence (or Attestation Result, for [`Models::PASSPORT`]) binds
    /// `binder` and `aik_pub_hash`, or `None` to refuse with an empty authenticator.
    fn produce_evidence(
        &mut self,
        binder: &[u8],
        aik_pub_hash: &[u8],
        model: Models,
        now: u64,
    ) -> Option<Vec<u8>>;

    /// Appraises the peer's attestation.
    fn appraise(&mut self, appraisal: &Appraisal, now: u64) -> Verdict;

    /// Observes an event (for logs); does nothing by default.
    fn event(&mut self, event: &Event) {
        let _ = event;
    }
}

impl<H: AttestationHooks + ?Sized> AttestationHooks for &mut H {
    fn produce_evidence(
        &mut self,
        binder: &[u8],
        aik_pub_hash: &[u8],
        model: Models,
        now: u64,
    ) -> Option<Vec<u8>> {
        (**self).produce_evidence(binder, aik_pub_hash, model, now)
    }

    fn appraise(&mut self, appraisal: &Appraisal, now: u64) -> Verdict {
        (**self).appraise(appraisal, now)
    }

    fn event(&mut self, event: &Event) {
        (**self).event(event);
    }
}

/// Seconds since the Unix epoch from the system clock.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn session_error(e: Error) -> io::Error {
    io::Error::other(e)
}

/// A rustls connection over a blocking socket whose application data flows only through an
/// attested [`Session`]. Reads and writes fail until the gate is open (they cannot: the
/// stream exists only once it is).
pub struct AttestedStream<C, S, H> {
    conn: C,
    sock: S,
    session: Session,
    hooks: H,
    delivered: Vec<u8>,
    delivered_at: usize,
    peer_attested: usize,
}

impl<C, S, H> core::fmt::Debug for AttestedStream<C, S, H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AttestedStream")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl<C, D, S, H> AttestedStream<C, S, H>
where
    C: DerefMut<Target = ConnectionCommon<D>>,
    ConnectionCommon<D>: seat_binding::exporter::rustls_adapter::RustlsConnection,
    S: Read + Write,
    H: AttestationHooks,
{
    /// Completes the TLS handshake on `sock`, then runs attestation until the session's gate
    /// opens.
    ///
    /// Give `sock` a read timeout: when a read times out, the session is told the time, and an
    /// exchange past its deadline fails instead of waiting for ever.
    ///
    /// # Errors
    ///
    /// An I/O or TLS error, a connection that is not TLS 1.3 or that resumed, or the session's
    /// error (wrapped in an [`io::Error`] of kind `Other`; `get_ref` gives the
    /// [`Error`]) after the error frame and `close_notify` were sent.
    pub fn establish(mut conn: C, mut sock: S, session: Session, hooks: H) -> io::Result<Self> {
        while conn.is_handshaking() {
            conn.complete_io(&mut sock)?;
        }
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
        let mut stream = Self {
            conn,
            sock,
            session,
            hooks,
            delivered: Vec::new(),
            delivered_at: 0,
            peer_attested: 0,
        };
        let exporter = RustlsExporter::new(&*stream.conn).map_err(io::Error::other)?;
        let result = stream.session.handle(Input::Established {
            exporter: &exporter,
            now: unix_now(),
        });
        stream.settle(result)?;
        while !stream.session.is_open() {
            stream.read_once()?;
        }
        Ok(stream)
    }

    /// The session, for inspection.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The hooks.
    pub fn hooks(&self) -> &H {
        &self.hooks
    }

    /// The TLS connection, for inspection.
    pub fn connection(&self) -> &C {
        &self.conn
    }

    /// Asks the peer to attest again with a fresh context, and waits for the verdict.
    ///
    /// # Errors
    ///
    /// As [`establish`](Self::establish).
    pub fn reattest(&mut self) -> io::Result<()> {
        let before = self.attested_count();
        let exporter = RustlsExporter::new(&*self.conn).map_err(io::Error::other)?;
        let result = self.session.handle(Input::Reattest {
            exporter: &exporter,
            now: unix_now(),
        });
        self.settle(result)?;
        while self.attested_count() == before {
            self.read_once()?;
        }
        Ok(())
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

    fn attested_count(&self) -> usize {
        self.peer_attested
    }

    fn flush_tls(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            self.conn.write_tls(&mut self.sock)?;
        }
        self.sock.flush()
    }

    /// Applies a `handle` result: drains the actions, then turns a failure into an error after
    /// the error frame and `close_notify` went out.
    fn settle(&mut self, result: Result<(), Error>) -> io::Result<()> {
        self.drain()?;
        if let Err(e) = result {
            if self.session.is_failed() {
                self.conn.send_close_notify();
                let _ = self.flush_tls();
            }
            return Err(session_error(e));
        }
        Ok(())
    }

    fn drain(&mut self) -> io::Result<()> {
        while let Some(action) = self.session.poll_action() {
            match action {
                Action::Send(bytes) => {
                    self.conn.writer().write_all(&bytes)?;
                    self.flush_tls()?;
                }
                Action::ProduceEvidence {
                    exchange,
                    binder,
                    aik_pub_hash,
                    model,
                } => {
                    let input =
                        match self
                            .hooks
                            .produce_evidence(&binder, &aik_pub_hash, model, unix_now())
                        {
                            Some(cmw) => Input::Evidence { exchange, cmw },
                            None => Input::Decline { exchange },
                        };
                    let result = self.session.handle(input);
                    self.settle(result)?;
                }
                Action::Appraise(appraisal) => {
                    let verdict = self.hooks.appraise(&appraisal, unix_now());
                    let result = self.session.handle(Input::Verdict {
                        exchange: appraisal.exchange,
                        verdict,
                    });
                    self.settle(result)?;
                }
                Action::Deliver(bytes) => self.delivered.extend(bytes),
                Action::Event(event) => {
                    if let Event::PeerAttested {
                        exchange: ExchangeId::Outgoing(_),
                        ..
                    } = event
                    {
                        self.peer_attested += 1;
                    }
                    self.hooks.event(&event);
                }
            }
        }
        Ok(())
    }

    /// Reads what the connection has, feeds the session, and acts on it.
    fn read_once(&mut self) -> io::Result<()> {
        let mut buf = [0u8; 16 * 1024];
        let n = match self.conn.reader().read(&mut buf) {
            Ok(0) => {
                let result = self.session.handle(Input::PeerClosed);
                self.settle(result)?;
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                match self.conn.read_tls(&mut self.sock) {
                    Ok(0) => {
                        let result = self.session.handle(Input::PeerClosed);
                        self.settle(result)?;
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                    Ok(_) => {}
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                        ) =>
                    {
                        let result = self.session.handle(Input::Timeout { now: unix_now() });
                        return self.settle(result);
                    }
                    Err(e) => return Err(e),
                }
                self.conn.process_new_packets().map_err(io::Error::other)?;
                return self.flush_tls();
            }
            Err(e) => return Err(e),
        };
        let exporter = RustlsExporter::new(&*self.conn).map_err(io::Error::other)?;
        let result = self.session.handle(Input::Received {
            bytes: buf.get(..n).unwrap_or_default(),
            exporter: &exporter,
            now: unix_now(),
        });
        self.settle(result)
    }
}

impl<C, D, S, H> Read for AttestedStream<C, S, H>
where
    C: DerefMut<Target = ConnectionCommon<D>>,
    ConnectionCommon<D>: seat_binding::exporter::rustls_adapter::RustlsConnection,
    S: Read + Write,
    H: AttestationHooks,
{
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.delivered_at == self.delivered.len() {
            self.delivered.clear();
            self.delivered_at = 0;
            match self.read_once() {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && !self.session.is_failed() => {
                    return Ok(0);
                }
                Err(e) => return Err(e),
            }
        }
        let available = self.delivered.get(self.delivered_at..).unwrap_or_default();
        let n = available.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), available.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.delivered_at += n;
        Ok(n)
    }
}

impl<C, D, S, H> Write for AttestedStream<C, S, H>
where
    C: DerefMut<Target = ConnectionCommon<D>>,
    ConnectionCommon<D>: seat_binding::exporter::rustls_adapter::RustlsConnection,
    S: Read + Write,
    H: AttestationHooks,
{
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        // The gate: refused unless every required attestation has succeeded.
        self.session
            .handle(Input::Send(data))
            .map_err(session_error)?;
        self.drain()?;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_tls()
    }
}
