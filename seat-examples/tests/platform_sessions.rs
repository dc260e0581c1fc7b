//! Attested sessions over real rustls TLS 1.3 connections in memory whose peers attest with a
//! platform simulator (`seat_examples::platforms`; test roots and test keys only): the
//! embedded Verifier appraises their Evidence with the platform's own format (TDX quotes
//! through `seat_verify::tdx`, SEV-SNP reports through `seat_verify::snp`, TPM 2.0 quotes
//! through `seat_verify::tpm`, PSA tokens through `seat_verify::psa`), the code real Evidence
//! takes. Each platform's tests need its seat-examples feature. The TDX collateral is issued at
//! set-up from the system clock, so the connections run at the system clock's time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code,
    unused_imports
)]

use seat_examples::echo::Options;
use seat_examples::memory::MemoryPair;
use seat_examples::platforms::TeeKind;
use seat_proto::hooks::Stage;
use seat_proto::shim::Models;
use seat_proto::{AttestationError, Error};
use seat_verify::Reason;
use seat_verify::embedded::now;

/// Every mode, model and client-certificate combination opens both gates on `tee`, and the
/// account says the peer's attestation was accepted.
fn every_combination_attests(tee: TeeKind) {
    for (server_attests, client_attests) in [(true, false), (false, true), (true, true)] {
        for model in [Models::BACKGROUND_CHECK, Models::PASSPORT] {
            for client_certificate in [false, true] {
                let opts = Options {
                    tee,
                    server_attests,
                    client_attests,
                    model,
                    client_certificate,
                    ..Options::default()
                };
                let pair = MemoryPair::connect(opts, now()).unwrap();
                assert!(
                    pair.both_open(),
                    "{opts:?}: client {:?} server {:?}",
                    pair.client.error,
                    pair.server.error
                );
                let account = pair.account().join("\n");
                assert!(account.contains("peer attestation accepted"), "{account}");
            }
        }
    }
}

/// A tampered client on `tee` is refused at the policy stage with `reason`, the platform
/// format's finding for the measurement the simulator changed.
fn a_tampered_client_is_refused(tee: TeeKind, reason: &Reason) {
    let opts = Options {
        tee,
        client_tampered: true,
        ..Options::default()
    };
    let pair = MemoryPair::connect(opts, now()).unwrap();
    assert!(!pair.server.session.is_open());
    let Some(Error::Attestation(AttestationError::Rejected(rejection))) = pair.server.error.clone()
    else {
        panic!("{:?}", pair.server.error)
    };
    assert_eq!(rejection.stage, Stage::Policy);
    assert_eq!(rejection.reason, reason.to_string());
}

#[cfg(feature = "tdx")]
#[test]
fn tdx_quotes_attest_in_every_combination() {
    every_combination_attests(TeeKind::Tdx);
}

/// The tampered TDX side has another RTMR2.
#[cfg(feature = "tdx")]
#[test]
fn a_tampered_tdx_client_is_refused_by_the_tdx_policy() {
    a_tampered_client_is_refused(TeeKind::Tdx, &Reason::MeasurementMismatch);
}

#[cfg(feature = "snp")]
#[test]
fn snp_reports_attest_in_every_combination() {
    every_combination_attests(TeeKind::Snp);
}

/// The tampered SNP side launched another image (another MEASUREMENT).
#[cfg(feature = "snp")]
#[test]
fn a_tampered_snp_client_is_refused_by_the_snp_policy() {
    a_tampered_client_is_refused(TeeKind::Snp, &Reason::MeasurementMismatch);
}

#[cfg(feature = "tpm")]
#[test]
fn tpm_quotes_attest_in_every_combination() {
    every_combination_attests(TeeKind::Tpm);
}

/// The tampered TPM side has another PCR 7.
#[cfg(feature = "tpm")]
#[test]
fn a_tampered_tpm_client_is_refused_by_the_tpm_policy() {
    a_tampered_client_is_refused(TeeKind::Tpm, &Reason::PcrMismatch(7));
}

#[cfg(feature = "psa")]
#[test]
fn psa_tokens_attest_in_every_combination() {
    every_combination_attests(TeeKind::Psa);
}

/// The tampered PSA side runs another application RoT.
#[cfg(feature = "psa")]
#[test]
fn a_tampered_psa_client_is_refused_by_the_psa_policy() {
    a_tampered_client_is_refused(TeeKind::Psa, &Reason::MeasurementMismatch);
}
