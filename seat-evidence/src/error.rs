//! The crate's one error type.
//!
//! Every decoder in this crate reports a small `Copy` [`Error`] naming what was being read
//! ([`Item`]) and, for CBOR inputs, the byte offset where the problem starts (der's model).
//! JSON inputs are parsed as a whole before they are checked, so their errors carry the offset
//! `0` of the document unless the JSON parser itself failed (then [`Error::Json`] carries the
//! line and column).

use core::fmt;
use core::hash::{Hash, Hasher};

/// A failure reported by `seat-binding`'s crypto provider (key loading, signing, hashing).
///
/// Wraps [`seat_binding::Error`] so that [`Error`] stays `Copy` and `Hash`; the hash covers
/// the variant only, which is consistent with equality.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderError(pub seat_binding::Error);

impl Hash for ProviderError {
    fn hash<H: Hasher>(&self, state: &mut H) {
        core::mem::discriminant(&self.0).hash(state);
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// What a decoder was reading when it failed.
///
/// The names follow the specifications: RFC 9999 (CMW), RFC 9052 (COSE), RFC 9711 (EAT),
/// draft-ietf-rats-ear-03 (EAR) and draft-ietf-rats-ar4si (trust vectors).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Item {
    /// A generic CBOR data item (RFC 8949 section 3).
    CborItem,
    /// A generic JSON value (RFC 8259).
    JsonValue,
    /// A map key.
    MapKey,
    /// A CMW of unknown form (RFC 9999 section 3).
    Cmw,
    /// A CMW record array (RFC 9999 section 3.1).
    CmwRecord,
    /// The `type` of a CMW record.
    CmwType,
    /// The `value` of a CMW record or tag.
    CmwValue,
    /// The `ind` bitmap of a CMW record (RFC 9999 section 3.1).
    CmwInd,
    /// The tag number of a tag CMW (RFC 9999 section 3.2, RFC 9277).
    CmwTag,
    /// A CMW collection (RFC 9999 section 3.3).
    CmwCollection,
    /// A label of a CMW collection.
    CmwLabel,
    /// The `"__cmwc_t"` collection type.
    CmwCollectionType,
    /// A COSE_Sign1 message (RFC 9052 section 4.2).
    CoseSign1,
    /// The protected header bucket (RFC 9052 section 3).
    CoseProtected,
    /// The unprotected header bucket.
    CoseUnprotected,
    /// The `alg` header parameter (label 1).
    CoseAlg,
    /// The `crit` header parameter (label 2).
    CoseCrit,
    /// The `content type` header parameter (label 3).
    CoseContentType,
    /// The `kid` header parameter (label 4).
    CoseKid,
    /// The COSE_Sign1 payload.
    CosePayload,
    /// The COSE_Sign1 signature.
    CoseSignature,
    /// An EAT or CWT claims-set (RFC 9711 section 4, RFC 8392).
    ClaimsSet,
    /// The `eat_nonce` claim (RFC 9711 section 4.1).
    EatNonce,
    /// The `ueid` claim (RFC 9711 section 4.2.1).
    Ueid,
    /// The `oemid` claim (RFC 9711 section 4.2.3).
    OemId,
    /// The `hwmodel` claim (RFC 9711 section 4.2.4).
    HwModel,
    /// The `hwversion` claim (RFC 9711 section 4.2.5).
    HwVersion,
    /// The `swname` claim (RFC 9711 section 4.2.6).
    SwName,
    /// The `swversion` claim (RFC 9711 section 4.2.7).
    SwVersion,
    /// The `oemboot` claim (RFC 9711 section 4.2.8).
    OemBoot,
    /// The `dbgstat` claim (RFC 9711 section 4.2.9).
    DbgStat,
    /// The `measurements` claim (RFC 9711 section 4.2.16).
    Measurements,
    /// The `submods` claim (RFC 9711 section 4.2.18).
    Submods,
    /// The `eat_profile` claim (RFC 9711 section 4.3.2).
    EatProfile,
    /// A time claim (`iat`, `exp`, `nbf`; RFC 8392 section 3.1).
    Time,
    /// The `cnf` claim (RFC 8747 section 3).
    Cnf,
    /// A text claim (`iss`, `sub`, ...).
    Text,
    /// An EAR claims-set (draft-ietf-rats-ear-03 section 3).
    Ear,
    /// An EAR appraisal (a `submods` entry of an EAR).
    EarAppraisal,
    /// An `ear_status` trust tier (AR4SI).
    EarStatus,
    /// An AR4SI trustworthiness vector.
    TrustVector,
    /// One AR4SI trustworthiness claim.
    TrustClaim,
    /// The `ear_verifier_id` claim.
    VerifierId,
    /// The `ear_appraisal_policy_ids` claim.
    PolicyIds,
    /// The `ear_raw_evidence` claim.
    RawEvidence,
    /// A base64url string (RFC 4648 section 5, unpadded).
    Base64Url,
    /// A COSE_Key (RFC 9052 section 7).
    CoseKey,
    /// The `kak-pub` claim of a key attestation token (draft-bft-rats-kat-06 section 4).
    KakPub,
    /// A key attestation token (draft-bft-rats-kat-06).
    Kat,
    /// A combined attestation bundle (draft-bft-rats-kat-06 section 5).
    Cab,
    /// An X.509 certificate being built (RFC 5280 section 4.1).
    Certificate,
    /// A JWS compact serialization (RFC 7515 section 7.1).
    Jws,
}

impl Item {
    /// The lowercase name used in error messages.
    pub const fn name(self) -> &'static str {
        match self {
            Self::CborItem => "cbor item",
            Self::JsonValue => "json value",
            Self::MapKey => "map key",
            Self::Cmw => "cmw",
            Self::CmwRecord => "cmw record",
            Self::CmwType => "cmw type",
            Self::CmwValue => "cmw value",
            Self::CmwInd => "cmw ind",
            Self::CmwTag => "cmw tag",
            Self::CmwCollection => "cmw collection",
            Self::CmwLabel => "cmw collection label",
            Self::CmwCollectionType => "cmw collection type",
            Self::CoseSign1 => "cose_sign1",
            Self::CoseProtected => "cose protected header",
            Self::CoseUnprotected => "cose unprotected header",
            Self::CoseAlg => "cose alg",
            Self::CoseCrit => "cose crit",
            Self::CoseContentType => "cose content type",
            Self::CoseKid => "cose kid",
            Self::CosePayload => "cose payload",
            Self::CoseSignature => "cose signature",
            Self::ClaimsSet => "claims-set",
            Self::EatNonce => "eat_nonce",
            Self::Ueid => "ueid",
            Self::OemId => "oemid",
            Self::HwModel => "hwmodel",
            Self::HwVersion => "hwversion",
            Self::SwName => "swname",
            Self::SwVersion => "swversion",
            Self::OemBoot => "oemboot",
            Self::DbgStat => "dbgstat",
            Self::Measurements => "measurements",
            Self::Submods => "submods",
            Self::EatProfile => "eat_profile",
            Self::Time => "time claim",
            Self::Cnf => "cnf",
            Self::Text => "text claim",
            Self::Ear => "ear",
            Self::EarAppraisal => "ear appraisal",
            Self::EarStatus => "ear_status",
            Self::TrustVector => "trustworthiness vector",
            Self::TrustClaim => "trustworthiness claim",
            Self::VerifierId => "ear_verifier_id",
            Self::PolicyIds => "ear_appraisal_policy_ids",
            Self::RawEvidence => "ear_raw_evidence",
            Self::Base64Url => "base64url string",
            Self::CoseKey => "cose_key",
            Self::KakPub => "kak-pub",
            Self::Kat => "key attestation token",
            Self::Cab => "combined attestation bundle",
            Self::Certificate => "certificate",
            Self::Jws => "jws",
        }
    }
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why decoding, verification or a constructor failed.
///
/// Grouped by blame as in rustls: malformed input (the bytes are not what the format says),
/// a broken rule of the format (well-formed but not allowed), unsupported input, and failed
/// signature checks. `at` is the byte offset in the input where the problem was found.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Error {
    /// The input ended in the middle of an item.
    UnexpectedEnd {
        /// What was being read.
        what: Item,
        /// Offset of the item that was cut short.
        at: usize,
    },
    /// Bytes follow the complete item (RFC 8949 section 5.1 well-formedness of a sequence of one).
    TrailingBytes {
        /// What was decoded.
        what: Item,
        /// Offset of the first extra byte.
        at: usize,
    },
    /// The item has the wrong CBOR major type or JSON type.
    UnexpectedType {
        /// What was being read.
        what: Item,
        /// Offset of the item.
        at: usize,
    },
    /// A reserved or malformed CBOR initial byte (RFC 8949 section 3.3), or invalid JSON text.
    Malformed {
        /// What was being read.
        what: Item,
        /// Offset of the bad byte.
        at: usize,
    },
    /// A head argument not in its shortest form (RFC 8949 section 4.2.1 preferred serialization).
    NonPreferred {
        /// What was being read.
        what: Item,
        /// Offset of the head.
        at: usize,
    },
    /// An indefinite-length item where the profile requires definite lengths
    /// (RFC 8949 section 4.2.1; RFC 9711 section 6.4 constrained device profile).
    Indefinite {
        /// What was being read.
        what: Item,
        /// Offset of the item.
        at: usize,
    },
    /// A map key appears twice (RFC 8949 section 5.6; a claim-smuggling vector).
    DuplicateKey {
        /// The map being read.
        what: Item,
        /// Offset of the second occurrence of the key.
        at: usize,
    },
    /// Nesting deeper than [`crate::cbor::MAX_DEPTH`].
    TooDeep {
        /// What was being read.
        what: Item,
        /// Offset of the item that went too deep.
        at: usize,
    },
    /// A length or count above its `MAX_*` bound, or outside the range the format allows.
    BadLength {
        /// What was being read.
        what: Item,
        /// Offset of the item.
        at: usize,
    },
    /// A text string that is not UTF-8 (RFC 8949 section 3.1 major type 3).
    InvalidUtf8 {
        /// What was being read.
        what: Item,
        /// Offset of the string.
        at: usize,
    },
    /// A value of the right type but outside what the format allows (a zero `ind`, an unknown
    /// tier, a tag outside the RFC 9277 range, a float `iat`, ...).
    InvalidValue {
        /// What was being read.
        what: Item,
        /// Offset of the value.
        at: usize,
    },
    /// A required member is absent.
    Missing {
        /// What is missing.
        what: Item,
        /// Offset of the enclosing item.
        at: usize,
    },
    /// JSON that serde_json could not parse (RFC 8259).
    Json {
        /// One-based line of the syntax error.
        line: usize,
        /// One-based column of the syntax error.
        column: usize,
    },
    /// A base64url value with padding, bad characters or non-zero trailing bits
    /// (RFC 4648 section 5; RFC 9999 requires unpadded base64url).
    Base64 {
        /// What was being read.
        what: Item,
    },
    /// The protected header lacks `alg` (RFC 9052 section 3.1; required by every profile here).
    MissingAlgorithm {
        /// Offset of the protected header bucket.
        at: usize,
    },
    /// The `crit` header lists a label this implementation does not understand
    /// (RFC 9052 section 3.1: the message must be rejected).
    UnknownCritical {
        /// The critical label, when it is an integer; `None` for a text label.
        label: Option<i64>,
        /// Offset of the protected header bucket.
        at: usize,
    },
    /// The signature algorithm is not supported by the verifier.
    UnsupportedAlgorithm {
        /// The COSE algorithm identifier.
        alg: i64,
    },
    /// The signature does not verify (RFC 9052 section 4.4).
    BadSignature,
    /// The message has a detached payload but none was supplied (RFC 9052 section 2).
    DetachedPayload,
    /// A constructor was given a value the format cannot carry (caller misuse).
    InvalidArgument {
        /// What was being built.
        what: Item,
    },
    /// The protected `alg` is not the algorithm of the verification key (RFC 9052
    /// section 8.1: the key fixes the algorithm; accepting another one invites confusion).
    AlgorithmMismatch {
        /// The COSE algorithm the message names.
        alg: i64,
    },
    /// A value differs from the one the verifier expected: a `kid` other than the trusted
    /// key's, a KAT nonce other than the challenge, a PAT nonce that does not hash the KAT's
    /// `kak-pub` (draft-bft-rats-kat-06 section 5).
    Mismatch {
        /// What differs.
        what: Item,
    },
    /// The crypto provider failed (the key would not load, or signing failed).
    Provider(ProviderError),
    /// A platform Attester failed (configfs-tsm: an I/O step, a concurrent writer, a
    /// provider it does not know).
    Attester(crate::configfs::TsmError),
}

impl Error {
    /// The byte offset of the problem, when the error has one.
    pub const fn offset(&self) -> Option<usize> {
        match *self {
            Self::UnexpectedEnd { at, .. }
            | Self::TrailingBytes { at, .. }
            | Self::UnexpectedType { at, .. }
            | Self::Malformed { at, .. }
            | Self::NonPreferred { at, .. }
            | Self::Indefinite { at, .. }
            | Self::DuplicateKey { at, .. }
            | Self::TooDeep { at, .. }
            | Self::BadLength { at, .. }
            | Self::InvalidUtf8 { at, .. }
            | Self::InvalidValue { at, .. }
            | Self::Missing { at, .. }
            | Self::MissingAlgorithm { at }
            | Self::UnknownCritical { at, .. } => Some(at),
            Self::Json { .. }
            | Self::Base64 { .. }
            | Self::UnsupportedAlgorithm { .. }
            | Self::BadSignature
            | Self::DetachedPayload
            | Self::InvalidArgument { .. }
            | Self::AlgorithmMismatch { .. }
            | Self::Mismatch { .. }
            | Self::Provider(_)
            | Self::Attester(_) => None,
        }
    }

    /// Shifts the offset by `base`, for errors found inside an embedded byte string.
    pub(crate) const fn nested(self, base: usize) -> Self {
        match self {
            Self::UnexpectedEnd { what, at } => Self::UnexpectedEnd {
                what,
                at: at + base,
            },
            Self::TrailingBytes { what, at } => Self::TrailingBytes {
                what,
                at: at + base,
            },
            Self::UnexpectedType { what, at } => Self::UnexpectedType {
                what,
                at: at + base,
            },
            Self::Malformed { what, at } => Self::Malformed {
                what,
                at: at + base,
            },
            Self::NonPreferred { what, at } => Self::NonPreferred {
                what,
                at: at + base,
            },
            Self::Indefinite { what, at } => Self::Indefinite {
                what,
                at: at + base,
            },
            Self::DuplicateKey { what, at } => Self::DuplicateKey {
                what,
                at: at + base,
            },
            Self::TooDeep { what, at } => Self::TooDeep {
                what,
                at: at + base,
            },
            Self::BadLength { what, at } => Self::BadLength {
                what,
                at: at + base,
            },
            Self::InvalidUtf8 { what, at } => Self::InvalidUtf8 {
                what,
                at: at + base,
            },
            Self::InvalidValue { what, at } => Self::InvalidValue {
                what,
                at: at + base,
            },
            Self::Missing { what, at } => Self::Missing {
                what,
                at: at + base,
            },
            Self::MissingAlgorithm { at } => Self::MissingAlgorithm { at: at + base },
            Self::UnknownCritical { label, at } => Self::UnknownCritical {
                label,
                at: at + base,
            },
            other => other,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnexpectedEnd { what, at } => write!(f, "input ended inside {what} at {at}"),
            Self::TrailingBytes { what, at } => write!(f, "trailing bytes after {what} at {at}"),
            Self::UnexpectedType { what, at } => write!(f, "unexpected type for {what} at {at}"),
            Self::Malformed { what, at } => write!(f, "malformed {what} at {at}"),
            Self::NonPreferred { what, at } => {
                write!(f, "non-preferred encoding of {what} at {at}")
            }
            Self::Indefinite { what, at } => write!(f, "indefinite length {what} at {at}"),
            Self::DuplicateKey { what, at } => write!(f, "duplicate key in {what} at {at}"),
            Self::TooDeep { what, at } => write!(f, "{what} nested too deep at {at}"),
            Self::BadLength { what, at } => write!(f, "bad length of {what} at {at}"),
            Self::InvalidUtf8 { what, at } => write!(f, "invalid utf-8 in {what} at {at}"),
            Self::InvalidValue { what, at } => write!(f, "invalid {what} at {at}"),
            Self::Missing { what, at } => write!(f, "missing {what} in item at {at}"),
            Self::Json { line, column } => write!(f, "invalid json at {line}:{column}"),
            Self::Base64 { what } => write!(f, "invalid unpadded base64url in {what}"),
            Self::MissingAlgorithm { at } => {
                write!(f, "protected header at {at} has no algorithm")
            }
            Self::UnknownCritical { label: Some(l), at } => {
                write!(f, "unknown critical header {l} in protected header at {at}")
            }
            Self::UnknownCritical { label: None, at } => {
                write!(
                    f,
                    "unknown critical text header in protected header at {at}"
                )
            }
            Self::UnsupportedAlgorithm { alg } => write!(f, "unsupported algorithm {alg}"),
            Self::BadSignature => f.write_str("signature does not verify"),
            Self::DetachedPayload => f.write_str("detached payload not supplied"),
            Self::InvalidArgument { what } => write!(f, "value cannot be encoded as {what}"),
            Self::AlgorithmMismatch { alg } => {
                write!(f, "algorithm {alg} does not match the verification key")
            }
            Self::Mismatch { what } => write!(f, "{what} differs from the expected value"),
            Self::Provider(e) => write!(f, "crypto provider failed: {e}"),
            Self::Attester(e) => write!(f, "attester failed: {e}"),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_lowercase_without_period() {
        let all = [
            Error::UnexpectedEnd {
                what: Item::CmwRecord,
                at: 3,
            },
            Error::TrailingBytes {
                what: Item::Cmw,
                at: 9,
            },
            Error::UnexpectedType {
                what: Item::CoseSign1,
                at: 0,
            },
            Error::Malformed {
                what: Item::CborItem,
                at: 1,
            },
            Error::NonPreferred {
                what: Item::CmwType,
                at: 1,
            },
            Error::Indefinite {
                what: Item::ClaimsSet,
                at: 0,
            },
            Error::DuplicateKey {
                what: Item::ClaimsSet,
                at: 11,
            },
            Error::TooDeep {
                what: Item::CmwCollection,
                at: 32,
            },
            Error::BadLength {
                what: Item::EatNonce,
                at: 2,
            },
            Error::InvalidUtf8 {
                what: Item::Text,
                at: 4,
            },
            Error::InvalidValue {
                what: Item::Time,
                at: 2,
            },
            Error::Missing {
                what: Item::EarStatus,
                at: 0,
            },
            Error::Json { line: 1, column: 2 },
            Error::Base64 {
                what: Item::CmwValue,
            },
            Error::MissingAlgorithm { at: 2 },
            Error::UnknownCritical {
                label: Some(99),
                at: 1,
            },
            Error::UnknownCritical { label: None, at: 1 },
            Error::UnsupportedAlgorithm { alg: -8 },
            Error::BadSignature,
            Error::DetachedPayload,
            Error::InvalidArgument { what: Item::Ueid },
            Error::AlgorithmMismatch { alg: -35 },
            Error::Mismatch { what: Item::KakPub },
            Error::Provider(ProviderError(seat_binding::Error::CryptoFailure)),
        ];
        for e in all {
            let s = e.to_string();
            assert_eq!(s, s.to_lowercase(), "{s}");
            assert!(!s.ends_with('.'), "{s}");
        }
        assert_eq!(
            Error::DuplicateKey {
                what: Item::ClaimsSet,
                at: 11
            }
            .to_string(),
            "duplicate key in claims-set at 11"
        );
        assert_eq!(Error::BadSignature.offset(), None);
        assert_eq!(
            Error::InvalidValue {
                what: Item::Time,
                at: 2
            }
            .nested(10)
            .offset(),
            Some(12)
        );
    }
}
