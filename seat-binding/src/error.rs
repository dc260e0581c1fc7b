//! The crate's one error type.

use core::fmt;

/// Everything that can go wrong in `seat-binding`, grouped by who is to blame.
///
/// Variants carry no strings: a caller maps them to alerts or verification stages by matching.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    // Malformed input.
    /// An X.509 certificate is not strict DER, or lacks the fields up to its
    /// `subjectPublicKeyInfo` (RFC 5280 section 4.1); `offset` is where reading failed.
    MalformedCertificate {
        /// Byte offset into the certificate at which decoding failed.
        offset: usize,
    },
    /// A DER `SubjectPublicKeyInfo` (RFC 5280 section 4.1.2.7) is malformed or has trailing
    /// bytes; `offset` is where reading failed.
    MalformedPublicKey {
        /// Byte offset into the SubjectPublicKeyInfo at which decoding failed.
        offset: usize,
    },
    /// A PKCS#8 private key (RFC 5208) could not be loaded for the requested algorithm.
    MalformedPrivateKey,
    /// A signature is not in the encoding its scheme requires (for example ECDSA DER,
    /// RFC 8446 section 4.2.3), so it cannot verify.
    MalformedSignature,

    // The peer's values do not check out.
    /// A signature does not verify under the given public key (RFC 8446 section 4.4.3,
    /// RFC 9261 section 5.2.2).
    BadSignature,
    /// A Finished MAC differs from the one recomputed locally (RFC 9261 section 5.2.3).
    BadFinished,
    /// The public key's type does not fit the signature scheme, for example an RSA key under
    /// an ECDSA scheme (RFC 8446 section 4.2.3).
    KeyMismatch,

    // Unsupported.
    /// The TLS SignatureScheme is not one this crate implements (RFC 8446 section 4.2.3).
    UnsupportedSignatureScheme(u16),
    /// The public key algorithm (or its curve) is not one this crate implements.
    UnsupportedPublicKeyAlgorithm,
    /// The connection's cipher suite hash is neither SHA-256 nor SHA-384.
    UnsupportedHash,
    /// The connection is not TLS 1.3; exporters of TLS 1.2 and older are out of scope
    /// (draft-fossati-seat-expat section 5.10 of the digest).
    UnsupportedProtocolVersion,
    /// The requested operation is not available from this crypto provider.
    UnsupportedByProvider,

    // Caller misuse.
    /// A requested output length is zero or longer than HKDF can produce (255 * Hash.length,
    /// RFC 5869 section 2.3), or does not fit the `uint16` length of an HkdfLabel.
    InvalidOutputLength,
    /// An HkdfLabel label or context exceeds 255 bytes (RFC 8446 section 7.1).
    LabelTooLong,
    /// A `certificate_request_context` exceeds 255 bytes (RFC 9261 section 4).
    ContextTooLong,
    /// A pseudorandom key or MAC key is shorter than Hash.length (RFC 5869 section 2.3).
    InvalidKeyLength,
    /// An exporter label is not valid for the stack (OpenSSL takes UTF-8 labels only).
    InvalidLabel,
    /// The TLS handshake has not completed, so no exporter is available yet
    /// (RFC 8446 section 7.5).
    HandshakeNotComplete,
    /// The caller-supplied random source failed.
    RandomSourceFailed,
    /// A transcript is empty or does not start where the draft requires.
    InvalidTranscript,

    // The TLS stack.
    /// The TLS stack refused to export keying material.
    ExporterFailed,
    /// The crypto backend reported an internal failure while signing or deriving.
    CryptoFailure,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MalformedCertificate { offset } => {
                write!(f, "malformed certificate at offset {offset}")
            }
            Self::MalformedPublicKey { offset } => {
                write!(f, "malformed subject public key info at offset {offset}")
            }
            Self::MalformedPrivateKey => f.write_str("malformed pkcs#8 private key"),
            Self::MalformedSignature => f.write_str("malformed signature encoding"),
            Self::BadSignature => f.write_str("signature does not verify"),
            Self::BadFinished => f.write_str("finished mac does not match"),
            Self::KeyMismatch => f.write_str("public key type does not match the signature scheme"),
            Self::UnsupportedSignatureScheme(s) => {
                write!(f, "unsupported signature scheme {s:#06x}")
            }
            Self::UnsupportedPublicKeyAlgorithm => f.write_str("unsupported public key algorithm"),
            Self::UnsupportedHash => f.write_str("unsupported hash algorithm"),
            Self::UnsupportedProtocolVersion => f.write_str("protocol version is not tls 1.3"),
            Self::UnsupportedByProvider => f.write_str("operation not supported by the provider"),
            Self::InvalidOutputLength => f.write_str("invalid output length"),
            Self::LabelTooLong => f.write_str("hkdf label or context longer than 255 bytes"),
            Self::ContextTooLong => {
                f.write_str("certificate_request_context longer than 255 bytes")
            }
            Self::InvalidKeyLength => f.write_str("key shorter than the hash length"),
            Self::InvalidLabel => f.write_str("exporter label not accepted by the stack"),
            Self::HandshakeNotComplete => f.write_str("handshake not complete"),
            Self::RandomSourceFailed => f.write_str("random source failed"),
            Self::InvalidTranscript => f.write_str("invalid handshake transcript"),
            Self::ExporterFailed => f.write_str("tls stack failed to export keying material"),
            Self::CryptoFailure => f.write_str("crypto backend failure"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_lowercase_without_period() {
        for e in [
            Error::MalformedCertificate { offset: 3 },
            Error::BadSignature,
            Error::UnsupportedSignatureScheme(0x0401),
            Error::KeyMismatch,
        ] {
            let s = e.to_string();
            assert!(!s.ends_with('.'), "{s}");
            assert_eq!(s, s.to_lowercase(), "{s}");
        }
        assert_eq!(
            Error::UnsupportedSignatureScheme(0x0401).to_string(),
            "unsupported signature scheme 0x0401"
        );
    }
}
