//! The server's request in its first flight (`Input::ServerFlight`), driven from both sides
//! in one process, flight by flight: a recorded exporter stands for the shared TLS
//! connection, the "Attester" returns CMW bytes that embed the binder it was given, and the
//! "Verifier" accepts exactly when the CMW embeds the binder the relying side recomputed.
//!
//! A flight is what one side sends before it waits for the other; the server's first flight
//! leaves before the client's `Finished`, so the server is told `Established` only when the
//! client's first flight (the one with its `Finished`) reaches it.

use std::sync::Arc;

use seat_binding::authenticator::Role;
use seat_binding::exporter::RecordedExporter;
use seat_binding::provider::default_provider;
use seat_proto::hooks::{
    AppraisalRequest, AttestationHooks, Driver, EvidenceRequest, Rejection, Stage,
};
use seat_proto::session::{Event, ExchangeId, Input, Session, SessionConfig};
use seat_proto::shim::{Deframer, Frame, Models};
use seat_proto::{ApiMisuse, AttestationError, Error, PeerMisbehaved};

use crate::common::{counter_rng, credential, exporter, peer_verifier};

const NOW: u64 = 1_780_272_000;
const BC: Models = Models::BACKGROUND_CHECK;

fn config(role: Role, attests: Models, requires: Models, first_flight: bool) -> SessionConfig {
    SessionConfig::builder(default_provider())
        .attests(attests)
        .requires(requires)
        .chain_verifier(peer_verifier(role))
        .first_flight_request(first_flight)
        .build()
        .unwrap()
}

fn session_with(role: Role, attests: Models, requires: Models, first_flight: bool) -> Session {
    let credential = (!attests.is_empty()).then(credential);
    let seed = if role == Role::Server { 100 } else { 0 };
    Session::new(
        Arc::new(config(role, attests, requires, first_flight)),
        role,
        credential,
        counter_rng(seed),
    )
}

fn session(role: Role, attests: Models, requires: Models) -> Session {
    session_with(role, attests, requires, true)
}

/// Evidence is `evidence:` then the binder; the appraisal accepts exactly that.
#[derive(Default)]
struct BinderHooks {
    decline: bool,
    events: Vec<Event>,
    contexts: Vec<Vec<u8>>,
}

impl AttestationHooks for BinderHooks {
    type Accepted = Vec<u8>;

    fn produce_evidence(&mut self, r: &EvidenceRequest<'_>) -> Option<Vec<u8>> {
        (!self.decline).then(|| [b"evidence:".as_slice(), r.binder].concat())
    }

    fn appraise(&mut self, r: &AppraisalRequest<'_>) -> Result<Vec<u8>, Rejection> {
        self.contexts.push(r.context.to_vec());
        if r.cmw == [b"evidence:".as_slice(), r.binder].concat() {
            Ok(r.binder.to_vec())
        } else {
            Err(Rejection::new(Stage::Binding, "binder differs"))
        }
    }

    fn event(&mut self, event: &Event) {
        self.events.push(event.clone());
    }
}

/// One side: its session, drive loop and whether it was told `Established`.
struct Side {
    session: Session,
    driver: Driver<BinderHooks>,
    established: bool,
    delivered: Vec<u8>,
}

impl Side {
    fn new(session: Session) -> Self {
        Self {
            session,
            driver: Driver::new(BinderHooks::default()),
            established: false,
            delivered: Vec::new(),
        }
    }

    /// Feeds `input`, returning what the side sends in answer (its hooks answering at once).
    fn input(&mut self, input: Input<'_>) -> (Result<(), Error>, Vec<u8>) {
        let mut out = Vec::new();
        let r = self
            .driver
            .handle(&mut self.session, input, NOW, &mut out, &mut self.delivered);
        (r, out)
    }

    /// What the side sends on receiving `bytes` (established first, if not yet).
    fn receive(&mut self, e: &RecordedExporter, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        if !self.established {
            self.established = true;
            out.extend(
                self.input(Input::Established {
                    exporter: e,
                    now: NOW,
                })
                .1,
            );
        }
        if !bytes.is_empty() {
            out.extend(
                self.input(Input::Received {
                    bytes,
                    exporter: e,
                    now: NOW,
                })
                .1,
            );
        }
        out
    }

    fn failed_with(&self) -> Option<Error> {
        self.driver.hooks().events.iter().find_map(|e| match e {
            Event::Failed { error } => Some(error.clone()),
            _ => None,
        })
    }
}

/// A connection after the TLS handshake: the server's first flight (with the request when
/// the server sent one) has reached the client, nothing else has moved yet.
struct Conn {
    exporter: RecordedExporter,
    client: Side,
    server: Side,
    /// The bytes the server's first flight carried.
    server_flight: Vec<u8>,
}

impl Conn {
    fn new(client: Session, server: Session) -> Self {
        let mut server = Side::new(server);
        let server_flight = if server.session.wants_server_flight() {
            let (r, out) = server.input(Input::ServerFlight { now: NOW });
            r.unwrap();
            out
        } else {
            Vec::new()
        };
        Self {
            exporter: exporter(0x77),
            client: Side::new(client),
            server,
            server_flight,
        }
    }

    /// Runs flights from the client's first (its `Finished` flight, which carries its answer
    /// to what came with the server's first flight) until both gates open or nothing moves;
    /// how many round trips that took (a flight of one side is a half).
    fn run(&mut self, server_flight: &[u8]) -> f64 {
        let mut to_server = self.client.receive(&self.exporter, server_flight);
        let mut halves = 0u32;
        for _ in 0..16 {
            if self.both_open() {
                break;
            }
            // The client's flight; the server's TLS handshake completes with it.
            halves += 1;
            let to_client = self.server.receive(&self.exporter, &to_server);
            if self.both_open() || to_client.is_empty() {
                break;
            }
            halves += 1;
            to_server = self.client.receive(&self.exporter, &to_client);
            if to_server.is_empty() {
                break;
            }
        }
        f64::from(halves) / 2.0
    }

    fn both_open(&self) -> bool {
        self.client.session.is_open() && self.server.session.is_open()
    }
}

fn frames(bytes: &[u8]) -> Vec<Frame> {
    let mut d = Deframer::new();
    d.push(bytes);
    std::iter::from_fn(|| d.next_frame().unwrap()).collect()
}

fn encode(frames: &[Frame]) -> Vec<u8> {
    frames.iter().flat_map(|f| f.to_vec().unwrap()).collect()
}

/// (client attests, server attests), and the round trips expected with the request in the
/// server's first flight and without: the client's first flight carries its `Finished`; the
/// server's request, when it comes with the server's first flight, is answered in it.
const MODES: [(bool, bool, f64, f64); 3] = [
    // mutual: the client's authenticator in its first flight, the server's in its answer.
    (true, true, 1.0, 1.5),
    // client only: the client's first flight opens the server's gate.
    (true, false, 0.5, 1.5),
    // server only: the server's request is not needed; nothing changes.
    (false, true, 1.0, 1.0),
];

fn models(on: bool) -> Models {
    if on { BC } else { Models::NONE }
}

#[test]
fn both_gates_open_in_fewer_round_trips_with_the_request_in_the_first_flight() {
    for (client_attests, server_attests, early, late) in MODES {
        for first_flight in [true, false] {
            let client = session(Role::Client, models(client_attests), models(server_attests));
            let server = session_with(
                Role::Server,
                models(server_attests),
                models(client_attests),
                first_flight,
            );
            let mut conn = Conn::new(client, server);
            // The server sends a first flight only when it requires the client's attestation
            // and its configuration says so.
            assert_eq!(
                conn.server_flight.is_empty(),
                !(first_flight && client_attests)
            );
            let flight = conn.server_flight.clone();
            let trips = conn.run(&flight);
            assert!(
                conn.both_open(),
                "{client_attests} {server_attests} {first_flight}"
            );
            let want = if first_flight { early } else { late };
            assert_eq!(
                trips, want,
                "client attests {client_attests}, server attests {server_attests}, \
                 first flight {first_flight}"
            );
        }
    }
}

#[test]
fn the_first_flight_request_is_exchange_one_and_its_context_is_appraised() {
    let mut conn = Conn::new(
        session(Role::Client, BC, Models::NONE),
        session(Role::Server, Models::NONE, BC),
    );
    let sent = frames(&conn.server_flight);
    let [Frame::Hello(hello), Frame::Request { exchange, message }] = &sent[..] else {
        panic!("{sent:?}")
    };
    assert_eq!(hello.requires, BC);
    assert_eq!(*exchange, 1);
    // A CertificateRequest (13): the server asks the client; context length 32 at offset 4.
    assert_eq!(message[0], 13);
    assert_eq!(message[4], 32);
    let context = message[5..37].to_vec();
    let flight = conn.server_flight.clone();
    assert_eq!(conn.run(&flight), 0.5);
    assert!(conn.both_open());
    assert_eq!(conn.server.driver.hooks().contexts, vec![context.clone()]);
    assert_eq!(
        conn.server.driver.peer_exchange(),
        Some(ExchangeId::Outgoing(1))
    );
    // Re-attestation after it is exchange 2, with a fresh context.
    let mut out = Vec::new();
    let exchange = conn
        .server
        .driver
        .reattest(
            &mut conn.server.session,
            &conn.exporter,
            NOW + 1,
            &mut out,
            &mut conn.server.delivered,
        )
        .unwrap();
    assert_eq!(exchange, ExchangeId::Outgoing(2));
    let answer = conn.client.receive(&conn.exporter, &out);
    conn.server.receive(&conn.exporter, &answer);
    let contexts = &conn.server.driver.hooks().contexts;
    assert_eq!(contexts.len(), 2);
    assert_ne!(contexts[1], context);
    assert!(conn.server.session.is_open() && !conn.server.session.is_failed());
}

#[test]
fn a_server_flight_out_of_order_is_refused_with_a_typed_error() {
    let misuse = |s: &mut Session| s.handle(Input::ServerFlight { now: NOW }).unwrap_err();
    // On a client.
    let mut client = session(Role::Client, BC, BC);
    assert!(!client.wants_server_flight());
    assert_eq!(
        misuse(&mut client),
        Error::ApiMisuse(ApiMisuse::NoServerFlight)
    );
    // On a server that requires nothing of the client.
    let mut server = session(Role::Server, BC, Models::NONE);
    assert!(!server.wants_server_flight());
    assert_eq!(
        misuse(&mut server),
        Error::ApiMisuse(ApiMisuse::NoServerFlight)
    );
    // On a server configured for the order without it.
    let mut server = session_with(Role::Server, Models::NONE, BC, false);
    assert!(!server.wants_server_flight());
    assert_eq!(
        misuse(&mut server),
        Error::ApiMisuse(ApiMisuse::NoServerFlight)
    );
    // Twice.
    let mut server = session(Role::Server, Models::NONE, BC);
    assert!(server.wants_server_flight());
    server.handle(Input::ServerFlight { now: NOW }).unwrap();
    assert!(!server.wants_server_flight());
    assert_eq!(
        misuse(&mut server),
        Error::ApiMisuse(ApiMisuse::NoServerFlight)
    );
    // After the handshake.
    let e = exporter(1);
    let mut late = session(Role::Server, Models::NONE, BC);
    late.handle(Input::Established {
        exporter: &e,
        now: NOW,
    })
    .unwrap();
    assert!(!late.wants_server_flight());
    assert_eq!(
        misuse(&mut late),
        Error::ApiMisuse(ApiMisuse::AlreadyEstablished)
    );
    // Misuse is not fatal: each session goes on.
    for s in [&client, &server, &late] {
        assert!(!s.is_failed());
    }
    // The server that sent its first flight, told Established, sends no second request.
    let mut actions = Vec::new();
    while server.poll_action().is_some() {}
    server
        .handle(Input::Established {
            exporter: &e,
            now: NOW,
        })
        .unwrap();
    while let Some(a) = server.poll_action() {
        actions.push(a);
    }
    assert!(actions.is_empty(), "{actions:?}");
}

#[test]
fn a_tampered_first_flight_request_fails_closed() {
    // Each byte of the request's context, and its cmw_attestation offer, altered on the way.
    type Tamper = fn(&mut Vec<u8>);
    let tampers: [(&str, Tamper); 3] = [
        ("context", |m| m[10] ^= 0x01),
        ("last byte", |m| {
            let last = m.len() - 1;
            m[last] ^= 0x80;
        }),
        ("exchange id", |_| {}),
    ];
    for (what, tamper) in tampers {
        let mut conn = Conn::new(
            session(Role::Client, BC, Models::NONE),
            session(Role::Server, Models::NONE, BC),
        );
        let mut sent = frames(&conn.server_flight);
        let Frame::Request { exchange, message } = &mut sent[1] else {
            panic!()
        };
        tamper(message);
        if what == "exchange id" {
            *exchange = 7;
        }
        let flight = encode(&sent);
        conn.run(&flight);
        assert!(!conn.server.session.is_open(), "{what}");
        assert!(conn.server.session.is_failed(), "{what}");
        assert!(conn.server.driver.hooks().contexts.is_empty(), "{what}");
    }
}

#[test]
fn a_replayed_first_flight_request_fails_closed() {
    // The same request twice on one connection: the client refuses the repeat.
    let mut conn = Conn::new(
        session(Role::Client, BC, Models::NONE),
        session(Role::Server, Models::NONE, BC),
    );
    let sent = frames(&conn.server_flight);
    let twice = encode(&[sent[0].clone(), sent[1].clone(), sent[1].clone()]);
    conn.run(&twice);
    assert!(!conn.both_open());
    assert_eq!(
        conn.client.failed_with(),
        Some(Error::PeerMisbehaved(PeerMisbehaved::DuplicateExchange))
    );
    assert!(!conn.server.session.is_open());

    // Another connection's first-flight request: the client's answer binds that request's
    // context, which this server never sent.
    let other = Conn::new(
        session(Role::Client, BC, Models::NONE),
        session(Role::Server, Models::NONE, BC),
    );
    let server = Session::new(
        Arc::new(config(Role::Server, Models::NONE, BC, true)),
        Role::Server,
        None,
        counter_rng(50),
    );
    let mut this = Conn::new(session(Role::Client, BC, Models::NONE), server);
    assert_ne!(this.server_flight, other.server_flight);
    this.run(&other.server_flight);
    assert!(!this.server.session.is_open());
    assert!(this.server.session.is_failed());
    assert!(this.server.driver.hooks().contexts.is_empty());
}

#[test]
fn a_client_that_refuses_the_first_flight_request_fails_the_server_closed() {
    let mut conn = Conn::new(
        session(Role::Client, BC, Models::NONE),
        session(Role::Server, Models::NONE, BC),
    );
    conn.client.driver.hooks_mut().decline = true;
    let flight = conn.server_flight.clone();
    conn.run(&flight);
    assert!(!conn.server.session.is_open());
    assert_eq!(
        conn.server.failed_with(),
        Some(Error::Attestation(AttestationError::Refused))
    );
    // A client that attests nothing refuses too.
    let mut conn = Conn::new(
        session(Role::Client, Models::NONE, Models::NONE),
        session(Role::Server, Models::NONE, BC),
    );
    let flight = conn.server_flight.clone();
    conn.run(&flight);
    assert!(!conn.server.session.is_open());
    assert!(conn.server.session.is_failed());
}

#[test]
fn no_application_data_before_the_gate_even_with_the_first_flight() {
    let mut server = Side::new(session(Role::Server, Models::NONE, BC));
    let (r, _) = server.input(Input::ServerFlight { now: NOW });
    r.unwrap();
    let (r, out) = server.input(Input::Send(b"secret"));
    assert_eq!(r.unwrap_err(), Error::ApiMisuse(ApiMisuse::GateClosed));
    assert!(out.is_empty());
    assert!(!server.session.is_open());
}

#[test]
fn the_first_flight_request_times_out_from_when_it_was_sent() {
    let timeout = 30;
    let mut server = Side::new(session(Role::Server, Models::NONE, BC));
    server.input(Input::ServerFlight { now: NOW }).0.unwrap();
    let e = exporter(3);
    // Established later than the request left: its deadline still runs from the flight.
    server
        .input(Input::Established {
            exporter: &e,
            now: NOW + 10,
        })
        .0
        .unwrap();
    assert_eq!(server.session.poll_timeout(), Some(NOW + timeout));
    let (r, _) = server.input(Input::Timeout { now: NOW + timeout });
    assert_eq!(
        r.unwrap_err(),
        Error::Attestation(AttestationError::PeerTimeout)
    );
}

/// A client's flight written before its handshake completes (`Input::ClientFlight`): its
/// hello and, when it requires the server's attestation, a ClientCertificateRequest (type 17)
/// as exchange 1; they leave with its `Finished`, `Established` sends neither again, and
/// every mode opens both gates as before, each side appraising the other's binder.
#[test]
fn a_client_flight_carries_the_hello_and_request_and_both_gates_open() {
    for (client_attests, server_attests, early, _) in MODES {
        let what = format!("client attests {client_attests}, server attests {server_attests}");
        let client = session(Role::Client, models(client_attests), models(server_attests));
        let server = session(Role::Server, models(server_attests), models(client_attests));
        let mut conn = Conn::new(client, server);
        assert!(conn.client.session.wants_client_flight(), "{what}");
        let (r, client_flight) = conn.client.input(Input::ClientFlight { now: NOW });
        r.unwrap();
        assert!(!conn.client.session.wants_client_flight());
        match (&frames(&client_flight)[..], server_attests) {
            ([Frame::Hello(hello)], false) => assert_eq!(hello.requires, Models::NONE),
            ([Frame::Hello(hello), Frame::Request { exchange, message }], true) => {
                assert_eq!(hello.requires, BC);
                assert_eq!(*exchange, 1);
                assert_eq!(message[0], 17, "{what}");
            }
            (other, _) => panic!("{what}: {other:?}"),
        }
        // The rest of the client's first flight: its answer to the server's, no second hello
        // or request of its own.
        let server_flight = conn.server_flight.clone();
        let rest = conn.client.receive(&conn.exporter, &server_flight);
        assert!(
            frames(&rest)
                .iter()
                .all(|f| !matches!(f, Frame::Hello(_) | Frame::Request { .. })),
            "{what}"
        );
        let mut to_server = [client_flight, rest].concat();
        let mut halves = 0u32;
        for _ in 0..16 {
            halves += 1;
            let to_client = conn.server.receive(&conn.exporter, &to_server);
            if conn.both_open() || to_client.is_empty() {
                break;
            }
            halves += 1;
            to_server = conn.client.receive(&conn.exporter, &to_client);
            if conn.both_open() || to_server.is_empty() {
                break;
            }
        }
        assert!(conn.both_open(), "{what}");
        assert_eq!(f64::from(halves) / 2.0, early, "{what}");
        assert_eq!(conn.client.failed_with(), None);
        assert_eq!(conn.server.failed_with(), None);
        if server_attests {
            // The client appraised its own exchange 1, the request of its flight.
            assert_eq!(conn.client.driver.hooks().contexts.len(), 1);
            assert_eq!(
                conn.client.driver.peer_exchange(),
                Some(ExchangeId::Outgoing(1))
            );
        }
        if client_attests {
            assert_eq!(conn.server.driver.hooks().contexts.len(), 1);
        }
    }
}

#[test]
fn a_client_flight_out_of_order_is_refused_with_a_typed_error() {
    let misuse = |s: &mut Session| s.handle(Input::ClientFlight { now: NOW }).unwrap_err();
    // On a server.
    let mut server = session(Role::Server, Models::NONE, BC);
    assert!(!server.wants_client_flight());
    assert_eq!(
        misuse(&mut server),
        Error::ApiMisuse(ApiMisuse::NoClientFlight)
    );
    // On a client configured without it.
    let mut client = session_with(Role::Client, Models::NONE, BC, false);
    assert!(!client.wants_client_flight());
    assert_eq!(
        misuse(&mut client),
        Error::ApiMisuse(ApiMisuse::NoClientFlight)
    );
    // Twice.
    let mut twice = session(Role::Client, Models::NONE, BC);
    twice.handle(Input::ClientFlight { now: NOW }).unwrap();
    assert_eq!(
        misuse(&mut twice),
        Error::ApiMisuse(ApiMisuse::NoClientFlight)
    );
    // After the handshake.
    let e = exporter(1);
    let mut late = session(Role::Client, Models::NONE, BC);
    late.handle(Input::Established {
        exporter: &e,
        now: NOW,
    })
    .unwrap();
    assert!(!late.wants_client_flight());
    assert_eq!(
        misuse(&mut late),
        Error::ApiMisuse(ApiMisuse::AlreadyEstablished)
    );
    for s in [&server, &client, &twice, &late] {
        assert!(!s.is_failed());
    }
}
