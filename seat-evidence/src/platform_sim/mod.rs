//! Format-faithful simulators of confidential-VM platforms (feature `platform-sim`), for
//! demos and tests that run whole attested sessions with real-format Evidence through exactly
//! the appraisal code real hardware Evidence takes.
//!
//! **Test roots only.** Every key of a simulator (its stand-in for the vendor's root CA, the
//! intermediate CAs, the platform and attestation keys) is derived from a seed anyone can
//! read; Evidence a simulator signs proves nothing about any hardware. A Verifier trusts a
//! simulator only when its caller adds the simulator's root as a trust anchor, never by
//! default.
//!
//! Each simulator is generated from a 32-byte seed, signs with deterministic ECDSA
//! (RFC 6979), and so produces the same bytes for the same inputs (recorded sessions replay
//! byte for byte). Each exposes its root certificate (DER), the collateral a Verifier needs,
//! its raw Evidence for 64 bytes of report data, and an [`Attester`](crate::Attester) that
//! wraps that Evidence in the CMW the configfs-tsm Attester ([`crate::configfs`]) produces on
//! the real platform.
//!
//! | module | platform | Evidence |
//! | --- | --- | --- |
//! | [`snp`] | AMD SEV-SNP | an attestation report with its VCEK (or VLEK), ASK (or ASVK) and ARK, and a CRL |
//! | [`tdx`] | Intel TDX | a DCAP quote v4 or v5 with its PCK chain, TCB info, QE identity and CRLs |
//! | [`tpm`] | TPM 2.0 | a quote with its signature and PCR values, by an attestation key from the seed |
//! | [`psa`] | PSA (RFC 9783) | an attestation token signed by an IAK from the seed |

pub mod psa;
pub mod snp;
pub mod tdx;
pub mod tpm;
