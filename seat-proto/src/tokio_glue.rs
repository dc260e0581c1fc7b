//! The tokio adapter (feature `tokio`): attested TLS 1.3 over tokio-rustls, in its
//! conventions. [`AttestedAcceptor::accept`] and [`AttestedConnector::connect`] complete the
//! TLS handshake, run the expat [`Session`] until its gate opens, and return an
//! [`AttestedStream`] that implements [`AsyncRead`] and [`AsyncWrite`].
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use seat_proto::hooks::AttestationHooks;
//! # use seat_proto::session::{Credential, SessionConfig};
//! use seat_proto::tokio_glue::AttestedAcceptor;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # async fn serve<H: AttestationHooks + Clone + Sync + 'static>(
//! #     tls: Arc<rustls::ServerConfig>,
//! #     config: Arc<SessionConfig>,
//! #     hooks: H,
//! #     credential: impl Fn() -> Option<Credential> + Send + Sync + 'static,
//! # ) -> std::io::Result<()> {
//! let acceptor = AttestedAcceptor::new(tls, config, move || (hooks.clone(), credential()));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let (tcp, _) = listener.accept().await?;
//! // Returns once every attestation this side requires was accepted; a rejection is an
//! // io::Error whose Display gives the stage and reason.
//! let mut stream = acceptor.accept(tcp).await?;
//! println!("peer: {:?}", stream.peer_attestation());
//! let mut line = [0u8; 64];
//! let n = stream.read(&mut line).await?;
//! stream.write_all(&line[..n]).await?;
//! stream.shutdown().await?;
//! # Ok(())
//! # }
//! ```
//!
//! Deadlines run on tokio's timer: whenever the session has one
//! ([`Session::poll_timeout`]), the stream sleeps until it alongside the socket read and then
//! tells the session the time, so a silent peer fails the connection at its deadline. The TLS
//! handshake before it gets the same bound, the configuration's
//! [`exchange_timeout_secs`](SessionConfig::exchange_timeout_secs): a peer that stalls it
//! fails `accept` or `connect` with [`io::ErrorKind::TimedOut`] instead of holding the
//! connection (its task and socket) for ever.
//!
//! Errors are [`io::Error`]s; those of the session have kind `Other` and their
//! [`get_ref`](io::Error::get_ref) downcasts to [`Error`] (for a rejection, its stage and
//! reason are in the Display). The hooks run synchronously inside the stream's polls: keep them
//! CPU-bound and short (an in-process Verifier is), or fetch what they need beforehand.
//!
//! Incoming frames (a peer's re-attestation request among them) are processed when the stream
//! is read: a connection that only writes does not answer them until it reads.

use std::future::{Future, poll_fn};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::crypto::SecureRandom;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, CommonState, Connection, ServerConfig};
use seat_binding::authenticator::Role;
use seat_binding::exporter::rustls_adapter::RustlsConnection;
use seat_binding::provider::RandomSource;
use tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};
use tokio_rustls::TlsStream;

use crate::error::Error;
use crate::hooks::AttestationHooks;
use crate::rustls_glue::{
    Core, Step, check_handshake, harden_client_config, harden_server_config_for, session_error,
    write_data,
};
use crate::session::{Credential, Session, SessionConfig};

/// The most application bytes one `poll_write` takes.
const MAX_WRITE: usize = 64 * 1024;

/// The most bytes for TLS the stream queues before `poll_write` waits for the socket.
const MAX_OUTGOING: usize = 256 * 1024;

/// How long a failing connection tries to send its error frame and `close_notify`.
const FAILURE_FLUSH: Duration = Duration::from_secs(5);

/// What one connection attests and appraises with: its hooks and, if it attests, the
/// credential that signs its authenticators. Called once per connection.
type PerConnection<H> = dyn Fn() -> (H, Option<Credential>) + Send + Sync;

/// The request contexts' randomness: the TLS configuration's own secure random source.
struct TlsRandom(&'static dyn SecureRandom);

impl RandomSource for TlsRandom {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), seat_binding::Error> {
        self.0
            .fill(dest)
            .map_err(|_| seat_binding::Error::RandomSourceFailed)
    }
}

/// Accepts attested TLS 1.3 connections, like `tokio_rustls::TlsAcceptor`.
pub struct AttestedAcceptor<H> {
    tls: tokio_rustls::TlsAcceptor,
    random: &'static dyn SecureRandom,
    config: Arc<SessionConfig>,
    per_connection: Arc<PerConnection<H>>,
}

impl<H> Clone for AttestedAcceptor<H> {
    fn clone(&self) -> Self {
        Self {
            tls: self.tls.clone(),
            random: self.random,
            config: Arc::clone(&self.config),
            per_connection: Arc::clone(&self.per_connection),
        }
    }
}

impl<H> core::fmt::Debug for AttestedAcceptor<H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AttestedAcceptor")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<H: AttestationHooks + 'static> AttestedAcceptor<H> {
    /// An acceptor for `tls` (used hardened: a copy without tickets, session cache or early
    /// data, with 0.5-RTT data only for the request a server that requires the client's
    /// attestation sends in its first flight, see [`harden_server_config_for`]) and the
    /// session configuration `config`; `per_connection` gives each connection its hooks and,
    /// if this side attests, its credential.
    pub fn new(
        tls: Arc<ServerConfig>,
        config: Arc<SessionConfig>,
        per_connection: impl Fn() -> (H, Option<Credential>) + Send + Sync + 'static,
    ) -> Self {
        let mut hardened = (*tls).clone();
        harden_server_config_for(&mut hardened, &config);
        Self {
            random: hardened.crypto_provider().secure_random,
            tls: tokio_rustls::TlsAcceptor::from(Arc::new(hardened)),
            config,
            per_connection: Arc::new(per_connection),
        }
    }

    /// Completes the TLS handshake on `io` as the server, then attestation until the
    /// session's gate opens.
    ///
    /// # Errors
    ///
    /// An I/O or TLS error, a TLS handshake that did not complete within the configuration's
    /// [`exchange_timeout_secs`](SessionConfig::exchange_timeout_secs) (kind `TimedOut`), a
    /// connection that is not TLS 1.3 or that resumed, or the session's error (kind `Other`;
    /// [`get_ref`](io::Error::get_ref) downcasts to [`Error`]).
    pub async fn accept<IO>(&self, io: IO) -> io::Result<AttestedStream<IO, H>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let (hooks, credential) = (self.per_connection)();
        let session = Session::new(
            Arc::clone(&self.config),
            Role::Server,
            credential,
            Box::new(TlsRandom(self.random)),
        );
        let mut core = Core::new(session, hooks);
        // The hello and the request for the client's attestation, written before the
        // handshake: rustls sends them after its `Finished` (0.5-RTT data).
        let first_flight = core.first_flight().map_err(session_error)?;
        let mut written = Ok(());
        let accept = self.tls.accept_with(io, |conn| {
            if !first_flight.is_empty() {
                // Held by rustls until it may send.
                written = io::Write::write_all(&mut conn.writer(), &first_flight);
            }
        });
        written?;
        let tls = within_deadline(&self.config, accept).await?;
        AttestedStream::establish(TlsStream::Server(tls), core).await
    }
}

/// Makes attested TLS 1.3 connections, like `tokio_rustls::TlsConnector`.
pub struct AttestedConnector<H> {
    tls: tokio_rustls::TlsConnector,
    random: &'static dyn SecureRandom,
    config: Arc<SessionConfig>,
    per_connection: Arc<PerConnection<H>>,
}

impl<H> Clone for AttestedConnector<H> {
    fn clone(&self) -> Self {
        Self {
            tls: self.tls.clone(),
            random: self.random,
            config: Arc::clone(&self.config),
            per_connection: Arc::clone(&self.per_connection),
        }
    }
}

impl<H> core::fmt::Debug for AttestedConnector<H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AttestedConnector")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<H: AttestationHooks + 'static> AttestedConnector<H> {
    /// A connector for `tls` (used hardened: a copy without resumption or early data, see
    /// [`harden_client_config`]) and the session configuration `config`; `per_connection`
    /// gives each connection its hooks and, if this side attests, its credential.
    pub fn new(
        tls: Arc<ClientConfig>,
        config: Arc<SessionConfig>,
        per_connection: impl Fn() -> (H, Option<Credential>) + Send + Sync + 'static,
    ) -> Self {
        let mut hardened = (*tls).clone();
        harden_client_config(&mut hardened);
        Self {
            random: hardened.crypto_provider().secure_random,
            tls: tokio_rustls::TlsConnector::from(Arc::new(hardened)),
            config,
            per_connection: Arc::new(per_connection),
        }
    }

    /// Completes the TLS handshake with `server_name` on `io` as the client, then attestation
    /// until the session's gate opens.
    ///
    /// # Errors
    ///
    /// As [`AttestedAcceptor::accept`].
    pub async fn connect<IO>(
        &self,
        server_name: ServerName<'static>,
        io: IO,
    ) -> io::Result<AttestedStream<IO, H>>
    where
        IO: AsyncRead + AsyncWrite + Unpin,
    {
        let (hooks, credential) = (self.per_connection)();
        let session = Session::new(
            Arc::clone(&self.config),
            Role::Client,
            credential,
            Box::new(TlsRandom(self.random)),
        );
        let mut core = Core::new(session, hooks);
        // The hello and the request for the server's attestation, written before the
        // handshake: rustls sends them right after its `Finished`, in the same write.
        let first_flight = core.first_flight().map_err(session_error)?;
        let mut written = Ok(());
        let connect = self.tls.connect_with(server_name, io, |conn| {
            if !first_flight.is_empty() {
                // Held by rustls until its handshake completes.
                written = io::Write::write_all(&mut conn.writer(), &first_flight);
            }
        });
        written?;
        let tls = within_deadline(&self.config, connect).await?;
        AttestedStream::establish(TlsStream::Client(tls), core).await
    }
}

/// Runs a TLS handshake, failing it with [`io::ErrorKind::TimedOut`] when it takes longer
/// than an exchange may wait for the peer: the session's deadlines start only once TLS is
/// established, and without this bound a peer that stalls the handshake would hold the
/// connection for ever.
async fn within_deadline<T>(
    config: &SessionConfig,
    handshake: impl Future<Output = io::Result<T>>,
) -> io::Result<T> {
    let limit = Duration::from_secs(config.exchange_timeout_secs);
    tokio::time::timeout(limit, handshake).await.map_err(|_| {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "the TLS handshake did not complete within the exchange timeout ({} s)",
                limit.as_secs()
            ),
        )
    })?
}

/// The rustls connection of `tls`, for its exporter.
fn connection<IO>(tls: &TlsStream<IO>) -> &dyn RustlsConnection {
    match tls {
        TlsStream::Client(s) => s.get_ref().1,
        TlsStream::Server(s) => s.get_ref().1,
    }
}

/// The tokio instant of the Unix-time deadline `at`.
fn instant_of(at: u64) -> Instant {
    let target = UNIX_EPOCH + Duration::from_secs(at);
    let wait = target
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    Instant::now() + wait
}

/// An attested TLS 1.3 stream: application data flows only through the session, whose gate
/// was open when the stream was returned.
pub struct AttestedStream<IO, H: AttestationHooks> {
    tls: TlsStream<IO>,
    core: Core<H>,
    written: usize,
    timer: Pin<Box<Sleep>>,
    armed: Option<u64>,
    eof: bool,
}

// Nothing is ever pinned through the stream: the hooks and their results are moved freely.
impl<IO: Unpin, H: AttestationHooks> Unpin for AttestedStream<IO, H> {}

impl<IO, H: AttestationHooks> core::fmt::Debug for AttestedStream<IO, H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AttestedStream")
            .field("session", &self.core.session)
            .field("peer_attestation", &self.core.driver.peer_attestation())
            .finish_non_exhaustive()
    }
}

impl<IO, H> AttestedStream<IO, H>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    H: AttestationHooks,
{
    async fn establish(tls: TlsStream<IO>, core: Core<H>) -> io::Result<Self> {
        check_handshake(tls.get_ref().1)?;
        let mut stream = Self {
            tls,
            core,
            written: 0,
            timer: Box::pin(tokio::time::sleep(Duration::ZERO)),
            armed: None,
            eof: false,
        };
        let started = stream.core.feed(connection(&stream.tls), Step::Established);
        stream.finish(started).await?;
        while !stream.core.session.is_open() {
            if stream.eof {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            poll_fn(|cx| stream.poll_progress(cx)).await?;
        }
        poll_fn(|cx| stream.poll_write_out(cx)).await?;
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

    /// The transport and the TLS connection's state, as `tokio_rustls::TlsStream::get_ref`.
    pub fn get_ref(&self) -> (&IO, &CommonState) {
        self.tls.get_ref()
    }

    /// Gives back the transport and the TLS connection, as tokio-rustls's streams do.
    /// Application data the session delivered but nobody read is dropped; using the
    /// connection directly bypasses the session.
    pub fn into_inner(self) -> (IO, Connection) {
        match self.tls {
            TlsStream::Client(s) => {
                let (io, c) = s.into_inner();
                (io, Connection::Client(c))
            }
            TlsStream::Server(s) => {
                let (io, c) = s.into_inner();
                (io, Connection::Server(c))
            }
        }
    }

    /// Asks the peer to attest again with a fresh context, and waits for the appraisal: its
    /// typed result.
    ///
    /// Application data the peer sends meanwhile is kept for later reads, up to the session's
    /// [`max_early_data`](SessionConfig::max_early_data) bytes (plus at most one read); beyond
    /// that the stream stops reading (the peer's writes back up) and returns
    /// [`ReattestPending`](crate::hooks::ReattestPending): the exchange goes on; read the data,
    /// and its result becomes [`peer_attestation`](Self::peer_attestation) once accepted.
    ///
    /// # Errors
    ///
    /// As [`AttestedAcceptor::accept`], or `ReattestPending` (kind `Other`).
    pub async fn reattest(&mut self) -> io::Result<H::Accepted> {
        let started = self.core.reattest(connection(&self.tls));
        let exchange = self.finish(started).await?;
        loop {
            if let Some(result) = self.core.reattested(exchange) {
                return result;
            }
            if self.eof {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            poll_fn(|cx| self.poll_progress(cx)).await?;
        }
    }

    /// Applies the result of an input fed outside a poll: writes what it produced; on failure,
    /// tries (for a while) to send the error frame and `close_notify`.
    async fn finish<T>(&mut self, result: Result<T, Error>) -> io::Result<T> {
        match result {
            Ok(t) => {
                poll_fn(|cx| self.poll_write_out(cx)).await?;
                Ok(t)
            }
            Err(e) => {
                if self.core.session.is_failed() {
                    let _ = tokio::time::timeout(FAILURE_FLUSH, async {
                        poll_fn(|cx| self.poll_write_out(cx)).await?;
                        poll_fn(|cx| Pin::new(&mut self.tls).poll_shutdown(cx)).await
                    })
                    .await;
                }
                Err(session_error(e))
            }
        }
    }

    /// Writes the session's bytes to TLS and flushes them.
    fn poll_write_out(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some(rest) = self
            .core
            .outgoing
            .get(self.written..)
            .filter(|r| !r.is_empty())
        {
            let n = ready!(Pin::new(&mut self.tls).poll_write(cx, rest))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.core.outgoing.clear();
        self.written = 0;
        Pin::new(&mut self.tls).poll_flush(cx)
    }

    /// Applies the result of an input fed inside a poll: starts writing what it produced; on
    /// failure, starts sending the error frame and `close_notify`.
    fn settle(&mut self, cx: &mut Context<'_>, result: Result<(), Error>) -> io::Result<()> {
        match result {
            Ok(()) => match self.poll_write_out(cx) {
                Poll::Ready(Err(e)) => Err(e),
                _ => Ok(()),
            },
            Err(e) => {
                if self.core.session.is_failed()
                    && let Poll::Ready(Ok(())) = self.poll_write_out(cx)
                {
                    let _ = Pin::new(&mut self.tls).poll_shutdown(cx);
                }
                Err(session_error(e))
            }
        }
    }

    /// One step of progress: bytes read and fed to the session, or a deadline that passed.
    /// Pending when neither happened.
    /// After a record of data: the records rustls already holds that start with whole data
    /// frames, read from its reader without reading the socket
    /// ([`take_held_data`](crate::rustls_glue::take_held_data)).
    fn take_held_data(&mut self) -> Result<(), Error> {
        let mut reader = match &mut self.tls {
            TlsStream::Client(s) => s.get_mut().1.reader(),
            TlsStream::Server(s) => s.get_mut().1.reader(),
        };
        let core = &mut self.core;
        crate::rustls_glue::take_held_data(&mut reader, |chunk| core.receive_data(chunk))
    }

    fn poll_progress(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Poll::Ready(Err(e)) = self.poll_write_out(cx) {
            return Poll::Ready(Err(e));
        }
        if self.eof {
            return Poll::Ready(Ok(()));
        }
        // rustls's plaintext, read in place: data frames are copied once, into the delivered
        // bytes; anything else is copied out (one record at most) and fed whole.
        match Pin::new(&mut self.tls).poll_fill_buf(cx) {
            Poll::Ready(Ok([])) => {
                self.eof = true;
                let result = self.core.feed(connection(&self.tls), Step::PeerClosed);
                return Poll::Ready(self.settle(cx, result));
            }
            Poll::Ready(Ok(chunk)) => {
                let (taken, other) = match self.core.receive_data(chunk) {
                    Ok(0) => (chunk.len(), Some(Ok(chunk.to_vec()))),
                    Ok(taken) => (taken, None),
                    Err(e) => (chunk.len(), Some(Err(e))),
                };
                Pin::new(&mut self.tls).consume(taken);
                let result = match other {
                    Some(Ok(bytes)) => self
                        .core
                        .feed(connection(&self.tls), Step::Received(&bytes)),
                    Some(Err(e)) => Err(e),
                    None => self.take_held_data(),
                };
                return Poll::Ready(self.settle(cx, result));
            }
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                // Closed without close_notify: the session decides whether that is a failure.
                self.eof = true;
                let result = self.core.feed(connection(&self.tls), Step::PeerClosed);
                return Poll::Ready(self.settle(cx, result).and(Err(e)));
            }
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => {}
        }
        let Some(deadline) = self.core.session.poll_timeout() else {
            self.armed = None;
            return Poll::Pending;
        };
        if self.armed != Some(deadline) {
            self.timer.as_mut().reset(instant_of(deadline));
            self.armed = Some(deadline);
        }
        ready!(self.timer.as_mut().poll(cx));
        self.armed = None;
        let result = self.core.feed(connection(&self.tls), Step::Timeout);
        Poll::Ready(self.settle(cx, result))
    }
}

impl<IO, H> AsyncRead for AttestedStream<IO, H>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    H: AttestationHooks,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        loop {
            if this.core.buffered() > 0 {
                let n = this.core.take_delivered(buf.initialize_unfilled());
                buf.advance(n);
                return Poll::Ready(Ok(()));
            }
            if this.eof {
                return Poll::Ready(Ok(()));
            }
            ready!(this.poll_progress(cx))?;
        }
    }
}

impl<IO, H> AsyncWrite for AttestedStream<IO, H>
where
    IO: AsyncRead + AsyncWrite + Unpin,
    H: AttestationHooks,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.core.outgoing.len() >= MAX_OUTGOING {
            ready!(this.poll_write_out(cx))?;
        }
        let chunk = data.get(..data.len().min(MAX_WRITE)).unwrap_or_default();
        let result = if this.core.outgoing.is_empty() {
            // Framed straight into rustls's records (the gate is checked there).
            let mut writer = match &mut this.tls {
                TlsStream::Client(s) => s.get_mut().1.writer(),
                TlsStream::Server(s) => s.get_mut().1.writer(),
            };
            write_data(
                &this.core.session,
                &mut writer,
                chunk,
                &mut this.core.outgoing,
            )
        } else {
            this.core.feed(connection(&this.tls), Step::Send(chunk))
        };
        this.settle(cx, result)?;
        Poll::Ready(Ok(chunk.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_write_out(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_write_out(cx))?;
        Pin::new(&mut this.tls).poll_shutdown(cx)
    }
}
