//! The CI smoke run of the fuzz targets: every committed seed (`fuzz/seeds/<target>/`, made
//! from the interop vectors by `fuzz/make_seeds.py`) replayed through the target bodies the
//! fuzzers run (`fuzz/src/targets.rs`, included here as it is). `cargo xtask fuzz` runs the
//! real fuzzers.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    unreachable_pub,
    dead_code
)]

#[path = "../../fuzz/src/targets.rs"]
mod targets;

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/seeds")
        .join(target);
    let mut n = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let data = std::fs::read(&path).unwrap();
        run(&data);
        n += 1;
    }
    assert!(n > 0, "no seeds for {target}");
    eprintln!("fuzz seeds: {target}: {n} inputs");
}

#[test]
fn shim() {
    replay("shim", targets::shim);
}

/// The shim seeds, through the deframer's pieces (`fuzz_targets/shim_pieces.rs`).
#[test]
fn shim_pieces() {
    replay("shim", targets::shim_pieces);
}

#[test]
fn session_pair() {
    replay("session_pair", targets::session_pair);
}

#[test]
fn negotiation() {
    replay("negotiation", targets::negotiation);
}

#[test]
fn cmw() {
    replay("cmw", targets::cmw);
}

#[test]
fn cose_sign1() {
    replay("cose_sign1", targets::cose_sign1);
}

#[test]
fn eat() {
    replay("eat", targets::eat);
}

#[test]
fn ear() {
    replay("ear", targets::ear);
}

#[test]
fn tpm_quote() {
    replay("tpm_quote", targets::tpm_quote);
}

#[test]
fn psa_token() {
    replay("psa_token", targets::psa_token);
}

#[test]
fn nitro_document() {
    replay("nitro_document", targets::nitro_document);
}

#[test]
fn cca_token() {
    replay("cca_token", targets::cca_token);
}
