//! The blocking rustls adapter over real TCP loopback sockets: hardened configurations, a
//! mutual attestation before any application byte, and data after it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{
    ClientConfig, ClientConnection, HandshakeKind, RootCertStore, ServerConfig, ServerConnection,
};
use seat_binding::authenticator::Role;
use seat_binding::provider::default_provider;
use seat_proto::hooks::{
    AppraisalRequest, AttestationHooks, EvidenceRequest, ReattestPending, Rejection, Stage,
};
use seat_proto::rustls_glue::{
    AttestedStream, harden_client_config, harden_server_config, harden_server_config_for,
};
use seat_proto::session::{Event, Session, SessionConfig};
use seat_proto::shim::Models;

use crate::common::{credential, peer_verifier, session_for};
use seat_binding::provider::aws_lc::AwsLcRandom;

/// Evidence that is the binder itself; the appraisal accepts exactly the recomputed binder.
#[derive(Default)]
struct BinderHooks {
    events: Vec<Event>,
}

impl AttestationHooks for BinderHooks {
    type Accepted = Vec<u8>;

    fn produce_evidence(&mut self, request: &EvidenceRequest<'_>) -> Option<Vec<u8>> {
        Some(request.binder.to_vec())
    }

    fn appraise(&mut self, request: &AppraisalRequest<'_>) -> Result<Vec<u8>, Rejection> {
        if request.cmw == request.binder {
            Ok(request.binder.to_vec())
        } else {
            Err(Rejection::new(Stage::Binding, "binder differs"))
        }
    }

    fn event(&mut self, event: &Event) {
        self.events.push(event.clone());
    }
}

fn session(role: Role) -> Session {
    let bc = Models::BACKGROUND_CHECK;
    session_for(role, bc, bc, Box::new(AwsLcRandom))
}

fn tls_configs() -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    tls_configs_hardened(harden_server_config)
}

/// A self-signed server certificate and a client trusting it; `harden` hardens the server's
/// configuration, `harden_client_config` the client's.
fn tls_configs_hardened(
    harden: impl FnOnce(&mut ServerConfig),
) -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let mut server = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    harden(&mut server);
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(cert.der().to_vec()))
        .unwrap();
    let mut client = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    harden_client_config(&mut client);
    (Arc::new(server), Arc::new(client))
}

/// Accepts one connection on `listener` and establishes the server's attested stream on it.
fn accept_server(
    listener: &TcpListener,
    config: Arc<ServerConfig>,
    session: Session,
) -> AttestedStream<ServerConnection, TcpStream, BinderHooks> {
    let (sock, _) = listener.accept().unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let conn = ServerConnection::new(config).unwrap();
    AttestedStream::establish(conn, sock, session, BinderHooks::default()).unwrap()
}

/// Connects to `addr` and establishes the client's attested stream.
fn connect_client(
    addr: std::net::SocketAddr,
    config: Arc<ClientConfig>,
    session: Session,
) -> AttestedStream<ClientConnection, TcpStream, BinderHooks> {
    let sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let conn = ClientConnection::new(config, "localhost".try_into().unwrap()).unwrap();
    AttestedStream::establish(conn, sock, session, BinderHooks::default()).unwrap()
}

#[test]
fn mutual_attestation_over_tcp_loopback_then_data() {
    let (server_config, client_config) = tls_configs();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let mut stream = accept_server(&listener, server_config, session(Role::Server));
        let mut buf = [0u8; 4];
        stream.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"ping");
        stream.write_all(b"pong").unwrap();
        stream.flush().unwrap();
        assert_eq!(
            stream.get_ref().1.handshake_kind(),
            Some(HandshakeKind::Full)
        );
        // Wait for the client to finish reading before closing.
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
    });
    let mut stream = connect_client(addr, client_config, session(Role::Client));
    assert!(stream.session().is_open());
    stream.write_all(b"ping").unwrap();
    stream.flush().unwrap();
    let mut buf = [0u8; 4];
    stream.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"pong");
    let first = stream.peer_attestation().cloned().unwrap();
    let second = stream.reattest().unwrap();
    assert_ne!(first, second);
    assert_eq!(stream.peer_attestation(), Some(&second));
    stream.close().unwrap();
    server.join().unwrap();
}

#[test]
fn hardened_configs_issue_no_tickets_and_never_resume() {
    let (server_config, client_config) = tls_configs();
    assert_eq!(server_config.send_tls13_tickets, 0);
    assert_eq!(server_config.max_early_data_size, 0);
    assert!(!client_config.enable_early_data);
    for _ in 0..2 {
        let mut client =
            ClientConnection::new(client_config.clone(), "localhost".try_into().unwrap()).unwrap();
        let mut server = ServerConnection::new(server_config.clone()).unwrap();
        for _ in 0..10 {
            let mut buf = Vec::new();
            while client.wants_write() {
                client.write_tls(&mut buf).unwrap();
            }
            server.read_tls(&mut &buf[..]).unwrap();
            server.process_new_packets().unwrap();
            let mut buf = Vec::new();
            while server.wants_write() {
                server.write_tls(&mut buf).unwrap();
            }
            client.read_tls(&mut &buf[..]).unwrap();
            client.process_new_packets().unwrap();
        }
        assert!(!client.is_handshaking());
        assert_eq!(client.handshake_kind(), Some(HandshakeKind::Full));
    }
}

/// Issue 14, defect 5: while `reattest()` waits, the peer's application data is held only up
/// to `max_early_data`; beyond that the stream stops reading and reports the exchange as
/// pending, without failing; reading the data then completes it.
#[test]
fn reattest_holds_a_bounded_amount_of_data_then_reports_it_pending() {
    const BULK: usize = 8 * 1024;
    let (server_config, client_config) = tls_configs();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let config = SessionConfig::builder(default_provider())
            .attests(Models::BACKGROUND_CHECK)
            .build()
            .unwrap();
        let session = Session::new(
            Arc::new(config),
            Role::Server,
            Some(credential()),
            Box::new(seat_binding::provider::aws_lc::AwsLcRandom),
        );
        let conn = ServerConnection::new(server_config).unwrap();
        let mut stream =
            AttestedStream::establish(conn, sock, session, BinderHooks::default()).unwrap();
        let mut go = [0u8; 1];
        stream.read_exact(&mut go).unwrap();
        // The bulk goes out before this side reads (and answers) the re-attestation request.
        stream.write_all(&[7u8; BULK]).unwrap();
        stream.flush().unwrap();
        let mut done = [0u8; 4];
        stream.read_exact(&mut done).unwrap();
        assert_eq!(&done, b"done");
        stream.write_all(b"z").unwrap();
        stream.flush().unwrap();
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
    });
    let sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let config = SessionConfig::builder(default_provider())
        .requires(Models::BACKGROUND_CHECK)
        .chain_verifier(peer_verifier(Role::Client))
        .max_early_data(1024)
        .build()
        .unwrap();
    let session = Session::new(
        Arc::new(config),
        Role::Client,
        None,
        Box::new(seat_binding::provider::aws_lc::AwsLcRandom),
    );
    let conn = ClientConnection::new(client_config, "localhost".try_into().unwrap()).unwrap();
    let mut stream =
        AttestedStream::establish(conn, sock, session, BinderHooks::default()).unwrap();
    let first = stream.peer_attestation().cloned().unwrap();
    stream.write_all(b"g").unwrap();
    stream.flush().unwrap();
    let mut bulk = vec![0u8; BULK];
    stream.read_exact(&mut bulk[..1]).unwrap();
    let err = stream.reattest().unwrap_err();
    let pending = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<ReattestPending>())
        .unwrap_or_else(|| panic!("{err}"));
    assert!(pending.buffered >= 1024, "{pending:?}");
    assert!(pending.buffered < BULK, "{pending:?}");
    assert!(stream.session().is_open());
    // Reading the data lets the exchange finish: its result becomes the peer's attestation.
    stream.read_exact(&mut bulk[1..]).unwrap();
    assert!(bulk.iter().all(|b| *b == 7));
    stream.write_all(b"done").unwrap();
    stream.flush().unwrap();
    let mut z = [0u8; 1];
    stream.read_exact(&mut z).unwrap();
    let second = stream.peer_attestation().cloned().unwrap();
    assert_ne!(first, second);
    stream.close().unwrap();
    server.join().unwrap();
}

/// The server's request in its first flight over TCP loopback: with 0.5-RTT data on
/// (`harden_server_config_for`) it leaves after the server's `Finished`; with it off
/// (`harden_server_config`) rustls holds it until the client's `Finished`; a server of the
/// order without it (`first_flight_request(false)`) sends it after the handshake. Mutual
/// attestation completes, and data flows, in each.
#[test]
fn the_first_flight_request_over_tcp_in_each_order() {
    for (half_rtt, first_flight) in [(true, true), (false, true), (true, false)] {
        let server_session = SessionConfig::builder(default_provider())
            .attests(Models::BACKGROUND_CHECK)
            .requires(Models::BACKGROUND_CHECK)
            .chain_verifier(peer_verifier(Role::Server))
            .first_flight_request(first_flight)
            .build()
            .unwrap();
        let (server_config, client_config) = tls_configs_hardened(|config| {
            if half_rtt {
                harden_server_config_for(config, &server_session);
                assert_eq!(config.send_half_rtt_data, first_flight);
            } else {
                harden_server_config(config);
            }
            assert_eq!(config.send_tls13_tickets, 0);
            assert_eq!(config.max_early_data_size, 0);
        });
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let session = Session::new(
                Arc::new(server_session),
                Role::Server,
                Some(credential()),
                Box::new(seat_binding::provider::aws_lc::AwsLcRandom),
            );
            assert_eq!(session.wants_server_flight(), first_flight);
            let mut stream = accept_server(&listener, server_config, session);
            assert!(stream.peer_attestation().is_some());
            let mut buf = [0u8; 4];
            stream.read_exact(&mut buf).unwrap();
            stream.write_all(&buf).unwrap();
            stream.flush().unwrap();
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest);
        });
        let mut stream = connect_client(addr, client_config, session(Role::Client));
        assert!(stream.peer_attestation().is_some());
        stream.write_all(b"ping").unwrap();
        stream.flush().unwrap();
        let mut buf = [0u8; 4];
        stream.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"ping");
        stream.close().unwrap();
        server.join().unwrap();
    }
}

/// Issue 18: one write far larger than rustls's send buffer (64 KiB by default) goes through
/// whole: the part rustls does not take at once is written as its records reach the socket
/// (it failed with `WriteZero` when the whole write was handed to rustls at once), and the
/// peer reads every byte once, in order.
#[test]
fn a_write_larger_than_rustls_buffer_arrives_whole() {
    const LEN: usize = 1024 * 1024 + 17;
    let data: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
    let expected = data.clone();
    let (server_config, client_config) = tls_configs();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let mut stream = accept_server(&listener, server_config, session(Role::Server));
        let mut got = vec![0u8; LEN];
        stream.read_exact(&mut got).unwrap();
        assert!(got == expected, "bytes lost, duplicated or reordered");
        stream.write_all(b"ok").unwrap();
        stream.flush().unwrap();
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
    });
    let mut stream = connect_client(addr, client_config, session(Role::Client));
    assert_eq!(stream.write(&data).unwrap(), LEN);
    stream.flush().unwrap();
    let mut ok = [0u8; 2];
    stream.read_exact(&mut ok).unwrap();
    assert_eq!(&ok, b"ok");
    stream.close().unwrap();
    server.join().unwrap();
}

/// One-way attestation over the blocking adapter: the server attests, the client requires it
/// (the client's hello and request leave with its `Finished`), then data both ways.
#[test]
fn server_only_attestation_over_tcp_loopback_then_data() {
    let (server_config, client_config) = tls_configs();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let one_way = |role: Role| {
        let (attests, requires) = match role {
            Role::Server => (Models::BACKGROUND_CHECK, Models::NONE),
            Role::Client => (Models::NONE, Models::BACKGROUND_CHECK),
        };
        session_for(role, attests, requires, Box::new(AwsLcRandom))
    };
    let server = std::thread::spawn(move || {
        let mut stream = accept_server(&listener, server_config, one_way(Role::Server));
        let mut buf = [0u8; 4];
        stream.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"ping");
        stream.write_all(b"pong").unwrap();
        stream.flush().unwrap();
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
    });
    let mut stream = connect_client(addr, client_config, one_way(Role::Client));
    assert!(stream.session().is_open());
    assert!(stream.peer_attestation().is_some());
    stream.write_all(b"ping").unwrap();
    stream.flush().unwrap();
    let mut buf = [0u8; 4];
    stream.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"pong");
    stream.close().unwrap();
    server.join().unwrap();
}
