//! The two attestation binders: expat's exporter binder and early attestation's transcript
//! binder.
//!
//! Both commit to the attesting key through its DER SubjectPublicKeyInfo taken byte-exact from
//! the end-entity certificate ([`crate::spki::spki_from_certificate`]).
//!
//! **Binding levels differ.** The expat binder (draft-fossati-seat-expat section 5.1) derives
//! from the exporter of the live connection, so Evidence bound to it cannot be relayed to
//! another connection. The early-attestation binder (draft-fossati-seat-early-attestation
//! section 5.1.1) hashes only the public ClientHello..ServerHello transcript: it gives at most
//! replay resistance and is open to relay (the CVE-2026-33697 class); run an expat exchange on
//! top before releasing secrets.

use crate::exporter::Exporter;
use crate::key_schedule::{Protocol, handshake_transcript_hash, hkdf_expand_label};
use crate::provider::{CryptoProvider, HashAlgorithm};
use crate::spki::{parse_spki, spki_from_certificate};
use crate::{Digest, Error, Secret};

/// The exporter label of the expat binder.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ExpatLabel {
    /// `"Attestation"`, the draft's algorithm section (-01 to -03, section 5.1); the default.
    #[default]
    Attestation,
    /// `"Attestation Binding"`, used by the draft's section 4 text and the reference
    /// implementation; for older peers (expat digest section 5.1).
    AttestationBinding,
}

impl ExpatLabel {
    /// The label bytes.
    pub const fn as_bytes(self) -> &'static [u8] {
        match self {
            Self::Attestation => b"Attestation",
            Self::AttestationBinding => b"Attestation Binding",
        }
    }
}

/// The length of the expat exported value (draft-fossati-seat-expat section 5.1).
pub const EXPAT_EXPORTED_VALUE_LEN: usize = 32;

/// How the attesting public key is encoded for hashing (expat digest section 5.3).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PublicKeyEncoding {
    /// The DER SubjectPublicKeyInfo exactly as in the certificate; the default.
    #[default]
    Spki,
    /// The raw key: the `subjectPublicKey` BIT STRING contents (uncompressed EC point, 32-byte
    /// Ed25519 key, PKCS#1 RSAPublicKey), for platforms that already hash raw keys.
    Raw,
}

/// The bytes hashed as `public_key` for a certificate under `encoding`.
///
/// # Errors
///
/// [`Error::MalformedCertificate`]; for [`PublicKeyEncoding::Raw`] also the errors of
/// [`parse_spki`].
pub fn public_key_bytes(cert_der: &[u8], encoding: PublicKeyEncoding) -> Result<&[u8], Error> {
    let spki = spki_from_certificate(cert_der)?;
    match encoding {
        PublicKeyEncoding::Spki => Ok(spki),
        PublicKeyEncoding::Raw => Ok(parse_spki(spki)?.raw_key),
    }
}

/// What the expat Attester binds its Evidence to, and what the Relying Party recomputes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpatBinder {
    /// `binding_value = Hash(public_key || TLS-Exporter(label, ctx, 32))`.
    pub binding_value: Digest,
    /// `AIK_pub_hash = Hash(public_key)`.
    pub aik_pub_hash: Digest,
}

/// `TLS-Exporter(label, certificate_request_context, 32)` (draft-fossati-seat-expat
/// section 5.1).
///
/// # Errors
///
/// Whatever the exporter returns; [`Error::ContextTooLong`] above 255 bytes.
pub fn expat_exported_value(
    exporter: &dyn Exporter,
    label: ExpatLabel,
    certificate_request_context: &[u8],
) -> Result<Secret, Error> {
    if certificate_request_context.len() > 255 {
        return Err(Error::ContextTooLong);
    }
    exporter.export(
        label.as_bytes(),
        Some(certificate_request_context),
        EXPAT_EXPORTED_VALUE_LEN,
    )
}

/// `binding_value = Hash(public_key || exported_value)` with the suite hash
/// (draft-fossati-seat-expat section 5.1, -02 and -03).
pub fn expat_binding_value(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    public_key: &[u8],
    exported_value: &Secret,
) -> Digest {
    provider.hash(hash, &[public_key, exported_value.expose()])
}

/// `AIK_pub_hash = Hash(public_key)` with the suite hash (draft-fossati-seat-expat section 5.1).
pub fn aik_pub_hash(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    public_key: &[u8],
) -> Digest {
    provider.hash(hash, &[public_key])
}

/// Computes both expat values for a request context and a public key (already encoded, see
/// [`public_key_bytes`]), with the exporter's suite hash.
///
/// # Errors
///
/// As [`expat_exported_value`].
pub fn expat_binder(
    provider: &dyn CryptoProvider,
    exporter: &dyn Exporter,
    label: ExpatLabel,
    certificate_request_context: &[u8],
    public_key: &[u8],
) -> Result<ExpatBinder, Error> {
    let hash = exporter.hash_algorithm();
    let exported = expat_exported_value(exporter, label, certificate_request_context)?;
    Ok(ExpatBinder {
        binding_value: expat_binding_value(provider, hash, public_key, &exported),
        aik_pub_hash: aik_pub_hash(provider, hash, public_key),
    })
}

/// Computes both expat values for the leaf certificate of an authenticator.
///
/// # Errors
///
/// As [`public_key_bytes`] and [`expat_exported_value`].
pub fn expat_binder_for_certificate(
    provider: &dyn CryptoProvider,
    exporter: &dyn Exporter,
    label: ExpatLabel,
    certificate_request_context: &[u8],
    leaf_cert_der: &[u8],
    encoding: PublicKeyEncoding,
) -> Result<ExpatBinder, Error> {
    let public_key = public_key_bytes(leaf_cert_der, encoding)?;
    expat_binder(
        provider,
        exporter,
        label,
        certificate_request_context,
        public_key,
    )
}

/// The early-attestation binder and the intermediate `attest_base`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EarlyBinder {
    /// `attest_base = HKDF-Expand-Label(0, "attestation base", th, Hash.length)`.
    pub attest_base: Digest,
    /// `HKDF-Expand-Label(attest_base, "attestation", Hash(SPKI), Hash.length)`.
    pub binder: Digest,
}

/// `attest_base` from `th = Transcript-Hash(ClientHello..ServerHello)`: HKDF-Expand-Label with
/// a PRK of Hash.length zero bytes and no Extract step (draft-fossati-seat-early-attestation
/// section 5.1.1; digest ambiguity A18).
///
/// # Errors
///
/// [`Error::LabelTooLong`] if `transcript_hash` exceeds 255 bytes.
pub fn early_attest_base(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    protocol: Protocol,
    transcript_hash: &[u8],
) -> Result<Digest, Error> {
    let zero = [0u8; crate::secret::MAX_DIGEST_LEN];
    let zero = zero.get(..hash.output_len()).unwrap_or_default();
    let base = hkdf_expand_label(
        provider,
        hash,
        protocol,
        zero,
        b"attestation base",
        transcript_hash,
        hash.output_len(),
    )?;
    Digest::new(base.expose())
}

/// The early-attestation binder (`c_attest_binder` or `s_attest_binder`; the same formula for
/// both roles) from the transcript hash and the attester's DER SubjectPublicKeyInfo
/// (draft-fossati-seat-early-attestation section 5.1.1; digest section 6.3, ambiguity A4).
/// [`Protocol::Dtls13`] selects the `"dtls13"` prefix (ambiguity A2).
///
/// # Errors
///
/// As [`early_attest_base`].
pub fn early_binder(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    protocol: Protocol,
    transcript_hash: &[u8],
    spki: &[u8],
) -> Result<EarlyBinder, Error> {
    let attest_base = early_attest_base(provider, hash, protocol, transcript_hash)?;
    let spki_hash = provider.hash(hash, &[spki]);
    let binder = hkdf_expand_label(
        provider,
        hash,
        protocol,
        attest_base.as_bytes(),
        b"attestation",
        spki_hash.as_bytes(),
        hash.output_len(),
    )?;
    Ok(EarlyBinder {
        attest_base,
        binder: Digest::new(binder.expose())?,
    })
}

/// The early-attestation binder from the handshake messages ClientHello..ServerHello, applying
/// the RFC 8446 section 4.4.1 HelloRetryRequest rule (ambiguity A1, reading (c)).
///
/// # Errors
///
/// As [`handshake_transcript_hash`] and [`early_binder`].
pub fn early_binder_from_messages(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    protocol: Protocol,
    messages: &[&[u8]],
    spki: &[u8],
) -> Result<EarlyBinder, Error> {
    let th = handshake_transcript_hash(provider, hash, messages)?;
    early_binder(provider, hash, protocol, th.as_bytes(), spki)
}
