//! Integration tests of seat-proto: property tests over every wire type, known answers from
//! outside the project, and snapshots of decoded messages.

// Test code may panic on a failed expectation; that is how tests fail.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

mod authenticator;
mod common;
mod data_path;
mod early;
mod first_flight;
mod live_rustls;
mod prop;
mod render;
mod session;
mod stream;
mod tokio_adapter;
mod transcript;
mod vectors;
