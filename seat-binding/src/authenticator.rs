//! RFC 9261 (Exported Authenticators) key material and checks, over byte slices.
//!
//! `seat-proto` frames the messages; this module derives the Handshake Context and Finished
//! MAC Key (RFC 9261 section 5.1), builds and checks the CertificateVerify signed content
//! (section 5.2.2), computes and checks the Finished MAC (section 5.2.3) and the empty
//! authenticator's MAC (section 6). Every message argument is the full handshake message, type
//! and length included, exactly as sent; the functions hash whatever bytes they are given.

use core::fmt;

use crate::exporter::Exporter;
use crate::provider::{
    CryptoProvider, HashAlgorithm, HashContext, RandomSource, SignatureAlgorithm,
    SignatureEncoding, SigningKey,
};
use crate::{Digest, Error, Secret};

/// Which endpoint built (sent) an authenticator; selects the exporter labels.
///
/// The builder uses its own role; the validator uses the peer's (RFC 9261 section 5.1).
/// Closed: TLS has these two roles and no other, so matches on it need no catch-all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The TLS client.
    Client,
    /// The TLS server.
    Server,
}

impl Role {
    /// The exporter label of the Handshake Context (RFC 9261 section 5.1).
    pub const fn handshake_context_label(self) -> &'static [u8] {
        match self {
            Self::Client => b"EXPORTER-client authenticator handshake context",
            Self::Server => b"EXPORTER-server authenticator handshake context",
        }
    }

    /// The exporter label of the Finished MAC Key (RFC 9261 section 5.1).
    pub const fn finished_key_label(self) -> &'static [u8] {
        match self {
            Self::Client => b"EXPORTER-client authenticator finished key",
            Self::Server => b"EXPORTER-server authenticator finished key",
        }
    }

    /// The other role.
    pub const fn peer(self) -> Self {
        match self {
            Self::Client => Self::Server,
            Self::Server => Self::Client,
        }
    }
}

/// The context string of the CertificateVerify signed content (RFC 9261 section 5.2.2): ASCII
/// without a terminating NUL; the 0x00 separator follows it in the signed content.
pub const CERTIFICATE_VERIFY_CONTEXT: &[u8] = b"Exported Authenticator";

/// HandshakeType certificate (RFC 8446 section 4).
const CERTIFICATE: u8 = 0x0b;
/// HandshakeType finished.
const FINISHED: u8 = 0x14;

/// The largest `certificate_request_context` (RFC 9261 section 4: `opaque <0..2^8-1>`).
pub const MAX_CERTIFICATE_REQUEST_CONTEXT_LEN: usize = 255;

/// The per-connection, per-role key material of RFC 9261 section 5.1, plus the provider that
/// computes with it.
pub struct AuthenticatorKeys {
    provider: &'static dyn CryptoProvider,
    hash: HashAlgorithm,
    role: Role,
    handshake_context: Secret,
    finished_key: Secret,
}

/// The CertificateVerify signed content over transcript hash `th`: 64 spaces,
/// [`CERTIFICATE_VERIFY_CONTEXT`], 0x00, `th` (RFC 8446 section 4.4.3).
fn signed_content(th: &Digest) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + CERTIFICATE_VERIFY_CONTEXT.len() + 1 + th.len());
    out.extend_from_slice(&[0x20; 64]);
    out.extend_from_slice(CERTIFICATE_VERIFY_CONTEXT);
    out.push(0);
    out.extend_from_slice(th.as_bytes());
    out
}

/// One authenticator's running transcript, from [`AuthenticatorKeys::transcript`]: first the
/// CertificateVerify (sign or verify), then the Finished MAC, which consumes it.
pub struct Transcript<'a> {
    keys: &'a AuthenticatorKeys,
    hash: Box<dyn HashContext + 'a>,
}

impl Transcript<'_> {
    /// The CertificateVerify signed content (as [`AuthenticatorKeys::certificate_verify_content`]).
    pub fn certificate_verify_content(&self) -> Vec<u8> {
        signed_content(&self.hash.current())
    }

    /// Signs the CertificateVerify content with `key` in the TLS encoding (as
    /// [`AuthenticatorKeys::sign_certificate_verify`]).
    ///
    /// # Errors
    ///
    /// As [`SigningKey::sign`].
    pub fn sign_certificate_verify(
        &self,
        key: &dyn SigningKey,
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, Error> {
        key.sign(
            &self.certificate_verify_content(),
            SignatureEncoding::Tls,
            rng,
        )
    }

    /// Verifies a CertificateVerify signature (as
    /// [`AuthenticatorKeys::verify_certificate_verify`]).
    ///
    /// # Errors
    ///
    /// As [`AuthenticatorKeys::verify_certificate_verify`].
    pub fn verify_certificate_verify(
        &self,
        algorithm: SignatureAlgorithm,
        leaf_spki: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        self.keys.provider.verify(
            algorithm,
            leaf_spki,
            &self.certificate_verify_content(),
            signature,
            SignatureEncoding::Tls,
        )
    }

    /// The Finished `verify_data` once `certificate_verify` is added (as
    /// [`AuthenticatorKeys::finished_mac`]).
    pub fn finished_mac(mut self, certificate_verify: &[u8]) -> Digest {
        self.hash.update(certificate_verify);
        let th = self.hash.current();
        self.keys.provider.hmac(
            self.keys.hash,
            self.keys.finished_key.expose(),
            &[th.as_bytes()],
        )
    }

    /// Checks a received Finished `verify_data` in constant time (as
    /// [`AuthenticatorKeys::verify_finished`]).
    ///
    /// # Errors
    ///
    /// [`Error::BadFinished`] if it differs.
    pub fn verify_finished(
        self,
        certificate_verify: &[u8],
        verify_data: &[u8],
    ) -> Result<(), Error> {
        if self
            .finished_mac(certificate_verify)
            .ct_eq_bytes(verify_data)
        {
            Ok(())
        } else {
            Err(Error::BadFinished)
        }
    }
}

impl fmt::Debug for Transcript<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transcript")
            .field("role", &self.keys.role)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for AuthenticatorKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticatorKeys")
            .field("hash", &self.hash)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl AuthenticatorKeys {
    /// Derives the Handshake Context and Finished MAC Key for authenticators built by `role`:
    /// `TLS-Exporter(label, "", Hash.length)` with the role's labels and an empty context.
    ///
    /// # Errors
    ///
    /// Whatever the exporter returns.
    pub fn derive(
        provider: &'static dyn CryptoProvider,
        exporter: &dyn Exporter,
        role: Role,
    ) -> Result<Self, Error> {
        let hash = exporter.hash_algorithm();
        let len = hash.output_len();
        let handshake_context = exporter.export(role.handshake_context_label(), Some(&[]), len)?;
        let finished_key = exporter.export(role.finished_key_label(), Some(&[]), len)?;
        Ok(Self {
            provider,
            hash,
            role,
            handshake_context,
            finished_key,
        })
    }

    /// Uses given Handshake Context and Finished MAC Key values, for example fizz's test
    /// values or keys obtained elsewhere.
    pub fn from_parts(
        provider: &'static dyn CryptoProvider,
        hash: HashAlgorithm,
        role: Role,
        handshake_context: Secret,
        finished_key: Secret,
    ) -> Self {
        Self {
            provider,
            hash,
            role,
            handshake_context,
            finished_key,
        }
    }

    /// The role whose labels these keys were derived with.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The suite hash.
    pub fn hash_algorithm(&self) -> HashAlgorithm {
        self.hash
    }

    /// The Handshake Context (HC).
    pub fn handshake_context(&self) -> &Secret {
        &self.handshake_context
    }

    /// The Finished MAC Key (FK).
    pub fn finished_key(&self) -> &Secret {
        &self.finished_key
    }

    /// The transcript of one authenticator, `HC || request || Certificate`, hashed once: it
    /// gives the CertificateVerify content and then, with the CertificateVerify added, the
    /// Finished MAC, without hashing the Certificate twice. The results are those of
    /// [`Self::certificate_verify_content`] and [`Self::finished_mac`].
    pub fn transcript(&self, request: Option<&[u8]>, certificate: &[u8]) -> Transcript<'_> {
        let mut hash = self.provider.hash_context(self.hash);
        hash.update(self.handshake_context.expose());
        hash.update(request.unwrap_or_default());
        hash.update(certificate);
        Transcript { keys: self, hash }
    }

    /// `Hash(HC || request || Certificate)`, the transcript hash signed in CertificateVerify
    /// (RFC 9261 section 5.2.2). `request` is `None` for a spontaneous server authenticator.
    pub fn certificate_verify_transcript_hash(
        &self,
        request: Option<&[u8]>,
        certificate: &[u8],
    ) -> Digest {
        self.provider.hash(
            self.hash,
            &[
                self.handshake_context.expose(),
                request.unwrap_or_default(),
                certificate,
            ],
        )
    }

    /// The CertificateVerify signed content: 64 spaces, [`CERTIFICATE_VERIFY_CONTEXT`], 0x00,
    /// then [`Self::certificate_verify_transcript_hash`] (RFC 9261 section 5.2.2 with
    /// RFC 8446 section 4.4.3).
    pub fn certificate_verify_content(
        &self,
        request: Option<&[u8]>,
        certificate: &[u8],
    ) -> Vec<u8> {
        let th = self.certificate_verify_transcript_hash(request, certificate);
        signed_content(&th)
    }

    /// Signs the CertificateVerify content with `key`, in the TLS encoding; returns the
    /// `signature` field of CertificateVerify.
    ///
    /// # Errors
    ///
    /// As [`SigningKey::sign`].
    pub fn sign_certificate_verify(
        &self,
        request: Option<&[u8]>,
        certificate: &[u8],
        key: &dyn SigningKey,
        rng: &mut dyn RandomSource,
    ) -> Result<Vec<u8>, Error> {
        let content = self.certificate_verify_content(request, certificate);
        key.sign(&content, SignatureEncoding::Tls, rng)
    }

    /// Verifies a CertificateVerify signature over the content, with the leaf certificate's
    /// SubjectPublicKeyInfo (RFC 9261 section 5.2.2).
    ///
    /// # Errors
    ///
    /// As [`CryptoProvider::verify`]: [`Error::KeyMismatch`] if the key does not fit the
    /// scheme, [`Error::BadSignature`] if the signature does not verify.
    pub fn verify_certificate_verify(
        &self,
        request: Option<&[u8]>,
        certificate: &[u8],
        algorithm: SignatureAlgorithm,
        leaf_spki: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        let content = self.certificate_verify_content(request, certificate);
        self.provider.verify(
            algorithm,
            leaf_spki,
            &content,
            signature,
            SignatureEncoding::Tls,
        )
    }

    /// `Hash(HC || request || Certificate || CertificateVerify)`, the transcript hash the
    /// Finished MAC covers (RFC 9261 section 5.2.3).
    pub fn finished_transcript_hash(
        &self,
        request: Option<&[u8]>,
        certificate: &[u8],
        certificate_verify: &[u8],
    ) -> Digest {
        self.provider.hash(
            self.hash,
            &[
                self.handshake_context.expose(),
                request.unwrap_or_default(),
                certificate,
                certificate_verify,
            ],
        )
    }

    /// The Finished `verify_data`: `HMAC(FK, Hash(HC || request || Certificate ||
    /// CertificateVerify))` (RFC 9261 section 5.2.3).
    pub fn finished_mac(
        &self,
        request: Option<&[u8]>,
        certificate: &[u8],
        certificate_verify: &[u8],
    ) -> Digest {
        let th = self.finished_transcript_hash(request, certificate, certificate_verify);
        self.provider
            .hmac(self.hash, self.finished_key.expose(), &[th.as_bytes()])
    }

    /// Checks a received Finished `verify_data` in constant time (RFC 9261 section 5.2.3).
    ///
    /// # Errors
    ///
    /// [`Error::BadFinished`] if it differs.
    pub fn verify_finished(
        &self,
        request: Option<&[u8]>,
        certificate: &[u8],
        certificate_verify: &[u8],
        verify_data: &[u8],
    ) -> Result<(), Error> {
        let expected = self.finished_mac(request, certificate, certificate_verify);
        if expected.ct_eq_bytes(verify_data) {
            Ok(())
        } else {
            Err(Error::BadFinished)
        }
    }

    /// The Finished `verify_data` of an empty authenticator: `HMAC(FK, Hash(HC || request ||
    /// empty Certificate))` with the virtual Certificate of [`empty_certificate`]
    /// (RFC 9261 section 6).
    ///
    /// # Errors
    ///
    /// [`Error::ContextTooLong`] if the context exceeds 255 bytes.
    pub fn empty_authenticator_mac(
        &self,
        request: Option<&[u8]>,
        certificate_request_context: &[u8],
    ) -> Result<Digest, Error> {
        let certificate = empty_certificate(certificate_request_context)?;
        let th = self.certificate_verify_transcript_hash(request, &certificate);
        Ok(self
            .provider
            .hmac(self.hash, self.finished_key.expose(), &[th.as_bytes()]))
    }

    /// The whole empty authenticator: a lone Finished message `0x14 || uint24(Hash.length) ||
    /// verify_data` (RFC 9261 section 6).
    ///
    /// # Errors
    ///
    /// As [`Self::empty_authenticator_mac`].
    pub fn empty_authenticator(
        &self,
        request: Option<&[u8]>,
        certificate_request_context: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let mac = self.empty_authenticator_mac(request, certificate_request_context)?;
        let mut out = Vec::with_capacity(4 + mac.len());
        out.push(FINISHED);
        out.extend_from_slice(&uint24(mac.len()));
        out.extend_from_slice(mac.as_bytes());
        Ok(out)
    }

    /// Checks the `verify_data` of a received empty authenticator in constant time
    /// (RFC 9261 section 6). Success means the peer refused, well-formed.
    ///
    /// # Errors
    ///
    /// [`Error::BadFinished`] if it differs, [`Error::ContextTooLong`].
    pub fn verify_empty_authenticator(
        &self,
        request: Option<&[u8]>,
        certificate_request_context: &[u8],
        verify_data: &[u8],
    ) -> Result<(), Error> {
        let expected = self.empty_authenticator_mac(request, certificate_request_context)?;
        if expected.ct_eq_bytes(verify_data) {
            Ok(())
        } else {
            Err(Error::BadFinished)
        }
    }
}

/// The low three bytes of `n`, big-endian; callers pass values below 2^24.
fn uint24(n: usize) -> [u8; 3] {
    let [_, a, b, c] = u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes();
    [a, b, c]
}

/// The virtual Certificate message of an empty authenticator: `0x0b || uint24(len) ||
/// uint8(len(ctx)) || ctx || 00 00 00` (RFC 9261 section 6).
///
/// # Errors
///
/// [`Error::ContextTooLong`] if the context exceeds 255 bytes.
pub fn empty_certificate(certificate_request_context: &[u8]) -> Result<Vec<u8>, Error> {
    let ctx_len =
        u8::try_from(certificate_request_context.len()).map_err(|_| Error::ContextTooLong)?;
    let body_len = 1 + certificate_request_context.len() + 3;
    let mut out = Vec::with_capacity(4 + body_len);
    out.push(CERTIFICATE);
    out.extend_from_slice(&uint24(body_len));
    out.push(ctx_len);
    out.extend_from_slice(certificate_request_context);
    out.extend_from_slice(&[0, 0, 0]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_certificate_layout() {
        // RFC 9261 section 6, with the expat digest section 6.2's 20-byte context.
        let ctx = b"0123456789abcdefghij";
        let c = empty_certificate(ctx).unwrap();
        assert_eq!(&c[..5], &[0x0b, 0, 0, 0x18, 0x14]);
        assert_eq!(&c[5..25], ctx);
        assert_eq!(&c[25..], &[0, 0, 0]);
        assert_eq!(empty_certificate(&[]).unwrap(), [0x0b, 0, 0, 4, 0, 0, 0, 0]);
        assert_eq!(empty_certificate(&[0; 256]), Err(Error::ContextTooLong));
    }

    #[test]
    fn roles_and_labels() {
        assert_eq!(Role::Client.peer(), Role::Server);
        assert_eq!(
            Role::Server.finished_key_label(),
            b"EXPORTER-server authenticator finished key"
        );
        assert_eq!(CERTIFICATE_VERIFY_CONTEXT.len(), 22);
    }
}
