//! The `remoteAttestation` extension of intra-handshake attestation
//! (draft-fossati-seat-early-attestation, EA-05 and later, section 4.1), in its four forms.
//!
//! | message | `extension_data` |
//! | --- | --- |
//! | ClientHello | `server_attester_schemes<0..2^16-1>` then `client_attester_schemes<0..2^16-1>` |
//! | EncryptedExtensions | one `AttestationScheme` (`chosen_server_scheme`), no list length |
//! | CertificateRequest | one `AttestationScheme` (`chosen_client_scheme`), no list length |
//! | Certificate (first entry) | `cmw_payload<1..2^24-1>`, a 3-byte length then the CMW |
//!
//! The codec accepts a ClientHello offer whose two lists are both empty: it is well-formed.
//! Rejecting it with `unsupported_attestation_schemes` is the negotiation's rule.

use core::fmt;

use crate::codec::{
    self, Codec, DecodeError, DecodeErrorKind, EncodeError, LengthPrefix, Reader, bounded_bytes,
    put_u16, put_vec,
};
use crate::codepoints::HandshakeType;

bounded_bytes! {
    /// `EvidenceType.media_type<0..2^16-1>`: an IANA media type string
    /// (draft-fossati-seat-early-attestation section 4.1).
    ///
    /// Bounded at 65 531 bytes so that a scheme carrying it always fits in one
    /// `extension_data` (mechanism, type encoding and length take the other 4 bytes).
    MediaType, "EvidenceType.media_type", U16, 0, 0xffff - 4
}

bounded_bytes! {
    /// `VerifierIdentityType.verifier_identity<0..2^16-1>`: a stable identifier of a Verifier
    /// instance, such as a subjectAltName (draft-fossati-seat-early-attestation section 4.1).
    ///
    /// Bounded at 65 532 bytes so that a scheme carrying it always fits in one
    /// `extension_data`.
    VerifierIdentity, "VerifierIdentityType.verifier_identity", U16, 0, 0xffff - 3
}

bounded_bytes! {
    /// `cmw_payload<1..2^24-1>`: the CMW carried by `remoteAttestation` in the first
    /// `CertificateEntry` (draft-fossati-seat-early-attestation section 4.1).
    ///
    /// The draft's 3-byte length sits inside an RFC 8446 `extension_data<0..2^16-1>`, so the
    /// CMW can be at most 65 532 bytes; this is a consequence of the two definitions, which
    /// the draft does not state.
    CmwPayload, "remoteAttestation.cmw_payload", U24, 1, 0xffff - 3
}

impl MediaType {
    /// The media type as text, when it is UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(self.as_bytes()).ok()
    }
}

/// `EvidenceType`: how an Evidence format is named.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum EvidenceType {
    /// `CONTENT_FORMAT(0)`: a CoAP Content-Format ID.
    ContentFormat(u16),
    /// `MEDIA_TYPE(1)`: a media type string.
    MediaType(MediaType),
}

/// `AttestationScheme`: what an attester presents (draft-fossati-seat-early-attestation
/// section 4.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum AttestationScheme {
    /// `evidence(0)`: Evidence of this type, appraised by the relying party's Verifier
    /// (background-check model).
    Evidence(EvidenceType),
    /// `result(1)`: an Attestation Result from this Verifier (passport model).
    Result(VerifierIdentity),
}

impl AttestationScheme {
    const MECHANISM_EVIDENCE: u8 = 0;
    const MECHANISM_RESULT: u8 = 1;
    const CONTENT_FORMAT: u8 = 0;
    const MEDIA_TYPE: u8 = 1;

    /// The encoded length.
    pub fn encoded_len(&self) -> usize {
        match self {
            Self::Evidence(EvidenceType::ContentFormat(_)) => 4,
            Self::Evidence(EvidenceType::MediaType(m)) => 2 + m.encoded_len(),
            Self::Result(v) => 1 + v.encoded_len(),
        }
    }
}

impl fmt::Display for AttestationScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Evidence(EvidenceType::ContentFormat(cf)) => {
                write!(f, "evidence, content-format {cf}")
            }
            Self::Evidence(EvidenceType::MediaType(m)) => match m.as_str() {
                Some(s) => write!(f, "evidence, media type {s:?}"),
                None => write!(f, "evidence, media type {m:?}"),
            },
            Self::Result(v) => match core::str::from_utf8(v.as_bytes()) {
                Ok(s) => write!(f, "result, verifier {s:?}"),
                Err(_) => write!(f, "result, verifier {v:?}"),
            },
        }
    }
}

impl Codec for AttestationScheme {
    const NAME: &'static str = "AttestationScheme";

    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::Evidence(ty) => {
                out.push(Self::MECHANISM_EVIDENCE);
                match ty {
                    EvidenceType::ContentFormat(cf) => {
                        out.push(Self::CONTENT_FORMAT);
                        put_u16(out, *cf);
                    }
                    EvidenceType::MediaType(m) => {
                        out.push(Self::MEDIA_TYPE);
                        m.encode(out);
                    }
                }
            }
            Self::Result(v) => {
                out.push(Self::MECHANISM_RESULT);
                v.encode(out);
            }
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let at = r.offset();
        match r.u8("AttestationScheme.mechanism")? {
            Self::MECHANISM_EVIDENCE => {
                let at = r.offset();
                match r.u8("EvidenceType.type_encoding")? {
                    Self::CONTENT_FORMAT => Ok(Self::Evidence(EvidenceType::ContentFormat(
                        r.u16("EvidenceType.content_format")?,
                    ))),
                    Self::MEDIA_TYPE => {
                        Ok(Self::Evidence(EvidenceType::MediaType(MediaType::read(r)?)))
                    }
                    other => Err(DecodeError::new(
                        "EvidenceType.type_encoding",
                        at,
                        DecodeErrorKind::UnknownValue {
                            value: u16::from(other),
                        },
                    )),
                }
            }
            Self::MECHANISM_RESULT => Ok(Self::Result(VerifierIdentity::read(r)?)),
            // AttestationScheme items carry no length of their own, so an unknown mechanism
            // makes the rest of the list unreadable.
            other => Err(DecodeError::new(
                "AttestationScheme.mechanism",
                at,
                DecodeErrorKind::UnknownValue {
                    value: u16::from(other),
                },
            )),
        }
    }
}

/// The ClientHello form of `remoteAttestation`: the schemes the client accepts from the
/// server and those it can attest with, each list by preference (most preferred first).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RemoteAttestationOffer {
    server_attester_schemes: Vec<AttestationScheme>,
    client_attester_schemes: Vec<AttestationScheme>,
}

impl RemoteAttestationOffer {
    const WHAT: &'static str = "remoteAttestation (ClientHello)";

    /// Builds an offer; either list may be empty.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Length`] when the offer does not fit in one `extension_data`.
    pub fn new(
        server_attester_schemes: Vec<AttestationScheme>,
        client_attester_schemes: Vec<AttestationScheme>,
    ) -> Result<Self, EncodeError> {
        let offer = Self {
            server_attester_schemes,
            client_attester_schemes,
        };
        codec::check_len(Self::WHAT, offer.encoded_len(), 4, 0xffff)?;
        Ok(offer)
    }

    /// Schemes with which the server may attest (the client is the relying party).
    pub fn server_attester_schemes(&self) -> &[AttestationScheme] {
        &self.server_attester_schemes
    }

    /// Schemes with which the client can attest (the server is the relying party).
    pub fn client_attester_schemes(&self) -> &[AttestationScheme] {
        &self.client_attester_schemes
    }

    /// Whether both lists are empty, which the negotiation rejects with
    /// `unsupported_attestation_schemes`.
    pub fn is_empty(&self) -> bool {
        self.server_attester_schemes.is_empty() && self.client_attester_schemes.is_empty()
    }

    /// The encoded length of the `extension_data`.
    pub fn encoded_len(&self) -> usize {
        let list = |l: &[AttestationScheme]| 2 + l.iter().map(|s| s.encoded_len()).sum::<usize>();
        list(&self.server_attester_schemes) + list(&self.client_attester_schemes)
    }

    fn read_list(
        r: &mut Reader<'_>,
        what: &'static str,
    ) -> Result<Vec<AttestationScheme>, DecodeError> {
        let mut list = r.vec_u16(what, 0, 0xffff)?;
        let mut schemes = Vec::new();
        while !list.is_empty() {
            schemes.push(AttestationScheme::read(&mut list)?);
        }
        Ok(schemes)
    }
}

impl Codec for RemoteAttestationOffer {
    const NAME: &'static str = Self::WHAT;

    fn encode(&self, out: &mut Vec<u8>) {
        for list in [&self.server_attester_schemes, &self.client_attester_schemes] {
            put_vec(out, LengthPrefix::U16, |out| {
                for scheme in list {
                    scheme.encode(out);
                }
            });
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            server_attester_schemes: Self::read_list(
                r,
                "remoteAttestation.server_attester_schemes",
            )?,
            client_attester_schemes: Self::read_list(
                r,
                "remoteAttestation.client_attester_schemes",
            )?,
        })
    }
}

#[cfg(feature = "arbitrary")]
impl<'u> arbitrary::Arbitrary<'u> for RemoteAttestationOffer {
    fn arbitrary(u: &mut arbitrary::Unstructured<'u>) -> arbitrary::Result<Self> {
        let list = |u: &mut arbitrary::Unstructured<'u>| {
            let n = u.int_in_range(0..=4)?;
            (0..n)
                .map(|_| u.arbitrary())
                .collect::<arbitrary::Result<Vec<_>>>()
        };
        let server = list(u)?;
        let client = list(u)?;
        Self::new(server, client).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

/// `remoteAttestation` in any of its four forms; which one is decided by the handshake
/// message that carries it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum RemoteAttestation {
    /// In ClientHello: the offer.
    ClientHello(RemoteAttestationOffer),
    /// In EncryptedExtensions: `chosen_server_scheme`.
    EncryptedExtensions(AttestationScheme),
    /// In CertificateRequest: `chosen_client_scheme`.
    CertificateRequest(AttestationScheme),
    /// In the first CertificateEntry of Certificate: the CMW.
    Certificate(CmwPayload),
}

impl RemoteAttestation {
    /// The handshake message that carries this form.
    pub fn message(&self) -> HandshakeType {
        match self {
            Self::ClientHello(_) => HandshakeType::CLIENT_HELLO,
            Self::EncryptedExtensions(_) => HandshakeType::ENCRYPTED_EXTENSIONS,
            Self::CertificateRequest(_) => HandshakeType::CERTIFICATE_REQUEST,
            Self::Certificate(_) => HandshakeType::CERTIFICATE,
        }
    }

    /// Appends the `extension_data` (without extension type and length).
    pub fn encode_data(&self, out: &mut Vec<u8>) {
        match self {
            Self::ClientHello(offer) => offer.encode(out),
            Self::EncryptedExtensions(s) | Self::CertificateRequest(s) => s.encode(out),
            Self::Certificate(cmw) => cmw.encode(out),
        }
    }

    /// The `extension_data` as a new vector.
    pub fn to_data(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_data(&mut out);
        out
    }

    /// Decodes the `extension_data` found in `message`.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] when the data is malformed or has trailing bytes, and
    /// [`DecodeErrorKind::ExtensionNotAllowed`] (with no offset: the bytes are not at fault)
    /// when `message` cannot carry `remoteAttestation`.
    pub fn decode_data(message: HandshakeType, data: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(data);
        let value = match message {
            HandshakeType::CLIENT_HELLO => Self::ClientHello(RemoteAttestationOffer::read(&mut r)?),
            HandshakeType::ENCRYPTED_EXTENSIONS => {
                Self::EncryptedExtensions(AttestationScheme::read(&mut r)?)
            }
            HandshakeType::CERTIFICATE_REQUEST => {
                Self::CertificateRequest(AttestationScheme::read(&mut r)?)
            }
            HandshakeType::CERTIFICATE => Self::Certificate(CmwPayload::read(&mut r)?),
            other => {
                return Err(DecodeError::unlocated(
                    "remoteAttestation",
                    DecodeErrorKind::ExtensionNotAllowed { message: other.0 },
                ));
            }
        };
        r.finish("remoteAttestation")?;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_mechanism_and_encoding_are_typed_errors() {
        let err = AttestationScheme::decode(&[0x02, 0x00]).unwrap_err();
        assert_eq!(err.kind(), DecodeErrorKind::UnknownValue { value: 2 });
        assert_eq!(err.offset(), Some(0));
        let err = AttestationScheme::decode(&[0x00, 0x07, 0x00, 0x00]).unwrap_err();
        assert_eq!(err.kind(), DecodeErrorKind::UnknownValue { value: 7 });
        assert_eq!(err.offset(), Some(1));
    }

    #[test]
    fn both_lists_empty_is_well_formed() {
        let ra =
            RemoteAttestation::decode_data(HandshakeType::CLIENT_HELLO, &[0, 0, 0, 0]).unwrap();
        let RemoteAttestation::ClientHello(offer) = ra else {
            panic!("wrong form")
        };
        assert!(offer.is_empty());
    }

    #[test]
    fn empty_cmw_payload_is_rejected() {
        let err =
            RemoteAttestation::decode_data(HandshakeType::CERTIFICATE, &[0, 0, 0]).unwrap_err();
        assert!(matches!(
            err.kind(),
            DecodeErrorKind::LengthOutOfRange { length: 0, .. }
        ));
    }

    #[test]
    fn scheme_in_wrong_message_is_rejected() {
        let err =
            RemoteAttestation::decode_data(HandshakeType::FINISHED, &[0, 0, 0, 0]).unwrap_err();
        // The message, not the bytes, is at fault: no position, and the message's type.
        assert_eq!(
            err.kind(),
            DecodeErrorKind::ExtensionNotAllowed { message: 20 }
        );
        assert_eq!(err.offset(), None);
    }
}
