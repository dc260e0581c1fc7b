//! The crate's error type, grouped by who is to blame, the one place that maps an error to
//! the TLS alert it calls for, and the stable names and reason codes errors carry on the wire
//! and in vectors.

use core::fmt::{self, Write as _};

use crate::chain::CertificateError;
use crate::codec::{DecodeError, DecodeErrorKind, EncodeError};
use crate::codepoints::{
    AlertDescription, CodePointError, CodePoints, ExtensionType, HandshakeType, SignatureScheme,
};
use crate::hooks::Rejection;

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
    /// Attestation did not succeed: refused, missing, rejected by policy, or not in time.
    Attestation(AttestationError),
    /// The peer sent an error frame and closed.
    PeerAborted {
        /// The alert the peer reported.
        alert: AlertDescription,
        /// The peer's reason code.
        reason: u16,
        /// The peer's explanation (at most 255 bytes; for a rejection, the stage and reason its
        /// Verifier or policy gave). Peer-controlled: shown escaped.
        detail: String,
    },
    /// The crypto provider failed on local material (not on peer input).
    Crypto(seat_binding::Error),
    /// The caller asked for something that cannot be done.
    ApiMisuse(ApiMisuse),
}

/// The stable snake_case names of errors, in reason-code order: the reason code of an error
/// frame is the 1-based position of the error's name here. New names are only ever appended.
pub const REASONS: &[&str] = &[
    "decode_error",
    "duplicate_extension",
    "unexpected_message",
    "record_overflow",
    "alert_during_hello",
    "context_mismatch",
    "empty_certificate_list",
    "attestation_not_offered",
    "attestation_not_on_first_entry",
    "unsolicited_extension",
    "signature_scheme_not_offered",
    "key_does_not_match_scheme",
    "bad_signature",
    "bad_finished",
    "unexpected_frame",
    "unexpected_authenticator",
    "wrong_request_type",
    "duplicate_exchange",
    "too_many_exchanges",
    "context_reused",
    "too_much_early_data",
    "unsupported_signature_scheme",
    "unsupported_shim_version",
    "shim_parameters_mismatch",
    "bad_certificate",
    "unknown_issuer",
    "certificate_expired",
    "attestation_unavailable",
    "peer_refused",
    "attestation_missing",
    "attestation_rejected",
    "peer_timeout",
    "verdict_timeout",
    "evidence_timeout",
    "peer_closed",
    "peer_aborted",
    "internal_error",
    "scheme_not_offered",
    "attestation_offer_changed",
    "cmw_missing",
    "empty_attestation_offer",
    "no_common_attestation_scheme",
    "evidence_failed",
    "unexpected_extension",
];

impl Error {
    /// The alert this error calls for, with the SEAT alerts taken from `cp`.
    ///
    /// This is the only place where errors are mapped to alerts.
    pub fn alert(&self, cp: &CodePoints) -> AlertDescription {
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
                | PeerMisbehaved::KeyDoesNotMatchScheme
                | PeerMisbehaved::ContextReused
                | PeerMisbehaved::TooManyExchanges
                | PeerMisbehaved::TooMuchEarlyData
                | PeerMisbehaved::UnexpectedExtension(_) => AlertDescription::ILLEGAL_PARAMETER,
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
                | PeerMisbehaved::UnexpectedServerHello
                | PeerMisbehaved::UnexpectedFrame
                | PeerMisbehaved::UnexpectedAuthenticator
                | PeerMisbehaved::WrongRequestType
                | PeerMisbehaved::DuplicateExchange => AlertDescription::UNEXPECTED_MESSAGE,
                // The peer has already sent its alert; ours is informational.
                PeerMisbehaved::AlertDuringHello => AlertDescription::CLOSE_NOTIFY,
                // Early attestation, digest sections 2.6 and 7 (A12, A13).
                PeerMisbehaved::SchemeNotOffered | PeerMisbehaved::AttestationOfferChanged => {
                    AlertDescription::ILLEGAL_PARAMETER
                }
                PeerMisbehaved::CmwMissing => cp.attestation_failed(),
            },
            Self::PeerIncompatible(p) => match p {
                PeerIncompatible::UnsupportedSignatureScheme(_)
                | PeerIncompatible::ShimParameters => AlertDescription::HANDSHAKE_FAILURE,
                PeerIncompatible::ShimVersion(_) => AlertDescription::PROTOCOL_VERSION,
                PeerIncompatible::EmptyAttestationOffer
                | PeerIncompatible::NoCommonAttestationScheme => {
                    cp.unsupported_attestation_schemes()
                }
            },
            Self::InvalidCertificate(e) => match e {
                CertificateError::UnknownIssuer => AlertDescription::UNKNOWN_CA,
                CertificateError::Expired | CertificateError::NotValidYet => {
                    AlertDescription::CERTIFICATE_EXPIRED
                }
                CertificateError::InvalidPurpose => AlertDescription::UNSUPPORTED_CERTIFICATE,
                _ => AlertDescription::BAD_CERTIFICATE,
            },
            Self::Attestation(a) => match a {
                AttestationError::Unavailable
                | AttestationError::Refused
                | AttestationError::Missing
                | AttestationError::PeerTimeout => cp.attestation_required(),
                AttestationError::Rejected(_) => cp.attestation_failed(),
                AttestationError::VerdictTimeout | AttestationError::EvidenceTimeout => {
                    AlertDescription::INTERNAL_ERROR
                }
                AttestationError::PeerClosed => AlertDescription::CLOSE_NOTIFY,
                AttestationError::EvidenceFailed => AlertDescription::INTERNAL_ERROR,
            },
            Self::PeerAborted { .. } => AlertDescription::CLOSE_NOTIFY,
            Self::Crypto(_) | Self::ApiMisuse(_) => AlertDescription::INTERNAL_ERROR,
        }
    }

    /// The error's stable snake_case name (one of [`REASONS`]), as vectors and logs use it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::InvalidMessage(e) => match e.kind() {
                DecodeErrorKind::DuplicateExtension { .. } => "duplicate_extension",
                DecodeErrorKind::UnexpectedMessage { .. } => "unexpected_message",
                _ => "decode_error",
            },
            Self::PeerMisbehaved(p) => match p {
                PeerMisbehaved::RecordOverflow => "record_overflow",
                PeerMisbehaved::UnexpectedHandshakeMessage { .. }
                | PeerMisbehaved::SecondHelloRetryRequest
                | PeerMisbehaved::UnexpectedClientHello
                | PeerMisbehaved::UnexpectedServerHello => "unexpected_message",
                PeerMisbehaved::AlertDuringHello => "alert_during_hello",
                PeerMisbehaved::ContextMismatch => "context_mismatch",
                PeerMisbehaved::EmptyCertificateList => "empty_certificate_list",
                PeerMisbehaved::AttestationNotOffered => "attestation_not_offered",
                PeerMisbehaved::AttestationNotOnFirstEntry => "attestation_not_on_first_entry",
                PeerMisbehaved::UnsolicitedExtension(_) => "unsolicited_extension",
                PeerMisbehaved::SignatureSchemeNotOffered(_) => "signature_scheme_not_offered",
                PeerMisbehaved::KeyDoesNotMatchScheme => "key_does_not_match_scheme",
                PeerMisbehaved::BadSignature => "bad_signature",
                PeerMisbehaved::BadFinished => "bad_finished",
                PeerMisbehaved::UnexpectedFrame => "unexpected_frame",
                PeerMisbehaved::UnexpectedAuthenticator => "unexpected_authenticator",
                PeerMisbehaved::WrongRequestType => "wrong_request_type",
                PeerMisbehaved::DuplicateExchange => "duplicate_exchange",
                PeerMisbehaved::TooManyExchanges => "too_many_exchanges",
                PeerMisbehaved::ContextReused => "context_reused",
                PeerMisbehaved::TooMuchEarlyData => "too_much_early_data",
                PeerMisbehaved::SchemeNotOffered => "scheme_not_offered",
                PeerMisbehaved::AttestationOfferChanged => "attestation_offer_changed",
                PeerMisbehaved::CmwMissing => "cmw_missing",
                PeerMisbehaved::UnexpectedExtension(_) => "unexpected_extension",
            },
            Self::PeerIncompatible(p) => match p {
                PeerIncompatible::UnsupportedSignatureScheme(_) => "unsupported_signature_scheme",
                PeerIncompatible::ShimVersion(_) => "unsupported_shim_version",
                PeerIncompatible::ShimParameters => "shim_parameters_mismatch",
                PeerIncompatible::EmptyAttestationOffer => "empty_attestation_offer",
                PeerIncompatible::NoCommonAttestationScheme => "no_common_attestation_scheme",
            },
            Self::InvalidCertificate(e) => match e {
                CertificateError::UnknownIssuer => "unknown_issuer",
                CertificateError::Expired | CertificateError::NotValidYet => "certificate_expired",
                _ => "bad_certificate",
            },
            Self::Attestation(a) => match a {
                AttestationError::Unavailable => "attestation_unavailable",
                AttestationError::Refused => "peer_refused",
                AttestationError::Missing => "attestation_missing",
                AttestationError::Rejected(_) => "attestation_rejected",
                AttestationError::PeerTimeout => "peer_timeout",
                AttestationError::VerdictTimeout => "verdict_timeout",
                AttestationError::EvidenceTimeout => "evidence_timeout",
                AttestationError::PeerClosed => "peer_closed",
                AttestationError::EvidenceFailed => "evidence_failed",
            },
            Self::PeerAborted { .. } => "peer_aborted",
            Self::Crypto(_) | Self::ApiMisuse(_) => "internal_error",
        }
    }

    /// The reason code an error frame carries: the 1-based position of [`name`](Self::name)
    /// in [`REASONS`].
    pub fn reason_code(&self) -> u16 {
        let name = self.name();
        REASONS
            .iter()
            .position(|n| *n == name)
            .and_then(|i| u16::try_from(i + 1).ok())
            .unwrap_or(0)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidMessage(e) => write!(f, "invalid message: {e}"),
            Self::PeerMisbehaved(e) => write!(f, "peer misbehaved: {e}"),
            Self::PeerIncompatible(e) => write!(f, "peer incompatible: {e}"),
            Self::InvalidCertificate(e) => write!(f, "invalid certificate: {e}"),
            Self::Attestation(e) => write!(f, "attestation: {e}"),
            Self::PeerAborted {
                alert,
                reason,
                detail,
            } => {
                let name = usize::from(*reason)
                    .checked_sub(1)
                    .and_then(|i| REASONS.get(i))
                    .copied()
                    .unwrap_or("unknown reason");
                write!(f, "peer aborted with {alert} ({name})")?;
                if !detail.is_empty() {
                    f.write_str(": ")?;
                    // Peer-controlled: printable ASCII as is, anything else escaped.
                    for c in detail.chars() {
                        if c.is_ascii_graphic() || c == ' ' {
                            f.write_char(c)?;
                        } else {
                            write!(f, "{}", c.escape_default())?;
                        }
                    }
                }
                Ok(())
            }
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

macro_rules! from_impls {
    ($($from:ty => $variant:ident),* $(,)?) => {
        $(impl From<$from> for Error {
            fn from(e: $from) -> Self {
                Self::$variant(e)
            }
        })*
    };
}

from_impls! {
    DecodeError => InvalidMessage,
    PeerMisbehaved => PeerMisbehaved,
    PeerIncompatible => PeerIncompatible,
    AttestationError => Attestation,
    ApiMisuse => ApiMisuse,
}

impl From<seat_binding::Error> for Error {
    /// A provider error on local material; errors about peer input are mapped to their rule
    /// where they arise, not through this conversion.
    fn from(e: seat_binding::Error) -> Self {
        Self::Crypto(e)
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
    /// A shim frame that cannot come now (anything before hello, a second hello).
    UnexpectedFrame,
    /// An authenticator for an exchange this side never requested, or already answered.
    UnexpectedAuthenticator,
    /// A request of the type the peer's role may not send (RFC 9261 section 4: servers send
    /// CertificateRequest, clients ClientCertificateRequest).
    WrongRequestType,
    /// A request reusing an exchange id.
    DuplicateExchange,
    /// More exchanges than [`MAX_EXCHANGES`](crate::session::MAX_EXCHANGES).
    TooManyExchanges,
    /// A `certificate_request_context` already used on this connection, in either request
    /// type (RFC 9261 section 4).
    ContextReused,
    /// More application data before the gate opened than this side holds.
    TooMuchEarlyData,
    /// A `chosen_server_scheme` or `chosen_client_scheme` that the ClientHello did not offer
    /// (draft-fossati-seat-early-attestation section 4.1; digest ambiguity A12:
    /// illegal_parameter).
    SchemeNotOffered,
    /// A second ClientHello (after HelloRetryRequest) whose `remoteAttestation` differs from
    /// the first (RFC 8446 section 4.1.2).
    AttestationOfferChanged,
    /// No `remoteAttestation` CMW in the first CertificateEntry although a scheme was chosen
    /// (draft-fossati-seat-early-attestation section 4.1; digest ambiguity A13:
    /// attestation_failed).
    CmwMissing,
    /// A recognised extension in a message it is not defined for (RFC 8446 section 4.2:
    /// illegal_parameter), such as `remoteAttestation` in a ServerHello, or in the server's
    /// Certificate although EncryptedExtensions chose no scheme (the ClientHello offered it,
    /// so it is not unsolicited; draft-fossati-seat-early-attestation section 4.1, digest
    /// section 4.1).
    UnexpectedExtension(ExtensionType),
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
            Self::UnexpectedFrame => f.write_str("unexpected shim frame"),
            Self::UnexpectedAuthenticator => {
                f.write_str("authenticator for no outstanding request")
            }
            Self::WrongRequestType => f.write_str("request type not allowed for the peer's role"),
            Self::DuplicateExchange => f.write_str("exchange id reused"),
            Self::TooManyExchanges => f.write_str("too many exchanges"),
            Self::ContextReused => f.write_str("certificate_request_context reused"),
            Self::TooMuchEarlyData => f.write_str("too much data before attestation completed"),
            Self::SchemeNotOffered => f.write_str("chosen attestation scheme was not offered"),
            Self::AttestationOfferChanged => {
                f.write_str("remoteAttestation changed in the second ClientHello")
            }
            Self::CmwMissing => f.write_str("no CMW although an attestation scheme was chosen"),
            Self::UnexpectedExtension(t) => write!(f, "extension {t} not allowed in this message"),
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
    /// A shim framing version this side does not speak.
    ShimVersion(u8),
    /// The peer uses another `cmw_attestation` code point or exporter label.
    ShimParameters,
    /// A ClientHello `remoteAttestation` with both scheme lists empty
    /// (draft-fossati-seat-early-attestation section 4.1: unsupported_attestation_schemes).
    EmptyAttestationOffer,
    /// No offered attestation scheme is acceptable (draft-fossati-seat-early-attestation
    /// section 6: unsupported_attestation_schemes).
    NoCommonAttestationScheme,
}

impl fmt::Display for PeerIncompatible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedSignatureScheme(s) => write!(f, "unsupported signature scheme {s:?}"),
            Self::ShimVersion(v) => write!(f, "unsupported shim version {v}"),
            Self::ShimParameters => {
                f.write_str("peer uses another cmw_attestation code point or exporter label")
            }
            Self::EmptyAttestationOffer => f.write_str("both attestation scheme lists are empty"),
            Self::NoCommonAttestationScheme => f.write_str("no common attestation scheme"),
        }
    }
}

/// Why attestation did not succeed.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttestationError {
    /// The peer cannot attest with any model this side requires (its hello).
    Unavailable,
    /// The peer refused with an empty authenticator (RFC 9261 section 6).
    Refused,
    /// The peer's authenticator carried no CMW although attestation is required
    /// (draft-fossati-seat-expat-03 section 3.3 lets the relying party reject it).
    Missing,
    /// The caller's Verifier or policy rejected the attestation, at this stage for this
    /// reason.
    Rejected(Rejection),
    /// The peer did not answer a request in time.
    PeerTimeout,
    /// The caller's verdict did not arrive in time.
    VerdictTimeout,
    /// The caller's Evidence did not arrive in time.
    EvidenceTimeout,
    /// The peer closed the connection before attestation completed.
    PeerClosed,
    /// The caller's Attester produced no Evidence during the handshake (early attestation;
    /// the digest's section 4.1 pragmatic internal_error).
    EvidenceFailed,
}

impl fmt::Display for AttestationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unavailable => "peer cannot attest with a required model",
            Self::Refused => "peer refused to attest",
            Self::Missing => "peer authenticated without attestation",
            Self::Rejected(r) => return write!(f, "attestation rejected at the {r}"),
            Self::PeerTimeout => "peer did not attest in time",
            Self::VerdictTimeout => "no verdict in time",
            Self::EvidenceTimeout => "no evidence in time",
            Self::PeerClosed => "peer closed before attestation completed",
            Self::EvidenceFailed => "attester produced no evidence",
        })
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
    /// The credential's end-entity certificate does not parse.
    BadCredential,
    /// An input that needs the TLS handshake to have completed.
    NotEstablished,
    /// The handshake was reported complete twice.
    AlreadyEstablished,
    /// An exchange that does not exist or is not waiting for this input.
    UnknownExchange,
    /// Application data while the gate is closed.
    GateClosed,
    /// Re-attestation without a requirement or before the peer's hello.
    NothingToReattest,
    /// More exchanges than [`MAX_EXCHANGES`](crate::session::MAX_EXCHANGES).
    TooManyExchanges,
    /// The random source repeated a request context.
    ContextCollision,
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
            Self::BadCredential => f.write_str("credential certificate does not parse"),
            Self::NotEstablished => f.write_str("the TLS handshake has not completed"),
            Self::AlreadyEstablished => f.write_str("the TLS handshake was already reported"),
            Self::UnknownExchange => f.write_str("no such exchange is waiting for this input"),
            Self::GateClosed => f.write_str("application data refused: attestation incomplete"),
            Self::NothingToReattest => f.write_str("nothing to re-attest"),
            Self::TooManyExchanges => f.write_str("too many exchanges"),
            Self::ContextCollision => f.write_str("random source repeated a request context"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_a_reason_code() {
        let errors = [
            Error::from(PeerMisbehaved::BadFinished),
            Error::from(AttestationError::Refused),
            Error::from(PeerIncompatible::ShimParameters),
            Error::InvalidCertificate(CertificateError::Expired),
            Error::from(ApiMisuse::GateClosed),
        ];
        for e in errors {
            assert!(e.reason_code() > 0, "{e:?}");
            assert_eq!(REASONS[usize::from(e.reason_code()) - 1], e.name());
        }
        let cp = CodePoints::DEFAULT;
        assert_eq!(
            Error::from(AttestationError::Rejected(Rejection::new(
                crate::hooks::Stage::Policy,
                "x"
            )))
            .alert(&cp),
            cp.attestation_failed()
        );
        assert_eq!(
            Error::from(AttestationError::Refused).alert(&cp),
            cp.attestation_required()
        );
    }

    #[test]
    fn early_attestation_errors_have_names_and_alerts() {
        let cp = CodePoints::DEFAULT;
        let cases = [
            (
                Error::from(PeerMisbehaved::SchemeNotOffered),
                AlertDescription::ILLEGAL_PARAMETER,
            ),
            (
                Error::from(PeerMisbehaved::AttestationOfferChanged),
                AlertDescription::ILLEGAL_PARAMETER,
            ),
            (
                Error::from(PeerMisbehaved::CmwMissing),
                AlertDescription(226),
            ),
            (
                Error::from(PeerMisbehaved::UnexpectedExtension(ExtensionType(0xff3a))),
                AlertDescription::ILLEGAL_PARAMETER,
            ),
            (
                Error::from(PeerIncompatible::EmptyAttestationOffer),
                AlertDescription(224),
            ),
            (
                Error::from(PeerIncompatible::NoCommonAttestationScheme),
                AlertDescription(224),
            ),
            (
                Error::from(AttestationError::EvidenceFailed),
                AlertDescription::INTERNAL_ERROR,
            ),
        ];
        for (e, alert) in cases {
            assert_eq!(e.alert(&cp), alert, "{e:?}");
            assert!(e.reason_code() > 0, "{e:?}");
            assert_eq!(REASONS[usize::from(e.reason_code()) - 1], e.name());
        }
    }

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
