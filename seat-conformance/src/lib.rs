//! The conformance suite of seat: known answers, generators and a runner that hold the other
//! crates to the drafts.
//!
//! - [`generate`] writes the `seat-vectors/1` interop vectors deterministically (fixed keys,
//!   secrets, contexts and random sources, and the deterministic RustCrypto provider);
//!   `cargo xtask vectors` calls it, and `cargo xtask vectors --check` fails when the
//!   committed files differ.
//! - [`runner`] consumes any vector file, generated or external, through the project's public
//!   APIs and renders a readable transcript for snapshots.
//!
//! - [`record`] records real rustls and OpenSSL sessions (`cargo xtask vectors --record`);
//!   the runner replays them.
//!
//! The external known answers live in `vectors/external/` with their sources. This crate is
//! not published.
#![forbid(unsafe_code)]

pub mod generate;
pub mod record;
pub mod runner;
pub mod vector;
