//! The crate's error type, grouped by who is to blame, and the one place that maps an error
//! to the TLS alert it calls for.

use core::fmt;

use crate::chain::CertificateError;
use crate::codec::{DecodeError, DecodeErrorKind, EncodeError};
use crate::codepoints::{
    AlertDescription, CodePointError, CodePoints, ExtensionType, HandshakeType, SignatureScheme,
};

/// Everything that can go wrong in seat-proto.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The peer's bytes could not be parsed: malformed, truncated, oversized, trailing bytes,
    /// duplicate extensions (RFC 8446 sections 4 and 4.2).
    InvalidMessage(DecodeError),
    /// The peer's bytes parsed, but broke a rule of the protocol.
    PeerMisbehaved(PeerMisbehaved),
    /// The peer used something seat does not support.
    PeerIncompatible(PeerIncompatible),
    /// The chain verifier rejected the peer's certificate chain.
    InvalidCertificate(CertificateError),
    /// The crypto provider failed on local material (not on peer input).
    Crypto(seat_binding::Error),
    /// The caller asked for something that cannot be done.
    ApiMisuse(ApiMisuse),
}

impl Error {
    /// The alert this error calls for, with the SEAT alerts taken from `cp`.
    ///
    /// This is the only place where errors are mapped to alerts.
    pub fn alert(&self, cp: &CodePoints) -> AlertDescription {
        // The mapping does not depend on the SEAT alerts yet; later rules (such as
        // `attestation_failed`) take their values from `cp`.
        let _ = cp;
        match self {
            Self::InvalidMessage(e) => match e.kind() {
                // RFC 8446 section 4.2 names no alert for a repeated extension; like other
                // stacks we treat it as a parameter the peer may not send.
                DecodeErrorKind::DuplicateExtension { .. }
                | DecodeErrorKind::UnknownValue { .. } => AlertDescription::ILLEGAL_PARAMETER,
                DecodeErrorKind::UnexpectedMessage { .. } => AlertDescription::UNEXPECTED_MESSAGE,
                _ => AlertDescription::DECODE_ERROR,
            },
            Self::PeerMisbehaved(p) => match p {
                PeerMisbehaved::RecordOverflow => AlertDescription::RECORD_OVERFLOW,
                PeerMisbehaved::ContextMismatch
                | PeerMisbehaved::EmptyCertificateList
                | PeerMisbehaved::AttestationNotOnFirstEntry
                | PeerMisbehaved::SignatureSchemeNotOffered(_)
                | PeerMisbehaved::KeyDoesNotMatchScheme => AlertDescription::ILLEGAL_PARAMETER,
                // expat-03 section 3 names unsupported_extension for an unoffered CMW.
                PeerMisbehaved::AttestationNotOffered | PeerMisbehaved::UnsolicitedExtension(_) => {
                    AlertDescription::UNSUPPORTED_EXTENSION
                }
                PeerMisbehaved::BadSignature | PeerMisbehaved::BadFinished => {
                    AlertDescription::DECRYPT_ERROR
                }
                PeerMisbehaved::UnexpectedHandshakeMessage { .. }
                | PeerMisbehaved::SecondHelloRetryRequest
                | PeerMisbehaved::UnexpectedClientHello
                | PeerMisbehaved::UnexpectedServerHello => AlertDescription::UNEXPECTED_MESSAGE,
                // The peer has already sent its alert; ours is informational.
                PeerMisbehaved::AlertDuringHello => AlertDescription::CLOSE_NOTIFY,
            },
            Self::PeerIncompatible(PeerIncompatible::UnsupportedSignatureScheme(_)) => {
                AlertDescription::HANDSHAKE_FAILURE
            }
            Self::InvalidCertificate(e) => match e {
                CertificateError::UnknownIssuer => AlertDescription::UNKNOWN_CA,
                CertificateError::Expired | CertificateError::NotValidYet => {
                    AlertDescription::CERTIFICATE_EXPIRED
                }
                CertificateError::InvalidPurpose => AlertDescription::UNSUPPORTED_CERTIFICATE,
                _ => AlertDescription::BAD_CERTIFICATE,
            },
            Self::Crypto(_) | Self::ApiMisuse(_) => AlertDescription::INTERNAL_ERROR,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidMessage(e) => write!(f, "invalid message: {e}"),
            Self::PeerMisbehaved(e) => write!(f, "peer misbehaved: {e}"),
            Self::PeerIncompatible(e) => write!(f, "peer incompatible: {e}"),
            Self::InvalidCertificate(e) => write!(f, "invalid certificate: {e}"),
            Self::Crypto(e) => write!(f, "crypto provider: {e}"),
            Self::ApiMisuse(e) => write!(f, "api misuse: {e}"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::InvalidMessage(e) => Some(e),
            Self::InvalidCertificate(e) => Some(e),
            Self::Crypto(e) => Some(e),
            Self::ApiMisuse(ApiMisuse::Unencodable(e)) => Some(e),
            Self::ApiMisuse(ApiMisuse::CodePoints(e)) => Some(e),
            _ => None,
        }
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Self::InvalidMessage(e)
    }
}

impl From<PeerMisbehaved> for Error {
    fn from(e: PeerMisbehaved) -> Self {
        Self::PeerMisbehaved(e)
    }
}

impl From<seat_binding::Error> for Error {
    /// A provider error on local material; errors about peer input are mapped to their rule
    /// where they arise, not through this conversion.
    fn from(e: seat_binding::Error) -> Self {
        Self::Crypto(e)
    }
}

impl From<ApiMisuse> for Error {
    fn from(e: ApiMisuse) -> Self {
        Self::ApiMisuse(e)
    }
}

impl From<EncodeError> for Error {
    fn from(e: EncodeError) -> Self {
        Self::ApiMisuse(ApiMisuse::Unencodable(e))
    }
}

impl From<CodePointError> for Error {
    fn from(e: CodePointError) -> Self {
        Self::ApiMisuse(ApiMisuse::CodePoints(e))
    }
}

/// A rule of the protocol that the peer broke, one variant per rule.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerMisbehaved {
    /// A TLSPlaintext record longer than 2^14 bytes (RFC 8446 section 5.1).
    RecordOverflow,
    /// A handshake message of another type than the handshake allows here (RFC 8446
    /// section 4).
    UnexpectedHandshakeMessage {
        /// The type allowed.
        expected: HandshakeType,
        /// The type received.
        found: HandshakeType,
    },
    /// A second HelloRetryRequest (RFC 8446 section 4.1.4).
    SecondHelloRetryRequest,
    /// A ClientHello more than the handshake allows (a second one without a
    /// HelloRetryRequest, or a third).
    UnexpectedClientHello,
    /// A ServerHello more than the handshake allows.
    UnexpectedServerHello,
    /// The peer sent an alert before the handshake reached ServerHello.
    AlertDuringHello,
    /// The authenticator's `certificate_request_context` is not the request's (RFC 9261
    /// section 5.2.1).
    ContextMismatch,
    /// A full authenticator with an empty `certificate_list` (RFC 9261 section 5.2.1; the
    /// empty authenticator of section 6 carries no Certificate at all).
    EmptyCertificateList,
    /// `cmw_attestation` in an authenticator whose request did not offer it
    /// (draft-fossati-seat-expat-03 section 3: unsupported_extension).
    AttestationNotOffered,
    /// `cmw_attestation` on a CertificateEntry other than the first
    /// (draft-fossati-seat-expat-03 section 3).
    AttestationNotOnFirstEntry,
    /// A CertificateEntry extension the request (or ClientHello) did not carry (RFC 9261
    /// section 5.2.1).
    UnsolicitedExtension(ExtensionType),
    /// A CertificateVerify scheme the request's `signature_algorithms` did not offer (RFC 9261
    /// section 5.2.2).
    SignatureSchemeNotOffered(SignatureScheme),
    /// The end-entity key is not of the type the CertificateVerify scheme requires (an RSA key
    /// under an ECDSA scheme, RFC 8446 section 4.4.3).
    KeyDoesNotMatchScheme,
    /// The CertificateVerify signature does not verify (RFC 9261 section 5.2.2).
    BadSignature,
    /// The Finished MAC does not verify (RFC 9261 sections 5.2.3 and 6).
    BadFinished,
}

impl fmt::Display for PeerMisbehaved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RecordOverflow => f.write_str("record longer than 2^14 bytes"),
            Self::UnexpectedHandshakeMessage { expected, found } => {
                write!(f, "expected {expected}, received {found}")
            }
            Self::SecondHelloRetryRequest => f.write_str("second HelloRetryRequest"),
            Self::UnexpectedClientHello => f.write_str("unexpected ClientHello"),
            Self::UnexpectedServerHello => f.write_str("unexpected ServerHello"),
            Self::AlertDuringHello => f.write_str("alert received before ServerHello"),
            Self::ContextMismatch => f.write_str("certificate_request_context does not match"),
            Self::EmptyCertificateList => f.write_str("empty certificate_list"),
            Self::AttestationNotOffered => f.write_str("cmw_attestation was not offered"),
            Self::AttestationNotOnFirstEntry => {
                f.write_str("cmw_attestation on a certificate entry other than the first")
            }
            Self::UnsolicitedExtension(t) => write!(f, "extension {t:?} was not offered"),
            Self::SignatureSchemeNotOffered(s) => {
                write!(f, "signature scheme {s:?} was not offered")
            }
            Self::KeyDoesNotMatchScheme => {
                f.write_str("key type does not match the signature scheme")
            }
            Self::BadSignature => f.write_str("bad CertificateVerify signature"),
            Self::BadFinished => f.write_str("bad Finished MAC"),
        }
    }
}

/// Something the peer used that seat does not support.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerIncompatible {
    /// A signature scheme seat does not verify (RFC 9261 section 5.2.2 allows only TLS 1.3
    /// schemes; seat supports ECDSA P-256/P-384, Ed25519 and RSA-PSS).
    UnsupportedSignatureScheme(SignatureScheme),
}

impl fmt::Display for PeerIncompatible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedSignatureScheme(s) => write!(f, "unsupported signature scheme {s:?}"),
        }
    }
}

/// A mistake of the caller's, not the peer's.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiMisuse {
    /// A value that cannot be encoded on the wire.
    Unencodable(EncodeError),
    /// A code-point configuration that would make decoding ambiguous.
    CodePoints(CodePointError),
    /// Authenticator keys of the other role: a builder uses its own role's labels, a
    /// validator the peer's (RFC 9261 section 5.1).
    WrongRole,
    /// The signing key's scheme is not among those the request offered; answer with an empty
    /// authenticator instead (RFC 9261 section 5.2.2).
    SchemeNotOffered(SignatureScheme),
    /// A CMW to attach although the request did not offer `cmw_attestation`
    /// (draft-fossati-seat-expat-03 section 3).
    AttestationNotOffered,
    /// An authenticator needs at least the end-entity certificate.
    EmptyChain,
}

impl fmt::Display for ApiMisuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unencodable(e) => write!(f, "value cannot be encoded: {e}"),
            Self::CodePoints(e) => write!(f, "bad code points: {e}"),
            Self::WrongRole => f.write_str("authenticator keys of the wrong role"),
            Self::SchemeNotOffered(s) => write!(f, "signature scheme {s:?} was not offered"),
            Self::AttestationNotOffered => f.write_str("cmw_attestation was not offered"),
            Self::EmptyChain => f.write_str("empty certificate chain"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_errors_map_to_their_alerts() {
        let cp = CodePoints::DEFAULT;
        let err = |kind| Error::from(DecodeError::new("x", 0, kind));
        assert_eq!(
            err(DecodeErrorKind::TrailingBytes { count: 1 }).alert(&cp),
            AlertDescription::DECODE_ERROR
        );
        assert_eq!(
            err(DecodeErrorKind::DuplicateExtension { extension_type: 13 }).alert(&cp),
            AlertDescription::ILLEGAL_PARAMETER
        );
        assert_eq!(
            err(DecodeErrorKind::UnexpectedMessage {
                expected: 11,
                found: 20
            })
            .alert(&cp),
            AlertDescription::UNEXPECTED_MESSAGE
        );
    }
}
