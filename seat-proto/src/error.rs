//! The crate's error type, grouped by who is to blame, the one place that maps an error to
//! the TLS alert it calls for, and the stable names and reason codes ([`Reason`]) errors carry
//! on the wire and in vectors.

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

/// The reason code an error frame carries, with its stable snake_case name (as vectors and
/// logs use it). The numeric values are on the wire and in recorded vectors: they never
/// change, and new reasons only take new values.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u16)]
pub enum Reason {
    /// `decode_error`.
    DecodeError = 1,
    /// `duplicate_extension`.
    DuplicateExtension = 2,
    /// `unexpected_message`.
    UnexpectedMessage = 3,
    /// `record_overflow`.
    RecordOverflow = 4,
    /// `alert_during_hello`.
    AlertDuringHello = 5,
    /// `context_mismatch`.
    ContextMismatch = 6,
    /// `empty_certificate_list`.
    EmptyCertificateList = 7,
    /// `attestation_not_offered`.
    AttestationNotOffered = 8,
    /// `attestation_not_on_first_entry`.
    AttestationNotOnFirstEntry = 9,
    /// `unsolicited_extension`.
    UnsolicitedExtension = 10,
    /// `signature_scheme_not_offered`.
    SignatureSchemeNotOffered = 11,
    /// `key_does_not_match_scheme`.
    KeyDoesNotMatchScheme = 12,
    /// `bad_signature`.
    BadSignature = 13,
    /// `bad_finished`.
    BadFinished = 14,
    /// `unexpected_frame`.
    UnexpectedFrame = 15,
    /// `unexpected_authenticator`.
    UnexpectedAuthenticator = 16,
    /// `wrong_request_type`.
    WrongRequestType = 17,
    /// `duplicate_exchange`.
    DuplicateExchange = 18,
    /// `too_many_exchanges`.
    TooManyExchanges = 19,
    /// `context_reused`.
    ContextReused = 20,
    /// `too_much_early_data`.
    TooMuchEarlyData = 21,
    /// `unsupported_signature_scheme`.
    UnsupportedSignatureScheme = 22,
    /// `unsupported_shim_version`.
    UnsupportedShimVersion = 23,
    /// `shim_parameters_mismatch`.
    ShimParametersMismatch = 24,
    /// `bad_certificate`.
    BadCertificate = 25,
    /// `unknown_issuer`.
    UnknownIssuer = 26,
    /// `certificate_expired`.
    CertificateExpired = 27,
    /// `attestation_unavailable`.
    AttestationUnavailable = 28,
    /// `peer_refused`.
    PeerRefused = 29,
    /// `attestation_missing`.
    AttestationMissing = 30,
    /// `attestation_rejected`.
    AttestationRejected = 31,
    /// `peer_timeout`.
    PeerTimeout = 32,
    /// `verdict_timeout`.
    VerdictTimeout = 33,
    /// `evidence_timeout`.
    EvidenceTimeout = 34,
    /// `peer_closed`.
    PeerClosed = 35,
    /// `peer_aborted`.
    PeerAborted = 36,
    /// `internal_error`.
    InternalError = 37,
    /// `scheme_not_offered`.
    SchemeNotOffered = 38,
    /// `attestation_offer_changed`.
    AttestationOfferChanged = 39,
    /// `cmw_missing`.
    CmwMissing = 40,
    /// `empty_attestation_offer`.
    EmptyAttestationOffer = 41,
    /// `no_common_attestation_scheme`.
    NoCommonAttestationScheme = 42,
    /// `evidence_failed`.
    EvidenceFailed = 43,
    /// `unexpected_extension`.
    UnexpectedExtension = 44,
}

impl Reason {
    /// Every reason, in code order.
    pub const ALL: &[Self] = &[
        Self::DecodeError,
        Self::DuplicateExtension,
        Self::UnexpectedMessage,
        Self::RecordOverflow,
        Self::AlertDuringHello,
        Self::ContextMismatch,
        Self::EmptyCertificateList,
        Self::AttestationNotOffered,
        Self::AttestationNotOnFirstEntry,
        Self::UnsolicitedExtension,
        Self::SignatureSchemeNotOffered,
        Self::KeyDoesNotMatchScheme,
        Self::BadSignature,
        Self::BadFinished,
        Self::UnexpectedFrame,
        Self::UnexpectedAuthenticator,
        Self::WrongRequestType,
        Self::DuplicateExchange,
        Self::TooManyExchanges,
        Self::ContextReused,
        Self::TooMuchEarlyData,
        Self::UnsupportedSignatureScheme,
        Self::UnsupportedShimVersion,
        Self::ShimParametersMismatch,
        Self::BadCertificate,
        Self::UnknownIssuer,
        Self::CertificateExpired,
        Self::AttestationUnavailable,
        Self::PeerRefused,
        Self::AttestationMissing,
        Self::AttestationRejected,
        Self::PeerTimeout,
        Self::VerdictTimeout,
        Self::EvidenceTimeout,
        Self::PeerClosed,
        Self::PeerAborted,
        Self::InternalError,
        Self::SchemeNotOffered,
        Self::AttestationOfferChanged,
        Self::CmwMissing,
        Self::EmptyAttestationOffer,
        Self::NoCommonAttestationScheme,
        Self::EvidenceFailed,
        Self::UnexpectedExtension,
    ];

    /// The code on the wire.
    pub const fn code(self) -> u16 {
        self as u16
    }

    /// The reason a peer's code names, if this side knows it.
    pub const fn from_code(code: u16) -> Option<Self> {
        Some(match code {
            1 => Self::DecodeError,
            2 => Self::DuplicateExtension,
            3 => Self::UnexpectedMessage,
            4 => Self::RecordOverflow,
            5 => Self::AlertDuringHello,
            6 => Self::ContextMismatch,
            7 => Self::EmptyCertificateList,
            8 => Self::AttestationNotOffered,
            9 => Self::AttestationNotOnFirstEntry,
            10 => Self::UnsolicitedExtension,
            11 => Self::SignatureSchemeNotOffered,
            12 => Self::KeyDoesNotMatchScheme,
            13 => Self::BadSignature,
            14 => Self::BadFinished,
            15 => Self::UnexpectedFrame,
            16 => Self::UnexpectedAuthenticator,
            17 => Self::WrongRequestType,
            18 => Self::DuplicateExchange,
            19 => Self::TooManyExchanges,
            20 => Self::ContextReused,
            21 => Self::TooMuchEarlyData,
            22 => Self::UnsupportedSignatureScheme,
            23 => Self::UnsupportedShimVersion,
            24 => Self::ShimParametersMismatch,
            25 => Self::BadCertificate,
            26 => Self::UnknownIssuer,
            27 => Self::CertificateExpired,
            28 => Self::AttestationUnavailable,
            29 => Self::PeerRefused,
            30 => Self::AttestationMissing,
            31 => Self::AttestationRejected,
            32 => Self::PeerTimeout,
            33 => Self::VerdictTimeout,
            34 => Self::EvidenceTimeout,
            35 => Self::PeerClosed,
            36 => Self::PeerAborted,
            37 => Self::InternalError,
            38 => Self::SchemeNotOffered,
            39 => Self::AttestationOfferChanged,
            40 => Self::CmwMissing,
            41 => Self::EmptyAttestationOffer,
            42 => Self::NoCommonAttestationScheme,
            43 => Self::EvidenceFailed,
            44 => Self::UnexpectedExtension,
            _ => return None,
        })
    }

    /// The stable snake_case name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::DecodeError => "decode_error",
            Self::DuplicateExtension => "duplicate_extension",
            Self::UnexpectedMessage => "unexpected_message",
            Self::RecordOverflow => "record_overflow",
            Self::AlertDuringHello => "alert_during_hello",
            Self::ContextMismatch => "context_mismatch",
            Self::EmptyCertificateList => "empty_certificate_list",
            Self::AttestationNotOffered => "attestation_not_offered",
            Self::AttestationNotOnFirstEntry => "attestation_not_on_first_entry",
            Self::UnsolicitedExtension => "unsolicited_extension",
            Self::SignatureSchemeNotOffered => "signature_scheme_not_offered",
            Self::KeyDoesNotMatchScheme => "key_does_not_match_scheme",
            Self::BadSignature => "bad_signature",
            Self::BadFinished => "bad_finished",
            Self::UnexpectedFrame => "unexpected_frame",
            Self::UnexpectedAuthenticator => "unexpected_authenticator",
            Self::WrongRequestType => "wrong_request_type",
            Self::DuplicateExchange => "duplicate_exchange",
            Self::TooManyExchanges => "too_many_exchanges",
            Self::ContextReused => "context_reused",
            Self::TooMuchEarlyData => "too_much_early_data",
            Self::UnsupportedSignatureScheme => "unsupported_signature_scheme",
            Self::UnsupportedShimVersion => "unsupported_shim_version",
            Self::ShimParametersMismatch => "shim_parameters_mismatch",
            Self::BadCertificate => "bad_certificate",
            Self::UnknownIssuer => "unknown_issuer",
            Self::CertificateExpired => "certificate_expired",
            Self::AttestationUnavailable => "attestation_unavailable",
            Self::PeerRefused => "peer_refused",
            Self::AttestationMissing => "attestation_missing",
            Self::AttestationRejected => "attestation_rejected",
            Self::PeerTimeout => "peer_timeout",
            Self::VerdictTimeout => "verdict_timeout",
            Self::EvidenceTimeout => "evidence_timeout",
            Self::PeerClosed => "peer_closed",
            Self::PeerAborted => "peer_aborted",
            Self::InternalError => "internal_error",
            Self::SchemeNotOffered => "scheme_not_offered",
            Self::AttestationOfferChanged => "attestation_offer_changed",
            Self::CmwMissing => "cmw_missing",
            Self::EmptyAttestationOffer => "empty_attestation_offer",
            Self::NoCommonAttestationScheme => "no_common_attestation_scheme",
            Self::EvidenceFailed => "evidence_failed",
            Self::UnexpectedExtension => "unexpected_extension",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

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
                // RFC 8446 section 4.2: illegal_parameter.
                DecodeErrorKind::ExtensionNotAllowed { .. } => AlertDescription::ILLEGAL_PARAMETER,
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

    /// The reason this error gives on the wire.
    pub fn reason(&self) -> Reason {
        match self {
            Self::InvalidMessage(e) => match e.kind() {
                DecodeErrorKind::DuplicateExtension { .. } => Reason::DuplicateExtension,
                DecodeErrorKind::UnexpectedMessage { .. } => Reason::UnexpectedMessage,
                DecodeErrorKind::ExtensionNotAllowed { .. } => Reason::UnexpectedExtension,
                _ => Reason::DecodeError,
            },
            Self::PeerMisbehaved(p) => match p {
                PeerMisbehaved::RecordOverflow => Reason::RecordOverflow,
                PeerMisbehaved::UnexpectedHandshakeMessage { .. }
                | PeerMisbehaved::SecondHelloRetryRequest
                | PeerMisbehaved::UnexpectedClientHello
                | PeerMisbehaved::UnexpectedServerHello => Reason::UnexpectedMessage,
                PeerMisbehaved::AlertDuringHello => Reason::AlertDuringHello,
                PeerMisbehaved::ContextMismatch => Reason::ContextMismatch,
                PeerMisbehaved::EmptyCertificateList => Reason::EmptyCertificateList,
                PeerMisbehaved::AttestationNotOffered => Reason::AttestationNotOffered,
                PeerMisbehaved::AttestationNotOnFirstEntry => Reason::AttestationNotOnFirstEntry,
                PeerMisbehaved::UnsolicitedExtension(_) => Reason::UnsolicitedExtension,
                PeerMisbehaved::SignatureSchemeNotOffered(_) => Reason::SignatureSchemeNotOffered,
                PeerMisbehaved::KeyDoesNotMatchScheme => Reason::KeyDoesNotMatchScheme,
                PeerMisbehaved::BadSignature => Reason::BadSignature,
                PeerMisbehaved::BadFinished => Reason::BadFinished,
                PeerMisbehaved::UnexpectedFrame => Reason::UnexpectedFrame,
                PeerMisbehaved::UnexpectedAuthenticator => Reason::UnexpectedAuthenticator,
                PeerMisbehaved::WrongRequestType => Reason::WrongRequestType,
                PeerMisbehaved::DuplicateExchange => Reason::DuplicateExchange,
                PeerMisbehaved::TooManyExchanges => Reason::TooManyExchanges,
                PeerMisbehaved::ContextReused => Reason::ContextReused,
                PeerMisbehaved::TooMuchEarlyData => Reason::TooMuchEarlyData,
                PeerMisbehaved::SchemeNotOffered => Reason::SchemeNotOffered,
                PeerMisbehaved::AttestationOfferChanged => Reason::AttestationOfferChanged,
                PeerMisbehaved::CmwMissing => Reason::CmwMissing,
                PeerMisbehaved::UnexpectedExtension(_) => Reason::UnexpectedExtension,
            },
            Self::PeerIncompatible(p) => match p {
                PeerIncompatible::UnsupportedSignatureScheme(_) => {
                    Reason::UnsupportedSignatureScheme
                }
                PeerIncompatible::ShimVersion(_) => Reason::UnsupportedShimVersion,
                PeerIncompatible::ShimParameters => Reason::ShimParametersMismatch,
                PeerIncompatible::EmptyAttestationOffer => Reason::EmptyAttestationOffer,
                PeerIncompatible::NoCommonAttestationScheme => Reason::NoCommonAttestationScheme,
            },
            Self::InvalidCertificate(e) => match e {
                CertificateError::UnknownIssuer => Reason::UnknownIssuer,
                CertificateError::Expired | CertificateError::NotValidYet => {
                    Reason::CertificateExpired
                }
                _ => Reason::BadCertificate,
            },
            Self::Attestation(a) => match a {
                AttestationError::Unavailable => Reason::AttestationUnavailable,
                AttestationError::Refused => Reason::PeerRefused,
                AttestationError::Missing => Reason::AttestationMissing,
                AttestationError::Rejected(_) => Reason::AttestationRejected,
                AttestationError::PeerTimeout => Reason::PeerTimeout,
                AttestationError::VerdictTimeout => Reason::VerdictTimeout,
                AttestationError::EvidenceTimeout => Reason::EvidenceTimeout,
                AttestationError::PeerClosed => Reason::PeerClosed,
                AttestationError::EvidenceFailed => Reason::EvidenceFailed,
            },
            Self::PeerAborted { .. } => Reason::PeerAborted,
            Self::Crypto(_) | Self::ApiMisuse(_) => Reason::InternalError,
        }
    }

    /// The error's stable snake_case name ([`Reason::name`]), as vectors and logs use it.
    pub fn name(&self) -> &'static str {
        self.reason().name()
    }

    /// The reason code an error frame carries ([`Reason::code`]).
    pub fn reason_code(&self) -> u16 {
        self.reason().code()
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
                let name = Reason::from_code(*reason).map_or("unknown reason", Reason::name);
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
    /// A typed result asked for with another type than the attached hooks' `Accepted`
    /// (the OpenSSL adapter's `outcome`).
    AcceptedType,
    /// [`Input::ServerFlight`](crate::session::Input::ServerFlight) where no request belongs
    /// in the server's first flight: on a client, a second time, or for a configuration that
    /// requires nothing of the client or turned it off (after the handshake:
    /// [`AlreadyEstablished`](Self::AlreadyEstablished)).
    NoServerFlight,
    /// [`Input::ClientFlight`](crate::session::Input::ClientFlight) on a server, a second
    /// time, or for a configuration that turned it off (after the handshake:
    /// [`AlreadyEstablished`](Self::AlreadyEstablished)).
    NoClientFlight,
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
            Self::AcceptedType => {
                f.write_str("typed result asked for with another type than the hooks' Accepted")
            }
            Self::NoServerFlight => {
                f.write_str("no request belongs in the server's first flight on this session")
            }
            Self::NoClientFlight => {
                f.write_str("no client flight belongs before the handshake on this session")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hooks::Stage;

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
            assert_eq!(
                Reason::from_code(e.reason_code()),
                Some(e.reason()),
                "{e:?}"
            );
            assert_eq!(e.reason().name(), e.name());
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
            assert_eq!(
                Reason::from_code(e.reason_code()),
                Some(e.reason()),
                "{e:?}"
            );
            assert_eq!(e.reason().name(), e.name());
        }
    }

    #[test]
    fn reason_codes_keep_their_wire_values() {
        // The numbers recorded vectors and peers carry: the 1-based positions of the names in
        // the table of the first release (decode_error first, unexpected_extension 44th).
        let known = [
            (1, "decode_error"),
            (2, "duplicate_extension"),
            (13, "bad_signature"),
            (28, "attestation_unavailable"),
            (31, "attestation_rejected"),
            (37, "internal_error"),
            (40, "cmw_missing"),
            (44, "unexpected_extension"),
        ];
        for (code, name) in known {
            assert_eq!(Reason::from_code(code).map(Reason::name), Some(name));
        }
        assert_eq!(Reason::ALL.len(), 44);
        for (i, r) in Reason::ALL.iter().enumerate() {
            assert_eq!(usize::from(r.code()), i + 1);
            assert_eq!(Reason::from_code(r.code()), Some(*r));
        }
        assert_eq!(Reason::from_code(0), None);
        assert_eq!(Reason::from_code(45), None);
        assert_eq!(
            Error::from(AttestationError::Rejected(Rejection::new(
                Stage::Policy,
                "x"
            )))
            .reason_code(),
            Reason::AttestationRejected as u16
        );
    }

    #[test]
    fn remote_attestation_in_a_message_it_is_not_defined_for_has_no_made_up_position() {
        let e = crate::remote_attestation::RemoteAttestation::decode_data(
            HandshakeType::SERVER_HELLO,
            &[0, 0],
        )
        .unwrap_err();
        assert_eq!(e.offset(), None);
        assert_eq!(
            e.kind(),
            DecodeErrorKind::ExtensionNotAllowed { message: 2 }
        );
        let cp = CodePoints::DEFAULT;
        assert_eq!(
            Error::from(e).alert(&cp),
            AlertDescription::ILLEGAL_PARAMETER
        );
        assert_eq!(Error::from(e).name(), "unexpected_extension");
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
