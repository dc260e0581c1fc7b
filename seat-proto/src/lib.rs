//! The protocol layer of seat: attested TLS 1.3 sessions, the adapters that drive them over
//! real TLS stacks, and the strict wire codec underneath.
//!
//! # Where to start
//!
//! - **An attested connection:** an adapter. With feature `tokio`,
//!   [`tokio_glue::AttestedAcceptor`] and [`tokio_glue::AttestedConnector`] return an
//!   [`AttestedStream`](tokio_glue::AttestedStream) once attestation succeeded; with feature
//!   `rustls`, [`rustls_glue::AttestedStream`] is the blocking equivalent. Each takes a
//!   [`SessionConfig`](session::SessionConfig) and, per connection, an implementation of
//!   [`AttestationHooks`](hooks::AttestationHooks): the Attester and the Verifier. The
//!   published embedded defaults (a simulated TEE, an in-process Verifier, the Relying-Party
//!   policy, `Server` and `Client` roles) are `seat-verify`'s `embedded` module (its feature
//!   `embedded`); the workspace README's first example uses them.
//! - **Driving a session yourself:** [`session::Session`] (post-handshake attestation with
//!   RFC 9261 Exported Authenticators, draft-fossati-seat-expat) and the one drive loop,
//!   [`hooks::Driver`].
//! - **Early (intra-handshake) attestation** on OpenSSL 3: [`openssl_glue`] (feature
//!   `openssl`) over the negotiation machines of [`negotiation`]
//!   (draft-fossati-seat-early-attestation).
//! - **Bytes:** the codec for every wire structure of both mechanisms: [`message`] and
//!   [`ext`] (the `cmw_attestation` extension), [`remote_attestation`]. Decoding is total and
//!   strict ([`codec`]); the unassigned code points are configuration
//!   ([`codepoints::CodePoints`]).
//!
//! A rejected attestation carries its [`Stage`](hooks::Stage) and the Verifier's reason into
//! the session's [`Error`], the error frame sent to the peer, and the adapters' `io::Error`.
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `rustls` | no | hardened rustls 0.23 configurations and the blocking [`rustls_glue::AttestedStream`] |
//! | `tokio` | no | [`tokio_glue`]: the tokio adapter over tokio-rustls, deadlines on tokio's timer |
//! | `openssl` | no | [`openssl_glue`]: early attestation over OpenSSL 3 through custom-extension callbacks |
//! | `arbitrary` | no | `arbitrary::Arbitrary` for every wire type (property tests, fuzzing) |
//!
//! This crate knows messages and protocol rules, never Evidence formats: CMW bytes are opaque
//! to it. It builds on `seat-binding` for everything that ties bytes to a connection and a
//! key.
//!
//!
//! # Driving a session
//!
//! The expat [`session::Session`] is sans-I/O. Its actions go through the caller's
//! [`hooks::AttestationHooks`] (the Attester for this side's Evidence, the Verifier and policy
//! for the peer's) in one place, [`hooks::drive`] or its stateful form [`hooks::Driver`], which
//! the stream adapters use too. An adapter feeds what it reads and writes what comes out:
//!
//! ```no_run
//! use seat_binding::exporter::Exporter;
//! use seat_proto::hooks::{AttestationHooks, Driver};
//! use seat_proto::session::{Input, Session};
//!
//! /// Hands the session bytes read from the TLS connection; returns the bytes to write back
//! /// and appends the peer's application data (once the gate is open) to `app`.
//! fn on_read<H: AttestationHooks>(
//!     session: &mut Session,
//!     driver: &mut Driver<H>,
//!     exporter: &dyn Exporter,
//!     bytes: &[u8],
//!     now: u64,
//!     app: &mut Vec<u8>,
//! ) -> Result<Vec<u8>, seat_proto::Error> {
//!     let mut to_tls = Vec::new();
//!     let input = Input::Received { bytes, exporter, now };
//!     // On a fatal error, `to_tls` still holds the error frame to send before closing.
//!     driver.handle(session, input, now, &mut to_tls, app)?;
//!     if let Some(accepted) = driver.peer_attestation() {
//!         println!("the peer's attestation was accepted: {accepted:?}");
//!     }
//!     Ok(to_tls)
//! }
//! ```
//!
//! The adapters do this for you: [`rustls_glue::AttestedStream`] (feature `rustls`, blocking)
//! and [`tokio_glue`] (feature `tokio`: `AttestedAcceptor`, `AttestedConnector`).
//!
//! # The codec
//!
//! Every wire structure decodes strictly and re-encodes byte for byte:
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
pub mod dgram;
mod error;
pub mod ext;
#[cfg(feature = "openssl")]
mod ffi;
pub mod hooks;
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
#[cfg(feature = "tokio")]
pub mod tokio_glue;
pub mod transcript;

pub use error::{ApiMisuse, AttestationError, Error, PeerIncompatible, PeerMisbehaved, Reason};

// What seat-proto's public signatures use from its dependencies, so that the common case
// needs this one crate.
pub use rustls_pki_types::CertificateDer;
/// The binding layer, whole, for what the re-exports above leave out (the provider
/// implementations, the exporter adapters, the binders).
pub use seat_binding;
pub use seat_binding::authenticator::{AuthenticatorKeys, Role};
pub use seat_binding::binder::ExpatLabel;
pub use seat_binding::exporter::Exporter;
pub use seat_binding::key_schedule::Protocol;
#[cfg(feature = "aws-lc-rs")]
pub use seat_binding::provider::default_provider;
pub use seat_binding::provider::{
    CryptoProvider, HashAlgorithm, RandomSource, SignatureAlgorithm, SigningKey,
};
