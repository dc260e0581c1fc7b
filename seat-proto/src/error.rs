//! The crate's error type, grouped by who is to blame, and the one place that maps an error
//! to the TLS alert it calls for.

use core::fmt;

use crate::codec::{DecodeError, DecodeErrorKind, EncodeError};
use crate::codepoints::{AlertDescription, CodePointError, CodePoints, HandshakeType};

/// Everything that can go wrong in seat-proto.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The peer's bytes could not be parsed: malformed, truncated, oversized, trailing bytes,
    /// duplicate extensions (RFC 8446 sections 4 and 4.2).
    InvalidMessage(DecodeError),
    /// The peer's bytes parsed, but broke a rule of the protocol.
    PeerMisbehaved(PeerMisbehaved),
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
                PeerMisbehaved::UnexpectedHandshakeMessage { .. }
                | PeerMisbehaved::SecondHelloRetryRequest
                | PeerMisbehaved::UnexpectedClientHello
                | PeerMisbehaved::UnexpectedServerHello => AlertDescription::UNEXPECTED_MESSAGE,
                // The peer has already sent its alert; ours is informational.
                PeerMisbehaved::AlertDuringHello => AlertDescription::CLOSE_NOTIFY,
            },
            Self::ApiMisuse(_) => AlertDescription::INTERNAL_ERROR,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidMessage(e) => write!(f, "invalid message: {e}"),
            Self::PeerMisbehaved(e) => write!(f, "peer misbehaved: {e}"),
            Self::ApiMisuse(e) => write!(f, "api misuse: {e}"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::InvalidMessage(e) => Some(e),
            Self::PeerMisbehaved(_) => None,
            Self::ApiMisuse(ApiMisuse::Unencodable(e)) => Some(e),
            Self::ApiMisuse(ApiMisuse::CodePoints(e)) => Some(e),
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
}

impl fmt::Display for ApiMisuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unencodable(e) => write!(f, "value cannot be encoded: {e}"),
            Self::CodePoints(e) => write!(f, "bad code points: {e}"),
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
