//! Integration tests of seat-binding: known answers from outside the project (RFC 8448, the
//! SEAT digests' tables and vectors, fizz), live rustls handshakes and an OpenSSL cross-check.
//!
//! Tests that exercise a provider are written once and instantiated per provider by
//! [`per_provider!`].

// Test code: a failed expectation panics by design, and fixtures are indexed directly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]
// Without a provider feature the provider tests compile to nothing and leave helpers unused.
#![cfg_attr(
    not(any(feature = "aws-lc-rs", feature = "rustcrypto")),
    allow(dead_code, unused_imports)
)]

#[macro_use]
mod common;

mod authenticator;
mod binder;
mod key_schedule;
#[cfg(all(feature = "aws-lc-rs", feature = "rustls"))]
mod live_rustls;
#[cfg(all(feature = "aws-lc-rs", feature = "rustls"))]
mod openssl_cli;
#[cfg(all(feature = "aws-lc-rs", feature = "openssl"))]
mod openssl_stack;
mod signatures;
