//! The tokio adapter over real tokio-rustls connections on 127.0.0.1: the server attests and
//! the client appraises, mutual attestation, a rejection whose stage and reason reach both
//! sides' `io::Error`, a silent peer failing at its deadline (also one that stalls the TLS
//! handshake, on either side), and a re-attestation returning a fresh typed result.
//!
//! The hooks are a small real Attester and Verifier: the "Evidence" is a length-prefixed
//! record carrying the binder and the AIK hash it was asked to bind, and the appraisal parses
//! it strictly and compares both byte for byte with what the relying side recomputed.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use seat_binding::authenticator::Role;
use seat_binding::provider::{SignatureAlgorithm, SigningKey, default_provider};
use seat_proto::hooks::{
    AppraisalRequest, AttestationHooks, EvidenceRequest, Mechanism, Model, Rejection, Stage,
};
use seat_proto::session::{Credential, SessionConfig};
use seat_proto::shim::Models;
use seat_proto::tokio_glue::{AttestedAcceptor, AttestedConnector};
use seat_proto::{AttestationError, Error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::peer_verifier;

const TAG: &[u8] = b"test-evidence/1";

/// What an accepted appraisal yields: the binder and key hash the Evidence carried.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Appraised {
    model: Model,
    binder: Vec<u8>,
    aik_pub_hash: Vec<u8>,
}

/// Evidence: `TAG`, then the binder and the AIK hash, each with a one-byte length.
fn evidence(binder: &[u8], aik_pub_hash: &[u8]) -> Vec<u8> {
    let mut out = TAG.to_vec();
    for field in [binder, aik_pub_hash] {
        out.push(u8::try_from(field.len()).unwrap());
        out.extend_from_slice(field);
    }
    out
}

/// Parses [`evidence`] strictly.
fn parse(cmw: &[u8]) -> Result<(&[u8], &[u8]), Rejection> {
    let bad = || Rejection::new(Stage::Decode, "not test Evidence");
    let mut rest = cmw.strip_prefix(TAG).ok_or_else(bad)?;
    let mut field = || -> Result<&[u8], Rejection> {
        let (&len, tail) = rest.split_first().ok_or_else(bad)?;
        let (value, tail) = tail.split_at_checked(usize::from(len)).ok_or_else(bad)?;
        rest = tail;
        Ok(value)
    };
    let binder = field()?;
    let aik = field()?;
    if !rest.is_empty() {
        return Err(bad());
    }
    Ok((binder, aik))
}

#[derive(Clone, Default)]
struct TestHooks {
    /// The Attester flips a byte of the binder it was given (a relayed or forged quote).
    tampered: bool,
}

impl AttestationHooks for TestHooks {
    type Accepted = Appraised;

    fn produce_evidence(&mut self, request: &EvidenceRequest<'_>) -> Option<Vec<u8>> {
        let mut binder = request.binder.to_vec();
        if self.tampered {
            binder[0] ^= 1;
        }
        Some(evidence(&binder, request.aik_pub_hash))
    }

    fn appraise(&mut self, request: &AppraisalRequest<'_>) -> Result<Appraised, Rejection> {
        let Mechanism::Expat { model } = request.mechanism else {
            return Err(Rejection::new(Stage::Other, "not an expat appraisal"));
        };
        let (binder, aik) = parse(request.cmw)?;
        if binder != request.binder {
            return Err(Rejection::new(
                Stage::Binding,
                "the Evidence's nonce is not this connection's binder",
            ));
        }
        if aik != request.aik_pub_hash {
            return Err(Rejection::new(
                Stage::Binding,
                "the Evidence binds another key",
            ));
        }
        Ok(Appraised {
            model,
            binder: binder.to_vec(),
            aik_pub_hash: aik.to_vec(),
        })
    }
}

/// A self-signed P-256 AIK credential, rebuilt per connection.
struct Aik {
    chain: Vec<Vec<u8>>,
    key: Arc<dyn SigningKey>,
}

impl Aik {
    fn new() -> Arc<Self> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["tee.example".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        Arc::new(Self {
            chain: vec![cert.der().to_vec()],
            key: default_provider()
                .signing_key_from_pkcs8(
                    SignatureAlgorithm::EcdsaSecp256r1Sha256,
                    &key.serialize_der(),
                )
                .unwrap()
                .into(),
        })
    }

    fn credential(&self) -> Credential {
        Credential {
            chain: self
                .chain
                .iter()
                .cloned()
                .map(CertificateDer::from)
                .collect(),
            key: Arc::clone(&self.key),
        }
    }
}

fn tls() -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let server = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(cert.der().to_vec()))
        .unwrap();
    let client = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    (Arc::new(server), Arc::new(client))
}

/// A session configuration: `attests` and `requires`, a deadline of `timeout` seconds.
fn config(role: Role, attests: Models, requires: Models, timeout: u64) -> Arc<SessionConfig> {
    let mut b = SessionConfig::builder(default_provider())
        .attests(attests)
        .requires(requires)
        .exchange_timeout_secs(timeout);
    if !requires.is_empty() {
        b = b.chain_verifier(peer_verifier(role));
    }
    Arc::new(b.build().unwrap())
}

fn name() -> ServerName<'static> {
    ServerName::try_from("localhost").unwrap()
}

/// The session error inside an adapter's `io::Error`.
fn session_error(e: &io::Error) -> &Error {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<Error>())
        .unwrap_or_else(|| panic!("not a session error: {e:?}"))
}

struct Sides {
    acceptor: AttestedAcceptor<TestHooks>,
    connector: AttestedConnector<TestHooks>,
}

/// The server attests when `server_attests`, the client when `client_attests`; each side
/// requires what the other attests. `tampered` tampers the server's Attester.
fn sides(server_attests: bool, client_attests: bool, tampered: bool) -> Sides {
    sides_ordered(server_attests, client_attests, tampered, true)
}

/// As [`sides`], the server sending its request in its first flight when `first_flight`.
fn sides_ordered(
    server_attests: bool,
    client_attests: bool,
    tampered: bool,
    first_flight: bool,
) -> Sides {
    let (server_tls, client_tls) = tls();
    let m = |on: bool| {
        if on {
            Models::BACKGROUND_CHECK
        } else {
            Models::NONE
        }
    };
    let server_aik = Aik::new();
    let client_aik = Aik::new();
    let mut server_config =
        (*config(Role::Server, m(server_attests), m(client_attests), 30)).clone();
    server_config.first_flight_request = first_flight;
    let acceptor = AttestedAcceptor::new(server_tls, Arc::new(server_config), move || {
        (
            TestHooks { tampered },
            server_attests.then(|| server_aik.credential()),
        )
    });
    let connector = AttestedConnector::new(
        client_tls,
        config(Role::Client, m(client_attests), m(server_attests), 30),
        move || {
            (
                TestHooks::default(),
                client_attests.then(|| client_aik.credential()),
            )
        },
    );
    Sides {
        acceptor,
        connector,
    }
}

/// Runs an echo server for one connection on 127.0.0.1; returns its address and its task.
async fn echo_server(
    acceptor: AttestedAcceptor<TestHooks>,
) -> (
    std::net::SocketAddr,
    tokio::task::JoinHandle<io::Result<Option<Appraised>>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await?;
        let mut stream = acceptor.accept(tcp).await?;
        let mut buf = [0u8; 1024];
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            stream.write_all(&buf[..n]).await?;
            stream.flush().await?;
        }
        stream.shutdown().await?;
        Ok(stream.peer_attestation().cloned())
    });
    (addr, task)
}

#[tokio::test]
async fn server_attests_client_appraises_then_echo() {
    let s = sides(true, false, false);
    let (addr, server) = echo_server(s.acceptor).await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut stream = s.connector.connect(name(), tcp).await.unwrap();
    let appraised = stream.peer_attestation().cloned().unwrap();
    assert_eq!(appraised.model, Model::BackgroundCheck);
    // The binder is a hash of the negotiated suite's algorithm.
    let suite = stream.get_ref().1.negotiated_cipher_suite().unwrap();
    assert_eq!(
        appraised.binder.len(),
        suite.tls13().unwrap().common.hash_provider.output_len()
    );
    stream.write_all(b"hello").await.unwrap();
    let mut buf = [0u8; 5];
    stream.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"hello");
    stream.shutdown().await.unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    // The server required nothing of the client.
    assert_eq!(server.await.unwrap().unwrap(), None);
}

#[tokio::test]
async fn mutual_attestation_binds_each_side_to_its_own_binder() {
    let s = sides(true, true, false);
    let (addr, server) = echo_server(s.acceptor).await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut stream = s.connector.connect(name(), tcp).await.unwrap();
    let of_server = stream.peer_attestation().cloned().unwrap();
    stream.write_all(b"x").await.unwrap();
    let mut buf = [0u8; 1];
    stream.read_exact(&mut buf).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    let of_client = server.await.unwrap().unwrap().unwrap();
    // Two exchanges with their own contexts: the binders differ, and so do the AIKs.
    assert_ne!(of_server.binder, of_client.binder);
    assert_ne!(of_server.aik_pub_hash, of_client.aik_pub_hash);
}

/// The server's request in its first flight (0.5-RTT data: the acceptor turns it on for a
/// server that requires the client's attestation) and after the client's `Finished`, for
/// client-only and mutual attestation: both reach both gates, and data flows.
#[tokio::test]
async fn the_request_in_the_first_flight_or_after_the_finished_both_open_the_gates() {
    for first_flight in [true, false] {
        for server_attests in [false, true] {
            let s = sides_ordered(server_attests, true, false, first_flight);
            let (addr, server) = echo_server(s.acceptor).await;
            let tcp = TcpStream::connect(addr).await.unwrap();
            let mut stream = s.connector.connect(name(), tcp).await.unwrap();
            assert_eq!(stream.peer_attestation().is_some(), server_attests);
            stream.write_all(b"x").await.unwrap();
            let mut buf = [0u8; 1];
            stream.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"x");
            stream.shutdown().await.unwrap();
            let mut rest = Vec::new();
            stream.read_to_end(&mut rest).await.unwrap();
            let of_client = server.await.unwrap().unwrap();
            assert!(of_client.is_some(), "{first_flight} {server_attests}");
        }
    }
}

#[tokio::test]
async fn a_rejection_reaches_both_sides_with_its_stage_and_reason() {
    let s = sides(true, false, true);
    let (addr, server) = echo_server(s.acceptor).await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let err = s.connector.connect(name(), tcp).await.unwrap_err();
    // The relying party: its own Verifier's stage and reason.
    let Error::Attestation(AttestationError::Rejected(rejection)) = session_error(&err) else {
        panic!("{err}")
    };
    assert_eq!(rejection.stage, Stage::Binding);
    assert!(
        err.to_string()
            .contains("the Evidence's nonce is not this connection's binder"),
        "{err}"
    );
    // The attester: the error frame's detail.
    let err = server.await.unwrap().unwrap_err();
    assert!(
        matches!(session_error(&err), Error::PeerAborted { .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("the Evidence's nonce is not this connection's binder"),
        "{err}"
    );
}

#[tokio::test]
async fn a_silent_peer_fails_at_its_deadline() {
    let (server_tls, client_tls) = tls();
    let acceptor = AttestedAcceptor::new(
        server_tls,
        config(Role::Server, Models::NONE, Models::BACKGROUND_CHECK, 1),
        || (TestHooks::default(), None),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // The client completes TLS with plain tokio-rustls, then says nothing and keeps the
    // connection open.
    let client = tokio::spawn(async move {
        let tcp = TcpStream::connect(addr).await.unwrap();
        let mut tls = tokio_rustls::TlsConnector::from(client_tls)
            .connect(name(), tcp)
            .await
            .unwrap();
        let mut sink = Vec::new();
        let _ = tls.read_to_end(&mut sink).await;
    });
    let (tcp, _) = listener.accept().await.unwrap();
    let err = tokio::time::timeout(Duration::from_secs(20), acceptor.accept(tcp))
        .await
        .expect("the deadline did not fire")
        .unwrap_err();
    assert_eq!(
        session_error(&err),
        &Error::Attestation(AttestationError::PeerTimeout)
    );
    client.await.unwrap();
}

#[tokio::test]
async fn reattest_returns_a_fresh_accepted_result() {
    let s = sides(true, false, false);
    let (addr, server) = echo_server(s.acceptor).await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut stream = s.connector.connect(name(), tcp).await.unwrap();
    let first = stream.peer_attestation().cloned().unwrap();
    let second = stream.reattest().await.unwrap();
    assert_ne!(first.binder, second.binder);
    assert_eq!(first.aik_pub_hash, second.aik_pub_hash);
    assert_eq!(stream.peer_attestation(), Some(&second));
    // Data still flows both ways afterwards.
    stream.write_all(b"after").await.unwrap();
    let mut buf = [0u8; 5];
    stream.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"after");
    stream.shutdown().await.unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    server.await.unwrap().unwrap();
}

/// A peer that opens TCP and then stalls the TLS handshake fails `accept` at the exchange
/// timeout (found by the soak: before, the handshake had no deadline and the connection was
/// held for as long as the peer kept the socket open).
#[tokio::test]
async fn a_peer_stalling_the_tls_handshake_fails_accept_at_the_deadline() {
    let (server_tls, _) = tls();
    let acceptor = AttestedAcceptor::new(
        server_tls,
        config(Role::Server, Models::NONE, Models::BACKGROUND_CHECK, 1),
        || (TestHooks::default(), None),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Connects and says nothing, keeping the socket open until the test ends.
    let silent = TcpStream::connect(addr).await.unwrap();
    let (tcp, _) = listener.accept().await.unwrap();
    let err = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp))
        .await
        .expect("the TLS handshake has no deadline")
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
    assert!(err.to_string().contains("TLS handshake"), "{err}");
    drop(silent);
}

/// The same on the client: a server that accepts TCP and never answers the ClientHello fails
/// `connect` at the exchange timeout.
#[tokio::test]
async fn a_server_stalling_the_tls_handshake_fails_connect_at_the_deadline() {
    let (_, client_tls) = tls();
    let connector = AttestedConnector::new(
        client_tls,
        config(Role::Client, Models::NONE, Models::BACKGROUND_CHECK, 1),
        || (TestHooks::default(), None),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        // Reads the ClientHello and never answers, until the client gives up.
        let mut tcp = tcp;
        let mut sink = Vec::new();
        let _ = tcp.read_to_end(&mut sink).await;
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let err = tokio::time::timeout(Duration::from_secs(10), connector.connect(name(), tcp))
        .await
        .expect("the TLS handshake has no deadline")
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
    held.await.unwrap();
}

/// Issue 18: one read takes every record of data rustls already holds (as tokio-rustls's own
/// `poll_read` copies across records), not one record per read. Over an in-memory pipe the
/// three records reach the server together. Neither side requires attestation, so neither
/// waits for the other once both returned (the hellos still come first).
#[tokio::test]
async fn one_read_takes_the_records_of_data_rustls_holds() {
    let s = sides(false, false, false);
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let (server, client) = tokio::join!(
        s.acceptor.accept(server_io),
        s.connector.connect(name(), client_io)
    );
    let (mut server, mut client) = (server.unwrap(), client.unwrap());
    for piece in [&b"one "[..], b"two ", b"three "] {
        client.write_all(piece).await.unwrap();
    }
    client.flush().await.unwrap();
    let mut buf = [0u8; 1024];
    let n = server.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"one two three ");
}

/// An I/O that counts the writes that carried bytes; a vectored write goes down as one write
/// (as a socket's `writev`), so each write the TLS stream makes counts once.
struct CountingIo<T> {
    inner: T,
    writes: Arc<std::sync::atomic::AtomicUsize>,
}

impl<T: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for CountingIo<T> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for CountingIo<T> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        if let std::task::Poll::Ready(Ok(n)) = polled
            && n > 0
        {
            self.writes
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        polled
    }

    fn poll_write_vectored(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> std::task::Poll<io::Result<usize>> {
        let joined: Vec<u8> = bufs.iter().flat_map(|b| b.iter().copied()).collect();
        self.poll_write(cx, &joined)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Issue 18: the client's hello and its request for the server's attestation are written
/// before its handshake completes, so rustls sends them in the same write as its `Finished`:
/// the client writes twice until its gate opens (its ClientHello, then `Finished`, hello and
/// request), not three times.
#[tokio::test]
async fn the_clients_hello_and_request_leave_in_the_write_of_its_finished() {
    let s = sides(true, false, false);
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let writes = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = CountingIo {
        inner: client_io,
        writes: Arc::clone(&writes),
    };
    // The server keeps reading (it answers the client's request), as an echo server does.
    let server = tokio::spawn(async move {
        let mut stream = s.acceptor.accept(server_io).await?;
        let mut buf = [0u8; 64];
        while stream.read(&mut buf).await? > 0 {}
        io::Result::Ok(())
    });
    let client = s.connector.connect(name(), counted).await.unwrap();
    assert!(client.peer_attestation().is_some());
    assert_eq!(writes.load(std::sync::atomic::Ordering::Relaxed), 2);
    drop(client);
    let _ = server.await.unwrap();
}
