//! An attested DTLS 1.3 socket over `tokio::net::UdpSocket` (feature `tokio`): the
//! [`blocking`](crate::blocking) socket's contract, with tokio's timer driving the
//! retransmission and exchange deadlines of [`DtlsCore::next_timeout`].

use std::time::{Duration, Instant};

use boring::ssl::Ssl;
use seat_binding::authenticator::Role;
use seat_proto::hooks::AttestationHooks;
use seat_proto::session::Session;
use tokio::net::UdpSocket;

use crate::core::{ConnectionStats, DtlsCore, DtlsOptions, MAX_UDP_DATAGRAM};
use crate::{Error, Phase};

/// An attested DTLS 1.3 connection on a connected tokio UDP socket.
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
    pub async fn connect(
        socket: UdpSocket,
        ssl: Ssl,
        session: Session,
        hooks: H,
        options: DtlsOptions,
    ) -> Result<Self, Error> {
        let core = DtlsCore::new(ssl, Role::Client, session, hooks, options)?;
        let mut s = Self { socket, core };
        let r = s.core.process();
        s.sent(r).await?;
        s.open().await?;
        Ok(s)
    }

    /// Accepts the first peer that writes to `socket` (bound, not connected) as the server,
    /// and attests until this side's gate opens.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    pub async fn accept(
        socket: UdpSocket,
        ssl: Ssl,
        session: Session,
        hooks: H,
        options: DtlsOptions,
    ) -> Result<Self, Error> {
        let mut buf = vec![0u8; MAX_UDP_DATAGRAM];
        let (n, peer) = tokio::time::timeout(options.handshake_timeout, socket.recv_from(&mut buf))
            .await
            .map_err(|_| Error::Timeout(Phase::Handshake))??;
        socket.connect(peer).await?;
        let core = DtlsCore::new(ssl, Role::Server, session, hooks, options)?;
        let mut s = Self { socket, core };
        s.core.receive_datagram(buf.get(..n).unwrap_or_default());
        let r = s.core.process();
        s.sent(r).await?;
        s.open().await?;
        Ok(s)
    }

    /// Writes what is queued when `result` is an error (a failed session's error frame), so
    /// the peer learns why; then returns `result`.
    async fn sent<T>(&mut self, result: Result<T, Error>) -> Result<T, Error> {
        if result.is_err() {
            self.transmit().await;
        }
        result
    }

    async fn open(&mut self) -> Result<(), Error> {
        while !(self.core.is_established() && self.core.is_open()) {
            self.step(None).await?;
        }
        Ok(())
    }

    async fn transmit(&mut self) {
        while let Some(d) = self.core.poll_datagram() {
            // A datagram the network refuses is a datagram lost.
            let _ = self.socket.send(&d).await;
        }
    }

    /// As the blocking socket's step: write, wait for a datagram or a timer, process.
    async fn step(&mut self, until: Option<Instant>) -> Result<bool, Error> {
        self.transmit().await;
        let now = Instant::now();
        let wake = [self.core.next_timeout(), until]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now + Duration::from_secs(1));
        let mut buf = vec![0u8; MAX_UDP_DATAGRAM];
        tokio::select! {
            read = self.socket.recv(&mut buf) => match read {
                Ok(n) => {
                    self.core.receive_datagram(buf.get(..n).unwrap_or_default());
                    while let Ok(n) = self.socket.try_recv(&mut buf) {
                        self.core.receive_datagram(buf.get(..n).unwrap_or_default());
                    }
                    let r = self.core.process();
                    self.sent(r).await?;
                }
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {}
                Err(e) => return Err(e.into()),
            },
            () = tokio::time::sleep_until(wake.into()) => {}
        }
        if self
            .core
            .next_timeout()
            .is_some_and(|t| t <= Instant::now())
        {
            let r = self.core.handle_timeout();
            self.sent(r).await?;
        }
        self.transmit().await;
        Ok(until.is_some_and(|u| Instant::now() >= u))
    }

    /// Sends one application datagram.
    ///
    /// # Errors
    ///
    /// As [`DtlsCore::send`].
    pub async fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        let r = self.core.send(data);
        self.sent(r).await?;
        self.transmit().await;
        Ok(())
    }

    /// Waits up to `timeout` for the next application datagram.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`]`(`[`Phase::Receive`]`)` when none came, [`Error::Closed`] when the
    /// peer closed, or a failure of the connection.
    pub async fn recv(&mut self, timeout: Duration) -> Result<Vec<u8>, Error> {
        let until = Instant::now() + timeout;
        loop {
            if let Some(d) = self.core.poll_delivered() {
                return Ok(d);
            }
            if self.core.is_closed() {
                return Err(Error::Closed);
            }
            if self.step(Some(until)).await? {
                return self
                    .core
                    .poll_delivered()
                    .ok_or(Error::Timeout(Phase::Receive));
            }
        }
    }

    /// Keeps the connection running until it is idle or `timeout` passes (see the blocking
    /// socket's `settle`).
    ///
    /// # Errors
    ///
    /// A failure of the connection.
    pub async fn settle(&mut self, timeout: Duration) -> Result<bool, Error> {
        let until = Instant::now() + timeout;
        while !self.core.is_idle() {
            if self.step(Some(until)).await? {
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
    pub async fn close(mut self) -> H {
        self.core.close();
        self.transmit().await;
        self.core.into_hooks()
    }
}
