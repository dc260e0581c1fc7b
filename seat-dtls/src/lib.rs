//! Post-handshake attestation (expat) over real DTLS 1.3 connections on BoringSSL.
//!
//! The expat [`Session`](seat_proto::session::Session) speaks the stream shim; DTLS carries
//! unreliable datagrams. This crate joins them: a BoringSSL DTLS 1.3 connection (the
//! [`boring`] crate) whose application data carries the
//! [datagram shim](seat_proto::dgram), which fragments, acknowledges and retransmits the
//! shim's control frames and keeps application data as single datagrams, gated by the
//! session until attestation succeeds.
//!
//! - [`config`]: hardened DTLS 1.3 contexts (DTLS 1.3 only, no tickets, no session cache, so
//!   no resumption and no early data);
//! - [`exporter`]: the connection's exporter for the session (`SSL_export_keying_material`;
//!   BoringSSL applies the RFC 9147 `"dtls13"` label prefix itself, which the crate's
//!   cross-check test verifies against seat-binding's key schedule);
//! - [`core`]: the sans-I/O driver of one connection (TLS records in and out, timers);
//! - [`blocking`]: an attested DTLS socket over `std::net::UdpSocket`;
//! - [`async_socket`] (feature `tokio`): the same over `tokio::net::UdpSocket`;
//! - `platform` (feature `demo`): the simulated TEE, Verifier and Relying Party the demo and
//!   the tests attest with.
//!
//! This crate lives outside the seat workspace: `boring-sys` and `openssl-sys` define the
//! same C symbols, so it must never be linked with seat-proto's `openssl` feature (see
//! ARCHITECTURE.md).
#![deny(unsafe_code)]

#[cfg(feature = "tokio")]
pub mod async_socket;
pub mod blocking;
pub mod config;
pub mod core;
mod error;
pub mod exporter;
mod ffi;
#[cfg(feature = "demo")]
pub mod platform;

pub use error::{Error, Phase};
