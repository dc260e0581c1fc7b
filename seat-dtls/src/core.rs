//! The sans-I/O driver of one attested DTLS 1.3 connection: BoringSSL's records on one side,
//! the datagram shim and the expat session on the other.
//!
//! The caller moves UDP datagrams: [`DtlsCore::receive_datagram`] with each one read,
//! [`DtlsCore::process`] to run BoringSSL, the shim and the session over them,
//! [`DtlsCore::poll_datagram`] for each one to write, and [`DtlsCore::handle_timeout`] at
//! [`DtlsCore::next_timeout`]. [`blocking`](crate::blocking) and
//! [`async_socket`](crate::async_socket) are this loop over real sockets.
//!
//! Three timers run: BoringSSL's handshake retransmission (`DTLSv1_handle_timeout`), the
//! shim's retransmission of control messages, and the session's exchange deadlines; plus the
//! caller's handshake deadline, after which the connection fails with
//! [`Error::Timeout`]`(`[`Phase::Handshake`]`)`.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use boring::ssl::{ErrorCode, Ssl, SslStream, SslVersion};
use seat_binding::authenticator::Role;
use seat_proto::dgram::{DatagramConfig, DatagramShim, DgramStats};
use seat_proto::hooks::{AttestationHooks, Driver};
use seat_proto::session::{Input, Session};

use crate::exporter::BoringExporter;
use crate::{Error, Phase, ffi};

/// The most UDP datagrams queued in either direction between the socket and BoringSSL;
/// beyond, incoming ones are dropped (as a full socket buffer would).
pub const MAX_QUEUED_DATAGRAMS: usize = 256;

/// The most application datagrams held, before this side's gate opens, for delivery when it
/// opens (beyond, they are dropped, as datagrams may be).
pub const MAX_EARLY_DATAGRAMS: usize = 64;

/// The most bytes of application datagrams held before this side's gate opens.
pub const MAX_EARLY_BYTES: usize = 64 * 1024;

/// The stream shim's data frame type.
const FRAME_DATA: u8 = 0x05;

/// The largest UDP datagram read (BoringSSL's DTLS records never exceed the MTU set).
pub const MAX_UDP_DATAGRAM: usize = 16 * 1024 + 512;

/// The in-memory transport under BoringSSL: every read is one datagram, every write one.
#[derive(Debug, Default)]
struct Pipe {
    incoming: VecDeque<Vec<u8>>,
    outgoing: VecDeque<Vec<u8>>,
}

impl Read for Pipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(d) = self.incoming.pop_front() else {
            return Err(io::ErrorKind::WouldBlock.into());
        };
        // A datagram larger than the buffer is truncated, as recv(2) would.
        let n = d.len().min(buf.len());
        buf.get_mut(..n)
            .zip(d.get(..n))
            .map(|(to, from)| to.copy_from_slice(from))
            .ok_or_else(|| io::Error::other("short buffer"))?;
        Ok(n)
    }
}

impl Write for Pipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.outgoing.push_back(buf.to_vec());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The connection's settings beyond the TLS context.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct DtlsOptions {
    /// The datagram shim's settings.
    pub shim: DatagramConfig,
    /// How long the DTLS handshake may take.
    pub handshake_timeout: Duration,
    /// BoringSSL's first handshake retransmission timeout (it doubles from there).
    pub initial_retransmit: Duration,
}

impl Default for DtlsOptions {
    /// The shim's defaults, 10 seconds for the handshake, 200 ms first retransmission.
    fn default() -> Self {
        Self {
            shim: DatagramConfig::default(),
            handshake_timeout: Duration::from_secs(10),
            initial_retransmit: Duration::from_millis(200),
        }
    }
}

impl DtlsOptions {
    /// With other shim settings.
    #[must_use]
    pub fn with_shim(mut self, shim: DatagramConfig) -> Self {
        self.shim = shim;
        self
    }

    /// With another handshake timeout.
    #[must_use]
    pub fn with_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// With another first handshake retransmission timeout.
    #[must_use]
    pub fn with_initial_retransmit(mut self, timeout: Duration) -> Self {
        self.initial_retransmit = timeout;
        self
    }
}

/// What a connection counted, for logs and the loss tests.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct ConnectionStats {
    /// The shim's counters.
    pub shim: DgramStats,
    /// UDP datagrams read.
    pub udp_received: u64,
    /// UDP datagrams written.
    pub udp_sent: u64,
    /// Times BoringSSL's handshake retransmission timer fired.
    pub handshake_timeouts: u64,
    /// From the start to the end of the DTLS handshake.
    pub handshake_time: Option<Duration>,
    /// From the start to the gate opening.
    pub open_time: Option<Duration>,
}

/// One attested DTLS connection, without I/O. See the [module documentation](self).
///
/// The session's actions go through `seat_proto::hooks`' one drive loop ([`Driver`]). The
/// driver lends one buffer for deliveries, so application data frames the peer sends before
/// this side's gate opens are held here (at most [`MAX_EARLY_DATAGRAMS`] and
/// [`MAX_EARLY_BYTES`]) and fed to the session one by one once it opens: each delivery is
/// then exactly one datagram.
pub struct DtlsCore<H: AttestationHooks> {
    tls: SslStream<Pipe>,
    role: Role,
    session: Session,
    driver: Driver<H>,
    early: VecDeque<Vec<u8>>,
    early_bytes: usize,
    shim: DatagramShim,
    established: bool,
    started: Instant,
    handshake_deadline: Instant,
    delivered: VecDeque<Vec<u8>>,
    failed: bool,
    peer_closed: bool,
    stats: ConnectionStats,
}

impl<H: AttestationHooks> core::fmt::Debug for DtlsCore<H> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DtlsCore")
            .field("role", &self.role)
            .field("established", &self.established)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// Seconds since the Unix epoch, for the session.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn is_retry(e: &boring::ssl::Error) -> bool {
    matches!(e.code(), ErrorCode::WANT_READ | ErrorCode::WANT_WRITE)
}

impl<H: AttestationHooks> DtlsCore<H> {
    /// A connection over `ssl` (see [`config::connection`](crate::config::connection)),
    /// `role` its TLS role, `session` the expat session for that role, `hooks` what answers
    /// its actions.
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] or [`Error::Shim`] for settings BoringSSL or the shim refuse.
    pub fn new(
        mut ssl: Ssl,
        role: Role,
        session: Session,
        hooks: H,
        options: DtlsOptions,
    ) -> Result<Self, Error> {
        ffi::set_initial_timeout(&mut ssl, options.initial_retransmit);
        let tls = SslStream::new(ssl, Pipe::default())?;
        let started = Instant::now();
        Ok(Self {
            tls,
            role,
            session,
            driver: Driver::new(hooks),
            early: VecDeque::new(),
            early_bytes: 0,
            shim: DatagramShim::new(options.shim)?,
            established: false,
            started,
            handshake_deadline: started + options.handshake_timeout,
            delivered: VecDeque::new(),
            failed: false,
            peer_closed: false,
            stats: ConnectionStats::default(),
        })
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Queues one UDP datagram read from the peer.
    pub fn receive_datagram(&mut self, datagram: &[u8]) {
        self.stats.udp_received += 1;
        let pipe = self.tls.get_mut();
        if pipe.incoming.len() < MAX_QUEUED_DATAGRAMS {
            pipe.incoming.push_back(datagram.to_vec());
        }
    }

    /// The next UDP datagram to write.
    pub fn poll_datagram(&mut self) -> Option<Vec<u8>> {
        let d = self.tls.get_mut().outgoing.pop_front()?;
        self.stats.udp_sent += 1;
        Some(d)
    }

    /// Whether the DTLS handshake has completed.
    pub fn is_established(&self) -> bool {
        self.established
    }

    /// Whether application data may flow (every attestation this side requires succeeded).
    pub fn is_open(&self) -> bool {
        self.session.is_open()
    }

    /// Whether the peer closed the connection.
    pub fn is_closed(&self) -> bool {
        self.peer_closed
    }

    /// Whether every control message this side sent has been acknowledged and no exchange
    /// waits for the peer.
    pub fn is_idle(&self) -> bool {
        self.shim.is_idle() && self.session.poll_timeout().is_none()
    }

    /// The negotiated protocol version, as BoringSSL names it (`"DTLSv1.3"`).
    pub fn protocol_version(&self) -> &'static str {
        self.tls.ssl().version_str()
    }

    /// The negotiated cipher suite's standard name.
    pub fn cipher_suite(&self) -> Option<&'static str> {
        self.tls
            .ssl()
            .current_cipher()
            .and_then(|c| c.standard_name())
    }

    /// The BoringSSL connection (for the exporter, the client random, the peer certificate).
    pub fn ssl(&self) -> &boring::ssl::SslRef {
        self.tls.ssl()
    }

    /// The counters so far.
    pub fn stats(&self) -> ConnectionStats {
        let mut s = self.stats;
        s.shim = self.shim.stats();
        s
    }

    /// The most application bytes one [`send`](Self::send) may carry.
    pub fn max_data_len(&self) -> usize {
        self.shim.max_data_len()
    }

    /// The next application datagram the session delivered.
    pub fn poll_delivered(&mut self) -> Option<Vec<u8>> {
        self.delivered.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due.
    pub fn next_timeout(&self) -> Option<Instant> {
        let now = Instant::now();
        let mut due: Vec<Instant> = Vec::new();
        if !self.established {
            due.push(self.handshake_deadline);
        }
        if let Some(d) = ffi::dtls_timeout(self.tls.ssl()) {
            due.push(now + d);
        }
        if let Some(ms) = self.shim.poll_timeout() {
            due.push(self.started + Duration::from_millis(ms));
        }
        if let Some(secs) = self.session.poll_timeout() {
            due.push(now + Duration::from_secs(secs.saturating_sub(unix_now())));
        }
        due.into_iter().min()
    }

    /// Runs every timer that is due.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] with the phase that ran out, or the errors of
    /// [`process`](Self::process).
    pub fn handle_timeout(&mut self) -> Result<(), Error> {
        if !self.established && Instant::now() >= self.handshake_deadline {
            self.failed = true;
            return Err(Error::Timeout(Phase::Handshake));
        }
        if ffi::dtls_timeout(self.tls.ssl()) == Some(Duration::ZERO) {
            self.stats.handshake_timeouts += 1;
            if !ffi::dtls_handle_timeout(self.tls.ssl_mut()) {
                self.failed = true;
                return Err(Error::Tls("DTLS retransmission failed".into()));
            }
        }
        if self.established {
            let now_ms = self.now_ms();
            if let Err(e) = self.shim.handle_timeout(now_ms) {
                self.failed = true;
                return Err(e.into());
            }
            self.session_input(Input::Timeout { now: unix_now() })?;
        }
        self.flush()
    }

    /// Runs BoringSSL over the datagrams received, the shim over the records read, and the
    /// session over the frames reassembled; queues what to send.
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] for a failed handshake or record, [`Error::NotDtls13`],
    /// [`Error::Shim`] for a hostile datagram, [`Error::Session`] for a failed attestation.
    pub fn process(&mut self) -> Result<(), Error> {
        if self.failed {
            return Err(Error::Closed);
        }
        if !self.established {
            let step = match self.role {
                Role::Client => self.tls.connect(),
                _ => self.tls.accept(),
            };
            match step {
                Ok(()) => self.on_established()?,
                Err(e) if is_retry(&e) => return Ok(()),
                Err(e) => {
                    self.failed = true;
                    return Err(e.into());
                }
            }
        }
        let mut buf = vec![0u8; MAX_UDP_DATAGRAM];
        loop {
            match self.tls.ssl_read(&mut buf) {
                Ok(n) => {
                    let now_ms = self.now_ms();
                    let record = buf.get(..n).unwrap_or_default();
                    if let Err(e) = self.shim.receive(record, now_ms) {
                        self.failed = true;
                        return Err(e.into());
                    }
                }
                Err(e) if e.code() == ErrorCode::ZERO_RETURN => {
                    self.peer_closed = true;
                    break;
                }
                Err(e) if is_retry(&e) => break,
                Err(e) => {
                    self.failed = true;
                    return Err(e.into());
                }
            }
        }
        while let Some(bytes) = self.shim.poll_stream() {
            if bytes.first() == Some(&FRAME_DATA) && !self.session.is_open() {
                // Held until the gate opens (see the type's documentation).
                if self.early.len() < MAX_EARLY_DATAGRAMS
                    && self.early_bytes + bytes.len() <= MAX_EARLY_BYTES
                {
                    self.early_bytes += bytes.len();
                    self.early.push_back(bytes);
                }
                continue;
            }
            self.received(&bytes)?;
        }
        if self.peer_closed {
            self.session_input(Input::PeerClosed)?;
        }
        self.flush()
    }

    /// Feeds one whole frame to the session, then the held data if the gate is now open.
    fn received(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.received_one(bytes)?;
        while self.session.is_open() {
            let Some(held) = self.early.pop_front() else {
                break;
            };
            self.early_bytes -= held.len();
            self.received_one(&held)?;
        }
        Ok(())
    }

    fn received_one(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let exporter = BoringExporter::new(self.tls.ssl())?;
        let mut send = Vec::new();
        let mut deliver = Vec::new();
        let result = self.driver.handle(
            &mut self.session,
            Input::Received {
                bytes,
                exporter: &exporter,
                now: unix_now(),
            },
            unix_now(),
            &mut send,
            &mut deliver,
        );
        self.after_input(result, &send, deliver)
    }

    fn on_established(&mut self) -> Result<(), Error> {
        if self.tls.ssl().version2() != Some(SslVersion::DTLS1_3) {
            self.failed = true;
            return Err(Error::NotDtls13(self.protocol_version().to_string()));
        }
        self.established = true;
        self.stats.handshake_time = Some(self.started.elapsed());
        let exporter = BoringExporter::new(self.tls.ssl())?;
        let mut send = Vec::new();
        let mut deliver = Vec::new();
        let result = self.driver.handle(
            &mut self.session,
            Input::Established {
                exporter: &exporter,
                now: unix_now(),
            },
            unix_now(),
            &mut send,
            &mut deliver,
        );
        self.after_input(result, &send, deliver)
    }

    fn session_input(&mut self, input: Input<'_>) -> Result<(), Error> {
        let mut send = Vec::new();
        let mut deliver = Vec::new();
        let result = self.driver.handle(
            &mut self.session,
            input,
            unix_now(),
            &mut send,
            &mut deliver,
        );
        self.after_input(result, &send, deliver)
    }

    /// Queues what the drive loop produced: frames for the shim, one delivered datagram; a
    /// failed session's error frame is sent before its error is returned.
    fn after_input(
        &mut self,
        result: Result<(), seat_proto::Error>,
        send: &[u8],
        deliver: Vec<u8>,
    ) -> Result<(), Error> {
        let was_open = self.stats.open_time.is_some();
        if !was_open && self.session.is_open() {
            self.stats.open_time = Some(self.started.elapsed());
        }
        if !deliver.is_empty() {
            self.delivered.push_back(deliver);
        }
        let queued = if send.is_empty() {
            Ok(())
        } else {
            let now_ms = self.now_ms();
            self.shim.send_frames(send, now_ms)
        };
        if let Err(e) = result {
            if self.session.is_failed() {
                self.failed = true;
                let _ = self.flush();
            }
            return Err(Error::Session(e));
        }
        queued.map_err(Error::from)
    }

    /// The typed result of the peer's latest accepted attestation.
    pub fn peer_attestation(&self) -> Option<&H::Accepted> {
        self.driver.peer_attestation()
    }

    /// The hooks.
    pub fn hooks(&self) -> &H {
        self.driver.hooks()
    }

    /// Gives the hooks back.
    pub fn into_hooks(self) -> H {
        self.driver.into_hooks()
    }

    /// Hands the shim's datagrams to BoringSSL, one record each.
    fn flush(&mut self) -> Result<(), Error> {
        if !self.established {
            return Ok(());
        }
        while let Some(d) = self.shim.poll_transmit() {
            match self.tls.ssl_write(&d) {
                Ok(_) => {}
                Err(e) => {
                    self.failed = true;
                    return Err(e.into());
                }
            }
        }
        Ok(())
    }

    /// Sends one application datagram; refused while the gate is closed.
    ///
    /// # Errors
    ///
    /// [`Error::Shim`] with `DataTooLarge` for more than [`max_data_len`](Self::max_data_len)
    /// bytes, [`Error::Session`] with the gate-closed misuse, or a failure while sending.
    pub fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        if data.len() > self.max_data_len() {
            return Err(Error::Shim(seat_proto::dgram::DgramError::DataTooLarge {
                len: data.len(),
                max: self.max_data_len(),
            }));
        }
        self.session_input(Input::Send(data))?;
        self.flush()
    }

    /// Sends `close_notify`.
    pub fn close(&mut self) {
        let _ = self.tls.shutdown();
    }
}
