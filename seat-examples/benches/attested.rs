//! `cargo xtask bench`: the cost of an attested connection, every figure a ratio against its
//! baseline measured in the same run (criterion medians), printed as one table and one
//! `ratio NAME VALUE` line per ratio (issue 18).
//!
//! - Handshakes: a full rustls TLS 1.3 handshake with exactly the configurations the embedded
//!   roles use (no resumption), against the same handshake followed by expat attestation until
//!   both gates open, for mutual, server-only and client-only attestation in the background-check
//!   and passport models.
//! - The cryptographic floor: every signature and verification the attested exchange performs
//!   is counted, through a counting wrapper around the crypto provider (authenticators,
//!   Evidence, EARs) and counting wrappers around the path-validation algorithms (certificate
//!   chains); the floor is the sum of the counts times each operation's own median, measured
//!   here. The provider interface has no key agreement, and the exchange performs none.
//! - Data: application bytes through an open attested session against plain rustls, in 32 KiB
//!   writes and in many 64-byte writes, both in memory (the TLS records moved by hand, no
//!   socket). The attested side runs exactly the stream adapters' data path:
//!   `rustls_glue::write_data` (the session's data frames written vectored into rustls's
//!   writer) and `rustls_glue::read_plaintext` (rustls's plaintext read in place through the
//!   session into the delivered bytes); what it does not include is the adapters' copy of the
//!   delivered bytes into the reader's slice and the socket, which plain rustls would need
//!   too.
//! - Appraisal: the in-process Verifier on the simulated TEE's Evidence against the signature
//!   operations that appraisal counts.
//! - Idle memory: heap held by 10,000 open attested connections (rustls connection, session,
//!   drive loop and hooks) beyond 10,000 plain rustls connections, per connection, with a
//!   counting global allocator (stats_alloc).
//! - Connections per second: tokio on 127.0.0.1, a server runtime and a client runtime on two
//!   threads (both cores busy), full handshakes, attested (mutual background check) against
//!   plain tokio-rustls.
//! - Round trips after the TLS handshake until both gates open, per mode, counted in memory.
//!
//! `SEAT_BENCH_QUICK=1` (what `cargo xtask bench --quick` sets) shortens every measurement.

// Benchmark set-up unwraps fixtures it controls, indexes tables it built and prints its report.
#![allow(missing_docs)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::too_many_lines
)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use criterion::Criterion;
use rustls::pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};
use rustls::{ClientConnection, ConnectionCommon, ServerConnection};
use seat_binding::exporter::rustls_adapter::RustlsExporter;
use seat_binding::exporter::{CountingExporter, Exporter, RecordedExporter};
use seat_binding::key_schedule::Protocol;
use seat_binding::provider::aws_lc::AwsLcRandom;
use seat_binding::provider::{
    CryptoProvider, HashAlgorithm, HashContext, RandomSource, SignatureAlgorithm,
    SignatureEncoding, SigningKey, default_provider,
};
use seat_binding::{Digest, Secret};
use seat_evidence::attester::Attester;
use seat_evidence::sim::SimulatedTee;
use seat_examples::echo::Options;
use seat_examples::memory::{MemoryPair, Setup, move_tls};
use seat_proto::rustls_glue::{Plaintext, read_plaintext, release_read_buffer, write_data};
use seat_proto::shim::Models;
use seat_verify::embedded::{Embedded, Tee, reference_values, tee_config};
use seat_verify::verifier::{AppraisalRequest, Verifier};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// The time every connection is told (inside the simulated TEE's validity window).
const NOW: u64 = 1_790_000_000;

// ---------------------------------------------------------------------------------------------
// Counting crypto: every signature and verification, by operation and algorithm.

fn counts() -> &'static Mutex<BTreeMap<String, u64>> {
    static COUNTS: OnceLock<Mutex<BTreeMap<String, u64>>> = OnceLock::new();
    COUNTS.get_or_init(|| Mutex::new(BTreeMap::new()))
}

/// Whether operations are being counted (only during the one counted run of each mode).
static COUNTING: AtomicBool = AtomicBool::new(false);

fn count(what: &str) {
    if COUNTING.load(Ordering::Relaxed) {
        *counts()
            .lock()
            .unwrap()
            .entry(what.to_string())
            .or_default() += 1;
    }
}

fn take_counts() -> BTreeMap<String, u64> {
    std::mem::take(&mut *counts().lock().unwrap())
}

/// The symmetric cryptography of the counted run, apart from the signatures: hashes
/// finished and bytes hashed, HMACs, HKDF steps.
fn sym_counts() -> &'static Mutex<BTreeMap<&'static str, u64>> {
    static COUNTS: OnceLock<Mutex<BTreeMap<&'static str, u64>>> = OnceLock::new();
    COUNTS.get_or_init(|| Mutex::new(BTreeMap::new()))
}

fn count_sym(what: &'static str, n: usize) {
    if COUNTING.load(Ordering::Relaxed) {
        *sym_counts().lock().unwrap().entry(what).or_default() += n as u64;
    }
}

fn take_sym_counts() -> BTreeMap<&'static str, u64> {
    std::mem::take(&mut *sym_counts().lock().unwrap())
}

/// A running hash that counts the bytes it takes and the digests it gives.
struct CountingHash<'a>(Box<dyn HashContext + 'a>);

impl HashContext for CountingHash<'_> {
    fn update(&mut self, data: &[u8]) {
        count_sym("hash-bytes", data.len());
        self.0.update(data);
    }

    fn current(&self) -> Digest {
        count_sym("hash", 1);
        self.0.current()
    }
}

#[derive(Debug)]
struct CountingProvider(&'static dyn CryptoProvider);

#[derive(Debug)]
struct CountingKey(Box<dyn SigningKey>);

impl SigningKey for CountingKey {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.0.algorithm()
    }

    fn public_key_spki(&self) -> Vec<u8> {
        self.0.public_key_spki()
    }

    fn sign(
        &self,
        message: &[u8],
        encoding: SignatureEncoding,
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, seat_binding::Error> {
        count(&format!("sign {:?}", self.0.algorithm()));
        self.0.sign(message, encoding, rng)
    }
}

impl CryptoProvider for CountingProvider {
    fn hash(&self, alg: HashAlgorithm, parts: &[&[u8]]) -> Digest {
        count_sym("hash", 1);
        count_sym("hash-bytes", parts.iter().map(|p| p.len()).sum());
        self.0.hash(alg, parts)
    }

    fn hash_context(&self, alg: HashAlgorithm) -> Box<dyn HashContext + '_> {
        Box::new(CountingHash(self.0.hash_context(alg)))
    }

    fn hmac(&self, alg: HashAlgorithm, key: &[u8], parts: &[&[u8]]) -> Digest {
        count_sym("hmac", 1);
        self.0.hmac(alg, key, parts)
    }

    fn hkdf_extract(&self, alg: HashAlgorithm, salt: &[u8], ikm: &[u8]) -> Secret {
        count_sym("hkdf", 1);
        self.0.hkdf_extract(alg, salt, ikm)
    }

    fn hkdf_expand(
        &self,
        alg: HashAlgorithm,
        prk: &[u8],
        info: &[&[u8]],
        out_len: usize,
    ) -> Result<Secret, seat_binding::Error> {
        count_sym("hkdf", 1);
        self.0.hkdf_expand(alg, prk, info, out_len)
    }

    fn signing_key_from_pkcs8(
        &self,
        alg: SignatureAlgorithm,
        pkcs8_der: &[u8],
    ) -> Result<Box<dyn SigningKey>, seat_binding::Error> {
        count(&format!("load-key {alg:?}"));
        Ok(Box::new(CountingKey(
            self.0.signing_key_from_pkcs8(alg, pkcs8_der)?,
        )))
    }

    fn verify(
        &self,
        alg: SignatureAlgorithm,
        spki_der: &[u8],
        message: &[u8],
        signature: &[u8],
        encoding: SignatureEncoding,
    ) -> Result<(), seat_binding::Error> {
        count(&format!("verify {alg:?}"));
        self.0.verify(alg, spki_der, message, signature, encoding)
    }
}

fn counting_provider() -> &'static dyn CryptoProvider {
    static P: OnceLock<CountingProvider> = OnceLock::new();
    P.get_or_init(|| CountingProvider(default_provider()))
}

/// A path-validation algorithm that counts its verifications, named by the provider's
/// algorithm it corresponds to.
#[derive(Debug)]
struct CountingAlgorithm {
    inner: &'static dyn SignatureVerificationAlgorithm,
    name: String,
}

impl SignatureVerificationAlgorithm for CountingAlgorithm {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        count(&format!("verify {}", self.name));
        self.inner.verify_signature(public_key, message, signature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.public_key_alg_id()
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.signature_alg_id()
    }

    fn fips(&self) -> bool {
        self.inner.fips()
    }
}

fn counting_algorithms() -> seat_proto::chain::Algorithms {
    use rustls::pki_types::alg_id;
    static A: OnceLock<&'static [&'static dyn SignatureVerificationAlgorithm]> = OnceLock::new();
    A.get_or_init(|| {
        let wrapped: Vec<&'static dyn SignatureVerificationAlgorithm> =
            seat_proto::chain::DEFAULT_ALGORITHMS
                .iter()
                .map(|inner| {
                    let ids = (inner.public_key_alg_id(), inner.signature_alg_id());
                    let name = if ids == (alg_id::ECDSA_P256, alg_id::ECDSA_SHA256) {
                        format!("{:?}", SignatureAlgorithm::EcdsaSecp256r1Sha256)
                    } else if ids == (alg_id::ECDSA_P384, alg_id::ECDSA_SHA384) {
                        format!("{:?}", SignatureAlgorithm::EcdsaSecp384r1Sha384)
                    } else if ids == (alg_id::ED25519, alg_id::ED25519) {
                        format!("{:?}", SignatureAlgorithm::Ed25519)
                    } else {
                        format!("path-validation {:?}", ids.1)
                    };
                    let a: &'static CountingAlgorithm = Box::leak(Box::new(CountingAlgorithm {
                        inner: *inner,
                        name,
                    }));
                    a as &'static dyn SignatureVerificationAlgorithm
                })
                .collect();
        Box::leak(wrapped.into_boxed_slice())
    })
}

// ---------------------------------------------------------------------------------------------
// Set-up.

fn counted_tee(seed: u8) -> Tee {
    Arc::new(Mutex::new(
        SimulatedTee::new(tee_config(seed, false), counting_provider()).unwrap(),
    ))
}

/// The embedded roles for `opts`, every cryptographic operation of the attested exchange
/// through the counting provider and algorithms.
fn counted_setup(opts: Options) -> Setup {
    let server_tee = counted_tee(0x11);
    let client_tee = counted_tee(0x22);
    let p = counting_provider();
    let verifier = Verifier::builder(p)
        .reference_values(reference_values())
        .trust_attestation_key(
            "sim-tee-0",
            server_tee.lock().unwrap().attestation_key_spki(),
        )
        .trust_attestation_key(
            "sim-tee-1",
            client_tee.lock().unwrap().attestation_key_spki(),
        )
        .build(&mut AwsLcRandom)
        .unwrap();
    let trust =
        Arc::new(Embedded::from_verifier(verifier, p).with_chain_algorithms(counting_algorithms()));
    Setup::with_trust(opts, trust, &(&server_tee).into(), &(&client_tee).into()).unwrap()
}

struct Mode {
    name: &'static str,
    opts: Options,
}

fn modes() -> Vec<Mode> {
    let mut out = Vec::new();
    for (model_name, model) in [
        ("background", Models::BACKGROUND_CHECK),
        ("passport", Models::PASSPORT),
    ] {
        for (who, server, client) in [
            ("mutual", true, true),
            ("server", true, false),
            ("client", false, true),
        ] {
            out.push(Mode {
                name: Box::leak(format!("{who}_{model_name}").into_boxed_str()),
                opts: Options {
                    server_attests: server,
                    client_attests: client,
                    model,
                    // A client that attests does so with its TLS certificate's key; a client
                    // that does not attest has no certificate (plain server authentication).
                    client_certificate: client,
                    ..Options::default()
                },
            });
        }
    }
    out
}

/// The exporter values one attested exchange takes, both sides together: the two sessions
/// driven by hand (the exporter values a session takes do not depend on what carries its
/// bytes) over one recorded exporter of `hash`, counted.
fn exporter_values(setup: &Setup, hash: HashAlgorithm) -> u64 {
    use seat_proto::hooks::Driver;
    use seat_proto::session::Input;
    let peers = setup.peers(NOW).unwrap();
    let recorded = RecordedExporter::new(
        default_provider(),
        hash,
        Protocol::Tls13,
        Secret::from_slice(&vec![0x42; hash.output_len()]),
    )
    .unwrap();
    let exporter = CountingExporter::new(recorded);
    let mut sides = [
        (peers.client_session, Driver::new(peers.client_hooks)),
        (peers.server_session, Driver::new(peers.server_hooks)),
    ];
    let mut delivered = Vec::new();
    let mut flights: [Vec<u8>; 2] = Default::default();
    for (i, (session, driver)) in sides.iter_mut().enumerate() {
        let input = Input::Established {
            exporter: &exporter,
            now: NOW,
        };
        driver
            .handle(session, input, NOW, &mut flights[i], &mut delivered)
            .unwrap();
    }
    for _ in 0..32 {
        if flights.iter().all(Vec::is_empty) {
            break;
        }
        for from in 0..2 {
            let bytes = std::mem::take(&mut flights[from]);
            if bytes.is_empty() {
                continue;
            }
            let (session, driver) = &mut sides[1 - from];
            let input = Input::Received {
                bytes: &bytes,
                exporter: &exporter,
                now: NOW,
            };
            driver
                .handle(session, input, NOW, &mut flights[1 - from], &mut delivered)
                .unwrap();
        }
    }
    assert!(
        sides.iter().all(|(s, _)| s.is_open()),
        "the exchange driven by hand did not open both gates"
    );
    exporter.taken()
}

/// One full handshake with the roles' own rustls configurations and nothing else.
fn plain_handshake(setup: &Setup) {
    let mut client =
        ClientConnection::new(setup.client().tls_config(), "localhost".try_into().unwrap())
            .unwrap();
    let mut server = ServerConnection::new(setup.server().tls_config()).unwrap();
    while client.is_handshaking() || server.is_handshaking() {
        move_tls(&mut client, &mut server);
        move_tls(&mut server, &mut client);
    }
}

/// The handshake ratios again, from alternating rounds rather than from criterion's medians,
/// which are taken seconds apart: on a shared machine the speed drifts by more than the
/// differences measured (two identical plain handshakes, benched 40 s apart in one run,
/// differed by 15%). Each round times `per` plain handshakes, `per` attested ones and the
/// counted floor operations `per` times, back to back (plain first in even rounds, attested
/// first in odd ones); the ratios are the medians of the rounds' ratios.
struct Paired {
    /// attested / plain.
    over_plain: f64,
    /// (attested − plain) / floor.
    over_floor: f64,
}

fn paired(setup: &Setup, floor_once: &dyn Fn(), rounds: usize, per: usize) -> Paired {
    let time = |f: &dyn Fn()| {
        let start = Instant::now();
        for _ in 0..per {
            f();
        }
        start.elapsed().as_secs_f64()
    };
    let plain = || plain_handshake(setup);
    let attested = || {
        let pair = setup.connect(NOW).unwrap();
        assert!(pair.both_open());
    };
    let (mut over_plain, mut over_floor) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let (a, b) = if round % 2 == 0 {
            let a = time(&plain);
            (a, time(&attested))
        } else {
            let b = time(&attested);
            (time(&plain), b)
        };
        let c = time(floor_once);
        over_plain.push(b / a);
        over_floor.push((b - a) / c);
    }
    Paired {
        over_plain: median(over_plain),
        over_floor: median(over_floor),
    }
}

/// Round trips after the TLS handshake until both gates are open: one round trip is the
/// client's flight (the first one leaves with the client's TLS Finished) and the server's
/// answer; a gate open after the client's half counts a half.
fn round_trips(setup: &Setup) -> f64 {
    let mut pair = setup.handshake(NOW).unwrap();
    // The client answers what came with the server's flight before its first flight (the
    // one with its `Finished`) leaves.
    pair.client.pump_plaintext(NOW);
    let halves = pair.flights_until_open(NOW);
    assert!(pair.both_open(), "gates did not open");
    f64::from(halves) / 2.0
}

// ---------------------------------------------------------------------------------------------
// Data path.

/// The adapters' write path: the session's data frames, vectored into rustls's writer.
fn send_attested(pair: &mut MemoryPair, data: &[u8], spill: &mut Vec<u8>) {
    let side = &mut pair.client;
    write_data(&side.session, &mut side.tls.writer(), data, spill).unwrap();
    assert!(spill.is_empty(), "rustls took the whole write");
}

/// The adapters' read path: rustls's plaintext through the session into the delivered bytes.
fn receive_attested(pair: &mut MemoryPair, scratch: &mut Vec<u8>) -> usize {
    let side = &mut pair.server;
    let mut got = 0;
    loop {
        let read = read_plaintext(
            &mut side.tls,
            &mut side.session,
            &mut side.driver,
            NOW,
            scratch,
            &mut side.delivered,
        );
        match read {
            Ok(Plaintext::Fed(result)) => result.unwrap(),
            _ => break,
        }
        assert!(scratch.is_empty());
        got += side.delivered.len();
        side.delivered.clear();
    }
    got
}

/// `writes` writes of `piece` through plain rustls, moved across and read.
fn plain_transfer(
    client: &mut ClientConnection,
    server: &mut ServerConnection,
    piece: &[u8],
    writes: usize,
    buf: &mut [u8],
) {
    for _ in 0..writes {
        client.writer().write_all(piece).unwrap();
    }
    move_all(client, server);
    let mut got = 0;
    while got < piece.len() * writes {
        got += server.reader().read(buf).unwrap();
    }
}

/// The same through an open attested session, as the adapters carry it.
fn attested_transfer(pair: &mut MemoryPair, piece: &[u8], writes: usize, scratch: &mut Vec<u8>) {
    for _ in 0..writes {
        send_attested(pair, piece, scratch);
    }
    move_all(&mut pair.client.tls, &mut pair.server.tls);
    let got = receive_attested(pair, scratch);
    assert_eq!(got, piece.len() * writes);
}

fn move_all<A, B>(from: &mut ConnectionCommon<A>, to: &mut ConnectionCommon<B>) {
    while move_tls(from, to) {}
}

fn plain_pair(setup: &Setup) -> (ClientConnection, ServerConnection) {
    let mut client =
        ClientConnection::new(setup.client().tls_config(), "localhost".try_into().unwrap())
            .unwrap();
    let mut server = ServerConnection::new(setup.server().tls_config()).unwrap();
    while client.is_handshaking() || server.is_handshaking() {
        move_tls(&mut client, &mut server);
        move_tls(&mut server, &mut client);
    }
    (client, server)
}

// ---------------------------------------------------------------------------------------------
// Connections per second.

fn connections_per_sec(setup: &Setup, attested: bool, secs: f64) -> f64 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let acceptor = setup.server().acceptor();
    let plain_acceptor = tokio_rustls::TlsAcceptor::from(setup.server().tls_config());
    let server_stop = Arc::clone(&stop);
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let accepted =
                    tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
                if server_stop.load(Ordering::Relaxed) {
                    return;
                }
                let Ok(Ok((sock, _))) = accepted else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let plain_acceptor = plain_acceptor.clone();
                tokio::spawn(async move {
                    let mut one = [0u8; 1];
                    if attested {
                        if let Ok(mut s) = acceptor.accept(sock).await {
                            let _ = s.read(&mut one).await;
                        }
                    } else if let Ok(mut s) = plain_acceptor.accept(sock).await {
                        let _ = s.read(&mut one).await;
                    }
                });
            }
        });
    });
    let connector = setup.client().connector();
    let plain_connector = tokio_rustls::TlsConnector::from(setup.client().tls_config());
    let client_done = Arc::clone(&done);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    rt.block_on(async move {
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let connector = connector.clone();
            let plain_connector = plain_connector.clone();
            let done = Arc::clone(&client_done);
            tasks.push(tokio::spawn(async move {
                while started.elapsed().as_secs_f64() < secs {
                    let sock = tokio::net::TcpStream::connect(addr).await.unwrap();
                    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
                    if attested {
                        let mut s = connector.connect(name, sock).await.unwrap();
                        s.write_all(b"x").await.unwrap();
                        s.flush().await.unwrap();
                    } else {
                        let mut s = plain_connector.connect(name, sock).await.unwrap();
                        s.write_all(b"x").await.unwrap();
                        s.flush().await.unwrap();
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    server.join().unwrap();
    done.load(Ordering::Relaxed) as f64 / elapsed
}

/// Connections per second, plain and attested, in alternating rounds (plain first in odd
/// rounds, attested first in even ones) so that drift in the machine's speed falls on both:
/// the medians of each, and the median of the rounds' ratios.
struct Throughput {
    plain: f64,
    attested: f64,
    /// Attested over plain, per round.
    rounds: Vec<f64>,
    ratio: f64,
}

impl Throughput {
    fn measure(setup: &Setup, rounds: usize, secs: f64) -> Self {
        let (mut plain, mut attested, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let (p, a) = if round % 2 == 0 {
                let p = connections_per_sec(setup, false, secs);
                (p, connections_per_sec(setup, true, secs))
            } else {
                let a = connections_per_sec(setup, true, secs);
                (connections_per_sec(setup, false, secs), a)
            };
            plain.push(p);
            attested.push(a);
            ratios.push(a / p);
        }
        Self {
            plain: median(plain),
            attested: median(attested),
            ratio: median(ratios.clone()),
            rounds: ratios,
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

// ---------------------------------------------------------------------------------------------
// Idle memory.

/// Bytes allocated and not freed since the region began. stats_alloc counts a reallocation's
/// growth in `bytes_allocated` (its shrinking in `bytes_deallocated`) and again in
/// `bytes_reallocated`, so the live bytes are the first two alone.
fn live_bytes(region: &Region<'_, std::alloc::System>) -> i64 {
    let s = region.change();
    s.bytes_allocated as i64 - s.bytes_deallocated as i64
}

/// Heap per idle connection, in bytes: plain rustls connections; the rustls connections of
/// attested ones; what seat holds besides (the session, the drive loop with its accepted
/// attestation, the embedded hooks and their account), in total and by part.
struct Idle {
    plain_rustls: f64,
    attested_rustls: f64,
    seat: f64,
    session: f64,
    driver: f64,
    hooks: f64,
}

fn idle_session_bytes(setup: &Setup, n: usize) -> Idle {
    // Each connection idle as a socket adapter leaves it, waiting inside a read that found
    // nothing yet (rustls then holds no receive buffer grown for an earlier large record).
    let region = Region::new(GLOBAL);
    let plain: Vec<_> = (0..n)
        .map(|_| {
            let (mut c, mut s) = plain_pair(setup);
            release_read_buffer(&mut c);
            release_read_buffer(&mut s);
            (c, s)
        })
        .collect();
    let plain_bytes = live_bytes(&region);
    drop(plain);
    let region = Region::new(GLOBAL);
    let mut tls = Vec::with_capacity(n);
    let mut sessions = Vec::with_capacity(n);
    let mut drivers = Vec::with_capacity(n);
    for _ in 0..n {
        let pair = setup.connect(NOW).unwrap();
        assert!(pair.both_open());
        let MemoryPair {
            mut client,
            mut server,
            ..
        } = pair;
        // What an adapter holds per connection: the rustls connection, the session and the
        // drive loop with the production hooks (the memory pair's event log is the tests':
        // emptied).
        client.driver.hooks_mut().events = Vec::new();
        server.driver.hooks_mut().events = Vec::new();
        release_read_buffer(&mut client.tls);
        release_read_buffer(&mut server.tls);
        tls.push((client.tls, server.tls));
        sessions.push((client.session, server.session));
        drivers.push((client.driver, server.driver));
    }
    let total = live_bytes(&region);
    drop(sessions);
    let no_sessions = live_bytes(&region);
    // The drive loops' own state (the accepted attestation) goes; their hooks stay.
    let hooks: Vec<_> = drivers
        .into_iter()
        .map(|(c, s)| (c.into_hooks(), s.into_hooks()))
        .collect();
    let hooks_only = live_bytes(&region);
    drop(hooks);
    let tls_only = live_bytes(&region);
    drop(tls);
    // Per connection (each pair is two connections); the two vectors' own slots are
    // counted with what they hold.
    let per = |b: i64| b as f64 / (2.0 * n as f64);
    Idle {
        plain_rustls: per(plain_bytes),
        attested_rustls: per(tls_only),
        seat: per(total - tls_only),
        session: per(total - no_sessions),
        driver: per(no_sessions - hooks_only),
        hooks: per(hooks_only - tls_only),
    }
}

// ---------------------------------------------------------------------------------------------
// The report.

fn criterion_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")),
        PathBuf::from,
    );
    target.join("criterion")
}

/// The median of one benchmark, in nanoseconds, from criterion's estimates.
fn median_ns(group: &str, name: &str) -> f64 {
    let path = criterion_dir()
        .join(group)
        .join(name)
        .join("new")
        .join("estimates.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["median"]["point_estimate"].as_f64().unwrap()
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else if ns >= 1_000.0 {
        format!("{:.1} µs", ns / 1_000.0)
    } else {
        format!("{ns:.0} ns")
    }
}

fn main() {
    let quick = std::env::var("SEAT_BENCH_QUICK").is_ok_and(|v| v == "1");
    let mut c = Criterion::default()
        .output_directory(&criterion_dir())
        .configure_from_args();
    if quick {
        c = c
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_millis(1500))
            .sample_size(20);
    } else {
        c = c
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4))
            .sample_size(50);
    }
    let mut ratios: Vec<(String, f64)> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    // Handshakes, counted once per mode.
    let modes = modes();
    let setups: Vec<Setup> = modes.iter().map(|m| counted_setup(m.opts)).collect();
    let mut mode_counts = Vec::new();
    let mut mode_sym = Vec::new();
    let suite_hash = {
        let (client, _server) = plain_pair(&setups[0]);
        RustlsExporter::new(&client).unwrap().hash_algorithm()
    };
    for (m, setup) in modes.iter().zip(&setups) {
        plain_handshake(setup);
        // The TLS handshake (the baseline's own cryptography) is not counted; everything
        // after it until both gates open is.
        let mut pair = setup.handshake(NOW).unwrap();
        // The server's side of the TLS handshake too (the client's `Finished` flight, its
        // certificate checked): not counted.
        move_tls(&mut pair.client.tls, &mut pair.server.tls);
        COUNTING.store(true, Ordering::Relaxed);
        take_counts();
        take_sym_counts();
        pair.run();
        COUNTING.store(false, Ordering::Relaxed);
        assert!(pair.both_open(), "{}: {:?}", m.name, pair.account());
        let counted = take_counts();
        mode_counts.push(counted);
        let mut sym = take_sym_counts();
        sym.insert("exporter", exporter_values(setup, suite_hash));
        mode_sym.push(sym);
        notes.push(format!("round_trips {} {}", m.name, round_trips(setup)));
    }
    // The modes' attesting clients have TLS certificates, and rustls sends no 0.5-RTT data
    // (the server's request in its first flight) to a client it asked for one; the same
    // modes with a client authenticated by its authenticator only:
    for m in modes.iter().filter(|m| m.opts.client_attests) {
        let anonymous = counted_setup(Options {
            client_certificate: false,
            ..m.opts
        });
        notes.push(format!(
            "round_trips {}_anonymous_client {}",
            m.name,
            round_trips(&anonymous)
        ));
    }
    {
        let mut g = c.benchmark_group("handshake");
        for (m, setup) in modes.iter().zip(&setups) {
            g.bench_function(format!("plain_{}", m.name), |b| {
                b.iter(|| plain_handshake(setup));
            });
            g.bench_function(format!("attested_{}", m.name), |b| {
                b.iter(|| {
                    let pair = setup.connect(NOW).unwrap();
                    assert!(pair.both_open());
                });
            });
        }
        g.finish();
    }

    // The floor: each counted operation on its own.
    let mut ops: Vec<String> = mode_counts.iter().flat_map(|m| m.keys().cloned()).collect();
    ops.sort();
    ops.dedup();
    let identity = seat_verify::embedded::testing::Identity::self_signed("floor.example").unwrap();
    let floor_key = default_provider()
        .signing_key_from_pkcs8(
            SignatureAlgorithm::EcdsaSecp256r1Sha256,
            identity.pkcs8_der(),
        )
        .unwrap();
    let floor_message = [0x5au8; 130];
    let floor_spki = floor_key.public_key_spki();
    let floor_signature = floor_key
        .sign(&floor_message, SignatureEncoding::Tls, &mut AwsLcRandom)
        .unwrap();
    // The counted operations of one exchange, each done once (P-256, as the floor
    // benchmarks).
    let floor_once = |counted: &BTreeMap<String, u64>| {
        let p = default_provider();
        for (op, n) in counted {
            for _ in 0..*n {
                match op.split_once(' ').map(|(kind, _)| kind) {
                    Some("sign") => {
                        floor_key
                            .sign(&floor_message, SignatureEncoding::Tls, &mut AwsLcRandom)
                            .unwrap();
                    }
                    Some("verify") => p
                        .verify(
                            SignatureAlgorithm::EcdsaSecp256r1Sha256,
                            &floor_spki,
                            &floor_message,
                            &floor_signature,
                            SignatureEncoding::Tls,
                        )
                        .unwrap(),
                    _ => panic!("no floor operation for {op}"),
                }
            }
        }
    };
    {
        let p = default_provider();
        let mut g = c.benchmark_group("floor");
        let message = [0x5au8; 130];
        let mut rng = AwsLcRandom;
        for op in &ops {
            let (kind, alg) = op.split_once(' ').unwrap();
            let alg = match alg {
                "EcdsaSecp256r1Sha256" => SignatureAlgorithm::EcdsaSecp256r1Sha256,
                other => panic!("no floor benchmark for {other}"),
            };
            let key = p.signing_key_from_pkcs8(alg, identity.pkcs8_der()).unwrap();
            let spki = key.public_key_spki();
            let signature = key
                .sign(&message, SignatureEncoding::Tls, &mut rng)
                .unwrap();
            let id = op.replace(' ', "_");
            match kind {
                "sign" => g.bench_function(id, |b| {
                    b.iter(|| {
                        key.sign(&message, SignatureEncoding::Tls, &mut rng)
                            .unwrap()
                    });
                }),
                "verify" => g.bench_function(id, |b| {
                    b.iter(|| {
                        p.verify(alg, &spki, &message, &signature, SignatureEncoding::Tls)
                            .unwrap();
                    });
                }),
                "load-key" => g.bench_function(id, |b| {
                    b.iter(|| p.signing_key_from_pkcs8(alg, identity.pkcs8_der()).unwrap());
                }),
                other => panic!("unknown operation {other}"),
            };
        }
        g.finish();
    }

    // The symmetric floor: one exporter value from a live rustls connection (seat's adapter,
    // the negotiated suite), one HMAC, and a hash of 64 bytes and of 4 KiB (a fixed cost per
    // digest and a cost per byte).
    {
        let p = default_provider();
        let mut g = c.benchmark_group("floor_symmetric");
        let (client, _server) = plain_pair(&setups[0]);
        let exporter = RustlsExporter::new(&client).unwrap();
        let label = b"EXPORTER-server authenticator finished key";
        let len = suite_hash.output_len();
        g.bench_function("exporter", |b| {
            b.iter(|| exporter.export(label, None, len).unwrap());
        });
        let key = vec![0x17u8; len];
        let text = vec![0x5au8; 4096];
        g.bench_function("hmac", |b| {
            b.iter(|| p.hmac(suite_hash, &key, &[&text[..len]]));
        });
        g.bench_function("hash_64", |b| b.iter(|| p.hash(suite_hash, &[&text[..64]])));
        g.bench_function("hash_4k", |b| b.iter(|| p.hash(suite_hash, &[&text])));
        g.finish();
    }

    // Data.
    let data_setup = &setups[0];
    let chunk = vec![0xa5u8; 32 * 1024];
    let small = [0x5au8; 64];
    const SMALL_WRITES: usize = 256;
    let (mut pc, mut ps) = plain_pair(data_setup);
    let mut buf = vec![0u8; 64 * 1024];
    let mut pair = data_setup.connect(NOW).unwrap();
    assert!(pair.both_open());
    let mut scratch = Vec::new();
    {
        let mut g = c.benchmark_group("data");
        g.bench_function("plain_32k", |b| {
            b.iter(|| plain_transfer(&mut pc, &mut ps, &chunk, 1, &mut buf));
        });
        g.bench_function("plain_64x256", |b| {
            b.iter(|| plain_transfer(&mut pc, &mut ps, &small, SMALL_WRITES, &mut buf));
        });
        g.bench_function("attested_32k", |b| {
            b.iter(|| attested_transfer(&mut pair, &chunk, 1, &mut scratch));
        });
        g.bench_function("attested_64x256", |b| {
            b.iter(|| attested_transfer(&mut pair, &small, SMALL_WRITES, &mut scratch));
        });
        g.finish();
    }
    // The data ratios again from alternating rounds (see `paired`): plain / attested time.
    let data_rounds = if quick { 15 } else { 60 };
    let mut data_paired = Vec::new();
    for (piece, writes, per) in [(&chunk[..], 1, 200), (&small[..], SMALL_WRITES, 20)] {
        let mut ratios = Vec::new();
        for round in 0..data_rounds {
            let mut plain = || {
                let start = Instant::now();
                for _ in 0..per {
                    plain_transfer(&mut pc, &mut ps, piece, writes, &mut buf);
                }
                start.elapsed().as_secs_f64()
            };
            let (p, a) = if round % 2 == 0 {
                let p = plain();
                let start = Instant::now();
                for _ in 0..per {
                    attested_transfer(&mut pair, piece, writes, &mut scratch);
                }
                (p, start.elapsed().as_secs_f64())
            } else {
                let start = Instant::now();
                for _ in 0..per {
                    attested_transfer(&mut pair, piece, writes, &mut scratch);
                }
                let a = start.elapsed().as_secs_f64();
                (plain(), a)
            };
            ratios.push(p / a);
        }
        data_paired.push(median(ratios));
    }

    // Appraisal of the simulated TEE's Evidence by the in-process Verifier, as the background
    // check runs it, against the signature operations it performs (counted).
    let tee = counted_tee(0x33);
    let verifier = Verifier::builder(counting_provider())
        .reference_values(reference_values())
        .trust_attestation_key("sim-tee-0", tee.lock().unwrap().attestation_key_spki())
        .build(&mut AwsLcRandom)
        .unwrap();
    let binder = [0x42u8; 32];
    let aik = [0x17u8; 32];
    let evidence = tee
        .lock()
        .unwrap()
        .attest(&seat_evidence::attester::EvidenceRequest {
            binder: &binder,
            aik_pub_hash: &aik,
            now_unix_secs: NOW,
        })
        .unwrap();
    let request = AppraisalRequest {
        cmw: &evidence,
        binder: &binder,
        aik_pub_hash: &aik,
        now_unix_secs: NOW,
    };
    // The in-process background check's appraisal: its EAR is not signed.
    let appraise = || verifier.appraise_unsigned(&request, seat_verify::rp::BindingLevel::Exchange);
    COUNTING.store(true, Ordering::Relaxed);
    take_counts();
    appraise().unwrap();
    COUNTING.store(false, Ordering::Relaxed);
    let appraisal_counts = take_counts();
    {
        let mut g = c.benchmark_group("appraisal");
        g.bench_function("sim_tee_in_process", |b| b.iter(|| appraise().unwrap()));
        g.finish();
    }

    c.final_summary();

    // The handshake ratios from alternating rounds.
    let (rounds, per) = if quick { (15, 10) } else { (60, 10) };
    let paired: Vec<Paired> = setups
        .iter()
        .zip(&mode_counts)
        .map(|(setup, counted)| paired(setup, &|| floor_once(counted), rounds, per))
        .collect();

    // Connections per second and idle memory: measured outside criterion.
    let cps_setup = &setups[0];
    let cps = Throughput::measure(cps_setup, if quick { 3 } else { 9 }, 2.0);
    let (plain_cps, attested_cps) = (cps.plain, cps.attested);
    let n_idle = if quick { 2_000 } else { 10_000 };
    let idle = idle_session_bytes(cps_setup, n_idle);

    // Table.
    println!("## seat bench report");
    println!("| bench | median |");
    println!("| --- | --- |");
    let row = |group: &str, name: &str| {
        let ns = median_ns(group, name);
        println!("| {group}/{name} | {} |", fmt_ns(ns));
        ns
    };
    let mut floor_unit = BTreeMap::new();
    for op in &ops {
        floor_unit.insert(op.clone(), row("floor", &op.replace(' ', "_")));
    }
    let exporter_unit = row("floor_symmetric", "exporter");
    let hmac_unit = row("floor_symmetric", "hmac");
    let hash_unit = row("floor_symmetric", "hash_64");
    let hash_4k = row("floor_symmetric", "hash_4k");
    let per_byte = (hash_4k - hash_unit) / (4096.0 - 64.0);
    for (((m, counted), sym), paired) in modes.iter().zip(&mode_counts).zip(&mode_sym).zip(&paired)
    {
        let a = row("handshake", &format!("plain_{}", m.name));
        let b = row("handshake", &format!("attested_{}", m.name));
        let floor: f64 = counted
            .iter()
            .map(|(op, n)| floor_unit[op] * *n as f64)
            .sum();
        let what: Vec<String> = counted.iter().map(|(op, n)| format!("{n} {op}")).collect();
        notes.push(format!(
            "crypto {}: {} (floor {}; key agreements 0)",
            m.name,
            what.join(", "),
            fmt_ns(floor)
        ));
        // The symmetric cryptography the exchange performs, priced by the units above (an
        // HKDF step at the price of an HMAC); the record layer's AEAD over the attestation
        // bytes is not counted.
        let n = |k: &str| sym.get(k).copied().unwrap_or(0) as f64;
        let symmetric = n("exporter") * exporter_unit
            + (n("hmac") + n("hkdf")) * hmac_unit
            + n("hash") * hash_unit
            + n("hash-bytes") * per_byte;
        notes.push(format!(
            "symmetric {}: {} exporter values, {} HMACs, {} HKDF steps, {} digests over {} bytes (floor {})",
            m.name,
            n("exporter"),
            n("hmac"),
            n("hkdf"),
            n("hash"),
            n("hash-bytes"),
            fmt_ns(symmetric)
        ));
        ratios.push((format!("attested_over_plain_handshake_{}", m.name), b / a));
        ratios.push((
            format!("attested_over_plain_handshake_{}_paired", m.name),
            paired.over_plain,
        ));
        ratios.push((
            format!("attestation_over_full_crypto_floor_{}", m.name),
            (b - a) / (floor + symmetric),
        ));
        ratios.push((
            format!("attestation_over_crypto_floor_{}", m.name),
            (b - a) / floor,
        ));
        ratios.push((
            format!("attestation_over_crypto_floor_{}_paired", m.name),
            paired.over_floor,
        ));
        // The symmetric part is not timed in the rounds: scaled by its share of the
        // criterion floor.
        ratios.push((
            format!("attestation_over_full_crypto_floor_{}_paired", m.name),
            paired.over_floor * floor / (floor + symmetric),
        ));
    }
    let p32 = row("data", "plain_32k");
    let a32 = row("data", "attested_32k");
    let psmall = row("data", "plain_64x256");
    let asmall = row("data", "attested_64x256");
    ratios.push(("data_attested_over_plain_32k".into(), p32 / a32));
    ratios.push(("data_attested_over_plain_32k_paired".into(), data_paired[0]));
    ratios.push(("data_attested_over_plain_64x256".into(), psmall / asmall));
    ratios.push((
        "data_attested_over_plain_64x256_paired".into(),
        data_paired[1],
    ));
    let appraisal = row("appraisal", "sim_tee_in_process");
    let appraisal_floor: f64 = appraisal_counts
        .iter()
        .map(|(op, n)| floor_unit.get(op).copied().unwrap_or(f64::NAN) * *n as f64)
        .sum();
    let what: Vec<String> = appraisal_counts
        .iter()
        .map(|(op, n)| format!("{n} {op}"))
        .collect();
    notes.push(format!(
        "crypto appraisal sim_tee: {} (floor {})",
        what.join(", "),
        fmt_ns(appraisal_floor)
    ));
    ratios.push((
        "appraisal_over_signature_floor_sim_tee".into(),
        appraisal / appraisal_floor,
    ));
    println!(
        "| connections/s plain (tokio, 127.0.0.1; median of {} rounds) | {plain_cps:.0} |",
        cps.rounds.len()
    );
    println!("| connections/s attested mutual_background (median) | {attested_cps:.0} |");
    println!(
        "| connections/s attested over plain, each round | {} |",
        cps.rounds
            .iter()
            .map(|r| format!("{r:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "| heap per idle connection, plain rustls ({n_idle} pairs) | {:.0} B |",
        idle.plain_rustls
    );
    println!(
        "| heap per idle connection, rustls of an attested one | {:.0} B |",
        idle.attested_rustls
    );
    println!(
        "| heap per idle connection, seat's session, drive loop and hooks | {:.0} B |",
        idle.seat
    );
    println!(
        "| of which the session / the drive loop's state / the hooks | {:.0} B / {:.0} B / {:.0} B |",
        idle.session, idle.driver, idle.hooks
    );
    ratios.push(("attested_over_plain_connections_per_sec".into(), cps.ratio));
    // Everything an idle attested connection holds beyond a plain rustls one: seat's own
    // state, and whatever its rustls connection holds more after the attestation traffic.
    ratios.push((
        "idle_session_bytes".into(),
        idle.seat + idle.attested_rustls - idle.plain_rustls,
    ));
    println!();
    for n in &notes {
        println!("{n}");
    }
    for (name, value) in &ratios {
        println!("ratio {name} {value:.3}");
    }
}
