//! Two attested sessions over a real rustls TLS 1.3 connection held in memory, with every byte
//! moved by hand: no socket, no thread, no clock but the one passed in. Each side's actions go
//! through `seat-proto`'s one drive loop ([`Driver`]) to the published embedded defaults
//! ([`EmbeddedHooks`]); this is what the tests use to run every combination.

use std::ops::DerefMut;
use std::sync::Arc;

use rustls::{ClientConnection, ConnectionCommon, ServerConnection};
use seat_binding::exporter::rustls_adapter::{RustlsConnection, RustlsExporter};
use seat_proto::Error;
use seat_proto::hooks::{AppraisalRequest, AttestationHooks, Driver, EvidenceRequest, Rejection};
use seat_proto::rustls_glue::{Plaintext, read_plaintext};
use seat_proto::session::{Event, Input, Session};
use seat_proto::shim::Models;
use seat_verify::embedded::testing::Identity;
pub use seat_verify::embedded::testing::move_tls;
use seat_verify::embedded::{
    Account, AnyTee, Client, Embedded, EmbeddedHooks, PeerAttestation, Server, SetupError,
};

use crate::echo::Options;

/// [`EmbeddedHooks`] that also keep every event, for tests to inspect.
#[derive(Debug)]
pub struct Recorded {
    hooks: EmbeddedHooks,
    /// Events, in order.
    pub events: Vec<Event>,
}

impl Recorded {
    /// The embedded hooks inside.
    pub const fn hooks(&self) -> &EmbeddedHooks {
        &self.hooks
    }

    /// The embedded hooks, without the event log.
    pub fn into_inner(self) -> EmbeddedHooks {
        self.hooks
    }
}

impl AttestationHooks for Recorded {
    type Accepted = PeerAttestation;

    fn produce_evidence(&mut self, request: &EvidenceRequest<'_>) -> Option<Vec<u8>> {
        self.hooks.produce_evidence(request)
    }

    fn appraise(&mut self, request: &AppraisalRequest<'_>) -> Result<PeerAttestation, Rejection> {
        self.hooks.appraise(request)
    }

    fn event(&mut self, event: &Event) {
        self.hooks.event(event);
        self.events.push(event.clone());
    }
}

/// One side: its TLS connection, its session and drive loop, and what it received.
pub struct Side<C> {
    /// The rustls connection.
    pub tls: C,
    /// The attested session.
    pub session: Session,
    /// The drive loop and its hooks.
    pub driver: Driver<Recorded>,
    /// What the hooks did, one line per step.
    pub account: Account,
    /// Application bytes delivered by the session.
    pub delivered: Vec<u8>,
    /// The session error, once it failed.
    pub error: Option<Error>,
    /// Whether the session was told the TLS handshake completed.
    established: bool,
}

impl<C> core::fmt::Debug for Side<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Side")
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

impl<C, D> Side<C>
where
    C: DerefMut<Target = ConnectionCommon<D>>,
    ConnectionCommon<D>: RustlsConnection,
{
    fn new(tls: C, session: Session, hooks: EmbeddedHooks) -> Self {
        let account = hooks.account();
        Self {
            tls,
            session,
            driver: Driver::new(Recorded {
                hooks,
                events: Vec::new(),
            }),
            account,
            delivered: Vec::new(),
            error: None,
            established: false,
        }
    }

    /// Events, in order.
    pub fn events(&self) -> &[Event] {
        &self.driver.hooks().events
    }

    /// The typed result of the peer's latest accepted attestation.
    pub fn peer_attestation(&self) -> Option<&PeerAttestation> {
        self.driver.peer_attestation()
    }

    fn flush(&mut self, bytes: &[u8]) {
        if !bytes.is_empty() {
            let _ = std::io::Write::write_all(&mut self.tls.writer(), bytes);
        }
    }

    /// When its session wants it, writes this side's first flight into the connection before
    /// its handshake starts, as the adapters do: a server's hello and request for the
    /// client's attestation, which rustls sends with its first flight when it may (0.5-RTT
    /// data), else after the client's `Finished`; a client's hello and request, which rustls
    /// sends right after the client's `Finished`.
    fn first_flight(&mut self, now: u64) {
        let input = if self.session.wants_server_flight() {
            Input::ServerFlight { now }
        } else if self.session.wants_client_flight() {
            Input::ClientFlight { now }
        } else {
            return;
        };
        let mut send = Vec::new();
        let result = self.driver.handle(
            &mut self.session,
            input,
            now,
            &mut send,
            &mut self.delivered,
        );
        self.flush(&send);
        if let Err(e) = result {
            self.error.get_or_insert(e);
        }
    }

    /// Tells the session the handshake completed once TLS did (the first time), then reads
    /// whatever plaintext TLS has and feeds it to the session, as the stream adapters read
    /// ([`read_plaintext`]).
    pub fn pump_plaintext(&mut self, now: u64) {
        if !self.established && !self.tls.is_handshaking() {
            self.establish(now);
        }
        loop {
            let mut send = Vec::new();
            let read = read_plaintext(
                &mut self.tls,
                &mut self.session,
                &mut self.driver,
                now,
                &mut send,
                &mut self.delivered,
            );
            self.flush(&send);
            let Ok(Plaintext::Fed(result)) = read else {
                return;
            };
            if let Err(e) = result
                && self.session.is_failed()
            {
                self.error.get_or_insert(e);
            }
        }
    }

    /// Tells the session the handshake completed.
    fn establish(&mut self, now: u64) {
        self.established = true;
        if let Some(chain) = self.tls.peer_certificates() {
            self.session.handshake_peer_chain(chain, now);
        }
        let Ok(exporter) = RustlsExporter::new(&*self.tls) else {
            return;
        };
        let mut send = Vec::new();
        let input = Input::Established {
            exporter: &exporter,
            now,
        };
        let result = self.driver.handle(
            &mut self.session,
            input,
            now,
            &mut send,
            &mut self.delivered,
        );
        self.flush(&send);
        if let Err(e) = result {
            self.error.get_or_insert(e);
        }
    }

    /// Asks the peer to attest again.
    ///
    /// # Errors
    ///
    /// The session's refusal (nothing to re-attest, or a failed session).
    pub fn reattest(&mut self, now: u64) -> Result<(), Error> {
        let exporter = RustlsExporter::new(&*self.tls)?;
        let mut send = Vec::new();
        let result = self.driver.reattest(
            &mut self.session,
            &exporter,
            now,
            &mut send,
            &mut self.delivered,
        );
        self.flush(&send);
        result.map(|_| ())
    }

    /// Writes application data through the session (refused while its gate is closed).
    ///
    /// # Errors
    ///
    /// The session's refusal.
    pub fn send(&mut self, data: &[u8], now: u64) -> Result<(), Error> {
        let mut send = Vec::new();
        let result = self.driver.handle(
            &mut self.session,
            Input::Send(data),
            now,
            &mut send,
            &mut self.delivered,
        );
        self.flush(&send);
        result
    }
}

/// A connected pair in memory.
#[derive(Debug)]
pub struct MemoryPair {
    /// The client side.
    pub client: Side<ClientConnection>,
    /// The server side.
    pub server: Side<ServerConnection>,
    /// The time both sides are told.
    pub now: u64,
}

/// The two peers of one connection, before any byte moves.
#[derive(Debug)]
pub struct Peers {
    /// The client's session.
    pub client_session: Session,
    /// The client's attestation hooks.
    pub client_hooks: EmbeddedHooks,
    /// The server's session.
    pub server_session: Session,
    /// The server's attestation hooks.
    pub server_hooks: EmbeddedHooks,
}

/// Everything that outlives one connection, built from [`Options`] with the published
/// embedded defaults: one platform per peer (the simulated TEE, or the platform simulator
/// [`Options::tee`](crate::echo::Options::tee) names), the shared trust (an in-process Verifier
/// trusting both, the Relying-Party policy), the TLS identities, and the [`Server`] and
/// [`Client`] roles. [`Setup::connect`] then makes one attested connection in memory.
#[derive(Debug)]
pub struct Setup {
    trust: Arc<Embedded>,
    server: Server,
    client: Client,
}

impl Setup {
    /// Prepares connections for `opts`.
    ///
    /// # Errors
    ///
    /// A set-up failure (keys, certificates, TLS configuration).
    pub fn new(opts: Options) -> Result<Self, SetupError> {
        let crate::platforms::Platforms {
            server: server_tee,
            client: client_tee,
            trust,
        } = crate::platforms::platforms(opts.tee, opts.server_tampered, opts.client_tampered)?;
        Self::with_trust(opts, trust, &server_tee, &client_tee)
    }

    /// Prepares connections for `opts` with trust and TEEs the caller built (another
    /// provider, for example an instrumented one); `opts`' tampering flags are then the
    /// caller's to honour when it builds the TEEs.
    ///
    /// # Errors
    ///
    /// As [`Setup::new`].
    pub fn with_trust(
        opts: Options,
        trust: Arc<Embedded>,
        server_tee: &AnyTee,
        client_tee: &AnyTee,
    ) -> Result<Self, SetupError> {
        let server_id = Identity::self_signed("localhost")?;
        let client_id = Identity::self_signed("client.example")?;
        let pick = |on: bool| if on { opts.model } else { Models::NONE };

        let mut server = Server::builder(&trust, &server_id)
            .requires(pick(opts.client_attests))
            .first_flight_request(opts.first_flight_request);
        if opts.server_attests {
            server = server.attests_on(server_tee, opts.model);
        }
        server = if opts.client_certificate {
            server.client_certificate(&client_id)
        } else {
            // The client attests with a key its TEE mints; only its Evidence vouches for it.
            server.dangerous_anonymous_clients()
        };
        let mut client = Client::builder(&trust)
            .trusts(&server_id)
            .requires(pick(opts.server_attests));
        if opts.client_attests {
            client = client.attests_on(client_tee, opts.model);
        }
        if opts.client_certificate {
            client = client.certificate(&client_id);
        }
        Ok(Self {
            trust,
            server: server.build()?,
            client: client.build()?,
        })
    }

    /// The shared trust.
    pub fn trust(&self) -> &Arc<Embedded> {
        &self.trust
    }

    /// The server role.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// The client role.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Fresh sessions and hooks for one connection; an anonymous attesting client gets a
    /// freshly minted attestation key dated `now`.
    ///
    /// # Errors
    ///
    /// A TEE that cannot mint, or a key the provider cannot load.
    pub fn peers(&self, now: u64) -> Result<Peers, SetupError> {
        let (client_session, client_hooks) = self.client.connection_at(now)?;
        let (server_session, server_hooks) = self.server.connection();
        Ok(Peers {
            client_session,
            client_hooks,
            server_session,
            server_hooks,
        })
    }

    /// Makes one connection in memory: fresh peers, the TLS handshake, then attestation until
    /// nothing moves.
    ///
    /// # Errors
    ///
    /// A set-up failure, or a TLS handshake that does not complete.
    pub fn connect(&self, now: u64) -> Result<MemoryPair, SetupError> {
        let mut pair = self.handshake(now)?;
        pair.run();
        Ok(pair)
    }

    /// Fresh peers and the TLS handshake as far as the client's side: the client's handshake
    /// is complete, its `Finished` not sent yet (it leaves with the client's first attested
    /// flight), and no session has been told yet (each is, by
    /// [`Side::pump_plaintext`], once its TLS handshake completed). A server that requires
    /// the client's attestation put its request in its first flight (when its configuration
    /// says so and rustls may send it there). Attestation has not moved yet (call
    /// [`MemoryPair::run`]).
    ///
    /// # Errors
    ///
    /// As [`Setup::connect`].
    pub fn handshake(&self, now: u64) -> Result<MemoryPair, SetupError> {
        let peers = self.peers(now)?;
        let server_name = "localhost"
            .try_into()
            .map_err(|_| SetupError::new("bad server name"))?;
        let client_conn = ClientConnection::new(self.client.tls_config(), server_name)
            .map_err(|e| SetupError::new(e.to_string()))?;
        let server_conn = ServerConnection::new(self.server.tls_config())
            .map_err(|e| SetupError::new(e.to_string()))?;
        let mut pair = MemoryPair {
            client: Side::new(client_conn, peers.client_session, peers.client_hooks),
            server: Side::new(server_conn, peers.server_session, peers.server_hooks),
            now,
        };
        pair.server.first_flight(now);
        pair.client.first_flight(now);
        for _ in 0..10 {
            if !pair.client.tls.is_handshaking() {
                break;
            }
            move_tls(&mut pair.client.tls, &mut pair.server.tls);
            move_tls(&mut pair.server.tls, &mut pair.client.tls);
        }
        if pair.client.tls.is_handshaking() {
            return Err(SetupError::new("the TLS handshake did not complete"));
        }
        Ok(pair)
    }
}

impl MemoryPair {
    /// Prepares and makes one connection for `opts` (see [`Setup`]).
    ///
    /// # Errors
    ///
    /// As [`Setup::new`] and [`Setup::connect`].
    pub fn connect(opts: Options, now: u64) -> Result<Self, SetupError> {
        Setup::new(opts)?.connect(now)
    }

    /// Moves bytes both ways until nothing moves, the client first answering what came with
    /// the server's last flight.
    pub fn run(&mut self) {
        self.client.pump_plaintext(self.now);
        for _ in 0..64 {
            let a = move_tls(&mut self.client.tls, &mut self.server.tls);
            self.server.pump_plaintext(self.now);
            let b = move_tls(&mut self.server.tls, &mut self.client.tls);
            self.client.pump_plaintext(self.now);
            if !a && !b {
                return;
            }
        }
    }

    /// Moves TLS flights, the client's first, each side reading what arrived, until both gates
    /// open or 64 rounds passed; returns how many flights carried bytes. After
    /// [`Setup::handshake`], half of it is the round trips after the TLS handshake that
    /// `cargo xtask bench` reports.
    pub fn flights_until_open(&mut self, now: u64) -> u32 {
        let mut flights = 0;
        for _ in 0..64 {
            if self.both_open() {
                break;
            }
            if move_tls(&mut self.client.tls, &mut self.server.tls) {
                flights += 1;
            }
            self.server.pump_plaintext(now);
            if self.both_open() {
                break;
            }
            if move_tls(&mut self.server.tls, &mut self.client.tls) {
                flights += 1;
            }
            self.client.pump_plaintext(now);
        }
        flights
    }

    /// Whether both gates are open and neither side failed.
    pub fn both_open(&self) -> bool {
        self.client.session.is_open() && self.server.session.is_open()
    }

    /// Both sides' account lines, server first.
    pub fn account(&self) -> Vec<String> {
        [self.server.account.lines(), self.client.account.lines()].concat()
    }
}
