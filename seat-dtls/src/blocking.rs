//! An attested DTLS 1.3 socket over `std::net::UdpSocket`, blocking.
//!
//! [`AttestedDtlsSocket::connect`] and [`AttestedDtlsSocket::accept`] run the DTLS handshake
//! and the expat exchanges until this side's gate opens; [`send`](AttestedDtlsSocket::send)
//! and [`recv`](AttestedDtlsSocket::recv) then carry application datagrams, and keep
//! answering the peer's control messages (acknowledgements, retransmissions, requests) while
//! they wait. One socket serves one peer: the server's socket is connected to the first
//! peer that writes to it.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use boring::ssl::Ssl;
use seat_binding::authenticator::Role;
use seat_proto::hooks::AttestationHooks;
use seat_proto::session::Session;

use crate::core::{ConnectionStats, DtlsCore, DtlsOptions, MAX_UDP_DATAGRAM};
use crate::{Error, Phase};

/// An attested DTLS 1.3 connection on a connected UDP socket.
#[derive(Debug)]
pub struct AttestedDtlsSocket<H: AttestationHooks> {
    socket: UdpSocket,
    core: DtlsCore<H>,
}

impl<H: AttestationHooks> AttestedDtlsSocket<H> {
    /// Connects as the client over `socket` (already connected to the server) and attests
    /// until this side's gate opens.
    ///
    /// # Errors
    ///
    /// The handshake's or the attestation's failure, or [`Error::Timeout`].
    pub fn connect(
        socket: UdpSocket,
        ssl: Ssl,
        session: Session,
        hooks: H,
        options: DtlsOptions,
    ) -> Result<Self, Error> {
        let core = DtlsCore::new(ssl, Role::Client, session, hooks, options)?;
        let mut s = Self { socket, core };
        let r = s.core.process();
        s.sent(r)?;
        s.open()?;
        Ok(s)
    }

    /// Accepts the first peer that writes to `socket` (bound, not connected) as the server,
    /// and attests until this side's gate opens.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect); [`Error::Timeout`] also when no peer writes within the
    /// handshake timeout.
    pub fn accept(
        socket: UdpSocket,
        ssl: Ssl,
        session: Session,
        hooks: H,
        options: DtlsOptions,
    ) -> Result<Self, Error> {
        let mut buf = vec![0u8; MAX_UDP_DATAGRAM];
        socket.set_read_timeout(Some(options.handshake_timeout))?;
        let (n, peer) = socket.recv_from(&mut buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                Error::Timeout(Phase::Handshake)
            }
            _ => Error::Io(e),
        })?;
        socket.connect(peer)?;
        let core = DtlsCore::new(ssl, Role::Server, session, hooks, options)?;
        let mut s = Self { socket, core };
        s.core.receive_datagram(buf.get(..n).unwrap_or_default());
        let r = s.core.process();
        s.sent(r)?;
        s.open()?;
        Ok(s)
    }

    /// Writes what is queued when `result` is an error (a failed session's error frame), so
    /// the peer learns why; then returns `result`.
    fn sent<T>(&mut self, result: Result<T, Error>) -> Result<T, Error> {
        if result.is_err() {
            while let Some(d) = self.core.poll_datagram() {
                let _ = self.socket.send(&d);
            }
        }
        result
    }

    fn open(&mut self) -> Result<(), Error> {
        while !(self.core.is_established() && self.core.is_open()) {
            self.step(None)?;
        }
        Ok(())
    }

    /// Writes what is queued, waits for one datagram or the next timer (or `until`), and
    /// processes what came. Returns whether `until` passed.
    fn step(&mut self, until: Option<Instant>) -> Result<bool, Error> {
        while let Some(d) = self.core.poll_datagram() {
            // A datagram the network refuses (no listener yet) is a datagram lost.
            let _ = self.socket.send(&d);
        }
        let now = Instant::now();
        let wake = [self.core.next_timeout(), until]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now + Duration::from_secs(1));
        let wait = wake
            .saturating_duration_since(now)
            .max(Duration::from_millis(1));
        self.socket.set_read_timeout(Some(wait))?;
        let mut buf = vec![0u8; MAX_UDP_DATAGRAM];
        match self.socket.recv(&mut buf) {
            Ok(n) => {
                self.core.receive_datagram(buf.get(..n).unwrap_or_default());
                // Take whatever else is already queued before processing.
                self.socket.set_nonblocking(true)?;
                while let Ok(n) = self.socket.recv(&mut buf) {
                    self.core.receive_datagram(buf.get(..n).unwrap_or_default());
                }
                self.socket.set_nonblocking(false)?;
                let r = self.core.process();
                self.sent(r)?;
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            // ICMP port unreachable surfaces here on Linux: a datagram lost.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {}
            Err(e) => return Err(e.into()),
        }
        if self
            .core
            .next_timeout()
            .is_some_and(|t| t <= Instant::now())
        {
            let r = self.core.handle_timeout();
            self.sent(r)?;
        }
        while let Some(d) = self.core.poll_datagram() {
            let _ = self.socket.send(&d);
        }
        Ok(until.is_some_and(|u| Instant::now() >= u))
    }

    /// Sends one application datagram.
    ///
    /// # Errors
    ///
    /// As [`DtlsCore::send`], or the socket's error.
    pub fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        let r = self.core.send(data);
        self.sent(r)?;
        while let Some(d) = self.core.poll_datagram() {
            let _ = self.socket.send(&d);
        }
        Ok(())
    }

    /// Waits up to `timeout` for the next application datagram.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`]`(`[`Phase::Receive`]`)` when none came, [`Error::Closed`] when the
    /// peer closed, or a failure of the connection.
    pub fn recv(&mut self, timeout: Duration) -> Result<Vec<u8>, Error> {
        let until = Instant::now() + timeout;
        loop {
            if let Some(d) = self.core.poll_delivered() {
                return Ok(d);
            }
            if self.core.is_closed() {
                return Err(Error::Closed);
            }
            if self.step(Some(until))? {
                return self
                    .core
                    .poll_delivered()
                    .ok_or(Error::Timeout(Phase::Receive));
            }
        }
    }

    /// Keeps the connection running until every control message this side sent has been
    /// acknowledged and no exchange is pending, or `timeout` passes; application datagrams
    /// that arrive meanwhile stay queued for [`recv`](Self::recv).
    ///
    /// # Errors
    ///
    /// A failure of the connection.
    pub fn settle(&mut self, timeout: Duration) -> Result<bool, Error> {
        let until = Instant::now() + timeout;
        while !self.core.is_idle() {
            if self.step(Some(until))? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The driver (protocol version, cipher suite, stats, the BoringSSL connection).
    pub fn core(&self) -> &DtlsCore<H> {
        &self.core
    }

    /// The counters so far.
    pub fn stats(&self) -> ConnectionStats {
        self.core.stats()
    }

    /// The attestation hooks.
    pub fn hooks(&self) -> &H {
        self.core.hooks()
    }

    /// The typed result of the peer's latest accepted attestation.
    pub fn peer_attestation(&self) -> Option<&H::Accepted> {
        self.core.peer_attestation()
    }

    /// Sends `close_notify` and returns the hooks.
    pub fn close(mut self) -> H {
        self.core.close();
        while let Some(d) = self.core.poll_datagram() {
            let _ = self.socket.send(&d);
        }
        self.core.into_hooks()
    }
}
