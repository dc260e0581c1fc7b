//! The fault injector: a one-connection TCP proxy on 127.0.0.1 between a soak client and its
//! server. It forwards TLS records whole in both directions and, once the chosen direction
//! has carried `at` bytes, applies its fault at the next record boundary.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

use crate::traffic::Rng;

/// The TLS record header: type, legacy version, length.
const RECORD_HEADER: usize = 5;

/// What the proxy does to a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum FaultKind {
    /// Closes both sides abruptly (with a TCP reset when `rst`).
    Close { rst: bool },
    /// Forwards the first half of a record, then closes both sides.
    Truncate,
    /// Holds one direction for the stall time (past the session's deadline), then forwards
    /// (`hold: false`); or holds it until a peer closes (`hold: true`).
    Stall { hold: bool },
    /// Sends random bytes: in place of a record's body (`overwrite`) or before a record.
    Garbage { overwrite: bool },
    /// Delays every record of one direction a little (within the deadline): the connection
    /// should complete.
    Delay,
}

impl FaultKind {
    /// Every kind.
    pub(crate) const ALL: [Self; 8] = [
        Self::Close { rst: false },
        Self::Close { rst: true },
        Self::Truncate,
        Self::Stall { hold: false },
        Self::Stall { hold: true },
        Self::Garbage { overwrite: false },
        Self::Garbage { overwrite: true },
        Self::Delay,
    ];

    /// Draws a kind from `kinds` (from all when empty).
    pub(crate) fn draw(kinds: &[Self], rng: &mut Rng) -> Self {
        let kinds = if kinds.is_empty() {
            &Self::ALL[..]
        } else {
            kinds
        };
        let i = usize::try_from(rng.next_u64() % kinds.len() as u64).unwrap_or(0);
        kinds.get(i).copied().unwrap_or(Self::Delay)
    }

    /// The name in the report.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Close { rst: false } => "close-fin",
            Self::Close { rst: true } => "close-rst",
            Self::Truncate => "truncate",
            Self::Stall { hold: false } => "stall",
            Self::Stall { hold: true } => "stall-hold",
            Self::Garbage { overwrite: false } => "garbage-insert",
            Self::Garbage { overwrite: true } => "garbage-overwrite",
            Self::Delay => "delay",
        }
    }
}

/// One connection's fault: what, in which direction, after how many bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fault {
    pub(crate) kind: FaultKind,
    /// Client to server when true.
    pub(crate) upstream: bool,
    /// Bytes of that direction forwarded before the fault applies (at a record boundary).
    pub(crate) at: u64,
    /// How long a stall lasts.
    pub(crate) stall: Duration,
    /// Seeds the garbage and the delays.
    pub(crate) seed: u64,
}

/// How one direction ended.
enum End {
    /// The source closed; the sink was shut down in turn.
    Eof,
    /// The fault closes the connection (reset when `rst`).
    Kill { rst: bool },
    /// A socket error: the connection is dropped.
    Broken,
}

/// Whether the fault happened (it may not, when the connection carried fewer bytes).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ProxyReport {
    pub(crate) applied: bool,
    /// The faulted direction's forwarded byte count when the fault applied.
    pub(crate) applied_at: u64,
}

/// Accepts one client on `listener`, connects to `upstream`, and forwards with `fault`.
pub(crate) async fn run(
    listener: TcpListener,
    upstream: std::net::SocketAddr,
    fault: Fault,
) -> io::Result<ProxyReport> {
    let (client, _) = listener.accept().await?;
    drop(listener);
    let server = TcpStream::connect(upstream).await?;
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let mut report = ProxyReport::default();
    let (mut up_applied, mut down_applied) = (None, None);
    let end = {
        let up = pump(
            &mut cr,
            &mut sw,
            fault.upstream.then_some(fault),
            &mut up_applied,
        );
        let down = pump(
            &mut sr,
            &mut cw,
            (!fault.upstream).then_some(fault),
            &mut down_applied,
        );
        tokio::pin!(up, down);
        let (mut up_done, mut down_done) = (false, false);
        loop {
            let end = tokio::select! {
                e = &mut up, if !up_done => { up_done = true; e }
                e = &mut down, if !down_done => { down_done = true; e }
            };
            match end {
                End::Eof if !(up_done && down_done) => {}
                other => break other,
            }
        }
    };
    report.applied_at = up_applied.or(down_applied).unwrap_or(0);
    report.applied = up_applied.is_some() || down_applied.is_some();
    if let End::Kill { rst: true } = end {
        for stream in [cr.reunite(cw), sr.reunite(sw)].into_iter().flatten() {
            let _ = stream.set_zero_linger();
        }
    }
    Ok(report)
}

/// Forwards `src` to `dst` record by record, applying `fault` when due.
async fn pump(
    src: &mut OwnedReadHalf,
    dst: &mut OwnedWriteHalf,
    mut fault: Option<Fault>,
    applied: &mut Option<u64>,
) -> End {
    let mut pending: Vec<u8> = Vec::with_capacity(32 * 1024);
    let mut buf = vec![0u8; 16 * 1024];
    let mut forwarded: u64 = 0;
    let mut delay_rng: Option<Rng> = None;
    loop {
        let n = match src.read(&mut buf).await {
            Ok(0) => {
                if !pending.is_empty() && dst.write_all(&pending).await.is_err() {
                    return End::Broken;
                }
                let _ = dst.shutdown().await;
                return End::Eof;
            }
            Ok(n) => n,
            Err(_) => return End::Broken,
        };
        pending.extend_from_slice(buf.get(..n).unwrap_or_default());
        // Whole records only.
        while let Some(len) = record_len(&pending) {
            let record: Vec<u8> = pending.drain(..len).collect();
            if let Some(rng) = delay_rng.as_mut() {
                tokio::time::sleep(Duration::from_millis(rng.range(5, 40))).await;
            }
            let mut out = record;
            if let Some(f) = fault.filter(|f| forwarded >= f.at) {
                fault = None;
                *applied = Some(forwarded);
                let mut rng = Rng::new(f.seed);
                match f.kind {
                    FaultKind::Close { rst } => return End::Kill { rst },
                    FaultKind::Truncate => {
                        let keep = RECORD_HEADER + (len - RECORD_HEADER) / 2;
                        let _ = dst.write_all(out.get(..keep).unwrap_or_default()).await;
                        let _ = dst.flush().await;
                        return End::Kill { rst: false };
                    }
                    FaultKind::Stall { hold: false } => tokio::time::sleep(f.stall).await,
                    FaultKind::Stall { hold: true } => {
                        // Nothing more goes through; the source's close ends it.
                        while let Ok(n) = src.read(&mut buf).await {
                            if n == 0 {
                                break;
                            }
                        }
                        return End::Kill { rst: false };
                    }
                    FaultKind::Garbage { overwrite: true } => {
                        if let Some(body) = out.get_mut(RECORD_HEADER..) {
                            rng.fill(body);
                        }
                    }
                    FaultKind::Garbage { overwrite: false } => {
                        let mut junk = vec![0u8; usize::try_from(rng.range(1, 64)).unwrap_or(1)];
                        rng.fill(&mut junk);
                        junk.extend_from_slice(&out);
                        out = junk;
                    }
                    FaultKind::Delay => delay_rng = Some(rng),
                }
            }
            forwarded += len as u64;
            if dst.write_all(&out).await.is_err() {
                return End::Broken;
            }
        }
    }
}

/// The length of the whole record at the start of `buf`, once it has arrived.
fn record_len(buf: &[u8]) -> Option<usize> {
    let header = buf.get(..RECORD_HEADER)?;
    let body = usize::from(u16::from_be_bytes([*header.get(3)?, *header.get(4)?]));
    let len = RECORD_HEADER + body;
    (buf.len() >= len).then_some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_len_waits_for_the_whole_record() {
        assert_eq!(record_len(&[0x17, 3, 3, 0, 2, 0xaa]), None);
        assert_eq!(record_len(&[0x17, 3, 3, 0, 2, 0xaa, 0xbb, 0xcc]), Some(7));
        assert_eq!(record_len(&[0x17, 3, 3]), None);
    }
}
