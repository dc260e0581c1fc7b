//! Appraisal of attestation: the part of seat that decides.
//!
//! This crate turns Evidence into Attestation Results (the [`Verifier`]) and Attestation Results
//! into decisions ([`RelyingParty`], in the passport and background-check models). It
//! recomputes nothing from the peer: every binder comes from the Relying Party's own connection
//! state through `seat-binding`, formats are read through `seat-evidence`, and all crypto goes
//! through `seat-binding`'s provider. It is sans-I/O: `now` and randomness are arguments;
//! policies are parsed from text the caller read.
//!
//! **Reach for first:** with feature `embedded`, `embedded`: the published defaults that
//! attest and appraise in one process (simulated TEEs, an in-process Verifier, the
//! Relying-Party policy) as `seat-proto`'s attestation hooks, with `Server` and `Client`
//! roles and self-signed test identities. For your own deployment: [`Verifier::builder`] (a
//! signing key is generated when you give none), [`RelyingParty`] and [`Policy::from_toml`].
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `embedded` | no | `embedded`: `Embedded`, `EmbeddedHooks` (implementing `seat_proto::hooks::AttestationHooks`), `PeerAttestation`, the `Server` and `Client` builders, `testing::Identity`; depends on `seat-proto` with `rustls` |
//! | `openssl` | no | `embedded::early`: early attestation on OpenSSL 3 with the embedded defaults |
//! | `tokio` | no | `Server::acceptor` and `Client::connector` (`seat-proto`'s tokio adapter) |
//!
//! | module | what |
//! | --- | --- |
//! | [`builder`] | [`VerifierBuilder`]: a Verifier from named settings, its key generated when none is given |
//! | [`format`](mod@format) | one [`format::EvidenceFormat`] per Evidence format, chosen by CMW media type; the simulated TEE |
//! | [`claims`] | [`EvidenceClaims`]: what every platform's Evidence says, in one shape |
//! | [`collateral`] | [`Collateral`] the caller supplies, and [`CollateralNeed`]: what to fetch |
//! | [`verifier`] | the [`Verifier`]: decode, signature, binding, freshness, policy; issues signed EARs (CWT or JWT) |
//! | [`rp`] | the [`RelyingParty`]: background check (in-process or remote Verifier) and passport |
//! | [`policy`] | [`Policy`] as TOML data: trust anchors, reference values, tiers, windows |
//! | [`replay`] | the per-connection [`ReplayRecord`] of request contexts and accepted Evidence |
//! | [`error`] | [`Error`], with the [`Stage`] and [`Reason`] of every refusal |
//!
//! # Stages and attacks
//!
//! Checks run in this order; the first failure is the verdict (early-attestation section 5,
//! checklist; expat sections 3.9 and 3.12):
//!
//! | attack | stage | reason |
//! | --- | --- | --- |
//! | Evidence for another connection's binder (relay) | binding | [`Reason::BinderMismatch`] |
//! | Evidence binding another key (key substitution) | binding | [`Reason::AikMismatch`] |
//! | the same Evidence twice under the same binder (replay) | freshness | [`Reason::Replayed`] |
//! | stale `iat` | freshness | [`Reason::StaleEvidence`] |
//! | a tampered claim | signature | [`Reason::BadEvidenceSignature`] |
//! | an untrusted attestation key | signature | [`Reason::UntrustedAttestationKey`] |
//! | a measurement outside the reference values | policy | [`Reason::MeasurementMismatch`] |
//! | debug on when forbidden | policy | [`Reason::DebugEnabled`] |
//! | an EAR from an untrusted Verifier | signature | [`Reason::UntrustedVerifier`] |
//! | an EAR with another exchange's binder | binding | [`Reason::ResultBinderMismatch`] |
//! | an expired EAR | freshness | [`Reason::ResultExpired`] |
//! | a status below the required tier | policy | [`Reason::StatusBelowTier`] |
//! | a cached passport the policy forbids | binding | [`Reason::CachedPassportForbidden`] |
//!
//! # The policy file
//!
//! A TOML document with two optional tables; every key is optional and takes the default shown.
//! Unknown keys are errors. Keys are DER SubjectPublicKeyInfo, as `spki_hex` or `spki_base64`
//! (exactly one per key). Windows are whole seconds, at most [`policy::MAX_WINDOW_SECS`].
//!
//! ```toml
//! [verifier]
//! developer = "tag:seat.example,2026:seat-verify"   # ear_verifier_id.developer
//! build = "seat-verify 0.1.0"                       # ear_verifier_id.build
//! policy_id = "tag:seat.example,2026:policy/default"
//! evidence_max_age_secs = 60     # oldest acceptable Evidence iat before now
//! max_clock_skew_secs = 5        # how far in the future an iat may be
//! ear_validity_secs = 300        # exp - iat of issued EARs (at least 1)
//! min_dbgstat = 1                # RFC 9711 dbgstat 0..4; 0 allows debug
//! require_secure_boot = true     # oemboot must be true
//!
//! [[verifier.attestation_keys]]  # zero or more; Evidence must be signed by one
//! name = "sim-tee"
//! spki_hex = "3059..."
//!
//! [verifier.reference_values]
//! swname = "seat-demo"           # optional
//! swversion = "1.0.0"            # optional
//! [verifier.reference_values.measurements]
//! kernel = "a1b2..."             # name = hex digest; each must be present and equal
//!
//! [relying_party]
//! required_tier = "affirming"    # or "warning"
//! result_max_age_secs = 300      # oldest acceptable EAR iat before now
//! max_clock_skew_secs = 5
//! dangerous_allow_cached_passport = false   # accept EARs bound only to the AIK hash
//!
//! [[relying_party.verifier_keys]] # zero or more; EARs must be signed by one
//! name = "verifier-1"
//! spki_base64 = "MFkw..."
//! ```
//!
//! A bad file names the field and the reason:
//!
//! ```
//! use seat_verify::{ConfigReason, Error, Policy};
//!
//! let policy = Policy::from_toml(
//!     r#"
//! [verifier]
//! min_dbgstat = 2
//! [[verifier.attestation_keys]]
//! name = "sim-tee"
//! spki_hex = "3059301306072a8648ce3d020106082a8648ce3d03010703420004bac5b11cad8f99f9c72b05cf4b9e26d244dc189f745228255a219a86d6a09eff20138bf82dc1b6d562be0fa54ab7804a3a64b6d72ccfed6b6fb6ed28bbfc117e"
//! [verifier.reference_values.measurements]
//! kernel = "00112233"
//! [relying_party]
//! required_tier = "affirming"
//! "#,
//! )?;
//! assert_eq!(policy.verifier.min_dbgstat, 2);
//! assert_eq!(policy.verifier.attestation_keys[0].name, "sim-tee");
//! assert_eq!(
//!     policy.verifier.reference_values.measurements,
//!     vec![("kernel".to_string(), vec![0x00, 0x11, 0x22, 0x33])]
//! );
//!
//! let bad = Policy::from_toml("[relying_party]\nrequired_tier = \"none\"\n").unwrap_err();
//! assert_eq!(
//!     bad,
//!     Error::Config {
//!         field: "relying_party.required_tier".into(),
//!         reason: ConfigReason::BadTier,
//!     }
//! );
//! assert_eq!(
//!     bad.to_string(),
//!     "bad policy field relying_party.required_tier: tier must be \"affirming\" or \"warning\""
//! );
//! # Ok::<(), seat_verify::Error>(())
//! ```
#![forbid(unsafe_code)]

pub mod builder;
#[cfg(feature = "cca")]
pub mod cca;
pub mod claims;
pub mod collateral;
mod crypto;
#[cfg(feature = "embedded")]
pub mod embedded;
pub mod error;
pub mod format;
#[cfg(feature = "nitro")]
pub mod nitro;
pub mod policy;
#[cfg(feature = "psa")]
pub mod psa;
pub mod replay;
pub mod rp;
#[cfg(feature = "snp")]
pub mod snp;
#[cfg(feature = "tdx")]
pub mod tdx;
#[cfg(feature = "tpm")]
pub mod tpm;
pub mod verifier;

pub use builder::{VerifierBuilder, generate_signing_key};
pub use claims::{EvidenceClaims, Platform, TcbReport, TcbStatus};
pub use collateral::{Collateral, CollateralNeed};
pub use error::{Claim, ConfigReason, Error, Reason, Stage};
pub use policy::{Policy, ReferenceValues, RelyingPartyPolicy, TrustAnchor, VerifierPolicy};
pub use replay::{MAX_KEY_ONLY_DIGESTS, MAX_RECENT_CONTEXTS, MAX_RECENT_DIGESTS, ReplayRecord};
pub use rp::{Accepted, Background, BindingLevel, Expected, Model, RelyingParty};
pub use verifier::{AppraisalRequest, Report, ResultForm, Verifier};
