//! Round trips after the TLS handshake until both gates open, over real rustls TLS 1.3
//! connections in memory with the simulated TEE and the in-process Verifier, counted as the
//! bench counts them (`benches/attested.rs`, `round_trips`): a flight of either side that
//! moved bytes is a half, the client's first flight (the one with its `Finished`) included.
//!
//! With the request in the server's first flight (TLS 0.5-RTT data), a client that attests
//! answers in the flight of its `Finished`. rustls sends 0.5-RTT data only to a client it did
//! not ask for a TLS certificate; with client certificates the request waits for the
//! client's `Finished`, and the count is the old one.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use seat_examples::echo::Options;
use seat_examples::memory::{MemoryPair, Setup, move_tls};
use seat_proto::session::{Action, Input};
use seat_proto::shim::Models;
use seat_proto::{AttestationError, Error};

const NOW: u64 = 1_790_000_000;

/// The bench's count: from the end of the TLS handshake (client side), each flight that
/// moved bytes is a half, until both gates open. `client_first` lets the client answer what
/// came with the server's flight before its first flight leaves (the adapters do); without
/// it, the client's `Finished` leaves alone first (a client of the order without the early
/// request: it reads the request only after its `Finished` left).
fn round_trips(setup: &Setup, client_first: bool) -> (f64, MemoryPair) {
    let mut pair = setup.handshake(NOW).unwrap();
    let mut halves = 0u32;
    if client_first {
        pair.client.pump_plaintext(NOW);
    } else if move_tls(&mut pair.client.tls, &mut pair.server.tls) {
        // The client's `Finished`, alone.
        halves += 1;
        pair.server.pump_plaintext(NOW);
        if move_tls(&mut pair.server.tls, &mut pair.client.tls) {
            halves += 1;
        }
        pair.client.pump_plaintext(NOW);
    }
    halves += pair.flights_until_open(NOW);
    (f64::from(halves) / 2.0, pair)
}

fn options(
    (who, server_attests, client_attests): (&str, bool, bool),
    model: Models,
    client_certificate: bool,
    first_flight_request: bool,
) -> Options {
    let _ = who;
    Options {
        server_attests,
        client_attests,
        model,
        client_certificate: client_certificate && client_attests,
        first_flight_request,
        ..Options::default()
    }
}

const MODES: [(&str, bool, bool); 3] = [
    ("mutual", true, true),
    ("server", true, false),
    ("client", false, true),
];

/// Round trips expected: (mode, first-flight request reaching the client with the server's
/// flight) -> count. The request in the first flight saves the flight that carried it
/// after the client's `Finished`: a client-only exchange ends with the client's first
/// flight, a mutual one with the server's answer to it. Server-only needs no request.
fn expected(mode: &str, early: bool) -> f64 {
    match (mode, early) {
        ("mutual", true) => 1.0,
        ("mutual", false) => 1.5,
        ("server", _) => 1.0,
        ("client", true) => 0.5,
        ("client", false) => 1.5,
        _ => unreachable!(),
    }
}

#[test]
fn round_trips_per_mode_with_and_without_the_first_flight_request() {
    let mut table = Vec::new();
    for mode in MODES {
        for (model_name, model) in [
            ("background", Models::BACKGROUND_CHECK),
            ("passport", Models::PASSPORT),
        ] {
            for client_certificate in [false, true] {
                if client_certificate && !mode.2 {
                    // A client that does not attest has no certificate.
                    continue;
                }
                for first_flight in [true, false] {
                    let opts = options(mode, model, client_certificate, first_flight);
                    let setup = Setup::new(opts).unwrap();
                    let (trips, pair) = round_trips(&setup, true);
                    assert!(pair.both_open(), "{opts:?}: {:?}", pair.account());
                    // rustls sends 0.5-RTT data only when it asked for no client certificate.
                    let early = first_flight && !opts.client_certificate;
                    assert_eq!(trips, expected(mode.0, early), "{opts:?}");
                    table.push(format!(
                        "round_trips {}_{model_name} client_certificate={} first_flight={} {trips}",
                        mode.0, opts.client_certificate, first_flight
                    ));
                }
            }
        }
    }
    // Shown with `--nocapture`: the per-mode counts for the report.
    for line in table {
        println!("{line}");
    }
}

#[test]
fn clients_of_either_order_and_servers_of_either_order_interoperate() {
    for mode in MODES {
        for model in [Models::BACKGROUND_CHECK, Models::PASSPORT] {
            for client_certificate in [false, true] {
                for server_first_flight in [true, false] {
                    for client_first in [true, false] {
                        let opts = options(mode, model, client_certificate, server_first_flight);
                        let setup = Setup::new(opts).unwrap();
                        let (trips, mut pair) = round_trips(&setup, client_first);
                        assert!(
                            pair.both_open(),
                            "{opts:?} client_first={client_first}: {:?}",
                            pair.account()
                        );
                        assert!(trips <= 2.0, "{opts:?} {client_first}: {trips}");
                        // Data flows both ways afterwards.
                        pair.client.send(b"ping", NOW).unwrap();
                        pair.server.send(b"pong", NOW).unwrap();
                        pair.run();
                        assert_eq!(pair.server.delivered, b"ping");
                        assert_eq!(pair.client.delivered, b"pong");
                    }
                }
            }
        }
    }
}

#[test]
fn a_tampered_client_is_refused_when_the_request_came_in_the_first_flight() {
    for model in [Models::BACKGROUND_CHECK, Models::PASSPORT] {
        let opts = Options {
            server_attests: false,
            client_attests: true,
            model,
            client_tampered: true,
            ..Options::default()
        };
        assert!(opts.first_flight_request && !opts.client_certificate);
        let setup = Setup::new(opts).unwrap();
        let (_, pair) = round_trips(&setup, true);
        assert!(!pair.server.session.is_open());
        assert!(
            matches!(
                pair.server.error,
                Some(Error::Attestation(AttestationError::Rejected(_)))
            ),
            "{:?}",
            pair.server.error
        );
        // Refused in the client's first flight: the server answered nothing but its error.
        assert!(pair.server.delivered.is_empty());
    }
}

#[test]
fn the_first_flight_carries_the_request_in_an_integrity_protected_record() {
    // The server's first flight, written by hand from its session's `ServerFlight`: one
    // more record than without it (the 0.5-RTT data after the server's `Finished`), and a
    // flipped bit in that record fails the client's TLS (its AEAD) before its session sees
    // anything.
    let opts = Options {
        server_attests: false,
        client_attests: true,
        ..Options::default()
    };
    let setup = Setup::new(opts).unwrap();
    assert!(setup.server().tls_config().send_half_rtt_data);
    let flight = |with_request: bool| {
        let mut peers = setup.peers(NOW).unwrap();
        let mut client = rustls::ClientConnection::new(
            setup.client().tls_config(),
            "localhost".try_into().unwrap(),
        )
        .unwrap();
        let mut server = rustls::ServerConnection::new(setup.server().tls_config()).unwrap();
        if with_request {
            assert!(peers.server_session.wants_server_flight());
            peers
                .server_session
                .handle(Input::ServerFlight { now: NOW })
                .unwrap();
            // The hello and the request in one write, as the adapters' drive loop does.
            let mut out = Vec::new();
            while let Some(action) = peers.server_session.poll_action() {
                if let Action::Send(bytes) = action {
                    out.extend(bytes);
                }
            }
            std::io::Write::write_all(&mut server.writer(), &out).unwrap();
        }
        move_tls(&mut client, &mut server);
        let mut bytes = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut bytes).unwrap();
        }
        (client, bytes)
    };
    let records = |mut b: &[u8]| {
        let mut n = 0;
        while b.len() >= 5 {
            let len = usize::from(u16::from_be_bytes([b[3], b[4]]));
            b = &b[5 + len..];
            n += 1;
        }
        n
    };
    let (_, without) = flight(false);
    let (mut client, mut with) = flight(true);
    assert_eq!(records(&with), records(&without) + 1);
    let last = with.len() - 1;
    with[last] ^= 0x01;
    client.read_tls(&mut &with[..]).unwrap();
    assert!(client.process_new_packets().is_err());
}
