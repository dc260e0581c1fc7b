//! Everything that ties bytes to a live TLS 1.3 or DTLS 1.3 connection and to a key.
//!
//! This crate is the leaf of the seat workspace: it owns the crypto provider interface
//! ([`provider`]), the TLS 1.3 key-schedule pieces and exporters ([`key_schedule`],
//! [`exporter`]), the RFC 9261 key material, CertificateVerify content and Finished MAC
//! ([`authenticator`]) and the two attestation binders of draft-fossati-seat-expat and
//! draft-fossati-seat-early-attestation ([`binder`]). It works over byte slices and knows no
//! message types; `seat-proto` builds messages on top of it. It touches no socket, clock or
//! ambient randomness except inside the stack adapters and the aws-lc-rs signer.
//!
//! **Reach for first:** [`binder::expat_binder`] (the value a peer's Evidence must carry),
//! the exporter of a live connection ([`exporter`]: rustls and OpenSSL adapters) and
//! [`provider::default_provider`]. Most programs use this crate only through `seat-proto`'s
//! session and adapters.
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `aws-lc-rs` | yes | the default crypto provider on AWS-LC (`provider::default_provider`) |
//! | `rustcrypto` | no | a deterministic pure-Rust provider (RFC 6979 ECDSA, Ed25519, RSA-PSS with a seeded salt), for reproducible vectors |
//! | `rustls` | no | exporters read from rustls 0.23 connections |
//! | `openssl` | no | exporters read from OpenSSL 3 connections |
//!
//! # Example
//!
//! The expat binder a Relying Party recomputes, here from a recorded exporter master secret
//! (RFC 8448 section 3) and the attester's SubjectPublicKeyInfo:
//!
//! ```
//! # #[cfg(feature = "aws-lc-rs")]
//! # fn main() -> Result<(), seat_binding::Error> {
//! use seat_binding::binder::{ExpatLabel, expat_binder};
//! use seat_binding::exporter::RecordedExporter;
//! use seat_binding::key_schedule::Protocol;
//! use seat_binding::provider::{HashAlgorithm, default_provider};
//! use seat_binding::Secret;
//!
//! let provider = default_provider();
//! let ems = [
//!     0xfe, 0x22, 0xf8, 0x81, 0x17, 0x6e, 0xda, 0x18, 0xeb, 0x8f, 0x44, 0x52, 0x9e, 0x67,
//!     0x92, 0xc5, 0x0c, 0x9a, 0x3f, 0x89, 0x45, 0x2f, 0x68, 0xd8, 0xae, 0x31, 0x1b, 0x43,
//!     0x09, 0xd3, 0xcf, 0x50,
//! ];
//! let exporter = RecordedExporter::new(
//!     provider,
//!     HashAlgorithm::Sha256,
//!     Protocol::Tls13,
//!     Secret::from_slice(&ems),
//! )?;
//! let context: Vec<u8> = (0u8..32).collect();
//! let spki = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
//! # let spki = [&spki[..], &[0x25, 0x43, 0xb9, 0x2f, 0xf1, 0x09, 0x55, 0x11, 0x47, 0x6a,
//! #     0xdc, 0x83, 0x69, 0xdb, 0x6d, 0xdc, 0x93, 0x36, 0x65, 0xa1, 0x19, 0x78, 0xdd, 0xa1,
//! #     0x40, 0x4e, 0xe1, 0x06, 0x6c, 0xa9, 0x55, 0x9d]].concat();
//! let binder = expat_binder(provider, &exporter, ExpatLabel::Attestation, &context, &spki)?;
//! // Evidence must carry exactly this value (expat digest section 6.5).
//! assert_eq!(binder.binding_value.as_bytes()[..4], [0x8b, 0x0f, 0x95, 0x35]);
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "aws-lc-rs"))]
//! # fn main() {}
//! ```
#![forbid(unsafe_code)]

pub mod authenticator;
pub mod binder;
mod error;
pub mod exporter;
pub mod key_schedule;
pub mod provider;
mod secret;
pub mod spki;

pub use error::Error;
pub use secret::{Digest, MAX_DIGEST_LEN, Secret};
