//! The protocol layer of seat: wire codec and messages, authenticator assembly and
//! validation, and the sans-I/O state machines of attested TLS 1.3.
//!
//! This crate knows messages and protocol rules, never Evidence formats: CMW bytes are opaque
//! to it. It builds on `seat-binding` for everything that ties bytes to a connection and a
//! key. Today it holds the strict codec for every wire structure of the two SEAT mechanisms:
//!
//! - post-handshake attestation with RFC 9261 Exported Authenticators carrying a CMW in the
//!   `cmw_attestation` extension (draft-fossati-seat-expat): [`message`] and [`ext`];
//! - intra-handshake attestation with the `remoteAttestation` extension
//!   (draft-fossati-seat-early-attestation): [`remote_attestation`].
//!
//! Decoding is total and strict ([`codec`]); the unassigned code points are configuration
//! ([`codepoints::CodePoints`]).
//!
//! ```
//! use seat_proto::codepoints::{CodePoints, SignatureScheme};
//! use seat_proto::message::AuthenticatorRequest;
//!
//! // A ClientCertificateRequest offering cmw_attestation on the drafts' code point 0xFFFF.
//! let bytes = [
//!     0x11, 0x00, 0x00, 0x13, // client_certificate_request, 19 bytes
//!     0x04, 0xde, 0xad, 0xbe, 0xef, // certificate_request_context
//!     0x00, 0x0c, // extensions
//!     0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x08, 0x07, // signature_algorithms: ed25519
//!     0xff, 0xff, 0x00, 0x00, // cmw_attestation, empty: the offer
//! ];
//! let cp = CodePoints::default()
//!     .with_cmw_attestation(CodePoints::REFERENCE_CMW_ATTESTATION)?;
//! let request = AuthenticatorRequest::decode(&bytes, &cp)?;
//! assert!(request.extensions().offers_cmw_attestation());
//! let schemes = request.extensions().signature_algorithms().map(|l| l.schemes());
//! assert_eq!(schemes, Some(&[SignatureScheme::ED25519][..]));
//! assert_eq!(request.to_vec(), bytes);
//! # Ok::<(), seat_proto::Error>(())
//! ```
#![deny(unsafe_code)]

pub mod authenticator;
pub mod chain;
pub mod codec;
pub mod codepoints;
mod error;
pub mod ext;
#[cfg(feature = "openssl")]
mod ffi;
pub mod message;
pub mod negotiation;
#[cfg(feature = "openssl")]
pub mod openssl_glue;
#[cfg(feature = "openssl")]
pub mod openssl_stream;
pub mod remote_attestation;
#[cfg(feature = "rustls")]
pub mod rustls_glue;
pub mod session;
pub mod shim;
pub mod transcript;

pub use error::{ApiMisuse, AttestationError, Error, PeerIncompatible, PeerMisbehaved, REASONS};

/// The README's examples compile and run as doctests of this crate.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
