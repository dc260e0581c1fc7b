//! RATS formats and the Attester side of attested TLS.
//!
//! This crate owns the Conceptual Messages Wrapper (CMW, RFC 9999), Entity Attestation Tokens
//! (EAT, RFC 9711), Attestation Results (EAR with AR4SI trust vectors), COSE_Sign1 (RFC 9052),
//! key and platform attestation tokens, the `Attester` interface and the simulated TEE that is
//! the embedded default. It never sees TLS: binders arrive as bytes from the caller.
#![forbid(unsafe_code)]
