//! TPM 2.0 quotes appraised against a pinned attestation key or an AK certificate chain
//! (feature `tpm`).
//!
//! The Evidence is the record of [`seat_evidence::tpm`]: a `TPMS_ATTEST` of type quote, its
//! `TPMT_SIGNATURE` by the AK, the PCR values whose digest the quote signs, and optionally the
//! AK's certificate chain (`x5c`, leaf first). The AK is trusted one of two ways
//! ([`AkTrust`]): its key is pinned in [`TpmPolicy::attestation_keys`], or its certificate
//! chains, at the appraisal's `now`, to one of [`TpmPolicy::ak_roots`] (rustls-webpki, the
//! validator of the Nitro chain) and the certificate is fit for an AK. A pinned key is looked
//! up first, so a pinned AK needs no chain. Stages, in order, each failure a typed [`Reason`]:
//!
//! | stage | check | reason |
//! | --- | --- | --- |
//! | decode | the record map (keys, order, `tpmVer` "2.0", sizes) | [`Reason::MalformedEvidence`] |
//! | decode | the `TPMT_SIGNATURE`: complete, no trailing bytes | [`Reason::Truncated`] |
//! | signature | scheme RSASSA, RSA-PSS or ECDSA with SHA-256, SHA-384 or SHA-512 | [`Reason::UnsupportedAlgorithm`] |
//! | decode | each `x5c` certificate is DER X.509 (RFC 5280); `kid`, if present, is SHA-256 of the leaf's SubjectPublicKeyInfo | [`Reason::MalformedPlatformEvidence`] |
//! | signature | `kid` (or, without `kid`, the leaf's key) names a pinned AK; without either: the one pinned AK, or the first of several the signature verifies under | [`Reason::UntrustedAttestationKey`] |
//! | signature | not pinned: the chain ends at a configured AK root, every certificate within its validity at `now` | [`Reason::UntrustedAttestationKey`] (no chain or no roots), [`Reason::UntrustedRoot`], [`Reason::CertificateExpired`] |
//! | signature | not pinned: the leaf is fit for an AK (below) | [`Reason::UntrustedAttestationKey`] |
//! | signature | the scheme fits the AK (RSA schemes an RSA key, ECDSA P-256 with SHA-256, P-384 with SHA-384) | [`Reason::UnsupportedAlgorithm`] |
//! | signature | the signature over the `TPMS_ATTEST` bytes, under the pinned key or the leaf's key | [`Reason::BadEvidenceSignature`] |
//! | decode | `magic` is `TPM_GENERATED_VALUE` | [`Reason::BadMagic`] |
//! | decode | `type` is `TPM_ST_ATTEST_QUOTE` | [`Reason::WrongAttestationType`] |
//! | decode | every field complete and bounded, `safe` 0 or 1, no trailing bytes | [`Reason::Truncated`], [`Reason::MalformedPlatformEvidence`] |
//! | decode | the PCR values: one per selected PCR, each of its bank's digest size | [`Reason::PcrSelectionMismatch`] |
//! | signature | `pcrDigest` = H(the PCR values in selection order), H the signature's hash | [`Reason::PcrDigestMismatch`] |
//! | binding | `extraData` = [`seat_evidence::tpm::extra_data`] of the binder and AIK hash | [`Reason::BinderMismatch`] |
//! | policy | each reference PCR is quoted and equal | findings [`Reason::MeasurementMissing`], [`Reason::PcrMismatch`] |
//!
//! The signature is checked before the attestation structure is read, so a change of any
//! signed byte is a signature failure whatever field it lands in; a structure that is signed
//! but wrong (another type, a selection that does not fit the values) is a decode failure.
//!
//! **An AK certificate fit for an AK.** rustls-webpki refuses a leaf that is a CA
//! (basicConstraints `cA`, RFC 5280 section 4.2.1.9) and any unknown critical extension. On
//! top of that, only what a profile says and real AK certificates follow:
//!
//! - keyUsage, if present, includes `digitalSignature` (RFC 5280 section 4.2.1.3: the key
//!   verifies signatures other than on certificates and CRLs, as a quote's);
//! - extKeyUsage, if present, includes tcg-kp-AIKCertificate `2.23.133.8.3` (the WebAuthn TPM
//!   attestation certificate requirements, Web Authentication Level 2, 8.3.1; Microsoft's
//!   AIK key attestation, MS-WCCE 3.2.2.6.2.1.2.5.1) or
//!   tcg-kp-EKCertificate `2.23.133.8.1`, the purpose Google's vTPM AK certificates carry
//!   (the published sample in `tests/data/tpm/gce/`), so that a certificate issued for
//!   another purpose (a TLS server, code signing) under the same CA is not taken for an AK.
//!
//! The other WebAuthn requirements (an empty subject, a TCG directory-name subject alternative
//! name) are not checked: Google's AK certificates have an empty subject, Azure's a common
//! name, and nothing seat reads depends on them.
//!
//! The parser is this module's own: the maintained pure-Rust TPM structure crates either need
//! a newer Rust than the workspace's 1.88 (`tpm2-protocol` 1.2 asks for 1.95) or link the
//! native TSS (`tss-esapi`). It reads only the structures a quote has, each size bounded by
//! the TPM 2.0 Part 2 maximum.

use der::{Decode as _, Encode as _};
use p256::ecdsa::signature::Verifier as _;
use rsa::pkcs1::DecodeRsaPublicKey;
use rustls_pki_types::{CertificateDer, UnixTime};
use seat_binding::spki::{KeyType, parse_spki};
use seat_evidence::tpm::{TPM_QUOTE_MEDIA_TYPE, TpmQuoteRecord, extra_data};
use sha2::Digest as _;

use crate::claims::{EvidenceClaims, Platform};
use crate::error::Reason;
use crate::format::{AppraisalContext, EvidenceFormat, FormatAppraisal, ar4si, trust_vector};
use crate::policy::TrustAnchor;

/// The profile named in the EAR submodule of a TPM appraisal.
pub const TPM_PROFILE: &str = "tag:seat.example,2026:tpm-quote/1";

/// The EAR submodule name of a TPM appraisal.
pub const TPM_SUBMOD: &str = "tpm";

/// `TPM_GENERATED_VALUE`.
pub const TPM_GENERATED_VALUE: u32 = 0xff54_4347;
/// `TPM_ST_ATTEST_QUOTE`.
pub const TPM_ST_ATTEST_QUOTE: u16 = 0x8018;

/// Longest `TPM2B_NAME` (a nameAlg and a SHA-512 digest).
pub const MAX_NAME_LEN: usize = 66;
/// Longest `TPM2B_DATA` or `TPM2B_DIGEST` (a SHA-512 digest).
pub const MAX_DIGEST_LEN: usize = 64;
/// Most banks in a `TPML_PCR_SELECTION` (`HASH_COUNT` of a TPM implementing SHA-1, SHA-256,
/// SHA-384, SHA-512, SM3 and SHA3 banks).
pub const MAX_PCR_BANKS: usize = 8;
/// Largest `sizeofSelect`: 32 PCRs (a PC-client TPM has 24, `PCR_SELECT_MIN` 3).
pub const MAX_PCR_SELECT: usize = 4;
/// Longest RSA signature (RSA-4096).
pub const MAX_RSA_SIGNATURE_LEN: usize = 512;
/// Longest ECDSA `r` or `s` (P-521).
pub const MAX_ECC_PARAMETER_LEN: usize = 66;
/// Most AK roots a policy holds.
pub const MAX_AK_ROOTS: usize = 32;

/// tcg-kp-AIKCertificate.
const TCG_KP_AIK_CERTIFICATE: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("2.23.133.8.3");
/// tcg-kp-EKCertificate.
const TCG_KP_EK_CERTIFICATE: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("2.23.133.8.1");

/// A TPM hash algorithm (TPM 2.0 Part 2, `TPM_ALG_ID`).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TpmHash {
    /// `TPM_ALG_SHA1` 0x0004 (PCR banks only; no signature with it is accepted).
    Sha1,
    /// `TPM_ALG_SHA256` 0x000b.
    Sha256,
    /// `TPM_ALG_SHA384` 0x000c.
    Sha384,
    /// `TPM_ALG_SHA512` 0x000d.
    Sha512,
}

impl TpmHash {
    /// The algorithm of a `TPM_ALG_ID`, `None` for others.
    pub const fn from_id(id: u16) -> Option<Self> {
        Some(match id {
            0x0004 => Self::Sha1,
            0x000b => Self::Sha256,
            0x000c => Self::Sha384,
            0x000d => Self::Sha512,
            _ => return None,
        })
    }

    /// The digest size.
    pub const fn size(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The lowercase name (`sha256`), used in measurement names (`sha256:pcr7`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    fn digest(self, parts: &[&[u8]]) -> Option<Vec<u8>> {
        fn run<D: sha2::Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut h = D::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().to_vec()
        }
        Some(match self {
            Self::Sha1 => return None,
            Self::Sha256 => run::<sha2::Sha256>(parts),
            Self::Sha384 => run::<sha2::Sha384>(parts),
            Self::Sha512 => run::<sha2::Sha512>(parts),
        })
    }
}

/// A `TPMT_SIGNATURE` of a scheme this module verifies.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TpmSignature {
    /// `TPM_ALG_RSASSA` 0x0014: RSASSA-PKCS1-v1_5.
    RsaSsa {
        /// The hash.
        hash: TpmHash,
        /// The signature.
        sig: Vec<u8>,
    },
    /// `TPM_ALG_RSAPSS` 0x0016: RSASSA-PSS.
    RsaPss {
        /// The hash.
        hash: TpmHash,
        /// The signature.
        sig: Vec<u8>,
    },
    /// `TPM_ALG_ECDSA` 0x0018.
    Ecdsa {
        /// The hash.
        hash: TpmHash,
        /// `signatureR`.
        r: Vec<u8>,
        /// `signatureS`.
        s: Vec<u8>,
    },
}

impl TpmSignature {
    /// The scheme's hash.
    pub const fn hash(&self) -> TpmHash {
        match self {
            Self::RsaSsa { hash, .. } | Self::RsaPss { hash, .. } | Self::Ecdsa { hash, .. } => {
                *hash
            }
        }
    }

    /// Reads a `TPMT_SIGNATURE` (TPM 2.0 Part 2, 11.3.4), strictly: the whole input, sizes
    /// within [`MAX_RSA_SIGNATURE_LEN`] and [`MAX_ECC_PARAMETER_LEN`].
    ///
    /// # Errors
    ///
    /// [`Reason::Truncated`] for a structure that ends early or has bytes after it;
    /// [`Reason::UnsupportedAlgorithm`] for another scheme, a hash other than SHA-256,
    /// SHA-384 and SHA-512, or an oversized field.
    pub fn decode(bytes: &[u8]) -> Result<Self, Reason> {
        let mut r = Cursor(bytes);
        let alg = r.u16()?;
        let hash = TpmHash::from_id(r.u16()?)
            .filter(|h| *h != TpmHash::Sha1)
            .ok_or(Reason::UnsupportedAlgorithm)?;
        let sig = match alg {
            0x0014 | 0x0016 => {
                let sig = r.tpm2b(MAX_RSA_SIGNATURE_LEN, Reason::UnsupportedAlgorithm)?;
                if alg == 0x0014 {
                    Self::RsaSsa { hash, sig }
                } else {
                    Self::RsaPss { hash, sig }
                }
            }
            0x0018 => Self::Ecdsa {
                hash,
                r: r.tpm2b(MAX_ECC_PARAMETER_LEN, Reason::UnsupportedAlgorithm)?,
                s: r.tpm2b(MAX_ECC_PARAMETER_LEN, Reason::UnsupportedAlgorithm)?,
            },
            _ => return Err(Reason::UnsupportedAlgorithm),
        };
        r.end()?;
        Ok(sig)
    }

    /// Verifies the signature over `message` with the DER SubjectPublicKeyInfo `spki`.
    ///
    /// RSA-PSS is accepted with a salt as long as the hash (TPMs following FIPS 186-4) or
    /// the longest salt the key allows (the TPM 2.0 Part 1 default of earlier revisions).
    ///
    /// # Errors
    ///
    /// [`Reason::UnsupportedAlgorithm`] for a key the scheme does not fit;
    /// [`Reason::BadEvidenceSignature`] for a signature that does not verify.
    pub fn verify(&self, spki: &[u8], message: &[u8]) -> Result<(), Reason> {
        let unsupported = Reason::UnsupportedAlgorithm;
        let bad = Reason::BadEvidenceSignature;
        let info = parse_spki(spki).map_err(|_| unsupported)?;
        let hash = self.hash();
        let hashed = hash.digest(&[message]).ok_or(unsupported)?;
        match (self, info.key_type) {
            (Self::RsaSsa { sig, .. } | Self::RsaPss { sig, .. }, KeyType::Rsa) => {
                let key =
                    rsa::RsaPublicKey::from_pkcs1_der(info.raw_key).map_err(|_| unsupported)?;
                if matches!(self, Self::RsaSsa { .. }) {
                    let scheme = match hash {
                        TpmHash::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                        TpmHash::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                        TpmHash::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                        TpmHash::Sha1 => return Err(unsupported),
                    };
                    return key.verify(scheme, &hashed, sig).map_err(|_| bad);
                }
                let max_salt = rsa::traits::PublicKeyParts::size(&key)
                    .checked_sub(hash.size() + 2)
                    .ok_or(bad)?;
                for salt in [hash.size(), max_salt] {
                    let scheme = match hash {
                        TpmHash::Sha256 => rsa::Pss::new_with_salt::<sha2::Sha256>(salt),
                        TpmHash::Sha384 => rsa::Pss::new_with_salt::<sha2::Sha384>(salt),
                        TpmHash::Sha512 => rsa::Pss::new_with_salt::<sha2::Sha512>(salt),
                        TpmHash::Sha1 => return Err(unsupported),
                    };
                    if key.verify(scheme, &hashed, sig).is_ok() {
                        return Ok(());
                    }
                }
                Err(bad)
            }
            (Self::Ecdsa { hash, r, s }, KeyType::EcP256) if *hash == TpmHash::Sha256 => {
                let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(info.raw_key)
                    .map_err(|_| unsupported)?;
                let sig = p256::ecdsa::Signature::from_scalars(
                    left_pad::<32>(r).ok_or(bad)?,
                    left_pad::<32>(s).ok_or(bad)?,
                )
                .map_err(|_| bad)?;
                key.verify(message, &sig).map_err(|_| bad)
            }
            (Self::Ecdsa { hash, r, s }, KeyType::EcP384) if *hash == TpmHash::Sha384 => {
                let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(info.raw_key)
                    .map_err(|_| unsupported)?;
                let sig = p384::ecdsa::Signature::from_scalars(
                    left_pad::<48>(r).ok_or(bad)?,
                    left_pad::<48>(s).ok_or(bad)?,
                )
                .map_err(|_| bad)?;
                key.verify(message, &sig).map_err(|_| bad)
            }
            _ => Err(unsupported),
        }
    }
}

/// A big-endian number of at most `N` bytes, left-padded to `N`.
fn left_pad<const N: usize>(b: &[u8]) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    let start = N.checked_sub(b.len())?;
    out.get_mut(start..)?.copy_from_slice(b);
    Some(out)
}

/// One bank of a `TPML_PCR_SELECTION`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PcrBank {
    /// The bank's hash.
    pub hash: TpmHash,
    /// The selected PCR indices, ascending.
    pub pcrs: Vec<u8>,
}

/// `TPMS_CLOCK_INFO`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockInfo {
    /// Milliseconds the TPM has been powered since its last clear.
    pub clock: u64,
    /// TPM resets since the last clear.
    pub reset_count: u32,
    /// Restarts since the last reset.
    pub restart_count: u32,
    /// Whether `clock` has not gone backwards since it was last reported.
    pub safe: bool,
}

/// A `TPMS_ATTEST` of type quote (TPM 2.0 Part 2, 10.12.12 and 10.12.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TpmQuote {
    /// `qualifiedSigner`: the AK's qualified name.
    pub qualified_signer: Vec<u8>,
    /// `extraData`: the caller data (the binding).
    pub extra_data: Vec<u8>,
    /// `clockInfo`.
    pub clock_info: ClockInfo,
    /// `firmwareVersion`.
    pub firmware_version: u64,
    /// `attested.quote.pcrSelect`.
    pub selection: Vec<PcrBank>,
    /// `attested.quote.pcrDigest`.
    pub pcr_digest: Vec<u8>,
}

impl TpmQuote {
    /// Reads a `TPMS_ATTEST` of type quote, strictly: the whole input, each size bounded.
    ///
    /// # Errors
    ///
    /// [`Reason::BadMagic`], [`Reason::WrongAttestationType`], [`Reason::Truncated`];
    /// [`Reason::MalformedPlatformEvidence`] for a field over its bound, an unknown bank or
    /// `safe` other than 0 or 1.
    pub fn decode(bytes: &[u8]) -> Result<Self, Reason> {
        let bad = Reason::MalformedPlatformEvidence;
        let mut r = Cursor(bytes);
        if r.u32()? != TPM_GENERATED_VALUE {
            return Err(Reason::BadMagic);
        }
        if r.u16()? != TPM_ST_ATTEST_QUOTE {
            return Err(Reason::WrongAttestationType);
        }
        let qualified_signer = r.tpm2b(MAX_NAME_LEN, bad)?;
        let extra_data = r.tpm2b(MAX_DIGEST_LEN, bad)?;
        let clock_info = ClockInfo {
            clock: r.u64()?,
            reset_count: r.u32()?,
            restart_count: r.u32()?,
            safe: match r.u8()? {
                0 => false,
                1 => true,
                _ => return Err(bad),
            },
        };
        let firmware_version = r.u64()?;
        let count = usize::try_from(r.u32()?).map_err(|_| bad)?;
        if count == 0 || count > MAX_PCR_BANKS {
            return Err(bad);
        }
        let mut selection = Vec::with_capacity(count);
        for _ in 0..count {
            let hash = TpmHash::from_id(r.u16()?).ok_or(Reason::UnsupportedAlgorithm)?;
            let size = usize::from(r.u8()?);
            if size == 0 || size > MAX_PCR_SELECT {
                return Err(bad);
            }
            let select = r.take(size)?;
            let mut pcrs = Vec::new();
            for (byte_index, byte) in (0u8..).zip(select) {
                for bit in 0..8 {
                    if byte & (1 << bit) != 0 {
                        pcrs.push(byte_index * 8 + bit);
                    }
                }
            }
            if selection.iter().any(|b: &PcrBank| b.hash == hash) {
                return Err(bad);
            }
            selection.push(PcrBank { hash, pcrs });
        }
        let pcr_digest = r.tpm2b(MAX_DIGEST_LEN, bad)?;
        r.end()?;
        Ok(Self {
            qualified_signer,
            extra_data,
            clock_info,
            firmware_version,
            selection,
            pcr_digest,
        })
    }

    /// The selected PCRs in selection order: bank by bank, ascending within a bank.
    pub fn selected(&self) -> impl Iterator<Item = (TpmHash, u8)> + '_ {
        self.selection
            .iter()
            .flat_map(|b| b.pcrs.iter().map(move |i| (b.hash, *i)))
    }
}

/// A big-endian reader that never reads past its input.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Reason> {
        if self.0.len() < n {
            return Err(Reason::Truncated);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Reason> {
        <[u8; N]>::try_from(self.take(N)?).map_err(|_| Reason::Truncated)
    }

    fn u8(&mut self) -> Result<u8, Reason> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    fn u16(&mut self) -> Result<u16, Reason> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, Reason> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, Reason> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A `TPM2B`: a u16 size at most `max` (else `over`), then that many bytes.
    fn tpm2b(&mut self, max: usize, over: Reason) -> Result<Vec<u8>, Reason> {
        let n = usize::from(self.u16()?);
        if n > max {
            return Err(over);
        }
        Ok(self.take(n)?.to_vec())
    }

    fn end(&self) -> Result<(), Reason> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Reason::Truncated)
        }
    }
}

/// A reference value for one PCR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PcrReference {
    /// The bank.
    pub bank: TpmHash,
    /// The PCR index.
    pub index: u8,
    /// The expected value.
    pub value: Vec<u8>,
}

/// A CA certificate an AK certificate chain may end at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AkRoot {
    /// A name for logs and the EAR (the appraisal's anchor).
    pub name: String,
    /// The certificate (DER).
    pub certificate: Vec<u8>,
}

/// How the AK of an accepted quote was trusted.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AkTrust {
    /// Its key is one of [`TpmPolicy::attestation_keys`].
    Pinned,
    /// Its certificate chains to one of [`TpmPolicy::ak_roots`].
    Certificate,
}

/// What a TPM policy requires (its part of the Verifier's policy).
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TpmPolicy {
    /// The pinned attestation keys (DER SubjectPublicKeyInfo).
    pub attestation_keys: Vec<TrustAnchor>,
    /// The CA certificates an AK certificate chain may end at (at most [`MAX_AK_ROOTS`]).
    /// A quote must be signed by a pinned key or by the leaf of a chain to one of them.
    pub ak_roots: Vec<AkRoot>,
    /// Reference PCR values: each must be quoted and equal.
    pub reference_pcrs: Vec<PcrReference>,
}

impl TpmPolicy {
    /// A policy pinning `attestation_keys`, with no AK roots and no reference values.
    pub const fn new(attestation_keys: Vec<TrustAnchor>) -> Self {
        Self {
            attestation_keys,
            ak_roots: Vec::new(),
            reference_pcrs: Vec::new(),
        }
    }

    /// Adds the AK root `certificate` (DER) under `name`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Rejected`] with [`Reason::MalformedCollateral`] for a certificate
    /// rustls-webpki cannot take as a trust anchor, or past [`MAX_AK_ROOTS`].
    pub fn with_ak_root(
        mut self,
        name: impl Into<String>,
        certificate: &[u8],
    ) -> Result<Self, crate::Error> {
        if self.ak_roots.len() >= MAX_AK_ROOTS {
            return Err(crate::Error::Rejected(Reason::MalformedCollateral));
        }
        rustls_webpki::anchor_from_trusted_cert(&CertificateDer::from(certificate))
            .map_err(|_| crate::Error::Rejected(Reason::MalformedCollateral))?;
        self.ak_roots.push(AkRoot {
            name: name.into(),
            certificate: certificate.to_vec(),
        });
        Ok(self)
    }
}

/// The signature algorithms accepted on AK certificate chains: ECDSA on P-256, P-384 and
/// P-521, RSA PKCS#1 v1.5 and RSA-PSS with SHA-2, Ed25519.
static CHAIN_ALGORITHMS: &[&dyn rustls_pki_types::SignatureVerificationAlgorithm] = &[
    rustls_webpki::aws_lc_rs::ECDSA_P256_SHA256,
    rustls_webpki::aws_lc_rs::ECDSA_P256_SHA384,
    rustls_webpki::aws_lc_rs::ECDSA_P384_SHA256,
    rustls_webpki::aws_lc_rs::ECDSA_P384_SHA384,
    rustls_webpki::aws_lc_rs::ECDSA_P521_SHA512,
    rustls_webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA256,
    rustls_webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA384,
    rustls_webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA512,
    rustls_webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    rustls_webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
    rustls_webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
    rustls_webpki::aws_lc_rs::ED25519,
];

/// rustls-webpki's extended-key-usage hook, for every certificate of the path: the extension
/// must be well formed; what the leaf's says is checked apart ([`ak_fit`]), since the hook
/// cannot tell the leaf from a CA.
struct WellFormedEku;

impl rustls_webpki::ExtendedKeyUsageValidator for WellFormedEku {
    fn validate(
        &self,
        iter: rustls_webpki::KeyPurposeIdIter<'_, '_>,
    ) -> Result<(), rustls_webpki::Error> {
        for id in iter {
            id?;
        }
        Ok(())
    }
}

/// Whether the leaf may be an AK (module documentation): keyUsage `digitalSignature` and a
/// TCG key purpose where the certificate has those extensions.
fn ak_fit(leaf: &x509_cert::Certificate) -> Result<(), Reason> {
    use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages};
    let unfit = Reason::UntrustedAttestationKey;
    match leaf.tbs_certificate.get::<KeyUsage>() {
        Ok(None) => {}
        Ok(Some((_, ku))) if ku.0.contains(KeyUsages::DigitalSignature) => {}
        _ => return Err(unfit),
    }
    match leaf.tbs_certificate.get::<ExtendedKeyUsage>() {
        Ok(None) => Ok(()),
        Ok(Some((_, eku)))
            if eku
                .0
                .iter()
                .any(|p| *p == TCG_KP_AIK_CERTIFICATE || *p == TCG_KP_EK_CERTIFICATE) =>
        {
            Ok(())
        }
        _ => Err(unfit),
    }
}

/// A quote whose signature and PCR digest checked out, before binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedQuote {
    /// The quote.
    pub quote: TpmQuote,
    /// The PCR values by (bank, index), in selection order.
    pub pcrs: Vec<(TpmHash, u8, Vec<u8>)>,
    /// The name of the pinned AK that signed it, or of the AK root its certificate chains to.
    pub anchor: String,
    /// How the AK was trusted.
    pub ak_trust: AkTrust,
    /// SHA-256 of the `TPMS_ATTEST` (what the signature covers).
    pub digest: [u8; 32],
}

/// A record's AK certificates, the leaf parsed.
struct AkChain {
    certs: Vec<Vec<u8>>,
    leaf: x509_cert::Certificate,
    leaf_spki: Vec<u8>,
}

/// The TPM 2.0 quote format.
#[derive(Clone, Debug)]
pub struct TpmFormat {
    policy: TpmPolicy,
}

impl TpmFormat {
    /// The media type it reads, [`seat_evidence::tpm::TPM_QUOTE_MEDIA_TYPE`].
    pub const MEDIA_TYPE: &'static str = TPM_QUOTE_MEDIA_TYPE;

    /// TPM quotes appraised with `policy`.
    pub const fn new(policy: TpmPolicy) -> Self {
        Self { policy }
    }

    /// The policy.
    pub const fn policy(&self) -> &TpmPolicy {
        &self.policy
    }

    /// Decodes a quote record and checks its signature and PCR digest, the AK trusted as pinned
    /// or through its certificate chain at `now_unix_secs`: everything but the binding and the
    /// policy.
    ///
    /// # Errors
    ///
    /// A [`Reason`] of stage decode or signature (module documentation).
    pub fn verify_quote(&self, record: &[u8], now_unix_secs: u64) -> Result<VerifiedQuote, Reason> {
        let rec = TpmQuoteRecord::decode(record).map_err(Reason::MalformedEvidence)?;
        let sig = TpmSignature::decode(&rec.signature)?;
        let chain = self.decode_chain(&rec)?;
        let keys = &self.policy.attestation_keys;
        let named = rec.kid.clone().or_else(|| {
            chain
                .as_ref()
                .map(|c| sha2::Sha256::digest(&c.leaf_spki).to_vec())
        });
        let pinned = named.as_ref().and_then(|kid| {
            keys.iter()
                .find(|a| crate::crypto::ct_eq(&sha2::Sha256::digest(&a.spki), kid.as_slice()))
        });
        let (anchor, ak_trust) = match (pinned, &chain) {
            (Some(a), _) => {
                sig.verify(&a.spki, &rec.attest)?;
                (a.name.clone(), AkTrust::Pinned)
            }
            (None, Some(c)) => {
                let root = self.validate_chain(c, now_unix_secs)?;
                sig.verify(&c.leaf_spki, &rec.attest)?;
                (root, AkTrust::Certificate)
            }
            (None, None) if rec.kid.is_some() => return Err(Reason::UntrustedAttestationKey),
            (None, None) => match keys.as_slice() {
                [one] => {
                    sig.verify(&one.spki, &rec.attest)?;
                    (one.name.clone(), AkTrust::Pinned)
                }
                _ => keys
                    .iter()
                    .find(|a| sig.verify(&a.spki, &rec.attest).is_ok())
                    .map(|a| (a.name.clone(), AkTrust::Pinned))
                    .ok_or(Reason::UntrustedAttestationKey)?,
            },
        };
        let quote = TpmQuote::decode(&rec.attest)?;
        let selected: Vec<(TpmHash, u8)> = quote.selected().collect();
        if selected.len() != rec.pcrs.len()
            || selected
                .iter()
                .zip(&rec.pcrs)
                .any(|((bank, _), v)| v.len() != bank.size())
        {
            return Err(Reason::PcrSelectionMismatch);
        }
        let parts: Vec<&[u8]> = rec.pcrs.iter().map(Vec::as_slice).collect();
        let digest = sig
            .hash()
            .digest(&parts)
            .ok_or(Reason::UnsupportedAlgorithm)?;
        if digest != quote.pcr_digest {
            return Err(Reason::PcrDigestMismatch);
        }
        let pcrs = selected
            .into_iter()
            .zip(rec.pcrs)
            .map(|((bank, i), v)| (bank, i, v))
            .collect();
        Ok(VerifiedQuote {
            quote,
            pcrs,
            anchor,
            ak_trust,
            digest: sha2::Sha256::digest(&rec.attest).into(),
        })
    }

    /// The record's AK certificates, parsed, when it has them.
    fn decode_chain(&self, rec: &TpmQuoteRecord) -> Result<Option<AkChain>, Reason> {
        let bad = Reason::MalformedPlatformEvidence;
        let Some(leaf_der) = rec.ak_certs.first() else {
            return Ok(None);
        };
        for c in &rec.ak_certs {
            x509_cert::Certificate::from_der(c).map_err(|_| bad)?;
        }
        let leaf = x509_cert::Certificate::from_der(leaf_der).map_err(|_| bad)?;
        let leaf_spki = leaf
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|_| bad)?;
        if let Some(kid) = &rec.kid
            && !crate::crypto::ct_eq(&sha2::Sha256::digest(&leaf_spki), kid)
        {
            return Err(bad);
        }
        Ok(Some(AkChain {
            certs: rec.ak_certs.clone(),
            leaf,
            leaf_spki,
        }))
    }

    /// Validates `chain` to an AK root at `now_unix_secs` and the leaf's fitness; the root's
    /// name.
    fn validate_chain(&self, chain: &AkChain, now_unix_secs: u64) -> Result<String, Reason> {
        let roots = &self.policy.ak_roots;
        if roots.is_empty() {
            return Err(Reason::UntrustedAttestationKey);
        }
        let anchors = roots
            .iter()
            .map(|r| {
                rustls_webpki::anchor_from_trusted_cert(&CertificateDer::from(
                    r.certificate.as_slice(),
                ))
                .map(|a| a.to_owned())
                .map_err(|_| Reason::MalformedCollateral)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut certs = chain
            .certs
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()));
        let leaf = certs.next().ok_or(Reason::MalformedPlatformEvidence)?;
        let intermediates: Vec<CertificateDer<'_>> = certs.collect();
        let ee = rustls_webpki::EndEntityCert::try_from(&leaf)
            .map_err(|_| Reason::MalformedPlatformEvidence)?;
        let path = ee
            .verify_for_usage(
                CHAIN_ALGORITHMS,
                &anchors,
                &intermediates,
                UnixTime::since_unix_epoch(core::time::Duration::from_secs(now_unix_secs)),
                WellFormedEku,
                None,
                None,
            )
            .map_err(|e| match e {
                rustls_webpki::Error::CertExpired { .. }
                | rustls_webpki::Error::CertNotValidYet { .. } => Reason::CertificateExpired,
                _ => Reason::UntrustedRoot,
            })?;
        let reached = path.anchor();
        let root = anchors
            .iter()
            .zip(roots)
            .find(|(a, _)| {
                a.subject == reached.subject
                    && a.subject_public_key_info == reached.subject_public_key_info
            })
            .map(|(_, r)| r.name.clone())
            .ok_or(Reason::UntrustedRoot)?;
        ak_fit(&chain.leaf)?;
        Ok(root)
    }

    /// The policy findings and the AR4SI `executables` claim.
    fn findings(&self, q: &VerifiedQuote) -> (Vec<Reason>, Option<i8>) {
        let mut findings = Vec::new();
        if self.policy.reference_pcrs.is_empty() {
            return (findings, None);
        }
        let mut executables = ar4si::APPROVED_RUNTIME;
        for r in &self.policy.reference_pcrs {
            match q
                .pcrs
                .iter()
                .find(|(bank, i, _)| *bank == r.bank && *i == r.index)
            {
                None => findings.push(Reason::MeasurementMissing),
                Some((_, _, v)) if *v != r.value => findings.push(Reason::PcrMismatch(r.index)),
                Some(_) => continue,
            }
            executables = ar4si::UNRECOGNIZED_RUNTIME;
        }
        (findings, Some(executables))
    }
}

impl EvidenceFormat for TpmFormat {
    fn handles(&self, media_type: &str) -> bool {
        media_type.trim().eq_ignore_ascii_case(TPM_QUOTE_MEDIA_TYPE)
    }

    fn appraise(&self, cx: &AppraisalContext<'_>) -> Result<FormatAppraisal, Reason> {
        let q = self.verify_quote(cx.token, cx.now_unix_secs)?;
        let expected =
            extra_data(cx.binder, cx.aik_pub_hash).map_err(|_| Reason::BinderMismatch)?;
        if !crate::crypto::ct_eq(&q.quote.extra_data, &expected) {
            return Err(Reason::BinderMismatch);
        }
        let (findings, executables) = self.findings(&q);
        // A pinned AK says which device this is; a chain to an AK root says, besides, that
        // the root's owner vouches for the AK living in a genuine TPM.
        let hardware = match q.ak_trust {
            AkTrust::Pinned => None,
            AkTrust::Certificate => Some(ar4si::GENUINE_HARDWARE),
        };
        let vector = trust_vector(
            ar4si::TRUSTWORTHY_INSTANCE,
            None,
            executables,
            hardware,
            None,
        )?;
        let mut claims = EvidenceClaims::new(
            Platform::Tpm,
            TPM_PROFILE.to_owned(),
            q.quote.extra_data.clone(),
            cx.aik_pub_hash.to_vec(),
        );
        claims.ueid = Some(q.quote.qualified_signer.clone());
        claims.measurements = q
            .pcrs
            .iter()
            .map(|(bank, i, v)| (format!("{}:pcr{i}", bank.name()), v.clone()))
            .collect();
        let mut a = FormatAppraisal::new(TPM_SUBMOD, q.anchor, q.digest, vector, claims);
        a.findings = findings;
        Ok(a)
    }
}
