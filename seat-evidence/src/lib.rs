//! RATS formats and the Attester side of attested TLS.
//!
//! This crate owns the Conceptual Messages Wrapper (CMW, RFC 9999), Entity Attestation Tokens
//! (EAT, RFC 9711), Attestation Results (EAR with AR4SI trust vectors), COSE_Sign1 (RFC 9052),
//! key and platform attestation tokens, the `Attester` interface and the simulated TEE that is
//! the embedded default. It never sees TLS: binders arrive as bytes from the caller.
//!
//! Its one job is to turn those formats into typed values and back, strictly: every decoder is
//! total (no panic on any input), rejects trailing bytes, duplicate map keys, over-limit sizes
//! and nesting (the `MAX_*` constants of [`cbor`]), and reports a small `Copy` [`Error`] with
//! what was being read and the byte offset. Every encoder is infallible and deterministic
//! (RFC 8949 section 4.2.1 for CBOR). No crypto library is called here: COSE goes through the
//! [`cose::CoseSigner`] and [`cose::CoseVerifier`] traits, implemented over `seat-binding`'s
//! crypto provider in [`crypto`].
//!
//! **Reach for first:** [`cmw::AnyCmw::decode`] (what a peer sent), [`ear::Ear`] (an
//! Attestation Result), [`Attester`] (implement it for a platform) and [`sim::SimulatedTee`]
//! (the embedded default Attester). Appraisal is `seat-verify`'s; carrying a CMW over TLS is
//! `seat-proto`'s.
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `arbitrary` | no | `arbitrary::Arbitrary` for every wire type (property tests, fuzzing) |
//! | `platform-sim` | no | `platform_sim`: format-faithful confidential-VM simulators on test roots |
//!
//! | module | what |
//! | --- | --- |
//! | [`cbor`] | the strict CBOR reader and deterministic writer shared by every format |
//! | [`json`] | strict JSON (no duplicate members) and unpadded base64url |
//! | [`cmw`] | CMW records, tags (with `TN()`), collections, JSON forms, the one-byte demultiplexer |
//! | [`cose`] | COSE_Sign1 structure, header buckets, the Sig_structure bytes, signer/verifier traits |
//! | [`eat`] | EAT claims-sets as CWT payloads |
//! | [`crypto`] | COSE signing and verification through `seat-binding`'s crypto provider |
//! | [`ear`] | EAR claims and AR4SI trust vectors and tiers, signed as CWT and JWT |
//! | [`kat`] | key and platform attestation tokens (draft-bft-rats-kat-06) and their bundle |
//! | [`attester`] | the [`Attester`] interface: Evidence for a binder |
//! | [`configfs`] | the Linux configfs-tsm Attester (TDX, SEV-SNP reports) |
//! | [`platform`] | confidential-VM Evidence: the report-data binding rule, the tsm-report record |
//! | [`cca`] | Arm CCA attestation tokens: the platform and realm token collection, their claims, the binding rules, the media type |
//! | [`psa`] | PSA attestation tokens (RFC 9783): claims, the nonce binding rule, media types |
//! | [`tpm`] | TPM 2.0 quotes: the `extraData` binding rule, the quote record (quote, signature, PCR values) |
//! | `platform_sim` | (feature `platform-sim`; test roots only) format-faithful simulators: Intel TDX, AMD SEV-SNP, a TPM 2.0 quote, a PSA token |
//! | [`sim`] | the simulated TEE (spec sim-tee-profile v1) and the check of its Evidence |
//! | [`error`] | the crate's error type |
//!
//! # Example
//!
//! Wrap an EAT claims-set as Evidence in a CMW record, then read it back:
//!
//! ```
//! use seat_evidence::cmw::{Cmw, Ind, Record, RecordType};
//! use seat_evidence::eat::{ClaimsSet, Nonce};
//!
//! let claims = ClaimsSet {
//!     nonce: Some(Nonce::new(vec![0x94, 0x8f, 0x88, 0x60, 0xd1, 0x3a, 0x46, 0x3e])?),
//!     oemboot: Some(true),
//!     ..ClaimsSet::default()
//! };
//! let cmw = Cmw::Record(Record::new(
//!     RecordType::MediaType("application/eat-ucs+cbor".into()),
//!     claims.to_vec(),
//!     Some(Ind::EVIDENCE),
//! )?);
//! let bytes = cmw.to_vec();
//!
//! let Cmw::Record(record) = Cmw::decode(&bytes)? else { unreachable!() };
//! assert_eq!(record.ind(), Some(Ind::EVIDENCE));
//! assert_eq!(ClaimsSet::decode(record.value())?, claims);
//! // Trailing bytes are refused, with their offset.
//! let mut longer = bytes.clone();
//! longer.push(0);
//! assert_eq!(Cmw::decode(&longer).unwrap_err().offset(), Some(bytes.len()));
//! # Ok::<(), seat_evidence::Error>(())
//! ```
#![forbid(unsafe_code)]

pub mod attester;
pub mod cbor;
pub mod cca;
pub mod cmw;
pub mod configfs;
pub mod cose;
pub mod crypto;
mod der;
pub mod ear;
pub mod eat;
pub mod error;
pub mod json;
pub mod kat;
pub mod platform;
#[cfg(feature = "platform-sim")]
pub mod platform_sim;
pub mod psa;
pub mod sim;
pub mod tpm;

pub use attester::{Attester, EvidenceRequest};
pub use error::{Error, Item, ProviderError};
