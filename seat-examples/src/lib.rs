//! The runnable examples of seat, on the published crates only: `seat-proto`'s adapters and
//! `seat-verify`'s embedded defaults (feature `embedded`: a simulated TEE per peer, one
//! in-process Verifier both peers trust, the Relying-Party policy, the hooks, and the
//! [`Server`](seat_verify::embedded::Server) and [`Client`](seat_verify::embedded::Client)
//! roles).
//!
//! - [`echo`]: the attested echo over TCP loopback with the blocking stream (the demo).
//! - [`memory`]: two sessions over rustls in memory, every byte moved by hand (the tests).
//! - [`platforms`]: what the peers attest with: the simulated TEE, or (feature `tdx`) the
//!   Intel TDX simulator on a test root.
//!
//! This package is not published; everything it shows is in the published crates.
#![forbid(unsafe_code)]

pub mod echo;
pub mod memory;
pub mod platforms;

/// The workspace README's Rust samples compile (and run) as doctests of this package, which
/// depends on every published crate with the features they use.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
