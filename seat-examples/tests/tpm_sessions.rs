//! Attested sessions over real rustls TLS 1.3 connections in memory whose peers attest with the
//! TPM 2.0 simulator (feature `tpm`; test keys only): the embedded Verifier appraises the
//! quotes with `seat_verify::tpm::TpmFormat` against the pinned attestation keys and the
//! reference PCRs, the code real quotes take.
#![cfg(feature = "tpm")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use seat_examples::echo::Options;
use seat_examples::memory::MemoryPair;
use seat_examples::platforms::TeeKind;
use seat_proto::hooks::Stage;
use seat_proto::shim::Models;
use seat_proto::{AttestationError, Error};
use seat_verify::embedded::now;

fn tpm(opts: Options) -> Options {
    Options {
        tee: TeeKind::Tpm,
        ..opts
    }
}

#[test]
fn every_combination_attests_with_tpm_evidence_then_carries_data() {
    for (server_attests, client_attests) in [(true, false), (false, true), (true, true)] {
        for model in [Models::BACKGROUND_CHECK, Models::PASSPORT] {
            for client_certificate in [false, true] {
                let opts = tpm(Options {
                    server_attests,
                    client_attests,
                    model,
                    client_certificate,
                    ..Options::default()
                });
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

#[test]
fn a_tampered_tpm_client_is_refused_by_the_tpm_policy() {
    let opts = tpm(Options {
        client_tampered: true,
        ..Options::default()
    });
    let pair = MemoryPair::connect(opts, now()).unwrap();
    assert!(!pair.server.session.is_open());
    let Some(Error::Attestation(AttestationError::Rejected(rejection))) = pair.server.error.clone()
    else {
        panic!("{:?}", pair.server.error)
    };
    assert_eq!(rejection.stage, Stage::Policy);
    // The TPM format's finding for PCR 7 outside its reference value.
    assert_eq!(
        rejection.reason,
        seat_verify::Reason::PcrMismatch(7).to_string()
    );
}
