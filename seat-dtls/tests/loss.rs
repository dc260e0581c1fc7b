//! Attestation over a lossy UDP relay on 127.0.0.1 (10% loss, 5% duplication, 5%
//! reordering, seeded): mutual attestation completes in both models, and nothing sent after
//! the gate opened is delivered twice. With 100% loss the connection fails with the timeout
//! error in bounded time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeSet;
use std::net::UdpSocket;
use std::thread;
use std::time::{Duration, Instant};

use common::{Faults, Relay};
use seat_dtls::blocking::AttestedDtlsSocket;
use seat_dtls::config::{DEFAULT_MTU, connection};
use seat_dtls::core::{ConnectionStats, DtlsOptions, unix_now};
use seat_dtls::platform::{Options, Setup};
use seat_dtls::{Error, Phase};
use seat_proto::dgram::DatagramConfig;
use seat_proto::shim::Models;

const MESSAGES: u32 = 40;

fn lossy(seed: u64) -> Faults {
    Faults {
        drop: 0.10,
        duplicate: 0.05,
        reorder: 0.05,
        seed,
    }
}

fn options() -> DtlsOptions {
    DtlsOptions::default()
        .with_handshake_timeout(Duration::from_secs(20))
        .with_initial_retransmit(Duration::from_millis(100))
        .with_shim(DatagramConfig::default().with_retransmission(100, 1600, 10))
}

struct Outcome {
    client: ConnectionStats,
    server: ConnectionStats,
    server_got: Vec<u32>,
    client_got: Vec<u32>,
}

/// Mutual attestation in `model` through a relay with `faults`, then `MESSAGES` numbered
/// datagrams client to server, each echoed.
fn run(model: Models, faults: Faults) -> Outcome {
    let setup = Setup::new(Options {
        model,
        ..Options::default()
    })
    .unwrap();
    let server_ctx = setup.server_context().unwrap();
    let client_ctx = setup.client_context().unwrap();
    let server_peer = setup.server().unwrap();
    let client_peer = setup.client(unix_now()).unwrap();
    let listener = UdpSocket::bind("127.0.0.1:0").unwrap();
    let relay = Relay::start(listener.local_addr().unwrap(), faults);

    let server = thread::spawn(move || {
        let ssl = connection(&server_ctx, None, DEFAULT_MTU).unwrap();
        let mut s = AttestedDtlsSocket::accept(
            listener,
            ssl,
            server_peer.session,
            server_peer.platform,
            options(),
        )
        .unwrap();
        assert!(s.core().is_open());
        let mut got = Vec::new();
        loop {
            match s.recv(Duration::from_secs(3)) {
                Ok(d) => {
                    got.push(u32::from_be_bytes(d[..4].try_into().unwrap()));
                    s.send(&d).unwrap();
                }
                Err(Error::Timeout(Phase::Receive) | Error::Closed) => break,
                Err(e) => panic!("server: {e}"),
            }
        }
        let stats = s.stats();
        s.close();
        (got, stats)
    });

    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.connect(relay.addr).unwrap();
    let ssl = connection(&client_ctx, Some("localhost"), DEFAULT_MTU).unwrap();
    let mut c = AttestedDtlsSocket::connect(
        sock,
        ssl,
        client_peer.session,
        client_peer.platform,
        options(),
    )
    .unwrap();
    assert!(c.core().is_open());
    assert_eq!(c.core().protocol_version(), "DTLSv1.3");
    let mut client_got = Vec::new();
    for i in 0..MESSAGES {
        let mut d = i.to_be_bytes().to_vec();
        d.extend([0xa5; 100]);
        c.send(&d).unwrap();
        while let Ok(e) = c.recv(Duration::from_millis(20)) {
            client_got.push(u32::from_be_bytes(e[..4].try_into().unwrap()));
        }
    }
    while let Ok(e) = c.recv(Duration::from_millis(500)) {
        client_got.push(u32::from_be_bytes(e[..4].try_into().unwrap()));
    }
    let client = c.stats();
    c.close();
    let (server_got, server) = server.join().unwrap();
    let relay_stats = relay.stop();
    eprintln!(
        "{model:?} seed {}: relay {relay_stats:?}; client {client:?}; server {server:?}; \
         server got {}/{MESSAGES}, client got {} echoes",
        faults.seed,
        server_got.len(),
        client_got.len()
    );
    Outcome {
        client,
        server,
        server_got,
        client_got,
    }
}

fn assert_once(got: &[u32]) {
    let unique: BTreeSet<_> = got.iter().collect();
    assert_eq!(
        unique.len(),
        got.len(),
        "a datagram was delivered twice: {got:?}"
    );
    assert!(got.iter().all(|i| *i < MESSAGES));
}

fn check(model: Models, seed: u64) {
    let o = run(model, lossy(seed));
    assert_once(&o.server_got);
    assert_once(&o.client_got);
    // Most data gets through one lossy hop each way (nothing is retransmitted).
    assert!(
        o.server_got.len() >= MESSAGES as usize / 2,
        "{:?}",
        o.server_got
    );
    assert!(o.client.open_time.is_some() && o.server.open_time.is_some());
}

#[test]
fn mutual_background_check_survives_loss_duplication_and_reordering() {
    for seed in [1, 2, 3] {
        check(Models::BACKGROUND_CHECK, seed);
    }
}

#[test]
fn mutual_passport_survives_loss_duplication_and_reordering() {
    for seed in [4, 5, 6] {
        check(Models::PASSPORT, seed);
    }
}

#[test]
fn total_loss_fails_with_the_timeout_error_in_bounded_time() {
    let setup = Setup::new(Options::default()).unwrap();
    let client_ctx = setup.client_context().unwrap();
    let client_peer = setup.client(unix_now()).unwrap();
    let listener = UdpSocket::bind("127.0.0.1:0").unwrap();
    let relay = Relay::start(
        listener.local_addr().unwrap(),
        Faults {
            drop: 1.0,
            duplicate: 0.0,
            reorder: 0.0,
            seed: 7,
        },
    );
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.connect(relay.addr).unwrap();
    let ssl = connection(&client_ctx, Some("localhost"), DEFAULT_MTU).unwrap();
    let started = Instant::now();
    let err = AttestedDtlsSocket::connect(
        sock,
        ssl,
        client_peer.session,
        client_peer.platform,
        DtlsOptions::default().with_handshake_timeout(Duration::from_secs(2)),
    )
    .unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Timeout(Phase::Handshake)), "{err}");
    // Bounded: the configured 2 s plus one timer tick, not a performance assertion.
    assert!(took < Duration::from_secs(5), "{took:?}");
    let stats = relay.stop();
    assert_eq!(stats.forwarded, 0);
    assert!(
        stats.dropped >= 2,
        "the ClientHello was retransmitted: {stats:?}"
    );
    drop(listener);
}

#[test]
fn tokio_socket_attests_mutually_through_the_lossy_relay() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use seat_dtls::async_socket::AttestedDtlsSocket;
        let setup = Setup::new(Options::default()).unwrap();
        let server_ctx = setup.server_context().unwrap();
        let client_ctx = setup.client_context().unwrap();
        let server_peer = setup.server().unwrap();
        let client_peer = setup.client(unix_now()).unwrap();
        let listener = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let relay = Relay::start(listener.local_addr().unwrap(), lossy(11));
        let server = tokio::spawn(async move {
            let ssl = connection(&server_ctx, None, DEFAULT_MTU).unwrap();
            let mut s = AttestedDtlsSocket::accept(
                listener,
                ssl,
                server_peer.session,
                server_peer.platform,
                options(),
            )
            .await
            .unwrap();
            let mut got = Vec::new();
            while let Ok(d) = s.recv(Duration::from_secs(2)).await {
                s.send(&d).await.unwrap();
                got.push(d);
            }
            got
        });
        let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        sock.connect(relay.addr).await.unwrap();
        let ssl = connection(&client_ctx, Some("localhost"), DEFAULT_MTU).unwrap();
        let mut c = AttestedDtlsSocket::connect(
            sock,
            ssl,
            client_peer.session,
            client_peer.platform,
            options(),
        )
        .await
        .unwrap();
        assert_eq!(c.core().protocol_version(), "DTLSv1.3");
        for i in 0..10u32 {
            c.send(&i.to_be_bytes()).await.unwrap();
            let _ = c.recv(Duration::from_millis(30)).await;
        }
        let got = server.await.unwrap();
        let unique: BTreeSet<_> = got.iter().collect();
        assert_eq!(unique.len(), got.len());
        assert!(!got.is_empty());
        let _ = c.close().await;
        relay.stop();
    });
}

#[test]
fn tampered_client_is_refused_and_told_why() {
    let setup = Setup::new(Options {
        client_tampered: true,
        ..Options::default()
    })
    .unwrap();
    let server_ctx = setup.server_context().unwrap();
    let client_ctx = setup.client_context().unwrap();
    let server_peer = setup.server().unwrap();
    let client_peer = setup.client(unix_now()).unwrap();
    let listener = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let ssl = connection(&server_ctx, None, DEFAULT_MTU).unwrap();
        AttestedDtlsSocket::accept(
            listener,
            ssl,
            server_peer.session,
            server_peer.platform,
            options(),
        )
        .map(|_| ())
    });
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.connect(addr).unwrap();
    let ssl = connection(&client_ctx, Some("localhost"), DEFAULT_MTU).unwrap();
    // The refusal reaches the client either after its own gate opened (the server attested
    // first: `connect` succeeds and the next `recv` fails) or before (the server appraised
    // the client first: `connect` fails); which comes first depends on scheduling.
    let client_err = match AttestedDtlsSocket::connect(
        sock,
        ssl,
        client_peer.session,
        client_peer.platform,
        options(),
    ) {
        Ok(mut c) => c.recv(Duration::from_secs(5)).unwrap_err(),
        Err(e) => e,
    };
    let server_err = server.join().unwrap().unwrap_err();
    assert!(server_err.to_string().contains("policy"), "{server_err}");
    let Error::Session(seat_proto::Error::PeerAborted { .. }) = &client_err else {
        panic!("{client_err:?}");
    };
    assert!(
        client_err.to_string().contains("reference values"),
        "{client_err}"
    );
}
