//! The crate's error type.

use core::fmt;

use seat_proto::dgram::DgramError;

/// Which part of the connection timed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// The DTLS handshake did not complete in time.
    Handshake,
    /// A shim control message went unacknowledged after every retransmission.
    Attestation,
    /// An attestation exchange (peer, Attester or Verifier) overran the session's timeout.
    Exchange,
    /// The caller's wait for data ran out.
    Receive,
}

/// What went wrong on an attested DTLS connection.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// BoringSSL refused or failed (the rendered error stack).
    Tls(String),
    /// The peer negotiated something other than DTLS 1.3.
    NotDtls13(String),
    /// The socket failed.
    Io(std::io::Error),
    /// The expat session failed (its error frame was sent to the peer).
    Session(seat_proto::Error),
    /// The datagram shim failed.
    Shim(DgramError),
    /// The connection's exporter failed.
    Binding(seat_binding::Error),
    /// Nothing arrived in time.
    Timeout(Phase),
    /// The peer closed the connection.
    Closed,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tls(e) => write!(f, "BoringSSL: {e}"),
            Self::NotDtls13(v) => write!(f, "negotiated {v}, not DTLS 1.3"),
            Self::Io(e) => write!(f, "socket: {e}"),
            Self::Session(e) => write!(f, "attestation: {e}"),
            Self::Shim(e) => write!(f, "{e}"),
            Self::Binding(e) => write!(f, "exporter: {e}"),
            Self::Timeout(phase) => write!(f, "timed out ({phase:?})"),
            Self::Closed => f.write_str("the peer closed the connection"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Session(e) => Some(e),
            Self::Shim(e) => Some(e),
            Self::Binding(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<DgramError> for Error {
    fn from(e: DgramError) -> Self {
        match e {
            DgramError::Timeout { .. } => Self::Timeout(Phase::Attestation),
            e => Self::Shim(e),
        }
    }
}

impl From<seat_binding::Error> for Error {
    fn from(e: seat_binding::Error) -> Self {
        Self::Binding(e)
    }
}

impl From<boring::error::ErrorStack> for Error {
    fn from(e: boring::error::ErrorStack) -> Self {
        Self::Tls(e.to_string())
    }
}

impl From<boring::ssl::Error> for Error {
    fn from(e: boring::ssl::Error) -> Self {
        Self::Tls(e.to_string())
    }
}
