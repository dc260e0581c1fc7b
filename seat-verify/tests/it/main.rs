//! Integration tests of seat-verify: attacks, both RATS models end to end with the simulated
//! TEE, and the `ear` crate as an independent oracle for the EARs this Verifier issues.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod attacks;
#[cfg(feature = "cca")]
mod cca_samples;
mod ear_oracle;
mod happy;
#[cfg(feature = "nitro")]
mod nitro_samples;
#[cfg(feature = "psa")]
mod psa_samples;
mod replay_keying;
mod replay_window;
mod signing;
#[cfg(feature = "snp")]
mod snp_samples;
#[cfg(feature = "snp")]
mod snp_sim;
mod support;
#[cfg(feature = "tdx")]
mod tdx_samples;
#[cfg(feature = "tdx")]
mod tdx_sim;
#[cfg(feature = "tpm")]
mod tpm_samples;
