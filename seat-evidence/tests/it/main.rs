//! Integration tests of seat-evidence, one module per specification (hickory's layout).
// Test code may unwrap and index: a panic is a test failure. Helpers are `pub` for sibling
// modules of this private test binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    unreachable_pub
)]

mod cbor_differential;
mod cmw_rfc9999;
mod configfs_tsm;
mod cose_rfc9052;
mod ear_draft03;
mod eat_rfc9711;
mod interop;
mod kat_draft06;
mod properties;
mod sim_tee;
mod support;
mod vectors;
