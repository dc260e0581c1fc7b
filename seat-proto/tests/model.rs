//! Model checking of the expat session against an active attacker, with `stateright`.
//!
//! The model drives the real [`Session`]: a state is the sequence of attacker and caller
//! steps taken, and every transition replays that sequence through four fresh sessions
//! (deterministic random sources, one fixed Ed25519 credential), so what is checked is the
//! code, not an abstraction of it. States are told apart (and deduplicated) by what the
//! sessions and the network show: each session's gate, failure and deadline, the frames in
//! flight, what the attacker knows, the ghost record of verdicts and deliveries.
//!
//! Two connections share the world:
//!
//! - **B**: an honest client relying on an honest attesting server (background check), over
//!   a TLS channel the network attacker controls: it may delay delivery (any interleaving),
//!   cut the connection, and let time pass past every deadline. TLS stops it from
//!   duplicating, reordering or injecting inside the stream.
//! - **A**: an honest relying client facing a malicious server: the attacker holds A's TLS
//!   keys on the server side, so it sends the client any frame it knows, in any order, any
//!   number of times: A's own server frames, frames recorded on B (replay), the client's own
//!   frames (reflection), garbage, empty and non-empty data frames. Its platform has no TEE:
//!   when A's server is asked for Evidence it may relay the Evidence B's server produced, or
//!   answer with Evidence a genuine Attester made for A's binder, or decline.
//!
//! Each CMW carries a ghost tag (the connection whose Attester made it) that no session
//! reads; the relying callers' Verifier checks only the binder it is given, as a real one does.
//!
//! Properties (each an invariant over every reachable state):
//!
//! 1. a client's gate opens only after it accepted Evidence made for its own binder;
//! 2. Evidence from another connection is never accepted;
//! 3. no application byte is delivered before the gate opens, or twice (B: sent once each);
//! 4. every session is open, failed with a reason, or waiting with a deadline pending;
//! 5. a client never reuses a request context on its connection.
//!
//! `the_session_holds_its_properties_against_the_attacker` checks them to a depth bound and
//! prints the number of states explored (stderr, shown without `--nocapture` only on failure;
//! `cargo xtask model` prints it always). `a_verifier_that_accepts_any_binder_is_caught`
//! runs the same model with a deliberately broken Verifier and requires the checker to find
//! the relay.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::collections::VecDeque;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use seat_binding::Secret;
use seat_binding::authenticator::Role;
use seat_binding::exporter::RecordedExporter;
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::{HashAlgorithm, SignatureAlgorithm, default_provider};
use seat_proto::chain::{DangerousSelfSignedVerifier, Purpose};
use seat_proto::hooks::{Rejection, Stage};
use seat_proto::message::AuthenticatorRequest;
use seat_proto::session::{Action, Credential, Event, Input, Session, SessionConfig};
use seat_proto::shim::{Deframer, Frame, Models};
use stateright::{Checker, Model, Property};

const NOW: u64 = 1_780_272_000;

/// The largest number of distinct frames the attacker keeps (bounds the branching).
const MAX_KNOWLEDGE: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Conn {
    A,
    B,
}

impl Conn {
    fn tag(self) -> u8 {
        match self {
            Self::A => b'A',
            Self::B => b'B',
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum EvidenceChoice {
    /// A genuine Attester's Evidence for A's own binder.
    Genuine,
    /// The Evidence B's server produced, relayed.
    Relay,
    /// No Evidence: an empty authenticator.
    Decline,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Step {
    /// B: the next frame in flight is delivered (to B's client or server).
    DeliverB { to_client: bool },
    /// A: the malicious server sends A's client the attacker's known frame `i`.
    InjectA(usize),
    /// A: the server's platform answers its pending Evidence request.
    EvidenceA(EvidenceChoice),
    /// A client re-attests its server.
    Reattest(Conn),
    /// A server sends one application byte.
    Send(Conn),
    /// 31 seconds pass; every session gets the time.
    Tick,
    /// B's TLS connection is cut: both sides see the peer close.
    CutB,
}

/// The fixed Ed25519 credential every attesting server uses (made once per process).
fn credential() -> Credential {
    static KEY: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    let (cert, pkcs8) = KEY.get_or_init(|| {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["tee.example".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (cert.der().to_vec(), key.serialize_der())
    });
    Credential {
        chain: vec![cert.clone().into()],
        key: default_provider()
            .signing_key_from_pkcs8(SignatureAlgorithm::Ed25519, pkcs8)
            .unwrap()
            .into(),
    }
}

/// A deterministic random source (splitmix64), one seed per session.
fn rng(seed: u64) -> Box<dyn seat_binding::provider::RandomSource + Send> {
    let mut state = seed;
    Box::new(move |d: &mut [u8]| {
        for chunk in d.chunks_mut(8) {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_be_bytes()[..chunk.len()]);
        }
    })
}

fn session(role: Role, seed: u64) -> Session {
    let m = Models::BACKGROUND_CHECK;
    let (attests, requires, purpose) = match role {
        Role::Server => (m, Models::NONE, Purpose::Client),
        _ => (Models::NONE, m, Purpose::Server),
    };
    let config = SessionConfig::builder(default_provider())
        .attests(attests)
        .requires(requires)
        .chain_verifier(Arc::new(DangerousSelfSignedVerifier::dangerous_new(
            purpose,
        )))
        .build()
        .unwrap();
    let credential = (role == Role::Server).then(credential);
    Session::new(Arc::new(config), role, credential, rng(seed))
}

fn exporter(fill: u8) -> RecordedExporter {
    RecordedExporter::new(
        default_provider(),
        HashAlgorithm::Sha256,
        Protocol::Tls13,
        Secret::from_slice(&[fill; 32]),
    )
    .unwrap()
}

/// What the ghost records for one relying client.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct Ghost {
    /// Some verdict accepted Evidence made by this connection's Attester for the binder the
    /// client recomputed.
    accepted_own: bool,
    /// Some verdict accepted Evidence another connection's Attester made.
    accepted_foreign: bool,
    /// The gate was seen open without `accepted_own`.
    opened_unattested: bool,
    /// Event::Open was reported.
    opened: bool,
    /// A byte was delivered before Event::Open.
    delivered_early: bool,
    /// Bytes delivered, in order.
    delivered: Vec<u8>,
    /// Request contexts this client sent.
    contexts: Vec<Vec<u8>>,
    /// The session failed with this reason code.
    failure: Option<u16>,
}

/// The four sessions, the network and the ghost, rebuilt by replaying a trace.
struct World {
    accept_any_binder: bool,
    time: u64,
    ea: RecordedExporter,
    eb: RecordedExporter,
    client_a: Session,
    server_a: Session,
    client_b: Session,
    server_b: Session,
    /// B's TLS channel, each direction in order.
    b_to_client: VecDeque<Vec<u8>>,
    b_to_server: VecDeque<Vec<u8>>,
    /// Every distinct frame the attacker saw or can make, in order of first sight.
    knowledge: Vec<Vec<u8>>,
    /// A's server waits for its platform's answer to this exchange (binder).
    pending_a: Option<(seat_proto::session::ExchangeId, Vec<u8>)>,
    /// The last CMW B's server's Attester produced.
    last_cmw_b: Option<Vec<u8>>,
    ghost_a: Ghost,
    ghost_b: Ghost,
    ghost_servers: Ghost,
    next_byte: u8,
    /// Per session, a hash of every input the attacker or a caller chose for it (bytes
    /// received, re-attestations, sends, times, closes, the platform's answers): a session is
    /// a deterministic function of its inputs, so equal hashes mean equal sessions.
    inputs: [u64; 4],
}

fn frames_of(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut d = Deframer::new();
    d.push(bytes);
    let mut out = Vec::new();
    let mut start = 0;
    while let Ok(Some(f)) = d.next_frame() {
        let len = f.to_vec().map(|v| v.len()).unwrap_or(0);
        out.push(bytes[start..start + len].to_vec());
        start += len;
    }
    out
}

fn request_context(frame: &[u8]) -> Option<Vec<u8>> {
    let mut d = Deframer::new();
    d.push(frame);
    let Ok(Some(Frame::Request { message, .. })) = d.next_frame() else {
        return None;
    };
    let r = AuthenticatorRequest::decode(&message, &seat_proto::codepoints::CodePoints::DEFAULT)
        .ok()?;
    Some(r.context().as_bytes().to_vec())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Who {
    ClientA,
    ServerA,
    ClientB,
    ServerB,
}

impl World {
    fn new(accept_any_binder: bool) -> Self {
        let mut w = Self {
            accept_any_binder,
            time: NOW,
            ea: exporter(0xaa),
            eb: exporter(0xbb),
            client_a: session(Role::Client, 1),
            server_a: session(Role::Server, 2),
            client_b: session(Role::Client, 3),
            server_b: session(Role::Server, 4),
            b_to_client: VecDeque::new(),
            b_to_server: VecDeque::new(),
            knowledge: vec![
                vec![0xff, 0, 0, 0],
                vec![0x05, 0, 0, 0],
                vec![0x05, 0, 0, 1, 0x42],
            ],
            pending_a: None,
            last_cmw_b: None,
            ghost_a: Ghost::default(),
            ghost_b: Ghost::default(),
            ghost_servers: Ghost::default(),
            next_byte: 1,
            inputs: [0; 4],
        };
        let all = [Who::ServerA, Who::ClientA, Who::ServerB, Who::ClientB];
        for who in all {
            let (s, e) = w.session_mut(who);
            let _ = s.handle(Input::Established {
                exporter: e,
                now: NOW,
            });
        }
        for who in all {
            w.drain(who);
        }
        // A's client reaches its (malicious) server at once (`drain` feeds it): the attacker
        // reads every byte anyway.
        // B runs its first exchange to completion before the attacker acts (its frames are
        // then known to the attacker).
        while let Some(to_client) = w.b_pending() {
            w.deliver_b(to_client);
        }
        w
    }

    fn b_pending(&self) -> Option<bool> {
        if !self.b_to_server.is_empty() {
            Some(false)
        } else if !self.b_to_client.is_empty() {
            Some(true)
        } else {
            None
        }
    }

    fn session_mut(&mut self, who: Who) -> (&mut Session, &RecordedExporter) {
        match who {
            Who::ClientA => (&mut self.client_a, &self.ea),
            Who::ServerA => (&mut self.server_a, &self.ea),
            Who::ClientB => (&mut self.client_b, &self.eb),
            Who::ServerB => (&mut self.server_b, &self.eb),
        }
    }

    fn record(&mut self, who: Who, what: &[u8], now: u64) {
        let i = match who {
            Who::ClientA => 0,
            Who::ServerA => 1,
            Who::ClientB => 2,
            Who::ServerB => 3,
        };
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (self.inputs[i], what, now).hash(&mut h);
        self.inputs[i] = h.finish();
    }

    fn learn(&mut self, frame: &[u8]) {
        if self.knowledge.len() < MAX_KNOWLEDGE && !self.knowledge.iter().any(|k| k == frame) {
            self.knowledge.push(frame.to_vec());
        }
    }

    fn feed(&mut self, who: Who, bytes: &[u8]) {
        let now = self.time;
        self.record(who, bytes, now);
        let (s, e) = self.session_mut(who);
        let _ = s.handle(Input::Received {
            bytes,
            exporter: e,
            now,
        });
        self.drain(who);
    }

    /// Drains one session's actions, answering as its honest caller would.
    fn drain(&mut self, who: Who) {
        let mut to_server_a = Vec::new();
        loop {
            let action = {
                let (s, _) = self.session_mut(who);
                s.poll_action()
            };
            let Some(action) = action else { break };
            match action {
                Action::Send(bytes) => {
                    for f in frames_of(&bytes) {
                        self.learn(&f);
                        match who {
                            Who::ClientA => {
                                if let Some(c) = request_context(&f) {
                                    self.ghost_a.contexts.push(c);
                                }
                                to_server_a.push(f);
                            }
                            Who::ClientB => {
                                if let Some(c) = request_context(&f) {
                                    self.ghost_b.contexts.push(c);
                                }
                                self.b_to_server.push_back(f);
                            }
                            Who::ServerB => self.b_to_client.push_back(f),
                            // The malicious server's frames go only where the attacker
                            // injects them.
                            Who::ServerA => {}
                        }
                    }
                }
                Action::ProduceEvidence {
                    exchange, binder, ..
                } => match who {
                    Who::ServerA => self.pending_a = Some((exchange, binder)),
                    _ => {
                        let cmw = [&[Conn::B.tag()][..], &binder].concat();
                        self.last_cmw_b = Some(cmw.clone());
                        let (s, _) = self.session_mut(who);
                        let _ = s.handle(Input::Evidence { exchange, cmw });
                    }
                },
                Action::Appraise(a) => {
                    let conn = if who == Who::ClientA {
                        Conn::A
                    } else {
                        Conn::B
                    };
                    let binds = a.cmw.get(1..) == Some(&a.binder[..]);
                    let accept = binds || self.accept_any_binder;
                    if accept {
                        let ghost = self.ghost_mut(who);
                        if a.cmw.first() == Some(&conn.tag()) && binds {
                            ghost.accepted_own = true;
                        } else {
                            ghost.accepted_foreign = true;
                        }
                    }
                    let verdict = if accept {
                        Ok(())
                    } else {
                        Err(Rejection::new(Stage::Binding, "binder"))
                    };
                    let (s, _) = self.session_mut(who);
                    let _ = s.handle(Input::Verdict {
                        exchange: a.exchange,
                        verdict,
                    });
                }
                Action::Deliver(bytes) => {
                    let ghost = self.ghost_mut(who);
                    if !ghost.opened {
                        ghost.delivered_early = true;
                    }
                    ghost.delivered.extend(bytes);
                }
                Action::Event(Event::Open) => {
                    let ghost = self.ghost_mut(who);
                    ghost.opened = true;
                    if matches!(who, Who::ClientA | Who::ClientB) && !ghost.accepted_own {
                        ghost.opened_unattested = true;
                    }
                }
                Action::Event(Event::Failed { error }) => {
                    self.ghost_mut(who).failure = Some(error.reason_code());
                }
                _ => {}
            }
        }
        for f in to_server_a {
            self.feed(Who::ServerA, &f);
        }
    }

    /// The ghost of a relying client; the servers' own events (their gates open at once)
    /// go to a scratch record.
    fn ghost_mut(&mut self, who: Who) -> &mut Ghost {
        match who {
            Who::ClientA => &mut self.ghost_a,
            Who::ClientB => &mut self.ghost_b,
            Who::ServerA | Who::ServerB => &mut self.ghost_servers,
        }
    }

    fn deliver_b(&mut self, to_client: bool) {
        let (queue, who) = if to_client {
            (&mut self.b_to_client, Who::ClientB)
        } else {
            (&mut self.b_to_server, Who::ServerB)
        };
        if let Some(f) = queue.pop_front() {
            self.feed(who, &f);
        }
    }

    fn apply(&mut self, step: Step) {
        match step {
            Step::DeliverB { to_client } => self.deliver_b(to_client),
            Step::InjectA(i) => {
                if let Some(f) = self.knowledge.get(i).cloned() {
                    self.feed(Who::ClientA, &f);
                }
            }
            Step::EvidenceA(choice) => {
                if let Some((exchange, binder)) = self.pending_a.take() {
                    self.record(Who::ServerA, format!("{choice:?}").as_bytes(), self.time);
                    let input = match choice {
                        EvidenceChoice::Genuine => Input::Evidence {
                            exchange,
                            cmw: [&[Conn::A.tag()][..], &binder].concat(),
                        },
                        EvidenceChoice::Relay => Input::Evidence {
                            exchange,
                            cmw: self.last_cmw_b.clone().unwrap_or_default(),
                        },
                        EvidenceChoice::Decline => Input::Decline { exchange },
                    };
                    let _ = self.server_a.handle(input);
                    self.drain(Who::ServerA);
                }
            }
            Step::Reattest(conn) => {
                let now = self.time;
                let who = if conn == Conn::A {
                    Who::ClientA
                } else {
                    Who::ClientB
                };
                self.record(who, b"reattest", now);
                let (s, e) = self.session_mut(who);
                let _ = s.handle(Input::Reattest { exporter: e, now });
                self.drain(who);
            }
            Step::Send(conn) => {
                let who = if conn == Conn::A {
                    Who::ServerA
                } else {
                    Who::ServerB
                };
                let byte = self.next_byte;
                self.next_byte += 1;
                self.record(who, &[b's', byte], self.time);
                let (s, _) = self.session_mut(who);
                let _ = s.handle(Input::Send(&[byte]));
                self.drain(who);
            }
            Step::Tick => {
                self.time += 31;
                let now = self.time;
                for who in [Who::ClientA, Who::ServerA, Who::ClientB, Who::ServerB] {
                    self.record(who, b"timeout", now);
                    let (s, _) = self.session_mut(who);
                    let _ = s.handle(Input::Timeout { now });
                    self.drain(who);
                }
            }
            Step::CutB => {
                self.b_to_client.clear();
                self.b_to_server.clear();
                for who in [Who::ClientB, Who::ServerB] {
                    self.record(who, b"closed", self.time);
                    let (s, _) = self.session_mut(who);
                    let _ = s.handle(Input::PeerClosed);
                    self.drain(who);
                }
            }
        }
    }

    fn sessions(&self) -> [&Session; 4] {
        [
            &self.client_a,
            &self.server_a,
            &self.client_b,
            &self.server_b,
        ]
    }

    /// What identifies the state for deduplication.
    fn view(&self) -> View {
        View {
            inputs: self.inputs,
            time: self.time,
            sessions: self
                .sessions()
                .map(|s| (s.is_open(), s.is_failed(), s.poll_timeout())),
            b_to_client: self.b_to_client.iter().cloned().collect(),
            b_to_server: self.b_to_server.iter().cloned().collect(),
            knowledge: self.knowledge.clone(),
            pending_a: self.pending_a.as_ref().map(|(_, b)| b.clone()),
            has_cmw_b: self.last_cmw_b.is_some(),
            ghost_a: self.ghost_a.clone(),
            ghost_b: self.ghost_b.clone(),
            failures: [
                self.ghost_a.failure.is_some(),
                self.ghost_b.failure.is_some(),
            ],
            invariants: Invariants::of(self),
        }
    }
}

/// The properties' verdicts on one state, computed while the sessions exist.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Invariants {
    /// Property 4: every session open, failed (with a reason), or with a deadline.
    no_silent_wait: bool,
}

impl Invariants {
    fn of(w: &World) -> Self {
        let ok = |s: &Session| s.is_open() || s.is_failed() || s.poll_timeout().is_some();
        let failed_with_reason = |s: &Session, g: &Ghost| !s.is_failed() || g.failure.is_some();
        Self {
            no_silent_wait: w.sessions().into_iter().all(ok)
                && failed_with_reason(&w.client_a, &w.ghost_a)
                && failed_with_reason(&w.client_b, &w.ghost_b),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct View {
    inputs: [u64; 4],
    time: u64,
    sessions: [(bool, bool, Option<u64>); 4],
    b_to_client: Vec<Vec<u8>>,
    b_to_server: Vec<Vec<u8>>,
    knowledge: Vec<Vec<u8>>,
    pending_a: Option<Vec<u8>>,
    has_cmw_b: bool,
    ghost_a: Ghost,
    ghost_b: Ghost,
    failures: [bool; 2],
    invariants: Invariants,
}

/// A state: the steps taken (to replay) and what they led to (to compare).
#[derive(Clone, Debug)]
struct State {
    trace: Vec<Step>,
    view: View,
}

impl PartialEq for State {
    fn eq(&self, other: &Self) -> bool {
        self.view == other.view
    }
}

impl Eq for State {}

impl Hash for State {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.view.hash(h);
    }
}

struct Expat {
    accept_any_binder: bool,
}

impl Expat {
    fn replay(&self, trace: &[Step]) -> World {
        let mut w = World::new(self.accept_any_binder);
        for step in trace {
            w.apply(*step);
        }
        w
    }
}

impl Model for Expat {
    type State = State;
    type Action = Step;

    fn init_states(&self) -> Vec<State> {
        let w = self.replay(&[]);
        vec![State {
            trace: Vec::new(),
            view: w.view(),
        }]
    }

    fn actions(&self, state: &State, actions: &mut Vec<Step>) {
        let v = &state.view;
        let used = |s: Step| state.trace.iter().filter(|t| **t == s).count();
        if !v.b_to_client.is_empty() {
            actions.push(Step::DeliverB { to_client: true });
        }
        if !v.b_to_server.is_empty() {
            actions.push(Step::DeliverB { to_client: false });
        }
        for i in 0..v.knowledge.len() {
            actions.push(Step::InjectA(i));
        }
        if v.pending_a.is_some() {
            actions.push(Step::EvidenceA(EvidenceChoice::Genuine));
            actions.push(Step::EvidenceA(EvidenceChoice::Relay));
            actions.push(Step::EvidenceA(EvidenceChoice::Decline));
        }
        for conn in [Conn::A, Conn::B] {
            if used(Step::Reattest(conn)) == 0 {
                actions.push(Step::Reattest(conn));
            }
            if used(Step::Send(conn)) == 0 {
                actions.push(Step::Send(conn));
            }
        }
        if used(Step::Tick) < 2 {
            actions.push(Step::Tick);
        }
        if used(Step::CutB) == 0 {
            actions.push(Step::CutB);
        }
    }

    fn next_state(&self, last: &State, action: Step) -> Option<State> {
        let mut trace = last.trace.clone();
        trace.push(action);
        let w = self.replay(&trace);
        Some(State {
            trace,
            view: w.view(),
        })
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property::always(
                "gate opens only after Evidence for its own binder",
                |_, s: &State| {
                    !s.view.ghost_a.opened_unattested && !s.view.ghost_b.opened_unattested
                },
            ),
            Property::always(
                "Evidence from another connection is never accepted",
                |_, s: &State| !s.view.ghost_a.accepted_foreign && !s.view.ghost_b.accepted_foreign,
            ),
            Property::always(
                "no application byte before the gate or twice",
                |_, s: &State| {
                    let g = &s.view.ghost_b;
                    let mut seen = g.delivered.clone();
                    seen.sort_unstable();
                    seen.dedup();
                    !s.view.ghost_a.delivered_early
                        && !g.delivered_early
                        && seen.len() == g.delivered.len()
                },
            ),
            Property::always(
                "open, failed with a reason, or a deadline pending",
                |_, s: &State| s.view.invariants.no_silent_wait,
            ),
            Property::always(
                "a context is never reused on a connection",
                |_, s: &State| {
                    [&s.view.ghost_a, &s.view.ghost_b].into_iter().all(|g| {
                        let mut c = g.contexts.clone();
                        c.sort();
                        c.dedup();
                        c.len() == g.contexts.len()
                    })
                },
            ),
            // Reachability: the model does reach the interesting states (else the
            // invariants above would hold vacuously).
            Property::sometimes("A's client opens on genuine Evidence", |_, s: &State| {
                s.view.ghost_a.opened && s.view.ghost_a.accepted_own
            }),
            Property::sometimes("B's client receives data", |_, s: &State| {
                !s.view.ghost_b.delivered.is_empty()
            }),
        ]
    }
}

/// How many attacker and caller steps the check explores (`SEAT_MODEL_DEPTH` overrides the
/// CI bound).
fn depth() -> usize {
    std::env::var("SEAT_MODEL_DEPTH")
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(3)
}

/// stateright's depth bound for `steps` steps: its initial state has depth 1, and it checks
/// no state at the bound itself.
fn target(steps: usize) -> usize {
    steps + 2
}

#[test]
fn the_session_holds_its_properties_against_the_attacker() {
    let depth = depth();
    let checker = Expat {
        accept_any_binder: false,
    }
    .checker()
    .threads(2)
    .target_max_depth(target(depth))
    .spawn_bfs()
    .join();
    let report = format!(
        "model check: {depth} steps, {} states explored, {} unique, max depth {}\n",
        checker.state_count(),
        checker.unique_state_count(),
        checker.max_depth()
    );
    eprint!("{report}");
    // `cargo xtask ci` prints this after the tests, whatever the harness captured.
    let _ = std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("model-check.txt"),
        &report,
    );
    checker.assert_properties();
}

#[test]
fn a_verifier_that_accepts_any_binder_is_caught() {
    let checker = Expat {
        accept_any_binder: true,
    }
    .checker()
    .finish_when(stateright::HasDiscoveries::AnyOf(
        ["Evidence from another connection is never accepted"].into(),
    ))
    .threads(2)
    .target_max_depth(target(depth()))
    .spawn_bfs()
    .join();
    let path = checker.assert_any_discovery("Evidence from another connection is never accepted");
    eprintln!(
        "deliberate bug found after {} states: {:?}",
        checker.unique_state_count(),
        path.into_actions()
    );
}
