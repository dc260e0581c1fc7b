//! Handshake messages: the framing (RFC 8446 section 4), the authenticator request
//! (`CertificateRequest` and `ClientCertificateRequest`, RFC 9261 section 4), `Certificate`,
//! `CertificateVerify`, `Finished`, and whole authenticators (RFC 9261 sections 5.2.4 and 6).
//!
//! Exported Authenticator messages are complete handshake messages (1-byte type, 3-byte
//! length, body) without record framing, over TLS and DTLS alike (the 4-byte header is used
//! over DTLS too; see `ARCHITECTURE.md`).

use crate::codec::{
    self, Codec, DecodeError, DecodeErrorKind, EncodeError, LengthPrefix, Reader, U24_MAX,
    bounded_bytes, put_u16, put_u24, put_vec,
};
use crate::codepoints::{CodePoints, HandshakeType, SignatureScheme};
use crate::ext::{EntryExtensions, RequestExtensions};

/// The largest handshake message body seat-proto accepts: 256 KiB.
///
/// RFC 8446 allows up to 2^24 - 1 bytes. An authenticator's `Certificate` carries a chain and
/// at most one CMW of under 64 KiB; 256 KiB leaves room for long chains while bounding what a
/// peer can make a receiver buffer.
pub const MAX_HANDSHAKE_MESSAGE_LEN: usize = 256 * 1024;

bounded_bytes! {
    /// `opaque certificate_request_context<0..2^8-1>` (RFC 8446 section 4.3.2, RFC 9261
    /// section 4). Unique per connection across both request types; in expat it is also the
    /// exporter context of the attestation binder.
    RequestContext, "certificate_request_context", U8, 0, 0xff
}

bounded_bytes! {
    /// `opaque cert_data<1..2^24-1>`: one DER X.509 certificate (RFC 8446 section 4.4.2).
    /// Raw public keys are not used by Exported Authenticators (RFC 9261 section 5.2.1).
    CertData, "CertificateEntry.cert_data", U24, 1, U24_MAX
}

bounded_bytes! {
    /// `opaque signature<0..2^16-1>` of a `CertificateVerify` (RFC 8446 section 4.4.3).
    SignatureBytes, "CertificateVerify.signature", U16, 0, 0xffff
}

/// One handshake message as framed on the wire: `msg_type`, `uint24 length`, body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandshakeMessage<'a> {
    /// The message type.
    pub msg_type: HandshakeType,
    /// The body, without the 4-byte header.
    pub body: &'a [u8],
    /// The whole message, header included (what transcripts hash).
    pub raw: &'a [u8],
    /// The offset of the body in the outermost buffer, for error positions.
    pub body_offset: usize,
}

impl<'a> HandshakeMessage<'a> {
    /// Reads one framed message.
    ///
    /// # Errors
    ///
    /// [`DecodeErrorKind::Truncated`], or [`DecodeErrorKind::LengthOutOfRange`] for a body
    /// longer than [`MAX_HANDSHAKE_MESSAGE_LEN`].
    pub fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let start = r.clone();
        let msg_type = HandshakeType(r.u8("Handshake.msg_type")?);
        let body = r.vec_u24("Handshake.body", 0, MAX_HANDSHAKE_MESSAGE_LEN)?;
        let body_offset = body.offset();
        let body_len = body.remaining();
        let raw = start.clone().take(4 + body_len, "Handshake")?;
        let body = raw.get(4..).unwrap_or_default();
        Ok(Self {
            msg_type,
            body,
            raw,
            body_offset,
        })
    }

    /// Reads one framed message that must be of type `expected`.
    ///
    /// # Errors
    ///
    /// As [`read`](Self::read), and [`DecodeErrorKind::UnexpectedMessage`].
    pub fn read_expecting(
        r: &mut Reader<'a>,
        expected: HandshakeType,
    ) -> Result<Self, DecodeError> {
        let at = r.offset();
        let msg = Self::read(r)?;
        if msg.msg_type != expected {
            return Err(DecodeError::new(
                "Handshake.msg_type",
                at,
                DecodeErrorKind::UnexpectedMessage {
                    expected: expected.0,
                    found: msg.msg_type.0,
                },
            ));
        }
        Ok(msg)
    }

    /// A reader over the body that reports offsets in the outer buffer.
    pub fn body_reader(&self) -> Reader<'a> {
        Reader::with_base(self.body, self.body_offset)
    }
}

/// Appends a handshake message: `msg_type`, the body's `uint24` length, and the body that
/// `body` writes.
pub fn encode_handshake(
    out: &mut Vec<u8>,
    msg_type: HandshakeType,
    body: impl FnOnce(&mut Vec<u8>),
) {
    out.push(msg_type.0);
    put_vec(out, LengthPrefix::U24, body);
}

/// The body shared by `CertificateRequest` and `ClientCertificateRequest` (RFC 9261 section 4):
///
/// ```text
/// struct {
///     opaque certificate_request_context<0..2^8-1>;
///     Extension extensions<2..2^16-1>;
/// } CertificateRequest;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CertificateRequest {
    /// The request's context.
    pub context: RequestContext,
    /// The request's extensions.
    pub extensions: RequestExtensions,
}

impl CertificateRequest {
    /// Appends the body (no handshake header).
    pub fn encode_body(&self, out: &mut Vec<u8>) {
        self.context.encode(out);
        self.extensions.encode(out);
    }

    /// Reads a body (no handshake header).
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for a malformed context or extension block.
    pub fn read_body(r: &mut Reader<'_>, cp: &CodePoints) -> Result<Self, DecodeError> {
        Ok(Self {
            context: RequestContext::read(r)?,
            extensions: RequestExtensions::read(r, cp)?,
        })
    }

    /// Decodes a bare body that must fill `bytes`, as early implementations framed requests
    /// (fizz encodes the request without its handshake header; RFC 9261 includes it).
    ///
    /// # Errors
    ///
    /// As [`read_body`](Self::read_body), and trailing bytes.
    pub fn decode_body(bytes: &[u8], cp: &CodePoints) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let request = Self::read_body(&mut r, cp)?;
        r.finish("CertificateRequest")?;
        Ok(request)
    }
}

/// An authenticator request, with its handshake type (RFC 9261 section 4).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum AuthenticatorRequest {
    /// `CertificateRequest` (13): the server asks the client for an authenticator.
    CertificateRequest(CertificateRequest),
    /// `ClientCertificateRequest` (17): the client asks the server for an authenticator.
    ClientCertificateRequest(CertificateRequest),
}

impl AuthenticatorRequest {
    /// The handshake type of the message.
    pub fn msg_type(&self) -> HandshakeType {
        match self {
            Self::CertificateRequest(_) => HandshakeType::CERTIFICATE_REQUEST,
            Self::ClientCertificateRequest(_) => HandshakeType::CLIENT_CERTIFICATE_REQUEST,
        }
    }

    /// The request body.
    pub fn request(&self) -> &CertificateRequest {
        match self {
            Self::CertificateRequest(r) | Self::ClientCertificateRequest(r) => r,
        }
    }

    /// The request's context.
    pub fn context(&self) -> &RequestContext {
        &self.request().context
    }

    /// The request's extensions.
    pub fn extensions(&self) -> &RequestExtensions {
        &self.request().extensions
    }

    /// Appends the whole message, handshake header included.
    pub fn encode(&self, out: &mut Vec<u8>) {
        encode_handshake(out, self.msg_type(), |out| self.request().encode_body(out));
    }

    /// The whole message as a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// Decodes a whole request message that must fill `bytes`.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`]: bad framing, a handshake type other than 13 or 17, a malformed
    /// body, or trailing bytes.
    pub fn decode(bytes: &[u8], cp: &CodePoints) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let msg = HandshakeMessage::read(&mut r)?;
        r.finish("AuthenticatorRequest")?;
        let mut body = msg.body_reader();
        let request = CertificateRequest::read_body(&mut body, cp)?;
        body.finish("CertificateRequest")?;
        match msg.msg_type {
            HandshakeType::CERTIFICATE_REQUEST => Ok(Self::CertificateRequest(request)),
            HandshakeType::CLIENT_CERTIFICATE_REQUEST => {
                Ok(Self::ClientCertificateRequest(request))
            }
            other => Err(DecodeError::new(
                "Handshake.msg_type",
                0,
                DecodeErrorKind::UnexpectedMessage {
                    expected: HandshakeType::CLIENT_CERTIFICATE_REQUEST.0,
                    found: other.0,
                },
            )),
        }
    }
}

/// One `CertificateEntry` of X.509 type (RFC 8446 section 4.4.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CertificateEntry {
    /// The DER certificate.
    pub cert_data: CertData,
    /// The entry's extensions.
    pub extensions: EntryExtensions,
}

impl CertificateEntry {
    fn encoded_len(&self) -> usize {
        self.cert_data.encoded_len() + self.extensions.encoded_len()
    }

    fn encode(&self, out: &mut Vec<u8>) {
        self.cert_data.encode(out);
        self.extensions.encode(out);
    }

    fn read(r: &mut Reader<'_>, cp: &CodePoints) -> Result<Self, DecodeError> {
        Ok(Self {
            cert_data: CertData::read(r)?,
            extensions: EntryExtensions::read(r, cp)?,
        })
    }
}

/// The `Certificate` message (RFC 8446 section 4.4.2), first message of an authenticator
/// (RFC 9261 section 5.2.1):
///
/// ```text
/// struct {
///     opaque certificate_request_context<0..2^8-1>;
///     CertificateEntry certificate_list<0..2^24-1>;
/// } Certificate;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Certificate {
    context: RequestContext,
    entries: Vec<CertificateEntry>,
}

impl Certificate {
    const WHAT: &'static str = "Certificate";

    /// Builds a `Certificate`; an empty list is allowed (the virtual Certificate of an empty
    /// authenticator has one).
    ///
    /// # Errors
    ///
    /// [`EncodeError::Length`] when the message would exceed
    /// [`MAX_HANDSHAKE_MESSAGE_LEN`].
    pub fn new(
        context: RequestContext,
        entries: Vec<CertificateEntry>,
    ) -> Result<Self, EncodeError> {
        let cert = Self { context, entries };
        codec::check_len(Self::WHAT, cert.body_len(), 0, MAX_HANDSHAKE_MESSAGE_LEN)?;
        Ok(cert)
    }

    /// The context: the request's, or the server's own for a spontaneous authenticator.
    pub fn context(&self) -> &RequestContext {
        &self.context
    }

    /// The entries, end-entity certificate first.
    pub fn entries(&self) -> &[CertificateEntry] {
        &self.entries
    }

    /// The end-entity entry, if the list is not empty.
    pub fn end_entity(&self) -> Option<&CertificateEntry> {
        self.entries.first()
    }

    fn list_len(&self) -> usize {
        self.entries.iter().map(CertificateEntry::encoded_len).sum()
    }

    fn body_len(&self) -> usize {
        self.context.encoded_len() + 3 + self.list_len()
    }

    /// Appends the whole message, handshake header included.
    pub fn encode(&self, out: &mut Vec<u8>) {
        encode_handshake(out, HandshakeType::CERTIFICATE, |out| {
            self.context.encode(out);
            put_u24(out, self.list_len());
            for entry in &self.entries {
                entry.encode(out);
            }
        });
    }

    /// The whole message as a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// Reads the body of a `Certificate`.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for a malformed context, list, entry or entry extension.
    pub fn read_body(r: &mut Reader<'_>, cp: &CodePoints) -> Result<Self, DecodeError> {
        let context = RequestContext::read(r)?;
        let mut list = r.vec_u24("Certificate.certificate_list", 0, U24_MAX)?;
        let mut entries = Vec::new();
        while !list.is_empty() {
            entries.push(CertificateEntry::read(&mut list, cp)?);
        }
        Ok(Self { context, entries })
    }

    /// Decodes a whole `Certificate` message that must fill `bytes`.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`], including a wrong handshake type and trailing bytes.
    pub fn decode(bytes: &[u8], cp: &CodePoints) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let msg = HandshakeMessage::read_expecting(&mut r, HandshakeType::CERTIFICATE)?;
        r.finish(Self::WHAT)?;
        Self::from_message(&msg, cp)
    }

    fn from_message(msg: &HandshakeMessage<'_>, cp: &CodePoints) -> Result<Self, DecodeError> {
        let mut body = msg.body_reader();
        let cert = Self::read_body(&mut body, cp)?;
        body.finish(Self::WHAT)?;
        Ok(cert)
    }
}

#[cfg(feature = "arbitrary")]
impl<'u> arbitrary::Arbitrary<'u> for Certificate {
    fn arbitrary(u: &mut arbitrary::Unstructured<'u>) -> arbitrary::Result<Self> {
        let n = u.int_in_range(0..=3)?;
        let entries = (0..n)
            .map(|_| u.arbitrary())
            .collect::<arbitrary::Result<Vec<_>>>()?;
        Self::new(u.arbitrary()?, entries).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

/// The `CertificateVerify` message (RFC 8446 section 4.4.3), second message of an
/// authenticator (RFC 9261 section 5.2.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CertificateVerify {
    /// The signature scheme.
    pub algorithm: SignatureScheme,
    /// The signature.
    pub signature: SignatureBytes,
}

impl CertificateVerify {
    /// Appends the whole message, handshake header included.
    pub fn encode(&self, out: &mut Vec<u8>) {
        encode_handshake(out, HandshakeType::CERTIFICATE_VERIFY, |out| {
            put_u16(out, self.algorithm.0);
            self.signature.encode(out);
        });
    }

    /// The whole message as a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// Decodes a whole `CertificateVerify` message that must fill `bytes`.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`], including a wrong handshake type and trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let msg = HandshakeMessage::read_expecting(&mut r, HandshakeType::CERTIFICATE_VERIFY)?;
        r.finish("CertificateVerify")?;
        Self::from_message(&msg)
    }

    fn from_message(msg: &HandshakeMessage<'_>) -> Result<Self, DecodeError> {
        let mut body = msg.body_reader();
        let cv = Self {
            algorithm: SignatureScheme(body.u16("CertificateVerify.algorithm")?),
            signature: SignatureBytes::read(&mut body)?,
        };
        body.finish("CertificateVerify")?;
        Ok(cv)
    }
}

/// The `Finished` message (RFC 8446 section 4.4.4): `opaque verify_data[Hash.length]`, last
/// message of an authenticator and sole message of an empty one (RFC 9261 sections 5.2.3
/// and 6).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Finished {
    verify_data: Vec<u8>,
}

impl Finished {
    /// The hash lengths of the TLS 1.3 cipher suites: SHA-256 and SHA-384.
    pub const HASH_LENGTHS: [usize; 2] = [32, 48];

    /// Wraps a MAC of a TLS 1.3 hash length.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Length`] when the length is not 32 or 48.
    pub fn new(verify_data: impl Into<Vec<u8>>) -> Result<Self, EncodeError> {
        let verify_data = verify_data.into();
        if !Self::HASH_LENGTHS.contains(&verify_data.len()) {
            return Err(EncodeError::Length {
                what: "Finished.verify_data",
                length: verify_data.len(),
                min: 32,
                max: 48,
            });
        }
        Ok(Self { verify_data })
    }

    /// The MAC.
    pub fn verify_data(&self) -> &[u8] {
        &self.verify_data
    }

    /// Appends the whole message, handshake header included.
    pub fn encode(&self, out: &mut Vec<u8>) {
        encode_handshake(out, HandshakeType::FINISHED, |out| {
            out.extend_from_slice(&self.verify_data);
        });
    }

    /// The whole message as a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// Decodes a whole `Finished` message of a suite whose hash is `hash_len` bytes long.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`]: wrong type, trailing bytes, or a MAC of another length.
    pub fn decode(bytes: &[u8], hash_len: usize) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let msg = HandshakeMessage::read_expecting(&mut r, HandshakeType::FINISHED)?;
        r.finish("Finished")?;
        Self::from_message(&msg, hash_len)
    }

    fn from_message(msg: &HandshakeMessage<'_>, hash_len: usize) -> Result<Self, DecodeError> {
        if msg.body.len() != hash_len {
            return Err(DecodeError::new(
                "Finished.verify_data",
                msg.body_offset,
                DecodeErrorKind::LengthOutOfRange {
                    length: msg.body.len(),
                    min: hash_len,
                    max: hash_len,
                },
            ));
        }
        Ok(Self {
            verify_data: msg.body.to_vec(),
        })
    }
}

#[cfg(feature = "arbitrary")]
impl<'u> arbitrary::Arbitrary<'u> for Finished {
    fn arbitrary(u: &mut arbitrary::Unstructured<'u>) -> arbitrary::Result<Self> {
        let len = *u.choose(&Self::HASH_LENGTHS)?;
        Ok(Self {
            verify_data: u.bytes(len)?.to_vec(),
        })
    }
}

/// The raw messages of an authenticator, each with its handshake header, as transcripts
/// hash them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthenticatorMessages<'a> {
    /// `Certificate || CertificateVerify || Finished` (RFC 9261 section 5.2.4).
    Full {
        /// The `Certificate` message.
        certificate: HandshakeMessage<'a>,
        /// The `CertificateVerify` message.
        certificate_verify: HandshakeMessage<'a>,
        /// The `Finished` message.
        finished: HandshakeMessage<'a>,
    },
    /// A lone `Finished`: the empty authenticator, an authenticated refusal (RFC 9261
    /// section 6).
    Empty {
        /// The `Finished` message.
        finished: HandshakeMessage<'a>,
    },
}

impl<'a> AuthenticatorMessages<'a> {
    /// Splits the bytes of an authenticator into its framed messages.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`]: bad framing, messages out of order or missing, or trailing bytes.
    pub fn split(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let at = r.offset();
        let first = HandshakeMessage::read(&mut r)?;
        let parts = match first.msg_type {
            HandshakeType::FINISHED => Self::Empty { finished: first },
            HandshakeType::CERTIFICATE => Self::Full {
                certificate: first,
                certificate_verify: HandshakeMessage::read_expecting(
                    &mut r,
                    HandshakeType::CERTIFICATE_VERIFY,
                )?,
                finished: HandshakeMessage::read_expecting(&mut r, HandshakeType::FINISHED)?,
            },
            other => {
                return Err(DecodeError::new(
                    "Authenticator",
                    at,
                    DecodeErrorKind::UnexpectedMessage {
                        expected: HandshakeType::CERTIFICATE.0,
                        found: other.0,
                    },
                ));
            }
        };
        r.finish("Authenticator")?;
        Ok(parts)
    }
}

/// A whole authenticator, decoded.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Authenticator {
    /// `Certificate || CertificateVerify || Finished` (RFC 9261 section 5.2.4).
    Full {
        /// The certificate chain, with the attestation on its first entry in expat.
        certificate: Certificate,
        /// The signature over the authenticator transcript.
        certificate_verify: CertificateVerify,
        /// The MAC over the authenticator transcript.
        finished: Finished,
    },
    /// A lone `Finished`: the empty authenticator, an authenticated refusal (RFC 9261
    /// section 6).
    Empty {
        /// The MAC over the virtual empty `Certificate`.
        finished: Finished,
    },
}

impl Authenticator {
    /// Appends the authenticator's bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::Full {
                certificate,
                certificate_verify,
                finished,
            } => {
                certificate.encode(out);
                certificate_verify.encode(out);
                finished.encode(out);
            }
            Self::Empty { finished } => finished.encode(out),
        }
    }

    /// The authenticator's bytes as a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }

    /// Decodes an authenticator of a suite whose hash is `hash_len` bytes long.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] naming the message and field that are malformed.
    pub fn decode(bytes: &[u8], hash_len: usize, cp: &CodePoints) -> Result<Self, DecodeError> {
        Ok(match AuthenticatorMessages::split(bytes)? {
            AuthenticatorMessages::Full {
                certificate,
                certificate_verify,
                finished,
            } => Self::Full {
                certificate: Certificate::from_message(&certificate, cp)?,
                certificate_verify: CertificateVerify::from_message(&certificate_verify)?,
                finished: Finished::from_message(&finished, hash_len)?,
            },
            AuthenticatorMessages::Empty { finished } => Self::Empty {
                finished: Finished::from_message(&finished, hash_len)?,
            },
        })
    }

    /// The hash length implied by the `Finished` MAC.
    pub fn hash_len(&self) -> usize {
        match self {
            Self::Full { finished, .. } | Self::Empty { finished } => finished.verify_data.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_handshake_length_is_rejected_before_reading() {
        let err = HandshakeMessage::read(&mut Reader::new(&[0x0b, 0xff, 0xff, 0xff])).unwrap_err();
        assert!(matches!(
            err.kind(),
            DecodeErrorKind::LengthOutOfRange {
                length: 0xff_ffff,
                ..
            }
        ));
    }

    #[test]
    fn authenticator_messages_must_come_in_order() {
        // CertificateVerify first.
        let err = AuthenticatorMessages::split(&[0x0f, 0, 0, 0]).unwrap_err();
        assert_eq!(
            err.kind(),
            DecodeErrorKind::UnexpectedMessage {
                expected: 11,
                found: 15
            }
        );
        // Certificate then Finished, skipping CertificateVerify.
        let err = AuthenticatorMessages::split(&[0x0b, 0, 0, 0, 0x14, 0, 0, 0]).unwrap_err();
        assert_eq!(err.offset(), Some(4));
    }

    #[test]
    fn finished_must_have_the_hash_length() {
        let mut bytes = vec![0x14, 0, 0, 31];
        bytes.extend([0u8; 31]);
        let err = Finished::decode(&bytes, 32).unwrap_err();
        assert_eq!(err.offset(), Some(4));
        assert!(Finished::new(vec![0u8; 33]).is_err());
    }
}
