//! Appraisal of attestation: the part of seat that decides.
//!
//! This crate turns Evidence into Attestation Results (the Verifier) and Attestation Results
//! into decisions (Relying-Party policy, in the passport and background-check models). It
//! recomputes every binder from the Relying Party's own connection state through
//! `seat-binding`, reads formats through `seat-evidence`, and never trusts a binder that the
//! peer carries.
#![forbid(unsafe_code)]
