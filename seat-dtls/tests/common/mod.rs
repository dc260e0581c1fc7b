//! A lossy UDP relay on 127.0.0.1: drops, duplicates and reorders datagrams at configurable
//! rates, from a seeded generator, in both directions.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Fault rates, each the probability per datagram.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Faults {
    pub(crate) drop: f64,
    pub(crate) duplicate: f64,
    pub(crate) reorder: f64,
    pub(crate) seed: u64,
}

/// What the relay did.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RelayStats {
    pub(crate) forwarded: u64,
    pub(crate) dropped: u64,
    pub(crate) duplicated: u64,
    pub(crate) reordered: u64,
}

pub(crate) struct Relay {
    pub(crate) addr: SocketAddr,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<RelayStats>>,
}

/// xorshift64*: a small seeded generator, so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Relay {
    /// A relay in front of `server`; the first other address that writes is the client.
    pub(crate) fn start(server: SocketAddr, faults: Faults) -> Relay {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let addr = socket.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let handle = thread::spawn(move || {
            let mut rng = Rng(faults.seed.max(1));
            let mut stats = RelayStats::default();
            let mut client: Option<SocketAddr> = None;
            // One held datagram per direction, released after the next one (reordering).
            let mut held: [Option<(Vec<u8>, SocketAddr)>; 2] = [None, None];
            let mut buf = vec![0u8; 65536];
            while !stopping.load(Ordering::Relaxed) {
                let (n, from) = match socket.recv_from(&mut buf) {
                    Ok(x) => x,
                    Err(_) => {
                        // Idle: release what is held so nothing waits forever.
                        for h in held.iter_mut() {
                            if let Some((d, to)) = h.take() {
                                let _ = socket.send_to(&d, to);
                                stats.forwarded += 1;
                            }
                        }
                        continue;
                    }
                };
                let (dir, to) = if from == server {
                    match client {
                        Some(c) => (1, c),
                        None => continue,
                    }
                } else {
                    client.get_or_insert(from);
                    (0, server)
                };
                let d = buf[..n].to_vec();
                if rng.next_f64() < faults.drop {
                    stats.dropped += 1;
                    continue;
                }
                if held[dir].is_none() && rng.next_f64() < faults.reorder {
                    stats.reordered += 1;
                    held[dir] = Some((d, to));
                    continue;
                }
                let _ = socket.send_to(&d, to);
                stats.forwarded += 1;
                if rng.next_f64() < faults.duplicate {
                    let _ = socket.send_to(&d, to);
                    stats.duplicated += 1;
                }
                if let Some((h, hto)) = held[dir].take() {
                    let _ = socket.send_to(&h, hto);
                    stats.forwarded += 1;
                }
            }
            stats
        });
        Relay {
            addr,
            stop,
            handle: Some(handle),
        }
    }

    pub(crate) fn stop(mut self) -> RelayStats {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.take().unwrap().join().unwrap()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
