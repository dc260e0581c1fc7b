//! Everything that ties bytes to a live TLS 1.3 or DTLS 1.3 connection and to a key.
//!
//! This crate is the leaf of the seat workspace: it owns the crypto provider interface, the
//! TLS 1.3 key-schedule pieces and exporters, the RFC 9261 key material (Handshake Context,
//! Finished MAC key, CertificateVerify content, Finished MAC) and the two attestation binders
//! (draft-fossati-seat-expat and draft-fossati-seat-early-attestation). It works over byte
//! slices and knows no message types; `seat-proto` builds messages on top of it.
#![forbid(unsafe_code)]
