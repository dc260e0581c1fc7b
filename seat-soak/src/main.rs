//! The soak of attested TLS over tokio (`cargo xtask soak`): many concurrent attested
//! connections on 127.0.0.1, mutually attested with the embedded defaults (background check
//! and passport mixed), each streaming checksummed data both ways and re-attesting
//! periodically, while a fault-injecting proxy sits in front of a share of them.
//!
//! ```text
//! seat-soak [--connections N] [--secs S] [--fault-share P] [--quick]
//!           [--deadline S] [--reattest-every S] [--pace-ms MS] [--ramp-secs S] [--seed N]
//!           [--fault-window BYTES] [--faults close-fin,close-rst,truncate,stall,stall-hold,garbage-insert,garbage-overwrite,delay]
//! ```
//!
//! It prints a table and `soak NAME VALUE` lines, and exits non-zero when an invariant breaks:
//! a connection's bytes did not arrive intact, a connection without a fault failed, a
//! connection neither completed nor failed within its bound (a hang), or tasks or file
//! descriptors did not return to their baseline. See ARCHITECTURE.md, "Soak".
#![forbid(unsafe_code)]

mod proxy;
mod traffic;

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rustls::pki_types::ServerName;
use seat_proto::shim::Models;
use seat_proto::tokio_glue::{AttestedAcceptor, AttestedConnector};
use seat_verify::embedded::testing::Identity;
use seat_verify::embedded::{Client, Embedded, EmbeddedHooks, Server, reference_tee};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

use crate::proxy::{Fault, FaultKind};
use crate::traffic::{Frame, MAX_CHUNK, Rng, Tally};

/// The run's settings.
#[derive(Clone, Debug)]
struct Options {
    connections: usize,
    secs: u64,
    fault_share: f64,
    /// The session's exchange timeout (the deadline a stalled peer passes).
    deadline: u64,
    reattest_every: Duration,
    pace: Duration,
    ramp: Duration,
    seed: u64,
    /// The fault kinds to draw from (all by default).
    faults: Vec<FaultKind>,
    /// A sixth of the faults apply on the first record, a third within this many bytes of
    /// the start (the TLS handshake and the first attestations), half anywhere in the traffic.
    fault_window: u64,
}

impl Options {
    fn full() -> Self {
        Self {
            connections: 1000,
            secs: 60,
            fault_share: 0.2,
            deadline: 10,
            reattest_every: Duration::from_secs(10),
            pace: Duration::from_millis(100),
            ramp: Duration::from_secs(10),
            seed: seat_verify::embedded::now(),
            faults: FaultKind::ALL.to_vec(),
            fault_window: 12 * 1024,
        }
    }

    fn quick() -> Self {
        Self {
            connections: 50,
            secs: 12,
            fault_share: 0.3,
            deadline: 3,
            reattest_every: Duration::from_secs(3),
            pace: Duration::from_millis(20),
            ramp: Duration::from_secs(2),
            ..Self::full()
        }
    }

    fn parse(args: &[String]) -> Result<Self, String> {
        let mut opts = if args.iter().any(|a| a == "--quick") {
            Self::quick()
        } else {
            Self::full()
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            if flag == "--quick" {
                continue;
            }
            let value = it
                .next()
                .ok_or_else(|| format!("{flag} needs a value"))?
                .as_str();
            let num = || {
                value
                    .parse::<u64>()
                    .map_err(|_| format!("{flag}: `{value}` is not a whole number"))
            };
            match flag.as_str() {
                "--connections" => {
                    opts.connections = usize::try_from(num()?).map_err(|e| e.to_string())?;
                }
                "--secs" => opts.secs = num()?,
                "--fault-share" => {
                    opts.fault_share = value
                        .parse::<f64>()
                        .ok()
                        .filter(|p| (0.0..=1.0).contains(p))
                        .ok_or_else(|| format!("--fault-share: `{value}` is not in 0..=1"))?;
                }
                "--deadline" => opts.deadline = num()?.max(1),
                "--reattest-every" => opts.reattest_every = Duration::from_secs(num()?.max(1)),
                "--pace-ms" => opts.pace = Duration::from_millis(num()?),
                "--ramp-secs" => opts.ramp = Duration::from_secs(num()?),
                "--seed" => opts.seed = num()?,
                "--fault-window" => opts.fault_window = num()?,
                "--faults" => {
                    opts.faults = value
                        .split(',')
                        .map(|name| {
                            FaultKind::ALL
                                .iter()
                                .copied()
                                .find(|k| k.name() == name)
                                .ok_or_else(|| format!("--faults: unknown fault `{name}`"))
                        })
                        .collect::<Result<_, _>>()?;
                }
                other => return Err(format!("unknown flag `{other}`")),
            }
        }
        Ok(opts)
    }

    /// How long a stalled direction is held: well past the deadline.
    fn stall(&self) -> Duration {
        Duration::from_secs(2 * self.deadline + 1)
    }

    /// About the bytes one direction of a connection carries (so that most faults drawn
    /// anywhere in it are reached): a round per four paces (the pace, the round trip and the
    /// load), 4 KiB a chunk on average.
    fn traffic_estimate(&self) -> u64 {
        let rounds_per_sec = 1000 / (4 * u64::try_from(self.pace.as_millis()).unwrap_or(1).max(1));
        (rounds_per_sec.max(1) * 4096 * self.secs).max(64 * 1024)
    }

    /// How long an end waits for the peer's next frame before giving up (an application
    /// timeout: the session has deadlines for attestation, not for application data). Longer
    /// than a stall, which a connection survives.
    fn idle(&self) -> Duration {
        self.stall() + Duration::from_secs(self.deadline + 1)
    }

    /// How long one connection may take, from its start, before it counts as a hang: its
    /// traffic, a stall, a few deadlines (handshake, a re-attestation, the close) and slack.
    fn bound(&self) -> Duration {
        Duration::from_secs(self.secs + 4 * self.deadline + 20) + self.ramp + self.idle()
    }
}

/// Counters shared by every connection.
#[derive(Debug, Default)]
struct Stats {
    open: AtomicU64,
    peak_open: AtomicU64,
    attestations: AtomicU64,
    reattestations: AtomicU64,
}

impl Stats {
    fn opened(&self) {
        let now = self.open.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak_open.fetch_max(now, Ordering::Relaxed);
    }

    fn closed(&self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How one end of a connection went.
#[derive(Debug, Default)]
struct Side {
    /// `None` when it completed; else the reason it failed.
    failure: Option<String>,
    /// The failure was a soak integrity check (bytes lost or changed).
    corrupt: bool,
    sent: Tally,
    received: Tally,
}

/// The error text a failure is grouped by: the library's error (its name and Display) or the
/// I/O error's kind and text, digits folded so that counts and ids do not split groups.
fn reason(e: &io::Error) -> String {
    let text = match e
        .get_ref()
        .and_then(|r| r.downcast_ref::<seat_proto::Error>())
    {
        Some(inner) => format!("session {}: {inner}", inner.name()),
        // rustls appends a link to its manual to some messages: not part of the reason.
        None => {
            let text = e.to_string();
            let text = text.split(": https://").next().unwrap_or_default();
            format!("io {:?}: {text}", e.kind())
        }
    };
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !out.ends_with('#') {
                out.push('#');
            }
        } else {
            out.push(c);
        }
    }
    out.chars().take(140).collect()
}

type Stream = seat_proto::tokio_glue::AttestedStream<TcpStream, EmbeddedHooks>;

/// Which configuration a connection uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Profile {
    /// Mutual background check; the client anonymous (a key its TEE mints per connection).
    BackgroundCheck,
    /// Mutual passports; the client with a certificate.
    Passport,
}

impl Profile {
    const fn name(self) -> &'static str {
        match self {
            Self::BackgroundCheck => "background-check",
            Self::Passport => "passport",
        }
    }
}

/// The acceptor and connector of one profile.
struct Ends {
    acceptor: AttestedAcceptor<EmbeddedHooks>,
    connector: AttestedConnector<EmbeddedHooks>,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The embedded defaults of each profile, with the session deadline shortened to `deadline`.
fn profiles(deadline: u64) -> Result<[(Profile, Ends); 2], Error> {
    let (server_tee, client_tee) = (reference_tee(0x11)?, reference_tee(0x22)?);
    let trust = Embedded::trusting(&[&server_tee, &client_tee])?;
    let server_id = Identity::self_signed("localhost")?;
    let client_id = Identity::self_signed("client.localhost")?;
    let bg = Models::BACKGROUND_CHECK;
    let pp = Models::PASSPORT;
    let bg_server = Server::builder(&trust, &server_id)
        .attests_with(&server_tee, bg)
        .requires(bg)
        .dangerous_anonymous_clients()
        .build()?;
    let bg_client = Client::builder(&trust)
        .trusts(&server_id)
        .attests_with(&client_tee, bg)
        .requires(bg)
        .build()?;
    let pp_server = Server::builder(&trust, &server_id)
        .attests_with(&server_tee, pp)
        .requires(pp)
        .client_certificate(&client_id)
        .build()?;
    let pp_client = Client::builder(&trust)
        .trusts(&server_id)
        .attests_with(&client_tee, pp)
        .requires(pp)
        .certificate(&client_id)
        .build()?;
    let ends = |server: &Server, client: &Client| {
        let mut server_config = (*server.session_config()).clone();
        server_config.exchange_timeout_secs = deadline;
        let mut client_config = (*client.session_config()).clone();
        client_config.exchange_timeout_secs = deadline;
        Ends {
            acceptor: AttestedAcceptor::new(
                server.tls_config(),
                Arc::new(server_config),
                server.per_connection(),
            ),
            connector: AttestedConnector::new(
                client.tls_config(),
                Arc::new(client_config),
                client.per_connection(),
            ),
        }
    };
    Ok([
        (Profile::BackgroundCheck, ends(&bg_server, &bg_client)),
        (Profile::Passport, ends(&pp_server, &pp_client)),
    ])
}

/// What one connection is to do.
#[derive(Clone)]
struct Plan {
    id: u64,
    profile: Profile,
    fault: Option<Fault>,
    /// When the client stops streaming and sends its trailer.
    end_at: Instant,
    opts: Arc<Options>,
    stats: Arc<Stats>,
}

/// The client end: connects (through the proxy when faulted), streams in lockstep until
/// `end_at`, re-attesting the server periodically, then exchanges trailers and closes.
async fn client_side(
    connector: AttestedConnector<EmbeddedHooks>,
    addr: SocketAddr,
    plan: Plan,
) -> Side {
    let mut side = Side::default();
    let mut opened = false;
    let result = async {
        let tcp = TcpStream::connect(addr).await?;
        let name = ServerName::try_from("localhost").map_err(io::Error::other)?;
        let mut stream = connector.connect(name, tcp).await?;
        plan.stats.opened();
        opened = true;
        if stream.peer_attestation().is_some() {
            plan.stats.attestations.fetch_add(1, Ordering::Relaxed);
        }
        let mut rng = Rng::new(plan.opts.seed ^ plan.id.wrapping_mul(0x1000_0001));
        let mut buf = Vec::new();
        let mut last = Instant::now();
        while Instant::now() < plan.end_at {
            let len = usize::try_from(rng.range(1, MAX_CHUNK as u64)).unwrap_or(1);
            traffic::send_chunk(&mut stream, &mut rng, len, &mut side.sent, &mut buf).await?;
            match read_frame(&mut stream, &mut side.received, &mut buf, plan.opts.idle()).await? {
                Frame::Chunk => {}
                Frame::Trailer { .. } => return Err(protocol("a trailer before the client's")),
            }
            if last.elapsed() >= plan.opts.reattest_every {
                stream.reattest().await?;
                plan.stats.reattestations.fetch_add(1, Ordering::Relaxed);
                last = Instant::now();
            }
            tokio::time::sleep(plan.opts.pace).await;
        }
        traffic::send_trailer(&mut stream, &side.sent).await?;
        match read_frame(&mut stream, &mut side.received, &mut buf, plan.opts.idle()).await? {
            Frame::Trailer { bytes, digest } => {
                if let Err(e) = traffic::check_trailer(&side.received, bytes, &digest) {
                    side.corrupt = true;
                    return Err(e);
                }
            }
            Frame::Chunk => return Err(protocol("a chunk after the client's trailer")),
        }
        stream.shutdown().await?;
        // Until the server's close_notify: then both ends have said everything.
        drain_to_eof(&mut stream, plan.opts.idle()).await
    }
    .await;
    if opened {
        plan.stats.closed();
    }
    side.failure = result.err().map(|e| reason(&e));
    side
}

/// The server end: accepts one connection, answers each chunk with one of its own,
/// re-attests the client periodically, checks the client's trailer and sends its own.
async fn server_side(
    acceptor: AttestedAcceptor<EmbeddedHooks>,
    listener: TcpListener,
    plan: Plan,
) -> Side {
    let mut side = Side::default();
    let result = async {
        let (tcp, _) = listener.accept().await?;
        drop(listener);
        let mut stream: Stream = acceptor.accept(tcp).await?;
        if stream.peer_attestation().is_some() {
            plan.stats.attestations.fetch_add(1, Ordering::Relaxed);
        }
        let mut rng = Rng::new(!(plan.opts.seed ^ plan.id.wrapping_mul(0x2000_0003)));
        let mut buf = Vec::new();
        let mut last = Instant::now();
        loop {
            match read_frame(&mut stream, &mut side.received, &mut buf, plan.opts.idle()).await? {
                Frame::Chunk => {
                    let len = usize::try_from(rng.range(1, MAX_CHUNK as u64)).unwrap_or(1);
                    traffic::send_chunk(&mut stream, &mut rng, len, &mut side.sent, &mut buf)
                        .await?;
                    if last.elapsed() >= plan.opts.reattest_every {
                        stream.reattest().await?;
                        plan.stats.reattestations.fetch_add(1, Ordering::Relaxed);
                        last = Instant::now();
                    }
                }
                Frame::Trailer { bytes, digest } => {
                    if let Err(e) = traffic::check_trailer(&side.received, bytes, &digest) {
                        side.corrupt = true;
                        return Err(e);
                    }
                    break;
                }
            }
        }
        traffic::send_trailer(&mut stream, &side.sent).await?;
        drain_to_eof(&mut stream, plan.opts.idle()).await?;
        stream.shutdown().await
    }
    .await;
    side.failure = result.err().map(|e| reason(&e));
    side
}

fn protocol(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("soak protocol: {what}"))
}

fn silent(idle: Duration) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!(
            "soak application: the peer sent nothing for {} s",
            idle.as_secs()
        ),
    )
}

/// Reads one frame, giving up after `idle`.
async fn read_frame(
    stream: &mut Stream,
    received: &mut Tally,
    buf: &mut Vec<u8>,
    idle: Duration,
) -> io::Result<Frame> {
    tokio::time::timeout(idle, traffic::read_frame(stream, received, buf))
        .await
        .map_err(|_| silent(idle))?
}

/// Reads until the peer's close (anything else is a protocol error), giving up after `idle`.
async fn drain_to_eof(stream: &mut Stream, idle: Duration) -> io::Result<()> {
    let mut byte = [0u8; 1];
    match tokio::time::timeout(idle, stream.read(&mut byte))
        .await
        .map_err(|_| silent(idle))??
    {
        0 => Ok(()),
        _ => Err(protocol("data after the trailer")),
    }
}

/// How a whole connection went.
#[derive(Debug)]
struct Outcome {
    profile: Profile,
    fault: Option<FaultKind>,
    fault_plan: Option<Fault>,
    fault_applied: bool,
    fault_applied_at: u64,
    client: Side,
    server: Side,
    /// How long it took.
    elapsed: Duration,
    /// Which ends had not finished within the bound.
    hung: Vec<&'static str>,
}

impl Outcome {
    fn completed(&self) -> bool {
        self.hung.is_empty() && self.client.failure.is_none() && self.server.failure.is_none()
    }
}

/// Runs one connection under its bound.
async fn connection(ends: Arc<[(Profile, Ends); 2]>, plan: Plan, start_at: Instant) -> Outcome {
    tokio::time::sleep_until(start_at).await;
    let deadline = Instant::now() + plan.opts.bound();
    let index = usize::from(plan.profile == Profile::Passport);
    let mut outcome = Outcome {
        profile: plan.profile,
        fault: plan.fault.map(|f| f.kind),
        fault_plan: plan.fault,
        fault_applied: false,
        fault_applied_at: 0,
        client: Side::default(),
        server: Side::default(),
        hung: Vec::new(),
        elapsed: Duration::ZERO,
    };
    let began = Instant::now();
    let Some((_, ends)) = ends.get(index) else {
        outcome.client.failure = Some("soak: no such profile".into());
        return outcome;
    };
    let setup = async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let server_addr = listener.local_addr()?;
        let server = tokio::spawn(server_side(ends.acceptor.clone(), listener, plan.clone()));
        let (proxy, target) = match plan.fault {
            Some(fault) => {
                let proxy_listener = TcpListener::bind("127.0.0.1:0").await?;
                let addr = proxy_listener.local_addr()?;
                let task = tokio::spawn(proxy::run(proxy_listener, server_addr, fault));
                (Some(task), addr)
            }
            None => (None, server_addr),
        };
        let client = tokio::spawn(client_side(ends.connector.clone(), target, plan.clone()));
        Ok::<_, io::Error>((client, server, proxy))
    };
    let (mut client, mut server, proxy) = match setup.await {
        Ok(tasks) => tasks,
        Err(e) => {
            outcome.client.failure = Some(format!("soak setup: {}", reason(&e)));
            return outcome;
        }
    };
    let both = async { tokio::join!(&mut client, &mut server) };
    match tokio::time::timeout_at(deadline, both).await {
        Ok((c, s)) => {
            outcome.client = c.unwrap_or_else(|e| joined_badly(&e));
            outcome.server = s.unwrap_or_else(|e| joined_badly(&e));
        }
        Err(_) => {
            for (name, task) in [("client", &mut client), ("server", &mut server)] {
                if !task.is_finished() {
                    outcome.hung.push(name);
                }
                task.abort();
                let side = task.await.unwrap_or_else(|e| joined_badly(&e));
                match name {
                    "client" => outcome.client = side,
                    _ => outcome.server = side,
                }
            }
        }
    }
    if let Some(mut proxy) = proxy {
        // Both ends are gone, so the proxy's sockets see their closes; a stall may still
        // hold it for a while.
        let grace = plan.opts.idle() + Duration::from_secs(5);
        match tokio::time::timeout(grace, &mut proxy).await {
            Ok(Ok(Ok(report))) => {
                outcome.fault_applied = report.applied;
                outcome.fault_applied_at = report.applied_at;
            }
            Ok(_) => {}
            Err(_) => {
                outcome.hung.push("proxy");
                proxy.abort();
                let _ = proxy.await;
            }
        }
    }
    outcome.elapsed = began.elapsed();
    outcome
}

fn joined_badly(e: &tokio::task::JoinError) -> Side {
    Side {
        failure: Some(if e.is_cancelled() {
            "hang: aborted at the bound".into()
        } else {
            "soak task panicked".into()
        }),
        ..Side::default()
    }
}

/// A field of `/proc/self/status` in KiB.
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The number of open file descriptors.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}

/// Raises the soft limit on open files to what `connections` need (four sockets each at
/// worst, plus the listeners), within the hard limit.
fn raise_nofile(connections: usize) -> Result<u64, String> {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let want = (connections as u64).saturating_mul(5).saturating_add(256);
    let mut limit = getrlimit(Resource::Nofile);
    let current = limit.current.unwrap_or(u64::MAX);
    if current >= want {
        return Ok(current);
    }
    let target = limit.maximum.map_or(want, |max| max.min(want));
    limit.current = Some(target);
    setrlimit(Resource::Nofile, limit).map_err(|e| format!("setrlimit(NOFILE): {e}"))?;
    if target < want {
        return Err(format!(
            "RLIMIT_NOFILE's hard limit {target} is below the {want} descriptors {connections} connections need"
        ));
    }
    Ok(target)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "usage: seat-soak [--connections N] [--secs S] [--fault-share P] [--quick] \
             [--deadline S] [--reattest-every S] [--pace-ms MS] [--ramp-secs S] [--seed N] [--faults KIND,...] [--fault-window BYTES]"
        );
        return ExitCode::SUCCESS;
    }
    let opts = match Options::parse(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("seat-soak: {e}");
            return ExitCode::from(2);
        }
    };
    match run(opts) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            println!("soak result FAIL");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("seat-soak: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs the soak and prints its report; `Ok(false)` when an invariant broke.
fn run(opts: Options) -> Result<bool, Error> {
    let nofile = raise_nofile(opts.connections)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let opts = Arc::new(opts);
    let stats = Arc::new(Stats::default());
    let ends = Arc::new(profiles(opts.deadline)?);
    // The baseline: the runtime and the configurations exist, no connection does.
    let metrics = runtime.handle().metrics();
    let (tasks_before, fds_before) = (metrics.num_alive_tasks(), open_fds());
    let rss_before = status_kib("VmRSS:");
    println!(
        "seat-soak: {} connections for {} s, fault share {}, deadline {} s, re-attest every {} s, seed {}, RLIMIT_NOFILE {nofile}",
        opts.connections,
        opts.secs,
        opts.fault_share,
        opts.deadline,
        opts.reattest_every.as_secs(),
        opts.seed
    );
    let started = std::time::Instant::now();
    let outcomes = runtime.block_on(async {
        let mut rng = Rng::new(opts.seed);
        let t0 = Instant::now();
        let end_at = t0 + opts.ramp + Duration::from_secs(opts.secs);
        let mut tasks = Vec::with_capacity(opts.connections);
        let n = opts.connections.max(1) as u64;
        for id in 0..opts.connections as u64 {
            let profile = if id % 2 == 0 {
                Profile::BackgroundCheck
            } else {
                Profile::Passport
            };
            let fault = rng.chance(opts.fault_share).then(|| Fault {
                kind: FaultKind::draw(&opts.faults, &mut rng),
                upstream: rng.chance(0.5),
                // A sixth on the first record (the TLS handshake's first flight), about
                // two fifths in the handshake and first exchanges, the rest anywhere.
                at: match rng.range(0, 5) {
                    0 => 0,
                    1 | 2 => rng.range(0, opts.fault_window),
                    _ => rng.range(0, opts.traffic_estimate()),
                },
                stall: opts.stall(),
                seed: rng.next_u64(),
            });
            let plan = Plan {
                id,
                profile,
                fault,
                end_at,
                opts: Arc::clone(&opts),
                stats: Arc::clone(&stats),
            };
            let offset = opts.ramp.mul_f64(id as f64 / n as f64);
            tasks.push(tokio::spawn(connection(
                Arc::clone(&ends),
                plan,
                t0 + offset,
            )));
        }
        let mut outcomes = Vec::with_capacity(tasks.len());
        for task in tasks {
            match task.await {
                Ok(o) => outcomes.push(o),
                Err(e) => return Err(format!("a connection task failed: {e}")),
            }
        }
        Ok(outcomes)
    })?;
    let elapsed = started.elapsed();
    // Tasks end when their last poll returns; give the runtime a moment to drop them.
    let settle_until = std::time::Instant::now() + Duration::from_secs(5);
    let (mut tasks_after, mut fds_after) = (metrics.num_alive_tasks(), open_fds());
    while (tasks_after != tasks_before || fds_after != fds_before)
        && std::time::Instant::now() < settle_until
    {
        std::thread::sleep(Duration::from_millis(100));
        (tasks_after, fds_after) = (metrics.num_alive_tasks(), open_fds());
    }
    let peak_kib = status_kib("VmHWM:");
    drop(ends);
    Ok(report(&Report {
        opts: &opts,
        stats: &stats,
        outcomes: &outcomes,
        elapsed,
        tasks: (tasks_before, tasks_after),
        fds: (fds_before, fds_after),
        rss_before_kib: rss_before,
        peak_kib,
    }))
}

struct Report<'a> {
    opts: &'a Options,
    stats: &'a Stats,
    outcomes: &'a [Outcome],
    elapsed: Duration,
    tasks: (usize, usize),
    fds: (usize, usize),
    rss_before_kib: u64,
    peak_kib: u64,
}

/// Prints the report; false when an invariant broke.
#[allow(clippy::too_many_lines, clippy::cast_precision_loss)]
fn report(r: &Report<'_>) -> bool {
    let outs = r.outcomes;
    let completed = outs.iter().filter(|o| o.completed()).count();
    let failed = outs.len() - completed;
    let faulted = outs.iter().filter(|o| o.fault.is_some()).count();
    let clean_failed: Vec<&Outcome> = outs
        .iter()
        .filter(|o| o.fault.is_none() && !o.completed())
        .collect();
    let corrupt = outs
        .iter()
        .filter(|o| o.client.corrupt || o.server.corrupt)
        .count();
    let hangs = outs.iter().filter(|o| !o.hung.is_empty()).count();
    // Completed connections: each side's sent tally must equal the other's received one.
    let mismatched = outs
        .iter()
        .filter(|o| o.completed())
        .filter(|o| {
            o.client.sent.bytes != o.server.received.bytes
                || o.client.sent.digest() != o.server.received.digest()
                || o.server.sent.bytes != o.client.received.bytes
                || o.server.sent.digest() != o.client.received.digest()
        })
        .count();
    let up: u64 = outs.iter().map(|o| o.server.received.bytes).sum();
    let down: u64 = outs.iter().map(|o| o.client.received.bytes).sum();
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    for o in outs {
        for (side, s) in [("client", &o.client), ("server", &o.server)] {
            if let Some(f) = &s.failure {
                *reasons.entry(format!("{side}: {f}")).or_default() += 1;
            }
        }
        for h in &o.hung {
            *reasons
                .entry(format!("{h}: HANG past the bound"))
                .or_default() += 1;
        }
    }
    let mut by_fault: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    for o in outs {
        let key = format!(
            "{} / {}",
            o.fault.map_or("none", FaultKind::name),
            o.profile.name()
        );
        let e = by_fault.entry(key).or_default();
        e.0 += 1;
        if o.completed() {
            e.1 += 1;
        } else {
            e.2 += 1;
        }
    }
    let applied = outs.iter().filter(|o| o.fault_applied).count();
    let peak_open = r.stats.peak_open.load(Ordering::Relaxed);
    let grown = r.peak_kib.saturating_sub(r.rss_before_kib);
    let per_conn = if peak_open == 0 {
        0.0
    } else {
        grown as f64 / peak_open as f64
    };
    let task_leak = r.tasks.1 != r.tasks.0;
    let fd_leak = r.fds.1 != r.fds.0;
    let pass = clean_failed.is_empty()
        && corrupt == 0
        && mismatched == 0
        && hangs == 0
        && !task_leak
        && !fd_leak;

    println!();
    println!("{:<44} {:>14}", "measure", "value");
    println!("{}", "-".repeat(59));
    let rows: Vec<(&str, String)> = vec![
        ("wall time (s)", format!("{:.1}", r.elapsed.as_secs_f64())),
        ("connections started", outs.len().to_string()),
        ("connections completed", completed.to_string()),
        ("connections failed", failed.to_string()),
        ("connections with a fault planned", faulted.to_string()),
        ("faults applied (traffic reached them)", applied.to_string()),
        (
            "peak concurrent attested connections",
            peak_open.to_string(),
        ),
        (
            "attestations in handshakes",
            r.stats.attestations.load(Ordering::Relaxed).to_string(),
        ),
        (
            "re-attestations",
            r.stats.reattestations.load(Ordering::Relaxed).to_string(),
        ),
        ("bytes client -> server", up.to_string()),
        ("bytes server -> client", down.to_string()),
        ("peak RSS VmHWM (KiB)", r.peak_kib.to_string()),
        ("RSS before (KiB)", r.rss_before_kib.to_string()),
        ("peak RSS per connection (KiB)", format!("{per_conn:.1}")),
        (
            "tokio tasks before / after",
            format!("{} / {}", r.tasks.0, r.tasks.1),
        ),
        (
            "open fds before / after",
            format!("{} / {}", r.fds.0, r.fds.1),
        ),
        (
            "unfaulted connections that failed",
            clean_failed.len().to_string(),
        ),
        (
            "connections with bytes lost or changed",
            (corrupt + mismatched).to_string(),
        ),
        ("connections hung past the bound", hangs.to_string()),
    ];
    for (name, value) in &rows {
        println!("{name:<44} {value:>14}");
    }
    println!();
    println!(
        "{:<40} {:>7} {:>9} {:>7}",
        "fault / profile", "conns", "completed", "failed"
    );
    for (k, (n, c, f)) in &by_fault {
        println!("{k:<40} {n:>7} {c:>9} {f:>7}");
    }
    println!();
    println!(
        "{:>7}  failures by reason (side: library error or I/O error)",
        "count"
    );
    for (k, n) in &reasons {
        println!("{n:>7}  {k}");
    }
    if std::env::var_os("SEAT_SOAK_VERBOSE").is_some() {
        for o in outs.iter().filter(|o| o.fault.is_some()) {
            println!(
                "faulted {:?} ({}) {:.1} s: applied {} at {}, client {:?}, server {:?}, hung {:?}, bytes {} / {}",
                o.fault_plan,
                o.profile.name(),
                o.elapsed.as_secs_f64(),
                o.fault_applied,
                o.fault_applied_at,
                o.client.failure,
                o.server.failure,
                o.hung,
                o.server.received.bytes,
                o.client.received.bytes
            );
        }
    }
    for o in clean_failed.iter().take(5) {
        println!(
            "unfaulted failure ({}): client {:?}, server {:?}, hung {:?}",
            o.profile.name(),
            o.client.failure,
            o.server.failure,
            o.hung
        );
    }
    println!();
    let machine: Vec<(String, String)> = vec![
        ("connections".into(), r.opts.connections.to_string()),
        ("secs".into(), r.opts.secs.to_string()),
        ("fault_share".into(), r.opts.fault_share.to_string()),
        ("seed".into(), r.opts.seed.to_string()),
        (
            "wall_secs".into(),
            format!("{:.1}", r.elapsed.as_secs_f64()),
        ),
        ("connections_started".into(), outs.len().to_string()),
        ("connections_completed".into(), completed.to_string()),
        ("connections_failed".into(), failed.to_string()),
        ("connections_faulted".into(), faulted.to_string()),
        ("faults_applied".into(), applied.to_string()),
        ("peak_open".into(), peak_open.to_string()),
        (
            "attestations".into(),
            (r.stats.attestations.load(Ordering::Relaxed)
                + r.stats.reattestations.load(Ordering::Relaxed))
            .to_string(),
        ),
        (
            "attestations_handshake".into(),
            r.stats.attestations.load(Ordering::Relaxed).to_string(),
        ),
        (
            "reattestations".into(),
            r.stats.reattestations.load(Ordering::Relaxed).to_string(),
        ),
        ("bytes_client_to_server".into(), up.to_string()),
        ("bytes_server_to_client".into(), down.to_string()),
        ("peak_rss_kib".into(), r.peak_kib.to_string()),
        (
            "peak_rss_per_connection_kib".into(),
            format!("{per_conn:.1}"),
        ),
        ("tasks_before".into(), r.tasks.0.to_string()),
        ("tasks_after".into(), r.tasks.1.to_string()),
        ("fds_before".into(), r.fds.0.to_string()),
        ("fds_after".into(), r.fds.1.to_string()),
        ("unfaulted_failed".into(), clean_failed.len().to_string()),
        ("corrupt".into(), (corrupt + mismatched).to_string()),
        ("hangs".into(), hangs.to_string()),
    ];
    for (name, value) in machine {
        println!("soak {name} {value}");
    }
    for (k, n) in &reasons {
        let slug: String = k
            .chars()
            .map(|c| if c.is_whitespace() { '_' } else { c })
            .collect();
        println!("soak failure[{slug}] {n}");
    }
    let verdict = |bad: bool| if bad { "FAIL" } else { "ok" };
    println!(
        "soak check_unfaulted_completed {}",
        verdict(!clean_failed.is_empty())
    );
    println!(
        "soak check_bytes_intact {}",
        verdict(corrupt + mismatched > 0)
    );
    println!("soak check_no_hang {}", verdict(hangs > 0));
    println!("soak check_no_task_leak {}", verdict(task_leak));
    println!("soak check_no_fd_leak {}", verdict(fd_leak));
    if pass {
        println!("soak result PASS");
    }
    pass
}
